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
from .registry import dense, public

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


_NOTHING = np.empty(0)  # inplace_apply(written=_NOTHING): what is written can overlap nothing (a fill by a 0-d value)
PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
                   "single memory location. Please clone() the tensor before performing the operation.")


def _partially_overlap(a, b) -> bool:
    """PyTorch's get_overlap_status(a, b) == Partial: dense arrays whose memory intersects without being the same
    elements in the same layout (strided ones are "too hard" to tell, and allowed)."""
    if a is b or type(a) is not np.ndarray or type(b) is not np.ndarray or not a.size or not b.size:
        return False
    # numpy points every view at the array that owns the memory: arrays of different owners can't overlap (the
    # common case, decided without the cost of the checks below on every optimiser step)
    if (a if a.base is None else a.base) is not (b if b.base is None else b.base):
        return False
    if not (dense(a) and dense(b)):
        return False
    a0, b0 = a.__array_interface__["data"][0], b.__array_interface__["data"][0]
    a1, b1 = a0 + a.nbytes, b0 + b.nbytes
    if a0 == b0 and a1 == b1:
        return a.strides != b.strides
    return a0 < b1 and b0 < a1


def check_no_partial_overlap(target, operands) -> None:
    """The written-to tensor (or the array of the part written) and an input that share some of its memory
    (``x[1:].add_(x[:-1])``): PyTorch refuses (elementwise kernels would read values already overwritten), before
    anything is written."""
    written = target._data if isinstance(target, Tensor) else target
    for t in operands if isinstance(operands, (tuple, list)) else (operands,):
        if isinstance(t, Tensor) and _partially_overlap(written, t._data):
            raise RuntimeError(f"{PARTIAL_OVERLAP}\nuse a copy of the input, e.g. y[1:] += y[:-1].clone()")


def _requires_grad(other) -> bool:
    """Whether the other operand of an in-place op (a tensor, or the arguments of ``x.<op>_(...)``) needs a gradient."""
    if isinstance(other, Tensor):
        return other._requires_grad
    return isinstance(other, tuple) and any(isinstance(a, Tensor) and a._requires_grad for a in other)


_SAVED_OUTPUTS = {"std_mean": (0,), "aminmax": (0, 1)}  # the outputs PyTorch's nodes of several save


def inplace_apply(x: Tensor, fn, other, name: str, via_view: bool = False, written=None) -> Tensor:
    """Compute ``fn(x, other)`` and write it into x's memory; record it when gradients flow. An integer tensor
    never starts to require grad by being written to (PyTorch's copy_ and x[i] = v cast the value and drop it).
    ``written``: the array of the part of x that changes, where that is less than x (``x[0] = v`` copies into the
    view ``x[0]``: only it must not partly overlap ``v``, so ``x[0] += 1`` and ``x[0] = x[1]`` are fine)."""
    if type(x._ver) is mode.InferenceVersion and not mode.state.inference:
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
                           "clone to get a normal tensor before doing inplace update.See "
                           "https://github.com/pytorch/rfcs/pull/17 for more details.")
    _check_leaf(x, name, via_view)
    check_no_partial_overlap(x if written is None else written, other)
    version_counter(x)  # made now, while x.grad_fn is still the node that may have saved x's memory
    tracking = mode.state.grad_enabled and (x._requires_grad or (
        _requires_grad(other) and x._data.dtype.kind in "fc"))
    if not tracking:
        with mode.no_grad():
            r = fn(x, other)
        _check_result(x, r._data, name)
        np.copyto(x._array(), r._data, casting="unsafe")
        bump_version(x)
        _move_tangent(r, x)
        if x._view is not None and mode.state.forward_tangents is not None:
            _root_tangent(x)
        return x
    producer = x.grad_fn
    if producer is not None and producer.multi and x._view is not None and producer.op is not None and \
            not producer.op.custom:  # (split/unbind's pieces; var_mean's and aminmax's outputs are no views)
        raise RuntimeError(
            f"Output {x._output_nr} of {type(producer).__name__.removesuffix('Backward0')} is a view and is being "
            "modified inplace. This view is the output of a function that returns multiple views. Such functions "
            "do not allow the output views to be modified inplace. You should replace the inplace operation by "
            "an out-of-place one."
        )
    if producer is not None and producer.multi and producer.out_ver is None and producer.op is not None and \
            x._output_nr in _SAVED_OUTPUTS.get(producer.op.name, ()):  # its backward reads this output: it fails
        producer.out_ver = SavedAt(x._ver, x._ver[0], x._output_nr, x._data.copy())
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
        _record_on_root(x)
    return x


def _record_on_root(x: Tensor) -> None:
    """x, a view, was changed in place, and its grad_fn is the in-place op's node: record on the root base that
    x's positions now hold that op's result (PyTorch's CopySlices, which runs the op's backward on the gradient
    of those positions), and give x and the views between it and the root their history from the root
    (AsStridedBackward0), as PyTorch does."""
    from .registry import OPS, apply, view_key

    root, chain, views = _view_chain(x)
    fn = x.grad_fn
    old = make(root._data, root.grad_fn)  # the root's history so far (its memory already holds x's new values)
    old._requires_grad = root._requires_grad
    _move_tangent(root, old)
    key = view_key(root._data.shape, chain)
    new = apply(OPS["copy_slices"], (old, make(x._data, fn)), {"key": key, "fn": None})
    node = new.grad_fn
    if fn is not None and not fn.multi and fn.op is not None and not fn.op.custom:
        node.next = (node.next[0], *fn.next[1:])  # as PyTorch: the base's history, then the op's other inputs
        node.params = {"key": key, "fn": fn}
    root.grad_fn = node
    root._requires_grad = True
    _move_tangent(new, root)
    for i, v in enumerate(views):
        params = {"key": view_key(root._data.shape, chain[: i + 1]), "in_shape": root._data.shape}
        v.grad_fn = apply(OPS["as_strided"], (root,), params).grad_fn
        v._requires_grad = True
        v._view = (root, OPS["as_strided"], params, v._ver[0])


def _view_chain(x: Tensor):
    """The root base of a view and the (op, params) steps from it to the view, and the views on the way
    (``views[i]`` is the root seen through ``chain[: i + 1]``)."""
    chain, views, t = [], [], x
    while t._view is not None:
        base, op, params, _ = t._view
        chain.append((op, params))
        views.append(t)
        t = base
    return t, chain[::-1], views[::-1]


def _root_tangent(x: Tensor) -> None:
    """Forward mode, nothing recorded: the root of a view written in place gets the view's new tangent at the
    view's positions (what CopySlices' JVP gives when gradients are recorded)."""
    from .registry import OPS, view_key

    table = mode.state.forward_tangents
    if id(x) not in table:
        return
    root, chain, _ = _view_chain(x)
    key = view_key(root._data.shape, chain)
    old = table.get(id(root))
    mode.state.forward_tangents = None
    try:
        from .registry import apply
        from .shape import _unwritten_part

        new = apply(OPS["embed"], (table[id(x)][1],), {"key": key, "in_shape": root._data.shape})
        if old is not None:
            new = new + _unwritten_part(old[1], key)
    finally:
        mode.state.forward_tangents = table
    table[id(root)] = (root, new)


def _move_tangent(src: Tensor, dst: Tensor) -> None:
    """Forward mode: an in-place result's tangent now belongs to the tensor that was overwritten."""
    table = mode.state.forward_tangents
    if table is not None and id(src) in table:
        table[id(dst)] = (dst, table[id(src)][1])


def inplace(x: Tensor, fn, other, name: str) -> Tensor:
    return inplace_apply(x, fn, other, name)


def fill_inplace(x: Tensor, value, name: str = "fill_") -> Tensor:
    """``zero_`` / ``fill_`` / ``normal_`` / ``uniform_``: overwrite every element, recorded under PyTorch's name
    (ZeroBackward0, FillBackward2; FillBackward3 for a 0-d tensor value, which gets the sum of the gradient)."""
    from .registry import OPS, apply

    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        # (a 0-d value is read before anything is written: x.fill_(x[3]) is no overlap to refuse)
        return inplace_apply(x, lambda old, v: apply(OPS["fill_tensor"], (old, v)), value, name, written=_NOTHING)
    return inplace_apply(x, lambda old, _: apply(OPS[name], (old,), {"value": value}), None, name)


@public(method=False, name="zero_")
def zero_function(x: Tensor) -> Tensor:
    """``torch.zero_(x)``: as ``x.zero_()``."""
    return x.zero_()


@public(method=False, name="fill_")
def fill_function(x: Tensor, value) -> Tensor:
    """``torch.fill_(x, value)``: as ``x.fill_(value)``."""
    return x.fill_(value)
