"""Joining and splitting: cat, stack, split, chunk, unbind (one node with several outputs for the splits), and what
PyTorch composes from them (hstack, meshgrid, tensor_split, ...), recorded with the same nodes as PyTorch's."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, make
from ._util import one_dim, shape_str
from .registry import apply, apply_multi, defop, public
from .shape import EMBED, INDEX, expand, narrow, reshape, select, unsqueeze, view


# ============================================================== cat / stack / split
def _legacy_empty(shape, dims: int) -> bool:
    """A 1-d tensor of size 0 beside tensors with more dimensions: PyTorch's cat skips it (the old way to start
    accumulating, ``cat((torch.Tensor(), x))``)."""
    return shape == (0,) and dims != 1


def _cat_vjp(g, out, *xs, dim, sizes):
    outs, start = [], 0
    for n in sizes:
        if n is None:  # a legacy empty tensor, skipped
            outs.append(make(np.zeros(0, g._data.dtype)))
            continue
        outs.append(narrow(g, dim, start, n))
        start += n
    return outs


def _cat_jvp(dxs, out, *xs, dim, sizes):
    return cat([dx if dx is not None else make(np.zeros_like(x._data)) for dx, x in zip(dxs, xs)], dim)


def _cat_error(args, params, exc):
    dim = params["dim"]
    ndims = max(a._data.ndim for a in args)
    first = next(i for i, a in enumerate(args) if not _legacy_empty(a._data.shape, ndims))
    ref = args[first]._data.shape
    for i, a in enumerate(args[first + 1:], first + 1):
        s = a._data.shape
        if _legacy_empty(s, ndims):
            continue
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
    if None in sizes:
        kept = [x for x, n in zip(xs, sizes) if n is not None]
        return np.concatenate(kept, axis=dim).astype(np.result_type(*xs), copy=False)
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
    for i, t_ in enumerate(tensors):
        if not isinstance(t_, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t_).__name__}\n"
                            f"{name}(): every element must be a tensor; wrap data with torch.tensor(...) first")
    return tensors


@public(method=False, aliases=("concat", "concatenate"))
def cat(tensors, dim: int = 0):
    """Join tensors along an existing dimension."""
    tensors = _tensor_list(tensors, "cat")
    for i, t_ in enumerate(tensors):
        if not t_._data.ndim:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ndims = max(t_._data.ndim for t_ in tensors)
    ref = next((t_ for t_ in tensors if not _legacy_empty(t_._data.shape, ndims)), tensors[0])
    d = one_dim(dim, ref._data.ndim, "cat")
    sizes = tuple(None if _legacy_empty(t_._data.shape, ndims) else t_._data.shape[d] for t_ in tensors)
    return apply(CAT, tensors, {"dim": d, "sizes": sizes})


@public(method=False)
def stack(tensors, dim: int = 0):
    """Join tensors along a new dimension."""
    tensors = _tensor_list(tensors, "stack")
    d = one_dim(dim, tensors[0]._data.ndim + 1, "stack")
    return apply(STACK, tensors, {"dim": d, "sizes": None})


def _pieces_fwd(x, *, keys, in_shape):
    # (k + (...,): numpy gives a 0-d view, not a copied scalar, for the elements of a 1-d tensor's unbind)
    return tuple(x[k + (Ellipsis,)] for k in keys)


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




# ============================================================== stacking helpers, as PyTorch composes them
def _at_least(x, n: int):
    """``x`` viewed with at least ``n`` dims, the way torch.atleast_{1,2,3}d add them (PyTorch's node names)."""
    nd = x._data.ndim
    if nd >= n:
        return x
    if nd == 0:
        return reshape(x, *(1,) * n)
    if n == 2 or nd == 2:  # (k,) -> (1, k); (a, b) -> (a, b, 1)
        return unsqueeze(x, 0 if n == 2 else -1)
    return unsqueeze(unsqueeze(x, 0), -1)  # (k,) -> (1, k, 1)


def _at_least_all(tensors, n: int):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_at_least(t_, n) for t_ in tensors[0])
    if len(tensors) == 1:
        return _at_least(tensors[0], n)
    return tuple(_at_least(t_, n) for t_ in tensors)


@public(method=False)
def atleast_1d(*tensors):
    """Each tensor with at least one dimension (a 0-d one as shape (1,)); one tensor in, one out."""
    return _at_least_all(tensors, 1)


@public(method=False)
def atleast_2d(*tensors):
    """Each tensor with at least two dimensions: (k,) becomes (1, k)."""
    return _at_least_all(tensors, 2)


@public(method=False)
def atleast_3d(*tensors):
    """Each tensor with at least three dimensions: (k,) becomes (1, k, 1), (a, b) becomes (a, b, 1)."""
    return _at_least_all(tensors, 3)


def _stacking(name: str, n: int, dim):
    def fn(tensors):
        tensors = tuple(tensors)
        if not tensors:
            raise RuntimeError(f"{name} expects a non-empty TensorList")
        tensors = _tensor_list(tensors, name)
        parts = [_at_least(t_, n) for t_ in tensors]
        return cat(parts, dim(parts))

    fn.__name__ = fn.__qualname__ = name
    return fn


hstack = public(method=False)(_stacking("hstack", 1, lambda ps: 0 if ps[0]._data.ndim == 1 else 1))
hstack.__doc__ = "Join tensors column-wise: along dim 1 (dim 0 for 1-d tensors)."
vstack = public(method=False, aliases=("row_stack",))(_stacking("vstack", 2, lambda ps: 0))
vstack.__doc__ = "Join tensors row-wise, 1-d ones as rows: along dim 0 of their 2-d views."
dstack = public(method=False)(_stacking("dstack", 3, lambda ps: 2))
dstack.__doc__ = "Join tensors depth-wise: along dim 2 of their 3-d views."


@public(method=False)
def column_stack(tensors):
    """Join tensors as columns: 0-d and 1-d tensors become (k, 1) columns, then hstack."""
    tensors = _tensor_list(tensors, "column_stack") if tensors else ()
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    cols = [reshape(t_, t_._data.size, 1) if t_._data.ndim <= 1 else t_ for t_ in tensors]
    return hstack(cols)


@public(method=False)
def broadcast_shapes(*shapes):
    """The shape that the given shapes broadcast to (PyTorch's torch.Size)."""
    from ..dtypes import Size

    shapes = [(int(s),) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    result = [1] * max((len(s) for s in shapes), default=0)
    for i, shape in enumerate(shapes):  # right to left, as PyTorch's (its error shows the shape so far)
        for d in range(-1, -len(shape) - 1, -1):
            if shape[d] < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {shape[d]}: {list(shape)}")
            if shape[d] == 1 or shape[d] == result[d]:
                continue
            if result[d] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {shape[d]} at {d}! Mismatching "
                                   f"argument at index {i} had {shape}; but expected shape should be broadcastable "
                                   f"to {result}")
            result[d] = shape[d]
    return Size(result)


@public(method=False)
def broadcast_tensors(*tensors):
    """The tensors expanded to one broadcast shape (views; a tensor of that shape already is returned as it is)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = np.broadcast_shapes(*[t_._data.shape for t_ in tensors])
    except ValueError:
        a, b = _first_mismatch([t_._data.shape for t_ in tensors])
        raise RuntimeError(f"The size of tensor a ({a[0]}) must match the size of tensor b ({b[0]}) at non-singleton "
                           f"dimension {a[1]}") from None
    return tuple(t_ if t_._data.shape == shape else expand(t_, *shape) for t_ in tensors)


def _first_mismatch(shapes):
    """The first two sizes that do not broadcast, each with its dimension counted as PyTorch counts it."""
    n = max(len(s) for s in shapes)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shapes]
    for d in range(n):
        sizes = [p[d] for p in padded if p[d] != 1]
        if sizes and any(s != sizes[0] for s in sizes):
            other = next(s for s in sizes if s != sizes[0])
            return (sizes[0], d), (other, d)
    return (0, 0), (0, 0)


@public(method=False)
def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids from 1-d tensors: each expanded over the others' sizes ('ij' or 'xy' indexing)."""
    import warnings

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t_ in tensors:
        if t_._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t_}")
        if t_._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype\nmeshgrid: convert them first, "
                               "e.g. y.to(x.dtype)")
    flat = [reshape(t_, -1) if t_._data.ndim == 0 else t_ for t_ in tensors]
    swap = indexing == "xy" and len(flat) >= 2  # 'xy': the first two swapped, in and out (PyTorch's way)
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = tuple(f._data.shape[0] for f in flat)
    grids = []
    for i, f in enumerate(flat):
        view_shape = [1] * len(flat)
        view_shape[i] = -1
        grids.append(expand(view(f, *view_shape), *shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


@public(method=False)
def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d tensor, as rows (a single tensor comes back as it is)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


def _block_diag_fwd(*xs, shapes):
    mats = [np.reshape(x, (1, x.size)) if x.ndim < 2 else x for x in xs]
    out = np.zeros((sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)), np.result_type(*xs))
    r = c = 0
    for m in mats:
        out[r:r + m.shape[0], c:c + m.shape[1]] = m
        r, c = r + m.shape[0], c + m.shape[1]
    return out


def _blocks(shapes):
    """Each input's (rows, columns) in the block matrix (a 0-d or 1-d input is one row)."""
    return [(1, int(np.prod(s))) if len(s) < 2 else s for s in shapes]


def _block_diag_vjp(g, out, *xs, shapes):
    grads, r, c = [], 0, 0
    for shape, (rows, cols) in zip(shapes, _blocks(shapes)):
        piece = g[r:r + rows, c:c + cols]
        grads.append(reshape(piece, *shape) if len(shape) < 2 else piece)
        r, c = r + rows, c + cols
    return grads


def _block_diag_jvp(dxs, out, *xs, shapes):
    return block_diag(*[dx if dx is not None else make(np.zeros(s, out._data.dtype)) for dx, s in zip(dxs, shapes)])


BLOCK_DIAG = defop("block_diag", "BlockDiagBackward0", _block_diag_fwd, vjp=_block_diag_vjp, jvp=_block_diag_jvp,
                   broadcast=True)


@public(method=False)
def block_diag(*tensors):
    """The tensors (0-d, 1-d as a row, or 2-d) down the diagonal of one matrix, zeros elsewhere."""
    for i, t_ in enumerate(tensors):
        if not isinstance(t_, Tensor):
            raise TypeError(f"block_diag(): argument 'tensors' must be tuple of Tensors, not {type(t_).__name__}")
        if t_._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t_._data.ndim} dimensions")
    if not tensors:
        return make(np.zeros((1, 0), np.float32))
    return apply(BLOCK_DIAG, tensors, {"shapes": tuple(t_._data.shape for t_ in tensors)})


@public
def tensor_split(x, indices_or_sections, dim: int = 0):
    """Pieces of ``x`` along ``dim`` (views): ``n`` pieces as equal as can be (the first ones one longer), or cut
    at the given indices."""
    d = one_dim(dim, x._data.ndim, "tensor_split")
    size = x._data.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds = [0]
        for i in range(n):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:  # piece i runs from index i-1 to index i (empty where they are out of order)
        bounds = [0] + [min(max(int(i), 0), size) for i in indices_or_sections] + [size]
    return tuple(narrow(x, d, a, max(b - a, 0)) for a, b in zip(bounds, bounds[1:]))


def _direction_split(name: str, dim_of, min_dims: int):
    def fn(x, indices_or_sections):
        if x._data.ndim < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                               f"with {x._data.ndim} dimensions!")
        d = dim_of(x)
        if isinstance(indices_or_sections, (int, np.integer)) and x._data.shape[d] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{x._data.shape[d]} is not divisible by the split_size {indices_or_sections}!")
        return tensor_split(x, indices_or_sections, d)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = "tensor_split along the dimension the name says (h: columns, v: rows, d: depth), even pieces only."
    return public(fn)


hsplit = _direction_split("hsplit", lambda x: 0 if x._data.ndim == 1 else 1, 1)
vsplit = _direction_split("vsplit", lambda x: 0, 2)
dsplit = _direction_split("dsplit", lambda x: 2, 3)
