"""``NDArray``: a backend tensor with DJL's methods, gradient slot and printout, and what DJL records by.

Operations are recorded only while a ``GradientCollector`` is open (``_STATE.collector``); ``_TRACKED`` holds the
arrays that ``setRequiresGradient(True)`` was called on, whose gradient slots ``backward`` writes.
"""

from __future__ import annotations

import functools
import operator
import threading

import numpy as np

from .._dialect import OPERATORS, Array, Marked, check_backend, named, operators, recording_state, run
from ..backends import Backend
from ._format import _format
from ._types import DataType, Device, EngineException, IllegalArgumentException, IllegalStateException, Shape

# One open collector at a time, for the whole process (DJL's rule).
_STATE = recording_state(per_thread=False, collector=None)  # only one collector may be open, in any thread


def _recording() -> bool:
    """Whether operations record: a collector is open, and in this thread (the engine's grad mode is per thread)."""
    c = _STATE.collector
    return c is not None and c._thread == threading.get_ident()
_TRACKED = Marked()

# Java's method for each Python operator: x + y is x.add(y)
_JAVA = {
    "add": "add",
    "sub": "sub",
    "mul": "mul",
    "truediv": "div",
    "pow": "pow",
    "matmul": "matMul",
    "eq": "eq",
    "ne": "neq",
    "gt": "gt",
    "ge": "gte",
    "lt": "lt",
    "le": "lte",
}


# --------------------------------------------------------------------------------------------------------------
# Mixing backends: refused, with the fix, before anything is computed
# --------------------------------------------------------------------------------------------------------------


def _foreign_tensor(x) -> bool:
    """A tensor of some backend (both speak PyTorch's API), though not of the one asked for."""
    return hasattr(x, "requires_grad") and hasattr(x, "grad_fn") and hasattr(x, "dtype")


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


def _mixing_error(op: str, b: Backend, other) -> EngineException:
    return EngineException(_mixing_message(op, b, _describe(other)))


def _check_same_backend(b: Backend, other: NDArray, op: str) -> None:
    check_backend(b, [other], NDArray, functools.partial(_mixing_error, op))


# --------------------------------------------------------------------------------------------------------------
# NDArray
# --------------------------------------------------------------------------------------------------------------


def _axes(axes) -> tuple:
    return (operator.index(axes),) if not isinstance(axes, (list, tuple)) else tuple(map(operator.index, axes))


def _java_operator(stem: str):
    """The Java method for Python's operator ``stem``: ``x.add(y)`` is ``x + y``."""
    java, fn = _JAVA[stem], OPERATORS[stem]

    def method(self, other) -> NDArray:
        return self._binary(java, other, fn)

    return named(method, java, owner="NDArray")


def _elementwise(name: str):
    """``x.exp()``: the backend's function of that name, elementwise."""

    def method(self) -> NDArray:
        return self._run(getattr(self._ns, name), self._t)

    return named(method, name, owner="NDArray")


def _reduction(name: str, doc: str | None = None):
    """``x.sum()`` over all elements, ``x.sum(axes, keepDims)`` along ``axes``."""

    def method(self, axes=None, keepDims: bool = False) -> NDArray:
        if axes is None:
            return self._run(operator.methodcaller(name), self._t)
        return self._run(operator.methodcaller(name, dim=_axes(axes), keepdim=keepDims), self._t)

    return named(method, name, doc, owner="NDArray")


def _required(required: str, dtypes: tuple, hint: str):
    """DJL's check before reading values: the array's DataType must be the Java type's exactly."""

    def check(self, op: str) -> None:
        if self.getDataType() not in dtypes:
            raise IllegalStateException(
                f"DataType mismatch, Required {required}, Actual {self.getDataType()}\n"
                f"(nbautodiff: {op}() reads {' or '.join(map(str, dtypes))} arrays; {hint})"
            )

    return check


def _reader(name: str, convert, check):
    """``x.getFloat(*indices)``: one element, as Java's type (DJL: ``getScalar(indices).toFloatArray()[0]``)."""

    def method(self, *indices):
        check(self, name)
        return convert(self._element(name, indices))

    method.__annotations__["return"] = convert.__name__
    return named(method, name, owner="NDArray")


def _lister(name: str, convert, check):
    """``x.toFloatArray()``: every element, as Java's type, in a flat list."""

    def method(self):
        check(self, name)
        return [convert(v) for v in self._numpy().ravel()]

    method.__annotations__["return"] = f"list[{convert.__name__}]"
    return named(method, name, owner="NDArray")


def _convert_hint(target: str) -> str:
    return f"convert it first: x.toType(DataType.{target}, False)"


_FLOATS = _required("float", (DataType.FLOAT32, DataType.FLOAT16), _convert_hint("FLOAT32"))
_DOUBLES = _required("double", (DataType.FLOAT64,), _convert_hint("FLOAT64"))
_INTS = _required("int", (DataType.INT32,), _convert_hint("INT32"))
_LONGS = _required("long", (DataType.INT64,), _convert_hint("INT64"))
_BOOLEANS = _required("boolean", (DataType.BOOLEAN,), "compare it first, e.g. x.gt(0).getBoolean()")


@operators(binary="add sub mul truediv pow matmul eq ne lt le gt ge", reflected="add sub mul truediv pow", unary="neg")
class NDArray(Array):
    """A backend tensor with DJL's methods, gradient slot and printout (``ND: (4) cpu() float32``)."""

    __slots__ = ("_manager", "_grad", "_requires_grad", "_name", "__weakref__")
    __hash__ = object.__hash__  # __eq__ is elementwise; identity stays the hash

    def __init__(self, manager, tensor):
        self._manager = manager
        self._t = tensor
        self._grad = None  # the gradient slot: allocated by setRequiresGradient(True), written by backward
        self._requires_grad = False
        self._name = None

    # -- running an op on the backend ------------------------------------------------------------------------

    @property
    def _backend(self) -> Backend:
        return self._manager._backend

    def _lives_on(self, b: Backend) -> bool:
        return self._manager._backend == b

    @property
    def _ns(self):
        return self._manager._backend.ns

    def _run(self, fn, *args) -> NDArray:
        """``fn(*args)`` on the manager's backend, recorded only inside a GradientCollector opened in this thread
        (DJL's rule). What the engine refuses is DJL's ``EngineException``, with the engine's text."""
        try:
            return run(self._manager._backend, _recording(), fn, args, functools.partial(NDArray, self._manager))
        except (EngineException, IllegalStateException, IllegalArgumentException):
            raise
        except (RuntimeError, IndexError) as e:
            raise EngineException(str(e)) from None

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
        return self._run(fn, self._t, self._operand(other, op))

    def _reflected(self, op: str, other, fn) -> NDArray:
        return self._run(fn, self._operand(other, op), self._t)

    # -- gradients -------------------------------------------------------------------------------------------

    def setRequiresGradient(self, requiresGrad: bool) -> None:
        """Attach a gradient slot (zeros, same shape and dtype); ``backward`` writes into it."""
        ns = self._ns
        if requiresGrad:
            if not self.getDataType().isFloating():
                raise EngineException(
                    "Only Tensors of floating point and complex dtype can require gradients\n(nbautodiff: "
                    f"setRequiresGradient(True) on a {self.getDataType()} NDArray; create it from floats "
                    "(manager.arange(4f) → manager.arange(4.0)) or convert it: x = x.toType(DataType.FLOAT32, False))"
                )
            with ns.no_grad():
                leaf = self._t.detach()
                leaf.requires_grad_(True)
                grad = ns.zeros_like(leaf)
            self._t, self._grad, self._requires_grad = leaf, grad, True
            _TRACKED.add(self)
        else:
            self._t, self._grad, self._requires_grad = self._t.detach(), None, False
            _TRACKED.discard(self)

    def getGradient(self) -> NDArray:
        """The gradient slot (sharing its memory): zeros until a ``backward`` writes it."""
        if self._grad is None:
            raise IllegalStateException(
                "No gradient attached to this NDArray, please call array.setRequiresGradient() on your NDArray or "
                "block.setInitializer() on your Block\n(nbautodiff: call x.setRequiresGradient(True) first, then "
                "compute inside Engine.getInstance().newGradientCollector() and call gc.backward(y))"
            )
        return NDArray(self._manager, self._grad)

    def hasGradient(self) -> bool:
        return self._requires_grad

    def stopGradient(self) -> NDArray:
        """The same values, cut from the recorded computation (gradients don't flow back through it)."""
        return NDArray(self._manager, self._t.detach())

    # -- arithmetic and comparisons (comparisons give boolean NDArrays) --------------------------------------

    add, sub, mul, div, pow, matMul = map(_java_operator, ("add", "sub", "mul", "truediv", "pow", "matmul"))
    eq, neq, gt, gte, lt, lte = map(_java_operator, ("eq", "ne", "gt", "ge", "lt", "le"))

    def neg(self) -> NDArray:
        return self._run(operator.neg, self._t)

    def dot(self, other) -> NDArray:
        """Inner product of vectors; matrix product for 2-D arrays; a product with a scalar."""
        o = self._operand(other, "dot")
        a_dim, b_dim = self._t.ndim, (o.ndim if self._manager._backend.is_tensor(o) else 0)
        if a_dim == 0 or b_dim == 0:
            return self._run(operator.mul, self._t, o)
        if a_dim == 1 and b_dim == 1:
            return self._run(self._ns.dot, self._t, o)
        if a_dim <= 2 and b_dim <= 2:
            return self._run(self._ns.matmul, self._t, o)
        raise EngineException(
            f"dot: shapes {self.getShape()} and {Shape(tuple(o.shape))}: dot of arrays past 2-D is not supported "
            "here; use matMul for batched matrix products"
        )

    # -- Python's operators (installed by @operators): each one is the Java method beside it -----------------

    def _binary_op(self, stem: str, fn, other, reflected: bool) -> NDArray:
        return (self._reflected if reflected else self._binary)(_JAVA[stem], other, fn)

    def _unary_op(self, stem: str, fn) -> NDArray:
        return self.neg()

    # -- reductions and elementwise functions ----------------------------------------------------------------

    sum, mean = _reduction("sum"), _reduction("mean")
    norm = _reduction("norm", "The L2 norm of all elements (or along ``axes``).")
    exp, log, sin, cos, tanh = map(_elementwise, ("exp", "log", "sin", "cos", "tanh"))
    sqrt, abs, square = map(_elementwise, ("sqrt", "abs", "square"))

    # -- shapes and indexing ---------------------------------------------------------------------------------

    def reshape(self, *shape) -> NDArray:
        """``reshape(Shape(2, 2))`` or ``reshape(2, 2)``; -1 infers a dimension."""
        dims = shape[0].getShape() if len(shape) == 1 and isinstance(shape[0], Shape) else Shape(*shape).getShape()
        return self._run(operator.methodcaller("reshape", dims), self._t)

    def transpose(self, *axes) -> NDArray:
        """All axes reversed, or permuted as ``axes`` says (DJL's ``transpose(int... axes)``)."""
        order = tuple(map(operator.index, axes)) if axes else tuple(reversed(range(self._t.ndim)))
        return self._run(operator.methodcaller("permute", *order), self._t)

    def swapAxes(self, axis1: int, axis2: int) -> NDArray:
        return self._run(self._ns.transpose, self._t, axis1, axis2)

    def flatten(self) -> NDArray:
        return self._run(operator.methodcaller("reshape", -1), self._t)

    def get(self, *index) -> NDArray:
        """``get(1)``, ``get(0, 1)``, DJL index strings (``"1"``, ``":2"``, ``"1:3"``, ``"..., 0"``, ``":, {}"``
        with arguments) or a boolean NDArray mask."""
        if index and isinstance(index[0], str):
            key = _parse_index(index[0], index[1:])
        elif len(index) == 1 and isinstance(index[0], NDArray):
            key = self._operand(index[0], "get")
        else:
            key = tuple(map(operator.index, index))
        return self._run(operator.getitem, self._t, key)

    def duplicate(self) -> NDArray:
        return self._run(operator.methodcaller("clone"), self._t)

    def toType(self, dataType: DataType, copy: bool = False) -> NDArray:
        if not copy and dataType == self.getDataType():
            return self
        return self._run(operator.methodcaller("to", dataType._to(self._ns)), self._t)

    def zerosLike(self) -> NDArray:
        return self._manager._make("zerosLike", "zeros_like", self._t)

    def onesLike(self) -> NDArray:
        return self._manager._make("onesLike", "ones_like", self._t)

    # -- what it is ------------------------------------------------------------------------------------------

    def getShape(self) -> Shape:
        return Shape(tuple(self._t.shape))

    def getDataType(self) -> DataType:
        return DataType._of(self._t.dtype)

    def getDevice(self) -> Device:
        return Device._of(self._t.device)

    def getManager(self):
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

    def _element(self, op: str, indices):
        arr = self._numpy()
        if indices:
            arr = arr[tuple(map(operator.index, indices))]
        if arr.size != 1:
            raise IllegalArgumentException(
                f"The supplied Index does not produce a scalar\n(nbautodiff: {op}() reads one element, but "
                f"{'x' if not indices else 'x.get(...)'} has shape {Shape(arr.shape)}; reduce it first (sum(), "
                f"norm()) or give the element's indices, e.g. {op}(0))"
            )
        return arr.reshape(()).item()

    getFloat, getDouble = _reader("getFloat", float, _FLOATS), _reader("getDouble", float, _DOUBLES)
    getInt, getLong = _reader("getInt", int, _INTS), _reader("getLong", int, _LONGS)
    getBoolean = _reader("getBoolean", bool, _BOOLEANS)
    toFloatArray, toDoubleArray = _lister("toFloatArray", float, _FLOATS), _lister("toDoubleArray", float, _DOUBLES)
    toIntArray, toLongArray = _lister("toIntArray", int, _INTS), _lister("toLongArray", int, _LONGS)
    toBooleanArray = _lister("toBooleanArray", bool, _BOOLEANS)

    def toArray(self) -> list:
        return self._numpy().ravel().tolist()

    # -- printing --------------------------------------------------------------------------------------------

    def toString(self) -> str:
        return _format(self)

    __repr__ = __str__ = toString

    # -- Python protocols ------------------------------------------------------------------------------------

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.get(key)
        key = self._operand(key, "get") if isinstance(key, NDArray) else key
        return self._run(operator.getitem, self._t, key)

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
        return float(self._element("float", ()))


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
