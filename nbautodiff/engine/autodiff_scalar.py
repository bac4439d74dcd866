"""Forward mode with a derivative *vector*: a Python mirror of Eigen's ``AutoDiffScalar<VectorXd>``.

Every number carries its ``value`` and a ``derivatives`` vector: component ``k`` is the derivative along
the ``k``-th seeded direction. Each operation updates the value and the whole vector together, so a single
forward pass yields the derivatives along all seeded directions at once, e.g. a scalar loss's gradient with
respect to every input. The engine's ``backward()`` is reverse mode: one backward pass yields the gradient
of one output with respect to all inputs, at the cost of a recorded graph. Forward mode records nothing,
but its vectors are as long as the number of inputs, so it pays off when there are few inputs.

The lesson's sigmoid, with ``x`` seeded as ``VectorXd::Unit(1, 0)``:

>>> x = AutoDiffScalar.variable(2.0, 0, 1)
>>> 1 / (1 + exp(-x))
AutoDiffScalar(value=0.8808, derivatives=[0.10499])

numpy object arrays of these scalars work as matrices: ``+``, ``*``, ``@`` (``np.matmul`` and ``np.dot`` call
the elements' operators) and ufuncs such as ``np.sin`` (which call the elements' ``sin()`` method).
Outside a function's domain (``log(-1)``, ``1 / 0``) values raise as Python's ``math`` does, where Eigen's
C++ would give nan or inf.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

_EMPTY = np.zeros(0)
_EMPTY.flags.writeable = False  # shared by every constant, so nobody may write into it


def _combine(ca: float, da: np.ndarray, cb: float, db: np.ndarray) -> np.ndarray:
    """``ca * da + cb * db``, where an empty vector (a constant) counts as zeros of the other's length."""
    if da.size == 0:
        return cb * db
    if db.size == 0:
        return ca * da
    if da.size != db.size:
        raise ValueError(
            f"derivative vectors of sizes {da.size} and {db.size} cannot be combined; seed all variables with "
            "the same total size, e.g. autodiff_array(x, 0, n) and autodiff_array(w, x.size, n)"
        )
    return ca * da + cb * db


class AutoDiffScalar:
    """A value and its derivatives along several directions.

    >>> x = AutoDiffScalar(2.0, [1.0, 0.0]); w = AutoDiffScalar(3.0, [0.0, 1.0])
    >>> x * w
    AutoDiffScalar(value=6, derivatives=[3, 2])
    """

    __slots__ = ("value", "derivatives")

    def __init__(self, value: float, derivatives=None) -> None:
        self.value = float(value)
        d = _EMPTY if derivatives is None else np.asarray(derivatives, dtype=np.float64)
        if d.ndim != 1:
            raise ValueError(f"derivatives must be a 1-D vector, got shape {d.shape}")
        self.derivatives = d

    @classmethod
    def variable(cls, value: float, index: int, size: int) -> AutoDiffScalar:
        """An input seeded with the unit vector ``e_index`` of length ``size`` (Eigen's ``VectorXd::Unit``).

        >>> AutoDiffScalar.variable(2.0, 0, 1)
        AutoDiffScalar(value=2, derivatives=[1])
        """
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside a derivative vector of size {size}")
        d = np.zeros(size)
        d[index] = 1.0
        return cls(value, d)

    def __repr__(self) -> str:
        ds = ", ".join(f"{d:.5g}" for d in self.derivatives)
        return f"AutoDiffScalar(value={self.value:.5g}, derivatives=[{ds}])"

    def __float__(self) -> float:
        return self.value

    # Arithmetic: each rule is the product/quotient/chain rule on the derivative vectors.

    def __add__(self, other):
        o = _lift(other)
        if o is NotImplemented:
            return o
        return AutoDiffScalar(self.value + o.value, _combine(1.0, self.derivatives, 1.0, o.derivatives))

    __radd__ = __add__

    def __sub__(self, other):
        o = _lift(other)
        if o is NotImplemented:
            return o
        return AutoDiffScalar(self.value - o.value, _combine(1.0, self.derivatives, -1.0, o.derivatives))

    def __rsub__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else o - self

    def __mul__(self, other):
        o = _lift(other)
        if o is NotImplemented:
            return o
        # d(uv) = v du + u dv
        return AutoDiffScalar(self.value * o.value, _combine(o.value, self.derivatives, self.value, o.derivatives))

    __rmul__ = __mul__

    def __truediv__(self, other):
        o = _lift(other)
        if o is NotImplemented:
            return o
        # d(u/v) = du / v - u dv / v^2
        q = self.value / o.value
        return AutoDiffScalar(q, _combine(1.0 / o.value, self.derivatives, -q / o.value, o.derivatives))

    def __rtruediv__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else o / self

    def __pow__(self, other):
        o = _lift(other)
        if o is NotImplemented:
            return o
        u, v = self.value, o.value
        out = math.pow(u, v)
        # d(u^v) = v u^(v-1) du + u^v log(u) dv; each term only where its vector is not empty, so that
        # x ** 2 at x < 0 never takes log(x), and x ** 0 never divides by x
        cu = v * math.pow(u, v - 1) if self.derivatives.size and v != 0 else 0.0
        cv = out * math.log(u) if o.derivatives.size and out != 0 else 0.0
        return AutoDiffScalar(out, _combine(cu, self.derivatives, cv, o.derivatives))

    def __rpow__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else o**self

    def __neg__(self) -> AutoDiffScalar:
        return AutoDiffScalar(-self.value, -self.derivatives)

    def __pos__(self) -> AutoDiffScalar:
        return self

    def __abs__(self) -> AutoDiffScalar:
        # sign(0) = 0, as PyTorch's abs has a zero gradient at 0
        return AutoDiffScalar(abs(self.value), np.sign(self.value) * self.derivatives)

    # Comparisons look at values only, so that `if x > 0:` steers control flow as for floats.

    def __eq__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else self.value == o.value

    def __ne__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else self.value != o.value

    def __lt__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else self.value < o.value

    def __le__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else self.value <= o.value

    def __gt__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else self.value > o.value

    def __ge__(self, other):
        o = _lift(other)
        return o if o is NotImplemented else self.value >= o.value

    __hash__ = None  # equal values with different derivatives are equal, so hashing would mislead

    # Elementary functions, as methods so that np.sin(object_array) etc. find them. Each: value, then f'(x) dx.

    def _chain(self, value: float, slope: float) -> AutoDiffScalar:
        return AutoDiffScalar(value, slope * self.derivatives)

    def exp(self) -> AutoDiffScalar:
        e = math.exp(self.value)
        return self._chain(e, e)

    def log(self) -> AutoDiffScalar:
        return self._chain(math.log(self.value), 1.0 / self.value)

    def sqrt(self) -> AutoDiffScalar:
        s = math.sqrt(self.value)
        return self._chain(s, 0.5 / s)

    def sin(self) -> AutoDiffScalar:
        return self._chain(math.sin(self.value), math.cos(self.value))

    def cos(self) -> AutoDiffScalar:
        return self._chain(math.cos(self.value), -math.sin(self.value))

    def tan(self) -> AutoDiffScalar:
        t = math.tan(self.value)
        return self._chain(t, 1.0 + t * t)

    def tanh(self) -> AutoDiffScalar:
        t = math.tanh(self.value)
        return self._chain(t, 1.0 - t * t)

    def abs(self) -> AutoDiffScalar:
        return self.__abs__()


def _lift(x):
    """An AutoDiffScalar as is, a plain real number as a constant, anything else NotImplemented."""
    if isinstance(x, AutoDiffScalar):
        return x
    if isinstance(x, Real):  # int, float, bool and numpy's integer and floating scalars
        return AutoDiffScalar(x)
    return NotImplemented


def _elementwise(name: str):
    ufunc = getattr(np, name)

    def f(x):
        if isinstance(x, AutoDiffScalar):
            return getattr(x, name)()
        return ufunc(x)  # numbers, float arrays, and object arrays (whose elements' methods numpy calls)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name} of an AutoDiffScalar, a number or a numpy (object) array."
    return f


exp = _elementwise("exp")
log = _elementwise("log")
sqrt = _elementwise("sqrt")
sin = _elementwise("sin")
cos = _elementwise("cos")
tan = _elementwise("tan")
tanh = _elementwise("tanh")


def autodiff_array(values, offset: int = 0, size: int = 0) -> np.ndarray:
    """An object array of AutoDiffScalars shaped like ``values`` (the lesson's ``convert``).

    With ``size > 0`` element ``i`` (row-major) is seeded with the unit vector ``e_(offset + i)`` of length
    ``size``; with ``size == 0`` every element is a constant with an empty derivative vector.

    >>> X = autodiff_array([[-1, 0, 1], [2, 3, 4], [-1, -5, 2]], 0, 15)
    >>> X[1, 0]
    AutoDiffScalar(value=2, derivatives=[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    """
    a = np.asarray(values, dtype=np.float64)
    if size and not (0 <= offset and offset + a.size <= size):
        raise ValueError(f"{a.size} variables from offset {offset} do not fit a derivative vector of size {size}")
    out = np.empty(a.shape, dtype=object)
    for i, v in enumerate(a.flat):
        out.flat[i] = AutoDiffScalar.variable(v, offset + i, size) if size else AutoDiffScalar(v)
    return out


def gradients(loss: AutoDiffScalar, *arrays: np.ndarray) -> np.ndarray | tuple[np.ndarray, ...]:
    """``loss.derivatives`` cut into float arrays shaped like ``arrays``, consecutively in row-major order.

    >>> X = autodiff_array([[-1, 0, 1], [2, 3, 4], [-1, -5, 2]], 0, 15)
    >>> W = autodiff_array([[0.5, -0.5], [0.25, 0.0], [1.0, 2.0]], 9, 15)
    >>> dX, dW = gradients((X @ W).sum(), X, W)
    >>> dX[0], dW[:, 1]
    (array([0.  , 0.25, 3.  ]), array([ 0., -2.,  7.]))
    """
    if not arrays:
        raise TypeError("gradients(loss, *arrays) needs at least one array to shape the derivatives like")
    shapes = [np.shape(a) for a in arrays]
    counts = [math.prod(s) for s in shapes]
    d = np.asarray(loss.derivatives, dtype=np.float64)
    if d.size != sum(counts):
        total = " + ".join(map(str, counts))
        raise ValueError(
            f"loss has {d.size} derivatives but the arrays hold {total} = {sum(counts)} elements; "
            "pass the same arrays, in the same order, as were seeded with autodiff_array"
        )
    starts = np.cumsum([0, *counts])
    grads = tuple(d[a:b].reshape(s) for a, b, s in zip(starts[:-1], starts[1:], shapes))
    return grads[0] if len(grads) == 1 else grads


def values(array) -> np.ndarray:
    """The float values of an object array of AutoDiffScalars (plain numbers pass through).

    >>> values(autodiff_array([[-1, 0, 1]], 0, 3) * 2)
    array([[-2.,  0.,  2.]])
    """
    a = np.asarray(array, dtype=object)
    return np.array([float(e) for e in a.flat], dtype=np.float64).reshape(a.shape)


__all__ = ["AutoDiffScalar", "autodiff_array", "cos", "exp", "gradients", "log", "sin", "sqrt", "tan", "tanh", "values"]
