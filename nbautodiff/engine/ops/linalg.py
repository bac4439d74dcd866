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


# ============================================================== torch.linalg: solve, inv, lstsq
# Rules as in PyTorch's derivatives.yaml, written with tensor ops so they differentiate again. A vector right-hand
# side (b of shape (n,)) is a column; batches of matrices work, broadcasting between A and B's batches does not.
class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a singular matrix, or a decomposition that did not converge."""


def _mT(x):
    return transpose(x, -2, -1)


def _col(v, like):
    """A vector right-hand side as a column (what the matrix rules read), else itself."""
    return unsqueeze(v, -1) if v.ndim == like.ndim - 1 else v


def _uncol(m, like):
    """A column back as the vector ``like`` is (the rules' results must have their input's shape)."""
    return m.squeeze(-1) if like.ndim == m.ndim - 1 else m


def _solve_fwd(a, b):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None


def _solve_vjp_b(g, out, a, b):
    return linalg_solve(_mT(a), g)


def _solve_vjp_a(g, out, a, b):
    gb = _col(linalg_solve(_mT(a), g), a)
    return -(gb @ _mT(_col(out, a)))


def _solve_jvp_a(da, out, a, b):
    return _uncol(linalg_solve(a, -(da @ _col(out, a))), out)


def _solve_jvp_b(db, out, a, b):
    return linalg_solve(a, db)


def _solve_error(args, params, exc):
    a, b = args
    sa, sb = a._data.shape, b._data.shape
    return RuntimeError(
        f"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({'x'.join(map(str, sa[-2:]))} and "
        f"{'x'.join(map(str, sb[-2:] if len(sb) > 1 else sb + (1,)))})\nsolve: A must be square (n, n) and B have n "
        "rows, a vector of n numbers or an (n, k) matrix"
    )


SOLVE = defop(
    "linalg_solve", "LinalgSolveExBackward0", _solve_fwd,
    vjp=(_solve_vjp_a, _solve_vjp_b),
    jvp=(_solve_jvp_a, _solve_jvp_b),
    save=(0,), save_out=True, error=_solve_error,
)


@public(function=False, method=False, linalg=True)
def linalg_solve(A, B):
    """X with ``A @ X = B`` (``torch.linalg.solve``); B is a vector or a matrix."""
    _square(A, "linalg.solve")
    return apply(SOLVE, (A, B))


def _square(a, name: str) -> None:
    s = a._data.shape
    if a._data.ndim < 2 or s[-1] != s[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{s[-2] if a._data.ndim >= 2 else 1} by {s[-1]} matrices")


def _inv_fwd(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because "
                          "the input matrix is singular.") from None


INV = defop(
    "linalg_inv", "LinalgInvExBackward0", _inv_fwd,
    vjp=(lambda g, out, a: -(_mT(out) @ g @ _mT(out)),),
    jvp=(lambda da, out, a: -(out @ da @ out),),
    save_out=True,
)


@public(function=False, method=False, linalg=True)
def linalg_inv(A):
    """The inverse of a square matrix (``torch.linalg.inv``, also ``torch.inverse``)."""
    _square(A, "linalg.inv")
    return apply(INV, (A,))


public(linalg_inv, name="inverse")


# lstsq: the least-squares solution X = (AᵀA)⁻¹AᵀB of a full-column-rank A (m >= n), as PyTorch's default driver
# (gelsy) gives it. With R = B − AX and S = (AᵀA)⁻¹: B̄ = A S X̄ and Ā = R (S X̄)ᵀ − B̄ Xᵀ.
def _lstsq_fwd(a, b):
    return np.linalg.lstsq(a, b, rcond=None)[0] if a.ndim == 2 else np.stack(
        [np.linalg.lstsq(ai, bi, rcond=None)[0] for ai, bi in zip(a, b)])


def _gram_solve(a, m):
    return linalg_solve(_mT(a) @ a, m)


def _lstsq_vjp_a(g, out, a, b):
    x = _col(out, a)
    sg = _gram_solve(a, _col(g, a))
    return (_col(b, a) - a @ x) @ _mT(sg) - (a @ sg) @ _mT(x)


def _lstsq_vjp_b(g, out, a, b):
    return _uncol(a @ _gram_solve(a, _col(g, a)), b)


def _lstsq_jvp_a(da, out, a, b):
    x = _col(out, a)
    return _uncol(_gram_solve(a, _mT(da) @ (_col(b, a) - a @ x) - _mT(a) @ (da @ x)), out)


def _lstsq_jvp_b(db, out, a, b):
    return _uncol(_gram_solve(a, _mT(a) @ _col(db, a)), out)


LSTSQ = defop(
    "linalg_lstsq", "LinalgLstsqBackward0", _lstsq_fwd,
    vjp=(_lstsq_vjp_a, _lstsq_vjp_b),
    jvp=(_lstsq_jvp_a, _lstsq_jvp_b),
    save=(0, 1), save_out=True,
)


class lstsq_result(tuple):
    """``torch.return_types.linalg_lstsq``: (solution, residuals, rank, singular_values)."""

    __slots__ = ()
    _fields = ("solution", "residuals", "rank", "singular_values")

    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    solution = property(lambda self: self[0])
    residuals = property(lambda self: self[1])
    rank = property(lambda self: self[2])
    singular_values = property(lambda self: self[3])

    def __repr__(self) -> str:
        body = ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self))
        return f"torch.return_types.linalg_lstsq(\n{body})"


@public(function=False, method=False, linalg=True)
def linalg_lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of ``A @ X ≈ B`` (``torch.linalg.lstsq``): ``.solution``, and as PyTorch's
    default driver gives them, empty ``residuals`` and ``singular_values`` and the ``rank``."""
    from ..tensor import make

    rows = B._data.shape[-2] if B._data.ndim == A._data.ndim else B._data.shape[-1]
    if not 0 <= A._data.ndim - B._data.ndim <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    if A._data.shape[-2] != rows:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    solution = apply(LSTSQ, (A, B))
    rank = make(np.asarray(np.linalg.matrix_rank(A._data), dtype=np.int64))
    empty = make(np.zeros((0,), dtype=A._data.dtype))
    return lstsq_result(solution, empty, rank, make(np.zeros((0,), dtype=A._data.dtype)))
