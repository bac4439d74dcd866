"""inspect.graph: one backend-neutral snapshot of a recorded graph, from our tensors and from real PyTorch's."""

import json
import math

import numpy as np
import pytest

import nbautodiff.torch as nbt
from nbautodiff.inspect import Graph, GraphNode, graph

from .conftest import needs_torch, real_torch

LESSON_LABELS = ["x1", "x2", "LogBackward0", "MulBackward0", "AddBackward0", "SinBackward0", "SubBackward0"]
LESSON_EDGES = [(0, 2, 0), (0, 3, 0), (1, 3, 0), (2, 4, 0), (3, 4, 0), (1, 5, 0), (4, 6, 0), (5, 6, 0)]


def lesson(lib):
    """y = ln(x1) + x1·x2 − sin(x2) at (2, 5), in float64, on either backend."""
    x1 = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
    x2 = lib.tensor(5.0, dtype=lib.float64, requires_grad=True)
    return x1, x2, lib.log(x1) + x1 * x2 - lib.sin(x2)


def structure(g: Graph):
    return [(n.kind, n.label) for n in g.nodes], g.edges


def test_lesson_graph_labels_kinds_edges_and_tape_order():
    x1, x2, y = lesson(nbt)
    g = graph(y, names={"x1": x1, "x2": x2})
    assert [n.label for n in g.nodes] == LESSON_LABELS  # leaves first, then ops as recorded
    assert [n.id for n in g.nodes] == list(range(7))
    assert [n.kind for n in g.nodes] == ["leaf"] * 2 + ["intermediate"] * 4 + ["output"]
    assert [n.name for n in g.nodes] == ["x1", "x2"] + [None] * 5
    assert g.edges == LESSON_EDGES and len(g.edges) == 8
    assert g.outputs == [6]
    leaf, out = g.nodes[0], g.nodes[6]
    assert (leaf.shape, leaf.dtype, float(leaf.value)) == ((), "float64", 2.0)
    assert out.value == pytest.approx(11.652, abs=5e-4) and out.dtype == "float64"
    assert all(n.value is None for n in g.nodes[2:6])  # our nodes don't keep their outputs
    assert leaf.grad is None
    y.backward()
    grads = [n.grad for n in graph(y).nodes[:2]]
    assert grads[0] == pytest.approx(5.5) and grads[1] == pytest.approx(2 - math.cos(5))


def test_unnamed_leaves_are_accumulate_grad():
    _, _, y = lesson(nbt)
    assert [n.label for n in graph(y).nodes] == ["AccumulateGrad"] * 2 + LESSON_LABELS[2:]


@needs_torch
def test_real_pytorch_gives_the_same_snapshot():
    ours = graph(lesson(nbt)[2])
    x1, x2, y = lesson(real_torch)
    theirs = graph(y)
    assert structure(theirs) == structure(ours)
    assert theirs.nodes[6].value == pytest.approx(ours.nodes[6].value)
    named = graph(y, names={"x1": x1, "x2": x2})
    assert [n.label for n in named.nodes] == LESSON_LABELS and named.edges == LESSON_EDGES


def test_to_dot_is_deterministic():
    x1, x2, y = lesson(nbt)
    dot = graph(y, names={"x1": x1, "x2": x2}).to_dot()
    assert dot == graph(y, names={"x1": x1, "x2": x2}).to_dot()
    x1b, x2b, yb = lesson(nbt)  # other objects at other addresses: the same text
    assert graph(yb, names={"x1": x1b, "x2": x2b}).to_dot() == dot
    assert dot.startswith("digraph nbautodiff {") and dot.rstrip().endswith("}")
    assert '  n0 [label="x1\\n() float64\\n= 2", fillcolor=lightblue];' in dot
    assert "  n4 -> n6;\n  n5 -> n6;" in dot and dot.count("->") == 8


@needs_torch
def test_to_dot_is_the_same_from_real_pytorch():
    x1, x2, y = lesson(nbt)
    t1, t2, ty = lesson(real_torch)
    assert graph(ty, names={"x1": t1, "x2": t2}).to_dot() == graph(y, names={"x1": x1, "x2": x2}).to_dot()


def test_a_20000_op_chain_is_walked_without_recursion():
    x = nbt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    g = graph(y)
    assert len(g.nodes) == 20_001 and len(g.edges) == 20_000
    assert g.edges[0] == (0, 1, 0) and g.edges[-1] == (19_999, 20_000, 0)
    assert g.nodes[-1].kind == "output" and g.nodes[1].label == "MulBackward0"


@needs_torch
def test_a_20000_op_chain_of_real_pytorch():
    x = real_torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    assert len(graph(y).nodes) == 20_001


def extended(lib):
    """The dlsys notes' extended graph: y = (exp(v1) + 1)·exp(v1), and the graph of its gradient."""
    v1 = lib.tensor(0.5, requires_grad=True)
    y = (lib.exp(v1) + 1) * lib.exp(v1)
    (g,) = lib.autograd.grad(y, v1, create_graph=True)
    return v1, y, g


def test_the_gradient_graph_of_create_graph():
    v1, y, g = extended(nbt)
    fwd, bwd = graph(y), graph(g, names={"v1": v1})
    labels = [n.label for n in bwd.nodes]
    assert {"MulBackward0", "AddBackward0", "ExpBackward0"} <= set(labels)
    assert labels.count("MulBackward0") > [n.label for n in fwd.nodes].count("MulBackward0")
    assert labels[0] == "v1" and bwd.nodes[-1].kind == "output"
    assert bwd.nodes[-1].value == pytest.approx(2 * math.exp(1.0) + math.exp(0.5), rel=1e-6)
    assert len(bwd.nodes) == 9 and len(bwd.edges) == 11
    exps = [n for n in bwd.nodes if n.label == "ExpBackward0"]
    assert [float(n.value) for n in exps] == pytest.approx([math.exp(0.5)] * 2, rel=1e-6)  # exp saves its output


@needs_torch
def test_the_gradient_graph_matches_real_pytorch():
    v1, _, g = extended(nbt)
    tv1, _, tg = extended(real_torch)
    assert structure(graph(tg, names={"v1": tv1})) == structure(graph(g, names={"v1": v1}))


def test_leaves_that_dont_require_grad_are_not_nodes():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    c = nbt.tensor([3.0, 4.0])
    g = graph((x * c).sum())
    assert [n.label for n in g.nodes] == ["AccumulateGrad", "MulBackward0", "SumBackward0"]
    assert g.edges == [(0, 1, 0), (1, 2, 0)]


def test_the_same_leaf_twice_gives_two_edges():
    x = nbt.tensor(3.0, requires_grad=True)
    assert graph(x * x).edges == [(0, 1, 0), (0, 1, 0)]


def test_split_edges_carry_the_output_number():
    a = nbt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    p, q = a.split(2)
    g = graph((p * q).sum())
    assert [n.label for n in g.nodes] == ["AccumulateGrad", "SplitBackward0", "MulBackward0", "SumBackward0"]
    assert g.edges == [(0, 1, 0), (1, 2, 0), (1, 2, 1), (2, 3, 0)]
    both = graph(p, q)  # two outputs of one node: it has no single value
    assert both.nodes[1].kind == "output" and both.nodes[1].value is None


def test_inputs_cut_the_graph():
    x1 = nbt.tensor(2.0, requires_grad=True)
    x2 = nbt.tensor(5.0, requires_grad=True)
    h = x1 * x2
    g = graph(h.exp() + x1, inputs=[h], names={"h": h})
    assert [(n.kind, n.label) for n in g.nodes] == [
        ("leaf", "h"), ("leaf", "AccumulateGrad"), ("intermediate", "ExpBackward0"), ("output", "AddBackward0")]
    assert float(g.nodes[0].value) == 10.0
    assert g.edges == [(0, 2, 0), (2, 3, 0), (1, 3, 0)]


def test_a_leaf_as_output_and_errors():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    g = graph(x)
    assert [(n.kind, n.label, n.shape) for n in g.nodes] == [("leaf", "AccumulateGrad", (2,))] and g.edges == []
    with pytest.raises(ValueError, match="doesn't require grad"):
        graph(nbt.tensor(1.0))
    with pytest.raises(ValueError, match="at least one output"):
        graph()


def test_to_dict_is_json():
    x1, x2, y = lesson(nbt)
    d = graph(y, names={"x1": x1}).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["nodes"][0] == {"id": 0, "kind": "leaf", "label": "x1", "name": "x1", "shape": [], "dtype": "float64",
                             "value": 2.0, "grad": None}
    assert d["edges"][0] == [0, 2, 0] and d["outputs"] == [6]
    assert isinstance(d["nodes"][6]["value"], float)


def test_text_and_html():
    x1, x2, y = lesson(nbt)
    g = graph(y, names={"x1": x1, "x2": x2})
    text = str(g)
    assert text.startswith("graph: 7 nodes") and "8 edges (input → consumer)" in text
    assert "0: x1            2: LogBackward0  0" in text
    html = g._repr_html_()
    assert html.count("<table>") == 2 and "SubBackward0" in html

    class Printer:
        out = ""

        def text(self, s):
            self.out += s

    p = Printer()
    g._repr_pretty_(p, False)
    assert p.out == text
    assert isinstance(g.nodes[0], GraphNode)


def test_matrices_print_on_one_line():
    w = nbt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = str(graph(w.sum())).splitlines()
    assert any("[[1., 2.], [3., 4.]]" in r for r in rows)
    np.testing.assert_array_equal(graph(w.sum()).nodes[0].value, [[1.0, 2.0], [3.0, 4.0]])


@needs_torch
def test_real_pytorch_nodes_and_leaves_nobody_holds_stay_apart():
    # PyTorch makes a node's Python wrapper anew once nobody holds it: ids must not be reused mid-walk
    y = (real_torch.randn(3, requires_grad=True) * 2).sum() + (real_torch.randn(3, requires_grad=True) * 3).sum()
    g = graph(y)
    assert [n.label for n in g.nodes] == ["AccumulateGrad", "AccumulateGrad", "MulBackward0", "SumBackward0",
                                         "MulBackward0", "SumBackward0", "AddBackward0"]
    assert g.edges == [(0, 2, 0), (2, 3, 0), (1, 4, 0), (4, 5, 0), (3, 6, 0), (5, 6, 0)]


def test_graph_of_a_dialects_arrays_is_the_graph_of_the_tensors_they_hold():
    """d2l 2.5's y = 2 * x·x in each dialect draws the same nodes as in the PyTorch dialect."""
    from nbautodiff import djl, mxnet
    from nbautodiff import tf as tfd

    x = nbt.arange(4.0, requires_grad=True)
    expected = [n.label for n in graph(2 * x.dot(x), names={"x": x}).nodes]

    with djl.NDManager.newBaseManager() as manager:
        xd = manager.arange(4.0)
        xd.setRequiresGradient(True)
        with djl.Engine.getInstance().newGradientCollector():
            yd = xd.dot(xd).mul(2)
            djl_labels = [n.label for n in graph(yd, names={"x": xd}).nodes]

    xt = tfd.Variable(tfd.range(4.0))
    with tfd.GradientTape():
        yt = 2 * tfd.tensordot(xt, xt, axes=1)
    tf_labels = [n.label for n in graph(yt, names={"x": xt}).nodes]

    xm = mxnet.np.arange(4.0)
    xm.attach_grad()
    with mxnet.autograd.record():
        ym = 2 * mxnet.np.dot(xm, xm)
    mx_labels = [n.label for n in graph(ym, names={"x": xm}).nodes]

    assert expected[0] == "x" and "DotBackward0" in expected
    for labels in (djl_labels, tf_labels, mx_labels):
        assert labels[0] == "x" and labels[-1] == "MulBackward0" and len(labels) >= 3
