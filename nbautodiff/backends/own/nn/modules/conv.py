"""``torch.nn.modules.conv``: Conv1d/2d/3d and ConvTranspose1d/2d/3d, with PyTorch's initialisation, attributes
and reprs."""

from __future__ import annotations

import math

from .....engine import factories
from .....engine.mode import no_grad
from .. import functional as F
from ..parameter import Parameter
from .module import Module
from .utils import _ntuple

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")




def _kaiming_uniform_bound(weight) -> float:
    """kaiming_uniform_(w, a=√5) as PyTorch's convolutions initialise: U(-1/√fan_in, 1/√fan_in)."""
    fan_in = weight.shape[1] * math.prod(weight.shape[2:])
    gain = math.sqrt(2.0 / (1 + 5))
    return gain * math.sqrt(3.0 / fan_in) if fan_in else 0.0


class _ConvNd(Module):
    _k = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", output_padding=0, device=None,
                 dtype=None):
        super().__init__()
        k = self._k
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size, stride, dilation = _ntuple(kernel_size, k), _ntuple(stride, k), _ntuple(dilation, k)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, k)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {{'circular', 'zeros', 'reflect', 'replicate'}}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed, self.output_padding = self._transposed, _ntuple(output_padding, k)
        self.groups, self.padding_mode = groups, padding_mode
        if isinstance(padding, str):
            rev = [0, 0] * k
            if padding == "same":
                for d, kk, i in zip(dilation, kernel_size, range(k - 1, -1, -1)):
                    total = d * (kk - 1)
                    left = total // 2
                    rev[2 * i], rev[2 * i + 1] = left, total - left
        else:
            rev = [p for p in reversed(padding) for _ in range(2)]
        self._reversed_padding_repeated_twice = rev
        shape = ((in_channels, out_channels // groups) if self.transposed else (out_channels, in_channels // groups))
        self.weight = Parameter(factories.empty(*shape, *kernel_size, dtype=dtype))
        self.bias = Parameter(factories.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's init: kaiming_uniform_(weight, a=√5), bias U(-1/√fan_in, 1/√fan_in)."""
        bound = _kaiming_uniform_bound(self.weight)
        with no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                fan_in = self.weight.shape[1] * math.prod(self.weight.shape[2:])
                b = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                self.bias.uniform_(-b, b)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _fn = staticmethod(F.conv2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            pads = self._reversed_padding_repeated_twice
            x = F.pad(input, pads, mode=self.padding_mode)
            return self._fn(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return self._fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-d convolution over (N, C_in, L): weight (C_out, C_in/groups, k), PyTorch's init and repr."""

    _k = 1
    _fn = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-d convolution over (N, C_in, H, W): weight (C_out, C_in/groups, kH, kW), PyTorch's init and repr."""

    _k = 2
    _fn = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-d convolution over (N, C_in, D, H, W)."""

    _k = 3
    _fn = staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        k = self._k
        output_size = list(output_size)
        non_spatial = 2 if input.ndim == k + 2 else 1
        if len(output_size) == non_spatial + k:
            output_size = output_size[non_spatial:]
        if len(output_size) != k:
            raise ValueError(f"ConvTranspose{k}D: for {input.ndim}D input, output_size must have {k} or "
                             f"{non_spatial + k} elements (got {len(output_size)})")
        lo = [(input.shape[d + non_spatial] - 1) * self.stride[d] - 2 * self.padding[d]
              + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(k)]
        hi = [m + s - 1 for m, s in zip(lo, self.stride)]
        for size, a, b in zip(output_size, lo, hi):
            if not a <= size <= b:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {lo} to "
                                 f"{hi} (for an input of {list(input.shape[2:])})")
        return tuple(size - a for size, a in zip(output_size, lo))

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size)
        return self._fn(input, self.weight, self.bias, self.stride, self.padding, op, self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """The transpose of Conv1d: weight (C_in, C_out/groups, k)."""

    _k = 1
    _fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """The transpose of Conv2d ("deconvolution"): weight (C_in, C_out/groups, kH, kW)."""

    _k = 2
    _fn = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """The transpose of Conv3d."""

    _k = 3
    _fn = staticmethod(F.conv_transpose3d)


# ============================================================== pooling
