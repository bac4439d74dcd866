"""The backward pass: reverse topological walk over the recorded graph, summing partial adjoints.

``run`` is the one graph walk: ``Tensor.backward`` and ``autograd.grad`` are thin layers over it.
It is iterative (a 100,000-op chain needs no recursion) and, as in the dlsys notes' ``node_to_grad``,
keeps for every node the sum of the gradients that have arrived so far.
"""

from __future__ import annotations

import gc
import sys
import warnings
from collections.abc import Sequence

import numpy as np

from . import mode
from .node import AccumulateGrad, OutputEdge, run_post_hooks
from .ops import sum_to_shape
from .ops.registry import ALL_ZERO
from .tensor import Tensor, bump_version, make
from .tracing import emit, tracing

_state = mode.state

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)
CREATE_GRAPH_CYCLE = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
    "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to "
    "avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters to "
    "None after use to break the cycle and avoid the leak."
)
UNUSED = (
    "The differentiated Tensor at index {} appears to not have been used in the graph. "
    "Set allow_unused=True if this is the desired behavior."
)


def _roots(tensors: Sequence[Tensor], grads, what: str):
    """Each output's node and its starting gradient, with PyTorch's checks (before anything runs)."""
    nodes, seeds, user_arrays = [], [], set()
    if grads is None:
        grads = (None,) * len(tensors)
    if len(grads) < len(tensors):  # more gradients than outputs: PyTorch uses the first ones
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients\n"
                           f"{what}: pass one gradient per output tensor")
    for i, (t, g) in enumerate(zip(tensors, grads)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: expected Tensors, got {type(t).__name__} at index {i}")
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs\n"
                    f"{what}: the output has shape {tuple(t.shape)}; pass gradient= of that shape "
                    "(torch.ones_like(y) sums it), or reduce it first, e.g. y.sum().backward()"
                )
            data = t._data  # the seed 1: a numpy scalar for a 0-d output, as the engine keeps them
            g = make(np.ones(data.shape, data.dtype) if type(data) is np.ndarray else data.dtype.type(1))
        else:
            if not isinstance(g, Tensor):
                g = make(np.asarray(g, dtype=t._data.dtype))
            if g._data.shape != t._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape "
                    f"of {t.shape}."
                )
            if g._data.dtype != t._data.dtype:
                g = make(g._data.astype(t._data.dtype))
            user_arrays.add(id(g._data))
        if t._view is not None:
            from .ops.registry import refresh_view

            with mode.enable_grad():
                refresh_view(t)
        nodes.append(t._edge())
        seeds.append(g)
    return nodes, seeds, user_arrays


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Add d(sum of tensors · grad_tensors)/d(leaf) into each leaf's ``.grad``."""
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    nodes, seeds, user_arrays = _roots(tensors, grad_tensors, "backward")
    if create_graph:
        warnings.warn(CREATE_GRAPH_CYCLE, UserWarning, stacklevel=3)
    only = None
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        only = {}
        for t in inputs:
            if not t._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            only.setdefault(_node_of(t), []).append(t)
    run(nodes, seeds, user_arrays, create_graph if retain_graph is None else retain_graph, create_graph, only=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned (not stored in ``.grad``).
    ``is_grads_batched``: each ``grad_outputs`` has a leading batch dimension, one backward pass per row (the
    results stacked), as PyTorch's vmap over the backward pass gives.

    >>> x = tensor(2., requires_grad=True)
    >>> autograd.grad(x ** 3, x)
    (tensor(12.),)
    """
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.", FutureWarning,
                      stacklevel=2)
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    nodes, seeds, user_arrays = _roots(outputs, grad_outputs, "autograd.grad")
    for t in inputs:  # (after the outputs' checks, as PyTorch's engine)
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    targets = {}
    for t in inputs:
        targets.setdefault(_node_of(t), t)
    captured = run(nodes, seeds, user_arrays, create_graph if retain_graph is None else retain_graph, create_graph,
                   capture=targets)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(_node_of(t))
        if isinstance(g, list):  # an output of a multi-output node
            g = g[t._output_nr]
        if g is None:
            if materialize_grads:
                g = make(np.zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(UNUSED.format(i))
        elif not create_graph and g.grad_fn is not None:
            g = g.detach()
        result.append(g)
    return tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    from .ops import stack

    if grad_outputs is None:
        raise RuntimeError("autograd.grad: is_grads_batched=True needs grad_outputs with a leading batch dimension")
    rows = [grad(outputs, inputs, tuple(g[i] for g in grad_outputs), True if i + 1 < len(grad_outputs[0]) else
                 retain_graph, create_graph, True, allow_unused, False, materialize_grads)
            for i in range(len(grad_outputs[0]))]
    return tuple(None if row[0] is None else stack(list(row)) for row in zip(*rows))


def _node_of(t: Tensor):
    return t.grad_fn if t.grad_fn is not None else t._accumulator()


def _add_pending(pending: dict, edge, g: Tensor, create_graph: bool) -> None:
    """Sum a partial adjoint into what has arrived for ``edge`` (the dlsys notes' node_to_grad): as arrays, or
    recorded with ``create_graph`` (the sum is then part of the gradient's graph; the backward pass's work, not the
    user's, so no tracer hears of it, as none hears of PyTorch's)."""
    if type(edge) is OutputEdge:
        node = edge.node
        grads = pending.get(node)
        if grads is None:
            grads = pending[node] = [None] * node.n_outputs
        grads[edge.nr] = _summed(grads[edge.nr], g, create_graph)
    else:
        pending[edge] = _summed(pending.get(edge), g, create_graph)


def _summed(old, g: Tensor, create_graph: bool) -> Tensor:
    if old is None:
        return g
    if not create_graph:  # (on the fast path ``old`` may be an array)
        return make((old._data if type(old) is Tensor else old) + g._data)
    if _state.tracer is None:
        return old + g
    with tracing(None):
        return old + g


def run(roots, seeds, user_arrays, retain_graph: bool, create_graph: bool, capture=None, only=None):
    """Walk the graph from ``roots`` with the ``seeds`` gradients; return the captured gradients."""
    # 1. How many edges lead into each node: a node runs once all of its gradients have arrived.
    deps: dict = {}
    stack = []
    for r in roots:
        r = r.node if type(r) is OutputEdge else r
        if r not in deps:
            deps[r] = 0
            stack.append(r)
    parents = {} if (capture is not None or only is not None) else None
    while stack:
        node = stack.pop()
        for nxt in node.next:
            if nxt is not None:
                if type(nxt) is OutputEdge:
                    nxt = nxt.node
                if nxt in deps:
                    deps[nxt] += 1
                else:
                    deps[nxt] = 1
                    stack.append(nxt)
                if parents is not None:
                    parents.setdefault(nxt, []).append(node)
    needed = _needed(capture if capture is not None else only, parents) if parents is not None else None

    # 2. The reverse walk.
    pending: dict = {}
    for r, g in zip(roots, seeds):
        _add_pending(pending, r, g, create_graph)
    ready = [r for r in pending if deps[r] == 0]
    pop, take = ready.pop, pending.pop
    plain = capture is None and only is None
    captured = {}
    stolen = set(user_arrays)
    prev, was_in_backward = _state.grad_enabled, _state.in_backward
    _state.grad_enabled = create_graph
    _state.in_backward = True
    # The fast path: a backward() or autograd.grad with no graph built and nothing watching (no tracer, anomaly mode
    # or forward tangents) runs the array rules inline, without the calls of the general path below. The targets
    # of autograd.grad / backward(inputs=...) and the leaves they don't fill take the general path.
    fast = not create_graph and not _state.extra
    targets = capture if capture is not None else only
    # The cyclic GC would walk the whole tape again and again while backward frees it, node by node (PyTorch's
    # tape is C++ and never walked): paused for the walk, and restored to exactly what it was.
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        while ready:
            node = pop()
            g = take(node, None)
            if fast and g is not None and type(g) is not list:
                # on the fast path what has arrived is an array (or a numpy scalar), wrapped only if needed
                ga = g._data if type(g) is Tensor else g
                if not node.pre_hooks:
                    if type(node) is AccumulateGrad:
                        if plain:
                            _accumulate(node, ga, False, stolen)
                            continue
                    elif needed is None or (node in needed and node not in targets):
                        op = node.op
                        if op.arrays and not op.custom:
                            _fast_vjp(node, op, ga, retain_graph, pending, deps, ready)
                            continue
                if type(g) is not Tensor:
                    g = make(ga)
            grads = None
            if g is not None and (needed is None or node in needed):
                if node.pre_hooks:
                    g = _run_hooks(node, g)
                    stolen.add(HOOKED)  # a hook may have kept a gradient: from here on, copy instead
                if type(node) is AccumulateGrad:
                    if plain or (only is not None and node in only):
                        if create_graph and _state.tracer is not None:
                            with tracing(None):  # the backward pass's work: no tracer hears of it
                                _accumulate(node, g, create_graph, stolen)
                        else:
                            _accumulate(node, g, create_graph, stolen)
                    elif capture is not None:
                        captured[node] = g
                    continue
                if plain or _walk_past(node, g, capture, only, needed, captured, stolen):
                    grads = _call_vjp(node, g, retain_graph, create_graph)
                    if node.pre_hooks and "post_hooks" in node.__dict__:
                        grads = run_post_hooks(node, grads, g)
            for i, nxt in enumerate(node.next):
                if nxt is None:
                    continue
                target = nxt.node if type(nxt) is OutputEdge else nxt
                if grads is not None:
                    gi = grads[i]
                    if gi is not None and (needed is None or target in needed):
                        _add_pending(pending, nxt, gi, create_graph)
                n = deps[target] - 1
                deps[target] = n
                if n == 0:
                    ready.append(target)
    finally:
        _state.grad_enabled, _state.in_backward = prev, was_in_backward
        if collecting:
            gc.enable()
    if _state._tracer is not None:
        emit("backward_end")
    return captured


def _fast_vjp(node, op, ga, retain_graph: bool, pending: dict, deps: dict, ready: list) -> None:
    """One node of a plain backward(): its array rules on the arriving gradient ``ga`` (an array), reduced to each
    input's shape and dtype, summed as arrays into what has arrived for each input (what ``_call_vjp``,
    ``_finish_vjp`` and ``_add_pending`` do, inline; ``run`` wraps an array in a tensor where one is needed)."""
    nexts = node.next
    ins = _saved_arrays(node, op)
    params = node.params
    oa, vjp = node.out_data, op.vjp
    reduce_to = node.reduce_to
    if op.saves and not retain_graph:
        node.saved = node.out_data = node.versions = None  # versions None: freed
    wide = op.half_vjp and ga.dtype is _F16
    if wide:
        ga, oa, ins = _widened(ga, oa, ins)
    for i, e in enumerate(nexts):
        if e is None:
            continue
        r = vjp[i](ga, oa, *ins, **params) if params else vjp[i](ga, oa, *ins)
        if type(r) is not np.ndarray and not isinstance(r, np.generic):
            r = np.asarray(r)
        if wide:
            r = r.astype(_F16)
        if reduce_to is not None:
            meta = reduce_to[i]
            if meta is not None:  # (most inputs of a broadcasting op already have their shape and dtype)
                if r.shape != meta[0]:
                    r = sum_to_shape(r, meta[0])
                if r.dtype != meta[1]:
                    r = r.astype(meta[1])
        if type(e) is OutputEdge:
            _add_pending(pending, e, make(r), False)
            e = e.node
        else:
            old = pending.get(e)
            pending[e] = r if old is None else (old._data if type(old) is Tensor else old) + r
        n = deps[e] - 1
        deps[e] = n
        if n == 0:
            ready.append(e)


_F16, _F32 = np.dtype(np.float16), np.dtype(np.float32)


def _widened(ga, oa, ins):
    """A float16 gradient, output and inputs in float32, for a VJP that is one PyTorch kernel (``half_vjp``): it
    computes float16 in float32 and rounds once, where numpy would round every step of the rule."""

    def up(a):
        return a.astype(_F32) if isinstance(a, (np.ndarray, np.generic)) and a.dtype is _F16 else a

    return up(ga), up(oa), [up(a) for a in ins]


def _run_hooks(node, g):
    for hook in node.pre_hooks:
        new = hook(g)
        if new is not None:
            g = new
    return g


def _walk_past(node, g, capture, only, needed, captured, stolen) -> bool:
    """For autograd.grad and backward(inputs=...): note a target's gradient; go on only if needed."""
    if capture is not None and node in capture:  # autograd.grad w.r.t. a non-leaf
        captured[node] = g
        return _needs_vjp(node, needed)
    if only is not None and node in only:  # backward(inputs=[non-leaf]) fills its .grad
        for t in only[node]:
            mine = g[t._output_nr] if isinstance(g, list) else g
            if mine is not None:
                t._grad = _owned(mine, stolen) if t._grad is None else t._grad + mine
        return _needs_vjp(node, needed)
    return True


def _needs_vjp(node, needed) -> bool:
    """Whether gradients must still flow past a node whose own gradient was asked for."""
    for n in node.next:
        n = n.node if type(n) is OutputEdge else n
        if n is not None and n in needed and n is not node:
            return True
    return False


def _owned(g: Tensor, stolen: set) -> Tensor:
    return g if g.grad_fn is not None else make(g._data if _can_steal(g._data, stolen) else g._data.copy())


def _needed(targets, parents) -> set:
    """The nodes from which a target can be reached: only they need to run."""
    seen = set(targets)
    stack = list(targets)
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def _call_vjp(node, g, retain_graph: bool, create_graph: bool) -> list:
    """The gradients for a node's inputs (None where an input needs none): the partial adjoints it sends."""
    if not _state.extra or _state.tracer is None:
        return _run_vjp(node, g, retain_graph, create_graph)
    emit("node", node, g)
    with tracing(None):  # the rule's own arithmetic is part of this one adjoint evaluation
        grads = _run_vjp(node, g, retain_graph, create_graph)
    emit("partials", node, grads)
    return grads


def _check_saved(node) -> None:
    """What a node saved is still there and unchanged since (PyTorch's errors otherwise)."""
    versions = node.versions
    if versions is None:  # freed by an earlier backward
        raise RuntimeError(FREED)
    saved = node.saved
    if saved is not None:
        if versions is ALL_ZERO:
            for t in saved:
                now = t._ver if isinstance(t, Tensor) else None
                if now is not None and now[0] != 0:
                    raise RuntimeError(_version_error(node, t, now[0], 0))
        else:
            for t, v in zip(saved, versions):
                if v >= 0:
                    now = t._ver
                    if now is not None and now[0] != v:
                        raise RuntimeError(_version_error(node, t, now[0], v))
    out_ver = node.out_ver
    if out_ver is not None and out_ver[0] != 0:
        if type(out_ver) is list:
            raise RuntimeError(_version_error(node, None, out_ver[0], 0))
        raise RuntimeError(_version_error(node, None, out_ver.counter[0], out_ver.base))


_NO_INPUTS = [(None,) * n for n in range(8)]  # what a rule that saved no input is passed, by arity


def _saved_arrays(node, op):
    """The arrays of what a node saved, for its array rules (None in every place when it saved no input), checked
    first as ``_check_saved`` does; its common case (nothing saved was ever written to) runs in the same loop."""
    saved = node.saved
    if saved is None:
        if op.saves and (node.versions is None or node.out_ver is not None):  # freed, or its output was written to
            _check_saved(node)
        n = len(node.next)
        return _NO_INPUTS[n] if n < 8 else (None,) * n
    if node.versions is not ALL_ZERO or node.out_ver is not None:
        _check_saved(node)
        return [a._data if isinstance(a, Tensor) else a for a in saved]
    ins = []
    for a in saved:
        if isinstance(a, Tensor):
            now = a._ver
            if now is not None and now[0] != 0:
                raise RuntimeError(_version_error(node, a, now[0], 0))
            d = a._data
            # a 0-d array (a leaf's) as a numpy scalar: the rules' arithmetic on it is ~7x faster, with the same result
            ins.append(d[()] if not d.ndim and type(d) is np.ndarray else d)
        else:
            ins.append(a)
    return ins


def _run_vjp(node, g, retain_graph: bool, create_graph: bool) -> list:
    op = node.op
    if op.custom:  # a user's Function: its backward decides everything
        from .custom import call_backward

        return call_backward(node, g, retain_graph)
    nexts = node.next
    params = node.params
    if op.arrays and not create_graph:
        # The rule is an operator expression: run it on the arrays (no tensors, no graph).
        ins = _saved_arrays(node, op)
        ga, oa, vjp = g._data, node.out_data, op.vjp
        wide = op.half_vjp and ga.dtype is _F16
        if wide:
            ga, oa, ins = _widened(ga, oa, ins)
        grads = []
        for i, e in enumerate(nexts):
            if e is None:
                grads.append(None)
            else:
                r = vjp[i](ga, oa, *ins, **params) if params else vjp[i](ga, oa, *ins)
                r = r if type(r) is np.ndarray or isinstance(r, np.generic) else np.asarray(r)
                grads.append(make(r.astype(_F16) if wide else r))
        return _finish_vjp(node, grads, retain_graph, False)
    if op.saves:
        _check_saved(node)
    saved = node.saved
    inputs = saved if saved is not None else (None,) * len(nexts)
    out = make(node.out_data, node) if op.save_out else None
    table = _state.forward_tangents if _state.extra else None
    if out is not None and table is not None:
        entry = table.get(("out", id(node)))
        if entry is not None and entry[0]() is node:  # this node's output tangent, in this level
            table[id(out)] = (out, entry[1])
    if op.per_input:
        vjp = op.vjp
        if params:
            grads = [None if e is None else vjp[i](g, out, *inputs, **params) for i, e in enumerate(nexts)]
        else:
            grads = [None if e is None else vjp[i](g, out, *inputs) for i, e in enumerate(nexts)]
    else:
        grads = op.vjp(g, out, *inputs, **params)
    return _finish_vjp(node, grads, retain_graph, create_graph)


def _finish_vjp(node, grads: list, retain_graph: bool, create_graph: bool) -> list:
    """Undo broadcasting (recorded with ``create_graph``, else on the arrays), free what the node saved, and
    check for nan/inf in anomaly mode: how every op-table VJP ends."""
    reduce_to = node.reduce_to
    if reduce_to is not None:
        for i, meta in enumerate(reduce_to):
            gi = grads[i]
            if meta is not None and gi is not None:
                if create_graph:
                    gi = sum_to_shape(gi, meta[0])
                    grads[i] = gi if gi._data.dtype == meta[1] else gi.to(meta[1])
                else:
                    grads[i] = make(sum_to_shape(gi._data, meta[0]).astype(meta[1], copy=False))
    if node.op.saves and not retain_graph:
        node.saved = node.out_data = node.versions = None  # versions None: freed
    if _state.extra and _state.anomaly_enabled:
        from .anomaly import check_grads

        check_grads(node, grads)
    return grads


def _op_name(node) -> str:
    return type(node).__name__.rstrip("0123456789").removesuffix("Backward")


def _version_error(node, t, now: int, expected: int) -> str:
    if t is None:  # the node's own output
        saved = node.out_ver
        data = node.out_data if getattr(saved, "data", None) is None else saved.data
        what = f", which is output {getattr(saved, 'nr', 0)} of {_op_name(node)},"
    else:
        data = t._data
        what = f", which is output 0 of {_op_name(t.grad_fn)}," if t.grad_fn is not None else ""
    from .dtypes import from_numpy

    desc = f"[torch.{from_numpy(data.dtype).legacy} [{', '.join(map(str, data.shape))}]]"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{desc}{what} is at version {now}; expected version {expected} instead. Hint: enable anomaly detection "
        "to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).\n"
        f"{type(node).__name__} saved this tensor to compute the gradient; don't change it in place "
        "(x += ..., x.add_(...), x[i] = ...) before backward(): use x = x + ... or work on x.clone()."
    )


HOOKED = "a hook has run"  # in the ``stolen`` set: a user's hook may hold gradient arrays


def _can_steal(arr: np.ndarray, stolen: set) -> bool:
    """Whether a gradient array can become a leaf's ``.grad`` without a copy.

    Nothing else may hold it: not the user (a ``gradient=`` they passed), not another leaf (pass-through
    VJPs like add's hand the same array to both inputs), not another view of its memory. As PyTorch
    does, this reads reference counts: a view's base held only by the view is ours alone.
    """
    if not arr.flags.writeable or HOOKED in stolen:
        return False
    base = arr.base
    if base is not None:
        if not isinstance(base, np.ndarray) or base.base is not None or sys.getrefcount(base) > 3:
            return False
        key = id(base)
    else:
        key = id(arr)
    if key in stolen:
        return False
    stolen.add(key)
    return True


def _obeys_layout(data: np.ndarray, leaf: np.ndarray) -> bool:
    """PyTorch's obeys_layout_contract: a dense leaf's gradient has the leaf's strides (size-1 dims aside, but not
    0-strided), any other leaf's is contiguous."""
    from .ops.registry import dense

    if not dense(leaf):
        return data.flags.c_contiguous
    for size, g_stride, v_stride in zip(data.shape, data.strides, leaf.strides):
        if (g_stride != v_stride) if size != 1 else (g_stride == 0 or v_stride == 0):
            return False
    return True


def _in_layout_of(data: np.ndarray, leaf: np.ndarray) -> np.ndarray:
    """A copy of ``data`` laid out as PyTorch's clone_obey_contract lays it: as a dense leaf, else contiguous."""
    from .ops.registry import dense

    out = np.empty_like(leaf) if dense(leaf) else np.empty(leaf.shape, leaf.dtype)
    np.copyto(out, data)
    return out


def _accumulate(node: AccumulateGrad, g, create_graph: bool, stolen: set) -> None:
    """Add the gradient ``g`` that reached a leaf into its ``.grad``: a tensor, or an array (or numpy scalar) on the
    fast path of a plain backward()."""
    var = node._variable()
    if var is None:
        return
    if type(g) is Tensor or isinstance(g, Tensor):
        if not create_graph:
            g._view = None  # engine bookkeeping only; it would keep the gradient's base array alive
        data = g._data
    else:
        data, g = g, None
    fresh = False  # whether ``data`` is a new array nobody else holds
    if type(data) is not np.ndarray:  # a numpy scalar: .grad gets an array it can add into in place
        fresh = isinstance(data, np.generic)  # (np.asarray of an ndarray subclass would be a view)
        data = np.asarray(data)
    if data.dtype != var._data.dtype:
        data = data.astype(var._data.dtype)
        g = None
        fresh = True
    old = var._grad
    if old is None:
        if create_graph:  # as PyTorch: a copy that stays in the graph (CopyBackwards)
            from .ops import copy_from

            var._grad = copy_from(make(np.zeros_like(data)), make(data) if g is None else g)
        elif data.strides == var._data.strides or _obeys_layout(data, var._data):
            var._grad = make(data if fresh or _can_steal(data, stolen) else _in_layout_of(data, var._data))
        else:  # PyTorch's layout contract: .grad has its leaf's strides (x.grad.view(-1) works on a conv input)
            var._grad = make(_in_layout_of(data, var._data))
    elif create_graph or old.grad_fn is not None or not old._data.flags.writeable:
        var._grad = old + (make(data) if g is None else g)
    else:
        np.add(old._data, data, out=old._data)
        bump_version(old)
    hooks = var.__dict__.get("_post_accumulate_hooks")
    if hooks:  # Tensor.register_post_accumulate_grad_hook: hook(leaf) once its .grad holds this pass's sum
        for hook in list(hooks):
            returned = hook(var)
            if returned is not None:
                raise TypeError(f"expected Variable, but hook returned '{type(returned).__name__}'")
