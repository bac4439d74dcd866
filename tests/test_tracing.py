"""The tracer protocol: what a tracer is told of (ops, tangents, modules, each backward node with the partial
adjoints it sends), nesting, and that nothing but ``tracing()`` changes the active tracer."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import nbautodiff as nb
import nbautodiff.torch as torch
from nbautodiff.engine import mode
from nbautodiff.engine.tracing import EVENTS, Tracer, tracing
from nbautodiff.engine.watch import watching

from .conftest import needs_torch

ROOT = Path(__file__).resolve().parents[1]


class Log(Tracer):
    """Every event, in order, with the arguments a test needs."""

    def __init__(self):
        self.events = []

    def on_op(self, op, inputs, params, output):
        self.events.append(("op", op.name))

    def on_tangent(self, op, inputs, output, tangents, tangent):
        self.events.append(("tangent", op.name, float(tangent)))

    def on_module_enter(self, module, inputs):
        self.events.append(("enter", type(module).__name__))

    def on_module_exit(self, module, output):
        self.events.append(("exit", type(module).__name__))

    def on_node(self, node, grad):
        self.events.append(("node", node.name()))

    def on_partials(self, node, grads):
        sent = [None if g is None else np.round(g.detach().numpy(), 5).tolist() for g in grads]
        self.events.append(("partials", node.name(), sent))

    def on_backward_end(self):
        self.events.append(("end",))


class LeafAdjoints(Tracer):
    """The dlsys notes' node_to_grad for the leaves: each partial adjoint a leaf receives, by the node sending it."""

    def __init__(self, **leaves):
        self.names = {id(t._accumulator()): name for name, t in leaves.items()}
        self.received = {name: [] for name in leaves}

    def on_partials(self, node, grads):
        for edge, g in zip(node.next, grads):
            if g is not None and id(edge) in self.names:
                self.received[self.names[id(edge)]].append((node.name(), float(g)))


def seed_004():
    x1 = torch.tensor(2.0, requires_grad=True)
    x2 = torch.tensor(5.0, requires_grad=True)
    return x1, x2, torch.log(x1) + x1 * x2 - torch.sin(x2)


def test_the_partial_adjoints_of_seed_004_sum_to_the_gradients():
    x1, x2, y = seed_004()
    with tracing(LeafAdjoints(x1=x1, x2=x2)) as t:
        y.backward()
    # v̄2 = v̄2→4 + v̄2→5 = v1 + (−cos v2); v̄1 = v̄1→3 + v̄1→4 = 1/v1 + v2
    assert sorted(t.received["x2"]) == [("MulBackward0", pytest.approx(2.0)),
                                        ("SinBackward0", pytest.approx(-math.cos(5.0), abs=1e-6))]
    assert sorted(t.received["x1"]) == [("LogBackward0", pytest.approx(0.5)), ("MulBackward0", pytest.approx(5.0))]
    assert round(-math.cos(5.0), 3) == -0.284
    assert sum(g for _, g in t.received["x2"]) == pytest.approx(x2.grad.item()) and round(x2.grad.item(), 3) == 1.716
    assert sum(g for _, g in t.received["x1"]) == pytest.approx(x1.grad.item()) == 5.5


def test_events_come_in_order_and_each_node_reports_what_it_sends():
    x1, x2 = torch.tensor(2.0, requires_grad=True), torch.tensor(5.0, requires_grad=True)
    with tracing(Log()) as log:
        y = x1 * x2 + x1
        y.backward()
    assert log.events == [
        ("op", "mul"), ("op", "add"),
        ("node", "AddBackward0"), ("partials", "AddBackward0", [1.0, 1.0]),
        ("node", "MulBackward0"), ("partials", "MulBackward0", [5.0, 2.0]),
        ("end",),
    ]


def test_partials_are_summed_back_to_each_inputs_shape_and_none_where_nothing_flows():
    x = torch.ones(3, requires_grad=True)
    c = torch.ones(2, 3)  # needs no gradient: its edge gets None
    with tracing(Log()) as log:
        (x * c).sum().backward()
    assert ("partials", "MulBackward0", [[2.0, 2.0, 2.0], None]) in log.events


def test_tracers_nest_and_the_outer_one_sees_everything():
    x = torch.tensor(2.0, requires_grad=True)
    with tracing(Log()) as outer:
        with nb.count_ops() as inner:
            (x * x).exp().backward()
        x.sin()
    assert (inner.primal, inner.adjoint) == (2, 2)
    assert [e[0] for e in outer.events] == ["op", "op", "node", "partials", "node", "partials", "end", "op"]
    assert mode.state.tracer is None


def test_a_failing_block_restores_the_previous_tracer():
    with tracing(Log()) as outer:
        with pytest.raises(ZeroDivisionError), tracing(Log()):
            1 / 0
        assert mode.state.tracer is outer
    assert mode.state.tracer is None


def test_a_tracer_does_not_see_its_own_arithmetic():
    class Doubler(Tracer):
        seen = 0

        def on_op(self, op, inputs, params, output):
            self.seen += 1
            output * 2  # an op of the tracer's own, not the user's

    with tracing(Doubler()) as t:
        torch.tensor(1.0, requires_grad=True).exp()
    assert t.seen == 1


def test_tangents_are_reported_in_forward_mode():
    with tracing(Log()) as log:
        nb.jvp(lambda x: x.sin() * 3, (torch.tensor(0.0),), (torch.tensor(1.0),))
    assert ("tangent", "sin", 1.0) in log.events and ("tangent", "mul", 3.0) in log.events


def test_module_forward_is_entered_and_left_around_its_ops():
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    with tracing(Log()) as log:
        net(torch.ones(1, 2))
    names = [e[1] if e[0] != "op" else "op" for e in log.events]
    assert names[0] == "Sequential" and names[1] == "Linear" and names[-1] == "Sequential"
    assert names.index("ReLU") > names.index("Linear") and "op" in names[2:names.index("ReLU")]
    enters = [e for e in log.events if e[0] == "enter"]
    exits = [e for e in log.events if e[0] == "exit"]
    assert len(enters) == len(exits) == 3


def test_detach_is_reported_with_its_source():
    class Detaches(Tracer):
        pairs = []

        def on_detach(self, source, result):
            self.pairs.append((source, result))

    x = torch.tensor(2.0, requires_grad=True)
    y = x * 3
    with tracing(Detaches()) as t:
        c = y.detach()
    assert t.pairs == [(y, c)] and not c.requires_grad


@pytest.mark.parametrize("backend", ["numpy", pytest.param("torch", marks=needs_torch)])
def test_new_leaves_are_reported_however_they_are_made(backend):
    class Leaves(Tracer):
        def __init__(self):
            self.made = []

        def on_leaf(self, t):
            self.made.append(tuple(t.shape))

    with nb.use_backend(backend), watching(Leaves()) as t:
        torch.tensor(2.0, requires_grad=True)
        torch.ones(2, 3, requires_grad=True)
        x = torch.zeros(4)
        x.requires_grad_()
        x.requires_grad_()  # already a leaf that requires grad: not new
        torch.nn.Linear(3, 1)
        torch.tensor(1.0)  # no gradient wanted: not a leaf of any graph
    assert t.made == [(), (2, 3), (4,), (1, 3), (1,)]


def test_autograd_grad_reports_its_pass_too():
    x = torch.tensor(3.0, requires_grad=True)
    with tracing(Log()) as log:
        (g,) = torch.autograd.grad(x**2, x)
    assert ("partials", "PowBackward0", [6.0]) in log.events and log.events[-1] == ("end",) and g.item() == 6.0


def test_a_multi_output_node_reports_one_partial():
    x = torch.arange(4.0, requires_grad=True)
    with tracing(Log()) as log:
        a, b = x.split(2)
        (a * 2 + b).sum().backward()
    assert ("partials", "SplitBackward0", [[2.0, 2.0, 1.0, 1.0]]) in log.events


def test_every_event_has_a_handler_on_the_base():
    assert all(callable(getattr(Tracer, "on_" + e)) for e in EVENTS)
    np.testing.assert_equal(len(EVENTS), 9)


def test_only_tracing_changes_the_active_tracer():
    writes = []
    for path in (ROOT / "nbautodiff").rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.tracer\s*=(?!=)", line) and path.name != "tracing.py":
                writes.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not writes, "\n".join(writes)


def _events_on(backend: str, program) -> list:
    with nb.use_backend(backend), watching(Log()) as log:
        program()
    return log.events


def _seed_004_and_its_backward():
    x1, x2, y = seed_004()
    y.backward()


def _one_over_exp():
    x = torch.tensor(2.0, requires_grad=True)
    (1.0 / torch.exp(x)).backward()


@needs_torch
@pytest.mark.parametrize("program", [_seed_004_and_its_backward, _one_over_exp])
def test_watching_tells_a_tracer_the_same_events_on_the_torch_backend(program):
    own, real = _events_on("numpy", program), _events_on("torch", program)
    assert [e for e in own if e[0] != "op"] == [e for e in real if e[0] != "op"]  # nodes and partial adjoints
    if program is _seed_004_and_its_backward:
        assert own == real


class Square(nb.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


@needs_torch
def test_count_ops_counts_on_the_torch_backend_as_on_the_own_engine():
    counts = {}
    for backend in ("numpy", "torch"):
        with nb.use_backend(backend), nb.count_ops() as n:
            x1, x2, y = seed_004()
            y.backward()
            x = torch.tensor(100.0, requires_grad=True)
            (1.0 / torch.exp(x)).backward()  # PyTorch's one call: reciprocal and mul, two primitives
            with torch.autograd.forward_ad.dual_level():
                d = torch.autograd.forward_ad.make_dual(torch.tensor(0.5), torch.tensor(1.0))
                torch.sin(d) * 3
            Square.apply(x).backward()  # a custom Function: its forward's mul, and its node in backward
        counts[backend] = (n.primal, n.tangent, n.adjoint, dict(n.by_op))
    assert counts["numpy"][:3] == counts["torch"][:3] == (11, 2, 9)
    assert "Square" not in counts["numpy"][3] and "Square" not in counts["torch"][3]


@needs_torch
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_the_gradients_autograd_grad_returns_are_not_ops_of_the_user(backend):
    with nb.use_backend(backend), watching(Log()) as log:
        x = torch.tensor(2.0, requires_grad=True)
        (g,) = torch.autograd.grad(x * x * x, x, create_graph=True)
    assert [e for e in log.events if e[0] == "op"] == [("op", "mul"), ("op", "mul")] and g.requires_grad


@needs_torch
def test_a_torch_call_with_keyword_tensors_is_counted():
    with nb.use_backend("torch"), nb.count_ops() as n:
        x = torch.tensor(2.0, requires_grad=True)
        torch.add(input=x, other=x).backward()
    assert (n.primal, n.adjoint) == (1, 1)
