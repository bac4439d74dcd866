"""Picking and writing at positions: gather, index_select, flip, roll, repeat, scatter, scatter_add, index_add,
index_copy, index_fill, index_put; finding and counting them: nonzero, argwhere, bincount; diagflat."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, make
from ._util import const, norm_dim, one_dim, shape_str
from .elementwise import _grad_on, no_derivative_op
from .registry import apply, defop, public
from .shape import (
    EMBED,
    EMBED_ADD,
    INDEX,
    _copy_at,
    _getitem_jvp,
    _index_vjp,
    _put_fwd,
    _src_part,
    _unwritten_part,
    _written,
    dtype_name,
    expands_to,
    indexable,
    sum_to_shape,
)

# ============================================================== gather / index_select / flip / roll / repeat
# gather and index_select are advanced indexing with a key built from the index (the INDEX rules, PyTorch's names).
GATHER = defop("gather", "GatherBackward0", _copy_at, vjp=(_index_vjp,), jvp=(_getitem_jvp,))
INDEX_SELECT = defop("index_select", "IndexSelectBackward0", _copy_at, vjp=(_index_vjp,), jvp=(_getitem_jvp,))


def _int_index(index, op: str) -> np.ndarray:
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in "iu":
        kinds = "int32/int64" if op == "gather" else "int32 or int64"
        raise RuntimeError(f"{op}(): Expected dtype {kinds} for index\n"
                           f"{op}: the index is {a.dtype}; use index.long()")
    return np.asarray(a, dtype=np.int64)


@public
def gather(x, dim: int, index):
    """out[i][j] = x[index[i][j]][j] for dim 0 (and so on): picks one element per index entry along ``dim``.

    >>> torch.tensor([[1., 2.], [3., 4.]]).gather(1, torch.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    d = one_dim(dim, x._data.ndim, "gather")
    idx = _int_index(index, "gather")
    if idx.ndim != x._data.ndim:
        raise RuntimeError(
            f"gather(): Index tensor must have the same number of dimensions as input tensor "
            f"(input {shape_str(x._data.shape)}, index {shape_str(idx.shape)})"
        )
    for i, (n, m) in enumerate(zip(idx.shape, x._data.shape)):
        if i != d and n > m:
            raise RuntimeError(
                f"gather(): Size does not match at dimension {i} expected index {shape_str(idx.shape)} to be smaller "
                f"than self {shape_str(x._data.shape)} apart from dimension {d}"
            )
    size = x._data.shape[d] if x._data.ndim else 1  # a 0-d tensor counts as one element along dim 0
    bad = idx[(idx < 0) | (idx >= size)]  # PyTorch's gather takes no negative indices
    if bad.size:
        raise RuntimeError(f"index {int(bad.flat[0])} is out of bounds for dimension {d} with size {size}\n"
                           f"gather: indices along dim {d} run from 0 to {size - 1}")
    return apply(GATHER, (x,), {"key": along_key(idx, d), "in_shape": x._data.shape})


def along_key(indices: np.ndarray, dim: int, keepdim: bool = True) -> tuple:
    """The index that picks ``indices`` along ``dim`` (``np.take_along_axis`` as a key): open grids elsewhere, so
    each output element picks its own position. With ``keepdim=False`` the indices lack ``dim`` (max(dim),
    median(dim)), and so does the result. ``()`` for a 0-d index: a 0-d tensor is its own only element."""
    if indices.ndim == 0 and keepdim:
        return ()
    key = list(np.indices(indices.shape, sparse=True))
    if keepdim:
        key[dim] = indices
    else:
        key.insert(dim, indices)
    return tuple(key)


@public
def index_select(x, dim: int, index):
    """The slices of ``x`` at ``index`` (a 1-D integer tensor) along ``dim``, copied."""
    d = one_dim(dim, x._data.ndim, "index_select")
    idx = _int_index(index, "index_select")
    if idx.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape {shape_str(idx.shape)}")
    size = x._data.shape[d] if x._data.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):  # PyTorch's index_select takes no negative indices
        bad = idx[(idx < 0) | (idx >= size)].flat[0]
        raise IndexError(f"index out of range in self\nindex_select: index {int(bad)} along dim {d} of size "
                         f"{size}; indices run from 0 to {size - 1}")
    return apply(INDEX_SELECT, (x,), {"key": (slice(None),) * d + (idx.reshape(-1),), "in_shape": x._data.shape})


FLIP = defop(
    "flip", "FlipBackward0", lambda x, *, dims: np.flip(x, dims).copy(),
    vjp=(lambda g, out, x, *, dims: flip(g, dims),),
    jvp=(lambda dx, out, x, *, dims: flip(dx, dims),),
)
ROLL = defop(
    "roll", "RollBackward0", lambda x, *, shifts, dims: np.roll(x, shifts, dims),
    vjp=(lambda g, out, x, *, shifts, dims: _roll(g, tuple(-s for s in shifts), dims),),
    jvp=(lambda dx, out, x, *, shifts, dims: _roll(dx, shifts, dims),),
)


@public
def flip(x, *args, dims=None):
    """Reverse the order along ``dims`` (a copy, as PyTorch); the method also takes them one by one,
    ``x.flip(-1, 0)``."""
    if dims is None:
        if not args:
            raise TypeError("flip() missing 1 required positional arguments: \"dims\"")
        dims = args[0] if len(args) == 1 else args
    return apply(FLIP, (x,), {"dims": norm_dim(dims, x._data.ndim, "flip") or ()})


@public
def roll(x, shifts, dims=None):
    """Shift elements along ``dims`` cyclically (the flattened tensor when ``dims`` is None)."""
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is not None:
        dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        if len(dims) != len(shifts):
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}")
        dims = tuple(one_dim(d, x._data.ndim, "roll") for d in dims)
    elif len(shifts) != 1:
        raise RuntimeError("roll(): without dims, give one shift (the tensor is rolled flattened)")
    return _roll(x, shifts, dims)


def _roll(x, shifts, dims):
    return apply(ROLL, (x,), {"shifts": tuple(int(s) for s in shifts), "dims": dims})


def _repeat_vjp(g, out, x, *, sizes, in_shape):
    # g has shape sizes * x's shape: split each dimension into (copy, original) and sum over the copies
    shape = (1,) * (len(sizes) - len(in_shape)) + tuple(in_shape)
    split = [n for pair in zip(sizes, shape) for n in pair]
    return g.reshape(split).sum(tuple(range(0, 2 * len(sizes), 2))).reshape(in_shape)


REPEAT = defop(
    "repeat", "RepeatBackward0", lambda x, *, sizes, in_shape: np.tile(x, sizes),
    vjp=(_repeat_vjp,),
    jvp=(lambda dx, out, x, *, sizes, in_shape: repeat(dx, *sizes),),
)


@public(function=False)
def repeat(x, *sizes):
    """Tile ``x``: ``sizes`` copies along each dimension (leading new dimensions allowed)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if len(sizes) < x._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor\n"
            f"repeat{tuple(sizes)} on a tensor of shape {shape_str(x._data.shape)}: give one count per dimension"
        )
    return apply(REPEAT, (x,), {"sizes": tuple(int(s) for s in sizes), "in_shape": x._data.shape})


# ============================================================== writing at positions: scatter, index_add/copy/fill
# Each op copies x and writes (or adds) values at a key: for scatter the open grids of gather with the index at
# `dim`, for the index_* ops the index at `dim`. x's gradient is g where nothing was written (selected, not
# multiplied, as PyTorch's scatter(g, 0)); the written values' gradient is g read back at the key.


def _read_at(g, key, src_shape, node: str, nr: int = 1):
    """g at the written positions: the gradient of the values written there (shaped as the index). PyTorch
    refuses it at backward when the source was larger than the index."""
    out = apply(INDEX, (g,), {"key": key, "in_shape": tuple(g.shape)})
    if tuple(out.shape) != tuple(src_shape):
        if expands_to(tuple(src_shape), tuple(out.shape)):
            return sum_to_shape(out, src_shape)  # a 0-d source: PyTorch sums the gradient back to its shape
        raise RuntimeError(
            f"Function {node} returned an invalid gradient at index {nr} - got {shape_str(out.shape)} but expected "
            f"shape compatible with {shape_str(src_shape)}"
        )
    return out


def _add_at_fwd(x, src, *, key, src_key, src_shape, node, alpha):
    out = np.array(x)
    part = _src_part(src, src_key)
    np.add.at(indexable(out, key), key, (part * alpha).astype(out.dtype, copy=False) if alpha != 1 else part)
    return out


def _put_rows(name: str, node: str):
    return defop(
        name, node, _put_fwd,
        vjp=(lambda g, out, x, src, *, key, src_key, src_shape, node: _unwritten_part(g, key),
             lambda g, out, x, src, *, key, src_key, src_shape, node: _read_at(g, key, src_shape, node)),
        jvp=(lambda dx, out, x, src, *, key, src_key, src_shape, node: _unwritten_part(dx, key),
             lambda ds, out, x, src, *, key, src_key, src_shape, node:
             apply(EMBED, (_src_part(ds, src_key),), {"key": key, "in_shape": tuple(x.shape)})),
    )


def _add_rows(name: str, node: str):
    return defop(
        name, node, _add_at_fwd,
        vjp=(lambda g, out, x, src, *, key, src_key, src_shape, node, alpha: g,
             lambda g, out, x, src, *, key, src_key, src_shape, node, alpha:
             _read_at(g, key, src_shape, node) * alpha if alpha != 1 else _read_at(g, key, src_shape, node)),
        jvp=(lambda dx, out, x, src, *, key, src_key, src_shape, node, alpha: dx,
             lambda ds, out, x, src, *, key, src_key, src_shape, node, alpha:
             apply(EMBED_ADD, (_src_part(ds, src_key) * alpha,), {"key": key, "in_shape": tuple(x.shape)})),
    )


def _fill_fwd(x, *, key, value):
    out = np.array(x)
    indexable(out, key)[key] = value
    return out


def _fill_tensor_fwd(x, value, *, key):
    return _fill_fwd(x, key=key, value=value)


def _fill_row(name: str, node: str):
    return defop(name, node, _fill_fwd,
                 vjp=(lambda g, out, x, *, key, value: _unwritten_part(g, key),),
                 jvp=(lambda dx, out, x, *, key, value: _unwritten_part(dx, key),))


def _filled_sum(g, key):
    """The gradient of a 0-d fill value: the sum of g over the filled positions (each counted once)."""
    from .elementwise import where

    return where(const(_written(tuple(g.shape), key)), g, 0.0).sum()


SCATTER = _put_rows("scatter", "ScatterBackward0")
INDEX_COPY = _put_rows("index_copy", "IndexCopyBackward0")
SCATTER_ADD = _add_rows("scatter_add", "ScatterAddBackward0")
INDEX_ADD = _add_rows("index_add", "IndexAddBackward0")
SCATTER_VALUE = _fill_row("scatter_value", "ScatterBackward1")
INDEX_FILL = _fill_row("index_fill", "IndexFillBackward0")
INDEX_FILL_TENSOR = defop(
    "index_fill_tensor", "IndexFillBackward1", _fill_tensor_fwd,
    vjp=(lambda g, out, x, v, *, key: _unwritten_part(g, key),
         lambda g, out, x, v, *, key: _filled_sum(g, key)),
    jvp=(lambda dx, out, x, v, *, key: _unwritten_part(dx, key),
         lambda dv, out, x, v, *, key: _written_tangent(dv, key, tuple(x.shape))),
)


def _written_tangent(dv, key, shape):
    from .elementwise import where

    return where(const(_written(shape, key)), dv, 0.0)


def _index_array(index, name: str, vector: bool, prefix: str = "") -> np.ndarray:
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in "iu":
        got = f" but got: {dtype_name(a.dtype)}" if vector else ""
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index{got}")
    if vector and a.ndim > 1:
        raise IndexError(
            f"{name}(): Index is supposed to be a vector, but got dim: {a.ndim} with type: {dtype_name(a.dtype)} and "
            f"size: {shape_str(a.shape)}"
        )
    return np.asarray(a, dtype=np.int64)


def _check_bounds(idx: np.ndarray, size: int, dim: int, prefix: str = "", negative: bool = False, error=IndexError):
    if idx.size:
        low = -size if negative else 0
        bad = idx[(idx < low) | (idx >= size)]
        if bad.size:
            raise error(f"{prefix}index {int(bad[0])} is out of bounds for dimension {dim} with size {size}")


def _scatter_key(x, dim, index, src, name: str):
    """The key scatter writes at, and the part of ``src`` it reads, with PyTorch's checks (which count a 0-d
    tensor as one of size 1)."""
    n = x._data.ndim
    d = one_dim(dim, n, name)
    idx = _index_array(index, name, vector=False)
    if max(idx.ndim, 1) != max(n, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and max(src._data.ndim, 1) != max(idx.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    idx = idx.reshape(idx.shape or (1,))
    shape = x._data.shape or (1,)
    src_shape = None if src is None else src._data.shape or (1,)
    if any(i != d and a > b for i, (a, b) in enumerate(zip(idx.shape, shape))) or (
            src is not None and any(a > b for a, b in zip(idx.shape, src_shape))):
        more = f" and to be no larger size than src {shape_str(src_shape)}" if src is not None else ""
        raise RuntimeError(
            f"Expected index {shape_str(idx.shape)} to be no larger than self {shape_str(shape)} apart from "
            f"dimension {d}{more}"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= shape[d]):
        bad = idx[(idx < 0) | (idx >= shape[d])]
        raise RuntimeError(f"index {int(bad.flat[0])} is out of bounds for dimension {d} with size {shape[d]}")
    src_key = () if src is None or not src._data.ndim else tuple(slice(0, k) for k in idx.shape)
    if n == 0:  # a 0-d tensor is its own only position
        return (), (0,) * len(src_key)
    return along_key(idx, d), src_key


def _same_dtype(x, src, message: str):
    if src._data.dtype != x._data.dtype:
        raise RuntimeError(message)


@public(inplace=True)
def scatter(x, dim: int, index, src=None, value=None, *, reduce=None):
    """A copy of x with ``src`` (a tensor) or ``value`` (a number) written at ``index`` along ``dim``:
    out[index[i][j]][j] = src[i][j] for dim 0. With repeated positions the last write wins, as on PyTorch's CPU."""
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    key, src_key = _scatter_key(x, dim, index, src, "scatter")
    if reduce is not None:
        return _scatter_reduce(x, key, src, value, src_key, reduce)
    if src is None:
        return apply(SCATTER_VALUE, (x,), {"key": key, "value": value})
    _same_dtype(x, src, "scatter(): Expected self.dtype to be equal to src.dtype")
    return apply(SCATTER, (x, src), {"key": key, "src_key": src_key, "src_shape": src._data.shape,
                                     "node": "ScatterBackward0"})


def _scatter_reduce(x, key, src, value, src_key, reduce):
    """scatter(..., reduce='add'/'multiply'): PyTorch has no derivative for it (its NotImplemented node raises
    at backward); here it is refused as soon as a gradient would be needed."""
    from .. import mode

    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if mode.state.grad_enabled and (x._requires_grad or (src is not None and src._requires_grad)):
        raise RuntimeError("derivative for aten::scatter is not implemented")
    out = np.array(x._data)
    part = np.asarray(value, dtype=out.dtype) if src is None else _src_part(src._data, src_key)
    (np.add if reduce == "add" else np.multiply).at(out, key, part)
    return make(out)


@public(inplace=True)
def scatter_add(x, dim: int, index, src):
    """A copy of x with ``src`` added at ``index`` along ``dim`` (repeated positions add up)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    key, src_key = _scatter_key(x, dim, index, src, "scatter_add")
    _same_dtype(x, src, "scatter(): Expected self.dtype to be equal to src.dtype")
    return apply(SCATTER_ADD, (x, src), {"key": key, "src_key": src_key, "src_shape": src._data.shape,
                                         "node": "ScatterAddBackward0", "alpha": 1})


# ---------------------------------------------------------------- scatter_reduce: sum, prod, mean, amax, amin
_REDUCE_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _reduce_identity(reduce: str, dt: np.dtype):
    """What PyTorch writes first where ``include_self=False``: the reduction's identity in the dtype."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dt.kind == "b":
        return reduce == "amin"
    if dt.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dt)
    return info.min if reduce == "amax" else info.max


def _scatter_counts(shape, key, include_self: bool) -> np.ndarray:
    """How many values each position of a scatter_reduce reduced (1 for the position itself with include_self)."""
    n = np.full(shape, 1 if include_self else 0, np.int64)
    np.add.at(indexable(n, key), key, 1)
    return n


def _scatter_reduce_fwd(x, src, *, key, src_key, src_shape, reduce, include_self):
    out = np.array(x)
    at = indexable(out, key)
    if not include_self:
        at[key] = _reduce_identity(reduce, out.dtype)
    _REDUCE_UFUNCS[reduce].at(at, key, _src_part(src, src_key))
    if reduce == "mean":
        n = np.maximum(_scatter_counts(out.shape, key, include_self), 1)
        out = np.floor_divide(out, n).astype(out.dtype) if out.dtype.kind in "biu" else (out / n).astype(out.dtype)
    return out


def _shares(x, src, out, key, src_key, reduce, include_self):
    """What mean and amax/amin divide a gradient by at each position (the values reduced there; for amax/amin those
    equal to the result, ties sharing evenly), and for amax/amin which of x's and src's values equal it."""
    xd = x._data
    if reduce == "mean":
        return np.maximum(_scatter_counts(xd.shape, key, include_self), 1).astype(xd.dtype), None, None
    od = out._data
    self_is = (xd == od).astype(xd.dtype)
    src_is = (_src_part(src._data, src_key) == od[key]).astype(xd.dtype)
    n = np.array(self_is)
    np.add.at(indexable(n, key), key, src_is)
    return n, self_is, src_is


def _scattered(x, key, include_self: bool, grad):
    """x's gradient with the scattered positions zeroed where include_self=False (PyTorch's masked_fill)."""
    if include_self:
        return grad
    from .elementwise import where

    return where(const(_written(tuple(x.shape), key)), 0.0, grad)


def _scatter_reduce_grads(g, out, x, src, key, src_key, src_shape, reduce, include_self):
    """(x's, src's) gradients, PyTorch's scatter_reduce_backward step by step (constants where it has no graph)."""
    xd, sd = x._data, _src_part(src._data, src_key)
    params = {"key": key, "src_key": src_key, "src_shape": src_shape, "reduce": reduce, "include_self": include_self}
    if reduce == "sum":
        return _scattered(x, key, include_self, g), _read_at(g, key, src_shape, "ScatterReduceBackward0")
    if reduce in ("mean", "amax", "amin"):
        n, self_is, src_is = _shares(x, src, out, key, src_key, reduce, include_self)
        share = g / const(n)
        if reduce == "mean":
            return _scattered(x, key, include_self, share), _read_at(share, key, src_shape, "ScatterReduceBackward0")
        return (_scattered(x, key, include_self, const(self_is) * share),
                const(src_is) * _read_at(share, key, src_shape, "ScatterReduceBackward0"))
    # prod: the product of the others, exact where a value is 0 (PyTorch's masked recomputations)
    ms = np.where(xd == 0, 1, xd).astype(xd.dtype)
    ms_result = _scatter_reduce_fwd(ms, src._data, **params)
    grad_x = g * const(ms_result) / const(ms)
    zero = sd == 0
    zeros_at = np.zeros(xd.shape, xd.dtype)
    np.add.at(indexable(zeros_at, key), key, zero.astype(xd.dtype))
    single = zero & (zeros_at[key] == 1)
    msrc = np.array(src._data)
    msrc[src_key if src_key else ...] = np.where(single, 1, sd)
    msrc_result = _scatter_reduce_fwd(xd, msrc, **params)
    from .elementwise import where

    grad_src = where(const(single), _read_at(g * const(msrc_result), key, src_shape, "ScatterReduceBackward0"),
                     _read_at(g * out.detach(), key, src_shape, "ScatterReduceBackward0")
                     / const(np.where(zero, 1, sd).astype(xd.dtype)))
    return _scattered(x, key, include_self, grad_x), grad_src


def _scatter_reduce_vjp(i):
    def vjp(g, out, x, src, **p):
        return _scatter_reduce_grads(g, out, x, src, **p)[i]

    return vjp


def _scatter_reduce_jvp(i):
    """The tangent of the result from input i's (0: x, 1: src): the transpose of the VJP, for sum, mean, amax and
    amin (PyTorch has none for prod)."""

    def jvp(d, out, x, src, *, key, src_key, src_shape, reduce, include_self):
        if reduce == "prod":
            _no_forward("scatter_reduce with reduce='prod'")
        scale = None
        if reduce != "sum":
            scale, self_is, src_is = _shares(x, src, out, key, src_key, reduce, include_self)
            if reduce != "mean":
                d = d * const(self_is if i == 0 else _full_src(src, src_key, src_is))
        if i == 0:
            t = _scattered(x, key, include_self, d)
        else:
            t = apply(EMBED_ADD, (_src_part(d, src_key),), {"key": key, "in_shape": tuple(x._data.shape)})
        return t if scale is None else t / const(scale)

    return jvp


def _full_src(src, src_key, part):
    """``part`` (shaped as the index) in an array of src's shape, 0 elsewhere."""
    full = np.zeros(src._data.shape, part.dtype)
    full[src_key if src_key else ...] = part
    return full


SCATTER_REDUCE = defop(
    "scatter_reduce", "ScatterReduceBackward0", _scatter_reduce_fwd,
    vjp=(_scatter_reduce_vjp(0), _scatter_reduce_vjp(1)),
    jvp=(_scatter_reduce_jvp(0), _scatter_reduce_jvp(1)),
    save=(0, 1), save_out=True,
)


def _no_forward(name: str):
    raise NotImplementedError(f"Trying to use forward AD with {name} that does not support it because it has not "
                              "been implemented yet.")


@public(inplace=True)
def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True):
    """A copy of ``input`` with ``src`` reduced into it at ``index`` along ``dim``: "sum", "prod", "mean", "amax" or
    "amin"; ``include_self=False`` leaves the old values out where something is scattered.

    >>> tensor([0., 0., 0.]).scatter_reduce(0, tensor([0, 1, 0]), tensor([1., 2., 3.]), "amax")
    tensor([3., 2., 0.])
    """
    if reduce not in _REDUCE_UFUNCS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    key, src_key = _scatter_key(input, dim, index, src, "scatter_reduce")
    _same_dtype(input, src, "scatter(): Expected self.dtype to be equal to src.dtype")
    return apply(SCATTER_REDUCE, (input, src), {"key": key, "src_key": src_key, "src_shape": src._data.shape,
                                                "reduce": reduce, "include_self": bool(include_self)})


def _index_key(x, dim, index, name: str, negative: bool = False, prefix: str = "", error=IndexError):
    n = x._data.ndim
    d = one_dim(dim, n, name)
    idx = _index_array(index, name, vector=True).reshape(-1)
    size = x._data.shape[d] if n else 1
    _check_bounds(idx, size, d, prefix, negative, error)
    if n == 0:
        return d, idx, ()
    return d, idx, (slice(None),) * d + (idx % size if negative else idx,)


def _check_source(x, d, idx, source, name: str, copy: bool = False):
    n = x._data.ndim
    src_shape = source._data.shape
    along = src_shape[d] if source._data.ndim else 1
    if along != idx.size:
        if copy:
            raise IndexError(f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim) ({along})")
        raise RuntimeError(
            f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim): ({along}), for dim: {d}"
        )
    if n and (len(src_shape) != n or any(a != b for i, (a, b) in enumerate(zip(src_shape, x._data.shape)) if i != d)):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = "
            f"{shape_str(x._data.shape)} source.shape = {shape_str(src_shape)}"
        )


@public(inplace=True)
def index_add(x, dim: int, index, source, *, alpha=1):
    """A copy of x with ``alpha * source`` added at ``index`` along ``dim`` (repeated indices add up)."""
    d, idx, key = _index_key(x, dim, index, "index_add_", error=RuntimeError)
    _check_source(x, d, idx, source, "index_add_")
    if source._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"index_add_(): self ({dtype_name(x._data.dtype)}) and source ({dtype_name(source._data.dtype)}) must "
            "have the same scalar type"
        )
    return apply(INDEX_ADD, (x, source), {"key": key, "src_key": (), "src_shape": source._data.shape,
                                          "node": "IndexAddBackward0", "alpha": alpha})


@public(inplace=True)
def index_copy(x, dim: int, index, source):
    """A copy of x with the slices of ``source`` written at ``index`` along ``dim``."""
    d, idx, key = _index_key(x, dim, index, "index_copy_", prefix="index_copy_(): ")
    _check_source(x, d, idx, source, "index_copy_", copy=True)
    if source._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{dtype_name(x._data.dtype)} and (source) {dtype_name(source._data.dtype)}"
        )
    return apply(INDEX_COPY, (x, source), {"key": key, "src_key": (), "src_shape": source._data.shape,
                                           "node": "IndexCopyBackward0"})


@public(inplace=True)
def index_fill(x, dim: int, index, value):
    """A copy of x with ``value`` (a number or a 0-d tensor) at ``index`` along ``dim`` (negative indices count
    from the end)."""
    d, idx, key = _index_key(x, dim, index, "index_fill_", negative=True)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with {value._data.ndim} "
                "dimension(s)."
            )
        return apply(INDEX_FILL_TENSOR, (x, value), {"key": key})
    return apply(INDEX_FILL, (x,), {"key": key, "value": value})




# ============================================================== nonzero, argwhere, bincount (no gradient), diagflat
@public
def nonzero(input, *, as_tuple: bool = False):
    """The indices of the nonzero elements (nan counts), one row each in row-major order: an int64 (n, ndim)
    tensor; with ``as_tuple``, one 1-d tensor per dimension (a 0-d input counts as 1-d)."""
    a = input._array()
    if as_tuple:
        return tuple(make(i.astype(np.int64)) for i in np.nonzero(a.reshape(a.shape or (1,))))
    return make(np.argwhere(a).astype(np.int64))


@public
def argwhere(input):
    """``nonzero(input)``: the (n, ndim) int64 indices of the nonzero elements."""
    return nonzero(input)


def _bincount_fwd(x, w, *, minlength):
    out = np.bincount(x, w, minlength=minlength)
    return out.astype(w.dtype if w.dtype.kind == "f" else np.float64)


@public
def bincount(input, weights=None, minlength: int = 0):
    """How often each value 0, 1, ... max occurs in the 1-d non-negative integer ``input`` (int64), or the sums of
    ``weights`` at them (float32 for float32 weights, else float64); at least ``minlength`` bins. PyTorch has no
    derivative for the weights: backward through them raises."""
    from .special import _torch_name

    a = input._array()
    if a.dtype.kind not in "iu" or a.dtype == np.uint64:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_torch_name(a.dtype)}'")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return make(np.bincount(a, minlength=minlength).astype(np.int64))
    if weights._data.ndim != 1 or weights._data.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if not (weights._requires_grad and _grad_on()):
        return make(_bincount_fwd(a, weights._data, minlength=minlength))
    out = apply(BINCOUNT, (input, weights), {"minlength": minlength})
    out.grad_fn.next = tuple(e for e in out.grad_fn.next if e is not None)
    return out


BINCOUNT = no_derivative_op("bincount", _bincount_fwd)  # bincount(input, weights): PyTorch's NotImplemented node


@public
def diagflat(input, offset: int = 0):
    """The flattened input on the ``offset`` diagonal of a square matrix (DiagEmbedBackward0, as PyTorch)."""
    from .layout import diag_embed

    return diag_embed(input.reshape(-1), offset)
