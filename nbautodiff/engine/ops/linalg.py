"""Products: dot, vdot, mv, mm, bmm, matmul as PyTorch decomposes it, the add*-family, einsum, tensordot, kron,
diagonal, trace, cross, cdist, vander (torch.linalg's solve, inv, lstsq, det, pinv, the norms and matrix_power are in
decompositions.py)."""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..tensor import Tensor, make
from ._util import _tensors, cpp_type, fma, shape_str  # noqa: F401  (_tensors: nn and losses import it from here)
from .reduce import sum
from .registry import OPS, apply, defop, public
from .shape import RESHAPE_COPY, expand, permute, reshape, t, transpose, unsqueeze


# PyTorch's two spellings of a dtype in its errors: the scalar type ("Float") and the C++ type ("float").
def _scalar_type(x) -> str:
    return dtypes.from_numpy(x._data.dtype).legacy.removesuffix("Tensor")


def _dims(x) -> str:
    return "x".join(str(s) for s in x._data.shape)


def _same_dtype_mm(x, y) -> None:
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_type(x)} != {cpp_type(y)}")


def _same_dtype_bmm(x, y) -> None:
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_type(x)} but found {_scalar_type(y)}")


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
    x, y = args[-2], args[-1]
    rows = args[0]._data.shape[0] if len(args) == 3 else x._data.shape[0]
    return RuntimeError(
        f"size mismatch, got input ({rows}), mat ({_dims(x)}), vec ({y._data.shape[0]})\n"
        f"mv: the matrix has {x._data.shape[1]} columns but the vector has {y._data.shape[0]} elements"
    )


def _dot_error(args, params, exc):
    x, y = args
    n, m = x._data.shape[0], y._data.shape[0]
    return RuntimeError(
        f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of elements, but "
        f"got {n} and {m} elements respectively\ndot: both vectors need the same length"
    )


def _bmm_error(args, params, exc):
    x, y = args[-2], args[-1]
    b, m = x._data.shape[0], x._data.shape[2]
    return RuntimeError(
        f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: "
        f"[{y._data.shape[0]}, {y._data.shape[1]}].\nbmm: batch1 is {tuple(x.shape)}, so batch2 must be ({b}, {m}, p)"
    )


def _dot_fwd(x, y):
    return np.dot(x, y)


DOT = defop(
    "dot", "DotBackward0", _dot_fwd,
    vjp=(lambda g, out, x, y: g * y,
         lambda g, out, x, y: g * x),
    jvp=(lambda dx, out, x, y: dot(dx, y),
         lambda dy, out, x, y: dot(x, dy)),
    reads=((1,), (0,)), error=_dot_error,
)
def _outer_col(g, y):
    """g[:, None] * y, recorded on tensors (as unsqueeze and mul) or on arrays: mv's VJP for the matrix."""
    return unsqueeze(g, 1) * y if isinstance(g, Tensor) else g[:, None] * y


def _mv_t(x, g):
    """x.T @ g, recorded on tensors (as t and mv) or on arrays: mv's VJP for the vector."""
    return mv(t(x), g) if isinstance(g, Tensor) else x.T @ g


MV = defop(
    "mv", "MvBackward0", np.matmul,
    vjp=(lambda g, out, x, y: _outer_col(g, y),
         lambda g, out, x, y: _mv_t(x, g)),
    jvp=(lambda dx, out, x, y: mv(dx, y),
         lambda dy, out, x, y: mv(x, dy)),
    reads=((1,), (0,)), error=_mv_error, arrays=True,
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
    reads=((1,), (0, 1)), error=_mm_error("mm"), arrays=True,  # (y for its layout only)
)
BMM = defop(  # (b, n, m) @ (b, m, p): torch.matmul folds and broadcasts batches into this
    "bmm", "BmmBackward0", np.matmul,
    vjp=(lambda g, out, x, y: g @ y.mT,
         lambda g, out, x, y: x.mT @ g),
    jvp=(lambda dx, out, x, y: bmm(dx, y),
         lambda dy, out, x, y: bmm(x, dy)),
    reads=((1,), (0,)), error=_bmm_error, arrays=True,
)


# ------------------------------------------------------------------- the add*-family: beta * input + alpha * (...)
def _scaled(g, c):
    return g if c == 1 else g * c


def _addmm_fwd(bias, x, w, *, beta=1, alpha=1):
    out = x @ w
    if alpha != 1:
        out *= alpha
    out += bias if beta == 1 else 0 if beta == 0 else bias * beta  # beta = 0 ignores the input (nan included)
    return out


ADDMM = defop(  # beta * bias + alpha * x @ w: one node for nn.Linear, as PyTorch records it
    "addmm", "AddmmBackward0", _addmm_fwd,
    vjp=(lambda g, out, b, x, w, beta=1, alpha=1: g if beta == 1 else g * beta,  # (_scaled inline: nn.Linear's)
         lambda g, out, b, x, w, beta=1, alpha=1: g @ w.T if alpha == 1 else (g @ w.T) * alpha,
         lambda g, out, b, x, w, beta=1, alpha=1: _mm_vjp_y(g, out, x, w) if alpha == 1 else
         _mm_vjp_y(g, out, x, w) * alpha),
    jvp=(lambda db, out, b, x, w, beta=1, alpha=1: _scaled(db.expand(*out.shape), beta),
         lambda dx, out, b, x, w, beta=1, alpha=1: _scaled(mm(dx, w), alpha),
         lambda dw, out, b, x, w, beta=1, alpha=1: _scaled(mm(x, dw), alpha)),
    reads=((), (2,), (1, 2)), broadcast=True, error=_mm_error("addmm"), arrays=True,
)


def _addmv_fwd(bias, m, v, *, beta, alpha):
    return _addmm_fwd(bias, m, v, beta=beta, alpha=alpha)


ADDMV = defop(
    "addmv", "AddmvBackward0", _addmv_fwd,
    vjp=(lambda g, out, b, m, v, *, beta, alpha: _scaled(g, beta),
         lambda g, out, b, m, v, *, beta, alpha: _scaled(g[:, None] * v, alpha),
         lambda g, out, b, m, v, *, beta, alpha: _scaled(m.T @ g, alpha)),
    jvp=(lambda db, out, b, m, v, *, beta, alpha: _scaled(db.expand(*out.shape), beta),
         lambda dm, out, b, m, v, *, beta, alpha: _scaled(mv(dm, v), alpha),
         lambda dv, out, b, m, v, *, beta, alpha: _scaled(mv(m, dv), alpha)),
    reads=((), (2,), (1,)), broadcast=True, error=_mv_error, arrays=True,
)


def _addr_fwd(bias, u, v, *, beta, alpha):
    return _addmm_fwd(bias, u[:, None], v[None, :], beta=beta, alpha=alpha)


ADDR = defop(
    "addr", "AddrBackward0", _addr_fwd,
    vjp=(lambda g, out, b, u, v, *, beta, alpha: _scaled(g, beta),
         lambda g, out, b, u, v, *, beta, alpha: _scaled(g @ v, alpha),
         lambda g, out, b, u, v, *, beta, alpha: _scaled(u @ g, alpha)),
    jvp=(lambda db, out, b, u, v, *, beta, alpha: _scaled(db.expand(*out.shape), beta),
         lambda du, out, b, u, v, *, beta, alpha: _scaled(unsqueeze(du, 1) * v, alpha),
         lambda dv, out, b, u, v, *, beta, alpha: _scaled(unsqueeze(u, 1) * dv, alpha)),
    reads=((), (2,), (1,)), broadcast=True, arrays=True,
)


def _baddbmm_fwd(bias, x, y, *, beta, alpha):
    return _addmm_fwd(bias, x, y, beta=beta, alpha=alpha)


BADDBMM = defop(
    "baddbmm", "BaddbmmBackward0", _baddbmm_fwd,
    vjp=(lambda g, out, b, x, y, *, beta, alpha: _scaled(g, beta),
         lambda g, out, b, x, y, *, beta, alpha: _scaled(g @ y.mT, alpha),
         lambda g, out, b, x, y, *, beta, alpha: _scaled(x.mT @ g, alpha)),
    jvp=(lambda db, out, b, x, y, *, beta, alpha: _scaled(db.expand(*out.shape), beta),
         lambda dx, out, b, x, y, *, beta, alpha: _scaled(bmm(dx, y), alpha),
         lambda dy, out, b, x, y, *, beta, alpha: _scaled(bmm(x, dy), alpha)),
    reads=((), (2,), (1,)), broadcast=True, error=_bmm_error, arrays=True,
)


def _addbmm_fwd(bias, x, y, *, beta, alpha):
    return _addmm_fwd(bias, np.matmul(x, y).sum(0), np.eye(y.shape[-1], dtype=y.dtype), beta=beta, alpha=alpha)


ADDBMM = defop(
    "addbmm", "AddbmmBackward0", _addbmm_fwd,
    vjp=(lambda g, out, b, x, y, *, beta, alpha: _scaled(g, beta),
         lambda g, out, b, x, y, *, beta, alpha: _scaled(g @ y.mT, alpha),  # g broadcasts over the batch
         lambda g, out, b, x, y, *, beta, alpha: _scaled(x.mT @ g, alpha)),
    jvp=(lambda db, out, b, x, y, *, beta, alpha: _scaled(db.expand(*out.shape), beta),
         lambda dx, out, b, x, y, *, beta, alpha: _scaled(bmm(dx, y).sum(0), alpha),
         lambda dy, out, b, x, y, *, beta, alpha: _scaled(bmm(x, dy).sum(0), alpha)),
    reads=((), (2,), (1,)), broadcast=True, error=_bmm_error, arrays=True,
)


def _expand_error(bias, target) -> RuntimeError:
    """PyTorch's text when the input of an add*-function doesn't broadcast to the product's shape."""
    bs, target = tuple(bias._data.shape), tuple(target)
    if len(bs) > len(target):
        return RuntimeError(
            f"expand(torch.{dtypes.from_numpy(bias._data.dtype).legacy}{{{shape_str(bs)}}}, size={shape_str(target)}): "
            f"the number of sizes provided ({len(target)}) must be greater or equal to the number of dimensions in "
            f"the tensor ({len(bs)})")
    for i in range(1, len(bs) + 1):
        if bs[-i] != 1 and bs[-i] != target[-i]:
            return RuntimeError(
                f"The expanded size of the tensor ({target[-i]}) must match the existing size ({bs[-i]}) at "
                f"non-singleton dimension {len(target) - i}.  Target sizes: {shape_str(target)}.  Tensor sizes: "
                f"{shape_str(bs)}")
    return None


def _check_input(bias, target) -> None:
    err = _expand_error(bias, target)
    if err is not None:
        raise err


def _need(x, y, name, want_x, want_y):
    if x._data.ndim != want_x or y._data.ndim != want_y:
        raise RuntimeError(
            f"{'1D' if want_x == 1 else '2D'} tensors expected, but got {x._data.ndim}D and {y._data.ndim}D tensors"
            f"\n{name}: use torch.matmul / @ for other shapes"
        )


def _size(x, d: int) -> int:
    """``x.size(d)`` with PyTorch's IndexError."""
    n = x._data.ndim
    if not -max(n, 1) <= d < max(n, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(n, 1)}, {max(n, 1) - 1}], but got "
                         f"{d})")
    return x._data.shape[d] if n else 1


@public
def dot(input, tensor):
    """Inner product of two 1-D tensors."""
    _dot_checks("dot", "input tensor", input, tensor)
    _no_bool_kernel("dot", input)
    return apply(DOT, (input, tensor))


def _dot_checks(name: str, names: str, x, y) -> None:
    """dot's and vdot's refusals, as PyTorch's: tensors, 1-d both, the same dtype."""
    _tensors(name, names, x, y)
    _need(x, y, name, 1, 1)
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_scalar_type(x)} and "
                           f"{_scalar_type(y)}")


def _no_bool_kernel(kernel: str, x) -> None:
    """PyTorch's matrix products have integer kernels but none for bool."""
    if x._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'\nmatmul of bools: convert first, e.g. "
                                  "x.int() or x.float()")


def _mv_checks(bias, mat, vec, bias_ndim=None) -> None:
    bias_ndim = bias._data.ndim if bias_ndim is None else bias_ndim
    if mat._data.ndim != 2 or vec._data.ndim != 1 or bias_ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {bias_ndim}, {mat._data.ndim}, "
                           f"{vec._data.ndim}\nmv: a matrix (n, m) and a vector (m,)")
    if not bias._data.dtype == mat._data.dtype == vec._data.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_scalar_type(bias)}, "
                           f"{_scalar_type(mat)}, and {_scalar_type(vec)}")


@public
def mv(input, vec):
    """Matrix (n, m) times vector (m,)."""
    _tensors("mv", "input vec", input, vec)
    _mv_checks(vec, input, vec, 1)  # PyTorch checks mv as addmv into a vector of the vector's dtype
    _no_bool_kernel("addmv_impl_cpu", input)
    return apply(MV, (input, vec))


def _mm_checks(x, y) -> None:
    if x._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix\nmm got a {x._data.ndim}D tensor; use torch.matmul / @")
    if y._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix\nmm got a {y._data.ndim}D tensor; use torch.matmul / @")
    _same_dtype_mm(x, y)


@public
def mm(input, mat2):
    """Matrix (n, m) times matrix (m, p)."""
    _tensors("mm", "input mat2", input, mat2)
    _mm_checks(input, mat2)
    _no_bool_kernel("addmm_impl_cpu_", input)
    return apply(MM, (input, mat2))


@public
def bmm(input, mat2):
    """Batches of matrices: (b, n, m) @ (b, m, p)."""
    _tensors("bmm", "input mat2", input, mat2)
    if input._data.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor\nbmm got {input._data.ndim}D and {mat2._data.ndim}D")
    if mat2._data.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor\nbmm got {input._data.ndim}D and {mat2._data.ndim}D")
    _same_dtype_bmm(input, mat2)
    _no_bool_kernel("bmm", input)
    return apply(BMM, (input, mat2))


def _addmm_dtypes(input, mat1, mat2) -> None:
    for name, a in (("self", input), ("mat1", mat1)):
        if a._data.dtype != mat2._data.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got {_scalar_type(a)} and "
                               f"{_scalar_type(mat2)}")


@public(inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * mat1 @ mat2`` in one node (``nn.Linear``'s)."""
    _tensors("addmm", "input mat1 mat2", input, mat1, mat2)
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m._data.ndim}-D tensor")
    _addmm_dtypes(input, mat1, mat2)
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise _mm_error("addmm")((input, mat1, mat2), {}, None)
    _check_input(input, (mat1._data.shape[0], mat2._data.shape[1]))
    if beta == 1 and alpha == 1:
        return apply(ADDMM, (input, mat1, mat2))
    return apply(ADDMM, (input, mat1, mat2), {"beta": beta, "alpha": alpha})


@public(inplace=True)
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * mat @ vec``."""
    _tensors("addmv", "input mat vec", input, mat, vec)
    _mv_checks(input, mat, vec)
    if mat._data.shape[1] != vec._data.shape[0]:
        raise _mv_error((input, mat, vec), {}, None)
    if input._data.ndim == 1 and input._data.shape[0] not in (1, mat._data.shape[0]):
        raise _mv_error((input, mat, vec), {}, None)
    return apply(ADDMV, (input, mat, vec), {"beta": beta, "alpha": alpha})


@public(inplace=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    _tensors("addr", "input vec1 vec2", input, vec1, vec2)
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    _check_input(input, (vec1._data.shape[0], vec2._data.shape[0]))
    dt = np.result_type(input._data, vec1._data, vec2._data)  # addr promotes, as outer does
    input, vec1, vec2 = (a if a._data.dtype == dt else a.to(dtypes.from_numpy(dt)) for a in (input, vec1, vec2))
    return apply(ADDR, (input, vec1, vec2), {"beta": beta, "alpha": alpha})


def _batch_checks(input, batch1, batch2, name) -> None:
    for n, b in (("batch1", batch1), ("batch2", batch2)):
        if b._data.ndim != 3:
            raise RuntimeError(f"{n} must be a 3D tensor")
    _same_dtype_bmm(batch1, batch2)


@public(inplace=True)
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * batch1 @ batch2``, batch by batch."""
    _tensors("baddbmm", "input batch1 batch2", input, batch1, batch2)
    _check_input(input, (_size(batch1, 0), _size(batch1, 1), _size(batch2, 2)))
    _batch_checks(input, batch1, batch2, "baddbmm")
    if input._data.dtype != batch1._data.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {cpp_type(input)}, batch1: "
                           f"{cpp_type(batch1)}, batch2: {cpp_type(batch2)}")
    b1, b2 = batch1._data.shape, batch2._data.shape
    if b2[0] != b1[0] or b2[1] != b1[2]:
        raise _bmm_error((batch1, batch2), {}, None)
    return apply(BADDBMM, (input, batch1, batch2), {"beta": beta, "alpha": alpha})


@public(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2).sum(0)``."""
    _tensors("addbmm", "input batch1 batch2", input, batch1, batch2)
    _check_input(input, (_size(batch1, 1), _size(batch2, 2)))
    for n, b in (("batch1", batch1), ("batch2", batch2)):
        if b._data.ndim != 3:
            raise RuntimeError(f"{n} must be a 3D tensor")
    _addmm_dtypes(input, batch1, batch2)
    b1, b2 = batch1._data.shape, batch2._data.shape
    if b2[0] != b1[0] or b2[1] != b1[2]:
        raise _bmm_error((batch1, batch2), {}, None)
    return apply(ADDBMM, (input, batch1, batch2), {"beta": beta, "alpha": alpha})


# ------------------------------------------------------------------------- matmul, as torch.matmul decomposes it
def _unsafe_view(x, shape):
    """PyTorch's ``_unsafe_view``: a reshape recorded as UnsafeViewBackward0."""
    return apply(RESHAPE_COPY, (x,), {"shape": tuple(shape), "in_shape": x._data.shape})


def _should_fold(x, y) -> bool:
    """torch.matmul's choice to fold the batch dimensions of the larger operand into mm/mv rows."""
    larger = x._data.ndim >= y._data.ndim
    t1 = x._array() if larger else np.swapaxes(y._array(), -1, -2)
    dim_t2 = y._data.ndim if larger else x._data.ndim
    if not (t1.ndim >= 3 and dim_t2 <= 2):
        return False
    if (y if larger else x)._requires_grad:
        return True
    if x._data.ndim == 2:
        return False
    if t1.size == 0:
        return True
    s, st = t1.shape, t1.strides
    return all(st[i] == st[i + 1] * s[i + 1] for i in range(t1.ndim - 2))


def _broadcast_batch(b1, b2) -> tuple:
    out = []
    for i in range(1, max(len(b1), len(b2)) + 1):
        a = b1[-i] if i <= len(b1) else 1
        b = b2[-i] if i <= len(b2) else 1
        if a != b and a != 1 and b != 1:
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton "
                               f"dimension {max(len(b1), len(b2)) - i}")
        out.append(b if a == 1 else a)
    return tuple(reversed(out))


@public
def matmul(input, other):
    """``x @ y``: dot, mv, mm, or folded/batched mm, recorded node for node as torch.matmul records it."""
    _tensors("matmul", "input other", input, other)
    x, y = input, other
    nx, ny = x._data.ndim, y._data.ndim
    if nx == 0 or ny == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {nx}D and {ny}D\nuse * for scalars"
        )
    if nx == 1 and ny == 1:
        return dot(x, y)
    if nx == 2 and ny == 1:
        return mv(x, y)
    if nx == 1 and ny == 2:  # a 1-row matrix, then squeezed (SqueezeBackward4)
        out = mm(unsqueeze(x, 0), y)
        return apply(OPS["squeeze_matmul"], (out,), {"dim": (0,), "in_shape": out._data.shape})
    if nx == 2 and ny == 2:
        return mm(x, y)
    if _should_fold(x, y):
        transpose_ = ny > nx
        t1 = transpose(y, -1, -2) if transpose_ else x
        t2 = (t(x) if nx == 2 else x) if transpose_ else y
        out_shape = tuple(t1._data.shape[:-1])
        folded = reshape(t1, int(np.prod(out_shape, dtype=np.int64)), t1._data.shape[-1])
        if t2._data.ndim == 2:
            out = _unsafe_view(mm(folded, t2), out_shape + (t2._data.shape[1],))
            return transpose(out, -1, -2).contiguous() if transpose_ else out
        return _unsafe_view(mv(folded, t2), out_shape)
    n = x._data.shape[-2] if nx > 1 else 1
    m1 = x._data.shape[-1]
    m2 = y._data.shape[-2] if ny > 1 else y._data.shape[0]
    p = y._data.shape[-1] if ny > 1 else 1
    batch1, batch2 = x._data.shape[:max(nx - 2, 0)], y._data.shape[:max(ny - 2, 0)]
    if nx == 3 and ny == 3 and batch1[0] != batch2[0]:
        if batch1[0] == 1 and x._requires_grad:
            return matmul(x.squeeze(0), y)
        if batch2[0] == 1 and y._requires_grad:
            return matmul(x, y.squeeze(0))
    batch = _broadcast_batch(batch1, batch2)
    count = int(np.prod(batch, dtype=np.int64))
    x3 = reshape(expand(x, *batch, n, m1), count, n, m1)
    if ny == 1:
        y3 = unsqueeze(reshape(expand(y, *batch, m2), count, m2), 2)
    else:
        y3 = reshape(expand(y, *batch, m2, p), count, m2, p)
    out = bmm(x3, y3)
    shape = batch + ((n,) if nx > 1 else ()) + ((p,) if ny > 1 else ())
    return _unsafe_view(out.squeeze(-1) if ny == 1 else out, shape)


public(matmul, name="linalg_matmul", function=False, method=False, linalg=True)


@public(aliases=("ger",))
def outer(input, vec2):
    """The outer product ``input[:, None] * vec2`` (recorded as PyTorch does: a view, then a product)."""
    _tensors("outer", "input vec2", input, vec2)
    for name, v in (("self", input), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    return reshape(input, input._data.shape[0], 1) * vec2


@public
def kron(input, other):
    """The Kronecker product: every element of ``input`` times the whole of ``other``."""
    _tensors("kron", "input other", input, other)
    nd = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + tuple(input._data.shape)
    sb = (1,) * (nd - other._data.ndim) + tuple(other._data.shape)
    a = _unsafe_view(input, [d for s in sa for d in (s, 1)])
    b = _unsafe_view(other, [d for s in sb for d in (1, s)])
    return _unsafe_view(a * b, [p * q for p, q in zip(sa, sb)])


def _dim_list(dims, ndim) -> list:
    for d in dims:
        _size(make(np.zeros((1,) * ndim)), d)  # PyTorch's IndexError for a dim out of range
    return [d % ndim for d in dims]


@public(method=False)
def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` (an int: the last of ``a`` with the first of ``b``; or two lists) as torch.tensordot."""
    if out is not None:
        raise RuntimeError("tensordot(): out= is not supported by the own engine\nassign the result instead")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (tuple, list)):
        if len(dims) != 2:
            raise RuntimeError(f"tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
                               f"containing two lists, but got dims={dims}")
        da, db = dims
        for d in (da, db):
            if isinstance(d, int):
                raise TypeError("tensordot(): argument 'dims_self' (position 3) must be tuple of ints, not int")
        da, db = list(da), list(db)
    elif isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a._data.ndim, b._data.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        raise RuntimeError(f"tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
                           f"containing two lists, but got dims={dims}")
    return _tensordot(a, b, da, db)


def _tensordot(a, b, da, db):
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    given = list(zip(da, db))
    da, db = _dim_list(da, a._data.ndim), _dim_list(db, b._data.ndim)
    t1, t2, csize = a, b, 1
    for (d1, d2), (g1, g2) in zip(zip(da, db), given):
        s1, s2 = a._data.shape[d1], b._data.shape[d2]
        if s2 == 1:
            t1 = sum(t1, d1, True)
        elif s1 == 1:
            t2 = sum(t2, d2, True)
        elif s1 != s2:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {s1} in dim {g1} and second "
                               f"has size {s2} in dim {g2}")
        else:
            csize *= s1
    keep1 = [i for i in range(a._data.ndim) if i not in da]
    keep2 = [i for i in range(b._data.ndim) if i not in db]
    sizes = [t1._data.shape[i] for i in keep1] + [t2._data.shape[i] for i in keep2]
    size1 = int(np.prod([t1._data.shape[i] for i in keep1], dtype=np.int64))
    size2 = int(np.prod([t2._data.shape[i] for i in keep2], dtype=np.int64))
    p1, p2 = permute(t1, *(keep1 + da)), permute(t2, *(db + keep2))
    if size1 != 1 or size2 != 1:
        return reshape(mm(reshape(p1, size1, csize), reshape(p2, csize, size2)), *sizes)
    if p1.is_contiguous() and p2.is_contiguous():
        return reshape(dot(p1.flatten(), p2.flatten()), *sizes)
    return reshape(sum(p1.squeeze() * p2.squeeze()), *sizes)


@public
def inner(input, other):
    """The sum of products over the last dimension of both (``a * b`` when one is 0-d)."""
    _tensors("inner", "input other", input, other)
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{shape_str(input._data.shape)} and {shape_str(other._data.shape)}")
    return _tensordot(input, other, [-1], [-1])




# ============================================================== vdot, trace, cross
VDOT = defop(  # the conjugate of the first vector times the second: dot's rules for real tensors
    "vdot", "VdotBackward0", _dot_fwd, vjp=DOT.vjp, jvp=(lambda dx, out, x, y: vdot(dx, y), lambda dy, out, x, y:
                                                       vdot(x, dy)),
    reads=((1,), (0,)), error=_dot_error,
)


@public
def vdot(input, other):
    """The inner product of two 1-d tensors, the first conjugated (``dot`` for real tensors)."""
    _dot_checks("vdot", "input other", input, other)
    return apply(VDOT, (input, other))


def _trace_fwd(x):
    out = np.trace(x)
    return out.astype(np.int64) if x.dtype.kind in "iu" else out


TRACE = defop(  # the gradient is g on the diagonal
    "trace", "TraceBackward0", lambda x, *, shape: _trace_fwd(x),
    vjp=(lambda g, out, x, *, shape: g * make(np.eye(*shape, dtype=g._data.dtype)),),
    jvp=(lambda dx, out, x, *, shape: trace(dx),),
)


@public
def trace(input):
    """The sum of a matrix's diagonal (int64 for integer matrices)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return apply(TRACE, (input,), {"shape": input._data.shape})


def _cross_fwd(x, y, *, dim):
    """np.cross; float32 and float64 as PyTorch's kernel computes each component, fma(x_i, y_j, -(x_j * y_i)): the
    first product and the difference rounded once, so cross(x, x) is the rounding residue PyTorch prints, not 0.
    (float16: each step rounded, numpy's and PyTorch's way.)"""
    if not (x.dtype == y.dtype and x.dtype in (np.float32, np.float64)):
        return np.cross(x, y, axis=dim)
    x, y = np.broadcast_arrays(x, y)
    x, y = np.moveaxis(x, dim, -1), np.moveaxis(y, dim, -1)
    out = np.empty(x.shape, x.dtype)
    for k, (i, j) in enumerate(((1, 2), (2, 0), (0, 1))):
        out[..., k] = fma(x[..., i], y[..., j], -(x[..., j] * y[..., i]))
    return np.moveaxis(out, -1, dim)


LINALG_CROSS = defop(  # broadcasting: the gradients are summed back to each input's shape
    "linalg_cross", "LinalgCrossBackward0", _cross_fwd,
    vjp=(lambda g, out, x, y, *, dim: linalg_cross(y, g, dim=dim),
         lambda g, out, x, y, *, dim: linalg_cross(g, x, dim=dim)),
    jvp=(lambda dx, out, x, y, *, dim: linalg_cross(dx, y, dim=dim),
         lambda dy, out, x, y, *, dim: linalg_cross(x, dy, dim=dim)),
    reads=((1,), (0,)), broadcast=True, half=False,
)


@public(function=False, method=False, linalg=True)
def linalg_cross(input, other, *, dim: int = -1):
    """The cross product of 3-vectors along ``dim`` (``torch.linalg.cross``); the other dimensions broadcast."""
    from ._util import broadcast_error, one_dim

    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = one_dim(dim, a.ndim, "linalg.cross")
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and "
                           f"{b.shape[d]}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_type(input)} but found {_scalar_type(other)}")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error("linalg.cross")((input, other), {}, None) from None
    return apply(LINALG_CROSS, (input, other), {"dim": d})


@public
def cross(input, other, dim=None):
    """``linalg.cross`` along ``dim``; without it, along the first dimension of size 3 (deprecated, PyTorch warns)."""
    if dim is None:
        import warnings

        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(input._data.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


# ============================================================== cdist
def _cdist_fwd(x1, x2, *, p):
    diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 0:
        return np.sum(diff != 0, axis=-1).astype(diff.dtype)
    if p == np.inf:
        return np.max(diff, axis=-1, initial=0)
    if p == 1:
        return np.sum(diff, axis=-1)
    if p == 2:
        return np.sqrt(np.sum(diff * diff, axis=-1))
    return np.sum(diff ** p, axis=-1) ** (1 / p)


def _cdist_local(x1, x2, dist, p):
    """d dist / d diff for each pair and coordinate (diff = x1 row - x2 row): PyTorch's _cdist_backward rules, with
    0 where the distance is 0 (and, for p = inf, the whole gradient to every coordinate that ties for the max)."""
    diff = x1[..., :, None, :] - x2[..., None, :, :]
    d = dist[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        if p == 0:
            local = np.zeros_like(diff)
        elif p == 1:
            local = np.sign(diff)
        elif p == np.inf:
            local = np.sign(diff) * (np.abs(diff) == d)
        elif p < 2:
            local = np.where((d == 0) | (diff == 0), 0, np.sign(diff) * np.abs(diff) ** (p - 1) / d ** (p - 1))
        elif p == 2:
            local = np.where(d == 0, 0, diff / d)
        else:
            local = np.where(d == 0, 0, diff * np.abs(diff) ** (p - 2) / d ** (p - 1))
    return local.astype(diff.dtype)


def _cdist_grad_fwd(g, x1, x2, dist, *, p, first):
    local = g[..., None] * _cdist_local(x1, x2, dist, p)
    if p not in (1, np.inf):  # PyTorch's kernel gives 0 at a zero distance whatever the gradient (a nan one too)
        local = np.where(dist[..., None] == 0, 0, local).astype(local.dtype)
    return local.sum(-2) if first else -local.sum(-3)


def _cdist_vjp(first: bool):
    def vjp(g, out, x1, x2, *, p):
        # PyTorch has no derivative of _cdist_backward: recorded (create_graph=True), its node raises
        grad = apply(_CDIST_BACKWARD, (g, x1, x2, out), {"p": p, "first": first})
        if grad.grad_fn is not None:
            grad.grad_fn.next = tuple(e for e in grad.grad_fn.next if e is not None)
        return grad

    return vjp


def _cdist_jvp(first: bool):
    def jvp(dx, out, x1, x2, *, p):
        local = make(_cdist_local(x1._data, x2._data, out._data, p))
        t = dx.unsqueeze(-2) if first else -dx.unsqueeze(-3)
        return (local * t).sum(-1)

    return jvp


def _make_cdist_backward():
    from .elementwise import no_derivative_op

    op = no_derivative_op("_cdist_backward", _cdist_grad_fwd, node="CdistBackwardBackward0",
                          backward=(NotImplementedError, "the derivative for '_cdist_backward' is not implemented."))
    op.vjp, op.jvp = (op.vjp[0],) * 4, (op.jvp[0],) * 4
    return op


_CDIST_BACKWARD = _make_cdist_backward()
CDIST = defop(
    "cdist", "CdistBackward0", _cdist_fwd, vjp=(_cdist_vjp(True), _cdist_vjp(False)),
    jvp=(_cdist_jvp(True), _cdist_jvp(False)), save=(0, 1), save_out=True, broadcast=True,
)


@public(method=False)
def cdist(x1, x2, p: float = 2.0, compute_mode=None):
    """The p-norm distances between each row of x1 (..., P, M) and each row of x2 (..., R, M): (..., P, R), the
    batch dimensions broadcast. Computed directly for every p (PyTorch's matrix-product path for p = 2 and more than
    25 rows, and so its nodes there, is not taken; ``compute_mode`` is accepted and ignored)."""
    for name, a in (("X1", x1), ("X2", x2)):
        if a._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {a._data.ndim}D")
    for name, a in (("X1", x1), ("X2", x2)):
        if a._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {_scalar_type(a)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: "
                           f"{x2._data.shape[-1]}")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_type(x1)} but found {_scalar_type(x2)}")
    try:
        np.broadcast_shapes(x1._data.shape[:-2], x2._data.shape[:-2])
    except ValueError:  # PyTorch's error names the batch dimensions only
        from ._util import broadcast_error

        batches = (make(np.empty(x1._data.shape[:-2])), make(np.empty(x2._data.shape[:-2])))
        raise broadcast_error("cdist")(batches, {}, None) from None
    return apply(CDIST, (x1, x2), {"p": float(p)})


# ============================================================== vander
@public(method=False)
def vander(x, N=None, increasing: bool = False):
    """The Vandermonde matrix of a 1-d x: columns x**(N-1), ..., x, 1 (the other way round with ``increasing``);
    integers come back as int64. Composed as PyTorch composes it (ones, cumprod written into slices, flip)."""
    from .. import factories
    from .positions import flip
    from .reduce import cumprod

    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = x._data.dtype if x._data.dtype.kind == "f" else np.dtype(np.int64)
    result = factories.empty(x._data.shape[0], n, dtype=dtypes.from_numpy(dt))
    if n > 0:
        result[:, 0].fill_(1)
        if n > 1:
            result[:, 1:].copy_(x.unsqueeze(1))
            result[:, 1:].copy_(cumprod(result[:, 1:], 1))
    return result if increasing else flip(result, (1,))


@public(function=False, method=False, linalg=True)
def linalg_vander(x, *, N=None):
    """``torch.linalg.vander``: powers 0, 1, ..., N-1 of x along a new last dimension (batches allowed)."""
    from .joining import cat
    from .reduce import cumprod

    if x._data.dtype.kind not in "fiu":
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer tensors, but got "
                           f"{_scalar_type(x)}")
    x_ = x.unsqueeze(-1) if x._data.ndim == 0 else x
    shape = list(x_._data.shape)
    n = shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = cumprod(expand(x_.unsqueeze(-1), *shape, n - 1), -1)
    return cat([make(np.ones((*shape, 1), dtype=powers._data.dtype)), powers], -1)
