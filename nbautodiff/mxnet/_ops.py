"""The operations on backend tensors (``ns`` is the backend's namespace) that the ndarray methods and ``np``
functions run through the op funnel, with MXNet's errors and dtype rules."""

from __future__ import annotations

import numbers

import numpy as _onp

from ._types import MXNetError, _ns_dtype


def _tensor_like(ns, v, like):
    """A scalar as a 0-d tensor next to ``like``, for the ops that take tensors only (maximum, where)."""
    if ns.is_tensor(v):
        return v
    floating = like.is_floating_point() or not isinstance(v, float)
    return ns.tensor(v, dtype=like.dtype if floating else ns.float32, device=like.device)


def _op(ns, *xs, op):
    _broadcastable(ns, xs, op.__name__.strip("_"))
    return op(*xs)


def _shape(shape) -> str:
    """A shape as MXNet's messages print it: ``[2,3]``."""
    return "[" + ",".join(map(str, shape)) + "]"


def _broadcastable(ns, xs, name: str) -> None:
    """MXNet's error for shapes that do not broadcast, raised before anything is computed."""
    shapes = [tuple(x.shape) for x in xs if ns.is_tensor(x)]
    if len(shapes) == 2 and shapes[0] != shapes[1]:
        try:
            _onp.broadcast_shapes(*shapes)
        except ValueError:
            raise MXNetError(
                "Check failed: l == 1 || r == 1: operands could not be broadcast together with shapes "
                f"{_shape(shapes[0])} {_shape(shapes[1])}\n(nbautodiff: in {name}, sizes must be equal or 1 in "
                "each axis, counted from the right; reshape or np.expand_dims one side)"
            ) from None


def _inconsistent(provided, inferred, name: str, hint: str) -> MXNetError:
    """MXNet's shape-inference error: an input's shape is not the one the other input implies."""
    return MXNetError(
        f"Shape inconsistent, Provided = {_shape(provided)}, inferred shape={_shape(inferred)}\n"
        f"(nbautodiff: in {name}, {hint})"
    )


def _matrix_product(ns, x, y, name: str) -> None:
    """MXNet's checks for ``np.dot`` / ``np.matmul`` of arrays of rank 1 or more, before anything is computed."""
    a, b = tuple(x.shape), tuple(y.shape)
    if len(a) == 1 and len(b) == 1:
        if a != b:
            raise _inconsistent(a, b, name, "the two vectors must have the same length")
    elif len(b) == 1 or len(a) == 1:
        inner_a, inner_b = a[-1], b[0] if len(b) == 1 else b[-2]
        if inner_a != inner_b:
            raise _inconsistent(a, (-1,) * (len(a) - 1) + (inner_b,), name, f"{a} and {b} must share the summed axis")
    elif a[-1] != b[-2]:
        raise _inconsistent(a, (-1,) * (len(a) - 1) + (b[-2],), name,
                            f"the last axis of {a} must match the second-to-last axis of {b}")


def _call(ns, *xs, name, **kw):
    return getattr(ns, name)(*xs, **kw)


def _pair(ns, x, y, function):
    """The backend's two-tensor ``function`` (``maximum``), with a scalar side made a tensor like the other."""
    _broadcastable(ns, (x, y), function)
    like = x if ns.is_tensor(x) else y
    return getattr(ns, function)(_tensor_like(ns, x, like), _tensor_like(ns, y, like))


def _where(ns, cond, x, y):
    like = x if ns.is_tensor(x) else y if ns.is_tensor(y) else cond.to(ns.float32)
    return ns.where(cond.to(ns.bool), _tensor_like(ns, x, like), _tensor_like(ns, y, like))


def _dot(ns, x, y):
    if not (ns.is_tensor(x) and ns.is_tensor(y)) or x.dim() == 0 or y.dim() == 0:
        return x * y
    _matrix_product(ns, x, y, "dot")
    if y.dim() > 2:
        raise NotImplementedError(
            f"np.dot of shapes {tuple(x.shape)} and {tuple(y.shape)}: a second argument with more than 2 axes is not "
            "supported; use np.matmul (it broadcasts over the leading axes)"
        )
    return ns.matmul(x, y)


def _sum(ns, t, axis, keepdims, dtype):
    if dtype is not None:
        t = t.to(_ns_dtype(ns, dtype))
    if axis is None:
        out = t.sum()
        return out.reshape((1,) * t.dim()) if keepdims else out
    return t.sum(dim=axis, keepdim=keepdims)


def _mean(ns, t, axis, keepdims, dtype):
    if dtype is not None:
        t = t.to(_ns_dtype(ns, dtype))
    elif not t.is_floating_point():
        t = t.to(ns.float32)  # MXNet averages integers in float32
    if axis is None:
        out = t.mean()
        return out.reshape((1,) * t.dim()) if keepdims else out
    return t.mean(dim=axis, keepdim=keepdims)


def _extreme(ns, t, axis, keepdims, name):
    if axis is None:
        out = getattr(t, name)()
        return out.reshape((1,) * t.dim()) if keepdims else out
    reduce = ns.amax if name == "max" else ns.amin
    for a in sorted(axis, reverse=True):  # one axis at a time, from the last, so the others keep their place
        t = reduce(t, dim=a, keepdim=keepdims)
    return t


def _prod(ns, t, axis, keepdims):
    if axis is None:
        out = t.prod()
        return out.reshape((1,) * t.dim()) if keepdims else out
    for a in sorted(axis, reverse=True):
        t = t.prod(dim=a, keepdim=keepdims)
    return t


def _moment(ns, t, axis, ddof, keepdims, name):
    if not t.is_floating_point():
        t = t.to(ns.float32)
    return getattr(t, name)(dim=axis, correction=ddof, keepdim=keepdims)


def _arg(ns, t, axis, name):
    return getattr(ns, name)(t) if axis is None else getattr(ns, name)(t, dim=axis)


def _cumsum(ns, t, axis):
    return ns.cumsum(t.reshape(-1), 0) if axis is None else ns.cumsum(t, axis)


def _norm(ns, t, ord, axis, keepdims):
    if not t.is_floating_point():
        t = t.to(ns.float32)
    if ord in (None, "fro") and (axis is None or len(axis) <= 2):
        return ns.norm(t, p="fro", dim=axis, keepdim=keepdims)
    if isinstance(ord, numbers.Number) and (t.dim() == 1 or (axis is not None and len(axis) == 1)):
        return ns.norm(t, p=ord, dim=axis, keepdim=keepdims)
    raise NotImplementedError(
        f"np.linalg.norm(ord={ord!r}, axis={axis!r}) on shape {tuple(t.shape)}: only the 2-norm (Frobenius) and "
        "vector p-norms along one axis are supported"
    )


def _reshape(ns, t, shape):
    size, known = t.numel(), int(_onp.prod([s for s in shape if s != -1]))
    if -1 in shape and (known == 0 or size % known) or -1 not in shape and size != known:
        raise MXNetError(
            f"Check failed: src.Size() == dst->Size() ({size} vs. {known}) : Cannot reshape array of size {size} "
            f"into shape {_shape(shape)}"
        )
    return t.reshape(shape)


def _matmul(ns, x, y):
    for side, t in zip("ab", (x, y)):
        if not ns.is_tensor(t) or t.dim() == 0:
            raise MXNetError(
                f"Check failed: {side}_ndim != 0 (0 vs. 0) : Multiplication by scalars is not allowed.\n"
                "(nbautodiff: use np.multiply or * for a scalar)"
            )
    _matrix_product(ns, x, y, "matmul")
    return x @ y


def _permute(ns, t, axes):
    return t.permute(*axes)


def _squeeze(ns, t, axis):
    if axis is None:
        return t.squeeze()
    for a in sorted(axis, reverse=True):
        if t.shape[a] != 1:
            raise ValueError(f"cannot select an axis to squeeze out which has size not equal to one (axis {a})")
        t = t.squeeze(a)
    return t


def _unsqueeze(ns, t, axis):
    return t.unsqueeze(axis)


def _broadcast_to(ns, t, shape):
    return t.broadcast_to(shape)


def _astype(ns, t, dtype, copy):
    out = t.to(dtype)
    return out.clone() if copy and out is t else out


def _clone(ns, t):
    return t.clone()


def _clip(ns, t, lo, hi):
    return ns.clamp(t, min=lo, max=hi)


def _getitem(ns, t, key):
    return t[key]


def _concat(ns, *ts, axis, stack):
    return (ns.stack if stack else ns.cat)(list(ts), dim=axis)
