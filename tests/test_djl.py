"""The DJL dialect runs d2l-java's 2.5 自动求导 lesson on both backends and prints what DJL printed.

The lesson (seed ``000_2fb77001767b1d77.txt``) is translated line by line into
``tests/fixtures/lesson_000_djl.py``; its printed outputs, in order, are
``tests/fixtures/lesson_000_djl_expected.txt``. The seed ran on a GPU (``gpu(0)``); on the CPU the header says
``cpu()``.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

import nbautodiff as nb
from nbautodiff import djl
from nbautodiff.djl import (
    DataType,
    Device,
    Engine,
    EngineException,
    IllegalArgumentException,
    IllegalStateException,
    NDArray,
    NDManager,
    Shape,
)

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "lesson_000_djl.py"
EXPECTED = HERE / "fixtures" / "lesson_000_djl_expected.txt"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_2fb77001767b1d77.txt"


@pytest.fixture(params=["numpy", "torch"])
def backend(request):
    """Run the test on the own engine and on real PyTorch (skipped where PyTorch is not installed)."""
    if request.param == "torch":
        pytest.importorskip("torch")
    with nb.use_backend(request.param) as b:
        yield b


@pytest.fixture
def manager(backend):
    with NDManager.newBaseManager() as m:
        yield m


@pytest.fixture(autouse=True)
def _no_collector_left_open():
    yield
    assert djl._STATE.collector is None, "a test left a GradientCollector open"


def _collector():
    return Engine.getInstance().newGradientCollector()


def run_lesson() -> tuple[str, dict]:
    """What the lesson prints, and its variables."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        names = runpy.run_path(str(FIXTURE), run_name="__main__")
    return out.getvalue(), names


# --------------------------------------------------------------------------------------------------------------
# The lesson, as printed
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["numpy", "torch"])
def test_lesson_prints_what_djl_printed(name):
    if name == "torch":
        pytest.importorskip("torch")
    with nb.use_backend(name) as b:
        printed, names = run_lesson()
        device = repr(djl._backend_device(b))
    assert names["a"].getFloat() > 0  # the seeded a: f(a) = k·a with k a power of two, so d / a == k exactly
    expected = EXPECTED.read_text().replace("gpu(0)", device)
    got_lines, want_lines = printed.splitlines(), expected.splitlines()
    for i, (got, want) in enumerate(zip(got_lines, want_lines), 1):
        assert got == want, f"line {i} on {name}: {got!r} != {want!r}"
    assert len(got_lines) == len(want_lines)


def test_expected_text_is_the_seed_output():
    """The expected file is the seed's ``ND: ...`` blocks, in order (checked where the seed folder is)."""
    if not SEED.exists():
        pytest.skip("the seed folder is not beside this checkout")
    lines = SEED.read_text().splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.startswith("ND: ("):
            blocks += [line, lines[i + 1]]
    assert blocks == EXPECTED.read_text().splitlines()


def test_fixture_keeps_the_lessons_java_calls():
    """Every DJL call the seed's code makes appears in the fixture under the same (Java) name."""
    if not SEED.exists():
        pytest.skip("the seed folder is not beside this checkout")
    java_calls = set(re.findall(r"\.([a-z][A-Za-z]+)\(", SEED.read_text())) - {"println"}
    fixture = FIXTURE.read_text()
    missing = sorted(c for c in java_calls if f".{c}(" not in fixture)
    assert not missing, missing


# --------------------------------------------------------------------------------------------------------------
# The lesson's numbers
# --------------------------------------------------------------------------------------------------------------


def test_y_equals_2_xtx_and_its_gradient(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    with _collector() as gc:
        y = x.dot(x).mul(2)
        gc.backward(y)
    assert y.getShape() == Shape() and y.getFloat() == 28.0
    assert x.getGradient().toFloatArray() == [0.0, 4.0, 8.0, 12.0]
    assert x.getGradient().eq(x.mul(4)).toBooleanArray() == [True] * 4


def test_gradient_starts_as_zeros_of_the_same_shape_and_dtype(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    g = x.getGradient()
    assert g.toFloatArray() == [0.0] * 4
    assert g.getShape() == x.getShape() and g.getDataType() is DataType.FLOAT32


def test_backward_writes_the_gradient_instead_of_adding(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    with _collector() as gc:
        gc.backward(x.dot(x).mul(2))
    with _collector() as gc:
        gc.backward(x.sum())
    assert x.getGradient().toFloatArray() == [1.0, 1.0, 1.0, 1.0]  # not [1, 5, 9, 13]
    with _collector() as gc:  # the same function twice: still not doubled
        gc.backward(x.sum())
        gc.backward(x.sum())
    assert x.getGradient().toFloatArray() == [1.0, 1.0, 1.0, 1.0]


def test_backward_writes_into_the_same_gradient_memory(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    g = x.getGradient()  # taken before backward: the lesson's point is that the slot is not reallocated
    with _collector() as gc:
        gc.backward(x.mul(3).sum())
    assert g.toFloatArray() == [3.0] * 4


def test_non_scalar_target_is_summed(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    with _collector() as gc:
        y = x.mul(x)
        gc.backward(y)
    assert x.getGradient().toFloatArray() == [0.0, 2.0, 4.0, 6.0]
    assert x.getGradient().eq(x.mul(2)).toBooleanArray() == [True] * 4


def test_stop_gradient_treats_u_as_a_constant(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    with _collector() as gc:
        y = x.mul(x)
        u = y.stopGradient()
        z = u.mul(x)
        gc.backward(z)
        assert x.getGradient().eq(u).toBooleanArray() == [True] * 4
    assert x.getGradient().toFloatArray() == [0.0, 1.0, 4.0, 9.0]  # u, not 3x² = [0, 3, 12, 27]
    assert not u.hasGradient()


def _f(a: NDArray) -> NDArray:
    b = a.mul(2)
    while b.norm().getFloat() < 1000:
        b = b.mul(2)
    return b if b.sum().getFloat() > 0 else b.mul(100)


@pytest.mark.parametrize("value, k", [(0.3, 4096.0), (-0.3, 409600.0), (1.7, 1024.0)])
def test_control_flow_gradient_is_the_slope(manager, value, k):
    a = manager.create([value])
    a.setRequiresGradient(True)
    with _collector() as gc:
        d = _f(a)
        gc.backward(d)
    assert a.getGradient().toFloatArray() == [k]  # f(a) = k·a, k chosen by the loop and the branch
    np.testing.assert_allclose(d.div(a).toFloatArray(), [k], rtol=1e-6)
    if value > 0:  # powers of two scale exactly, so d / a is k to the last bit (the lesson's [ true])
        assert a.getGradient().eq(d.div(a)).getBoolean()


def test_second_backward_through_the_same_graph_fails(manager):
    """Exercise 2: run backward again right after it ran; the graph is gone, on both backends."""
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    with _collector() as gc:
        y = x.dot(x)
        gc.backward(y)
        with pytest.raises(RuntimeError):
            gc.backward(y)


# --------------------------------------------------------------------------------------------------------------
# Recording only inside a collector; one collector at a time
# --------------------------------------------------------------------------------------------------------------


def test_nothing_is_recorded_outside_a_collector(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    y = x.mul(x).sum()
    assert not y._t.requires_grad
    with _collector() as gc, pytest.raises(EngineException, match="setRequiresGradient"):
        gc.backward(y)
    assert x.getGradient().toFloatArray() == [0.0] * 4


def test_second_collector_is_refused_with_the_fix(manager):
    with _collector():
        with pytest.raises(IllegalStateException, match="A GradientCollector already exists.*close"):
            _collector()
    with _collector() as gc:  # the first one closed with its block: a new one opens
        assert repr(gc) == "GradientCollector(open)"


def test_collector_closes_when_its_block_fails(manager):
    with pytest.raises(ZeroDivisionError), _collector():
        1 / 0
    assert djl._STATE.collector is None
    _collector().close()


def test_closed_collector_refuses_backward(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    with _collector() as gc:
        y = x.sum()
    with pytest.raises(IllegalStateException, match="closed"):
        gc.backward(y)


def test_zero_gradients(manager):
    x = manager.arange(4.0)
    x.setRequiresGradient(True)
    with _collector() as gc:
        gc.backward(x.sum())
        gc.zeroGradients()
    assert x.getGradient().toFloatArray() == [0.0] * 4


def test_arrays_the_target_does_not_use_keep_their_gradient(manager):
    x, w = manager.arange(4.0), manager.ones(Shape(2))
    x.setRequiresGradient(True)
    w.setRequiresGradient(True)
    with _collector() as gc:
        gc.backward(w.mul(5).sum())
    with _collector() as gc:
        gc.backward(x.sum())
    assert w.getGradient().toFloatArray() == [5.0, 5.0]


def test_get_gradient_without_one_names_the_fix(manager):
    with pytest.raises(IllegalStateException, match=r"^No gradient attached to this NDArray, .*\n.*setRequires"):
        manager.arange(4.0).getGradient()
    with pytest.raises(EngineException, match="^Only Tensors of floating point .*\n.*x.toType"):
        manager.arange(4).setRequiresGradient(True)


# --------------------------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------------------------


def test_has_gradient_only_on_arrays_that_asked_for_one(manager):
    x = manager.arange(4.0)
    assert repr(x).splitlines()[0] == "ND: (4) cpu() float32"
    x.setRequiresGradient(True)
    assert repr(x).splitlines()[0] == "ND: (4) cpu() float32 hasGradient"
    with _collector() as gc:
        y = x.mul(2)
        s = y.sum()
        gc.backward(s)
    for derived in (y, s, x.getGradient(), x.stopGradient(), x.duplicate(), x.mul(2)):
        assert "hasGradient" not in repr(derived), repr(derived)
        assert not derived.hasGradient()
    x.setRequiresGradient(False)
    assert "hasGradient" not in repr(x)


def test_repr_scalars(manager):
    assert repr(manager.create(28.0)) == "ND: () cpu() float32\n28."
    assert repr(manager.create(2.5)) == "ND: () cpu() float32\n2.5"
    assert repr(manager.create(5)) == "ND: () cpu() int32\n5"
    assert repr(manager.create(True)) == "ND: () cpu() boolean\n true"


def test_repr_booleans(manager):
    x = manager.arange(4.0)
    assert str(x.eq(x)) == "ND: (4) cpu() boolean\n[ true,  true,  true,  true]"
    assert str(x.gt(1)) == "ND: (4) cpu() boolean\n[false, false,  true,  true]"


def test_repr_vectors(manager):
    assert repr(manager.arange(4.0)) == "ND: (4) cpu() float32\n[0., 1., 2., 3.]"
    assert repr(manager.arange(4.0).mul(4)) == "ND: (4) cpu() float32\n[ 0.,  4.,  8., 12.]"
    assert repr(manager.arange(4)) == "ND: (4) cpu() int32\n[ 0,  1,  2,  3]"
    assert repr(manager.create([0.1, 0.2])).endswith("\n[0.1, 0.2]")
    assert repr(manager.create([0.5, 0.25])).endswith("\n[0.5 , 0.25]")  # trailing zeros become spaces
    assert repr(manager.create([-1.5, 2.0])).endswith("\n[-1.5,  2. ]")
    assert repr(manager.create([1e-5, 1.0])).endswith("\n[ 9.99999975e-06,  1.00000000e+00]")
    assert repr(manager.create([float("nan"), 1.5])).endswith("\n[nan, 1.5]")
    assert repr(manager.create([1.0, 2.0], DataType.FLOAT64)) == "ND: (2) cpu() float64\n[1., 2.]"
    assert repr(manager.zeros(Shape(0))) == "ND: (0) cpu() float32\n[]"
    assert repr(manager.arange(25.0)).endswith(" 19., ... 5 more]")


def test_repr_matrices(manager):
    assert repr(manager.arange(12).reshape(3, 4)) == (
        "ND: (3, 4) cpu() int32\n[[ 0,  1,  2,  3],\n [ 4,  5,  6,  7],\n [ 8,  9, 10, 11],\n]"
    )
    assert repr(manager.arange(8.0).reshape(Shape(2, 2, 2))) == (
        "ND: (2, 2, 2) cpu() float32\n[[[0., 1.],\n  [2., 3.],\n ],\n [[4., 5.],\n  [6., 7.],\n ],\n]"
    )
    tall = repr(manager.ones(Shape(12, 2))).splitlines()
    assert tall[-1] == " ... 2 more]" and len(tall) == 12


def test_name_replaces_nd(manager):
    x = manager.arange(2.0)
    x.setName("x")
    assert repr(x) == "x: (2) cpu() float32\n[0., 1.]"


# --------------------------------------------------------------------------------------------------------------
# Mixing backends
# --------------------------------------------------------------------------------------------------------------


def test_mixing_backends_is_refused_before_anything_changes():
    pytest.importorskip("torch")
    with nb.use_backend("numpy"):
        np_manager = NDManager.newBaseManager()
    with nb.use_backend("torch"):
        torch_manager = NDManager.newBaseManager()
        torch_tensor = nb.backend().ns.ones(4)
    x, t = np_manager.arange(4.0), torch_manager.arange(4.0)
    assert np_manager.backend.name == "numpy" and torch_manager.backend.name == "torch"
    x.setRequiresGradient(True)
    with _collector() as gc:
        with pytest.raises(EngineException, match="numpy backend but the other operand is an NDArray .* torch"):
            x.mul(t)
        with pytest.raises(EngineException, match="numpy backend but the other operand is a torch tensor"):
            x.add(torch_tensor)
        with pytest.raises(EngineException, match="torch backend .* numpy.*same manager/backend"):
            t.dot(x)
        with pytest.raises(EngineException, match="same manager/backend"):
            np_manager.create(torch_tensor)
        gc.backward(x.sum())
    assert x.getGradient().toFloatArray() == [1.0] * 4


def test_arrays_keep_their_managers_backend_after_a_switch():
    pytest.importorskip("torch")
    with nb.use_backend("numpy"):
        m = NDManager.newBaseManager()
    with nb.use_backend("torch"):
        x = m.arange(4.0)
        x.setRequiresGradient(True)
        with _collector() as gc:
            gc.backward(x.dot(x))
        assert type(x._t).__module__.startswith("nbautodiff")
        assert x.getGradient().toFloatArray() == [0.0, 2.0, 4.0, 6.0]


def test_manager_for_another_device_is_refused():
    with nb.use_backend("numpy"), pytest.raises(EngineException, match="set_backend"):
        NDManager.newBaseManager(Device.gpu(0))


# --------------------------------------------------------------------------------------------------------------
# The rest of the API
# --------------------------------------------------------------------------------------------------------------


def test_types():
    assert repr(Shape(4)) == "(4)" and repr(Shape(2, 3)) == "(2, 3)" and repr(Shape()) == "()"
    assert Shape(2, 3) == Shape([2, 3]) == (2, 3) and Shape(2, 3).getShape() == (2, 3)
    assert Shape(2, 3).size() == 6 and Shape(2, 3).dimension() == 2
    assert [str(d) for d in (DataType.FLOAT32, DataType.FLOAT64, DataType.INT32, DataType.INT64)] == [
        "float32",
        "float64",
        "int32",
        "int64",
    ]
    assert str(DataType.BOOLEAN) == "boolean"
    assert repr(Device.cpu()) == "cpu()" and repr(Device.gpu(0)) == "gpu(0)" and Device.gpu() == Device.gpu(0)


def test_factories_follow_djl_dtypes(manager):
    assert manager.arange(4.0).getDataType() is DataType.FLOAT32  # Java arange(4f)
    assert manager.arange(4).getDataType() is DataType.INT32
    assert manager.arange(1, 7, 2).toIntArray() == [1, 3, 5]
    assert manager.arange(0.0, 1.0, 0.5).toFloatArray() == [0.0, 0.5]
    assert manager.create([1.0, 2.0]).getDataType() is DataType.FLOAT32
    assert manager.create([1, 2]).getDataType() is DataType.INT32
    assert manager.create([True]).getDataType() is DataType.BOOLEAN
    assert manager.create(np.array([1.0])).getDataType() is DataType.FLOAT64
    assert manager.create([1.0, 2.0, 3.0, 4.0], Shape(2, 2)).getShape() == Shape(2, 2)
    assert manager.zeros(Shape(2, 3)).getShape() == Shape(2, 3)
    assert manager.ones(Shape(2), DataType.INT64).toLongArray() == [1, 1]
    r = manager.randomNormal(Shape(1000))
    assert r.getDataType() is DataType.FLOAT32 and abs(r.mean().getFloat()) < 0.2
    r = manager.randomNormal(5.0, 0.1, Shape(1000), DataType.FLOAT32)
    assert abs(r.mean().getFloat() - 5.0) < 0.05
    u = manager.randomUniform(2.0, 3.0, Shape(1000))
    assert 2.0 <= min(u.toFloatArray()) and max(u.toFloatArray()) < 3.0
    assert manager.getDevice() == Device.cpu() and manager.arange(1).getDevice() == Device.cpu()
    assert manager.arange(1).getManager() is manager


def test_methods(manager):
    x = manager.arange(4.0)
    assert x.add(1).toFloatArray() == [1.0, 2.0, 3.0, 4.0]
    assert x.sub(x).toFloatArray() == [0.0] * 4
    assert x.div(2).toFloatArray() == [0.0, 0.5, 1.0, 1.5]
    assert x.pow(2).toFloatArray() == [0.0, 1.0, 4.0, 9.0]
    assert x.neg().toFloatArray() == [-0.0, -1.0, -2.0, -3.0]
    assert x.norm().getFloat() == pytest.approx(14**0.5)
    assert x.mean().getFloat() == 1.5 and x.sum().getFloat() == 6.0
    assert x.exp().log().toFloatArray() == pytest.approx([0.0, 1.0, 2.0, 3.0], abs=1e-6)
    assert x.sin().getFloat(1) == pytest.approx(np.sin(1.0)) and x.cos().getFloat(0) == 1.0
    assert x.tanh().getFloat(0) == 0.0 and x.sqrt().getFloat(3) == pytest.approx(3**0.5)
    assert x.neg().abs().toFloatArray() == x.toFloatArray()
    assert x.gte(2).toBooleanArray() == [False, False, True, True]
    assert x.lte(1).toBooleanArray() == [True, True, False, False]
    assert x.lt(1).getBoolean(0) and not x.gt(3).getBoolean(3)
    m = x.reshape(Shape(2, 2))
    assert m.transpose().toFloatArray() == [0.0, 2.0, 1.0, 3.0]
    assert m.matMul(m).toFloatArray() == [2.0, 3.0, 6.0, 11.0] and m.dot(m).toFloatArray() == [2.0, 3.0, 6.0, 11.0]
    assert m.sum([0]).toFloatArray() == [2.0, 4.0] and m.sum([1], True).getShape() == Shape(2, 1)
    assert m.get(1).toFloatArray() == [2.0, 3.0] and m.get(1, 0).getFloat() == 2.0
    assert x.get("1").getFloat() == 1.0 and x.get(":2").toFloatArray() == [0.0, 1.0]
    assert x.get("1:3").toFloatArray() == [1.0, 2.0] and x.get("::2").toFloatArray() == [0.0, 2.0]
    assert x.get("-1").getFloat() == 3.0 and m.get(":, {}", 1).toFloatArray() == [1.0, 3.0]
    assert m.get("..., 0").toFloatArray() == [0.0, 2.0]
    with pytest.raises(IndexError, match="DJL index strings"):
        x.get("a:b")
    assert manager.arange(4).sum().getLong() == 6
    with pytest.raises(IllegalArgumentException, match="^The supplied Index does not produce a scalar\n.*shape"):
        x.getFloat()
    with pytest.raises(IllegalStateException, match="^DataType mismatch, Required float, Actual boolean\n"):
        x.eq(x).getFloat(0)
    with pytest.raises(IllegalStateException, match="^DataType mismatch, Required float, Actual int32\n"):
        manager.arange(3).getFloat(0)  # DJL reads no int array as floats (it used to give 0.0 here)
    with pytest.raises(IllegalStateException, match="^DataType mismatch, Required int, Actual float32\n"):
        x.toIntArray()
    d = x.duplicate()
    assert d.toFloatArray() == x.toFloatArray() and d is not x


def test_python_operators_are_the_java_methods(manager):
    x = manager.arange(4.0)
    assert (x + 1).toFloatArray() == x.add(1).toFloatArray()
    assert (2 * x - 1).toFloatArray() == [-1.0, 1.0, 3.0, 5.0]
    assert (1 - x).toFloatArray() == [1.0, 0.0, -1.0, -2.0]
    assert (x / 2).toFloatArray() == x.div(2).toFloatArray() and (-x).toFloatArray() == x.neg().toFloatArray()
    assert (x**2).toFloatArray() == [0.0, 1.0, 4.0, 9.0] and (x @ x).getFloat() == 14.0
    assert (x == x.mul(1)).toBooleanArray() == [True] * 4 and (x > 1).toBooleanArray() == [False, False, True, True]
    assert (x.sum() > 5) and float(x.sum()) == 6.0
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x > 1)


def test_dialect_is_written_against_the_backend_namespace():
    """No import of the own engine: the dialect only uses ``nb.backend().ns``."""
    source = Path(djl.__file__).read_text()
    assert not re.search(r"^\s*(from|import)\s+.*engine", source, re.M)
    assert "import torch" not in source


def test_docstring_example():
    with nb.use_backend("numpy"):
        finder = doctest.DocTestFinder(exclude_empty=True)
        runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        for test in finder.find(djl, "nbautodiff.djl", globs={}):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_all_names_exist():
    assert all(hasattr(djl, name) for name in djl.__all__)


# --------------------------------------------------------------------------------------------------------------
# CUDA (only where a GPU is)
# --------------------------------------------------------------------------------------------------------------


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.skipif(not _cuda_available(), reason="needs PyTorch with a CUDA GPU")
def test_cuda_prints_gpu0_and_runs_the_lesson():
    with nb.use_backend("torch", device="cuda"):
        m = NDManager.newBaseManager()
        x = m.arange(4.0)
        assert repr(x).splitlines()[0] == "ND: (4) gpu(0) float32"
        assert m.getDevice() == Device.gpu(0) and x.getDevice() == Device.gpu(0)
        x.setRequiresGradient(True)
        assert repr(x).splitlines()[0] == "ND: (4) gpu(0) float32 hasGradient"
        with _collector() as gc:
            y = x.dot(x).mul(2)
            gc.backward(y)
        assert repr(y) == "ND: () gpu(0) float32\n28."
        assert repr(x.getGradient()) == "ND: (4) gpu(0) float32\n[ 0.,  4.,  8., 12.]"
        printed, names = run_lesson()
    expected = EXPECTED.read_text()  # the seed itself ran on gpu(0)
    if names["a"].getFloat() < 0:  # CUDA's random a: for a < 0, d / a may miss k by one rounding
        printed, expected = printed.splitlines()[:-1], expected.splitlines()[:-1]
    assert printed == expected


def test_set_random_seed_draws_the_same_numbers_on_every_backend():
    pytest.importorskip("torch")
    draws = {}
    for name in ("numpy", "torch"):
        with nb.use_backend(name), NDManager.newBaseManager() as m:
            Engine.getInstance().setRandomSeed(7)
            draws[name] = m.randomNormal(Shape(5)).toFloatArray() + m.randomUniform(0.0, 1.0, Shape(3)).toFloatArray()
    assert draws["numpy"] == draws["torch"]
    with NDManager.newBaseManager() as m:
        Engine.getInstance().setRandomSeed(8)
        other = m.randomNormal(Shape(5)).toFloatArray()
    assert other != draws["numpy"][:5]
