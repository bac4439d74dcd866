"""``torch.nn.modules.activation``: the activation layers (ReLU, GELU, Softmax, PReLU, ...), each over its
nn.functional function."""

from __future__ import annotations

from .....engine import factories
from .. import functional as F
from ..parameter import Parameter
from .module import Module


def _inplace_repr(inplace: bool, sep: str = "") -> str:
    return f"{sep}inplace=True" if inplace else ""


class ReLU(Module):
    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return x.relu_() if self.inplace else F.relu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class _Activation(Module):
    """``F.<fn>(x, **options)`` as a module; the options are attributes, ``shown`` in the repr as PyTorch shows them
    (an ``inplace`` option only when True)."""

    fn = ""
    shown: tuple = ()

    def __init__(self, **options):
        super().__init__()
        self._options = options
        for k, v in options.items():
            setattr(self, k, v)

    def forward(self, x):
        return getattr(F, self.fn)(x, **{k: getattr(self, k) for k in self._options})

    def extra_repr(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.shown)
        return shown + _inplace_repr(getattr(self, "inplace", False), ", " if shown else "")


class GELU(_Activation):
    fn, shown = "gelu", ("approximate",)

    def __init__(self, approximate: str = "none"):
        super().__init__(approximate=approximate)


class SiLU(_Activation):
    fn = "silu"

    def __init__(self, inplace: bool = False):
        super().__init__(inplace=inplace)


class Mish(SiLU):
    fn = "mish"


class SELU(SiLU):
    fn = "selu"


class ReLU6(SiLU):
    fn = "relu6"


class Hardsigmoid(SiLU):
    fn = "hardsigmoid"

    def extra_repr(self) -> str:  # (PyTorch doesn't show its inplace)
        return ""


class Hardswish(Hardsigmoid):
    fn = "hardswish"


class Softplus(_Activation):
    fn, shown = "softplus", ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__(beta=beta, threshold=threshold)


class LogSigmoid(_Activation):
    fn = "logsigmoid"


class Softsign(_Activation):
    fn = "softsign"


class Tanhshrink(_Activation):
    fn = "tanhshrink"


class ELU(_Activation):
    fn, shown = "elu", ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(alpha=alpha, inplace=inplace)


class CELU(ELU):
    fn = "celu"


class LeakyReLU(_Activation):
    fn, shown = "leaky_relu", ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__(negative_slope=negative_slope, inplace=inplace)


class RReLU(Module):
    """Randomized leaky ReLU: a slope drawn from U(lower, upper) per negative element in training, their mean in
    eval mode."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + _inplace_repr(self.inplace, ", ")


class Hardtanh(_Activation):
    fn, shown = "hardtanh", ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__(min_val=min_val, max_val=max_val, inplace=inplace)


class Threshold(_Activation):
    fn, shown = "threshold", ("threshold", "value")

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__(threshold=threshold, value=value, inplace=inplace)


class Hardshrink(_Activation):
    fn = "hardshrink"

    def __init__(self, lambd: float = 0.5):
        super().__init__(lambd=lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Softshrink(Hardshrink):
    fn = "softshrink"


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(x, self.dim)


class Softmin(Softmax):
    def forward(self, x):
        return F.softmin(x, self.dim)


class GLU(Module):
    """a·σ(b), a and b the halves of the input along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, else a·x, with a learned slope ``a`` (one, or one per channel), ``init`` at first."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(factories.full((num_parameters,), init, dtype=dtype))

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmax2d(Module):
    """Softmax over the channels (dim −3) of (N, C, H, W) or (C, H, W) inputs."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)
