"""DJL's exceptions, ``AutoCloseable`` and value types: ``DataType``, ``Shape``, ``Device``."""

from __future__ import annotations

import enum
import math
import operator

from .._dialect import Dims
from ..backends import Backend


class EngineException(RuntimeError):
    """DJL's ``ai.djl.engine.EngineException``: an operation the engine can't do (mixed backends, no gradient)."""


class IllegalStateException(RuntimeError):
    """Java's ``IllegalStateException``: the call is fine, the moment is not (a second open collector)."""


class IllegalArgumentException(ValueError):
    """Java's ``IllegalArgumentException``: an argument the method can't take (an index that gives no scalar)."""


class AutoCloseable:
    """Java's ``AutoCloseable``: ``try (NDManager m = ...)`` becomes ``with ... as m:``, which calls ``close()``."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False


class DataType(enum.Enum):
    """An element type, printed as DJL prints it (``float32``, ``boolean``)."""

    FLOAT16 = "float16"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    UINT8 = "uint8"
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    BOOLEAN = "boolean"

    def __repr__(self) -> str:
        return self.value

    __str__ = __repr__

    def isFloating(self) -> bool:
        return self in (DataType.FLOAT16, DataType.FLOAT32, DataType.FLOAT64)

    def isInteger(self) -> bool:
        return self in (DataType.UINT8, DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64)

    def _to(self, ns):
        """The backend's dtype (``torch.float32``, or the own engine's twin)."""
        return getattr(ns, "bool" if self is DataType.BOOLEAN else self.value)

    @staticmethod
    def _of(dtype) -> DataType:
        name = str(dtype).rsplit(".", 1)[-1]
        try:
            return DataType("boolean" if name == "bool" else name)
        except ValueError:
            raise EngineException(f"the DJL dialect has no DataType for {dtype}") from None


class Shape(Dims):
    """DJL's ``Shape``: ``Shape(2, 3)`` prints as ``(2, 3)``, ``Shape(4)`` as ``(4)``, ``Shape()`` as ``()``."""

    __slots__ = ()

    def __init__(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (list, tuple, Shape)):
            dims = tuple(dims[0])
        try:
            self._dims = tuple(operator.index(d) for d in dims)
        except TypeError:
            raise TypeError(f"Shape takes whole numbers, e.g. Shape(2, 3); got {dims!r}") from None

    def getShape(self) -> tuple:
        return self._dims

    def get(self, dimension: int) -> int:
        return self._dims[dimension]

    def size(self) -> int:
        return math.prod(self._dims)

    def dimension(self) -> int:
        return len(self._dims)

    def head(self) -> int:
        return self._dims[0]

    def isScalar(self) -> bool:
        return not self._dims

    def __repr__(self) -> str:
        return "(" + ", ".join(map(str, self._dims)) + ")"


class Device:
    """DJL's ``Device``: ``Device.cpu()`` prints as ``cpu()``, ``Device.gpu(0)`` as ``gpu(0)``."""

    __slots__ = ("_type", "_id")

    def __init__(self, deviceType: str = "cpu", deviceId: int = -1):
        self._type = str(deviceType).lower()
        self._id = -1 if self._type == "cpu" else int(deviceId)

    @staticmethod
    def cpu() -> Device:
        return Device("cpu")

    @staticmethod
    def gpu(deviceId: int = 0) -> Device:
        return Device("gpu", deviceId)

    def getDeviceType(self) -> str:
        return self._type

    def getDeviceId(self) -> int:
        return self._id

    def isGpu(self) -> bool:
        return self._type == "gpu"

    @staticmethod
    def _of(device) -> Device:
        """The DJL device of a backend device (``"cuda:0"`` → ``gpu(0)``)."""
        text = str(device)
        if text.startswith("cuda"):
            index = getattr(device, "index", None)
            if index is None:
                index = int(text.partition(":")[2] or 0)
            return Device.gpu(index)
        return Device.cpu()

    def __eq__(self, other) -> bool:
        return isinstance(other, Device) and (self._type, self._id) == (other._type, other._id)

    def __hash__(self):
        return hash((self._type, self._id))

    def __repr__(self) -> str:
        return "cpu()" if self._type == "cpu" else f"{self._type}({self._id})"


def _backend_device(b: Backend) -> Device:
    if b.device.startswith("cuda"):
        index = b.device.partition(":")[2]
        return Device.gpu(int(index) if index else b.ns.cuda.current_device())
    return Device.cpu()


def _shape_tuple(shape, where: str) -> tuple:
    if isinstance(shape, Shape):
        return shape.getShape()
    if isinstance(shape, (tuple, list)):
        return Shape(shape).getShape()
    raise TypeError(f"{where}: expected a Shape, e.g. new Shape(2, 3) → Shape(2, 3); got {shape!r}")
