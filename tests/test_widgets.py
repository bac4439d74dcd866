"""The models behind the stepper, the explorer and the plots, and the widgets built on them (without a browser:
tests/test_browser.py opens them in JupyterLab)."""

import json
import math

import numpy as np
import pytest

import nbautodiff as nb
import nbautodiff.torch as torch
from nbautodiff.inspect.explore import ExplorerModel
from nbautodiff.inspect.steps import backprop, from_trace

from .conftest import needs_torch

COS5 = math.cos(5.0)


def seed_004(x1, x2):
    return torch.log(x1) + x1 * x2 - torch.sin(x2)


def recorded():
    with nb.record():
        x1 = torch.tensor(2.0, requires_grad=True)
        x2 = torch.tensor(5.0, requires_grad=True)
        y = seed_004(x1, x2)
    return x1, x2, y


def backends():
    return ["numpy", pytest.param("torch", marks=needs_torch)]


@pytest.mark.parametrize("backend", backends())
def test_the_reverse_pass_node_by_node_with_the_partial_adjoints_of_seed_004(backend):
    with nb.use_backend(backend):
        x1, x2, y = recorded()
        x1.grad = torch.tensor(7.0)  # the user's own .grad: the stepper must leave it alone
        b = backprop(y)
        assert x1.grad.item() == 7.0 and x2.grad is None
        assert [s.label for s in b.steps] == ["SubBackward0", "SinBackward0", "AddBackward0", "MulBackward0",
                                              "LogBackward0"]
        mul = b.steps[3]
        assert [(b.graph.nodes[v].label, float(p)) for v, p in mul.partials] == [("x1", 5.0), ("x2", 2.0)]
        sin = b.steps[1]
        assert [(b.graph.nodes[v].label, round(float(p), 3)) for v, p in sin.partials] == [("x2", -0.284)]
        assert b.adjoint_text("x2") == "x̄2 = 2 + (−0.28366) = 1.7163"  # v̄2 = 2 + (−0.284)
        assert b.adjoint_text("x1") == "x̄1 = 0.5 + 5 = 5.5"
        assert float(b.adjoint("x2")) == pytest.approx(2 - COS5, abs=1e-6) and float(b.adjoint("x1")) == 5.5
        # the frames: the seed, one per node, and the end with the saved tensors freed
        assert len(b.frames) == 7 and b.frames[0].caption == "seed: ȳ = 1"
        assert b.frames[4].active == (mul.node,) and ("5", "2") == tuple(t for *_, t, _ in b.frames[4].edge_labels)
        notes = dict((b.graph.nodes[i].label, text) for i, text, _ in b.frames[4].notes)
        assert notes["x2"] == "x̄2 = 2 + (−0.28366) = 1.7163" and notes["x1"] == "x̄1 = 5 + …"
        assert sum(text == "freed" for _, text, _ in b.frames[-1].notes) == 3
        y.backward()  # the graph was retained for the user
        assert x1.grad.item() == pytest.approx(7.0 + 5.5)


def test_the_stepper_refuses_bad_input_before_drawing():
    x1, x2, y = recorded()
    y.backward()
    with pytest.raises(RuntimeError, match="already freed.*retain_graph=True"):
        backprop(y)
    with pytest.raises(ValueError, match="doesn't require grad.*requires_grad=True"):
        backprop(torch.tensor(1.0))
    with pytest.raises(TypeError, match="a float, not a tensor"):
        backprop(3.0)
    with pytest.raises(ValueError, match="is a leaf"):
        backprop(torch.tensor(1.0, requires_grad=True))
    with pytest.raises(ValueError, match="mode='forward'.*nb.step\\(f, 2.0, 5.0"):
        nb.step(recorded()[2], mode="forward")
    with pytest.raises(ValueError, match="give f's inputs"):
        nb.step(seed_004)
    # the errors speak of the function that was called
    with pytest.raises(TypeError, match=r"^step\(\): output 0 is a int, not a tensor"):
        nb.step(5)
    with pytest.raises(ValueError, match=r"^step\(\): output 0 doesn't require grad"):
        nb.step(torch.ones(2))
    with pytest.raises(TypeError, match=r"^GraphView\(\): output 0 is a Linear.*GraphView\(model\(x\)\)"):
        nb.GraphView(torch.nn.Linear(2, 1))


def test_a_functions_trace_steps_in_reverse_and_its_tangents_forward():
    t = nb.trace(seed_004, 2.0, 5.0)
    r = from_trace(t)
    assert [s.label for s in r.steps] == ["SubBackward0", "AddBackward0", "SinBackward0", "MulBackward0",
                                          "LogBackward0"]
    assert r.adjoint_text("x2") == "x̄2 = 2 + (−0.28366) = 1.7163"
    f = from_trace(t, "forward")
    assert [s.expression for s in f.steps] == ["v̇1 / v1", "v̇1 × v2 + v1 × v̇2", "cos(v2) × v̇2", "v̇3 + v̇4", "v̇6 − v̇5"]
    assert [float(s.incoming) for s in f.steps] == [0.5, 5.0, 0.0, 5.5, 5.5]  # v̇7 = ∂y/∂x1 = 5.5
    assert f.frames[-1].caption.endswith("= 5.5") and f.frames[0].caption.startswith("seed ẋ1 = 1")
    assert from_trace(nb.trace(seed_004, 2.0, 5.0, wrt="x2"), "forward").steps[-1].incoming == pytest.approx(
        2 - COS5)


def test_the_stepper_widget_precomputes_small_overlays():
    x1, x2, y = recorded()
    s = nb.step(y)
    assert s._plain() == "Stepper(steps=5, frames=7)"
    assert len(s._overlays) == 7 and max(map(len, s._overlays)) < len(s._base) / 2
    assert "x̄2 = 2 + (−0.28366) = 1.7163" in s._overlays[-1] and 'class="nbad-step"' in s._overlays[0]
    assert "nbad-current" in s._tables[4] and "<svg" in s._static_html()
    assert s.slider.max == 6 and s.play.max == 6
    ext = nb.step(recorded()[2], create_graph=True)
    assert len(ext._overlays) == 8 and "MulBackward0" in ext._extended_svg
    assert ext._extended_svg.count('<g class="node') > s._base.count('<g class="node')


def test_the_stepper_frames_are_one_html_each_sharing_one_layout_and_style():
    from nbautodiff.widgets._compat import has_stack

    s = nb.step(recorded()[2])
    if not has_stack():  # ipywidgets 7.7: one HTML whose value the kernel swaps
        assert s.overlay.value == s._overlays[0]
        return
    for stack, texts in ((s.overlay, s._overlays), (s.caption, s._captions), (s.table, s._tables)):
        assert [w.value for w in stack.children] == texts  # each frame its own page, in order
        assert len({id(w.layout) for w in stack.children}) == 1 and len({id(w.style) for w in stack.children}) == 1
    assert s.overlay.children[0].layout is not s.caption.children[0].layout  # one per Stack, not one for all


def test_a_graphs_inputs_and_consumers_follow_its_edges():
    g = nb.graph(recorded()[2])
    for n in g.nodes:
        assert g.inputs_of(n.id) == [e.src for e in g.edges if e.dst == n.id]
        assert g.consumers_of(n.id) == [e.dst for e in g.edges if e.src == n.id]
    from nbautodiff.inspect.graph import GraphEdge

    g.edges.append(GraphEdge(g.nodes[0].id, g.nodes[-1].id))  # an edge added later is seen
    assert g.inputs_of(g.nodes[-1].id)[-1] == g.nodes[0].id


def test_the_stepper_speaks_chinese_and_its_static_picture_has_the_extended_graph():
    x1, x2, y = recorded()
    s = nb.step(y, lang="zh")
    b = s.model
    assert b.frames[0].caption == "初始值：ȳ = 1" and b.frames[0].notes[0][1] == "ȳ = 1（初始值）"
    assert b.frames[4].caption.startswith("MulBackward0（x1 × x2）：收到 v̄4 = 1；发出 5 给 x1, 2 给 x2")
    assert b.frames[-1].caption.startswith("完成：") and sum(t == "已释放" for _, t, _ in b.frames[-1].notes) == 3
    table = b.table()
    assert table.title == "反向传播，逐个节点" and table.columns == ["节点", "运算", "收到", "发出（部分伴随）"]
    assert ">已释放<" in s._overlays[-1] and ">freed<" not in s._overlays[-1] and "(seed)" not in s._overlays[0]
    assert "叶节点" in s._base and "leaf" not in s._base.split("<g class=\"legend\">")[1]
    traced = nb.step(seed_004, 2.0, 5.0, lang="zh")
    assert "反向伴随迹" in traced._tables[0] and "初始值" in traced._captions[0]
    # without the widget's JavaScript (nbconvert, nbval, the docs) the extended graph shows under the last step
    ext = nb.step(recorded()[2], create_graph=True, lang="zh")
    html = ext._static_html()
    assert ext._extended_svg in html and "扩展图" in html and html.index(ext._base) < html.index(ext._extended_svg)
    assert nb.step(recorded()[2])._static_html().count("<svg") == 2  # base and last overlay: no extended graph
    with pytest.raises(ValueError, match="step: lang='fr'"):
        nb.step(recorded()[2], lang="fr")


def test_a_1000_node_stepper_stays_a_few_megabytes():
    w = [torch.tensor(0.1 * i, requires_grad=True) for i in range(150)]
    s = w[0]
    for v in w[1:]:
        s = (s * v).tanh() + v
    stepper = nb.step(s, collapse=0)
    assert len(stepper.model.graph.nodes) > 900
    size = len(stepper._base) + sum(map(len, stepper._overlays)) + sum(map(len, stepper._tables))
    assert size < 4_000_000, size


@pytest.mark.parametrize("backend", backends())
def test_the_explorer_reruns_f_and_checks_each_gradient(backend):
    with nb.use_backend(backend):
        m = ExplorerModel(seed_004, x1=2.0, x2=5.0)
        r = m.run()
        assert round(r.value, 3) == 11.652 and r.grads == pytest.approx({"x1": 5.5, "x2": 2 - COS5}, abs=1e-5)
        assert r.numeric == pytest.approx(r.grads, abs=1e-4)
        assert float(r.graph.node("v4").value) == 10.0 and float(r.graph.node("x1").grad) == 5.5
        moved = m.run(x1=1.0)
        assert moved.grads["x1"] == pytest.approx(1 / 1.0 + 5.0, abs=1e-5) and m.values["x1"] == 1.0


def test_the_explorer_takes_the_new_branch_of_control_flow():
    def f(a):  # seed 000's control flow: the path depends on the value
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        return b if b.sum() > 0 else 100 * b

    m = ExplorerModel(f, a=0.5)
    first = m.run().grads["a"]
    assert first == pytest.approx(2048.0) and m.run(a=-0.5).grads["a"] == pytest.approx(204800.0)


@pytest.mark.parametrize("dialect", ["djl", "tf", "mxnet"])
def test_the_explorer_on_a_dialects_arrays(dialect):
    from nbautodiff import djl, mxnet, tf  # noqa: F401

    fns = {
        "djl": lambda x1, x2: x1.log().add(x1.mul(x2)).sub(x2.sin()),
        "tf": lambda x1, x2: tf.math.log(x1) + x1 * x2 - tf.sin(x2),
        "mxnet": lambda x1, x2: mxnet.np.log(x1) + x1 * x2 - mxnet.np.sin(x2),
    }
    r = ExplorerModel(fns[dialect], dialect=dialect, x1=2.0, x2=5.0).run()
    assert round(r.value, 3) == 11.652 and r.grads == pytest.approx({"x1": 5.5, "x2": 2 - COS5}, abs=1e-5)
    assert len(r.graph.nodes) == 12 and r.graph.nodes[r.graph.outputs[0]].label == "y"


@pytest.mark.parametrize("backend", backends())
def test_the_explorer_passes_inputs_positionally_so_tf_custom_gradient_differentiates_them(backend):
    from nbautodiff import tf

    @tf.custom_gradient
    def f(x):
        return 1.0 / tf.exp(x), lambda upstream: upstream * -tf.exp(-x)

    with nb.use_backend(backend):
        r = ExplorerModel(f, dialect="tf", x=1.0).run()
        assert r.grads["x"] == pytest.approx(-math.exp(-1.0), rel=1e-5) and r.numeric == pytest.approx(r.grads)
        assert [n.expression for n in r.graph.ops] == ["f(x)"]
        # inputs go where the signature puts them, whatever order the sliders are given in
        r = ExplorerModel(lambda a, b, *, c: a - b * c, c=3.0, b=2.0, a=10.0).run()
        assert r.value == 4.0 and r.grads == pytest.approx({"c": -2.0, "b": -3.0, "a": 1.0})


def test_a_dialects_function_without_dialect_says_which_to_pass():
    from nbautodiff import tf

    with pytest.raises(TypeError, match="written with nbautodiff.tf, but got nbautodiff.torch tensors; pass "
                                        "dialect='tf'"):
        ExplorerModel(lambda x: tf.exp(x), x=1.0).run()
    with pytest.raises(TypeError, match="returned a Tensor of nbautodiff.tf.*pass dialect='tf'"):
        ExplorerModel(lambda x: tf.constant(2.0) * 3, x=1.0).run()


def test_the_explorer_names_bad_input():
    with pytest.raises(ValueError, match="x has shape \\(3,\\).*scalar inputs"):
        ExplorerModel(lambda x: x.sum(), x=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="dialect='jax'"):
        ExplorerModel(seed_004, dialect="jax", x1=1.0, x2=2.0)
    with pytest.raises(TypeError, match="f must be a function"):
        ExplorerModel(3.0, x=1.0)
    with pytest.raises(ValueError, match="low < high"):
        ExplorerModel(seed_004, x1=(2.0, 1.0), x2=1.0)
    with pytest.raises(ValueError, match="one number"):
        ExplorerModel(lambda x: torch.stack([x, x]), x=1.0).run()


def test_the_explorer_labels_its_table_in_chinese():
    r = ExplorerModel(seed_004, lang="zh", x1=2.0, x2=5.0).run()
    assert r.table().columns == ["输入", "值", "∂f/∂输入（自动微分）", "≈ 中心差分", "差"]
    e = nb.explore(seed_004, lang="zh", x1=2.0, x2=5.0)
    assert "中心差分" in e.checks.value and "叶节点" in e.picture.value and "central" not in e.checks.value


def test_the_explorer_widget_updates_on_a_slider_move():
    e = nb.explore(seed_004, x1=2.0, x2=5.0)
    assert e._plain() == "Explorer(x1=2, x2=5)" and "11.652" in e.picture.value and "5.5" in e.checks.value
    e.sliders["x1"].value = 1.0
    assert "6" in e.checks.value and e.result.grads["x1"] == pytest.approx(6.0) and e.seconds < 0.5
    assert e._repr_mimebundle_()["text/plain"] == "Explorer(x1=1, x2=5)"


def test_graph_view_redraws_after_backward_and_toggles():
    x1, x2, y = recorded()
    v = nb.GraphView(y)
    assert v._plain() == "GraphView(values=7, ops=5)" and "grad: not computed yet" in v.picture.value
    y.backward()
    v.refresh()
    assert "grad = 5.5" in v.picture.value and "grad = 1.7163" in v.picture.value
    v.toggles["grads"].value = False
    assert "grad = 5.5" not in v.picture.value
    bundle = v._repr_mimebundle_()
    assert bundle["text/plain"] == "GraphView(values=7, ops=5)" and bundle["text/html"].startswith("<svg")
    with pytest.raises(ValueError, match="doesn't require grad"):
        nb.GraphView(torch.tensor(1.0))


def test_graph_view_opens_a_box_by_click():
    net = torch.nn.Sequential(*[torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh()) for _ in range(90)])
    with nb.record():
        out = net(torch.ones(1, 3)).sum()
    v = nb.GraphView(out)
    before = v.picture.value.count('<g class="node')
    first = v.groups.children[0]
    assert first.description.startswith("open ")
    first.click()
    assert v.picture.value.count('<g class="node') > before and v.groups.children[0].description.startswith("close")


def test_plot_derivative_is_sin_and_cos_without_writing_cos():
    p = nb.plot_derivative(torch.sin, at=1.0)
    np.testing.assert_allclose(p.data["df"], np.cos(p.data["x"]), atol=1e-12)
    fa, da = p.data["tangent"]
    assert fa == pytest.approx(math.sin(1.0)) and da == pytest.approx(math.cos(1.0))
    assert p._repr_png_()[:4] == b"\x89PNG"
    # not elementwise: point by point
    q = nb.plot_derivative(lambda t: (t * t).sum(), (0.0, 2.0), points=3)
    assert list(q.data["df"]) == [0.0, 2.0, 4.0]
    assert "自动微分" in str(nb.plot_derivative(torch.sin, lang="zh").ax.get_legend().get_texts()[1])


@pytest.mark.parametrize("dialect", ["tf", "djl", "mxnet"])
def test_plot_derivative_takes_a_dialects_function(dialect):
    from nbautodiff import mxnet, tf  # noqa: F401

    fns = {"tf": tf.sin, "djl": lambda x: x.sin(), "mxnet": mxnet.np.sin}
    squares = {"tf": lambda t: tf.reduce_sum(t * t), "djl": lambda t: t.mul(t).sum(), "mxnet": lambda t: (t * t).sum()}
    p = nb.plot_derivative(fns[dialect], (0.0, 3.0), points=7, at=1.0, dialect=dialect)
    np.testing.assert_allclose(p.data["df"], np.cos(p.data["x"]), atol=1e-12)
    assert p.data["tangent"] == pytest.approx((math.sin(1.0), math.cos(1.0)))
    q = nb.plot_derivative(squares[dialect], (0.0, 2.0), points=3, dialect=dialect)  # not elementwise: point by point
    assert list(q.data["df"]) == [0.0, 2.0, 4.0]
    if dialect != "djl":  # (DJL's methods are PyTorch's too: its f runs on nbautodiff.torch tensors as well)
        with pytest.raises(TypeError, match=f"pass dialect={dialect!r}"):
            nb.plot_derivative(fns[dialect], (0.0, 1.0), points=2)


def test_a_figure_of_ones_own_draws_chinese_in_a_cjk_font():
    from nbautodiff.engine.figures import cjk_font
    from nbautodiff.plots import Plot, figure

    fig, ax = figure(lang="zh")
    ax.plot([0, 1], [0, 1], label="直线")
    ax.set_title("标题")  # added after the figure was made: it gets the font when drawn
    ax.legend()
    assert Plot(fig, ax, {})._repr_png_()[:4] == b"\x89PNG"
    font = cjk_font()
    if font is not None:
        assert font in ax.title.get_fontfamily() and font in ax.get_legend().get_texts()[0].get_fontfamily()
    en_fig, en_ax = figure()
    assert type(en_fig).__name__ == "Figure" and en_ax is not None and figure(ax=False)[1] is None
    with pytest.raises(ValueError, match="figure: lang='de'"):
        figure(lang="de")


def test_the_training_monitor_keeps_loss_and_gradient_norm():
    m = nb.TrainingMonitor(total=5, progress=False)
    w = torch.tensor(3.0, requires_grad=True)
    for _ in range(5):
        loss = (w - 1) ** 2
        loss.backward()
        m.update(loss, params=[w])
        with torch.no_grad():
            w -= 0.25 * w.grad
        w.grad.zero_()
    assert m.history["loss"][:2] == [4.0, 1.0] and m.history["grad_norm"][:2] == [4.0, 2.0]
    assert m.figure()._repr_png_()[:4] == b"\x89PNG"
    json.dumps(m.history)
