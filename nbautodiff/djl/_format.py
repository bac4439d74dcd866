"""Printing NDArrays as DJL's ``NDFormat`` does: the ``ND: (4) cpu() float32`` header, then Java-formatted values."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np

_MAX_SIZE, _MAX_DEPTH, _MAX_ROWS, _MAX_COLUMNS = 1000, 10, 10, 20
_PRECISION = 8


# Java's Formatter rounds half up, from the shortest decimal that reads back as the double (0.125 → "0.13",
# where Python's "%.2f" gives "0.12"); Decimal(repr(v)) is that decimal.
def _java_f(v: float, precision: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 400
        q = Decimal(repr(v)).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)
        return format(q, "f")


def _java_e(v: float, precision: int) -> tuple[str, int]:
    """Java's ``%.{precision}e`` of ``v`` as (mantissa, exponent)."""
    if v == 0:
        return ("-" if math.copysign(1, v) < 0 else "") + format(0, f".{precision}f"), 0
    with localcontext() as ctx:
        ctx.prec = 400
        d = Decimal(repr(v))
        e = d.adjusted()
        step = Decimal(1).scaleb(-precision)
        m = d.scaleb(-e).quantize(step, rounding=ROUND_HALF_UP)
        if abs(m) >= 10:  # 9.9999996 rounds up to 10.000000
            m, e = (m / 10).quantize(step, rounding=ROUND_HALF_UP), e + 1
        return format(m, "f"), e


def _java_e_text(v: float, precision: int) -> str:
    mantissa, e = _java_e(v, precision)
    sign = "" if mantissa.startswith("-") else " "
    return f"{sign}{mantissa}e{'-' if e < 0 else '+'}{abs(e):02d}"


def _float_formatter(values: np.ndarray):
    """DJL's FloatFormat: one width and precision for the whole array, integral values as ``4.``."""
    max_int = max_frac = exp_frac = total = 0
    sign = False
    vmax, vmin = 0.0, float("inf")
    for v in map(float, values):
        if v < 0:
            sign = True
        if not math.isfinite(v):
            total = max(total, 4 if v < 0 else 3)
            continue
        a = abs(v)
        mantissa, e = _java_e(a, 6)
        fraction = len(mantissa.partition(".")[2].rstrip("0"))
        exp_frac = max(exp_frac, fraction)
        if a >= 1:
            digits = int(math.log10(a)) + 1
            max_int = max(max_int, digits + (v < 0))
            # DJL counts the minus sign here too, which drops a digit from negative numbers
            # ([-1.5, 2.] would print as [-2.,  2.]); the digits alone are counted here.
            max_frac = max(max_frac, fraction + 1 - digits)
        else:
            max_int = max(max_int, 2 if v < 0 else 1)
            max_frac = max(max_frac, fraction + abs(e))
        vmax = max(vmax, a)
        if 0 < a < vmin:
            vmin = a
    ratio = vmax / vmin if vmin != float("inf") else 0.0
    exponential = vmax > 1e8 or (vmin != float("inf") and vmin < 1e-4) or ratio > 1000
    if exponential:  # always printed with 8 digits; the width only pads nan and inf
        total = min(_PRECISION, exp_frac) + 4 + sign
        precision = _PRECISION
    else:
        precision = min(4, max_frac)
        total = max(total, max_int + precision + 1)

    def fmt(v) -> str:
        v = float(v)
        if math.isnan(v):
            return "nan".rjust(total)
        if math.isinf(v):
            return ("inf" if v > 0 else "-inf").rjust(total)
        if exponential:
            return _java_e_text(v, precision)
        if precision == 0:
            return _java_f(v, 0).rjust(total - 1) + "."
        text = _java_f(v, precision).rjust(total)
        stripped = text.rstrip("0")
        return stripped + " " * (len(text) - len(stripped))  # trailing zeros become spaces

    return fmt


def _int_formatter(values: np.ndarray):
    """DJL's IntFormat: width of the widest number, at least 2 (room for a minus sign), 1 for one element."""
    if values.size == 1:
        return lambda v: str(int(v))
    ints = [int(v) for v in values]
    biggest = max(abs(v) for v in ints)
    negative = max((abs(v) for v in ints if v < 0), default=0)
    if biggest >= 1e8:
        precision = min(_PRECISION, int(math.log10(biggest)) + 1)
        return lambda v: _java_e_text(float(np.float32(v)), precision)
    width = max(int(math.log10(biggest)) + 1 if biggest else 1, int(math.log10(negative)) + 2 if negative else 2)
    return lambda v: str(int(v)).rjust(width)


def _formatter(values: np.ndarray):
    kind = values.dtype.kind
    if values.dtype == np.uint8:
        return lambda v: f"0x{int(v) & 0xFF:02X}"
    if kind == "b":
        return lambda v: " true" if v else "false"
    if kind in "iu":
        return _int_formatter(values)
    return _float_formatter(values)


def _dump(out: list, arr: np.ndarray, fmt, depth: int, first: bool) -> None:
    if not first:
        out.append(" " * depth)
    out.append("[")
    if arr.ndim == 1:
        shown = [fmt(v) for v in arr[:_MAX_COLUMNS]]
        out.append(", ".join(shown))
        if arr.shape[0] > _MAX_COLUMNS:
            out.append(f", ... {arr.shape[0] - _MAX_COLUMNS} more")
    else:
        rows = min(arr.shape[0], _MAX_ROWS)
        for i in range(rows):
            _dump(out, arr[i], fmt, depth + 1, i == 0)
        if arr.shape[0] > rows:
            out.append(" " * (depth + 1) + f"... {arr.shape[0] - rows} more")
        out.append(" " * depth)
    out.append("]" if depth == 0 else "],\n")


def _format(x) -> str:
    """The text of the NDArray ``x``: its header (name, shape, device, dtype) and its values."""
    header = f"{x._name or 'ND'}: {x.getShape()} {x.getDevice()} {x.getDataType()}"
    if x.hasGradient():
        header += " hasGradient"
    values = x._numpy()
    if values.size == 0:
        body = "[]"
    elif values.ndim == 0:
        body = _formatter(values.reshape(1))(values.item())
    elif values.size > _MAX_SIZE:
        body = "[ Exceed max print size ]"
    elif values.ndim > _MAX_DEPTH:
        body = "[ Exceed max print dimension ]"
    else:
        out: list[str] = []
        _dump(out, values, _formatter(values.ravel()), 0, True)
        body = "".join(out)
    return header + "\n" + body
