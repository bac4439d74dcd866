"""Shape primitives: views (reshape, transpose, permute, squeeze, expand), indexing, cat and stack."""

from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor, make
from ._util import const, norm_dim, one_dim, shape_str
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


def _expand_fwd(x, *, shape):
    # numpy's broadcast views are read-only even where nothing is repeated; PyTorch writes through those
    return x.view() if x.shape == tuple(shape) else np.broadcast_to(x, shape)


def _expand_error(args, params, exc):
    x = args[0]
    return RuntimeError(
        f"The expanded size of the tensor must match the existing size (a non-singleton dimension) "
        f"\nexpand: can't expand {tuple(x.shape)} to {tuple(params['shape'])}; only dimensions of size 1 can grow"
    )


EXPAND = defop(
    "expand", "ExpandBackward0", _expand_fwd,
    vjp=(lambda g, out, x, *, shape: sum_to_shape(g, x.shape),),
    jvp=(lambda dx, out, x, *, shape: expand(dx, *shape),),
    save=(0,), view=True, error=_expand_error,
)


@public(function=False)
def expand(x, *sizes):
    """A broadcast view of ``x`` with the given sizes (-1 keeps a size)."""
    sizes = _shape_args(sizes)
    lead = len(sizes) - x._data.ndim
    shape = tuple(x._data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return apply(EXPAND, (x,), {"shape": shape})


@public(function=False)
def expand_as(x, other):
    return expand(x, *other.shape)


@public
def broadcast_to(x, shape):
    return expand(x, *shape)


# ============================================================== indexing
def _getitem_fwd(x, *, key, in_shape):
    out = x[key]
    if not isinstance(out, np.ndarray) and isinstance(x, np.ndarray):
        # an integer index gives a numpy scalar (a copy); `...` makes it a 0-d view, as PyTorch's x[0] is
        out = x[key + (Ellipsis,)]
    return out


def _index_backward_fwd(g, *, key, in_shape):
    out = np.zeros(in_shape, dtype=g.dtype)
    np.add.at(out, key, g)  # repeated indices accumulate
    return out


def _basic_backward_fwd(g, *, key, in_shape):
    out = np.zeros(in_shape, dtype=g.dtype)
    out[key] = g
    return out


def _getitem_vjp(g, out, x, *, key, in_shape):
    return apply(EMBED, (g,), {"key": key, "in_shape": in_shape})


def _index_vjp(g, out, x, *, key, in_shape):
    return apply(EMBED_ADD, (g,), {"key": key, "in_shape": in_shape})


def _getitem_jvp(dx, out, x, *, key, in_shape):
    return apply(INDEX, (dx,), {"key": key, "in_shape": in_shape})


SELECT = defop("select", "SelectBackward0", _getitem_fwd, vjp=(_getitem_vjp,), jvp=(_getitem_jvp,), view=True)
SLICE = defop("slice", "SliceBackward0", _getitem_fwd, vjp=(_getitem_vjp,), jvp=(_getitem_jvp,), view=True)
INDEX = defop("index", "IndexBackward0", _getitem_fwd, vjp=(_index_vjp,), jvp=(_getitem_jvp,))
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
        out = apply(SLICE, (x,), {"key": (slice(None),), "in_shape": x._data.shape})
    return out


def _is_mask(k) -> bool:
    return isinstance(k, np.ndarray) and k.dtype == np.bool_ and k.ndim > 0


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
    out = x.copy()
    out[key] = v
    return out


def _setitem_vjp_x(g, out, x, v, *, key):
    mask = np.ones(g.shape, dtype=bool)
    mask[key] = False
    return g * const(mask)


SETITEM = defop(
    "index_put", "CopySlices", _setitem_fwd,
    vjp=(_setitem_vjp_x,
         lambda g, out, x, v, *, key: apply(INDEX, (g,), {"key": key, "in_shape": g.shape})),
    jvp=(_setitem_vjp_x,
         lambda dv, out, x, v, *, key: apply(EMBED_ADD, (dv,), {"key": key, "in_shape": x.shape})),
    broadcast=True,
)


def torch_layout(shape: tuple, key: tuple) -> tuple:
    """A key that numpy applies with PyTorch's layout: as it is when it has no index arrays; else one index array
    per dimension, found by indexing the positions 0..n-1 the way ``getitem`` does (integers and slices first)."""
    if not any(_is_advanced(k) for k in key):
        return key
    positions = make(np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape))
    return np.unravel_index(getitem(positions, key)._data, shape)


def setitem(x, key, value):
    """``x[key] = value``: in place; recorded as PyTorch's CopySlices when gradients flow."""
    from .inplace import inplace_apply

    key = torch_layout(x._data.shape, _normalize_key(key))
    value = value if isinstance(value, Tensor) else make(np.asarray(value, dtype=x._data.dtype))
    inplace_apply(x, lambda old, v: apply(SETITEM, (old, v), {"key": key}), value, "__setitem__", via_view=True)


@public
def narrow(x, dim: int, start: int, length: int):
    d = one_dim(dim, x._data.ndim, "narrow")
    key = (slice(None),) * d + (slice(start, start + length),)
    return apply(SLICE, (x,), {"key": key, "in_shape": x._data.shape})


@public
def select(x, dim: int, index: int):
    d = one_dim(dim, x._data.ndim, "select")
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


CAT = defop("cat", "CatBackward0", _cat_fwd_sizes, vjp=_cat_vjp, jvp=_cat_jvp, error=_cat_error)
STACK = defop("stack", "StackBackward0", _stack_fwd, vjp=_stack_vjp, jvp=_stack_jvp, error=_stack_error)


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
    d = one_dim(dim, x._data.ndim, "split")
    n = x._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
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
    n = x._data.shape[one_dim(dim, x._data.ndim, "chunk")]
    return split(x, max(1, -(-n // chunks)), dim)


@public
def unbind(x, dim: int = 0):
    """The slices of ``x`` along ``dim``, as one UnbindBackward0 node with an output per slice."""
    d = one_dim(dim, x._data.ndim, "unbind")
    keys = tuple((slice(None),) * d + (i,) for i in range(x._data.shape[d]))
    return apply_multi(UNBIND, x, {"keys": keys, "in_shape": x._data.shape})


# ============================================================== copies and casts
CLONE = defop("clone", "CloneBackward0", np.copy, vjp=(lambda g, out, x: g,), jvp=(lambda dx, out, x: dx,))


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
    src = src if isinstance(src, Tensor) else make(np.asarray(src))
    return apply(COPY_FROM, (x, src))


# ============================================================== gather / index_select / flip / roll / repeat
# gather and index_select are advanced indexing with a key built from the index (the INDEX rules, PyTorch's names).
GATHER = defop("gather", "GatherBackward0", _getitem_fwd, vjp=(_index_vjp,), jvp=(_getitem_jvp,))
INDEX_SELECT = defop("index_select", "IndexSelectBackward0", _getitem_fwd, vjp=(_index_vjp,), jvp=(_getitem_jvp,))


def _int_index(index, op: str) -> np.ndarray:
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {a.dtype} (use index.long())")
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
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise RuntimeError(f"gather(): index {int(idx.max())} is out of bounds for dimension {d} with size {size}")
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
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor "
            f"(repeat{tuple(sizes)} on {shape_str(x._data.shape)})"
        )
    return apply(REPEAT, (x,), {"sizes": tuple(int(s) for s in sizes), "in_shape": x._data.shape})
