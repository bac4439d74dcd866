"""The op table and ``apply``, the one path every differentiable primitive goes through.

Each row (an :class:`Op`) holds a primitive's numpy forward, its VJP and JVP written with Tensor
ops (so ``create_graph=True`` differentiates them again), and its PyTorch node name. Rows are added
with :func:`defop` in the modules beside this one, each next to its public function, which :func:`public`
declares there: its Tensor method, its in-place method and its names in ``nbautodiff.torch`` follow from that.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable

import numpy as np

from .. import mode
from ..node import node_class
from ..tensor import Tensor, make, version_counter
from ..tracing import emit, tracing

_state = mode.state
_new = object.__new__
_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_F16 = np.dtype(np.float16)
ndarray = np.ndarray
_PY_NUMBERS = frozenset((int, float, bool, complex))  # Python numbers: never tensors, never promote

FLOAT = "to float"  # defop(promotes=FLOAT): see defop
OPS: dict[str, Op] = {}
PUBLIC: dict[str, Public] = {}  # public name -> where it appears (ops, nbautodiff.torch, Tensor, nn.functional)


class Op:
    """One row of the op table."""

    __slots__ = (
        "name",
        "node_name",
        "node_cls",
        "forward",
        "vjp",
        "jvp",
        "save",
        "save_all",
        "save_out",
        "broadcast",
        "view",
        "error",
        "sets_dtype",
        "multi",
        "saves",
        "per_input",
        "arrays",
        "save_mask",
        "reads",
        "save_masks",
        "custom",
        "promotes",
        "half",
        "half_vjp",
        "layout",
    )
    evaluations = 1  # primitives one event stands for (a PyTorch call may run several: ``engine.watch.TorchOp``)

    def __repr__(self) -> str:
        return f"Op({self.name!r}, {self.node_name})"


def defop(
    name: str,
    node: str,
    forward: Callable,
    vjp,
    jvp,
    *,
    save: tuple = (),
    save_out: bool = False,
    broadcast: bool = False,
    view: bool = False,
    error: Callable | None = None,
    sets_dtype: bool = False,
    multi: bool = False,
    arrays: bool = False,
    promotes: bool | str = False,
    reads: tuple | None = None,
    half: bool | str = True,
    half_vjp: bool = False,
) -> Op:
    """Add a primitive to the op table.

    ``forward(*arrays, **params)`` computes on numpy arrays. ``vjp`` and ``jvp`` are either a tuple
    with one function per input, ``vjp_i(g, out, *inputs, **params)`` and
    ``jvp_i(dx_i, out, *inputs, **params)`` (HIPS autograd's layout), or one function for all inputs
    (variadic ops such as ``cat``). ``save`` lists the inputs the VJP reads; ``save_out`` says it
    reads the output. ``reads`` (one tuple per input) narrows ``save`` as PyTorch's saved variables do: input
    ``i``'s VJP reads the inputs ``reads[i]``, and a node saves only what the VJPs of the inputs that need a
    gradient read (``y * 2`` saves 2, not ``y``, so writing into ``y`` afterwards is no error). ``broadcast``
    ops get their gradients summed back to each input's shape and cast to its dtype in one place (the backward
    pass). ``view`` ops share the input's version counter.
    ``arrays`` says the VJP rules are plain operator expressions (``g * (1 - out * out)``): without
    ``create_graph`` the backward pass runs them on the numpy arrays themselves, which is what makes
    it as fast as hand-written numpy; with ``create_graph`` the same rules run on tensors.
    Results computed in float64 from non-float64 inputs come back as float32 (PyTorch's rule), except
    for ``sets_dtype`` ops such as ``x.double()``; float16 results of bool, int8 or uint8 inputs (numpy's choice)
    are computed again from float32 copies. ``promotes`` marks the arithmetic rows where a 0-d tensor
    beside a dimensioned one follows PyTorch's promotion rather than numpy's (``promote_zero_dim``); ``FLOAT``
    marks those that compute integers in float (true division), where an integer 0-d is never first cast into
    the other tensor's integer dtype (``tensor(-3) / uint8`` is -1.5, not 253 / 2). ``half``: a float16 result is
    computed again from float32 copies of the float16 inputs and rounded once, as PyTorch's CPU kernels compute
    float16 in float32 (numpy rounds at every step of a formula), a number argument rounded to float16 first
    (``"float"``: kept in float, as mul and div do); False for rows whose result depends on float16 itself
    (nextafter, nan_to_num's largest finite value) or whose PyTorch kernel rounds every step too (logit, xlogy);
    ``"kernel"`` for the rows that are PyTorch's backward kernels (gelu_backward, ...), which hold in the backward
    pass too, where the others keep numpy's steps (PyTorch's derivative formulas are several kernels).
    ``half_vjp``: the array VJP is one PyTorch kernel (the activations'), run in float32 for a float16 gradient.
    """
    op = Op()
    op.name, op.node_name, op.node_cls = name, node, node_class(node, multi)
    op.multi = multi
    op.forward, op.vjp, op.jvp = forward, vjp, jvp
    if reads is not None:
        save = sorted({j for r in reads for j in r})
    op.save, op.save_out, op.broadcast, op.view = tuple(save), save_out, broadcast, view
    op.reads, op.save_masks = reads, None  # (save_masks: made by finish_registration)
    op.save_all = False
    op.error = error
    op.sets_dtype = sets_dtype
    op.saves = bool(save) or save_out  # what backward checks before calling the VJP
    op.per_input = isinstance(vjp, tuple)
    op.arrays = arrays
    op.custom = False
    op.promotes = promotes
    op.half = half if not (view or sets_dtype or multi) else False
    op.half_vjp = half_vjp
    op.layout = None  # numpy's (set by finish_registration for CONTIGUOUS_OUT and PRESERVED_OUT)
    if name in OPS:  # a second row of one name would replace the first in the table, silently
        raise ValueError(f"defop: an op named {name!r} is already defined ({OPS[name].node_name})")
    OPS[name] = op
    return op


class Public:
    """Where a public function appears: ``torch.<name>`` (``function``), ``x.<name>()`` (``method``), the
    in-place ``x.<name>_()`` (``inplace``), ``torch.nn.functional.<name>`` (``functional``) and
    ``torch.linalg.<name>`` (``linalg``)."""

    __slots__ = ("fn", "function", "method", "inplace", "functional", "linalg")

    def __init__(self, fn, function: bool, method: bool, inplace: bool, functional: bool, linalg: bool):
        self.fn, self.function, self.method, self.inplace = fn, function, method, inplace
        self.functional, self.linalg = functional, linalg


def public(fn=None, *, name: str | None = None, function: bool = True, method: bool = True, inplace: bool = False,
           functional: bool = False, linalg: bool = False, aliases: tuple = ()):
    """Declare a public function where it is defined (a decorator, or called on a function).

    It is ``torch.<name>`` unless ``function=False``, the Tensor method ``x.<name>(...)`` unless
    ``method=False``, also ``x.<name>_(...)`` written in place with ``inplace=True``, and
    ``torch.nn.functional.<name>`` with ``functional=True``, ``torch.linalg.<name>`` with ``linalg=True``;
    ``aliases`` are more names for the same.

    >>> LOG2 = defop("log2", "Log2Backward0", np.log2, ...)   # doctest: +SKIP
    >>> log2 = public(unary(LOG2), inplace=True)              # doctest: +SKIP
    """

    def declare(f):
        for n in (name or f.__name__, *aliases):
            if n in PUBLIC:
                raise ValueError(f"public(): {n!r} is declared twice")
            PUBLIC[n] = Public(f, function, method, inplace, functional, linalg)
        return f

    return declare if fn is None else declare(fn)


def public_names(kind: str) -> dict:
    """{name: function} of every public function that is a ``kind``: "function", "method", "inplace",
    "functional" or "linalg" (see :func:`public`); "all" gives every one."""
    return {n: p.fn for n, p in PUBLIC.items() if kind == "all" or getattr(p, kind)}


def unary(op: Op):
    """The public function of a one-input row: ``fn(x) = apply(op, (x,))``, named after the row."""

    def fn(x):
        return apply(op, (x,))

    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = f"Elementwise {op.name}; its backward node is ``{op.node_name}``."
    fn.row = op  # nbautodiff.torch's entry for it calls the row directly (torch.tanh(x) in a hot loop)
    return fn


def apply(op: Op, args: tuple, params: dict | None = None) -> Tensor:
    """Run ``op`` on ``args`` (tensors and constants) and record it if any input requires grad."""
    # This is the engine's hot path: every op of every lesson comes through here. Keep it lean.
    # One pass over the inputs: their arrays, whether any requires grad, and (when recording) the graph edges.
    datas = []
    nexts = []
    need = False
    recording = _state.grad_enabled
    tensors = 0  # how many inputs are tensors
    versioned = False  # whether one of them has a version counter (was ever written to, or is a view)
    for a in args:
        if type(a) is Tensor or (type(a) not in _PY_NUMBERS and isinstance(a, Tensor)):
            tensors += 1
            if a._ver is not None:
                versioned = True
            if a._view is not None and recording:
                refresh_view(a)
            datas.append(a._data)
            if a._requires_grad:
                need = True
                if recording:
                    fn = a.grad_fn
                    if fn is None:
                        acc = a._accum
                        nexts.append(acc if acc is not None else a._accumulator())
                    else:
                        nexts.append(a._edge() if fn.multi else fn)
                    continue
        else:
            datas.append(a)
        nexts.append(None)
    given = datas
    if tensors == 2 and op.promotes and len(args) == 2:
        d0, d1 = datas
        if d0.dtype is not d1.dtype and d0.dtype != d1.dtype and (d0.ndim == 0) != (d1.ndim == 0):
            datas = promote_zero_dim(d0, d1, op.promotes is FLOAT)
        elif not d0.ndim and not d1.ndim:  # two 0-d: as numpy scalars (a leaf holds 0-d arrays): 7x faster
            datas = [d0[()], d1[()]]
    try:
        out = op.forward(*datas, **params) if params else op.forward(*datas)
    except (ValueError, IndexError, TypeError, np.exceptions.AxisError) as e:
        if op.error is None:
            raise
        raise op.error(args, params or {}, e) from None
    if type(out) is not ndarray and not isinstance(out, np.generic):
        out = np.asarray(out)
    # A 0-d result stays a numpy scalar: arithmetic on those is ~6x faster than on 0-d arrays, which
    # is what micrograd-style graphs of scalars are made of. Code that writes in place converts first.
    # PyTorch computes int and float32 inputs in float32, never in numpy's float64.
    if out.dtype is _F64 and not op.sets_dtype and not _has_f64(args):
        target = _F16 if _has_f16(args) and not _has_f32(args) else _F32  # int32 + float16 is float16
        if target is _F32 and any(_beyond_f32(d) for d in datas):  # PyTorch rounds them to float32 first
            datas = [d.astype(_F32) if _beyond_f32(d) else d for d in datas]
            out = np.asarray(op.forward(*datas, **params) if params else op.forward(*datas))
        out = out.astype(target)
    elif out.dtype is _F16 and not op.sets_dtype:
        if not _has_f16(args):  # numpy: bool, int8, uint8 -> float16
            datas = [_f32_if_small(d) for d in datas]
            out = np.asarray(op.forward(*datas, **params) if params else op.forward(*datas))
        elif op.half and (op.half == "kernel" or not _state.in_backward):
            out = _in_float(op, datas, params)
    if op.layout is not None and type(out) is ndarray:
        out = _laid_out(op.layout, out, datas[0])
    if op.view:
        if type(datas[0]) is not ndarray:  # a view of a numpy scalar: view the array the tensor now holds
            out = op.forward(args[0]._array(), **params) if params else op.forward(args[0]._array())
        return _view_result(op, args, params, out, need)
    if not (need and recording):
        result = make(out, None)
        if _state.extra:
            _watchers(op, args, params, result)
        return result

    node = _new(op.node_cls)  # Node.__init__ inline: this is the per-op cost of recording
    node.op = op
    node.params = params
    node.saved = node.out_data = node.out_ver = None
    node.versions = ()
    node.next = nexts = tuple(nexts)
    if op.save:
        # (explicit loops: a comprehension is a function call of its own on Python 3.11)
        masks = op.save_masks
        if masks is None:
            mask = None if op.save_all else op.save_mask
        elif len(nexts) == 2:  # mul, div, mm, ...: what the VJPs of the inputs that need a gradient read
            mask = masks[(nexts[0] is not None) + 2 * (nexts[1] is not None)]
        else:
            key, bit = 0, 1
            for e in nexts:
                if e is not None:
                    key |= bit
                bit <<= 1
            mask = masks[key]
        if mask is None:
            saved = args
        elif len(args) == 2 == len(mask):  # (mul, div, mm: no list to build)
            saved = (args[0] if mask[0] else None, args[1] if mask[1] else None)
        else:
            saved = []
            for keep, a in zip(mask, args):
                saved.append(a if keep else None)
            saved = tuple(saved)
        node.saved = saved
        # the common case: no input was ever written to, so every saved version is 0 (checked in one place)
        node.versions = _versions(saved) if versioned else ALL_ZERO
    if op.broadcast:
        shape, dt = out.shape, out.dtype
        for e, d in zip(nexts, given):
            # An input of another dtype, even one without a gradient (tensor(2) / x), can make the VJP of
            # the others come back in numpy's promoted dtype: cast each gradient to its own input's dtype.
            if e is not None:
                if d.shape == shape and (d.dtype is dt or d.dtype == dt):
                    continue
            elif type(d) in _PY_NUMBERS or not (type(d) is ndarray or isinstance(d, np.generic)) or (
                    d.dtype is dt or d.dtype == dt):  # numbers never promote
                continue
            node.reduce_to = [None if e is None else (x.shape, x.dtype) for e, x in zip(nexts, given)]
            break
    result = _new(Tensor)  # tensor.make inline: one call fewer for every recorded op
    result._data = out
    result.grad_fn = node
    result._requires_grad = True
    result._ver = result._view = None
    if op.save_out:
        node.out_data = out  # its version counter is linked when first made (tensor.version_counter)
    if _state.extra:
        if _state.anomaly_enabled:
            node.trace = _user_stack()
        _watchers(op, args, params, result)
    return result


def _laid_out(layout: str, out: np.ndarray, src) -> np.ndarray:
    """``out`` in PyTorch's memory layout for the row: C-contiguous, column-major matrices (``"F"``, LAPACK's), or
    (``"preserve"``) strided as its input ``src`` when that is dense (a transposed input gives a transposed result)."""
    if layout == "suggest":  # PyTorch's suggest_memory_format: channels-last in, channels-last out; else C order
        nd = out.ndim
        if nd in (4, 5) and type(src) is ndarray and src.ndim == nd and _strides_like_channels_last(src):
            order = (0, 2, 3, 1) if nd == 4 else (0, 2, 3, 4, 1)
            return np.ascontiguousarray(out.transpose(order)).transpose(np.argsort(order))
        layout = "C"
    if layout == "C":
        return out if out.flags.c_contiguous else np.ascontiguousarray(out)
    if layout == "F":  # (batches of vectors, eigenvalues and singular values, stay as they are)
        if out.ndim < 2 or out.ndim != np.ndim(src):
            return out
        return np.swapaxes(np.ascontiguousarray(np.swapaxes(out, -1, -2)), -1, -2)
    if type(src) is ndarray and src.shape == out.shape and not src.flags.c_contiguous and dense(src):
        laid = np.empty_like(src, dtype=out.dtype)  # (order "K": src's strides)
        laid[...] = out
        return laid
    return out


def _strides_like_channels_last(a: np.ndarray) -> bool:
    """PyTorch's is_channels_last_strides_2d/3d: the strides fall in (N, *spatial, C) order, read from C outwards
    (sliced channels-last tensors count; ambiguous ones, N111 and the like, are taken as contiguous)."""
    sizes, strides = a.shape, a.strides
    if strides[1] == 0:
        return False
    low = 0
    for d in ((1, 3, 2, 0) if a.ndim == 4 else (1, 4, 3, 2, 0)):
        if sizes[d] == 0 or strides[d] < low or (d == 0 and low == strides[1]):
            return False
        low = strides[d] * (sizes[d] if sizes[d] > 1 else 1)
    return True


def dense(a: np.ndarray) -> bool:
    """Non-overlapping and dense (some order of its dims is C-contiguous), PyTorch's is_non_overlapping_and_dense."""
    expected = a.itemsize
    for stride, size in sorted((st, sz) for st, sz in zip(a.strides, a.shape) if sz != 1):
        if stride != expected:
            return False
        expected *= size
    return True


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _in_float(op: Op, datas: list, params) -> np.ndarray:
    """A float16 result again, as PyTorch's CPU kernels compute float16: in float32 (opmath), rounded once, where
    numpy rounds every step of a formula. A number beside the float16 tensor is first rounded to float16, as those
    kernels take it, except by mul and div, which keep it in float (``half="float"``)."""
    wide = []
    for d in datas:
        if type(d) is float and op.half != "float":
            d = np.float32(np.float16(d))
        elif (type(d) is ndarray or isinstance(d, np.generic)) and d.dtype is _F16:
            d = d.astype(_F32)
        wide.append(d)
    return np.asarray(op.forward(*wide, **params) if params else op.forward(*wide)).astype(_F16)


def promote_zero_dim(d0, d1, to_float: bool = False) -> list:
    """PyTorch's rule for a 0-d tensor beside a tensor with dimensions: the 0-d one sets the dtype only
    when it is of a higher category (bool < int < float < complex), so ``float32 * tensor(2., float64)``
    stays float32 while ``int64 * tensor(2., float64)`` is float64. numpy would give float64 for both."""
    dim, zero = (d0, d1) if d1.ndim == 0 else (d1, d0)
    target = zero.dtype if _CATEGORY[zero.dtype.kind] > _CATEGORY[dim.dtype.kind] else dim.dtype
    if to_float and target.kind in "biu":  # computed in float: each integer converts from its own dtype
        return [d0, d1]
    return [d0.astype(target) if d0.dtype != target else d0, d1.astype(target) if d1.dtype != target else d1]


def _watchers(op: Op, args: tuple, params, result: Tensor) -> None:
    """Forward mode and tracers (op counts, evaluation traces, the recorder) see every primitive evaluated; in
    inference mode the result is marked an inference tensor."""
    if _state.inference and result._ver is None:
        result._ver = mode.InferenceVersion([0])
    if _state.forward_tangents is not None:
        push_tangent(op, args, params, result)
    if _state.tracer is not None:
        emit("op", op, args, params, result)


ALL_ZERO = ("all at version 0",)  # node.versions when no saved tensor was ever written to (nothing to allocate)


def _versions(saved) -> tuple:
    """Each saved tensor's version (-1 for a constant): what backward checks they still are. An inference tensor
    (made in inference_mode) can't be saved: PyTorch's error."""
    versions = []
    for a in saved:
        if isinstance(a, Tensor):
            ver = a._ver
            if ver is None:
                versions.append(0)
                continue
            if type(ver) is mode.InferenceVersion:
                raise RuntimeError(mode.INFERENCE_SAVED)
            versions.append(ver[0])
        else:
            versions.append(-1)
    return tuple(versions)


def _has_f64(args) -> bool:
    """Whether a float64 *tensor* is among the inputs (numbers, numpy's included, don't promote)."""
    return any(isinstance(a, Tensor) and a._data.dtype is _F64 for a in args)


def _has_f16(args) -> bool:
    return any(isinstance(a, Tensor) and a._data.dtype is _F16 for a in args)


def _has_f32(args) -> bool:
    return any(isinstance(a, Tensor) and a._data.dtype is _F32 for a in args)


def _beyond_f32(d) -> bool:
    """An integer array with values float32 can't hold exactly (|v| > 2**24): x.sin() of 2**40 - 3 is PyTorch's
    sin of the nearest float32, not of the integer."""
    return isinstance(d, (ndarray, np.generic)) and d.dtype.kind in "iu" and d.dtype.itemsize >= 4 and d.size > 0 \
        and (int(d.max()) > 16777216 or int(d.min()) < -16777216)


def _f32_if_small(d):
    """A bool, int8 or uint8 array in float32: PyTorch computes float results of those in float32."""
    return d.astype(_F32) if isinstance(d, (ndarray, np.generic)) and d.dtype.kind in "biu" and d.dtype.itemsize == 1 \
        else d


def refresh_view(t: Tensor) -> None:
    """A view whose base was changed in place since its grad_fn was made gets a new one, from the base's
    current history (PyTorch does the same, as an AsStridedBackward0): otherwise its gradient would skip the change."""
    base, op, params, seen = t._view
    if base._view is not None:
        refresh_view(base)
    if t._ver[0] != seen:
        if op.name != "as_strided" or base._data.shape != params["in_shape"]:
            # where t's elements lie in the base now: from their addresses (the base may have been transposed or
            # squeezed in place since t was made from it), else from the view op on the base's shape
            key = memory_key(base._data, t._data)
            op, params = OPS["as_strided"], {"key": view_key(base._data.shape, [(op, params)]) if key is None else key,
                                             "in_shape": base._data.shape}
        fresh = apply(op, (base,), params)
        # a view made a leaf by requires_grad_() (its base needs no gradient) stays one while the base has no
        # history: w = zeros(1).reshape(1, 1).requires_grad_(); with no_grad(): w -= 0.1 keeps w training
        if fresh._requires_grad or t.grad_fn is not None or not t._requires_grad:
            t.grad_fn = fresh.grad_fn
            t._requires_grad = fresh._requires_grad
        t._view = (base, op, params, t._ver[0])


def memory_key(base, view):
    """Where the elements of ``view`` lie in ``base`` (one index array per base dimension, shaped as the view),
    found from their addresses; None unless both are arrays of one item size and the base is dense with positive
    strides."""
    if type(base) is not ndarray or type(view) is not ndarray or base.itemsize != view.itemsize or not dense(base) \
            or min(base.strides, default=0) < 0 or min(view.strides, default=0) < 0:
        return None
    off = np.asarray(view.__array_interface__["data"][0] - base.__array_interface__["data"][0], dtype=np.int64)
    for d, (n, st) in enumerate(zip(view.shape, view.strides)):
        off = off + (np.arange(n, dtype=np.int64) * st).reshape((n,) + (1,) * (view.ndim - d - 1))
    off = np.broadcast_to(off, view.shape)
    if off.size and (off.min() < 0 or off.max() >= base.nbytes):
        return None
    coords = [np.zeros(view.shape, np.intp)] * base.ndim
    for d in sorted(range(base.ndim), key=lambda d: -base.strides[d]):
        if base.shape[d] != 1:
            coords[d], off = off // base.strides[d], off % base.strides[d]
    if not base.ndim:
        return (np.zeros(view.shape, dtype=np.intp),)
    return tuple(np.asarray(c, dtype=np.intp) for c in coords)


def view_key(shape: tuple, chain) -> tuple:
    """Where a view's elements lie in its base of ``shape``: one index array per base dimension, shaped as the
    view. ``chain`` is the (view op, params) steps from the base to the view."""
    positions = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    for op, params in chain:
        positions = op.forward(positions, **params) if params else op.forward(positions)
    if not shape:  # every element of a view of a 0-d base is its one element (see shape.indexable)
        return (np.zeros(np.shape(positions), dtype=np.intp),)
    return np.unravel_index(np.asarray(positions), shape)


def _view_result(op: Op, args: tuple, params, out: np.ndarray, need: bool) -> Tensor:
    """A view op's result: it shares memory and the version counter with its base, and remembers the
    base so that an in-place change of the view can be recorded on the base (PyTorch's CopySlices)."""
    base = args[0]
    # numpy points every view at the array that owns the memory: a reshape that had to copy doesn't
    bd = base._array()  # a 0-d result may hold a numpy scalar: make it an array its views can share
    if out is bd:  # numpy gives the input itself for a view that changes nothing (a no-op squeeze): still a view
        out = bd.view()
    ob = out.base if type(out) is ndarray else None
    shares = ob is not None and (ob is bd or ob is getattr(bd, "base", None) or np.may_share_memory(out, bd))
    node = None
    if need and _state.grad_enabled:
        node = op.node_cls(op, params, (base._edge(),))
        if op.save:
            node.saved = args
            node.versions = _versions(args)
        if _state._anomaly:  # (the field: a property read costs twice as much)
            node.trace = _user_stack()
    result = make(out, node, version_counter(base) if shares else None)
    if shares:
        result._view = (base, op, params, result._ver[0])  # the version its grad_fn was made at
    if _state.extra:
        _watchers(op, args, params, result)
    return result


def push_tangent(op: Op, args: tuple, params, result: Tensor) -> None:
    """Forward mode: the output's tangent from the inputs' tangents, by the op's JVP, at every open level.
    A level's rule runs with the levels around it still open, so nested levels (jacfwd of jacfwd) see the
    derivatives of each other's tangents."""
    inner = table = _state.forward_tangents
    if table.parent is None:  # the common case: one level
        _push_level(op, args, params, result, table, inner)
        return
    levels = []
    while table is not None:
        levels.append(table)
        table = table.parent
    for table in reversed(levels):  # outermost first: an inner rule reading the output sees its outer tangents
        _push_level(op, args, params, result, table, inner)


def _push_level(op: Op, args: tuple, params, result: Tensor, table, inner) -> None:
    tangents = [table.get(id(a)) if isinstance(a, Tensor) else None for a in args]
    if not any(t is not None for t in tangents):
        return
    tangents = [t[1] if t is not None else None for t in tangents]
    _state.forward_tangents = table.parent  # the JVP itself is ordinary computation, not traced again at this level
    try:
        with tracing(None):  # ... and counts as one tangent evaluation, not as primals
            jvp = op.jvp
            if isinstance(jvp, tuple):
                total = None
                for f, dx in zip(jvp, tangents):
                    if dx is not None:
                        term = f(dx, result, *args, **params) if params else f(dx, result, *args)
                        total = term if total is None else total + term
            else:
                total = jvp(tangents, result, *args, **params)
    finally:
        _state.forward_tangents = inner
    table[id(result)] = (result, total)
    if op.save_out and result.grad_fn is not None:
        # backward rebuilds the output from its array: let it carry this tangent too (forward over reverse)
        # (in the level's table, not on the node: the tangent's graph holds the output, whose grad_fn is the
        # node, so keeping it on the node would make a reference cycle)
        table[("out", id(result.grad_fn))] = (weakref.ref(result.grad_fn), total)
    if _state.tracer is not None:
        emit("tangent", op, args, result, tangents, total)


# The rows whose PyTorch kernel writes a fresh contiguous output whatever the input's memory layout (its
# elementwise TensorIterator kernels keep the layout, as numpy's ufuncs do; these are not elementwise). Measured
# against PyTorch on transposed and permuted inputs (tests/test_fidelity.py's layout case).
CONTIGUOUS_OUT = frozenset((
    "softmax", "log_softmax", "cumsum", "cumprod", "logcumsumexp", "roll", "masked_fill", "masked_fill_tensor",
    "layer_norm", "index_add", "index_copy", "scatter", "scatter_add", "scatter_value", "cat", "stack", "im2col",
    "col2im",
))
# The rows whose output is channels-last for a channels-last input and contiguous otherwise (PyTorch's
# suggest_memory_format): convolution, normalisation, pooling, padding and interpolation of images.
SUGGESTED_OUT = frozenset((
    "convolution", "batch_norm", "group_norm", "constant_pad", "max_pool2d", "max_pool3d", "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "avg_pool2d", "avg_pool3d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
))  # and every upsample_* row
# The rows whose output PyTorch allocates with the input's layout (empty_like(..., preserve_format)) where numpy's
# fancy indexing or copies give C order.
PRESERVED_OUT = frozenset(("flip", "sort", "sort_stable"))
# The rows whose matrices come from LAPACK, column-major (each matrix of a batch Fortran-ordered), as PyTorch's.
COLUMN_MAJOR_OUT = frozenset(("linalg_solve", "linalg_inv", "linalg_solve_triangular", "linalg_cholesky", "cholesky",
                              "cholesky_solve", "cholesky_inverse", "linalg_eigh", "linalg_svd", "linalg_qr"))


def finish_registration() -> None:
    """Precompute per-row flags once every module has added its rows."""
    for name in CONTIGUOUS_OUT:
        OPS[name].layout = "C"
    for name in PRESERVED_OUT:
        OPS[name].layout = "preserve"
    for name in (*SUGGESTED_OUT, *(name for name in OPS if name.startswith("upsample_"))):
        OPS[name].layout = "suggest"
    for name in COLUMN_MAJOR_OUT:
        OPS[name].layout = "F"
    for op in OPS.values():
        op.save_all = bool(op.save) and op.save == tuple(range(len(op.save))) and _arity(op) == len(op.save)
        op.save_mask = tuple(i in op.save for i in range(max(_arity(op), 1 + max(op.save, default=-1))))
        op.save_masks = None if op.reads is None else _save_masks(op.reads)


def _save_masks(reads: tuple) -> tuple:
    """For each set of inputs that need a gradient (bit i: input i), what to save: ``None`` for every input,
    else one flag per input (the inputs their VJPs read)."""
    n = len(reads)
    masks = []
    for key in range(1 << n):
        wanted = {j for i in range(n) if key >> i & 1 for j in reads[i]}
        masks.append(None if wanted == set(range(n)) else tuple(j in wanted for j in range(n)))
    return tuple(masks)


def _arity(op: Op) -> int:
    return len(op.vjp) if isinstance(op.vjp, tuple) else -1


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _user_stack():
    """The user's frames that led to this op (anomaly mode): everything outside the nbautodiff package."""
    import traceback

    frames = traceback.extract_stack(sys._getframe(2))
    return [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR + os.sep)]


def apply_multi(op: Op, x: Tensor, params: dict, views: bool = True) -> tuple:
    """Run a one-input, several-output op: one node, outputs told apart by index.

    With ``views`` the outputs are pieces of x sharing its memory (split, unbind); otherwise they are new
    tensors (var_mean, aminmax) and the node saves x when the row says so. The VJP gets the list of output
    gradients (None where an output got none) and returns [dx]; the JVP gets [dx] and returns the outputs' tangents.
    """
    if x._view is not None and _state.grad_enabled:
        refresh_view(x)
    outs = op.forward(x._data, **params)
    node = None
    if x._requires_grad and _state.grad_enabled:
        node = op.node_cls(op, params, (x._edge(),))
        node.n_outputs = len(outs)
        if op.save:
            node.saved = (x,)
            node.versions = _versions((x,))
    results = []
    if views:
        piece_op = OPS["select" if op.name == "unbind" else "slice"]
        for i, (out, key) in enumerate(zip(outs, params["keys"])):
            t = make(np.asarray(out), node, version_counter(x))  # views of x: they share its version counter
            t._output_nr = i
            t._view = (x, piece_op, {"key": key, "in_shape": x._data.shape}, t._ver[0])
            results.append(t)
    else:
        for i, out in enumerate(outs):
            out = np.asarray(out)
            if out.dtype is _F64 and x._data.dtype != _F64:
                out = out.astype(_F32)
            if op.layout is not None:
                out = _laid_out(op.layout, out, x._data)
            t = make(out, node)
            t._output_nr = i
            results.append(t)
    inner = table = _state.forward_tangents
    levels = []
    while table is not None:
        levels.append(table)
        table = table.parent
    for table in reversed(levels):  # every open forward-mode level, outermost first (as push_tangent)
        if id(x) in table:
            _state.forward_tangents = table.parent
            try:
                tangents = op.jvp([table[id(x)][1]], None, x, **params)
            finally:
                _state.forward_tangents = inner
            for t, dt in zip(results, tangents):
                table[id(t)] = (t, dt)
    if _state.tracer is not None:
        for t in results:
            emit("op", op, (x,), params, t)
    return tuple(results)
