"""dtypes, devices and sizes, spelled as PyTorch spells them (``torch.float32``, ``torch.Size([2, 3])``), and
``torch.finfo`` / ``torch.iinfo``."""

from __future__ import annotations

import builtins as _builtins

import numpy as np


class dtype:
    """A tensor element type; wraps a numpy dtype and prints as PyTorch's (``torch.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "legacy")

    def __init__(self, name: str, np_dtype, legacy: str):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "fi"
        self.itemsize = self.np.itemsize
        self.legacy = legacy

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (from_name, (self.name,))


float16 = half = dtype("float16", np.float16, "HalfTensor")
float32 = float = dtype("float32", np.float32, "FloatTensor")
float64 = double = dtype("float64", np.float64, "DoubleTensor")
uint8 = dtype("uint8", np.uint8, "ByteTensor")
int8 = dtype("int8", np.int8, "CharTensor")
int16 = short = dtype("int16", np.int16, "ShortTensor")
int32 = int = dtype("int32", np.int32, "IntTensor")
int64 = long = dtype("int64", np.int64, "LongTensor")
bool = dtype("bool", np.bool_, "BoolTensor")

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_BY_NUMPY = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_LEGACY = {f"torch.{d.legacy}": d for d in ALL}


def from_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy(np_dtype) -> dtype:
    """The dtype of a numpy dtype; a clear error for the ones PyTorch has no twin for."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        d = _BY_NUMPY.get(np.dtype(np_dtype))
        if d is None:
            raise TypeError(
                f"can't convert np.ndarray of type {np.dtype(np_dtype)}; the supported types are: "
                "float64, float32, float16, int64, int32, int16, int8, uint8, and bool"
            ) from None
        return d


def to_dtype(d) -> dtype:
    """Accept a dtype, a numpy dtype, a Python type or a name ('float32', 'torch.FloatTensor')."""
    if isinstance(d, dtype):
        return d
    python_types = {_builtins.float: float64, _builtins.int: int64, _builtins.bool: bool}  # PyTorch's: float is double
    if d in python_types:
        return python_types[d]
    if isinstance(d, LegacyTensorType):
        return d.dtype
    if isinstance(d, str):
        if d in _BY_LEGACY:
            return _BY_LEGACY[d]
        return _BY_NAME[d.removeprefix("torch.")]
    return from_numpy(np.dtype(d))


class LegacyTensorType(type):
    """The class of ``torch.LongTensor`` and its kin: ``torch.LongTensor([1, 2])`` makes an int64 tensor,
    ``torch.LongTensor(2, 3)`` a 2x3 one of zeros, and ``isinstance(x, torch.LongTensor)`` checks the dtype."""

    def __instancecheck__(cls, obj) -> _builtins.bool:
        return getattr(obj, "dtype", None) is cls.dtype and type(obj).__name__ in ("Tensor", "Parameter")

    def __call__(cls, *args):
        from . import factories

        if args and all(isinstance(a, (_builtins.int, np.integer)) for a in args):
            return factories.zeros(*args, dtype=cls.dtype)
        if not args:
            return factories.zeros(0, dtype=cls.dtype)
        if len(args) > 1:
            raise TypeError(f"new(): data must be a sequence (got {len(args)} positional arguments)")
        data = args[0]
        if hasattr(data, "_data"):  # a tensor: as PyTorch's legacy constructor, only of the same dtype
            if data.dtype is not cls.dtype:
                from .ops._util import CPP_NAMES

                def options(d):
                    return (f"TensorOptions(dtype={CPP_NAMES.get(d.name, d.name)}, device=cpu, layout=Strided, "
                            "requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt))")

                raise TypeError(f"expected {options(cls.dtype)} (got {options(data.dtype)})")
            return data
        return factories.tensor(data, dtype=cls.dtype)

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


LEGACY_TYPES = {d.legacy: LegacyTensorType(d.legacy, (), {"dtype": d, "__module__": "torch"}) for d in ALL}


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def __getitem__(self, i):
        got = tuple.__getitem__(self, i)
        return Size(got) if isinstance(i, slice) else got  # (x.shape[1:] is a Size, as PyTorch's)

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def __radd__(self, other):  # ((4,) + x.shape: Python asks the subclass first)
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class memory_format:
    """``torch.memory_format``: how a tensor's elements lie in memory (``torch.contiguous_format``: row-major;
    ``channels_last``: an (N, C, H, W) tensor stored as (N, H, W, C); ``preserve_format``: as the input)."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def permutation(self, ndim: int):
        """The order of dims, outermost first, in which the elements are stored (None: row-major)."""
        if self._name == "channels_last" and ndim == 4:
            return (0, 2, 3, 1)
        if self._name == "channels_last_3d" and ndim == 5:
            return (0, 2, 3, 4, 1)
        return None


memory_format.__module__ = "torch"
contiguous_format, preserve_format = memory_format("contiguous_format"), memory_format("preserve_format")
channels_last, channels_last_3d = memory_format("channels_last"), memory_format("channels_last_3d")


def laid_out(a, fmt):
    """A copy of ``a`` stored in the memory format ``fmt`` (contiguous_format or channels_last(_3d))."""
    order = fmt.permutation(a.ndim) if fmt is not contiguous_format else None
    if fmt in (channels_last, channels_last_3d) and order is None:
        raise RuntimeError(f"required rank {4 if fmt is channels_last else 5} tensor to use {fmt._name} format")
    if order is None:
        return np.ascontiguousarray(a)
    return np.ascontiguousarray(a.transpose(order)).transpose(np.argsort(order))


def has_layout(a, fmt) -> bool:
    """Whether ``a`` is stored in the memory format ``fmt`` (PyTorch's is_contiguous(memory_format=...))."""
    order = fmt.permutation(a.ndim) if fmt is not contiguous_format else None
    if order is None:
        return fmt is contiguous_format and a.flags.c_contiguous if hasattr(a, "flags") else True
    return a.transpose(order).flags.c_contiguous


class device:
    """Where a tensor lives. The own engine is CPU only: ``device(type='cpu')``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str = "cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in type:
            type, _, idx = type.partition(":")
            index = _builtins.int(idx)
        if type not in DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device string: {type}"
            )
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
                "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")  # the names PyTorch knows
CPU = device("cpu")


def on_cpu(where) -> None:
    """The own engine computes on the CPU only: PyTorch's error (a CPU-only build's) for anywhere else."""
    where = device(where) if not isinstance(where, device) else where
    if where.type == "cpu":
        return
    hint = (
        f"\n(nbautodiff: the own numpy engine runs on the CPU only, not on {str(where)!r}; for a GPU switch to "
        "the PyTorch backend: nbautodiff.set_backend('torch', device='cuda'))"
    )
    if where.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled" + hint)
    raise RuntimeError(f"PyTorch is not linked with support for {where.type} devices" + hint)


class finfo:
    """``torch.finfo(dtype)``: a float dtype's limits (bits, eps, max, min, tiny, smallest_normal, resolution).

    >>> torch.finfo(torch.float32).eps
    1.1920928955078125e-07
    """

    def __init__(self, type=None):  # (PyTorch's argument name)
        if type is None:
            from .factories import get_default_dtype

            type = get_default_dtype()
        d = to_dtype(type)
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(d.np)
        self.bits, self.dtype = info.bits, d.name
        self.eps, self.max, self.min = _builtins.float(info.eps), _builtins.float(info.max), _builtins.float(info.min)
        self.tiny = self.smallest_normal = _builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """``torch.iinfo(dtype)``: an integer dtype's limits (bits, max, min)."""

    def __init__(self, type):
        d = to_dtype(type)
        if d.np.kind == "b":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.np.kind not in "iu":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(d.np)
        self.bits, self.dtype, self.max, self.min = info.bits, d.name, _builtins.int(info.max), _builtins.int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
