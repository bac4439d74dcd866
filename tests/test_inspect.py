"""inspect.graph: one backend-neutral snapshot (a value node per tensor, an op node per op), the recorder that gives
every node its value, and the picture, from our tensors and from real PyTorch's."""

import contextlib
import json
import math

import numpy as np
import pytest

import nbautodiff as nb
import nbautodiff.torch as nbt
from nbautodiff.inspect import Graph, GraphNode, graph, record
from nbautodiff.inspect.layout import crossings, layout
from nbautodiff.inspect.svg import node_lines, node_size

from .conftest import needs_torch, real_torch

# seed 004: y = ln(x1) + x1·x2 − sin(x2); ids in tape order: the leaves, then each op and its value
LABELS = ["x1", "x2", "LogBackward0", "v3", "MulBackward0", "v4", "AddBackward0", "v6", "SinBackward0", "v5",
          "SubBackward0", "y"]
KINDS = ["leaf", "leaf"] + ["op", "intermediate"] * 4 + ["op", "output"]
EDGES = [(0, 2), (2, 3), (0, 4), (1, 4), (4, 5), (3, 6), (5, 6), (6, 7), (1, 8), (8, 9), (7, 10), (9, 10),
         (10, 11)]
VALUES = {"x1": 2.0, "x2": 5.0, "v3": math.log(2), "v4": 10.0, "v5": math.sin(5), "v6": math.log(2) + 10,
          "y": math.log(2) + 10 - math.sin(5)}


def seed_004(lib, dtype=None):
    x1 = lib.tensor(2.0, dtype=dtype, requires_grad=True)
    x2 = lib.tensor(5.0, dtype=dtype, requires_grad=True)
    y = lib.log(x1) + x1 * x2 - lib.sin(x2)
    return x1, x2, y


def recorded(lib):
    with record() as rec:
        x1, x2, y = seed_004(lib)
    return rec, x1, x2, y


def structure(g: Graph):
    return [(n.kind, n.label, n.var) for n in g.nodes], [(e.src, e.dst, e.kind) for e in g.edges]


def backends():
    return ["numpy", pytest.param("torch", marks=needs_torch)]


@pytest.mark.parametrize("backend", backends())
def test_seed_004_is_seven_values_and_five_ops_with_every_value(backend):
    with nb.use_backend(backend):
        rec, x1, x2, y = recorded(nbt)
        g = graph(y)
        assert [n.label for n in g.nodes] == LABELS and [n.kind for n in g.nodes] == KINDS
        assert [(e.src, e.dst) for e in g.edges] == EDGES and all(e.kind == "data" for e in g.edges)
        assert (len(g.values), len(g.ops), g.outputs) == (7, 5, [11])
        assert {n.label: float(n.value) for n in g.values} == pytest.approx(VALUES, abs=1e-5)
        assert [n.var for n in g.values] == ["v1", "v2", "v3", "v4", "v6", "v5", "v7"]  # the lesson's numbering
        assert [n.expression for n in g.ops] == ["ln(x1)", "x1 × x2", "v3 + v4", "sin(x2)", "v6 − v5"]
        assert [n.name for n in g.values] == ["x1", "x2", None, None, None, None, "y"]
        # before backward: gradients are not computed yet, never 0
        assert [n.grad_state for n in g.values[:2]] == ["not computed yet"] * 2 and g.nodes[0].grad is None
        assert all(n.saves and not n.freed for n in g.ops if n.label in ("LogBackward0", "MulBackward0"))
        y.backward()
        after = graph(y)
        assert float(after.nodes[0].grad) == pytest.approx(5.5) and float(after.nodes[1].grad) == pytest.approx(
            2 - math.cos(5), abs=1e-6)
        assert round(float(after.nodes[1].grad), 3) == 1.716
        assert [n.freed for n in after.ops] == [True, True, False, True, False]  # what makes a 2nd backward fail


@needs_torch
def test_both_backends_draw_the_same_bytes():
    pictures = []
    for backend in ("numpy", "torch"):
        with nb.use_backend(backend):
            rec, x1, x2, y = recorded(nbt)
            y.backward()
            pictures.append(graph(y).svg())
    assert pictures[0] == pictures[1]
    assert "11.652" in pictures[0] and "grad = 5.5" in pictures[0] and "grad = 1.7163" in pictures[0]


def test_two_renders_and_two_runs_give_identical_bytes():
    rec, x1, x2, y = recorded(nbt)
    first = graph(y).svg()
    assert graph(y).svg() == first
    rec2, a, b, z = recorded(nbt)  # other objects at other addresses
    assert graph(z, names={"x1": a, "x2": b, "y": z}).svg() == first


def test_outside_a_recording_intermediate_values_are_unknown():
    x1, x2, y = seed_004(nbt)
    g = graph(y)
    assert [n.value is None for n in g.values] == [False, False, True, True, True, True, False]
    assert "= ?" in g.svg() and float(g.node("y").value) == pytest.approx(VALUES["y"], abs=1e-5)


def test_names_come_from_the_callers_variables_or_names():
    x1, x2, y = seed_004(nbt)
    assert [n.label for n in graph(y).values][:2] == ["x1", "x2"]
    assert [n.label for n in graph(y, names={"a": x1}).values] == ["a", "v2", "v3", "v4", "v6", "v5", "v7"]


def test_retained_gradients_and_non_leaf_gradients():
    x = nbt.tensor(3.0, requires_grad=True)
    h = x * x
    h.retain_grad()
    z = h * 2
    g0 = graph(z)
    assert g0.node("h").retains_grad and g0.node("h").grad_state == "not computed yet"
    z.backward()
    g = graph(z)
    assert float(g.node("h").grad) == 2.0 and float(g.node("x").grad) == 12.0
    assert "grad = 2 (retained)" in g.svg() and "grad = 12 (retained)" not in g.svg()
    assert g.node("z").grad_state == "not kept"  # a non-leaf without retain_grad: PyTorch keeps nothing


def test_a_detached_value_is_drawn_with_a_cut_edge():
    with record():
        x = nbt.tensor(2.0, requires_grad=True)
        h = x * 3
        z = h.detach() * x
    g = graph(z)
    (cut,) = [e for e in g.edges if e.kind == "detached"]
    assert g.nodes[cut.src].label == "h" and g.nodes[cut.dst].expression == "h × x"
    assert "✂" in g.svg() and 'class="edge cut"' in g.svg()


def test_the_gradient_graph_of_create_graph():
    v1 = nbt.tensor(0.5, requires_grad=True)
    y = (nbt.exp(v1) + 1) * nbt.exp(v1)
    (dy,) = nbt.autograd.grad(y, v1, create_graph=True)
    g = graph(dy)
    labels = [n.label for n in g.ops]
    assert {"MulBackward0", "AddBackward0", "ExpBackward0"} <= set(labels) and len(labels) > len(graph(y).ops)
    assert g.nodes[0].label == "v1" and g.nodes[g.outputs[0]].label == "dy"
    assert float(g.nodes[g.outputs[0]].value) == pytest.approx(2 * math.exp(1.0) + math.exp(0.5), rel=1e-6)
    exps = [g.nodes[g.consumers_of(n.id)[0]] for n in g.ops if n.label == "ExpBackward0"]
    assert [float(v.value) for v in exps] == pytest.approx([math.exp(0.5)] * 2, rel=1e-6)  # exp saves its output


@needs_torch
def test_the_gradient_graph_matches_real_pytorch():
    def extended(lib):
        v1 = lib.tensor(0.5, requires_grad=True)
        y = (lib.exp(v1) + 1) * lib.exp(v1)
        return v1, lib.autograd.grad(y, v1, create_graph=True)[0]

    v1, g = extended(nbt)
    tv1, tg = extended(real_torch)
    assert structure(graph(tg, names={"v1": tv1})) == structure(graph(g, names={"v1": v1}))


@needs_torch
@pytest.mark.parametrize("recorded", [False, True])
def test_one_over_exp_is_labelled_the_same_on_both_backends(recorded):
    """PyTorch computes 1.0 / t as reciprocal then mul in one call: the mul reads v3, the reciprocal, not v2."""
    pictures = []
    for backend in ("numpy", "torch"):
        with nb.use_backend(backend), (record() if recorded else contextlib.nullcontext()):
            x = nbt.tensor(100.0, requires_grad=True)
            y = 1.0 / nbt.exp(x)
            g = graph(y)
        assert [n.expression for n in g.ops] == ["exp(x)", "1 / v2", "v3 × 1"]
        pictures.append(g.svg())
    assert pictures[0] == pictures[1]


@needs_torch
def test_the_gradients_autograd_grad_returns_are_recorded_as_their_graph_not_as_an_op():
    pictures = []
    for backend in ("numpy", "torch"):
        with nb.use_backend(backend):
            with record() as rec:
                w = nbt.tensor(2.0, requires_grad=True)
                (g,) = nbt.autograd.grad(w * w * w, w, create_graph=True)
            assert [op.name for op in rec.ops.values()] == ["mul", "mul"]
            picture = graph(g)
            assert not any("tensor" in n.expression for n in picture.ops)
            pictures.append(picture.svg())
    assert pictures[0] == pictures[1]


@pytest.mark.parametrize("c", [-1.0, np.float32(-1.0), np.array(-1.0), np.array(-1.0, dtype=np.float32)])
def test_a_negative_constant_is_written_the_lessons_way_however_numpy_holds_it(c):
    from nbautodiff.inspect.notation import constant, number

    assert number(c) == constant(c) == "(\u22121)"


def test_constants_show_in_the_expression_not_as_nodes():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    c = nbt.tensor([3.0, 4.0])
    g = graph((2 * x * c).sum())
    assert [n.label for n in g.ops] == ["MulBackward0", "MulBackward0", "SumBackward0"]
    assert [n.expression for n in g.ops] == ["x × 2", "v2 × [3., 4.]", "sum(v3)"]


def test_the_same_leaf_twice_gives_two_edges_and_split_outputs_two_values():
    x = nbt.tensor(3.0, requires_grad=True)
    assert [(e.src, e.dst) for e in graph(x * x).edges] == [(0, 1), (0, 1), (1, 2)]
    a = nbt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    p, q = a.split(2)
    g = graph((p * q).sum())
    assert [n.label for n in g.nodes] == ["a", "SplitBackward0", "p", "q", "MulBackward0", "v4", "SumBackward0",
                                         "v5"]
    assert g.node("SplitBackward0").expression == "split(a)"


def test_inputs_cut_the_graph():
    x1 = nbt.tensor(2.0, requires_grad=True)
    x2 = nbt.tensor(5.0, requires_grad=True)
    h = x1 * x2
    g = graph(h.exp() + x1, inputs=[h], names={"h": h, "x1": x1})
    assert [(n.kind, n.label) for n in g.nodes] == [
        ("leaf", "h"), ("leaf", "x1"), ("op", "ExpBackward0"), ("intermediate", "v3"), ("op", "AddBackward0"),
        ("output", "v4")]
    assert float(g.nodes[0].value) == 10.0


def test_bad_input_is_named_before_anything_is_drawn():
    with pytest.raises(ValueError, match="doesn't require grad.*requires_grad=True"):
        graph(nbt.tensor(1.0))
    with pytest.raises(ValueError, match="at least one output"):
        graph()
    with pytest.raises(TypeError, match="a float, not a tensor.*requires_grad=True"):
        graph(2.0)
    with pytest.raises(TypeError, match="a Linear, not a tensor.*graph\\(model\\(x\\)\\)"):
        graph(nbt.nn.Linear(2, 1))
    with pytest.raises(ValueError, match="lang='fr'"):
        graph(nbt.tensor(1.0, requires_grad=True) * 2).svg(lang="fr")


def test_to_dict_is_json_and_tables_are_text():
    rec, x1, x2, y = recorded(nbt)
    g = graph(y)
    d = g.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["nodes"][0]["label"] == "x1" and d["nodes"][0]["grad_state"] == "not computed yet"
    assert d["nodes"][3]["value"] == pytest.approx(math.log(2), abs=1e-6) and d["outputs"] == [11]
    text = str(g)
    assert text.startswith("graph: 7 values, 5 ops") and "13 edges (data flow)" in text
    assert any(line.split()[:4] == ["4:", "MulBackward0", "5:", "v4"] for line in text.splitlines())
    assert repr(g) == "Graph(values=7, ops=5)" and isinstance(g.nodes[0], GraphNode)
    assert g.to_dot().count("->") == 13 and g.to_dot() == graph(y).to_dot()


def test_the_picture_labels_kinds_by_shape_and_colour_in_english_or_chinese():
    rec, x1, x2, y = recorded(nbt)
    g = graph(y)
    svg = g.svg()
    assert svg.startswith("<svg") and svg.count('<g class="node') == 12
    for kind in ("leaf", "op", "output", "intermediate"):
        assert f'class="node {kind}"' in svg
    assert svg.count("<polygon") == 5 + 1  # five ops and the legend's op
    assert "0.69315" in svg and "11.652" in svg and "grad: not computed yet" in svg
    assert svg.count("saved for backward") == 3 and "saved: freed" not in svg
    zh = g.svg(lang="zh")
    assert "叶节点" in zh and "中间节点" in zh and "输出节点" in zh and "梯度：尚未计算" in zh.replace(": ", "：")
    assert "<title>x1 (v1)" in svg  # hover text names the node in full
    assert g._repr_mimebundle_()["text/html"] == svg


def _custom_gradient_pictures(kind: str):
    """y = f(x) · 3 with f's gradient given by hand, written with nb.custom_gradient, tf.custom_gradient or a
    torch-style autograd.Function."""
    from nbautodiff import tf as tfd

    if kind == "tf":
        @tfd.custom_gradient
        def f(x):
            return 1.0 / tfd.exp(x), lambda upstream: upstream * -tfd.exp(-x)

        with record():
            x = tfd.Variable(2.0)
            with tfd.GradientTape():
                y = f(x) * 3
        return graph(y)
    if kind == "nb":
        @nb.custom_gradient
        def f(x):
            return 1.0 / nbt.exp(x), lambda upstream: upstream * -nbt.exp(-x)
    else:
        class Stable(nbt.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return 1.0 / nbt.exp(x)

            @staticmethod
            def backward(ctx, upstream):
                return upstream * -nbt.exp(-nbt.tensor(2.0))

        f = Stable.apply
    with record():
        x = nbt.tensor(2.0, requires_grad=True)
        y = f(x) * 3
    return graph(y)


@pytest.mark.parametrize("kind, name", [("nb", "f"), ("tf", "f"), ("Function", "Stable")])
def test_a_custom_gradient_is_drawn_as_the_users_function_of_its_inputs(kind, name):
    pictures = []
    for backend in ["numpy"] + (["torch"] if real_torch is not None else []):
        with nb.use_backend(backend):
            g = _custom_gradient_pictures(kind)
        assert [n.expression for n in g.ops] == [f"{name}(x)", "v2 × 3"]  # not f(<function ...>, 1, x, v2)
        assert [n.label for n in g.nodes] == ["x", f"{name}Backward", "v2", "MulBackward0", "y"]  # not f's own ops
        assert g.nodes[2].value == pytest.approx(3 * math.exp(-2.0) / 3, rel=1e-6)
        pictures.append(g.svg())
    assert " at 0x" not in pictures[0] and len(set(pictures)) == 1


@needs_torch
def test_an_output_pytorch_saved_and_backward_freed_is_unknown_not_an_error():
    pictures = []
    for backend in ("numpy", "torch"):
        with nb.use_backend(backend):
            x = nbt.tensor(1.0, requires_grad=True)
            y = x.exp() * 2
            assert float(graph(y).node("v2").value) == pytest.approx(math.e)  # exp keeps its output
            y.backward()
            g = graph(y)  # PyTorch raises on reading the freed output: unknown, as on the own engine
            assert g.node("v2").value is None
            pictures.append(g.svg())
    assert pictures[0] == pictures[1]


def test_the_last_eight_recordings_stay_alive_for_graph():
    def recorded_sine(v):
        with record():
            x = nbt.tensor(v, requires_grad=True)
            return x.sin() * 2  # sin's output is kept by no node: only the recording knows it

    first = recorded_sine(1.0)
    later = [recorded_sine(float(i)) for i in range(7)]
    assert float(graph(first).node("v2").value) == pytest.approx(math.sin(1.0))
    later.append(recorded_sine(9.0))  # the ninth: the first recording is let go
    assert graph(first).node("v2").value is None and graph(later[0]).node("v2").value is not None


def test_chinese_labels_are_measured_about_twice_as_wide_as_latin_ones():
    from nbautodiff.inspect.svg import text_width

    assert text_width("叶节点") == 3 * 13.0 and text_width("x1") == 2 * 6.9 and text_width("v̄2") == 2 * 6.9
    x = nbt.tensor(1.0, requires_grad=True)
    op = graph(x * 2, names={"x": x}).ops[0]
    assert node_size(node_lines(op, {"lang": "zh"}))[0] == text_width("为反向传播保存") + 16  # its widest line


def test_big_tensors_show_as_shape_and_summary():
    w = nbt.ones(20, 30, requires_grad=True)
    node = graph(w.sum()).node("w")
    lines = [t for _, t in node_lines(node, {"values": True, "grads": True})]
    assert lines[1] == "= 20×30: 1…1" and node_size(node_lines(node, {}))[0] < 200


def test_dialect_arrays_draw_as_the_tensors_they_hold_with_their_names():
    """d2l 2.5's y = 2 * x·x in each dialect draws the same nodes as in the PyTorch dialect."""
    from nbautodiff import djl, mxnet
    from nbautodiff import tf as tfd

    x = nbt.arange(4.0, requires_grad=True)
    expected = graph(2 * x.dot(x), names={"x": x})

    with djl.NDManager.newBaseManager() as manager:
        xd = manager.arange(4.0)
        xd.setRequiresGradient(True)
        with djl.Engine.getInstance().newGradientCollector():
            yd = xd.dot(xd).mul(2)
            g_djl = graph(yd)

    xt = tfd.Variable(tfd.range(4.0))
    with tfd.GradientTape():
        yt = 2 * tfd.tensordot(xt, xt, axes=1)
    g_tf = graph(yt)

    xm = mxnet.np.arange(4.0)
    xm.attach_grad()
    with mxnet.autograd.record():
        ym = 2 * mxnet.np.dot(xm, xm)
    g_mx = graph(ym)

    assert expected.nodes[0].label == "x" and "DotBackward0" in [n.label for n in expected.ops]
    for g, x_name, y_name in ((g_djl, "xd", "yd"), (g_tf, "xt", "yt"), (g_mx, "xm", "ym")):
        assert g.nodes[0].label == x_name and g.nodes[g.outputs[0]].label == y_name
        assert "MulBackward0" in [n.label for n in g.ops] and float(g.nodes[g.outputs[0]].value) == 28.0
    # a name given in the dialect's own API wins over the variable's
    w = tfd.Variable(3.0, name="weight")
    with tfd.GradientTape():
        loss = w * w
    assert graph(loss).nodes[0].label == "weight"
    with djl.NDManager.newBaseManager() as manager:
        a = manager.create(2.0)
        a.setRequiresGradient(True)
        a.setName("alpha")
        with djl.Engine.getInstance().newGradientCollector():
            b = a.mul(3)
            assert graph(b).nodes[0].label == "alpha"


def test_layout_crossings_on_the_seed_graphs_stay_small():
    rec, x1, x2, y = recorded(nbt)
    g = graph(y)
    sizes = {n.id: (60.0, 30.0) for n in g.nodes}
    edges = [(e.src, e.dst) for e in g.edges]
    lay = layout(edges, sizes, [n.id for n in g.nodes])
    assert crossings(lay, edges) == 0
    # seed 002: x -> y = x**2 -> z = y + 1 is one row; seed 000's y = 2 xᵀx a short chain
    x = nbt.tensor(1.0, requires_grad=True)
    chain = graph(x**2 + 1)
    lay2 = layout([(e.src, e.dst) for e in chain.edges], {n.id: (50.0, 30.0) for n in chain.nodes})
    chain_edges = [(e.src, e.dst) for e in chain.edges]
    assert len({round(v, 3) for v in lay2.y.values()}) == 1 and crossings(lay2, chain_edges) == 0
    # nodes never overlap in a column
    for column in lay.order:
        ys = sorted(lay.y[n] for n in column if not isinstance(n, tuple))
        assert all(b - a >= 30.0 for a, b in zip(ys, ys[1:]))


def test_a_1000_node_graph_renders_and_big_ones_collapse_into_boxes():
    ws = [nbt.tensor(float(i), requires_grad=True) for i in range(100)]
    s = ws[0]
    for w in ws[1:]:
        s = (s * w).tanh() + w
    g = graph(s)
    assert len(g.nodes) > 500
    full = g.svg(collapse=0)
    assert full.count('<g class="node') == len(g.nodes)
    boxed = g.svg()
    assert 'class="node group"' in boxed and boxed.count('<g class="node') < 300
    from nbautodiff.inspect.collapse import groups

    first = groups(g)[0]
    opened = g.svg(expand=[first])
    assert opened.count('<g class="node') > boxed.count('<g class="node')


def test_module_ops_group_into_one_box_each():
    net = nbt.nn.Sequential(*[nbt.nn.Sequential(nbt.nn.Linear(4, 4), nbt.nn.Tanh()) for _ in range(80)])
    with record():
        out = net(nbt.ones(1, 4)).sum()
    g = graph(out)
    assert {n.group for n in g.values if n.group} >= {"Sequential.0.0", "Sequential.79.1"}
    from nbautodiff.inspect.collapse import groups

    names = groups(g)  # the deepest level of modules that keeps the picture under 300 nodes
    assert "Sequential.0.0" in names and "Sequential.79.1" in names
    shown = g.svg().count('<g class="node')
    assert shown <= 300 < len(g.nodes) and g.svg(collapse=0).count('<g class="node') == len(g.nodes)


def test_save_writes_svg_and_png(tmp_path):
    rec, x1, x2, y = recorded(nbt)
    g = graph(y)
    g.save(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_text(encoding="utf-8") == g.svg()
    pytest.importorskip("matplotlib")
    g.save(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="should end in .svg or .png"):
        g.save(tmp_path / "g.pdf")


def test_a_20000_op_chain_is_walked_without_recursion():
    x = nbt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    g = graph(y)
    assert len(g.nodes) == 40_001 and len(g.edges) == 40_000
    assert g.nodes[-1].kind == "output" and g.nodes[1].label == "MulBackward0"


@needs_torch
def test_real_pytorch_nodes_nobody_holds_stay_apart():
    # PyTorch makes a node's Python wrapper anew once nobody holds it: ids must not be reused mid-walk
    y = (real_torch.randn(3, requires_grad=True) * 2).sum() + (real_torch.randn(3, requires_grad=True) * 3).sum()
    g = graph(y)
    assert [n.label for n in g.ops] == ["MulBackward0", "SumBackward0", "MulBackward0", "SumBackward0",
                                        "AddBackward0"]
    assert len(g.values) == 7 and len(g.edges) == 11
    np.testing.assert_allclose(float(g.nodes[g.outputs[0]].value), float(y.detach()))


def test_every_word_shown_is_there_in_both_languages():
    from nbautodiff.inspect.words import WORDS, say

    assert WORDS["en"].keys() == WORDS["zh"].keys()
    assert say("zh", "tensors made", n=3, s="s") == "单元格新建或重新绑定的 3 个张量"


@pytest.mark.parametrize("backend", backends())
def test_a_dialects_leaf_shows_the_gradient_its_api_computed(backend):
    """DJL and MXNet write gradients into slots, TensorFlow's tape returns them: not the backend tensor's .grad."""
    from nbautodiff import djl, mxnet
    from nbautodiff import tf as tfd

    with nb.use_backend(backend):
        v = tfd.Variable([1.0, 2.0])
        with tfd.GradientTape() as tape:
            y = tfd.reduce_sum(v * v)
        before = graph(y, names={"v": v})
        assert before.node("v").grad is None and before.node("v").grad_state == ""  # nothing stored: no claim
        assert "not computed yet" not in before.svg()
        tape.gradient(y, v)
        assert graph(y, names={"v": v}).node("v").grad.tolist() == [2.0, 4.0]

        x = djl.NDManager.newBaseManager().create(np.array([1.0, 2.0], dtype=np.float32))
        x.setRequiresGradient(True)
        with djl.Engine.getInstance().newGradientCollector() as gc:
            z = x.mul(x).sum()
            assert graph(z, names={"x": x}).node("x").grad_state == "not computed yet"
            gc.backward(z)
        assert graph(z, names={"x": x}).node("x").grad.tolist() == [2.0, 4.0]

        a = mxnet.np.array([1.0, 2.0])
        a.attach_grad()
        with mxnet.autograd.record():
            b = (a * a).sum()
        b.backward()
        assert graph(b, names={"a": a}).node("a").grad.tolist() == [2.0, 4.0]
