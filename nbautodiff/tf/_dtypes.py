"""TensorFlow's dtypes (``tf.float32``, ``tf.as_dtype``) and the shapes of eager tensors (``TensorShape``)."""

from __future__ import annotations

import numpy as np

from .._dialect import Dims


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

float16, float32, float64 = _DTYPES["float16"], _DTYPES["float32"], _DTYPES["float64"]
int8, int16, int32, int64, uint8 = (_DTYPES[n] for n in ("int8", "int16", "int32", "int64", "uint8"))


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
        raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow DType.")
    return _DTYPES[name]


_BACKEND_DTYPES: dict = {}


def _dtype_of(t) -> DType:
    """The DType of a backend tensor (cached per backend dtype object)."""
    dt = t.dtype
    found = _BACKEND_DTYPES.get(dt)
    if found is None:
        found = _BACKEND_DTYPES[dt] = as_dtype(str(dt).rpartition(".")[2])
    return found


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
