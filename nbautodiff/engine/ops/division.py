"""Division that rounds and what has no derivative: remainder and fmod, floor division, heaviside, and the
comparisons and tests (eq, lt, isnan, allclose...)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, make
from ._util import SCALARS, _invalid_combination, _tensors, as_operand, broadcast_error, fit_int
from .elementwise import (
    _BOOL,
    _div_rounding_fwd,
    _refuse_integer_zero_division,
    div,
    no_derivative_op,
    result_dtype,
    without_derivative,
)
from .inplace import inplace
from .registry import apply, defop, public


# ---------------------------------------------------------------- remainder and fmod
# x = q * y + out, with q = floor(x / y) for remainder (Python's %) and trunc(x / y) for fmod,
# so q = (x - out) / y: the rules need only operators, on arrays or tensors alike. PyTorch records
# tensor % number as ...Backward0 and tensor % tensor as ...Backward1 (the divisor's derivative is -q);
# number % tensor has no derivative (NotImplemented).
def _quotient(x, y, rounding: str):
    """div(x, y, rounding_mode=rounding) ("floor" for remainder, "trunc" for fmod), for tensors (recorded,
    DivBackward2: zero derivative) or arrays. The divisor's derivative is -g times it, computed from the inputs as
    PyTorch does: the output is not saved, so writing into the result in place (``(a % b).copy_(t)``) stays legal.
    The floor is Python's // (-5 // inf is -1, inf // 2 is nan), not floor(x / y)."""
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return div(x, y, rounding_mode=rounding)
    return _div_rounding_fwd(x, y, rounding_mode=rounding)


def _remainder_rows(name: str, forward, rounding: str):
    title = name.capitalize()
    by_number = defop(
        f"{name}_scalar", f"{title}Backward0", lambda x, *, other: forward(x, other),
        vjp=(lambda g, out, x, *, other: g,),
        jvp=(lambda dx, out, x, *, other: dx,), arrays=True, half=False,  # (float16: the number in float16)
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


def _integer_safe(ufunc, kernel: str):
    """An integer remainder by 0 raises PyTorch's error (numpy gives 0); PyTorch has no kernel for two bools."""

    def forward(x, y):
        if np.asarray(x).dtype.kind in "biu":
            if np.asarray(x).dtype is _BOOL and np.asarray(y).dtype is _BOOL:
                raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
            _refuse_integer_zero_division(x, y)
        return ufunc(x, y)

    return forward


def _float_remainder(x, y):
    """PyTorch's remainder kernel: fmod, moved by y when the signs differ. A zero result keeps x's sign (numpy's
    np.remainder gives it y's: remainder(-0., 2.) is -0. in PyTorch, 0. in numpy)."""
    if np.result_type(x, y).kind != "f":
        return np.remainder(x, y)
    mod = np.fmod(x, y)
    with np.errstate(invalid="ignore"):
        shift = (mod != 0) & ((y < 0) != (mod < 0))
        return np.where(shift, mod + y, mod)[()] if np.any(shift) else mod


REMAINDER_SCALAR, REMAINDER = _remainder_rows("remainder", _integer_safe(_float_remainder, "remainder"), "floor")
FMOD_SCALAR, FMOD = _remainder_rows("fmod", _integer_safe(np.fmod, "fmod"), "trunc")


@public(inplace=True)
def remainder(x, other):
    """x % other with the sign of ``other`` (Python's and PyTorch's %); d/dx = 1, d/dother = -floor(x / other)."""
    if not isinstance(x, Tensor):
        if not isinstance(x, SCALARS):
            raise TypeError(f"remainder(): expected a Tensor or a number, got {type(x).__name__}")
        return without_derivative(REMAINDER_OF_NUMBER, fit_int(other, x), other)
    if isinstance(other, SCALARS):
        return apply(REMAINDER_SCALAR, (x,), {"other": fit_int(x, other)})
    return apply(REMAINDER, (x, as_operand(other, "remainder")))


@public(inplace=True)
def fmod(x, other):
    """The C remainder, with the sign of ``x``; d/dx = 1, d/dother = -trunc(x / other)."""
    if not isinstance(x, Tensor):
        raise TypeError(_invalid_combination("fmod", x, other))
    if isinstance(other, SCALARS):
        return apply(FMOD_SCALAR, (x,), {"other": fit_int(x, other)})
    return apply(FMOD, (x, as_operand(other, "fmod")))


# ---------------------------------------------------------------- floor division, heaviside: no derivative
def _floor_divide_fwd(x, y):
    if np.asarray(x).dtype is _BOOL and np.asarray(y).dtype is _BOOL:
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    _refuse_integer_zero_division(x, y)
    return np.floor_divide(x, y)


FLOOR_DIVIDE = no_derivative_op("floor_divide", _floor_divide_fwd, broadcast=True, promotes=True)
FLOOR_DIVIDE_INPLACE = no_derivative_op("floor_divide_", _floor_divide_fwd, broadcast=True, promotes=True)
REMAINDER_OF_NUMBER = no_derivative_op("remainder", _integer_safe(_float_remainder, "remainder"))


@public
def floor_divide(input, other):
    """input // other, rounded down; PyTorch has no derivative for it (backward raises)."""
    input, other = as_operand(input, "floor_divide"), as_operand(other, "floor_divide")
    return without_derivative(FLOOR_DIVIDE, fit_int(other, input), fit_int(input, other))


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
        # in PyTorch's common dtype (uint8 < -1 compares with 255, float32 == a 0-d float64 in float32)
        dt = result_dtype(x, y)
        xd = x._data.astype(dt, copy=False) if isinstance(x, Tensor) else fit_int(y, x)
        yd = y._data.astype(dt, copy=False) if isinstance(y, Tensor) else fit_int(x, y)
        try:
            return make(np.asarray(ufunc(xd, yd)))
        except ValueError as e:
            raise broadcast_error(name)((x, y), {}, e) from None

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` as a bool tensor (no gradient)."
    return fn


eq, ne, lt, le, gt, ge = (
    public(_compare(u, n), aliases=a, inplace=True)  # (x.eq_(y): the result written in x's dtype)
    for u, n, a in ((np.equal, "eq", ()), (np.not_equal, "ne", ("not_equal",)), (np.less, "lt", ("less",)),
                    (np.less_equal, "le", ("less_equal",)), (np.greater, "gt", ("greater",)),
                    (np.greater_equal, "ge", ("greater_equal",)))
)


@public
def equal(x, y) -> bool:
    """True if both tensors have the same shape and elements."""
    _tensors("equal", "input other", x, y)
    return x.shape == y.shape and bool(np.array_equal(x._data, y._data))


def constant_op(ufunc, *args):
    """A function with no derivative (floor division, remainder, logic): a constant result."""
    return make(np.asarray(ufunc(*(a._data if isinstance(a, Tensor) else a for a in args))))


def _bitwise(name: str, ufunc, kernel: str, logical=None):
    """``name(input, other)`` (``other=None``: of one tensor): integers and bools only, computed in PyTorch's common
    dtype (bool with bool stays bool; ``uint8 & -1`` is ``uint8 & 255``); a float is PyTorch's kernel error."""

    def fn(input, other=None):
        args = [as_operand(input, name)] + ([] if other is None else [as_operand(other, name)])
        dt = result_dtype(*args)
        if dt.kind not in "biu" or (logical is None and dt.kind == "b"):
            from .special import _torch_name

            raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{_torch_name(dt)}\'')
        xs = [a._data.astype(dt, copy=False) if isinstance(a, Tensor) else fit_int(args[1 - i], a)
              for i, a in enumerate(args)]
        try:
            return make(np.asarray((logical if dt.kind == "b" else ufunc)(*xs)))
        except ValueError as e:
            raise broadcast_error(name)(tuple(args), {}, e) from None

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of integer or bool tensors (no gradient)."
    return public(fn, inplace=True)


bitwise_and = _bitwise("bitwise_and", np.bitwise_and, "bitwise_and", np.logical_and)
bitwise_or = _bitwise("bitwise_or", np.bitwise_or, "bitwise_or", np.logical_or)
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor, "bitwise_xor", np.logical_xor)
bitwise_not = _bitwise("bitwise_not", np.invert, "bitwise_not", np.logical_not)
bitwise_left_shift = _bitwise("bitwise_left_shift", np.left_shift, "lshift")  # (PyTorch shifts no bools)
bitwise_right_shift = _bitwise("bitwise_right_shift", np.right_shift, "rshift")


@public
def isfinite(x):
    return make(np.isfinite(x._data))


@public
def isnan(x):
    return make(np.isnan(x._data))


@public
def allclose(x, y, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    _tensors("allclose", "input other", x, y)
    return bool(np.allclose(x._data, y._data if isinstance(y, Tensor) else y, rtol, atol, equal_nan))




def _test(name: str, ufunc, doc: str, ints=None):
    """A test of each element (no gradient): a bool tensor; ``ints`` gives the answer for integer and bool tensors."""

    def fn(input):
        _tensors(name, "input", input)
        d = input._data
        if d.dtype.kind in "biu" and ints is not None:
            return make(np.asarray(ints(d)))
        return make(np.asarray(ufunc(d)))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return public(fn, inplace=True)


isinf = _test("isinf", np.isinf, "Whether each element is +inf or -inf.", lambda d: np.zeros(d.shape, np.bool_))
isposinf = _test("isposinf", np.isposinf, "Whether each element is +inf.", lambda d: np.zeros(d.shape, np.bool_))
isneginf = _test("isneginf", np.isneginf, "Whether each element is -inf.", lambda d: np.zeros(d.shape, np.bool_))
signbit = _test("signbit", np.signbit, "Whether each element's sign bit is set (-0.0 included).",
                lambda d: d < 0 if d.dtype.kind == "i" else np.zeros(d.shape, np.bool_))
isreal = _test("isreal", lambda d: np.imag(d) == 0, "Whether each element is real (every element of a real tensor).",
               lambda d: np.ones(d.shape, np.bool_))


@public
def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Whether ``|input - other| <= atol + rtol * |other|`` elementwise (equal infinities are close)."""
    _tensors("isclose", "input other", input, other)
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        from .special import _torch_name

        raise RuntimeError(f"{_torch_name(a.dtype)} did not match {_torch_name(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    try:
        return make(np.asarray(np.isclose(a, b, rtol, atol, equal_nan)))
    except ValueError as e:
        raise broadcast_error("isclose")((input, other), {}, e) from None


def _logical(name: str, ufunc, doc: str):
    def fn(input, other):
        _tensors(name, "input other", input, other)
        a, b = input._data, other._data
        try:
            return make(np.asarray(ufunc(a, b)))
        except ValueError as e:
            raise broadcast_error(name)((input, other), {}, e) from None

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return public(fn, inplace=True)


logical_and = _logical("logical_and", np.logical_and, "Elementwise AND of the elements' truth (nonzero is true).")
logical_or = _logical("logical_or", np.logical_or, "Elementwise OR of the elements' truth (nonzero is true).")
logical_xor = _logical("logical_xor", np.logical_xor, "Elementwise XOR of the elements' truth (nonzero is true).")


@public(inplace=True)
def logical_not(input):
    """Elementwise NOT of the elements' truth: a bool tensor, True where an element is 0."""
    _tensors("logical_not", "input", input)
    return make(np.asarray(np.logical_not(input._data)))


@public(method=False)
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False):
    """Whether each of ``elements`` is among ``test_elements`` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: at least one of elements and "
                        "test_elements must be a Tensor")
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return make(np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert)))
