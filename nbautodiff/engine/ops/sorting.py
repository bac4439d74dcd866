"""Picking along a dimension: sort, argsort, topk, kthvalue, median, nanmedian, mode, cummax and cummin; and what
sorting answers without a gradient: unique, unique_consecutive, searchsorted, bucketize, histc; quantile (composed)."""

from __future__ import annotations

import functools

import numpy as np

from ..tensor import Tensor, make
from ._util import one_dim, shape_str
from .elementwise import _grad_on, no_derivative_op
from .positions import along_key
from .reduce import _extreme_all_jvp, _extreme_all_vjp, check_nonempty, return_type
from .registry import _laid_out, apply, defop, public
from .shape import _copy_at, _getitem_jvp, _index_vjp
from .special import _torch_name


# ============================================================== picking along a dimension: sort, topk, median, cummax
# The values are x at indices found on the arrays; the rules are indexing's (the gradient goes back to the index
# returned; a repeated index adds up), each under PyTorch's name. The indices come back as int64 tensors.
def _picking(name: str, node: str):
    return defop(name, node, _copy_at, vjp=(_index_vjp,), jvp=(_getitem_jvp,))


SORT = _picking("sort", "SortBackward0")
SORT_STABLE = _picking("sort_stable", "SortBackward1")  # torch.sort(..., stable=...)
TOPK = _picking("topk", "TopkBackward0")
MEDIAN_DIM = _picking("median_dim", "MedianBackward1")
NANMEDIAN_DIM = _picking("nanmedian_dim", "NanmedianBackward1")
CUMMAX = _picking("cummax", "CummaxBackward0")
CUMMIN = _picking("cummin", "CumminBackward0")

sort_result, topk_result = return_type("sort"), return_type("topk")
median_result, nanmedian_result = return_type("median"), return_type("nanmedian")
cummax_result, cummin_result = return_type("cummax"), return_type("cummin")


def _pick(op, x, indices: np.ndarray, dim: int, keepdim: bool = True) -> tuple:
    """(x's values at ``indices`` along ``dim``, recorded as ``op``; the indices as an int64 tensor)."""
    values = apply(op, (x,), {"key": along_key(indices, dim, keepdim), "in_shape": x._data.shape})
    return values, make(np.asarray(indices, dtype=np.int64))


def _nan(a: np.ndarray) -> np.ndarray:
    return np.isnan(a) if a.dtype.kind in "fc" else np.zeros(a.shape, bool)


def _stable_order(a: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """The indices that sort ``a`` along ``dim`` keeping ties in their order; nan last (first when descending)."""
    if not descending:
        order = np.argsort(a, axis=dim, kind="stable")
    else:
        n = a.shape[dim]  # ascending on the reversed array, read backwards: ties stay in their original order
        order = np.flip(n - 1 - np.argsort(np.flip(a, dim), axis=dim, kind="stable"), dim)
    return _laid_out("preserve", np.ascontiguousarray(order), a)  # (PyTorch: laid out as the input)


@public
def sort(x, *args, dim=-1, descending: bool = False, stable=None):
    """(values, indices) sorted along ``dim``. Ties keep their order (PyTorch's CPU kernel does so for up to 16
    elements and with ``stable=True``); nan sorts as the largest value. PyTorch's two signatures:
    ``sort(dim=-1, descending=False)`` and ``sort(*, stable, dim=-1, descending=False)``."""
    if args:
        if stable is not None or len(args) > 2:
            kinds = ", ".join(type(a).__name__ for a in args) + ", stable=bool" * (stable is not None)
            raise TypeError(f"sort() received an invalid combination of arguments - got ({kinds}), but expected one "
                            "of:\n * (int dim = -1, bool descending = False)\n * (*, bool stable, int dim = -1, "
                            "bool descending = False)")
        dim, descending = (*args, descending)[:2] if len(args) == 1 else args
    a = x._array()
    d = one_dim(dim, a.ndim, "sort")
    order = _stable_order(a, d, descending) if a.ndim else np.zeros((), np.int64)
    return sort_result(*_pick(SORT if stable is None else SORT_STABLE, x, order, d))


@public
def argsort(x, dim=-1, descending: bool = False, *, stable: bool = False):
    """The indices that sort ``x`` along ``dim`` (int64), ties in their order."""
    a = x._array()
    d = one_dim(dim, a.ndim, "argsort")
    return make(_stable_order(a, d, descending).astype(np.int64) if a.ndim else np.zeros((), np.int64))


@public
def msort(x):
    """``x`` sorted along its first dimension (the values of ``sort(x, 0)``)."""
    return sort(x, 0).values


@public
def topk(x, k: int, dim=None, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) values along ``dim`` (the last by default) and their indices, sorted.
    Among equal values the first ones are taken; PyTorch's kernel may pick other positions of a tie."""
    if x._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU\ntopk: convert first, e.g. x.int()")
    a = x._array()
    d = one_dim(-1 if dim is None else dim, a.ndim, "topk")
    n = a.shape[d] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if a.ndim == 0:
        return topk_result(*_pick(TOPK, x, np.zeros((), np.int64), d))
    order = np.take(_stable_order(a, d, largest), np.arange(k), axis=d)
    return topk_result(*_pick(TOPK, x, order, d))


def _median_index(a: np.ndarray, dim: int, ignore_nan: bool) -> np.ndarray:
    """PyTorch's median position along ``dim`` (kept as size 1): the lower middle of a stable sort, so ties give
    the same index as PyTorch. A nan makes the median nan (its first position) unless ``ignore_nan``."""
    order = np.argsort(a, axis=dim, kind="stable")  # nan last
    n = a.shape[dim]
    nans = _nan(a).sum(axis=dim, keepdims=True)
    if ignore_nan:  # a row of nans only: the position std::nth_element leaves first among equivalent elements
        k = np.where(nans == n, _nth_of_equals(n), np.maximum(n - nans - 1, 0) // 2)
    else:
        k = np.where(nans > 0, n - nans, (n - 1) // 2)
    return np.take_along_axis(order, k, axis=dim)


@functools.cache
def _nth_of_equals(n: int) -> int:
    """Which of n mutually unordered elements (all nan) libstdc++'s ``nth_element(first, first, last)`` puts first:
    its introselect's median-of-three and partition steps, played on positions. PyTorch's nanmedian of an all-nan
    row returns that position (0 for up to 3 elements, then 2, 2, 3, 5, 6...)."""
    pos = list(range(n))
    first, last, depth = 0, n, 2 * (n.bit_length() - 1) if n else 0
    while last - first > 3 and depth:
        depth -= 1
        mid = first + (last - first) // 2
        pos[first], pos[mid] = pos[mid], pos[first]  # no element is less than another: the median is the middle
        lo, hi = first + 1, last
        while True:  # __unguarded_partition: nothing is less than the pivot, so every pair swaps until they meet
            hi -= 1
            if not lo < hi:
                break
            pos[lo], pos[hi] = pos[hi], pos[lo]
            lo += 1
        last = lo  # the cut lies after position `first`, which is the one asked for
    return pos[first]


def _median_all_fwd(x, *, ignore_nan):
    flat = np.reshape(x, -1)
    if flat.size == 0:  # nan in the input's dtype, as PyTorch's C++ casts it (the lowest signed int, 0, True)
        if flat.dtype.kind == "f":
            return np.asarray(np.nan, dtype=flat.dtype)
        return np.asarray(True if flat.dtype.kind == "b" else np.iinfo(flat.dtype).min if flat.dtype.kind == "i"
                          else 0, dtype=flat.dtype)
    return flat[_median_index(flat, 0, ignore_nan)[0]]


def _median_all_vjp(g, out, x, *, ignore_nan):
    return _extreme_all_vjp(g, out, x)


def _median_all_jvp(dx, out, x, *, ignore_nan):
    return _extreme_all_jvp(dx, out, x)


MEDIAN = defop("median", "MedianBackward0", _median_all_fwd, vjp=(_median_all_vjp,), jvp=(_median_all_jvp,),
               save=(0,), save_out=True)
NANMEDIAN = defop("nanmedian", "NanmedianBackward0", _median_all_fwd, vjp=(_median_all_vjp,),
                  jvp=(_median_all_jvp,), save=(0,), save_out=True)


def _median(x, dim, keepdim, ignore_nan: bool):
    name = "nanmedian" if ignore_nan else "median"
    if x._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{'median_cpu' if dim is None else 'median_out'}\" not implemented for 'Bool'\n"
                                  f"{name}: convert first, e.g. x.int()")
    if dim is None:  # all elements: a 0-d tensor, the gradient shared between the elements equal to it
        return apply(NANMEDIAN if ignore_nan else MEDIAN, (x,), {"ignore_nan": ignore_nan})
    a = x._array()
    d = one_dim(dim, a.ndim, name)
    cls = nanmedian_result if ignore_nan else median_result
    op = NANMEDIAN_DIM if ignore_nan else MEDIAN_DIM
    if a.ndim == 0:
        return cls(*_pick(op, x, np.zeros((), np.int64), 0))
    check_nonempty(x, d, name + "()")
    idx = _median_index(a, d, ignore_nan)
    return cls(*_pick(op, x, idx if keepdim else np.squeeze(idx, d), d, keepdim))


@public
def median(x, dim=None, keepdim: bool = False):
    """The median (the lower of the two middle values); with ``dim``, (values, indices) as PyTorch returns them."""
    return _median(x, dim, keepdim, False)


@public
def nanmedian(x, dim=None, keepdim: bool = False):
    """The median of the elements that are not nan (nan when all are)."""
    return _median(x, dim, keepdim, True)


def _running_extreme(a: np.ndarray, dim: int, larger: bool) -> np.ndarray:
    """cummax/cummin's indices with PyTorch's rule: a tie moves the index on (>=), and a nan, once seen, stays
    the extreme (each later nan taking over)."""
    a = np.moveaxis(a, dim, -1)
    idx = np.zeros(a.shape, np.int64)
    if a.shape[-1]:
        best, at, nan = a[..., 0], np.zeros(a.shape[:-1], np.int64), _nan(a)
        for i in range(1, a.shape[-1]):
            v = a[..., i]
            take = ((v >= best) if larger else (v <= best)) | nan[..., i]
            best, at = np.where(take, v, best), np.where(take, i, at)
            idx[..., i] = at
    return np.moveaxis(idx, -1, dim)


def _cumulative_extreme(x, dim, larger: bool):
    a = x._array()
    d = one_dim(dim, a.ndim, "cummax" if larger else "cummin")
    idx = _running_extreme(a, d, larger) if a.ndim else np.zeros((), np.int64)
    cls = cummax_result if larger else cummin_result
    return cls(*_pick(CUMMAX if larger else CUMMIN, x, idx, d))


@public
def cummax(x, dim):
    """The running maximum along ``dim`` and where it was found."""
    return _cumulative_extreme(x, dim, True)


@public
def cummin(x, dim):
    """The running minimum along ``dim`` and where it was found."""
    return _cumulative_extreme(x, dim, False)


# ============================================================== kthvalue, mode: values and indices along a dimension
KTHVALUE = _picking("kthvalue", "KthvalueBackward0")
MODE = _picking("mode", "ModeBackward0")
kthvalue_result, mode_result = return_type("kthvalue"), return_type("mode")


@public
def kthvalue(x, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest value along ``dim`` (k from 1; nan counts as the largest) and its index. Of equal values
    the first in a stable sort is taken; PyTorch's partial sort may name another position of a tie."""
    if x._data.dtype == np.bool_ and x._data.ndim:  # (a 0-d one is copied, without the kernel)
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'\nkthvalue: convert first, e.g. x.int()")
    a = x._array()
    d = one_dim(dim, a.ndim, "kthvalue")
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if a.ndim == 0:
        return kthvalue_result(*_pick(KTHVALUE, x, np.zeros((), np.int64), 0))
    idx = np.take(np.argsort(a, axis=d, kind="stable"), [k - 1], axis=d)
    return kthvalue_result(*_pick(KTHVALUE, x, idx if keepdim else np.squeeze(idx, d), d, keepdim))


def _mode_index(a: np.ndarray) -> np.ndarray:
    """PyTorch's CPU mode along the last axis: sort, take the first (smallest) value of the longest run, and the
    last position in the sorted order among its equals. A nan equals nothing, so each nan is a run of its own."""
    order = np.argsort(a, axis=-1, kind="stable")
    s = np.take_along_axis(a, order, -1)
    n = a.shape[-1]
    pos = np.arange(n)
    differs = s[..., 1:] != s[..., :-1]
    start = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), differs], -1)
    end = np.concatenate([differs, np.ones(s.shape[:-1] + (1,), bool)], -1)
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=-1)
    length = np.where(end, pos - first + 1, 0)
    return np.take_along_axis(order, np.argmax(length, -1)[..., None], -1)[..., 0]


@public
def mode(x, dim: int = -1, keepdim: bool = False):
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and an index of it: the last
    occurrence, as PyTorch's CPU kernel gives for up to 16 elements (beyond, its unstable sort may pick another)."""
    a = x._array()
    d = one_dim(dim, a.ndim, "mode")
    if a.ndim == 0:
        return mode_result(*_pick(MODE, x, np.zeros((), np.int64), 0))
    check_nonempty(x, d, "mode()")
    idx = _mode_index(np.moveaxis(a, d, -1))
    return mode_result(*_pick(MODE, x, np.expand_dims(idx, d) if keepdim else idx, d, keepdim))


# ============================================================== unique, unique_consecutive (no gradient)
def _no_derivative(node: str, aten: str):
    """A row-less op whose node is PyTorch's for a function without a derivative: backward through it raises."""
    return no_derivative_op(aten, lambda a, *, out: out, node=node,
                            backward=(NotImplementedError, f"the derivative for '{aten}' is not implemented."))


_UNIQUE = {"unique": _no_derivative("Unique2Backward0", "_unique2"),
           "unique_dim": _no_derivative("UniqueDimBackward0", "unique_dim"),
           "unique_consecutive": _no_derivative("UniqueConsecutiveBackward0", "unique_consecutive")}


def _unique_node(x, out, kind: str):
    """The values' tensor; recorded, as PyTorch records it, under a node whose backward raises."""
    if not (x._requires_grad and _grad_on()):
        return make(out)
    values = apply(_UNIQUE[kind], (x,), {"out": out})
    values.grad_fn.next = tuple(e for e in values.grad_fn.next if e is not None)
    return values


def _int64(a) -> Tensor:
    return make(np.asarray(a, dtype=np.int64))


def _unique_result(values, inverse, counts, return_inverse, return_counts):
    if not (return_inverse or return_counts):
        return values
    return (values, *((_int64(inverse),) if return_inverse else ()), *((_int64(counts),) if return_counts else ()))


@public
def unique(x, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct values (or slices along ``dim``), in ascending order (PyTorch's CPU kernel sorts even with
    ``sorted=False``); ``return_inverse``: where each element went; ``return_counts``: how often each occurs.
    Each nan is distinct, as in PyTorch."""
    a = x._array()
    if dim is None:
        flat = a.reshape(-1)
        vals, inv, cnt = np.unique(flat, return_inverse=True, return_counts=True, equal_nan=False)
        values = _unique_node(x, vals, "unique")
        return _unique_result(values, inv.reshape(a.shape), cnt, return_inverse, return_counts)
    d = one_dim(dim, a.ndim, "unique")
    if a.ndim == 0 or a.shape[d] == 0 or a.size == 0:
        vals, inv, cnt = a.reshape(a.shape or (1,)), np.zeros(a.shape[d] if a.ndim else 1), np.zeros(0)
        if a.ndim and a.shape[d]:
            vals, inv, cnt = np.take(a, [0], axis=d), np.zeros(a.shape[d]), np.asarray([a.shape[d]])
    else:
        vals, inv, cnt = np.unique(a, return_inverse=True, return_counts=True, axis=d, equal_nan=False)
    values = _unique_node(x, vals, "unique_dim")
    return _unique_result(values, inv.reshape(-1), cnt, return_inverse, return_counts)


@public
def unique_consecutive(x, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Each run of equal consecutive values (or slices along ``dim``) once; the inverse and counts as ``unique``'s."""
    a = x._array()
    if dim is None:
        s = a.reshape(-1)
        differs = s[1:] != s[:-1]
    else:
        d = one_dim(dim, a.ndim, "unique_consecutive")
        s = np.moveaxis(a, d, 0) if a.ndim else a.reshape(1)
        differs = np.any((s[1:] != s[:-1]).reshape(max(len(s) - 1, 0), -1), axis=1)
    start = np.concatenate([np.ones(min(len(s), 1), bool), differs])
    inv = np.cumsum(start) - 1
    cnt = np.diff(np.append(np.flatnonzero(start), len(s)))
    vals = s[start]
    if dim is not None and a.ndim:
        vals = np.moveaxis(vals, 0, d)
    values = _unique_node(x, vals, "unique_consecutive")
    return _unique_result(values, inv.reshape(a.shape) if dim is None else inv, cnt, return_inverse, return_counts)


# ============================================================== searchsorted, bucketize, histc (no gradient)
def _bisect(seq: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """PyTorch's binary search, played on whole rows at once: ``seq`` (M, n) sorted rows, ``values`` (M, k). The
    lower bound moves right while ``!(mid >= v)`` (``!(mid > v)`` for the upper): a nan value lands at the end, and a
    nan in the sequence counts as larger than every value, as in PyTorch."""
    n = seq.shape[-1]
    start = np.zeros(values.shape, np.int64)
    end = np.full(values.shape, n, np.int64)
    while True:
        active = start < end
        if not active.any():
            return start
        mid = (start + end) // 2
        m = np.take_along_axis(seq, np.minimum(mid, n - 1), -1)
        go_right = ~(m > values) if right else ~(m >= values)
        start = np.where(active & go_right, mid + 1, start)
        end = np.where(active & ~go_right, mid, end)


@public(method=False)
def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None, sorter=None):
    """Where each value would be inserted into ``sorted_sequence`` (its last dimension) to keep it sorted: the
    first such index, or the last with ``right=True`` / ``side='right'``. ``sorter`` sorts an unsorted sequence."""
    seq = sorted_sequence._array()
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    scalar = not isinstance(input, Tensor)
    vals = np.asarray(input) if scalar else input._array()
    if seq.ndim > 1 and (scalar or vals.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           "of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{shape_str(seq.shape)} and input value tensor {shape_str(vals.shape)}")
    if sorter is not None:
        seq = np.take_along_axis(seq, np.asarray(sorter._array(), np.int64), -1)
    rows = seq.reshape(-1, seq.shape[-1])
    v = vals.reshape(1, -1) if seq.ndim == 1 else vals.reshape(rows.shape[0], -1)
    out = _bisect(rows, np.broadcast_to(v, (rows.shape[0], v.shape[1])), right).reshape(vals.shape)
    return make(out.astype(np.int32 if out_int32 else np.int64))


@public(method=False)
def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False):
    """The bucket of each value among the 1-d ``boundaries``: ``searchsorted(boundaries, input)``."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


@public
def histc(input, bins: int = 100, min=0, max=0):
    """The counts of ``bins`` equal-width bins between min and max (the data's range when both are 0), as a tensor
    of input's dtype; elements outside are ignored and max falls in the last bin. No gradient (as PyTorch)."""
    a = input._array()
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_torch_name(a.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = a.dtype.type(min), a.dtype.type(max)
    if lo == hi and a.size:
        lo, hi = a.min(), a.max()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    inside = a[(a >= lo) & (a <= hi)]
    pos = ((inside - lo) * a.dtype.type(bins) / (hi - lo)).astype(np.int64)
    return make(np.bincount(np.minimum(pos, bins - 1), minlength=bins).astype(a.dtype))


# ============================================================= quantile, nanquantile: composed as PyTorch composes them
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool):
    """PyTorch's quantile_impl step by step (sort, view, gather, lerp_, squeeze_), so that values, gradients and
    node names are its own: the ranks q * (n - 1) (of the non-nan count for nanquantile), rounded as
    ``interpolation`` says, and the values there interpolated."""
    a = x._data
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        q = make(np.asarray(q, dtype=a.dtype if a.dtype.kind == "f" else np.float32))
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if a.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if q._data.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if a.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if q._data.dtype != a.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if not np.all((q._data >= 0) & (q._data <= 1)):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if dim is not None and a.ndim:
        d = one_dim(dim, a.ndim, "quantile")
        out_shape = list(a.shape)
        if keepdim:
            out_shape[d] = 1
        else:
            del out_shape[d]
    else:
        d = None if dim is None else one_dim(dim, a.ndim, "quantile")
        out_shape = [1] * a.ndim if keepdim else []
    if d is None:
        s = x.flatten().sort().values
    elif d == a.ndim - 1:
        s = x.sort().values
    else:
        s = x.unsqueeze(-1).transpose(d, -1).sort().values
    s = s.view(*out_shape, s.shape[-1])
    last = s.shape[-1] - 1
    nan = make(np.isnan(s._data))
    if ignore_nan:
        ranks = q * ((~nan).sum(-1, keepdim=True) - 1)
        ranks.masked_fill_(ranks < 0, 0)
    else:
        ranks = (q * last).masked_fill(nan.any(-1, keepdim=True), last)
    if interpolation in ("lower", "higher", "nearest"):
        getattr(ranks, {"lower": "floor_", "higher": "ceil_", "nearest": "round_"}[interpolation])()
    below = ranks.long()
    values = s.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks.new_full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
        values.lerp_(s.gather(-1, ranks.ceil_().long()), weights)
    if q._data.ndim == 0:
        return values.squeeze_(-1)
    return values.unsqueeze_(0).transpose_(0, -1).squeeze_(-1)


@public
def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """The q-th quantiles (q a number or a 1-d tensor in [0, 1]) of all elements or along ``dim``; the quantiles
    come first in the shape. A nan in a reduced row makes its quantiles nan."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


@public
def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """As ``quantile``, ignoring nans (nan where a row holds nothing else)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)
