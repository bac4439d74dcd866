"""nn.RNN, nn.GRU, nn.LSTM and their cells against PyTorch, on the same weights: outputs, final states, gradients
of the input and of every weight, node names (PyTorch's LSTM layer is one fused oneDNN node on CPU; the engine
records its steps), reprs, the argument errors, and a few steps of training."""

from __future__ import annotations

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch


def same_weights(theirs, ours):
    with nbt.no_grad():
        for (n1, p1), (n2, p2) in zip(theirs.named_parameters(), ours.named_parameters(), strict=True):
            assert n1 == n2
            p2.copy_(nbt.tensor(p1.detach().numpy()))


LAYERS = [
    ("RNN", {}), ("RNN", {"num_layers": 2, "nonlinearity": "relu"}), ("RNN", {"bidirectional": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True}), ("GRU", {"bias": False, "batch_first": True}),
    ("LSTM", {}), ("LSTM", {"hidden_size": 5, "num_layers": 2, "batch_first": True, "bidirectional": True}),
    ("LSTM", {"hidden_size": 5, "proj_size": 2, "num_layers": 2}), ("LSTM", {"num_layers": 3, "bias": False}),
]


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("cls, kw", LAYERS)
def test_layers_match_pytorch(cls, kw, batched):
    kw = {"input_size": 3, "hidden_size": 4, **kw}
    theirs, ours = getattr(real_torch.nn, cls)(**kw), getattr(nbt.nn, cls)(**kw)
    same_weights(theirs, ours)
    shape = ((2, 5, 3) if kw.get("batch_first") else (5, 2, 3)) if batched else (5, 3)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    results = []
    for ns, m in ((real_torch, theirs), (nbt, ours)):
        xt = ns.tensor(x, requires_grad=True)
        out, h = m(xt)
        states = h if isinstance(h, tuple) else (h,)
        ((out * out).sum() + sum((s * 3).sum() for s in states)).backward()
        results.append((out.detach().numpy(), [s.detach().numpy() for s in states], xt.grad.numpy(),
                        [p.grad.numpy() for p in m.parameters()], [s.grad_fn.name() for s in states], repr(m),
                        out.grad_fn.name()))
    t, o = results
    np.testing.assert_allclose(o[0], t[0], atol=1e-5)
    for a, b in [*zip(o[1], t[1]), (o[2], t[2]), *zip(o[3], t[3])]:
        np.testing.assert_allclose(a, b, atol=1e-4)
    assert o[4:6] == t[4:6]
    if cls != "LSTM" and kw.get("bias", True):  # (fused LSTM node; PyTorch's bias-free batch_first transposes in place)
        assert o[6] == t[6]


@pytest.mark.parametrize("cls", ["RNNCell", "GRUCell", "LSTMCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_pytorch(cls, batched):
    theirs, ours = getattr(real_torch.nn, cls)(3, 4), getattr(nbt.nn, cls)(3, 4)
    same_weights(theirs, ours)
    x = np.random.default_rng(1).standard_normal((2, 3) if batched else (3,)).astype(np.float32)
    results = []
    for ns, m in ((real_torch, theirs), (nbt, ours)):
        xt = ns.tensor(x, requires_grad=True)
        r = m(xt)
        r = m(xt, r)  # a second step from the first's state
        rs = r if isinstance(r, tuple) else (r,)
        sum((s * s).sum() for s in rs).backward()
        results.append(([s.detach().numpy() for s in rs], xt.grad.numpy(), [s.grad_fn.name() for s in rs], repr(m)))
    t, o = results
    for a, b in [*zip(o[0], t[0]), (o[1], t[1])]:
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert o[2:] == t[2:]


CALLS = [
    "nn.RNN(3, 4)(L.ones(5, 2, 5))", "nn.RNN(3, 4)(L.ones(5, 2, 3), L.ones(2, 2, 4))",
    "nn.RNN(3, 4)(L.ones(5, 3), L.ones(1, 2, 4))", "nn.RNN(3, 4)(L.ones(5, 2, 3), L.ones(2, 4))",
    "nn.RNN(3, 4)(L.ones(2, 5, 2, 3))", "nn.GRU(3, 4)(L.ones(2, 5, 2, 3))", "nn.LSTM(3, 4)(L.ones(2, 5, 2, 3))",
    "nn.RNN(3, 4)(L.ones(0, 2, 3))", "nn.RNN(3, 4, nonlinearity='foo')", "nn.RNN(3, 0)", "nn.RNN(0, 3)",
    "nn.RNN(3, 4, num_layers=0)", "nn.RNN(3, 4, dropout=1.5)", "nn.RNN(3, 4, bias=1)", "nn.RNN(3, 4, proj_size=2)",
    "nn.LSTM(3, 4, proj_size=4)", "nn.LSTM(3, 4, proj_size=-1)",
    "nn.LSTM(3, 4)(L.ones(5, 2, 3), (L.ones(1, 2, 4), L.ones(1, 3, 4)))",
    "nn.LSTM(3, 4)(L.ones(5, 2, 3), (L.ones(2, 4), L.ones(1, 2, 4)))",
    "nn.LSTM(3, 4)(L.ones(5, 3), (L.ones(1, 2, 4), L.ones(1, 2, 4)))",
    "nn.RNN(3, 4).double()(L.ones(5, 2, 3))", "nn.RNNCell(3, 4)(L.ones(2, 5))",
    "nn.RNNCell(3, 4)(L.ones(2, 3), L.ones(3, 4))", "nn.RNNCell(3, 4)(L.ones(1, 2, 3))",
    "nn.RNNCell(3, 4)(L.ones(2, 3), L.ones(2, 5))", "nn.GRUCell(3, 4)(L.ones(2, 3), L.ones(1, 2, 4))",
    "nn.LSTMCell(3, 4)(L.ones(2, 3), (L.ones(2, 4), L.ones(1, 2, 4)))",
    "nn.LSTMCell(3, 4)(L.ones(2, 3), (L.ones(2, 4), L.ones(3, 4)))",
    "repr(nn.RNN(3, 4, nonlinearity='relu', bias=False, batch_first=True, dropout=0.5, bidirectional=True))",
    "repr(nn.LSTM(3, 4, proj_size=2, num_layers=2))", "repr(nn.RNNCell(3, 4, bias=False, nonlinearity='relu'))",
    "repr(nn.GRUCell(3, 4, bias=False))",
    "[n for n, _ in nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2).named_parameters()]",
    "[tuple(p.shape) for p in nn.GRU(3, 4, num_layers=2, bidirectional=True).parameters()]",
    "len(nn.LSTM(3, 4, num_layers=2).all_weights), nn.LSTM(3, 4).flatten_parameters()",
]


@pytest.mark.parametrize("call", CALLS)
def test_errors_and_layouts_as_pytorch(call):
    def run(ns):
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = eval(call, {"nn": ns.nn, "L": ns})
            return r if isinstance(r, (str, list, tuple)) else type(r).__name__
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]

    assert run(nbt) == run(real_torch)


def test_a_few_training_steps_match_pytorch():
    """A character-level model (embedding, 2-layer LSTM with dropout off, linear head) trained with Adam: the same
    losses step by step."""
    def build(ns):
        ns.manual_seed(0)
        return ns.nn.ModuleList([ns.nn.Embedding(7, 5), ns.nn.LSTM(5, 6, num_layers=2), ns.nn.Linear(6, 7)])

    theirs, ours = build(real_torch), build(nbt)
    same_weights(theirs, ours)
    seq = np.random.default_rng(2).integers(0, 7, (8, 3))
    losses = []
    for ns, (emb, lstm, head) in ((real_torch, theirs), (nbt, ours)):
        opt = ns.optim.Adam([*emb.parameters(), *lstm.parameters(), *head.parameters()], lr=0.05)
        x, y = ns.tensor(seq[:-1]), ns.tensor(seq[1:])
        run = []
        for _ in range(5):
            opt.zero_grad()
            out, _ = lstm(emb(x))
            loss = ns.nn.functional.cross_entropy(head(out).reshape(-1, 7), y.reshape(-1))
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4)
