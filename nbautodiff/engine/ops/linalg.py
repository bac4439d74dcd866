"""Products: dot, mv, mm, batched matmul and addmm (the Linear layer)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .registry import OPS, apply, defop, public
from .shape import t, transpose, unsqueeze


def _dims(x) -> str:
    return "x".join(str(s) for s in x._data.shape)


def _mm_error(name):
    def error(args, params, exc):
        x, y = args[-2], args[-1]
        xs, ys = tuple(x._data.shape), tuple(y._data.shape)
        hint = ""
        if len(xs) >= 2 and len(ys) >= 2 and xs[-1] == ys[-1]:
            hint = "; did you mean x @ y.T?"
        elif len(xs) >= 2 and len(ys) >= 2 and xs[-2] == ys[-2]:
            hint = "; did you mean x.T @ y?"
        return RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_dims(x)} and {_dims(y)})\n"
            f"{name}: shapes {xs} and {ys} don't line up ({xs[-1]} ≠ {ys[-2] if len(ys) > 1 else ys[-1]}){hint}"
        )

    return error


def _mv_error(args, params, exc):
    x, y = args
    return RuntimeError(
        f"size mismatch, got input ({x._data.shape[0]}), mat ({_dims(x)}), vec ({y._data.shape[0]})\n"
        f"mv: the matrix has {x._data.shape[1]} columns but the vector has {y._data.shape[0]} elements"
    )


def _dot_error(args, params, exc):
    x, y = args
    n, m = x._data.shape[0], y._data.shape[0]
    return RuntimeError(
        f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of elements, but "
        f"got {n} and {m} elements respectively\ndot: both vectors need the same length"
    )


def _dot_fwd(x, y):
    return np.dot(x, y)


DOT = defop(
    "dot", "DotBackward0", _dot_fwd,
    vjp=(lambda g, out, x, y: g * y,
         lambda g, out, x, y: g * x),
    jvp=(lambda dx, out, x, y: dot(dx, y),
         lambda dy, out, x, y: dot(x, dy)),
    save=(0, 1), error=_dot_error,
)
MV = defop(
    "mv", "MvBackward0", np.matmul,
    vjp=(lambda g, out, x, y: unsqueeze(g, 1) * y,
         lambda g, out, x, y: mv(t(x), g)),
    jvp=(lambda dx, out, x, y: mv(dx, y),
         lambda dy, out, x, y: mv(x, dy)),
    save=(0, 1), error=_mv_error,
)
def _transposed(y) -> bool:
    d = y._data if isinstance(y, Tensor) else y
    return d.ndim == 2 and d.flags.f_contiguous and not d.flags.c_contiguous


def _mm_vjp_y(g, out, x, y):
    # In y's own memory layout (as PyTorch's mm_mat2_backward): for y = W.t() the gradient then reaches
    # W contiguous, and the optimiser's update runs on contiguous memory. Operator expressions: these
    # rules run on tensors (create_graph) and on plain arrays alike.
    return (g.T @ x).T if _transposed(y) else x.T @ g


MM = defop(
    "mm", "MmBackward0", np.matmul,
    vjp=(lambda g, out, x, y: g @ y.T,
         _mm_vjp_y),
    jvp=(lambda dx, out, x, y: mm(dx, y),
         lambda dy, out, x, y: mm(x, dy)),
    save=(0, 1), error=_mm_error("mm"), arrays=True,
)
# Batched (and broadcast) matmul: the batch dimensions are summed back in the backward pass.
BMM = defop(
    "bmm", "BmmBackward0", np.matmul,
    vjp=(lambda g, out, x, y: matmul(g, transpose(y, -1, -2)),
         lambda g, out, x, y: matmul(transpose(x, -1, -2), g)),
    jvp=(lambda dx, out, x, y: matmul(dx, y),
         lambda dy, out, x, y: matmul(x, dy)),
    save=(0, 1), broadcast=True, error=_mm_error("matmul"),
)


def _addmm_fwd(bias, x, w):
    out = x @ w
    out += bias
    return out


ADDMM = defop(  # bias + x @ w: one node for nn.Linear, as PyTorch records it
    "addmm", "AddmmBackward0", _addmm_fwd,
    vjp=(lambda g, out, b, x, w: g,
         lambda g, out, b, x, w: g @ w.T,
         lambda g, out, b, x, w: _mm_vjp_y(g, out, x, w)),
    jvp=(lambda db, out, b, x, w: db.expand(*out.shape),
         lambda dx, out, b, x, w: mm(dx, w),
         lambda dw, out, b, x, w: mm(x, dw)),
    save=(1, 2), broadcast=True, error=_mm_error("addmm"), arrays=True,
)


def _need(x, y, name, want_x, want_y):
    if x._data.ndim != want_x or y._data.ndim != want_y:
        raise RuntimeError(
            f"{'1D' if want_x == 1 else '2D'} tensors expected, but got {x._data.ndim}D and {y._data.ndim}D tensors "
            f"({name}: use torch.matmul / @ for other shapes)"
        )


@public
def dot(x, y):
    """Inner product of two 1-D tensors."""
    _need(x, y, "dot", 1, 1)
    return apply(DOT, (x, y))


@public
def mv(x, y):
    """Matrix (n, m) times vector (m,)."""
    _need(x, y, "mv", 2, 1)
    return apply(MV, (x, y))


@public
def mm(x, y):
    """Matrix (n, m) times matrix (m, p)."""
    if x._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix (mm got a {x._data.ndim}D tensor; use torch.matmul / @)")
    if y._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix (mm got a {y._data.ndim}D tensor; use torch.matmul / @)")
    return apply(MM, (x, y))


@public
def addmm(bias, x, w):
    return apply(ADDMM, (bias, x, w))


@public
def matmul(x, y):
    """``x @ y``: dot, mv, mm or batched matmul by the inputs' dimensions, as torch.matmul."""
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError("matmul(): both arguments must be Tensors")
    nx, ny = x._data.ndim, y._data.ndim
    if nx == 0 or ny == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {nx}D and {ny}D (use * for scalars)"
        )
    if nx == 1 and ny == 1:
        return apply(DOT, (x, y))
    if nx == 2 and ny == 1:
        return apply(MV, (x, y))
    if nx == 2 and ny == 2:
        return apply(MM, (x, y))
    if nx == 1:  # vector @ matrix: as a 1-row matrix, then squeezed (PyTorch records SqueezeBackward4)
        out = matmul(unsqueeze(x, 0), y)
        d = out._data.ndim - 2
        return apply(OPS["squeeze_matmul"], (out,), {"dim": (d,), "in_shape": out._data.shape})
    if ny == 1:
        return matmul(x, unsqueeze(y, 1)).squeeze(-1)
    return apply(BMM, (x, y))


@public
def bmm(x, y):
    if x._data.ndim != 3 or y._data.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (bmm got {x._data.ndim}D and {y._data.ndim}D)")
    return apply(BMM, (x, y))


@public(aliases=("ger",))
def outer(x, y):
    return unsqueeze(x, 1) * y
