"""The torch.nn pieces real programs reach for after Linear and Sequential, against PyTorch: the containers
(ModuleList, ModuleDict, ParameterList, ParameterDict), LogSoftmax / Softmin / GLU, one_hot, Embedding, cosine
similarity and pairwise distance, pad and the padding modules, kl_div, PReLU, batch norm, RMS norm and group norm.
Values, gradients (also against float64 finite differences, and forward mode for the new primitives), dtypes, the
grad_fn graph, module reprs, state_dict keys and PyTorch's refusals (type and first line)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nbautodiff as nb
import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch


def chain(fn, depth: int = 12):
    """The grad_fn graph as nested (name, children) tuples (edges into inputs that need no gradient left out)."""
    if fn is None or depth == 0:
        return None
    return (type(fn).__name__, tuple(chain(f, depth - 1) for f, _ in fn.next_functions if f is not None))


def scope(ns, extra=None):
    return {"torch": ns, "F": ns.nn.functional, "nn": ns.nn, "np": np, **(extra or {})}


def run(ns, expr: str, arrays, env=None):
    xs = [ns.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = eval(expr, scope(ns, env and env(ns)), {f"x{i}": x for i, x in enumerate(xs)})
    wrt = [x for x in xs if x.requires_grad]
    v = ns.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=out.dtype)
    grads = ns.autograd.grad(out, wrt, grad_outputs=v, allow_unused=True) if out.requires_grad else [None] * len(wrt)
    return out, [None if g is None else g.numpy() for g in grads]


def check(expr: str, arrays, *, env=None, full_chain: bool = True):
    """Same values, gradients, dtype, shape and grad_fn graph as PyTorch."""
    (o, og), (t, tg) = run(nbt, expr, arrays, env), run(real_torch, expr, arrays, env)
    assert str(o.dtype) == str(t.dtype) and tuple(o.shape) == tuple(t.shape), (o.dtype, t.dtype, o.shape, t.shape)
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-9)
    for a, b in zip(og, tg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    assert type(o.grad_fn).__name__ == type(t.grad_fn).__name__
    if full_chain:
        assert chain(o.grad_fn) == chain(t.grad_fn)


def finite_differences(fn, arrays, *, forward: bool = False, second: bool = False):
    """The own engine's gradients against float64 central differences (and its forward mode, and double backward)."""
    xs = [nbt.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    assert nb.gradcheck(fn, xs, check_forward_ad=forward, raise_exception=True)
    if second:
        assert nb.gradgradcheck(fn, xs, raise_exception=True)


def refusal(ns, expr: str, env=None):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eval(expr, scope(ns, env and env(ns)))
    except Exception as e:  # noqa: BLE001  (the type and first line are what is compared)
        return type(e).__name__, str(e).splitlines()[0] if str(e) else ""
    return None


def same_refusal(expr: str, env=None):
    theirs = refusal(real_torch, expr, env)
    assert theirs is not None, f"PyTorch accepts {expr}"
    assert refusal(nbt, expr, env) == theirs


def same_text(build):
    """``build(ns)`` gives a list of strings: the same on both."""
    assert build(nbt) == build(real_torch)


def rand(*shape, seed=0, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape)


# ------------------------------------------------------------------------------------------------ containers
def _containers(ns):
    nn = ns.nn
    ml = nn.ModuleList([nn.Linear(2, 3), nn.Linear(2, 3), nn.ReLU()])
    ml.append(nn.Sequential(nn.Linear(3, 1), nn.Tanh()))
    ml.extend([nn.Tanh(), nn.Tanh(), nn.Tanh()])
    ml.insert(1, nn.GELU())
    ml[2] = nn.Identity()
    del ml[-1]
    md = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
    md["c"] = nn.ModuleList([nn.Linear(1, 2)])
    md.update([("d", nn.Tanh())])
    pl = nn.ParameterList([nn.Parameter(ns.ones(3, 4)), ns.zeros(2, dtype=ns.float64)])
    pl.append(ns.ones(1))
    pl.extend([ns.ones(2, 2)])
    pl[0] = ns.zeros(3)
    pd = nn.ParameterDict({"w": nn.Parameter(ns.ones(3)), "b": ns.zeros(2, 2, dtype=ns.float64)})
    pd["z"] = ns.ones(1)
    pd.update(nn.ParameterDict({"y": nn.Parameter(ns.ones(2))}))
    return ml, md, pl, pd


def test_containers_print_and_register_as_pytorchs():
    def build(ns):
        ml, md, pl, pd = _containers(ns)
        model = ns.nn.Module()
        model.layers, model.heads, model.ws, model.named = ml, md, pl, pd
        return [repr(c) for c in (ml, md, pl, pd, model, ml[1:3], ns.nn.ModuleList(), pl[1:], pd.copy())] + [
            str(len(c)) for c in (ml, md, pl, pd)] + [
            str([(k, tuple(p.shape), str(p.dtype), p.requires_grad) for k, p in model.named_parameters()]),
            str(list(model.state_dict())), str([k for k, _ in model.named_modules()]),
            str(list(md.keys())), str(list(pd.keys())), str([type(m).__name__ for m in md.values()]),
            str([k for k, _ in md.items()]), str([type(p).__name__ for p in pl]), str("w" in pd), str("q" in md),
            str(type(ml[-1]).__name__), str(type(ml[1:]).__name__), str(tuple(pd.pop("z").shape)), str(list(pd)),
            str(tuple(pd.get("nope", ns.ones(2)).shape)),
        ]

    same_text(build)


def test_containers_train_like_plain_attributes():
    """A model that keeps its layers in a ModuleList gets the same gradients as PyTorch's."""
    def grads(ns):
        ns.manual_seed(0)

        class Net(ns.nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = ns.nn.ModuleList([ns.nn.Linear(3, 3, dtype=ns.float64) for _ in range(2)])
                self.scales = ns.nn.ParameterList([ns.ones(3, dtype=ns.float64), ns.full((3,), 2.0,
                                                                                          dtype=ns.float64)])
                self.heads = ns.nn.ModuleDict({"out": ns.nn.Linear(3, 1, dtype=ns.float64)})
                self.bias = ns.nn.ParameterDict({"b": ns.zeros(1, dtype=ns.float64)})

            def forward(self, x):
                for layer, s in zip(self.layers, self.scales):
                    x = layer(x).tanh() * s
                return self.heads["out"](x) + self.bias["b"]

        net = Net()
        with nbt.no_grad() if ns is nbt else real_torch.no_grad():
            for i, p in enumerate(net.parameters()):  # the same weights on both
                p.copy_(ns.tensor(rand(*p.shape, seed=i)))
        net(ns.tensor(rand(4, 3, seed=9))).sum().backward()
        return [(k, p.grad.numpy()) for k, p in net.named_parameters()]

    ours, theirs = grads(nbt), grads(real_torch)
    assert [k for k, _ in ours] == [k for k, _ in theirs]
    for (_, a), (_, b) in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_a_shared_module_is_listed_once_as_pytorch():
    def build(ns):
        lin = ns.nn.Linear(2, 2)
        ml = ns.nn.ModuleList([lin, lin])
        return [str([k for k, _ in ml.named_modules()]), str([k for k, _ in ml.named_parameters()]),
                str(list(ml.state_dict())), repr(ml)]

    same_text(build)


@pytest.mark.parametrize("expr", [
    "nn.ModuleList([1])", "nn.ModuleList(3)", "nn.ModuleList([nn.ReLU()])[1]", "nn.ModuleList([nn.ReLU()])[-2]",
    "nn.ModuleDict({'a': 1})", "nn.ModuleDict()['a']", "nn.ModuleDict([('a', nn.ReLU(), 1)])",
    "nn.ParameterList([1])[1]", "nn.ParameterList(torch.ones(2))", "nn.ParameterList()()",
    "nn.ParameterDict()['a']", "nn.ParameterDict()[1]", "nn.ParameterDict()(1)", "nn.ModuleList()['a']",
])
def test_container_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ log_softmax, ...
@pytest.mark.parametrize("expr", [
    "nn.LogSoftmax(1)(x0)", "nn.LogSoftmax(dim=-1)(x0)", "nn.Softmin(dim=0)(x0)", "F.softmin(x0, 1)",
    "F.softmin(x0, dim=1, dtype=torch.float32)", "nn.GLU()(x0)", "nn.GLU(0)(x0)", "F.glu(x0, 1)",
    "torch.nn.Softmin(1)(x0)",
])
def test_softmin_log_softmax_glu_match_pytorch(expr):
    check(expr, [rand(4, 6)])


def test_glu_against_finite_differences_in_both_modes():
    finite_differences(lambda x: nbt.nn.functional.glu(x, 0), [rand(4, 3)], forward=True, second=True)
    finite_differences(lambda x: nbt.nn.functional.softmin(x, 1), [rand(2, 3)], forward=True)


def test_activation_modules_print_as_pytorch():
    same_text(lambda ns: [repr(m) for m in (ns.nn.LogSoftmax(1), ns.nn.LogSoftmax(), ns.nn.Softmin(dim=0),
                                            ns.nn.GLU(), ns.nn.GLU(0), ns.nn.PReLU(), ns.nn.PReLU(3, init=0.1))])


@pytest.mark.parametrize("expr", [
    "F.glu(torch.ones(3, 3), 0)", "F.glu(torch.tensor(1.0))", "F.glu(torch.ones(2, 2), 2)",
    "F.glu(torch.ones(2, 4).long())", "nn.LogSoftmax(1)(torch.tensor([1., 2.]))",
])
def test_activation_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ one_hot, embedding
@pytest.mark.parametrize("expr", [
    "F.one_hot(torch.tensor([0, 2, 1]))", "F.one_hot(torch.tensor([[0, 2], [1, 1]]), 4)",
    "F.one_hot(torch.tensor(3), num_classes=5)", "F.one_hot(torch.tensor([], dtype=torch.int64), 2)",
    "F.one_hot(torch.arange(3)).dtype", "F.one_hot(torch.arange(3), -1).shape",
])
def test_one_hot_matches_pytorch(expr):
    same_text(lambda ns: [repr(eval(expr, scope(ns)))])


@pytest.mark.parametrize("expr", [
    "F.one_hot(torch.tensor([0., 1.]))", "F.one_hot(torch.tensor([0, 3]), 3)", "F.one_hot(torch.tensor([-1, 0]))",
    "F.one_hot(torch.tensor([], dtype=torch.int64))", "F.one_hot(torch.tensor([0, 1]), -2)",
    "F.one_hot(torch.tensor([0, 1], dtype=torch.int32))",
])
def test_one_hot_refusals_match_pytorch(expr):
    same_refusal(expr)


INDICES = np.array([[1, 3, 3], [0, 4, 1]])


@pytest.mark.parametrize("expr", [
    "F.embedding(x1, x0)", "F.embedding(x1, x0, padding_idx=3)", "F.embedding(x1, x0, padding_idx=-2)",
    "F.embedding(x1, x0, scale_grad_by_freq=True)", "F.embedding(x1, x0, padding_idx=1, scale_grad_by_freq=True)",
    "F.embedding(x1[0], x0)", "F.embedding(x1.int(), x0)", "F.embedding(x1[0, 0], x0)",
    "nn.Embedding.from_pretrained(x0, freeze=False, padding_idx=0)(x1)", "F.embedding(x1, x0) * 2",
])
def test_embedding_matches_pytorch(expr):
    check(expr, [rand(5, 4), INDICES])


def test_embedding_against_finite_differences_in_both_modes():
    idx = nbt.tensor(INDICES)
    F = nbt.nn.functional
    # (padding_idx and scale_grad_by_freq change the gradient on purpose: not a derivative; checked against PyTorch)
    finite_differences(lambda w: F.embedding(idx, w), [rand(5, 2)], forward=True, second=True)


def test_embedding_padding_row_gets_no_gradient_and_starts_at_zero():
    nbt.manual_seed(0)
    emb = nbt.nn.Embedding(6, 3, padding_idx=2, dtype=nbt.float64)
    assert emb.weight[2].abs().sum().item() == 0 and emb.weight.requires_grad
    emb(nbt.tensor([2, 2, 0])).sum().backward()
    assert emb.weight.grad[2].abs().sum().item() == 0 and emb.weight.grad[0].tolist() == [1.0, 1.0, 1.0]


def test_embedding_weight_is_standard_normal():
    nbt.manual_seed(0)
    w = nbt.nn.Embedding(20000, 10).weight.detach().numpy()
    assert w.dtype == np.float32 and abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_embedding_max_norm_renormalises_the_rows_looked_up_in_place():
    def build(ns):
        w = ns.tensor(rand(5, 3, seed=3) * 3)
        out = ns.nn.functional.embedding(ns.tensor([0, 2, 2]), w, max_norm=1.5)
        return [np.round(w.numpy(), 5).tolist(), np.round(out.numpy(), 5).tolist()]

    assert build(nbt) == build(real_torch)


def test_embedding_modules_print_and_save_as_pytorch():
    def build(ns):
        ms = [ns.nn.Embedding(10, 3), ns.nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0),
              ns.nn.Embedding(5, 2, scale_grad_by_freq=True), ns.nn.Embedding(5, 2, norm_type=1.0, sparse=True),
              ns.nn.Embedding.from_pretrained(ns.ones(2, 3))]
        return [repr(m) for m in ms] + [str([(k, tuple(v.shape), str(v.dtype)) for k, v in m.state_dict().items()])
                                        for m in ms] + [str([m.weight.requires_grad, m.padding_idx]) for m in ms]

    same_text(build)


@pytest.mark.parametrize("expr", [
    "F.embedding(torch.tensor([0., 1.]), torch.ones(3, 2))", "F.embedding(torch.tensor([5]), torch.ones(3, 2))",
    "F.embedding(torch.tensor([-1]), torch.ones(3, 2))", "nn.Embedding(3, 2, padding_idx=3)",
    "nn.Embedding(3, 2, padding_idx=-4)", "F.embedding(torch.tensor([0]), torch.ones(3))",
    "nn.Embedding.from_pretrained(torch.ones(3))", "nn.Embedding(3, 2)(torch.tensor([1.5]))",
    "nn.Embedding(3, 2, _weight=torch.ones(2, 2))",
])
def test_embedding_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ similarity
@pytest.mark.parametrize("expr, shapes", [
    ("F.cosine_similarity(x0, x1)", [(3, 4), (3, 4)]),
    ("F.cosine_similarity(x0, x1, dim=0)", [(3, 4), (3, 4)]),
    ("F.cosine_similarity(x0, x1, -1, 1e-3)", [(2, 3, 4), (3, 4)]),
    ("nn.CosineSimilarity(dim=1, eps=1e-6)(x0, x1)", [(3, 4), (1, 4)]),
    ("torch.cosine_similarity(x0, x1, 0)", [(4,), (4,)]),
    ("F.pairwise_distance(x0, x1)", [(3, 4), (3, 4)]),
    ("F.pairwise_distance(x0, x1, p=1.0, keepdim=True)", [(3, 4), (3, 4)]),
    ("F.pairwise_distance(x0, x1, 3.0, 1e-3)", [(2, 3, 4), (4,)]),
    ("nn.PairwiseDistance(p=float('inf'))(x0, x1)", [(3, 4), (3, 4)]),
    ("torch.pairwise_distance(x0, x1)", [(4,), (4,)]),
])
def test_similarities_match_pytorch(expr, shapes):
    check(expr, [rand(*s, seed=i) for i, s in enumerate(shapes)])


def test_cosine_similarity_of_a_zero_vector_as_pytorch():
    """The clamp of the norm is not differentiated (PyTorch clamps a clone in place under no_grad)."""
    check("F.cosine_similarity(x0, x1, eps=0.5)", [np.array([[0.0, 0.0, 0.0], [0.1, -0.2, 0.1]]), rand(2, 3)])


def test_similarities_against_finite_differences():
    F = nbt.nn.functional
    finite_differences(lambda a, b: F.cosine_similarity(a, b), [rand(3, 4), rand(3, 4, seed=1)], second=True)
    finite_differences(lambda a, b: F.pairwise_distance(a, b, 3.0), [rand(3, 4), rand(3, 4, seed=1)], forward=True)


def test_similarity_modules_print_as_pytorch():
    same_text(lambda ns: [repr(m) for m in (ns.nn.CosineSimilarity(), ns.nn.CosineSimilarity(0, 1e-3),
                                            ns.nn.PairwiseDistance(), ns.nn.PairwiseDistance(1.0, 1e-3, True))])


@pytest.mark.parametrize("expr", [
    "F.cosine_similarity(torch.ones(3, 4), torch.ones(3, 5))", "F.cosine_similarity(torch.ones(3, 4), "
    "torch.ones(3, 4), dim=2)", "F.pairwise_distance(torch.ones(3, 4), torch.ones(3, 5))",
    "F.cosine_similarity(torch.ones(2, 3).long(), torch.ones(2, 3).long())",
])
def test_similarity_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ pad
@pytest.mark.parametrize("expr, shape", [
    ("F.pad(x0, (1, 2))", (3, 4)),
    ("F.pad(x0, (1, 2, 0, 1), value=-1.5)", (3, 4)),
    ("F.pad(x0, [1, 0, 2, 1, 1, 1])", (2, 3, 4)),
    ("F.pad(x0, (-1, 2, 1, -2))", (3, 4)),
    ("F.pad(x0, (1, 1), 'constant', 2)", (4,)),
    ("nn.ZeroPad1d(2)(x0)", (2, 3)),
    ("nn.ZeroPad2d((1, 2, 0, 3))(x0)", (2, 3, 4)),
    ("nn.ConstantPad1d((0, 3), 3.5)(x0)", (2, 3)),
    ("nn.ConstantPad2d(1, -2.0)(x0)", (1, 2, 3)),
    ("F.pad(x0, (2, 3), mode='reflect')", (2, 4)),
    ("F.pad(x0, (1, 2, 2, 1), mode='reflect')", (2, 3, 4)),
    ("nn.ReflectionPad1d(3)(x0)", (2, 2, 4)),
    ("nn.ReflectionPad2d((1, 0, 2, 1))(x0)", (1, 2, 3, 4)),
    ("F.pad(x0, (2, 5), mode='replicate')", (2, 3)),
    ("F.pad(x0, (1, 2, 3, 1), mode='replicate')", (2, 3, 4)),
    ("nn.ReplicationPad1d((0, 2))(x0)", (2, 2, 3)),
    ("nn.ReplicationPad2d(2)(x0)", (1, 1, 2, 3)),
])
def test_pad_matches_pytorch(expr, shape):
    check(expr, [rand(*shape)])


def test_pad_of_integers_keeps_their_dtype():
    same_text(lambda ns: [repr(ns.nn.functional.pad(ns.arange(6).reshape(2, 3), (1, 1), value=7))])


def test_pad_against_finite_differences_in_both_modes():
    F = nbt.nn.functional
    finite_differences(lambda x: F.pad(x, (-1, 2, 1, 0), value=3.0), [rand(3, 4)], forward=True, second=True)
    finite_differences(lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"), [rand(1, 3, 4)], forward=True, second=True)
    finite_differences(lambda x: F.pad(x, (3, 1), mode="replicate"), [rand(2, 3)], forward=True, second=True)


def test_padding_modules_print_as_pytorch():
    same_text(lambda ns: [repr(m) for m in (
        ns.nn.ZeroPad1d(2), ns.nn.ZeroPad2d((1, 2, 3, 4)), ns.nn.ConstantPad1d((1, 2), 3.5),
        ns.nn.ConstantPad2d(1, 0.0), ns.nn.ReflectionPad1d(2), ns.nn.ReflectionPad2d([1, 0, 2, 1]),
        ns.nn.ReplicationPad1d(1), ns.nn.ReplicationPad2d(3))])


@pytest.mark.parametrize("expr", [
    "F.pad(torch.ones(3, 4), (1,))", "F.pad(torch.ones(3, 4), (1, 1, 1, 1, 1, 1))",
    "F.pad(torch.ones(2, 3, 4), (4, 4), mode='reflect')", "F.pad(torch.ones(2, 3, 4), (1, 1), mode='foo')",
    "F.pad(torch.ones(2, 3, 4), (1, 1, 1), mode='replicate')", "F.pad(torch.ones(3, 4), (-3, -2))",
    "F.pad(torch.ones(2, 3, 4), (1, 1, 1, 1, 1, 1), mode='reflect')", "nn.ZeroPad2d(1)(torch.ones(3))",
    "F.pad(torch.ones(4), (1, 1), mode='reflect')",
])
def test_pad_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ kl_div, prelu
@pytest.mark.parametrize("expr", [
    "F.kl_div(x0.log_softmax(1), x1.softmax(1), reduction='batchmean')",
    "F.kl_div(x0, x1.softmax(1), reduction='none')",
    "F.kl_div(x0, x1.softmax(1), reduction='sum')",
    "F.kl_div(x0, x1.softmax(1))",
    "F.kl_div(x0, x1, reduction='none', log_target=True)",
    "F.kl_div(x0, x1.log_softmax(1), reduction='batchmean', log_target=True)",
    "nn.KLDivLoss(reduction='batchmean')(x0.log_softmax(1), x1.softmax(1).detach())",
    "nn.KLDivLoss(reduction='sum', log_target=True)(x0, x1)",
    "F.kl_div(x0, x1.softmax(1), reduce=False)",
])
def test_kl_div_matches_pytorch(expr):
    check(expr, [rand(3, 4), rand(3, 4, seed=1)])


def test_kl_div_mean_warns_as_pytorch():
    texts = []
    for ns in (nbt, real_torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ns.nn.functional.kl_div(ns.zeros(2, 2), ns.ones(2, 2) / 2)
        texts.append([str(w.message) for w in caught])
    assert texts[0] == texts[1] and len(texts[0]) == 1


def test_kl_div_against_finite_differences():
    F = nbt.nn.functional
    finite_differences(lambda a, b: F.kl_div(a, b.softmax(1), reduction="batchmean"), [rand(3, 4), rand(3, 4, seed=1)])
    finite_differences(lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True), [rand(3, 4), rand(3, 4, seed=1)])


@pytest.mark.parametrize("expr, shapes", [
    ("F.prelu(x0, x1)", [(3, 4), (4,)]),
    ("F.prelu(x0, x1)", [(3, 4), (1,)]),
    ("F.prelu(x0, x1)", [(4,), (1,)]),
    ("F.prelu(x0, x1)", [(2, 3, 4, 5), (3,)]),
    ("F.prelu(x0, x1)", [(3, 4), ()]),
    ("torch.prelu(x0, x1)", [(2, 3, 4), (3,)]),
])
def test_prelu_matches_pytorch(expr, shapes):
    check(expr, [rand(*s, seed=i) for i, s in enumerate(shapes)])


def test_prelu_module_matches_pytorch():
    def build(ns):
        m = ns.nn.PReLU(3, init=0.1, dtype=ns.float64)
        x = ns.tensor(rand(2, 3, 4))
        y = m(x)
        y.sum().backward()
        return [repr(m), str(list(m.state_dict())), type(y.grad_fn).__name__, np.round(m.weight.grad.numpy(), 10)
                .tolist(), str(m.weight.dtype), np.round(ns.nn.PReLU()(ns.ones(2) * -1).detach().numpy(), 6).tolist()]

    same_text(build)


def test_prelu_against_finite_differences_in_both_modes():
    finite_differences(lambda x, w: nbt.nn.functional.prelu(x, w), [rand(2, 3, 4), rand(3, seed=1)], forward=True,
                       second=True)


@pytest.mark.parametrize("expr", [
    "F.kl_div(torch.ones(2), torch.ones(2), reduction='foo')", "F.kl_div(torch.ones(3, 4), torch.ones(3, 5))",
    "F.prelu(torch.ones(3, 4), torch.ones(3))", "F.prelu(torch.ones(3, 4), torch.ones(4).double())",
    "F.prelu(torch.ones(3, 4), torch.ones(2, 2))", "F.prelu(torch.tensor(1.), torch.ones(2))",
    "F.prelu(torch.ones(2, 3).long(), torch.ones(1).long())",
])
def test_kl_div_and_prelu_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ normalisation
@pytest.mark.parametrize("expr, shapes", [
    ("F.batch_norm(x0, None, None, training=True)", [(5, 3)]),
    ("F.batch_norm(x0, None, None, x1, x2, True, 0.1, 1e-3)", [(5, 3, 2), (3,), (3,)]),
    ("F.batch_norm(x0, torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64) * 2, x1, x2)",
     [(4, 3), (3,), (3,)]),
    ("F.batch_norm(x0, None, None, None, x1, training=True)", [(2, 3, 4, 2), (3,)]),
    ("F.group_norm(x0, 2)", [(2, 4, 3)]),
    ("F.group_norm(x0, 3, x1, x2, 1e-3)", [(2, 6, 2, 2), (6,), (6,)]),
    ("F.group_norm(x0, 1, x1)", [(3, 2), (2,)]),
    ("torch.group_norm(x0, 2, x1, x2)", [(2, 4), (4,), (4,)]),
    ("F.rms_norm(x0, (4,))", [(3, 4)]),
    ("F.rms_norm(x0, [3, 4], x1, 1e-3)", [(2, 3, 4), (3, 4)]),
    ("torch.rms_norm(x0, (4,), x1)", [(2, 4), (4,)]),
])
def test_norms_match_pytorch(expr, shapes):
    check(expr, [rand(*s, seed=i) for i, s in enumerate(shapes)])


def test_norm_modules_match_pytorch():
    def build(ns):
        ns.manual_seed(0)
        out = []
        for m, shape in ((ns.nn.BatchNorm1d(3, dtype=ns.float64), (4, 3)),
                         (ns.nn.BatchNorm1d(3, momentum=None, dtype=ns.float64), (4, 3, 2)),
                         (ns.nn.BatchNorm1d(3, affine=False, track_running_stats=False, dtype=ns.float64), (4, 3)),
                         (ns.nn.BatchNorm2d(2, eps=1e-3, bias=False, dtype=ns.float64), (2, 2, 3, 3)),
                         (ns.nn.GroupNorm(2, 4, dtype=ns.float64), (2, 4, 3)),
                         (ns.nn.GroupNorm(1, 4, affine=False, dtype=ns.float64), (2, 4)),
                         (ns.nn.RMSNorm(3, dtype=ns.float64), (2, 3)),
                         (ns.nn.RMSNorm([2, 3], eps=1e-3, elementwise_affine=False, dtype=ns.float64), (2, 2, 3))):
            for step in range(3):  # two training steps then one in evaluation
                if step == 2:
                    m.eval()
                x = ns.tensor(rand(*shape, seed=step), requires_grad=True)
                y = m(x)
                (y * ns.tensor(rand(*shape, seed=7))).sum().backward()
                out += [np.round(y.detach().numpy(), 8).tolist(), np.round(x.grad.numpy(), 8).tolist(),
                        type(y.grad_fn).__name__]
            out += [repr(m), str([(k, tuple(v.shape), str(v.dtype)) for k, v in m.state_dict().items()])]
            out += [np.round(v.numpy(), 8).tolist() for v in m.state_dict().values()]
            out += [np.round(p.grad.numpy(), 8).tolist() for p in m.parameters()]
        return out

    ours, theirs = build(nbt), build(real_torch)
    for a, b in zip(ours, theirs):
        assert a == b


def test_batch_norm_default_modules_print_and_save_as_pytorch():
    def build(ns):
        ms = [ns.nn.BatchNorm1d(4), ns.nn.BatchNorm1d(4, eps=1e-3, momentum=None, affine=False,
                                                      track_running_stats=False),
              ns.nn.GroupNorm(2, 4), ns.nn.GroupNorm(1, 3, affine=False, eps=1e-3), ns.nn.RMSNorm(4),
              ns.nn.Sequential(ns.nn.BatchNorm1d(3), ns.nn.Linear(3, 2), ns.nn.GroupNorm(1, 2))]
        return [repr(m) for m in ms] + [str([(k, tuple(v.shape), str(v.dtype)) for k, v in m.state_dict().items()])
                                        for m in ms] + [str([k for k, _ in m.named_buffers()]) for m in ms]

    same_text(build)


def test_norms_against_finite_differences_in_both_modes():
    F = nbt.nn.functional
    rm, rv = nbt.tensor(rand(3, seed=5)), nbt.tensor(rand(3, seed=6, lo=0.5, hi=2.0))
    finite_differences(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                       [rand(4, 3, 2), rand(3, seed=1), rand(3, seed=2)], forward=True, second=True)
    finite_differences(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), [rand(4, 3), rand(3, seed=1), rand(3, seed=2)],
                       forward=True, second=True)
    finite_differences(lambda x, w, b: F.group_norm(x, 2, w, b), [rand(2, 4, 3), rand(4, seed=1), rand(4, seed=2)],
                       forward=True, second=True)
    finite_differences(lambda x, w: F.rms_norm(x, (4,), w), [rand(3, 4), rand(4, seed=1)], forward=True)


@pytest.mark.parametrize("expr", [
    "F.batch_norm(torch.ones(3, 4), None, None)", "F.batch_norm(torch.ones(1, 4), None, None, training=True)",
    "F.batch_norm(torch.ones(3, 4), torch.zeros(3), torch.ones(3))",
    "F.batch_norm(torch.ones(3, 4), None, None, training=True, weight=torch.ones(3))",
    "nn.BatchNorm1d(4)(torch.ones(2, 3, 4, 5))", "nn.BatchNorm1d(4)(torch.ones(2, 3))",
    "nn.BatchNorm1d(4)(torch.ones(1, 4))", "nn.BatchNorm1d(4)(torch.ones(4))", "nn.BatchNorm2d(4)(torch.ones(2, 4))",
    "F.batch_norm(torch.ones(2, 4).long(), None, None, training=True)",
    "F.rms_norm(torch.ones(3, 4), (3,))", "F.rms_norm(torch.ones(3, 4), 4)",
    "F.rms_norm(torch.ones(3, 4), (4,), torch.ones(3))", "F.rms_norm(torch.ones(2, 3, 4), (2, 4))",
    "F.group_norm(torch.ones(2, 3, 4), 2)", "F.group_norm(torch.ones(2, 3, 4), 3, torch.ones(2))",
    "nn.GroupNorm(2, 3)", "F.group_norm(torch.ones(3), 1)", "F.group_norm(torch.ones(2, 4).long(), 2)",
])
def test_norm_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ float32
@pytest.mark.parametrize("expr", [
    "F.glu(a)", "F.softmin(a, 1)", "F.embedding(torch.tensor([1, 2, 1]), a)", "F.cosine_similarity(a, b)",
    "F.pairwise_distance(a, b)", "F.pad(a, (1, 2))", "F.pad(a[None], (1, 2), mode='reflect')",
    "F.kl_div(a, b.softmax(1), reduction='batchmean')", "F.prelu(a, torch.full((6,), 0.2))",
    "F.batch_norm(a, None, None, training=True)", "F.group_norm(a, 3)", "F.rms_norm(a, (6,))",
    "F.rms_norm(a.half(), (6,))", "F.pad(a.half(), (1, 1))", "F.cosine_similarity(a, b.double())",
])
def test_float32_and_mixed_dtypes_as_pytorch(expr):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 4, 6)).astype(np.float32)
    outs = []
    for ns in (nbt, real_torch):
        a, b = ns.tensor(x, requires_grad=True), ns.tensor(y, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            o = eval(expr, scope(ns, {"a": a, "b": b}))
        o.float().sum().backward()
        outs.append((str(o.dtype), str(a.grad.dtype), o.detach().float().numpy(), a.grad.numpy()))
    (d1, gd1, v1, g1), (d2, gd2, v2, g2) = outs
    assert (d1, gd1) == (d2, gd2)
    np.testing.assert_allclose(v1, v2, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(g1, g2, rtol=1e-3, atol=1e-4)


MODULE_PROGRAMS = [
    # Sequential as a list of layers (the style-transfer and fine-tuning tutorials slice and replace)
    "s[:2]", "type(s[:2]).__name__", "s[1:]", "s[-1]", "s[:2](x)", "s[3]", "s[2] = n.Linear(2, 5); s", "del s[1]; s",
    "del s[0:2]; s", "s.append(n.Tanh()); s", "s.insert(1, n.Sigmoid()); s", "s.insert(-1, n.Sigmoid()); s",
    "s.pop(0); s", "s + n.Sequential(n.Tanh())", "s * 2", "s.extend([n.Tanh()]); len(s)",
    "q = n.Sequential(n.Linear(2, 2)); q[0] = 3",
    # a shared submodule is one child, visited once
    "a = n.Linear(2, 2); q = n.Sequential(a, n.ReLU(), a); [len(list(q.children())), "
    "[k for k, _ in q.named_children()]]",
    "a = n.Linear(2, 2); q = n.Sequential(a, n.ReLU(), a); c = []; q.apply(lambda m: c.append(type(m).__name__)); c",
    "a = n.Linear(2, 2); q = n.Sequential(a, a); [k for k, _ in q.named_parameters(remove_duplicate=False)]",
    # registries refuse what would silently stop training or break state_dict
    "l = n.Linear(3, 4); l.weight = torch.ones(4, 3)", "l = n.Linear(3, 4); l.weight = None; list(l.state_dict())",
    "m = n.Module(); m.register_buffer('d', [1, 2])", "m = n.Module(); m.register_buffer('a.b', torch.ones(1))",
    "m = n.Module(); m.register_parameter('w', torch.ones(1))",
    "m = n.Module(); m.x = 3; m.register_parameter('x', None)",
    "m = n.Module(); m.register_buffer('b', torch.ones(1)); m.b = [1]",
    "m = n.Module(); m.register_parameter('w', n.Parameter(torch.ones(1)) * 2)",
    "m = n.Module(); m.register_buffer('b', torch.ones(1)); m.b = n.Parameter(torch.ones(1)); "
    "[list(m._parameters), list(m._buffers)]",
    "m = n.BatchNorm1d(3, affine=False); [list(m._parameters), list(m.state_dict())]",
    "m = n.LayerNorm(3, elementwise_affine=False); list(m._parameters)",
]


@needs_torch
@pytest.mark.parametrize("program", MODULE_PROGRAMS)
def test_module_containers_and_registries_as_pytorch(program):
    """Each program on both: its last expression's repr (or shape), or the exception's type and first line."""
    out = []
    for ns in (real_torch, nbt):
        ns.manual_seed(0)
        env = {"s": ns.nn.Sequential(ns.nn.Linear(2, 2), ns.nn.ReLU(), ns.nn.Linear(2, 1)), "x": ns.ones(1, 2),
               "n": ns.nn, "torch": ns}
        *body, last = program.split("; ")
        try:
            for line in body:
                exec(line, env)  # noqa: S102  (the test's own programs)
            try:
                value = eval(last, env)  # noqa: S307
            except SyntaxError:
                exec(last, env)  # noqa: S102
                value = None
            out.append(tuple(value.shape) if hasattr(value, "shape") else repr(value))
        except Exception as e:  # noqa: BLE001  (the exception is the result compared)
            out.append(f"{type(e).__name__}: {str(e).splitlines()[0]}")
    assert out[0] == out[1]


def _weight_normed(T):
    """nn.utils.weight_norm over dim 0, 1 and all of the weight: the parameters it makes, their gradients, the
    state_dict, remove_weight_norm, a conv over dim 2, a second hook refused."""
    out = []
    for dim in (0, 1, None):
        lin = T.nn.Linear(3, 4)
        with T.no_grad():
            lin.weight.copy_(T.arange(12.).view(4, 3) / 7 - 0.5)
            lin.bias.fill_(0.1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (deprecated in favour of parametrizations.weight_norm, on both)
            m = T.nn.utils.weight_norm(lin, dim=dim)
        out.append((sorted(k for k, _ in m.named_parameters()), tuple(m.weight_g.shape),
                    m.weight_g.detach().numpy().round(5).tolist()))
        x = T.tensor([[1., -2., 0.5]])
        y = m(x).sum()
        y.backward()
        out.append((round(y.item(), 5), m.weight_g.grad.numpy().round(5).tolist(),
                    m.weight_v.grad.numpy().round(5).tolist(), list(m.state_dict())))
        with T.no_grad():
            m.weight_g.mul_(2)
        out.append(round(m(x).sum().item(), 5))  # the hook recomputes the weight before each forward
        T.nn.utils.remove_weight_norm(m)
        out.append((sorted(k for k, _ in m.named_parameters()), m.weight.detach().numpy().round(5).tolist()))
    conv = T.nn.Conv2d(2, 3, 3)
    with T.no_grad():
        conv.weight.copy_(T.linspace(-1, 1, 54).view(3, 2, 3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = T.nn.utils.weight_norm(conv, name="weight", dim=2)
        out.append(tuple(c.weight_g.shape))
        try:
            T.nn.utils.weight_norm(c)
        except RuntimeError as e:
            out.append(str(e))
    return out


def test_weight_norm_as_pytorch():
    assert _weight_normed(nbt) == _weight_normed(real_torch)
