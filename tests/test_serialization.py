"""torch.save / torch.load on the own engine, in PyTorch's file format: checkpoints written here load in PyTorch
and the other way round (values, dtypes, strides, requires_grad, Parameters, shared memory), whole training states
round-trip, and torch.load refuses what PyTorch's weights_only load refuses, with its error."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch


def describe(obj, ns):
    """What is compared: for a tensor its class, values, dtype, strides and requires_grad; containers by item."""
    if isinstance(obj, ns.Tensor):
        return (type(obj).__name__, obj.detach().numpy().tolist(), str(obj.dtype), obj.stride(), obj.requires_grad)
    if isinstance(obj, dict):
        return type(obj).__name__, {k: describe(v, ns) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)) and not isinstance(obj, ns.Size):
        return type(obj).__name__, [describe(v, ns) for v in obj]
    return repr(obj)


def payload(ns):
    """A checkpoint's kinds of content: a state_dict, strided and empty tensors, every dtype, a Parameter, a leaf
    that requires grad, torch.Size, a dtype and plain values."""
    ns.manual_seed(0)
    model = ns.nn.Sequential(ns.nn.Linear(3, 4), ns.nn.BatchNorm1d(4), ns.nn.Linear(4, 2))
    with ns.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(ns.arange(float(p.numel())).reshape(p.shape) / (i + 1))
    out = {"state": model.state_dict(), "t": ns.arange(6.).reshape(2, 3).t(), "sl": ns.arange(10.)[2:8:2],
           "e": ns.zeros(0, 3), "p": ns.nn.Parameter(ns.ones(2)), "g": ns.ones(2, requires_grad=True),
           "size": ns.Size([2, 3]), "dtype": ns.float64, "plain": [1.5, "x", None, (1, 2)], "n": 5}
    for name in ("float16", "float64", "int64", "int32", "int16", "int8", "uint8", "bool"):
        out[name] = ns.arange(3).to(getattr(ns, name))
    return out


@needs_torch
def test_a_checkpoint_written_here_loads_in_pytorch_and_back():
    for writer, reader in ((nbt, real_torch), (real_torch, nbt), (nbt, nbt)):
        buffer = io.BytesIO()
        writer.save(payload(writer), buffer)
        buffer.seek(0)
        assert describe(reader.load(buffer), reader) == describe(payload(reader), reader), (writer, reader)


@needs_torch
@pytest.mark.parametrize("writer, reader", [(real_torch, nbt), (nbt, real_torch), (nbt, nbt)])
def test_views_of_one_memory_stay_views_of_it(tmp_path, writer, reader):
    """PyTorch stores a storage once; the tensors loaded from it share it as they did (writes show through)."""
    base = writer.arange(5.)
    writer.save((base, base[1:3], base[::2], writer.arange(3.)), tmp_path / "views.pt")
    a, b, c, d = reader.load(tmp_path / "views.pt")
    a[1] = 100.0
    assert b.tolist() == [100.0, 2.0] and c.tolist() == [0.0, 2.0, 4.0] and c.stride() == (2,)
    assert d.tolist() == [0.0, 1.0, 2.0]


def test_a_training_state_round_trips_to_the_same_next_step(tmp_path):
    """Model and optimizer state (momentum buffers, step counts) saved mid-training: the restored pair takes the
    same next step as the original."""
    def build():
        nbt.manual_seed(1)
        model = nbt.nn.Sequential(nbt.nn.Linear(3, 8), nbt.nn.Tanh(), nbt.nn.Linear(8, 1))
        return model, nbt.optim.Adam(model.parameters(), lr=0.05)

    x, y = nbt.randn(16, 3), nbt.randn(16, 1)

    def step(model, opt):
        opt.zero_grad()
        loss = nbt.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    model, opt = build()
    for _ in range(3):
        step(model, opt)
    nbt.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "ckpt.pt")
    expected = [step(model, opt) for _ in range(2)]
    restored, restored_opt = build()
    state = nbt.load(tmp_path / "ckpt.pt")
    restored.load_state_dict(state["model"])
    restored_opt.load_state_dict(state["opt"])
    assert [step(restored, restored_opt) for _ in range(2)] == expected


@needs_torch
def test_weights_only_refuses_classes_as_pytorch_and_allows_them_when_asked():
    for ns in (nbt, real_torch):
        buffer = io.BytesIO()
        nbt.save(nbt.nn.Linear(2, 1), buffer)  # a whole module: its class is a GLOBAL of the pickle
        buffer.seek(0)
        with pytest.raises(pickle.UnpicklingError) as ours:
            nbt.load(buffer)
        theirs_buffer = io.BytesIO()
        real_torch.save(real_torch.nn.Linear(2, 1), theirs_buffer)
        theirs_buffer.seek(0)
        with pytest.raises(pickle.UnpicklingError) as theirs:
            ns.load(theirs_buffer)
        assert str(ours.value).splitlines()[0] == str(theirs.value).splitlines()[0]
        assert "add_safe_globals" in str(ours.value)
    buffer.seek(0)
    assert isinstance(nbt.load(buffer, weights_only=False), nbt.nn.Linear)
    with nbt.serialization.safe_globals([nbt.nn.Linear]):
        buffer.seek(0)
        assert isinstance(nbt.load(buffer), nbt.nn.Linear)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        nbt.load(buffer)  # (the context manager's allowance is gone)


@needs_torch
def test_map_location_and_bad_files_as_pytorch(tmp_path):
    nbt.save({"w": nbt.ones(2)}, tmp_path / "w.pt")
    for ns in (nbt, real_torch):
        for location in ("cpu", ns.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage):
            assert ns.load(tmp_path / "w.pt", map_location=location)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError) as ours:
        nbt.load(tmp_path / "w.pt", map_location="cuda")
    if not real_torch.cuda.is_available():
        with pytest.raises(RuntimeError) as theirs:
            real_torch.load(tmp_path / "w.pt", map_location="cuda")
        assert str(ours.value).splitlines()[0] == str(theirs.value).splitlines()[0]
    with pytest.raises(FileNotFoundError):
        nbt.load(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="not a zip archive"):
        nbt.load(tmp_path / "junk.pt")
    np.testing.assert_array_equal(nbt.load(str(tmp_path / "w.pt"))["w"].numpy(), np.ones(2, np.float32))


@needs_torch
def test_a_dtype_the_engine_lacks_is_named():
    buffer = io.BytesIO()
    real_torch.save({"w": real_torch.ones(2, dtype=real_torch.bfloat16)}, buffer)
    buffer.seek(0)
    with pytest.raises(TypeError, match="BFloat16 tensors"):
        nbt.load(buffer)
