"""The own engine's PyTorch namespace: what ``import nbautodiff.torch as torch`` gives on the numpy backend.

>>> import nbautodiff.torch as torch
>>> x = torch.tensor(1., requires_grad=True)
>>> y = x ** 2
>>> y
tensor(1., grad_fn=<PowBackward0>)
"""

import math as _math
import os as _os

from ...engine import dtypes as _dtypes
from ...engine.dtypes import (  # noqa: F401
    Size,
    bool,
    channels_last,
    channels_last_3d,
    contiguous_format,
    device,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    memory_format,
    preserve_format,
    short,
    uint8,
)
from ...engine.factories import (  # noqa: F401
    Generator,
    arange,
    as_tensor,
    asarray,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    get_rng_state,
    initial_seed,
    linspace,
    logspace,
    manual_seed,
    multinomial,
    normal,
    ones,
    ones_like,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    range,
    scalar_tensor,
    seed,
    set_default_dtype,
    set_rng_state,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from ...engine.mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from ...engine.ops import public_names as _public_names
from ...engine.printing import set_printoptions  # noqa: F401
from ...engine.tensor import Tensor  # noqa: F401
from .._entries import entry as _entry
from . import (  # noqa: F401,E402
    accelerator,
    autograd,
    backends,
    cuda,
    distributions,
    func,
    linalg,
    nn,
    optim,
    serialization,
    special,
    utils,
)
from .serialization import load, save  # noqa: F401,E402

# every op's public function, as declared beside its row, with PyTorch's keyword names and out=
globals().update({name: _entry(name, fn) for name, fn in _public_names("function").items()})
globals().update(_dtypes.LEGACY_TYPES)  # torch.FloatTensor, torch.LongTensor, ... (legacy constructors and types)
inf, nan, pi, e, newaxis = _math.inf, _math.nan, _math.pi, _math.e, None
__version__ = "2.13.0+nbautodiff"


def set_default_device(dev) -> None:
    """The own engine has one device: 'cpu' (or None) is accepted; anything else gets PyTorch's CPU-build error."""
    if dev is not None:
        _dtypes.on_cpu(dev)


def get_default_device():
    return _dtypes.CPU


def is_inference(x) -> "bool":
    """Whether ``x`` was made in inference mode."""
    return x.is_inference()


def is_tensor(obj) -> "bool":
    return isinstance(obj, Tensor)


def numel(x) -> "int":
    return x.numel()


def is_floating_point(x) -> "bool":
    return x.is_floating_point()



def is_complex(x) -> "bool":
    return x.is_complex()


def is_nonzero(x) -> "bool":
    """Whether a one-element tensor is nonzero (PyTorch's error for any other size)."""
    return x.__bool__()


def result_type(tensor1, tensor2) -> dtype:
    """The dtype PyTorch's arithmetic gives for these operands (tensors or numbers)."""
    from ...engine.ops.elementwise import result_dtype

    return _dtypes.from_numpy(result_dtype(tensor1, tensor2))


def promote_types(type1, type2) -> dtype:
    """The smallest dtype both dtypes convert to without a change of category (PyTorch's table)."""
    from ...engine.ops.elementwise import _promote_types

    return _dtypes.from_numpy(_promote_types(_dtypes.to_dtype(type1).np, _dtypes.to_dtype(type2).np))


def can_cast(from_, to) -> "bool":
    """Whether PyTorch's arithmetic may cast ``from_`` to ``to``: never to a lower category (float to int, int to
    bool)."""
    order = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    return order[_dtypes.to_dtype(from_).np.kind] <= order[_dtypes.to_dtype(to).np.kind]


_threads = {"intra": _os.cpu_count() or 1, "inter": _os.cpu_count() or 1}


def get_num_threads() -> "int":
    """The thread count set with ``set_num_threads`` (the own engine runs its Python on one; numpy's BLAS keeps
    its own setting)."""
    return _threads["intra"]


def set_num_threads(n: "int") -> None:
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads["intra"] = n


def get_num_interop_threads() -> "int":
    return _threads["inter"]


def set_num_interop_threads(n: "int") -> None:
    if n <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _threads["inter"] = n


_settings = {"matmul_precision": "highest", "deterministic": False, "warn_only": False}


def get_float32_matmul_precision() -> "str":
    """'highest' unless set: the own engine's matmuls are numpy's float32 ones whatever the setting."""
    return _settings["matmul_precision"]


def set_float32_matmul_precision(precision: "str") -> None:
    if precision not in ("highest", "high", "medium"):
        import warnings

        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _settings["matmul_precision"] = precision


def use_deterministic_algorithms(mode: "bool", *, warn_only: "bool" = False) -> None:
    """Remembered and reported; the own engine's kernels are deterministic already."""
    _settings["deterministic"], _settings["warn_only"] = mode is True or mode == 1, warn_only is True or warn_only == 1


def are_deterministic_algorithms_enabled() -> "bool":
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> "bool":
    return _settings["warn_only"]


def is_inference_mode_enabled() -> "bool":
    from ...engine.mode import state

    return state.inference


def is_anomaly_enabled() -> "bool":
    return autograd.is_anomaly_enabled()


def set_anomaly_enabled(enabled: "bool", check_nan: "bool" = True) -> None:
    autograd.set_detect_anomaly(enabled, check_nan)  # (it switches on construction, as PyTorch's)


def detach(input):
    """A tensor sharing ``input``'s memory, cut from the graph (``input.detach()``)."""
    return input.detach()


def is_same_size(input, other) -> "bool":
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input) -> "bool":
    return input.is_signed()


vmap = func.vmap
