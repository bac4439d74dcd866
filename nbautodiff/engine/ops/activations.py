"""Activation functions of ``torch.nn.functional`` that PyTorch records as their own nodes (GeluBackward0,
SiluBackward0, EluBackward0, ...), and the composites it builds from other ops (softsign, tanhshrink).

Each takes ``inplace=`` where PyTorch's does; in place, a few are recorded under another node name
(``elu_`` → EluBackward1, ``leaky_relu_`` → LeakyReluBackward1, ``threshold_`` → ThresholdBackward1): rows of their
own, and those of elu, celu and leaky_relu differentiate from the saved result, as PyTorch's do.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._util import float_kernel
from .elementwise import (
    _d,
    _pass_where,
    _sigmoid_fwd,
    _zeros_as,
    no_derivative_op,
    sigmoid,
    tanh,
    without_derivative,
)
from .registry import apply, defop, public
from .special import _erf_fwd, _exp, _select, cosh, erf, inplace_as


def _sigmoid(a):
    return sigmoid(a) if isinstance(a, Tensor) else _sigmoid_fwd(a)


def _tanh(a):
    return tanh(a) if isinstance(a, Tensor) else np.tanh(a)


def _cosh(a):
    return cosh(a) if isinstance(a, Tensor) else np.cosh(a)


def _erf(a):
    return erf(a) if isinstance(a, Tensor) else _erf_fwd(a)


def _softplus_of(a):
    """log(1 + exp(a)) without overflow, on tensors (recorded) or arrays."""
    if isinstance(a, Tensor):
        return softplus(a)
    return np.logaddexp(0, a)


def _run(op, x, params, inplace_flag: bool, name: str, inplace_op=None):
    """``op`` on x, or written into x (``inplace=True``), recorded as ``inplace_op`` where PyTorch names it so."""
    if inplace_flag:
        return inplace_as(inplace_op or op, name)(x, **(params or {}))
    return apply(op, (x,), params or None)


# ============================================================== backward functions as nodes of their own
# An activation's gradient is PyTorch's ``<op>_backward(grad, x)``: recorded under ``create_graph`` as a node of its
# own (GeluBackwardBackward0, HardtanhBackwardBackward0, ...), linear in the gradient, whose derivative in x is
# ``second`` (0 for the piecewise-linear ones: a second derivative is 0, not "does not require grad").
def _backward_row(name: str, node: str, rule, second=None):
    """The row of ``rule(g, x, **params)`` (on arrays), and the function that runs it on arrays or records it.
    ``second(gg, g, x, **params)`` is gg * g * f''(x), on tensors or arrays; None for f'' = 0."""

    def call(g, x, **params):
        if isinstance(g, Tensor):
            return apply(row, (g, x), params)
        return rule(g, _d(x), **params)

    def d_x(gg, r, g, x, **params):
        return _zeros_as(x) if second is None else second(gg, g, x, **params)

    row = defop(name, node, rule,
                vjp=(lambda gg, r, g, x, **params: call(gg, x, **params), d_x),
                jvp=(lambda dg, r, g, x, **params: call(dg, x, **params), d_x),
                save=(0, 1) if second is not None else (1,), arrays=True, half="kernel", half_vjp=True)
    return call


# ============================================================== smooth: gelu, silu, mish, softplus, logsigmoid
_SQRT_2_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_K = 0.044715


def _gelu_fwd(x, *, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_SQRT_2_PI * (x + _K * x * x * x)))
    return x * 0.5 * (1 + _erf_fwd(x * math.sqrt(0.5)))


def _gelu_vjp(g, out, x, *, approximate):
    if approximate == "tanh":
        inner = _SQRT_2_PI * (x + _K * x * x * x)
        t = _tanh(inner)
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_PI * (1 + 3 * _K * x * x))
    cdf = 0.5 * (1 + _erf(x * math.sqrt(0.5)))
    return g * (cdf + x * _INV_SQRT_2PI * _exp(-0.5 * x * x))


def _gelu_second(gg, g, x, *, approximate):
    """gg * g * gelu''(x), term by term as PyTorch's gelu_double_backward (float32 rounds alike)."""
    if approximate == "tanh":  # f' = f_ g_ h_ + ... with f_ = x/2, g_ = 1 - tanh²(u), h_ = u', u = k (x + K x³)
        inner = _SQRT_2_PI * (x + _K * x * x * x)
        t = _tanh(inner)
        sech = 1 / _cosh(inner)
        half, g_, h_ = 0.5 * x, 1 - t * t, _SQRT_2_PI * (1 + 3 * _K * x * x)
        f_prime_gh = 0.5 * g_ * h_
        g_prime_fh = half * h_ * ((2 * sech) * (-sech * t) * h_)
        h_prime_fg = half * g_ * (6 * _K * x * _SQRT_2_PI)
        return gg * g * (f_prime_gh + f_prime_gh + g_prime_fh + h_prime_fg)
    xx = x * x
    pdf = _INV_SQRT_2PI * _exp(-0.5 * xx)
    return gg * g * (2 * pdf - xx * pdf)  # φ(x) (2 - x²)


_gelu_backward = _backward_row("gelu_backward", "GeluBackwardBackward0", lambda g, x, **p: _gelu_vjp(g, None, x, **p),
                               _gelu_second)
GELU = defop("gelu", "GeluBackward0", _gelu_fwd, vjp=(lambda g, out, x, **p: _gelu_backward(g, x, **p),),
             jvp=(lambda dx, out, x, **p: _gelu_backward(dx, x, **p),), save=(0,), arrays=True, half_vjp=True)


@public(function=False, method=False, functional=True)
def gelu(input, approximate: str = "none"):
    """x·Φ(x), Φ the standard normal CDF; ``approximate="tanh"`` uses 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    float_kernel("GeluKernelImpl", "gelu", input)
    return apply(GELU, (input,), {"approximate": approximate})


def _silu_vjp(g, out, x):
    s = _sigmoid(x)
    return g * (s * (1 + x * (1 - s)))


SILU = defop("silu", "SiluBackward0", lambda x: x * _sigmoid_fwd(x), vjp=(_silu_vjp,), jvp=(_silu_vjp,), save=(0,),
             arrays=True, half_vjp=True)


def _mish_vjp(g, out, x):
    t = _tanh(_softplus_of(x))
    return g * (t + x * _sigmoid(x) * (1 - t * t))


MISH = defop("mish", "MishBackward0", lambda x: x * np.tanh(np.logaddexp(0, x)), vjp=(_mish_vjp,),
             jvp=(_mish_vjp,), save=(0,), arrays=True, half_vjp=True)


def _softplus_fwd(x, *, beta, threshold):
    bx = x * beta
    return np.where(bx > threshold, x, np.log1p(np.exp(bx)) / beta)


def _softplus_vjp(g, out, x, *, beta, threshold):
    return _select(_d(x) * beta > threshold, g, g * _sigmoid(x * beta))


def _softplus_second(gg, g, x, *, beta, threshold):
    s = _sigmoid(x * beta)
    return _select(_d(x) * beta > threshold, 0.0, gg * g * (beta * s * (1 - s)))


def _logsigmoid_second(gg, g, x):
    s = _sigmoid(-x)
    return -gg * g * (s * (1 - s))


_softplus_backward = _backward_row("softplus_backward", "SoftplusBackwardBackward0",
                                   lambda g, x, **p: _softplus_vjp(g, None, x, **p), _softplus_second)
_logsigmoid_backward = _backward_row("logsigmoid_backward", "LogSigmoidBackwardBackward0",
                                     lambda g, x: g * _sigmoid_fwd(-x), _logsigmoid_second)
SOFTPLUS = defop("softplus", "SoftplusBackward0", _softplus_fwd,
                 vjp=(lambda g, out, x, **p: _softplus_backward(g, x, **p),),
                 jvp=(lambda dx, out, x, **p: _softplus_backward(dx, x, **p),), save=(0,), arrays=True, half_vjp=True)


def _logsigmoid_fwd(x):
    """-softplus(-x): + 0 makes the -0 of a large x +0, as PyTorch's; float16 computed in float32 (its opmath)."""
    if x.dtype == np.float16:
        return _logsigmoid_fwd(x.astype(np.float32)).astype(np.float16)
    return -np.logaddexp(0, -x) + 0.0


LOGSIGMOID = defop(  # log σ(x) = -softplus(-x); its derivative σ(-x)
    "logsigmoid", "LogSigmoidBackward0", _logsigmoid_fwd,
    vjp=(lambda g, out, x: _logsigmoid_backward(g, x),), jvp=(lambda dx, out, x: _logsigmoid_backward(dx, x),),
    save=(0,), arrays=True, half_vjp=True
)


@public(function=False, method=False, functional=True)
def silu(input, inplace: bool = False):
    """x·σ(x) (swish)."""
    float_kernel("silu_cpu", "silu", input)
    return _run(SILU, input, None, inplace, "silu_")


@public(function=False, method=False, functional=True)
def mish(input, inplace: bool = False):
    """x·tanh(softplus(x))."""
    float_kernel("mish_cpu", "mish", input)
    return _run(MISH, input, None, inplace, "mish_")


@public(function=False, method=False, functional=True)
def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(βx))/β, and x itself where βx > threshold."""
    float_kernel("softplus_cpu", "softplus", input)
    return apply(SOFTPLUS, (input,), {"beta": beta, "threshold": threshold})


@public(function=False, method=False, functional=True)
def logsigmoid(input):
    """log σ(x), stable for large |x|."""
    float_kernel("log_sigmoid_cpu", "logsigmoid", input)
    return apply(LOGSIGMOID, (input,))


# ============================================================== elu, selu, celu
def _elu_fwd(x, *, alpha, scale, input_scale):
    return np.where(x > 0, x * scale, np.expm1(x * input_scale) * (alpha * scale))


def _elu_vjp(g, out, x, *, alpha, scale, input_scale):  # at 0 the negative side's slope, as PyTorch
    return _select(_d(x) <= 0, g * (input_scale * alpha * scale) * _exp(_below_zero(x) * input_scale), g * scale)


def _below_zero(a):
    """a where a < 0, else the constant 0: the slope on the negative side equals it there, and its derivative counts
    only below 0, as PyTorch's elu_double_backward (masked by x < 0) — the second derivative is 0 at 0 and at nan."""
    return _select(_d(a) < 0, a, 0.0)


_NEGATIVE_SLOPE = ("In-place {} backward calculation is triggered with a negative slope which is not supported. This "
                   "is caused by calling in-place forward function with a negative slope, please call out-of-place "
                   "version instead.")


def _elu_vjp_of_result(g, out, x, *, alpha, scale, input_scale):
    """In place PyTorch saves the result instead (a later change of it makes backward fail): the same slope."""
    if alpha < 0:
        raise RuntimeError(_NEGATIVE_SLOPE.format("elu"))
    return _select(_d(out) <= 0, g * input_scale * (_below_zero(out) + alpha * scale), g * scale)


def _elu_second(gg, g, x, *, alpha, scale, input_scale):  # masked by x < 0: 0 at 0 and at nan, as PyTorch's
    return _select(_d(x) < 0, gg * g * (input_scale * input_scale * alpha * scale) * _exp(x * input_scale), 0.0)


_elu_backward = _backward_row("elu_backward", "EluBackwardBackward0", lambda g, x, **p: _elu_vjp(g, None, x, **p),
                              _elu_second)


def _elu_rows(name: str, node: str):
    return (defop(name, f"{node}Backward0", _elu_fwd, vjp=(lambda g, out, x, **p: _elu_backward(g, x, **p),),
                  jvp=(lambda dx, out, x, **p: _elu_backward(dx, x, **p),), save=(0,), arrays=True, half_vjp=True),
            defop(f"{name}_inplace", f"{node}Backward1", _elu_fwd, vjp=(_elu_vjp_of_result,),
                  jvp=(_elu_vjp_of_result,), save_out=True, arrays=True, half_vjp=True))


ELU, ELU_INPLACE = _elu_rows("elu", "Elu")
CELU, CELU_INPLACE = _elu_rows("celu", "Celu")
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@public(function=False, method=False, functional=True)
def elu(input, alpha: float = 1.0, inplace: bool = False):
    """x where x > 0, else α(exp(x) - 1)."""
    float_kernel("elu_cpu", "elu", input)
    return _run(ELU, input, {"alpha": alpha, "scale": 1.0, "input_scale": 1.0}, inplace, "elu_", ELU_INPLACE)


@public(function=False, method=False, functional=True)
def elu_(input, alpha: float = 1.0):
    return elu(input, alpha, inplace=True)


@public(method=False, functional=True)
def selu(input, inplace: bool = False):
    """scale·elu(x, α) with the self-normalising constants (PyTorch records it as EluBackward0)."""
    float_kernel("elu_cpu", "selu", input)
    return _run(ELU, input, {"alpha": _SELU_ALPHA, "scale": _SELU_SCALE, "input_scale": 1.0}, inplace, "selu_",
                ELU_INPLACE)


@public(method=False, functional=True)
def selu_(input):
    return selu(input, inplace=True)


@public(method=False, functional=True)
def celu(input, alpha: float = 1.0, inplace: bool = False):
    """x where x > 0, else α(exp(x/α) - 1)."""
    float_kernel("elu_cpu", "celu", input)
    return _run(CELU, input, {"alpha": alpha, "scale": 1.0, "input_scale": 1 / alpha}, inplace, "celu_", CELU_INPLACE)


@public(method=False, functional=True)
def celu_(input, alpha: float = 1.0):
    return celu(input, alpha, inplace=True)


# ============================================================== piecewise linear
def _leaky_fwd(x, *, negative_slope):
    return np.where(x > 0, x, x * negative_slope)


_leaky_backward = _backward_row("leaky_relu_backward", "LeakyReluBackwardBackward0",
                                lambda g, x, *, negative_slope: _select(_d(x) > 0, g, g * negative_slope))


def _leaky_vjp(g, out, x, *, negative_slope):
    return _leaky_backward(g, x, negative_slope=negative_slope)


LEAKY_RELU = defop("leaky_relu", "LeakyReluBackward0", _leaky_fwd, vjp=(_leaky_vjp,), jvp=(_leaky_vjp,), save=(0,),
                   arrays=True, half_vjp=True)


def _leaky_vjp_of_result(g, out, x, *, negative_slope):  # in place: from the saved result, as PyTorch
    if negative_slope < 0:
        raise RuntimeError(_NEGATIVE_SLOPE.format("leakyReLu") + " File an issue at https://github.com/pytorch/pytorch "
                           "if you do require supporting in-place leakRelu backward calculation with negative slope")
    return _select(_d(out) > 0, g, g * negative_slope)


LEAKY_RELU_INPLACE = defop("leaky_relu_inplace", "LeakyReluBackward1", _leaky_fwd, vjp=(_leaky_vjp_of_result,),
                           jvp=(_leaky_vjp_of_result,), save_out=True, arrays=True, half_vjp=True)


@public(function=False, method=False, functional=True)
def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """x where x > 0, else negative_slope·x (the gradient at 0 is negative_slope, as PyTorch)."""
    float_kernel("leaky_relu_cpu", "leaky_relu", input)
    return _run(LEAKY_RELU, input, {"negative_slope": negative_slope}, inplace, "leaky_relu_", LEAKY_RELU_INPLACE)


@public(function=False, method=False, functional=True)
def leaky_relu_(input, negative_slope: float = 0.01):
    return leaky_relu(input, negative_slope, inplace=True)


# rrelu: leaky_relu with a random slope from U(lower, upper) per element in training, the mean slope otherwise
def _rrelu_rule(g, x, *, noise, slope):
    return g * noise if noise is not None else _select(_d(x) > 0, g, g * slope)


_rrelu_backward = _backward_row("rrelu_with_noise_backward", "RreluWithNoiseBackwardBackward0", _rrelu_rule)


def _rrelu_fwd(x, *, noise, slope):
    return x * noise if noise is not None else _leaky_fwd(x, negative_slope=slope)


def _rrelu_vjp(g, out, x, **p):
    return _rrelu_backward(g, x, **p)


RRELU = defop("rrelu_with_noise", "RreluWithNoiseBackward0", _rrelu_fwd, vjp=(_rrelu_vjp,), jvp=(_rrelu_vjp,),
              save=(0,), arrays=True, half_vjp=True)
RRELU_INPLACE = defop("rrelu_with_noise_inplace", "RreluWithNoiseBackward1", _rrelu_fwd, vjp=(_rrelu_vjp,),
                      jvp=(_rrelu_vjp,), save=(0,), arrays=True, half_vjp=True)


@public(method=False, functional=True)
def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False):
    """Randomized leaky ReLU: in training each x <= 0 is scaled by its own slope drawn from U(lower, upper) (numpy's
    generator: torch.manual_seed repeats the draw, the numbers differ from PyTorch's), otherwise by
    (lower + upper) / 2."""
    float_kernel("leaky_relu_cpu", "rrelu", input)
    if lower > upper:
        raise RuntimeError(f"Lower bound should be less than or equal to the upper bound\nrrelu: got lower={lower} "
                           f"and upper={upper}")
    noise = None
    if training and upper - lower > 1e-6:
        from .. import factories

        x = input._data
        draw = factories._rng().uniform(lower, upper, x.shape).astype(x.dtype)
        noise = np.where(x <= 0, draw, x.dtype.type(1))
    params = {"noise": noise, "slope": (lower + upper) / 2}
    return _run(RRELU, input, params, inplace, "rrelu_", RRELU_INPLACE)


@public(method=False, functional=True)
def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    return rrelu(input, lower, upper, training, inplace=True)


def _inside(x, lo, hi):
    """Where hardtanh passes the gradient: not at or beyond a bound (so a nan passes it, as PyTorch's)."""
    return ~((_d(x) <= lo) | (_d(x) >= hi))


_hardtanh_backward = _backward_row("hardtanh_backward", "HardtanhBackwardBackward0",
                                   lambda g, x, *, min_val, max_val: _pass_where(_inside(x, min_val, max_val), g))
HARDTANH = defop(  # the gradient is 0 at the bounds themselves (unlike clamp's)
    "hardtanh", "HardtanhBackward0",
    lambda x, *, min_val, max_val: np.clip(x, min_val, max_val).astype(x.dtype, copy=False),  # relu6 of ints: ints
    vjp=(lambda g, out, x, **bounds: _hardtanh_backward(g, x, **bounds),),
    jvp=(lambda dx, out, x, **bounds: _hardtanh_backward(dx, x, **bounds),),
    save=(0,), arrays=True, half_vjp=True
)


@public(function=False, method=False, functional=True)
def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """x clamped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh\nhardtanh: convert first, e.g. x.float()")
    if isinstance(input, Tensor) and input._data.dtype.kind == "u" and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits\n"
                           "hardtanh: convert first (x.float()) or give limits >= 0")
    return _run(HARDTANH, input, {"min_val": min_val, "max_val": max_val}, inplace, "hardtanh_")


@public(function=False, method=False, functional=True)
def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


@public(function=False, method=False, functional=True)
def relu6(input, inplace: bool = False):
    """min(max(x, 0), 6) (PyTorch records it as HardtanhBackward0)."""
    return hardtanh(input, 0.0, 6.0, inplace)


_ONE_SIXTH = float(np.float32(1 / 6))  # PyTorch's backward uses the float32 constant, in float64 too


def _hardsigmoid_grad(g, x):
    return _pass_where((_d(x) > -3) & (_d(x) < 3), g) * _ONE_SIXTH


HARDSIGMOID_BACKWARD = no_derivative_op("hardsigmoid_backward", _hardsigmoid_grad)


def _hardsigmoid_vjp(g, out, x):
    if isinstance(g, Tensor):  # create_graph: PyTorch has no derivative of hardsigmoid's backward (it raises)
        return without_derivative(HARDSIGMOID_BACKWARD, g, x)
    return _hardsigmoid_grad(g, x)


HARDSIGMOID = defop("hardsigmoid", "HardsigmoidBackward0", lambda x: np.clip(x + 3, 0, 6) / 6,
                    vjp=(_hardsigmoid_vjp,), jvp=(lambda dx, out, x: _hardsigmoid_grad(dx, x),), save=(0,),
                    arrays=True, half_vjp=True)


def _hardswish_vjp(g, out, x):  # PyTorch's: 0 up to -3 (included), x/3 + 1/2 below 3, 1 from 3 on (and at nan)
    xd = _d(x)
    return _pass_where(~(xd <= -3), _select(xd < 3, g * (x / 3 + 0.5), g))


_hardswish_backward = _backward_row(
    "hardswish_backward", "HardswishBackwardBackward0", lambda g, x: _hardswish_vjp(g, None, x),
    lambda gg, g, x: _select((_d(x) > -3) & (_d(x) < 3), gg * g / 3, 0.0))
HARDSWISH = defop("hardswish", "HardswishBackward0", lambda x: x * np.clip(x + 3, 0, 6) / 6,
                  vjp=(lambda g, out, x: _hardswish_backward(g, x),),
                  jvp=(lambda dx, out, x: _hardswish_backward(dx, x),), save=(0,), arrays=True, half_vjp=True)


@public(function=False, method=False, functional=True)
def hardsigmoid(input, inplace: bool = False):
    """relu6(x + 3) / 6."""
    float_kernel("hardsigmoid_cpu", "hardsigmoid", input)
    return _run(HARDSIGMOID, input, None, inplace, "hardsigmoid_")


@public(function=False, method=False, functional=True)
def hardswish(input, inplace: bool = False):
    """x·relu6(x + 3) / 6."""
    float_kernel("hardswish_cpu", "hardswish", input)
    return _run(HARDSWISH, input, None, inplace, "hardswish_")


# PyTorch's test is x <= threshold (a nan passes, as itself and its gradient)
_threshold_backward = _backward_row("threshold_backward_of_input", "ThresholdBackwardBackward0",
                                    lambda g, x, *, threshold: _pass_where(~(_d(x) <= threshold), g))


def _threshold_rows():
    rules = dict(vjp=(lambda g, out, x, *, threshold, value: _threshold_backward(g, x, threshold=threshold),),
                 jvp=(lambda dx, out, x, *, threshold, value: _threshold_backward(dx, x, threshold=threshold),),
                 save=(0,), arrays=True)
    forward = lambda x, *, threshold, value: np.where(x <= threshold, np.asarray(value, x.dtype), x)
    return (defop("threshold", "ThresholdBackward0", forward, **rules, half_vjp=True),
            defop("threshold_inplace", "ThresholdBackward1", forward, **rules, half_vjp=True))


THRESHOLD, THRESHOLD_INPLACE = _threshold_rows()


@public(method=False, functional=True)
def threshold(input, threshold: float, value: float, inplace: bool = False):
    """x where x > threshold, else value."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'\nthreshold: convert first, e.g. "
                                  "x.float()")
    return _run(THRESHOLD, input, {"threshold": threshold, "value": value}, inplace, "threshold_", THRESHOLD_INPLACE)


@public(method=False, functional=True)
def threshold_(input, threshold: float, value: float):
    return _run(THRESHOLD, input, {"threshold": threshold, "value": value}, True, "threshold_", THRESHOLD_INPLACE)


def _shrunk(x, lambd):
    """Where x is outside [-lambd, lambd] (the places that pass a gradient; a nan does, as in PyTorch)."""
    xd = _d(x)
    return ~((xd >= -lambd) & (xd <= lambd))


_hardshrink_backward = _backward_row("hardshrink_backward", "HardshrinkBackwardBackward0",
                                     lambda g, x, *, lambd: _pass_where(_shrunk(x, lambd), g))
_softshrink_backward = _backward_row("softshrink_backward", "SoftshrinkBackwardBackward0",
                                     lambda g, x, *, lambd: _pass_where(_shrunk(x, lambd), g))
HARDSHRINK = defop(
    "hardshrink", "HardshrinkBackward0", lambda x, *, lambd: np.where(_shrunk(x, lambd), x, 0).astype(x.dtype),
    vjp=(lambda g, out, x, *, lambd: _hardshrink_backward(g, x, lambd=lambd),),
    jvp=(lambda dx, out, x, *, lambd: _hardshrink_backward(dx, x, lambd=lambd),), save=(0,), arrays=True, half_vjp=True
)
SOFTSHRINK = defop(
    "softshrink", "SoftshrinkBackward0",
    lambda x, *, lambd: np.where(_shrunk(x, lambd), np.where(x > lambd, x - lambd, x + lambd), 0).astype(x.dtype),
    vjp=(lambda g, out, x, *, lambd: _softshrink_backward(g, x, lambd=lambd),),
    jvp=(lambda dx, out, x, *, lambd: _softshrink_backward(dx, x, lambd=lambd),), save=(0,), arrays=True, half_vjp=True
)


@public(functional=True)
def hardshrink(input, lambd: float = 0.5):
    """x where |x| > lambd, else 0."""
    float_kernel("hardshrink_cpu", "hardshrink", input)
    return apply(HARDSHRINK, (input,), {"lambd": lambd})


@public(function=False, method=False, functional=True)
def softshrink(input, lambd: float = 0.5):
    """x moved towards 0 by lambd, and 0 within [-lambd, lambd]."""
    float_kernel("softshrink_check", "softshrink", input)
    return apply(SOFTSHRINK, (input,), {"lambd": lambd})


# ============================================================== composites (PyTorch builds them from other ops)
@public(function=False, method=False, functional=True)
def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


@public(function=False, method=False, functional=True)
def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()
