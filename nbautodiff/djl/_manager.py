"""``NDManager``: makes NDArrays on the backend that was active when it was made; DJL's rules for their dtypes."""

from __future__ import annotations

import numpy as np

from .._dialect import RandomNumbers
from ..backends import Backend
from ..backends import backend as _active_backend
from ._ndarray import NDArray, _check_same_backend, _describe, _foreign_tensor, _mixing_message
from ._types import (
    AutoCloseable,
    DataType,
    Device,
    EngineException,
    IllegalArgumentException,
    IllegalStateException,
    Shape,
    _backend_device,
    _shape_tuple,
)

# One numpy generator for the dialect, so a seeded lesson draws the same numbers on every backend.
_RANDOM = RandomNumbers()


class NDManager(AutoCloseable):
    """Makes NDArrays on the backend that was active when it was created (``NDManager.newBaseManager()``)."""

    def __init__(self, backend: Backend, parent: NDManager | None = None):
        self._backend = backend
        self._parent = parent
        self._closed = False

    @staticmethod
    def newBaseManager(device: Device | None = None) -> NDManager:
        b = _active_backend()
        if device is not None and device != _backend_device(b):
            raise EngineException(
                f"NDManager.newBaseManager({device!r}): the active backend is {b.label}, whose device is "
                f"{_backend_device(b)!r}; switch backend first, e.g. nb.set_backend('torch', device='cuda') "
                "for gpu(0) or nb.set_backend('numpy') for cpu()"
            )
        return NDManager(b)

    def newSubManager(self) -> NDManager:
        self._check_open("newSubManager")
        return NDManager(self._backend, parent=self)

    @property
    def backend(self) -> Backend:
        """The backend this manager's arrays live on (fixed when the manager was made)."""
        return self._backend

    def getDevice(self) -> Device:
        return _backend_device(self._backend)

    def getParentManager(self) -> NDManager | None:
        return self._parent

    def isOpen(self) -> bool:
        return not self._closed

    def close(self) -> None:
        self._closed = True

    def __repr__(self) -> str:
        return f"NDManager({self._backend.label}, {self.getDevice()!r})"

    # -- factories -------------------------------------------------------------------------------------------

    def _check_open(self, where: str) -> None:
        if self._closed:
            raise IllegalStateException(
                f"{where}: this NDManager is closed; make a new one: NDManager.newBaseManager()"
            )

    def _make(self, where: str, factory, *args, dataType: DataType | None = None) -> NDArray:
        """A new array from ``factory`` (the name of a backend function, or a function of tensors), in
        ``dataType`` on this manager's device (where the factory takes no ``dataType``, as ``zeros_like``)."""
        self._check_open(where)
        ns = self._backend.ns
        build = getattr(ns, factory) if isinstance(factory, str) else factory
        placed = {} if dataType is None else {"dtype": dataType._to(ns), "device": self._backend.device}
        dims = next((a for a in args if isinstance(a, tuple)), ())
        if any(d < 0 for d in dims):  # the engine's refusal, the same on every backend
            raise EngineException(f"Trying to create tensor with negative dimension {min(dims)}: {list(dims)}")
        with ns.no_grad():
            return NDArray(self, build(*args, **placed))

    def arange(self, start, stop=None, step=1, dataType: DataType | None = None) -> NDArray:
        """``arange(4f)`` → ``arange(4.0)`` is float32; whole numbers give int32, as in DJL."""
        if dataType is None:
            given = [v for v in (start, stop, step) if v is not None]
            dataType = DataType.FLOAT32 if any(isinstance(v, (float, np.floating)) for v in given) else DataType.INT32
        if stop is None:
            start, stop = 0, start
        return self._make("arange", "arange", start, stop, step, dataType=dataType)

    def zeros(self, shape: Shape, dataType: DataType = DataType.FLOAT32) -> NDArray:
        return self._make("zeros", "zeros", _shape_tuple(shape, "zeros"), dataType=dataType)

    def ones(self, shape: Shape, dataType: DataType = DataType.FLOAT32) -> NDArray:
        return self._make("ones", "ones", _shape_tuple(shape, "ones"), dataType=dataType)

    def full(self, shape: Shape, value, dataType: DataType | None = None) -> NDArray:
        dims = _shape_tuple(shape, "full")
        if dataType is None:
            dataType = DataType.FLOAT32 if isinstance(value, (float, np.floating)) else DataType.INT32
        return self._make("full", "full", dims, value, dataType=dataType)

    def eye(self, rows: int, dataType: DataType = DataType.FLOAT32) -> NDArray:
        return self._make("eye", "eye", rows, dataType=dataType)

    def linspace(self, start, stop, num: int) -> NDArray:
        return self._make("linspace", "linspace", start, stop, num, dataType=DataType.FLOAT32)

    def create(self, data, shape: Shape | DataType | None = None, dataType: DataType | None = None) -> NDArray:
        """An NDArray holding ``data``: Python floats give float32 (Java ``float[]``), ints int32, bools boolean;
        numpy arrays keep their dtype. ``create(data, Shape(2, 2))`` reshapes, as DJL's ``create(float[], Shape)``."""
        if isinstance(shape, DataType):
            shape, dataType = None, shape
        if isinstance(data, NDArray):
            _check_same_backend(self._backend, data, "create")
            data = data._t
        if self._backend.is_tensor(data):
            out = self._make("create", _copy, data, dataType=dataType or DataType._of(data.dtype))
        elif _foreign_tensor(data):
            raise EngineException(_mixing_message("create", self._backend, _describe(data)))
        else:
            try:
                arr = np.asarray(data)
            except ValueError:
                raise IllegalArgumentException(
                    "create: the rows of a nested list must all have the same length (DJL's arrays are rectangular)"
                ) from None
            out = self._make("create", "tensor", arr, dataType=dataType or _infer(data, arr))
        if shape is not None:
            out = NDArray(self, out._t.reshape(_shape_tuple(shape, "create")))
        return out

    def randomNormal(self, *args) -> NDArray:
        """``randomNormal(Shape)`` or ``randomNormal(loc, scale, Shape, DataType)``: float32 normal samples."""
        if args and isinstance(args[0], (Shape, tuple, list)):
            loc, scale, shape, dataType = 0.0, 1.0, args[0], (args[1] if len(args) > 1 else DataType.FLOAT32)
        elif len(args) in (3, 4):
            loc, scale, shape = args[:3]
            dataType = args[3] if len(args) == 4 else DataType.FLOAT32
        else:
            raise TypeError("randomNormal(Shape) or randomNormal(loc, scale, Shape, DataType)")
        dims = _shape_tuple(shape, "randomNormal")
        values = _RANDOM.rng.standard_normal(dims) * scale + loc  # numpy's stream: the same on every backend
        return self._make("randomNormal", "tensor", values, dataType=dataType)

    def randomUniform(self, low, high, shape: Shape, dataType: DataType = DataType.FLOAT32) -> NDArray:
        """Samples from [low, high)."""
        values = _RANDOM.rng.uniform(low, high, _shape_tuple(shape, "randomUniform"))
        return self._make("randomUniform", "tensor", values, dataType=dataType)


def _copy(t, dtype, device):
    return t.detach().to(dtype=dtype, device=device).clone()


def _infer(data, arr: np.ndarray) -> DataType:
    """Java's types for Python data: float → float32, int → int32 (int64 past its range), bool → boolean."""
    if arr.dtype.kind == "b":
        return DataType.BOOLEAN
    if isinstance(data, (np.ndarray, np.generic)):
        return DataType._of(arr.dtype)
    if arr.dtype.kind == "f":
        return DataType.FLOAT32
    if arr.dtype.kind in "iu":
        fits = arr.size == 0 or (arr.min() >= -(2**31) and arr.max() < 2**31)
        return DataType.INT32 if fits else DataType.INT64
    raise TypeError(f"create: can't make an NDArray of {arr.dtype} values from {type(data).__name__}")
