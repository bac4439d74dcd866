"""Helpers the op modules share: argument coercion, dims, and the error texts."""

from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor, make

# Concrete types first: isinstance against the numbers.Number ABC is slow, and this is on the hot path.
SCALARS = (float, int, bool, np.number, np.bool_, numbers.Number)


def as_operand(v, op: str):
    """A tensor or a Python/numpy scalar as is; a numpy array as a constant tensor."""
    if isinstance(v, Tensor) or isinstance(v, SCALARS):
        return v
    if isinstance(v, np.ndarray):
        return make(v)
    raise TypeError(
        f"{op}() received an invalid combination of arguments - got (Tensor, {type(v).__name__}), but expected one "
        f"of:\n{op}(): expected a Tensor or a number, got {type(v).__name__}; wrap data with torch.tensor(...) first"
    )


_INT_RANGES = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
               for t in (np.uint8, np.int8, np.int16, np.int32, np.int64)}


def fit_int(x, v):
    """A Python int beside an integer tensor, cast to its dtype as PyTorch casts a number: wrapped around
    (``uint8 + -1`` adds 255, ``uint8 < -1`` compares with 255), where numpy refuses it or compares exact values.
    PyTorch takes ints in [-2**63, 2**64) (as int64 or uint64 bits)."""
    if type(v) is not int or not isinstance(x, Tensor):
        return v
    limits = _INT_RANGES.get(x._data.dtype)
    if limits is None or limits[0] <= v <= limits[1]:
        return v
    if not -(1 << 63) <= v < 1 << 64:
        raise OverflowError("int too big to convert")
    bits = 8 * x._data.dtype.itemsize
    v &= (1 << bits) - 1
    return v - (1 << bits) if limits[0] and v >> (bits - 1) else v


def const(a) -> Tensor:
    """A constant (no-grad) tensor around an array: masks and other values the derivative only reads."""
    return make(np.asarray(a))


def norm_dim(dim, ndim: int, op: str):
    """``dim`` as a sorted tuple of non-negative ints (None stays None), with PyTorch's range error.

    A 0-d tensor takes dim 0 or -1 as PyTorch does, and has no axis to reduce: its dims are ``()``."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    seen = []
    for d in dims:
        d = int(d)
        if not lo <= d <= hi:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})\n"
                f"(nbautodiff: {op}() on a tensor with {ndim} dimension{'' if ndim == 1 else 's'})"
            )
        d %= ndim or 1  # (a 0-d tensor's 0 and -1 are one dimension too)
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims\n(nbautodiff: {op}() names each "
                               "dimension once)")
        seen.append(d)
        if ndim:
            out.append(d)
    return tuple(sorted(out))


def one_dim(dim, ndim: int, op: str) -> int:
    d = norm_dim(int(dim), ndim, op)
    return d[0] if d else 0


# PyTorch's C++ spelling of a dtype in its kernels' errors ("long int"; the scalar type spells it "Long").
CPP_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "uint8": "unsigned char",
             "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


def _kind(v) -> str:
    return "Tensor" if isinstance(v, Tensor) else type(v).__name__


def _invalid_combination(name: str, *args, hint: str = "", **kwargs) -> str:
    """PyTorch's TypeError text for arguments none of its overloads take (its first line, and the fix)."""
    got = [_kind(a) for a in args] + [f"{k}={_kind(v)}" for k, v in kwargs.items() if v is not None]
    hint = hint or "the input (and any tensor operand) must be a Tensor; wrap numbers with torch.tensor(...)"
    return (f"{name}() received an invalid combination of arguments - got ({', '.join(got)}), but expected one of:\n"
            f"{name}: {hint}")


def float_kernel(kernel: str, name: str, *operands) -> None:
    """PyTorch has no bool or integer kernel for ``name``: its NotImplementedError (``"silu_cpu" not implemented
    for 'Long'``) where the operands' common dtype (PyTorch's promotion) is not a float, with the fix."""
    tensors = 0
    for a in operands:  # (a plain loop: on the training step's path, where a comprehension is a call of its own)
        if isinstance(a, Tensor):
            if a._data.dtype.kind in "fc":
                return
            tensors += 1
    if not tensors:
        return
    from .. import dtypes
    from .elementwise import result_dtype

    dt = dtypes.from_numpy(result_dtype(*(a for a in operands if isinstance(a, Tensor))))
    raise NotImplementedError(f'"{kernel}" not implemented for \'{dt.legacy.removesuffix("Tensor")}\'\n'
                              f"{name}: it computes in floating point; convert first, e.g. x.float()")


def fma(a, b, c):
    """a * b + c rounded once, as the fused multiply-add of PyTorch's compiled CPU kernels. float32 in float64 (which
    holds the product exactly); float64 by error-free transformations (Dekker's product, Knuth's sum), which round as
    the fused one but in rare ties; where they overflow, the plain expression."""
    if a.dtype == np.float32:
        return (a.astype(np.float64) * b + c).astype(np.float32)
    with np.errstate(all="ignore"):
        p = a * b
        split = 134217729.0  # 2**27 + 1: a = hi + lo, each with 26 bits
        ah = a * split
        ah = ah - (ah - a)
        bh = b * split
        bh = bh - (bh - b)
        al, bl = a - ah, b - bh
        e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a * b = p + e exactly
        s = p + c
        v = s - p
        t = (p - (s - v)) + (c - v)  # p + c = s + t exactly
        r = s + (t + e)
        return np.where(np.isfinite(r), r, p + c)


def cpp_type(x) -> str:
    """A tensor's dtype as PyTorch's kernels print it: ``float``, ``double``, ``long int``..."""
    return CPP_NAMES.get(x._data.dtype.name, x._data.dtype.name)


def shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def broadcast_error(name: str, pair: tuple = (0, -1)):
    """The error for elementwise ops whose shapes don't broadcast: PyTorch's text plus the fix. ``pair`` says
    which inputs PyTorch calls tensor a and tensor b."""

    def error(args, params, exc):
        shapes = [a._data.shape if isinstance(a, Tensor) else () for a in args]
        a, b = shapes[pair[0]], shapes[pair[1]]
        for i in range(1, max(len(a), len(b)) + 1):
            sa = a[-i] if i <= len(a) else 1
            sb = b[-i] if i <= len(b) else 1
            if sa != sb and sa != 1 and sb != 1:
                dim = max(len(a), len(b)) - i
                return RuntimeError(
                    f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at non-singleton "
                    f"dimension {dim}\n{name}: shapes {tuple(a)} and {tuple(b)} don't broadcast; make the sizes "
                    "equal or 1 in each dimension (e.g. reshape, unsqueeze or transpose one of them)"
                )
        return RuntimeError(f"{name}: {exc} (shapes {', '.join(str(tuple(s)) for s in shapes)})")

    return error


def _tensors(fname: str, names: str, *args) -> None:
    """PyTorch's TypeError for an argument that is not a tensor, naming it and its position."""
    for i, (name, a) in enumerate(zip(names.split(), args)):
        if not isinstance(a, Tensor):
            raise TypeError(f"{fname}(): argument '{name}' (position {i + 1}) must be Tensor, not {type(a).__name__}")
