"""The elementwise and activation API against real PyTorch where the op table's specs can't say it: ops without a
derivative (NotImplemented nodes), rounding division, dtypes of bool and small-int inputs, PyTorch's errors,
in-place node names, where each name lives (torch., Tensor., F.) and the nn activation modules."""

from __future__ import annotations

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch


def outcome(fn, ns):
    """What ``fn(ns)`` gives, comparable across the two engines: values, dtypes, node names; or the error."""
    try:
        return _plain(fn(ns))
    except Exception as e:  # noqa: BLE001  (the same error is part of the same behaviour)
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def _plain(v):
    if isinstance(v, (tuple, list)):
        return type(v)(_plain(x) for x in v)
    if isinstance(v, (nbt.Tensor, real_torch.Tensor)):
        node = None if v.grad_fn is None else (type(v.grad_fn).__name__, v.grad_fn.name())
        data = v.detach().numpy(force=True)
        if data.dtype.kind == "f":  # 5 decimals, nan as "nan" (nan != nan)
            data = np.round(data.astype(np.float64), 5).astype(object)
            data[np.isnan(data.astype(np.float64))] = "nan"
        return str(v.dtype).removeprefix("torch."), tuple(v.shape), data.tolist(), v.requires_grad, node
    if isinstance(v, (nbt.dtype, real_torch.dtype)):
        return str(v).removeprefix("torch.")
    return v


def same(fn):
    ours, theirs = outcome(fn, nbt), outcome(fn, real_torch)
    assert ours == theirs


def _leaf(ns, values=(0.3, -0.2, 0.0, 1.5), dtype=None):
    return ns.tensor(list(values), dtype=dtype or ns.float32, requires_grad=True)


def _backward(y):
    y.sum().backward()
    return y


def _nexts(y):
    return [None if n is None else type(n).__name__ for n, _ in y.grad_fn.next_functions]


# ----------------------------------------------------------------------------- ops without a derivative
NO_DERIVATIVE = {
    "x // 2": lambda ns, x, y: x // 2,
    "-1 // x": lambda ns, x, y: -1 // x,
    "x // y": lambda ns, x, y: x // y,
    "y.detach() // x": lambda ns, x, y: y.detach() // x,
    "floor_divide": lambda ns, x, y: ns.floor_divide(x, 1.5),
    "x.floor_divide(y)": lambda ns, x, y: x.floor_divide(y),
    "2.0 % x": lambda ns, x, y: 2.0 % x,
    "remainder(2, x)": lambda ns, x, y: ns.remainder(2, x),
    "heaviside": lambda ns, x, y: ns.heaviside(x, y),
    "heaviside(x, const)": lambda ns, x, y: x.heaviside(ns.tensor([0.5])),
}


@pytest.mark.parametrize("name", NO_DERIVATIVE)
def test_no_derivative_records_not_implemented_and_backward_raises(name):
    fn = NO_DERIVATIVE[name]

    def run(ns):
        x = _leaf(ns)
        y = ns.tensor([0.5, 1.25, 2.0, -1.0], requires_grad=True)
        out = fn(ns, x, y)
        return out, _nexts(out), outcome(lambda _: _backward(out), ns)

    same(run)


@pytest.mark.parametrize("name", ["x // 2", "2.0 % x", "heaviside"])
def test_no_derivative_is_refused_by_forward_mode(name):
    fn = NO_DERIVATIVE[name]

    def run(ns):
        with ns.autograd.forward_ad.dual_level():
            x = ns.autograd.forward_ad.make_dual(ns.tensor([0.3, 1.5]), ns.ones(2))
            return fn(ns, x, ns.ones(2))

    same(run)


@pytest.mark.parametrize("name", ["asinh_", "arcsinh_", "acosh_", "atanh_"])
def test_inplace_inverse_hyperbolic_has_no_derivative(name):
    def run(ns):
        x = _leaf(ns, (0.3, 0.5))
        y = getattr(x * 1 + (1.5 if "cosh" in name else 0), name)()
        return y, outcome(lambda _: _backward(y), ns), getattr(ns, name)(ns.tensor([0.5]) + 1)

    same(run)


def test_inplace_asinh_is_refused_by_forward_mode():
    def run(ns):
        with ns.autograd.forward_ad.dual_level():
            return ns.autograd.forward_ad.make_dual(ns.tensor([0.3, 1.5]), ns.ones(2)).asinh_()

    same(run)


def test_hardsigmoid_has_no_second_derivative():
    def run(ns):
        x = _leaf(ns)
        (g,) = ns.autograd.grad(ns.nn.functional.hardsigmoid(x).sum(), x, create_graph=True)
        return g, outcome(lambda _: ns.autograd.grad((g * g).sum(), x), ns)

    same(run)


# ----------------------------------------------------------------------------- rounding division
@pytest.mark.parametrize("mode", ["floor", "trunc"])
@pytest.mark.parametrize("case", ["float", "by number", "number by", "ints", "ints by number", "int by float",
                                  "by zero", "ints by zero"])
def test_div_with_rounding_mode_matches_pytorch(mode, case):
    def run(ns):
        x = _leaf(ns, (-3.5, 3.5, -4.0, 1.0))
        y = ns.tensor([2.0, -2.0, 2.0, 3.0], requires_grad=True)
        i = ns.tensor([-7, 7, -6, 1])
        a, b = {"float": (x, y), "by number": (x, 2), "number by": (2.0, y), "ints": (i, ns.tensor([2, -2, 4, 3])),
                "ints by number": (i, 2), "int by float": (i, 2.5), "by zero": (x, 0.0), "ints by zero": (i, 0)}[case]
        out = ns.div(a, b, rounding_mode=mode)
        grads = ns.autograd.grad(out.sum(), [t for t in (a, b) if getattr(t, "requires_grad", False)],
                                 create_graph=True) if out.requires_grad else ()
        return out, _nexts(out) if out.grad_fn else None, list(grads), [g.requires_grad for g in grads]

    same(run)


def test_div_refuses_an_unknown_rounding_mode():
    same(lambda ns: ns.div(ns.ones(2), 2, rounding_mode="round"))


@pytest.mark.parametrize("expr", ["i // 0", "i // ns.tensor([1, 0])", "b // b", "i // 2.5", "-7 // i", "x // y0"])
def test_floor_division_values_and_errors(expr):
    def run(ns):
        return eval(expr, {"ns": ns, "i": ns.tensor([-7, 7]), "b": ns.tensor([True, False]),
                           "x": ns.tensor([-7.5, 7.5]), "y0": ns.tensor(2.0, dtype=ns.float64)})

    same(run)


# ----------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "int64"])
@pytest.mark.parametrize("fn", ["exp", "sin", "sqrt", "sigmoid", "tanh", "log1p", "erf", "sinc", "deg2rad", "atan",
                                "square", "abs", "floor", "round", "trunc", "sign", "sgn", "logit", "nan_to_num"])
def test_functions_of_bool_and_integer_tensors_have_pytorch_dtypes(dtype, fn):
    def run(ns):
        values = [True, False] if dtype == "bool" else [1, 2]
        return getattr(ns, fn)(ns.tensor(values, dtype=getattr(ns, dtype)))

    same(run)


@pytest.mark.parametrize("expr", ["b ** 2", "b.pow(b)", "b ** 2.5", "b.square()", "i8 ** 2", "b / b", "i8 / 2"])
def test_powers_of_bool_tensors(expr):
    same(lambda ns: eval(expr, {"b": ns.tensor([True, False]), "i8": ns.tensor([1, 2], dtype=ns.int8)}))


@pytest.mark.parametrize("expr", [
    "ns.where(x > 1, x, x64)", "ns.where(x > 1, x64, x)", "ns.where(x > 1, i, x64)", "ns.where(x > 1, i, 2.5)",
    "ns.where(x > 1, 1, 2.5)", "ns.where(x > 1, 1, 2)", "ns.where(x > 1, x, ns.tensor(3))",
    "ns.where(ns.tensor(True), ns.tensor(1.0), x64)", "ns.where(x > 1, i.to(ns.int32), ns.tensor(3))",
    "ns.where(x > 1, x.double(), x)",
])
def test_where_promotes_as_pytorch(expr):
    def run(ns):
        x = _leaf(ns, (0.5, 1.5))
        out = eval(expr, {"ns": ns, "x": x, "x64": ns.tensor(2.0, dtype=ns.float64), "i": ns.tensor([1, 2])})
        grads = ns.autograd.grad(out.sum(), x) if out.requires_grad else None
        return out, grads

    same(run)


@pytest.mark.parametrize("expr", [
    "ns.clamp(x, ns.zeros(2, 3))", "ns.clamp(x, ns.zeros(2, 3, dtype=ns.float64))",
    "ns.clamp(x, ns.tensor(0.0, dtype=ns.float64))", "ns.clamp(ns.tensor([1, 2, 3]), ns.tensor([1.5]))",
    "ns.clamp_min(x, ns.zeros(2, 3))", "ns.clamp(x, ns.zeros(4))", "ns.clamp(x, 0.5, 0.1)",
    "ns.clamp(x, ns.tensor(0.5), ns.tensor(0.1))", "ns.clamp(ns.tensor([1, 5]), 1.5)",
    "ns.clamp_min(ns.tensor([1, 5]), 1.5)", "ns.clamp(x, min=None, max=None)", "ns.clamp(x, None, ns.tensor(0.1))",
    "ns.clamp(x, 0.0, y)", "ns.clamp(x, y, 1.0)",
    "ns.addcmul(x, ns.tensor(2.0, dtype=ns.float64), x)", "ns.addcdiv(ns.tensor([1, 2]), x, y, value=2)",
])
def test_clamp_by_tensors_and_addcmul_shapes_dtypes_and_errors(expr):
    def run(ns):
        x, y = _leaf(ns, (0.3, -0.2, 0.0)), ns.tensor([0.5, 1.2, 2.0], requires_grad=True)
        out = eval(expr, {"ns": ns, "x": x, "y": y})
        return out, _nexts(out) if out.grad_fn else None

    same(run)


def test_float_power_computes_in_float64_after_a_copy():
    def run(ns):
        x, i = _leaf(ns, (0.5, 2.0)), ns.tensor([1, 2])
        out = ns.float_power(x, 2)
        return (out, _nexts(out), ns.float_power(i, 2), ns.float_power(2, x), ns.float_power(x, x),
                outcome(lambda _: x.detach().float_power_(2), ns), x.detach().double().float_power_(2))

    same(run)


# ----------------------------------------------------------------------------- errors
SUBTRACTIONS = ["b - b", "b - 1", "1 - b", "b - True", "True - b", "ns.sub(b, b)", "b - i", "i - b", "f - b",
                "b - f", "b - 1.5", "1.5 - b", "ns.rsub(b, 1)", "b.sub(b)", "ns.sub(f, b, alpha=2)",
                "f.clone().sub_(b)", "-b", "ns.neg(b)", "b.neg()", "+b", "ns.positive(b)", "b + b", "b * b",
                "ns.positive(f) is f"]


@pytest.mark.parametrize("expr", SUBTRACTIONS)
def test_bool_subtraction_and_negation_raise_as_pytorch(expr):
    same(lambda ns: eval(expr, {"ns": ns, "b": ns.tensor([True, False]), "i": ns.tensor([1, 2]),
                                "f": ns.tensor([1.5, 2.0])}))


ERRORS = [
    "ns.heaviside(x, 0.5)", "ns.heaviside(x, ns.tensor([1.0], dtype=ns.float64))",
    "ns.heaviside(ns.tensor([1, 0, -1]), ns.tensor([7]))", "ns.lerp(x, x.double(), 0.5)", "ns.lerp(x, x, x.double())",
    "F.gelu(x, approximate='x')", "F.hardtanh(x, 2.0, 1.0)", "ns.frac(ns.tensor([1, 2]))",
    "ns.logaddexp(ns.tensor([1]), ns.tensor([2]))", "ns.logaddexp(ns.tensor([1]), x)", "i % 0", "ns.fmod(i, 0)",
    "i % ns.tensor([1, 0])", "ns.xlogy(i, ns.tensor([2, 3]))", "ns.xlogy(i, 3)", "ns.xlogy(2, i)",
    "ns.nan_to_num(i)", "ns.autograd.grad(ns.xlogy(z, float('nan')).sum(), z)", "2 % ns.tensor([1, 0])",
    "2.5 % i", "ns.sgn(ns.tensor([-1, 0, 3]))", "ns.sign(ns.tensor([True]))", "ns.sgn(ns.tensor([True]))",
    "ns.clamp(ns.ones(3), ns.zeros(4))", "ns.nan_to_num(ns.tensor([float('inf'), -float('inf'), float('nan')]))",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_and_dtypes_as_pytorch(expr):
    same(lambda ns: eval(expr, {"ns": ns, "F": ns.nn.functional, "x": ns.tensor([0.5, -1.0]), "i": ns.tensor([1, 2]),
                                "z": ns.tensor([0.0, 1.0], requires_grad=True)}))


# ----------------------------------------------------------------------------- in place
INPLACE = [
    "x.clamp_min_(0.1)", "x.clamp_max_(0.1)", "x.clamp_min_(y)", "x.clamp_max_(y)", "x.clamp_(y, y + 1)",
    "x.clamp_(min=y)", "x.clip_(0.0, 0.2)", "F.elu(x, inplace=True)", "F.elu_(x, 0.5)", "F.selu(x, inplace=True)",
    "F.selu_(x)", "ns.selu_(x)", "F.celu_(x, 2.0)", "ns.celu_(x)", "F.leaky_relu(x, 0.2, inplace=True)",
    "F.leaky_relu_(x)", "F.threshold_(x, 0.1, 2.0)", "ns.threshold_(x, 0.1, -2.0)", "F.hardtanh_(x)",
    "F.relu6(x, inplace=True)", "F.silu(x, inplace=True)", "F.mish(x, inplace=True)", "F.hardswish(x, inplace=True)",
    "F.hardsigmoid(x, inplace=True)", "x.xlogy_(2.0)", "x.lerp_(y, 0.3)", "x.lerp_(y, y)", "x.addcmul_(y, y, value=2)",
    "x.sinh_()", "x.arctan_()", "x.erf_()", "x.logit_(eps=0.1)", "x.nan_to_num_()", "x.frac_()", "x.fix_()",
    "x.floor_divide_(2)", "x.heaviside_(y)", "x.sgn_()", "x.square_()",
    # PyTorch saves the result of these in-place forms: a later change of it fails at backward
    "F.elu_(x).mul_(2)", "F.leaky_relu_(x).mul_(2)", "F.celu_(x).mul_(2)", "F.threshold_(x, 0.1, 2.0).mul_(2)",
    "F.hardtanh_(x).mul_(2)", "F.silu(x, inplace=True).mul_(2)",
    # in place with a negative slope: PyTorch refuses at backward
    "F.leaky_relu_(x, -0.2)", "F.elu_(x, -0.5)",
]


@pytest.mark.parametrize("expr", INPLACE)
def test_inplace_forms_record_pytorchs_nodes(expr):
    def run(ns):
        leaf = _leaf(ns, (0.05, 0.5, -1.0))
        x, y = leaf * 1, ns.tensor([0.3, 0.2, 0.1], requires_grad=True)
        out = eval(expr, {"ns": ns, "F": ns.nn.functional, "x": x, "y": y})
        backward = outcome(lambda _: ns.autograd.grad(out.sum(), leaf), ns)
        return out, out is x, backward[:120] if isinstance(backward, str) else backward

    same(run)


# ----------------------------------------------------------------------------- composites' graphs
@pytest.mark.parametrize("expr", ["F.softsign(x)", "F.tanhshrink(x)", "ns.float_power(x, x)", "ns.positive(x)",
                                  "ns.square(x)", "ns.clamp(x, y, y + 1)", "ns.clamp(x, min=y.detach())"])
def test_graphs_of_composites_are_pytorchs(expr):
    def run(ns):
        x, y = _leaf(ns), ns.tensor([0.5, 1.2, 2.0, -1.0], requires_grad=True)
        out = eval(expr, {"ns": ns, "F": ns.nn.functional, "x": x, "y": y})
        chain, node = [], out.grad_fn
        while node is not None and type(node).__name__ != "AccumulateGrad":
            chain.append((type(node).__name__, _nexts_of(node)))
            node = next((n for n, _ in node.next_functions if n is not None), None)
        return out, chain

    same(run)


def _nexts_of(node):
    return [None if n is None else type(n).__name__ for n, _ in node.next_functions]


# ----------------------------------------------------------------------------- where each name lives
NAMES = ("asin arcsin acos arccos atan arctan sinh cosh asinh arcsinh acosh arccosh atanh arctanh xlogy lerp sgn "
         "nan_to_num sinc erf erfc erfinv deg2rad rad2deg logaddexp logaddexp2 trunc frac fix logit addcmul addcdiv "
         "float_power heaviside positive clamp_min clamp_max clamp clip square floor_divide gelu silu softplus elu "
         "selu celu logsigmoid softsign leaky_relu hardtanh relu6 hardsigmoid hardswish mish softshrink hardshrink "
         "tanhshrink threshold div remainder").split()


@pytest.mark.parametrize("name", NAMES)
def test_each_name_is_where_pytorch_has_it(name):
    def where_(ns):
        F = ns.nn.functional
        return hasattr(ns, name), hasattr(ns.Tensor, name), hasattr(ns.Tensor, name + "_"), hasattr(F, name), hasattr(
            F, name + "_")  # (torch.<name>_ functions: only selu_, celu_, threshold_ and asinh_ & co. are here)

    assert where_(nbt) == where_(real_torch)


# ----------------------------------------------------------------------------- nn modules
MODULES = ["GELU()", "GELU('tanh')", "SiLU()", "SiLU(inplace=True)", "Softplus()", "Softplus(2, 5)", "ELU()",
           "ELU(0.5, True)", "SELU()", "SELU(True)", "CELU()", "CELU(2.0, True)", "LogSigmoid()", "Softsign()",
           "LeakyReLU()", "LeakyReLU(0.2, inplace=True)", "Hardtanh()", "Hardtanh(-2.0, 2.0)", "ReLU6()",
           "ReLU6(True)", "Hardsigmoid()", "Hardswish(True)", "Mish(True)", "Tanh()", "Sigmoid()", "ReLU()",
           "ReLU(True)", "Threshold(0.1, 2.0)", "Softshrink()", "Hardshrink(0.2)", "Tanhshrink()",
           "Sequential(GELU(), LeakyReLU(0.1))", "GELU('x')"]


@pytest.mark.parametrize("module", MODULES)
def test_activation_modules_match_pytorch(module):
    def run(ns):
        m = eval(module, vars(ns.nn))
        x = _leaf(ns, (-4.0, -1.0, 0.0, 0.5, 3.0, 4.0))
        out = m(x * 1)
        return repr(m), out, ns.autograd.grad(out.sum(), x)

    same(run)


# ----------------------------------------------------------------------------- accuracy
@pytest.mark.parametrize("fn", ["erf", "erfc", "erfinv"])
def test_erf_family_to_float64_accuracy(fn):
    xs = np.linspace(-1, 1, 4001) if fn == "erfinv" else np.linspace(-7, 7, 4001)
    xs = np.concatenate([xs, [1e-300, -1e-12, 0.999999999, 27.0, np.inf, -np.inf, np.nan]])
    ours = getattr(nbt, fn)(nbt.tensor(xs)).numpy()
    theirs = getattr(real_torch, fn)(real_torch.tensor(xs)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=2e-14, atol=0, equal_nan=True)
