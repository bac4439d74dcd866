"""``torch.nn.modules.lazy``: modules whose input size is read from their first input (d2l's nn.LazyLinear,
nn.LazyConv2d, nn.LazyBatchNorm2d). Until then their parameters are ``UninitializedParameter``s; the first forward
call gives them their shapes, initialises them as the ordinary module would, and turns the module into that
module (a LazyLinear becomes a Linear)."""

from __future__ import annotations

from .....engine.mode import no_grad
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear


class LazyModuleMixin:
    """Infers the parameters' shapes in a forward pre-hook (``initialize_parameters(*inputs)``), then becomes
    ``cls_to_become``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def has_uninitialized_params(self) -> bool:
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        with no_grad():
            module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
        module._initialize_hook.remove()
        module.__dict__.pop("_initialize_hook", None)
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


def _named(cls, base, doc):
    """A lazy class made for ``base``, named after it (LazyConv2d for Conv2d)."""
    cls.__name__ = cls.__qualname__ = f"Lazy{base.__name__}"
    cls.__doc__ = doc
    return cls


class LazyLinear(LazyModuleMixin, Linear):
    """nn.Linear whose in_features is the last dimension of its first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()


class _LazyConvXdMixin(LazyModuleMixin):
    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                self.weight.materialize((self.in_channels, self.out_channels // self.groups, *self.kernel_size))
            else:
                self.weight.materialize((self.out_channels, self.in_channels // self.groups, *self.kernel_size))
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _get_in_channels(self, input) -> int:
        batched = self._k + 2
        if input.dim() not in (batched - 1, batched):
            raise RuntimeError(f"Expected {batched - 1}D (unbatched) or {batched}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {input.shape}")
        return input.shape[1] if input.dim() == batched else input.shape[0]

    def _lazy_init(self, out_channels: int, bias: bool, dtype) -> None:
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)


def _lazy_conv(base, doc):
    class LazyConv(_LazyConvXdMixin, base):
        cls_to_become = base

        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                     bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
            super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
            self._lazy_init(out_channels, bias, dtype)

    return _named(LazyConv, base, doc)


def _lazy_conv_transpose(base, doc):
    class LazyConvTranspose(_LazyConvXdMixin, base):
        cls_to_become = base

        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0, groups: int = 1,
                     bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None):
            super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                             padding_mode)
            self._lazy_init(out_channels, bias, dtype)

    return _named(LazyConvTranspose, base, doc)


LazyConv1d = _lazy_conv(Conv1d, "nn.Conv1d whose in_channels is its first input's channel count.")
LazyConv2d = _lazy_conv(Conv2d, "nn.Conv2d whose in_channels is its first input's channel count.")
LazyConv3d = _lazy_conv(Conv3d, "nn.Conv3d whose in_channels is its first input's channel count.")
LazyConvTranspose1d = _lazy_conv_transpose(ConvTranspose1d, "nn.ConvTranspose1d with in_channels inferred.")
LazyConvTranspose2d = _lazy_conv_transpose(ConvTranspose2d, "nn.ConvTranspose2d with in_channels inferred.")
LazyConvTranspose3d = _lazy_conv_transpose(ConvTranspose3d, "nn.ConvTranspose3d with in_channels inferred.")


class _LazyNormBase(LazyModuleMixin):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        super().__init__(0, eps, momentum, False, False)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            from .....engine import dtypes, factories

            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = factories.tensor(0, dtype=dtypes.int64)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            if self.affine:
                self.weight.materialize((self.num_features,))
                self.bias.materialize((self.num_features,))
            if self.track_running_stats:
                self.running_mean.materialize((self.num_features,))
                self.running_var.materialize((self.num_features,))
            self.reset_parameters()


def _lazy_norm(base, doc):
    class LazyNorm(_LazyNormBase, base):
        cls_to_become = base

    return _named(LazyNorm, base, doc)


LazyBatchNorm1d = _lazy_norm(BatchNorm1d, "nn.BatchNorm1d whose num_features is its first input's dim 1.")
LazyBatchNorm2d = _lazy_norm(BatchNorm2d, "nn.BatchNorm2d whose num_features is its first input's channel count.")
LazyBatchNorm3d = _lazy_norm(BatchNorm3d, "nn.BatchNorm3d whose num_features is its first input's channel count.")
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d, "nn.InstanceNorm1d with num_features inferred.")
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d, "nn.InstanceNorm2d with num_features inferred.")
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d, "nn.InstanceNorm3d with num_features inferred.")
