"""Eager tensors and variables, the op funnel every tf operation goes through, and conversion to tensors.

The operators' ops live here too (TensorFlow's dtype rule for binary ops, ``divide``, ``matmul``, ``cast``), so that
``x / y`` and ``x @ y`` need nothing above this module.
"""

from __future__ import annotations

import functools
import numbers
import operator

import numpy as np

from .._dialect import OPERATORS, Array, check_backend, operators, returns_gradients, run
from ..backends import backend
from ._dtypes import _TF_TYPE_NAMES, DType, TensorShape, _dtype_of, as_dtype, float32, float64
from ._errors import InvalidArgumentError
from ._stack import _connected, _recording_tapes

# TensorFlow's names for Python's binary operators, as its error messages give them
_OP_NAMES = {
    "add": "AddV2",
    "sub": "Sub",
    "mul": "Mul",
    "truediv": "RealDiv",
    "floordiv": "FloorDiv",
    "mod": "FloorMod",
    "pow": "Pow",
    "matmul": "MatMul",
    "eq": "Equal",
    "ne": "NotEqual",
    "lt": "Less",
    "le": "LessEqual",
    "gt": "Greater",
    "ge": "GreaterEqual",
}


def _numpy_text(value: np.ndarray, is_repr: bool) -> str:
    """TensorFlow's ``numpy=`` text: numpy's repr of an array (on a new line if it has several), a scalar's value."""
    text = str(value[()]) if value.ndim == 0 else (repr(value) if is_repr else str(value))
    return "\n" + text if "\n" in text else text


@operators(
    binary="add sub mul truediv floordiv mod pow matmul eq ne lt le gt ge",
    reflected="add sub mul truediv floordiv mod pow matmul",
    unary="neg pos abs invert",
)
class _TensorLike(Array):
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
        return np.array(backend().to_numpy(self._t))

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
        if value.size != 1:  # TensorFlow converts through numpy, and shows numpy's refusal
            raise TypeError(
                f"only size-1 arrays can be converted to Python scalars\n(nbautodiff: this tensor has shape "
                f"{self.shape}; reduce it first, e.g. tf.reduce_sum(x), or index one element)"
            )
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
        return bool(self._values())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._t.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in range(len(self)))

    def __format__(self, spec: str) -> str:
        return format(self.numpy(), spec) if spec else str(self)

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self):
        """A hashable reference to this tensor (dict keys, sets), as ``tensor.ref()`` in TensorFlow."""
        return _Ref(self)

    def __getitem__(self, key):
        key = _index_key(key)
        for dim, k in enumerate(key if isinstance(key, tuple) else (key,)):
            if isinstance(k, numbers.Integral) and dim < self.ndim and not -self.shape[dim] <= k < self.shape[dim]:
                raise InvalidArgumentError(
                    f"slice index {k} of dimension {dim} out of bounds. [Op:StridedSlice] name: strided_slice/"
                )
        return _run(functools.partial(_getitem, key=key), self)

    def __setitem__(self, key, value):
        kind = "ResourceVariable" if isinstance(self, Variable) else "tensorflow.python.framework.ops.EagerTensor"
        raise TypeError(
            f"'{kind}' object does not support item assignment\n(nbautodiff: "
            "tensors are immutable in TensorFlow; make a tf.Variable and use v[...].assign(...) or v.assign(...))"
        )

    # ---- operators (installed by @operators)
    def _binary_op(self, stem: str, fn, other, reflected: bool):
        a, b = (other, self) if reflected else (self, other)
        if stem == "truediv":
            return divide(a, b)
        if stem == "matmul":
            return matmul(a, b)
        if stem in ("eq", "ne"):  # TensorFlow's == and != never raise: what can't be compared is unequal
            if other is None:
                return stem == "ne"
            try:
                return _binary(_OP_NAMES[stem], fn, a, b)
            except (TypeError, ValueError, InvalidArgumentError):
                return stem == "ne"
        return _binary(_OP_NAMES[stem], fn, a, b)

    def _unary_op(self, stem: str, fn):
        return self if stem == "pos" else _run(fn, self)


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

    __slots__ = ("_tapes",)

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

    __slots__ = ("_trainable", "_name")

    def __init__(self, initial_value=None, trainable=None, name=None, dtype=None, shape=None, **kwargs):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        value = _tensor(initial_value, dtype)
        with backend().ns.no_grad():
            t = value._t.detach().clone()
        self._trainable = True if trainable is None else bool(trainable)
        if self._trainable and value.dtype.is_floating:
            t.requires_grad_(True)
            returns_gradients(t)  # a tape returns its gradients: pictures show the latest, never "not computed"
        self._t = t
        self._name = f"{name or 'Variable'}:0" if not str(name or "").endswith(":0") else name

    name = property(operator.attrgetter("_name"), doc="``Variable:0`` unless made with another name.")
    trainable = property(operator.attrgetter("_trainable"), doc="Whether tapes watch it without being told.")

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
        with backend().ns.no_grad():  # an update, as an optimiser's: never recorded
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


# ----------------------------------------------------------------------------------------------------- the funnel
def _made_elsewhere(b, x) -> RuntimeError:
    return RuntimeError(
        f"this tf tensor was made on another backend than the active one ({b.label}); "
        "make it again after switching backends (nb.use_backend / nb.set_backend)"
    )


def _wrap(tapes: frozenset, t) -> Tensor:
    return Tensor._make(t, tapes if (tapes and t.requires_grad) else frozenset())


def _run(fn, *inputs):
    """Run ``fn`` on the inputs' backend tensors: recorded only for the tapes that watch or recorded an input.

    Outside every tape nothing is recorded (``no_grad``); inside, inputs no recording tape knows are detached, so a
    tensor computed before it was watched is a constant, as in TensorFlow.
    """
    b = backend()
    check_backend(b, inputs, _TensorLike, _made_elsewhere)
    args, ids = [x._t for x in inputs], frozenset()
    tapes = _recording_tapes()
    if tapes:
        links = []
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
    return run(b, bool(ids), fn, args, functools.partial(_wrap, ids))


def _index_key(key):
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, _TensorLike):
        return key.numpy()
    return key


def _getitem(t, key):
    return t[key]


def _clone(t):
    return t.clone()


def _to(t, dtype):
    return t.to(dtype)


# ----------------------------------------------------------------------------------------------------- binary ops
def _python_scalar(value, dtype: DType):
    """A Python number given to an op with a tensor of ``dtype`` takes that dtype, as TensorFlow converts it."""
    if dtype.is_floating:
        return float(value)
    is_float = isinstance(value, (float, np.floating))
    if dtype.is_integer and not is_float and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if dtype.is_bool and isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")


def _is_scalar(value) -> bool:
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, np.ndarray)


def _scalar_left(y, fn, a):
    return fn(a, y)


def _scalar_right(x, fn, b):
    return fn(x, b)


def _binary(op: str, fn, a, b):
    """A binary op with TensorFlow's dtype rule: both sides must have one dtype; Python numbers take the tensor's."""
    if not isinstance(a, _TensorLike):
        if _is_scalar(a):
            return _run(functools.partial(_scalar_left, fn=fn, a=_python_scalar(a, b.dtype)), b)
        a = _tensor(a, b.dtype)
    if not isinstance(b, _TensorLike):
        if _is_scalar(b):
            return _run(functools.partial(_scalar_right, fn=fn, b=_python_scalar(b, a.dtype)), a)
        b = _tensor(b, a.dtype)
    _same_dtype(op, a, b)
    _broadcastable(op, a, b)
    return _run(fn, a, b)


def _binary_of(stem: str):
    """``_binary`` for the Python operator ``stem`` (``"add"``), with TensorFlow's name for it."""
    return functools.partial(_binary, _OP_NAMES[stem], OPERATORS[stem])


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


def _pair(x, y):
    """Functions (not operators) convert two non-tensors too: ``tf.add(1., 2.)``."""
    if not isinstance(x, _TensorLike) and not isinstance(y, _TensorLike):
        x = _tensor(x)
    return x, y


def divide(x, y, name=None):
    """x / y; integer tensors are divided as floats (int32 → float64), as TensorFlow's ``truediv``."""
    x, y = _pair(x, y)
    for side in (x, y):
        if isinstance(side, _TensorLike) and side.dtype.is_integer:
            target = float64 if side.dtype.size >= 4 else float32
            x = cast(x, target) if isinstance(x, _TensorLike) else x
            y = cast(y, target) if isinstance(y, _TensorLike) else y
            break
    return _binary(_OP_NAMES["truediv"], operator.truediv, x, y)


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


def cast(x, dtype, name=None) -> Tensor:
    """The same values in another dtype (gradients flow between float dtypes only)."""
    x, dtype = _tensor(x), as_dtype(dtype)
    if x.dtype is dtype:
        return x
    return _run(functools.partial(_to, dtype=dtype._backend(backend().ns)), x)


# ----------------------------------------------------------------------------------------------------- conversion
def _as_array(value, dtype: DType | None = None) -> np.ndarray:
    """TensorFlow's conversion: Python floats become float32 and ints int32; numpy arrays keep their dtype."""
    if isinstance(value, _TensorLike):
        arr = value._values()
    elif isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
    else:
        try:
            arr = np.array(value)
        except ValueError:
            raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
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
    return Tensor._make(backend().ns.tensor(np.array(arr, order="C")))


def _tensor(value, dtype=None) -> _TensorLike:
    """Tensors and variables as they are (cast if ``dtype`` asks), anything else converted."""
    dtype = None if dtype is None else as_dtype(dtype)
    if isinstance(value, _TensorLike):
        if dtype is None or value.dtype is dtype:
            return value
        raise ValueError(
            f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype {value.dtype.name}: "
            f"{str(value).splitlines()[0]}\n(nbautodiff: convert it first: tf.cast(x, tf.{dtype.name}))"
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
