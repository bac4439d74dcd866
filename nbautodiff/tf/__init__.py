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

The package assembles the namespace; its modules, each importing only those below it: ``_errors``, ``_dtypes``,
``_nest`` and ``_stack`` (the tape stack) at the bottom, then ``_tensor`` (tensors, variables, the op funnel),
``_math`` (the functions), and on top ``_tape`` (``GradientTape``), ``_custom`` and ``_keras``.
"""

from __future__ import annotations

import types as _types

from .._dialect import public as _public
from ._custom import custom_gradient, executing_eagerly, function, stop_gradient
from ._dtypes import (
    _DTYPES,
    DType,
    TensorShape,
    as_dtype,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from ._errors import InvalidArgumentError, OpError
from ._keras import (
    Constant,
    Dense,
    GlorotNormal,
    GlorotUniform,
    Initializer,
    Layer,
    Ones,
    RandomNormal,
    RandomUniform,
    Zeros,
    _get_activation,
    _get_initializer,
    _linear,
)
from ._math import (
    _log,
    _log1p,
    _matrix_transpose,
    _normal,
    _reciprocal,
    _relu,
    _set_seed,
    _softmax,
    _uniform,
    abs,
    add,
    concat,
    cos,
    equal,
    exp,
    eye,
    fill,
    greater,
    identity,
    less,
    maximum,
    minimum,
    multiply,
    negative,
    norm,
    not_equal,
    ones,
    ones_like,
    pow,
    range,
    rank,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_sum,
    reshape,
    shape,
    sigmoid,
    sign,
    sin,
    size,
    sqrt,
    square,
    stack,
    subtract,
    tan,
    tanh,
    tensordot,
    transpose,
    where,
    zeros,
    zeros_like,
)
from ._tape import NON_PERSISTENT_USED as NON_PERSISTENT_USED  # the message tests and lessons match
from ._tape import GradientTape, UnconnectedGradients
from ._tensor import Tensor, Variable, cast, constant, convert_to_tensor, divide, is_tensor, matmul


def _namespace(name: str, doc: str, *functions, **members) -> _types.ModuleType:
    """A namespace such as ``tf.math``: ``functions`` (and classes) under their names, less a leading underscore
    (``_softmax`` is ``tf.nn.softmax``), and ``members``."""
    module = _types.ModuleType(f"nbautodiff.tf.{name}", doc)
    module.__dict__.update({f.__name__.lstrip("_"): f for f in functions}, **members)
    return module


errors = _namespace("errors", "``tf.errors``: the exception classes.", OpError, InvalidArgumentError)
random = _namespace(
    "random",
    "``tf.random``: seeded with numpy's generator, so the numbers "
    "are the same on every backend (and differ from TensorFlow's).",
    _set_seed,
    _normal,
    _uniform,
)
keras = _namespace(
    "keras",
    "``tf.keras``: a minimal ``layers.Layer`` (and ``Dense``), initializers and activations.",
    layers=_namespace("keras.layers", "Keras layers.", Layer, Dense),
    initializers=_namespace(
        "keras.initializers",
        "Keras initializers.",
        *(Initializer, Zeros, Ones, Constant, RandomNormal, RandomUniform, GlorotUniform, GlorotNormal),
        get=_get_initializer,
    ),
    activations=_namespace(
        "keras.activations", "Keras activations.", _relu, sigmoid, tanh, _linear, _softmax, get=_get_activation
    ),
)
math = _namespace(
    "math",
    "``tf.math``: the elementwise and reduction functions.",
    *(exp, _log, _log1p, sin, cos, tan, tanh, sqrt, square, abs, sigmoid, _reciprocal, sign, negative),
    *(add, subtract, multiply, divide, pow, maximum, minimum, equal, not_equal, less, greater),
    *(reduce_sum, reduce_mean, reduce_max, reduce_min, _softmax),
)
linalg = _namespace("linalg", "``tf.linalg``: matrix products.", matmul, tensordot, norm, _matrix_transpose)
nn = _namespace("nn", "``tf.nn``: activations.", _relu, sigmoid, tanh, _softmax)

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


_public(globals())

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
