"""More functions of one or two tensors: inverse trigonometric and hyperbolic functions, erf and friends, sinc,
degrees, rounding, nan_to_num, logit, xlogy, logaddexp, lerp, addcmul, addcdiv, float_power, positive; the gamma family
(lgamma, digamma, polygamma, mvlgamma) and i0 in vectorised numpy; fmax, fmin, copysign, gcd, lcm, ldexp, frexp,
nextafter; and the nodes of random samples (bernoulli, poisson, the in-place distributions)."""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor, make
from ._util import SCALARS, _invalid_combination, _tensors, as_operand, broadcast_error, const, float_kernel, fma
from .elementwise import (
    _BOOL,
    _d,
    _mask,
    _rounding,
    _sign_fwd,
    _zero,
    cos,
    exp,
    log,
    no_derivative_op,
    plus_scalar,
    result_dtype,
    rsqrt,
    sin,
    times_scalar,
    where,
)
from .inplace import inplace
from .reduce import return_type
from .registry import FLOAT, apply, defop, public, unary
from .shape import to_dtype

_F32, _F16 = np.dtype(np.float32), np.dtype(np.float16)


# ============================================================== more functions of one or two tensors
def _exp(a):
    """exp of a tensor (recorded) or of an array: lets a rule run on both (see ``arrays`` in defop)."""
    return exp(a) if isinstance(a, Tensor) else np.exp(a)


def _cosh(a):
    return cosh(a) if isinstance(a, Tensor) else np.cosh(a)


def _sinh(a):
    return sinh(a) if isinstance(a, Tensor) else np.sinh(a)


def _rsqrt(a):
    """1 / sqrt(a) (PyTorch's rsqrt: nan below 0, -inf included, where a ** -0.5 gives 0 at -inf)."""
    return rsqrt(a) if isinstance(a, Tensor) else 1 / np.sqrt(a)


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


ASIN = defop("asin", "AsinBackward0", np.arcsin,  # PyTorch: g * rsqrt(1 - x²), nan at ±inf
             vjp=(lambda g, out, x: g * _rsqrt(1 - x * x),),
             jvp=(lambda dx, out, x: dx * _rsqrt(1 - x * x),), save=(0,), arrays=True)
ACOS = defop("acos", "AcosBackward0", np.arccos,
             vjp=(lambda g, out, x: -g * _rsqrt(1 - x * x),),
             jvp=(lambda dx, out, x: -dx * _rsqrt(1 - x * x),), save=(0,), arrays=True)
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
def _erfinv_again(x):
    """erfinv(x) recomputed from the saved input, as PyTorch's formula does (it saves self, not the result: writing
    into the result afterwards is no error)."""
    return apply(ERFINV, (x,)) if isinstance(x, Tensor) else _erfinv_fwd(x)


ERFINV = defop("erfinv", "ErfinvBackward0", _erfinv_fwd,
               vjp=(lambda g, out, x: (0.5 * math.sqrt(math.pi)) * _exp(_erfinv_again(x) ** 2) * g,),
               jvp=(lambda dx, out, x: (0.5 * math.sqrt(math.pi)) * _exp(_erfinv_again(x) ** 2) * dx,), save=(0,),
               arrays=True)
erf, erfc, erfinv = (public(unary(op), inplace=True) for op in (ERF, ERFC, ERFINV))


# ---------------------------------------------------------------- sinc, degrees, rounding, nan_to_num, logit
def _sinc_vjp(g, out, x):
    px = x * math.pi
    cos_, sin_ = (cos(px), sin(px)) if isinstance(px, Tensor) else (np.cos(px), np.sin(px))
    # PyTorch's: 0 where pi x² is 0 (x = 0, or x² below the dtype's range), also to second order
    return g * _select(_d(x) * _d(x) * math.pi == 0, 0.0, (px * cos_ - sin_) / (x * x * math.pi))


def _sinc_fwd(x):
    """numpy's sinc, quiet at ±inf (nan, as PyTorch); integers in float32. (float16 is computed again in float32 by
    ``apply``'s rule: π·65504 overflows in float16, quietly.)"""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.sinc(x if x.dtype.kind in "fc" else x.astype(np.float32))


SINC = defop("sinc", "SincBackward0", _sinc_fwd,
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
    jvp=(lambda dx, out, x, **_: dx * np.isfinite(_d(x)),), save=(0,), arrays=True, half=False,  # float16's own max
)


def _logit_fwd(x, *, eps):
    if x.dtype.kind in "biu":  # (1 - x of an unsigned int would wrap around)
        x = x.astype(np.float32)
    z = x if eps is None else np.clip(x, eps, 1 - eps)
    return np.log(z / (1 - z))


def _logit_vjp(g, out, x, *, eps):
    xd = _d(x)
    d = g / (x * (1 - x))
    if not isinstance(g, Tensor):  # PyTorch's kernel: g * inf at 0 and 1 (+inf at -0 too, not g / -0); its
        d = _select((xd == 0) | (xd == 1), g * math.inf, d)  # create_graph formula is the plain quotient
    if eps is None:  # nan outside [0, 1]
        return _select((xd < 0) | (xd > 1), math.nan, d)
    return _select((xd < eps) | (xd > 1 - eps), 0.0, d)  # 0 where clamped (the bounds themselves pass)


LOGIT = defop("logit", "LogitBackward0", _logit_fwd,
              vjp=(_logit_vjp,), jvp=(lambda dx, out, x, *, eps: _logit_vjp(dx, out, x, eps=eps),), save=(0,),
              arrays=True, half=False)  # PyTorch's kernel rounds each step in float16, as numpy does

sinc, deg2rad, rad2deg, sgn, frac = (public(unary(op), inplace=True) for op in (SINC, DEG2RAD, RAD2DEG, SGN, FRAC))


# ---------------------------------------------------------------- complex helpers on real tensors: angle, conj
def _angle_fwd(x):
    """The argument of a real number: 0 at or above 0 (-0 included), π below, nan at nan."""
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    return np.where(np.isnan(x), x, np.where(x < 0, np.asarray(math.pi, x.dtype), np.asarray(0, x.dtype)))


ANGLE = defop("angle", "AngleBackward0", _angle_fwd, vjp=(_zero,), jvp=(_zero,))
angle = public(unary(ANGLE))


@public(aliases=("resolve_conj", "conj_physical"))
def conj(input):
    """The complex conjugate; the engine's tensors are real, so it is the tensor itself (as PyTorch returns it)."""
    return input


@public
def is_conj(input) -> bool:
    return False
trunc = public(unary(TRUNC), inplace=True, aliases=("fix",))


@public(inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced by numbers (by default 0 and the dtype's largest and smallest values)."""
    return apply(NAN_TO_NUM, (input,), {"nan": nan, "posinf": posinf, "neginf": neginf})


@public(inplace=True)
def logit(input, eps=None):
    """log(p / (1 - p)); with ``eps``, p is first clamped to [eps, 1 - eps]."""
    return apply(LOGIT, (input,), {"eps": eps})


# ---------------------------------------------------------------- xlogy, xlog1py, logaddexp
def _x_times_log(rows: tuple, name: str, input, other):
    """xlogy's and xlog1py's dispatch: a number first, a number second, or two tensors (a row each, as PyTorch's
    three nodes)."""
    number_first, by_number, both = rows
    if not isinstance(input, Tensor):
        return apply(number_first, (other,), {"number": input})
    if isinstance(other, SCALARS):
        return apply(by_number, (input,), {"other": other})
    return apply(both, (input, as_operand(other, name)))


def _x_log_rows(row: str, node: str, name: str, log, shift: int) -> tuple:
    """The three rows (a number first, a number second, two tensors) of x·log(y + shift), 0 where x == 0 unless y
    is nan: xlogy is ``np.log`` with shift 0, torch.special.xlog1py ``np.log1p`` with shift 1. As PyTorch's, the
    gradient for x is 0 where x == 0 and y + shift <= 0, and y's is g·x / (y + shift)."""

    def fwd(x, y):
        # (a number stays weak; a bool or an int is a float first: numpy's log of a bool is float16; two floats in
        # the wider one first, as PyTorch's kernel: the log of a float16 y beside a float32 x in float32)
        if isinstance(y, (np.ndarray, np.generic)) and isinstance(x, (np.ndarray, np.generic)) and \
                x.dtype != y.dtype and x.dtype.kind == y.dtype.kind == "f":
            dt = np.result_type(x.dtype, y.dtype)
            x, y = x.astype(dt), y.astype(dt)
        log_y = log(y) if isinstance(y, (np.ndarray, np.generic)) else float(log(float(y)))
        return np.where((x == 0) & ~np.isnan(y), 0, x * log_y)

    def again(a, b):  # the function itself: recorded on tensors (create_graph), the forward on arrays
        return _x_times_log(rows, name, a, b) if isinstance(a, Tensor) else fwd(a, b)

    def plus(y):
        return y + shift if shift else y

    def vjp_x(g, out, x, y):
        return _select((_d(x) == 0) & (_d(y) <= -shift), 0.0, again(g, y))

    def vjp_scalar_y(g, out, x, *, other):  # (other nan: masked too, as PyTorch's `other > 0 ? ... : ...`)
        return again(g, other) if other > -shift else _select(_d(x) == 0, 0.0, again(g, other))

    rows = (
        defop(f"{row}_number", f"{node}1", lambda y, *, number: fwd(number, y),
              vjp=(lambda g, out, y, *, number: g * number / plus(y),),
              jvp=(lambda dy, out, y, *, number: dy * number / plus(y),), save=(0,), arrays=True, half=False),
        defop(f"{row}_by_number", f"{node}2", lambda x, *, other: fwd(x, other),
              vjp=(vjp_scalar_y,), jvp=(vjp_scalar_y,), save=(0,), arrays=True, half=False),
        defop(row, f"{node}0", fwd,
              vjp=(vjp_x, lambda g, out, x, y: g * x / plus(y)), jvp=(vjp_x, lambda dy, out, x, y: dy * x / plus(y)),
              save=(0, 1), arrays=True, broadcast=True, promotes=FLOAT, error=broadcast_error(name), half=False),
    )
    return rows


_XLOGY = _x_log_rows("xlogy", "XlogyBackward", "xlogy", np.log, 0)
_XLOG1PY = _x_log_rows("special_xlog1py", "SpecialXlog1PyBackward", "xlog1py", np.log1p, 1)


@public(inplace=True)
def xlogy(input, other):
    """input * log(other), and 0 where input == 0 (unless other is nan); either side may be a number."""
    return _x_times_log(_XLOGY, "xlogy", input, other)


def special_xlog1py(input, other):
    """input * log1p(other), and 0 where input == 0 (unless other is nan): ``torch.special.xlog1py``."""
    return _x_times_log(_XLOG1PY, "xlog1py", input, other)


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
    save=(0, 1), arrays=True, broadcast=True, promotes=FLOAT, error=broadcast_error("logaddexp"),
)
LOGADDEXP2 = defop(
    "logaddexp2", "Logaddexp2Backward0", _logaddexp2_fwd,
    vjp=(lambda g, out, x, y: g / (1 + 2 ** (y - x)),
         lambda g, out, x, y: g / (1 + 2 ** (x - y))),
    jvp=(lambda dx, out, x, y: dx / (1 + 2 ** (y - x)),
         lambda dy, out, x, y: dy / (1 + 2 ** (x - y))),
    save=(0, 1), arrays=True, broadcast=True, promotes=FLOAT, error=broadcast_error("logaddexp2"),
)


@public
def logaddexp(input, other):
    """log(exp(input) + exp(other)) without overflow."""
    _tensors("logaddexp", "input other", input, other)
    return apply(LOGADDEXP, (input, other))


@public
def logaddexp2(input, other):
    """log2(2**input + 2**other) without overflow."""
    _tensors("logaddexp2", "input other", input, other)
    return apply(LOGADDEXP2, (input, other))


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
    if not isinstance(input, Tensor) or not isinstance(end, Tensor):
        raise TypeError(_invalid_combination("lerp", input, end, weight))
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {_TYPE_META.get(input.dtype.name, input.dtype.name)} for `{name}` but "
                               f"got dtype {_TYPE_META.get(t.dtype.name, t.dtype.name)}")
    if isinstance(weight, Tensor):
        float_kernel("lerp_kernel_tensor", "lerp", input, end, weight)
        return apply(LERP, (input, end, weight))
    float_kernel("lerp_kernel_scalar", "lerp", input, end)
    return apply(LERP_SCALAR, (input, end), {"weight": weight})


def _in_result_dtype(dtype, *arrays):
    """The operands of addcmul/addcdiv cast to the result's dtype first, as PyTorch's kernel computes (a float32
    product beside a float64 input is computed in float64; a 0-d float64 input beside float32 tensors in float32);
    float16 then in float32, PyTorch's opmath."""
    work = _F32 if dtype == _F16 else dtype
    return [(a if a.dtype == dtype else a.astype(dtype)).astype(work, copy=False) for a in arrays]


def _addcmul_fwd(x, a, b, *, value, dtype):
    x, a, b = _in_result_dtype(dtype, x, a, b)
    if x.dtype.kind == "f":  # PyTorch's kernel is fma(value * a, b, x): the product and the sum rounded once
        return fma(value * a, b, x).astype(dtype, copy=False)
    return (x + value * a * b).astype(dtype, copy=False)


def _addcdiv_fwd(x, a, b, *, value, dtype):
    x, a, b = _in_result_dtype(dtype, x, a, b)
    return (x + value * a / b).astype(dtype, copy=False)


ADDCMUL = defop(
    "addcmul", "AddcmulBackward0", _addcmul_fwd,
    vjp=(lambda g, out, x, a, b, *, value, dtype: g,  # (derivatives.yaml's order: grad * (tensor2 * value))
         lambda g, out, x, a, b, *, value, dtype: g * (b * value),
         lambda g, out, x, a, b, *, value, dtype: g * (a * value)),
    jvp=(lambda dx, out, x, a, b, *, value, dtype: dx,
         lambda da, out, x, a, b, *, value, dtype: da * b * value,
         lambda db, out, x, a, b, *, value, dtype: db * a * value),
    reads=((), (2,), (1,)), arrays=True, broadcast=True, error=broadcast_error("addcmul"),
    half=False,  # (float16 is computed in float32 by the forward itself, from operands rounded to float16 first)
)
ADDCDIV = defop(
    "addcdiv", "AddcdivBackward0", _addcdiv_fwd,
    vjp=(lambda g, out, x, a, b, *, value, dtype: g,
         lambda g, out, x, a, b, *, value, dtype: g * (value / b),
         lambda g, out, x, a, b, *, value, dtype: -g * (value * a) / (b * b)),
    jvp=(lambda dx, out, x, a, b, *, value, dtype: dx,
         lambda da, out, x, a, b, *, value, dtype: da * value / b,
         lambda db, out, x, a, b, *, value, dtype: -db * value * a / (b * b)),
    reads=((), (2,), (1, 2)), arrays=True, broadcast=True, error=broadcast_error("addcdiv"), half=False,
)


@public(inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2 (one node)."""
    _tensors("addcmul", "input tensor1 tensor2", input, tensor1, tensor2)
    dt = result_dtype(input, tensor1, tensor2)
    if dt.kind in "iu" and isinstance(value, float):  # PyTorch converts value to the integer dtype: truncated
        value = int(value)
    return apply(ADDCMUL, (input, tensor1, tensor2), {"value": value, "dtype": dt})


@public(inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (one node)."""
    _tensors("addcdiv", "input tensor1 tensor2", input, tensor1, tensor2)
    if all(isinstance(t, Tensor) and t._data.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError(_ADDCDIV_INTEGERS)
    return apply(ADDCDIV, (input, tensor1, tensor2), {"value": value, "dtype": result_dtype(input, tensor1, tensor2)})


_ADDCDIV_INTEGERS = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true "
    "division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * "
    "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
    "for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
    "tensor2), for all dtypes."
)


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




# ============================================================== the gamma family: lgamma, digamma, polygamma, mvlgamma
# numpy has neither lgamma nor digamma: each is shifted up by its recurrence to z >= _SHIFT, where an asymptotic series
# is exact to float64 rounding, and reflected for x below 0.5 (lgamma, trigamma) or below 0 (digamma); PyTorch's values
# at the poles, the negative integers, ±inf and nan are kept.
_SHIFT = 10.0
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _f64(x):
    return np.asarray(x, dtype=np.float64)


def _shift(x, target, term):
    """(z, sum of term(x + k) over the k that bring x + k up to ``target``): the recurrences' finite part."""
    z, acc = x.copy(), np.zeros_like(x)
    while True:
        m = z < target
        if not m.any():
            return z, acc
        acc = np.where(m, acc + term(np.where(m, z, 1.0)), acc)
        z = np.where(m, z + 1, z)


def _sinpi(x):
    """sin(pi x), exact at the integers (x reduced to [-1, 1] first)."""
    return np.sin(np.pi * (x - 2 * np.round(x / 2)))


def _lgamma_pos(x):
    """log Γ(x) for x >= 0.5: Stirling's series at z = x + k >= _SHIFT, less the log of the product x (x+1)..."""
    z, logs = _shift(x, _SHIFT, np.log)
    w = 1 / (z * z)
    series = sum(b / (2 * k * (2 * k - 1)) * w ** (k - 1) for k, b in enumerate(_BERNOULLI[:8], 1)) / z
    return (z - 0.5) * np.log(z) - z + _LOG_SQRT_2PI + series - logs


def _lgamma_fwd(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        small = x < 0.5
        pos = _lgamma_pos(np.where(small, 1 - x, x))
        out = np.where(small, np.log(np.pi / np.abs(_sinpi(x))) - pos, pos)
    return np.where(np.isinf(x) | ((x <= 0) & (x == np.floor(x))), np.inf, out)


_DIGAMMA_SERIES = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                   -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                   8.33333333333333333333E-2)
_PSI_10 = 2.25175258906672110764


def _digamma_fwd(x):
    """PyTorch's calc_digamma step by step, in the input's dtype as its kernel computes (integers in float32):
    reflected below 0 (by the fractional part of x in tan: pi * x is inexact for |x| > 1), pushed up to 10 by the
    recurrence, then its asymptotic series."""
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    x = np.asarray(x).astype(dt)
    one = dt.type(1)
    with np.errstate(all="ignore"):
        neg = x < 0
        z = np.where(neg, one - x, x)
        result = np.zeros_like(z)
        while True:
            m = z < 10
            if not m.any():
                break
            result = np.where(m, result - one / np.where(m, z, one), result)
            z = np.where(m, z + one, z)
        w = one / (z * z)
        poly = np.zeros_like(z)
        for a in _DIGAMMA_SERIES:
            poly = poly * w + dt.type(a)
        out = result + np.log(z) - dt.type(0.5) / z - np.where(z < 1e17, w * poly, dt.type(0))
        out = np.where(z == 10, result + dt.type(_PSI_10), out)
        r = np.fmod(x, one).astype(np.float64)
        out = np.where(neg, out - (np.pi / np.tan(np.pi * r)).astype(dt), out)
    out = np.where(x == 0, np.copysign(dt.type(np.inf), -x), out)
    return np.where(neg & (x == np.trunc(x)), dt.type(np.nan), out)


def _hurwitz(x, n: int):
    """ζ(n + 1, x) = Σ_k (x + k)^-(n+1), by summing up to z >= _SHIFT + n and the Euler–Maclaurin tail there."""
    s = n + 1
    z, acc = _shift(x, _SHIFT + n, lambda t: t ** -s)
    tail = z ** -n / n + 0.5 * z ** -s
    rising = float(s)  # s (s+1) ... (s+2j-2)
    for j, b in enumerate(_BERNOULLI, 1):
        tail = tail + b / math.factorial(2 * j) * rising * z ** (-s - 2 * j + 1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return acc + tail


def _trigamma(x, dt):
    """PyTorch's calc_trigamma step by step, in the input's dtype as its kernel computes: reflected below 0.5, six
    steps of the recurrence, then its asymptotic series (whose truncation, ~1e-9 near 0.5, PyTorch's values keep)."""
    one = dt.type(1)
    x = x.astype(dt)
    small = x < 0.5
    pi = dt.type(np.pi)
    sin = np.sin(pi * x)
    result = np.where(small, -(pi * pi) / (sin * sin), dt.type(0))
    z = np.where(small, one - x, x)
    for _ in range(6):
        result = result + one / (z * z)
        z = z + one
    ixx = one / (z * z)
    result = result + (one + one / (dt.type(2) * z) + ixx * (one / 6 - ixx * (one / 30 - ixx * (one / 42)))) / z
    return np.where(small, -result, result)


def _polygamma_fwd(x, *, n: int):
    if n == 0:
        return _digamma_fwd(x)
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    x = _f64(x)
    with np.errstate(all="ignore"):
        if n == 1:
            return _trigamma(x, dt)
        sign = 1.0 if n % 2 else -1.0
        pole = (x <= 0) & (x == np.floor(x))  # (below -2**53 every float is one: the shift would never end)
        out = sign * math.factorial(n) * _hurwitz(np.where(np.isinf(x) | pole, 1.0, x), n)
        return np.where(pole | (x == -np.inf), sign * np.inf, np.where(x == np.inf, np.nan, out))


LGAMMA = defop("lgamma", "LgammaBackward0", _lgamma_fwd,
               vjp=(lambda g, out, x: g * digamma(x),), jvp=(lambda dx, out, x: dx * digamma(x),), save=(0,))
DIGAMMA = defop("digamma", "DigammaBackward0", _digamma_fwd,
                vjp=(lambda g, out, x: g * polygamma(1, x),), jvp=(lambda dx, out, x: dx * polygamma(1, x),),
                save=(0,))
POLYGAMMA = defop("polygamma", "PolygammaBackward0", _polygamma_fwd,
                  vjp=(lambda g, out, x, *, n: g * polygamma(n + 1, x),),
                  jvp=(lambda dx, out, x, *, n: dx * polygamma(n + 1, x),), save=(0,))
lgamma = public(unary(LGAMMA), inplace=True)
lgamma.__doc__ = "log |Γ(x)| elementwise (inf at 0 and the negative integers); its node is ``LgammaBackward0``."
digamma = public(unary(DIGAMMA), inplace=True)
digamma.__doc__ = "ψ(x) = d/dx lgamma(x) (nan at the negative integers, ∓inf at ±0); ``DigammaBackward0``."


@public(inplace=True)
def polygamma(n: int, input):
    """The n-th derivative of digamma (n >= 0): ``polygamma(0, x)`` is ``digamma(x)``. (The method takes the tensor
    first: ``x.polygamma(n)``.)"""
    if isinstance(n, Tensor) and not isinstance(input, Tensor):
        n, input = input, n
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return apply(POLYGAMMA, (input,), {"n": int(n)})


def _mvlgamma_fwd(x, *, p):
    # PyTorch's composition in the input's dtype (integers in float32): lgamma of x + arange(-(p - 1)/2, 0.5, 0.5),
    # summed over that last dimension, plus p(p - 1)/4 log(pi)
    # (float16: each step rounded to float16, the sum and the last addition computed in float32, as its kernels do)
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    work = _F32 if dt == _F16 else dt
    x = np.asarray(x).astype(dt)
    total = None
    for j in range(p - 1, -1, -1):
        term = _lgamma_fwd(x + dt.type(-j / 2)).astype(dt).astype(work)
        total = term if total is None else total + term
    const = work.type(dt.type(p * (p - 1) / 4 * math.log(math.pi)))  # (a number beside float16: rounded to it first)
    return (total.astype(dt).astype(work) + const).astype(dt)


def _mvlgamma_grad(x, p):
    return sum(digamma(x - j / 2) for j in range(p))


MVLGAMMA = defop("mvlgamma", "MvlgammaBackward0", _mvlgamma_fwd,
                 vjp=(lambda g, out, x, *, p: g * _mvlgamma_grad(x, p),),
                 jvp=(lambda dx, out, x, *, p: dx * _mvlgamma_grad(x, p),), save=(0,), half=False)


@public(inplace=True)
def mvlgamma(input, p: int):
    """The multivariate log-gamma of dimension p: Σ_j lgamma(x - j/2) + p(p-1)/4 log(pi)."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return apply(MVLGAMMA, (input,), {"p": int(p)})


# ============================================================== i0 (its derivative i1: a row of its own)
def _i0_fwd(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return np.where(np.isinf(x), np.nan, np.i0(np.where(np.isinf(x), 0.0, x)))


def _i1_fwd(x):
    """I1 by its power series Σ (x/2)^(2k+1) / (k! (k+1)!) (positive terms) up to |x| = 30, beyond by its asymptotic
    series e^x / sqrt(2 pi x) Σ (-1)^k Π((4 - (2j-1)²)) / (k! (8x)^k)."""
    x = _f64(x)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        h = np.minimum(a, 30.0) / 2
        term, series = h.copy(), h.copy()
        for k in range(1, 90):
            term = term * h * h / (k * (k + 1))
            series = series + term
        big = np.maximum(a, 30.0)
        term, asym = np.ones_like(a), np.ones_like(a)
        for k in range(1, 30):
            term = -term * (4 - (2 * k - 1) ** 2) / (k * 8 * big)
            asym = asym + term
        asym = np.exp(big) / np.sqrt(2 * np.pi * big) * asym
    return np.sign(x) * np.where(a <= 30, series, asym)


def _i1_vjp(g, out, x):
    """PyTorch's i1_backward: i0(x) - i1(x) / x where |x| > eps, else 0.5 (at nan too)."""
    eps = np.finfo(x._data.dtype if x._data.dtype.kind == "f" else np.float32).eps
    tiny = const(~(np.abs(x._data) > eps))
    safe = where(tiny, make(np.asarray(eps, x._data.dtype)), x)
    return g * where(tiny, make(np.asarray(0.5, safe._data.dtype)), i0(safe) - out / safe)


I0 = defop("i0", "I0Backward0", _i0_fwd,
           vjp=(lambda g, out, x: g * apply(I1, (x,)),), jvp=(lambda dx, out, x: dx * apply(I1, (x,)),), save=(0,))
I1 = defop("special_i1", "SpecialI1Backward0", _i1_fwd, vjp=(_i1_vjp,),
           jvp=(lambda dx, out, x: _i1_vjp(dx, out, x),), save=(0,), save_out=True)
i0 = public(unary(I0), inplace=True)
i0.__doc__ = "The modified Bessel function of the first kind of order 0; its node is ``I0Backward0``."


# ---------------------------------------------------------------- torch.special's own: i1, ndtr, entr
_SQRT1_2 = math.sqrt(0.5)


def _entr_fwd(x):
    """−x·log x, 0 at x = 0 and −inf below 0 (nan stays nan), in the input's float dtype (float32 for integers)."""
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = -x * np.log(x)
    return np.where(x < 0, -np.inf, np.where(x == 0, 0, r)).astype(x.dtype)


SPECIAL_ENTR = defop("special_entr", "SpecialEntrBackward0", _entr_fwd,
                     vjp=(lambda g, out, x: g * -(log(x) + 1),), jvp=(lambda dx, out, x: dx * -(log(x) + 1),),
                     save=(0,))
special_i1, special_entr = (unary(op) for op in (I1, SPECIAL_ENTR))


def special_ndtr(x):
    """The standard normal CDF, recorded as PyTorch's composite (1 + erf(x/√2))·½: its nodes, and its 0 in the far
    left tail (below about −5.4 in float32 and −8.3 in float64)."""
    return times_scalar(plus_scalar(erf(times_scalar(x, _SQRT1_2)), 1), 0.5)


special_i1.__doc__ = "The modified Bessel function of the first kind of order 1 (``torch.special.i1``)."
special_entr.__doc__ = "The elementwise entropy −x·log x (0 at 0, −inf below): ``torch.special.entr``."


@public(name="i0_", method=False)
def _i0_function_(input):
    """``torch.i0_(x)``: as ``x.i0_()``."""
    return input.i0_()


# ============================================================== fmax, fmin, copysign, ldexp, frexp, nextafter


def _fmax_keeps_x(x, y, larger: bool):
    """Where fmax (fmin) gives x: x >= y (x <= y), or y is nan. Ties go to x alone, as PyTorch's masks have it."""
    a, b = x._data, y._data
    return const(((a >= b) if larger else (a <= b)) | np.isnan(b))


def _fmax_rows(name: str, node: str, forward, larger: bool):
    def to_x(g, out, x, y):
        return _select(_fmax_keeps_x(x, y, larger)._data, g, 0.0)

    def to_y(g, out, x, y):
        return _select(~_fmax_keeps_x(x, y, larger)._data, g, 0.0)

    return defop(name, node, forward, vjp=(to_x, to_y), jvp=(to_x, to_y), save=(0, 1), broadcast=True,
                 promotes=True, error=broadcast_error(name))


FMAX = _fmax_rows("fmax", "FmaxBackward0", np.fmax, True)
FMIN = _fmax_rows("fmin", "FminBackward0", np.fmin, False)


@public
def fmax(input, other):
    """The elementwise maximum, where a nan loses to a number (``maximum`` propagates it)."""
    _tensors("fmax", "input other", input, other)
    return apply(FMAX, (input, other))


@public
def fmin(input, other):
    """The elementwise minimum, where a nan loses to a number (``minimum`` propagates it)."""
    _tensors("fmin", "input other", input, other)
    return apply(FMIN, (input, other))


def _copysign_ratio(out, x):
    """d copysign(x, y) / dx: out / x, 0 where x is 0 (PyTorch's copysign_tensor_self_backward)."""
    return _select(x._data == 0, 0.0, out / x)


def _copysign_fwd(x, y):
    return np.copysign(x, y)


COPYSIGN = defop(
    "copysign", "CopysignBackward0", _copysign_fwd,
    vjp=(lambda g, out, x, y: g * _copysign_ratio(out, x), _zero),
    jvp=(lambda dx, out, x, y: dx * _copysign_ratio(out, x), _zero),
    save=(0,), save_out=True, broadcast=True, promotes=FLOAT, error=broadcast_error("copysign"),
)
COPYSIGN_SCALAR = defop(
    "copysign_scalar", "CopysignBackward1", lambda x, *, other: np.copysign(x, other),
    vjp=(lambda g, out, x, *, other: g * _copysign_ratio(out, x),),
    jvp=(lambda dx, out, x, *, other: dx * _copysign_ratio(out, x),), save=(0,), save_out=True,
)


@public(inplace=True)
def copysign(input, other):
    """The magnitude of input with the sign of other (a tensor or a number; -0.0 counts as negative)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"copysign() received an invalid combination of arguments - got ({type(input).__name__}, "
                        f"{type(other).__name__}), but expected one of:\n * (Tensor input, Tensor other)\n"
                        " * (Tensor input, Number other)")
    if isinstance(other, Tensor):
        return apply(COPYSIGN, (input, other))
    return apply(COPYSIGN_SCALAR, (input,), {"other": other})


def _integer_op(name: str, fn):
    def op(input, other):
        _tensors(name, "input other", input, other)
        for t in (input, other):
            if t._data.dtype.kind not in "iu":
                raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_torch_name(t._data.dtype)}'")
        return make(np.asarray(fn(input._data, other._data)))

    op.__name__ = op.__qualname__ = name
    return op


gcd = public(_integer_op("gcd", np.gcd), inplace=True)
gcd.__doc__ = "The greatest common divisor of integers, elementwise (non-negative; gcd(0, 0) = 0)."
lcm = public(_integer_op("lcm", np.lcm), inplace=True)
lcm.__doc__ = "The least common multiple of integers, elementwise (non-negative; 0 if either is 0)."


@public(name="gcd_", method=False)
def _gcd_function_(input, other):
    return input.gcd_(other)


@public(name="lcm_", method=False)
def _lcm_function_(input, other):
    return input.lcm_(other)


_LOG2 = math.log(2.0)
LDEXP = defop(
    "ldexp", "LdexpBackward0", lambda x, e: x * np.exp2(e),
    vjp=(lambda g, out, x, e: g * _exp2(e), lambda g, out, x, e: g * out * _LOG2),
    jvp=(lambda dx, out, x, e: dx * _exp2(e), lambda de, out, x, e: de * out * _LOG2),
    save=(1,), save_out=True, broadcast=True, promotes=FLOAT, error=broadcast_error("ldexp"),
)


def _exp2(e):
    from .elementwise import exp2

    return exp2(e) if isinstance(e, Tensor) else np.exp2(e)


@public(inplace=True)
def ldexp(input, other):
    """input * 2 ** other (a float result)."""
    _tensors("ldexp", "input other", input, other)
    return apply(LDEXP, (input, other))


@public(name="ldexp_", method=False)
def _ldexp_function_(input, other):
    return input.ldexp_(other)


frexp_result = return_type("frexp", "mantissa exponent")


def _frexp_scale(exponent: np.ndarray, like):
    return make(np.exp2(-exponent.astype(like._data.dtype)))


FREXP = defop("frexp", "FrexpBackward0", lambda x, *, exponent: np.frexp(x)[0],
              vjp=(lambda g, out, x, *, exponent: g * _frexp_scale(exponent, g),),
              jvp=(lambda dx, out, x, *, exponent: dx * _frexp_scale(exponent, dx),))


@public
def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1) (0, inf and nan as they
    are, exponent 0); the exponent is int32. The mantissa's gradient is g / 2 ** exponent."""
    if input._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    exponent = np.frexp(input._data)[1].astype(np.int32)
    return frexp_result(apply(FREXP, (input,), {"exponent": exponent}), make(exponent))


NEXTAFTER = defop(  # PyTorch passes the gradient to input as if it were the identity
    # PyTorch's: the gradient passes to input except where input == other (the result is other itself there)
    "nextafter", "NextafterBackward0", np.nextafter, vjp=(lambda g, out, x, y: _select(_d(x) == _d(y), 0.0, g), _zero),
    jvp=(lambda dx, out, x, y: _select(_d(x) == _d(y), 0.0, dx), _zero), save=(0, 1), broadcast=True, promotes=True,
    error=broadcast_error("nextafter"),
    half=False,  # the next float16
)


@public(inplace=True)
def nextafter(input, other):
    """The next floating-point value after input towards other."""
    _tensors("nextafter", "input other", input, other)
    float_kernel("nextafter_cpu", "nextafter", input, other)
    if input._data.dtype.kind != "f" or other._data.dtype.kind != "f":  # an integer beside a float: in the float's
        from .elementwise import result_dtype  # dtype first (numpy would step through float64)

        dt = result_dtype(input, other)
        input, other = (t if t._data.dtype == dt else make(t._data.astype(dt)) for t in (input, other))
    return apply(NEXTAFTER, (input, other))


# ============================================================== random samples: their nodes (zero gradients)
# The values are drawn by the caller (factories.py, the Tensor methods) and given as ``value``; the rows record what
# PyTorch records: a node whose gradient is zero for every input.
def _sample_fwd(*arrays, value):
    return np.asarray(value, dtype=arrays[0].dtype)


def _zeros_for(g, out, *inputs, **params):
    return make(np.zeros(g.shape, g._data.dtype))


def _sample_row(name: str, node: str, inputs: int = 1):
    return defop(name, node, _sample_fwd, vjp=(_zeros_for,) * inputs, jvp=(_zeros_for,) * inputs)


SAMPLES = {name: _sample_row(name, node, n) for name, node, n in (
    ("bernoulli", "BernoulliBackward0", 1), ("poisson", "PoissonBackward0", 1),
    ("bernoulli_", "BernoulliBackward2", 1), ("bernoulli_tensor_", "BernoulliBackward1", 2),
    ("exponential_", "ExponentialBackward0", 1), ("geometric_", "GeometricBackward0", 1),
    ("log_normal_", "LogNormalBackward0", 1), ("cauchy_", "CauchyBackward0", 1),
    ("random_", "RandomBackward2", 1), ("random_to_", "RandomBackward1", 1), ("random_from_to_", "RandomBackward0", 1),
)}
