"""Products (dot, mv, mm, bmm, matmul, the add*-family, einsum, tensordot, kron) and torch.linalg (solve, inv, lstsq,
det, slogdet, pinv, svdvals and the norms)."""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes, mode
from ..tensor import Tensor, make
from ._util import const, norm_dim, one_dim, shape_str
from .elementwise import where
from .reduce import amax, amin, prod, sum
from .registry import OPS, apply, defop, public
from .shape import RESHAPE_COPY, cat, expand, permute, reshape, t, transpose, unsqueeze

# PyTorch's two spellings of a dtype in its errors: the scalar type ("Float") and the C++ type ("float").
_CPP = {"float16": "c10::Half", "float32": "float", "float64": "double", "uint8": "unsigned char",
        "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


def _scalar_type(x) -> str:
    return dtypes.from_numpy(x._data.dtype).legacy.removesuffix("Tensor")


def _cpp_type(x) -> str:
    return _CPP[x._data.dtype.name]


def _dims(x) -> str:
    return "x".join(str(s) for s in x._data.shape)


def _same_dtype_mm(x, y) -> None:
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cpp_type(x)} != {_cpp_type(y)}")


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
BMM = defop(  # (b, n, m) @ (b, m, p): torch.matmul folds and broadcasts batches into this
    "bmm", "BmmBackward0", np.matmul,
    vjp=(lambda g, out, x, y: g @ y.mT,
         lambda g, out, x, y: x.mT @ g),
    jvp=(lambda dx, out, x, y: bmm(dx, y),
         lambda dy, out, x, y: bmm(x, dy)),
    save=(0, 1), error=_bmm_error, arrays=True,
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
    vjp=(lambda g, out, b, x, w, beta=1, alpha=1: _scaled(g, beta),
         lambda g, out, b, x, w, beta=1, alpha=1: _scaled(g @ w.T, alpha),
         lambda g, out, b, x, w, beta=1, alpha=1: _scaled(_mm_vjp_y(g, out, x, w), alpha)),
    jvp=(lambda db, out, b, x, w, beta=1, alpha=1: _scaled(db.expand(*out.shape), beta),
         lambda dx, out, b, x, w, beta=1, alpha=1: _scaled(mm(dx, w), alpha),
         lambda dw, out, b, x, w, beta=1, alpha=1: _scaled(mm(x, dw), alpha)),
    save=(1, 2), broadcast=True, error=_mm_error("addmm"), arrays=True,
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
    save=(1, 2), broadcast=True, error=_mv_error, arrays=True,
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
    save=(1, 2), broadcast=True, arrays=True,
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
    save=(1, 2), broadcast=True, error=_bmm_error, arrays=True,
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
    save=(1, 2), broadcast=True, error=_bmm_error, arrays=True,
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


def _tensors(fname: str, names: str, *args) -> None:
    """PyTorch's TypeError for an argument that is not a tensor, naming it and its position."""
    for i, (name, a) in enumerate(zip(names.split(), args)):
        if not isinstance(a, Tensor):
            raise TypeError(f"{fname}(): argument '{name}' (position {i + 1}) must be Tensor, not {type(a).__name__}")


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
    _tensors("dot", "input tensor", input, tensor)
    _need(input, tensor, "dot", 1, 1)
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_scalar_type(input)} and "
                           f"{_scalar_type(tensor)}")
    return apply(DOT, (input, tensor))


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
        raise RuntimeError(f"Input dtypes must be the same, got: input {_cpp_type(input)}, batch1: "
                           f"{_cpp_type(batch1)}, batch2: {_cpp_type(batch2)}")
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


# ------------------------------------------------------------------------- diagonal and einsum
def _diag_select(n1, n2, offset, dtype):
    """Constant 0/1 matrices that place a diagonal of length k back into an (n1, n2) matrix."""
    k = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    m1, m2 = np.zeros((n1, k), dtype), np.zeros((n2, k), dtype)
    m1[np.arange(k) + max(0, -offset), np.arange(k)] = 1
    m2[np.arange(k) + max(0, offset), np.arange(k)] = 1
    return const(m1), const(m2)


def _diagonal_vjp(g, out, x, *, offset, dim1, dim2, in_shape):
    m1, m2 = _diag_select(in_shape[dim1], in_shape[dim2], offset, g._data.dtype)
    full = (m1 * unsqueeze(g, -2)) @ m2.mT  # (..., n1, n2): g on the diagonal, zeros elsewhere
    rest = [i for i in range(len(in_shape)) if i not in (dim1, dim2)]
    order = [0] * len(in_shape)  # where each input dim sits in `full` (the rest first, then dim1, dim2)
    for pos, d in enumerate(rest + [dim1, dim2]):
        order[d] = pos
    return permute(full, *order)


DIAGONAL = defop(
    "linalg_diagonal", "DiagonalBackward0",
    lambda x, *, offset, dim1, dim2, in_shape: np.diagonal(x, offset, dim1, dim2).copy(),
    vjp=(_diagonal_vjp,),
    jvp=(lambda dx, out, x, **p: apply(DIAGONAL, (dx,), p),),
)


@public(function=False, method=False, linalg=True)
def linalg_diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """The diagonal of each matrix over ``dim1`` and ``dim2`` (a copy, not a view, on the own engine)."""
    d1, d2 = one_dim(dim1, A._data.ndim, "diagonal"), one_dim(dim2, A._data.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAGONAL, (A,), {"offset": offset, "dim1": d1, "dim2": d2, "in_shape": A._data.shape})


def _movedim(x, src: int, dst: int):
    order = [d for d in range(x._data.ndim) if d != src % x._data.ndim]
    order.insert(dst % x._data.ndim, src % x._data.ndim)
    return permute(x, *order)


_ELLIPSIS = 52


def _subscript(c: str) -> int:
    return ord(c) - ord("A") if c.isupper() else ord(c) - ord("a") + 26


def _label(s: int) -> str:
    return chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26)


def _einsum_error(text: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {text}")


def _parse_operands(lhs: str, n_ops: int) -> list:
    labels, curr, ell, i = [[] for _ in range(n_ops)], 0, False, 0
    while i < len(lhs):
        c = lhs[i]
        if c == ".":
            if ell:
                raise _einsum_error(f"found '.' for operand {curr} for which an ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise _einsum_error(f"found '.' for operand {curr} that is not part of any ellipsis")
            labels[curr].append(_ELLIPSIS)
            ell, i = True, i + 2
        elif c == ",":
            curr += 1
            if curr >= n_ops:
                raise _einsum_error("fewer operands were provided than specified in the equation")
            ell = False
        elif c != " ":
            if not (c.isascii() and c.isalpha()):
                raise _einsum_error(f"invalid subscript given at index {i} in the equation string, subscripts must "
                                    "be in [a-zA-Z]")
            labels[curr].append(_subscript(c))
        i += 1
    if curr != n_ops - 1:
        raise _einsum_error("more operands were provided than specified in the equation")
    return labels


@public(method=False)
def einsum(*args):
    """Einstein summation (``torch.einsum("ij,jk->ik", a, b)``, ellipses, repeated labels, the sublist form),
    contracted pair by pair with bmm as torch.einsum does, so the graph has PyTorch's nodes."""
    if args and isinstance(args[0], Tensor):  # the sublist form: op, [0, 1], op, [1, 2], [0, 2]
        def sub(n):
            if n is Ellipsis:
                return "..."
            if not 0 <= n < 52:
                raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
            return _label(n)

        equation = ",".join("".join(sub(s) for s in lst) for lst in args[1::2])
        if len(args) % 2 == 1:
            equation += "->" + "".join(sub(s) for s in args[-1])
            operands = args[:-1:2]
        else:
            operands = args[::2]
    else:
        equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise _einsum_error("must provide at least one operand")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(op).__name__}")
    return _einsum(equation, list(operands))


def _einsum(equation: str, ops: list):
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    op_labels = _parse_operands(lhs, len(ops))
    count, ell_dims = [0] * 52, 0
    for i, (op, labels) in enumerate(zip(ops, op_labels)):
        n = len(labels) - (_ELLIPSIS in labels)
        for s in labels:
            if s == _ELLIPSIS:
                ell_dims = max(ell_dims, op._data.ndim - n)
            else:
                count[s] += 1
        has_ell = _ELLIPSIS in labels
        if (n > op._data.ndim) if has_ell else (n != op._data.ndim):
            raise _einsum_error(
                f"the number of subscripts in the equation ({n}) "
                f"{'is more than' if has_ell else 'does not match'} the number of dimensions ({op._data.ndim}) for "
                f"operand {i}{'' if has_ell else ' and no ellipsis was given'}")
    # every label gets a place: the output's first, then the contracted ones
    perm_of, n_perm, ell_at, ell_out = [-1] * 52, 0, 0, False
    if arrow < 0:  # implicit output: the ellipsis, then the labels seen once, in order
        n_perm, ell_out = ell_dims, True
        for s in range(52):
            if count[s] == 1:
                perm_of[s], n_perm = n_perm, n_perm + 1
    else:
        rhs, i = equation[arrow + 2:], 0
        while i < len(rhs):
            c = rhs[i]
            if c == ".":
                if ell_out:
                    raise _einsum_error("found '.' for output but an ellipsis (...) was already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise _einsum_error("found '.' for output that is not part of any ellipsis (...)")
                ell_at, n_perm, ell_out, i = n_perm, n_perm + ell_dims, True, i + 2
            elif c != " ":
                if not (c.isascii() and c.isalpha()):
                    raise _einsum_error(f"invalid subscript given at index {len(lhs) + 2 + i} in the equation string, "
                                        "subscripts must be in [a-zA-Z]")
                s = _subscript(c)
                if not (count[s] > 0 and perm_of[s] == -1):
                    why = (" appears more than once in the output" if perm_of[s] > -1
                           else " does not appear in the equation for any input operand")
                    raise _einsum_error(f"output subscript {c}{why}")
                perm_of[s], n_perm = n_perm, n_perm + 1
            i += 1
    n_out = n_perm
    if not ell_out:
        ell_at, n_perm = n_perm, n_perm + ell_dims
    for s in range(52):
        if count[s] > 0 and perm_of[s] == -1:
            perm_of[s], n_perm = n_perm, n_perm + 1
    # diagonals for repeated labels, size-1 dims for missing ones, then every operand permuted to that order
    sizes, ell_sizes, dim_counts, aligned = [1] * 52, [1] * ell_dims, [0] * n_perm, []
    for i, (op, labels) in enumerate(zip(ops, op_labels)):
        perm, dim, ndim0 = [-1] * n_perm, 0, op._data.ndim
        for s in labels:
            if s == _ELLIPSIS:
                covered = ndim0 - (len(labels) - 1)
                for j in range(ell_dims - covered, ell_dims):
                    size = op._data.shape[dim]
                    if size != 1:
                        if ell_sizes[j] not in (1, size):
                            raise _einsum_error(
                                f"dimension {dim} covered by ellipsis in operand {i}has size {size} which does not "
                                f"broadcast with previously seen ellipsis with size {ell_sizes[j]} for the respective "
                                "dimension")
                        ell_sizes[j] = size
                        dim_counts[ell_at + j] += 1
                    perm[ell_at + j], dim = dim, dim + 1
            elif perm[perm_of[s]] == -1:
                size = op._data.shape[dim]
                if size != 1:
                    if sizes[s] not in (1, size):
                        raise _einsum_error(f"subscript {_label(s)} has size {size} for operand {i} which does not "
                                            f"broadcast with previously seen size {sizes[s]}")
                    sizes[s] = size
                    dim_counts[perm_of[s]] += 1
                perm[perm_of[s]], dim = dim, dim + 1
            else:  # a repeated label: take the diagonal
                prev = perm[perm_of[s]]
                if op._data.shape[dim] != op._data.shape[prev]:
                    raise _einsum_error(f"subscript {_label(s)} is repeated for operand {i} but the sizes don't match, "
                                        f"{op._data.shape[dim]} != {op._data.shape[prev]}")
                op = _movedim(linalg_diagonal(op, offset=0, dim1=prev, dim2=dim), -1, prev)
        for k, val in enumerate(perm):
            if val == -1:
                op = unsqueeze(op, dim)
                perm[k], dim = dim, dim + 1
        aligned.append(permute(op, *perm))
    # contract left to right
    while len(aligned) > 1:
        a, b = aligned.pop(0), aligned.pop(0)
        sum_dims, a_sum, b_sum = [], [], []
        for d in range(n_out, n_perm):
            sa, sb = a._data.shape[d] != 1, b._data.shape[d] != 1
            if sa and sb:
                if a._data.shape[d] != b._data.shape[d]:
                    raise RuntimeError("non-broadcast dimensions must match")
                dim_counts[d] -= 1
                if dim_counts[d] == 1:
                    sum_dims.append(d)
                    dim_counts[d] = 0
            elif dim_counts[d] == 1:
                if sa:
                    a_sum.append(d)
                    dim_counts[d] = 0
                elif sb:
                    b_sum.append(d)
                    dim_counts[d] = 0
        if a_sum:
            a = sum(a, a_sum, True)
        if b_sum:
            b = sum(b, b_sum, True)
        aligned.insert(0, _sumproduct_pair(a, b, sum_dims))
    result = aligned[0]
    if n_perm > n_out:
        if len(ops) > 1:
            return reshape(result, *result._data.shape[:n_out])
        return sum(result, list(range(n_out, n_perm)))
    return result


def _sumproduct_pair(left, right, sum_dims: list):
    """``(left * right).sum(sum_dims, keepdim=True)`` as one bmm: permute, reshape, bmm, view, permute."""
    if not sum_dims:
        return left * right
    lro, lo, ro, lro_size, lo_size, ro_size, sum_size = [], [], [], 1, 1, 1, 1
    for i in range(left._data.ndim):
        sl, sr = left._data.shape[i] != 1, right._data.shape[i] != 1
        if i in sum_dims:
            if sl and sr:
                if left._data.shape[i] != right._data.shape[i]:
                    raise RuntimeError("non-broadcast dimensions must match")
                sum_size *= left._data.shape[i]
            elif sl:
                left = sum(left, i, True)
            elif sr:
                right = sum(right, i, True)
        elif sl and sr:
            if left._data.shape[i] != right._data.shape[i]:
                raise RuntimeError("non-broadcast dimensions must match")
            lro.append(i)
            lro_size *= left._data.shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left._data.shape[i]
        else:
            ro.append(i)
            ro_size *= right._data.shape[i]
    if lo and ro and ro[-1] < lo[0]:  # bmm then gives the output's memory order directly
        left, right, lo, ro, lo_size, ro_size = right, left, ro, lo, ro_size, lo_size
    out_size = ([left._data.shape[d] for d in lro] + [left._data.shape[d] for d in lo] + [1] * len(sum_dims)
                + [right._data.shape[d] for d in ro])
    operm = [0] * len(out_size)
    for i, d in enumerate(lro + lo + sum_dims + ro):
        operm[d] = i
    left = reshape(permute(left, *(lro + lo + sum_dims + ro)), lro_size, lo_size, sum_size)
    right = reshape(permute(right, *(lro + sum_dims + ro + lo)), lro_size, sum_size, ro_size)
    return permute(reshape(bmm(left, right), *out_size), *operm)


# ============================================================== torch.linalg: solve, inv, lstsq
# Rules as in PyTorch's derivatives.yaml, written with tensor ops so they differentiate again. A vector right-hand
# side (b of shape (n,)) is a column; batches of matrices work, broadcasting between A and B's batches does not.
class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a singular matrix, or a decomposition that did not converge."""


LinAlgError.__module__, LinAlgError.__name__, LinAlgError.__qualname__ = "torch._C", "_LinAlgError", "_LinAlgError"


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


# ============================================================== det, slogdet, pinv, singular values
def _linalg_input(A, name: str, square: bool = True) -> None:
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_scalar_type(A)}")
    s = A._data.shape
    if square and s[-1] != s[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {s[-2]} by {s[-1]} matrices")


def _eye_like(A):
    return const(np.eye(A._data.shape[-1], dtype=A._data.dtype))


# The singular value decomposition as one differentiable row: U, S and V = Vhᵀ packed into one (..., m + 1 + n, k)
# array, so that svdvals' VJP (U diag(g) Vᵀ) and the determinant of a singular matrix can be written with tensor ops
# and differentiated again. The rules are Townsend's ("Differentiating the singular value decomposition", 2016).
def _svd_fwd(a, *, m, n):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)


def _svd_parts(P, m):
    return P[..., :m, :], P[..., m, :], P[..., m + 1:, :]


def _svd_f(S):
    """F_ij = 1 / (s_j² − s_i²) off the diagonal, 0 on it."""
    s2 = S * S
    diff = unsqueeze(s2, -2) - unsqueeze(s2, -1)
    eye = const(np.eye(S._data.shape[-1], dtype=bool))
    return where(eye, 0.0, 1 / where(eye, 1.0, diff))


def _svd_vjp(g, out, a, *, m, n):
    U, S, V = _svd_parts(out, m)
    gU, gS, gV = _svd_parts(g, m)
    F, k = _svd_f(S), S._data.shape[-1]
    X, Y = U.mT @ gU, V.mT @ gV
    J, K = F * (X - X.mT), F * (Y - Y.mT)
    core = J * unsqueeze(S, -2) + unsqueeze(S, -1) * K + linalg_diag_embed(gS)
    ga = U @ core @ V.mT
    if m > k:
        ga = ga + (gU - U @ (U.mT @ gU)) / unsqueeze(S, -2) @ V.mT
    if n > k:
        ga = ga + U @ ((gV - V @ (V.mT @ gV)) / unsqueeze(S, -2)).mT
    return ga


def _svd_jvp(da, out, a, *, m, n):
    U, S, V = _svd_parts(out, m)
    F, k = _svd_f(S), S._data.shape[-1]
    dP = U.mT @ da @ V
    dS = linalg_diagonal(dP)
    dU = U @ (F * (dP * unsqueeze(S, -2) + unsqueeze(S, -1) * dP.mT))
    dV = V @ (F * (unsqueeze(S, -1) * dP + dP.mT * unsqueeze(S, -2)))
    if m > k:
        dU = dU + (da @ V - U @ (U.mT @ da @ V)) / unsqueeze(S, -2)
    if n > k:
        dV = dV + (da.mT @ U - V @ (V.mT @ da.mT @ U)) / unsqueeze(S, -2)
    return cat([dU, unsqueeze(dS, -2), dV], -2)


SVD = defop("svd_factors", "LinalgSvdBackward0", _svd_fwd, vjp=(_svd_vjp,), jvp=(_svd_jvp,), save_out=True)


def _svd_factors(A):
    """(U, S, V) of A = U diag(S) Vᵀ (thin), as tensors that stay differentiable."""
    m, n = A._data.shape[-2:]
    return _svd_parts(apply(SVD, (A,), {"m": m, "n": n}), m)


def linalg_diag_embed(v):
    """Vectors (..., k) as diagonal matrices (..., k, k)."""
    return unsqueeze(v, -1) * const(np.eye(v._data.shape[-1], dtype=v._data.dtype))


def _svdvals_vjp(g, out, a):
    U, _, V = _svd_factors(a)
    return (U * unsqueeze(g, -2)) @ V.mT


def _svdvals_jvp(da, out, a):
    U, _, V = _svd_factors(a)
    return sum(U * (da @ V), -2)


SVDVALS = defop("linalg_svdvals", "LinalgSvdBackward0", lambda a: np.linalg.svd(a, compute_uv=False),
                vjp=(_svdvals_vjp,), jvp=(_svdvals_jvp,), save=(0,))


@public(function=False, method=False, linalg=True)
def linalg_svdvals(A, *, driver=None):
    """The singular values of each matrix, largest first."""
    _linalg_input(A, "linalg.svd", square=False)
    return apply(SVDVALS, (A,))


def _det_grad(a, det, cofactors: bool):
    """d det / dA = det · A⁻ᵀ. Where det is exactly 0, PyTorch's first-order backward gives 0, and with
    ``create_graph`` the cofactors through the SVD (det(U) det(V) U diag(∏_{j≠i} s_j) Vᵀ, no inverse needed):
    ``cofactors`` picks the second. Written with tensor ops, so the rule differentiates again."""
    singular = np.asarray(det._data == 0)
    eye = _eye_like(a)
    scaled = unsqueeze(unsqueeze(det, -1), -1) * eye
    if not singular.any():
        return linalg_solve(a.mT, scaled)
    mask = const(singular[..., None, None])
    if singular.all():
        regular = a * 0
    else:  # solve the others with the singular ones replaced by I, then choose
        regular = linalg_solve(where(mask, eye, a).mT, scaled)
    if not cofactors:
        return where(mask, 0.0, regular)
    U, S, V = _svd_factors(a)
    signs = const(np.linalg.det(U._data) * np.linalg.det(V._data))
    k = S._data.shape[-1]
    others = where(const(np.eye(k, dtype=bool)), 1.0, unsqueeze(S, -2).expand(*S.shape[:-1], k, k))
    cof = prod(others, -1) * unsqueeze(signs, -1)
    return where(mask, (U * unsqueeze(cof, -2)) @ V.mT, regular)


def _det_vjp(g, out, a):
    return unsqueeze(unsqueeze(g, -1), -1) * _det_grad(a, out, mode.state.grad_enabled)


def _det_jvp(da, out, a):
    return sum(_det_grad(a, out, True) * da, (-2, -1))


DET = defop("linalg_det", "LinalgDetBackward0", np.linalg.det, vjp=(_det_vjp,), jvp=(_det_jvp,), save=(0,),
            save_out=True)


@public(function=False, method=False, linalg=True)
def linalg_det(A):
    """The determinant of each square matrix."""
    _linalg_input(A, "linalg.det")
    return apply(DET, (A,))


@public
def det(input):
    """``torch.det``: the determinant (``torch.linalg.det``)."""
    return linalg_det(input)


def _logabsdet_fwd(a):
    return np.linalg.slogdet(a)[1]


def _slogdet_grad(a):
    """d log|det A| / dA = A⁻ᵀ."""
    return linalg_solve(a.mT, _eye_like(a).expand(*a.shape))


SLOGDET = defop(
    "linalg_slogdet", "LinalgSlogdetBackward0", _logabsdet_fwd,
    vjp=(lambda g, out, a: unsqueeze(unsqueeze(g, -1), -1) * _slogdet_grad(a),),
    jvp=(lambda da, out, a: sum(_slogdet_grad(a) * da, (-2, -1)),),
    save=(0,),
)
SLOGDET_SIGN = defop(  # the sign output of slogdet: piecewise constant, PyTorch sends no gradient through it
    "linalg_slogdet_sign", "LinalgSlogdetBackward0", lambda a: np.linalg.slogdet(a)[0],
    vjp=(lambda g, out, a: None,),
    jvp=(lambda da, out, a: sum(da * 0, (-2, -1)),),
    save=(0,),
)


class slogdet_result(tuple):
    """``torch.return_types.slogdet``: (sign, logabsdet)."""

    __slots__ = ()
    _fields = ("sign", "logabsdet")
    _name = "slogdet"

    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    sign = property(lambda self: self[0])
    logabsdet = property(lambda self: self[1])

    def __repr__(self) -> str:
        body = ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self))
        return f"torch.return_types.{self._name}(\n{body})"


class linalg_slogdet_result(slogdet_result):
    __slots__ = ()
    _name = "linalg_slogdet"


@public(function=False, method=False, linalg=True)
def linalg_slogdet(A):
    """(sign, log|det|) of each square matrix: the log-determinant without overflow."""
    _linalg_input(A, "linalg.slogdet")
    return linalg_slogdet_result(apply(SLOGDET_SIGN, (A,)), apply(SLOGDET, (A,)))


@public
def slogdet(input):
    _linalg_input(input, "linalg.slogdet")
    return slogdet_result(apply(SLOGDET_SIGN, (input,)), apply(SLOGDET, (input,)))


@public
def logdet(input):
    """log det A: nan where the determinant is negative (PyTorch's WhereBackward0 over the slogdet)."""
    sign, logabs = linalg_slogdet(input)
    return where(sign < 0, float("nan"), logabs)


def _pinv_fwd(a, *, rtol, atol, hermitian):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    smax = s[..., :1] if s.shape[-1] else np.zeros(a.shape[:-2] + (1,), a.dtype)
    cut = np.maximum(0.0 if atol is None else atol, (0.0 if rtol is None else rtol) * smax)
    inv = np.where(s > cut, 1 / np.where(s > cut, s, 1), 0).astype(a.dtype)
    return np.swapaxes(vh, -1, -2) @ (inv[..., None] * np.swapaxes(u, -1, -2))


def _pinv_vjp(g, out, a, **params):
    # Ā = −A⁺ᵀ G A⁺ᵀ + (I − A A⁺) Gᵀ A⁺ A⁺ᵀ + A⁺ᵀ A⁺ Gᵀ (I − A⁺ A), with G the gradient of A⁺ (as PyTorch's
    # pinv_backward; the terms vanish where A has full rank)
    p, gt = out, g.mT
    return (-(p.mT @ g @ p.mT) + (gt @ p @ p.mT - a @ (p @ (gt @ p @ p.mT)))
            + (p.mT @ p @ gt - p.mT @ p @ gt @ p @ a))


def _pinv_jvp(da, out, a, **params):
    p, dat = out, da.mT
    return (-(p @ da @ p) + p @ p.mT @ dat - p @ p.mT @ dat @ a @ p
            + dat @ p.mT @ p - p @ a @ dat @ p.mT @ p)


PINV = defop("linalg_pinv", "LinalgPinvBackward0", _pinv_fwd, vjp=(_pinv_vjp,), jvp=(_pinv_jvp,), save=(0,),
             save_out=True)


@public(function=False, method=False, linalg=True)
def linalg_pinv(A, rcond=None, hermitian: bool = False, *, atol=None, rtol=None):
    """The Moore–Penrose pseudo-inverse; singular values below ``max(atol, rtol · σ_max)`` count as zero."""
    if A._data.ndim < 2 or A._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.pinv({_scalar_type(A)}{{{shape_str(A._data.shape)}}}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    if atol is None and rtol is None:
        rtol = max(A._data.shape[-2:]) * float(np.finfo(A._data.dtype).eps)
    return apply(PINV, (A,), {"rtol": rtol, "atol": atol, "hermitian": hermitian})


@public
def pinverse(input, rcond: float = 1e-15):
    return linalg_pinv(input, rtol=rcond)


# ============================================================== norms
def _vector_norm_fwd(x, *, ord, dim, keepdim, dtype):
    if dtype is not None:
        x = x.astype(dtype)
    a = np.abs(x)
    if ord == 2:
        return np.sqrt(np.sum(x * x, axis=dim, keepdims=keepdim))
    if ord == 1:
        return np.sum(a, axis=dim, keepdims=keepdim)
    if ord == math.inf:
        return np.max(a, axis=dim, keepdims=keepdim)
    if ord == -math.inf:
        return np.min(a, axis=dim, keepdims=keepdim)
    if ord == 0:
        return np.sum(x != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    return np.sum(a ** ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)


def _unreduced(t, x, dim, keepdim):
    """The norm (or its gradient) with the reduced dimensions put back as size 1."""
    if keepdim or x._data.ndim == 0:
        return t
    kept = tuple(1 if dim is None or i in dim else s for i, s in enumerate(x._data.shape))
    return t.reshape(kept)


def _vector_norm_scale(x, out, ord, dim, keepdim):
    """d‖x‖/dx as PyTorch's norm_backward has it (0 where the norm is 0, ties of ±inf share evenly)."""
    from .elementwise import abs as tabs
    from .elementwise import sign

    n = _unreduced(out, x, dim, keepdim)
    if out._data.dtype != x._data.dtype:
        x = x.to(dtypes.from_numpy(out._data.dtype))
    zero = const(n._data == 0)
    if ord == 1:
        return sign(x)
    if ord == 2:
        return where(zero, 0.0, x / n)
    if abs(ord) == math.inf:
        hit = const((np.abs(x._data) == n._data) | np.isnan(x._data))
        count = const(np.sum(hit._data, axis=dim, keepdims=True).astype(x._data.dtype))
        return sign(x) * hit / count
    if ord < 1:
        scaled = where(const(x._data == 0), 0.0, sign(x) * tabs(x) ** (ord - 1))
        return scaled * n ** (1 - ord)
    scaled = sign(x) * tabs(x) ** (ord - 1) if ord < 2 else x * tabs(x) ** (ord - 2)
    return scaled * where(zero, 0.0, 1 / where(zero, 1.0, n ** (ord - 1)))


def _vector_norm_vjp(g, out, x, *, ord, dim, keepdim, dtype):
    if ord == 0:
        return None  # PyTorch gives no gradient at all for the 0 "norm" (a count)
    return _unreduced(g, x, dim, keepdim) * _vector_norm_scale(x, out, ord, dim, keepdim)


def _vector_norm_jvp(dx, out, x, *, ord, dim, keepdim, dtype):
    if ord == 0:
        return out * 0
    return sum(dx * _vector_norm_scale(x, out, ord, dim, keepdim), dim, keepdim)


VECTOR_NORM = defop("linalg_vector_norm", "LinalgVectorNormBackward0", _vector_norm_fwd, vjp=(_vector_norm_vjp,),
                    jvp=(_vector_norm_jvp,), save=(0,), save_out=True, sets_dtype=True, broadcast=True)


def _ord_name(ord) -> str:
    return str(int(ord)) if isinstance(ord, float) and ord.is_integer() else str(ord)


@public(function=False, method=False, linalg=True)
def linalg_vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """The vector ``ord``-norm over ``dim`` (all elements by default): 2, 1, inf, -inf, 0 (a count) or any real."""
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_scalar_type(x)}")
    ord = float(ord)
    if isinstance(dim, (list, tuple)):
        seen = set()
        for d in dim:
            d0 = one_dim(d, x._data.ndim, "linalg_vector_norm")
            if d0 in seen:
                raise RuntimeError(f"dim {d0} appears multiple times in the list of dims")
            seen.add(d0)
        dims = norm_dim(dim, x._data.ndim, "linalg_vector_norm") if dim else None
    else:
        dims = None if dim is None else norm_dim(dim, x._data.ndim, "linalg_vector_norm")
    if ord < 0 or ord == math.inf:
        empty = [d for d in (dims if dims is not None else range(x._data.ndim)) if x._data.shape[d] == 0]
        if (dims is None and x._data.size == 0) or empty:
            where_ = ("on an empty tensor because" if dims is None
                      else f"on the dimension {empty[0]}because this dimension is empty and")
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_name(ord)} norm {where_} the operation "
                               "does not have an identity")
    np_dtype = None if dtype is None else dtypes.to_dtype(dtype).np
    if np_dtype is not None and not np.can_cast(x._data.dtype, np_dtype, "safe"):
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({_scalar_type(x)}) should be convertible "
                           f"without narrowing to the specified dtype ({dtypes.to_dtype(dtype).legacy[:-6]})")
    return apply(VECTOR_NORM, (x,), {"ord": ord, "dim": dims, "keepdim": keepdim, "dtype": np_dtype})


def _backshift(d0: int, d1: int, ndim: int) -> list:
    return [i for i in range(ndim) if i not in (d0, d1)] + [d0, d1]


def _inverse_permutation(perm: list) -> list:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


@public(function=False, method=False, linalg=True)
def linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):
    """The matrix norm over the two dims ``dim``: 'fro', 'nuc', 2/-2 (largest/smallest singular value), 1/-1
    (largest/smallest column sum) and inf/-inf (row sums), recorded as PyTorch composes them."""
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(ord) not in (1, 2, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {_ord_name(float(ord))} not supported.")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_scalar_type(A)}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (one_dim(d, A._data.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return linalg_vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord == "nuc" or abs(ord) == 2:
        a = A if dtype is None else A.to(dtype)
        perm = _backshift(d0, d1, a._data.ndim)
        s = linalg_svdvals(permute(a, *perm))
        result = sum(s, -1, keepdim) if ord == "nuc" else (amax if ord > 0 else amin)(s, -1, keepdim)
        if keepdim:
            result = permute(unsqueeze(result, -1), *_inverse_permutation(perm))
        return result
    if abs(ord) == math.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    return (amax if ord > 0 else amin)(linalg_vector_norm(A, 1.0, (d0,), keepdim, dtype=dtype), d1, keepdim)


@public(function=False, method=False, linalg=True)
def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None):
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``dim`` has two dims (or A is 2-D and ``ord`` is
    given)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    elif ord is not None and A._data.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A._data.ndim}D.")
    if isinstance(ord, str):
        if dim is not None and len(dim) != 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim[0]}")
        return linalg_matrix_norm(A, ord, tuple(dim) if dim is not None else (0, 1), keepdim, dtype=dtype)
    if ord is not None and ((dim is not None and len(dim) == 2) or (dim is None and A._data.ndim == 2)):
        return linalg_matrix_norm(A, ord, tuple(dim) if dim is not None else (0, 1), keepdim, dtype=dtype)
    return linalg_vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
