"""Elementwise primitives: arithmetic, powers, transcendental functions, activations, comparisons."""

from __future__ import annotations

import operator

import numpy as np

from ..tensor import Tensor, make
from ._util import SCALARS, as_operand, broadcast_error, const
from .registry import apply, defop, public, unary


# ============================================================== arithmetic (broadcasting)
def _rsub_fwd(x, y):
    return y - x


ADD = defop(
    "add", "AddBackward0", operator.add,  # operator.*: fast on numpy scalars and arrays
    vjp=(lambda g, out, x, y: g,
         lambda g, out, x, y: g),
    jvp=(lambda dx, out, x, y: dx,
         lambda dy, out, x, y: dy),
    arrays=True, broadcast=True, promotes=True, error=broadcast_error("add"),
)
SUB = defop(
    "sub", "SubBackward0", operator.sub,
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
    arrays=True,
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
    if rounding_mode is not None:
        return constant_op(np.floor_divide if rounding_mode == "floor" else _trunc_div, x, y)
    if not isinstance(x, Tensor):
        return mul(reciprocal(y), x)
    return apply(DIV, (x, as_operand(y, "div")))


def _trunc_div(x, y):
    return np.trunc(np.true_divide(x, y))


@public(inplace=True, aliases=("negative",))
def neg(x):
    return apply(NEG, (x,))


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
    if isinstance(exponent, SCALARS):
        return apply(POW_SCALAR, (x,), {"exponent": exponent})
    return apply(POW, (x, as_operand(exponent, "pow")))


@public(inplace=True)
def square(x):
    return pow(x, 2)


# ============================================================== unary functions
def _sigmoid_fwd(x):
    # exp(-log(1 + exp(-x))) neither overflows nor loses the tails.
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
ABS = defop("abs", "AbsBackward0", np.abs,
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
def _zero(g, out, x):
    return make(np.zeros_like(np.asarray(g._data)))  # zeros, not g * 0: a nan gradient gives 0 (PyTorch)


SIGN = defop("sign", "SignBackward0", np.sign, vjp=(_zero,), jvp=(_zero,))
FLOOR = defop("floor", "FloorBackward0", np.floor, vjp=(_zero,), jvp=(_zero,))
CEIL = defop("ceil", "CeilBackward0", np.ceil, vjp=(_zero,), jvp=(_zero,))
ROUND = defop("round", "RoundBackward0", np.round, vjp=(_zero,), jvp=(_zero,))


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
    return const(np.sign(x._data))


def _grad_on() -> bool:
    from ..mode import state

    return state.grad_enabled


def _mask(a) -> Tensor:
    """A boolean array as a constant tensor; multiplying by it keeps the other side's dtype."""
    return make(a if isinstance(a, np.ndarray) else np.asarray(a))


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


@public(aliases=("clip",))  # clamp_ is Tensor's own: it takes min= and max=
def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return apply(CLAMP, (x,), {"min": min, "max": max})


def _where_fwd(cond, x, y):
    return np.where(cond, x, y)


WHERE = defop(
    "where", "WhereBackward0", _where_fwd,
    vjp=(None,
         lambda g, out, c, x, y: where(c, g, 0.0),
         lambda g, out, c, x, y: where(c, 0.0, g)),
    jvp=(None,
         lambda dx, out, c, x, y: where(c, dx, 0.0),
         lambda dy, out, c, x, y: where(c, 0.0, dy)),
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
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = make(np.asarray(x, dtype=np.float32 if isinstance(x, float) else None))
    return apply(WHERE, (condition, as_operand(x, "where"), as_operand(y, "where")))


MASKED_FILL = defop(  # masked_fill(mask, number)
    "masked_fill", "MaskedFillBackward0", lambda x, mask, *, value: np.where(mask, np.asarray(value, x.dtype), x),
    vjp=(lambda g, out, x, mask, *, value: where(mask, 0.0, g), None),
    jvp=(lambda dx, out, x, mask, *, value: where(mask, 0.0, dx), None),
    save=(1,), broadcast=True, error=broadcast_error("masked_fill"),
)
MASKED_FILL_TENSOR = defop(  # masked_fill(mask, 0-d tensor): the value gets the sum of the filled places' gradients
    "masked_fill_tensor", "MaskedFillBackward1", lambda x, mask, value: np.where(mask, value.astype(x.dtype), x),
    vjp=(lambda g, out, x, mask, value: where(mask, 0.0, g), None,
         lambda g, out, x, mask, value: where(mask, g, 0.0).sum()),
    jvp=(lambda dx, out, x, mask, value: where(mask, 0.0, dx), None,
         lambda dv, out, x, mask, value: where(mask, dv, 0.0).expand(out.shape)),
    save=(1,), broadcast=True, error=broadcast_error("masked_fill"),
)


@public(inplace=True)
def masked_fill(x, mask, value):
    """``value`` where ``mask`` holds, else ``x``; the filled places pass no gradient to ``x``."""
    if not isinstance(mask, Tensor):
        mask = make(np.asarray(mask))
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
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


# ---------------------------------------------------------------- remainder and fmod
# x = q * y + out, with q = floor(x / y) for remainder (Python's %) and trunc(x / y) for fmod,
# so q = (x - out) / y: the rules need only operators, on arrays or tensors alike. PyTorch records
# tensor % number as ...Backward0 and tensor % tensor as ...Backward1 (where it has no derivative for
# the divisor; here it is -q, the derivative almost everywhere).
def _remainder_rows(name: str, forward):
    title = name.capitalize()
    by_number = defop(
        f"{name}_scalar", f"{title}Backward0", lambda x, *, other: forward(x, other),
        vjp=(lambda g, out, x, *, other: g,),
        jvp=(lambda dx, out, x, *, other: dx,), arrays=True,
    )
    by_tensor = defop(
        name, f"{title}Backward1", forward,
        vjp=(lambda g, out, x, y: g,
             lambda g, out, x, y: -g * ((x - out) / y)),
        jvp=(lambda dx, out, x, y: dx,
             lambda dy, out, x, y: -dy * ((x - out) / y)),
        save=(0, 1), save_out=True, arrays=True, broadcast=True, promotes=True, error=broadcast_error(name),
    )
    return by_number, by_tensor


REMAINDER_SCALAR, REMAINDER = _remainder_rows("remainder", np.remainder)
FMOD_SCALAR, FMOD = _remainder_rows("fmod", np.fmod)


@public(inplace=True)
def remainder(x, other):
    """x % other with the sign of ``other`` (Python's and PyTorch's %); d/dx = 1, d/dother = -floor(x / other)."""
    if not isinstance(x, Tensor):
        if not isinstance(x, SCALARS):
            raise TypeError(f"remainder(): expected a Tensor or a number, got {type(x).__name__}")
        x = make(np.asarray(x, dtype=other._data.dtype if other._data.dtype.kind == "f" else None))
    if isinstance(other, SCALARS):
        return apply(REMAINDER_SCALAR, (x,), {"other": other})
    return apply(REMAINDER, (x, as_operand(other, "remainder")))


@public(inplace=True)
def fmod(x, other):
    """The C remainder, with the sign of ``x``; d/dx = 1, d/dother = -trunc(x / other)."""
    if isinstance(other, SCALARS):
        return apply(FMOD_SCALAR, (x,), {"other": other})
    return apply(FMOD, (x, as_operand(other, "fmod")))


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
