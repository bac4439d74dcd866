"""The namespaces lessons import: ``np`` (with ``np.random`` and ``np.linalg``) and ``npx``."""

from __future__ import annotations

import math
import numbers
import operator

import numpy as _onp

from .._dialect import RandomNumbers, named
from ..backends import backend as _active
from ._ndarray import _apply, _array, _as_array, _axes, _from_numpy, _wrap, ndarray
from ._ops import _broadcast_to, _call, _concat, _dot, _matmul, _norm, _op, _pair, _unsqueeze, _where
from ._types import _check_ctx, _ns_dtype, _or, cpu, gpu, num_gpus


class _Namespace:
    _name = "nbautodiff.mxnet"

    def __repr__(self) -> str:
        return f"<namespace {self._name!r} on the active backend>"

    def __dir__(self):
        return [n for n in dir(type(self)) if not n.startswith("_")]


def _elementwise(name: str, backend_name: str | None = None):
    """``np.<name>(x)``: the backend's function of that name (``backend_name`` where it differs), elementwise."""

    def function(x) -> ndarray:
        return _apply(_call, _as_array(x), name=backend_name or name)

    return staticmethod(named(function, name, f"``{name}(x)`` elementwise; recorded inside ``autograd.record()``."))


def _binary_function(name: str, fn=_op, record: bool = True, **params):
    """``np.<name>(x1, x2)``: ``fn`` on two operands (Python's ``op`` by default), converting two non-arrays too."""

    def function(x1, x2) -> ndarray:
        if not isinstance(x1, ndarray) and not isinstance(x2, ndarray):
            x1 = _array(x1)
        return _apply(fn, x1, x2, record=record, **params)

    return staticmethod(named(function, name))


def _method_function(name: str):
    """``np.<name>(a, ...)``: the ndarray method ``a.<name>(...)``, for anything ``np.array`` takes."""
    method = getattr(ndarray, name)

    def function(a, *args, **kwargs):
        return method(_as_array(a), *args, **kwargs)

    return staticmethod(named(function, name, method.__doc__))


_RANDOM = RandomNumbers()


class _Random(_Namespace):
    """``np.random``: numbers from one numpy generator, so both backends draw the same ones."""

    _name = "nbautodiff.mxnet.np.random"

    @staticmethod
    def seed(seed=None) -> None:
        _RANDOM.seed(seed)

    @staticmethod
    def _draw(values, dtype, ctx) -> ndarray:
        be = _active()
        _check_ctx(ctx, be)
        return _wrap(_from_numpy(_onp.asarray(values, dtype=dtype), be), be)

    @staticmethod
    def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None) -> ndarray:
        """Samples of N(loc, scale²); ``size=None`` gives one (a 0-d array)."""
        if isinstance(loc, ndarray) or isinstance(scale, ndarray):
            shape = _onp.broadcast_shapes(_onp.shape(loc), _onp.shape(scale), () if size is None else size)
            return loc + scale * _Random.normal(size=shape, dtype=dtype, ctx=ctx)
        return _Random._draw(_RANDOM.rng.normal(loc, scale, size), _or(dtype, _onp.float32), ctx)

    @staticmethod
    def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None) -> ndarray:
        return _Random._draw(_RANDOM.rng.uniform(low, high, size), _or(dtype, _onp.float32), ctx)

    @staticmethod
    def randn(*size) -> ndarray:
        return _Random.normal(size=size)

    @staticmethod
    def rand(*size) -> ndarray:
        return _Random.uniform(size=size)

    @staticmethod
    def randint(low, high=None, size=None, dtype=None, ctx=None) -> ndarray:
        return _Random._draw(_RANDOM.rng.integers(low, high, size), _or(dtype, _onp.int64), ctx)


class _Linalg(_Namespace):
    _name = "nbautodiff.mxnet.np.linalg"

    @staticmethod
    def norm(x, ord=None, axis=None, keepdims: bool = False) -> ndarray:
        """The 2-norm (Frobenius for matrices), or a vector p-norm along one axis."""
        x = _as_array(x)
        return _apply(_norm, x, ord=ord, axis=_axes(axis, x.ndim, x.shape), keepdims=keepdims)


class _Numpy(_Namespace):
    """``np``: MXNet's numpy interface (float32 by default) over the active backend."""

    _name = "nbautodiff.mxnet.np"
    ndarray = ndarray
    random, linalg = _Random(), _Linalg()
    float16, float32, float64 = _onp.float16, _onp.float32, _onp.float64
    int8, int32, int64, uint8, bool_ = _onp.int8, _onp.int32, _onp.int64, _onp.uint8, _onp.bool_
    pi, e, inf, nan, newaxis = math.pi, math.e, math.inf, math.nan, None

    # ---- making arrays --------------------------------------------------------------------------------------
    array = staticmethod(_array)

    @staticmethod
    def arange(start, stop=None, step=1, dtype=None, ctx=None) -> ndarray:
        """``np.arange(4.0)`` → ``array([0., 1., 2., 3.])``: float32 unless ``dtype`` says otherwise."""
        if stop is None:
            start, stop = 0, start
        return _array(_onp.arange(start, stop, step, dtype=_or(dtype, _onp.float32)), ctx=ctx)

    @staticmethod
    def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype=None, ctx=None):
        values, step = _onp.linspace(start, stop, num, endpoint=endpoint, retstep=True)
        out = _array(values.astype(_or(dtype, _onp.float32)), ctx=ctx)
        return (out, step) if retstep else out

    @staticmethod
    def zeros(shape, dtype=None, order: str = "C", ctx=None) -> ndarray:
        return _Numpy._filled("zeros", shape, dtype, ctx)

    @staticmethod
    def ones(shape, dtype=None, order: str = "C", ctx=None) -> ndarray:
        return _Numpy._filled("ones", shape, dtype, ctx)

    empty = zeros

    @staticmethod
    def _filled(name, shape, dtype, ctx, *fill) -> ndarray:
        be = _active()
        _check_ctx(ctx, be)
        shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
        dtype = _ns_dtype(be.ns, _or(dtype, _onp.float32))
        return _wrap(getattr(be.ns, name)(shape, *fill, dtype=dtype, device=be.device), be)

    @staticmethod
    def full(shape, fill_value, dtype=None, order: str = "C", ctx=None) -> ndarray:
        """``shape`` filled with ``fill_value``, float32 unless ``dtype`` (or an array's) says otherwise."""
        if isinstance(fill_value, ndarray):
            return _Numpy.zeros(shape, dtype=_or(dtype, fill_value.dtype), ctx=ctx) + fill_value
        return _Numpy._filled("full", shape, dtype, ctx, fill_value)

    @staticmethod
    def eye(N: int, M: int | None = None, k: int = 0, dtype=None, ctx=None) -> ndarray:
        return _array(_onp.eye(N, M, k, dtype=_or(dtype, _onp.float32)), ctx=ctx)

    @staticmethod
    def zeros_like(a, dtype=None) -> ndarray:
        a = _as_array(a)
        return _apply(_call, a, name="zeros_like", dtype=_ns_dtype(a._backend.ns, dtype), record=False)

    @staticmethod
    def ones_like(a, dtype=None) -> ndarray:
        a = _as_array(a)
        return _apply(_call, a, name="ones_like", dtype=_ns_dtype(a._backend.ns, dtype), record=False)

    @staticmethod
    def full_like(a, fill_value, dtype=None) -> ndarray:
        return _Numpy.zeros_like(a, dtype=dtype) + fill_value

    # ---- elementwise ----------------------------------------------------------------------------------------
    exp, log, log1p, expm1 = _elementwise("exp"), _elementwise("log"), _elementwise("log1p"), _elementwise("expm1")
    sin, cos, tan, tanh = _elementwise("sin"), _elementwise("cos"), _elementwise("tan"), _elementwise("tanh")
    sqrt, square, sign = _elementwise("sqrt"), _elementwise("square"), _elementwise("sign")
    abs, absolute = _elementwise("abs"), _elementwise("absolute", "abs")
    floor, ceil, negative = _elementwise("floor"), _elementwise("ceil"), _elementwise("negative", "neg")
    reciprocal = _elementwise("reciprocal")
    add, subtract = _binary_function("add", op=operator.add), _binary_function("subtract", op=operator.sub)
    multiply = _binary_function("multiply", op=operator.mul)
    divide, true_divide = (
        _binary_function("divide", op=operator.truediv),
        _binary_function("true_divide", op=operator.truediv),
    )
    power, mod = _binary_function("power", op=operator.pow), _binary_function("mod", op=operator.mod)
    equal = _binary_function("equal", op=operator.eq, record=False)
    not_equal = _binary_function("not_equal", op=operator.ne, record=False)
    greater = _binary_function("greater", op=operator.gt, record=False)
    greater_equal = _binary_function("greater_equal", op=operator.ge, record=False)
    less = _binary_function("less", op=operator.lt, record=False)
    less_equal = _binary_function("less_equal", op=operator.le, record=False)
    maximum = _binary_function("maximum", _pair, function="maximum")
    minimum = _binary_function("minimum", _pair, function="minimum")

    @staticmethod
    def where(condition, x, y) -> ndarray:
        return _apply(_where, _as_array(condition), x, y)

    @staticmethod
    def clip(a, a_min, a_max) -> ndarray:
        return _as_array(a).clip(a_min, a_max)

    # ---- reductions, shapes, products -----------------------------------------------------------------------
    sum, mean, max, min, prod = (_method_function(n) for n in ("sum", "mean", "max", "min", "prod"))
    amax, amin = _method_function("max"), _method_function("min")
    std, var, argmax, argmin = (_method_function(n) for n in ("std", "var", "argmax", "argmin"))
    cumsum, squeeze = _method_function("cumsum"), _method_function("squeeze")

    @staticmethod
    def reshape(a, newshape, order: str = "C") -> ndarray:
        return _as_array(a).reshape(newshape, order=order)

    @staticmethod
    def transpose(a, axes=None) -> ndarray:
        return _as_array(a).transpose(axes)

    @staticmethod
    def expand_dims(a, axis: int) -> ndarray:
        return _apply(_unsqueeze, _as_array(a), axis=axis)

    @staticmethod
    def broadcast_to(a, shape) -> ndarray:
        return _apply(_broadcast_to, _as_array(a), shape=tuple(shape))

    @staticmethod
    def concatenate(seq, axis: int = 0) -> ndarray:
        return _apply(_concat, *[_as_array(a) for a in seq], axis=axis, stack=False)

    @staticmethod
    def stack(arrays, axis: int = 0) -> ndarray:
        return _apply(_concat, *[_as_array(a) for a in arrays], axis=axis, stack=True)

    @staticmethod
    def dot(a, b) -> ndarray:
        """numpy's ``dot``: inner product of vectors, matrix product of matrices, scaling by a scalar."""
        return _apply(_dot, _as_array(a), b)

    @staticmethod
    def matmul(a, b) -> ndarray:
        return _apply(_matmul, _as_array(a), b)


class _Npx(_Namespace):
    """``npx``: the MXNet extensions lessons call (``npx.set_np()``, devices, activations)."""

    _name = "nbautodiff.mxnet.npx"
    cpu, gpu, num_gpus = staticmethod(cpu), staticmethod(gpu), staticmethod(num_gpus)
    relu, sigmoid = _elementwise("relu"), _elementwise("sigmoid")

    @staticmethod
    def set_np(shape: bool = True, array: bool = True, dtype: bool = False) -> None:
        """MXNet's switch to numpy semantics: this dialect always has them, so it does nothing."""
        if dtype:
            raise NotImplementedError("npx.set_np(dtype=True) (float64 by default) is not supported; float32 it is")

    @staticmethod
    def reset_np() -> None:
        """Nothing to undo (see ``set_np``)."""
