"""Shape primitives: views (reshape, transpose, permute, squeeze, expand), indexing and setitem, copies and casts
(joining.py: cat, stack, split; positions.py: gather, scatter and the index_* family; layout.py: the other views
and rearrangements)."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ..tensor import Tensor, make
from ._util import broadcast_error, const, norm_dim, one_dim, shape_str
from .registry import apply, defop, public


def broadcast_dims(gshape: tuple, shape: tuple) -> tuple:
    """The dimensions of a broadcast result that a ``shape``-shaped input was stretched along."""
    lead = len(gshape) - len(shape)
    return tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)


def sum_to_shape(g, shape):
    """Undo broadcasting: sum ``g`` (a tensor, or an array on the fast path) down to ``shape``.
    The one place the engine does this."""
    shape = tuple(shape)
    gshape = tuple(g.shape)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead > 0 and gshape[lead:] == shape and not isinstance(g, Tensor):  # an array stretched along leading
        return np.add.reduce(g, axis=tuple(range(lead)))  # dimensions only (a bias); ndarray.sum without its wrapper
    dims = broadcast_dims(gshape, shape)
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
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for d, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {d} of shape {shape_str(shape)}")
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


@public(method=False)
def ravel(input):
    """``torch.ravel``: ``input.contiguous().view(-1)`` (a copy when the memory is strided)."""
    return input.contiguous().view(-1)


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
    return x if x.ndim == 0 else np.swapaxes(x, d0, d1)  # (a 0-d tensor takes dims -1 and 0, as PyTorch)


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
    "t", "TBackward0", lambda x: x.transpose(),  # (the method: np.transpose adds two Python-level calls)
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
    if x.shape == tuple(shape):
        return x.view()
    new = len(shape) - x.ndim
    if 0 not in shape and all(s == 1 for s in shape[:new]) and x.shape == tuple(shape[new:]):
        return x.reshape(shape)  # only new leading 1s: nothing repeats, so it is written to as PyTorch's (no overlap)
    return np.broadcast_to(x, shape)


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
ALIAS = defop(  # x[...], x[:, :], x[()]: a new view of all of x (PyTorch's at::alias)
    "alias", "AliasBackward0", lambda x: x[...], vjp=(lambda g, out, x: g,), jvp=(lambda dx, out, x: dx,), view=True)
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
            if k._data.dtype == np.uint8:  # a byte mask, as PyTorch still reads it
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                              "instead.", UserWarning, stacklevel=4)
                k = make(k._data.astype(np.bool_))
            k = k._data if (k._data.ndim or k._data.dtype == np.bool_) else int(k._data)
        elif isinstance(k, (list, range, tuple)):  # a sequence (a range, a tuple inside the key) is an index list,
            # as in PyTorch; an empty one indexes nothing: integers, as PyTorch's empty long tensor
            k = np.asarray([int(v) if isinstance(v, Tensor) else v for v in k]) if len(k) else np.zeros(0, np.int64)
        out.append(k)
    return tuple(out)


def getitem(x, key):
    """``x[key]`` with PyTorch's graph and layout: the integers, slices and Nones first (Select/Slice/Unsqueeze
    views), then the index tensors and lists on what is left (Index). So ``x[0, :, [0, 3]]`` of a (2, 3, 4) tensor
    is (3, 2), as in PyTorch; numpy, which counts the 0 as an index array too, would give (2, 3)."""
    one_slice = type(key) is slice  # x[a:b] is always sliced; in a tuple, a slice over a whole dimension is skipped
    key = _normalize_key(key)
    n_used = sum(k.ndim if _is_mask(k) else 1 for k in key if k is not None and k is not Ellipsis)
    if n_used > x._data.ndim:
        if not x._data.ndim and any(isinstance(k, (numbers.Integral, np.integer)) for k in key):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                             "C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {x._data.ndim}")
    if not one_slice and _covers_all(x._data.shape, key):
        return apply(ALIAS, (x,))
    out, dim, advanced = x, 0, []
    src = 0  # the dimension of x that the key has reached (PyTorch's errors name it)
    for k in key:
        if _is_advanced(k):
            k = np.asarray(k)
            advanced.append((dim, k))
            dim += k.ndim if _is_mask(k) else 1
            src += k.ndim if _is_mask(k) else 1
            continue
        if k is Ellipsis:
            dim += x._data.ndim - n_used
            src += x._data.ndim - n_used
        elif k is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif isinstance(k, (numbers.Integral, np.integer)):
            size = out._data.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {src} with size {size}")
            src += 1
            sel = (slice(None),) * dim + (int(k) % size,)
            out = apply(SELECT, (out,), {"key": sel, "in_shape": out._data.shape})
        elif isinstance(k, slice):
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            if not (k.start is None and k.stop is None and k.step is None) and (
                    one_slice or not _whole_dim(k, out._data.shape[dim])):
                sl = (slice(None),) * dim + (k,)
                out = apply(SLICE, (out,), {"key": sl, "in_shape": out._data.shape})
            dim += 1
            src += 1
        else:
            raise IndexError(
                f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(k).__name__})"
            )
    if advanced:
        return _index(out, advanced)
    if out is x:  # x[:]: still a new tensor, as in PyTorch
        out = apply(SLICE, (x,), {"key": (slice(None),), "in_shape": x._data.shape})
    return out


def _covers_all(shape: tuple, key: tuple) -> bool:
    """Whether ``key`` (normalized) is only slices over whole dimensions and ``...`` (x[...], x[:, 0:n], x[()]):
    PyTorch's indexing then skips every step and the result is x itself (an alias, or the target of a write)."""
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - sum(1 for j in key if j is not Ellipsis)
        elif type(k) is slice and dim < len(shape) and _whole_dim(k, shape[dim]):
            dim += 1
        else:
            return False
    return True


def _whole_dim(k: slice, size: int) -> bool:
    """PyTorch's test of a slice that leaves its dimension as it is: from 0 (not -size), by 1, to size or beyond."""
    return (k.start is None or k.start == 0) and (k.step is None or k.step == 1) and (k.stop is None or k.stop >= size)


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


def _index_put_fwd(x, v, *, key, accumulate, vshape):
    out = np.array(x)
    if accumulate:
        np.add.at(indexable(out, key), key, np.broadcast_to(v, np.broadcast_shapes(*[np.shape(k) for k in key])))
    else:
        indexable(out, key)[key] = v
    return out


def _index_put_vjp_v(g, out, x, v, *, key, accumulate, vshape):
    """The gradient read at the indexed places, summed down to the value's shape where it was broadcast (the
    region has the index's shape, not the output's: the node's own reduction can't see it)."""
    return sum_to_shape(apply(INDEX, (g,), {"key": key, "in_shape": g.shape}), vshape)


def _index_put_jvp_v(dv, out, x, v, *, key, accumulate, vshape):
    if accumulate:
        dv = dv.expand(*np.broadcast_shapes(*[np.shape(k) for k in key]))
    return apply(EMBED_ADD if accumulate else EMBED, (dv,), {"key": key, "in_shape": x.shape})


INDEX_PUT = defop(  # x[index tensors] = v, index_put: PyTorch's IndexPutBackward0
    "index_put", "IndexPutBackward0", _index_put_fwd,
    vjp=(lambda g, out, x, v, *, key, accumulate, vshape: g if accumulate else _unwritten_part(g, key),
         _index_put_vjp_v),
    jvp=(lambda dx, out, x, v, *, key, accumulate, vshape: dx if accumulate else _unwritten_part(dx, key),
         _index_put_jvp_v),
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
    from .inplace import _NOTHING, inplace_apply

    if type(value) is float and x._data.dtype == np.float32 and math.isfinite(value) and \
            abs(value) > np.finfo(x._data.dtype).max:
        from ._util import cpp_type

        raise RuntimeError(f"value cannot be converted to type {cpp_type(x)} without overflow")
    if not isinstance(value, Tensor) and any(isinstance(k, Tensor) and k._data.dtype == np.uint8
                                             for k in (key if isinstance(key, tuple) else (key,))):
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
    key = _normalize_key(key)
    by_mask = any(_is_mask(k) and k.ndim for k in key)  # with a 0-d value, PyTorch then casts it (no dtype error)
    if _covers_all(x._data.shape, key):  # PyTorch's copy_to(x, value): a copy of the same shape, else a fill by a
        # 0-d value (FillBackward3), else a copy of the value expanded (CopyBackwards)
        value = value if isinstance(value, Tensor) else make(np.asarray(value, dtype=x._data.dtype))
        if not expands_to(value._data.shape, x._data.shape):
            raise expand_error(x._data.shape, value._data.shape)
        if value._data.shape != x._data.shape and not value._data.ndim:
            # (fill_ reads its 0-d value before it writes: no overlap to refuse, so x[:] = x[3] is fine)
            inplace_apply(x, lambda old, v: apply(FILL_TENSOR, (old, v)), value, "__setitem__", via_view=True,
                          written=_NOTHING)
            return
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
        params = {"key": key, "accumulate": False, "vshape": vshape}
    else:
        region = x._array()[key].shape
        trimmed = vshape[next((i for i, s in enumerate(vshape) if s != 1 or len(vshape) - i <= len(region)),
                              len(vshape)):]  # PyTorch drops a value's leading 1s
        if not expands_to(trimmed, region):
            raise expand_error(region, trimmed)
        if value._requires_grad and vshape != region:
            value = expand(reshape(value, *trimmed) if trimmed != vshape else value, *region)
        op, params = SETITEM, {"key": key}
    # index_put_ checks the whole tensor against the value, a copy into a slice only the slice (PyTorch's copy_)
    inplace_apply(x, lambda old, v: apply(op, (old, v), params), value, "__setitem__", via_view=True,
                  written=None if advanced else x._array()[key])


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
    return apply(INDEX_PUT, (x, values), {"key": key, "accumulate": bool(accumulate), "vshape": values._data.shape})


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
def clone(x, *, memory_format=None):
    """A copy recorded as CloneBackward0, laid out as x (``memory_format=torch.contiguous_format`` or
    ``torch.channels_last`` to choose)."""
    from .. import dtypes

    out = apply(CLONE, (x,))
    if memory_format not in (None, dtypes.preserve_format) and isinstance(out._data, np.ndarray):
        out._data = dtypes.laid_out(out._data, memory_format)  # (a fresh copy: relaying it out changes no one else's)
    return out


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
    broadcast=True,  # (the value's gradient in its own dtype: a float64 value of a float32 tensor gets float64)
)


# helpers of the writes at positions (positions.py) that setitem uses too
def _unwritten_part(g, key):
    from .elementwise import where

    return where(const(~_written(tuple(g.shape), key)), g, 0.0)


def expands_to(shape: tuple, target: tuple) -> bool:
    """Whether a tensor of ``shape`` broadcasts to ``target`` (as expand allows)."""
    lead = len(target) - len(shape)
    return lead >= 0 and all(a in (1, b) for a, b in zip(shape, target[lead:]))


def _put_fwd(x, src, *, key, src_key, src_shape, node):
    out = np.array(x)
    indexable(out, key)[key] = _src_part(src, src_key)
    return out


def dtype_name(dt) -> str:
    """PyTorch's short dtype name in messages: Float, Double, Long, Int, Bool..."""
    from .. import dtypes

    return dtypes.from_numpy(np.dtype(dt)).legacy.removesuffix("Tensor")


def _written(shape, key) -> np.ndarray:
    mask = np.zeros(shape, bool)
    indexable(mask, key)[key] = True
    return mask


def _src_part(src, src_key):
    return src[src_key] if src_key else src
