"""The TensorFlow dialect: ``import nbautodiff.tf as tf`` and TensorFlow 2 lesson code runs on nbautodiff.

Eager tensors, ``tf.Variable``, ``tf.GradientTape``, ``tf.custom_gradient``, ``tf.stop_gradient``, the math and
``reduce_*`` functions and a minimal ``tf.keras.layers.Layer``, written once against the active backend's
PyTorch-compatible namespace, so the same lesson runs on the own engine or on real PyTorch (CPU or CUDA). The d2l
example, y = 2xᵀx at x = [0, 1, 2, 3]:

>>> import nbautodiff.tf as tf
>>> x = tf.Variable(tf.reshape(tf.range(4.0), (4, 1)))
>>> with tf.GradientTape() as t:
...     y = 2 * tf.transpose(x) @ x
>>> float(y)
28.0
>>> t.gradient(y, x)
<tf.Tensor: shape=(4, 1), dtype=float32, numpy=
array([[ 0.],
       [ 4.],
       [ 8.],
       [12.]], dtype=float32)>

TensorFlow's rules, not PyTorch's: a tape records only inside its ``with`` block; ``tape.gradient`` *returns*
gradients (nothing is stored or accumulated); a non-scalar target is summed; a non-persistent tape answers once.
One deliberate difference: asking for the gradient of a source the tape never watched (a ``tf.constant`` without
``tape.watch``) is an error naming the fix, where TensorFlow silently returns ``None``.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import itertools
import math as _math
import numbers
import operator
import re
import threading
import types as _types
import warnings
import weakref

import numpy as np

from . import backends as _backends
from ._dims import Dims

# This module defines tf.range, tf.abs, tf.pow and the dtype tf.bool, which hide the builtins inside it.
_range, _bool, _max = builtins.range, builtins.bool, builtins.max

NON_PERSISTENT_USED = "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"


def _ns():
    return _backends.backend().ns


# ----------------------------------------------------------------------------------------------------- errors
class OpError(Exception):
    """TensorFlow's base class for errors raised while running an op."""


class InvalidArgumentError(OpError):
    """An op got arguments it cannot work with (mismatched dtypes or shapes)."""


errors = _types.ModuleType("nbautodiff.tf.errors", "``tf.errors``: the exception classes.")
errors.OpError, errors.InvalidArgumentError = OpError, InvalidArgumentError


# ----------------------------------------------------------------------------------------------------- dtypes
class DType:
    """A TensorFlow dtype: ``repr`` is ``tf.float32``, ``str`` is ``<dtype: 'float32'>``, as in TensorFlow."""

    __slots__ = ("name", "_np")

    def __init__(self, name: str):
        self.name, self._np = name, np.dtype(name)

    @property
    def as_numpy_dtype(self):
        return self._np.type

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def size(self) -> int:
        return self._np.itemsize

    def _backend(self, ns):
        return getattr(ns, self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other) -> bool:
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __ne__(self, other) -> bool:
        return not self == other

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


_DTYPES = {
    name: DType(name) for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")
}
# TensorFlow's own names, used in its error messages ("expected to be a float tensor")
_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def as_dtype(type_value) -> DType:
    """``tf.as_dtype``: a DType from a DType, a name, a numpy dtype or a backend dtype."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        name = type_value
    else:
        try:
            name = np.dtype(type_value).name
        except TypeError:
            name = str(type_value).rpartition(".")[2]  # torch.float32, nbautodiff's float32
    name = {"float": "float32", "double": "float64", "half": "float16"}.get(name, name)
    if name not in _DTYPES:
        raise TypeError(f"Cannot convert {type_value!r} to a TensorFlow DType.")
    return _DTYPES[name]


_BACKEND_DTYPES: dict = {}


def _dtype_of(t) -> DType:
    """The DType of a backend tensor (cached per backend dtype object)."""
    dt = t.dtype
    found = _BACKEND_DTYPES.get(dt)
    if found is None:
        found = _BACKEND_DTYPES[dt] = as_dtype(str(dt).rpartition(".")[2])
    return found


# ----------------------------------------------------------------------------------------------------- shapes
class TensorShape(Dims):
    """The shape of an eager tensor: prints as ``(4, 1)``, indexes to ints, compares equal to tuples and lists."""

    __slots__ = ()

    def __init__(self, dims):
        self._dims = tuple(int(d) for d in dims)

    @property
    def rank(self) -> int:
        return len(self._dims)

    ndims = rank

    def as_list(self) -> list:
        return list(self._dims)

    def num_elements(self) -> int:
        return int(np.prod(self._dims, dtype=np.int64))

    def __getitem__(self, key):
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return self._dims[key]

    def __repr__(self) -> str:
        return f"TensorShape({list(self._dims)})"

    def __str__(self) -> str:
        return str(self._dims)


# ----------------------------------------------------------------------------------------------------- the tape stack
_state = threading.local()


def _stack() -> list:
    try:
        return _state.stack
    except AttributeError:
        _state.stack = []
        return _state.stack


def _recording_tapes() -> list:
    return [tape for tape in _stack() if tape._recording]


def _connected(x, tapes) -> frozenset:
    """The ids of the tapes (among ``tapes``) that recorded ``x`` or watch it."""
    return frozenset(tape._id for tape in tapes if tape._id in x._tapes or id(x) in tape._watched)


# ----------------------------------------------------------------------------------------------------- tensors
def _numpy_text(value: np.ndarray, is_repr: bool) -> str:
    """TensorFlow's ``numpy=`` text: numpy's repr of an array (on a new line if it has several), a scalar's value."""
    text = str(value[()]) if value.ndim == 0 else (repr(value) if is_repr else str(value))
    return "\n" + text if "\n" in text else text


class _TensorLike:
    """What eager tensors and variables share: values, shape, dtype, operators (TensorFlow's dtype rules)."""

    __slots__ = ()
    __array_priority__ = 100  # numpy arrays and scalars defer to our reflected operators
    _tapes = frozenset()

    # ---- values
    @property
    def backend_tensor(self):
        """The active backend's tensor under this one (nbautodiff's extension: draw it with ``nb.graph``)."""
        return self._t

    def _values(self) -> np.ndarray:
        return np.array(_backends.backend().to_numpy(self._t))

    def numpy(self):
        """A numpy copy of the values; a numpy scalar (``np.float32(28.0)``) for a 0-d tensor, as in TensorFlow."""
        value = self._values()
        return value[()] if value.ndim == 0 else value

    def __array__(self, dtype=None, copy=None):
        value = self._values()
        return value if dtype is None else value.astype(dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._t.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return self._t.dim()

    @property
    def dtype(self) -> DType:
        return _dtype_of(self._t)

    @property
    def device(self) -> str:
        dev = self._t.device
        kind, index = ("GPU", dev.index or 0) if getattr(dev, "type", "cpu") == "cuda" else ("CPU", 0)
        return f"/job:localhost/replica:0/task:0/device:{kind}:{index}"

    def _scalar(self, what: str):
        value = self._values()
        if value.size != 1:
            raise TypeError(f"only size-1 tensors can be converted to Python {what}s; this one has shape {self.shape}")
        return value.reshape(()).item()

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __index__(self) -> int:
        if not self.dtype.is_integer:
            raise TypeError(f"only integer scalar tensors can be used as an index, not {self.dtype!r}")
        return int(self._scalar("int"))

    def __bool__(self) -> bool:
        return _bool(self._values())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._t.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in _range(len(self)))

    def __format__(self, spec: str) -> str:
        return format(self.numpy(), spec) if spec else str(self)

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self):
        """A hashable reference to this tensor (dict keys, sets), as ``tensor.ref()`` in TensorFlow."""
        return _Ref(self)

    def __getitem__(self, key):
        key = _index_key(key)
        return _run(lambda t: t[key], self)

    # ---- operators
    def __add__(self, other):
        return _binary("AddV2", _add, self, other)

    def __radd__(self, other):
        return _binary("AddV2", _add, other, self)

    def __sub__(self, other):
        return _binary("Sub", _sub, self, other)

    def __rsub__(self, other):
        return _binary("Sub", _sub, other, self)

    def __mul__(self, other):
        return _binary("Mul", _mul, self, other)

    def __rmul__(self, other):
        return _binary("Mul", _mul, other, self)

    def __truediv__(self, other):
        return divide(self, other)

    def __rtruediv__(self, other):
        return divide(other, self)

    def __floordiv__(self, other):
        return _binary("FloorDiv", _floordiv, self, other)

    def __rfloordiv__(self, other):
        return _binary("FloorDiv", _floordiv, other, self)

    def __mod__(self, other):
        return _binary("FloorMod", _mod, self, other)

    def __rmod__(self, other):
        return _binary("FloorMod", _mod, other, self)

    def __pow__(self, other):
        return _binary("Pow", _power, self, other)

    def __rpow__(self, other):
        return _binary("Pow", _power, other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return _run(_neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _run(_abs_op, self)

    def __invert__(self):
        return _run(_invert, self)

    def __lt__(self, other):
        return _binary("Less", _lt, self, other)

    def __le__(self, other):
        return _binary("LessEqual", _le, self, other)

    def __gt__(self, other):
        return _binary("Greater", _gt, self, other)

    def __ge__(self, other):
        return _binary("GreaterEqual", _ge, self, other)

    def __eq__(self, other):
        if other is None:
            return False
        try:
            return _binary("Equal", _eq, self, other)
        except (TypeError, ValueError, InvalidArgumentError):
            return False

    def __ne__(self, other):
        if other is None:
            return True
        try:
            return _binary("NotEqual", _ne, self, other)
        except (TypeError, ValueError, InvalidArgumentError):
            return True


class _Ref:
    """``tensor.ref()``: hashable by identity, ``deref()`` gives the tensor back."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, _Ref) and other._obj is self._obj


class Tensor(_TensorLike):
    """An eager tensor: immutable values on the active backend.

    >>> tf.constant(28.)
    <tf.Tensor: shape=(), dtype=float32, numpy=28.0>
    >>> print(tf.constant([1, 2]))
    tf.Tensor([1 2], shape=(2,), dtype=int32)
    """

    __slots__ = ("_t", "_tapes")

    def __init__(self, *args, **kwargs):
        raise TypeError("tf.Tensor objects are made by ops: use tf.constant(value) or tf.convert_to_tensor(value)")

    @classmethod
    def _make(cls, t, tapes=frozenset()) -> Tensor:
        self = object.__new__(cls)
        self._t, self._tapes = t, tapes
        return self

    def __repr__(self) -> str:
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={_numpy_text(self._values(), True)}>"

    def __str__(self) -> str:
        return f"tf.Tensor({_numpy_text(self._values(), False)}, shape={self.shape}, dtype={self.dtype.name})"


class Variable(_TensorLike):
    """``tf.Variable``: a mutable tensor that tapes watch automatically when it is trainable.

    >>> v = tf.Variable(100.0)
    >>> v
    <tf.Variable 'Variable:0' shape=() dtype=float32, numpy=100.0>
    >>> v.assign_sub(1.).numpy()
    np.float32(99.0)
    """

    __slots__ = ("_t", "_trainable", "_name")

    def __init__(self, initial_value=None, trainable=None, name=None, dtype=None, shape=None, **kwargs):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        value = _tensor(initial_value, dtype)
        ns = _ns()
        with ns.no_grad():
            t = value._t.detach().clone()
        self._trainable = True if trainable is None else _bool(trainable)
        if self._trainable and value.dtype.is_floating:
            t.requires_grad_(True)
        self._t = t
        self._name = f"{name or 'Variable'}:0" if not str(name or "").endswith(":0") else name

    @property
    def name(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    def value(self) -> Tensor:
        """The current value as a tensor (read on the tape when a tape watches this variable)."""
        return _run(_clone, self)

    read_value = value

    def _write(self, value, how: str) -> Variable:
        value = _tensor(value, self.dtype)
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError(
                f"Cannot assign value to variable ' {self._name}': Shape mismatch.The variable shape {self.shape}, "
                f"and the assigned value shape {value.shape} are incompatible."
            )
        ns = _ns()
        with ns.no_grad():  # an update, as an optimiser's: never recorded
            getattr(self._t, how)(value._t.detach())
        return self

    def assign(self, value, use_locking=None, name=None, read_value=True) -> Variable:
        """Replace the values (shape and dtype stay)."""
        return self._write(value, "copy_")

    def assign_add(self, delta, use_locking=None, name=None, read_value=True) -> Variable:
        return self._write(delta, "add_")

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True) -> Variable:
        """``v.assign_sub(lr * g)``: the gradient-descent step."""
        return self._write(delta, "sub_")

    def __repr__(self) -> str:
        return (
            f"<tf.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
            f"numpy={_numpy_text(self._values(), True)}>"
        )


# ----------------------------------------------------------------------------------------------------- running ops
def _wrap(out, tapes: frozenset):
    if isinstance(out, (tuple, list)):
        return type(out)(_wrap(o, tapes) for o in out)
    if hasattr(out, "requires_grad") and hasattr(out, "dtype"):
        return Tensor._make(out, tapes if (tapes and out.requires_grad) else frozenset())
    return out


def _run(fn, *inputs):
    """Run ``fn`` on the inputs' backend tensors: recorded only for the tapes that watch or recorded an input.

    Outside every tape nothing is recorded (``no_grad``); inside, inputs no recording tape knows are detached, so a
    tensor computed before it was watched is a constant, as in TensorFlow.
    """
    ns = _ns()
    for x in inputs:
        if not isinstance(x._t, ns.Tensor):
            raise RuntimeError(
                f"this tf tensor was made on another backend than the active one ({_backends.backend().label}); "
                "make it again after switching backends (nb.use_backend / nb.set_backend)"
            )
    tapes = _recording_tapes()
    if tapes:
        links, ids = [], frozenset()
        for x in inputs:
            if isinstance(x, Variable) and x._trainable:
                for tape in tapes:
                    if tape._watch_accessed_variables:
                        tape._watch_one(x)
            link = _connected(x, tapes)
            links.append(link)
            ids |= link
        if ids:
            args = [x._t if link or not x._t.requires_grad else x._t.detach() for x, link in zip(inputs, links)]
            with ns.enable_grad():
                return _wrap(fn(*args), ids)
    with ns.no_grad():
        return _wrap(fn(*[x._t for x in inputs]), frozenset())


def _index_key(key):
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, _TensorLike):
        return key.numpy()
    return key


# binary and unary operators are Python's (operator.add, ...): both backends' tensors implement them
_add, _sub, _mul, _div, _floordiv, _mod, _power = (
    operator.add,
    operator.sub,
    operator.mul,
    operator.truediv,
    operator.floordiv,
    operator.mod,
    operator.pow,
)
_neg, _invert, _lt, _le, _gt, _ge, _eq, _ne = (
    operator.neg,
    operator.invert,
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
    operator.eq,
    operator.ne,
)


def _abs_op(x):
    return x.abs()


def _clone(x):
    return x.clone()


def _python_scalar(value, dtype: DType):
    """A Python number given to an op with a tensor of ``dtype`` takes that dtype, as TensorFlow converts it."""
    if dtype.is_floating:
        return float(value)
    is_float = isinstance(value, (float, np.floating))
    if dtype.is_integer and not is_float and not isinstance(value, (_bool, np.bool_)):
        return int(value)
    if dtype.is_bool and isinstance(value, (_bool, np.bool_)):
        return _bool(value)
    raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")


def _is_scalar(value) -> bool:
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, np.ndarray)


def _binary(op: str, fn, a, b):
    """A binary op with TensorFlow's dtype rule: both sides must have one dtype; Python numbers take the tensor's."""
    if not isinstance(a, _TensorLike):
        if _is_scalar(a):
            a = _python_scalar(a, b.dtype)
            return _run(lambda y: fn(a, y), b)
        a = _tensor(a, b.dtype)
    if not isinstance(b, _TensorLike):
        if _is_scalar(b):
            b = _python_scalar(b, a.dtype)
            return _run(lambda x: fn(x, b), a)
        b = _tensor(b, a.dtype)
    _same_dtype(op, a, b)
    _broadcastable(op, a, b)
    return _run(fn, a, b)


def _broadcastable(op: str, a, b) -> None:
    """TensorFlow's error for shapes that do not broadcast, before anything is computed."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    if sa == sb:
        return
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise InvalidArgumentError(
            f"Incompatible shapes: [{','.join(map(str, sa))}] vs. [{','.join(map(str, sb))}] [Op:{op}] name: \n"
            "(nbautodiff: sizes must be equal or 1 in each dimension, counted from the right; "
            "use tf.reshape or tf.expand_dims on one side)"
        ) from None


def _same_dtype(op: str, *tensors) -> None:
    first = tensors[0].dtype
    for i, t in enumerate(tensors[1:], start=1):
        if t.dtype is not first:
            expected = _TF_TYPE_NAMES.get(first.name, first.name)
            got = _TF_TYPE_NAMES.get(t.dtype.name, t.dtype.name)
            raise InvalidArgumentError(
                f"cannot compute {op} as input #{i}(zero-based) was expected to be a {expected} tensor but is a "
                f"{got} tensor [Op:{op}] name: \n(nbautodiff: TensorFlow never converts dtypes implicitly; "
                f"use tf.cast(x, tf.{first.name}))"
            )


# ----------------------------------------------------------------------------------------------------- conversion
def _as_array(value, dtype: DType | None = None) -> np.ndarray:
    """TensorFlow's conversion: Python floats become float32 and ints int32; numpy arrays keep their dtype."""
    if isinstance(value, _TensorLike):
        arr = value._values()
    elif isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
    else:
        arr = np.array(value)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif arr.dtype.kind in "iu":
            info = np.iinfo(np.int32)
            fits = arr.size == 0 or (arr.min() >= info.min and arr.max() <= info.max)
            arr = arr.astype(np.int32 if fits else np.int64)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"Cannot convert {value!r} to an EagerTensor: dtype {arr.dtype} is not supported")
    if dtype is not None and arr.dtype != dtype._np:
        if arr.dtype.kind == "f" and not dtype.is_floating and not np.all(np.mod(arr, 1) == 0):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        arr = arr.astype(dtype._np)
    return arr


def _from_array(arr: np.ndarray) -> Tensor:
    return Tensor._make(_ns().tensor(np.array(arr, order="C")))


def _tensor(value, dtype=None) -> _TensorLike:
    """Tensors and variables as they are (cast if ``dtype`` asks), anything else converted."""
    dtype = None if dtype is None else as_dtype(dtype)
    if isinstance(value, _TensorLike):
        if dtype is None or value.dtype is dtype:
            return value
        raise ValueError(
            f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype {value.dtype.name}: "
            f"use tf.cast(x, tf.{dtype.name})"
        )
    return _from_array(_as_array(value, dtype))


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """``tf.constant``: a tensor that tapes do not watch unless told (``tape.watch``).

    >>> tf.constant([[-1., 0.], [2., 3.]]).dtype
    tf.float32
    """
    dtype = None if dtype is None else as_dtype(dtype)
    arr = _as_array(value, dtype)
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        arr = np.broadcast_to(arr, shape) if arr.size == 1 else arr.reshape(shape)
    return _from_array(arr)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """``tf.convert_to_tensor``: tensors as they are, a variable's current value, anything else as ``constant``."""
    if isinstance(value, Variable):
        return cast(value.value(), dtype) if dtype is not None else value.value()
    if not isinstance(value, _TensorLike) and dtype is None and dtype_hint is not None:
        try:
            return constant(value, dtype_hint)
        except TypeError:
            pass
    return _tensor(value, dtype)


def is_tensor(x) -> bool:
    return isinstance(x, _TensorLike)


# ----------------------------------------------------------------------------------------------------- nest
def _flatten(structure, path: str, leaves: list, paths: list) -> None:
    if isinstance(structure, dict):
        for key, value in structure.items():
            _flatten(value, f"{path}[{key!r}]", leaves, paths)
    elif isinstance(structure, (list, tuple)):
        for i, value in enumerate(structure):
            _flatten(value, f"{path}[{i}]", leaves, paths)
    else:
        leaves.append(structure)
        paths.append(path)


def _pack(structure, leaves):
    if isinstance(structure, dict):
        return type(structure)((key, _pack(value, leaves)) for key, value in structure.items())
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*(_pack(value, leaves) for value in structure))
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack(value, leaves) for value in structure)
    return next(leaves)


# ----------------------------------------------------------------------------------------------------- GradientTape
class UnconnectedGradients:
    """What ``tape.gradient`` gives for a source the target does not depend on: ``None`` or zeros."""

    NONE = "none"
    ZERO = "zero"


_tape_ids = itertools.count(1)
_live_tapes: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class GradientTape:
    """Record operations inside ``with``, then ask for gradients: ``tape.gradient(target, sources)``.

    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    <tf.Tensor: shape=(), dtype=float32, numpy=6.0>
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = _bool(persistent)
        self._watch_accessed_variables = _bool(watch_accessed_variables)
        self._id = next(_tape_ids)
        self._watched: dict = {}  # id -> tensor or variable; holding it keeps the id from being reused
        self._recording = False
        self._entered = False
        self._used = False
        _live_tapes[self._id] = self

    # ---- recording
    def __enter__(self) -> GradientTape:
        if self in _stack():
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an already-active tape.")
        _stack().append(self)
        self._recording = self._entered = True
        return self

    def __exit__(self, *exc):
        stack = _stack()
        for i in _range(len(stack) - 1, -1, -1):
            if stack[i] is self:
                del stack[i]
                break
        self._recording = False
        return False

    @contextlib.contextmanager
    def stop_recording(self):
        """Operations inside this block are not recorded on this tape."""
        previous = self._recording
        self._recording = False
        try:
            yield
        finally:
            self._recording = previous

    def reset(self) -> None:
        """Forget everything recorded and watched so far, as TF's ``reset``: the tape starts afresh."""
        _live_tapes.pop(self._id, None)
        self._id = next(_tape_ids)  # tensors recorded so far name the old id: they are constants now
        _live_tapes[self._id] = self
        self._watched.clear()
        self._used = False

    def watch(self, tensor) -> None:
        """Record operations on ``tensor`` (a constant, or a variable the tape does not watch by itself)."""
        leaves: list = []
        _flatten(tensor, "tensor", leaves, [])
        for x in leaves:
            if not isinstance(x, _TensorLike):
                raise ValueError(f"Passed in object {x!r} of type {type(x).__name__!r}, not tf.Tensor or tf.Variable")
            self._watch_one(x)

    def _watch_one(self, x) -> None:
        if id(x) in self._watched:
            return
        if not x.dtype.is_floating:
            warnings.warn(
                f"The dtype of the watched tensor must be floating (e.g. tf.float32), got {x.dtype!r}: its gradient "
                "will be None",
                stacklevel=3,
            )
        elif not x._t.requires_grad:
            try:
                x._t.requires_grad_(True)
            except RuntimeError:  # a non-leaf backend tensor: a fresh leaf with the same values
                x._t = x._t.detach().requires_grad_(True)
        self._watched[id(x)] = x

    def watched_variables(self) -> tuple:
        """The variables this tape watches (accessed trainable ones, and those passed to ``watch``)."""
        return tuple(x for x in self._watched.values() if isinstance(x, Variable))

    # ---- gradients
    def _knows(self, x) -> bool:
        return self._id in x._tapes or id(x) in self._watched

    def _check_source(self, s, path: str) -> bool:
        """True if the tape knows ``s``; False for a trainable variable it merely never saw; else a clear error."""
        if not isinstance(s, _TensorLike):
            raise TypeError(f"GradientTape.gradient: {path} is a {type(s).__name__}, not a tf.Tensor or tf.Variable")
        if self._knows(s):
            return True
        if isinstance(s, Variable):
            if s._trainable and self._watch_accessed_variables:
                return False  # not used inside the tape: unconnected, gradient None
            why = (
                "it was made with trainable=False"
                if not s._trainable
                else "this tape was made with watch_accessed_variables=False"
            )
            raise ValueError(
                f"GradientTape.gradient: {path} is the tf.Variable {s._name!r}, which this tape does not watch: {why}. "
                "TensorFlow would silently return None for it. Call tape.watch(v) inside the `with "
                "tf.GradientTape() as tape:` block, before computing with it."
            )
        raise ValueError(
            f"GradientTape.gradient: {path} (a tf.Tensor of shape {s.shape}, dtype {s.dtype.name}) is not watched by "
            "this tape, so TensorFlow would silently return None for it. Call tape.watch(x) inside the `with "
            "tf.GradientTape() as tape:` block before computing with x, or make x a tf.Variable (trainable "
            "variables are watched automatically)."
        )

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """The gradient of ``target`` (summed if not scalar) for each source, in the structure of ``sources``.

        Nothing is stored on the sources: the gradients are returned. ``None`` for a source the target does not
        depend on (``unconnected_gradients="zero"`` gives zeros instead).
        """
        if self._used:
            raise RuntimeError(NON_PERSISTENT_USED)
        if not self._entered:
            raise RuntimeError(
                "GradientTape.gradient: this tape never recorded anything; compute the target inside "
                "`with tf.GradientTape() as tape:` first"
            )
        if unconnected_gradients not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
            raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}")
        flat_sources, paths = [], []
        _flatten(sources, "sources" if isinstance(sources, (list, tuple, dict)) else "the source", flat_sources, paths)
        known = [self._check_source(s, p) for s, p in zip(flat_sources, paths)]
        targets: list = []
        _flatten(target, "target", targets, [])
        for t in targets:
            if not isinstance(t, _TensorLike):
                raise TypeError(f"GradientTape.gradient: the target is a {type(t).__name__}, not a tf.Tensor")
        if output_gradients is not None:
            seeds: list = []
            _flatten(output_gradients, "output_gradients", seeds, [])
            if len(seeds) != len(targets):
                raise ValueError(f"output_gradients has {len(seeds)} tensors for {len(targets)} targets")
            seeds = [_tensor(g, t.dtype) for g, t in zip(seeds, targets)]
        else:
            seeds = [None] * len(targets)

        if not self._persistent:
            self._used = True
            self._recording = False  # as TensorFlow: a non-persistent tape stops recording once asked
        grads = self._compute(flat_sources, known, targets, seeds)
        if unconnected_gradients == UnconnectedGradients.ZERO:
            grads = [zeros_like(s) if g is None else g for s, g in zip(flat_sources, grads)]
        return _pack(sources, iter(grads))

    def _compute(self, sources, known, targets, seeds) -> list:
        ns = _ns()
        pairs = [(t, g) for t, g in zip(targets, seeds) if self._knows(t) and t._t.requires_grad]
        inputs, slot = [], {}
        for s, k in zip(sources, known):
            if k and s._t.requires_grad and id(s) not in slot:
                slot[id(s)] = len(inputs)
                inputs.append(s._t)
        if not pairs or not inputs:
            return [None] * len(sources)
        # Gradients are themselves recorded when another tape (or this persistent one) is recording: higher order.
        others = [tape for tape in _recording_tapes() if tape is not self or self._persistent]
        outer = frozenset().union(*(_connected(x, others) for x in [t for t, _ in pairs] + list(sources)))
        create_graph = _bool(outer)
        shared = any(
            i != self._id and (tape := _live_tapes.get(i)) is not None and not tape._used
            for t, _ in pairs
            for i in t._tapes
        )
        outputs = [t._t for t, _ in pairs]
        grad_outputs = [ns.ones_like(t._t) if g is None else g._t for t, g in pairs]
        try:
            with ns.enable_grad() if create_graph else contextlib.nullcontext():
                found = ns.autograd.grad(
                    outputs,
                    inputs,
                    grad_outputs=grad_outputs,
                    retain_graph=self._persistent or create_graph or shared,
                    create_graph=create_graph,
                    allow_unused=True,
                )
        except RuntimeError as e:
            if "inplace operation" in str(e):
                raise RuntimeError(
                    f"{e}\n(nbautodiff: a variable was changed with assign/assign_add/assign_sub after the tape "
                    "recorded it; ask for the gradient before updating the variable)"
                ) from None
            raise
        out = []
        for s in sources:
            i = slot.get(id(s))
            g = None if i is None else found[i]
            out.append(None if g is None else Tensor._make(g, outer if create_graph else frozenset()))
        return out

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE):
        """d target[i] / d source[j] for every element: shape ``target.shape + source.shape`` per source."""
        if self._used:
            raise RuntimeError(NON_PERSISTENT_USED)
        persistent, self._persistent = self._persistent, True
        try:
            flat_sources: list = []
            _flatten(sources, "sources", flat_sources, [])
            n = target.shape.num_elements()
            rows = []
            for i in _range(n):
                onehot = np.zeros(n, dtype=target.dtype._np)
                onehot[i] = 1
                seed = constant(onehot.reshape(tuple(target.shape)))
                rows.append(
                    self.gradient(
                        target, flat_sources, output_gradients=seed, unconnected_gradients=unconnected_gradients
                    )
                )
        finally:
            self._persistent = persistent
        if not persistent:
            self._used = True
        result = []
        for j, s in enumerate(flat_sources):
            column = [row[j] for row in rows]
            if any(g is None for g in column):
                result.append(None)
            else:
                result.append(reshape(stack(column), tuple(target.shape) + tuple(s.shape)))
        return _pack(sources, iter(result))


# ----------------------------------------------------------------------------------------------------- custom gradients
def stop_gradient(input, name=None) -> Tensor:
    """The same values, cut from the tape: gradients do not flow through it.

    >>> x = tf.Variable(2.0)
    >>> with tf.GradientTape() as t:
    ...     u = tf.stop_gradient(x * x)
    ...     z = u * x
    >>> t.gradient(z, x)
    <tf.Tensor: shape=(), dtype=float32, numpy=4.0>
    """
    return _run(_detach, _tensor(input))


def _detach(x):
    return x.detach()


def custom_gradient(f=None):
    """Decorate ``f(x, ...) -> (y, grad_fn)``: the tape uses ``grad_fn(upstream)`` instead of differentiating ``f``.

    The article's stable gradient of 1/exp(x) at x = 100, where autodiff gives nan:

    >>> @tf.custom_gradient
    ... def f(x):
    ...     def grad(upstream):
    ...         return upstream * -tf.exp(-x)
    ...     return 1. / tf.exp(x), grad
    >>> x = tf.Variable(100.0)
    >>> with tf.GradientTape() as tape:
    ...     y = f(x)
    >>> g = tape.gradient(y, x)
    >>> g  # numpy's shortest text for this float32 subnormal, as TensorFlow shows it
    <tf.Tensor: shape=(), dtype=float32, numpy=-3.8e-44>
    >>> f"{g.numpy():.4e}"
    '-3.7835e-44'

    ``f`` runs as TensorFlow runs it eagerly, with the tapes recording, so a ``grad_fn`` that reads values of the
    forward pass differentiates again under an outer tape (second derivatives). The result is an identity
    ``autograd.Function`` of the active backend whose backward calls ``grad_fn``. Variables that ``f`` reads without
    taking them as arguments get no gradient (TensorFlow's ``grad_fn(..., variables=...)`` is not supported).
    """
    if f is None:
        return custom_gradient
    functions: dict = {}

    def function_for(ns):
        key = _backends.backend().name
        if key not in functions:

            def forward(ctx, grad_fn, n_args, *tensors):
                ctx.tf_grad_fn, ctx.n_args, ctx.n_out = grad_fn, n_args, len(tensors) - n_args
                outs = tuple(t.clone() for t in tensors[n_args:])  # the results of f, cut from f's own graph
                return outs[0] if len(outs) == 1 else outs

            def backward(ctx, *upstream):
                tapes = frozenset(tape._id for tape in _recording_tapes())  # higher order: outer tapes record grad_fn
                grads = ctx.tf_grad_fn(*[None if g is None else Tensor._make(g, tapes) for g in upstream])
                grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
                if len(grads) != ctx.n_args:
                    raise ValueError(
                        f"custom_gradient {f.__name__}: grad_fn returned {len(grads)} gradients for "
                        f"{ctx.n_args} inputs; return one per input of {f.__name__} (None where there is none)"
                    )
                return (None, None, *(None if g is None else _tensor(g)._t for g in grads), *[None] * ctx.n_out)

            functions[key] = type(
                f.__name__,
                (ns.autograd.Function,),
                {"forward": staticmethod(forward), "backward": staticmethod(backward)},
            )
        return functions[key]

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        tensors = [_tensor(a) for a in args]
        y, grad_fn = f(*tensors, **kwargs)  # keyword arguments are not differentiated, as in TensorFlow
        ys: list = []
        _flatten(y, "y", ys, [])
        ys = [_tensor(v) for v in ys]
        function = function_for(_ns())
        return _run(lambda *ts: function.apply(grad_fn, len(tensors), *ts), *tensors, *ys)

    return decorated


def function(func=None, **kwargs):
    """``tf.function``: here every function runs eagerly, so the decorator gives the function back unchanged."""
    if func is None:
        return lambda f: f
    return func


def executing_eagerly() -> bool:
    return True


# ----------------------------------------------------------------------------------------------------- math
def _unary(method: str, doc: str):
    def op(x, name=None):
        return _run(getattr(_ns(), method), _tensor(x))

    op.__doc__ = doc
    return op


exp = _unary("exp", "e to the x, elementwise.")
_log = _unary("log", "Natural logarithm, elementwise (``tf.math.log``; TensorFlow 2 has no ``tf.log``).")
_log1p = _unary("log1p", "log(1 + x), accurate for small x.")
sin = _unary("sin", "Sine, elementwise: the article's activation.")
cos = _unary("cos", "Cosine, elementwise.")
tan = _unary("tan", "Tangent, elementwise.")
tanh = _unary("tanh", "Hyperbolic tangent, elementwise.")
sqrt = _unary("sqrt", "Square root, elementwise.")
square = _unary("square", "x * x, elementwise.")
sigmoid = _unary("sigmoid", "1 / (1 + exp(-x)), elementwise.")
_reciprocal = _unary("reciprocal", "1 / x, elementwise.")
sign = _unary("sign", "-1, 0 or 1, elementwise.")
_relu = _unary("relu", "max(x, 0), elementwise.")


def abs(x, name=None):
    """|x|, elementwise."""
    return _run(_abs_op, _tensor(x))


def negative(x, name=None):
    return _run(_neg, _tensor(x))


def add(x, y, name=None):
    return _binary("AddV2", _add, *_pair(x, y))


def subtract(x, y, name=None):
    return _binary("Sub", _sub, *_pair(x, y))


def multiply(x, y, name=None):
    return _binary("Mul", _mul, *_pair(x, y))


def divide(x, y, name=None):
    """x / y; integer tensors are divided as floats (int32 → float64), as TensorFlow's ``truediv``."""
    x, y = _pair(x, y)
    for side in (x, y):
        if isinstance(side, _TensorLike) and side.dtype.is_integer:
            target = float64 if side.dtype.size >= 4 else float32
            x = cast(x, target) if isinstance(x, _TensorLike) else x
            y = cast(y, target) if isinstance(y, _TensorLike) else y
            break
    return _binary("RealDiv", _div, x, y)


def pow(x, y, name=None):
    return _binary("Pow", _power, *_pair(x, y))


def maximum(x, y, name=None):
    x, y = _pair(x, y)
    x, y = (
        _tensor(x, y.dtype) if not isinstance(x, _TensorLike) else x,
        _tensor(y, x.dtype) if not isinstance(y, _TensorLike) else y,
    )
    return _binary("Maximum", _ns().maximum, x, y)


def minimum(x, y, name=None):
    x, y = _pair(x, y)
    x, y = (
        _tensor(x, y.dtype) if not isinstance(x, _TensorLike) else x,
        _tensor(y, x.dtype) if not isinstance(y, _TensorLike) else y,
    )
    return _binary("Minimum", _ns().minimum, x, y)


def _pair(x, y):
    """Functions (not operators) convert two non-tensors too: ``tf.add(1., 2.)``."""
    if not isinstance(x, _TensorLike) and not isinstance(y, _TensorLike):
        x = _tensor(x)
    return x, y


def equal(x, y, name=None):
    return _binary("Equal", _eq, *_pair(x, y))


def not_equal(x, y, name=None):
    return _binary("NotEqual", _ne, *_pair(x, y))


def less(x, y, name=None):
    return _binary("Less", _lt, *_pair(x, y))


def greater(x, y, name=None):
    return _binary("Greater", _gt, *_pair(x, y))


def where(condition, x=None, y=None, name=None):
    """Elements of ``x`` where ``condition`` holds, else of ``y``."""
    if x is None or y is None:
        raise NotImplementedError("tf.where(condition) without x and y (the indices form) is not supported")
    cond = _tensor(condition, bool)
    x, y = _pair(x, y)
    x = x if isinstance(x, _TensorLike) else _tensor(x, y.dtype)
    y = y if isinstance(y, _TensorLike) else _tensor(y, x.dtype)
    _same_dtype("SelectV2", x, y)
    return _run(_ns().where, cond, x, y)


# ----------------------------------------------------------------------------------------------------- linear algebra
def matmul(a, b, transpose_a=False, transpose_b=False, name=None) -> Tensor:
    """Matrix product (``a @ b``); both need rank 2 or more, as in TensorFlow.

    >>> x = tf.reshape(tf.range(4.0), (4, 1))
    >>> 2 * tf.transpose(x) @ x
    <tf.Tensor: shape=(1, 1), dtype=float32, numpy=array([[28.]], dtype=float32)>
    """
    a = a if isinstance(a, _TensorLike) else _tensor(a, b.dtype if isinstance(b, _TensorLike) else None)
    b = b if isinstance(b, _TensorLike) else _tensor(b, a.dtype)
    _same_dtype("MatMul", a, b)
    for i, t in enumerate((a, b)):
        if t.ndim < 2:
            raise InvalidArgumentError(
                f"In[{i}] ndims must be >= 2: {t.ndim} [Op:MatMul] name: \n(nbautodiff: "
                "reshape vectors to (n, 1) or (1, n) first, or use tf.tensordot)"
            )
    sa, sb = list(a.shape), list(b.shape)
    if transpose_a:
        sa[-2:] = sa[-1:-3:-1]
    if transpose_b:
        sb[-2:] = sb[-1:-3:-1]
    if sa[-1] != sb[-2]:
        raise InvalidArgumentError(
            f"Matrix size-incompatible: In[0]: [{','.join(map(str, sa))}], In[1]: [{','.join(map(str, sb))}] "
            "[Op:MatMul] name: "
        )

    def mm(x, y):
        if transpose_a:
            x = x.transpose(-2, -1)
        if transpose_b:
            y = y.transpose(-2, -1)
        return x @ y

    return _run(mm, a, b)


def tensordot(a, b, axes, name=None) -> Tensor:
    """Sum over the last ``axes`` axes of ``a`` and the first of ``b`` (or the two lists of axes given)."""
    a, b = _tensor(a), _tensor(b)
    _same_dtype("MatMul", a, b)
    if isinstance(axes, numbers.Integral):
        axes_a, axes_b = list(_range(a.ndim - axes, a.ndim)), list(_range(axes))
    else:
        axes_a, axes_b = (
            [axes[0]] if isinstance(axes[0], numbers.Integral) else list(axes[0]),
            [axes[1]] if isinstance(axes[1], numbers.Integral) else list(axes[1]),
        )
    axes_a = [d % a.ndim for d in axes_a]
    axes_b = [d % b.ndim for d in axes_b]
    free_a = [d for d in _range(a.ndim) if d not in axes_a]
    free_b = [d for d in _range(b.ndim) if d not in axes_b]
    sa, sb = tuple(a.shape), tuple(b.shape)
    k = int(np.prod([sa[d] for d in axes_a], dtype=np.int64))
    out_shape = tuple(sa[d] for d in free_a) + tuple(sb[d] for d in free_b)

    def dot(x, y):
        x = x.permute(*free_a, *axes_a).reshape(-1, k)
        y = y.permute(*axes_b, *free_b).reshape(k, -1)
        return (x @ y).reshape(out_shape)

    return _run(dot, a, b)


def transpose(a, perm=None, conjugate=False, name=None) -> Tensor:
    """Permute the axes; by default reverse them (the matrix transpose for rank 2)."""
    a = _tensor(a)
    perm = tuple(_range(a.ndim - 1, -1, -1)) if perm is None else tuple(int(p) for p in perm)
    return _run(lambda t: t.permute(*perm) if perm else t.clone(), a)


def reshape(tensor, shape, name=None) -> Tensor:
    shape = tuple(int(s) for s in (shape.numpy().reshape(-1) if isinstance(shape, _TensorLike) else shape))
    return _run(lambda t: t.reshape(shape), _tensor(tensor))


def cast(x, dtype, name=None) -> Tensor:
    """The same values in another dtype (gradients flow between float dtypes only)."""
    x, dtype = _tensor(x), as_dtype(dtype)
    if x.dtype is dtype:
        return x
    return _run(lambda t: t.to(dtype._backend(_ns())), x)


def identity(input, name=None) -> Tensor:
    return _run(_clone, _tensor(input))


def _same_kind(values) -> list:
    """Tensors as they are; Python values converted to the first tensor's dtype."""
    first = next((v for v in values if isinstance(v, _TensorLike)), None)
    dtype = None if first is None else first.dtype
    return [v if isinstance(v, _TensorLike) else _tensor(v, dtype) for v in values]


def concat(values, axis, name=None) -> Tensor:
    tensors = _same_kind(values)
    _same_dtype("ConcatV2", *tensors)
    return _run(lambda *ts: _ns().cat(ts, dim=int(axis)), *tensors)


def stack(values, axis=0, name=None) -> Tensor:
    tensors = _same_kind(values)
    _same_dtype("Pack", *tensors)
    return _run(lambda *ts: _ns().stack(ts, dim=int(axis)), *tensors)


def shape(input, out_type=None, name=None) -> Tensor:
    return constant(list(_tensor(input).shape), dtype=out_type or int32)


def size(input, out_type=None, name=None) -> Tensor:
    return constant(_tensor(input).shape.num_elements(), dtype=out_type or int32)


def rank(input, name=None) -> Tensor:
    return constant(_tensor(input).ndim, dtype=int32)


# ----------------------------------------------------------------------------------------------------- reductions
def _axes(x, axis) -> tuple:
    if axis is None:
        return tuple(_range(x.ndim))
    if isinstance(axis, _TensorLike):
        axis = axis.numpy().tolist()
    axis = [axis] if isinstance(axis, numbers.Integral) else list(axis)
    out = []
    for a in axis:
        a = int(a)
        if not -x.ndim <= a < _max(x.ndim, 1):
            raise InvalidArgumentError(f"Invalid reduction dimension {a} for input with {x.ndim} dimensions.")
        out.append(a % _max(x.ndim, 1))
    return tuple(sorted(set(out)))


def _reduce(x, axis, keepdims, float_fn, np_fn) -> Tensor:
    x = _tensor(x)
    axes = _axes(x, axis)
    if not x.dtype.is_floating:  # integers and bools carry no gradient: numpy computes them, in their dtype
        values = np_fn(x.numpy(), axis=axes, keepdims=_bool(keepdims))
        return constant(np.asarray(values).astype(x.dtype._np))
    if not axes or x.ndim == 0:
        return identity(x)
    return _run(lambda t: float_fn(t, axes, _bool(keepdims)), x)


def _sum(t, axes, keepdims):
    return _ns().sum(t, dim=axes, keepdim=keepdims)


def _mean(t, axes, keepdims):
    return _ns().mean(t, dim=axes, keepdim=keepdims)


def _amax(t, axes, keepdims):
    fn = _ns().amax
    if len(axes) == t.dim() and not keepdims:
        return fn(t)
    if len(axes) == 1:
        return fn(t, dim=axes[0], keepdim=keepdims)
    # several axes: move them to the end, flatten them into one, reduce that one
    rest = [d for d in _range(t.dim()) if d not in axes]
    moved = t.permute(*rest, *axes).reshape(*[t.shape[d] for d in rest], -1)
    out = fn(moved, dim=-1)
    if keepdims:
        out = out.reshape(*[1 if d in axes else t.shape[d] for d in _range(t.dim())])
    return out


def _amin(t, axes, keepdims):
    return -_amax(-t, axes, keepdims)


def _int_mean(values, axis, keepdims):
    total = np.sum(values, axis=axis, keepdims=keepdims, dtype=np.int64)
    count = int(np.prod([values.shape[a] for a in axis], dtype=np.int64)) or 1
    return np.trunc(total / count).astype(values.dtype)  # TensorFlow's integer mean truncates


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """Sum over ``axis`` (all axes by default).

    >>> tf.reduce_sum(tf.constant([[1., 2.], [3., 4.]]), axis=0)
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([4., 6.], dtype=float32)>
    """
    return _reduce(input_tensor, axis, keepdims, _sum, np.sum)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    return _reduce(input_tensor, axis, keepdims, _mean, _int_mean)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """Largest value over ``axis``; ties share the gradient equally."""
    return _reduce(input_tensor, axis, keepdims, _amax, np.max)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    return _reduce(input_tensor, axis, keepdims, _amin, np.min)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None) -> Tensor:
    """The Euclidean norm (``ord="euclidean"`` or 2), over all elements or ``axis``."""
    if ord not in ("euclidean", 2, "fro"):
        raise NotImplementedError(f"tf.norm with ord={ord!r}: only the Euclidean norm is supported")
    x = _tensor(tensor)
    return sqrt(reduce_sum(x * x, axis=axis, keepdims=_bool(keepdims)))


# ----------------------------------------------------------------------------------------------------- factories
def _shape_tuple(shape) -> tuple:
    if isinstance(shape, _TensorLike):
        shape = shape.numpy().reshape(-1).tolist()
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def ones(shape, dtype=None, name=None) -> Tensor:
    return _from_array(np.ones(_shape_tuple(shape), as_dtype(dtype or float32)._np))


def zeros(shape, dtype=None, name=None) -> Tensor:
    return _from_array(np.zeros(_shape_tuple(shape), as_dtype(dtype or float32)._np))


def fill(dims, value, name=None) -> Tensor:
    return _from_array(np.full(_shape_tuple(dims), value, _as_array(value).dtype))


def ones_like(input, dtype=None, name=None) -> Tensor:
    x = _tensor(input)
    return ones(x.shape, dtype or x.dtype)


def zeros_like(input, dtype=None, name=None) -> Tensor:
    x = _tensor(input)
    return zeros(x.shape, dtype or x.dtype)


def eye(num_rows, num_columns=None, dtype=None, name=None) -> Tensor:
    return _from_array(np.eye(num_rows, num_columns, dtype=as_dtype(dtype or float32)._np))


def range(start, limit=None, delta=1, dtype=None, name=None) -> Tensor:
    """``tf.range(4.0)``: [0., 1., 2., 3.] in float32; integers give int32.

    >>> tf.range(4)
    <tf.Tensor: shape=(4,), dtype=int32, numpy=array([0, 1, 2, 3], dtype=int32)>
    """
    if limit is None:
        start, limit = 0, start
    values = [float(v) if isinstance(v, _TensorLike) and v.dtype.is_floating else v for v in (start, limit, delta)]
    values = [int(v) if isinstance(v, _TensorLike) else v for v in values]
    if dtype is None:
        dtype = float32 if any(isinstance(v, (float, np.floating)) for v in values) else int32
    dtype = as_dtype(dtype)
    return _from_array(np.arange(*values).astype(dtype._np))


# ----------------------------------------------------------------------------------------------------- random
_random_state = {"seed": None, "rng": np.random.default_rng()}


def _set_seed(seed) -> None:
    """``tf.random.set_seed``: the random ops (and Keras initialisers) repeat from here, on every backend."""
    _random_state["seed"] = None if seed is None else int(seed)
    _random_state["rng"] = np.random.default_rng(seed)


def _generator(seed=None) -> np.random.Generator:
    if seed is None:
        return _random_state["rng"]
    return np.random.default_rng([int(seed), _random_state["seed"] or 0])


def _normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None, name=None) -> Tensor:
    dtype = as_dtype(dtype or float32)
    values = _generator(seed).normal(float(mean), float(stddev), _shape_tuple(shape))
    return _from_array(values.astype(dtype._np))


def _uniform(shape, minval=0, maxval=None, dtype=None, seed=None, name=None) -> Tensor:
    dtype = as_dtype(dtype or float32)
    rng = _generator(seed)
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        values = rng.integers(int(minval), int(maxval), _shape_tuple(shape))
    else:
        values = rng.uniform(float(minval), 1.0 if maxval is None else float(maxval), _shape_tuple(shape))
    return _from_array(values.astype(dtype._np))


random = _types.ModuleType(
    "nbautodiff.tf.random",
    "``tf.random``: seeded with numpy's generator, so the numbers "
    "are the same on every backend (and differ from TensorFlow's).",
)
random.set_seed, random.normal, random.uniform = _set_seed, _normal, _uniform


# ----------------------------------------------------------------------------------------------------- keras
def _glorot_limits(shape) -> tuple:
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2], dtype=np.int64)) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """A Keras initializer: ``init(shape, dtype)`` gives a tensor."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return zeros(shape, dtype or float32)


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return ones(shape, dtype or float32)


class Constant(Initializer):
    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return constant(np.broadcast_to(_as_array(self.value), _shape_tuple(shape)), dtype or float32)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return _normal(shape, self.mean, self.stddev, dtype, self.seed)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return _uniform(shape, self.minval, self.maxval, dtype, self.seed)


class GlorotUniform(Initializer):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)): Keras' default for ``add_weight``."""

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _glorot_limits(_shape_tuple(shape))
        limit = _math.sqrt(6.0 / _max(1.0, fan_in + fan_out))
        return _uniform(shape, -limit, limit, dtype, self.seed)


class GlorotNormal(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _glorot_limits(_shape_tuple(shape))
        stddev = _math.sqrt(2.0 / _max(1.0, fan_in + fan_out))
        dtype = as_dtype(dtype or float32)
        rng, size = _generator(self.seed), _shape_tuple(shape)
        values = rng.normal(0.0, stddev, size)
        while np.any(bad := np.abs(values) > 2 * stddev):  # truncated at two standard deviations, as Keras'
            values[bad] = rng.normal(0.0, stddev, int(bad.sum()))
        return _from_array(values.astype(dtype._np))


_INITIALIZERS = {
    "zeros": Zeros,
    "ones": Ones,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "constant": Constant,
}


def _get_initializer(identifier):
    if identifier is None:
        return GlorotUniform()
    if isinstance(identifier, str):
        key = re.sub(r"(?<!^)(?=[A-Z])", "_", identifier).lower()
        if key not in _INITIALIZERS:
            raise ValueError(f"Unknown initializer: {identifier!r}; known: {', '.join(sorted(_INITIALIZERS))}")
        return _INITIALIZERS[key]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def _linear(x):
    return x


_ACTIVATIONS = {"linear": _linear, "relu": _relu, "sigmoid": sigmoid, "tanh": tanh, "sin": sin}


def _get_activation(identifier):
    if identifier is None:
        return _linear
    if isinstance(identifier, str):
        if identifier not in _ACTIVATIONS:
            raise ValueError(f"Unknown activation function: {identifier!r}")
        return _ACTIVATIONS[identifier]
    return identifier


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


_layer_names: dict = {}


class Layer:
    """A minimal ``tf.keras.layers.Layer``: ``build(input_shape)`` once on the first call, then ``call(inputs)``;
    ``add_weight`` makes tf.Variables, listed in ``trainable_variables`` in the order they were made."""

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        if name is None:
            base = _snake_case(type(self).__name__)
            count = _layer_names.get(base, 0)
            _layer_names[base] = count + 1
            name = base if count == 0 else f"{base}_{count}"
        self._name = name
        self._layer_weights: list = []
        self._trainable = _bool(trainable)
        self._dtype = as_dtype(dtype or float32)
        self.built = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> DType:
        return self._dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        self._trainable = _bool(value)

    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple, dict)):
            shapes = [x.shape if isinstance(x, _TensorLike) else TensorShape(np.shape(x)) for x in inputs]
        else:
            if not isinstance(inputs, _TensorLike):
                inputs = convert_to_tensor(inputs)
            if inputs.dtype.is_floating and inputs.dtype is not self._dtype:
                inputs = cast(inputs, self._dtype)  # Keras casts float inputs to the layer's dtype
            shapes = inputs.shape
        if not self.built:
            self.build(shapes)
            self.built = True
        return self.call(inputs, *args, **kwargs)

    def add_weight(
        self, name=None, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None, **kwargs
    ) -> Variable:
        """A tf.Variable named ``<layer>/<name>:0``, initialised by ``initializer`` (Glorot uniform by default)."""
        if isinstance(name, (list, tuple, TensorShape)) and shape is None:  # Keras 3 order: add_weight(shape, ...)
            name, shape = kwargs.pop("name", None), name
        dtype = as_dtype(dtype or self._dtype)
        shape = () if shape is None else _shape_tuple(shape)
        if initializer is None and not dtype.is_floating:
            initializer = "zeros"
        value = _get_initializer(initializer)(shape, dtype=dtype)
        variable = Variable(
            value,
            trainable=True if trainable is None else trainable,
            name=f"{self._name}/{name or 'Variable'}",
            dtype=dtype,
        )
        self._layer_weights.append(variable)
        return variable

    def _sublayers(self) -> list:
        found = []
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else [value]
            found.extend(v for v in items if isinstance(v, Layer) and v is not self)
        return found

    @property
    def weights(self) -> list:
        out, seen = [], set()
        for v in self._layer_weights + [w for layer in self._sublayers() for w in layer.weights]:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self) -> list:
        if not self._trainable:
            return []
        return [v for v in self.weights if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        return [v.numpy() for v in self.weights]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self._name}, built={self.built}>"


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``."""

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units, self.activation, self.use_bias = int(units), _get_activation(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def build(self, input_shape) -> None:
        self.kernel = self.add_weight(
            "kernel", shape=[int(input_shape[-1]), self.units], initializer=self.kernel_initializer
        )
        self.bias = (
            self.add_weight("bias", shape=[self.units], initializer=self.bias_initializer) if self.use_bias else None
        )

    def call(self, inputs):
        z = matmul(inputs, self.kernel) if inputs.ndim == 2 else tensordot(inputs, self.kernel, 1)
        return self.activation(z + self.bias if self.bias is not None else z)


def _namespace(name: str, doc: str, **members) -> _types.ModuleType:
    module = _types.ModuleType(f"nbautodiff.tf.{name}", doc)
    module.__dict__.update(members)
    return module


def _softmax(logits, axis=-1, name=None) -> Tensor:
    return _run(lambda t: _ns().softmax(t, dim=int(axis)), _tensor(logits))


keras = _namespace(
    "keras",
    "``tf.keras``: a minimal ``layers.Layer`` (and ``Dense``), initializers and activations.",
    layers=_namespace("keras.layers", "Keras layers.", Layer=Layer, Dense=Dense),
    initializers=_namespace(
        "keras.initializers",
        "Keras initializers.",
        Initializer=Initializer,
        Zeros=Zeros,
        Ones=Ones,
        Constant=Constant,
        RandomNormal=RandomNormal,
        RandomUniform=RandomUniform,
        GlorotUniform=GlorotUniform,
        GlorotNormal=GlorotNormal,
        get=_get_initializer,
    ),
    activations=_namespace(
        "keras.activations",
        "Keras activations.",
        relu=_relu,
        sigmoid=sigmoid,
        tanh=tanh,
        linear=_linear,
        softmax=_softmax,
        get=_get_activation,
    ),
)

math = _namespace(
    "math",
    "``tf.math``: the elementwise and reduction functions.",
    exp=exp,
    log=_log,
    log1p=_log1p,
    sin=sin,
    cos=cos,
    tan=tan,
    tanh=tanh,
    sqrt=sqrt,
    square=square,
    abs=abs,
    sigmoid=sigmoid,
    reciprocal=_reciprocal,
    sign=sign,
    negative=negative,
    add=add,
    subtract=subtract,
    multiply=multiply,
    divide=divide,
    pow=pow,
    maximum=maximum,
    minimum=minimum,
    equal=equal,
    not_equal=not_equal,
    less=less,
    greater=greater,
    reduce_sum=reduce_sum,
    reduce_mean=reduce_mean,
    reduce_max=reduce_max,
    reduce_min=reduce_min,
    softmax=_softmax,
)
linalg = _namespace(
    "linalg",
    "``tf.linalg``: matrix products.",
    matmul=matmul,
    tensordot=tensordot,
    norm=norm,
    matrix_transpose=lambda a, name=None: transpose(a, list(_range(a.ndim - 2)) + [a.ndim - 1, a.ndim - 2]),
)
nn = _namespace("nn", "``tf.nn``: activations.", relu=_relu, sigmoid=sigmoid, tanh=tanh, softmax=_softmax)

# ----------------------------------------------------------------------------------------------------- dtype names
float16, float32, float64 = _DTYPES["float16"], _DTYPES["float32"], _DTYPES["float64"]
int8, int16, int32, int64, uint8 = (_DTYPES[n] for n in ("int8", "int16", "int32", "int64", "uint8"))
bool = _DTYPES["bool"]
half, double = float16, float64
newaxis = None

_TF1_NAMES = {
    "log": "tf.math.log",
    "Session": "eager execution (just run the code)",
    "placeholder": "a Python argument",
    "global_variables_initializer": "nothing (variables are initialised when made)",
}


def __getattr__(name):
    if name in _TF1_NAMES:
        raise AttributeError(
            f"module 'tensorflow' has no attribute {name!r}: that is TensorFlow 1; TensorFlow 2 uses {_TF1_NAMES[name]}"
        )
    raise AttributeError(f"module 'nbautodiff.tf' has no attribute {name!r}")


__all__ = [
    "DType",
    "GradientTape",
    "InvalidArgumentError",
    "OpError",
    "Tensor",
    "TensorShape",
    "UnconnectedGradients",
    "Variable",
    "abs",
    "add",
    "as_dtype",
    "bool",
    "cast",
    "concat",
    "constant",
    "convert_to_tensor",
    "cos",
    "custom_gradient",
    "divide",
    "double",
    "equal",
    "errors",
    "executing_eagerly",
    "exp",
    "eye",
    "fill",
    "float16",
    "float32",
    "float64",
    "function",
    "greater",
    "half",
    "identity",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_tensor",
    "keras",
    "less",
    "linalg",
    "math",
    "matmul",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "newaxis",
    "nn",
    "norm",
    "not_equal",
    "ones",
    "ones_like",
    "pow",
    "random",
    "range",
    "rank",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_sum",
    "reshape",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "size",
    "sqrt",
    "square",
    "stack",
    "stop_gradient",
    "subtract",
    "tan",
    "tanh",
    "tensordot",
    "transpose",
    "uint8",
    "where",
    "zeros",
    "zeros_like",
]
