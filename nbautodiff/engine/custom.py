"""Custom gradients, one mechanism with three faces.

A custom rule is a node whose backward calls the user's function instead of an op-table VJP:
- PyTorch's ``autograd.Function`` (``forward(ctx, ...)``, ``backward(ctx, g)``, ``ctx.save_for_backward``,
  an optional ``jvp(ctx, ...)`` for forward mode, ``.apply``);
- JAX's ``custom_vjp`` (``f.defvjp(fwd, bwd)``, residuals passed from ``fwd`` to ``bwd``);
- TensorFlow's ``custom_gradient`` (``f`` returns ``(y, grad_fn)``), which the TF dialect uses.
The last two are written as a ``Function`` made on the fly. On the torch backend a ``Function`` applies as a real
``torch.autograd.Function`` made from the same ``forward``/``backward``/``jvp``, so PyTorch's backward calls them.
"""

from __future__ import annotations

import functools

import numpy as np

from . import mode
from .backward import FREED as FREED_SAVED  # noqa: E402
from .node import Node
from .ops.registry import Op
from .own import active_ns, on_torch
from .tensor import Tensor, bump_version, make
from .tracing import emit


class FunctionCtx(Node):
    """The ``ctx`` a Function's forward and backward share; it is also the graph node (``y.grad_fn``)."""

    __slots__ = ()
    multi = True  # gradients arrive as a list, one per output (even for one output)

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; changing them in place before backward is an error, as in PyTorch."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument is of type {type(t).__name__}"
                )
        self.__dict__["_to_save"] = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self.versions is None:
            raise RuntimeError(FREED_SAVED)
        if self.saved is None:
            return tuple(self.__dict__.get("_to_save", ()))
        for t, v in zip(self.saved, self.versions):
            if t is not None and v >= 0 and t._ver is not None and t._ver[0] != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: saved by {type(self).__name__}, now at version {t._ver[0]}; expected version {v} "
                    "instead.\nDon't change a tensor in place between save_for_backward and backward."
                )
        return self.saved

    def mark_non_differentiable(self, *outputs) -> None:
        self.__dict__["_non_diff"] = {id(o) for o in outputs}

    def set_materialize_grads(self, value: bool) -> None:
        self.__dict__["_materialize"] = bool(value)

    def mark_dirty(self, *tensors) -> None:
        """The inputs ``forward`` changed in place: they are returned as themselves, with this node as history."""
        self.__dict__["_dirty"] = {id(t) for t in tensors}


class CustomOp(Op):
    """A Function's row: its node is the user's rule, and what it evaluates are the primitives its ``forward`` runs
    (counted as those, on both backends: PyTorch's ``Function.apply`` is no call a tracer sees)."""

    __slots__ = ()
    evaluations = 0


_NODE_CLASSES: dict = {}


def _ctx_class(name: str) -> type:
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        attrs = {"__slots__": (), "__module__": "torch.autograd.function"}  # where PyTorch's are: same repr
        cls = _NODE_CLASSES[name] = type(name, (FunctionCtx,), attrs)
    return cls


class Function:
    """Define a primitive with your own forward and backward, as ``torch.autograd.Function``.

    >>> class Exp(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (y,) = ctx.saved_tensors
    ...         return g * y
    >>> x = tensor(1., requires_grad=True)
    >>> Exp.apply(x).backward(); x.grad
    tensor(2.7183)
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """The newer style: ``forward(*args)`` without ctx, then ``setup_context(ctx, inputs, output)`` saves what
        backward needs (what torch.func's transforms ask for)."""
        raise NotImplementedError("setup_context is not implemented.")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        op = CustomOp()
        op.name, op.node_name = cls.__name__, cls.__dict__.get("_node_name", f"{cls.__name__}Backward")
        op.node_cls = _ctx_class(op.node_name)
        op.forward = op.vjp = op.jvp = None
        op.save, op.save_all, op.save_out, op.broadcast, op.view = (), False, False, False, False
        op.error, op.sets_dtype, op.multi, op.saves, op.per_input, op.arrays = None, False, True, True, False, False
        op.save_mask, op.custom, op.reads, op.save_masks, op.half, op.half_vjp = (), True, None, None, False, False
        cls._op = op

    @classmethod
    def apply(cls, *args, **kwargs):
        if on_torch():
            return _torch_function(cls).apply(*args, **kwargs)
        state = mode.state
        ctx = cls._op.node_cls(cls._op, None, ())
        ctx.__dict__["function"] = cls
        ctx.__dict__["needs_input_grad"] = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        prev = state.grad_enabled
        state.grad_enabled = False
        table = state.forward_tangents
        state.forward_tangents = None  # forward runs untraced: the rule, not its insides, defines it
        try:
            if cls.setup_context is Function.setup_context:
                outputs = cls.forward(ctx, *args, **kwargs)
            else:  # forward(*args), then setup_context(ctx, inputs, output), as PyTorch calls them
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
        finally:
            state.grad_enabled = prev
            state.forward_tangents = table
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        tracked = prev and any(ctx.needs_input_grad)
        non_diff = ctx.__dict__.get("_non_diff", set())
        dirty = ctx.__dict__.get("_dirty", ())
        # (the edges before any dirty input is rebased onto this node)
        edges = tuple(a._edge() if isinstance(a, Tensor) and a._requires_grad else None for a in args) \
            if tracked else ()
        results = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                results.append(o)
                continue
            differentiable = tracked and id(o) not in non_diff and o._data.dtype.kind == "f"
            if id(o) in dirty and any(o is a for a in args):  # an input changed in place: itself, rebased
                bump_version(o)
                if differentiable:
                    o.grad_fn, o._requires_grad = ctx, True
                    o._output_nr = i
                results.append(o)
                continue
            r = make(o._data, ctx if differentiable else None)
            r._output_nr = i
            results.append(r)
        if tracked:
            ctx.next = edges
            ctx.n_outputs = len(outs)
            ctx.__dict__["_out_meta"] = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                                         for o in outs]
            ctx.__dict__["_input_meta"] = [(a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None
                                           for a in args]
            to_save = ctx.__dict__.pop("_to_save", None)
            if to_save is not None:
                ctx.saved = tuple(to_save)
                ctx.versions = tuple(-1 if t is None else (0 if t._ver is None else t._ver[0]) for t in to_save)
        if table is not None:
            _push_custom_tangents(cls, ctx, args, results, table)
        if state.tracer is not None:
            for r in results:
                if isinstance(r, Tensor):
                    emit("op", cls._op, args, None, r)
        return results[0] if single else tuple(results)


class _DelayedError(Function):
    """The node behind a ``once_differentiable`` backward's results: differentiating it again raises."""

    _node_name = "Error"  # PyTorch's name for it

    @staticmethod
    def forward(ctx, *values):
        return values if len(values) > 1 else values[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(fn):
    """Mark a Function's ``backward`` as not differentiable itself (``torch.autograd.function.once_differentiable``):
    it runs without recording, and a double backward through its results raises PyTorch's error."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with mode.no_grad():
            outputs = fn(ctx, *args)
        if not mode.state.grad_enabled or not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        marked = [None if o is None else make(o._data, None) for o in outs]
        for m in marked:
            if m is not None:
                m._requires_grad = True
        present = [m for m in marked if m is not None]
        errs = _DelayedError.apply(*present) if present else ()
        errs = list(errs) if isinstance(errs, tuple) else [errs]
        result = [None if m is None else errs.pop(0) for m in marked]
        return result[0] if single else tuple(result)

    return wrapper


def call_backward(ctx: FunctionCtx, grads, retain_graph: bool) -> list:
    """Run a Function's backward for the backward pass, with PyTorch's checks on what it returns."""
    cls = ctx.__dict__["function"]
    if ctx.versions is None:
        raise RuntimeError(FREED_SAVED)
    if ctx.saved is not None:
        _ = ctx.saved_tensors  # reading them runs the version check
    grads = list(grads)
    if ctx.__dict__.get("_materialize", True):
        for i, (g, meta) in enumerate(zip(grads, ctx.__dict__["_out_meta"])):
            if g is None and meta is not None:
                grads[i] = make(np.zeros(meta[0], dtype=meta[1]))
    result = cls.backward(ctx, *grads)
    result = list(result) if isinstance(result, (tuple, list)) else [result]
    name = type(ctx).__name__
    n_inputs = len(ctx.next)
    while len(result) > n_inputs and result[-1] is None:
        result.pop()
    if len(result) != n_inputs:
        raise RuntimeError(
            f"function {name} returned an incorrect number of gradients (expected {n_inputs}, got {len(result)})"
        )
    for i, (g, meta, edge) in enumerate(zip(result, ctx.__dict__["_input_meta"], ctx.next)):
        if g is None or edge is None:
            result[i] = None
            continue
        if not isinstance(g, Tensor):
            g = result[i] = make(np.asarray(g, dtype=meta[1]))
        if tuple(g.shape) != tuple(meta[0]):
            if g._data.size == int(np.prod(meta[0], dtype=np.int64)):
                result[i] = g.reshape(meta[0])
            else:
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {i} - got {list(g.shape)} but expected "
                    f"shape compatible with {list(meta[0])}"
                )
    if not retain_graph and ctx.saved is not None:
        ctx.saved = None
        ctx.versions = None
    if mode.state.anomaly_enabled:
        from .anomaly import check_grads

        check_grads(ctx, result)
    return result


def _push_custom_tangents(cls, ctx, args, results, table) -> None:
    """Forward mode through a Function: its ``jvp`` gives the outputs' tangents, at every open level (outermost
    first, each with the levels around it open, as the op table's rows)."""
    levels = []
    while table is not None:
        levels.append(table)
        table = table.parent
    for level in reversed(levels):
        _push_custom_level(cls, ctx, args, results, level, levels[0])


def _push_custom_level(cls, ctx, args, results, table, inner) -> None:
    tangents = [table[id(a)][1] if isinstance(a, Tensor) and id(a) in table else None for a in args]
    if not any(t is not None for t in tangents):
        return
    tangents = [make(np.zeros_like(np.asarray(a._data))) if t is None and isinstance(a, Tensor) else t
                for a, t in zip(args, tangents)]
    mode.state.forward_tangents = table.parent
    try:
        out = cls.jvp(ctx, *tangents)
    finally:
        mode.state.forward_tangents = inner
    outs = out if isinstance(out, tuple) else (out,)
    for r, t in zip(results, outs):
        if isinstance(r, Tensor) and t is not None:
            table[id(r)] = (r, t)


_NOT_COPIED = {"__dict__", "__weakref__", "_op", "_as_torch", "apply", "__init_subclass__"}


def _torch_function(cls) -> type:
    """The ``torch.autograd.Function`` that is ``cls`` on the torch backend: the same methods (one class, made on
    first use)."""
    made = cls.__dict__.get("_as_torch")
    if made is None:
        members: dict = {}
        for klass in reversed(cls.__mro__[: cls.__mro__.index(Function)]):
            members.update({k: v for k, v in vars(klass).items() if k not in _NOT_COPIED})
        made = type(cls.__name__, (active_ns().autograd.Function,), members)
        cls._as_torch = made
    return made


# ---------------------------------------------------------------------------------------------- JAX's face
class custom_vjp:
    """JAX's ``custom_vjp``: ``f.defvjp(fwd, bwd)``; ``fwd`` returns ``(y, residuals)``, ``bwd(residuals, g)``
    returns one gradient per argument. On the torch backend it is a ``torch.autograd.Function``.

    >>> @custom_vjp
    ... def f(x):
    ...     return 1 / x.exp()
    >>> f.defvjp(lambda x: (1 / x.exp(), x), lambda x, g: (-g * (-x).exp(),))
    >>> x = tensor(100., requires_grad=True); f(x).backward(); x.grad
    tensor(-3.7835e-44)
    """

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self._function = None

    def defvjp(self, fwd, bwd) -> None:
        def forward(ctx, *args):
            y, residuals = fwd(*args)
            ctx.residuals = residuals
            return y

        def backward(ctx, *grads):
            result = bwd(ctx.residuals, grads[0] if len(grads) == 1 else grads)
            return tuple(result) if isinstance(result, (tuple, list)) else (result,)

        self._function = type(self.fun.__name__, (Function,), {
            "forward": staticmethod(forward), "backward": staticmethod(backward)})

    def __call__(self, *args):
        if self._function is None:
            return self.fun(*args)
        return self._function.apply(*args)


# ---------------------------------------------------------------------------------------------- TF's face
def custom_gradient(fun):
    """TensorFlow's ``custom_gradient``: ``fun`` returns ``(y, grad_fn)`` with ``grad_fn(upstream)`` giving
    the gradient(s) of the inputs. On the torch backend it is a ``torch.autograd.Function``. The article's stable
    gradient of 1/exp(x):

    >>> @custom_gradient
    ... def f(x):
    ...     return 1. / x.exp(), lambda upstream: upstream * -(-x).exp()
    >>> x = tensor(100., requires_grad=True); f(x).backward(); x.grad
    tensor(-3.7835e-44)
    """

    def forward(ctx, *args):
        y, grad_fn = fun(*args)
        ctx.grad_fn_ = grad_fn
        return y

    def backward(ctx, *grads):
        result = ctx.grad_fn_(*grads)
        return tuple(result) if isinstance(result, (tuple, list)) else (result,)

    function = type(fun.__name__, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})

    @functools.wraps(fun)
    def wrapper(*args):
        return function.apply(*args)

    wrapper.function = function
    return wrapper
