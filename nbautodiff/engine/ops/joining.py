"""Joining and splitting: cat, stack, split, chunk, unbind (one node with several outputs for the splits)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, make
from ._util import one_dim, shape_str
from .registry import apply, apply_multi, defop, public
from .shape import EMBED, INDEX, narrow, select


# ============================================================== cat / stack / split
def _cat_vjp(g, out, *xs, dim, sizes):
    outs, start = [], 0
    for n in sizes:
        outs.append(narrow(g, dim, start, n))
        start += n
    return outs


def _cat_jvp(dxs, out, *xs, dim, sizes):
    return cat([dx if dx is not None else make(np.zeros_like(x._data)) for dx, x in zip(dxs, xs)], dim)


def _cat_error(args, params, exc):
    dim = params["dim"]
    ref = args[0]._data.shape
    for i, a in enumerate(args[1:], 1):
        s = a._data.shape
        if len(s) != len(ref):
            return RuntimeError(
                f"Tensors must have same number of dimensions: got {len(ref)} and {len(s)}\ncat: tensor {i} "
                f"has shape {tuple(s)}, tensor 0 has {tuple(ref)}"
            )
        for d, (p, q) in enumerate(zip(ref, s)):
            if d != dim and p != q:
                return RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size {p} but got size {q} for "
                    f"tensor number {i} in the list.\ncat: shapes {tuple(ref)} and {tuple(s)} differ in dimension {d}; "
                    f"did you mean dim={d}?"
                )
    return RuntimeError(f"cat: {exc}")


def _stack_fwd(*xs, dim, sizes):
    return np.stack(xs, axis=dim)


def _cat_fwd_sizes(*xs, dim, sizes):
    return np.concatenate(xs, axis=dim)


def _stack_vjp(g, out, *xs, dim, sizes):
    return [select(g, dim, i) for i in range(len(xs))]


def _stack_jvp(dxs, out, *xs, dim, sizes):
    return stack([dx if dx is not None else make(np.zeros_like(x._data)) for dx, x in zip(dxs, xs)], dim)


def _stack_error(args, params, exc):
    shapes = [tuple(a._data.shape) for a in args]
    bad = next(i for i, s in enumerate(shapes) if s != shapes[0])
    return RuntimeError(
        f"stack expects each tensor to be equal size, but got {shape_str(shapes[0])} at entry 0 and "
        f"{shape_str(shapes[bad])} at entry {bad}"
    )


# broadcast=True: the gradients are cast back to each input's dtype (cat([float32, float64]) is float64)
CAT = defop("cat", "CatBackward0", _cat_fwd_sizes, vjp=_cat_vjp, jvp=_cat_jvp, error=_cat_error, broadcast=True)
STACK = defop("stack", "StackBackward0", _stack_fwd, vjp=_stack_vjp, jvp=_stack_jvp, error=_stack_error,
              broadcast=True)


def _tensor_list(tensors, name):
    tensors = tuple(tensors)
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    for t_ in tensors:
        if not isinstance(t_, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, got an element of type {type(t_).__name__}")
    return tensors


@public(method=False, aliases=("concat", "concatenate"))
def cat(tensors, dim: int = 0):
    """Join tensors along an existing dimension."""
    tensors = _tensor_list(tensors, "cat")
    d = one_dim(dim, tensors[0]._data.ndim, "cat")
    return apply(CAT, tensors, {"dim": d, "sizes": tuple(t_._data.shape[d] if t_._data.ndim else 1 for t_ in tensors)})


@public(method=False)
def stack(tensors, dim: int = 0):
    """Join tensors along a new dimension."""
    tensors = _tensor_list(tensors, "stack")
    d = one_dim(dim, tensors[0]._data.ndim + 1, "stack")
    return apply(STACK, tensors, {"dim": d, "sizes": None})


def _pieces_fwd(x, *, keys, in_shape):
    return tuple(x[k] for k in keys)


def _pieces_vjp(grads, out, x, *, keys, in_shape):
    """Scatter each output's gradient back into place; outputs that got none contribute nothing."""
    total = None
    for g, k in zip(grads, keys):
        if g is not None:
            part = apply(EMBED, (g,), {"key": k, "in_shape": in_shape})
            total = part if total is None else total + part
    return [total]


def _pieces_jvp(dxs, out, x, *, keys, in_shape):
    return [apply(INDEX, (dxs[0],), {"key": k, "in_shape": in_shape}) for k in keys]


SPLIT = defop("split", "SplitBackward0", _pieces_fwd, vjp=_pieces_vjp, jvp=_pieces_jvp, multi=True)
SPLIT_SIZES = defop("split_with_sizes", "SplitWithSizesBackward0", _pieces_fwd, vjp=_pieces_vjp, jvp=_pieces_jvp,
                    multi=True)
UNBIND = defop("unbind", "UnbindBackward0", _pieces_fwd, vjp=_pieces_vjp, jvp=_pieces_jvp, multi=True)


@public
def split(x, split_size_or_sections, dim: int = 0):
    """Pieces of ``x`` along ``dim`` (views), of one size or of the given sizes."""
    if x._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = one_dim(dim, x._data.ndim, "split")
    n = x._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(step, n - s) for s in range(0, n, step)] or [0]
        op = SPLIT
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {d}), "
                f"but got split_sizes={sizes}"
            )
        op = SPLIT_SIZES
    keys, start = [], 0
    for s in sizes:
        keys.append((slice(None),) * d + (slice(start, start + s),))
        start += s
    return apply_multi(op, x, {"keys": tuple(keys), "in_shape": x._data.shape})


@public
def chunk(x, chunks: int, dim: int = 0):
    """At most ``chunks`` pieces of equal size (the last may be smaller) along ``dim``."""
    if x._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = x._data.shape[one_dim(dim, x._data.ndim, "chunk")]
    if n == 0:  # an empty dimension gives `chunks` empty pieces
        return split(x, [0] * chunks, dim)
    return split(x, -(-n // chunks), dim)


@public
def unbind(x, dim: int = 0):
    """The slices of ``x`` along ``dim``, as one UnbindBackward0 node with an output per slice."""
    d = one_dim(dim, x._data.ndim, "unbind")
    keys = tuple((slice(None),) * d + (i,) for i in range(x._data.shape[d]))
    return apply_multi(UNBIND, x, {"keys": keys, "in_shape": x._data.shape})


