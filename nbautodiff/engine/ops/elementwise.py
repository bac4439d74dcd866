"""Elementwise primitives: arithmetic, powers, exp/log/trigonometric functions, relu/sigmoid/tanh, max/min/clamp/where,
atan2, hypot, exp2 (special.py: erf, rounding, xlogy, lerp and the rest; division.py: remainder, floor division and
the comparisons; activations.py: the other activations)."""

from __future__ import annotations

import math
import operator

import numpy as np

from .. import dtypes
from ..tensor import Tensor, make
from ._util import (
    SCALARS,
    _invalid_combination,
    _tensors,
    as_operand,
    broadcast_error,
    const,
    cpp_type,
    fit_int,
    float_kernel,
    fma,
)
from .inplace import inplace
from .registry import FLOAT, OPS, apply, defop, public, unary

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
RSUB_TENSOR = defop(  # torch.rsub(x, y) of two tensors: y - x
    "rsub_tensor", "RsubBackward0", _rsub_fwd,
    vjp=(lambda g, out, x, y: -g,
         lambda g, out, x, y: g),
    jvp=(lambda dx, out, x, y: -dx,
         lambda dy, out, x, y: dy),
    arrays=True, broadcast=True, promotes=True, error=broadcast_error("rsub"),
)
NUMBER_SUB = defop(  # torch.sub(2., x): PyTorch wraps the number as the first operand of a SubBackward0
    "number_sub", "SubBackward0", lambda c, y: _rsub_fwd(y, c),
    vjp=(None, lambda g, out, c, y: -g),
    jvp=(None, lambda dy, out, c, y: -dy),
    arrays=True, broadcast=True, error=broadcast_error("sub"),
)


def _plus_scaled(x, y, alpha):
    """x + alpha * y of two float arrays, fused as PyTorch's add kernel (``vec::fmadd(y, alpha, x)``: one rounding,
    alpha in the result's dtype). float16: alpha rounded to float16, then its SIMD body is the float32 fmadd rounded
    to float16 and its scalar tail (the last size % 32 elements, all of a 0-d one) rounds the product to float16
    first. (A 0-d tensor beside a dimensioned one is PyTorch's CPU-scalar loop, which rounds some elements unfused.)"""
    x, y = np.asarray(x), np.asarray(y)
    dt = _promote_types(x.dtype, y.dtype)  # (PyTorch's table: float32 with int64 is float32)
    x, y = x.astype(dt, copy=False), y.astype(dt, copy=False)
    if dt != np.float16:
        r = fma(y, dt.type(alpha), x)
        return r[()] if r.ndim == 0 else r
    a = np.float16(alpha)
    if x.ndim == y.ndim == 0:
        return x + a * y
    r = (x.astype(np.float64) + np.float64(a) * y).astype(np.float32).astype(np.float16)
    tail = r.size % 32
    if tail:
        flat = r.reshape(-1)
        xs, ys = (np.broadcast_to(v, r.shape).reshape(-1)[-tail:] for v in (x, y))
        flat[-tail:] = xs + a * ys
    return r[()] if r.ndim == 0 else r


# add/sub/rsub of two float tensors with alpha != 1: one node, as PyTorch's (alpha scales inside the kernel)
ADD_ALPHA = defop(
    "add_alpha", "AddBackward0", lambda x, y, *, alpha: _plus_scaled(x, y, alpha),
    vjp=(lambda g, out, x, y, *, alpha: g,
         lambda g, out, x, y, *, alpha: g * alpha),
    jvp=(lambda dx, out, x, y, *, alpha: dx,
         lambda dy, out, x, y, *, alpha: dy * alpha),
    arrays=True, broadcast=True, promotes=True, error=broadcast_error("add"), half=False,
)
SUB_ALPHA = defop(
    "sub_alpha", "SubBackward0", lambda x, y, *, alpha: _plus_scaled(x, y, -alpha),
    vjp=(lambda g, out, x, y, *, alpha: g,
         lambda g, out, x, y, *, alpha: -g * alpha),
    jvp=(lambda dx, out, x, y, *, alpha: dx,
         lambda dy, out, x, y, *, alpha: -dy * alpha),
    arrays=True, broadcast=True, promotes=True, error=broadcast_error("sub"), half=False,
)
RSUB_ALPHA = defop(  # torch.rsub(x, y, alpha=a) of two tensors: y - a * x
    "rsub_alpha", "RsubBackward0", lambda x, y, *, alpha: _plus_scaled(y, x, -alpha),
    vjp=(lambda g, out, x, y, *, alpha: -g * alpha,
         lambda g, out, x, y, *, alpha: g),
    jvp=(lambda dx, out, x, y, *, alpha: -dx * alpha,
         lambda dy, out, x, y, *, alpha: dy),
    arrays=True, broadcast=True, promotes=True, error=broadcast_error("rsub"), half=False,
)


def _fused_alpha(x, y) -> bool:
    """Whether x ± alpha * y is one fused row: two tensors with a float result."""
    return isinstance(x, Tensor) and isinstance(y, Tensor) and result_dtype(x, y).kind == "f"


MUL = defop(
    "mul", "MulBackward0", operator.mul,
    vjp=(lambda g, out, x, y: g * y,
         lambda g, out, x, y: g * x),
    jvp=(lambda dx, out, x, y: dx * y,
         lambda dy, out, x, y: x * dy),
    reads=((1,), (0,)), arrays=True, broadcast=True, promotes=True, error=broadcast_error("mul"), half="float",
)
DIV = defop(
    "div", "DivBackward0", operator.truediv,
    vjp=(lambda g, out, x, y: g / y,
         lambda g, out, x, y: -g * (x / y / y)),  # PyTorch's div_tensor_other_backward: 0 at y = inf, to 2nd order
    jvp=(lambda dx, out, x, y: dx / y,
         lambda dy, out, x, y: -dy * (x / y / y)),
    reads=((1,), (0, 1)), arrays=True, broadcast=True, promotes=FLOAT, error=broadcast_error("div"), half="float",
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
        if _fused_alpha(x, y):
            return apply(ADD_ALPHA, (x, y), {"alpha": alpha})
        y = mul(_in_result_dtype(y, x), _integral_alpha(x, y, alpha))
    if not isinstance(x, Tensor):
        x, y = y, x
    if not (isinstance(y, Tensor) or isinstance(y, SCALARS)):
        y = as_operand(y, "add")
    return apply(ADD, (x, fit_int(x, y)))


def _integral_alpha(x, y, alpha):
    """alpha for an integer or bool result, as PyTorch takes it: a float is refused, and for bools any nonzero
    alpha is True (True + 2 * True is True)."""
    dt = result_dtype(x, y)
    if dt.kind in "biu":
        if isinstance(alpha, (float, np.floating)):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        if dt.kind == "b":
            return bool(alpha)
    return alpha


def _in_result_dtype(y, x):
    """y in the dtype of x + y, for ``alpha * y`` (PyTorch scales in the result's dtype: float16 + 0.5 * int64 is
    float16, not float32)."""
    if isinstance(y, Tensor):
        dt = result_dtype(x, y)
        if y._data.dtype != dt:
            return y.to(dtypes.from_numpy(dt))
    return y


@public(aliases=("subtract",))
def sub(x, y, *, alpha=1):
    if alpha != 1:
        if _is_bool(_d(x)) or _is_bool(_d(y)):
            _refuse_bool_sub(_d(x), _d(y))
        if _fused_alpha(x, y):
            return apply(SUB_ALPHA, (x, y), {"alpha": alpha})
        y = mul(_in_result_dtype(y, x), _integral_alpha(x, y, alpha))
    if not isinstance(x, Tensor):
        if isinstance(x, SCALARS) and isinstance(y, Tensor):
            return apply(NUMBER_SUB, (fit_int(y, x), y))
        return rsub(y, x)
    return apply(SUB, (x, fit_int(x, as_operand(y, "sub"))))


@public(method=False)
def rsub(x, y, *, alpha=1):
    """y - alpha * x: ``1 - x`` records it with a number y (RsubBackward1), torch.rsub(x, y) of two tensors too."""
    y = as_operand(y, "rsub")
    if alpha != 1:
        if _fused_alpha(x, y):
            return apply(RSUB_ALPHA, (x, y), {"alpha": alpha})
        x = mul(_in_result_dtype(x, y), alpha)
    if isinstance(y, Tensor):
        return apply(RSUB_TENSOR, (x, y))
    return apply(RSUB, (x, fit_int(x, y)))


@public(aliases=("multiply",))
def mul(x, y):
    if not isinstance(x, Tensor):
        x, y = y, x
    if not (isinstance(y, Tensor) or isinstance(y, SCALARS)):
        y = as_operand(y, "mul")
    return apply(MUL, (x, fit_int(x, y)))


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
        if isinstance(x, SCALARS) and isinstance(y, Tensor):  # torch.div(2, x): DivBackward0 (2 / x is a product)
            return apply(DIV, (fit_int(y, x), y))
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


# ============================================================== a tensor and a plain number as PyTorch's C++ records it
# PyTorch's C++ composites (label smoothing, probability targets, rms_norm, the margin losses, trapezoid) compute
# `x * c`, `x / c`, `x + c` and `x - c` with a C++ Scalar: MulBackward1, DivBackward1, AddBackward1, SubBackward1.
# (A Python number on a tensor is wrapped into a tensor and records MulBackward0 and the others above instead.)
def _pass(g, out, x, *, c):
    return g


def _pass_t(dx, out, x, *, c):
    return dx


# (float16: mul and div keep the number in float, add and sub round it to float16 first, as PyTorch's kernels)
MUL_SCALAR = defop("mul_scalar", "MulBackward1", lambda x, *, c: x * c,
                   vjp=(lambda g, out, x, *, c: g * c,), jvp=(lambda dx, out, x, *, c: dx * c,), arrays=True,
                   half="float")
DIV_SCALAR = defop("div_scalar", "DivBackward1", lambda x, *, c: x / c,
                   vjp=(lambda g, out, x, *, c: g / c,), jvp=(lambda dx, out, x, *, c: dx / c,), arrays=True,
                   half="float")
ADD_SCALAR = defop("add_scalar", "AddBackward1", lambda x, *, c: x + c, vjp=(_pass,), jvp=(_pass_t,), arrays=True,
                   half=False)
SUB_SCALAR = defop("sub_scalar", "SubBackward1", lambda x, *, c: x - c, vjp=(_pass,), jvp=(_pass_t,), arrays=True,
                   half=False)


def times_scalar(x, c):
    """``x * c`` for a plain number ``c`` as PyTorch's C++ computes it (MulBackward1)."""
    return apply(MUL_SCALAR, (x,), {"c": c})


def over_scalar(x, c):
    """``x / c`` for a plain number ``c`` as PyTorch's C++ computes it (DivBackward1)."""
    return apply(DIV_SCALAR, (x,), {"c": c})


def plus_scalar(x, c):
    """``x + c`` for a plain number ``c`` as PyTorch's C++ computes it (AddBackward1)."""
    return apply(ADD_SCALAR, (x,), {"c": c})


def minus_scalar(x, c):
    """``x - c`` for a plain number ``c`` as PyTorch's C++ computes it (SubBackward1)."""
    return apply(SUB_SCALAR, (x,), {"c": c})


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
    return g * (exponent * (x if exponent == 2 else _power(x, exponent - 1)))


def _pow_scalar_jvp(dx, out, x, *, exponent):
    if exponent == 0:
        return dx * 0
    return dx * (exponent * _power(x, exponent - 1))


def _power(x, exponent):
    """x ** exponent on a tensor (recorded) or an array, as PyTorch's pow by a number computes it."""
    return x**exponent if isinstance(x, Tensor) else _pow_scalar_fwd(x, exponent=exponent)


def _pow_tensor_vjp_y(g, out, x, y):
    # d/dy x**y = x**y log x; PyTorch's pow_backward_exponent: 0 where x == 0 and y >= 0 (not nan), the log of x in
    # the result's dtype (a float16 x beside float32 y: its log in float32), grad * (result * log x) in that order
    if x.dtype != out.dtype:
        x = x.to(out.dtype)
    return g * where(_mask((x._data == 0) & (y._data >= 0)), 0.0, out * log(x))


_pow_tensor_jvp_y = _pow_tensor_vjp_y  # (PyTorch's pow JVP is the same formula with the tangent for the grad)


def _pow_tensor_vjp_x(g, out, x, y):
    return where(_mask(y._data == 0), 0.0, g * (y * x ** (y - 1)))  # pow_backward_self's order


_pow_tensor_jvp_x = _pow_tensor_vjp_x


def _int_power(x, y):
    """PyTorch's integer power: to a negative power 1 stays 1, -1 alternates and the rest are 0 (numpy refuses)."""
    negative = np.less(y, 0)
    if not np.any(negative):
        return np.power(x, y)
    r = np.power(x, np.where(negative, 0, y))
    at_negative = np.where(np.equal(x, 1), 1, np.where(np.equal(x, -1), 1 - 2 * (np.remainder(y, 2) != 0), 0))
    return np.where(negative, at_negative, r).astype(r.dtype, copy=False)


def _pow_fwd(x, y):
    if x.dtype.kind in "iu" and y.dtype.kind in "iu":
        return _int_power(x, y)
    return np.power(x, y)


def _pow_scalar_fwd(x, *, exponent):
    if exponent == -0.5 and x.dtype.kind == "f":  # PyTorch's rsqrt: -inf at -0.0, nan at -inf (C's pow: inf, 0)
        return 1 / np.sqrt(x)
    return x**exponent


def _rpow_fwd(x, *, base):
    if x.dtype.kind in "iu" and isinstance(base, (int, np.integer)):
        return _int_power(np.asarray(base).astype(x.dtype), x)
    return np.power(base, x)


POW_SCALAR = defop(  # tensor ** number
    "pow_scalar", "PowBackward0", _pow_scalar_fwd,
    vjp=(_pow_scalar_vjp,),
    jvp=(_pow_scalar_jvp,),
    save=(0,), arrays=True, half=False,  # (float16: the exponent rounded to float16, as numpy does with a number)
)
POW = defop(  # tensor ** tensor
    "pow", "PowBackward1", _pow_fwd,
    vjp=(_pow_tensor_vjp_x, _pow_tensor_vjp_y),
    jvp=(_pow_tensor_jvp_x, _pow_tensor_jvp_y),
    save=(0, 1), save_out=True, broadcast=True, promotes=True, error=broadcast_error("pow"),
)


def _rpow_grad(g, out, x, base):
    """g · base**x · log(base); for base 0, PyTorch's 0 where x >= 0 (not 0 · (−inf) = nan)."""
    if base == 0:
        return where(_mask(x._data >= 0), 0.0, g * out * -math.inf)
    return g * out * float(np.log(base))


RPOW = defop(  # number ** tensor
    "rpow", "PowBackward2", _rpow_fwd,
    vjp=(lambda g, out, x, *, base: _rpow_grad(g, out, x, base),),
    jvp=(lambda dx, out, x, *, base: _rpow_grad(dx, out, x, base),),
    save=(0,), save_out=True, half=False,
)


@public(inplace=True)
def pow(x, exponent):
    """x ** exponent; either side may be a number."""
    if not isinstance(x, Tensor):
        base = float(x) if not isinstance(x, (int, np.integer)) or exponent._data.dtype.kind == "f" else x
        return apply(RPOW, (exponent,), {"base": base})
    if (x._data.dtype.kind in "biu" and isinstance(exponent, (int, np.integer)) and not isinstance(exponent, bool)
            and exponent < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
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
    # PyTorch's kernel: 1 / (1 + exp(-x)) in the input's dtype (sigmoid(17.) is 1 in float32; exp(-x) overflowing
    # to inf gives 0, as it should)
    if x.dtype.kind in "biu":  # (-x of a bool or an unsigned int: computed in float32, as PyTorch)
        x = x.astype(np.float32)
    return 1 / (1 + np.exp(-x))


def _relu_fwd(x):
    if x.dtype is _BOOL:
        raise RuntimeError("Boolean inputs not supported for relu\nrelu: convert first, e.g. x.float()")
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
             vjp=(lambda g, out, x: tanh_backward(g, out),),
             jvp=(lambda dx, out, x: dx * (1 - out * out),), save_out=True, arrays=True, half_vjp=True)
SIGMOID = defop("sigmoid", "SigmoidBackward0", _sigmoid_fwd,
                vjp=(lambda g, out, x: sigmoid_backward(g, out),),
                jvp=(lambda dx, out, x: dx * out * (1 - out),), save_out=True, arrays=True)  # (float16: in steps)
RELU = defop("relu", "ReluBackward0", _relu_fwd,  # PyTorch: the gradient at 0 is 0
             vjp=(lambda g, out, x: threshold_backward(g, out),),
             jvp=(lambda dx, out, x: _pass_where(_not_below_zero(out), dx),), save_out=True, arrays=True)


# The backward functions of tanh, sigmoid and relu are ops of their own, as in PyTorch: a gradient recorded with
# create_graph=True has grad_fn TanhBackwardBackward0 (SigmoidBackwardBackward0, ThresholdBackwardBackward0), one node
# instead of three, linked to the forward op's output. On arrays (a plain backward) they are the same expressions.
TANH_BACKWARD = defop(
    "tanh_backward", "TanhBackwardBackward0", lambda g, out: g * (1 - out * out),
    vjp=(lambda gg, r, g, out: tanh_backward(gg, out),
         lambda gg, r, g, out: gg * g * (-2 * out)),
    jvp=(lambda dg, r, g, out: tanh_backward(dg, out),
         lambda dout, r, g, out: dout * g * (-2 * out)),
    save=(0, 1), arrays=True, broadcast=True, half="kernel",
)
SIGMOID_BACKWARD = defop(
    "sigmoid_backward", "SigmoidBackwardBackward0", lambda g, out: g * out * (1 - out),
    vjp=(lambda gg, r, g, out: sigmoid_backward(gg, out),
         lambda gg, r, g, out: gg * g * (1 - 2 * out)),
    jvp=(lambda dg, r, g, out: sigmoid_backward(dg, out),
         lambda dout, r, g, out: dout * g * (1 - 2 * out)),
    save=(0, 1), arrays=True, broadcast=True, half=False,  # PyTorch's kernel rounds each float16 step
)
THRESHOLD_BACKWARD = defop(  # relu's: the gradient where the output is positive, else 0; d/d output is 0
    "threshold_backward", "ThresholdBackwardBackward0", lambda g, out: _pass_where(_not_below_zero(out), g),
    vjp=(lambda gg, r, g, out: threshold_backward(gg, out), lambda gg, r, g, out: _zeros_as(gg)),
    jvp=(lambda dg, r, g, out: threshold_backward(dg, out), lambda dout, r, g, out: _zeros_as(dout)),
    save=(1,), arrays=True, broadcast=True, half="kernel",
)


def _zeros_as(g):
    """Zeros like ``g`` (a tensor, or an array on the fast path): a derivative that is 0 everywhere."""
    if isinstance(g, Tensor):
        return _zero(g, None)
    return np.zeros(np.shape(g), dtype=np.asarray(g).dtype)


def tanh_backward(g, out):
    """g * (1 - out²): tanh's VJP, recorded as one op on tensors."""
    return apply(TANH_BACKWARD, (g, out)) if isinstance(g, Tensor) else g * (1 - out * out)


def sigmoid_backward(g, out):
    """g * out * (1 - out): sigmoid's VJP, recorded as one op on tensors."""
    return apply(SIGMOID_BACKWARD, (g, out)) if isinstance(g, Tensor) else g * out * (1 - out)


def threshold_backward(g, out):
    """g where out > 0, else 0 (selected, so a nan gradient stays where it belongs): relu's VJP, one op on tensors."""
    return apply(THRESHOLD_BACKWARD, (g, out)) if isinstance(g, Tensor) else _pass_where(_not_below_zero(out), g)


def _not_below_zero(out):
    """Where relu passes the gradient: not (out <= 0), so a nan output passes it, as PyTorch's threshold_backward."""
    return ~(out <= 0)


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
    if x.dtype is _BOOL:
        return x.copy()
    r = np.sign(x)
    if x.dtype.kind == "f" and np.isnan(r).any():  # PyTorch's sign is (0 < x) - (x < 0): 0 at nan
        r = np.where(np.isnan(r), r.dtype.type(0), r)
    return r


SIGN = defop("sign", "SignBackward0", _sign_fwd, vjp=(_zero,), jvp=(_zero,))
FLOOR = defop("floor", "FloorBackward0", _rounding(np.floor, "floor_vml_cpu"), vjp=(_zero,), jvp=(_zero,))
CEIL = defop("ceil", "CeilBackward0", _rounding(np.ceil, "ceil_vml_cpu"), vjp=(_zero,), jvp=(_zero,))
ROUND = defop("round", "RoundBackward0", _rounding(np.round, "round_vml_cpu"), vjp=(_zero,), jvp=(_zero,))


def _round_decimals_fwd(x, *, decimals):
    """PyTorch's round_decimals kernel: nearbyint(x · 10^d) / 10^d (d < 0: nearbyint(x / 10^-d) · 10^-d), half to
    even, in the input's float type (float16 in float32), so a large float32 times 10^d overflows to inf."""
    work = np.float32 if x.dtype == np.float16 else x.dtype.type
    scale = work(10.0 ** (-decimals if decimals < 0 else decimals))
    a = x.astype(work, copy=False)
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.rint(a / scale) * scale if decimals < 0 else np.rint(a * scale) / scale
    return r.astype(x.dtype, copy=False)


ROUND_DECIMALS = defop("round_decimals", "RoundBackward1", _round_decimals_fwd, vjp=(_zero,), jvp=(_zero,))


_SAME_WIDTH_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _pass_where(mask, g):
    """g where ``mask`` holds, else +0, selected rather than multiplied (PyTorch's threshold_backward): a nan or
    inf gradient arriving where the mask is off is blocked, as in PyTorch, instead of becoming nan * 0 = nan, and
    a negative gradient blocked is 0, not -0 (what g * mask would give). Runs on arrays and on tensors alike (see
    ``arrays`` in defop)."""
    if isinstance(g, Tensor):
        return where(mask if isinstance(mask, Tensor) else _mask(mask), g, 0.0)
    m = mask._data if isinstance(mask, Tensor) else mask
    uint = None
    if type(g) is np.ndarray and type(m) is np.ndarray and m.dtype == bool and g.dtype.kind == "f":
        uint = _SAME_WIDTH_UINT.get(g.dtype.itemsize)
    if uint is None:  # numpy scalars (a 0-d graph), complex gradients, masks of numbers
        r = np.where(m, g, np.result_type(g).type(0))
        return r[()] if r.ndim == 0 else r
    # The select on the bits, g & (all ones where the mask holds): np.where is 10x slower on a random mask (a branch
    # per element), this is as fast as g * mask and exact for every value, nan, inf and -0 included.
    if m.shape != g.shape:
        shape = np.broadcast_shapes(m.shape, g.shape)
        m, g = np.broadcast_to(m, shape), np.broadcast_to(g, shape)
    bits = m.astype(uint)
    np.negative(bits, out=bits)  # 1 -> 0xff..ff
    bits &= g.view(uint)
    return bits.view(g.dtype)


exp, log, log1p, expm1, sqrt, rsqrt, reciprocal, sin, cos, tan, floor, ceil = (
    public(unary(op), inplace=True) for op in (EXP, LOG, LOG1P, EXPM1, SQRT, RSQRT, RECIPROCAL, SIN, COS, TAN, FLOOR,
                                               CEIL))
tanh, sigmoid, relu = (public(unary(op), inplace=True, functional=True) for op in (TANH, SIGMOID, RELU))
abs = public(unary(ABS), inplace=True, aliases=("absolute",))


@public(inplace=True)
def round(x, *, decimals: int = 0):
    """Each element rounded half to even; ``decimals`` places (negative: to tens, hundreds, ...).

    >>> round(tensor([1.2345, 2.5]), decimals=2)
    tensor([1.2300, 2.5000])
    """
    if decimals == 0:
        return apply(ROUND, (x,))
    float_kernel("round_cpu", "round", x)  # (no integer kernel with decimals)
    return apply(ROUND_DECIMALS, (x,), {"decimals": int(decimals)})


def special_round(input, *, decimals: int = 0):
    """``torch.special.round``: always PyTorch's decimals kernel (RoundBackward1), which has no integer form."""
    float_kernel("round_vml_cpu" if decimals == 0 else "round_cpu", "special.round", input)
    return apply(ROUND_DECIMALS, (input,), {"decimals": int(decimals)})


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


# ============================================================== max/min/clamp/where
def _tie_mask(x, y) -> Tensor:
    """1 where x wins, 0.5 on ties, 0 where y wins: how maximum shares its gradient. Beside a nan neither side
    loses, so both get the whole gradient (PyTorch masks only where one is strictly less)."""
    m = np.where(x._data == y._data, 0.5, ~(x._data < y._data))
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
    _tensors("maximum", "input other", x, y)
    return apply(MAXIMUM, (x, y))


@public(inplace=True)
def minimum(x, y):
    _tensors("minimum", "input other", x, y)
    return apply(MINIMUM, (x, y))


def _clamp_mask(x, min, max):
    m = np.ones(x._data.shape, dtype=bool)
    if min is not None:
        m &= x._data >= min
    if max is not None:
        m &= x._data <= max
    return _mask(m)


def _clamp_fwd(x, *, min, max):
    # min(max(x, min), max), as PyTorch: with min > max every element is max, but a nan stays nan. The bound first:
    # numpy's maximum and minimum give the second operand on a tie, so x keeps its own zero (clamp(-0., min=0.) is
    # -0., as PyTorch's kernel); np.clip would give the bound
    r = x if min is None else np.maximum(min, x)
    return r if max is None else np.minimum(max, r)


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
        f"{name}_scalar", f"{node}Backward0", lambda x, *, bound: np_fn(bound, x),  # (a tie keeps x, as in clamp)
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
    if not isinstance(x, Tensor):
        raise TypeError(_invalid_combination("clamp", x, min=min, max=max))
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if not all(b is None or isinstance(b, Tensor) for b in (min, max)):
            raise TypeError(_invalid_combination("clamp", x, min, max, hint="both bounds tensors (or None), or both "
                                                 "numbers"))
        return apply(CLAMP_TENSOR, (x, min, max), {"dtype": result_dtype(x, min, max)})
    return apply(CLAMP, (x,), {"min": _int_bound(x, min), "max": _int_bound(x, max)})


def _int_bound(x, v):
    """A Python int bound of an integer tensor, converted as PyTorch converts it: an unsigned dtype takes
    -max..max (a negative one wraps: -1 is 255 for uint8), a signed one its range; anything else overflows."""
    if type(v) is not int or x._data.dtype.kind not in "iu":
        return v
    dt = x._data.dtype
    hi = int(np.iinfo(dt).max)
    lo = -hi if dt.kind == "u" else int(np.iinfo(dt).min)
    if not lo <= v <= hi:
        raise RuntimeError(f"value cannot be converted to type {dt.name}_t without overflow\nclamp: the bound {v} "
                           f"does not fit {dt.name}; convert the tensor first, e.g. x.long()")
    return fit_int(x, v)


@public(inplace=True)
def clamp_min(input, min):
    """max(input, min), ties passing the gradient to input."""
    if isinstance(min, Tensor):
        return apply(CLAMP_MIN, (input, min))
    return apply(CLAMP_MIN_SCALAR, (input,), {"bound": _int_bound(input, min)})


@public(inplace=True)
def clamp_max(input, max):
    """min(input, max), ties passing the gradient to input."""
    if isinstance(max, Tensor):
        return apply(CLAMP_MAX, (input, max))
    return apply(CLAMP_MAX_SCALAR, (input,), {"bound": _int_bound(input, max)})


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


@public
def masked_fill(x, mask, value):
    """``value`` where ``mask`` holds, else ``x``; the filled places pass no gradient to ``x``."""
    if not isinstance(mask, Tensor):
        mask = make(np.asarray(mask))
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {cpp_type(mask)}\n"
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
    return apply(MASKED_FILL, (x, mask), {"value": fit_int(x, value)})


@public(function=False)
def masked_fill_(x, mask, value):
    """In place: writes ``masked_fill(x, mask, value)`` into x (a mask that broadcasts past x's shape is refused by
    ``inplace``, as every in-place op's result of another shape)."""
    m = mask if isinstance(mask, Tensor) else make(np.asarray(mask))
    if m._data.dtype == np.bool_:
        try:
            np.broadcast_shapes(x._data.shape, m._data.shape)
        except ValueError as e:  # in place PyTorch calls x tensor a; out of place (masked_fill's row) the mask
            raise broadcast_error("masked_fill_")((x, m), {}, e) from None
    return inplace(x, lambda t, _: masked_fill(t, mask, value), (mask, value), "masked_fill_")


# ============================================================== atan2, hypot, exp2
def _atan2_recip(x, y):
    """1 / (x² + y²), 0 where that is inf (PyTorch's atan2_backward: both gradients 0 at the origin, not nan)."""
    r = 1 / (x * x + y * y)
    if isinstance(r, Tensor):
        return masked_fill(r, _mask(np.isinf(r._data)), 0.0)
    return np.where(np.isinf(r), r.dtype.type(0), r)


ATAN2 = defop(  # atan2(y, x): the angle of the point (x, y)
    "atan2", "Atan2Backward0", np.arctan2,
    vjp=(lambda g, out, y, x: g * x * _atan2_recip(x, y),
         lambda g, out, y, x: g * -y * _atan2_recip(x, y)),
    jvp=(lambda dy, out, y, x: dy * x * _atan2_recip(x, y),
         lambda dx, out, y, x: dx * -y * _atan2_recip(x, y)),
    save=(0, 1), arrays=True, broadcast=True, promotes=FLOAT, error=broadcast_error("atan2"),
)
HYPOT = defop(
    "hypot", "HypotBackward0", np.hypot,
    vjp=(lambda g, out, x, y: g * x / out,
         lambda g, out, x, y: g * y / out),
    jvp=(lambda dx, out, x, y: dx * x / out,
         lambda dy, out, x, y: dy * y / out),
    save=(0, 1), save_out=True, arrays=True, broadcast=True, promotes=FLOAT, error=broadcast_error("hypot"),
)
EXP2 = defop("exp2", "Exp2Backward0", np.exp2,
             vjp=(lambda g, out, x: g * out * _LN2,),
             jvp=(lambda dx, out, x: dx * out * _LN2,), save_out=True, arrays=True)
_LN2 = float(np.log(2.0))


@public(inplace=True)
def atan2(input, other):
    """The angle of the point (other, input) in radians, in (-pi, pi]: ``atan2(y, x)``."""
    _tensors("atan2", "input other", input, other)
    return apply(ATAN2, (input, other))


@public(inplace=True)
def hypot(input, other):
    """sqrt(input² + other²) without overflow."""
    _tensors("hypot", "input other", input, other)
    float_kernel("hypot_cpu", "hypot", input, other)
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
