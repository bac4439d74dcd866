"""TensorFlow's exception classes (``tf.errors``)."""


class OpError(Exception):
    """TensorFlow's base class for errors raised while running an op."""


class InvalidArgumentError(OpError):
    """An op got arguments it cannot work with (mismatched dtypes or shapes)."""
