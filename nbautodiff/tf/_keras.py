"""A minimal Keras: initializers, activations, ``Layer`` (``build`` once, then ``call``) and ``Dense``."""

from __future__ import annotations

import math
import re

import numpy as np

from ._dtypes import DType, TensorShape, as_dtype, float32
from ._math import (
    _generator,
    _normal,
    _relu,
    _shape_tuple,
    _uniform,
    ones,
    sigmoid,
    sin,
    tanh,
    tensordot,
    zeros,
)
from ._tensor import Variable, _as_array, _from_array, _TensorLike, cast, constant, convert_to_tensor, matmul


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


class _Glorot(Initializer):
    """Glorot's (Xavier's) initializers: the spread follows the fans in and out of ``shape``."""

    def __init__(self, seed=None):
        self.seed = seed

    @staticmethod
    def _fans(shape) -> float:
        fan_in, fan_out = _glorot_limits(_shape_tuple(shape))
        return max(1.0, fan_in + fan_out)


class GlorotUniform(_Glorot):
    """Uniform in ±sqrt(6 / (fan_in + fan_out)): Keras' default for ``add_weight``."""

    def __call__(self, shape, dtype=None):
        limit = math.sqrt(6.0 / self._fans(shape))
        return _uniform(shape, -limit, limit, dtype, self.seed)


class GlorotNormal(_Glorot):
    def __call__(self, shape, dtype=None):
        stddev = math.sqrt(2.0 / self._fans(shape))
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
        self._trainable = bool(trainable)
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
        self._trainable = bool(value)

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
