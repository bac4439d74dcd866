"""Symbolic differentiation with sympy against reverse mode: the dlsys notes' θ1⋯θn and expression swell."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sympy = pytest.importorskip("sympy")

import nbautodiff.torch as nbt  # noqa: E402
from nbautodiff.engine import mode  # noqa: E402
from nbautodiff.symbolic import (  # noqa: E402
    NO_SYMPY,
    expression_swell,
    logistic_map,
    product_gradient,
    swell_table,
    symbolic_grad,
)


@pytest.mark.parametrize("n", range(2, 11))
def test_naive_symbolic_gradient_costs_n_times_n_minus_2_multiplications(n):
    g = product_gradient(n)
    assert len(g.partials) == n
    assert g.multiplications == n * (n - 2)


@pytest.mark.parametrize("n", [2, 5, 9])
def test_each_partial_is_the_product_of_the_other_thetas(n, rng):
    g = product_gradient(n)
    theta = rng.uniform(0.5, 2.0, size=n)
    at = dict(zip(g.symbols, theta))
    assert float(g.f.subs(at)) == pytest.approx(np.prod(theta))
    for k, p in enumerate(g.partials):
        others = np.prod(np.delete(theta, k))
        assert float(p.subs(at)) == pytest.approx(others, rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 6, 10, 16])
def test_reverse_mode_counts_are_linear_in_n(n):
    g = product_gradient(n)
    assert g.ops.primal == n - 1  # one mul per factor after the first
    assert g.reverse_mode_nodes == g.ops.adjoint == n - 1  # one MulBackward0 per mul
    assert g.reverse_mode_forward == n - 1
    assert g.reverse_mode_backward == 2 * (n - 1)  # g*y and g*x in every MulBackward0
    assert g.reverse_mode_multiplications == 3 * (n - 1)
    assert mode.state.tracer is None  # the counters are taken off again


@pytest.mark.parametrize("n", [2, 4, 7])
def test_engine_gradient_equals_the_sympy_partials(n):
    g = product_gradient(n)
    at = dict(zip(g.symbols, g.values))
    f = sympy.lambdify(g.symbols, g.partials)
    np.testing.assert_allclose(g.engine_partials, f(*g.values), rtol=1e-12)
    np.testing.assert_allclose(g.engine_partials, [float(p.subs(at)) for p in g.partials], rtol=1e-12)


@pytest.mark.parametrize("n", [4, 5, 6, 8, 12])
def test_cse_removes_repeated_products(n):
    g = product_gradient(n)
    assert g.cse_multiplications < g.multiplications
    replacements, reduced = g.cse
    assert replacements  # it found shared subexpressions
    # the shared form still computes the same partials
    expanded = [sympy.expand(r.subs(list(reversed(replacements)))) for r in reduced]
    assert expanded == g.partials


def test_for_large_n_reverse_mode_beats_naive_symbolic():
    g = product_gradient(16)
    assert g.reverse_mode_multiplications == 45 < g.cse_multiplications < g.multiplications == 224


def test_symbolic_grad_applies_the_rules_and_names_the_symbols():
    assert [str(d) for d in symbolic_grad(lambda a, b: a * b**2, 2)] == ["θ2**2", "2*θ1*θ2"]
    (d,) = symbolic_grad(lambda x: sympy.sin(x) * x, 1, ["x"])
    x = sympy.Symbol("x")
    assert sympy.simplify(d - (sympy.cos(x) * x + sympy.sin(x))) == 0
    with pytest.raises(ValueError, match="names"):
        symbolic_grad(lambda a, b: a * b, 2, ["x"])


def test_expression_swell_derivative_outgrows_the_function_while_the_engine_stays_linear():
    s = expression_swell(5)
    assert s.function_ops == [0, 3, 8, 18, 38]
    d = s.derivative_ops
    ratios = [dk / fk for dk, fk in zip(d[1:], s.function_ops[1:])]
    assert all(a < b for a, b in zip(ratios, ratios[1:]))  # the derivative grows faster than the function
    steps = np.diff(d)
    assert all(a < b for a, b in zip(steps, steps[1:]))  # and faster than linearly
    assert d[3] > 4 * s.function_ops[3]  # at depth 4 the derivative is over 4x the function's size
    for counts in (s.engine_primal, s.engine_adjoint, s.engine_total):
        assert len(set(np.diff(counts))) == 1  # a constant step: linear in depth
    assert s.engine_total == [0, 6, 12, 18, 24]


def test_expression_swell_derivative_matches_a_central_difference():
    s = expression_swell(4, x0=0.3)
    h = 1e-6
    central = (logistic_map(0.3 + h, 4) - logistic_map(0.3 - h, 4)) / (2 * h)
    assert float(s.derivative.subs(s.x, 0.3)) == pytest.approx(central, rel=1e-7)
    assert s.engine_derivative == pytest.approx(float(s.derivative.subs(s.x, 0.3)), rel=1e-12)
    assert s.expr == logistic_map(s.x, 4)
    assert s.expr == s.functions[-1] and s.derivative == s.derivatives[-1]


def test_engine_and_sympy_see_the_same_map():
    x = nbt.tensor(0.3, dtype=nbt.float64)
    assert logistic_map(x, 3).item() == pytest.approx(logistic_map(0.3, 3))
    with pytest.raises(ValueError):
        expression_swell(0)


def test_product_table_shows_the_counts():
    g = product_gradient(6)
    text = str(g)
    assert "∂f/∂θ6 = θ1*θ2*θ3*θ4*θ5" in text
    row = text.splitlines()[-4]  # the table's one row, above its three notes
    assert row.split() == ["6", "24", "15", "5", "10", "15"]
    html = g._repr_html_()
    assert "<td>24</td>" in html and "<td>15</td>" in html
    assert "multiplications=24" in repr(g)


def test_swell_table_has_a_row_per_n():
    t = swell_table((2, 6, 10))
    assert [r[0] for r in t.rows] == [2, 6, 10]
    assert t.rows[1] == [6, 24, 15, 5, 10, 15]
    assert t.rows[2][1] == 80 and t.rows[2][-1] == 27
    text = str(t)
    assert any(line.split() == ["10", "80", "45", "9", "18", "27"] for line in text.splitlines())
    assert "<td>80</td>" in t._repr_html_()


def test_expression_swell_shows_the_swollen_derivative(capsys):
    s = expression_swell(4)
    s.show()
    out = capsys.readouterr().out
    assert "dl_4/dx =" in out and "82" in out
    assert s.pretty() in out
    assert any(line.split()[:3] == ["4", "18", "82"] for line in out.splitlines() if line.strip())
    assert "<td>82</td>" in s._repr_html_() and "<pre>" in s._repr_html_()


def test_a_missing_sympy_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # makes `import sympy` raise ImportError
    with pytest.raises(ImportError) as e:
        product_gradient(3)
    assert str(e.value) == NO_SYMPY
    assert "pip install sympy" in NO_SYMPY and 'pip install "nbautodiff[symbolic]"' in NO_SYMPY


def test_importing_nbautodiff_does_not_import_sympy():
    code = "import sys, nbautodiff, nbautodiff.torch, nbautodiff.symbolic; assert 'sympy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
