"""The DJL dialect: d2l-java's autodiff lessons (``NDManager``, ``NDArray``, ``GradientCollector``) in Python.

Written once against the active backend's PyTorch-compatible namespace (``nb.backend().ns``), so the same
lesson runs on nbautodiff's own engine or on real PyTorch (CPU or CUDA). Java names stay as they are
(``setRequiresGradient``, ``getGradient``, ``newGradientCollector``); ``try (GradientCollector gc = ...)``
becomes ``with ... as gc:``. DJL's rules are kept: operations are recorded only inside a collector, a
non-scalar target is summed, and each ``backward`` *writes* the gradient instead of adding to the last one.
Arrays print as DJL prints them.

>>> from nbautodiff.djl import Engine, NDManager
>>> manager = NDManager.newBaseManager()
>>> x = manager.arange(4.0)  # Java: manager.arange(4f)
>>> x.setRequiresGradient(True)
>>> with Engine.getInstance().newGradientCollector() as gc:
...     y = x.dot(x).mul(2)
...     gc.backward(y)
>>> y
ND: () cpu() float32
28.
>>> x.getGradient()
ND: (4) cpu() float32
[ 0.,  4.,  8., 12.]
"""

from __future__ import annotations

import enum
import math
import operator
import weakref
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np

from ._dims import Dims
from .backends import Backend
from .backends import backend as _active_backend


class EngineException(RuntimeError):
    """DJL's ``ai.djl.engine.EngineException``: an operation the engine can't do (mixed backends, no gradient)."""


class IllegalStateException(RuntimeError):
    """Java's ``IllegalStateException``: the call is fine, the moment is not (a second open collector)."""


# --------------------------------------------------------------------------------------------------------------
# Types: DataType, Shape, Device
# --------------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------------
# Recording: one open GradientCollector at a time, and the arrays that asked for a gradient
# --------------------------------------------------------------------------------------------------------------


class _State:
    collector: GradientCollector | None = None


_STATE = _State()
# Arrays that setRequiresGradient(True) was called on, by id; a WeakValueDictionary forgets the dead ones.
# (Not a WeakSet: NDArray.__eq__ is elementwise, as in numpy, so NDArrays can't be compared for membership.)
_TRACKED: weakref.WeakValueDictionary[int, NDArray] = weakref.WeakValueDictionary()


def _grad_mode(ns):
    """Record inside a GradientCollector, never outside it (DJL's rule, whatever the backend's own mode is)."""
    return ns.enable_grad() if _STATE.collector is not None else ns.no_grad()


# --------------------------------------------------------------------------------------------------------------
# NDManager
# --------------------------------------------------------------------------------------------------------------


class NDManager:
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

    def __enter__(self) -> NDManager:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def __repr__(self) -> str:
        return f"NDManager({self._backend.label}, {self.getDevice()!r})"

    # -- factories -------------------------------------------------------------------------------------------

    def _check_open(self, where: str) -> None:
        if self._closed:
            raise IllegalStateException(
                f"{where}: this NDManager is closed; make a new one: NDManager.newBaseManager()"
            )

    def _make(self, where: str, build) -> NDArray:
        self._check_open(where)
        ns = self._backend.ns
        with ns.no_grad():
            return NDArray(self, build(ns, self._backend.device))

    def arange(self, start, stop=None, step=1, dataType: DataType | None = None) -> NDArray:
        """``arange(4f)`` → ``arange(4.0)`` is float32; whole numbers give int32, as in DJL."""
        if dataType is None:
            given = [v for v in (start, stop, step) if v is not None]
            dataType = DataType.FLOAT32 if any(isinstance(v, (float, np.floating)) for v in given) else DataType.INT32
        if stop is None:
            start, stop = 0, start
        return self._make("arange", lambda ns, dev: ns.arange(start, stop, step, dtype=dataType._to(ns), device=dev))

    def zeros(self, shape: Shape, dataType: DataType = DataType.FLOAT32) -> NDArray:
        dims = _shape_tuple(shape, "zeros")
        return self._make("zeros", lambda ns, dev: ns.zeros(dims, dtype=dataType._to(ns), device=dev))

    def ones(self, shape: Shape, dataType: DataType = DataType.FLOAT32) -> NDArray:
        dims = _shape_tuple(shape, "ones")
        return self._make("ones", lambda ns, dev: ns.ones(dims, dtype=dataType._to(ns), device=dev))

    def full(self, shape: Shape, value, dataType: DataType | None = None) -> NDArray:
        dims = _shape_tuple(shape, "full")
        if dataType is None:
            dataType = DataType.FLOAT32 if isinstance(value, (float, np.floating)) else DataType.INT32
        return self._make("full", lambda ns, dev: ns.full(dims, value, dtype=dataType._to(ns), device=dev))

    def eye(self, rows: int, dataType: DataType = DataType.FLOAT32) -> NDArray:
        return self._make("eye", lambda ns, dev: ns.eye(rows, dtype=dataType._to(ns), device=dev))

    def linspace(self, start, stop, num: int) -> NDArray:
        return self._make("linspace", lambda ns, dev: ns.linspace(start, stop, num, dtype=ns.float32, device=dev))

    def create(self, data, shape: Shape | DataType | None = None, dataType: DataType | None = None) -> NDArray:
        """An NDArray holding ``data``: Python floats give float32 (Java ``float[]``), ints int32, bools boolean;
        numpy arrays keep their dtype. ``create(data, Shape(2, 2))`` reshapes, as DJL's ``create(float[], Shape)``."""
        if isinstance(shape, DataType):
            shape, dataType = None, shape
        if isinstance(data, NDArray):
            _check_same_backend(self._backend, data, "create")
            data = data._t
        if self._backend.is_tensor(data):
            tensor = data
            if dataType is None:
                dataType = DataType._of(data.dtype)
            build = lambda ns, dev: tensor.detach().to(dtype=dataType._to(ns), device=dev).clone()
        elif _foreign_tensor(data):
            raise EngineException(_mixing_message("create", self._backend, _describe(data)))
        else:
            arr = np.asarray(data)
            if dataType is None:
                dataType = _infer(data, arr)
            build = lambda ns, dev: ns.tensor(arr, dtype=dataType._to(ns), device=dev)
        out = self._make("create", build)
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
        values = _random().standard_normal(dims) * scale + loc  # numpy's stream: the same on every backend
        return self._make("randomNormal", lambda ns, dev: ns.tensor(values, dtype=dataType._to(ns), device=dev))

    def randomUniform(self, low, high, shape: Shape, dataType: DataType = DataType.FLOAT32) -> NDArray:
        """Samples from [low, high)."""
        dims = _shape_tuple(shape, "randomUniform")
        values = _random().uniform(low, high, dims)
        return self._make("randomUniform", lambda ns, dev: ns.tensor(values, dtype=dataType._to(ns), device=dev))


_generator = np.random.default_rng()


def _random() -> np.random.Generator:
    """One numpy generator for the dialect, so a seeded lesson draws the same numbers on every backend."""
    return _generator


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


# --------------------------------------------------------------------------------------------------------------
# Mixing backends: refused, with the fix, before anything is computed
# --------------------------------------------------------------------------------------------------------------


def _foreign_tensor(x) -> bool:
    module = type(x).__module__
    return module.startswith("torch") or module.startswith("nbautodiff.engine")


def _describe(x) -> str:
    if isinstance(x, NDArray):
        return f"an NDArray from a manager on the {x._manager._backend.label} backend"
    if type(x).__module__.startswith("torch"):
        return "a torch tensor"
    return "an nbautodiff tensor (the numpy backend's)"


def _mixing_message(op: str, b: Backend, other: str) -> str:
    return (
        f"{op}: this NDArray belongs to a manager on the {b.label} backend but the other operand is {other}; "
        "create both with the same manager/backend (make the NDManager once, under one nb.use_backend(...), "
        "and create every array of the computation from it)"
    )


def _check_same_backend(b: Backend, other: NDArray, op: str) -> None:
    if other._manager._backend != b:
        raise EngineException(_mixing_message(op, b, _describe(other)))


# --------------------------------------------------------------------------------------------------------------
# NDArray
# --------------------------------------------------------------------------------------------------------------


def _axes(axes) -> tuple:
    return (operator.index(axes),) if not isinstance(axes, (list, tuple)) else tuple(map(operator.index, axes))


class NDArray:
    """A backend tensor with DJL's methods, gradient slot and printout (``ND: (4) cpu() float32``)."""

    __slots__ = ("_manager", "_t", "_grad", "_requires_grad", "_name", "__weakref__")
    __hash__ = object.__hash__  # __eq__ is elementwise; identity stays the hash

    def __init__(self, manager: NDManager, tensor):
        self._manager = manager
        self._t = tensor
        self._grad = None  # the gradient slot: allocated by setRequiresGradient(True), written by backward
        self._requires_grad = False
        self._name = None

    # -- running an op on the backend ------------------------------------------------------------------------

    @property
    def _ns(self):
        return self._manager._backend.ns

    def _run(self, fn) -> NDArray:
        with _grad_mode(self._ns):
            return NDArray(self._manager, fn())

    def _operand(self, other, op: str):
        """What the backend op takes for ``other``; a clear error for another backend's array or tensor."""
        b = self._manager._backend
        if isinstance(other, NDArray):
            _check_same_backend(b, other, op)
            return other._t
        if isinstance(other, (bool, int, float)):
            return other
        if isinstance(other, np.generic):
            return other.item()
        if b.is_tensor(other):
            return other
        if _foreign_tensor(other):
            raise EngineException(_mixing_message(op, b, _describe(other)))
        if isinstance(other, (list, tuple, np.ndarray)):
            return self._manager.create(other)._t
        raise TypeError(f"{op}: expected an NDArray or a number, got {type(other).__name__}")

    def _binary(self, op: str, other, fn) -> NDArray:
        o = self._operand(other, op)
        return self._run(lambda: fn(self._t, o))

    def _reflected(self, op: str, other, fn) -> NDArray:
        o = self._operand(other, op)
        return self._run(lambda: fn(o, self._t))

    # -- gradients -------------------------------------------------------------------------------------------

    def setRequiresGradient(self, requiresGrad: bool) -> None:
        """Attach a gradient slot (zeros, same shape and dtype); ``backward`` writes into it."""
        ns = self._ns
        if requiresGrad:
            if not self.getDataType().isFloating():
                raise EngineException(
                    f"setRequiresGradient(True): this NDArray is {self.getDataType()}; only floating-point arrays "
                    "have gradients: create it from floats (manager.arange(4f) → manager.arange(4.0)) or convert "
                    "it: x = x.toType(DataType.FLOAT32, False)"
                )
            with ns.no_grad():
                leaf = self._t.detach()
                leaf.requires_grad_(True)
                grad = ns.zeros_like(leaf)
            self._t, self._grad, self._requires_grad = leaf, grad, True
            _TRACKED[id(self)] = self
        else:
            self._t, self._grad, self._requires_grad = self._t.detach(), None, False
            _TRACKED.pop(id(self), None)

    def getGradient(self) -> NDArray:
        """The gradient slot (sharing its memory): zeros until a ``backward`` writes it."""
        if self._grad is None:
            raise EngineException(
                "getGradient(): no gradient is attached to this NDArray; call x.setRequiresGradient(True) on it "
                "first, then compute inside Engine.getInstance().newGradientCollector() and call gc.backward(y)"
            )
        return NDArray(self._manager, self._grad)

    def hasGradient(self) -> bool:
        return self._requires_grad

    def stopGradient(self) -> NDArray:
        """The same values, cut from the recorded computation (gradients don't flow back through it)."""
        return NDArray(self._manager, self._t.detach())

    # -- arithmetic ------------------------------------------------------------------------------------------

    def add(self, other) -> NDArray:
        return self._binary("add", other, operator.add)

    def sub(self, other) -> NDArray:
        return self._binary("sub", other, operator.sub)

    def mul(self, other) -> NDArray:
        return self._binary("mul", other, operator.mul)

    def div(self, other) -> NDArray:
        return self._binary("div", other, operator.truediv)

    def pow(self, other) -> NDArray:
        return self._binary("pow", other, operator.pow)

    def neg(self) -> NDArray:
        return self._run(lambda: -self._t)

    def dot(self, other) -> NDArray:
        """Inner product of vectors; matrix product for 2-D arrays; a product with a scalar."""
        o = self._operand(other, "dot")
        a_dim, b_dim = self._t.ndim, (o.ndim if self._manager._backend.is_tensor(o) else 0)
        if a_dim == 0 or b_dim == 0:
            return self._run(lambda: self._t * o)
        if a_dim == 1 and b_dim == 1:
            return self._run(lambda: self._ns.dot(self._t, o))
        if a_dim <= 2 and b_dim <= 2:
            return self._run(lambda: self._ns.matmul(self._t, o))
        raise EngineException(
            f"dot: shapes {self.getShape()} and {Shape(tuple(o.shape))}: dot of arrays past 2-D is not supported "
            "here; use matMul for batched matrix products"
        )

    def matMul(self, other) -> NDArray:
        return self._binary("matMul", other, operator.matmul)

    # -- reductions ------------------------------------------------------------------------------------------

    def sum(self, axes=None, keepDims: bool = False) -> NDArray:
        if axes is None:
            return self._run(lambda: self._t.sum())
        return self._run(lambda: self._t.sum(dim=_axes(axes), keepdim=keepDims))

    def mean(self, axes=None, keepDims: bool = False) -> NDArray:
        if axes is None:
            return self._run(lambda: self._t.mean())
        return self._run(lambda: self._t.mean(dim=_axes(axes), keepdim=keepDims))

    def norm(self, axes=None, keepDims: bool = False) -> NDArray:
        """The L2 norm of all elements (or along ``axes``)."""
        if axes is None:
            return self._run(lambda: self._t.norm())
        return self._run(lambda: self._t.norm(dim=_axes(axes), keepdim=keepDims))

    # -- elementwise functions -------------------------------------------------------------------------------

    def exp(self) -> NDArray:
        return self._run(lambda: self._ns.exp(self._t))

    def log(self) -> NDArray:
        return self._run(lambda: self._ns.log(self._t))

    def sin(self) -> NDArray:
        return self._run(lambda: self._ns.sin(self._t))

    def cos(self) -> NDArray:
        return self._run(lambda: self._ns.cos(self._t))

    def tanh(self) -> NDArray:
        return self._run(lambda: self._ns.tanh(self._t))

    def sqrt(self) -> NDArray:
        return self._run(lambda: self._ns.sqrt(self._t))

    def abs(self) -> NDArray:
        return self._run(lambda: self._ns.abs(self._t))

    def square(self) -> NDArray:
        return self._run(lambda: self._ns.square(self._t))

    # -- comparisons (boolean NDArrays) ----------------------------------------------------------------------

    def eq(self, other) -> NDArray:
        return self._binary("eq", other, lambda a, b: self._ns.eq(a, b))

    def neq(self, other) -> NDArray:
        return self._binary("neq", other, lambda a, b: self._ns.ne(a, b))

    def gt(self, other) -> NDArray:
        return self._binary("gt", other, lambda a, b: self._ns.gt(a, b))

    def gte(self, other) -> NDArray:
        return self._binary("gte", other, lambda a, b: self._ns.ge(a, b))

    def lt(self, other) -> NDArray:
        return self._binary("lt", other, lambda a, b: self._ns.lt(a, b))

    def lte(self, other) -> NDArray:
        return self._binary("lte", other, lambda a, b: self._ns.le(a, b))

    # -- shapes and indexing ---------------------------------------------------------------------------------

    def reshape(self, *shape) -> NDArray:
        """``reshape(Shape(2, 2))`` or ``reshape(2, 2)``; -1 infers a dimension."""
        dims = shape[0].getShape() if len(shape) == 1 and isinstance(shape[0], Shape) else Shape(*shape).getShape()
        return self._run(lambda: self._t.reshape(dims))

    def transpose(self, *axes) -> NDArray:
        """All axes reversed, or permuted as ``axes`` says (DJL's ``transpose(int... axes)``)."""
        order = tuple(map(operator.index, axes)) if axes else tuple(reversed(range(self._t.ndim)))
        return self._run(lambda: self._t.permute(*order))

    def swapAxes(self, axis1: int, axis2: int) -> NDArray:
        return self._run(lambda: self._ns.transpose(self._t, axis1, axis2))

    def flatten(self) -> NDArray:
        return self._run(lambda: self._t.reshape(-1))

    def get(self, *index) -> NDArray:
        """``get(1)``, ``get(0, 1)``, DJL index strings (``"1"``, ``":2"``, ``"1:3"``, ``"..., 0"``, ``":, {}"``
        with arguments) or a boolean NDArray mask."""
        if index and isinstance(index[0], str):
            key = _parse_index(index[0], index[1:])
        elif len(index) == 1 and isinstance(index[0], NDArray):
            key = self._operand(index[0], "get")
        else:
            key = tuple(map(operator.index, index))
        return self._run(lambda: self._t[key])

    def duplicate(self) -> NDArray:
        return self._run(lambda: self._t.clone())

    def toType(self, dataType: DataType, copy: bool = False) -> NDArray:
        if not copy and dataType == self.getDataType():
            return self
        return self._run(lambda: self._t.to(dataType._to(self._ns)))

    def zerosLike(self) -> NDArray:
        return self._manager._make("zerosLike", lambda ns, dev: ns.zeros_like(self._t))

    def onesLike(self) -> NDArray:
        return self._manager._make("onesLike", lambda ns, dev: ns.ones_like(self._t))

    # -- what it is ------------------------------------------------------------------------------------------

    def getShape(self) -> Shape:
        return Shape(tuple(self._t.shape))

    def getDataType(self) -> DataType:
        return DataType._of(self._t.dtype)

    def getDevice(self) -> Device:
        return Device._of(self._t.device)

    def getManager(self) -> NDManager:
        return self._manager

    def getName(self) -> str | None:
        return self._name

    def setName(self, name: str | None) -> None:
        self._name = name

    def size(self) -> int:
        return self._t.numel()

    def isScalar(self) -> bool:
        return self._t.ndim == 0

    # -- values ----------------------------------------------------------------------------------------------

    def _numpy(self) -> np.ndarray:
        return self._manager._backend.to_numpy(self._t)

    def _element(self, op: str, indices, kinds: str, hint: str):
        arr = self._numpy()
        if arr.dtype.kind not in kinds:
            raise IllegalStateException(f"{op}(): this NDArray is {self.getDataType()}; {hint}")
        if indices:
            arr = arr[tuple(map(operator.index, indices))]
        if arr.size != 1:
            raise IllegalStateException(
                f"{op}(): reads one element, but this NDArray has shape {Shape(arr.shape)}; reduce it first "
                f"(sum(), norm()) or give the element's indices, e.g. {op}(0)"
            )
        return arr.reshape(()).item()

    def getFloat(self, *indices) -> float:
        return float(self._element("getFloat", indices, "fiu", "use getBoolean()"))

    def getDouble(self, *indices) -> float:
        return float(self._element("getDouble", indices, "fiu", "use getBoolean()"))

    def getLong(self, *indices) -> int:
        return int(self._element("getLong", indices, "iub", "read floats with getFloat()"))

    def getInt(self, *indices) -> int:
        return int(self._element("getInt", indices, "iub", "read floats with getFloat()"))

    def getBoolean(self, *indices) -> bool:
        return bool(self._element("getBoolean", indices, "b", "compare it first, e.g. x.gt(0).getBoolean()"))

    def toFloatArray(self) -> list[float]:
        return [float(v) for v in self._numpy().ravel()]

    def toDoubleArray(self) -> list[float]:
        return self.toFloatArray()

    def toLongArray(self) -> list[int]:
        return [int(v) for v in self._numpy().ravel()]

    def toIntArray(self) -> list[int]:
        return self.toLongArray()

    def toBooleanArray(self) -> list[bool]:
        return [bool(v) for v in self._numpy().ravel()]

    def toArray(self) -> list:
        return self._numpy().ravel().tolist()

    # -- printing --------------------------------------------------------------------------------------------

    def toString(self) -> str:
        return _format(self)

    __repr__ = __str__ = toString

    # -- Python operators, for convenience: each one is the Java method beside it ----------------------------

    def __add__(self, other):
        return self.add(other)

    def __radd__(self, other):
        return self._reflected("add", other, operator.add)

    def __sub__(self, other):
        return self.sub(other)

    def __rsub__(self, other):
        return self._reflected("sub", other, operator.sub)

    def __mul__(self, other):
        return self.mul(other)

    def __rmul__(self, other):
        return self._reflected("mul", other, operator.mul)

    def __truediv__(self, other):
        return self.div(other)

    def __rtruediv__(self, other):
        return self._reflected("div", other, operator.truediv)

    def __pow__(self, other):
        return self.pow(other)

    def __rpow__(self, other):
        return self._reflected("pow", other, operator.pow)

    def __matmul__(self, other):
        return self.matMul(other)

    def __neg__(self):
        return self.neg()

    def __eq__(self, other):
        return self.eq(other)

    def __ne__(self, other):
        return self.neq(other)

    def __lt__(self, other):
        return self.lt(other)

    def __le__(self, other):
        return self.lte(other)

    def __gt__(self, other):
        return self.gt(other)

    def __ge__(self, other):
        return self.gte(other)

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.get(key)
        key = self._operand(key, "get") if isinstance(key, NDArray) else key
        return self._run(lambda: self._t[key])

    def __len__(self) -> int:
        if self._t.ndim == 0:
            raise TypeError("len() of a scalar NDArray")
        return int(self._t.shape[0])

    def __bool__(self) -> bool:
        if self.size() != 1:
            raise ValueError(
                f"the truth value of an NDArray of shape {self.getShape()} is ambiguous; read one number "
                "first, e.g. x.sum().getFloat() > 0 or x.get(0).getBoolean()"
            )
        return bool(self._numpy().reshape(()).item())

    def __float__(self) -> float:
        return float(self._element("float", (), "fiub", ""))


def _parse_index(spec: str, args) -> tuple:
    """DJL's index strings: ``"1"``, ``":2"``, ``"1:3"``, ``"::2"``, ``"-1"``, ``"..., 0"``, ``":, {}"``."""
    values = iter(args)

    def number(text: str):
        text = text.strip()
        if text == "{}":
            try:
                return operator.index(next(values))
            except StopIteration:
                raise IndexError(f"get({spec!r}): more {{}} placeholders than arguments") from None
        try:
            return int(text)
        except ValueError:
            raise IndexError(
                f"get({spec!r}): can't read {text!r} as an index; DJL index strings look like "
                '"1", ":2", "1:3", "::2", "-1", "..., 0", ":, 1" or ":, {}" with an argument'
            ) from None

    if not spec.strip():
        return ()
    key = []
    for part in spec.split(","):
        part = part.strip()
        if part == "...":
            key.append(Ellipsis)
        elif ":" in part:
            fields = part.split(":")
            if len(fields) > 3:
                raise IndexError(f"get({spec!r}): a slice is start:stop:step, got {part!r}")
            key.append(slice(*(number(f) if f.strip() else None for f in fields)))
        else:
            key.append(number(part))
    return tuple(key)


# --------------------------------------------------------------------------------------------------------------
# GradientCollector and Engine
# --------------------------------------------------------------------------------------------------------------


class GradientCollector:
    """Records operations while open; ``backward(y)`` writes dy/dx into every ``x`` that asked for a gradient.

    Made by ``Engine.getInstance().newGradientCollector()`` and used as ``with ... as gc:`` (Java's
    try-with-resources). Only one can be open at a time.
    """

    def __init__(self):
        if _STATE.collector is not None:
            raise IllegalStateException(
                "A GradientCollector already exists: only one can record at a time. Close the open one first "
                "(end its `with Engine.getInstance().newGradientCollector() as gc:` block, or call gc.close()), "
                "or do this computation inside the open collector's block."
            )
        _STATE.collector = self
        self._open = True

    def __enter__(self) -> GradientCollector:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def close(self) -> None:
        if self._open:
            self._open = False
            if _STATE.collector is self:
                _STATE.collector = None

    def backward(self, target: NDArray) -> None:
        """Gradients of ``target`` (summed first if it is not a scalar), written into the gradient slots."""
        if not self._open:
            raise IllegalStateException(
                "backward(): this GradientCollector is closed; call gc.backward(y) inside its `with` block"
            )
        if not isinstance(target, NDArray):
            raise TypeError(f"backward(): expected an NDArray, got {type(target).__name__}")
        b = target._manager._backend
        ns, t = b.ns, target._t
        leaves = [a for a in list(_TRACKED.values()) if a._manager._backend == b and a._t.requires_grad]
        if not t.requires_grad or not leaves:
            raise EngineException(
                "backward(): the target was not computed from any NDArray that setRequiresGradient(True) was "
                "called on, inside this GradientCollector; call x.setRequiresGradient(True) first and compute "
                "y from x inside the `with Engine.getInstance().newGradientCollector() as gc:` block"
            )
        with ns.enable_grad():
            if t.ndim != 0:
                t = t.sum()
            grads = ns.autograd.grad(t, [a._t for a in leaves], allow_unused=True)
        with ns.no_grad():
            for a, g in zip(leaves, grads):
                if g is not None:  # an array the target does not depend on keeps its gradient
                    a._grad.copy_(g)

    def zeroGradients(self) -> None:
        for a in list(_TRACKED.values()):
            if a._grad is not None:
                with a._ns.no_grad():
                    a._grad.zero_()

    def __repr__(self) -> str:
        return f"GradientCollector({'open' if self._open else 'closed'})"


class Engine:
    """``Engine.getInstance()``: makes GradientCollectors and seeds the active backend's random numbers."""

    _instance: Engine | None = None

    @staticmethod
    def getInstance() -> Engine:
        if Engine._instance is None:
            Engine._instance = Engine()
        return Engine._instance

    def getEngineName(self) -> str:
        return "PyTorch" if _active_backend().name == "torch" else "nbautodiff"

    def newGradientCollector(self) -> GradientCollector:
        return GradientCollector()

    def setRandomSeed(self, seed: int) -> None:
        global _generator
        _generator = np.random.default_rng(int(seed))

    def defaultDevice(self) -> Device:
        return _backend_device(_active_backend())

    def getGpuCount(self) -> int:
        b = _active_backend()
        return b.ns.cuda.device_count() if b.name == "torch" else 0

    def __repr__(self) -> str:
        return f"Engine({self.getEngineName()})"


# --------------------------------------------------------------------------------------------------------------
# Printing, as DJL's NDFormat does it
# --------------------------------------------------------------------------------------------------------------

_MAX_SIZE, _MAX_DEPTH, _MAX_ROWS, _MAX_COLUMNS = 1000, 10, 10, 20
_PRECISION = 8


# Java's Formatter rounds half up, from the shortest decimal that reads back as the double (0.125 → "0.13",
# where Python's "%.2f" gives "0.12"); Decimal(repr(v)) is that decimal.
def _java_f(v: float, precision: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 400
        q = Decimal(repr(v)).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)
        return format(q, "f")


def _java_e(v: float, precision: int) -> tuple[str, int]:
    """Java's ``%.{precision}e`` of ``v`` as (mantissa, exponent)."""
    if v == 0:
        return ("-" if math.copysign(1, v) < 0 else "") + format(0, f".{precision}f"), 0
    with localcontext() as ctx:
        ctx.prec = 400
        d = Decimal(repr(v))
        e = d.adjusted()
        step = Decimal(1).scaleb(-precision)
        m = d.scaleb(-e).quantize(step, rounding=ROUND_HALF_UP)
        if abs(m) >= 10:  # 9.9999996 rounds up to 10.000000
            m, e = (m / 10).quantize(step, rounding=ROUND_HALF_UP), e + 1
        return format(m, "f"), e


def _java_e_text(v: float, precision: int) -> str:
    mantissa, e = _java_e(v, precision)
    sign = "" if mantissa.startswith("-") else " "
    return f"{sign}{mantissa}e{'-' if e < 0 else '+'}{abs(e):02d}"


def _float_formatter(values: np.ndarray):
    """DJL's FloatFormat: one width and precision for the whole array, integral values as ``4.``."""
    max_int = max_frac = exp_frac = total = 0
    sign = False
    vmax, vmin = 0.0, float("inf")
    for v in map(float, values):
        if v < 0:
            sign = True
        if not math.isfinite(v):
            total = max(total, 4 if v < 0 else 3)
            continue
        a = abs(v)
        mantissa, e = _java_e(a, 6)
        fraction = len(mantissa.partition(".")[2].rstrip("0"))
        exp_frac = max(exp_frac, fraction)
        if a >= 1:
            digits = int(math.log10(a)) + 1
            max_int = max(max_int, digits + (v < 0))
            # DJL counts the minus sign here too, which drops a digit from negative numbers
            # ([-1.5, 2.] would print as [-2.,  2.]); the digits alone are counted here.
            max_frac = max(max_frac, fraction + 1 - digits)
        else:
            max_int = max(max_int, 2 if v < 0 else 1)
            max_frac = max(max_frac, fraction + abs(e))
        vmax = max(vmax, a)
        if 0 < a < vmin:
            vmin = a
    ratio = vmax / vmin if vmin != float("inf") else 0.0
    exponential = vmax > 1e8 or (vmin != float("inf") and vmin < 1e-4) or ratio > 1000
    if exponential:  # always printed with 8 digits; the width only pads nan and inf
        total = min(_PRECISION, exp_frac) + 4 + sign
        precision = _PRECISION
    else:
        precision = min(4, max_frac)
        total = max(total, max_int + precision + 1)

    def fmt(v) -> str:
        v = float(v)
        if math.isnan(v):
            return "nan".rjust(total)
        if math.isinf(v):
            return ("inf" if v > 0 else "-inf").rjust(total)
        if exponential:
            return _java_e_text(v, precision)
        if precision == 0:
            return _java_f(v, 0).rjust(total - 1) + "."
        text = _java_f(v, precision).rjust(total)
        stripped = text.rstrip("0")
        return stripped + " " * (len(text) - len(stripped))  # trailing zeros become spaces

    return fmt


def _int_formatter(values: np.ndarray):
    """DJL's IntFormat: width of the widest number, at least 2 (room for a minus sign), 1 for one element."""
    if values.size == 1:
        return lambda v: str(int(v))
    ints = [int(v) for v in values]
    biggest = max(abs(v) for v in ints)
    negative = max((abs(v) for v in ints if v < 0), default=0)
    if biggest >= 1e8:
        precision = min(_PRECISION, int(math.log10(biggest)) + 1)
        return lambda v: _java_e_text(float(np.float32(v)), precision)
    width = max(int(math.log10(biggest)) + 1 if biggest else 1, int(math.log10(negative)) + 2 if negative else 2)
    return lambda v: str(int(v)).rjust(width)


def _formatter(values: np.ndarray):
    kind = values.dtype.kind
    if values.dtype == np.uint8:
        return lambda v: f"0x{int(v) & 0xFF:02X}"
    if kind == "b":
        return lambda v: " true" if v else "false"
    if kind in "iu":
        return _int_formatter(values)
    return _float_formatter(values)


def _dump(out: list, arr: np.ndarray, fmt, depth: int, first: bool) -> None:
    if not first:
        out.append(" " * depth)
    out.append("[")
    if arr.ndim == 1:
        shown = [fmt(v) for v in arr[:_MAX_COLUMNS]]
        out.append(", ".join(shown))
        if arr.shape[0] > _MAX_COLUMNS:
            out.append(f", ... {arr.shape[0] - _MAX_COLUMNS} more")
    else:
        rows = min(arr.shape[0], _MAX_ROWS)
        for i in range(rows):
            _dump(out, arr[i], fmt, depth + 1, i == 0)
        if arr.shape[0] > rows:
            out.append(" " * (depth + 1) + f"... {arr.shape[0] - rows} more")
        out.append(" " * depth)
    out.append("]" if depth == 0 else "],\n")


def _format(x: NDArray) -> str:
    header = f"{x._name or 'ND'}: {x.getShape()} {x.getDevice()} {x.getDataType()}"
    if x.hasGradient():
        header += " hasGradient"
    values = x._numpy()
    if values.size == 0:
        body = "[]"
    elif values.ndim == 0:
        body = _formatter(values.reshape(1))(values.item())
    elif values.size > _MAX_SIZE:
        body = "[ Exceed max print size ]"
    elif values.ndim > _MAX_DEPTH:
        body = "[ Exceed max print dimension ]"
    else:
        out: list[str] = []
        _dump(out, values, _formatter(values.ravel()), 0, True)
        body = "".join(out)
    return header + "\n" + body


__all__ = [
    "DataType",
    "Device",
    "Engine",
    "EngineException",
    "GradientCollector",
    "IllegalStateException",
    "NDArray",
    "NDManager",
    "Shape",
]
