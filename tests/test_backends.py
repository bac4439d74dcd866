"""The backend switch: the same nbautodiff.torch code on the own engine and on real PyTorch."""

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nbautodiff as nb
import nbautodiff.torch as torch_dialect

torch = pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[1]
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine (CI has none)")


def lesson(ns):
    """d2l 2.5 in PyTorch terms: the numbers must be the same on either backend."""
    x = ns.arange(4.0, requires_grad=True)
    y = 2 * ns.dot(x, x)
    y.backward()
    first = x.grad.clone()
    x.grad.zero_()
    x.sum().backward()
    return float(y), first.tolist(), x.grad.tolist(), repr(y), type(x).__module__


def test_default_backend_is_the_own_engine():
    assert nb.backend() == nb.backends.Backend("numpy", "cpu", None) and nb.backend().label == "numpy"
    assert isinstance(torch_dialect.tensor(1.0), nb.Tensor)


def test_nbautodiff_torch_follows_the_backend():
    own = lesson(torch_dialect)
    with nb.use_backend("torch") as b:
        assert b.name == "torch" and nb.backend() is b
        assert torch_dialect.Tensor is torch.Tensor and torch_dialect.nn.Linear is torch.nn.Linear
        # a submodule is shown as its follower, so `nn = torch.nn` keeps following a later switch
        assert torch_dialect.nn is sys.modules["nbautodiff.torch.nn"] and torch_dialect.nn.functional.relu is \
            torch.nn.functional.relu
        real = lesson(torch_dialect)
    assert nb.backend().name == "numpy" and isinstance(torch_dialect.ones(1), nb.Tensor)
    assert own[:4] == real[:4] == (28.0, [0.0, 4.0, 8.0, 12.0], [1.0, 1.0, 1.0, 1.0],
                                   "tensor(28., grad_fn=<MulBackward0>)")
    assert own[4].startswith("nbautodiff") and real[4] == "torch"


def test_set_backend_switches_until_switched_back():
    try:
        assert nb.set_backend("torch:cpu").name == "torch"
        assert type(torch_dialect.zeros(2)) is torch.Tensor
    finally:
        nb.set_backend("numpy")
    assert type(torch_dialect.zeros(2)) is nb.Tensor


def test_a_failing_block_leaves_the_backend_as_it_was():
    with pytest.raises(ZeroDivisionError):
        with nb.use_backend("torch"):
            1 / 0
    assert nb.backend().name == "numpy" and torch_dialect.Tensor is nb.Tensor


@pytest.mark.parametrize(
    "args, error, words",
    [
        (("tensorflow",), ValueError, "unknown backend 'tensorflow'"),
        (("torch", "tpu"), ValueError, "unknown device 'tpu'"),
        (("numpy", "cuda"), RuntimeError, "CPU only"),
    ],
)
def test_bad_requests_fail_before_anything_changes(args, error, words):
    before = dict(vars(torch_dialect))
    with pytest.raises(error, match=words):
        nb.set_backend(*args)
    with pytest.raises(error, match=words):
        nb.use_backend(*args)
    assert nb.backend().name == "numpy" and dict(vars(torch_dialect)) == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_error_not_a_fallback():
    with pytest.raises(RuntimeError, match="torch.cuda.is_available\\(\\) is False"):
        nb.set_backend("torch", device="cuda")
    assert nb.backend().name == "numpy"


def test_missing_pytorch_is_a_clear_error():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import nbautodiff as nb\n"
        "try:\n    nb.set_backend('torch')\nexcept RuntimeError as e:\n    print(e)\n"
        "print(nb.backend().name)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "needs PyTorch, which is not installed: pip install torch" in out and out.strip().endswith("numpy")


@pytest.mark.parametrize("spec, expected", [("torch", "torch cpu"), ("numpy", "numpy cpu"), ("", "numpy cpu")])
def test_environment_variable_picks_the_backend_at_import(spec, expected):
    env = {**os.environ, "NBAUTODIFF_BACKEND": spec}
    code = "import nbautodiff as nb, nbautodiff.torch as t; print(nb.backend().name, nb.backend().device)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert out.stdout.strip() == expected


def test_a_bad_environment_variable_names_itself():
    env = {**os.environ, "NBAUTODIFF_BACKEND": "jax"}
    out = subprocess.run([sys.executable, "-c", "import nbautodiff"], capture_output=True, text=True, cwd=ROOT,
                         env=env)
    assert out.returncode != 0 and "NBAUTODIFF_BACKEND='jax': unknown backend 'jax'" in out.stderr


@pytest.mark.parametrize("name", ["numpy", "torch"])
def test_the_pytorch_lesson_prints_the_same_on_both_backends(name):
    """The seed-002 lesson script, run through nbautodiff.torch on each backend."""
    source = (ROOT / "tests" / "fixtures" / "lesson_002_autograd.py").read_text()
    outputs = {}
    for backend in ("numpy", name):
        out = io.StringIO()
        with nb.use_backend(backend), contextlib.redirect_stdout(out), contextlib.suppress(RuntimeError):
            namespace = {"torch": torch_dialect, "np": np, "__name__": "lesson"}
            for statement in source.split("\n\n"):
                try:
                    exec(compile(statement, "lesson", "exec"), namespace)
                except RuntimeError as e:  # the lesson's second backward: the same error on both
                    print("RuntimeError:", str(e).splitlines()[0])
        outputs[backend] = out.getvalue()
    assert outputs["numpy"] == outputs[name]


def test_backend_helpers_work_on_both():
    for name in ("numpy", "torch"):
        with nb.use_backend(name) as b:
            x = b.ns.tensor([1.0, 2.0], requires_grad=True)
            y = (x * x).sum()
            assert b.is_tensor(y) and b.to_numpy(y) == 5.0
            b.synchronize()
            assert nb.graph(y).ops[-1].label == "SumBackward0"


def test_a_submodule_held_from_the_dialect_follows_later_switches():
    nn, functional = torch_dialect.nn, torch_dialect.nn.functional
    import nbautodiff.torch.autograd.forward_ad as fwd

    with nb.use_backend("torch"):
        assert nn.Linear is torch.nn.Linear and functional.relu is torch.nn.functional.relu
        assert fwd.dual_level is torch.autograd.forward_ad.dual_level
        import nbautodiff.torch.fft as fft  # a submodule only PyTorch has

        assert fft.rfft is torch.fft.rfft
    assert nn.Linear is nb.backends.own.nn.Linear and fwd.dual_level is nb.forward_ad.dual_level
    with pytest.raises(AttributeError, match="follows the numpy backend, which doesn't provide it"):
        fft.rfft
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        torch_dialect.no_such_name


def test_semantics_table_names_every_dialect():
    text = str(nb.semantics())
    for word in ("ACCUMULATE", "WRITE", "RETURN", "DJL", "TensorFlow", "MXNet", "summed"):
        assert word in text


@cuda
def test_cuda_backend_runs_the_lesson_on_the_gpu():
    with nb.use_backend("torch", device="cuda") as b:
        x = torch_dialect.arange(4.0, requires_grad=True)
        assert x.device.type == "cuda"
        y = 2 * torch_dialect.dot(x, x)
        y.backward()
        b.synchronize()
        assert b.to_numpy(x.grad).tolist() == [0.0, 4.0, 8.0, 12.0]
    assert torch.tensor(1.0).device.type == "cpu" and nb.backend().name == "numpy"


def test_lesson_003_pytorch_column_prints_the_same_on_both_backends():
    source = (ROOT / "tests" / "fixtures" / "lesson_003_torch.py").read_text()
    outputs = []
    for name in ("numpy", "torch"):
        out = io.StringIO()
        with nb.use_backend(name), contextlib.redirect_stdout(out):
            exec(compile(source, "lesson_003_torch.py", "exec"), {"__name__": "lesson"})
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert "28.0" in outputs[0] and "[12.]" in outputs[0]


def test_the_own_engines_tools_run_on_it_whatever_the_backend():
    """Transforms, traces and comparisons look inside the own engine: they use it even on torch (gradcheck runs on the
    active backend, and takes the same tensors and functions)."""
    f = lambda x1, x2: torch_dialect.log(x1) + x1 * x2 - torch_dialect.sin(x2)  # noqa: E731
    with nb.use_backend("torch"):
        assert round(nb.trace(f, 2.0, 5.0).output, 3) == 11.652
        g1, g2 = nb.grad(f, argnums=(0, 1))(torch.tensor(2.0), torch.tensor(5.0))  # real torch inputs
        assert (round(g1.item(), 3), round(g2.item(), 3)) == (5.5, 1.716)
        x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
        assert nb.gradcheck(lambda a: torch_dialect.tanh(a) * a, (x,))
        assert nb.compare_methods(f, 2.0, 5.0)["forward mode"].passes == "2 forward passes"
        assert nb.backend().name == "torch" and type(torch_dialect.ones(1)) is torch.Tensor
