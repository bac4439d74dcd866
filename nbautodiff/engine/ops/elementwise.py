"""Elementwise primitives: arithmetic, powers, transcendental functions, relu/sigmoid/tanh, clamp, comparisons
(the other activations are in activations.py)."""

from __future__ import annotations

import math
import operator

import numpy as np

from ..node import node_class
from ..tensor import Tensor, make
from ._util import SCALARS, as_operand, broadcast_error, const, shape_str
from .inplace import inplace
from .registry import OPS, apply, defop, public, unary
from .shape import to_dtype

_BOOL = np.dtype(np.bool_)
_BOOL_TYPES = (bool, np.bool_)


# ============================================================== arithmetic (broadcasting)
def _is_bool(v) -> bool:
    return type(v) is bool or getattr(v, "dtype", None) is _BOOL


def _refuse_bool_sub(x, y):
    """PyTorch refuses subtraction with a bool operand (numpy computes it, or refuses only two bools)."""
    if _is_bool(x) and _is_bool(y):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                       "invert a mask, use the `~` or `logical_not()` operator instead.")


def _sub_fwd(x, y):
    if x.dtype is _BOOL or (type(y) is np.ndarray and y.dtype is _BOOL) or type(y) in _BOOL_TYPES:
        _refuse_bool_sub(x, y)
    return x - y


def _rsub_fwd(x, y):
    if x.dtype is _BOOL or _is_bool(y):
        _refuse_bool_sub(y, x)
    return y - x


def _neg_error(args, params, exc):
    if args[0]._data.dtype is _BOOL:
        return RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                            "invert a mask, use the `~` or `logical_not()` operator instead.")
    return exc


ADD = defop(
    "add", "AddBackward0", operator.add,  # operator.*: fast on numpy scalars and arrays
    vjp=(lambda g, out, x, y: g,
         lambda g, out, x, y: g),
    jvp=(lambda dx, out, x, y: dx,
         lambda dy, out, x, y: dy),
    arrays=True, broadcast=True, promotes=True, error=broadcast_error("add"),
)
SUB = defop(
    "sub", "SubBackward0", _sub_fwd,
    vjp=(lambda g, out, x, y: g,
         lambda g, out, x, y: -g),
    jvp=(lambda dx, out, x, y: dx,
         lambda dy, out, x, y: -dy),
    arrays=True, broadcast=True, promotes=True, error=broadcast_error("sub"),
)
RSUB = defop(  # scalar - tensor: PyTorch records it as rsub(tensor, scalar)
    "rsub", "RsubBackward1", _rsub_fwd,
    vjp=(lambda g, out, x, y: -g, None),
    jvp=(lambda dx, out, x, y: -dx, None),
    arrays=True, broadcast=True, error=broadcast_error("rsub"),
)
MUL = defop(
    "mul", "MulBackward0", operator.mul,
    vjp=(lambda g, out, x, y: g * y,
         lambda g, out, x, y: g * x),
    jvp=(lambda dx, out, x, y: dx * y,
         lambda dy, out, x, y: x * dy),
    save=(0, 1), arrays=True, broadcast=True, promotes=True, error=broadcast_error("mul"),
)
DIV = defop(
    "div", "DivBackward0", operator.truediv,
    vjp=(lambda g, out, x, y: g / y,
         lambda g, out, x, y: -g * x / (y * y)),
    jvp=(lambda dx, out, x, y: dx / y,
         lambda dy, out, x, y: -dy * x / (y * y)),
    save=(0, 1), arrays=True, broadcast=True, promotes=True, error=broadcast_error("div"),
)
NEG = defop(
    "neg", "NegBackward0", operator.neg,
    vjp=(lambda g, out, x: -g,),
    jvp=(lambda dx, out, x: -dx,),
    arrays=True, error=_neg_error,
)


@public
def add(x, y, *, alpha=1):
    """x + alpha * y (broadcasting)."""
    if alpha != 1:
        y = mul(y, alpha)
    if not isinstance(x, Tensor):
        x, y = y, x
    if not (isinstance(y, Tensor) or isinstance(y, SCALARS)):
        y = as_operand(y, "add")
    return apply(ADD, (x, y))


@public(aliases=("subtract",))
def sub(x, y, *, alpha=1):
    if alpha != 1:
        if _is_bool(_d(x)) or _is_bool(_d(y)):
            _refuse_bool_sub(_d(x), _d(y))
        y = mul(y, alpha)
    if not isinstance(x, Tensor):
        return rsub(y, x)
    return apply(SUB, (x, as_operand(y, "sub")))


@public(method=False)
def rsub(x, y):
    """y - x for a tensor x and a scalar y (``1 - x``)."""
    y = as_operand(y, "rsub")
    if isinstance(y, Tensor):
        return apply(SUB, (y, x))
    return apply(RSUB, (x, y))


@public(aliases=("multiply",))
def mul(x, y):
    if not isinstance(x, Tensor):
        x, y = y, x
    if not (isinstance(y, Tensor) or isinstance(y, SCALARS)):
        y = as_operand(y, "mul")
    return apply(MUL, (x, y))


@public(aliases=("divide", "true_divide"))
def div(x, y, *, rounding_mode=None):
    """x / y; with ``rounding_mode`` "floor" or "trunc" the quotient rounded (PyTorch's DivBackward2: zero
    gradients)."""
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        return apply(DIV_ROUNDING, (x, as_operand(y, "div")), {"rounding_mode": rounding_mode})
    if not isinstance(x, Tensor):
        return mul(reciprocal(y), x)
    return apply(DIV, (x, as_operand(y, "div")))


def _integers(*values) -> bool:
    """Whether all operands are integers (tensors' arrays or Python/numpy numbers), bools included."""
    return all(np.asarray(v).dtype.kind in "biu" for v in values)


def _refuse_integer_zero_division(x, y) -> None:
    if _integers(x, y) and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")


def _div_rounding_fwd(x, y, *, rounding_mode):
    _refuse_integer_zero_division(x, y)
    if rounding_mode == "floor":
        return np.floor_divide(x, y)
    if _integers(x, y):  # the floor, one up where the quotient is negative and inexact
        q = np.floor_divide(x, y)
        return q + ((q < 0) & (q * y != x))
    return np.trunc(np.true_divide(x, y))


def _zero(g, out, *inputs, **params):
    """A piecewise-constant function's derivative: zeros of the output's shape, not g * 0 (a nan gradient gives 0,
    as in PyTorch). As a VJP it is summed back to each input's shape by the broadcast step."""
    d = np.asarray(g._data)
    return make(np.zeros(np.shape(out._data) if out is not None else d.shape, dtype=d.dtype))


DIV_ROUNDING = defop(  # div(x, y, rounding_mode="floor" | "trunc")
    "div_rounding", "DivBackward2", _div_rounding_fwd,
    vjp=(_zero, _zero), jvp=(_zero, _zero), broadcast=True, promotes=True, error=broadcast_error("div"),
)


@public(inplace=True, aliases=("negative",))
def neg(x):
    return apply(NEG, (x,))


# ============================================================== no derivative: PyTorch's NotImplemented node
def no_derivative_op(aten: str, forward, node: str = "NotImplemented", backward=None, tangent=None, **flags):
    """An op PyTorch records without a derivative (floor division, number % tensor, heaviside): its node,
    ``NotImplemented``, raises when backward reaches it, and forward mode refuses it; ``backward`` and ``tangent``
    are (exception type, message) where PyTorch says something else. It is not an op-table row (there is no rule
    to check); tests/test_elementwise_api.py compares it with PyTorch."""
    backward = backward or (RuntimeError, f"derivative for aten::{aten} is not implemented")
    tangent = tangent or (NotImplementedError, f"Trying to use forward AD with aten::{aten} that does not support it.")

    def refuse(*args, **params):
        raise backward[0](backward[1])

    def refuse_tangent(*args, **params):
        raise tangent[0](tangent[1])

    op = defop(f"{aten}_no_derivative", node, forward, vjp=(refuse,) * 3, jvp=(refuse_tangent,) * 3,
               error=broadcast_error(aten), **flags)
    del OPS[op.name]
    op.save_mask = ()
    return op


node_class("NotImplemented").name = lambda self: "torch::autograd::NotImplemented"  # PyTorch's name() for it


def without_derivative(op, *args):
    """Run a ``no_derivative_op``; its node has an edge for each input that requires grad only, as PyTorch's."""
    out = apply(op, args)
    node = out.grad_fn
    if node is not None:
        node.next = tuple(e for e in node.next if e is not None)
    return out


# ============================================================== powers
def _pow_scalar_vjp(g, out, x, *, exponent):
    if exponent == 0:
        return g * 0
    return g * (exponent * (x if exponent == 2 else x ** (exponent - 1)))


def _pow_scalar_jvp(dx, out, x, *, exponent):
    if exponent == 0:
        return dx * 0
    return dx * (exponent * x ** (exponent - 1))


def _pow_tensor_vjp_y(g, out, x, y):
    # d/dy x**y = x**y log x; PyTorch defines it as 0 where x == 0 and y >= 0 (not nan).
    return where(_mask((x._data == 0) & (y._data >= 0)), 0.0, g * out * log(x))


def _pow_tensor_jvp_y(dy, out, x, y):
    return where(_mask((x._data == 0) & (y._data >= 0)), 0.0, dy * out * log(x))


def _pow_tensor_vjp_x(g, out, x, y):
    return where(_mask(y._data == 0), 0.0, g * y * x ** (y - 1))


def _pow_tensor_jvp_x(dx, out, x, y):
    return where(_mask(y._data == 0), 0.0, dx * y * x ** (y - 1))


def _pow_fwd(x, y):
    return np.power(x, y)


def _pow_scalar_fwd(x, *, exponent):
    return x**exponent


def _rpow_fwd(x, *, base):
    return np.power(base, x)


POW_SCALAR = defop(  # tensor ** number
    "pow_scalar", "PowBackward0", _pow_scalar_fwd,
    vjp=(_pow_scalar_vjp,),
    jvp=(_pow_scalar_jvp,),
    save=(0,), arrays=True,
)
POW = defop(  # tensor ** tensor
    "pow", "PowBackward1", _pow_fwd,
    vjp=(_pow_tensor_vjp_x, _pow_tensor_vjp_y),
    jvp=(_pow_tensor_jvp_x, _pow_tensor_jvp_y),
    save=(0, 1), save_out=True, broadcast=True, promotes=True, error=broadcast_error("pow"),
)
RPOW = defop(  # number ** tensor
    "rpow", "PowBackward2", _rpow_fwd,
    vjp=(lambda g, out, x, *, base: g * out * float(np.log(base)),),
    jvp=(lambda dx, out, x, *, base: dx * out * float(np.log(base)),),
    save_out=True,
)


@public(inplace=True)
def pow(x, exponent):
    """x ** exponent; either side may be a number."""
    if not isinstance(x, Tensor):
        base = float(x) if not isinstance(x, (int, np.integer)) or exponent._data.dtype.kind == "f" else x
        return apply(RPOW, (exponent,), {"base": base})
    if x._data.dtype is _BOOL:  # PyTorch: a bool tensor to an integer power is int64; bool ** bool is refused
        if isinstance(exponent, Tensor) and exponent._data.dtype is _BOOL:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        if isinstance(exponent, (int, np.integer)):
            x = make(x._data.astype(np.int64))
    if isinstance(exponent, SCALARS):
        return apply(POW_SCALAR, (x,), {"exponent": exponent})
    return apply(POW, (x, as_operand(exponent, "pow")))


@public(inplace=True)
def square(x):
    return pow(x, 2)


# ============================================================== unary functions
def _sigmoid_fwd(x):
    # exp(-log(1 + exp(-x))) neither overflows nor loses the tails.
    if x.dtype.kind in "bu":  # (-x of a bool or an unsigned int: computed in float32, as PyTorch)
        x = x.astype(np.float32)
    return np.exp(-np.logaddexp(0, -x))


def _relu_fwd(x):
    return np.maximum(x, 0)


EXP = defop("exp", "ExpBackward0", np.exp,
            vjp=(lambda g, out, x: g * out,),
            jvp=(lambda dx, out, x: dx * out,), save_out=True, arrays=True)
LOG = defop("log", "LogBackward0", np.log,
            vjp=(lambda g, out, x: g / x,),
            jvp=(lambda dx, out, x: dx / x,), save=(0,), arrays=True)
LOG1P = defop("log1p", "Log1PBackward0", np.log1p,
              vjp=(lambda g, out, x: g / (x + 1),),
              jvp=(lambda dx, out, x: dx / (x + 1),), save=(0,), arrays=True)
EXPM1 = defop("expm1", "Expm1Backward0", np.expm1,
              vjp=(lambda g, out, x: g * (out + 1),),
              jvp=(lambda dx, out, x: dx * (out + 1),), save_out=True, arrays=True)
SQRT = defop("sqrt", "SqrtBackward0", np.sqrt,
             vjp=(lambda g, out, x: g / (2 * out),),
             jvp=(lambda dx, out, x: dx / (2 * out),), save_out=True, arrays=True)
RSQRT = defop("rsqrt", "RsqrtBackward0", lambda x: 1 / np.sqrt(x),
              vjp=(lambda g, out, x: -0.5 * g * out ** 3,),
              jvp=(lambda dx, out, x: -0.5 * dx * out ** 3,), save_out=True, arrays=True)
RECIPROCAL = defop("reciprocal", "ReciprocalBackward0", lambda x: 1 / x,
                   vjp=(lambda g, out, x: -g * out * out,),
                   jvp=(lambda dx, out, x: -dx * out * out,), save_out=True, arrays=True)


def _abs_fwd(x):
    if x.dtype is _BOOL:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return np.abs(x)


ABS = defop("abs", "AbsBackward0", _abs_fwd,
            vjp=(lambda g, out, x: g * sign(x),),
            jvp=(lambda dx, out, x: dx * sign(x),), save=(0,))
SIN = defop("sin", "SinBackward0", np.sin,
            vjp=(lambda g, out, x: g * cos(x),),
            jvp=(lambda dx, out, x: dx * cos(x),), save=(0,))
COS = defop("cos", "CosBackward0", np.cos,
            vjp=(lambda g, out, x: -g * sin(x),),
            jvp=(lambda dx, out, x: -dx * sin(x),), save=(0,))
TAN = defop("tan", "TanBackward0", np.tan,
            vjp=(lambda g, out, x: g * (1 + out * out),),
            jvp=(lambda dx, out, x: dx * (1 + out * out),), save_out=True, arrays=True)
TANH = defop("tanh", "TanhBackward0", np.tanh,
             vjp=(lambda g, out, x: g * (1 - out * out),),
             jvp=(lambda dx, out, x: dx * (1 - out * out),), save_out=True, arrays=True)
SIGMOID = defop("sigmoid", "SigmoidBackward0", _sigmoid_fwd,
                vjp=(lambda g, out, x: g * out * (1 - out),),
                jvp=(lambda dx, out, x: dx * out * (1 - out),), save_out=True, arrays=True)
RELU = defop("relu", "ReluBackward0", _relu_fwd,  # PyTorch: the gradient at 0 is 0
             vjp=(lambda g, out, x: _pass_where(out > 0, g),),
             jvp=(lambda dx, out, x: _pass_where(out > 0, dx),), save_out=True, arrays=True)


# Piecewise-constant functions: a graph node with a zero derivative, as in PyTorch.
def _rounding(ufunc, kernel: str):
    """A rounding function that leaves integers as they are, in their dtype; PyTorch refuses bools."""

    def forward(x):
        if x.dtype.kind in "fc":
            return ufunc(x)
        if x.dtype is _BOOL:
            raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
        return x.copy()

    return forward


def _sign_fwd(x):
    return x.copy() if x.dtype is _BOOL else np.sign(x)


SIGN = defop("sign", "SignBackward0", _sign_fwd, vjp=(_zero,), jvp=(_zero,))
FLOOR = defop("floor", "FloorBackward0", _rounding(np.floor, "floor_vml_cpu"), vjp=(_zero,), jvp=(_zero,))
CEIL = defop("ceil", "CeilBackward0", _rounding(np.ceil, "ceil_vml_cpu"), vjp=(_zero,), jvp=(_zero,))
ROUND = defop("round", "RoundBackward0", _rounding(np.round, "round_vml_cpu"), vjp=(_zero,), jvp=(_zero,))


def _pass_where(mask, g):
    """g where ``mask`` holds, else 0, selected rather than multiplied (PyTorch's threshold_backward): a nan or
    inf gradient arriving where the mask is off is blocked, as in PyTorch, instead of becoming nan * 0 = nan.
    Runs on arrays and on tensors alike (see ``arrays`` in defop)."""
    if isinstance(g, Tensor):
        return where(mask if isinstance(mask, Tensor) else _mask(mask), g, 0.0)
    m = mask._data if isinstance(mask, Tensor) else mask
    r = g * m  # 6x faster than np.where on a random mask; only a nan (from nan or inf times 0) needs the select
    if np.isnan(r).any():
        r = np.where(m, g, g.dtype.type(0))
    return r


exp, log, log1p, expm1, sqrt, rsqrt, reciprocal, sin, cos, tan, floor, ceil, round = (
    public(unary(op), inplace=True) for op in (EXP, LOG, LOG1P, EXPM1, SQRT, RSQRT, RECIPROCAL, SIN, COS, TAN, FLOOR,
                                               CEIL, ROUND))
tanh, sigmoid, relu = (public(unary(op), inplace=True, functional=True) for op in (TANH, SIGMOID, RELU))
abs = public(unary(ABS), inplace=True, aliases=("absolute",))


@public(inplace=True)
def sign(x):
    """The sign of each element; as a derivative factor it is a constant (no graph)."""
    if isinstance(x, Tensor) and x.requires_grad and _grad_on():
        return apply(SIGN, (x,))
    return const(_sign_fwd(x._data))


def _grad_on() -> bool:
    from ..mode import state

    return state.grad_enabled


def _mask(a) -> Tensor:
    """A boolean array as a constant tensor; multiplying by it keeps the other side's dtype."""
    return make(a if isinstance(a, np.ndarray) else np.asarray(a))


# ============================================================== more functions of one or two tensors
def _exp(a):
    """exp of a tensor (recorded) or of an array: lets a rule run on both (see ``arrays`` in defop)."""
    return exp(a) if isinstance(a, Tensor) else np.exp(a)


def _cosh(a):
    return cosh(a) if isinstance(a, Tensor) else np.cosh(a)


def _sinh(a):
    return sinh(a) if isinstance(a, Tensor) else np.sinh(a)


def _select(mask, a, b):
    """a where the boolean array ``mask`` holds, else b; on tensors (recorded) or arrays, like ``_pass_where``."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return where(_mask(mask), a, b)
    return np.where(mask, a, b)


def _torch_name(dt: np.dtype) -> str:
    """PyTorch's name of a dtype in its kernel errors: Long, Int, Bool, Float..."""
    from .. import dtypes

    return dtypes.from_numpy(dt).legacy.removesuffix("Tensor")


def _refuse_integers(kernel: str, *arrays) -> None:
    """PyTorch has no integer kernel for some float functions (frac, logaddexp): its error."""
    dt = np.result_type(*arrays)
    if dt.kind in "biu":
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{_torch_name(dt)}\'')


ASIN = defop("asin", "AsinBackward0", np.arcsin,
             vjp=(lambda g, out, x: g * (1 - x * x) ** -0.5,),
             jvp=(lambda dx, out, x: dx * (1 - x * x) ** -0.5,), save=(0,), arrays=True)
ACOS = defop("acos", "AcosBackward0", np.arccos,
             vjp=(lambda g, out, x: -g * (1 - x * x) ** -0.5,),
             jvp=(lambda dx, out, x: -dx * (1 - x * x) ** -0.5,), save=(0,), arrays=True)
ATAN = defop("atan", "AtanBackward0", np.arctan,
             vjp=(lambda g, out, x: g / (1 + x * x),),
             jvp=(lambda dx, out, x: dx / (1 + x * x),), save=(0,), arrays=True)
SINH = defop("sinh", "SinhBackward0", np.sinh,
             vjp=(lambda g, out, x: g * _cosh(x),),
             jvp=(lambda dx, out, x: dx * _cosh(x),), save=(0,), arrays=True)
COSH = defop("cosh", "CoshBackward0", np.cosh,
             vjp=(lambda g, out, x: g * _sinh(x),),
             jvp=(lambda dx, out, x: dx * _sinh(x),), save=(0,), arrays=True)


def _inverse_hyperbolic(name: str, forward, derivative):
    """asinh, acosh, atanh, and their in-place forms, which PyTorch records as ...Backward1 without a derivative."""
    node = name.capitalize()
    row = defop(name, f"{node}Backward0", forward, vjp=(lambda g, out, x: g * derivative(x),),
                jvp=(lambda dx, out, x: dx * derivative(x),), save=(0,), arrays=True)
    in_place = no_derivative_op(
        f"{name}_", forward, f"{node}Backward1",
        backward=(NotImplementedError, f"the derivative for 'inplace version of {name}' is not implemented."),
        tangent=(NotImplementedError, f"Trying to use forward AD with {name}_ that does not support it because it has "
                 "not been implemented yet.\nPlease file an issue to PyTorch at https://github.com/pytorch/pytorch/"
                 "issues/new?template=feature-request.yml so that we can prioritize its implementation."))
    return row, in_place


ASINH, ASINH_INPLACE = _inverse_hyperbolic("asinh", np.arcsinh, lambda x: (x * x + 1) ** -0.5)
ACOSH, ACOSH_INPLACE = _inverse_hyperbolic("acosh", np.arccosh, lambda x: (x * x - 1) ** -0.5)
ATANH, ATANH_INPLACE = _inverse_hyperbolic("atanh", np.arctanh, lambda x: 1 / (1 - x * x))


def inplace_as(op, name: str):
    """``x.<name>()``: op's function written into x and recorded as ``op`` (for the in-place forms PyTorch records
    under another node name than the out-of-place one, e.g. ``asinh_`` → AsinhBackward1)."""

    def fn(input, *args, **params):
        return inplace(input, lambda t, _: apply(op, (t, *args), params or None), None, name)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"In place: writes ``{name[:-1]}(input)`` into input, recorded as ``{op.node_name}``."
    return fn


asin, acos, atan = (public(unary(op), inplace=True, aliases=(f"arc{op.name[1:]}",)) for op in (ASIN, ACOS, ATAN))
sinh, cosh = (public(unary(op), inplace=True) for op in (SINH, COSH))
asinh, acosh, atanh = (public(unary(op), aliases=(f"arc{op.name[1:]}",)) for op in (ASINH, ACOSH, ATANH))
asinh_, acosh_, atanh_ = (public(inplace_as(op, f"{name}_"), aliases=(f"arc{name[1:]}_",))
                          for op, name in ((ASINH_INPLACE, "asinh"), (ACOSH_INPLACE, "acosh"),
                                           (ATANH_INPLACE, "atanh")))

# ---------------------------------------------------------------- erf, erfc, erfinv
_2_SQRTPI = 2 / math.sqrt(math.pi)


def _via_math(fn):
    """A function of the math module (numpy has no erf) elementwise: computed in float64, returned in the input's
    float dtype (float32 for integers and bools, as PyTorch)."""
    ufunc = np.frompyfunc(fn, 1, 1)

    def forward(x):
        return np.array(ufunc(x), dtype=x.dtype if x.dtype.kind == "f" else np.float32)

    return forward


_erf_fwd, _erfc_fwd = _via_math(math.erf), _via_math(math.erfc)
_erf64, _erfc64 = np.frompyfunc(math.erf, 1, 1), np.frompyfunc(math.erfc, 1, 1)


def _erfinv_fwd(x):
    """Winitzki's closed form (relative error < 2e-3), polished by Newton steps on erf(y) = |x| (small |x|) or
    erfc(y) = 1 - |x| (|x| near 1, where 1 - |x| is exact): float64 accuracy."""
    w = np.atleast_1d(np.abs(np.asarray(x, dtype=np.float64)))
    ln = np.log1p(-w) + np.log1p(w)  # log(1 - w²)
    t = 2 / (math.pi * 0.147) + ln / 2
    y = np.sqrt(np.sqrt(t * t - ln / 0.147) - t)
    small, large = w < 0.5, (w >= 0.5) & (w < 1)
    for _ in range(4):
        slope = _2_SQRTPI * np.exp(-y * y)
        y[small] -= (_erf64(y[small]).astype(np.float64) - w[small]) / slope[small]
        y[large] += (_erfc64(y[large]).astype(np.float64) - (1 - w[large])) / slope[large]
    y[w == 1] = np.inf
    y = np.copysign(y, np.asarray(x, dtype=np.float64)).reshape(np.shape(x))
    return np.array(y, dtype=x.dtype if x.dtype.kind == "f" else np.float32)


ERF = defop("erf", "ErfBackward0", _erf_fwd,
            vjp=(lambda g, out, x: g * _2_SQRTPI * _exp(-x * x),),
            jvp=(lambda dx, out, x: dx * _2_SQRTPI * _exp(-x * x),), save=(0,), arrays=True)
ERFC = defop("erfc", "ErfcBackward0", _erfc_fwd,
             vjp=(lambda g, out, x: -g * _2_SQRTPI * _exp(-x * x),),
             jvp=(lambda dx, out, x: -dx * _2_SQRTPI * _exp(-x * x),), save=(0,), arrays=True)
ERFINV = defop("erfinv", "ErfinvBackward0", _erfinv_fwd,
               vjp=(lambda g, out, x: g * (0.5 * math.sqrt(math.pi)) * _exp(out * out),),
               jvp=(lambda dx, out, x: dx * (0.5 * math.sqrt(math.pi)) * _exp(out * out),), save_out=True, arrays=True)
erf, erfc, erfinv = (public(unary(op), inplace=True) for op in (ERF, ERFC, ERFINV))


# ---------------------------------------------------------------- sinc, degrees, rounding, nan_to_num, logit
def _sinc_vjp(g, out, x):
    px = x * math.pi
    cos_, sin_ = (cos(px), sin(px)) if isinstance(px, Tensor) else (np.cos(px), np.sin(px))
    return g * _select(_d(x) == 0, 0.0, (px * cos_ - sin_) / (px * x))  # PyTorch's: 0 at 0, also to second order


SINC = defop("sinc", "SincBackward0", np.sinc,
             vjp=(_sinc_vjp,), jvp=(lambda dx, out, x: _sinc_vjp(dx, out, x),), save=(0,), arrays=True)
_DEG = math.pi / 180
DEG2RAD = defop("deg2rad", "Deg2RadBackward0", np.deg2rad,
                vjp=(lambda g, out, x: g * _DEG,), jvp=(lambda dx, out, x: dx * _DEG,), arrays=True)
RAD2DEG = defop("rad2deg", "Rad2DegBackward0", np.rad2deg,
                vjp=(lambda g, out, x: g * (1 / _DEG),), jvp=(lambda dx, out, x: dx * (1 / _DEG),), arrays=True)
SGN = defop("sgn", "SgnBackward0", _sign_fwd, vjp=(_zero,), jvp=(_zero,))  # the sign (of a complex: x / |x|)
TRUNC = defop("trunc", "TruncBackward0", _rounding(np.trunc, "trunc_vml_cpu"), vjp=(_zero,), jvp=(_zero,))


def _frac_fwd(x):
    _refuse_integers("frac", x)
    return x - np.trunc(x)


FRAC = defop("frac", "FracBackward0", _frac_fwd,
             vjp=(lambda g, out, x: g,), jvp=(lambda dx, out, x: dx,), arrays=True)
NAN_TO_NUM = defop(  # PyTorch multiplies by the mask: a nan gradient at a replaced place stays nan
    "nan_to_num", "NanToNumBackward0",
    lambda x, *, nan, posinf, neginf: np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf),
    vjp=(lambda g, out, x, **_: g * np.isfinite(_d(x)),),
    jvp=(lambda dx, out, x, **_: dx * np.isfinite(_d(x)),), save=(0,), arrays=True,
)


def _logit_fwd(x, *, eps):
    if x.dtype.kind in "biu":  # (1 - x of an unsigned int would wrap around)
        x = x.astype(np.float32)
    z = x if eps is None else np.clip(x, eps, 1 - eps)
    return np.log(z / (1 - z))


def _logit_vjp(g, out, x, *, eps):
    xd = _d(x)
    d = g / (x * (1 - x))
    if eps is None:  # nan outside [0, 1]
        return _select((xd < 0) | (xd > 1), math.nan, d)
    return _select((xd < eps) | (xd > 1 - eps), 0.0, d)  # 0 where clamped (the bounds themselves pass)


LOGIT = defop("logit", "LogitBackward0", _logit_fwd,
              vjp=(_logit_vjp,), jvp=(lambda dx, out, x, *, eps: _logit_vjp(dx, out, x, eps=eps),), save=(0,),
              arrays=True)

sinc, deg2rad, rad2deg, sgn, frac = (public(unary(op), inplace=True) for op in (SINC, DEG2RAD, RAD2DEG, SGN, FRAC))
trunc = public(unary(TRUNC), inplace=True, aliases=("fix",))


@public(inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced by numbers (by default 0 and the dtype's largest and smallest values)."""
    return apply(NAN_TO_NUM, (input,), {"nan": nan, "posinf": posinf, "neginf": neginf})


@public(inplace=True)
def logit(input, eps=None):
    """log(p / (1 - p)); with ``eps``, p is first clamped to [eps, 1 - eps]."""
    return apply(LOGIT, (input,), {"eps": eps})


# ---------------------------------------------------------------- xlogy, logaddexp
def _xlogy_fwd(x, y):
    log_y = np.log(y) if isinstance(y, (np.ndarray, np.generic)) else float(np.log(y))  # (a number stays weak)
    return np.where((x == 0) & ~np.isnan(y), 0, x * log_y)  # 0 where x == 0, unless y is nan


def _xlogy(a, b):
    return xlogy(a, b) if isinstance(a, Tensor) else _xlogy_fwd(a, b)


def _xlogy_vjp_x(g, out, x, y):  # xlogy(g, y), and 0 where x == 0 and y <= 0 (PyTorch's)
    return _select((_d(x) == 0) & (_d(y) <= 0), 0.0, _xlogy(g, y))


def _xlogy_vjp_scalar_y(g, out, x, *, other):  # (other nan: masked too, as PyTorch's `other > 0 ? ... : ...`)
    return _xlogy(g, other) if other > 0 else _select(_d(x) == 0, 0.0, _xlogy(g, other))


XLOGY = defop(
    "xlogy", "XlogyBackward0", _xlogy_fwd,
    vjp=(_xlogy_vjp_x, lambda g, out, x, y: g * x / y),
    jvp=(_xlogy_vjp_x, lambda dy, out, x, y: dy * x / y),
    save=(0, 1), arrays=True, broadcast=True, promotes=True, error=broadcast_error("xlogy"),
)
XLOGY_NUMBER = defop(  # xlogy(number, tensor)
    "xlogy_number", "XlogyBackward1", lambda y, *, number: _xlogy_fwd(number, y),
    vjp=(lambda g, out, y, *, number: g * number / y,),
    jvp=(lambda dy, out, y, *, number: dy * number / y,), save=(0,), arrays=True,
)
XLOGY_BY_NUMBER = defop(  # xlogy(tensor, number)
    "xlogy_by_number", "XlogyBackward2", lambda x, *, other: _xlogy_fwd(x, other),
    vjp=(_xlogy_vjp_scalar_y,), jvp=(_xlogy_vjp_scalar_y,), save=(0,), arrays=True,
)


@public(inplace=True)
def xlogy(input, other):
    """input * log(other), and 0 where input == 0 (unless other is nan); either side may be a number."""
    if not isinstance(input, Tensor):
        return apply(XLOGY_NUMBER, (other,), {"number": input})
    if isinstance(other, SCALARS):
        return apply(XLOGY_BY_NUMBER, (input,), {"other": other})
    return apply(XLOGY, (input, as_operand(other, "xlogy")))


def _logaddexp_fwd(x, y):
    _refuse_integers("logaddexp", x, y)
    return np.logaddexp(x, y)


def _logaddexp2_fwd(x, y):
    _refuse_integers("logaddexp2", x, y)
    return np.logaddexp2(x, y)


LOGADDEXP = defop(
    "logaddexp", "LogaddexpBackward0", _logaddexp_fwd,
    vjp=(lambda g, out, x, y: g / (1 + _exp(y - x)),
         lambda g, out, x, y: g / (1 + _exp(x - y))),
    jvp=(lambda dx, out, x, y: dx / (1 + _exp(y - x)),
         lambda dy, out, x, y: dy / (1 + _exp(x - y))),
    save=(0, 1), arrays=True, broadcast=True, promotes=True, error=broadcast_error("logaddexp"),
)
LOGADDEXP2 = defop(
    "logaddexp2", "Logaddexp2Backward0", _logaddexp2_fwd,
    vjp=(lambda g, out, x, y: g / (1 + 2 ** (y - x)),
         lambda g, out, x, y: g / (1 + 2 ** (x - y))),
    jvp=(lambda dx, out, x, y: dx / (1 + 2 ** (y - x)),
         lambda dy, out, x, y: dy / (1 + 2 ** (x - y))),
    save=(0, 1), arrays=True, broadcast=True, promotes=True, error=broadcast_error("logaddexp2"),
)


@public
def logaddexp(input, other):
    """log(exp(input) + exp(other)) without overflow."""
    return apply(LOGADDEXP, (input, as_operand(other, "logaddexp")))


@public
def logaddexp2(input, other):
    """log2(2**input + 2**other) without overflow."""
    return apply(LOGADDEXP2, (input, as_operand(other, "logaddexp2")))


# ---------------------------------------------------------------- lerp, addcmul, addcdiv
def _lerp_fwd(x, end, weight):  # PyTorch's two forms: exact at weight 0 and at weight 1
    return np.where(np.abs(weight) < 0.5, x + weight * (end - x), end - (end - x) * (1 - weight))


def _lerp_scalar_fwd(x, end, *, weight):
    return x + weight * (end - x) if -0.5 < weight < 0.5 else end - (end - x) * (1 - weight)


LERP_SCALAR = defop(  # lerp(x, end, number)
    "lerp_scalar", "LerpBackward0", _lerp_scalar_fwd,
    vjp=(lambda g, out, x, end, *, weight: g * (1 - weight),
         lambda g, out, x, end, *, weight: g * weight),
    jvp=(lambda dx, out, x, end, *, weight: dx * (1 - weight),
         lambda de, out, x, end, *, weight: de * weight),
    arrays=True, broadcast=True, error=broadcast_error("lerp"),
)
LERP = defop(  # lerp(x, end, tensor)
    "lerp", "LerpBackward1", _lerp_fwd,
    vjp=(lambda g, out, x, end, w: g * (1 - w),
         lambda g, out, x, end, w: g * w,
         lambda g, out, x, end, w: g * (end - x)),
    jvp=(lambda dx, out, x, end, w: dx * (1 - w),
         lambda de, out, x, end, w: de * w,
         lambda dw, out, x, end, w: dw * (end - x)),
    save=(0, 1, 2), arrays=True, broadcast=True, error=broadcast_error("lerp"),
)
_TYPE_META = {"float32": "float", "float64": "double", "float16": "c10::Half"}  # PyTorch's names in lerp's error


@public(inplace=True)
def lerp(input, end, weight):
    """input + weight * (end - input); ``weight`` a number or a tensor (then it gets a gradient too)."""
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {_TYPE_META.get(input.dtype.name, input.dtype.name)} for `{name}` but "
                               f"got dtype {_TYPE_META.get(t.dtype.name, t.dtype.name)}")
    if isinstance(weight, Tensor):
        return apply(LERP, (input, end, weight))
    return apply(LERP_SCALAR, (input, end), {"weight": weight})


ADDCMUL = defop(
    "addcmul", "AddcmulBackward0", lambda x, a, b, *, value, dtype: (x + value * a * b).astype(dtype, copy=False),
    vjp=(lambda g, out, x, a, b, *, value, dtype: g,
         lambda g, out, x, a, b, *, value, dtype: g * b * value,
         lambda g, out, x, a, b, *, value, dtype: g * a * value),
    jvp=(lambda dx, out, x, a, b, *, value, dtype: dx,
         lambda da, out, x, a, b, *, value, dtype: da * b * value,
         lambda db, out, x, a, b, *, value, dtype: db * a * value),
    save=(1, 2), arrays=True, broadcast=True, error=broadcast_error("addcmul"),
)
ADDCDIV = defop(
    "addcdiv", "AddcdivBackward0", lambda x, a, b, *, value, dtype: (x + value * a / b).astype(dtype, copy=False),
    vjp=(lambda g, out, x, a, b, *, value, dtype: g,
         lambda g, out, x, a, b, *, value, dtype: g * value / b,
         lambda g, out, x, a, b, *, value, dtype: -g * value * a / (b * b)),
    jvp=(lambda dx, out, x, a, b, *, value, dtype: dx,
         lambda da, out, x, a, b, *, value, dtype: da * value / b,
         lambda db, out, x, a, b, *, value, dtype: -db * value * a / (b * b)),
    save=(1, 2), arrays=True, broadcast=True, error=broadcast_error("addcdiv"),
)


@public(inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2 (one node)."""
    return apply(ADDCMUL, (input, tensor1, tensor2), {"value": value, "dtype": result_dtype(input, tensor1, tensor2)})


@public(inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (one node)."""
    return apply(ADDCDIV, (input, tensor1, tensor2), {"value": value, "dtype": result_dtype(input, tensor1, tensor2)})


# ---------------------------------------------------------------- composites: float_power, positive
@public
def float_power(input, exponent):
    """input ** exponent in float64, the dtype of the result (the inputs are converted first, as PyTorch)."""
    def double(v):
        return to_dtype(v, np.float64) if isinstance(v, Tensor) else v

    return pow(double(input), double(exponent))


@public(name="float_power_", function=False)
def _float_power_inplace(input, exponent):
    """In place; only a float64 tensor can hold the float64 result."""
    if input._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_torch_name(input._data.dtype)} but the "
                           "operation's result requires dtype Double")
    return inplace(input, lambda t, _: float_power(t, exponent), None, "float_power_")


@public
def positive(input):
    """The input itself (``+x``)."""
    if input._data.dtype is _BOOL:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# ============================================================== max/min/clamp/where
def _tie_mask(x, y) -> Tensor:
    """1 where x wins, 0.5 on ties, 0 where y wins: how maximum shares its gradient."""
    m = np.where(x._data == y._data, 0.5, x._data > y._data)
    return _mask(m.astype(np.result_type(x._data, y._data)))


def _share(g, x, y):
    # selected, not multiplied (PyTorch's where/masked_fill): a nan gradient stays away from the loser
    m = _tie_mask(x, y)
    return _pass_where(m._data != 0, g * m)


def _maximum_vjp(g, out, x, y):
    return _share(g, x, y)


def _maximum_vjp_y(g, out, x, y):
    return _share(g, y, x)


def _maximum_jvp(dx, out, x, y):
    return _share(dx, x, y)


def _maximum_jvp_y(dy, out, x, y):
    return _share(dy, y, x)


MAXIMUM = defop(  # ties share the gradient half and half, as PyTorch does
    "maximum", "MaximumBackward0", np.maximum,
    vjp=(_maximum_vjp, _maximum_vjp_y),
    jvp=(_maximum_jvp, _maximum_jvp_y),
    save=(0, 1), broadcast=True, promotes=True, error=broadcast_error("maximum"),
)
MINIMUM = defop(
    "minimum", "MinimumBackward0", np.minimum,
    vjp=(_maximum_vjp_y, _maximum_vjp),
    jvp=(_maximum_jvp_y, _maximum_jvp),
    save=(0, 1), broadcast=True, promotes=True, error=broadcast_error("minimum"),
)


@public(inplace=True)
def maximum(x, y):
    return apply(MAXIMUM, (x, as_operand(y, "maximum")))


@public(inplace=True)
def minimum(x, y):
    return apply(MINIMUM, (x, as_operand(y, "minimum")))


def _clamp_mask(x, min, max):
    m = np.ones(x._data.shape, dtype=bool)
    if min is not None:
        m &= x._data >= min
    if max is not None:
        m &= x._data <= max
    return _mask(m)


def _clamp_fwd(x, *, min, max):
    if min is not None and max is not None and min > max:
        return np.full_like(x, max)
    return np.clip(x, min, max)


CLAMP = defop(  # the gradient passes where min <= x <= max, boundaries included
    "clamp", "ClampBackward1", _clamp_fwd,
    vjp=(lambda g, out, x, *, min, max: _pass_where(_clamp_mask(x, min, max), g),),
    jvp=(lambda dx, out, x, *, min, max: _pass_where(_clamp_mask(x, min, max), dx),),
    save=(0,),
)


def _d(a):
    """The array of a tensor, or the array (or None) itself: what a rule's masks are computed from."""
    return a._data if isinstance(a, Tensor) else a


def _clamp_tensor_fwd(x, lo, hi, *, dtype):
    out = x if lo is None else np.maximum(x, lo)
    out = out if hi is None else np.minimum(out, hi)
    return out.astype(dtype, copy=False)


def _clamp_vjp_x(g, out, x, lo, hi, **_):
    x, lo, hi = _d(x), _d(lo), _d(hi)
    keep = True if lo is None else x >= lo
    return _pass_where(keep if hi is None else keep & (x <= hi), g)


def _clamp_vjp_lo(g, out, x, lo, hi, **_):  # the lower bound decides where x is below it (unless it exceeds hi)
    x, lo, hi = _d(x), _d(lo), _d(hi)
    return _pass_where((x < lo) if hi is None else (x < lo) & (lo < hi), g)


def _clamp_vjp_hi(g, out, x, lo, hi, **_):  # the upper bound decides above it, and everywhere if below lo
    x, lo, hi = _d(x), _d(lo), _d(hi)
    return _pass_where((x > hi) if lo is None else (x > hi) | (hi < lo), g)


_CLAMP_RULES = (_clamp_vjp_x, _clamp_vjp_lo, _clamp_vjp_hi)  # (as JVPs: the masks broadcast the tangents)
CLAMP_TENSOR = defop(  # clamp(x, min=tensor, max=tensor): either bound may be None
    "clamp_tensor", "ClampBackward0", _clamp_tensor_fwd, vjp=_CLAMP_RULES, jvp=_CLAMP_RULES,
    save=(0, 1, 2), arrays=True, broadcast=True,
    error=lambda args, params, e: broadcast_error("clamp")(tuple(a for a in args if a is not None), params, e),
)


def _bound_rows(name: str, node: str, np_fn, wins, loses):
    """clamp_min / clamp_max by a number (...Backward0) and by a tensor (...Backward1, both get gradients):
    x gets the gradient where ``wins(x, bound)`` (ties included), the bound where ``loses`` (a nan x: neither)."""
    by_number = defop(
        f"{name}_scalar", f"{node}Backward0", lambda x, *, bound: np_fn(x, bound),
        vjp=(lambda g, out, x, *, bound: _pass_where(wins(_d(x), bound), g),),
        jvp=(lambda dx, out, x, *, bound: _pass_where(wins(_d(x), bound), dx),), save=(0,), arrays=True,
    )
    rules = (lambda g, out, x, b: _pass_where(wins(_d(x), _d(b)), g),
             lambda g, out, x, b: _pass_where(loses(_d(x), _d(b)), g))
    by_tensor = defop(
        name, f"{node}Backward1", np_fn, vjp=rules, jvp=rules,
        save=(0, 1), arrays=True, broadcast=True, promotes=True, error=broadcast_error(name),
    )
    return by_number, by_tensor


CLAMP_MIN_SCALAR, CLAMP_MIN = _bound_rows("clamp_min", "ClampMin", np.maximum, np.greater_equal, np.less)
CLAMP_MAX_SCALAR, CLAMP_MAX = _bound_rows("clamp_max", "ClampMax", np.minimum, np.less_equal, np.greater)


@public(aliases=("clip",))  # clamp_ is Tensor's own: it takes min= and max=
def clamp(x, min=None, max=None):
    """x limited to [min, max]; the bounds are numbers, or tensors (then they get gradients too)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if not all(b is None or isinstance(b, Tensor) for b in (min, max)):
            got = ", ".join(type(b).__name__ for b in (x, min, max))
            raise TypeError(f"clamp() received an invalid combination of arguments - got ({got}), but expected one "
                            "of:\nclamp: both bounds tensors (or None), or both numbers")
        return apply(CLAMP_TENSOR, (x, min, max), {"dtype": result_dtype(x, min, max)})
    return apply(CLAMP, (x,), {"min": min, "max": max})


@public(inplace=True)
def clamp_min(input, min):
    """max(input, min), ties passing the gradient to input."""
    if isinstance(min, Tensor):
        return apply(CLAMP_MIN, (input, min))
    return apply(CLAMP_MIN_SCALAR, (input,), {"bound": min})


@public(inplace=True)
def clamp_max(input, max):
    """min(input, max), ties passing the gradient to input."""
    if isinstance(max, Tensor):
        return apply(CLAMP_MAX, (input, max))
    return apply(CLAMP_MAX_SCALAR, (input,), {"bound": max})


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promote_types: across categories the higher one's dtype (int64 with float32 is float32)."""
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _above(higher, lower):
    """The dtype of two priority tiers (dimensioned tensors over 0-d tensors over numbers): the lower tier
    counts only when of a higher category (bool < int < float)."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    return _promote_types(higher, lower) if _CATEGORY[lower.kind] > _CATEGORY[higher.kind] else higher


def result_dtype(*operands) -> np.dtype:
    """PyTorch's result dtype of tensors and numbers (Nones skipped): ``float32 tensor`` with a 0-d float64 tensor
    is float32, with a 0-d int tensor float32, an int tensor with a float number float32 (the default dtype)."""
    dim = zero = number = None
    for a in operands:
        if isinstance(a, Tensor):
            dt = a._data.dtype
            if a._data.ndim:
                dim = dt if dim is None else _promote_types(dim, dt)
            else:
                zero = dt if zero is None else _promote_types(zero, dt)
        elif a is not None:
            dt = _number_dtype(a)
            number = dt if number is None or _CATEGORY[dt.kind] > _CATEGORY[number.kind] else number
    return _above(_above(dim, zero), number)


def _number_dtype(v) -> np.dtype:
    """The dtype a Python number takes on its own: bool, int64, the default float dtype, complex64."""
    from ..factories import get_default_dtype

    kind = np.asarray(v).dtype.kind
    if kind == "f":
        return get_default_dtype().np
    return {"b": _BOOL, "c": np.dtype(np.complex64)}.get(kind, np.dtype(np.int64))


def _where_fwd(cond, x, y, *, dtype):
    return np.where(cond, x, y).astype(dtype, copy=False)


WHERE = defop(
    "where", "WhereBackward0", _where_fwd,
    vjp=(None,
         lambda g, out, c, x, y, **_: where(c, g, 0.0),
         lambda g, out, c, x, y, **_: where(c, 0.0, g)),
    jvp=(None,
         lambda dx, out, c, x, y, **_: where(c, dx, 0.0),
         lambda dy, out, c, x, y, **_: where(c, 0.0, dy)),
    save=(0,), broadcast=True, error=broadcast_error("where"),
)


@public(method=False)  # x.where(condition, y) takes its arguments in another order
def where(condition, x=None, y=None):
    """Pick from x where condition holds, else from y; ``where(cond)`` alone gives the indices."""
    if x is None and y is None:
        return tuple(make(i) for i in np.nonzero(condition._data))
    if not isinstance(condition, Tensor):
        condition = make(np.asarray(condition))
    if condition._data.dtype != np.bool_:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}"
        )
    x, y = as_operand(x, "where"), as_operand(y, "where")
    return apply(WHERE, (condition, x, y), {"dtype": result_dtype(x, y)})


MASKED_FILL = defop(  # masked_fill(mask, number)
    "masked_fill", "MaskedFillBackward0", lambda x, mask, *, value: np.where(mask, np.asarray(value, x.dtype), x),
    vjp=(lambda g, out, x, mask, *, value: where(mask, 0.0, g), None),
    jvp=(lambda dx, out, x, mask, *, value: where(mask, 0.0, dx), None),
    save=(1,), broadcast=True, error=broadcast_error("masked_fill", (1, 0)),
)
MASKED_FILL_TENSOR = defop(  # masked_fill(mask, 0-d tensor): the value gets the sum of the filled places' gradients
    "masked_fill_tensor", "MaskedFillBackward1", lambda x, mask, value: np.where(mask, value.astype(x.dtype), x),
    vjp=(lambda g, out, x, mask, value: where(mask, 0.0, g), None,
         lambda g, out, x, mask, value: where(mask, g, 0.0).sum()),
    jvp=(lambda dx, out, x, mask, value: where(mask, 0.0, dx), None,
         lambda dv, out, x, mask, value: where(mask, dv, 0.0).expand(out.shape)),
    save=(1,), broadcast=True, error=broadcast_error("masked_fill", (1, 0)),
)


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _c_name(t) -> str:
    """The C++ type name PyTorch's kernels print for a dtype (``long int`` for int64)."""
    return _C_NAMES.get(t._data.dtype.name, t._data.dtype.name)


@public
def masked_fill(x, mask, value):
    """``value`` where ``mask`` holds, else ``x``; the filled places pass no gradient to ``x``."""
    if not isinstance(mask, Tensor):
        mask = make(np.asarray(mask))
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {_c_name(mask)}\n"
                           f"masked_fill: compare to make a mask, e.g. x.masked_fill(m != 0, value)")
    if isinstance(value, Tensor):
        from .. import mode

        if value._requires_grad and x._data.dtype.kind not in "fc" and mode.state.grad_enabled:
            raise RuntimeError(f"Autograd not support dtype: {x.dtype.legacy.removesuffix('Tensor')}")
        if value._data.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value._data.ndim} "
                "dimension(s)"
            )
        return apply(MASKED_FILL_TENSOR, (x, mask, value))
    return apply(MASKED_FILL, (x, mask), {"value": value})


@public(function=False)
def masked_fill_(x, mask, value):
    """In place: writes ``masked_fill(x, mask, value)`` into x; the mask must broadcast to x's shape."""
    if isinstance(mask, Tensor) and mask._data.dtype != np.bool_:
        return masked_fill(x, mask, value)  # its refusal
    shape = mask._data.shape if isinstance(mask, Tensor) else np.shape(mask)
    for i in range(1, min(len(shape), x._data.ndim) + 1):
        have = x._data.shape[-i] if i <= x._data.ndim else 1
        if shape[-i] not in (1, have):  # PyTorch expands the mask to x: x is tensor a here
            raise RuntimeError(
                f"The size of tensor a ({have}) must match the size of tensor b ({shape[-i]}) at non-singleton "
                f"dimension {max(len(shape), x._data.ndim) - i}\nmasked_fill_: a mask of shape {tuple(shape)} "
                f"does not broadcast to the tensor's shape {tuple(x._data.shape)}"
            )
    if len(shape) > x._data.ndim:
        raise RuntimeError(f"output with shape {shape_str(x._data.shape)} doesn't match the broadcast shape "
                           f"{shape_str(np.broadcast_shapes(shape, x._data.shape))}")
    return inplace(x, lambda t, _: masked_fill(t, mask, value), (mask, value), "masked_fill_")


# ---------------------------------------------------------------- remainder and fmod
# x = q * y + out, with q = floor(x / y) for remainder (Python's %) and trunc(x / y) for fmod,
# so q = (x - out) / y: the rules need only operators, on arrays or tensors alike. PyTorch records
# tensor % number as ...Backward0 and tensor % tensor as ...Backward1 (the divisor's derivative is -q);
# number % tensor has no derivative (NotImplemented).
def _quotient(x, y, rounding: str):
    """x / y rounded ("floor" for remainder, "trunc" for fmod), for tensors (recorded, zero derivative) or arrays.
    The divisor's derivative is -g times it, computed from the inputs as PyTorch does: the output is not saved,
    so writing into the result in place (``(a % b).copy_(t)``) stays legal."""
    q = x / y
    if isinstance(q, Tensor):
        return q.floor() if rounding == "floor" else q.trunc()
    return np.floor(q) if rounding == "floor" else np.trunc(q)


def _remainder_rows(name: str, forward, rounding: str):
    title = name.capitalize()
    by_number = defop(
        f"{name}_scalar", f"{title}Backward0", lambda x, *, other: forward(x, other),
        vjp=(lambda g, out, x, *, other: g,),
        jvp=(lambda dx, out, x, *, other: dx,), arrays=True,
    )
    by_tensor = defop(
        name, f"{title}Backward1", forward,
        vjp=(lambda g, out, x, y: g,
             lambda g, out, x, y: -g * _quotient(x, y, rounding)),
        jvp=(lambda dx, out, x, y: dx,
             lambda dy, out, x, y: -dy * _quotient(x, y, rounding)),
        save=(0, 1), arrays=True, broadcast=True, promotes=True, error=broadcast_error(name),
    )
    return by_number, by_tensor


def _integer_safe(ufunc):
    """An integer remainder by 0 raises PyTorch's error (numpy gives 0)."""

    def forward(x, y):
        if x.dtype.kind in "biu":
            _refuse_integer_zero_division(x, y)
        return ufunc(x, y)

    return forward


REMAINDER_SCALAR, REMAINDER = _remainder_rows("remainder", _integer_safe(np.remainder), "floor")
FMOD_SCALAR, FMOD = _remainder_rows("fmod", _integer_safe(np.fmod), "trunc")


@public(inplace=True)
def remainder(x, other):
    """x % other with the sign of ``other`` (Python's and PyTorch's %); d/dx = 1, d/dother = -floor(x / other)."""
    if not isinstance(x, Tensor):
        if not isinstance(x, SCALARS):
            raise TypeError(f"remainder(): expected a Tensor or a number, got {type(x).__name__}")
        return without_derivative(REMAINDER_OF_NUMBER, x, other)
    if isinstance(other, SCALARS):
        return apply(REMAINDER_SCALAR, (x,), {"other": other})
    return apply(REMAINDER, (x, as_operand(other, "remainder")))


@public(inplace=True)
def fmod(x, other):
    """The C remainder, with the sign of ``x``; d/dx = 1, d/dother = -trunc(x / other)."""
    if isinstance(other, SCALARS):
        return apply(FMOD_SCALAR, (x,), {"other": other})
    return apply(FMOD, (x, as_operand(other, "fmod")))


# ---------------------------------------------------------------- floor division, heaviside: no derivative
def _floor_divide_fwd(x, y):
    if np.asarray(x).dtype is _BOOL and np.asarray(y).dtype is _BOOL:
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    _refuse_integer_zero_division(x, y)
    return np.floor_divide(x, y)


FLOOR_DIVIDE = no_derivative_op("floor_divide", _floor_divide_fwd, broadcast=True, promotes=True)
FLOOR_DIVIDE_INPLACE = no_derivative_op("floor_divide_", _floor_divide_fwd, broadcast=True, promotes=True)
def _number_remainder_fwd(x, y):
    _refuse_integer_zero_division(x, y)
    return np.remainder(x, y)


REMAINDER_OF_NUMBER = no_derivative_op("remainder", _number_remainder_fwd)


@public
def floor_divide(input, other):
    """input // other, rounded down; PyTorch has no derivative for it (backward raises)."""
    return without_derivative(FLOOR_DIVIDE, as_operand(input, "floor_divide"), as_operand(other, "floor_divide"))


def _no_derivative_inplace(op, name: str):
    """``x.<name>(other)`` in place, recorded as the no-derivative ``op`` (named after the in-place function)."""

    def fn(input, other):
        return inplace(input, lambda t, _: without_derivative(op, t, as_operand(other, name)), None, name)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"In place: writes ``{name[:-1]}(input, other)`` into input (no derivative, as PyTorch)."
    return public(fn, function=False)


_no_derivative_inplace(FLOOR_DIVIDE_INPLACE, "floor_divide_")


def _heaviside_fwd(x, values):
    return np.where(x == 0, values, x > 0)


HEAVISIDE = no_derivative_op("heaviside", _heaviside_fwd, broadcast=True)
_no_derivative_inplace(no_derivative_op("heaviside_", _heaviside_fwd, broadcast=True), "heaviside_")


@public
def heaviside(input, values):
    """0 where input < 0, ``values`` where input == 0, 1 where input > 0; no derivative (as PyTorch)."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return without_derivative(HEAVISIDE, input, values)


# ============================================================== no-gradient results
def _compare(ufunc, name):
    def fn(x, y):
        if y is None:  # x == None is False (and x != None True), as in PyTorch
            return name == "ne"
        x = as_operand(x, name)
        y = as_operand(y, name)
        xd = x._data if isinstance(x, Tensor) else x
        yd = y._data if isinstance(y, Tensor) else y
        try:
            return make(np.asarray(ufunc(xd, yd)))
        except ValueError as e:
            raise broadcast_error(name)((x, y), {}, e) from None

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` as a bool tensor (no gradient)."
    return fn


eq, ne, lt, le, gt, ge = (
    public(_compare(u, n), aliases=a)
    for u, n, a in ((np.equal, "eq", ()), (np.not_equal, "ne", ("not_equal",)), (np.less, "lt", ("less",)),
                    (np.less_equal, "le", ("less_equal",)), (np.greater, "gt", ("greater",)),
                    (np.greater_equal, "ge", ("greater_equal",)))
)


@public
def equal(x, y) -> bool:
    """True if both tensors have the same shape and elements."""
    return x.shape == y.shape and bool(np.array_equal(x._data, y._data))


def constant_op(ufunc, *args):
    """A function with no derivative (floor division, remainder, logic): a constant result."""
    return make(np.asarray(ufunc(*(a._data if isinstance(a, Tensor) else a for a in args))))


@public
def isfinite(x):
    return make(np.isfinite(x._data))


@public
def isnan(x):
    return make(np.isnan(x._data))


@public
def allclose(x, y, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(x._data, y._data if isinstance(y, Tensor) else y, rtol, atol, equal_nan))


# ============================================================== atan2, hypot, exp2
def _atan2_r2(x, y):
    return x * x + y * y


ATAN2 = defop(  # atan2(y, x): the angle of the point (x, y)
    "atan2", "Atan2Backward0", np.arctan2,
    vjp=(lambda g, out, y, x: g * x / _atan2_r2(x, y),
         lambda g, out, y, x: -g * y / _atan2_r2(x, y)),
    jvp=(lambda dy, out, y, x: dy * x / _atan2_r2(x, y),
         lambda dx, out, y, x: -dx * y / _atan2_r2(x, y)),
    save=(0, 1), arrays=True, broadcast=True, promotes=True, error=broadcast_error("atan2"),
)
HYPOT = defop(
    "hypot", "HypotBackward0", np.hypot,
    vjp=(lambda g, out, x, y: g * x / out,
         lambda g, out, x, y: g * y / out),
    jvp=(lambda dx, out, x, y: dx * x / out,
         lambda dy, out, x, y: dy * y / out),
    save=(0, 1), save_out=True, arrays=True, broadcast=True, promotes=True, error=broadcast_error("hypot"),
)
EXP2 = defop("exp2", "Exp2Backward0", np.exp2,
             vjp=(lambda g, out, x: g * out * _LN2,),
             jvp=(lambda dx, out, x: dx * out * _LN2,), save_out=True, arrays=True)
_LN2 = float(np.log(2.0))


@public(inplace=True)
def atan2(input, other):
    """The angle of the point (other, input) in radians, in (-pi, pi]: ``atan2(y, x)``."""
    return apply(ATAN2, (input, as_operand(other, "atan2")))


@public
def hypot(input, other):
    """sqrt(input² + other²) without overflow."""
    return apply(HYPOT, (input, as_operand(other, "hypot")))


exp2 = public(unary(EXP2), inplace=True)

LOG2 = defop("log2", "Log2Backward0", np.log2,
             vjp=(lambda g, out, x: g / (x * _LN2),),
             jvp=(lambda dx, out, x: dx / (x * _LN2),), save=(0,), arrays=True)
log2 = public(unary(LOG2), inplace=True)

LOG10 = defop("log10", "Log10Backward0", np.log10,
              vjp=(lambda g, out, x: g / (x * _LN10),),
              jvp=(lambda dx, out, x: dx / (x * _LN10),), save=(0,), arrays=True)
log10 = public(unary(LOG10), inplace=True)
_LN10 = float(np.log(10.0))
