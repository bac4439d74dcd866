"""The own engine's PyTorch namespace: what ``import nbautodiff.torch as torch`` gives on the numpy backend.

>>> import nbautodiff.torch as torch
>>> x = torch.tensor(1., requires_grad=True)
>>> y = x ** 2
>>> y
tensor(1., grad_fn=<PowBackward0>)
"""

from ...engine import dtypes as _dtypes
from ...engine.dtypes import (  # noqa: F401  # noqa: F401
    Size,
    bool,
    device,
    double,
    dtype,  # noqa: F401
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from ...engine.factories import (  # noqa: F401
    Generator,
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
    seed,
    set_default_dtype,
    tensor,
    zeros,
    zeros_like,
)
from ...engine.mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from ...engine.ops import public_names as _public_names
from ...engine.printing import set_printoptions  # noqa: F401
from ...engine.tensor import Tensor  # noqa: F401
from .._entries import entry as _entry
from . import accelerator, autograd, cuda, func, linalg, nn, optim, utils  # noqa: F401,E402

# every op's public function, as declared beside its row, with PyTorch's keyword names and out=
globals().update({name: _entry(name, fn) for name, fn in _public_names("function").items()})
FloatTensor = Tensor
__version__ = "2.13.0+nbautodiff"


def set_default_device(dev) -> None:
    """The own engine has one device: 'cpu' (or None) is accepted; anything else gets PyTorch's CPU-build error."""
    if dev is not None:
        _dtypes.on_cpu(dev)


def get_default_device():
    return _dtypes.CPU


def is_tensor(obj) -> "bool":
    return isinstance(obj, Tensor)


def numel(x) -> "int":
    return x.numel()


def is_floating_point(x) -> "bool":
    return x.is_floating_point()

