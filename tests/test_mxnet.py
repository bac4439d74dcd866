"""The MXNet dialect (``nbautodiff.mxnet``) on both backends.

Lesson 003 (d2l 2.5 自动求导, the MXNet column, seed ``003_81fff39df3c6c01a.txt``) is kept as
``tests/fixtures/lesson_003_mxnet.py``; it must print the lesson's values, the same text on the own engine
and on real PyTorch. The other tests pin MXNet's rules one by one: only ``autograd.record()`` records,
``pause()`` stops it, ``backward()`` on a non-scalar sums, gradients are *written* (not accumulated), reprs
are MXNet's, and arrays from different backends do not mix.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import runpy
from pathlib import Path

import numpy
import pytest

import nbautodiff as nb
import nbautodiff.mxnet as mx
from nbautodiff.mxnet import MXNetError, autograd, np

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "lesson_003_mxnet.py"
SEED_LESSON = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "003_81fff39df3c6c01a.txt"

NOT_IN_GRAPH = (
    "Cannot differentiate node because it is not in a computational graph. You need to set is_recording to "
    "true or use autograd.record() to save computational graphs for backward. If you want to differentiate "
    "the same graph twice, you need to pass retain_graph=True to backward."
)

# What the lesson shows, cell by cell (d2l's MXNet outputs), and the control-flow example with seed 0.
EXPECTED = """\
array([[0.],
       [1.],
       [2.],
       [3.]])
array([[0.],
       [0.],
       [0.],
       [0.]])
28.0
array([[ 0.],
       [ 4.],
       [ 8.],
       [12.]])
array([[ True],
       [ True],
       [ True],
       [ True]])
array([[1.],
       [1.],
       [1.],
       [1.]])
array([[0.],
       [2.],
       [4.],
       [6.]])
array([[ True],
       [ True],
       [ True],
       [ True]])
array(0.12573022)
array(1029.9819)
array(8192.)
array(True)
"""


def _torch_or_skip(name: str) -> None:
    if name == "torch":
        pytest.importorskip("torch")


@pytest.fixture(params=["numpy", "torch"])
def backend(request):
    _torch_or_skip(request.param)
    with nb.use_backend(request.param) as be:
        yield be


def values(a) -> numpy.ndarray:
    return a.asnumpy()


def column(*xs) -> numpy.ndarray:
    return numpy.array(xs, dtype=numpy.float32).reshape(-1, 1)


def f(a):
    """d2l's control-flow function, in MXNet."""
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


# --------------------------------------------------------------------------------------------------------------
# Lesson 003
# --------------------------------------------------------------------------------------------------------------


def test_lesson_numbers(backend):
    x = np.arange(4.0).reshape(4, 1)
    assert x.dtype == numpy.float32 and x.shape == (4, 1)
    x.attach_grad()
    numpy.testing.assert_array_equal(values(x.grad), column(0, 0, 0, 0))

    with autograd.record():
        y = 2 * x.T @ x
    assert float(y) == 28.0
    y.backward()
    numpy.testing.assert_array_equal(values(x.grad), column(0, 4, 8, 12))
    assert bool((x.grad == 4 * x).asnumpy().all())

    with autograd.record():
        y = x.sum()
    y.backward()
    # written over, not added: PyTorch would show [[1.], [5.], [9.], [13.]] here
    numpy.testing.assert_array_equal(values(x.grad), column(1, 1, 1, 1))

    with autograd.record():
        y = x * x
    y.backward()  # a vector: backward differentiates the sum of its elements
    numpy.testing.assert_array_equal(values(x.grad), column(0, 2, 4, 6))

    with autograd.record():
        y = x * x
        u = y.detach()
        z = u * x
    z.backward()
    assert values(x.grad == u).all()
    numpy.testing.assert_array_equal(values(x.grad), column(0, 1, 4, 9))


def test_control_flow_gradient(backend):
    np.random.seed(0)
    a = np.random.normal(size=())
    assert a.shape == () and a.dtype == numpy.float32
    a.attach_grad()
    with autograd.record():
        d = f(a)
    d.backward()
    assert bool(a.grad == d / a)
    assert float(a.grad) == 8192.0  # b = a * 2**13 crosses 1000; f is linear in a

    b = np.array(-0.3)  # the other branch: c = 100 * b
    b.attach_grad()
    with autograd.record():
        d = f(b)
    d.backward()
    assert float(b.grad) == 100 * 2.0**12  # b = -0.3 * 2**12 is the first past 1000 in norm
    assert float(d) == pytest.approx(-0.3 * 100 * 2**12, rel=1e-6)


def run_fixture(spec: str) -> str:
    with nb.use_backend(spec), contextlib.redirect_stdout(io.StringIO()) as out:
        runpy.run_path(str(FIXTURE), run_name="__main__")
    return out.getvalue()


@pytest.mark.parametrize("name", ["numpy", "torch"])
def test_fixture_prints_the_lesson(name):
    _torch_or_skip(name)
    assert run_fixture(name) == EXPECTED


def test_fixture_prints_the_same_text_on_both_backends():
    pytest.importorskip("torch")
    own, real = run_fixture("numpy"), run_fixture("torch")
    assert own == real


@pytest.mark.skipif(not SEED_LESSON.exists(), reason="the seed folder is not beside this checkout")
def test_fixture_is_the_lessons_mxnet_code():
    lesson, fixture = SEED_LESSON.read_text(encoding="utf-8"), FIXTURE.read_text(encoding="utf-8")
    for line in [
        "x = np.arange(4.0).reshape(4, 1)",
        "x.attach_grad()",
        "with autograd.record():",
        "y = 2 * x.T @ x",
        "y.backward()",
        "y = x.sum()",
        "y = x * x",
        "u = y.detach()",
        "z = u * x",
        "z.backward()",
        "x.grad == u",
    ]:
        assert line in lesson and line in fixture, line


# --------------------------------------------------------------------------------------------------------------
# MXNet's autograd rules
# --------------------------------------------------------------------------------------------------------------


def test_the_gradient_buffer_is_written_in_place(backend):
    x = np.array([1.0, 2.0])
    x.attach_grad()
    g = x.grad
    for _ in range(3):
        with autograd.record():
            y = (3 * x).sum()
        y.backward()
    assert x.grad is g  # one buffer, as MXNet's attach_grad allocates
    numpy.testing.assert_array_equal(values(g), [3.0, 3.0])


def test_grad_req_add_accumulates(backend):
    x = np.array([1.0, 2.0])
    x.attach_grad(grad_req="add")
    for _ in range(2):
        with autograd.record():
            y = x * x
        y.backward()
    numpy.testing.assert_array_equal(values(x.grad), [4.0, 8.0])


def test_backward_writes_only_what_the_graph_reaches(backend):
    x, w = np.array([1.0, 2.0]), np.array([5.0])
    x.attach_grad()
    w.attach_grad()
    with autograd.record():
        y = (x * w).sum()
    y.backward()
    numpy.testing.assert_array_equal(values(w.grad), [3.0])
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    numpy.testing.assert_array_equal(values(x.grad), [2.0, 4.0])
    numpy.testing.assert_array_equal(values(w.grad), [3.0])  # not in this graph: left alone


def test_head_gradient(backend):
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward(np.array([1.0, 0.0, 10.0]))
    numpy.testing.assert_array_equal(values(x.grad), [2.0, 0.0, 60.0])
    with autograd.record():
        y1, y2 = x.sum(), (x * x).sum()
    autograd.backward([y1, y2])  # both heads in one pass: their gradients add up
    numpy.testing.assert_array_equal(values(x.grad), [3.0, 5.0, 7.0])


def test_record_and_pause(backend):
    x = np.array([1.0, 2.0])
    x.attach_grad()
    assert not autograd.is_recording() and not autograd.is_training()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        y = x * 2
        with autograd.pause():
            assert not autograd.is_recording() and not autograd.is_training()
            z = x * 3  # not recorded: a constant for the graph
        assert autograd.is_recording()
        w = y * z
    assert not autograd.is_recording()
    w.backward()
    numpy.testing.assert_array_equal(values(x.grad), [6.0, 12.0])  # d(2x * const)/dx = 2 * 3x
    with pytest.raises(MXNetError, match="not in a computational graph"):
        z.backward()


def test_record_restores_its_state_when_the_block_fails(backend):
    with pytest.raises(ZeroDivisionError), autograd.record():
        1 / 0
    assert not autograd.is_recording()


def test_outside_record_nothing_is_recorded(backend):
    x = np.arange(4.0).reshape(4, 1)
    x.attach_grad()
    y = 2 * x.T @ x
    assert float(y) == 28.0
    with pytest.raises(MXNetError) as err:
        y.backward()
    assert str(err.value) == NOT_IN_GRAPH
    assert isinstance(err.value, RuntimeError)  # MXNet's MXNetError is a RuntimeError too
    numpy.testing.assert_array_equal(values(x.grad), column(0, 0, 0, 0))
    with autograd.record():
        plain = np.ones(3) * 2  # recorded, but nothing in it has a gradient buffer
    with pytest.raises(MXNetError, match="You need to set is_recording to true"):
        plain.backward()


def test_a_graph_is_freed_by_backward(backend):
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # the graph was kept once; written again, not doubled
    numpy.testing.assert_array_equal(values(x.grad), [2.0, 4.0])
    with pytest.raises(MXNetError, match="pass retain_graph=True to backward"):
        y.backward()


def test_inplace_updates(backend):
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record(), pytest.raises(MXNetError, match="Assigning to NDArrays that are already in a"):
        x += 1
    with autograd.record(), pytest.raises(MXNetError, match="cannot use inplace operations"):
        x[0] = 5.0
    numpy.testing.assert_array_equal(values(x), [1.0, 2.0])  # checked before anything changed
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    x -= 0.25 * x.grad  # a gradient step outside record: in place, x stays a variable
    x[1] = 7.0
    numpy.testing.assert_array_equal(values(x), [0.5, 7.0])
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    numpy.testing.assert_array_equal(values(x.grad), [1.0, 14.0])


def test_autograd_grad_and_a_second_derivative(backend):
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = (x**3).sum()
        (dx,) = autograd.grad(y, [x], create_graph=True)
        s = dx.sum()
    numpy.testing.assert_array_equal(values(dx), [3.0, 12.0, 27.0])
    numpy.testing.assert_array_equal(values(x.grad), [0.0, 0.0, 0.0])  # grad() returns, it doesn't write
    s.backward()
    numpy.testing.assert_array_equal(values(x.grad), [6.0, 12.0, 18.0])
    with pytest.raises(ValueError, match="attach_grad"):
        autograd.grad(s, [np.ones(3)])


def test_attach_grad_needs_floats(backend):
    with pytest.raises(TypeError, match="int64.*astype"):
        np.arange(3, dtype="int64").attach_grad()


# --------------------------------------------------------------------------------------------------------------
# Arrays: reprs, dtypes, ops
# --------------------------------------------------------------------------------------------------------------


def test_reprs(backend):
    x = np.arange(4.0).reshape(4, 1)
    assert repr(x) == "array([[0.],\n       [1.],\n       [2.],\n       [3.]])"
    assert repr(np.array(28.0)) == "array(28.)"
    assert repr(2 * x.T @ x) == "array([[28.]])"
    assert repr(np.array([1.0, 2.0]) == np.array([1.0, 2.0])) == "array([ True,  True])"
    assert repr(np.array([0, 1, 2], dtype="int64")) == "array([0, 1, 2], dtype=int64)"
    assert repr(np.array([0, 1, 2], dtype="int32")) == "array([0, 1, 2], dtype=int32)"
    assert repr(np.zeros(2, dtype="float64")) == "array([0., 0.], dtype=float64)"
    assert repr(np.array([0.5, 0.25]).argmax()) == "array(0, dtype=int64)"
    assert str(x.T) == "[[0. 1. 2. 3.]]"
    assert f"{np.array(2.5):.2f}" == "2.50"
    assert repr(x.ctx) == "cpu(0)"


def test_dtypes_follow_mxnet(backend):
    assert np.arange(4.0).dtype == numpy.float32
    assert np.arange(4).dtype == numpy.float32  # MXNet: float32 unless asked
    assert np.array([1, 2, 3]).dtype == numpy.float32
    assert np.array(numpy.array([1.0, 2.0])).dtype == numpy.float64  # a numpy array keeps its dtype
    assert np.zeros(3, dtype=int).dtype == numpy.int64
    assert np.ones((2, 2)).dtype == numpy.float32 and np.full((2,), 7).dtype == numpy.float32
    assert (np.arange(3.0) > 1).dtype == numpy.bool_
    assert isinstance(np.arange(3.0).dtype, numpy.dtype)
    assert np.arange(3.0).astype("int32").dtype == numpy.int32


def test_array_protocol_and_conversions(backend):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.size == 4 and x.ndim == 2 and len(x) == 2
    assert numpy.asarray(x).tolist() == [[1.0, 2.0], [3.0, 4.0]] == x.tolist()
    assert [float(r.sum()) for r in x] == [3.0, 7.0]
    assert x[1, 0].item() == 3.0 and int(np.array([7.0])) == 7
    with pytest.raises(TypeError, match="only size-1 arrays"):
        float(x)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x > 0)
    a = x.asnumpy()
    a[0, 0] = 100.0  # a copy, as MXNet's asnumpy
    assert float(x[0, 0]) == 1.0


def test_indexing(backend):
    x = np.arange(6.0).reshape(2, 3)
    numpy.testing.assert_array_equal(values(x[np.array([1, 0])]), [[3, 4, 5], [0, 1, 2]])  # float32 indices work
    numpy.testing.assert_array_equal(values(x[x > 2]), [3, 4, 5])
    numpy.testing.assert_array_equal(values(x[:, 1]), [1, 4])
    x.attach_grad()
    with autograd.record():
        y = x[0, 1] * 3 + x[:, 2].sum()
    y.backward()
    numpy.testing.assert_array_equal(values(x.grad), [[0, 3, 1], [0, 0, 1]])
    z = np.zeros((2, 2))
    z[0] = np.array([1.0, 2.0])
    z[:, 1] = 9.0
    numpy.testing.assert_array_equal(values(z), [[1, 9], [0, 9]])


DATA = numpy.array([[0.5, -1.5, 2.0], [1.25, 3.0, -0.25]], dtype=numpy.float32)

# (name, dialect function, numpy function, numpy gradient of the sum of the result)
OPS = [
    ("exp", lambda a: np.exp(a), numpy.exp, numpy.exp),
    ("log|x|", lambda a: np.log(np.abs(a)), lambda a: numpy.log(numpy.abs(a)), lambda a: 1 / a),
    ("sin", lambda a: np.sin(a), numpy.sin, numpy.cos),
    ("cos", lambda a: np.cos(a), numpy.cos, lambda a: -numpy.sin(a)),
    ("tanh", lambda a: np.tanh(a), numpy.tanh, lambda a: 1 - numpy.tanh(a) ** 2),
    (
        "sqrt|x|",
        lambda a: np.sqrt(np.abs(a)),
        lambda a: numpy.sqrt(numpy.abs(a)),
        lambda a: numpy.sign(a) / (2 * numpy.sqrt(numpy.abs(a))),
    ),
    ("maximum", lambda a: np.maximum(a, 0), lambda a: numpy.maximum(a, 0), lambda a: (a > 0).astype(numpy.float32)),
    ("minimum", lambda a: np.minimum(1.0, a), lambda a: numpy.minimum(1.0, a), lambda a: (a < 1).astype(numpy.float32)),
    ("mean", lambda a: np.mean(a, axis=0), lambda a: a.mean(axis=0), lambda a: numpy.full_like(a, 0.5)),
    ("max", lambda a: a.max(axis=1), lambda a: a.max(axis=1), lambda a: (a == a.max(axis=1, keepdims=True)) * 1.0),
    ("norm", lambda a: np.linalg.norm(a), numpy.linalg.norm, lambda a: a / numpy.linalg.norm(a)),
    ("dot", lambda a: np.dot(a, a.T), lambda a: a @ a.T, lambda a: 2 * numpy.ones((2, 2)) @ a),
    ("x / 2 - 1", lambda a: a / 2 - 1, lambda a: a / 2 - 1, lambda a: numpy.full_like(a, 0.5)),
    ("1 / x", lambda a: 1 / a, lambda a: 1 / a, lambda a: -1 / a**2),
    ("x ** 2", lambda a: a**2, lambda a: a**2, lambda a: 2 * a),
    ("2 ** x", lambda a: 2**a, lambda a: 2**a, lambda a: numpy.log(2) * 2**a),
    ("where", lambda a: np.where(a > 0, a, 0.0), lambda a: numpy.where(a > 0, a, 0.0), lambda a: (a > 0) * 1.0),
    ("T, reshape", lambda a: a.T.reshape(-1) * 3, lambda a: a.T.reshape(-1) * 3, lambda a: numpy.full_like(a, 3)),
    (
        "concat",
        lambda a: np.concatenate([a, 2 * a]),
        lambda a: numpy.concatenate([a, 2 * a]),
        lambda a: numpy.full_like(a, 3),
    ),
    ("std", lambda a: a.std(), lambda a: a.std(), lambda a: (a - a.mean()) / (a.size * a.std())),
]


@pytest.mark.parametrize("name, fn, ref, grad", OPS, ids=[op[0] for op in OPS])
def test_ops_match_numpy(backend, name, fn, ref, grad):
    x = np.array(DATA)
    x.attach_grad()
    with autograd.record():
        y = fn(x)
    numpy.testing.assert_allclose(values(y), ref(DATA), rtol=1e-5, atol=1e-6)
    y.backward()
    numpy.testing.assert_allclose(values(x.grad), grad(DATA), rtol=1e-5, atol=1e-6)


def test_factories(backend):
    numpy.testing.assert_array_equal(values(np.linspace(0, 1, 5)), [0, 0.25, 0.5, 0.75, 1])
    numpy.testing.assert_array_equal(values(np.eye(2)), numpy.eye(2))
    numpy.testing.assert_array_equal(values(np.zeros_like(np.ones(3))), [0, 0, 0])
    numpy.testing.assert_array_equal(values(np.ones_like(np.zeros((1, 2)))), [[1, 1]])
    numpy.testing.assert_array_equal(values(np.full((2,), 7)), [7, 7])
    np.random.seed(3)
    first = values(np.random.uniform(-1, 1, size=(3,)))
    np.random.seed(3)
    numpy.testing.assert_array_equal(values(np.random.uniform(-1, 1, size=(3,))), first)
    assert ((first >= -1) & (first < 1)).all()
    assert np.random.normal(2.0, 0.5, size=(2, 3)).shape == (2, 3)
    with pytest.raises(ValueError, match="ctx=gpu"):
        np.zeros(2, ctx=mx.gpu(0))


# --------------------------------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------------------------------


def test_arrays_from_different_backends_do_not_mix():
    pytest.importorskip("torch")
    with nb.use_backend("numpy"):
        x = np.array([1.0, 2.0])
        x.attach_grad()
        with autograd.record():
            y = x * x
    with nb.use_backend("torch"):
        other = np.array([1.0, 1.0])
    with pytest.raises(ValueError, match="cannot mix arrays made on different backends \\('numpy' and 'torch'\\)"):
        x + other
    with pytest.raises(ValueError, match="different backends"):
        np.dot(other, x)
    with pytest.raises(ValueError, match="different backends"):
        x[0] = other[0]
    with pytest.raises(ValueError, match="different backends"):
        y.backward(other)
    # nothing changed: the values, the buffer, the graph (backward still works)
    numpy.testing.assert_array_equal(values(x), [1.0, 2.0])
    numpy.testing.assert_array_equal(values(x.grad), [0.0, 0.0])
    y.backward()
    numpy.testing.assert_array_equal(values(x.grad), [2.0, 4.0])
    # copying over through numpy is the way
    numpy.testing.assert_array_equal(values(x + np.array(other.asnumpy())), [2.0, 3.0])


def test_arrays_keep_the_backend_they_were_made_on():
    torch = pytest.importorskip("torch")
    with nb.use_backend("torch"):
        x = np.array([1.0, 2.0])
        x.attach_grad()
    assert nb.backend().name == "numpy"
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    assert isinstance(x.grad._t, torch.Tensor)
    numpy.testing.assert_array_equal(values(x.grad), [2.0, 4.0])


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.skipif(not _cuda_available(), reason="needs a CUDA GPU and a CUDA build of PyTorch")
def test_the_lesson_on_cuda():
    with nb.use_backend("torch", device="cuda"):
        x = np.arange(4.0).reshape(4, 1)
        x.attach_grad()
        with autograd.record():
            y = 2 * x.T @ x
        y.backward()
        assert x._t.is_cuda and x.grad._t.is_cuda
        assert repr(x.ctx) == "gpu(0)"
        assert repr(x.grad) == "array([[ 0.],\n       [ 4.],\n       [ 8.],\n       [12.]], ctx=gpu(0))"
        assert str(x.T) == "[[0. 1. 2. 3.]] @gpu(0)"
        np.zeros(1, ctx=mx.gpu(0))
        with pytest.raises(ValueError, match="ctx=cpu"):
            np.zeros(1, ctx=mx.cpu())
    assert run_fixture("torch:cuda") == EXPECTED


# --------------------------------------------------------------------------------------------------------------
# The module
# --------------------------------------------------------------------------------------------------------------


def test_namespaces_import_both_ways():
    from nbautodiff.mxnet import autograd as ag
    from nbautodiff.mxnet import np as mnp

    assert mnp is mx.np and ag is mx.autograd
    assert mx.np.arange(2.0).shape == (2,)
    assert mx.np.random.normal(size=(2,)).shape == (2,)
    assert callable(mx.np.linalg.norm) and callable(mx.autograd.record)
    assert "arange" in dir(mx.np) and "record" in dir(mx.autograd)
    assert all(hasattr(mx, name) for name in mx.__all__)
    mx.npx.set_np()


def test_module_docstring_example():
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with nb.use_backend("numpy"):
        for test in finder.find(mx, "nbautodiff.mxnet", globs=dict(vars(mx))):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 6 and result.failed == 0


def test_shapes_that_do_not_broadcast_raise_mxnet_error():
    first = r"^Check failed: l == 1 \|\| r == 1: operands could not be broadcast together with shapes "
    with pytest.raises(MXNetError, match=first + r"\[2,3\] \[4\]\n.*in add"):
        np.ones((2, 3)) + np.ones((4,))
    with pytest.raises(MXNetError, match=first + r"\[2,3\] \[2\]\n.*in maximum"):
        np.maximum(np.ones((2, 3)), np.ones((2,)))
    assert (np.ones((2, 3)) * np.ones(3)).shape == (2, 3)
