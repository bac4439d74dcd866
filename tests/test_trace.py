"""Evaluation traces: the lesson's primal, tangent and adjoint tables, checked against the engine itself."""

import json
import math
import re

import numpy as np
import pytest

import nbautodiff.torch as torch
from nbautodiff.engine import mode
from nbautodiff.engine.counting import count_ops
from nbautodiff.engine.forward import jvp
from nbautodiff.engine.ops import OPS
from nbautodiff.traces import EvaluationTrace, Variable, trace

from .conftest import needs_torch, real_torch


def f(x1, x2):
    return torch.log(x1) + x1 * x2 - torch.sin(x2)


@pytest.fixture
def lesson() -> EvaluationTrace:
    return trace(f, 2.0, 5.0)


def values(t, field):
    return [float(getattr(v, field)) for v in t.variables]


def test_the_lessons_primal_trace(lesson):
    assert [v.name for v in lesson.variables] == [f"v{i}" for i in range(1, 8)]
    assert [v.expression for v in lesson.variables] == [
        "x1", "x2", "ln(v1)", "v1 × v2", "sin(v2)", "v3 + v4", "v6 − v5"]
    assert values(lesson, "value") == pytest.approx([2, 5, math.log(2), 10, math.sin(5), 10.693147, 11.652071])
    assert round(float(lesson.output), 3) == 11.652 and lesson.output_name == "v7"
    assert [v.op for v in lesson.variables] == [None, None, "log", "mul", "sin", "add", "sub"]
    assert [v.inputs for v in lesson.variables[2:]] == [["v1"], ["v1", "v2"], ["v2"], ["v3", "v4"], ["v6", "v5"]]
    assert [v.depth for v in lesson.variables] == [0, 0, 1, 1, 1, 2, 3]


def test_the_lessons_tangent_trace(lesson):
    assert values(lesson, "tangent") == [1, 0, 0.5, 5, 0, 5.5, 5.5]
    assert float(lesson.output_tangent) == 5.5
    assert [v.tangent_expression for v in lesson.variables] == [
        "ẋ1", "ẋ2", "v̇1 / v1", "v̇1 × v2 + v1 × v̇2", "cos(v2) × v̇2", "v̇3 + v̇4", "v̇6 − v̇5"]


def test_the_lessons_adjoint_trace(lesson):
    assert values(lesson, "adjoint")[::-1] == pytest.approx([1, 1, -1, 1, 1, 2 - math.cos(5), 5.5])
    v1, v2 = lesson["v1"], lesson["v2"]
    assert round(float(v2.adjoint), 3) == 1.716 and float(v1.adjoint) == 5.5
    assert list(v2.partials) == ["v4", "v5"]  # v̄2 = v̄2→4 + v̄2→5
    assert float(v2.partials["v4"]) == 2.0
    assert float(v2.partials["v5"]) == pytest.approx(-math.cos(5)) and round(float(v2.partials["v5"]), 3) == -0.284
    assert {k: float(p) for k, p in v1.partials.items()} == {"v3": 0.5, "v4": 5.0}
    assert v2.partial_expressions == {"v4": "v1 × v̄4", "v5": "cos(v2) × v̄5"}
    assert lesson["v5"].partial_expressions == {"v7": "−v̄7"}
    assert lesson["v7"].partials == {}  # the output: its adjoint is the seed


def test_the_lessons_text(lesson):
    primal, tangent, adjoint = (str(t).splitlines() for t in lesson.tables())
    assert primal[3:] == [
        "v1   x1          2", "v2   x2          5", "v3   ln(v1)      0.69315", "v4   v1 × v2     10",
        "v5   sin(v2)     -0.95892", "v6   v3 + v4     10.693", "v7   v6 − v5     11.652", "y = v7 = 11.652"]
    assert tangent[0] == "forward tangent trace (seed ẋ1 = 1)" and tangent[-1] == "ẏ = v̇7 = 5.5"
    assert "v̇3   v̇1 / v1            0.5" in tangent
    row = next(r for r in adjoint if r.startswith("v̄2 "))
    assert re.split(r"\s{2,}", row) == ["v̄2", "v̄2→4 + v̄2→5", "v1 × v̄4 + cos(v2) × v̄5", "2 + (−0.28366)", "1.7163"]
    assert adjoint[1].split() == ["var", "partial", "adjoints", "=", "v̄ⱼ", "∂vⱼ/∂vᵢ", "values", "adjoint"]
    assert adjoint[-2:] == ["∂y/∂x1 = v̄1 = 5.5", "∂y/∂x2 = v̄2 = 1.7163"]
    assert str(lesson) == "\n\n".join(str(t) for t in lesson.tables())


def test_the_lesson_agrees_with_the_engine(lesson):
    x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    grads = torch.autograd.grad(f(x1, x2), (x1, x2))
    assert [float(a) for a in lesson.input_adjoints] == [float(g) for g in grads]
    dots = (torch.tensor(1.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64))
    _, dy = jvp(f, (x1.detach(), x2.detach()), dots)
    assert float(lesson.output_tangent) == float(dy)


def test_seeding_the_other_input():
    t = trace(f, 2.0, 5.0, wrt="x2")
    assert t.wrt == 1 and values(t, "tangent")[:2] == [0, 1]
    assert float(t.output_tangent) == pytest.approx(2 - math.cos(5))  # ∂y/∂x2 = x1 − cos x2
    assert float(t.output_tangent) == pytest.approx(float(t["v2"].adjoint))


def tanh_layer(lib):
    return lambda W, x: lib.sum(lib.tanh(W @ x))


W0 = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])
X0 = np.array([1.0, -2.0, 0.5])


def test_a_vector_function_matches_autograd_and_jvp():
    t = trace(tanh_layer(torch), W0, X0, wrt="x")
    assert [v.expression for v in t.variables] == ["W", "x", "v1 @ v2", "tanh(v3)", "sum(v4)"]
    assert [v.op for v in t.variables[2:]] == ["mv", "tanh", "sum"]
    W = torch.tensor(W0, requires_grad=True)
    x = torch.tensor(X0, requires_grad=True)
    gW, gx = torch.autograd.grad(tanh_layer(torch)(W, x), (W, x))
    np.testing.assert_allclose(t.input_adjoints[0], gW.numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.input_adjoints[1], gx.numpy(), rtol=1e-12)
    assert t["v1"].adjoint.shape == (2, 3)
    _, dy = jvp(tanh_layer(torch), (W.detach(), x.detach()), (torch.zeros(2, 3, dtype=torch.float64),
                                                              torch.ones(3, dtype=torch.float64)))
    assert float(t.output_tangent) == pytest.approx(float(dy), rel=1e-12)
    assert t["v4"].tangent_expression == "(1 − v4²) × v̇3"


@needs_torch
def test_a_vector_function_matches_real_pytorch():
    t = trace(tanh_layer(torch), W0, X0)
    W = real_torch.tensor(W0, requires_grad=True)
    x = real_torch.tensor(X0, requires_grad=True)
    tanh_layer(real_torch)(W, x).backward()
    np.testing.assert_allclose(t.input_adjoints[0], W.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.input_adjoints[1], x.grad.numpy(), rtol=1e-12)
    assert float(t.output) == pytest.approx(tanh_layer(real_torch)(W, x).item())


@pytest.mark.parametrize(
    "fn, inputs",
    [
        (lambda a, b: (a * b).sum() + (a * a).sum() / b.mean(), ([1.0, 2.0], [[3.0, 4.0], [5.0, 6.0]])),
        (lambda a: (1 - a).pow(3).sum() + (2 ** a).sum() + a.split(1)[1].exp().sum() + a.sigmoid().prod(),
         ([0.5, -1.0],)),
        (lambda x: torch.stack(list(x.unbind())).sum() + x[0] * x[1] + torch.relu(x - 1.5).sum() + x.norm()
         + torch.cat([x, x[1:]]).mean() + torch.softmax(x, 0)[0], ([1.0, 2.0, 3.0],)),
        (lambda W, X, b: torch.nn.functional.linear(X, W, b).tanh().pow(2).mean(),
         (np.arange(12.0).reshape(4, 3) / 10, np.ones((5, 3)), [0.1, 0.2, 0.3, 0.4])),
    ],
)
def test_adjoints_and_tangents_match_the_engine(fn, inputs):
    t = trace(fn, *inputs)
    leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in inputs]
    grads = torch.autograd.grad(fn(*leaves), leaves)
    for ours, g in zip(t.input_adjoints, grads):
        np.testing.assert_allclose(ours, g.numpy(), rtol=1e-12, atol=1e-15)
    dots = [torch.ones_like(leaves[0])] + [torch.zeros_like(x) for x in leaves[1:]]
    _, dy = jvp(fn, [x.detach() for x in leaves], dots)
    assert float(t.output_tangent) == pytest.approx(float(dy), rel=1e-12)


def test_a_broadcast_input_gets_its_partial_summed_to_its_shape():
    t = trace(lambda a, b: (a * b).sum(), [1.0, 2.0], [[3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(t["v1"].partials["v3"], [8.0, 10.0])
    assert t["v1"].partial_expressions["v3"] == "sum_to_shape(v̄3 × v2)"


def test_a_variable_used_twice_by_one_op_has_one_partial():
    t = trace(lambda x: x * x, 3.0)
    assert {k: float(p) for k, p in t["v1"].partials.items()} == {"v2": 6.0}
    assert float(t["v2"].tangent) == 6.0


def test_the_rules_come_from_the_op_table(monkeypatch):
    monkeypatch.setattr(OPS["log"], "jvp", (lambda dx, out, x: dx * 100,))
    monkeypatch.setattr(OPS["log"], "vjp", (lambda g, out, x: g * 1000,))
    t = trace(f, 2.0, 5.0)
    assert float(t["v3"].tangent) == 100.0 and float(t["v1"].partials["v3"]) == 1000.0


def test_tracing_nests_with_count_ops_and_restores_the_tracer():
    with count_ops() as n:
        trace(f, 2.0, 5.0)
    assert (n.primal, n.tangent, n.adjoint) == (5, 0, 0)  # f's primitives; the rules are not f's work
    assert mode.state.tracer is None

    def broken(x):
        raise KeyError("inside f")

    with pytest.raises(KeyError):
        trace(broken, 1.0)
    assert mode.state.tracer is None


def test_constants_no_grad_and_dead_code():
    def g(x):
        with torch.no_grad():
            c = x * 10  # a constant to autograd, so to the trace too
        unused = torch.exp(x)  # noqa: F841
        return (x * c).sum() - 2 * x.sum()

    t = trace(g, [1.0, 2.0])
    assert [v.expression for v in t.variables] == ["x", "exp(v1)", "v1 × [10., 20.]", "sum(v1)", "sum(v3)",
                                                    "v4 × 2", "v5 − v6"]
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    np.testing.assert_array_equal(t.input_adjoints[0], torch.autograd.grad(g(x), x)[0].numpy())
    assert t["v2"].partials == {} and np.all(t["v2"].adjoint == 0)  # exp(x) doesn't reach y
    assert "(no path to y)" in str(t.adjoint)


def test_in_place_updates_are_followed():
    def g(x):
        y = x * 2
        y.mul_(3)
        return (y * y).sum()

    t = trace(g, [1.0, 2.0])
    assert [v.expression for v in t.variables] == ["x", "v1 × 2", "v2 × 3", "v3 × v3", "sum(v4)"]
    np.testing.assert_array_equal(t.input_adjoints[0], [72.0, 144.0])  # d/dx Σ 36x² = 72x


def test_names_and_errors():
    assert trace(lambda a, b: a * b, 1.0, 2.0).input_names == ["a", "b"]
    assert trace(lambda *xs: xs[0] * xs[1], 1.0, 2.0).input_names == ["x1", "x2"]
    assert trace(lambda a, b: a * b, 1.0, 2.0, names=["p", "q"])["v1"].expression == "p"
    with pytest.raises(TypeError, match="not a tensor"):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(ValueError, match="wrt='z'"):
        trace(f, 2.0, 5.0, wrt="z")
    with pytest.raises(ValueError, match="2 names for 1 inputs"):
        trace(lambda x: x, 1.0, names=["a", "b"])


def test_variables_to_dict_and_html(lesson):
    assert all(isinstance(v, Variable) for v in lesson.variables)
    d = lesson.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["output"] == "v7" and d["inputs"] == ["x1", "x2"] and d["value"] == pytest.approx(11.652071)
    v2 = d["variables"][1]
    assert v2["partials"] == {"v4": 2.0, "v5": pytest.approx(-math.cos(5))} and v2["adjoint"] == pytest.approx(1.716,
                                                                                                             abs=5e-4)
    html = lesson._repr_html_()
    assert html.count("<table>") == 3 and "ln(v1)" in html and "v̄2→4 + v̄2→5" in html


def test_a_custom_function_is_refused_by_name():
    if not hasattr(torch.autograd, "Function"):
        pytest.skip("no custom autograd.Function in this engine")

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    with pytest.raises(NotImplementedError, match="Square has no JVP/VJP rules"):
        trace(lambda x: Square.apply(x) + 1, 3.0)
    assert mode.state.tracer is None


def test_a_direction_of_the_wrong_shape():
    with pytest.raises(ValueError, match="direction has shape"):
        trace(lambda x: x.sum(), [1.0, 2.0], direction=[1.0, 2.0, 3.0])
    t = trace(lambda x: (x * x).sum(), [1.0, 2.0], direction=[0.0, 1.0])
    assert float(t.output_tangent) == 4.0  # ∂/∂x2 of x1² + x2² at x2 = 2


def test_the_trace_carries_the_graph_of_the_same_run_and_each_variable_its_node(lesson):
    g = lesson.graph
    # the graph numbers its values as the trace does, and shows the same values
    assert {v.name: g.nodes[v.node].var for v in lesson.variables} == {v.name: v.name for v in lesson.variables}
    assert [g.nodes[v.node].label for v in lesson.variables[:2]] == ["x1", "x2"]
    assert all(float(g.nodes[v.node].value) == pytest.approx(float(v.value)) for v in lesson.variables)
    assert g.outputs == [lesson["v7"].node] and lesson.variable_of(lesson["v4"].node) is lesson["v4"]
    # the edges of the graph are the trace's data flow: v4 = v1 × v2 through MulBackward0
    (op,) = g.inputs_of(lesson["v4"].node)
    assert g.nodes[op].label == "MulBackward0" and g.nodes[op].expression == "x1 × x2"
    assert sorted(g.inputs_of(op)) == sorted([lesson["v1"].node, lesson["v2"].node])
    assert json.loads(json.dumps(lesson.to_dict()))["graph"]["outputs"] == g.outputs


def test_a_variable_the_output_does_not_depend_on_has_no_node():
    t = trace(lambda a: (a.exp(), a * 2)[1], 1.0)
    assert [v.node is None for v in t.variables] == [False, True, False]
    (op,) = t.graph.inputs_of(t.variables[2].node)
    assert t.graph.nodes[op].expression == "a × 2"


DIALECT_FUNCTIONS = {
    "tf": lambda: (lambda x1, x2: _dialect("tf").math.log(x1) + x1 * x2 - _dialect("tf").sin(x2)),
    "djl": lambda: (lambda x1, x2: x1.log().add(x1.mul(x2)).sub(x2.sin())),
    "mxnet": lambda: (lambda x1, x2: _dialect("mxnet").np.log(x1) + x1 * x2 - _dialect("mxnet").np.sin(x2)),
}


def _dialect(name):
    import importlib

    return importlib.import_module(f"nbautodiff.{name}")


@pytest.mark.parametrize("dialect", ["tf", "djl", "mxnet"])
def test_a_dialects_function_is_traced_and_stepped_with_dialect(dialect):
    import nbautodiff as nb

    f = DIALECT_FUNCTIONS[dialect]()
    expected = trace(lambda x1, x2: torch.log(x1) + x1 * x2 - torch.sin(x2), 2.0, 5.0)
    t = trace(f, 2.0, 5.0, dialect=dialect)
    assert str(t) == str(expected)
    drawn = [[(n.label, n.expression, None if n.value is None else float(n.value)) for n in g.nodes]
             for g in (t.graph, expected.graph)]
    assert drawn[0] == drawn[1]
    stepped = nb.step(f, 2.0, 5.0, dialect=dialect)
    same = nb.step(lambda x1, x2: torch.log(x1) + x1 * x2 - torch.sin(x2), 2.0, 5.0)
    assert [f.caption for f in stepped.model.frames] == [f.caption for f in same.model.frames]
    assert [st.label for st in stepped.model.steps][0] == "SubBackward0"


def test_a_dialects_function_without_dialect_says_which_dialect_to_pass():
    import nbautodiff as nb

    with pytest.raises(TypeError, match="written with nbautodiff.tf, but got nbautodiff.torch tensors; pass "
                                        "dialect='tf'"):
        trace(DIALECT_FUNCTIONS["tf"](), 2.0, 5.0)
    with pytest.raises(TypeError, match="pass dialect='tf'"):
        nb.step(lambda x: _dialect("tf").constant(1.0) * 2, 2.0)
    with pytest.raises(ValueError, match="trace\\(dialect='jax'\\): choose one of"):
        trace(DIALECT_FUNCTIONS["tf"](), 2.0, 5.0, dialect="jax")
