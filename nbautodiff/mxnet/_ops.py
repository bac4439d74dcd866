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


def _broadcastable(ns, xs, name: str) -> None:
    """MXNet's error for shapes that do not broadcast, raised before anything is computed."""
    shapes = [tuple(x.shape) for x in xs if ns.is_tensor(x)]
    if len(shapes) == 2 and shapes[0] != shapes[1]:
        try:
            _onp.broadcast_shapes(*shapes)
        except ValueError:
            text = " ".join("(" + ",".join(map(str, sh)) + ("," if len(sh) == 1 else "") + ")" for sh in shapes)
            raise MXNetError(
                f"Check failed in operator {name}: operands could not be broadcast together with shapes {text} "
                "(sizes must be equal or 1 in each axis, counted from the right; reshape or np.expand_dims one side)"
            ) from None


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
    return t.reshape(shape)


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
