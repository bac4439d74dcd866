"""Shape primitives: views (reshape, transpose, permute, squeeze, expand), indexing, cat and stack."""

from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor, make
from ._util import broadcast_error, const, norm_dim, one_dim, shape_str
from .registry import apply, apply_multi, defop, public


def broadcast_dims(gshape: tuple, shape: tuple) -> tuple:
    """The dimensions of a broadcast result that a ``shape``-shaped input was stretched along."""
    lead = len(gshape) - len(shape)
    return tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)


def sum_to_shape(g, shape):
    """Undo broadcasting: sum ``g`` (a tensor, or an array on the fast path) down to ``shape``.
    The one place the engine does this."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    dims = broadcast_dims(tuple(g.shape), shape)
    if isinstance(g, Tensor):
        out = g.sum(dims, keepdim=True) if dims else g
    else:
        out = g.sum(axis=dims, keepdims=True) if dims else g
    return out.reshape(shape) if out.shape != shape else out


# ============================================================== reshape / view
def _reshape_fwd(x, *, shape, in_shape):
    return np.reshape(x, shape)


def _reshape_error(args, params, exc):
    x = args[0]
    return RuntimeError(
        f"shape '{shape_str(params['shape'])}' is invalid for input of size {x._data.size}\n"
        f"reshape: {tuple(x.shape)} has {x._data.size} elements, {tuple(params['shape'])} would need a different "
        "number; keep the product of the sizes equal (use -1 for one size to have it inferred)"
    )


RESHAPE = defop(
    "reshape", "ViewBackward0", _reshape_fwd,
    vjp=(lambda g, out, x, *, shape, in_shape: g.reshape(in_shape),),
    jvp=(lambda dx, out, x, *, shape, in_shape: dx.reshape(out.shape if out is not None else shape),),
    view=True, error=_reshape_error, arrays=True,
)
# A reshape that must copy (a transposed tensor flattened): PyTorch records a copy, not a view of the input.
RESHAPE_COPY = defop(
    "reshape_copy", "UnsafeViewBackward0", _reshape_fwd,
    vjp=(lambda g, out, x, *, shape, in_shape: g.reshape(in_shape),),
    jvp=(lambda dx, out, x, *, shape, in_shape: dx.reshape(out.shape if out is not None else shape),),
    error=_reshape_error, arrays=True,
)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _resolved(x, shape) -> tuple:
    shape = _shape_args(shape)
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        if known == 0 or x._data.size % known:
            raise _reshape_error((x,), {"shape": shape}, None)
        shape = tuple(x._data.size // known if s == -1 else s for s in shape)
    return shape


def _can_view(x, shape) -> bool:
    """Whether the new shape is a view of the memory as it is laid out (numpy refuses to set it otherwise)."""
    if int(np.prod(shape, dtype=np.int64)) != x._data.size:
        return True  # the row raises the size error
    v = x._array().view()
    try:
        v.shape = shape
    except AttributeError:
        return False
    return True


@public
def reshape(x, *shape):
    """The same elements in a new shape (``-1`` infers one size); a view when the memory allows it, else a copy."""
    shape = _resolved(x, shape)
    op = RESHAPE if _can_view(x, shape) else RESHAPE_COPY
    return apply(op, (x,), {"shape": shape, "in_shape": x._data.shape})


@public(function=False)
def view(x, *shape):
    """The same memory in a new shape; refused where the layout can't be viewed so (use ``reshape``)."""
    shape = _resolved(x, shape)
    if not _can_view(x, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
            "two contiguous subspaces). Use .reshape(...) instead."
        )
    return apply(RESHAPE, (x,), {"shape": shape, "in_shape": x._data.shape})


@public(function=False)
def view_as(x, other):
    return reshape(x, other.shape)


@public
def flatten(x, start_dim: int = 0, end_dim: int = -1):
    if x._data.ndim == 0:
        return reshape(x, 1)
    s = one_dim(start_dim, x.ndim, "flatten")
    e = one_dim(end_dim, x.ndim, "flatten")
    shape = x._data.shape
    if s == e:
        return x
    return reshape(x, shape[:s] + (int(np.prod(shape[s : e + 1], dtype=np.int64)),) + shape[e + 1 :])


# ============================================================== transpose / permute / t
def _transpose_fwd(x, *, d0, d1):
    return np.swapaxes(x, d0, d1)


def _permute_fwd(x, *, dims):
    return np.transpose(x, dims)


TRANSPOSE = defop(
    "transpose", "TransposeBackward0", _transpose_fwd,
    vjp=(lambda g, out, x, *, d0, d1: transpose(g, d0, d1),),
    jvp=(lambda dx, out, x, *, d0, d1: transpose(dx, d0, d1),),
    view=True,
)
PERMUTE = defop(
    "permute", "PermuteBackward0", _permute_fwd,
    vjp=(lambda g, out, x, *, dims: permute(g, tuple(np.argsort(dims))),),
    jvp=(lambda dx, out, x, *, dims: permute(dx, dims),),
    view=True,
)
T = defop(
    "t", "TBackward0", np.transpose,
    vjp=(lambda g, out, x: g.T if g.ndim == 2 else g,),
    jvp=(lambda dx, out, x: t(dx),),
    view=True, arrays=True,
)


@public(aliases=("swapaxes", "swapdims"))
def transpose(x, dim0: int, dim1: int):
    """Swap two dimensions (a view)."""
    n = x._data.ndim
    return apply(TRANSPOSE, (x,), {"d0": one_dim(dim0, n, "transpose"), "d1": one_dim(dim1, n, "transpose")})



@public
def permute(x, *dims):
    dims = _shape_args(dims)
    n = x._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(one_dim(d, n, "permute") for d in dims)
    return apply(PERMUTE, (x,), {"dims": dims})


@public
def t(x):
    """Transpose a matrix (``x.t()``); 0-d and 1-d tensors come back as they are."""
    if x._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {x._data.ndim}D (use x.transpose(-2, -1) or x.mT)"
        )
    return apply(T, (x,))


# ============================================================== squeeze / unsqueeze / expand
def _squeeze_fwd(x, *, dim, in_shape):
    if dim is None:
        return np.squeeze(x)
    dims = tuple(d for d in dim if x.shape[d] == 1)
    return np.squeeze(x, dims) if dims else x.view()


def _unsqueeze_fwd(x, *, dim):
    return np.expand_dims(x, dim)


SQUEEZE = defop(
    "squeeze", "SqueezeBackward0", _squeeze_fwd,
    vjp=(lambda g, out, x, *, dim, in_shape: g.reshape(in_shape),),
    jvp=(lambda dx, out, x, *, dim, in_shape: squeeze(dx, dim),),
    view=True,
)
SQUEEZE_DIM = defop(
    "squeeze_dim", "SqueezeBackward1", _squeeze_fwd,
    vjp=(lambda g, out, x, *, dim, in_shape: g.reshape(in_shape),),
    jvp=(lambda dx, out, x, *, dim, in_shape: squeeze(dx, dim),),
    view=True,
)
SQUEEZE_DIMS = defop(  # squeeze((0, 2)): a tuple of dims
    "squeeze_dims", "SqueezeBackward2", _squeeze_fwd,
    vjp=(lambda g, out, x, *, dim, in_shape: g.reshape(in_shape),),
    jvp=(lambda dx, out, x, *, dim, in_shape: squeeze(dx, dim),),
    view=True,
)
SQUEEZE_MATMUL = defop(  # the squeeze torch.matmul records for vector @ matrix
    "squeeze_matmul", "SqueezeBackward4", _squeeze_fwd,
    vjp=(lambda g, out, x, *, dim, in_shape: g.reshape(in_shape),),
    jvp=(lambda dx, out, x, *, dim, in_shape: squeeze(dx, dim),),
    view=True,
)
UNSQUEEZE = defop(
    "unsqueeze", "UnsqueezeBackward0", _unsqueeze_fwd,
    vjp=(lambda g, out, x, *, dim: squeeze(g, dim),),
    jvp=(lambda dx, out, x, *, dim: unsqueeze(dx, dim),),
    view=True,
)


@public
def squeeze(x, dim=None):
    """Drop dimensions of size 1 (all of them, or those in ``dim``)."""
    d = norm_dim(dim, x._data.ndim, "squeeze")
    op = SQUEEZE if d is None else SQUEEZE_DIM if isinstance(dim, (int, np.integer)) else SQUEEZE_DIMS
    return apply(op, (x,), {"dim": d, "in_shape": x._data.shape})


@public
def unsqueeze(x, dim: int):
    """Insert a dimension of size 1 at ``dim``."""
    n = x._data.ndim + 1
    return apply(UNSQUEEZE, (x,), {"dim": one_dim(dim, n, "unsqueeze")})


def _expand_fwd(x, *, shape, in_shape):
    # numpy's broadcast views are read-only even where nothing is repeated; PyTorch writes through those
    return x.view() if x.shape == tuple(shape) else np.broadcast_to(x, shape)


def expand_error(target: tuple, shape: tuple) -> RuntimeError:
    """PyTorch's error for a ``shape`` that does not expand to ``target`` (expand, x[key] = value)."""
    target, shape = tuple(target), tuple(shape)
    if len(shape) > len(target):
        return RuntimeError(
            f"expand(torch.FloatTensor{{{shape_str(shape)}}}, size={shape_str(target)}): the number of sizes provided "
            f"({len(target)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    lead = len(target) - len(shape)
    for i in range(len(target) - 1, lead - 1, -1):
        if shape[i - lead] != 1 and shape[i - lead] != target[i] and target[i] != -1:
            return RuntimeError(
                f"The expanded size of the tensor ({target[i]}) must match the existing size ({shape[i - lead]}) at "
                f"non-singleton dimension {i}.  Target sizes: {shape_str(target)}.  Tensor sizes: {shape_str(shape)}"
                f"\nexpand: only dimensions of size 1 can grow"
            )
    return RuntimeError(f"expand: can't expand {shape_str(shape)} to {shape_str(target)}")


def _expand_error(args, params, exc):
    return expand_error(params["shape"], args[0]._data.shape)


EXPAND = defop(  # saves nothing (as PyTorch's): a second backward through it runs again
    "expand", "ExpandBackward0", _expand_fwd,
    vjp=(lambda g, out, x, *, shape, in_shape: sum_to_shape(g, in_shape),),
    jvp=(lambda dx, out, x, *, shape, in_shape: expand(dx, *shape),),
    view=True, error=_expand_error,
)


@public(function=False)
def expand(x, *sizes):
    """A broadcast view of ``x`` with the given sizes (-1 keeps a size)."""
    sizes = _shape_args(sizes)
    lead = len(sizes) - x._data.ndim
    shape = tuple(x._data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return apply(EXPAND, (x,), {"shape": shape, "in_shape": x._data.shape})


@public(function=False)
def expand_as(x, other):
    return expand(x, *other.shape)


@public
def broadcast_to(x, shape):
    return expand(x, *shape)


# ============================================================== indexing
def indexable(a, key):
    """``a`` itself, or for a 0-d ``a`` and a key of index arrays a 1-element view of it: numpy can't index a 0-d
    array with arrays, and the positions of a view of a 0-d tensor (registry.view_key) are all 0."""
    if key and type(key[0]) is np.ndarray and key[0].dtype.kind in "iu" and np.ndim(a) == 0:
        return np.reshape(a, (1,))
    return a


def _getitem_fwd(x, *, key, in_shape):
    out = indexable(x, key)[key]
    if not isinstance(out, np.ndarray) and isinstance(x, np.ndarray):
        # an integer index gives a numpy scalar (a copy); `...` makes it a 0-d view, as PyTorch's x[0] is
        out = x[key + (Ellipsis,)]
    return out


def _index_backward_fwd(g, *, key, in_shape):
    out = np.zeros(in_shape, dtype=g.dtype)
    np.add.at(indexable(out, key), key, g)  # repeated indices accumulate
    return out


def _basic_backward_fwd(g, *, key, in_shape):
    out = np.zeros(in_shape, dtype=g.dtype)
    indexable(out, key)[key] = g
    return out


def _getitem_vjp(g, out, x, *, key, in_shape):
    return apply(EMBED, (g,), {"key": key, "in_shape": in_shape})


def _index_vjp(g, out, x, *, key, in_shape):
    return apply(EMBED_ADD, (g,), {"key": key, "in_shape": in_shape})


def _getitem_jvp(dx, out, x, *, key, in_shape):
    return apply(INDEX, (dx,), {"key": key, "in_shape": in_shape})


def _copy_at(x, *, key, in_shape):
    """x[key] as a new C-contiguous array (as PyTorch's index results are; numpy may lay them out otherwise)."""
    return np.array(indexable(x, key)[key], order="C")


SELECT = defop("select", "SelectBackward0", _getitem_fwd, vjp=(_getitem_vjp,), jvp=(_getitem_jvp,), view=True)
SLICE = defop("slice", "SliceBackward0", _getitem_fwd, vjp=(_getitem_vjp,), jvp=(_getitem_jvp,), view=True)
INDEX = defop("index", "IndexBackward0", _copy_at, vjp=(_index_vjp,), jvp=(_getitem_jvp,))
# The VJPs of indexing: scatter the gradient into zeros. Differentiable again (their VJP is indexing).
EMBED = defop(
    "embed", "SliceBackwardBackward0", _basic_backward_fwd,
    vjp=(lambda g, out, x, *, key, in_shape: apply(INDEX, (g,), {"key": key, "in_shape": g.shape}),),
    jvp=(lambda dx, out, x, *, key, in_shape: apply(EMBED, (dx,), {"key": key, "in_shape": in_shape}),),
)
EMBED_ADD = defop(
    "embed_add", "IndexBackwardBackward0", _index_backward_fwd,
    vjp=(lambda g, out, x, *, key, in_shape: apply(INDEX, (g,), {"key": key, "in_shape": g.shape}),),
    jvp=(lambda dx, out, x, *, key, in_shape: apply(EMBED_ADD, (dx,), {"key": key, "in_shape": in_shape}),),
)


def _is_advanced(k) -> bool:
    return isinstance(k, (list, np.ndarray)) or (isinstance(k, bool))


def _normalize_key(key):
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            k = k._data if (k._data.ndim or k._data.dtype == np.bool_) else int(k._data)
        elif isinstance(k, list):
            k = np.asarray([int(v) if isinstance(v, Tensor) else v for v in k])
        out.append(k)
    return tuple(out)


def getitem(x, key):
    """``x[key]`` with PyTorch's graph and layout: the integers, slices and Nones first (Select/Slice/Unsqueeze
    views), then the index tensors and lists on what is left (Index). So ``x[0, :, [0, 3]]`` of a (2, 3, 4) tensor
    is (3, 2), as in PyTorch; numpy, which counts the 0 as an index array too, would give (2, 3)."""
    key = _normalize_key(key)
    n_used = sum(k.ndim if _is_mask(k) else 1 for k in key if k is not None and k is not Ellipsis)
    if n_used > x._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x._data.ndim}")
    out, dim, advanced = x, 0, []
    for k in key:
        if _is_advanced(k):
            k = np.asarray(k)
            advanced.append((dim, k))
            dim += k.ndim if _is_mask(k) else 1
            continue
        if k is Ellipsis:
            dim += x._data.ndim - n_used
        elif k is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif isinstance(k, (numbers.Integral, np.integer)):
            size = out._data.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            sel = (slice(None),) * dim + (int(k) % size,)
            out = apply(SELECT, (out,), {"key": sel, "in_shape": out._data.shape})
        elif isinstance(k, slice):
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            if not (k.start is None and k.stop is None and k.step is None):
                sl = (slice(None),) * dim + (k,)
                out = apply(SLICE, (out,), {"key": sl, "in_shape": out._data.shape})
            dim += 1
        else:
            raise IndexError(
                f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(k).__name__})"
            )
    if advanced:
        return _index(out, advanced)
    if out is x:  # x[:] or x[...]: still a new tensor, as in PyTorch
        out = apply(SLICE, (x,), {"key": (slice(None),) if x._data.ndim else (Ellipsis,), "in_shape": x._data.shape})
    return out


def _is_mask(k) -> bool:
    """A boolean index: it uses as many dimensions as it has (a 0-d one uses none and adds one of size 0 or 1)."""
    return isinstance(k, np.ndarray) and k.dtype == np.bool_


def _index(x, advanced: list):
    """The index tensors, each at the dimension it indexes in ``x`` (numpy's rule places the result's dims)."""
    key, dim = [], 0
    for at, k in advanced:
        key += [slice(None)] * (at - dim)
        key.append(k)
        dim = at + (k.ndim if _is_mask(k) else 1)
    key = tuple(key)
    _check_advanced(x, key)
    return apply(INDEX, (x,), {"key": key, "in_shape": x._data.shape})


def _check_advanced(x, key):
    for dim, k in enumerate(key):
        if isinstance(k, np.ndarray) and k.dtype.kind in "iu" and dim < x._data.ndim and k.size:
            size = x._data.shape[dim]
            bad = k[(k >= size) | (k < -size)]
            if bad.size:
                raise IndexError(f"index {int(bad[0])} is out of bounds for dimension {dim} with size {size}")


def _setitem_fwd(x, v, *, key):
    out = np.array(x)
    indexable(out, key)[key] = v
    return out


def _setitem_vjp_x(g, out, x, v, *, key):
    return _unwritten_part(g, key)  # selected: a nan gradient at the overwritten places does not reach x


SETITEM = defop(
    "setitem", "CopySlices", _setitem_fwd,
    vjp=(_setitem_vjp_x,
         lambda g, out, x, v, *, key: apply(INDEX, (g,), {"key": key, "in_shape": g.shape})),
    jvp=(_setitem_vjp_x,
         lambda dv, out, x, v, *, key: apply(EMBED_ADD, (dv,), {"key": key, "in_shape": x.shape})),
    broadcast=True,
)


def _index_put_fwd(x, v, *, key, accumulate):
    out = np.array(x)
    if accumulate:
        np.add.at(indexable(out, key), key, np.broadcast_to(v, np.broadcast_shapes(*[np.shape(k) for k in key])))
    else:
        indexable(out, key)[key] = v
    return out


INDEX_PUT = defop(  # x[index tensors] = v, index_put: PyTorch's IndexPutBackward0
    "index_put", "IndexPutBackward0", _index_put_fwd,
    vjp=(lambda g, out, x, v, *, key, accumulate: g if accumulate else _unwritten_part(g, key),
         lambda g, out, x, v, *, key, accumulate: apply(INDEX, (g,), {"key": key, "in_shape": g.shape})),
    jvp=(lambda dx, out, x, v, *, key, accumulate: dx if accumulate else _unwritten_part(dx, key),
         lambda dv, out, x, v, *, key, accumulate: apply(EMBED_ADD if accumulate else EMBED,
                                                         (dv.expand(*np.broadcast_shapes(*[np.shape(k) for k in key]))
                                                          if accumulate else dv,), {"key": key, "in_shape": x.shape})),
    broadcast=True,
)


def _copy_slices_vjp(g, out, *inputs, key, fn):
    """PyTorch's CopySlices: the base's gradient outside the written positions; at them, the gradient read there
    goes through the in-place op's own backward (``fn``): its part for the old values goes back into the base's
    gradient, the rest to the op's other inputs. (Without ``fn``: the values written get it, as x[key] = v.)"""
    region = apply(INDEX, (g,), {"key": key, "in_shape": tuple(g.shape)})
    rest = _unwritten_part(g, key)
    if fn is None:
        return [rest, region]
    from .. import mode
    from ..backward import _run_vjp

    grads = _run_vjp(fn, region, True, mode.state.grad_enabled)
    if grads[0] is not None:
        rest = rest + apply(EMBED_ADD, (grads[0],), {"key": key, "in_shape": tuple(g.shape)})
    return [rest, *grads[1:]]


COPY_SLICES = defop(  # a view written in place, recorded on its root base (engine/ops/inplace.py)
    "copy_slices", "CopySlices", lambda old, v, *, key, fn: _put_fwd(old, v, key=key, src_key=(), src_shape=None,
                                                                     node=None),
    vjp=_copy_slices_vjp,
    jvp=(lambda dx, out, old, v, *, key, fn: _unwritten_part(dx, key),
         lambda dv, out, old, v, *, key, fn: apply(EMBED, (dv,), {"key": key, "in_shape": tuple(old.shape)})),
)
# These nodes keep the geometry of what was written, which backward frees as PyTorch does: a second backward
# through them without retain_graph=True raises "Trying to backward through the graph a second time".
SETITEM.saves = INDEX_PUT.saves = COPY_SLICES.saves = True


def torch_layout(shape: tuple, key: tuple) -> tuple:
    """A key that numpy applies with PyTorch's layout: as it is when it has no index arrays; else one index array
    per dimension, found by indexing the positions 0..n-1 the way ``getitem`` does (integers and slices first)."""
    if not any(_is_advanced(k) for k in key):
        return key
    positions = make(np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape))
    picked = getitem(positions, key)._data
    if not shape:  # a 0-d tensor: its one element (see indexable)
        return (np.zeros(np.shape(picked), dtype=np.intp),)
    return np.unravel_index(picked, shape)


def _whole(key: tuple) -> bool:
    """x[:], x[...], x[:, :]: the key that selects all of x (PyTorch then copies: CopyBackwards)."""
    return all(k is Ellipsis or (isinstance(k, slice) and k == slice(None)) for k in key)


def _index_put_dtypes(x, value):
    if value._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got {dtype_name(x._data.dtype)} for the "
            f"destination and {dtype_name(value._data.dtype)} for the source."
        )


def setitem(x, key, value):
    """``x[key] = value``, in place, recorded as PyTorch records it: CopySlices for integers and slices,
    IndexPutBackward0 for index tensors and masks, CopyBackwards for the whole tensor; a value that is broadcast
    is expanded first (ExpandBackward0), and PyTorch's shape errors come before anything changes."""
    from .inplace import inplace_apply

    key = _normalize_key(key)
    by_mask = any(_is_mask(k) and k.ndim for k in key)  # with a 0-d value, PyTorch then casts it (no dtype error)
    if _whole(key):
        value = value if isinstance(value, Tensor) else make(np.asarray(value, dtype=x._data.dtype))
        if not expands_to(value._data.shape, x._data.shape):
            raise expand_error(x._data.shape, value._data.shape)
        if value._requires_grad and value._data.shape != x._data.shape:
            value = expand(value, *x._data.shape)
        inplace_apply(x, copy_from, value, "__setitem__", via_view=True)
        return
    advanced = any(_is_advanced(k) for k in key)
    key = torch_layout(x._data.shape, key)
    if isinstance(value, Tensor):
        if advanced and not (by_mask and value._data.ndim == 0):
            _index_put_dtypes(x, value)
    else:
        value = make(np.asarray(value, dtype=x._data.dtype))
    vshape = value._data.shape
    if advanced:
        region = np.broadcast_shapes(*[np.shape(k) for k in key])
        if not expands_to(vshape, region):
            raise RuntimeError(f"shape mismatch: value tensor of shape {shape_str(vshape)} cannot be broadcast to "
                               f"indexing result of shape {shape_str(region)}")
        op = INDEX_PUT
        params = {"key": key, "accumulate": False}
    else:
        region = x._array()[key].shape
        trimmed = vshape[next((i for i, s in enumerate(vshape) if s != 1 or len(vshape) - i <= len(region)),
                              len(vshape)):]  # PyTorch drops a value's leading 1s
        if not expands_to(trimmed, region):
            raise expand_error(region, trimmed)
        if value._requires_grad and vshape != region:
            value = expand(reshape(value, *trimmed) if trimmed != vshape else value, *region)
        op, params = SETITEM, {"key": key}
    inplace_apply(x, lambda old, v: apply(op, (old, v), params), value, "__setitem__", via_view=True)


@public(method=False, name="index_put_")
def index_put_function(x, indices, values, accumulate: bool = False):
    """``torch.index_put_(x, ...)``: as ``x.index_put_(...)``."""
    return x.index_put_(indices, values, accumulate)


@public(inplace=True)
def index_put(x, indices, values, accumulate: bool = False):
    """A copy of x with ``values`` at ``x[indices]`` (a tuple of index tensors); with ``accumulate``, added there."""
    key = torch_layout(x._data.shape, _normalize_key(tuple(indices)))
    if not isinstance(values, Tensor):
        values = make(np.asarray(values, dtype=x._data.dtype))
    _index_put_dtypes(x, values)
    region = np.broadcast_shapes(*[np.shape(k) for k in key])
    if not expands_to(values._data.shape, region):
        raise RuntimeError(f"shape mismatch: value tensor of shape {shape_str(values._data.shape)} cannot be broadcast "
                           f"to indexing result of shape {shape_str(region)}")
    return apply(INDEX_PUT, (x, values), {"key": key, "accumulate": bool(accumulate)})


@public
def narrow(x, dim: int, start: int, length: int):
    """``length`` elements from ``start`` along ``dim`` (a view; a negative start counts from the end)."""
    if x._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = one_dim(dim, x._data.ndim, "narrow")
    n = x._data.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    start %= n if n else 1
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    return apply(SLICE, (x,), {"key": key, "in_shape": x._data.shape})


@public
def select(x, dim: int, index: int):
    """The slice at ``index`` along ``dim`` (a view, one dimension fewer)."""
    if x._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = one_dim(dim, x._data.ndim, "select")
    n, index = x._data.shape[d], int(index)
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {shape_str(x._data.shape)} at dimension {d}"
        )
    return getitem(x, (slice(None),) * d + (index,))


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


# ============================================================== copies and casts
def _clone_fwd(x):
    # PyTorch keeps the strides of a dense tensor but lays out an expanded one (a stride of 0) contiguously
    return np.array(x, order="C" if type(x) is np.ndarray and 0 in x.strides else "K", copy=True)


CLONE = defop("clone", "CloneBackward0", _clone_fwd, vjp=(lambda g, out, x: g,), jvp=(lambda dx, out, x: dx,))


def _to_fwd(x, *, dtype, in_dtype):
    return x.astype(dtype)


TO_COPY = defop(
    "to_dtype", "ToCopyBackward0", _to_fwd,
    vjp=(lambda g, out, x, *, dtype, in_dtype: to_dtype(g, in_dtype),),
    jvp=(lambda dx, out, x, *, dtype, in_dtype: to_dtype(dx, dtype),),
    sets_dtype=True,
)


@public
def clone(x):
    return apply(CLONE, (x,))


def to_dtype(x, dtype, copy: bool = False):
    from .. import dtypes

    dt = dtype if isinstance(dtype, dtypes.dtype) else dtypes.to_dtype(dtype)
    if dt.np == x._data.dtype and not copy:
        return x
    if dt.is_floating_point and x._data.dtype.kind == "f":
        return apply(TO_COPY, (x,), {"dtype": dt.np, "in_dtype": dtypes.from_numpy(x._data.dtype)})
    return make(x._data.astype(dt.np))


def _copy_from_fwd(x, src):
    return np.broadcast_to(src, x.shape).astype(x.dtype, copy=True)


COPY_FROM = defop(
    "copy_", "CopyBackwards", _copy_from_fwd,
    vjp=(lambda g, out, x, src: g * 0,
         lambda g, out, x, src: g),
    jvp=(lambda dx, out, x, src: dx * 0,
         lambda dsrc, out, x, src: dsrc.expand(*out.shape)),
    broadcast=True,
)


def copy_from(x, src):
    """``x.copy_(src)`` out of place: src broadcast to x's shape and cast to its dtype (PyTorch's shape errors)."""
    src = src if isinstance(src, Tensor) else make(np.asarray(src))
    try:
        shape = np.broadcast_shapes(x._data.shape, src._data.shape)
    except ValueError:
        raise broadcast_error("copy_")((x, src), {}, None) from None
    if shape != x._data.shape:
        raise RuntimeError(
            f"output with shape {shape_str(x._data.shape)} doesn't match the broadcast shape {shape_str(shape)}"
        )
    return apply(COPY_FROM, (x, src))


def _zeros_like(g, out, x, *rest, **params):
    """The gradient of what an overwrite threw away: exactly 0 (PyTorch's zeros_like(grad))."""
    return make(np.zeros(g.shape, g._data.dtype))


def _fill_row_of(name: str, node: str):
    return defop(name, node, lambda x, *, value: np.full(np.shape(x), value, dtype=x.dtype),
                 vjp=(_zeros_like,), jvp=(_zeros_like,))


ZERO = _fill_row_of("zero_", "ZeroBackward0")
FILL = _fill_row_of("fill_", "FillBackward2")
NORMAL = _fill_row_of("normal_", "NormalBackward0")
UNIFORM = _fill_row_of("uniform_", "UniformBackward0")
FILL_TENSOR = defop(  # x.fill_(0-d tensor): the value gets the sum of the gradient
    "fill_tensor", "FillBackward3", lambda x, v: np.full(np.shape(x), v, dtype=x.dtype),
    vjp=(_zeros_like, lambda g, out, x, v: g.sum()),
    jvp=(_zeros_like, lambda dv, out, x, v: dv.expand(*x.shape)),
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
def flip(x, dims):
    """Reverse the order along ``dims`` (a copy, as PyTorch)."""
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
def _written(shape, key) -> np.ndarray:
    mask = np.zeros(shape, bool)
    indexable(mask, key)[key] = True
    return mask


def _unwritten_part(g, key):
    from .elementwise import where

    return where(const(~_written(tuple(g.shape), key)), g, 0.0)


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


def expands_to(shape: tuple, target: tuple) -> bool:
    """Whether a tensor of ``shape`` broadcasts to ``target`` (as expand allows)."""
    lead = len(target) - len(shape)
    return lead >= 0 and all(a in (1, b) for a, b in zip(shape, target[lead:]))


def _src_part(src, src_key):
    return src[src_key] if src_key else src


def _put_fwd(x, src, *, key, src_key, src_shape, node):
    out = np.array(x)
    indexable(out, key)[key] = _src_part(src, src_key)
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


def dtype_name(dt) -> str:
    """PyTorch's short dtype name in messages: Float, Double, Long, Int, Bool..."""
    from .. import dtypes

    return dtypes.from_numpy(np.dtype(dt)).legacy.removesuffix("Tensor")


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
    shape = list(np.broadcast_shapes(*[tuple(1 if i == d else s for i, s in enumerate(t._data.shape))
                                       for t in (x, idx)]))
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


ROT90 = defop(
    "rot90", "Rot90Backward0", lambda x, *, k, dims: np.ascontiguousarray(np.rot90(x, k, dims)),
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
    from .elementwise import ne, sub

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
