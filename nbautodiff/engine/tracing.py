"""One way to watch the engine: a tracer is told of every op recorded, every JVP, every module's forward and every
step of the backward pass. Op counts, evaluation traces, the recorder behind the pictures and the backprop stepper
are tracers; ``tracing(t)`` installs one for a block and is the only thing that changes which tracer is active.

>>> class Partials(Tracer):
...     def __init__(self):
...         self.sent = []
...     def on_partials(self, node, grads):
...         self.sent.append((node.name(), [None if g is None else round(float(g), 3) for g in grads]))
>>> x1, x2 = tensor(2., requires_grad=True), tensor(5., requires_grad=True)
>>> with tracing(Partials()) as t:
...     (x1 * x2).backward()
>>> t.sent          # v4 = v1·v2 sends v̄4·v2 = 5 to v1 and v1·v̄4 = 2 to v2
[('MulBackward0', [5.0, 2.0])]
"""

from __future__ import annotations

from . import mode

_state = mode.state

EVENTS = ("leaf", "op", "tangent", "detach", "module_enter", "module_exit", "node", "partials", "backward_end")


class Tracer:
    """Base of everything that watches the engine: override the ``on_*`` events you need.

    Each event reaches this tracer and then the tracer it wraps (the one active when it was installed), so
    tracers nest and an outer one still sees everything. While a tracer handles an event, or a rule computes a
    tangent or a partial adjoint, no tracer is active: that arithmetic is the engine's, not the user's.
    """

    outer: Tracer | None = None

    def on_leaf(self, tensor) -> None:
        """A tensor became a leaf that requires grad (made with ``requires_grad=True``, or ``requires_grad_()``)."""

    def on_op(self, op, inputs: tuple, params: dict | None, output) -> None:
        """An op-table row ran on ``inputs`` (tensors and constants) and gave ``output`` (recorded or not)."""

    def on_tangent(self, op, inputs: tuple, output, tangents: list, tangent) -> None:
        """Forward mode: ``output``'s tangent from the inputs' (None where an input has none) by the row's JVP."""

    def on_detach(self, source, result) -> None:
        """``result`` is ``source.detach()``: the same values, cut from the graph (a picture draws the edge cut)."""

    def on_module_enter(self, module, inputs: tuple) -> None:
        """``module(*inputs)`` starts (``nn.Module.__call__``): the ops until its exit are its own."""

    def on_module_exit(self, module, output) -> None:
        """``module``'s forward ended (``output`` is None if it raised)."""

    def on_node(self, node, grad) -> None:
        """Backward: ``node`` is about to run its VJP on the gradient that arrived (a list for several outputs)."""

    def on_partials(self, node, grads: list) -> None:
        """Backward: the partial adjoints ``node`` sends along each input edge (``node.next``), None where nothing
        flows; they are summed into each input's gradient after this."""

    def on_backward_end(self) -> None:
        """A backward pass (``backward()`` or ``autograd.grad``) finished."""


def emit(event: str, *args) -> None:
    """Tell the active tracer, and each one it wraps, of an event (see :data:`EVENTS`); the engine calls this."""
    tracer = _state.tracer
    if tracer is None:
        return
    with tracing(None):  # what a tracer computes while it looks is not the user's computation
        while tracer is not None:
            getattr(tracer, "on_" + event)(*args)
            tracer = tracer.outer


class tracing:
    """Install ``tracer`` for a block (``None`` pauses tracing), restoring the previous one afterwards.

    >>> with tracing(Tracer()) as t:
    ...     tensor(2., requires_grad=True).exp()
    tensor(7.3891, grad_fn=<ExpBackward0>)
    """

    __slots__ = ("tracer", "_prev")

    def __init__(self, tracer: Tracer | None):
        self.tracer = tracer

    def __enter__(self):
        self._prev = _state.tracer
        if self.tracer is not None:
            self.tracer.outer = self._prev
        _state.tracer = self.tracer
        return self.tracer

    def __exit__(self, *exc) -> bool:
        _state.tracer = self._prev
        return False
