"""Reductions (sum, mean, max, min, prod, norm, logsumexp) and the softmax family."""

from __future__ import annotations

import collections
import functools

import numpy as np

from ..tensor import Tensor, make
from ._util import norm_dim, one_dim
from .elementwise import _mask, _pass_where, exp, where
from .registry import apply, defop, public
from .shape import flip


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


def unreduce(g: Tensor, shape, dim, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back to the input's ``shape`` (the VJP of every reduction)."""
    if dim is None:
        kept = (1,) * len(shape)
    elif keepdim:
        kept = None
    else:
        kept = tuple(1 if i in dim else s for i, s in enumerate(shape))
    if kept is not None and g.shape != kept:
        g = g.reshape(kept)
    return g.expand(shape) if g.shape != tuple(shape) else g


def _count(shape, dim) -> int:
    if dim is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[d] for d in dim], dtype=np.int64))


# ============================================================== sum / mean
def _sum_fwd(x, *, dim, keepdim, shape):
    return np.sum(x, axis=dim, keepdims=keepdim)


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


SUM = defop("sum", "SumBackward0", _sum_fwd, vjp=(_sum_vjp,), jvp=(_sum_jvp,))
SUM_DIM = defop("sum_dim", "SumBackward1", _sum_fwd, vjp=(_sum_vjp,), jvp=(_sum_jvp,))
MEAN = defop("mean", "MeanBackward0", _mean_fwd, vjp=(_mean_vjp,), jvp=(_mean_jvp,))
MEAN_DIM = defop("mean_dim", "MeanBackward1", _mean_fwd, vjp=(_mean_vjp,), jvp=(_mean_jvp,))


@public
@numpy_aliases
def sum(x, dim=None, keepdim: bool = False, *, dtype=None):
    """Sum over all elements, or over ``dim`` (an int or a tuple)."""
    if dtype is not None:
        x = x.to(dtype)
    d = norm_dim(dim, x._data.ndim, "sum")
    if x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = make(x._data.astype(np.int64))  # PyTorch sums integers and bools as int64
    return apply(SUM if d is None else SUM_DIM, (x,), {"dim": d, "keepdim": keepdim, "shape": x._data.shape})


@public
@numpy_aliases
def mean(x, dim=None, keepdim: bool = False, *, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {x.dtype.name.capitalize() if x.dtype.name != 'int64' else 'Long'} (use x.float().mean())"
        )
    d = norm_dim(dim, x._data.ndim, "mean")
    return apply(MEAN if d is None else MEAN_DIM, (x,), {"dim": d, "keepdim": keepdim, "shape": x._data.shape})


# ============================================================== max / min
def _extreme_all_vjp(g, out, x):
    # The gradient is shared evenly between all elements equal to the max (PyTorch's rule), selected so that
    # a nan gradient does not reach the others.
    mask = x._data == out._data
    return _pass_where(mask, g * _mask(mask / mask.sum(dtype=x._data.dtype)))


def _extreme_all_jvp(dx, out, x):
    mask = x._data == out._data
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


class _ReturnTypes(collections.namedtuple("_ReturnTypes", "values indices")):
    _name = "max"

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nvalues={self.values!r},\nindices={self.indices!r})"


class max_result(_ReturnTypes):
    _name = "max"


class min_result(_ReturnTypes):
    _name = "min"


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
    if x._data.size == 0:
        raise IndexError(f"{op.name}(): Expected reduction dim to be specified for input.numel() == 0.")
    whole = dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)
    d = tuple(range(x._data.ndim)) if whole else norm_dim(dim, x._data.ndim, op.name)
    return apply(op, (x,), {"dim": d, "keepdim": keepdim})


@public
@numpy_aliases
def argmax(x, dim=None, keepdim: bool = False):
    if dim is None:
        return make(np.asarray(np.argmax(x._data), dtype=np.int64))
    return make(np.asarray(np.argmax(x._data, axis=one_dim(dim, x.ndim, "argmax"), keepdims=keepdim), dtype=np.int64))


@public
@numpy_aliases
def argmin(x, dim=None, keepdim: bool = False):
    if dim is None:
        return make(np.asarray(np.argmin(x._data), dtype=np.int64))
    return make(np.asarray(np.argmin(x._data, axis=one_dim(dim, x.ndim, "argmin"), keepdims=keepdim), dtype=np.int64))


# ============================================================== prod
def _prod_fwd(x, *, dim, keepdim):
    return np.prod(x, axis=dim, keepdims=keepdim)


def _prod_others(x: np.ndarray, dim) -> np.ndarray:
    """For each element, the product of all the others along ``dim`` (no division, so zeros are fine)."""
    if dim == ():
        return np.ones_like(x)
    axis = 0 if dim is None else dim[0]
    a = x.reshape(-1) if dim is None else x
    ones = np.ones_like(np.take(a, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, a], axis=axis), axis=axis)
    left = np.take(left, range(a.shape[axis]), axis=axis)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(a, axis)], axis=axis), axis=axis), axis)
    right = np.take(right, range(1, a.shape[axis] + 1), axis=axis)
    return (left * right).reshape(x.shape)


def _prod_factor(x, out, dim, keepdim):
    # out / x where no element is 0 keeps the factor differentiable; with zeros, a constant is exact.
    if np.any(x._data == 0):
        return make(_prod_others(x._data, dim))
    return unreduce(out, x.shape, dim, keepdim) / x


def _prod_vjp(g, out, x, *, dim, keepdim):
    return unreduce(g, x.shape, dim, keepdim) * _prod_factor(x, out, dim, keepdim)


def _prod_jvp(dx, out, x, *, dim, keepdim):
    return sum(dx * _prod_factor(x, out, dim, keepdim), dim, keepdim)


PROD = defop("prod", "ProdBackward0", _prod_fwd, vjp=(_prod_vjp,), jvp=(_prod_jvp,), save=(0,), save_out=True)
PROD_DIM = defop("prod_dim", "ProdBackward1", _prod_fwd, vjp=(_prod_vjp,), jvp=(_prod_jvp,), save=(0,), save_out=True)


@public
@numpy_aliases
def prod(x, dim=None, keepdim: bool = False, *, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    d = None if dim is None else norm_dim(int(dim), x._data.ndim, "prod")  # () for a 0-d tensor
    return apply(PROD if d is None else PROD_DIM, (x,), {"dim": d, "keepdim": keepdim})


# ============================================================== norm
def _norm_fwd(x, *, p, dim, keepdim):
    if p == 2:
        return np.sqrt(np.sum(x * x, axis=dim, keepdims=keepdim))
    if p == float("inf"):
        return np.max(np.abs(x), axis=dim, keepdims=keepdim)
    if p == 1:
        return np.sum(np.abs(x), axis=dim, keepdims=keepdim)
    return np.sum(np.abs(x) ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)


def _norm_scale(x, out, p, dim, keepdim):
    """d‖x‖/dx, written with tensor ops; 0 where the norm is 0 (PyTorch's subgradient)."""
    from .elementwise import abs, sign

    n = unreduce(out, x.shape, dim, keepdim)
    zero = _mask(n._data == 0)
    safe = where(zero, 1.0, n)
    if p == 2:
        return where(zero, 0.0, x / safe)
    if p == 1:
        return sign(x)
    if p == float("inf"):
        hit = _mask(np.abs(x._data) == n._data)
        return where(zero, 0.0, sign(x) * hit / _mask(hit._data.sum(axis=dim, keepdims=True)))
    return where(zero, 0.0, sign(x) * abs(x) ** (p - 1) / safe ** (p - 1))


def _norm_vjp(g, out, x, *, p, dim, keepdim):
    return unreduce(g, x.shape, dim, keepdim) * _norm_scale(x, out, p, dim, keepdim)


def _norm_jvp(dx, out, x, *, p, dim, keepdim):
    return sum(dx * _norm_scale(x, out, p, dim, keepdim), dim, keepdim)


NORM = defop("norm", "LinalgVectorNormBackward0", _norm_fwd, vjp=(_norm_vjp,), jvp=(_norm_jvp,),
             save=(0,), save_out=True)


@public
@numpy_aliases
def norm(x, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """The vector p-norm (2 by default) of all elements, or along ``dim``."""
    if p in ("fro", None):
        p = 2
    if p == 0:
        raise NotImplementedError("norm: p=0 counts non-zeros and has no useful gradient; use (x != 0).sum()")
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {x.dtype.name.capitalize()}"
        )
    return apply(NORM, (x,), {"p": float(p), "dim": norm_dim(dim, x._data.ndim, "norm"), "keepdim": keepdim})


# ============================================================== logsumexp and softmax
def _stable_max(x, dim):
    m = np.max(x, axis=dim, keepdims=True)
    if np.isfinite(m).all():
        return m
    return np.where(np.isfinite(m), m, 0)  # a row of infinities: shift by 0, not by inf


def _logsumexp_fwd(x, *, dim, keepdim):
    # Subtracting the max first is what makes this a primitive: exp would overflow otherwise.
    m = _stable_max(x, dim)
    out = np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, dim)


LOGSUMEXP = defop(
    "logsumexp", "LogsumexpBackward0", _logsumexp_fwd,
    vjp=(lambda g, out, x, *, dim, keepdim: unreduce(g, x.shape, dim, keepdim)
         * exp(x - unreduce(out, x.shape, dim, keepdim)),),
    jvp=(lambda dx, out, x, *, dim, keepdim: sum(dx * exp(x - unreduce(out, x.shape, dim, keepdim)), dim, keepdim),),
    save=(0,), save_out=True,
)


@public
@numpy_aliases
def logsumexp(x, dim, keepdim: bool = False):
    """log(sum(exp(x))) along ``dim``, computed without overflow."""
    return apply(LOGSUMEXP, (x,), {"dim": norm_dim(dim, x._data.ndim, "logsumexp"), "keepdim": keepdim})


def _softmax_fwd(x, *, dim):
    e = np.exp(x - _stable_max(x, dim))
    return e / np.sum(e, axis=dim, keepdims=True)


def _log_softmax_fwd(x, *, dim):
    shifted = x - _stable_max(x, dim)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def _exp(a):
    """exp of a tensor (recorded) or of an array: lets a rule run on both (see ``arrays`` in defop)."""
    return exp(a) if isinstance(a, Tensor) else np.exp(a)


def _sum_keep(a, dim):
    """sum over ``dim`` keeping it, for a tensor or an array."""
    return sum(a, dim, True) if isinstance(a, Tensor) else a.sum(axis=dim, keepdims=True)


SOFTMAX = defop(
    "softmax", "SoftmaxBackward0", _softmax_fwd,
    vjp=(lambda g, out, x, *, dim: out * (g - _sum_keep(g * out, dim)),),
    jvp=(lambda dx, out, x, *, dim: out * (dx - sum(dx * out, dim, True)),),
    save_out=True, arrays=True,
)
LOG_SOFTMAX = defop(
    "log_softmax", "LogSoftmaxBackward0", _log_softmax_fwd,
    vjp=(lambda g, out, x, *, dim: g - _exp(out) * _sum_keep(g, dim),),
    jvp=(lambda dx, out, x, *, dim: dx - sum(exp(out) * dx, dim, True),),
    save_out=True, arrays=True,
)


def _softmax_dim(x, dim, name):
    if dim is None:
        dim = 0 if x._data.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    return norm_dim(dim, x._data.ndim, name)


@public(functional=True)
def softmax(x, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, shifted by the max for stability."""
    if dtype is not None:
        x = x.to(dtype)
    return apply(SOFTMAX, (x,), {"dim": _softmax_dim(x, dim, "softmax")})


@public(functional=True)
def log_softmax(x, dim=None, dtype=None):
    """log(softmax(x)) computed in one stable step (never log of an underflowed 0)."""
    if dtype is not None:
        x = x.to(dtype)
    return apply(LOG_SOFTMAX, (x,), {"dim": _softmax_dim(x, dim, "log_softmax")})


# ============================================================== cumsum, var, std (compositions)
def _cumsum_fwd(x, *, dim):
    return np.cumsum(x, axis=dim).reshape(np.shape(x))  # numpy flattens a 0-d input to shape (1,)


CUMSUM = defop(
    "cumsum", "CumsumBackward0", _cumsum_fwd,
    # the reverse cumulative sum. (Not total - cumsum + g: one nan or inf would reach every element.)
    vjp=(lambda g, out, x, *, dim: flip(cumsum(flip(g, dim), dim), dim),),
    jvp=(lambda dx, out, x, *, dim: cumsum(dx, dim),),
)


@public
@numpy_aliases
def cumsum(x, dim):
    return apply(CUMSUM, (x,), {"dim": one_dim(dim, x._data.ndim, "cumsum")})


def _var_fwd(x, *, dim, keepdim, correction):
    return np.var(x, axis=dim, ddof=correction, keepdims=keepdim)


def _std_fwd(x, *, dim, keepdim, correction):
    return np.std(x, axis=dim, ddof=correction, keepdims=keepdim)


def _var_factor(x, dim, correction):
    """d var / dx = 2 (x - mean) / (n - correction)."""
    return (x - mean(x, dim, True)) * (2.0 / (_count(x.shape, dim) - correction))


def _std_factor(x, out, dim, keepdim, correction):
    """d std / dx = (x - mean) / ((n - correction) std); 0 where std is 0 (PyTorch's choice, not nan)."""
    s = unreduce(out, x.shape, dim, keepdim)
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


@public
@numpy_aliases
def var(x, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """The variance (Bessel-corrected by default, as PyTorch)."""
    if correction is None:
        correction = 1 if unbiased else 0
    return apply(VAR, (x,), {"dim": norm_dim(dim, x._data.ndim, "var"), "keepdim": keepdim, "correction": correction})


@public
@numpy_aliases
def std(x, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """The standard deviation (Bessel-corrected by default, as PyTorch)."""
    if correction is None:
        correction = 1 if unbiased else 0
    return apply(STD, (x,), {"dim": norm_dim(dim, x._data.ndim, "std"), "keepdim": keepdim, "correction": correction})


@public
@numpy_aliases
def all(x, dim=None):
    return make(np.asarray(np.all(x._data, axis=dim)))


@public
@numpy_aliases
def any(x, dim=None):
    return make(np.asarray(np.any(x._data, axis=dim)))
