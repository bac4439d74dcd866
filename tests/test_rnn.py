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


# ------------------------------------------------------------------------------------------------ packed sequences
SEQS = [np.random.default_rng(4).standard_normal((n, 3)).astype(np.float32) for n in (3, 1, 4, 2)]


def _rnn_utils(ns):
    if ns is real_torch:
        from torch.nn.utils import rnn
    else:
        import nbautodiff.torch.nn.utils.rnn as rnn
    return rnn


@pytest.mark.parametrize("cls, kw", [("GRU", {}), ("RNN", {"num_layers": 2}), ("LSTM", {"bidirectional": True}),
                                     ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
                                     ("GRU", {"batch_first": True, "bidirectional": True})], ids=str)
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_packed_sequences_through_the_layers_match_pytorch(cls, kw, enforce_sorted):
    """pad_sequence -> pack_padded_sequence -> RNN -> pad_packed_sequence: outputs, lengths, final states (in the
    caller's order), gradients of every sequence and weight, batch sizes, sort and node names."""
    theirs, ours = getattr(real_torch.nn, cls)(3, 4, **kw), getattr(nbt.nn, cls)(3, 4, **kw)
    same_weights(theirs, ours)
    order = [2, 0, 3, 1] if enforce_sorted else [0, 1, 2, 3]  # (sorted by decreasing length when enforced)
    seqs = [SEQS[i] for i in order]
    lengths = [len(s) for s in seqs]
    results = []
    for ns, m in ((real_torch, theirs), (nbt, ours)):
        rnn = _rnn_utils(ns)
        xs = [ns.tensor(a, requires_grad=True) for a in seqs]
        first = kw.get("batch_first", False)
        padded = rnn.pad_sequence(xs, batch_first=first)
        packed = rnn.pack_padded_sequence(padded, lengths, batch_first=first, enforce_sorted=enforce_sorted)
        out, h = m(packed)
        unpacked, lens = rnn.pad_packed_sequence(out, batch_first=first, padding_value=-1.0)
        states = h if isinstance(h, tuple) else (h,)
        ((unpacked * unpacked).sum() + sum((s * 3).sum() for s in states)).backward()
        results.append(([unpacked.detach().numpy(), *(s.detach().numpy() for s in states)],
                        [*(x.grad.numpy() for x in xs), *(p.grad.numpy() for p in m.parameters())],
                        (lens.tolist(), packed.batch_sizes.tolist(), None if packed.sorted_indices is None
                         else packed.sorted_indices.tolist(), type(out).__name__, out.data.grad_fn.name(),
                         [s.grad_fn.name() for s in states], unpacked.grad_fn.name(), packed.data.grad_fn.name())))
    (t_vals, t_grads, t_meta), (o_vals, o_grads, o_meta) = results
    assert o_meta == t_meta
    for a, b in zip(o_vals, t_vals, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    for a, b in zip(o_grads, t_grads, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)


UTILS = [
    "rnn.pad_sequence(xs)", "rnn.pad_sequence(xs, batch_first=True, padding_value=-2.)",
    "rnn.pad_sequence(xs, batch_first=True, padding_side='left')", "rnn.pad_sequence(xs, padding_side='middle')",
    "rnn.pad_sequence([])", "rnn.pad_sequence(L.ones(2, 3))",
    "rnn.pack_padded_sequence(rnn.pad_sequence(xs), [3, 1, 4, 2])",
    "rnn.pack_padded_sequence(rnn.pad_sequence(xs), [4, 3, 0, 1])",
    "rnn.pack_padded_sequence(rnn.pad_sequence(xs), L.tensor([4, 3, 2, 1])).batch_sizes",
    "rnn.pad_packed_sequence(rnn.pack_sequence(xs, enforce_sorted=False), total_length=6)",
    "rnn.pad_packed_sequence(rnn.pack_sequence(xs, enforce_sorted=False), total_length=2)",
    "rnn.pack_sequence(xs)", "rnn.unpack_sequence(rnn.pack_sequence(xs, enforce_sorted=False))",
    "rnn.unpad_sequence(rnn.pad_sequence(xs), L.tensor([3, 1, 4, 2]))",
    "rnn.pack_sequence(xs, enforce_sorted=False).unsorted_indices",
    "type(rnn.pack_sequence(xs, enforce_sorted=False)).__mro__[1].__name__, rnn.PackedSequence._fields",
]


@pytest.mark.parametrize("call", UTILS)
def test_rnn_utils_as_pytorch(call):
    def run(ns):
        rnn = _rnn_utils(ns)
        xs = [ns.tensor(a, requires_grad=True) for a in SEQS]
        try:
            r = eval(call, {"rnn": rnn, "xs": xs, "L": ns})
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]
        def show(v):
            if hasattr(v, "detach"):
                return str(v.dtype), tuple(v.shape), np.round(v.detach().numpy().astype(float), 5).tolist(), \
                    v.grad_fn.name() if v.grad_fn else None
            if isinstance(v, (list, tuple)):
                return [show(e) for e in v]
            return v
        return show(r)

    assert run(nbt) == run(real_torch)


@needs_torch
@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_batch_first_output_node_and_layout_as_pytorch(cls):
    """batch_first: RNN and GRU transpose their output in place (TransposeBackward1), the LSTM returns a view."""
    seen = []
    for ns in (nbt, real_torch):
        out = getattr(ns.nn, cls)(3, 4, batch_first=True)(ns.ones(2, 5, 3))[0]
        seen.append((out.grad_fn.name(), out.stride(), out.is_contiguous(), tuple(out.shape)))
    assert seen[0] == seen[1]
