"""Reductions (sum, mean, max, min, prod, norm, logsumexp, var, std, cumsum, cumprod, logcumsumexp, trapezoid and
cumulative_trapezoid) and the softmax family (sorting.py: sort, topk, median, cummax)."""

from __future__ import annotations

import builtins
import collections
import functools
import math
import warnings

import numpy as np

from ..mode import state as _state
from ..tensor import Tensor, make
from ._util import const, float_kernel, norm_dim, one_dim, shape_str
from .elementwise import _mask, _pass_where, exp, over_scalar, times_scalar, where
from .positions import flip
from .registry import apply, apply_multi, defop, public


def numpy_aliases(fn):
    """Accept numpy's ``axis=`` and ``keepdims=`` for ``dim=`` and ``keepdim=``, as PyTorch does."""

    @functools.wraps(fn)
    def reduction(x, *args, axis=None, keepdims=None, **kwargs):
        if axis is not None:
            kwargs["dim"] = axis
        if keepdims is not None:
            kwargs["keepdim"] = keepdims
        return fn(x, *args, **kwargs)

    return reduction


def unreduce(g, shape, dim, keepdim: bool):
    """Broadcast a reduced gradient back to the input's ``shape`` (the VJP of every reduction): a tensor (recorded),
    or an array on the fast path (a read-only broadcast view, which the backward pass never writes into)."""
    if dim is None:
        kept = (1,) * len(shape)
    elif keepdim:
        kept = None
    else:
        kept = tuple(1 if i in dim else s for i, s in enumerate(shape))
    if kept is not None and g.shape != kept and g.ndim:  # (a 0-d gradient expands as it is, as PyTorch's)
        g = g.reshape(kept)
    if g.shape == tuple(shape):
        return g
    return g.expand(shape) if isinstance(g, Tensor) else np.broadcast_to(g, shape)


def _count(shape, dim) -> int:
    if dim is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[d] for d in dim], dtype=np.int64))


# ============================================================== sum / mean
def _int_kept(x):
    """The dtype an integer sum stays in (int64 unless ``dtype=`` asked for another): numpy's would widen int32."""
    return x.dtype if x.dtype.kind in "iu" else None


def _sum_fwd(x, *, dim, keepdim, shape):
    # the ufunc itself, not np.sum's Python wrapper: the same result, and inf - inf's warning is raised here, where
    # the op modules' filter silences it (PyTorch gives nan silently)
    return np.add.reduce(x, axis=dim, keepdims=keepdim, dtype=_int_kept(x))


def _mean_fwd(x, *, dim, keepdim, shape):
    return np.mean(x, axis=dim, keepdims=keepdim)


def _sum_vjp(g, out, x, *, dim, keepdim, shape):
    return unreduce(g, shape, dim, keepdim)


def _sum_jvp(dx, out, x, *, dim, keepdim, shape):
    return sum(dx, dim, keepdim)


def _mean_vjp(g, out, x, *, dim, keepdim, shape):
    return unreduce(g, shape, dim, keepdim) / _count(shape, dim)


def _mean_jvp(dx, out, x, *, dim, keepdim, shape):
    return mean(dx, dim, keepdim)


SUM = defop("sum", "SumBackward0", _sum_fwd, vjp=(_sum_vjp,), jvp=(_sum_jvp,), arrays=True)
SUM_DIM = defop("sum_dim", "SumBackward1", _sum_fwd, vjp=(_sum_vjp,), jvp=(_sum_jvp,), arrays=True)
MEAN = defop("mean", "MeanBackward0", _mean_fwd, vjp=(_mean_vjp,), jvp=(_mean_jvp,), arrays=True)
MEAN_DIM = defop("mean_dim", "MeanBackward1", _mean_fwd, vjp=(_mean_vjp,), jvp=(_mean_jvp,), arrays=True)


def _in_dtype(x, dtype):
    """x in the ``dtype=`` a sum, product or running sum was asked for; PyTorch's error where that dtype can't carry
    the gradient x needs (an integer or bool result of a tensor that requires grad)."""
    y = x.to(dtype)
    if x._requires_grad and y._data.dtype.kind in "biu":
        from .. import mode
        from .shape import dtype_name

        if mode.state.grad_enabled:
            raise RuntimeError(f"Autograd not support dtype: {dtype_name(y._data.dtype)}\n(nbautodiff: an integer "
                               "result has no gradient; sum in a float dtype, or detach() first)")
    return y


def _int64_unless_given(x, dtype):
    """PyTorch sums bools and integers as int64, unless ``dtype=`` asked for another integer type."""
    d = x._data.dtype
    if d.kind in "biu" and d != np.int64 and (dtype is None or d.kind == "b"):
        return make(x._data.astype(np.int64))
    return x


def _all_if_empty(d, x):
    """``dim=()`` (or ``[]``) reduces every dim in PyTorch's sum, mean and nansum; numpy's ``axis=()`` none."""
    return tuple(range(x._data.ndim)) if d == () else d


@public
@numpy_aliases
def sum(x, dim=None, keepdim: bool = False, *, dtype=None):
    """Sum over all elements, or over ``dim`` (an int or a tuple)."""
    if dtype is not None:
        x = _in_dtype(x, dtype)
    d = _all_if_empty(norm_dim(dim, x._data.ndim, "sum"), x)
    x = _int64_unless_given(x, dtype)
    return apply(SUM if d is None else SUM_DIM, (x,), {"dim": d, "keepdim": keepdim, "shape": x._data.shape})


@public
@numpy_aliases
def mean(x, dim=None, keepdim: bool = False, *, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {x.dtype.legacy.removesuffix('Tensor')}\nmean: use x.float().mean()"
        )
    d = _all_if_empty(norm_dim(dim, x._data.ndim, "mean"), x)
    return apply(MEAN if d is None else MEAN_DIM, (x,), {"dim": d, "keepdim": keepdim, "shape": x._data.shape})


# ============================================================== max / min
def _ties(x: np.ndarray, out) -> np.ndarray:
    """The elements equal to a full reduction's result (max, min, median): the nans when it is nan."""
    return np.isnan(x) if np.isnan(out).any() else x == out


def _extreme_all_vjp(g, out, x):
    # The gradient is shared evenly between all elements equal to the max (PyTorch's evenly_distribute_backward),
    # selected so that a nan gradient does not reach the others.
    mask = _ties(x._data, out._data)
    return _pass_where(mask, g * _mask(mask / mask.sum(dtype=x._data.dtype)))


def _extreme_all_jvp(dx, out, x):
    mask = _ties(x._data, out._data)
    return sum(dx * _mask(mask / mask.sum(dtype=x._data.dtype)))


def _onehot(shape, dim, indices, keepdim):
    idx = indices if keepdim else np.expand_dims(indices, dim)
    ar = np.arange(shape[dim]).reshape([-1 if i == dim else 1 for i in range(len(shape))])
    return _mask(ar == idx)


def _extreme_dim_fwd(x, *, dim, keepdim, indices):
    idx = indices if keepdim else np.expand_dims(indices, dim)
    out = np.take_along_axis(x, idx, axis=dim)
    return out if keepdim else np.squeeze(out, dim)


def _extreme_dim_vjp(g, out, x, *, dim, keepdim, indices):
    return _pass_where(_onehot(x.shape, dim, indices, keepdim), unreduce(g, x.shape, (dim,), keepdim))


def _extreme_dim_jvp(dx, out, x, *, dim, keepdim, indices):
    return sum(dx * _onehot(x.shape, dim, indices, keepdim), dim, keepdim)


MAX_ALL = defop("max", "MaxBackward1", np.max, vjp=(_extreme_all_vjp,), jvp=(_extreme_all_jvp,),
                save=(0,), save_out=True)
MIN_ALL = defop("min", "MinBackward1", np.min, vjp=(_extreme_all_vjp,), jvp=(_extreme_all_jvp,),
                save=(0,), save_out=True)
MAX_DIM = defop("max_dim", "MaxBackward0", _extreme_dim_fwd, vjp=(_extreme_dim_vjp,), jvp=(_extreme_dim_jvp,),
                save=(0,))
MIN_DIM = defop("min_dim", "MinBackward0", _extreme_dim_fwd, vjp=(_extreme_dim_vjp,), jvp=(_extreme_dim_jvp,),
                save=(0,))


def return_type(name: str, fields: str = "values indices") -> type:
    """PyTorch's ``torch.return_types.<name>``: a named tuple that prints as PyTorch prints it."""
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        parts = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{name}(\n{parts})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


max_result, min_result = return_type("max"), return_type("min")


def _extreme(x, dim, keepdim, other, which):
    from .elementwise import maximum, minimum

    if isinstance(dim, Tensor):
        other, dim = dim, None
    if other is not None:
        return (maximum if which == "max" else minimum)(x, other)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(
                f"{which}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return apply(MAX_ALL if which == "max" else MIN_ALL, (x,))
    d = one_dim(dim, x._data.ndim, which)
    if x._data.ndim == 0:  # PyTorch's dim 0 of a 0-d tensor: the value itself, at index 0
        values = apply(MAX_DIM if which == "max" else MIN_DIM, (x.reshape(1),),
                       {"dim": 0, "keepdim": False, "indices": np.zeros((), dtype=np.int64)})
        cls = max_result if which == "max" else min_result
        return cls(values, make(np.zeros((), dtype=np.int64)))
    check_nonempty(x, d, which + "()")
    arg = np.argmax if which == "max" else np.argmin
    indices = arg(x._data, axis=d, keepdims=keepdim)
    values = apply(MAX_DIM if which == "max" else MIN_DIM, (x,), {"dim": d, "keepdim": keepdim, "indices": indices})
    cls = max_result if which == "max" else min_result
    return cls(values, make(np.asarray(indices, dtype=np.int64)))


@public
@numpy_aliases
def max(x, dim=None, keepdim: bool = False, *, other=None):
    """The largest element; with ``dim``, (values, indices); with a tensor, the elementwise maximum."""
    return _extreme(x, dim, keepdim, other, "max")


@public
@numpy_aliases
def min(x, dim=None, keepdim: bool = False, *, other=None):
    return _extreme(x, dim, keepdim, other, "min")


def _amax_mask(x, out, dim, keepdim) -> Tensor:
    """1/k on each of the k elements equal to the extreme along ``dim``: amax shares its gradient evenly."""
    o = out._data if keepdim else np.expand_dims(out._data, dim)
    m = x._data == o
    return _mask(m / m.sum(axis=dim, keepdims=True, dtype=x._data.dtype))


def _amax_vjp(g, out, x, *, dim, keepdim):
    return unreduce(g, x.shape, dim, keepdim) * _amax_mask(x, out, dim, keepdim)


def _amax_jvp(dx, out, x, *, dim, keepdim):
    return sum(dx * _amax_mask(x, out, dim, keepdim), dim, keepdim)


AMAX = defop("amax", "AmaxBackward0", lambda x, *, dim, keepdim: np.max(x, axis=dim, keepdims=keepdim),
             vjp=(_amax_vjp,), jvp=(_amax_jvp,), save=(0,), save_out=True)
AMIN = defop("amin", "AminBackward0", lambda x, *, dim, keepdim: np.min(x, axis=dim, keepdims=keepdim),
             vjp=(_amax_vjp,), jvp=(_amax_jvp,), save=(0,), save_out=True)


@public
@numpy_aliases
def amax(x, dim=(), keepdim=False):
    """The largest value over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _amax(AMAX, x, dim, keepdim)


@public
@numpy_aliases
def amin(x, dim=(), keepdim=False):
    """The smallest value over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _amax(AMIN, x, dim, keepdim)


def _amax(op, x, dim, keepdim):
    whole = dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)
    if whole and x._data.size == 0:
        raise RuntimeError(
            f"{op.name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim "
            "with the 'dim' argument."
        )
    d = tuple(range(x._data.ndim)) if whole else norm_dim(dim, x._data.ndim, op.name)
    if not whole:
        check_nonempty(x, dim, op.name + "()")
    return apply(op, (x,), {"dim": d, "keepdim": keepdim})


def check_nonempty(x, dim, name: str) -> None:
    """PyTorch's refusal to reduce over a dimension of size 0 (max, amax, median, aminmax... have no identity)."""
    n = x._data.ndim
    for d in (dim,) if isinstance(dim, (int, np.integer)) else dim:
        if n and x._data.shape[int(d) % n] == 0:
            raise IndexError(f"{name}: Expected reduction dim {int(d) % n} to have non-zero size.")


def _arg_nonempty(x, dim, op: str) -> None:
    if x._data.size:
        return
    if dim is None:
        raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
    d = one_dim(dim, x._data.ndim, op)
    if x._data.ndim and x._data.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")


@public
@numpy_aliases
def argmax(x, dim=None, keepdim: bool = False):
    _no_bool_arg(x, "argmax")
    _arg_nonempty(x, dim, "argmax")
    if dim is None:
        return make(np.asarray(np.argmax(x._data), dtype=np.int64))
    return make(np.asarray(np.argmax(x._data, axis=one_dim(dim, x.ndim, "argmax"), keepdims=keepdim), dtype=np.int64))


@public
@numpy_aliases
def argmin(x, dim=None, keepdim: bool = False):
    _no_bool_arg(x, "argmin")
    _arg_nonempty(x, dim, "argmin")
    if dim is None:
        return make(np.asarray(np.argmin(x._data), dtype=np.int64))
    return make(np.asarray(np.argmin(x._data, axis=one_dim(dim, x.ndim, "argmin"), keepdims=keepdim), dtype=np.int64))


def _no_bool_arg(x, name: str) -> None:
    if x._data.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input\n{name}: convert first, e.g. x.int()")


# ============================================================== prod
def _prod_fwd(x, *, dim, keepdim):
    return np.prod(x, axis=dim, keepdims=keepdim, dtype=_int_kept(x))


def _prod_safe_zeros(g, x: Tensor, axis: int) -> Tensor:
    """g times each element's product of the others along ``axis``: exclusive cumulative products from both ends,
    PyTorch's prod_safe_zeros_backward (no division, so zeros are fine; recorded under create_graph, where the
    factor still depends on x: d/dx0 of x0·x1·x2 is x1·x2)."""
    from .joining import cat

    n = x.shape[axis]
    ones = make(np.ones_like(np.take(x._data, [0], axis=axis)))
    left = cumprod(cat([ones, x.narrow(axis, 0, n - 1)], axis), axis)
    right = flip(cumprod(cat([ones, flip(x.narrow(axis, 1, n - 1), (axis,))], axis), axis), (axis,))
    return g * (left * right)


def _prod_vjp(g, out, x, *, dim, keepdim):
    if not x.ndim:  # as PyTorch: the gradient itself
        return g
    if np.any(x._data == 0):
        if dim is None:
            return _prod_safe_zeros(g, x.reshape(-1), 0).view(x.shape)
        return _prod_safe_zeros(g if keepdim else g.unsqueeze(dim[0]), x, dim[0])
    return unreduce(g, x.shape, dim, keepdim) * (unreduce(out, x.shape, dim, keepdim) / x)


def _prod_jvp(dx, out, x, *, dim, keepdim):
    if not x.ndim:
        return dx
    if np.any(x._data == 0):
        if dim is None:
            return sum(_prod_safe_zeros(dx.reshape(-1), x.reshape(-1), 0))
        return sum(_prod_safe_zeros(dx, x, dim[0]), dim, keepdim)
    return sum(dx * (unreduce(out, x.shape, dim, keepdim) / x), dim, keepdim)


PROD = defop("prod", "ProdBackward0", _prod_fwd, vjp=(_prod_vjp,), jvp=(_prod_jvp,), save=(0,), save_out=True)
PROD_DIM = defop("prod_dim", "ProdBackward1", _prod_fwd, vjp=(_prod_vjp,), jvp=(_prod_jvp,), save=(0,), save_out=True)


@public
@numpy_aliases
def prod(x, dim=None, keepdim: bool = False, *, dtype=None):
    if dtype is not None:
        x = _in_dtype(x, dtype)
    x = _int64_unless_given(x, dtype)  # (numpy's product of uint8 would be uint64)
    d = None if dim is None else norm_dim(int(dim), x._data.ndim, "prod")  # () for a 0-d tensor
    return apply(PROD if d is None else PROD_DIM, (x,), {"dim": d, "keepdim": keepdim})


# ============================================================== renorm
def _np_norm(x, p, dims):
    a = np.abs(x)
    if p == math.inf:
        return a.max(axis=dims, keepdims=True, initial=0)
    if p == 1:
        return a.sum(axis=dims, keepdims=True)
    if p == 2:
        return np.sqrt((a * a).sum(axis=dims, keepdims=True))
    return (a ** p).sum(axis=dims, keepdims=True) ** (1 / p)


def _renorm_fwd(x, *, p, dims, maxnorm):
    n = _np_norm(x, p, dims)
    factor = np.where(n > maxnorm, maxnorm / (n + 1e-7), 1).astype(x.dtype)
    return x * factor


def _norm_slope(x, p, dims, norm, g):
    """PyTorch's norm_backward for the slices' norms: g times d norm / d x (0 where a norm is 0)."""
    from .elementwise import masked_fill, where

    zero = norm == 0
    if p == 1:
        return x.sgn() * g
    if p == 2:
        return x * masked_fill(g / norm, zero, 0.0)
    if p == math.inf:
        mask = (x.abs() == norm).to(x.dtype)
        return x.sgn() * ((g / sum(mask, dims, keepdim=True)) * mask)
    return x * x.abs().pow(p - 2) * where(zero, 0.0, g / norm.pow(p - 1))


def _renorm_parts(x, p, dims, maxnorm):
    n = norm(x, p, dims, keepdim=True)
    inv = (n + 1e-7).reciprocal()
    return n, inv, inv * maxnorm


def _renorm_vjp(g, out, x, *, p, dims, maxnorm):
    """PyTorch's renorm_backward: the slices scaled down get factor * g less the change of their norm's factor."""
    from .elementwise import where

    n, inv, factor = _renorm_parts(x, p, dims, maxnorm)
    slope = _norm_slope(x, p, dims, n, sum(x * g, dims, keepdim=True))
    return where(n > maxnorm, factor * g - (maxnorm * inv * inv) * slope, g)


def _renorm_jvp(dx, out, x, *, p, dims, maxnorm):
    from .elementwise import where

    n, inv, factor = _renorm_parts(x, p, dims, maxnorm)
    dn = sum(_norm_slope(x, p, dims, n, make(np.ones(n._data.shape, x._data.dtype))) * dx, dims, keepdim=True)
    return where(n > maxnorm, factor * dx - (maxnorm * inv * inv) * dn * x, dx)


RENORM = defop("renorm", "RenormBackward0", _renorm_fwd, vjp=(_renorm_vjp,), jvp=(_renorm_jvp,), save=(0,))


@public(inplace=True)
def renorm(x, p, dim: int, maxnorm):
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm`` (the others as
    they are), as embeddings and weights are kept bounded."""
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype.legacy.removesuffix('Tensor')}")
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    if x._data.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x._data.ndim} dimensions")
    d = one_dim(dim, x._data.ndim, "renorm")
    dims = tuple(i for i in range(x._data.ndim) if i != d)
    return apply(RENORM, (x,), {"p": float(p), "dims": dims, "maxnorm": float(maxnorm)})


# ============================================================== norm
@public
@numpy_aliases
def norm(x, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """The vector p-norm (2 by default) of all elements, or along ``dim``; ``p="nuc"`` the nuclear norm.

    As ``torch.norm`` it is ``torch.linalg.vector_norm`` (one row, one ``LinalgVectorNormBackward0`` node).
    """
    from .decompositions import linalg_matrix_norm, linalg_vector_norm  # built on this module

    if p in ("fro", None):
        p = 2
    if isinstance(p, str):
        return linalg_matrix_norm(x, p, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return linalg_vector_norm(x, p, dim, keepdim, dtype=dtype)


# ============================================================== logsumexp and softmax
def _stable_max(x, dim):
    if x.size == 0:  # softmax over an empty dimension (or beside one): an empty result, as PyTorch's
        return np.zeros(np.max(x, axis=dim, keepdims=True, initial=0).shape, x.dtype)
    m = x.max(axis=dim, keepdims=True)  # (the methods: np.max and np.sum add a Python-level wrapper)
    if np.isfinite(m).all():
        return m
    return np.where(np.isfinite(m), m, 0)  # a row of infinities: shift by 0, not by inf


def _logsumexp_fwd(x, *, dim, keepdim):
    if x.dtype == np.bool_:  # PyTorch computes bools (and integers) in float32
        x = x.astype(np.float32)
    # Subtracting the max first is what makes this a primitive: exp would overflow otherwise.
    m = _stable_max(x, dim)
    out = np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, dim)


LOGSUMEXP = defop(
    "logsumexp", "LogsumexpBackward0", _logsumexp_fwd,
    vjp=(lambda g, out, x, *, dim, keepdim: unreduce(g, x.shape, dim, keepdim)
         * exp(x - unreduce(out, x.shape, dim, keepdim)),),
    jvp=(lambda dx, out, x, *, dim, keepdim: sum(dx * exp(x - unreduce(out, x.shape, dim, keepdim)), dim, keepdim),),
    save=(0,), save_out=True, half=False,  # PyTorch's logsumexp is several kernels, each rounding float16
)


@public
@numpy_aliases
def logsumexp(x, dim, keepdim: bool = False):
    """log(sum(exp(x))) along ``dim``, computed without overflow."""
    if isinstance(dim, (tuple, list)) and not dim and x._data.ndim:
        # dim=() reduces over every dimension: into a 0-d result, which PyTorch then fails to write back, or
        # (keepdim=True) into ones of each dimension
        if not keepdim:
            ones = shape_str([1] * x._data.ndim)
            raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {ones}")
        dim = range(x._data.ndim)
    return apply(LOGSUMEXP, (x,), {"dim": norm_dim(dim, x._data.ndim, "logsumexp"), "keepdim": keepdim})


def _row_max(x, dim):
    """The shift of softmax and log_softmax: the row's max itself, inf included (PyTorch's kernels: a row holding
    +inf is all nan, not one nan among zeros; logsumexp alone shifts an infinite max by 0)."""
    if x.size == 0:
        return _stable_max(x, dim)
    return x.max(axis=dim, keepdims=True)


def _softmax_fwd(x, *, dim):
    with np.errstate(invalid="ignore"):
        e = np.exp(x - _row_max(x, dim))
        return e / e.sum(axis=dim, keepdims=True)


def _log_softmax_fwd(x, *, dim):
    with np.errstate(invalid="ignore"):
        shifted = x - _row_max(x, dim)
        return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def _exp(a):
    """exp of a tensor (recorded) or of an array: lets a rule run on both (see ``arrays`` in defop)."""
    return exp(a) if isinstance(a, Tensor) else np.exp(a)


def _sum_keep(a, dim):
    """sum over ``dim`` keeping it, for a tensor or an array."""
    return sum(a, dim, True) if isinstance(a, Tensor) else a.sum(axis=dim, keepdims=True)


def softmax_backward(g, out, dim):
    """softmax's VJP, out·(g − Σ g·out): one op on tensors (PyTorch's _softmax_backward_data), a formula on arrays."""
    if isinstance(g, Tensor):
        return apply(SOFTMAX_BACKWARD, (g, out), {"dim": dim})
    return out * (g - (g * out).sum(axis=dim, keepdims=True))


def log_softmax_backward(g, out, dim):
    """log_softmax's VJP, g − exp(out)·Σ g: one op on tensors (PyTorch's _log_softmax_backward_data)."""
    if isinstance(g, Tensor):
        return apply(LOG_SOFTMAX_BACKWARD, (g, out), {"dim": dim})
    return g - np.exp(out) * g.sum(axis=dim, keepdims=True)


def _softmax_double_backward(gg, g, out, dim):
    """d/d out of softmax_backward(g, out) · gg, as PyTorch's softmax_double_backward writes it."""
    return g * gg - sum(out * g, dim, True) * gg - g * sum(out * gg, dim, True)


SOFTMAX = defop(
    "softmax", "SoftmaxBackward0", _softmax_fwd,
    vjp=(lambda g, out, x, *, dim: softmax_backward(g, out, dim),),
    jvp=(lambda dx, out, x, *, dim: out * (dx - sum(dx * out, dim, True)),),
    save_out=True, arrays=True, half_vjp=True
)
def _safe_softmax_fwd(x, *, dim):
    """softmax, a row of -inf only (attention with every key masked) giving zeros, not nan."""
    out = _softmax_fwd(x, dim=dim)
    empty = (x == -np.inf).all(axis=dim, keepdims=True)
    return np.where(empty, out.dtype.type(0), out) if empty.any() else out


# PyTorch's _safe_softmax (scaled_dot_product_attention's): its backward is softmax's on the zeroed output, so a
# fully masked row passes no gradient (softmax then where would pass nan)
SAFE_SOFTMAX = defop(
    "safe_softmax", "SafeSoftmaxBackward0", _safe_softmax_fwd,
    vjp=(lambda g, out, x, *, dim: softmax_backward(g, out, dim),),
    jvp=(lambda dx, out, x, *, dim: out * (dx - sum(dx * out, dim, True)),),
    save_out=True, arrays=True, half_vjp=True
)
LOG_SOFTMAX = defop(
    "log_softmax", "LogSoftmaxBackward0", _log_softmax_fwd,
    vjp=(lambda g, out, x, *, dim: log_softmax_backward(g, out, dim),),
    jvp=(lambda dx, out, x, *, dim: dx - sum(exp(out) * dx, dim, True),),
    save_out=True, arrays=True, half_vjp=True
)
# The gradients as nodes of their own under create_graph, as PyTorch records them (a Hessian through softmax or
# cross_entropy): linear in g; their derivatives are derivatives.yaml's, on tensors.
SOFTMAX_BACKWARD = defop(
    "softmax_backward_data", "SoftmaxBackwardDataBackward0",
    lambda g, out, *, dim: softmax_backward(g, out, dim),
    vjp=(lambda gg, r, g, out, *, dim: softmax_backward(gg, out, dim),
         lambda gg, r, g, out, *, dim: _softmax_double_backward(gg, g, out, dim)),
    jvp=(lambda dg, r, g, out, *, dim: softmax_backward(dg, out, dim),
         lambda dout, r, g, out, *, dim: dout * (g - sum(g * out, dim, True)) - out * sum(g * dout, dim, True)),
    save=(0, 1), half="kernel",
)
LOG_SOFTMAX_BACKWARD = defop(
    "log_softmax_backward_data", "LogSoftmaxBackwardDataBackward0",
    lambda g, out, *, dim: log_softmax_backward(g, out, dim),
    vjp=(lambda gg, r, g, out, *, dim: gg - sum(gg * exp(out), dim, True),
         lambda gg, r, g, out, *, dim: -sum(g, dim, True) * exp(out) * gg),
    jvp=(lambda dg, r, g, out, *, dim: log_softmax_backward(dg, out, dim),
         lambda dout, r, g, out, *, dim: -sum(g, dim, True) * exp(out) * dout),
    save=(0, 1), half="kernel",
)


def _softmax_kernel(name: str, x, dim: tuple) -> str:
    """The name of PyTorch's softmax kernel in its dtype error: the last dimension has its own."""
    return f"{name}_lastdim_kernel_impl" if not dim or dim[0] >= x._data.ndim - 1 else f"{name}_kernel_impl"


def _softmax_dim(x, dim, name):
    if dim is None:
        dim = 0 if x._data.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    return norm_dim(dim, x._data.ndim, name)


@public(functional=True)
def softmax(x, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, shifted by the max for stability."""
    if dtype is not None:
        x = x.to(dtype)
    d = _softmax_dim(x, dim, "softmax")
    float_kernel(_softmax_kernel("softmax", x, d), "softmax", x)
    return apply(SOFTMAX, (x,), {"dim": d})


@public(functional=True)
def log_softmax(x, dim=None, dtype=None):
    """log(softmax(x)) computed in one stable step (never log of an underflowed 0)."""
    if dtype is not None:
        x = x.to(dtype)
    d = _softmax_dim(x, dim, "log_softmax")
    float_kernel(_softmax_kernel("log_softmax", x, d), "log_softmax", x)
    return apply(LOG_SOFTMAX, (x,), {"dim": d})


# ============================================================== cumsum, var, std (compositions)
_CUM_ACC = {np.dtype(np.float32): np.float64, np.dtype(np.float16): np.float32}  # PyTorch's CPU acc_type


def _cumulative(fn, x, dim):
    """np.cumsum / np.cumprod as PyTorch's CPU kernel runs them: one running value in the accumulate type (float32
    in double, float16 in float32), each prefix rounded to the dtype; integers kept in int64."""
    acc = _CUM_ACC.get(x.dtype)
    if acc is not None:
        return fn(x, axis=dim, dtype=acc).astype(x.dtype).reshape(np.shape(x))
    return fn(x, axis=dim, dtype=_int_kept(x)).reshape(np.shape(x))  # numpy flattens a 0-d input to shape (1,)


def _cumsum_fwd(x, *, dim):
    return _cumulative(np.cumsum, x, dim)


CUMSUM = defop(
    "cumsum", "CumsumBackward0", _cumsum_fwd,
    # the reverse cumulative sum. (Not total - cumsum + g: one nan or inf would reach every element.)
    vjp=(lambda g, out, x, *, dim: flip(cumsum(flip(g, dim), dim), dim),),
    jvp=(lambda dx, out, x, *, dim: cumsum(dx, dim),),
)


@public(inplace=True)
@numpy_aliases
def cumsum(x, dim, *, dtype=None):
    if dtype is not None:
        x = _in_dtype(x, dtype)
    x = _int64_unless_given(x, dtype)
    return apply(CUMSUM, (x,), {"dim": one_dim(dim, x._data.ndim, "cumsum")})


_IN_DOUBLE = (np.dtype(np.float32), np.dtype(np.float16))


def _var_fwd(x, *, dim, keepdim, correction):
    # not np.var: its warnings are numpy's, and PyTorch's (one, before the call) is given by var() itself. PyTorch's
    # CPU kernels accumulate a variance in double (Welford, or two passes over all elements): float32 and float16
    # are computed in float64 and rounded once (in float32, half of the values were an ulp off PyTorch's)
    dt = x.dtype
    if dt in _IN_DOUBLE:
        x = x.astype(np.float64)
    n = _count(x.shape, dim)
    centred = x - _mean_exact(x, dim, n)
    v = np.sum(centred * centred, axis=dim, keepdims=keepdim) / builtins.max(n - correction, 0)
    return v.astype(dt) if dt in _IN_DOUBLE else v


def _mean_exact(x, dim, n):
    """The mean (kept dims), exactly the value where all values are equal (sum / n may be off by a rounding):
    PyTorch's Welford var is then exactly 0, and so its std's gradient is 0 there too."""
    m = np.sum(x, axis=dim, keepdims=True) / n
    if x.size:
        lo = np.min(x, axis=dim, keepdims=True)
        m = np.where(lo == np.max(x, axis=dim, keepdims=True), lo, m)
    return m


def _std_fwd(x, *, dim, keepdim, correction):
    dt = x.dtype  # (the square root in double too, before the one rounding)
    v = _var_fwd(x.astype(np.float64) if dt in _IN_DOUBLE else x, dim=dim, keepdim=keepdim, correction=correction)
    return np.sqrt(v).astype(dt) if dt in _IN_DOUBLE else np.sqrt(v)


def _var_factor(x, dim, correction):
    """d var / dx = 2 (x - mean) / (n - correction), as PyTorch's var_backward: 2 / 0 is inf, and over every element
    (dim=None) with n <= correction the factor is inf, nan where x is the mean (for any sign of x - mean)."""
    dof = _count(x.shape, dim) - correction
    if dof <= 0 and dim is None:
        return make(np.where(x._data == mean(x)._data, np.nan, np.inf).astype(x._data.dtype))
    return (x - mean(x, dim, True)) * (2.0 / dof if dof else math.inf)


def _std_factor(x, out, dim, keepdim, correction):
    """d std / dx = (x - mean) / ((n - correction) std); 0 where std is 0 (PyTorch's choice, not nan)."""
    s = unreduce(out, x.shape, dim, keepdim)
    return _std_factor_of(x, s, dim, correction)


def _std_factor_of(x, s, dim, correction):
    zero = _mask(s._data == 0)
    return where(zero, 0.0, _var_factor(x, dim, correction) / (2 * where(zero, 1.0, s)))


VAR = defop(
    "var", "VarBackward0", _var_fwd,
    vjp=(lambda g, out, x, *, dim, keepdim, correction: unreduce(g, x.shape, dim, keepdim)
         * _var_factor(x, dim, correction),),
    jvp=(lambda dx, out, x, *, dim, keepdim, correction: sum(dx * _var_factor(x, dim, correction), dim, keepdim),),
    save=(0,),
)
STD = defop(
    "std", "StdBackward0", _std_fwd,
    vjp=(lambda g, out, x, *, dim, keepdim, correction: unreduce(g, x.shape, dim, keepdim)
         * _std_factor(x, out, dim, keepdim, correction),),
    jvp=(lambda dx, out, x, *, dim, keepdim, correction: sum(dx * _std_factor(x, out, dim, keepdim, correction),
                                                             dim, keepdim),),
    save=(0,), save_out=True,
)


def _var_params(x, dim, unbiased, keepdim, correction, name: str, stacklevel: int = 4) -> dict:
    """var/std's arguments, with PyTorch's refusal of integers and its warning when n - correction <= 0."""
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"{'std and var' if name in ('std', 'var') else name} only support floating point and "
                           "complex dtypes")
    if isinstance(dim, bool):  # var(x, False): PyTorch's overload var(input, unbiased)
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased else 0
    d = None if isinstance(dim, (tuple, list)) and not dim else norm_dim(dim, x._data.ndim, name)
    if _count(x._data.shape, d) - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
            "(input numel divided by output numel).", UserWarning, stacklevel=stacklevel,  # the caller's line
        )
    return {"dim": d, "keepdim": keepdim, "correction": correction}


@public
@numpy_aliases
def var(x, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """The variance (Bessel-corrected by default, as PyTorch)."""
    return apply(VAR, (x,), _var_params(x, dim, unbiased, keepdim, correction, "var"))


@public
@numpy_aliases
def std(x, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """The standard deviation (Bessel-corrected by default, as PyTorch)."""
    return apply(STD, (x,), _var_params(x, dim, unbiased, keepdim, correction, "std"))


@public
@numpy_aliases
def all(x, dim=None, keepdim: bool = False):
    return _logical_reduce(np.all, x, dim, keepdim, "all")


@public
@numpy_aliases
def any(x, dim=None, keepdim: bool = False):
    return _logical_reduce(np.any, x, dim, keepdim, "any")


def _logical_reduce(fn, x, dim, keepdim: bool, name: str):
    """all/any: bool, except uint8 stays uint8 (as PyTorch); ``dim`` an int or a tuple, checked as PyTorch does."""
    d = norm_dim(dim, x._data.ndim, name)
    out = np.asarray(fn(x._data, axis=d, keepdims=keepdim))
    return make(out.astype(np.uint8) if x._data.dtype == np.uint8 else out)


# ============================================================== var_mean / std_mean: one node, two outputs
def _var_mean_fwd(x, *, dim, keepdim, correction):
    # (the mean of var_mean is its Welford's, in double too)
    m = _mean_exact(x.astype(np.float64) if x.dtype in _IN_DOUBLE else x, dim, _count(x.shape, dim)).astype(x.dtype)
    return _var_fwd(x, dim=dim, keepdim=keepdim, correction=correction), m if keepdim else np.reshape(
        m, np.sum(x, axis=dim).shape)


def _std_mean_fwd(x, *, dim, keepdim, correction):
    _, m = _var_mean_fwd(x, dim=dim, keepdim=keepdim, correction=correction)
    return _std_fwd(x, dim=dim, keepdim=keepdim, correction=correction), m


def _spread_factor(x, dim, correction, std: bool):
    """d var/dx, or d std/dx (with the std recomputed as a recorded op, so create_graph differentiates it)."""
    if not std:
        return _var_factor(x, dim, correction)
    s = apply(STD, (x,), {"dim": dim, "keepdim": True, "correction": correction})
    return _std_factor_of(x, s.expand(*x.shape) if s.shape != x.shape else s, dim, correction)


def _moments_vjp(std: bool):
    def vjp(grads, out, x, *, dim, keepdim, correction):
        g_spread, g_mean = grads
        total = None
        if g_spread is not None:
            total = unreduce(g_spread, x.shape, dim, keepdim) * _spread_factor(x, dim, correction, std)
        if g_mean is not None:
            part = unreduce(g_mean, x.shape, dim, keepdim) / _count(x.shape, dim)
            total = part if total is None else total + part
        return [total]

    return vjp


def _moments_jvp(std: bool):
    def jvp(dxs, out, x, *, dim, keepdim, correction):
        dx = dxs[0]
        return [sum(dx * _spread_factor(x, dim, correction, std), dim, keepdim), mean(dx, dim, keepdim)]

    return jvp


VAR_MEAN = defop("var_mean", "VarMeanBackward0", _var_mean_fwd, vjp=_moments_vjp(False), jvp=_moments_jvp(False),
                 save=(0,), multi=True)
STD_MEAN = defop("std_mean", "StdMeanBackward0", _std_mean_fwd, vjp=_moments_vjp(True), jvp=_moments_jvp(True),
                 save=(0,), multi=True)


@public(method=False)
def var_mean(x, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """(var, mean) in one pass, recorded as one node with two outputs (PyTorch's VarMeanBackward0)."""
    return apply_multi(VAR_MEAN, x, _var_params(x, dim, unbiased, keepdim, correction, "var_mean", 3),
                       views=False)


@public(method=False)
def std_mean(x, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """(std, mean) in one pass, recorded as one node with two outputs (PyTorch's StdMeanBackward0)."""
    return apply_multi(STD_MEAN, x, _var_params(x, dim, unbiased, keepdim, correction, "std_mean", 3),
                       views=False)


# ============================================================== aminmax
def _aminmax_fwd(x, *, dim, keepdim):
    return np.min(x, axis=dim, keepdims=keepdim), np.max(x, axis=dim, keepdims=keepdim)


def _aminmax_masks(x, dim, keepdim):
    lo, hi = _aminmax_fwd(x._data, dim=dim, keepdim=keepdim)
    return _amax_mask(x, make(np.asarray(lo)), dim, keepdim), _amax_mask(x, make(np.asarray(hi)), dim, keepdim)


def _aminmax_vjp(grads, out, x, *, dim, keepdim):
    total = None
    for g, m in zip(grads, _aminmax_masks(x, dim, keepdim)):  # ties share the gradient evenly, as amax's
        if g is not None:
            part = unreduce(g, x.shape, dim, keepdim) * m
            total = part if total is None else total + part
    return [total]


def _aminmax_jvp(dxs, out, x, *, dim, keepdim):
    return [sum(dxs[0] * m, dim, keepdim) for m in _aminmax_masks(x, dim, keepdim)]


AMINMAX = defop("aminmax", "AminmaxBackward0", _aminmax_fwd, vjp=_aminmax_vjp, jvp=_aminmax_jvp, save=(0,), multi=True)
aminmax_result = return_type("aminmax", "min max")


@public
def aminmax(x, *, dim=None, keepdim: bool = False):
    """(min, max) over all elements or along ``dim``, as one node with two outputs."""
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
            )
        d = tuple(range(x._data.ndim))
    else:
        d = norm_dim(dim, x._data.ndim, "aminmax")
        check_nonempty(x, dim, "aminmax")
    return aminmax_result(*apply_multi(AMINMAX, x, {"dim": d, "keepdim": keepdim}, views=False))


# ============================================================== nansum / nanmean / count_nonzero
def _not_nan(x) -> Tensor:
    a = x._data
    return const(~np.isnan(a) if a.dtype.kind in "fc" else np.ones(a.shape, bool))


NANSUM = defop(
    "nansum", "NansumBackward0",
    lambda x, *, dim, keepdim: np.nansum(x, axis=dim, keepdims=keepdim, dtype=_int_kept(x)),
    # PyTorch multiplies by the mask (nansum_backward): an inf or nan gradient reaches the nan places as nan
    vjp=(lambda g, out, x, *, dim, keepdim: unreduce(g, x.shape, dim, keepdim) * _not_nan(x),),
    jvp=(lambda dx, out, x, *, dim, keepdim: sum(where(_not_nan(x), dx, 0.0), dim, keepdim),),
    save=(0,),
)


@public
@numpy_aliases
def nansum(x, dim=None, keepdim: bool = False, *, dtype=None):
    """The sum with nans counted as zero."""
    if dtype is not None:
        x = _in_dtype(x, dtype)
    x = _int64_unless_given(x, dtype)
    return apply(NANSUM, (x,), {"dim": _all_if_empty(norm_dim(dim, x._data.ndim, "nansum"), x), "keepdim": keepdim})


@public
@numpy_aliases
def nanmean(x, dim=None, keepdim: bool = False, *, dtype=None):
    """The mean of the elements that are not nan: ``nansum / count`` (PyTorch's DivBackward0 over NansumBackward0)."""
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(
            f"nanmean(): expected input to have floating point or complex dtype but got {x.dtype.legacy[:-6]}"
        )
    d = norm_dim(dim, x._data.ndim, "nanmean")
    count = np.sum(~np.isnan(x._data), axis=d, keepdims=keepdim).astype(x._data.dtype)
    return nansum(x, d, keepdim) / make(np.asarray(count))


@public
def count_nonzero(x, dim=None):
    """How many elements are not zero (int64), over all dims or ``dim`` (an int or a tuple)."""
    d = norm_dim(dim, x._data.ndim, "count_nonzero")
    return make(np.asarray(np.count_nonzero(x._data, axis=d), dtype=np.int64))


# ============================================================== cumprod
def _cumprod_fwd(x, *, dim):
    return _cumulative(np.cumprod, x, dim)


def _reverse_cumsum(t, dim):
    return flip(cumsum(flip(t, dim), dim), dim)


def _zeros_along(x, dim):
    """Masks of where x is 0 before and at the first zero along ``dim`` (cumprod's rules are exact around it)."""
    zero = x._data == 0
    seen = np.cumsum(zero, axis=dim)
    return const(seen == 0), const(zero & (seen == 1))


def _cumprod_vjp(g, out, x, *, dim):
    """PyTorch's cumprod_backward, exact with zeros: before the first zero, reverse_cumsum(g * out) / x; at it,
    (product before it) * reverse_cumsum(g * cumprod of what follows it); after it, nothing flows."""
    if x.ndim == 0 or x.shape[dim] == 1:  # (one element along dim: the gradient as it is, inf and 0 included)
        return g
    if not np.any(x._data == 0):
        return _reverse_cumsum(g * out, dim) / x
    if _state.grad_enabled:  # create_graph: PyTorch's O(n²) form, differentiable at the zeros too
        return _cumprod_vjp_by_products(g, x, dim)
    before, first = _zeros_along(x, dim)
    at_or_before = const(before._data | first._data)
    plain = _reverse_cumsum(g * out, dim) / where(before, x, 1.0)
    lead = cumprod(where(before, x, 1.0), dim)  # at the first zero: the product of the elements before it
    tail = _reverse_cumsum(g * cumprod(where(at_or_before, 1.0, x), dim), dim)
    return where(before, plain, where(first, lead * tail, 0.0))


def _cumprod_vjp_by_products(g, x, dim):
    """PyTorch's cumprod_backward under grad mode: for each k, sum over j >= k of g_j times the product of
    x_0..x_j without x_k, built from prods and cumprods of x itself, so a second derivative at a zero is exact
    (the masked form above treats the elements after the first zero as constants)."""
    from .joining import cat, stack

    n = x.shape[dim]
    ones = make(np.ones(x.shape[:dim] + (1,) + x.shape[dim + 1:], dtype=x._data.dtype))
    columns = []
    for k in range(n):
        if k == 0:
            omitted = cat([ones, cumprod(x.narrow(dim, 1, n - 1), dim)], dim)
        else:
            until = prod(x.narrow(dim, 0, k), dim, keepdim=True)
            if k == n - 1:
                omitted = until
            else:
                from_next = cumprod(x.narrow(dim, k + 1, n - k - 1), dim)
                omitted = cat([until, until.expand_as(from_next) * from_next], dim)
        columns.append(sum(g.narrow(dim, k, n - k) * omitted, dim))
    return stack(columns, dim)


def _cumprod_jvp(dx, out, x, *, dim):
    """PyTorch's cumprod_jvp: cumsum(dx / x) * out before the first zero; from it on, the cumprod of x with
    the first zero replaced by its tangent."""
    if x.ndim == 0:
        return dx
    if not np.any(x._data == 0):
        return cumsum(dx / x, dim) * out
    before, first = _zeros_along(x, dim)
    return where(before, cumsum(dx / where(before, x, 1.0), dim) * out, cumprod(where(first, dx, x), dim))


CUMPROD = defop("cumprod", "CumprodBackward0", _cumprod_fwd, vjp=(_cumprod_vjp,), jvp=(_cumprod_jvp,),
                save=(0,), save_out=True)


@public(inplace=True)
@numpy_aliases
def cumprod(x, dim, *, dtype=None):
    """The running product along ``dim``; its gradient is exact where x holds zeros (as PyTorch's)."""
    if dtype is not None:
        x = _in_dtype(x, dtype)
    x = _int64_unless_given(x, dtype)
    return apply(CUMPROD, (x,), {"dim": one_dim(dim, x._data.ndim, "cumprod")})




# ============================================================= logcumsumexp; trapezoid, cumulative_trapezoid (composed)
def _logcumsumexp_fwd(x, *, dim):
    if x.dtype.kind != "f":
        from .special import _torch_name

        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{_torch_name(x.dtype)}'")
    return np.logaddexp.accumulate(x.reshape(x.shape or (1,)), axis=dim).reshape(x.shape)


def _reverse_logcumsumexp(t, dim):
    return flip(logcumsumexp(flip(t, dim), dim), dim)


def _logcumsumexp_vjp(g, out, x, *, dim):
    """PyTorch's logcumsumexp_backward: the positive and the negative parts of g, each in log space (lowest where
    absent), summed from the end with logcumsumexp, so that nothing overflows. A 0-d or empty input passes g through."""
    if not x._data.ndim or not x._data.size:
        return g
    lowest = make(np.asarray(np.finfo(g._data.dtype).min, g._data.dtype))
    log_abs = g.abs().log()
    pos = where(const(g._data > 0), log_abs, lowest)
    neg = where(const(g._data < 0), log_abs, lowest)
    return (_reverse_logcumsumexp(pos - out, dim) + x).exp() - (_reverse_logcumsumexp(neg - out, dim) + x).exp()


def _logcumsumexp_jvp(dx, out, x, *, dim):
    e = exp(x - const(np.max(x._data, axis=dim, keepdims=True) if x._data.ndim else x._data))
    return cumsum(dx * e, dim) / cumsum(e, dim)


LOGCUMSUMEXP = defop("logcumsumexp", "LogcumsumexpBackward0", _logcumsumexp_fwd, vjp=(_logcumsumexp_vjp,),
                     jvp=(_logcumsumexp_jvp,), save=(0,), save_out=True)


@public
def logcumsumexp(x, dim):
    """log(cumsum(exp(x), dim)), computed without overflow."""
    return apply(LOGCUMSUMEXP, (x,), {"dim": one_dim(dim, x._data.ndim, "logcumsumexp")})


def _trapezoid_dim(y, dim) -> int:
    if y._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if y._data.dtype.kind == "b":
        raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not supported")
    return one_dim(dim, y._data.ndim, "trapezoid")


def _spacing(y, x, d: int, name: str):
    """x's differences along ``d``, shaped to broadcast against y's (PyTorch's view of a 1-d or shorter x)."""
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[d]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y._data.ndim
        shape[d] = x._data.shape[0]
        x = x.view(*shape)
    elif x._data.ndim < y._data.ndim:
        x = x.view(*([1] * (y._data.ndim - x._data.ndim)), *x._data.shape)
    n = x._data.shape[d]
    return x.narrow(d, 1, n - 1) - x.narrow(d, 0, n - 1)


def _trapezoid_args(name: str, x, dx):
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, {type(x).__name__}), "
                        "but expected one of:\n * (Tensor y, Tensor x, *, int dim = -1)\n"
                        " * (Tensor y, *, Number dx = None, int dim = -1)")
    return 1.0 if dx is None else dx


@public(method=False)
def trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The trapezoidal rule along ``dim``: at the sample points x (a tensor), or spaced ``dx`` apart (1 by
    default). Composed as PyTorch composes it."""
    dx = _trapezoid_args("trapezoid", x, dx)
    d = _trapezoid_dim(y, dim)
    n = y._data.shape[d]
    if n == 0:
        from ..factories import zeros

        return zeros(*(s for i, s in enumerate(y._data.shape) if i != d), dtype=y.dtype)
    if x is None:
        ends = times_scalar(y.select(d, 0) + y.select(d, -1), 0.5)
        return times_scalar(sum(y, d) - ends, dx)
    left, right = y.narrow(d, 0, n - 1), y.narrow(d, 1, n - 1)
    return over_scalar(sum((left + right) * _spacing(y, x, d, "trapezoid"), d), 2.0)


@public(method=False)
def trapz(y, x=None, *, dx=None, dim: int = -1):
    """``trapezoid`` (its older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


@public(method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The running trapezoidal integral along ``dim`` (one element fewer than y there)."""
    dx = _trapezoid_args("cumulative_trapezoid", x, dx)
    d = _trapezoid_dim(y, dim)
    n = builtins.max(y._data.shape[d] - 1, 0)
    left, right = y.narrow(d, 0, n), y.narrow(d, builtins.min(1, y._data.shape[d]), n)
    if x is None:
        return cumsum(times_scalar(left + right, dx / 2.0), d)
    return over_scalar(cumsum((left + right) * _spacing(y, x, d, "cumulative_trapezoid"), d), 2.0)
