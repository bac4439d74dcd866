"""nbautodiff's own engine: tape-based reverse-mode autodiff on numpy, with PyTorch's semantics."""

from . import autograd, dtypes, ops
from .dtypes import Size, device
from .factories import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    linspace,
    manual_seed,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    set_default_dtype,
    tensor,
    zeros,
    zeros_like,
)
from .mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .node import AccumulateGrad, Node
from .ops import OPS
from .printing import set_printoptions
from .tensor import Tensor

__all__ = [
    "AccumulateGrad", "Node", "OPS", "Size", "Tensor", "arange", "as_tensor", "autograd", "device", "dtypes",
    "empty", "empty_like", "enable_grad", "eye", "from_numpy", "full", "full_like", "get_default_dtype",
    "inference_mode", "is_grad_enabled", "linspace", "manual_seed", "no_grad", "normal", "ones", "ones_like", "ops",
    "rand", "rand_like", "randint", "randn", "randn_like", "randperm", "set_default_dtype", "set_grad_enabled",
    "set_printoptions", "tensor", "zeros", "zeros_like",
]
