"""Issue 3's methods: forward mode, functional transforms, finite differences, gradcheck, custom gradients,
anomaly mode and operation counts, on the lessons' numbers and against real PyTorch where it has the feature."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nbautodiff as nb
import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

BOTH = [pytest.param(nbt, id="nbautodiff"), pytest.param(real_torch, id="torch", marks=needs_torch)]


def lesson_f(ns):
    """y = ln(x1) + x1·x2 − sin(x2) from the dlsys notes: at (2, 5), y = 11.652, ∂y/∂x = (5.5, 1.716)."""
    return lambda x1, x2: ns.log(x1) + x1 * x2 - ns.sin(x2)


def sigmoid(ns):
    return lambda x: 1 / (1 + ns.exp(-x))


# ------------------------------------------------------------------------------------------------ forward mode
@pytest.mark.parametrize("ns", BOTH)
def test_dual_tensors_give_the_sigmoid_at_2(ns):
    fw = ns.autograd.forward_ad
    with fw.dual_level():
        x = fw.make_dual(ns.tensor(2.0), ns.tensor(1.0))
        y = sigmoid(ns)(x)
        primal, tangent = fw.unpack_dual(y)
    assert round(primal.item(), 4) == 0.8808
    assert round(tangent.item(), 5) == 0.10499
    assert fw.unpack_dual(y).tangent is None  # the level is closed: the tangent is gone


@needs_torch
def test_dual_tensors_print_and_fail_as_in_pytorch():
    outputs = []
    for ns in (nbt, real_torch):
        fw = ns.autograd.forward_ad
        with fw.dual_level():
            a = fw.make_dual(ns.tensor([2.0, 3.0]), ns.tensor([1.0, 0.5]))
            b = fw.make_dual(ns.tensor(2.0), ns.tensor(1.0))
            shown = [repr(a * 2), repr(b * 3)]
            try:
                fw.make_dual(ns.tensor([1.0, 2.0]), ns.tensor([1.0]))
            except RuntimeError as e:
                shown.append(str(e).splitlines()[0])
        try:
            fw.make_dual(ns.tensor(1.0), ns.tensor(1.0))
        except RuntimeError as e:
            shown.append(str(e).splitlines()[0])
        outputs.append(shown)
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("ns", BOTH)
def test_jvp_gives_the_lesson_tangent(ns):
    x = (ns.tensor(2.0, dtype=ns.float64), ns.tensor(5.0, dtype=ns.float64))
    out, tangent = ns.func.jvp(lesson_f(ns), x, (ns.tensor(1.0, dtype=ns.float64), ns.tensor(0.0, dtype=ns.float64)))
    assert round(out.item(), 3) == 11.652 and tangent.item() == pytest.approx(5.5)


# ------------------------------------------------------------------------------------------------ transforms
def _fns(ns):
    return {
        "lesson": (lambda x: ns.log(x[0]) + x[0] * x[1] - ns.sin(x[1]), [2.0, 5.0]),
        "softmax-ce": (lambda x: -ns.log_softmax(x, 0)[1], [0.5, -1.0, 2.0]),
        "tanh-mlp": (lambda x: (ns.tanh(ns.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]], dtype=x.dtype) @ x) ** 2).sum(),
                     [0.1, 0.2, 0.3]),
    }


@needs_torch
@pytest.mark.parametrize("name", ["lesson", "softmax-ce", "tanh-mlp"])
@pytest.mark.parametrize("transform", ["grad", "jacrev", "jacfwd", "hessian"])
def test_transforms_match_torch_func(name, transform):
    results = []
    for ns in (nbt, real_torch):
        f, x0 = _fns(ns)[name]
        x = ns.tensor(x0, dtype=ns.float64)
        results.append(getattr(ns.func, transform)(f)(x).numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)


@needs_torch
def test_vjp_jvp_and_autograd_functional_match_torch():
    x0, v0 = [0.5, 1.5, -0.5], [1.0, -2.0, 0.5]
    res = []
    for ns in (nbt, real_torch):
        x, v = ns.tensor(x0, dtype=ns.float64), ns.tensor(v0, dtype=ns.float64)
        f = lambda t: ns.sin(t) * t.sum()  # noqa: E731
        out, vjp_fn = ns.func.vjp(f, x)
        F = ns.autograd.functional
        g = lambda t: (t ** 3).sum()  # noqa: E731
        res.append([out, vjp_fn(v)[0], ns.func.jvp(f, (x,), (v,))[1], F.jacobian(f, x), F.hessian(g, x),
                    F.hvp(g, x, v)[1], F.vjp(f, x, v)[1], F.jvp(f, x, v)[1]])
    for a, b in zip(*res):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)


def test_a_dict_of_inputs_gets_a_dict_of_adjoints():
    """The notes' b = d["cat"]: the adjoint of b goes back to the "cat" entry of the adjoint dict."""
    d = {"cat": nbt.tensor(2.0), "dog": nbt.tensor(3.0), "fish": [nbt.tensor(1.0), (nbt.tensor(4.0),)]}
    g = nb.grad(lambda d: d["cat"] * 5 + d["fish"][1][0] ** 2)(d)
    assert set(g) == {"cat", "dog", "fish"}
    assert g["cat"].item() == 5.0 and g["dog"].item() == 0.0
    assert g["fish"][0].item() == 0.0 and g["fish"][1][0].item() == 8.0
    assert isinstance(g["fish"], list) and isinstance(g["fish"][1], tuple)


def test_value_and_grad_gives_the_lesson_numbers():
    value, (g1, g2) = nb.value_and_grad(lesson_f(nbt), argnums=(0, 1))(2.0, 5.0)
    assert round(value.item(), 3) == 11.652 and g1.item() == pytest.approx(5.5) and round(g2.item(), 3) == 1.716


def test_transforms_nest_for_higher_order():
    d3 = nb.grad(nb.grad(nb.grad(lambda x: x ** 4)))(nbt.tensor(2.0))
    assert d3.item() == pytest.approx(48.0)  # 24 x
    assert not d3.requires_grad
    h = nb.jacfwd(nb.jacrev(lambda x: (x ** 3).sum()))(nbt.tensor([1.0, 2.0]))
    np.testing.assert_allclose(h.numpy(), np.diag([6.0, 12.0]))
    _, hv = nb.hvp(lambda x: (x ** 3).sum(), (nbt.tensor([1.0, 2.0]),), (nbt.tensor([1.0, 1.0]),))
    np.testing.assert_allclose(hv[0].numpy(), [6.0, 12.0])


def test_grad_needs_a_scalar_output_and_says_what_to_use():
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor.*vjp or jacrev"):
        nb.grad(lambda x: x * 2)(nbt.tensor([1.0, 2.0]))


# ------------------------------------------------------------------------------------------------ numerical
def test_central_differences_reproduce_the_lesson():
    g = nb.numerical_grad(lesson_f(nbt), (nbt.tensor(2.0, dtype=nbt.float64), nbt.tensor(5.0, dtype=nbt.float64)))
    assert [round(float(v), 3) for v in g] == [5.5, 1.716]


def test_numerical_jacobian_matches_reverse_mode():
    f = lambda x: nbt.tanh(x) * x.sum()  # noqa: E731
    x = nbt.tensor([0.3, -0.7, 1.1], dtype=nbt.float64)
    (num,), = nb.numerical_jacobian(f, (x,))
    np.testing.assert_allclose(num, nb.jacrev(f)(x).numpy(), rtol=1e-8)


def test_eps_sweep_shows_truncation_and_round_off():
    s = nb.eps_sweep(lambda t: t.sin(), 1.0)
    assert s.exact == pytest.approx(math.cos(1.0))
    eps_c64, err_c64 = s.best("central", "float64")
    eps_f64, err_f64 = s.best("forward", "float64")
    _, err_c32 = s.best("central", "float32")
    assert err_c64 < err_f64 < 1e-6  # central is the more accurate scheme
    assert err_c32 > 1e3 * err_c64  # float32 runs into round-off far sooner
    assert eps_c64 > eps_f64  # O(eps²) truncation lets central use a larger eps
    errs = s.errors[("central", "float64")]
    big = s.eps > 1e-2
    slope = np.polyfit(np.log(s.eps[big]), np.log(errs[big]), 1)[0]
    assert 1.8 < slope < 2.2  # truncation error ∝ eps² on the right
    assert errs[0] > err_c64 * 1e3  # round-off error blows up on the left
    assert "central" in str(s) and "<table>" in s._repr_html_()


def test_eps_sweep_plots_a_plot_in_english_or_chinese_without_pyplot():
    import sys

    pytest.importorskip("matplotlib")
    pyplot_loaded = "matplotlib.pyplot" in sys.modules
    sweep = nb.eps_sweep(lambda t: t.exp(), 0.5)
    p = sweep.plot()
    assert len(p.ax.get_lines()) == 4 and p.ax.get_xscale() == "log" and p._repr_png_()[:4] == b"\x89PNG"
    assert list(p.data) == ["eps", "forward, float32", "forward, float64", "central, float32", "central, float64"]
    zh = sweep.plot(lang="zh")
    assert zh.ax.get_title() == "截断误差（右）与舍入误差（左）" and zh.ax.get_ylabel() == "|误差|"
    assert [t.get_text() for t in zh.ax.get_legend().get_texts()][0] == "前向差分, float32"
    assert ("matplotlib.pyplot" in sys.modules) == pyplot_loaded
    from matplotlib.figure import Figure

    fig = Figure()
    assert sweep.plot(ax=fig.add_subplot()).figure is fig
    with pytest.raises(ValueError, match="EpsSweep.plot: lang='fr'"):
        sweep.plot(lang="fr")


# ------------------------------------------------------------------------------------------------ gradcheck
def _bad_square(ns):
    class BadSquare(ns.autograd.Function):
        """x² with a planted wrong backward (3x instead of 2x)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x

    return BadSquare


BACKENDS = ["numpy", pytest.param("torch", marks=needs_torch)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fast", [False, True])
def test_gradcheck_catches_a_planted_wrong_gradient(fast, backend):
    """On the torch backend ``nbt.autograd.Function`` is PyTorch's: its planted backward is what gets checked."""
    with nb.use_backend(backend):
        x = nbt.tensor([1.0, 2.0], dtype=nbt.float64, requires_grad=True)
        result = nb.gradcheck(_bad_square(nbt).apply, (x,), fast_mode=fast)
        assert not result and not result.passed and "MISMATCH" in str(result)
        with pytest.raises(nb.GradcheckError, match="Jacobian mismatch"):
            nb.gradcheck(_bad_square(nbt).apply, (x,), fast_mode=fast, raise_exception=True)
        assert nb.gradcheck(lambda a: a * a, (x,), fast_mode=fast)


@needs_torch
def test_a_function_of_the_own_engine_is_a_torch_autograd_function_on_the_torch_backend():
    """A lesson's ``class F(nb.Function)`` runs on both backends: on torch PyTorch's backward calls its rule."""
    class MyExp(nb.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y * 2  # planted: twice the derivative

    with nb.use_backend("torch"):
        x = nbt.tensor([0.5, 1.0], dtype=nbt.float64, requires_grad=True)
        y = MyExp.apply(x)
        assert isinstance(y, real_torch.Tensor) and type(y.grad_fn).__name__ == "MyExpBackward"
        y.sum().backward()
        assert x.grad.tolist() == pytest.approx([2 * math.exp(0.5), 2 * math.exp(1.0)])
        assert not nb.gradcheck(MyExp.apply, (x,))
    x = nbt.tensor([0.5], dtype=nbt.float64, requires_grad=True)  # and on the own engine still its own node
    assert type(MyExp.apply(x).grad_fn).__name__ == "MyExpBackward" and not nb.gradcheck(MyExp.apply, (x,))


@needs_torch
def test_the_checks_run_on_the_torch_backend_with_the_same_numbers():
    results = []
    for backend in ("numpy", "torch"):
        with nb.use_backend(backend):
            x = nbt.tensor([0.5, 1.5], dtype=nbt.float64, requires_grad=True)
            y = nbt.tensor([2.0], dtype=nbt.float64, requires_grad=True)
            full = nb.gradcheck(lambda a, b: (a.tanh() * b).sum() * a, (x, y), check_forward_ad=True)
            assert full and full.counts["forward passes"] == 3
            assert nb.gradgradcheck(lambda a: a.tanh() * a, (x,))
            (num,) = nb.numerical_grad(lambda a: (a * a).sum(), (x,))
            sweep = nb.eps_sweep(lambda t: t.sin(), 1.0)
            results.append((full.counts, num.tolist(), sweep.best("central", "float64")[0]))
    assert results[0][0] == results[1][0] and results[0][2] == results[1][2]
    assert results[0][1] == pytest.approx([1.0, 3.0]) and results[1][1] == pytest.approx([1.0, 3.0])


@needs_torch
def test_gradcheck_reports_the_mismatch_in_pytorchs_words():
    messages = []
    for ns in (nbt, real_torch):
        x = ns.tensor([1.0, 2.0], dtype=ns.float64, requires_grad=True)
        try:
            ns.autograd.gradcheck(_bad_square(ns).apply, (x,), raise_exception=True)
        except Exception as e:
            messages.append(str(e).strip())
    assert messages[0] == messages[1]


@needs_torch
def test_gradcheck_gives_pytorchs_float64_advice():
    texts = []
    for ns in (nbt, real_torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ns.autograd.gradcheck(lambda a: a * 2, (ns.tensor([1.0], requires_grad=True),), raise_exception=False)
        texts.append([str(w.message) for w in caught if "double precision" in str(w.message)])
    assert texts[0] == texts[1] and texts[0]


def test_gradcheck_passes_every_op_in_the_table():
    from .test_ops import SPECS, _inputs

    rng = np.random.default_rng(0)
    failed = []
    for name, spec in SPECS.items():
        for shapes in spec.shapes:
            xs = [nbt.tensor(a, requires_grad=True) for a in _inputs(spec, shapes, rng)]
            for fast in (False, True):
                if not nb.gradcheck(lambda *a, s=spec: s.fn(nbt, *a), xs, eps=spec.eps, fast_mode=fast,
                                    check_forward_ad=not fast,
                                    atol=1e-6 if spec.eps < 1e-4 else 1e-3):
                    failed.append((name, shapes, fast))
    assert not failed


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    class DetachedSquare(nbt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x.detach()  # right first derivative, but the graph of it is cut

    x = nbt.tensor([0.5, 1.5], dtype=nbt.float64, requires_grad=True)
    assert nb.gradcheck(DetachedSquare.apply, (x,))
    assert not nb.gradgradcheck(DetachedSquare.apply, (x,))
    assert nb.gradgradcheck(lambda a: a.tanh() * a, (x,))


def test_gradcheck_result_renders_and_counts():
    x = nbt.tensor([2.0], dtype=nbt.float64, requires_grad=True)
    y = nbt.tensor([5.0], dtype=nbt.float64, requires_grad=True)
    r = nb.gradcheck(lesson_f(nbt), (x, y))
    assert r.counts["evaluations of f"] == 1 + 2 * 2 and r.counts["backward passes"] == 1
    assert "<table>" in r._repr_html_() and "passed" in r._repr_html_()
    table = nb.random_direction_check(lesson_f(nbt), (x, y), n=4)
    assert len(table.rows) == 4 and all(row[-1] == "ok" for row in table.rows)


# ------------------------------------------------------------------------------------------------ custom gradients
def _exp_function(ns):
    class MyExp(ns.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

        @staticmethod
        def jvp(ctx, dx):
            return dx * ctx.y_for_jvp

    return MyExp


@needs_torch
def test_function_behaves_as_pytorchs():
    seen = []
    for ns in (nbt, real_torch):
        F = _exp_function(ns)
        x = ns.tensor([0.5, 1.0], requires_grad=True)
        y = F.apply(x)
        out = [repr(y), type(y.grad_fn).__name__, y.grad_fn.next_functions[0][0].__class__.__name__]
        y.sum().backward(retain_graph=True)
        out.append(repr(x.grad))
        y.sum().backward()
        out.append(repr(x.grad))
        try:
            y.sum().backward()
        except RuntimeError as e:
            out.append(str(e).splitlines()[0][:60])
        with ns.no_grad():
            out.append(repr(F.apply(x)))
        seen.append(out)
    assert seen[0] == seen[1]


@pytest.mark.parametrize("ns", BOTH)
def test_function_backward_is_differentiable_again(ns):
    class Cube(ns.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = ns.tensor(2.0, requires_grad=True)
    (g,) = ns.autograd.grad(Cube.apply(x), x, create_graph=True)
    (h,) = ns.autograd.grad(g, x)
    assert (g.item(), h.item()) == (12.0, 12.0)


def test_function_with_two_outputs_and_a_non_tensor_argument():
    class ScaleBoth(nbt.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k, x * x

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * ctx.k + gb * 0, None

    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    a, b = ScaleBoth.apply(x, 3.0)
    assert a.grad_fn is b.grad_fn and [n for _, n in (a * b).grad_fn.next_functions] == [0, 1]
    a.sum().backward()  # b got no gradient: it is materialised as zeros for backward
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_function_jvp_runs_in_forward_mode():
    class Exp(nbt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.y = x.exp()
            return ctx.y

        @staticmethod
        def backward(ctx, g):
            return g * ctx.y

        @staticmethod
        def jvp(ctx, dx):
            return dx * ctx.y

    _, t = nb.jvp(Exp.apply, (nbt.tensor(1.0),), (nbt.tensor(2.0),))
    assert t.item() == pytest.approx(2 * math.e, rel=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_article_case_autodiff_nan_custom_gradient_exact(backend):
    """1/exp(x) at x = 100 in float32: autodiff's gradient is nan; a custom gradient gives −exp(−x), on the torch
    backend through a real ``torch.autograd.Function``."""
    with nb.use_backend(backend):
        x = nbt.tensor(100.0, requires_grad=True)
        (1.0 / nbt.exp(x)).backward()
        assert math.isnan(x.grad.item())

        @nb.custom_gradient
        def stable(x):
            return 1.0 / nbt.exp(x), lambda upstream: upstream * -nbt.exp(-x)

        x = nbt.tensor(100.0, requires_grad=True)
        y = stable(x)
        assert type(y.grad_fn).__name__ == "stableBackward" and isinstance(y, nb.backend().ns.Tensor)
        y.backward()
        assert x.grad.item() == pytest.approx(-math.exp(-100.0), rel=1e-3)
        assert repr(x.grad) == "tensor(-3.7835e-44)"

        @nb.custom_vjp
        def f(x):
            return 1.0 / nbt.exp(x)

        f.defvjp(lambda x: (1.0 / nbt.exp(x), x), lambda x, g: (-g * nbt.exp(-x),))
        x = nbt.tensor(100.0, requires_grad=True)
        f(x).backward()
        assert x.grad.item() == pytest.approx(-math.exp(-100.0), rel=1e-3)


def test_saved_tensor_changed_in_place_is_caught():
    F = _exp_function(nbt)
    x = nbt.tensor([0.5], requires_grad=True)
    y = F.apply(x)
    with nbt.no_grad():
        y.grad_fn.saved_tensors[0].add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ------------------------------------------------------------------------------------------------ anomaly mode
@needs_torch
@pytest.mark.parametrize("case", ["x / x", "1 / exp(100)"])
def test_anomaly_mode_names_the_op_as_pytorch_does(case):
    errors = []
    for ns in (nbt, real_torch):
        x = ns.tensor([0.0, 1.0] if case == "x / x" else 100.0, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with ns.autograd.detect_anomaly():
                y = x / x if case == "x / x" else 1.0 / ns.exp(x)
                with pytest.raises(RuntimeError) as info:
                    y.sum().backward()
        errors.append((str(info.value).splitlines()[0],
                       sorted(str(w.message).split("\n")[0] for w in caught if w.category is UserWarning)))
    assert errors[0] == errors[1]


def test_anomaly_mode_shows_where_the_op_was_created():
    x = nbt.tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(UserWarning), nbt.autograd.detect_anomaly():
        y = x / x  # THIS LINE
        with pytest.raises(RuntimeError, match="THIS LINE"):
            y.sum().backward()
    assert not nbt.autograd.is_anomaly_enabled()


# ------------------------------------------------------------------------------------------------ counts
def test_forward_mode_needs_n_passes_reverse_mode_one():
    n = 6
    c = nb.compare_methods(lambda x: (x ** 2).sum(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    ops_per_eval = c["reverse mode"].primal  # pow and sum
    assert c["reverse mode"].adjoint == ops_per_eval
    assert c["forward mode"].primal == n * ops_per_eval and c["forward mode"].tangent == n * ops_per_eval
    assert c["central differences"].primal == 2 * n * ops_per_eval
    assert c["forward differences"].primal == (n + 1) * ops_per_eval
    for r in c.results:
        np.testing.assert_allclose(np.concatenate([np.ravel(g) for g in r.gradient]), [2, 4, 6, 8, 10, 12], rtol=1e-5)


def test_compare_methods_on_the_lesson_function():
    c = nb.compare_methods(lesson_f(nbt), 2.0, 5.0)
    for r in c.results:
        assert [round(float(g), 3) for g in r.gradient] == [5.5, 1.716]
    assert c.value == pytest.approx(11.652, abs=1e-3)
    assert "forward mode" in str(c) and "<table>" in c._repr_html_()


def test_count_ops_nests():
    with nb.count_ops() as outer:
        x = nbt.tensor(2.0, requires_grad=True)
        with nb.count_ops() as inner:
            y = x * x + 1
        y.backward()
    assert (inner.primal, inner.adjoint) == (2, 0)
    assert (outer.primal, outer.adjoint) == (2, 2)


def test_numerical_jacobian_wrt_skips_the_other_inputs():
    a = nbt.tensor([1.0, 2.0], dtype=nbt.float64)
    b = nbt.tensor([3.0, 4.0], dtype=nbt.float64)
    calls = []

    def f(x, y):
        calls.append(1)
        return x * y

    jac = nb.numerical_jacobian(f, (a, b), wrt={1})
    assert jac[0][0] is None or not np.any(jac[0][0])  # input 0 is not differentiated
    np.testing.assert_allclose(jac[0][1], np.diag([1.0, 2.0]), atol=1e-8)
    assert len(calls) == 2 * 2  # central differences over b's two elements only


def test_forward_over_forward_nests_levels():
    f = lambda x: (x**3).sum()  # noqa: E731
    x = nbt.tensor([1.0, 2.0], dtype=nbt.float64)
    np.testing.assert_allclose(nb.jacfwd(nb.jacfwd(f))(x).numpy(), np.diag([6.0, 12.0]))
    np.testing.assert_allclose(nb.hessian(f)(x).numpy(), np.diag([6.0, 12.0]))


def test_gradcheck_forward_mode_holds_integer_inputs_fixed():
    x = nbt.tensor([0.5, 1.5], dtype=nbt.float64, requires_grad=True)
    k = nbt.tensor([2, 3])
    assert nb.gradcheck(lambda x, k: x**k, (x, k), check_forward_ad=True)
