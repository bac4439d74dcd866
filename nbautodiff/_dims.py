"""The part of a dialect's shape class that every dialect shares (DJL's ``Shape``, TensorFlow's ``TensorShape``)."""

from __future__ import annotations


class Dims:
    """A tuple of sizes that iterates, indexes and compares equal to the same class, tuples and lists."""

    __slots__ = ("_dims",)

    def __iter__(self):
        return iter(self._dims)

    def __len__(self) -> int:
        return len(self._dims)

    def __getitem__(self, i):
        return self._dims[i]

    def __eq__(self, other) -> bool:
        if type(other) is type(self):
            return self._dims == other._dims
        if isinstance(other, (tuple, list)):
            return self._dims == tuple(other)
        return NotImplemented

    def __hash__(self):
        return hash(self._dims)
