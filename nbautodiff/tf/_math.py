"""The tf functions: elementwise math, comparisons, shapes, linear algebra, reductions, factories and random.

Each one converts its arguments and goes through the op funnel (``_tensor._run``); nothing here knows of tapes.
"""

from __future__ import annotations

import builtins
import functools
import numbers

import numpy as np

from .._dialect import RandomNumbers, named
from ..backends import backend
from ._dtypes import _TF_TYPE_NAMES, as_dtype, float32, int32
from ._errors import InvalidArgumentError
from ._tensor import (
    Tensor,
    _as_array,
    _binary,
    _binary_of,
    _clone,
    _from_array,
    _pair,
    _run,
    _same_dtype,
    _tensor,
    _TensorLike,
    constant,
)

# This module defines tf.range, tf.abs and tf.pow, which hide the builtins inside it.
_range = builtins.range


def _ns():
    return backend().ns


# ----------------------------------------------------------------------------------------------------- elementwise
def _unary(method: str, doc: str | None, name: str | None = None, floats: str | None = None):
    """``tf.<name>(x)``: the backend's ``method`` on one tensor. ``floats`` names a TensorFlow op whose kernels
    take floating-point tensors only (``Exp``): an integer tensor is refused, as TensorFlow refuses it."""

    def op(x, name=None):
        x = _tensor(x)
        if floats is not None and not x.dtype.is_floating:
            _floats_only(floats, x.dtype)
        return _run(getattr(_ns(), method), x)

    return named(op, name or method, doc)


def _floats_only(op: str, dtype) -> None:
    allowed = "bfloat16, half, float, double, complex64, complex128"
    raise InvalidArgumentError(
        f"Value for attr 'T' of {_TF_TYPE_NAMES.get(dtype.name, dtype.name)} is not in the list of allowed values: "
        f"{allowed}\n\t; NodeDef: {{{{node {op}}}}} [Op:{op}] name: \n"
        f"(nbautodiff: tf.{op.lower()} takes floats; cast first: tf.cast(x, tf.float32))"
    )


exp = _unary("exp", "e to the x, elementwise.", floats="Exp")
_log = _unary("log", "Natural logarithm, elementwise (``tf.math.log``; TensorFlow 2 has no ``tf.log``).", floats="Log")
_log1p = _unary("log1p", "log(1 + x), accurate for small x.", floats="Log1p")
sin = _unary("sin", "Sine, elementwise: the article's activation.", floats="Sin")
cos = _unary("cos", "Cosine, elementwise.", floats="Cos")
tan = _unary("tan", "Tangent, elementwise.", floats="Tan")
tanh = _unary("tanh", "Hyperbolic tangent, elementwise.", floats="Tanh")
sqrt = _unary("sqrt", "Square root, elementwise.", floats="Sqrt")
square = _unary("square", "x * x, elementwise.")
sigmoid = _unary("sigmoid", "1 / (1 + exp(-x)), elementwise.", floats="Sigmoid")
_reciprocal = _unary("reciprocal", "1 / x, elementwise.")
sign = _unary("sign", "-1, 0 or 1, elementwise.")
_relu = _unary("relu", "max(x, 0), elementwise.")
abs = _unary("abs", "|x|, elementwise.")
negative = _unary("neg", None, "negative")  # the backend's neg: what -x runs


def _binary_function(stem: str, name: str):
    """``tf.<name>(x, y)``: the Python operator ``stem`` as a function, which converts two non-tensors too."""
    op = _binary_of(stem)

    def function(x, y, name=None):
        return op(*_pair(x, y))

    return named(function, name)


add = _binary_function("add", "add")
subtract = _binary_function("sub", "subtract")
multiply = _binary_function("mul", "multiply")
pow = _binary_function("pow", "pow")
equal = _binary_function("eq", "equal")
not_equal = _binary_function("ne", "not_equal")
less = _binary_function("lt", "less")
greater = _binary_function("gt", "greater")


def _like_each_other(x, y):
    """Two operands as tensors, a non-tensor one in the other's dtype."""
    x, y = _pair(x, y)
    x = x if isinstance(x, _TensorLike) else _tensor(x, y.dtype)
    y = y if isinstance(y, _TensorLike) else _tensor(y, x.dtype)
    return x, y


def maximum(x, y, name=None):
    return _binary("Maximum", _ns().maximum, *_like_each_other(x, y))


def minimum(x, y, name=None):
    return _binary("Minimum", _ns().minimum, *_like_each_other(x, y))


def where(condition, x=None, y=None, name=None):
    """Elements of ``x`` where ``condition`` holds, else of ``y``."""
    if x is None or y is None:
        raise NotImplementedError("tf.where(condition) without x and y (the indices form) is not supported")
    cond = _tensor(condition, bool)
    x, y = _like_each_other(x, y)
    _same_dtype("SelectV2", x, y)
    return _run(_ns().where, cond, x, y)


def _softmax(logits, axis=-1, name=None) -> Tensor:
    return _run(functools.partial(_ns().softmax, dim=int(axis)), _tensor(logits))


# ----------------------------------------------------------------------------------------------------- shapes
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
    k_b = int(np.prod([sb[d] for d in axes_b], dtype=np.int64))
    if k != k_b:  # TensorFlow reshapes both sides to matrices, and its MatMul refuses them
        rows, cols = int(np.prod([sa[d] for d in free_a], dtype=np.int64)), int(np.prod([sb[d] for d in free_b]))
        raise InvalidArgumentError(
            f"Matrix size-incompatible: In[0]: [{rows},{k}], In[1]: [{k_b},{cols}] [Op:MatMul] name: \n"
            f"(nbautodiff: tensordot sums axes {axes_a} of a {list(sa)} against axes {axes_b} of b {list(sb)}: "
            "their sizes must match)"
        )
    out_shape = tuple(sa[d] for d in free_a) + tuple(sb[d] for d in free_b)

    def dot(x, y):
        x = x.permute(*free_a, *axes_a).reshape(-1, k)
        y = y.permute(*axes_b, *free_b).reshape(k, -1)
        return (x @ y).reshape(out_shape)

    return _run(dot, a, b)


def _permute(t, perm):
    return t.permute(*perm) if perm else t.clone()


def _reshape(t, shape):
    return t.reshape(shape)


def transpose(a, perm=None, conjugate=False, name=None) -> Tensor:
    """Permute the axes; by default reverse them (the matrix transpose for rank 2)."""
    a = _tensor(a)
    perm = tuple(_range(a.ndim - 1, -1, -1)) if perm is None else tuple(int(p) for p in perm)
    if len(perm) != a.ndim:
        raise InvalidArgumentError(
            f"transpose expects a vector of size {a.ndim}. But input(1) is a vector of size {len(perm)} "
            "[Op:Transpose] name: "
        )
    return _run(functools.partial(_permute, perm=perm), a)


def _matrix_transpose(a, name=None) -> Tensor:
    """``tf.linalg.matrix_transpose``: the last two axes swapped."""
    return transpose(a, list(_range(a.ndim - 2)) + [a.ndim - 1, a.ndim - 2])


def reshape(tensor, shape, name=None) -> Tensor:
    shape = tuple(int(s) for s in (shape.numpy().reshape(-1) if isinstance(shape, _TensorLike) else shape))
    tensor = _tensor(tensor)
    size, known = int(np.prod(tensor.shape, dtype=np.int64)), int(np.prod([s for s in shape if s != -1]))
    if -1 in shape and (known == 0 or size % known) or -1 not in shape and size != known:
        wanted = f"requires a multiple of {known}" if -1 in shape else f"has {known}"
        raise InvalidArgumentError(
            f"Input to reshape is a tensor with {size} values, but the requested shape {wanted} [Op:Reshape] name: "
        )
    return _run(functools.partial(_reshape, shape=shape), tensor)


def identity(input, name=None) -> Tensor:
    return _run(_clone, _tensor(input))


def _same_kind(values) -> list:
    """Tensors as they are; Python values converted to the first tensor's dtype."""
    first = next((v for v in values if isinstance(v, _TensorLike)), None)
    dtype = None if first is None else first.dtype
    return [v if isinstance(v, _TensorLike) else _tensor(v, dtype) for v in values]


def _dims(t) -> str:
    return "[" + ",".join(map(str, t.shape)) + "]"


def _joined(join, *ts, dim):
    return join(ts, dim=dim)


def concat(values, axis, name=None) -> Tensor:
    tensors = _same_kind(values)
    _same_dtype("ConcatV2", *tensors)
    first = tensors[0]
    axis = int(axis) % max(first.ndim, 1)
    for i, t in enumerate(tensors[1:], start=1):
        if t.ndim != first.ndim:
            raise InvalidArgumentError(
                f"ConcatOp : Ranks of all input tensors should match: shape[0] = {_dims(first)} vs. shape[{i}] = "
                f"{_dims(t)} [Op:ConcatV2] name: concat"
            )
        for d in _range(first.ndim):
            if d != axis and t.shape[d] != first.shape[d]:
                raise InvalidArgumentError(
                    f"ConcatOp : Dimension {d} in both shapes must be equal: shape[0] = {_dims(first)} vs. "
                    f"shape[{i}] = {_dims(t)} [Op:ConcatV2] name: concat"
                )
    return _run(functools.partial(_joined, _ns().cat, dim=int(axis)), *tensors)


def stack(values, axis=0, name=None) -> Tensor:
    tensors = _same_kind(values)
    _same_dtype("Pack", *tensors)
    return _run(functools.partial(_joined, _ns().stack, dim=int(axis)), *tensors)


def shape(input, out_type=None, name=None) -> Tensor:
    return constant(list(_tensor(input).shape), dtype=out_type or int32)


def size(input, out_type=None, name=None) -> Tensor:
    return constant(_tensor(input).shape.num_elements(), dtype=out_type or int32)


def rank(input, name=None) -> Tensor:
    return constant(_tensor(input).ndim, dtype=int32)


# ----------------------------------------------------------------------------------------------------- reductions
def _axes(x, axis, op: str) -> tuple:
    if axis is None:
        return tuple(_range(x.ndim))
    if isinstance(axis, _TensorLike):
        axis = axis.numpy().tolist()
    axis = [axis] if isinstance(axis, numbers.Integral) else list(axis)
    out = []
    for a in axis:
        a = int(a)
        if not -x.ndim <= a < max(x.ndim, 1):
            raise InvalidArgumentError(
                f"Invalid reduction dimension {a} for input with {x.ndim} dimensions. [Op:{op}] name: "
            )
        out.append(a % max(x.ndim, 1))
    return tuple(sorted(set(out)))


def _reduce(x, axis, keepdims, float_fn, np_fn, op: str) -> Tensor:
    x = _tensor(x)
    axes = _axes(x, axis, op)
    if not x.dtype.is_floating:  # integers and bools carry no gradient: numpy computes them, in their dtype
        values = np_fn(x.numpy(), axis=axes, keepdims=bool(keepdims))
        return constant(np.asarray(values).astype(x.dtype._np))
    if not axes or x.ndim == 0:
        return identity(x)
    return _run(functools.partial(float_fn, axes=axes, keepdims=bool(keepdims)), x)


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
    return _reduce(input_tensor, axis, keepdims, _sum, np.sum, "Sum")


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    return _reduce(input_tensor, axis, keepdims, _mean, _int_mean, "Mean")


def reduce_max(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """Largest value over ``axis``; ties share the gradient equally."""
    return _reduce(input_tensor, axis, keepdims, _amax, np.max, "Max")


def reduce_min(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    return _reduce(input_tensor, axis, keepdims, _amin, np.min, "Min")


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None) -> Tensor:
    """The Euclidean norm (``ord="euclidean"`` or 2), over all elements or ``axis``."""
    if ord not in ("euclidean", 2, "fro"):
        raise NotImplementedError(f"tf.norm with ord={ord!r}: only the Euclidean norm is supported")
    x = _tensor(tensor)
    return sqrt(reduce_sum(x * x, axis=axis, keepdims=bool(keepdims)))


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
_RANDOM = RandomNumbers()


def _set_seed(seed) -> None:
    """``tf.random.set_seed``: the random ops (and Keras initialisers) repeat from here, on every backend."""
    _RANDOM.seed(seed)


def _generator(seed=None) -> np.random.Generator:
    """The global generator; an op's own ``seed`` gives a fresh one from it and the global seed, as in TensorFlow."""
    if seed is None:
        return _RANDOM.rng
    return np.random.default_rng([int(seed), int(_RANDOM.last_seed or 0)])


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
