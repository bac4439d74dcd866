"""Picking along a dimension: sort, argsort, topk, kthvalue, median, nanmedian, mode, cummax and cummin."""

from __future__ import annotations

import functools

import numpy as np

from ..tensor import make
from ._util import one_dim
from .positions import along_key
from .reduce import _extreme_all_jvp, _extreme_all_vjp, check_nonempty, return_type
from .registry import apply, defop, public
from .shape import _copy_at, _getitem_jvp, _index_vjp


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
        return np.argsort(a, axis=dim, kind="stable")
    n = a.shape[dim]  # ascending on the reversed array, read backwards: ties stay in their original order
    return np.flip(n - 1 - np.argsort(np.flip(a, dim), axis=dim, kind="stable"), dim)


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
    if flat.size == 0:
        return np.asarray(np.nan, dtype=flat.dtype if flat.dtype.kind == "f" else np.float32)
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
