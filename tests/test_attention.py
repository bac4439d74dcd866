"""Attention against PyTorch on shared weights: F.scaled_dot_product_attention (masks, causal, scale, grouped
keys) and nn.MultiheadAttention (self/cross attention, kdim/vdim, biases on keys and values, zero attention,
batch_first, masks, per-head weights, need_weights=False, unbatched): outputs, attention weights, gradients of the
query and of every weight, node names, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch
RNG = np.random.default_rng(0)
Q, K, V = (RNG.standard_normal(s).astype(np.float32) for s in ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)))
BOOL_MASK = RNG.random((4, 5)) > 0.3
BOOL_MASK[1] = False  # a query that may attend to nothing: zeros, and no gradient (PyTorch's _safe_softmax)
FLOAT_MASK = RNG.standard_normal((4, 5)).astype(np.float32)


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"attn_mask": "bool"}, {"attn_mask": "float"},
                                {"scale": 0.3}, {"scale": -0.5}], ids=str)
def test_scaled_dot_product_attention_matches_pytorch(kw):
    results = []
    for ns in (real_torch, nbt):
        q, k, v = (ns.tensor(a, requires_grad=True) for a in (Q, K, V))
        args = dict(kw)
        if "attn_mask" in args:
            args["attn_mask"] = ns.tensor(BOOL_MASK if args["attn_mask"] == "bool" else FLOAT_MASK)
        y = ns.nn.functional.scaled_dot_product_attention(q, k, v, **args)
        (y * y).sum().backward()
        results.append((y.detach().numpy(), q.grad.numpy(), k.grad.numpy(), v.grad.numpy(), y.grad_fn.name()))
    for a, b in zip(results[1][:4], results[0][:4]):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, b, atol=2e-6)
    assert results[1][4] == results[0][4]


def same_weights(theirs, ours):
    with nbt.no_grad():
        for (n1, p1), (n2, p2) in zip(theirs.named_parameters(), ours.named_parameters(), strict=True):
            assert n1 == n2
            p2.copy_(nbt.tensor(p1.detach().numpy()))


MHA = [
    ({}, "self", {}), ({}, "cross", {}), ({"batch_first": True}, "self", {}), ({"kdim": 5, "vdim": 6}, "kv", {}),
    ({"add_bias_kv": True, "add_zero_attn": True}, "self", {}), ({"bias": False}, "shared_kv", {}),
    ({}, "self", {"need_weights": False}), ({}, "self", {"average_attn_weights": False}),
    ({}, "self", {"attn_mask": "causal"}), ({}, "self", {"key_padding_mask": True}),
    ({}, "self", {"attn_mask": "float", "key_padding_mask": True, "need_weights": False}),
    ({"batch_first": True}, "cross", {"key_padding_mask": True}), ({}, "unbatched", {}),
    ({"add_bias_kv": True}, "self", {"attn_mask": "causal", "key_padding_mask": True}),
]


@pytest.mark.parametrize("module_kw, kind, call_kw", MHA, ids=str)
def test_multihead_attention_matches_pytorch(module_kw, kind, call_kw):
    theirs = real_torch.nn.MultiheadAttention(8, 2, **module_kw)
    ours = nbt.nn.MultiheadAttention(8, 2, **module_kw)
    same_weights(theirs, ours)
    rng = np.random.default_rng(1)
    length, src, batch = 4, 5, 3
    first = module_kw.get("batch_first")

    def draw(n, width):
        shape = (batch, n, width) if first else (n, batch, width)
        return rng.standard_normal(shape if kind != "unbatched" else (n, width)).astype(np.float32)

    qa, ka, va = draw(length, 8), draw(src, module_kw.get("kdim", 8)), draw(src, module_kw.get("vdim", 8))
    keys = length if kind in ("self", "unbatched") else src
    padding = rng.random((batch, keys)) < 0.3
    padding[:, 0] = False
    float_mask = rng.standard_normal((length, keys)).astype(np.float32)
    results = []
    for ns, m in ((real_torch, theirs), (nbt, ours)):
        q = ns.tensor(qa, requires_grad=True)
        if kind in ("self", "unbatched"):
            k = v = q
        elif kind == "shared_kv":
            k = v = ns.tensor(ka, requires_grad=True)
        else:
            k, v = ns.tensor(ka, requires_grad=True), ns.tensor(va, requires_grad=True)
        kw = dict(call_kw)
        if kw.get("attn_mask") == "causal":
            kw["attn_mask"] = ns.ones(length, keys, dtype=ns.bool).triu(1)
        elif kw.get("attn_mask") == "float":
            kw["attn_mask"] = ns.tensor(float_mask)
        if kw.get("key_padding_mask"):
            kw["key_padding_mask"] = ns.tensor(padding)
        out, w = m(q, k, v, **kw)
        ((out * out).sum() + (0 if w is None else (w * 2).sum())).backward()
        results.append((out.detach().numpy(), None if w is None else w.detach().numpy(), q.grad.numpy(),
                        [p.grad.numpy() for p in m.parameters() if p.grad is not None], out.grad_fn.name(),
                        None if w is None else w.grad_fn.name()))
    theirs_r, ours_r = results
    np.testing.assert_allclose(ours_r[0], theirs_r[0], atol=1e-5)
    assert (ours_r[1] is None) == (theirs_r[1] is None)
    if ours_r[1] is not None:
        np.testing.assert_allclose(ours_r[1], theirs_r[1], atol=1e-5)
    np.testing.assert_allclose(ours_r[2], theirs_r[2], atol=1e-4)
    assert len(ours_r[3]) == len(theirs_r[3])
    for a, b in zip(ours_r[3], theirs_r[3]):
        np.testing.assert_allclose(a, b, atol=1e-4)
    assert ours_r[4:] == theirs_r[4:]


CALLS = [
    "F.scaled_dot_product_attention(q, k, v, attn_mask=L.ones(4, 5, dtype=L.bool), is_causal=True)",
    "F.scaled_dot_product_attention(q.double(), k, v)",
    "nn.MultiheadAttention(8, 3)", "nn.MultiheadAttention(0, 2)",
    "nn.MultiheadAttention(8, 2)(L.ones(3, 2, 8), L.ones(4, 2, 8), L.ones(5, 2, 8))",
    "nn.MultiheadAttention(8, 2)(L.ones(3, 2, 7), L.ones(3, 2, 7), L.ones(3, 2, 7))",
    "nn.MultiheadAttention(8, 2)(L.ones(3, 2, 8), L.ones(3, 2, 8), L.ones(3, 2, 8), attn_mask=L.ones(2, 2))",
    "nn.MultiheadAttention(8, 2)(L.ones(3, 2, 8), L.ones(3, 2, 8), L.ones(3, 2, 8), attn_mask=L.ones(5, 3, 3))",
    "nn.MultiheadAttention(8, 2)(L.ones(3, 2, 8), L.ones(3, 2, 8), L.ones(3, 2, 8), is_causal=True)",
    "repr(nn.MultiheadAttention(8, 2, bias=False))",
    "[(n, tuple(p.shape)) for n, p in nn.MultiheadAttention(8, 2, kdim=5, vdim=6, add_bias_kv=True)"
    ".named_parameters()]",
]


@pytest.mark.parametrize("call", CALLS)
def test_errors_and_structure_as_pytorch(call):
    def run(ns):
        scope = {"L": ns, "F": ns.nn.functional, "nn": ns.nn, "q": ns.tensor(Q), "k": ns.tensor(K), "v": ns.tensor(V)}
        try:
            r = eval(call, scope)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]
        return r if isinstance(r, (str, list)) else tuple(t.shape for t in r if t is not None)

    assert run(nbt) == run(real_torch)


SRC = np.random.default_rng(2).standard_normal((5, 2, 16)).astype(np.float32)
TGT = np.random.default_rng(3).standard_normal((4, 2, 16)).astype(np.float32)
TRANSFORMERS = {
    "encoder layer": (lambda ns: ns.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0),
                      lambda ns, m: m(ns.tensor(SRC))),
    "pre-norm gelu batch_first encoder layer": (
        lambda ns: ns.nn.TransformerEncoderLayer(16, 4, 32, 0.0, "gelu", batch_first=True, norm_first=True),
        lambda ns, m: m(ns.tensor(SRC))),
    "encoder layer with masks": (
        lambda ns: ns.nn.TransformerEncoderLayer(16, 4, 32, 0.0),
        lambda ns, m: m(ns.tensor(SRC), src_mask=ns.nn.Transformer.generate_square_subsequent_mask(5),
                        src_key_padding_mask=ns.tensor([[False] * 4 + [True], [False] * 5]))),
    "encoder": (lambda ns: ns.nn.TransformerEncoder(ns.nn.TransformerEncoderLayer(16, 4, 32, 0.0), 2,
                                                    norm=ns.nn.LayerNorm(16)),
                lambda ns, m: m(ns.tensor(SRC), mask=ns.nn.Transformer.generate_square_subsequent_mask(5))),
    "decoder layer": (lambda ns: ns.nn.TransformerDecoderLayer(16, 4, 32, 0.0),
                      lambda ns, m: m(ns.tensor(TGT), ns.tensor(SRC),
                                      tgt_mask=ns.nn.Transformer.generate_square_subsequent_mask(4))),
    "transformer": (lambda ns: ns.nn.Transformer(16, 4, 2, 2, 32, 0.0),
                    lambda ns, m: m(ns.tensor(SRC), ns.tensor(TGT),
                                    tgt_mask=ns.nn.Transformer.generate_square_subsequent_mask(4))),
    "pre-norm batch_first transformer": (
        lambda ns: ns.nn.Transformer(16, 4, 1, 1, 32, 0.0, batch_first=True, norm_first=True),
        lambda ns, m: m(ns.tensor(SRC.transpose(1, 0, 2)), ns.tensor(TGT.transpose(1, 0, 2)))),
}


@pytest.mark.parametrize("name", list(TRANSFORMERS))
def test_transformer_modules_match_pytorch(name):
    """Same parameter names and reprs; on shared weights the same outputs, weight gradients and top node."""
    build, call = TRANSFORMERS[name]
    theirs, ours = build(real_torch), build(nbt)
    mine = dict(ours.named_parameters())
    assert list(mine) == [n for n, _ in theirs.named_parameters()] and repr(ours) == repr(theirs)
    with nbt.no_grad():
        for n, p in theirs.named_parameters():
            mine[n].copy_(nbt.tensor(p.detach().numpy()))
    results = []
    for ns, m in ((real_torch, theirs), (nbt, ours)):
        out = call(ns, m)
        (out * out).sum().backward()
        results.append((out.detach().numpy(), [p.grad.numpy() for p in m.parameters() if p.grad is not None],
                        out.grad_fn.name()))
    (t_out, t_grads, t_node), (o_out, o_grads, o_node) = results
    np.testing.assert_allclose(o_out, t_out, atol=1e-4)
    assert len(o_grads) == len(t_grads) and o_node == t_node
    for a, b in zip(o_grads, t_grads):
        np.testing.assert_allclose(a, b, atol=1e-3)
    assert repr(nbt.nn.Transformer.generate_square_subsequent_mask(3)) == repr(
        real_torch.nn.Transformer.generate_square_subsequent_mask(3))
