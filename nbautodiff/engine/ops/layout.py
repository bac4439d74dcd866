"""More views and rearrangements: diagonal, unfold and a view's history after a write, triangles, take, masked_select,
rot90, movedim, tile, diff, repeat_interleave, and the in-place view changes (t_, transpose_, squeeze_...)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, make
from ._util import broadcast_error, norm_dim, one_dim, shape_str
from .joining import cat
from .positions import flip, gather, index_select, repeat
from .registry import _laid_out, apply, defop, public
from .shape import (
    EMBED,
    EMBED_ADD,
    SQUEEZE,
    TRANSPOSE,
    UNSQUEEZE,
    T,
    _copy_at,
    _getitem_jvp,
    _index_vjp,
    _shape_args,
    _squeeze_fwd,
    _transpose_fwd,
    _unsqueeze_fwd,
    clone,
    dtype_name,
    expand,
    flatten,
    narrow,
    permute,
    reshape,
    sum_to_shape,
    unsqueeze,
)

# ============================================================== views: diagonal, unfold; their history after a write



# A view whose history PyTorch regenerates (its base, or the view itself, was written in place) is recorded as
# AsStridedBackward0: the view's positions in its base (registry.view_key), read like an index.
AS_STRIDED = defop("as_strided", "AsStridedBackward0", _copy_at, vjp=(_index_vjp,), jvp=(_getitem_jvp,))


def _positions_vjp(embed):
    """The VJP of a view given by ``view_key``: g put back at the view's positions in zeros (summed where the
    view repeats a position, as unfold's windows do)."""

    def vjp(g, out, x, **params):
        from .registry import OPS, view_key

        key = view_key(params["in_shape"], [(OPS[params["row"]], params)])
        return apply(EMBED_ADD if embed == "add" else EMBED, (g,), {"key": key, "in_shape": params["in_shape"]})

    return vjp


def _diagonal_fwd(x, *, offset, dim1, dim2, in_shape, row):
    out = np.diagonal(x, offset, dim1, dim2)
    if getattr(x, "flags", None) is not None and x.flags.writeable and row == "diagonal":
        out.flags.writeable = True  # PyTorch's diagonal is a view that can be written through
    return out if row == "diagonal" else out.copy()


DIAGONAL = defop(
    "diagonal", "DiagonalBackward0", _diagonal_fwd, vjp=(_positions_vjp("put"),),
    jvp=(lambda dx, out, x, **p: apply(DIAGONAL, (dx,), p),), view=True,
)
DIAG_COPY = defop(  # torch.diag of a matrix: a copy of the diagonal, under the name PyTorch gives it
    "diag", "DiagonalBackward0_copy", _diagonal_fwd, vjp=(_positions_vjp("put"),),
    jvp=(lambda dx, out, x, **p: apply(DIAG_COPY, (dx,), p),),
)


def _diagonal_params(x, offset, dim1, dim2, name: str, row: str) -> dict:
    n = x._data.ndim
    d1, d2 = one_dim(dim1, n, name), one_dim(dim2, n, name)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return {"offset": int(offset), "dim1": d1, "dim2": d2, "in_shape": x._data.shape, "row": row}


@public
def diagonal(x, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal of the (dim1, dim2) planes as the last dimension: a view (writing to it writes into x)."""
    return apply(DIAGONAL, (x,), _diagonal_params(x, offset, dim1, dim2, "diagonal", "diagonal"))


def _diag_embed_fwd(x, *, offset, dim1, dim2):
    n = x.shape[-1] + abs(offset) if x.ndim else 1 + abs(offset)
    shape = list(x.shape[:-1])
    for d in sorted((dim1, dim2)):
        shape.insert(d, n)
    out = np.zeros(shape, dtype=x.dtype)
    diag = np.diagonal(out, offset, dim1, dim2)
    diag.flags.writeable = True
    diag[...] = x
    return out


DIAG_EMBED = defop(
    "diag_embed", "DiagEmbedBackward0", _diag_embed_fwd,
    vjp=(lambda g, out, x, *, offset, dim1, dim2: diagonal(g, offset, dim1, dim2),),
    jvp=(lambda dx, out, x, *, offset, dim1, dim2: apply(DIAG_EMBED, (dx,), {"offset": offset, "dim1": dim1,
                                                                           "dim2": dim2}),),
)


@public
def diag_embed(x, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """Matrices (in the dims ``dim1``, ``dim2`` of the result) whose ``offset`` diagonal is x's last dimension."""
    n = x._data.ndim + 1
    d1, d2 = one_dim(dim1, n, "diag_embed"), one_dim(dim2, n, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAG_EMBED, (x,), {"offset": int(offset), "dim1": d1, "dim2": d2})


@public
def diag(x, diagonal: int = 0):
    """A vector's square matrix with it on the ``diagonal``, or a matrix's ``diagonal`` as a vector (a copy)."""
    n = x._data.ndim
    if n == 1:
        return diag_embed(x, diagonal, 0, 1)
    if n != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {n}D")
    return apply(DIAG_COPY, (x,), _diagonal_params(x, diagonal, 0, 1, "diag", "diag"))


def _unfold_fwd(x, *, dim, size, step, in_shape, row):
    if np.ndim(x) == 0:  # PyTorch counts a 0-d tensor as one element along dim 0, with no window dimension
        return np.reshape(x, (1,))[:size]
    a = x
    windows = np.lib.stride_tricks.sliding_window_view(a, size, axis=dim, writeable=a.flags.writeable)
    return windows[(slice(None),) * dim + (slice(None, None, step),)]


UNFOLD = defop(
    "unfold", "UnfoldBackward0", _unfold_fwd, vjp=(_positions_vjp("add"),),
    jvp=(lambda dx, out, x, **p: apply(UNFOLD, (dx,), p),), view=True,
)


@public(function=False)
def unfold(x, dimension: int, size: int, step: int):
    """The windows of ``size`` elements every ``step`` along ``dimension``, as a new last dimension (a view)."""
    d = one_dim(dimension, x._data.ndim, "unfold")
    n = x._data.shape[d] if x._data.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return apply(UNFOLD, (x,), {"dim": d, "size": int(size), "step": int(step), "in_shape": x._data.shape,
                                "row": "unfold"})


# ============================================================== triangles, take, masked_select, rot90
def _triangle(name: str, node: str, np_fn):
    op = defop(
        name, node, lambda x, *, diagonal: np_fn(x, diagonal),
        vjp=(lambda g, out, x, *, diagonal: apply(op, (g,), {"diagonal": diagonal}),),
        jvp=(lambda dx, out, x, *, diagonal: apply(op, (dx,), {"diagonal": diagonal}),),
    )

    def fn(x, diagonal: int = 0):
        if x._data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return apply(op, (x,), {"diagonal": int(diagonal)})

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {'lower' if name == 'tril' else 'upper'} triangle of the last two dims from ``diagonal`` on."
    return op, public(fn, inplace=True)


TRIL, tril = _triangle("tril", "TrilBackward0", np.tril)
TRIU, triu = _triangle("triu", "TriuBackward0", np.triu)
TAKE = defop("take", "TakeBackward0", _copy_at, vjp=(_index_vjp,), jvp=(_getitem_jvp,))


@public
def take(x, index):
    """x's elements at ``index`` in the flattened order (negative indices count from the end), shaped as index."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {dtype_name(idx.dtype)}")
    n = x._data.size
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad.flat[0])} on a tensor of {n} elements.")
    key = np.unravel_index(idx % n, x._data.shape) if x._data.ndim else (np.zeros(idx.shape, np.intp),)
    return apply(TAKE, (x,), {"key": key, "in_shape": x._data.shape})


@public
def take_along_dim(x, indices, dim=None):
    """``gather`` with x and indices broadcast against each other outside ``dim`` (PyTorch's ExpandBackward0
    under GatherBackward0); without ``dim``, along the flattened x."""
    idx = indices if isinstance(indices, Tensor) else make(np.asarray(indices))
    if idx._data.dtype != np.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {dtype_name(idx._data.dtype)}"
        )
    if dim is None:
        return gather(reshape(x, -1), 0, reshape(idx, -1))
    if x._data.ndim != idx._data.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{x._data.ndim} dimensions for input, and {idx._data.ndim} dimensions for indices"
        )
    d = one_dim(dim, x._data.ndim, "take_along_dim")
    outside = [tuple(1 if i == d else s for i, s in enumerate(t._data.shape)) for t in (x, idx)]
    try:
        shape = list(np.broadcast_shapes(*outside))
    except ValueError:  # PyTorch's RuntimeError, naming the sizes outside dim
        raise broadcast_error("take_along_dim")([make(np.empty(s)) for s in outside], {}, None) from None
    x_shape, i_shape = list(shape), list(shape)
    x_shape[d], i_shape[d] = x._data.shape[d], idx._data.shape[d]
    return gather(expand(x, *x_shape), d, make(np.broadcast_to(idx._data, i_shape)))


def _masked_select_fwd(x, *, mask, shape, in_shape):
    return np.broadcast_to(x, shape)[mask]


def _masked_select_vjp(g, out, x, *, mask, shape, in_shape):
    return sum_to_shape(apply(EMBED_ADD, (g,), {"key": (mask,), "in_shape": shape}), in_shape)


MASKED_SELECT = defop(
    "masked_select", "MaskedSelectBackward0", _masked_select_fwd, vjp=(_masked_select_vjp,),
    jvp=(lambda dx, out, x, **params: apply(MASKED_SELECT, (dx,), params),),
)


@public
def masked_select(x, mask):
    """The elements of x (broadcast with ``mask``) where ``mask`` holds, as a 1-D tensor."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(x._data.shape, m.shape)
    return apply(MASKED_SELECT, (x,), {"mask": np.broadcast_to(m, shape), "shape": shape, "in_shape": x._data.shape})


def _masked_scatter_fwd(x, source, *, mask, shape, in_shape, source_shape):
    out = np.broadcast_to(x, shape).copy()
    out[mask] = source.reshape(-1)[:int(np.count_nonzero(mask))]
    return out


def _masked_scatter_vjp_x(g, out, x, source, *, mask, shape, in_shape, source_shape):
    from .elementwise import masked_fill

    return sum_to_shape(masked_fill(g, make(mask), 0.0), in_shape)


def _masked_scatter_vjp_source(g, out, x, source, *, mask, shape, in_shape, source_shape):
    """PyTorch's masked_scatter_backward: the gradient where the mask holds, in order, then zeros for the source
    elements nothing was written from."""
    picked = apply(MASKED_SELECT, (g,), {"mask": mask, "shape": shape, "in_shape": shape})
    rest = int(np.prod(source_shape, dtype=np.int64)) - picked._data.size
    if rest:
        picked = cat([picked, make(np.zeros(rest, dtype=picked._data.dtype))])
    return picked.reshape(*source_shape)


def _masked_scatter_jvp(dxs, out, x, source, **p):
    dx, ds = dxs
    dx = make(np.zeros(p["in_shape"], out._data.dtype)) if dx is None else dx
    ds = make(np.zeros(p["source_shape"], out._data.dtype)) if ds is None else ds
    return apply(MASKED_SCATTER, (dx, ds), p)


MASKED_SCATTER = defop(
    "masked_scatter", "MaskedScatterBackward0", _masked_scatter_fwd,
    vjp=(_masked_scatter_vjp_x, _masked_scatter_vjp_source), jvp=_masked_scatter_jvp,
)


@public(inplace=True)
def masked_scatter(x, mask, source):
    """x (broadcast with ``mask``) with the places where ``mask`` holds filled, in order, from ``source``'s
    elements."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        from .special import _torch_name

        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_torch_name(m.dtype)}")
    if x._data.dtype != source._data.dtype:
        from .special import _torch_name

        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"  # (sic)
                           f"{_torch_name(x._data.dtype)} and {_torch_name(source._data.dtype)}")
    shape = np.broadcast_shapes(x._data.shape, m.shape)
    m = np.broadcast_to(m, shape)
    if np.count_nonzero(m) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return apply(MASKED_SCATTER, (x, source), {"mask": m, "shape": shape, "in_shape": x._data.shape,
                                               "source_shape": source._data.shape})


def _rot90_fwd(x, *, k, dims):
    """PyTorch's composition, memory layout included: an odd k is a flipped copy (laid out as x, as flip's) seen
    transposed (so .view(-1) of a rotated contiguous matrix refuses, as there), k = 2 a flipped copy, k = 0 a copy."""
    d0, d1 = dims
    k %= 4
    if k % 2:
        return np.swapaxes(_laid_out("preserve", np.flip(x, d1 if k == 1 else d0).copy(), x), d0, d1)
    return _laid_out("preserve", np.flip(x, dims).copy(), x) if k == 2 else np.array(x, order="C")


ROT90 = defop(
    "rot90", "Rot90Backward0", _rot90_fwd,
    vjp=(lambda g, out, x, *, k, dims: apply(ROT90, (g,), {"k": -k, "dims": dims}),),
    jvp=(lambda dx, out, x, *, k, dims: apply(ROT90, (dx,), {"k": k, "dims": dims}),),
)


@public
def rot90(x, k: int = 1, dims=(0, 1)):
    """Rotate by 90° ``k`` times in the plane of ``dims``, from the first towards the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    n = x._data.ndim
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = one_dim(dims[0], n, "rot90"), one_dim(dims[1], n, "rot90")
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return apply(ROT90, (x,), {"k": int(k) % 4, "dims": (d0, d1)})


@public
def fliplr(x):
    """Reverse the columns (dim 1)."""
    if x._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(x, (1,))


@public
def flipud(x):
    """Reverse the rows (dim 0)."""
    if x._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(x, (0,))


# ============================================================== compositions: movedim, tile, diff, repeat_interleave...
@public(aliases=("moveaxis",))
def movedim(x, source, destination):
    """Move the dims ``source`` to the positions ``destination`` (a permute, as PyTorch records it)."""
    one = isinstance(source, (int, np.integer)), isinstance(destination, (int, np.integer))
    if one[0] != one[1]:
        kinds = tuple("int" if o else type(v).__name__ for o, v in zip(one, (source, destination)))
        raise TypeError(f"movedim() received an invalid combination of arguments - got ({kinds[0]}, {kinds[1]}), "
                        "but expected one of:\n (int source, int destination)\n (tuple source, tuple destination)")
    src = [source] if one[0] else list(source)
    dst = [destination] if one[1] else list(destination)
    n = x._data.ndim
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same number of "
            f"dims as destination ({list(dst)} dims)"
        )
    src = [one_dim(d, n, "movedim") for d in src]
    dst = [one_dim(d, n, "movedim") for d in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, *order)


@public
def tile(x, *dims):
    """Repeat x along each dimension (``dims`` shorter than x's dims are padded with 1s in front)."""
    dims = _shape_args(dims)
    dims = (1,) * (x._data.ndim - len(dims)) + dims
    return repeat(x, *dims)


@public
def unflatten(x, dim: int, sizes):
    """Split dimension ``dim`` into ``sizes`` (one may be -1): a view."""
    sizes = tuple(int(s) for s in sizes)
    d = one_dim(dim, x._data.ndim, "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = x._data.shape[d]
    known = int(np.prod([s for s in sizes if s != -1], dtype=np.int64))
    if (-1 not in sizes and known != n) or (-1 in sizes and (known == 0 or n % known)):
        raise RuntimeError(
            f"unflatten: Provided sizes {shape_str(sizes)} don't multiply up to the size of dim {dim} ({n}) in the "
            "input tensor"
        )
    shape = x._data.shape
    return reshape(x, shape[:d] + sizes + shape[d + 1:])


@public
def diff(x, n: int = 1, dim: int = -1, prepend=None, append=None):
    """The n-th forward difference along ``dim`` (x[i + 1] - x[i]), after joining ``prepend`` and ``append``;
    for booleans, whether neighbours differ."""
    if x._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = one_dim(dim, x._data.ndim, "diff")
    parts = []
    for extra in (prepend, append):
        if extra is not None:
            if extra._data.ndim != x._data.ndim:
                raise RuntimeError("diff expects prepend or append to be the same dimension as input")
            for i, (a, b) in enumerate(zip(x._data.shape, extra._data.shape)):
                if i != d and a != b:
                    raise RuntimeError(
                        "diff expects the shape of tensor to prepend or append to match that of input except along "
                        f"the differencing dimension; input.size({i}) = {a}, but got tensor.size({i}) = {b}"
                    )
        parts.append(extra)
    if prepend is not None or append is not None:
        x = cat([t_ for t_ in (parts[0], x, parts[1]) if t_ is not None], d)
    from .division import ne
    from .elementwise import sub

    for _ in range(n):
        length = x._data.shape[d] - 1
        if length < 0:
            break
        later, earlier = narrow(x, d, 1, length), narrow(x, d, 0, length)
        x = ne(later, earlier) if x._data.dtype == np.bool_ else sub(later, earlier)
    return x


@public
def repeat_interleave(x, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times in place (``repeat`` tiles instead)."""
    if repeats is None:  # torch.repeat_interleave(counts): each index repeated counts[i] times
        counts = x._data
        return make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    if dim is None:
        x, dim = flatten(x), 0
    d = one_dim(dim, x._data.ndim, "repeat_interleave")
    if isinstance(repeats, Tensor) and repeats._data.size != 1 or isinstance(repeats, (list, tuple)):
        counts = np.asarray(repeats._data if isinstance(repeats, Tensor) else repeats).reshape(-1)
        if counts.size != x._data.shape[d]:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) = {counts.size} and "
                f"input.size({d}) = {x._data.shape[d]}"
            )
        if (counts < 0).any():
            raise RuntimeError("repeats can not be negative")
        return index_select(x, d, make(np.repeat(np.arange(counts.size, dtype=np.int64), counts)))
    if isinstance(repeats, Tensor):  # one count as a tensor: PyTorch picks with index_select too
        k = int(repeats._data.reshape(()))
        return index_select(x, d, make(np.repeat(np.arange(x._data.shape[d], dtype=np.int64), k)))
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = x._data.shape
    spread = expand(unsqueeze(x, d + 1), *(shape[: d + 1] + (int(repeats),) + shape[d + 1:]))
    return flatten(clone(spread), d, d + 1)


# ============================================================== in-place view changes: t_, transpose_, squeeze_...
T_ = defop("t_", "TBackward1", np.transpose, vjp=T.vjp, jvp=T.jvp, view=True, arrays=True)
TRANSPOSE_ = defop("transpose_", "TransposeBackward1", _transpose_fwd, vjp=TRANSPOSE.vjp, jvp=TRANSPOSE.jvp, view=True)
UNSQUEEZE_ = defop("unsqueeze_", "UnsqueezeBackward1", _unsqueeze_fwd, vjp=UNSQUEEZE.vjp, jvp=UNSQUEEZE.jvp, view=True)
SQUEEZE_ = defop("squeeze_", "SqueezeBackward3", _squeeze_fwd, vjp=SQUEEZE.vjp, jvp=SQUEEZE.jvp, view=True)
SQUEEZE_DIM_ = defop("squeeze_dim_", "SqueezeBackward4", _squeeze_fwd, vjp=SQUEEZE.vjp, jvp=SQUEEZE.jvp, view=True)
SQUEEZE_DIMS_ = defop("squeeze_dims_", "SqueezeBackward5", _squeeze_fwd, vjp=SQUEEZE.vjp, jvp=SQUEEZE.jvp, view=True)


def _view_in_place(x, op, params, name: str):
    """Give x the shape of one of its views, in place: its history gets the view's node (PyTorch's ...Backward1),
    its version goes up, and a view of a base stays one (its positions in the base recomputed)."""
    from ..tensor import bump_version
    from .inplace import _check_leaf, _move_tangent
    from .registry import view_key

    _check_leaf(x, name)
    r = apply(op, (x,), params)
    x._data = r._data
    if r.grad_fn is not None:
        x.grad_fn = r.grad_fn
    bump_version(x)
    if x._view is not None:
        base, vop, vparams, _ = x._view
        key = view_key(base._data.shape, [(vop, vparams), (op, params)])
        x._view = (base, AS_STRIDED, {"key": key, "in_shape": base._data.shape}, x._ver[0])
    _move_tangent(r, x)
    return x


@public(function=False, name="t_")
def t_in_place(x):
    """``x.t_()``: transpose a matrix in place (its shape changes; 0-d and 1-d stay as they are)."""
    if x._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {x._data.ndim}D")
    return _view_in_place(x, T_, {}, "t_")


@public(function=False, name="transpose_", aliases=("swapaxes_", "swapdims_"))
def transpose_in_place(x, dim0: int, dim1: int):
    """``x.transpose_(dim0, dim1)``: swap two dimensions in place."""
    n = x._data.ndim
    params = {"d0": one_dim(dim0, n, "transpose_"), "d1": one_dim(dim1, n, "transpose_")}
    return _view_in_place(x, TRANSPOSE_, params, "transpose_")


@public(function=False, name="unsqueeze_")
def unsqueeze_in_place(x, dim: int):
    """``x.unsqueeze_(dim)``: insert a dimension of size 1 in place."""
    return _view_in_place(x, UNSQUEEZE_, {"dim": one_dim(dim, x._data.ndim + 1, "unsqueeze_")}, "unsqueeze_")


@public(function=False, name="squeeze_")
def squeeze_in_place(x, dim=None):
    """``x.squeeze_()``: drop dimensions of size 1 in place (all, or those in ``dim``)."""
    d = norm_dim(dim, x._data.ndim, "squeeze_")
    op = SQUEEZE_ if d is None else SQUEEZE_DIM_ if isinstance(dim, (int, np.integer)) else SQUEEZE_DIMS_
    return _view_in_place(x, op, {"dim": d, "in_shape": x._data.shape}, "squeeze_")
