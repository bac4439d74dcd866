"""AutoDiffScalar: forward mode with a derivative vector, checked against finite differences and reverse mode."""

import doctest
import math

import numpy as np
import pytest

import nbautodiff.torch as nbt
from nbautodiff.engine import autodiff_scalar
from nbautodiff.engine.autodiff_scalar import (
    AutoDiffScalar,
    autodiff_array,
    cos,
    exp,
    gradients,
    log,
    sin,
    sqrt,
    tan,
    tanh,
    values,
)

X_IN = np.array([[-1.0, 0.0, 1.0], [2.0, 3.0, 4.0], [-1.0, -5.0, 2.0]])


def central_difference(f, point, h=1e-6):
    """The float64 gradient of f at point (a tuple of floats), one central difference per argument."""
    grad = []
    for k in range(len(point)):
        up, down = list(point), list(point)
        up[k] += h
        down[k] -= h
        grad.append((float(f(*up)) - float(f(*down))) / (2 * h))
    return np.array(grad)


def check_against_floats(f, point):
    """Seed each argument with its own direction; value and derivative vector must match plain float64 maths."""
    n = len(point)
    args = [AutoDiffScalar.variable(p, k, n) for k, p in enumerate(point)]
    y = f(*args)
    assert isinstance(y, AutoDiffScalar)
    assert y.value == pytest.approx(float(f(*point)), rel=1e-12, abs=1e-12)
    assert y.derivatives.shape == (n,)
    np.testing.assert_allclose(y.derivatives, central_difference(f, point), rtol=1e-6, atol=1e-8)


def test_lesson_sigmoid_at_2():
    x = AutoDiffScalar(2.0, [1.0])  # X.derivatives() = VectorXd::Unit(1, 0); X.value() = 2
    y = 1 / (1 + exp(-x))
    assert y.value == pytest.approx(0.8808, abs=1e-4)
    assert y.derivatives == pytest.approx([0.10499], abs=1e-5)
    s = 1.0 / (1.0 + math.exp(-2.0))
    assert y.value == pytest.approx(s, rel=1e-15)
    assert y.derivatives[0] == pytest.approx(s * (1.0 - s), rel=1e-14)
    assert repr(y) == "AutoDiffScalar(value=0.8808, derivatives=[0.10499])"


UNARY = {
    "exp": (exp, 0.7),
    "log": (log, 1.3),
    "sqrt": (sqrt, 2.5),
    "sin": (sin, 0.4),
    "cos": (cos, 0.4),
    "tan": (tan, 0.6),
    "tanh": (tanh, -0.8),
    "abs+": (abs, 1.5),
    "abs-": (abs, -1.5),
    "neg": (lambda x: -x, 0.3),
    "pos": (lambda x: +x, 0.3),
    "pow 3": (lambda x: x**3, -1.2),
    "pow 0.5": (lambda x: x**0.5, 2.0),
    "pow -2": (lambda x: x**-2, 1.7),
    "pow 2 at a negative base": (lambda x: x**2, -3.0),
    "rpow": (lambda x: 2**x, 1.3),
    "radd": (lambda x: 2.5 + x, 0.2),
    "add": (lambda x: x + 2.5, 0.2),
    "sub": (lambda x: x - 1.5, 0.2),
    "rsub": (lambda x: 1.5 - x, 0.2),
    "mul": (lambda x: x * 3, 0.2),
    "rmul": (lambda x: 3 * x, 0.2),
    "div": (lambda x: x / 4, 0.9),
    "rdiv": (lambda x: 4 / x, 0.9),
    "numpy scalars": (lambda x: np.float64(2.0) * x + np.int64(3) - x / np.float64(0.5) + np.int32(1), 0.9),
    "sigmoid": (lambda x: 1 / (1 + exp(-x)), 2.0),
    "composite": (lambda x: sqrt(1 + tanh(x) ** 2) * log(2 + cos(x)) / (1 + x * x), 0.7),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_rules_match_central_differences(name):
    f, x0 = UNARY[name]
    check_against_floats(f, (x0,))


BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
    "rpow": lambda x, y: y**x,
    "mixed": lambda x, y: sin(x * y) + exp(x / y) - 3 * y**2,
}


@pytest.mark.parametrize("name", BINARY)
def test_two_directions_in_one_pass_match_central_differences(name):
    check_against_floats(BINARY[name], (1.3, 0.7))


def test_methods_and_numpy_ufuncs_agree_on_object_arrays():
    a = autodiff_array([[0.5, 1.0], [1.5, 2.0]], 0, 4)
    for name in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh"):
        via_numpy = getattr(np, name)(a)  # numpy calls each element's method of that name
        via_module = getattr(autodiff_scalar, name)(a)
        np.testing.assert_allclose(values(via_numpy), getattr(np, name)(values(a)), rtol=1e-15)  # math vs numpy
        for u, v in zip(via_numpy.flat, via_module.flat):
            np.testing.assert_array_equal(u.derivatives, v.derivatives)
    np.testing.assert_array_equal(values(abs(-a)), values(a))
    assert a[0, 0].abs().derivatives.tolist() == [1.0, 0.0, 0.0, 0.0]


def test_module_functions_pass_numbers_and_float_arrays_to_numpy():
    assert exp(0.0) == 1.0
    np.testing.assert_array_equal(sin(np.zeros(3)), np.zeros(3))


def test_abs_has_zero_slope_at_zero_like_pytorch():
    assert abs(AutoDiffScalar.variable(0.0, 0, 1)).derivatives.tolist() == [0.0]


def test_x_to_the_zero_has_zero_slope_even_at_zero():
    y = AutoDiffScalar.variable(0.0, 0, 1) ** 0
    assert (y.value, y.derivatives.tolist()) == (1.0, [0.0])


def test_constants_have_empty_vectors_and_count_as_zeros():
    c = AutoDiffScalar(3.0)
    assert c.derivatives.shape == (0,)
    assert (c * c + 1).derivatives.shape == (0,)
    x = AutoDiffScalar.variable(2.0, 1, 3)
    assert (c * x - c).derivatives.tolist() == [0.0, 3.0, 0.0]
    assert (c**x).derivatives == pytest.approx([0.0, 9.0 * math.log(3.0), 0.0])


def test_comparisons_and_float_use_the_value():
    x, y = AutoDiffScalar.variable(2.0, 0, 2), AutoDiffScalar.variable(3.0, 1, 2)
    assert x < y and y > x and x <= 2 and 3 >= y and x == 2.0 and x != y
    assert not (x == AutoDiffScalar(2.5))
    assert max(x, y) is y
    assert float(x) == 2.0
    assert (x if x > 0 else -x).derivatives.tolist() == [1.0, 0.0]  # control flow picks a branch, as with floats


def test_unknown_operands_are_not_implemented():
    with pytest.raises(TypeError):
        AutoDiffScalar(1.0) + "1"
    with pytest.raises(TypeError):
        hash(AutoDiffScalar(1.0))


def test_different_derivative_sizes_raise_with_both_sizes():
    with pytest.raises(ValueError, match=r"sizes 2 and 3 .*same total size"):
        AutoDiffScalar.variable(1.0, 0, 2) * AutoDiffScalar.variable(1.0, 0, 3)


def test_seeding_errors():
    with pytest.raises(ValueError, match="index 3 is outside"):
        AutoDiffScalar.variable(1.0, 3, 3)
    with pytest.raises(ValueError, match="1-D"):
        AutoDiffScalar(1.0, [[1.0]])
    with pytest.raises(ValueError, match="9 variables from offset 9"):
        autodiff_array(X_IN, 9, 15)


def test_autodiff_array_seeds_row_major_unit_vectors():
    W = autodiff_array(np.arange(6.0).reshape(3, 2), 9, 15)
    assert W.shape == (3, 2) and W.dtype == object
    for i, w in enumerate(W.flat):
        assert w.value == float(i)
        np.testing.assert_array_equal(w.derivatives, np.eye(15)[9 + i])
    assert all(c.derivatives.size == 0 for c in autodiff_array(X_IN).flat)


def test_gradients_size_mismatch_raises():
    W = autodiff_array(np.ones((3, 2)), 0, 6)
    loss = W.sum()
    with pytest.raises(ValueError, match=r"6 derivatives .*9 = 9 elements"):
        gradients(loss, autodiff_array(X_IN))
    with pytest.raises(ValueError, match=r"9 \+ 6 = 15"):
        gradients(loss, autodiff_array(X_IN), W)
    with pytest.raises(TypeError, match="at least one array"):
        gradients(loss)


def custom_layer_loss(x, w):
    """The lesson's CustomLayer: Y = sin(X @ W), output = Y * Y, LOSS = sum(output)."""
    y = sin(x @ w)
    return (y * y).sum()


@pytest.fixture
def w_in():
    return np.random.default_rng(0).uniform(-1, 1, (3, 2))


def reverse_mode(w_in, x_requires_grad):
    Xt = nbt.tensor(X_IN, requires_grad=x_requires_grad)
    Wt = nbt.tensor(w_in, requires_grad=True)
    loss = (nbt.sin(Xt @ Wt) ** 2).sum()
    loss.backward()
    return loss, Xt, Wt


def test_custom_layer_dloss_dw_matches_reverse_mode(w_in):
    X = autodiff_array(X_IN)  # constants: only W's 6 entries are seeded, as convert(w_in, 0, w_in.size())
    W = autodiff_array(w_in, 0, w_in.size)
    loss = custom_layer_loss(X, W)
    assert loss.derivatives.shape == (6,)
    dW = gradients(loss, W)
    assert dW.shape == (3, 2) and dW.dtype == np.float64

    z = X_IN @ w_in
    assert loss.value == pytest.approx(np.sum(np.sin(z) ** 2), rel=1e-14)
    np.testing.assert_allclose(dW, X_IN.T @ (2 * np.sin(z) * np.cos(z)), rtol=1e-12, atol=1e-14)

    ours, _, Wt = reverse_mode(w_in, x_requires_grad=False)
    assert Wt.grad.numpy().dtype == np.float64
    assert loss.value == pytest.approx(ours.item(), rel=1e-14)
    np.testing.assert_allclose(dW, Wt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_custom_layer_dloss_dw_matches_pytorch(w_in):
    torch = pytest.importorskip("torch")
    W = autodiff_array(w_in, 0, w_in.size)
    dW = gradients(custom_layer_loss(autodiff_array(X_IN), W), W)
    Wt = torch.tensor(w_in, dtype=torch.float64, requires_grad=True)
    (torch.sin(torch.tensor(X_IN, dtype=torch.float64) @ Wt) ** 2).sum().backward()
    np.testing.assert_allclose(dW, Wt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_custom_layer_dx_and_dw_together_in_one_pass(w_in):
    size = X_IN.size + w_in.size  # 9 + 6 = 15 directions
    X = autodiff_array(X_IN, 0, size)
    W = autodiff_array(w_in, X_IN.size, size)
    loss = custom_layer_loss(X, W)
    assert loss.derivatives.shape == (15,)
    dX, dW = gradients(loss, X, W)
    assert dX.shape == (3, 3) and dW.shape == (3, 2)

    _, Xt, Wt = reverse_mode(w_in, x_requires_grad=True)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dW, Wt.grad.numpy(), rtol=1e-12, atol=1e-14)
    # seeding X as well must not change dW
    W6 = autodiff_array(w_in, 0, w_in.size)
    np.testing.assert_allclose(dW, gradients(custom_layer_loss(autodiff_array(X_IN), W6), W6), rtol=1e-15)


def test_matmul_and_dot_agree_on_object_arrays(w_in):
    X, W = autodiff_array(X_IN, 0, 15), autodiff_array(w_in, 9, 15)
    for u, v in zip((X @ W).flat, np.dot(X, W).flat):
        assert u.value == v.value
        np.testing.assert_array_equal(u.derivatives, v.derivatives)
    np.testing.assert_allclose(values(X @ W), X_IN @ w_in, rtol=1e-15)


def test_docstring_examples_run():
    result = doctest.testmod(autodiff_scalar)
    assert result.attempted > 0
    assert result.failed == 0
