"""The small ``torch.nn`` lessons use: Module, Parameter, Linear, Sequential, activations and losses."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

from ....engine import factories
from ....engine.mode import state as _state
from ....engine.tensor import Tensor
from ....engine.tracing import emit
from . import functional, init  # noqa: F401
from . import functional as F


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: requires grad and is listed by ``parameters()``."""

    __slots__ = ()
    _torch_name = "torch.nn.parameter.Parameter"

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = factories.empty(0)
        p = object.__new__(cls)
        p._data = data._data
        p.grad_fn = None
        p._requires_grad = False
        p._ver = data._ver
        p._view = None
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class for layers and models: attributes that are Parameters or Modules are registered."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign before Module.__init__() call (call super().__init__() first)")
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif value is None and name in self._parameters:
            self._parameters[name] = None
        elif name in self._buffers:
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """A tensor the module keeps (and saves in ``state_dict``) that is not a parameter, such as a loss's
        class weights."""
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param) -> None:
        setattr(self, name, param)
        if param is None:
            self._parameters[name] = None

    def add_module(self, name: str, module) -> None:
        setattr(self, name, module)

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        for mod_prefix, mod in self.named_modules(prefix) if recurse else [(prefix, self)]:
            for name, b in mod._buffers.items():
                if b is not None:
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), b

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self):
        yield from self._modules.items()

    def to(self, *args, **kwargs):
        return self  # the own engine has one device, and modules keep their dtype

    def cpu(self):
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if _state.tracer is None:
            return self.forward(*args, **kwargs)
        emit("module_enter", self, args)  # a picture groups the ops in between as this module's
        out = None
        try:
            out = self.forward(*args, **kwargs)
            return out
        finally:
            emit("module_exit", self, out)

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        seen = set()
        for mod_prefix, mod in self.named_modules(prefix) if recurse else [(prefix, self)]:
            for name, p in mod._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_modules(self, prefix: str = ""):
        yield prefix, self
        for name, m in self._modules.items():
            yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def children(self):
        yield from self._modules.values()

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p._grad is not None:
                p._grad.zero_()

    def train(self, mode: bool = True):
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def state_dict(self):
        entries = [(k, p.detach()) for k, p in self.named_parameters()] + list(self.named_buffers())
        return OrderedDict(entries)

    def load_state_dict(self, state):
        params = {**dict(self.named_parameters()), **dict(self.named_buffers())}
        for k, v in state.items():
            params[k]._data[...] = v._data
        return self

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class Linear(Module):
    """y = x @ weight.T + bias, with PyTorch's initialisation U(-1/√in, 1/√in)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features) if in_features else 0.0
        self.weight = Parameter(factories.empty(out_features, in_features, dtype=dtype).uniform_(-bound, bound))
        self.bias = Parameter(factories.empty(out_features, dtype=dtype).uniform_(-bound, bound)) if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Sequential(Module):
    """Modules applied one after another."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            modules = modules[0].items()
        else:
            modules = ((str(i), m) for i, m in enumerate(modules))
        for name, m in modules:
            setattr(self, name, m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


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


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (the inverse of Flatten)."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        d = self.dim % x.dim()
        return x.reshape(*x.shape[:d], *self.unflattened_size, *x.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Dropout(Module):
    """Zero elements with probability ``p`` while training (``module.train()``); the identity after ``eval()``."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class LayerNorm(Module):
    """Normalise over the last dims to mean 0, variance 1, then ``weight * x + bias`` (learned, 1 and 0 at first)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = Parameter(factories.ones(*shape, dtype=dtype)) if elementwise_affine else None
        self.bias = Parameter(factories.zeros(*shape, dtype=dtype)) if elementwise_affine and bias else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = "none" if reduce is False else "sum" if size_average is False else "mean"
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """log_softmax then the negative log-likelihood: class indices or class probabilities as the target."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "HuberLoss", "Identity", "L1Loss",
    "LayerNorm", "Linear", "MSELoss", "Module", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "SmoothL1Loss",
    "Softmax", "Tanh", "Unflatten", "functional", "init", "np",
    # activations
    "CELU", "ELU", "GELU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid", "Mish",
    "ReLU6", "SELU", "SiLU", "Softplus", "Softshrink", "Softsign", "Tanhshrink", "Threshold",
]
