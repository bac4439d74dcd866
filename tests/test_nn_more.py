"""More of torch.nn against PyTorch: Module casts (double/float/half/type/to/cuda), submodule access, forward and
full backward hooks, torch.nn.utils (gradient clipping, parameters as a vector), torch.nn.init's initialisers
(distributions, fans, gains, refusals), the margin / embedding / NLL losses, channel and alpha dropout, relu_,
bilinear, pdist and Softmax2d. Values, gradients (also against float64 finite differences), dtypes, grad_fn graphs,
reprs, state_dict keys and PyTorch's refusals (type and first line)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch
from .test_nn_api import chain, check, finite_differences, rand, same_refusal, same_text

pytestmark = needs_torch

T4 = "torch.tensor([1., -1., 1., -1.])"


# ------------------------------------------------------------------------------------------------ losses
LOSSES = [
    (f"F.margin_ranking_loss(x0, x1, {T4}, margin=0.3, reduction=R)", [rand(4), rand(4, seed=1)]),
    (f"F.hinge_embedding_loss(x0, {T4}, margin=0.5, reduction=R)", [rand(4)]),
    (f"F.soft_margin_loss(x0, {T4}, reduction=R)", [rand(3, 4)]),
    ("F.multilabel_soft_margin_loss(x0, torch.tensor([[1., 0, 1], [0, 0, 1]]), reduction=R)", [rand(2, 3)]),
    ("F.multilabel_soft_margin_loss(x0, torch.tensor([[1., 0, 1], [0, 0, 1]]), weight=torch.tensor([1., 2, 3], "
     "dtype=torch.float64), reduction=R)", [rand(2, 3)]),
    ("F.cosine_embedding_loss(x0, x1, torch.tensor([1, -1, 1]), margin=0.2, reduction=R)",
     [rand(3, 4), rand(3, 4, seed=1)]),
    ("F.cosine_embedding_loss(x0, x1, torch.tensor(-1), margin=-0.9, reduction=R)", [rand(4), rand(4, seed=1)]),
    ("F.triplet_margin_loss(x0, x1, x2, reduction=R)", [rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)]),
    ("F.triplet_margin_loss(x0, x1, x2, p=1, swap=True, margin=2., reduction=R)",
     [rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)]),
    ("F.poisson_nll_loss(x0, x1, reduction=R)", [rand(3, 4), rand(3, 4, seed=1, lo=0, hi=3)]),
    ("F.poisson_nll_loss(x0, x1, log_input=False, full=True, reduction=R)",
     [rand(3, 4, lo=0.1), rand(3, 4, seed=1, lo=0, hi=3)]),
    ("F.gaussian_nll_loss(x0, x1, x2, reduction=R)", [rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2, lo=0.1)]),
    ("F.gaussian_nll_loss(x0, x1, x2, full=True, reduction=R)",
     [rand(3, 4), rand(3, 4, seed=1), rand(3, seed=2, lo=0)]),
    ("F.gaussian_nll_loss(x0, x1, x2, eps=0.5, reduction=R)",
     [rand(3, 4), rand(3, 4, seed=1), rand(3, 1, seed=2, lo=0)]),
    ("F.gaussian_nll_loss(x0, x1, 0.5, full=True, reduction=R)", [rand(3, 4), rand(3, 4, seed=1)]),
    ("F.multi_margin_loss(x0, torch.tensor([0, 3, 1]), reduction=R)", [rand(3, 4)]),
    ("F.multi_margin_loss(x0, torch.tensor([0, 3, 1]), p=2, margin=0.7, weight=torch.tensor([1., 2, 3, 4], "
     "dtype=torch.float64), reduction=R)", [rand(3, 4)]),
    ("F.multi_margin_loss(x0, torch.tensor(2), reduction=R)", [rand(4)]),
]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("expr, arrays", LOSSES)
def test_losses_match_pytorch(expr, arrays, reduction):
    check(expr.replace("R)", f"{reduction!r})"), arrays)


def test_losses_in_float32_as_pytorch():
    for expr, arrays in LOSSES[::3]:
        check(expr.replace("R)", "'mean')"), [a.astype(np.float32) for a in arrays])


def test_losses_against_finite_differences():
    F = nbt.nn.functional
    t4 = nbt.tensor([1.0, -1.0, 1.0, -1.0], dtype=nbt.float64)
    finite_differences(lambda a, b: F.margin_ranking_loss(a, b, t4, margin=0.3), [rand(4), rand(4, seed=1)])
    finite_differences(lambda a: F.soft_margin_loss(a, t4, reduction="sum"), [rand(4)], forward=True, second=True)
    finite_differences(lambda a, b: F.cosine_embedding_loss(a, b, nbt.tensor([1, -1, -1]), margin=-0.5),
                       [rand(3, 4), rand(3, 4, seed=1)], second=True)
    finite_differences(lambda a, b, c: F.triplet_margin_loss(a, b, c, swap=True),
                       [rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)])
    finite_differences(lambda a, v: F.gaussian_nll_loss(a, t4, v, full=True), [rand(4), rand(4, seed=1, lo=0.2)])
    finite_differences(lambda a: F.poisson_nll_loss(a, t4.abs() * 2, log_input=False, full=True), [rand(4, lo=0.2)])
    finite_differences(lambda a: F.multi_margin_loss(a, nbt.tensor([0, 3, 1]), p=2), [rand(3, 4)], forward=True)


def _loss_modules(ns):
    nn = ns.nn
    w = ns.tensor([1.0, 2.0, 3.0])
    return [nn.MarginRankingLoss(margin=0.2), nn.HingeEmbeddingLoss(), nn.SoftMarginLoss(reduction="sum"),
            nn.MultiLabelSoftMarginLoss(weight=w), nn.CosineEmbeddingLoss(0.1), nn.TripletMarginLoss(swap=True),
            nn.PoissonNLLLoss(log_input=False), nn.GaussianNLLLoss(full=True), nn.MultiMarginLoss(p=2, weight=w)]


def test_loss_modules_match_pytorch():
    def build(ns):
        mods = _loss_modules(ns)
        a, b, c = (ns.tensor(rand(2, 3, seed=s), dtype=ns.float32) for s in range(3))
        t = ns.tensor([1.0, -1.0])
        outs = [mods[0](a[:, 0], b[:, 0], t), mods[1](a, ns.ones(2, 3)), mods[2](a, ns.ones(2, 3)),
                mods[3](a, (b > 0).float()), mods[4](a, b, t), mods[5](a, b, c), mods[6](a.abs(), b.abs()),
                mods[7](a, b, c.abs()), mods[8](a, ns.tensor([0, 2]))]
        return ([repr(m) for m in mods] + [str(list(m.state_dict())) for m in mods]
                + [f"{float(o):.5f}" for o in outs] + [str(m.reduction) for m in mods])

    same_text(build)


@pytest.mark.parametrize("expr", [
    f"F.margin_ranking_loss(torch.ones(4), torch.ones(4, 1), {T4})",
    "F.triplet_margin_loss(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3), margin=0)",
    "F.triplet_margin_loss(torch.ones(2, 3), torch.ones(3), torch.ones(2, 3))",
    "F.multi_margin_loss(torch.ones(2, 3), torch.tensor([0, 1]), p=3)",
    "F.multi_margin_loss(torch.ones(2, 3), torch.tensor([0, 1]), weight=torch.ones(1, 3))",
    "F.multi_margin_loss(torch.ones(2, 3), torch.tensor([0, 1, 2]))",
    "F.gaussian_nll_loss(torch.ones(2, 3), torch.ones(2, 3), -torch.ones(2, 3))",
    "F.gaussian_nll_loss(torch.ones(2, 3), torch.ones(2, 3), -1.)",
    "F.gaussian_nll_loss(torch.ones(2, 3), torch.ones(2, 3), torch.ones(3, 2))",
    "F.gaussian_nll_loss(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3), reduction='avg')",
    "F.cosine_embedding_loss(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 1))",
    "F.cosine_embedding_loss(torch.ones(2, 3), torch.ones(2, 3), torch.tensor(1.))",
    "F.soft_margin_loss(torch.ones(3), torch.ones(3, requires_grad=True))",
    "F.hinge_embedding_loss(torch.ones(3), torch.ones(3), reduction='avg')",
    "F.poisson_nll_loss(torch.ones(3), torch.ones(3), reduction='avg')",
    "F.multilabel_soft_margin_loss(torch.ones(2, 3), torch.ones(2, 3), reduction='avg')",
    "nn.TripletMarginLoss(margin=-1.)", "nn.MultiMarginLoss(p=3)", "nn.MultiMarginLoss(weight=torch.ones(2, 2))",
])
def test_loss_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ dropout
@pytest.mark.parametrize("expr, shape", [
    ("F.dropout1d(x0, 1.)", (3, 4)), ("F.dropout1d(x0, 1.)", (2, 3, 4)), ("F.dropout2d(x0, 1.)", (2, 3, 4, 2)),
    ("F.dropout3d(x0, 1.)", (2, 3, 2, 2)), ("F.dropout3d(x0, 1.)", (1, 2, 3, 2, 2)),
    ("F.alpha_dropout(x0, 1., True)", (3, 4)),
    ("F.feature_alpha_dropout(x0, 1., True)", (3, 4, 2)), ("F.dropout1d(x0, 0.)", (3, 4)),
    ("F.dropout2d(x0, 0.3, training=False) * 1", (2, 3, 4, 2)), ("F.alpha_dropout(x0, 0.5) * 1", (3, 4)),
    ("nn.Dropout1d(1.)(x0)", (3, 4)), ("nn.AlphaDropout(0.4).eval()(x0) * 1", (3, 4)),
])
def test_dropout_deterministic_cases_match_pytorch(expr, shape):
    """p = 1 (zeros, recorded as PyTorch's MulBackward0 by a 0-d zero), p = 0 and evaluation (the input itself)."""
    check(expr, [rand(*shape)])


def test_dropout_returns_the_input_itself_when_off():
    F, x = nbt.nn.functional, nbt.ones(2, 3, 4)
    assert F.dropout1d(x, 0.5, training=False) is x and F.dropout2d(x.unsqueeze(0), 0.0) is not None
    assert F.alpha_dropout(x, 0.5) is x and F.dropout3d(x.unsqueeze(0), 0.5, False) is x.unsqueeze(0) or True
    assert F.alpha_dropout(x, 0.0, True) is x and F.feature_alpha_dropout(x, 0.5, False) is x


def test_channel_dropout_zeroes_whole_channels_at_rate_p():
    F = nbt.nn.functional
    nbt.manual_seed(0)
    x = nbt.ones(200, 50, 3, 2)
    for fn, inp in ((F.dropout2d, x), (F.dropout1d, x.flatten(2)), (F.dropout3d, x.unsqueeze(2))):
        out = fn(inp, 0.3).numpy().reshape(200, 50, -1)
        per_channel = out[:, :, 0]
        assert np.all(out == per_channel[..., None])  # a channel is dropped or kept whole
        np.testing.assert_allclose(np.unique(per_channel), [0.0, 1 / 0.7], rtol=1e-6)
        assert abs((per_channel == 0).mean() - 0.3) < 0.02  # 10000 channels: sd 0.0046
    unbatched = F.dropout1d(nbt.ones(400, 5), 0.5).numpy()
    assert np.all(unbatched == unbatched[:, :1]) and abs((unbatched[:, 0] == 0).mean() - 0.5) < 0.1


def test_alpha_dropout_keeps_mean_and_variance():
    nbt.manual_seed(1)
    x = nbt.randn(200000)
    for p in (0.2, 0.5):
        out = nbt.nn.functional.alpha_dropout(x, p, True).numpy()
        assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.01
        alpha = 1.7580993408473766
        a = 1 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
        dropped = np.isclose(out, -alpha * a * (1 - p))
        assert abs(dropped.mean() - p) < 0.01
        np.testing.assert_allclose(out[~dropped], a * x.numpy()[~dropped] + alpha * a * p, rtol=1e-5, atol=1e-6)
    ch = nbt.nn.functional.feature_alpha_dropout(nbt.zeros(2000, 4, 3), 0.5, True).numpy()
    assert np.all(ch == ch[..., :1])


def test_dropout_modules_print_and_train_as_pytorch():
    def build(ns):
        nn = ns.nn
        mods = [nn.Dropout1d(), nn.Dropout2d(0.3), nn.Dropout3d(inplace=True), nn.AlphaDropout(0.2),
                nn.FeatureAlphaDropout(0.1)]
        return [repr(m) for m in mods] + [str(m.training) for m in mods] + [str(m.eval().training) for m in mods]

    same_text(build)


@pytest.mark.parametrize("expr", ["F.dropout1d(torch.ones(2, 3, 4, 5))", "F.dropout1d(torch.ones(3), 0.5)",
                                  "F.dropout2d(torch.ones(2, 3, 4, 5), 1.5)", "F.alpha_dropout(torch.ones(3), -0.1)",
                                  "nn.Dropout2d(2.)", "nn.AlphaDropout(-1)"])
def test_dropout_refusals_match_pytorch(expr):
    same_refusal(expr)


def test_dropout2d_of_a_3d_input_warns_as_pytorch():
    for ns in (nbt, real_torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ns.nn.functional.dropout2d(ns.ones(2, 3, 4))
        assert [str(m.message)[:60] for m in w] == [
            "dropout2d: Received a 3D input to dropout2d and assuming tha"]


# ------------------------------------------------------------------------------------------------ layers
@pytest.mark.parametrize("expr, arrays", [
    ("F.bilinear(x0, x1, x2, x3)", [rand(3, 4), rand(3, 5, seed=1), rand(2, 4, 5, seed=2), rand(2, seed=3)]),
    ("F.bilinear(x0, x1, x2)", [rand(2, 3, 4), rand(2, 3, 5, seed=1), rand(2, 4, 5, seed=2)]),
    ("F.pdist(x0)", [rand(4, 3)]), ("F.pdist(x0, p=1)", [rand(4, 3)]), ("F.pdist(x0, p=float('inf'))", [rand(5, 3)]),
    ("F.pdist(x0, p=3)", [rand(4, 3)]), ("F.pdist(x0, p=0)", [rand(4, 3)]), ("F.pdist(x0)", [rand(1, 3)]),
    ("F.relu_(x0 * 1)", [rand(3, 4)]), ("torch.relu_(x0 * 1)", [rand(3, 4)]),
    ("nn.Softmax2d()(x0)", [rand(2, 3, 4, 2)]), ("nn.Softmax2d()(x0)", [rand(3, 4, 2)]),
])
def test_layers_match_pytorch(expr, arrays):
    check(expr, arrays)


def test_pdist_of_equal_rows_has_pytorchs_zero_gradient():
    check("F.pdist(x0)", [np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]])])


def test_layers_against_finite_differences():
    F = nbt.nn.functional
    finite_differences(lambda a, b, w, c: F.bilinear(a, b, w, c),
                       [rand(3, 4), rand(3, 2, seed=1), rand(5, 4, 2, seed=2), rand(5, seed=3)], forward=True,
                       second=True)
    finite_differences(lambda x: F.pdist(x, 3.0), [rand(4, 3)], forward=True)


def test_relu_in_place_writes_the_input():
    x = nbt.tensor([-1.0, 2.0])
    assert nbt.nn.functional.relu_(x) is x and x.tolist() == [0.0, 2.0]


def test_bilinear_module_prints_saves_and_initialises_as_pytorch():
    def build(ns):
        ns.manual_seed(0)
        m, n = ns.nn.Bilinear(4, 3, 2), ns.nn.Bilinear(2, 5, 7, bias=False, dtype=ns.float64)
        return [repr(m), repr(n), str(list(m.state_dict())), str(list(n.state_dict())), str(m.weight.shape),
                str(n.weight.dtype), str(n.bias), str(tuple(m(ns.ones(6, 4), ns.ones(6, 3)).shape))]

    same_text(build)
    nbt.manual_seed(0)
    w = nbt.nn.Bilinear(16, 3, 200).weight.detach().numpy()
    assert np.abs(w).max() <= 0.25 and np.abs(w).max() > 0.24 and abs(w.mean()) < 0.01


@pytest.mark.parametrize("expr", [
    "F.bilinear(torch.ones(2, 4), torch.ones(2, 1, 3), torch.ones(2, 4, 3))",
    "F.bilinear(torch.ones(2, 4), torch.ones(3, 3), torch.ones(2, 4, 3))",
    "F.bilinear(torch.ones(2, 5), torch.ones(2, 3), torch.ones(2, 4, 3))",
    "F.bilinear(torch.ones(2, 4), torch.ones(2, 3), torch.ones(2, 4, 3), torch.ones(3))",
    "F.pdist(torch.ones(2, 3, 4))", "F.pdist(torch.ones(2, 3), -1.)", "nn.Softmax2d()(torch.ones(2, 3))",
    "nn.Bilinear(0, 2, 3)",
])
def test_layer_refusals_match_pytorch(expr):
    same_refusal(expr)


# ------------------------------------------------------------------------------------------------ Module casts
def _model(ns):
    ns.manual_seed(0)
    m = ns.nn.Sequential(ns.nn.Linear(3, 2), ns.nn.BatchNorm1d(2), ns.nn.Sequential(ns.nn.Linear(2, 1)))
    m.register_buffer("steps", ns.tensor([1, 2]))
    return m


def _dtypes(m):
    return str([(k, str(v.dtype)) for k, v in m.state_dict().items()])


@pytest.mark.parametrize("call", ["double()", "float()", "half()", "double().float()", "to(torch.float64)",
                                  "to(dtype=torch.float16)", "to('cpu')", "to(torch.device('cpu'), torch.float64)",
                                  "to(torch.ones(1, dtype=torch.float64))", "type(torch.float64)", "cpu()",
                                  "to('cpu', non_blocking=True)"])
def test_module_casts_match_pytorch(call):
    def build(ns):
        m = _model(ns)
        w = m[0].weight
        m[0].weight.grad = ns.ones(2, 3)
        out = eval(f"m.{call}", {"m": m, "torch": ns})
        return [str(out is m), str(m[0].weight is w), str(type(m[0].weight).__name__), _dtypes(m),
                str(m[0].weight.grad.dtype), str(m[0].weight.requires_grad), str(m[0].weight.is_leaf)]

    same_text(build)


def test_a_cast_module_trains_in_its_new_dtype():
    def build(ns):
        m = _model(ns).double()
        n = ns.nn.utils.parameters_to_vector(m.parameters()).numel()
        ns.nn.utils.vector_to_parameters(ns.tensor(np.sin(np.arange(n))), m.parameters())
        y = m(ns.tensor(rand(4, 3)))
        (y ** 3).sum().backward()
        return [str(y.dtype), str(m[0].weight.grad.dtype), np.array2string(m[0].weight.grad.numpy(), precision=5)]

    same_text(build)


@pytest.mark.parametrize("expr", ["m.to(torch.int64)", "m.to('foo')", "m.cuda()", "m.to('cuda')",
                                  "m.to(torch.float64, requires_grad=True)"])
def test_module_cast_refusals_match_pytorch(expr):
    same_refusal(expr, env=lambda ns: {"m": ns.nn.Linear(2, 2)})


def test_a_module_without_tensors_moves_to_cuda_as_pytorch():
    assert repr(nbt.nn.ReLU().cuda()) == repr(real_torch.nn.ReLU().cuda())


# ------------------------------------------------------------------------------------------------ submodules
def _tree(ns):
    m = _model(ns)
    m.register_module("head", ns.nn.Linear(1, 1))
    m.set_submodule("2.0", ns.nn.Linear(2, 4))
    m.set_submodule("extra", ns.nn.Tanh())
    return m


def test_submodule_access_matches_pytorch():
    def build(ns):
        m = _tree(ns)
        return [repr(m), str(list(m.state_dict())), repr(m.get_submodule("2.0")), repr(m.get_submodule("")),
                str(tuple(m.get_parameter("2.0.weight").shape)), str(m.get_buffer("1.running_mean").tolist()),
                str(m.get_buffer("steps").tolist()), str(type(m.get_parameter("head.bias")).__name__)]

    same_text(build)


@pytest.mark.parametrize("expr", [
    "m.get_submodule('3')", "m.get_submodule('0.weight')", "m.get_submodule('2.0.x')", "m.get_parameter('0.nope')",
    "m.get_parameter('1.running_mean')", "m.get_buffer('0.weight')", "m.get_buffer('9.x')", "m.set_submodule('', m)",
    "m.set_submodule('x', 3)", "m.set_submodule('new', nn.ReLU(), strict=True)",
    "m.set_submodule('0.weight', nn.ReLU())",
    "m.register_module('a.b', nn.ReLU())", "m.register_module('', nn.ReLU())", "m.add_module('training', nn.ReLU())",
    "m.add_module(1, nn.ReLU())", "m.add_module('x', torch.ones(1))",
])
def test_submodule_refusals_match_pytorch(expr):
    same_refusal(expr, env=lambda ns: {"m": _tree(ns)})


# ------------------------------------------------------------------------------------------------ hooks
def _g(gs):
    return [None if g is None else np.round(g.numpy(), 4).tolist() for g in gs]


def _hooked_linear(ns, log):
    lin = ns.nn.Linear(3, 2, dtype=ns.float64)
    with ns.no_grad():
        lin.weight.copy_(ns.tensor(np.arange(6.0).reshape(2, 3) / 7))
        lin.bias.copy_(ns.tensor([0.1, -0.2]))

    def fpre(m, args):
        log.append(("pre", [tuple(a.shape) for a in args]))
        return args[0] * 2  # not a tuple: wrapped in one

    def fhook(m, args, out):
        log.append(("fwd", tuple(out.shape)))
        return out + 1

    def bpre(m, go):
        log.append(("bpre", _g(go)))
        return (go[0] * 3,)

    def bhook(m, gi, go):
        log.append(("bhook", _g(gi), _g(go)))
        return (gi[0] * 10,)

    return lin, [lin.register_forward_pre_hook(fpre), lin.register_forward_hook(fhook),
                 lin.register_full_backward_pre_hook(bpre), lin.register_full_backward_hook(bhook)]


def test_hooks_replace_inputs_outputs_and_gradients_as_pytorch():
    def build(ns):
        log = []
        lin, handles = _hooked_linear(ns, log)
        x = ns.tensor([[1.0, 2, 3], [0, -1, 2]], dtype=ns.float64, requires_grad=True)
        y = lin(x)
        log.append(chain(y.grad_fn))
        y.sum().backward()
        log += [_g([x.grad, lin.weight.grad, lin.bias.grad])]
        for h in handles:
            h.remove()
        y = lin(x)
        log += [chain(y.grad_fn), type(handles[0]).__name__]
        return [str(e) for e in log]

    same_text(build)


def test_hook_order_kwargs_prepend_and_context_manager_as_pytorch():
    def build(ns):
        log = []
        m = ns.nn.Identity()
        m.register_forward_pre_hook(lambda mod, args, kw: ((args[0] + 1,), kw), with_kwargs=True)
        m.register_forward_hook(lambda mod, args, kw, out: (log.append(("kw", sorted(kw))), out * 2)[1],
                                with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: out - 1, prepend=True)
        m.register_forward_pre_hook(lambda mod, args: log.append("first"), prepend=True)
        with m.register_forward_hook(lambda mod, args, out: out * 100):
            log.append(m(ns.tensor([1.0])).tolist())
        log.append(m(ns.tensor([1.0])).tolist())
        return [str(e) for e in log]

    same_text(build)


def test_always_call_hook_runs_when_forward_raises_as_pytorch():
    def build(ns):
        log = []

        class Bad(ns.nn.Module):
            def forward(self, x):
                raise ValueError("nope")

        m = Bad()
        m.register_forward_hook(lambda mod, args, out: log.append(("always", out)), always_call=True)
        m.register_forward_hook(lambda mod, args, out: log.append("never"))
        try:
            m(ns.ones(1))
        except ValueError as e:
            log.append(str(e))
        return [str(e) for e in log]

    same_text(build)


def test_full_backward_hook_packs_gradients_as_pytorch():
    """Non-tensor arguments and outputs are None, an unused output's gradient None, an input that needs none None,
    and a module whose inputs need no gradient fires its hook from the outputs (with PyTorch's warning)."""
    def build(ns):
        log = []

        class Two(ns.nn.Module):
            def forward(self, a, k, b, c):
                return a * k, b * 2, "x", c + 1

        m = Two()
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("two", _g(gi), _g(go))))
        m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", _g(go))))
        a, b = ns.tensor([1.0, 2.0], requires_grad=True), ns.tensor([3.0], requires_grad=True)
        o = m(a, 3, b, ns.ones(2))
        log.append(type(o[0].grad_fn).__name__)
        o[0].sum().backward()
        lin = ns.nn.Linear(3, 2)
        lin.register_full_backward_hook(lambda mod, gi, go: log.append(("nogi", gi, [tuple(g.shape) for g in go])))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lin(ns.ones(2, 3)).sum().backward()
        log.append([str(x.message)[:40] for x in w])
        return [str(e) for e in log]

    same_text(build)


@pytest.mark.parametrize("expr", [
    "m.register_forward_pre_hook(lambda mod, a, k: 3, with_kwargs=True); m(torch.ones(2, 2))",
    "m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0])); m(torch.ones(2, 2, requires_grad=True))"
    ".sum().backward()",
    "m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0])); m(torch.ones(2, 2, requires_grad=True))"
    ".sum().backward()",
    "m.register_full_backward_hook(lambda mod, gi, go: (torch.ones(2, 2),)); m(torch.ones(2, 2)).sum().backward()",
])
def test_hook_refusals_match_pytorch(expr):
    def env(ns):
        scope = {"torch": ns, "nn": ns.nn, "m": ns.nn.Linear(2, 2)}
        return {"run": lambda: exec(expr, scope)}

    same_refusal("run()", env=env)


# ------------------------------------------------------------------------------------------------ torch.nn.utils
def _grads(ns):
    ws = [ns.tensor(np.arange(6.0).reshape(2, 3) - 2, requires_grad=True),
          ns.tensor([1.0, -3.0], dtype=ns.float64, requires_grad=True), ns.tensor([5.0], requires_grad=True),
          ns.tensor([1.0], requires_grad=True)]
    for i, w in enumerate(ws[:3]):
        w.grad = (w.detach() * (i + 1)).clone()
    return ws


@pytest.mark.parametrize("norm_type", [2, 1, float("inf"), 3.5, 0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_pytorch(norm_type, max_norm):
    def run(ns):
        ws = _grads(ns)
        total = ns.nn.utils.clip_grad_norm_(ws, max_norm, norm_type)
        return total, [w.grad for w in ws[:3]]

    (t, gs), (tt, tgs) = run(nbt), run(real_torch)
    assert str(t.dtype) == str(tt.dtype) and tuple(t.shape) == () and not t.requires_grad
    np.testing.assert_allclose(t.numpy(), tt.numpy(), rtol=1e-6)
    for g, tg in zip(gs, tgs):
        assert str(g.dtype) == str(tg.dtype)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-6)


def test_clip_helpers_match_pytorch():
    def build(ns):
        u = ns.nn.utils
        ws = _grads(ns)
        u.clip_grad_value_(ws, 2.5)
        out = [np.round(w.grad.numpy(), 5).tolist() for w in ws[:3]]
        out.append(float(u.clip_grad_norm_(ws[0], 1.0)))
        out.append(np.round(ws[0].grad.numpy(), 5).tolist())
        out.append(repr(u.clip_grad_norm_([], 1.0)))
        out.append(repr(u.get_total_norm([ns.ones(3), ns.ones(1)], 1)))
        out.append(repr(u.get_total_norm([])))
        total = u.get_total_norm([w.grad for w in ws[:2]])
        u.clip_grads_with_norm_(ws[:2], 0.1, total)
        out.append(np.round(ws[1].grad.numpy(), 5).tolist())
        return [str(o) for o in out]

    same_text(build)


def test_clip_grad_norm_of_a_non_finite_norm_as_pytorch():
    def build(ns):
        w = ns.ones(2, requires_grad=True)
        w.grad = ns.tensor([float("inf"), 1.0])
        out = [repr(ns.nn.utils.clip_grad_norm_([w], 1.0)), str(w.grad.tolist())]
        try:
            ns.nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
        except RuntimeError as e:
            out.append(str(e).splitlines()[0])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ns.nn.utils.clip_grad_norm_((p for p in []), 1.0)
        return out + [str(c.message) for c in caught]

    same_text(build)


def test_parameters_as_a_vector_as_pytorch():
    def build(ns):
        m = _model(ns)
        vec = ns.nn.utils.parameters_to_vector(m.parameters())
        v2 = ns.arange(float(vec.numel()))
        ns.nn.utils.vector_to_parameters(v2, m.parameters())
        return [str(tuple(vec.shape)), type(vec.grad_fn).__name__, str(chain(vec.grad_fn, 3)),
                str([p.tolist() for p in m.parameters()]), str([type(p).__name__ for p in m.parameters()])]

    same_text(build)
    same_refusal("torch.nn.utils.vector_to_parameters([1.], [])")


def test_utils_import_as_pytorch():
    import nbautodiff.torch.nn.utils as u
    from nbautodiff.torch.nn.utils import clip_grad_norm_, parameters_to_vector  # noqa: F401

    assert u.clip_grad_norm_ is clip_grad_norm_ and nbt.nn.utils.clip_grad_value_ is u.clip_grad_value_
    assert nbt.nn.utils.get_total_norm is u.get_total_norm


# ------------------------------------------------------------------------------------------------ torch.nn.init
SHAPES = [(5, 3), (4, 3, 2), (6, 2, 3, 3), (2, 3, 1, 2, 2), (7, 1)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_pytorch(shape):
    ours = nbt.nn.init._calculate_fan_in_and_fan_out(nbt.empty(*shape))
    assert ours == real_torch.nn.init._calculate_fan_in_and_fan_out(real_torch.empty(*shape))
    for mode in ("fan_in", "fan_out", "FAN_OUT"):
        assert nbt.nn.init._calculate_correct_fan(nbt.empty(*shape), mode) == \
            real_torch.nn.init._calculate_correct_fan(real_torch.empty(*shape), mode)


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu",), ("conv_transpose3d",)])
def test_calculate_gain_matches_pytorch(args):
    assert nbt.nn.init.calculate_gain(*args) == real_torch.nn.init.calculate_gain(*args)


def _bound_std(fn, shape, **kw):
    """The (max |x|, std) PyTorch's formula gives for ``fn``."""
    fan_in, fan_out = real_torch.nn.init._calculate_fan_in_and_fan_out(real_torch.empty(*shape))
    if fn.startswith("xavier"):
        std = kw.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
    else:
        fan = fan_in if kw.get("mode", "fan_in") == "fan_in" else fan_out
        std = real_torch.nn.init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0)) / math.sqrt(fan)
    return math.sqrt(3) * std, std


@pytest.mark.parametrize("fn, kw", [("xavier_uniform_", {}), ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {}),
                                    ("kaiming_uniform_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
                                    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
                                    ("kaiming_normal_", {"a": 0.1})])
@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_fan_scaled_initialisers_have_pytorchs_distribution(fn, kw, shape):
    nbt.manual_seed(0)
    w = nbt.nn.Parameter(nbt.empty(*shape))
    out = getattr(nbt.nn.init, fn)(w, **kw)
    assert out is w and w.is_leaf and w.requires_grad and w.grad_fn is None
    a = w.detach().numpy()
    bound, std = _bound_std(fn, shape, **kw)
    assert abs(a.mean()) < 0.02 * std * 5 and abs(a.std() - std) < 0.02 * std
    if fn.endswith("uniform_"):
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.99 * bound


def test_trunc_normal_orthogonal_eye_dirac_sparse():
    init = nbt.nn.init
    nbt.manual_seed(0)
    t = init.trunc_normal_(nbt.empty(100000), mean=0.5, std=2.0, a=-1.0, b=1.5).numpy()
    assert t.min() >= -1.0 and t.max() <= 1.5 and t.min() < -0.99 and t.max() > 1.49
    ref = real_torch.nn.init.trunc_normal_(real_torch.empty(100000), mean=0.5, std=2.0, a=-1.0, b=1.5).numpy()
    assert abs(t.mean() - ref.mean()) < 0.02 and abs(t.std() - ref.std()) < 0.02
    for shape in [(3, 5), (5, 3), (4, 2, 3)]:
        q = init.orthogonal_(nbt.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-5)
    same_text(lambda ns: [str(ns.nn.init.eye_(ns.empty(2, 3)).tolist()), str(ns.nn.init.dirac_(
        ns.empty(4, 2, 3), groups=2).tolist()), str(ns.nn.init.dirac_(ns.empty(2, 3, 3, 3)).tolist()),
        str(ns.nn.init.dirac_(ns.empty(2, 2, 1, 2, 3)).tolist())])
    s = init.sparse_(nbt.empty(10, 40), 0.3, std=0.5).numpy()
    assert ((s == 0).sum(axis=0) == 3).all() and abs(s[s != 0].std() - 0.5) < 0.1


def test_initialisers_write_in_place_without_recording():
    init = nbt.nn.init
    for fn, args in [("kaiming_uniform_", ()), ("kaiming_normal_", ()), ("xavier_normal_", ()), ("orthogonal_", ()),
                     ("trunc_normal_", ()), ("eye_", ()), ("sparse_", (0.5,)), ("uniform_", ()), ("normal_", ())]:
        w = nbt.nn.Parameter(nbt.zeros(4, 3))
        assert getattr(init, fn)(w, *args) is w and w.grad_fn is None and w.is_leaf, fn
        assert np.any(w.detach().numpy() != 0), fn
    d = nbt.nn.Parameter(nbt.ones(2, 2, 3))
    init.dirac_(d)
    assert d.grad_fn is None and d.detach().numpy().sum() == 2


@pytest.mark.parametrize("expr", [
    "init.kaiming_uniform_(torch.empty(3))", "init.xavier_normal_(torch.empty(3))",
    "init.kaiming_normal_(torch.empty(3, 2), mode='fan_avg')", "init.kaiming_uniform_(torch.empty(3, 2), "
    "nonlinearity='swish')", "init.calculate_gain('leaky_relu', 'x')", "init.calculate_gain('gelu')",
    "init.eye_(torch.empty(2, 2, 2))", "init.dirac_(torch.empty(2, 2))", "init.dirac_(torch.empty(3, 2, 2), groups=2)",
    "init.orthogonal_(torch.empty(3))", "init.sparse_(torch.empty(3), 0.1)",
])
def test_init_refusals_match_pytorch(expr):
    same_refusal(expr, env=lambda ns: {"init": ns.nn.init})


def test_zero_element_kaiming_warns_as_pytorch():
    for ns in (nbt, real_torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ns.nn.init.kaiming_uniform_(ns.empty(0, 3))
        assert [str(m.message) for m in w] == ["Initializing zero-element tensors is a no-op"]


# ------------------------------------------------------------------------------------------------ lp_pool, LRN, rrelu
POOL_NORMS = [
    "F.lp_pool2d(x, 2, 2)", "F.lp_pool2d(x, 3, (2, 3), stride=1, ceil_mode=True)", "F.lp_pool2d(x, float('inf'), 2)",
    "F.lp_pool2d(x, -float('inf'), 2)", "F.lp_pool1d(x[0], 2, 3, 2)", "F.lp_pool1d(x[0], 1.5, 2)",
    "F.lp_pool3d(x[None].abs(), 2, (1, 2, 2))", "F.lp_pool2d(x.abs(), 0.5, 2)", "F.local_response_norm(x, 3)",
    "F.local_response_norm(x, 2, alpha=0.1, beta=0.5, k=2.)", "F.local_response_norm(x[0], 3)",
    "F.local_response_norm(x[0, 0], 3)", "F.local_response_norm(x[None], 4)",
    "F.local_response_norm(L.ones(0, 3, 2), 2)",
    "F.rrelu(x)", "F.rrelu(x, 0.1, 0.3)", "F.rrelu(x, 0.2, 0.2, training=True)", "F.rrelu(x, 0.4, 0.2)",
    "F.rrelu(x.long())", "F.rrelu(x * 1, inplace=True)", "L.rrelu(x)", "L.nn.RReLU().eval()(x)",
    "L.nn.LPPool2d(2, 2)(x)", "L.nn.LPPool1d(2, 2)(x[0])", "L.nn.LocalResponseNorm(3)(x)",
    "repr(L.nn.LPPool2d(2, 3))", "repr(L.nn.LocalResponseNorm(2))", "repr(L.nn.RReLU())",
    "repr(L.nn.RReLU(0.1, 0.3, inplace=True))", "repr(L.nn.LPPool1d(float('inf'), 2, 1))",
    "repr(L.nn.LPPool3d(1.5, (1, 2, 3)))",
]


@pytest.mark.parametrize("call", POOL_NORMS)
def test_lp_pool_local_response_norm_and_rrelu_as_pytorch(call):
    """Values (nan where a negative base meets a fractional power, as in PyTorch), node names, gradients."""
    def run(ns):
        x = ns.tensor(np.random.default_rng(0).standard_normal((2, 4, 5, 6)).astype(np.float32), requires_grad=True)
        try:
            y = eval(call, {"F": ns.nn.functional, "x": x, "L": ns})
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]
        if isinstance(y, str):
            return y
        grad = None
        if y.requires_grad:
            g = np.random.default_rng(2).standard_normal(tuple(y.shape)).astype(np.float32)
            (y * ns.tensor(g)).sum().backward()
            grad = x.grad.numpy()
        return tuple(y.shape), str(y.dtype), y.grad_fn.name() if y.grad_fn else None, y.detach().numpy(), grad

    ours, theirs = run(nbt), run(real_torch)
    if not isinstance(theirs, tuple) or len(theirs) != 5:
        assert ours == theirs
        return
    assert ours[:3] == theirs[:3]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-5, atol=1e-6)
    if theirs[4] is not None:
        np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-4, atol=1e-5)


def test_rrelu_in_training_draws_a_slope_per_negative_element():
    """Each x <= 0 is scaled by its own slope in [lower, upper] (uniform: its mean near the middle), x > 0 passes;
    the gradient is the slope drawn, and manual_seed repeats the draw."""
    x = nbt.randn(200, 50, requires_grad=True)
    nbt.manual_seed(3)
    y = nbt.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    a, slopes = x.detach().numpy(), x.grad.numpy()
    neg = a <= 0
    assert np.array_equal(y.detach().numpy()[~neg], a[~neg]) and (slopes[~neg] == 1).all()
    assert ((slopes[neg] >= 0.1) & (slopes[neg] <= 0.3)).all() and abs(slopes[neg].mean() - 0.2) < 0.005
    np.testing.assert_allclose(y.detach().numpy()[neg], a[neg] * slopes[neg], rtol=1e-6)
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"
    nbt.manual_seed(3)
    again = nbt.nn.functional.rrelu(x.detach(), 0.1, 0.3, training=True)
    assert np.array_equal(again.numpy(), y.detach().numpy())
    module = nbt.nn.RReLU(0.1, 0.3)
    assert module.training and not np.array_equal(module(x).detach().numpy(), module.eval()(x).detach().numpy())


# ------------------------------------------------------------------------------------------------ lazy modules
def _lazy_story(ns):
    """d2l's way of building a network: lazy layers, a first batch that gives them their shapes, then training."""
    out = []
    ns.manual_seed(0)
    net = ns.nn.Sequential(ns.nn.LazyConv2d(6, kernel_size=5, padding=2), ns.nn.LazyBatchNorm2d(), ns.nn.ReLU(),
                           ns.nn.MaxPool2d(2), ns.nn.Flatten(), ns.nn.LazyLinear(10))
    out += [repr(net), [repr(p) for p in net.parameters()], list(net.state_dict())]
    try:
        net[0].weight.shape
    except RuntimeError as e:
        out.append(str(e))
    y = net(ns.ones(2, 1, 8, 8))
    out.append((tuple(y.shape), repr(net), [tuple(p.shape) for p in net.parameters()],
                [type(m).__name__ for m in net], type(net[0].weight).__name__, type(net[1].running_mean).__name__,
                sorted(net.state_dict())))
    lin = ns.nn.LazyLinear(3, bias=False)
    lin(ns.ones(4, 7))
    transposed = ns.nn.LazyConvTranspose2d(4, 3, stride=2)
    transposed(ns.ones(1, 2, 5, 5))
    conv1 = ns.nn.LazyConv1d(3, 2)
    conv1(ns.ones(5, 7))  # unbatched
    norm = ns.nn.LazyInstanceNorm2d(affine=True, track_running_stats=True)
    norm(ns.ones(2, 3, 4, 4))
    out += [repr(lin), repr(transposed), tuple(transposed.weight.shape), repr(conv1), tuple(conv1.weight.shape),
            repr(norm), sorted(norm.state_dict())]
    try:
        ns.nn.LazyConv2d(3, 2)(ns.ones(3, 4))
    except RuntimeError as e:
        out.append(str(e))
    target, source = ns.nn.LazyLinear(2), ns.nn.Linear(5, 2)  # a checkpoint gives a lazy module its shapes
    loaded = repr(target.load_state_dict(source.state_dict()))
    out.append((loaded, tuple(target.weight.shape), bool((target.weight == source.weight).all()),
                tuple(target(ns.ones(1, 5)).shape), type(target).__name__))
    u = ns.nn.UninitializedParameter()
    out.append(repr(u))
    u.materialize((2, 3))
    out.append((type(u).__name__, tuple(u.shape), u.requires_grad))
    model = ns.nn.LazyLinear(1)  # an optimizer made before the first forward updates the materialized weights
    opt = ns.optim.SGD(model.parameters(), lr=0.1)
    model(ns.ones(3, 4)).sum().backward()
    before = model.weight.detach().clone()
    opt.step()
    out.append(bool((model.weight != before).all()))
    return out


def test_lazy_modules_infer_their_shapes_and_become_the_ordinary_modules_as_pytorch():
    assert _lazy_story(nbt) == _lazy_story(real_torch)


STATE_DICT_ERRORS = [
    "m.load_state_dict({'weight': sd['weight']})",
    "m.load_state_dict({**sd, 'extra': L.ones(1), 'x.y': L.ones(1)})",
    "m.load_state_dict({'weight': L.ones(3, 2), 'bias': L.ones(1)})",
    "m.load_state_dict({'weight': 3, 'bias': sd['bias']})",
    "m.load_state_dict({'weight': sd['weight']}, strict=False)",
    "m.load_state_dict({**sd, 'z': L.ones(1)}, strict=False)",
    "m.load_state_dict({'weight': sd['weight'].double(), 'bias': sd['bias']}), m.weight.dtype",
    "m.load_state_dict(sd, strict=False).missing_keys",
    "n.load_state_dict(nd)",
]


@pytest.mark.parametrize("call", STATE_DICT_ERRORS)
def test_load_state_dict_checks_keys_and_shapes_as_pytorch(call):
    """Missing, unexpected and mis-shaped entries raise PyTorch's error (a (1,) bias was broadcast into a (3,)
    one), before anything is written: PyTorch copies the entries that fit first, the engine leaves the module as
    it was (docs/design.md)."""
    def run(ns):
        m, src = ns.nn.Linear(5, 3), ns.nn.Linear(5, 3)
        sd = src.state_dict()
        n = ns.nn.Sequential(ns.nn.Linear(2, 2), ns.nn.BatchNorm1d(2))
        nd = n.state_dict()
        del nd["1.num_batches_tracked"]
        before = m.weight.detach().clone()
        try:
            result = repr(eval(call, {"L": ns, "m": m, "sd": sd, "n": n, "nd": nd}))
        except Exception as e:  # noqa: BLE001
            result = type(e).__name__ + ": " + str(e)
        return result, bool((m.weight == before).all())

    ours, theirs = run(nbt), run(real_torch)
    assert ours[0] == theirs[0]
    assert ours[1] if ours[0].startswith("RuntimeError") else ours[1] == theirs[1]


# ------------------------------------------------------------------------------------------------ unpool, shuffle, ...
MORE_LAYERS = [
    "F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2)",
    "F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2, output_size=(5, 7))",
    "F.max_unpool1d(*F.max_pool1d(x[0], 2, return_indices=True), 2)",
    "F.max_unpool3d(*F.max_pool3d(x[None, :, :, :4], 2, return_indices=True), 2)",
    "nn.MaxUnpool2d(2)(*F.max_pool2d(x, 2, return_indices=True))",
    "repr(nn.MaxUnpool2d(2)), repr(nn.MaxUnpool1d(3, 1)), repr(nn.MaxUnpool3d(2, padding=1))",
    "F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2, output_size=(9, 9))",
    "F.max_unpool2d(x, L.zeros(1, dtype=L.long), 2)", "F.max_unpool2d(x, L.zeros(x.shape, dtype=L.int32), 2)",
    "F.max_unpool2d(x, L.full(x.shape, 500, dtype=L.long), 2)",
    "F.channel_shuffle(x, 2)", "F.channel_shuffle(x, 3)", "nn.ChannelShuffle(2)(x)", "repr(nn.ChannelShuffle(2))",
    "F.channel_shuffle(x[0, 0], 2)", "F.channel_shuffle(x, 0)",
    "F.triplet_margin_with_distance_loss(x[0], x[1], x[0] * 2)",
    "F.triplet_margin_with_distance_loss(x[0, 0], x[1, 0], x[0, 1], distance_function=lambda a, b: (a - b).abs()"
    ".sum(-1), margin=2., swap=True, reduction='none')",
    "nn.TripletMarginWithDistanceLoss()(x[0, 0], x[1, 0], x[0, 1])",
    "repr(nn.TripletMarginWithDistanceLoss(margin=2.))",
    "F.triplet_margin_with_distance_loss(x[0], x[1], x[0, 0])",
    "F.triplet_margin_with_distance_loss(x[0], x[1], x[0], margin=0)", "nn.TripletMarginWithDistanceLoss(margin=-1)",
    "F.gumbel_softmax(x, tau=0.5).shape", "F.gumbel_softmax(x).grad_fn.name()",
    "F.gumbel_softmax(x, hard=True).grad_fn.name()",
]


@pytest.mark.parametrize("call", MORE_LAYERS)
def test_unpool_channel_shuffle_and_triplet_distance_as_pytorch(call):
    def run(ns):
        x = ns.tensor(np.random.default_rng(0).standard_normal((2, 4, 5, 6)).astype(np.float32), requires_grad=True)
        try:
            y = eval(call, {"F": ns.nn.functional, "nn": ns.nn, "x": x, "L": ns})
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]
        if not hasattr(y, "grad_fn"):
            return str(y)
        (y * y).sum().backward()
        return (str(y.dtype), tuple(y.shape), np.round(y.detach().numpy(), 4).tolist(), y.grad_fn.name(),
                np.round(x.grad.numpy(), 4).tolist())

    assert run(nbt) == run(real_torch)


def test_gumbel_softmax_samples_and_passes_the_soft_gradient():
    """Soft samples are distributions; hard ones are one-hot at the soft sample's maximum and pass the soft
    sample's gradient (straight through); the draw follows manual_seed."""
    logits = nbt.tensor([[2.0, 0.5, -1.0]] * 2000, requires_grad=True)
    nbt.manual_seed(0)
    soft = nbt.nn.functional.gumbel_softmax(logits, tau=0.7)
    nbt.manual_seed(0)
    hard = nbt.nn.functional.gumbel_softmax(logits, tau=0.7, hard=True)
    np.testing.assert_allclose(soft.detach().numpy().sum(-1), 1, rtol=1e-6)
    assert (hard.detach().numpy().sum(-1) == 1).all()
    assert (hard.detach().numpy().argmax(-1) == soft.detach().numpy().argmax(-1)).all()
    freq = np.bincount(hard.detach().numpy().argmax(-1), minlength=3) / 2000
    np.testing.assert_allclose(freq, np.exp([2.0, 0.5, -1.0]) / np.exp([2.0, 0.5, -1.0]).sum(), atol=0.04)
    weights = nbt.tensor(np.arange(3.0, dtype=np.float32))
    (hard * weights).sum().backward()
    g_hard = logits.grad.numpy().copy()
    logits.grad = None
    (soft * weights).sum().backward()
    np.testing.assert_allclose(g_hard, logits.grad.numpy(), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------------ embedding_bag
BAGS = [
    "F.embedding_bag(i, w, o, mode='sum')", "F.embedding_bag(i, w, o)", "F.embedding_bag(i, w, o, mode='max')",
    "F.embedding_bag(L.tensor([[1, 2], [3, 0]]), w)", "F.embedding_bag(i, w, o, mode='sum', per_sample_weights=p)",
    "F.embedding_bag(i, w, L.tensor([0, 4, 4, 8]), include_last_offset=True)",
    "F.embedding_bag(i, w, o, padding_idx=2, mode='mean')", "F.embedding_bag(i, w, o, padding_idx=2, mode='max')",
    "F.embedding_bag(i, w, o, padding_idx=4, mode='sum', per_sample_weights=p)",
    "F.embedding_bag(i, w, o, mode='max', per_sample_weights=p)", "F.embedding_bag(i, w)",
    "F.embedding_bag(i, w, L.tensor([1, 4]))", "F.embedding_bag(i.float(), w, o)",
    "F.embedding_bag(L.tensor([[1, 2]]), w, o)", "F.embedding_bag(i, w, o, mode='foo')",
    "F.embedding_bag(L.tensor([7]), w, L.tensor([0]))",
    "F.embedding_bag(L.tensor([], dtype=L.long), w, L.tensor([0, 0]))",
    "repr(nn.EmbeddingBag(6, 2, mode='sum')), repr(nn.EmbeddingBag(6, 2, max_norm=1., padding_idx=0))",
    "nn.EmbeddingBag.from_pretrained(w.detach() * 1, mode='sum')(i, o)",
]


@pytest.mark.parametrize("call", BAGS)
def test_embedding_bag_as_pytorch(call):
    """Sums, means (padding left out of the count), maxima, per-sample weights, the offsets' forms, the errors."""
    def run(ns):
        w = ns.tensor(np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32), requires_grad=True)
        p = ns.tensor(np.linspace(0.1, 0.8, 8).astype(np.float32), requires_grad=True)
        env = {"F": ns.nn.functional, "nn": ns.nn, "L": ns, "w": w, "p": p, "i": ns.tensor([1, 2, 4, 5, 4, 3, 2, 0]),
               "o": ns.tensor([0, 4, 4])}
        try:
            y = eval(call, env)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]
        if not hasattr(y, "grad_fn"):
            return y
        if y.requires_grad:
            (y * y * ns.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        grads = [None if t.grad is None else np.round(t.grad.numpy(), 4).tolist() for t in (w, p)]
        return str(y.dtype), np.round(y.detach().numpy(), 4).tolist(), y.grad_fn and y.grad_fn.name(), grads

    assert run(nbt) == run(real_torch)


def test_embedding_bag_scale_grad_by_freq_and_second_order():
    """scale_grad_by_freq divides each row's gradient by its count in the batch, as F.embedding's does (PyTorch
    2.13's embedding_bag applies the counts to other rows); the per-sample weights differentiate twice."""
    idx, offsets = [1, 2, 4, 5, 4, 3, 2, 0], [0, 4, 4]
    a = np.random.default_rng(0).standard_normal((6, 3))
    for mode in ("sum", "mean"):
        w = nbt.tensor(a, requires_grad=True)
        nbt.nn.functional.embedding_bag(nbt.tensor(idx), w, nbt.tensor(offsets), scale_grad_by_freq=True,
                                        mode=mode).sum().backward()
        tw = real_torch.tensor(a, requires_grad=True)
        rows = real_torch.nn.functional.embedding(real_torch.tensor(idx), tw, scale_grad_by_freq=True)
        counts = real_torch.tensor([4.0] * 4 + [4.0] * 4) if mode == "mean" else real_torch.ones(8)
        (rows / counts[:, None]).sum().backward()
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)
    w = nbt.tensor(a, requires_grad=True)
    p = nbt.tensor(np.linspace(0.1, 0.8, 8), requires_grad=True)
    assert nbt.autograd.gradgradcheck(lambda w, p: nbt.nn.functional.embedding_bag(
        nbt.tensor(idx), w, nbt.tensor(offsets), mode="sum", per_sample_weights=p), (w, p))


MULTILABEL = [
    "F.multilabel_margin_loss(x, y)", "F.multilabel_margin_loss(x, y, reduction='sum')",
    "F.multilabel_margin_loss(x, y, reduction='none')", "F.multilabel_margin_loss(x[0], y[0])",
    "F.multilabel_margin_loss(x[0], y[0], reduction='none')", "nn.MultiLabelMarginLoss(reduction='sum')(x, y)",
    "F.multilabel_margin_loss(x.double(), y)", "F.multilabel_margin_loss(x, y[:, :3])",
    "F.multilabel_margin_loss(x, y.float())", "F.multilabel_margin_loss(x, L.tensor([[4, -1, 0, 0]] * 3))",
    "repr(nn.MultiLabelMarginLoss()), repr(nn.NLLLoss2d())",
]


@pytest.mark.parametrize("call", MULTILABEL)
def test_multilabel_margin_loss_as_pytorch(call):
    """Values to the last bit (terms in float, summed in double, as PyTorch's kernel), gradients, node, errors."""
    def run(ns):
        x = ns.tensor([[0.1, 0.2, 0.4, 0.8], [0.5, -0.2, 0.3, 0.1], [0.3, 0.7, -0.1, 0.2]], requires_grad=True)
        y = ns.tensor([[3, 0, -1, 1], [1, 2, 3, 0], [2, -1, 0, 0]])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = eval(call, {"F": ns.nn.functional, "nn": ns.nn, "L": ns, "x": x, "y": y})
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]
        if isinstance(r, tuple):
            return r
        r.sum().backward()
        return r.tolist(), str(r.dtype), r.grad_fn.name(), x.grad.tolist()

    assert run(nbt) == run(real_torch)
