"""The TensorFlow dialect (``nbautodiff.tf``) on both backends: lessons 001 and 003, TensorFlow's tape rules, reprs.

Lesson 001 (seed ``001_1583750f2904502f.txt``) is the TF/Eigen autodiff article: a Keras layer with a sin activation,
the nan gradient of 1/exp(x) at x = 100 and the ``tf.custom_gradient`` that fixes it. Lesson 003 (seed
``003_81fff39df3c6c01a.txt``) is d2l 2.5 with its TensorFlow column. Both are kept as scripts in ``tests/fixtures``.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import runpy
from pathlib import Path

import numpy as np
import pytest

import nbautodiff as nb
import nbautodiff.tf as tf

from .conftest import real_torch

HERE = Path(__file__).resolve().parent
FIXTURES = {"001": HERE / "fixtures" / "lesson_001_tf.py", "003": HERE / "fixtures" / "lesson_003_tf.py"}

no_torch = pytest.mark.skipif(real_torch is None, reason="PyTorch (the second backend) is not installed")
BACKENDS = [pytest.param("numpy", id="numpy"), pytest.param("torch", id="torch", marks=no_torch)]
has_cuda = real_torch is not None and real_torch.cuda.is_available()

GRAD_0_4_8_12 = (
    "<tf.Tensor: shape=(4, 1), dtype=float32, numpy=\n"
    "array([[ 0.],\n"
    "       [ 4.],\n"
    "       [ 8.],\n"
    "       [12.]], dtype=float32)>"
)
ALL_TRUE_4x1 = (
    "<tf.Tensor: shape=(4, 1), dtype=bool, numpy=\narray([[ True],\n       [ True],\n       [ True],\n       [ True]])>"
)


@pytest.fixture(params=BACKENDS)
def backend(request):
    with nb.use_backend(request.param) as b:
        yield b


def x_0123() -> tf.Variable:
    return tf.Variable(tf.reshape(tf.range(4.0), (4, 1)))


def run_script(path: Path, backend_name: str, device: str | None = None) -> str:
    out = io.StringIO()
    with nb.use_backend(backend_name, device=device), np.printoptions(), contextlib.redirect_stdout(out):
        runpy.run_path(str(path), run_name="__main__")
    return out.getvalue()


# --------------------------------------------------------------------------------------------------------------
# Lesson 003: the TensorFlow column of d2l 2.5
# --------------------------------------------------------------------------------------------------------------


def test_lesson_003_numbers(backend):
    x = x_0123()
    with tf.GradientTape() as t:
        y = 2 * tf.transpose(x) @ x
    assert float(y) == 28.0
    assert y.shape == (1, 1) and y.dtype == tf.float32
    x_grad = t.gradient(y, x)
    np.testing.assert_array_equal(x_grad.numpy(), [[0.0], [4.0], [8.0], [12.0]])
    assert repr(x_grad) == GRAD_0_4_8_12
    assert repr(x_grad == 4 * x) == ALL_TRUE_4x1

    with tf.GradientTape() as t:
        y = tf.reduce_sum(x)
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), np.ones((4, 1), np.float32))

    with tf.GradientTape() as t:
        y = x * x  # not a scalar: TensorFlow sums it
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), 2 * x.numpy())

    with tf.GradientTape(persistent=True) as t:
        y = x * x
        u = tf.stop_gradient(y)
        z = u * x
    x_grad = t.gradient(z, x)
    np.testing.assert_array_equal(x_grad.numpy(), u.numpy())
    np.testing.assert_array_equal(u.numpy(), [[0.0], [1.0], [4.0], [9.0]])
    assert repr(x_grad == u) == ALL_TRUE_4x1
    assert repr(t.gradient(y, x) == 2 * x) == ALL_TRUE_4x1  # persistent: a second answer


# --------------------------------------------------------------------------------------------------------------
# Lesson 001: the article's layer, the nan, the custom gradient
# --------------------------------------------------------------------------------------------------------------


def test_one_over_exp_at_100_has_a_nan_gradient(backend):
    x = tf.Variable(100.0)
    with tf.GradientTape() as tape:
        output = 1.0 / tf.exp(x)
    gradient = tape.gradient(output, x)
    assert output.numpy() == np.float32(0.0)
    assert np.isnan(gradient.numpy())
    assert repr(gradient) == "<tf.Tensor: shape=(), dtype=float32, numpy=nan>"


def test_custom_gradient_gives_minus_exp_minus_x(backend):
    @tf.custom_gradient
    def function_using_customdiff(x):
        def grad(upstream):
            return upstream * -tf.exp(-x)

        return 1.0 / tf.exp(x), grad

    x = tf.Variable(100.0)
    with tf.GradientTape() as tape:
        output = function_using_customdiff(x)
    gradient = tape.gradient(output, x)
    assert output.numpy() == np.float32(0.0)
    value = gradient.numpy()
    assert isinstance(value, np.float32)
    # -exp(-100) = -3.72e-44 is a float32 subnormal: the nearest float32 is -3.7835e-44
    assert value == np.float32(-3.7835e-44) == -np.exp(np.float32(-100.0))
    assert f"{value:.4e}" == "-3.7835e-44"
    # TensorFlow shows numpy's shortest text that identifies this float32 (PyTorch prints -3.7835e-44)
    assert repr(gradient) == "<tf.Tensor: shape=(), dtype=float32, numpy=-3.8e-44>"
    assert str(value) == "-3.8e-44"


def test_custom_gradient_of_two_inputs_and_outside_a_tape(backend):
    @tf.custom_gradient
    def scaled_product(a, b):
        def grad(upstream):
            return 10 * upstream * b, 100 * upstream * a  # deliberately not the true derivative

        return a * b, grad

    @tf.custom_gradient
    def clipped(x, limit=1.0):
        return tf.identity(x), lambda upstream: tf.maximum(tf.minimum(upstream, limit), -limit)

    a, b = tf.Variable(2.0), tf.Variable(3.0)
    assert float(scaled_product(a, b)) == 6.0  # outside a tape: just the value
    with tf.GradientTape() as tape:
        y = 5.0 * clipped(a, limit=0.5)
    assert float(tape.gradient(y, a)) == 0.5
    with tf.GradientTape() as tape:
        y = scaled_product(a, b)
    ga, gb = tape.gradient(y, [a, b])
    assert (float(ga), float(gb)) == (30.0, 200.0)


class CustomLayer(tf.keras.layers.Layer):
    def __init__(self, num_outputs, activation):
        super().__init__()
        self.num_outputs = num_outputs
        self.activation = activation
        self.builds = 0

    def build(self, input_shape):
        self.builds += 1
        self.kernel = self.add_weight("kernel", shape=[int(input_shape[-1]), self.num_outputs])

    def call(self, inputs):
        return self.activation(tf.matmul(inputs, self.kernel))


def test_custom_layer_gradient_is_the_closed_form(backend):
    tf.random.set_seed(1)
    layer = CustomLayer(2, tf.sin)
    X = tf.constant([[-1.0, 0.0, 1.0], [2.0, 3.0, 4.0], [-1.0, -5.0, 2.0]])
    with tf.GradientTape() as tape:
        output = layer(X)
        loss = tf.reduce_sum(output**2)
    (gradient,) = tape.gradient(loss, layer.trainable_variables)

    W = layer.trainable_variables[0].numpy()
    assert W.shape == (3, 2) and W.dtype == np.float32
    limit = np.sqrt(6 / (3 + 2))  # Glorot uniform
    assert np.all(np.abs(W) <= limit) and np.ptp(W) > 0
    Xn = X.numpy().astype(np.float64)
    Z = Xn @ W.astype(np.float64)
    expected = 2 * Xn.T @ (np.sin(Z) * np.cos(Z))
    assert gradient.dtype == tf.float32 and gradient.shape == (3, 2)
    np.testing.assert_allclose(gradient.numpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(float(loss), np.sum(np.sin(Z) ** 2), rtol=1e-5)

    layer(X)  # built once, the same weights
    assert layer.builds == 1 and len(layer.trainable_variables) == 1
    assert layer.trainable_variables[0].name.endswith("/kernel:0")


def test_seeded_kernel_is_the_same_on_both_backends():
    kernels = []
    for name in ["numpy", "torch"] if real_torch is not None else ["numpy", "numpy"]:
        with nb.use_backend(name):
            tf.random.set_seed(7)
            layer = CustomLayer(2, tf.sin)
            layer(tf.ones([1, 3]))
            kernels.append(layer.trainable_variables[0].numpy())
            tf.random.set_seed(7)
            kernels.append(tf.random.normal([3]).numpy())
    np.testing.assert_array_equal(kernels[0], kernels[2])
    np.testing.assert_array_equal(kernels[1], kernels[3])
    assert not np.array_equal(kernels[0].ravel()[:3], kernels[1])


# --------------------------------------------------------------------------------------------------------------
# The tape's rules
# --------------------------------------------------------------------------------------------------------------


def test_non_persistent_tape_answers_once(backend):
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0
    with pytest.raises(RuntimeError) as err:
        tape.gradient(y, x)
    assert str(err.value) == tf.NON_PERSISTENT_USED
    assert str(err.value) == (
        "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"
    )


def test_persistent_tape_answers_twice(backend):
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 6.0
    assert float(tape.gradient(z, x)) == 27.0
    assert float(tape.gradient(y, x)) == 6.0


def test_unwatched_constant_is_an_error_that_names_the_fix(backend):
    c = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = c * c
    with pytest.raises(ValueError, match="not watched") as err:
        tape.gradient(y, c)
    assert "tape.watch(x)" in str(err.value) and "tf.Variable" in str(err.value)

    with tf.GradientTape() as tape:  # the fix
        tape.watch(c)
        y = c * c
    assert float(tape.gradient(y, c)) == 6.0


def test_unwatched_variables_are_errors(backend):
    frozen = tf.Variable(1.0, trainable=False)
    with tf.GradientTape() as tape:
        y = frozen * 2.0
    with pytest.raises(ValueError, match="trainable=False"):
        tape.gradient(y, frozen)

    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    with pytest.raises(ValueError, match=r"sources\[1\].*watch_accessed_variables=False.*tape\.watch\(v\)"):
        tape.gradient(y, [a, b])
    assert float(tape.gradient(y, a)) == 2.0  # the error changed nothing: the tape still answers once
    watched = tape.watched_variables()
    assert len(watched) == 1 and watched[0] is a


def test_gradient_keeps_the_structure_of_sources(backend):
    a, b = tf.Variable(2.0), tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = a * tf.reduce_sum(b * b)
    as_list = tape.gradient(y, [a, b])
    as_tuple = tape.gradient(y, (a, b))
    as_dict = tape.gradient(y, {"w": a, "more": [b, (a,)]})
    single = tape.gradient(y, b)
    assert isinstance(as_list, list) and isinstance(as_tuple, tuple) and len(as_list) == 2
    assert isinstance(as_dict, dict) and list(as_dict) == ["w", "more"]
    assert isinstance(as_dict["more"], list) and isinstance(as_dict["more"][1], tuple)
    assert isinstance(single, tf.Tensor)
    for grads in (as_list, as_tuple):
        assert float(grads[0]) == 5.0
        np.testing.assert_array_equal(grads[1].numpy(), [4.0, 8.0])
    assert float(as_dict["w"]) == 5.0 and float(as_dict["more"][1][0]) == 5.0
    np.testing.assert_array_equal(single.numpy(), [4.0, 8.0])


def test_unconnected_source_gives_none(backend):
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * 3.0
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == 3.0 and gb is None
    assert repr(tape.gradient(y, [a, b], unconnected_gradients="zero")[1]) == (
        "<tf.Tensor: shape=(), dtype=float32, numpy=0.0>"
    )
    with tf.GradientTape() as tape:
        y = tf.stop_gradient(a * 3.0)
    assert tape.gradient(y, a) is None


def test_nothing_is_recorded_outside_a_tape(backend):
    v = tf.Variable(2.0)
    y = v * v
    assert y.backend_tensor.requires_grad is False and y.backend_tensor.grad_fn is None
    assert tf.exp(v).backend_tensor.grad_fn is None
    with tf.GradientTape() as tape:
        z = y * v  # y was made outside: a constant 4 here
    assert float(tape.gradient(z, v)) == 4.0
    after = v * v  # after the with block: not recorded
    assert after.backend_tensor.grad_fn is None


def test_tensor_computed_before_watch_is_a_constant(backend):
    c = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = c * c  # c not watched yet: y is a constant 9
        tape.watch(c)
        z = y * c
    assert float(tape.gradient(z, c)) == 9.0


def test_result_of_an_earlier_tape_is_a_constant_for_the_next(backend):
    x = tf.Variable(2.0)
    with tf.GradientTape():
        y = x * x
    with tf.GradientTape() as tape:
        z = y * x
    assert float(tape.gradient(z, x)) == 4.0  # TensorFlow: y was not recorded on this tape


def test_stop_recording(backend):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            y = x * x
        z = y * x
    assert float(tape.gradient(z, x)) == 4.0


def test_non_scalar_target_is_summed_and_output_gradients_weight_it(backend):
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0, 6.0])
    weighted = tape.gradient(y, x, output_gradients=tf.constant([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(weighted.numpy(), [2.0, 0.0, -6.0])
    np.testing.assert_array_equal(tape.gradient([y, x], x).numpy(), [3.0, 5.0, 7.0])


def test_nested_tapes_give_the_second_derivative(backend):
    x = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x**3
        dy_dx = inner.gradient(y, x)
    d2y_dx2 = outer.gradient(dy_dx, x)
    assert (float(dy_dx), float(d2y_dx2)) == (27.0, 18.0)


def test_jacobian(backend):
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x * tf.constant([1.0, 3.0])
    jac = tape.jacobian(y, x)
    assert jac.shape == (2, 2)
    np.testing.assert_array_equal(jac.numpy(), [[2.0, 0.0], [0.0, 12.0]])
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, x)


def test_watching_an_indexed_constant(backend):
    row = tf.constant([[1.0, 2.0], [3.0, 4.0]])[1]
    with tf.GradientTape() as tape:
        tape.watch(row)
        y = tf.reduce_sum(row * row)
    np.testing.assert_array_equal(tape.gradient(y, row).numpy(), [6.0, 8.0])


# --------------------------------------------------------------------------------------------------------------
# Tensors, variables, dtypes, reprs
# --------------------------------------------------------------------------------------------------------------


def test_reprs_match_tensorflow(backend):
    assert repr(tf.constant(28.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=28.0>"
    assert repr(tf.constant([1, 2])) == "<tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>"
    assert repr(tf.constant(True)) == "<tf.Tensor: shape=(), dtype=bool, numpy=True>"
    assert repr(tf.constant([[0.0], [4.0], [8.0], [12.0]])) == GRAD_0_4_8_12
    assert repr(x_0123()) == (
        "<tf.Variable 'Variable:0' shape=(4, 1) dtype=float32, numpy=\n"
        "array([[0.],\n"
        "       [1.],\n"
        "       [2.],\n"
        "       [3.]], dtype=float32)>"
    )
    assert repr(tf.Variable(100.0)) == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=100.0>"
    assert repr(tf.Variable(1.0, name="w")) == "<tf.Variable 'w:0' shape=() dtype=float32, numpy=1.0>"
    assert str(tf.constant(28.0)) == "tf.Tensor(28.0, shape=(), dtype=float32)"
    assert str(tf.constant([[0.0], [4.0]])) == "tf.Tensor(\n[[0.]\n [4.]], shape=(2, 1), dtype=float32)"
    assert (repr(tf.float32), str(tf.float32), repr(tf.bool)) == ("tf.float32", "<dtype: 'float32'>", "tf.bool")
    shape = tf.constant([[1.0], [2.0]]).shape
    assert (str(shape), repr(shape), shape[-1], shape.as_list()) == ("(2, 1)", "TensorShape([2, 1])", 1, [2, 1])


def test_tensor_protocol(backend):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert float(x[1, 0]) == 3.0 and int(tf.constant(7)) == 7 and len(x) == 2
    np.testing.assert_array_equal(x[:, 1].numpy(), [2.0, 4.0])
    assert [r.numpy().tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_array_equal(np.asarray(x), [[1.0, 2.0], [3.0, 4.0]])
    assert f"{tf.constant(1.5):.2f}" == "1.50"
    assert isinstance(tf.constant(2.0).numpy(), np.float32)
    np.testing.assert_array_equal((2 ** tf.constant([1.0, 3.0])).numpy(), [2.0, 8.0])
    np.testing.assert_array_equal((np.float32(2) * x).numpy(), [[2.0, 4.0], [6.0, 8.0]])
    np.testing.assert_array_equal((x - 1).numpy(), [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal((1 - x).numpy(), [[0.0, -1.0], [-2.0, -3.0]])
    np.testing.assert_array_equal((x <= 2).numpy(), [[True, True], [False, False]])
    assert (tf.constant(1.0) == None) is False  # noqa: E711  (TensorFlow's rule for None)
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
    with pytest.raises(TypeError):
        float(x)


def test_dtype_rules(backend):
    assert tf.constant(1).dtype == tf.int32 and tf.constant(1.0).dtype == tf.float32
    assert tf.constant(np.arange(4.0)).dtype == tf.float64  # numpy arrays keep their dtype
    assert tf.range(4).dtype == tf.int32 and tf.range(4.0).dtype == tf.float32
    assert (tf.constant(2.0, tf.float64) * 3).dtype == tf.float64  # Python numbers take the tensor's dtype
    assert repr(tf.constant(3) / tf.constant(2)) == "<tf.Tensor: shape=(), dtype=float64, numpy=1.5>"
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"expected to be a int32 tensor but is a float tensor"):
        tf.constant(1) + tf.constant(1.0)
    with pytest.raises(TypeError, match="Cannot convert 1.5 to EagerTensor of dtype int32"):
        tf.constant(1) * 1.5
    with pytest.raises(tf.errors.InvalidArgumentError, match="ndims must be >= 2"):
        tf.matmul(tf.range(3.0), tf.range(3.0))
    np.testing.assert_array_equal(tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy(), [1, -1])
    assert tf.as_dtype("float32") is tf.float32 and tf.float32 == np.float32


def test_variable_assign_and_a_training_loop(backend):
    w = tf.Variable(0.0)
    for _ in range(100):
        with tf.GradientTape() as tape:
            loss = (w - 3.0) ** 2
        w.assign_sub(0.1 * tape.gradient(loss, w))
    assert abs(float(w) - 3.0) < 1e-4
    w.assign(1.0)
    w.assign_add(2.0)
    assert float(w) == 3.0 and w.trainable and w.name == "Variable:0"
    with pytest.raises(ValueError, match="Shape mismatch"):
        w.assign([1.0, 2.0])


def test_reductions(backend):
    m = tf.Variable([[1.0, 5.0], [3.0, 2.0]])
    with tf.GradientTape(persistent=True) as tape:
        total = tf.reduce_sum(m, axis=0)
        mean = tf.reduce_mean(m, axis=1, keepdims=True)
        biggest = tf.reduce_max(m)
        by_row = tf.reduce_max(m, axis=[0, 1], keepdims=True)
        smallest = tf.reduce_min(m, axis=1)
    np.testing.assert_array_equal(total.numpy(), [4.0, 7.0])
    assert mean.shape == (2, 1) and by_row.shape == (1, 1)
    np.testing.assert_array_equal(smallest.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(tape.gradient(mean, m).numpy(), np.full((2, 2), 0.5))
    np.testing.assert_array_equal(tape.gradient(biggest, m).numpy(), [[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(tape.gradient(by_row, m).numpy(), [[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(tape.gradient(smallest, m).numpy(), [[1.0, 0.0], [0.0, 1.0]])
    assert repr(tf.reduce_mean(tf.constant([1, 2]))) == "<tf.Tensor: shape=(), dtype=int32, numpy=1>"
    assert float(tf.math.log(tf.math.exp(tf.constant(2.0)))) == pytest.approx(2.0)
    assert float(tf.linalg.matmul(tf.ones([1, 2]), tf.ones([2, 1]))) == 2.0


def test_layer_weights_and_initializers(backend):
    class Affine(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", shape=[int(input_shape[-1]), 2], initializer="ones")
            self.b = self.add_weight("b", shape=[2], initializer="zeros")
            self.scale = self.add_weight(
                "scale", shape=[], initializer=lambda shape, dtype: tf.constant(2.0), trainable=False
            )

        def call(self, inputs):
            return self.scale * (tf.matmul(inputs, self.w) + self.b)

    layer = Affine()
    out = layer(np.array([[1.0, 2.0, 3.0]]))  # numpy float64 in, the layer's float32 out
    assert out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), [[12.0, 12.0]])
    assert [v.name.split("/")[1] for v in layer.trainable_variables] == ["w:0", "b:0"]
    assert [v.name.split("/")[1] for v in layer.non_trainable_variables] == ["scale:0"]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(tf.ones([1, 3])))
    gw, gb = tape.gradient(loss, layer.trainable_variables)
    np.testing.assert_array_equal(gw.numpy(), np.full((3, 2), 2.0))
    np.testing.assert_array_equal(gb.numpy(), [2.0, 2.0])

    dense = tf.keras.layers.Dense(3, activation="relu")
    assert dense(tf.ones([4, 2])).shape == (4, 3)
    assert [tuple(v.shape) for v in dense.trainable_variables] == [(2, 3), (3,)]


def test_tf1_names_say_what_tensorflow_2_uses():
    with pytest.raises(AttributeError, match="tf.math.log"):
        tf.log  # noqa: B018


@no_torch
def test_tensor_from_another_backend_is_a_clear_error():
    with nb.use_backend("numpy"):
        x = tf.constant(1.0)
    with nb.use_backend("torch"), pytest.raises(RuntimeError, match="another backend"):
        x * 2


# --------------------------------------------------------------------------------------------------------------
# The lessons as scripts, and the docstrings
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", sorted(FIXTURES))
def test_fixture_prints_the_same_on_both_backends(lesson):
    on_numpy = run_script(FIXTURES[lesson], "numpy")
    if lesson == "001":
        assert "gradient using autodiff:  nan\n" in on_numpy
        assert "output using custom diff:  0.0\n" in on_numpy
        assert "gradient using custom diff:  -3.8e-44\n" in on_numpy
        assert on_numpy.startswith("my_custom_layer.trainable_variables:\n [[")
    else:
        assert "28.0\n" in on_numpy and GRAD_0_4_8_12 in on_numpy
        assert on_numpy.count(ALL_TRUE_4x1) == 3
    if real_torch is not None:
        assert run_script(FIXTURES[lesson], "torch") == on_numpy


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_docstring_examples(backend_name):
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with nb.use_backend(backend_name):
        for test in finder.find(tf, "nbautodiff.tf", globs={"tf": tf, "np": np}):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 10
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in nbautodiff.tf"


# --------------------------------------------------------------------------------------------------------------
# CUDA (only where PyTorch sees a GPU)
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not has_cuda, reason="no CUDA device: torch.cuda.is_available() is False")
def test_lessons_on_cuda():
    with nb.use_backend("torch", device="cuda"):
        x = x_0123()
        assert x.backend_tensor.is_cuda and x.device.endswith("GPU:0")
        with tf.GradientTape() as t:
            y = 2 * tf.transpose(x) @ x
        assert float(y) == 28.0
        assert repr(t.gradient(y, x)) == GRAD_0_4_8_12

        tf.random.set_seed(1)
        layer = CustomLayer(2, tf.sin)
        X = tf.constant([[-1.0, 0.0, 1.0], [2.0, 3.0, 4.0], [-1.0, -5.0, 2.0]])
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(X) ** 2)
        (gradient,) = tape.gradient(loss, layer.trainable_variables)
        assert gradient.backend_tensor.is_cuda
        Xn, W = X.numpy().astype(np.float64), layer.trainable_variables[0].numpy().astype(np.float64)
        np.testing.assert_allclose(gradient.numpy(), 2 * Xn.T @ (np.sin(Xn @ W) * np.cos(Xn @ W)), rtol=1e-4, atol=1e-5)

        @tf.custom_gradient
        def stable(v):
            return 1.0 / tf.exp(v), lambda upstream: upstream * -tf.exp(-v)

        v = tf.Variable(100.0)
        with tf.GradientTape() as tape:
            out = stable(v)
        g = tape.gradient(out, v).numpy()
        assert out.numpy() == 0.0 and np.isfinite(g) and g <= 0 and abs(g) < 1e-40
    out_cpu = run_script(FIXTURES["003"], "numpy")
    assert run_script(FIXTURES["003"], "torch", device="cuda") == out_cpu


def test_reset_forgets_what_the_tape_recorded(backend):
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x  # recorded, then forgotten by reset
        tape.reset()
        z = 5.0 * x
    assert float(tape.gradient(z, x)) == 5.0
    assert tape.gradient(y, x) is None  # y was recorded before the reset: a constant to this tape


def test_custom_gradient_differentiates_again_under_an_outer_tape(backend):
    """TensorFlow runs f with the tapes recording, so grad_fn's use of exp(x) gives the second derivative:
    log(1 + e^x) has derivative sigmoid(x) = 0.8808 at 2 and second derivative sigmoid'(2) = 0.10499."""

    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = log1pexp(x)
        g = inner.gradient(y, x)
    s = 1 / (1 + np.exp(-2.0))
    assert abs(float(y) - np.log1p(np.exp(2.0))) < 1e-6 and abs(float(g) - s) < 1e-6
    assert abs(float(outer.gradient(g, x)) - s * (1 - s)) < 1e-6


def test_custom_gradient_with_the_wrong_number_of_gradients_says_so(backend):
    @tf.custom_gradient
    def f(x, y):
        return x * y, lambda upstream: upstream * y  # one gradient for two inputs

    x, y = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = f(x, y)
    with pytest.raises(ValueError, match="grad_fn returned 1 gradients for 2 inputs"):
        tape.gradient(z, [x, y])


def test_shapes_that_do_not_broadcast_raise_tensorflows_error(backend):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2,3\] vs. \[4\] \[Op:AddV2\]"):
        tf.ones((2, 3)) + tf.ones((4,))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[Op:Mul\]"):
        tf.multiply(tf.ones((2, 3)), tf.ones((2,)))
    assert (tf.ones((2, 3)) * tf.ones((3,))).shape == (2, 3)  # broadcasting itself still works


def test_custom_gradient_says_keyword_tensors_are_not_differentiated(backend):
    @tf.custom_gradient
    def f(x):
        return x * x, lambda upstream: upstream * 2 * x

    x = tf.Variable(3.0)
    with tf.GradientTape(), pytest.raises(ValueError, match=r"x passed by keyword.*not differentiated.*f\(x\)"):
        f(x=x)
    assert float(f(x=x)) == 9.0  # outside a tape nothing is differentiated: fine
    with tf.GradientTape() as tape:
        y = f(x)
    assert float(tape.gradient(y, x)) == 6.0
