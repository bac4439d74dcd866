"""``torch.nn.init``: in-place initialisers (run without recording, as in PyTorch). The random ones draw from the
own engine's generator (``torch.manual_seed``, or ``generator=``): PyTorch's distributions, not its numbers."""

import math
import warnings

import numpy as np

from ....engine import factories
from ....engine.mode import no_grad
from ....engine.ops.inplace import fill_inplace


def _rng(generator):
    return factories._rng() if generator is None else generator._rng


def _fill(t, values, name: str):
    """Write ``values`` (an array of t's shape) into t in place, unrecorded."""
    with no_grad():
        return fill_inplace(t, np.asarray(values).astype(t._data.dtype, copy=False), name)


def normal_(t, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with N(mean, std²) samples."""
    return _fill(t, _rng(generator).normal(mean, std, t._data.shape), "normal_")


def uniform_(t, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with U(a, b) samples."""
    return _fill(t, _rng(generator).uniform(a, b, t._data.shape), "uniform_")


def zeros_(t):
    with no_grad():
        return t.zero_()


def ones_(t):
    with no_grad():
        return t.fill_(1.0)


def constant_(t, val: float):
    with no_grad():
        return t.fill_(val)


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity: 1 (linear, conv, sigmoid), 5/3 (tanh), √2 (relu),
    √(2/(1 + slope²)) (leaky_relu), 3/4 (selu)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, int) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(t):
    """(size(1), size(0)), each times the receptive field (the product of the sizes after the first two)."""
    if t.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in t.shape[2:]:
        receptive *= s
    return t.shape[1] * receptive, t.shape[0] * receptive


def _calculate_correct_fan(t, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(t, gain: float = 1.0, generator=None):
    """U(−a, a) with a = gain·√(6/(fan_in + fan_out)) (Glorot)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(t, -a, a, generator)


def xavier_normal_(t, gain: float = 1.0, generator=None):
    """N(0, std²) with std = gain·√(2/(fan_in + fan_out)) (Glorot)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(t, a, mode, nonlinearity):
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(t, mode))


def kaiming_uniform_(t, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """U(−b, b) with b = gain·√(3/fan) (He); ``a`` is leaky_relu's negative slope."""
    if 0 in t.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return t
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity)
    return uniform_(t, -bound, bound, generator)


def kaiming_normal_(t, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """N(0, std²) with std = gain/√fan (He)."""
    if 0 in t.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return t
    return normal_(t, 0.0, _kaiming_std(t, a, mode, nonlinearity), generator)


def trunc_normal_(t, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator=None):
    """N(mean, std²) samples redrawn until they lie in [a, b]."""
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may "
                      "be incorrect.", stacklevel=2)
    rng = _rng(generator)
    dt = t._data.dtype
    lo, hi = np.asarray(a, dt), np.asarray(b, dt)
    out = rng.normal(mean, std, t._data.shape).astype(dt)
    bad = (out < lo) | (out > hi)
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum())).astype(dt)
        bad = (out < lo) | (out > hi)
    return _fill(t, out, "normal_")


def eye_(t):
    """The identity matrix (a 2-D tensor only)."""
    if t.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(t, np.eye(*t.shape), "fill_")


def dirac_(t, groups: int = 1):
    """The Dirac delta of a convolution weight (3-, 4- or 5-D): each of ``groups`` groups passes its input channels
    through unchanged."""
    nd = t.dim()
    if nd not in [3, 4, 5]:
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = t.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    out = np.zeros(sizes)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min(per_group, sizes[1])):
            out[(g * per_group + d, d) + centre] = 1
    return _fill(t, out, "fill_")


def orthogonal_(t, gain: float = 1, generator=None):
    """A (semi-)orthogonal matrix (of the tensor flattened to (size(0), rest)): Q of the QR decomposition of a
    standard normal matrix, signs fixed by R's diagonal, times ``gain``."""
    if t.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if t.numel() == 0:
        return t
    rows = t.shape[0]
    cols = t.numel() // rows
    flat = _rng(generator).normal(0, 1, (rows, cols)).astype(t._data.dtype)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, (q * gain).reshape(t._data.shape), "fill_")


def sparse_(t, sparsity, std: float = 0.01, generator=None):
    """N(0, std²) with ⌈sparsity·rows⌉ elements of each column zero (a 2-D tensor only)."""
    if t.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = t.shape
    num_zeros = int(math.ceil(sparsity * rows))
    rng = _rng(generator)
    out = rng.normal(0, std, (rows, cols))
    for c in range(cols):
        out[rng.permutation(rows)[:num_zeros], c] = 0
    return _fill(t, out, "normal_")


__all__ = ["calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_", "normal_",
           "ones_", "orthogonal_", "sparse_", "trunc_normal_", "uniform_", "xavier_normal_", "xavier_uniform_",
           "zeros_"]
