"""``torch.nn.modules.padding``: the constant, zero, reflection, replication and circular padding layers (1-d,
2-d and 3-d)."""

from __future__ import annotations

from .. import functional as F
from .module import Module
from .utils import _ntuple


class _ConstantPadNd(Module):
    n = 2

    def __init__(self, padding, value: float):
        super().__init__()
        self.padding, self.value = _ntuple(padding, self.n), value

    def forward(self, x):
        return F.pad(x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``: ``padding`` is (left, right), or one number for both."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``: ``padding`` is (left, right, top, bottom), or one number."""

    n = 4


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``: (left, right, top, bottom, front, back), or one number."""

    n = 6


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(Module):
    """Pad the last dimension with its reflection (the edge not repeated)."""

    n, mode = 2, "reflect"

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, self.n)

    def forward(self, x):
        return F.pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad2d(ReflectionPad1d):
    n = 4


class ReplicationPad1d(ReflectionPad1d):
    """Pad the last dimension by repeating its edge values."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    n = 4


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad3d(ReflectionPad1d):
    n = 6


class ReplicationPad3d(ReplicationPad1d):
    n = 6


class CircularPad1d(ReflectionPad1d):
    """Pad the last dimension by wrapping around: the left padding is the end of the row, the right its start."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    n = 4


class CircularPad3d(CircularPad1d):
    n = 6
