"""In-place updates (``add_``, ``x -= y``, ``x[i] = v``, ``zero_``): checks, version counters, views.

Every check runs before the tensor is touched, so a refused update leaves it as it was. An in-place
change of a view (``y[0].mul_(3)``) changes its base too; when gradients flow, the base's history is
rewritten as PyTorch does: ``base.grad_fn`` becomes ``CopySlices`` of the old base and the new values.
"""

from __future__ import annotations

import numpy as np

from .. import mode
from ..tensor import SavedAt, Tensor, bump_version, make, version_counter
from ._util import shape_str

LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_INPLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
FIX = "wrap the update in `with torch.no_grad():` (as optimisers do) or work on a copy, y = x.clone()"


def _root(x: Tensor) -> Tensor:
    while x._view is not None:
        x = x._view[0]
    return x


def _check_leaf(x: Tensor, name: str, via_view: bool = False) -> None:
    if not mode.state.grad_enabled:
        return
    if x.grad_fn is None and x._requires_grad:
        raise RuntimeError(f"{VIEW_OF_LEAF_INPLACE if via_view else LEAF_INPLACE}\n{name}: {FIX}")
    if x._view is not None:
        root = _root(x)
        if root.grad_fn is None and root._requires_grad:
            raise RuntimeError(f"{VIEW_OF_LEAF_INPLACE}\n{name}: {FIX}")


def _check_result(x: Tensor, r: np.ndarray, name: str) -> None:
    if r.shape != x._data.shape:
        raise RuntimeError(
            f"output with shape {shape_str(x._data.shape)} doesn't match the broadcast shape {shape_str(r.shape)}\n"
            f"{name}: an in-place result must keep the tensor's shape {tuple(x._data.shape)}"
        )
    if not np.can_cast(r.dtype, x._data.dtype, "same_kind"):
        names = {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}
        raise RuntimeError(
            f"result type {names.get(r.dtype.kind, r.dtype.name)} can't be cast to the desired output type "
            f"{x.dtype.legacy.removesuffix('Tensor')}\n{name}: convert first, e.g. x = x.float()"
        )
    if isinstance(x._data, np.ndarray) and not x._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )


def inplace_apply(x: Tensor, fn, other, name: str, via_view: bool = False) -> Tensor:
    """Compute ``fn(x, other)`` and write it into x's memory; record it when gradients flow."""
    if type(x._ver) is mode.InferenceVersion and not mode.state.inference:
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
                           "clone to get a normal tensor before doing inplace update.See "
                           "https://github.com/pytorch/rfcs/pull/17 for more details.")
    _check_leaf(x, name, via_view)
    version_counter(x)  # made now, while x.grad_fn is still the node that may have saved x's memory
    tracking = mode.state.grad_enabled and (
        x._requires_grad or (isinstance(other, Tensor) and other._requires_grad)
    )
    if not tracking:
        with mode.no_grad():
            r = fn(x, other)
        _check_result(x, r._data, name)
        np.copyto(x._array(), r._data, casting="unsafe")
        bump_version(x)
        _move_tangent(r, x)
        return x
    producer = x.grad_fn
    if producer is not None and producer.multi and producer.op is not None and not producer.op.custom:
        raise RuntimeError(
            f"Output {x._output_nr} of {type(producer).__name__.removesuffix('Backward0')} is a view and is being "
            "modified inplace. This view is the output of a function that returns multiple views. Such functions "
            "do not allow the output views to be modified inplace. You should replace the inplace operation by "
            "an out-of-place one."
        )
    # The old value gets a tensor of its own: the node may read it after x has been overwritten.
    old = make(x._data.copy(), x.grad_fn)
    old._requires_grad = x._requires_grad
    if producer is not None and producer.multi:
        old._output_nr = x._output_nr  # the edge must name the same output of the node
    _move_tangent(x, old)
    r = fn(old, other)
    _check_result(x, r._data, name)
    np.copyto(x._array(), r._data, casting="unsafe")
    x.grad_fn = node = r.grad_fn
    x._requires_grad = True
    bump_version(x)
    if node is not None and node.out_data is not None and node.out_ver is None:
        # the op saved its output (exp_, relu_, sigmoid_...): that output is x now, so a later write to x
        # must fail at backward, as in PyTorch
        node.out_ver = SavedAt(x._ver, x._ver[0])
    _move_tangent(r, x)
    if x._view is not None:
        _rebase_bases(x)
    return x


def _rebase_bases(x: Tensor) -> None:
    """x, a view, was changed in place: record on each base that its region now holds x's values."""
    from .registry import OPS, apply

    while x._view is not None:
        base, op, params, _ = x._view
        x._view = (base, op, params, x._ver[0])  # x's history (the in-place op) is current: don't refresh it
        old = make(base._data, base.grad_fn)
        old._requires_grad = base._requires_grad
        if op.name in ("select", "slice"):
            new = apply(OPS["index_put"], (old, x), {"key": params["key"]})
        else:
            new = apply(OPS["index_put"], (old, _undo_view(x, op, params, base)), {"key": (Ellipsis,)})
        base.grad_fn = new.grad_fn
        base._requires_grad = True
        if base._view is not None:  # base's history is current now; the next round links it to its base
            base._view = (*base._view[:3], base._ver[0])
        # x is now a view of the new base: its gradient flows through the base's CopySlices
        x.grad_fn = apply(op, (base,), params).grad_fn
        x._view = (base, op, params, x._ver[0])
        x = base


def _undo_view(x: Tensor, op, params, base: Tensor) -> Tensor:
    """x's values laid out as its base (the inverse of the view op)."""
    from .shape import permute, t, transpose

    if op.name == "transpose":
        return transpose(x, params["d0"], params["d1"])
    if op.name == "permute":
        return permute(x, tuple(np.argsort(params["dims"])))
    if op.name == "t":
        return t(x)
    return x.reshape(base._data.shape)


def _move_tangent(src: Tensor, dst: Tensor) -> None:
    """Forward mode: an in-place result's tangent now belongs to the tensor that was overwritten."""
    table = mode.state.forward_tangents
    if table is not None and id(src) in table:
        table[id(dst)] = (dst, table[id(src)][1])


def inplace(x: Tensor, fn, other, name: str) -> Tensor:
    return inplace_apply(x, fn, other, name)


def fill_inplace(x: Tensor, value) -> Tensor:
    """``zero_`` / ``fill_`` / ``normal_``: overwrite every element."""
    from .shape import copy_from

    v = value._data if isinstance(value, Tensor) else np.asarray(value)
    return inplace_apply(x, copy_from, make(np.asarray(v, dtype=x._data.dtype)), "fill_")
