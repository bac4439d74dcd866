"""Engine-level properties: long chains, no reference cycles, gradient ownership, dtype rules, nn/optim."""

import gc
import sys

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch


def test_a_100000_op_chain_runs_forward_and_backward():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0
        y = y + 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    del y  # freeing a 100,000-node graph must not overflow the C stack either
    assert sys.getrecursionlimit() < 100_000


def test_backward_leaves_no_reference_cycles():
    """The tape is a DAG of plain references: after a training step nothing is left for the GC."""
    model = nbt.nn.Sequential(nbt.nn.Linear(4, 8), nbt.nn.ReLU(), nbt.nn.Linear(8, 3))
    opt = nbt.optim.SGD(model.parameters(), lr=0.1)
    x, target = nbt.randn(5, 4), nbt.tensor([0, 1, 2, 1, 0])
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            loss = nbt.nn.functional.cross_entropy(model(x), target)
            loss.backward()
            opt.step()
            opt.zero_grad()
            y = (x.exp() * 2).sum()  # a graph that is built and dropped without backward
            del y, loss
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_pass_through_gradients_are_not_shared_between_leaves():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    y = nbt.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()  # add hands the same gradient to both inputs
    x.grad.zero_()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])


def test_a_gradient_passed_by_the_user_is_copied_not_kept():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    g = nbt.tensor([5.0, 6.0])
    (x * 1).backward(g)
    x.grad.zero_()
    np.testing.assert_array_equal(g.numpy(), [5.0, 6.0])


def test_accumulation_keeps_the_grad_tensor_object():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert first is x.grad
    np.testing.assert_array_equal(first.numpy(), [4.0, 8.0])


def test_a_refused_inplace_update_leaves_the_tensor_unchanged():
    x = nbt.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x.add_(nbt.ones(2, 3))
    with pytest.raises(RuntimeError, match="can't be cast"):
        nbt.tensor([1, 2]).add_(1.5)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0, 3.0])
    assert x._version == 0


def test_views_share_memory_and_version_counter():
    x = nbt.arange(6.0)
    v = x.view(2, 3)
    v[0, 0] = 10.0
    assert x[0].item() == 10.0
    assert x._version == v._version == 1


def test_detach_shares_memory_and_is_a_leaf():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None
    d = x.detach()
    with nbt.no_grad():
        d.mul_(3)
    np.testing.assert_array_equal(x.detach().numpy(), [3.0, 6.0])


def test_inplace_on_a_non_leaf_is_recorded():
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.mul_(3)
    y += 1
    assert type(y.grad_fn).__name__ == "AddBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_setitem_records_copyslices():
    x = nbt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = nbt.tensor(5.0, requires_grad=True)
    y = x * 1
    y[1] = v * 2
    assert type(y.grad_fn).__name__ == "CopySlices"
    (y * nbt.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 100.0])
    assert v.grad.item() == 20.0


def test_repeated_advanced_indices_accumulate():
    x = nbt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


@needs_torch
@pytest.mark.parametrize(
    "expr",
    [
        "ns.tensor(1)", "ns.tensor(1.)", "ns.tensor([1, 2.])", "ns.tensor(True)", "ns.tensor(np.float64(2.))",
        "ns.tensor(np.array([1., 2.]))", "ns.tensor(np.array([1, 2], dtype=np.int32))", "ns.arange(4)",
        "ns.arange(4.)", "ns.arange(0, 1, 0.25)", "ns.full((2,), 1)", "ns.full((2,), 1.)", "ns.full((2,), True)",
        "ns.zeros(2, dtype=ns.float64)", "ns.ones(2, 3)", "ns.eye(3)", "ns.linspace(0, 1, 5)",
        "ns.tensor([1, 2]) + 1.5", "ns.tensor([1, 2]) / ns.tensor([2, 4])", "ns.tensor([1, 2]) * 2",
        "ns.tensor([1., 2.]) * ns.tensor([1., 2.], dtype=ns.float64)", "ns.exp(ns.tensor([1, 2]))",
        "ns.tensor([True, False]).sum()", "ns.tensor([1, 2]).float().mean()", "ns.tensor([1., 2.]) > 1",
        "ns.tensor([[1., 2.], [3., 4.]]).argmax(1)", "ns.tensor([1., 2.], dtype=ns.float64).sum() * 2",
        "ns.tensor([1., 2.]).double()", "ns.tensor([1.5, 2.7]).long()", "ns.tensor([1., 2.]).to(ns.float64)",
        "ns.tensor([1, 2]) // 2", "ns.tensor([1., 2.]) * np.float64(2)", "np.float64(2) * ns.tensor([1., 2.])",
        "ns.tensor([1., 2.]) + np.float32(1)", "ns.tensor([1, 2]) * np.float64(1.5)", "ns.tensor([1., 2.]) ** 2",
        "2 ** ns.tensor([1., 2.])",
    ],
)
def test_dtypes_and_values_follow_pytorch(expr):
    ours = eval(expr, {"ns": nbt, "np": np})
    theirs = eval(expr, {"ns": real_torch, "np": np})
    assert repr(ours) == repr(theirs)


@needs_torch
def test_a_small_network_trains_exactly_like_pytorch():
    """Same weights, same data: the losses of 20 SGD-with-momentum steps match PyTorch's."""
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((16, 5)).astype(np.float32)
    ys = rng.integers(0, 3, 16)
    losses = []
    for ns in (nbt, real_torch):
        model = ns.nn.Sequential(ns.nn.Linear(5, 8), ns.nn.ReLU(), ns.nn.Linear(8, 3))
        with ns.no_grad():
            for p, w in zip(model.parameters(), _weights(rng_seed=1)):
                p.copy_(ns.tensor(w))
        opt = ns.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = ns.nn.CrossEntropyLoss()
        run = []
        for _ in range(20):
            loss = loss_fn(model(ns.tensor(xs)), ns.tensor(ys))
            opt.zero_grad()
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert losses[0][-1] < losses[0][0]


def _weights(rng_seed):
    rng = np.random.default_rng(rng_seed)
    return [rng.standard_normal(s).astype(np.float32) * 0.5 for s in [(8, 5), (8,), (3, 8), (3,)]]


@needs_torch
def test_mse_regression_matches_pytorch():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5], dtype=np.float32))[:, None]
    out = []
    for ns in (nbt, real_torch):
        w = ns.zeros(3, 1, requires_grad=True)
        for _ in range(10):
            loss = ns.nn.functional.mse_loss(ns.tensor(X) @ w, ns.tensor(y))
            loss.backward()
            with ns.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
        out.append(w.detach().numpy().copy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-5, atol=1e-6)


def test_module_registers_parameters_and_prints_like_pytorch():
    model = nbt.nn.Sequential(nbt.nn.Linear(2, 3), nbt.nn.ReLU())
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert repr(model) == "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n)"
    assert repr(nbt.nn.Parameter(nbt.ones(2))) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"


VERSION_CASES = {
    "output changed in place": lambda x: (lambda y: (y.add_(1), y.sum()))(x.exp())[1],
    "output changed through a view": lambda x: (lambda y: (y[0].mul_(2), y.sum()))(x.exp())[1],
    "output changed through detach": lambda x: (lambda y: (y.detach().add_(1), y.sum()))(x.exp())[1],
    "saved input changed through a view": lambda x: (lambda h: (lambda z: (h.view(-1)[0].add_(1), z.sum()))(h * h))(
        x * 1
    )[1],
    "changed through .data (not tracked)": lambda x: (lambda y: (y.data.add_(1), y.sum()))(x.exp())[1],
}


@needs_torch
@pytest.mark.parametrize("case", VERSION_CASES)
def test_changes_to_saved_tensors_are_caught_as_in_pytorch(case):
    results = []
    for ns in (nbt, real_torch):
        x = ns.tensor([1.0, 2.0], requires_grad=True)
        try:
            VERSION_CASES[case](x).backward()
            results.append(np.round(x.grad.numpy(), 4).tolist())
        except RuntimeError as e:
            results.append(str(e).split(":")[0])
    assert results[0] == results[1]


def test_an_integer_index_is_a_view_as_in_pytorch():
    y = nbt.tensor([1.0, 2.0, 3.0])
    y[1].mul_(10)
    assert y.tolist() == [1.0, 20.0, 3.0]


STALE_VIEW_CASES = {
    "a sibling view made before the write": lambda ns, x: (
        lambda y: (lambda a: (y[1:].mul_(10), a.sum()))(y[:2])[1])(x * 1),
    "a view made before its base changed": lambda ns, x: (
        lambda y: (lambda v: (y.mul_(2), (v * v).sum()))(y[0])[1])(x * 1),
    "a write through a view of a view": lambda ns, x: (
        lambda y: (lambda v: (v[0].add_(x[1] * 5), y.sum()))(y.view(3, 1))[1])(x * 1),
    "a write through t()": lambda ns, x: (
        lambda y: (y.view(1, 3).t()[1].add_(x[0] * 5), y.sum())[1])(x * 1),
}


@needs_torch
@pytest.mark.parametrize("case", STALE_VIEW_CASES)
def test_views_see_in_place_changes_of_their_base_as_in_pytorch(case):
    grads = []
    for ns in (nbt, real_torch):
        x = ns.tensor([1.0, 2.0, 3.0], requires_grad=True)
        STALE_VIEW_CASES[case](ns, x).backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


@needs_torch
def test_small_pytorch_behaviours():

    results = []
    for ns in (nbt, real_torch):
        y = ns.ones(3, requires_grad=True)
        y.std().backward()  # 0, not nan, at a constant input
        t = ns.ones(2, 3).t()
        out = [y.grad.tolist(), ns.ones(2) == None, ns.ones(2) != None, t.contiguous().is_contiguous()]  # noqa: E711

        @ns.inference_mode
        def doubled(a):
            return a * 2

        out.append(doubled(ns.tensor(2.0, requires_grad=True)).requires_grad)
        results.append(out)
    assert results[0] == results[1]


def test_float_of_a_tensor_that_requires_grad_warns_once():
    import sys

    # nbautodiff.engine.tensor is also the name of the factory function, so go through sys.modules
    tensor_module = sys.modules["nbautodiff.engine.tensor"]
    tensor_module._warned_scalar = False
    x = nbt.tensor(2.0, requires_grad=True)
    import warnings

    with warnings.catch_warnings(), nbt.no_grad():
        warnings.simplefilter("error")
        float(x)  # with grad mode off PyTorch does not warn (LBFGS calls float(loss) under no_grad)
    with pytest.warns(UserWarning, match="Converting a tensor with requires_grad=True to a scalar"):
        float(x * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        float(x * 3)  # once per process, as PyTorch


@pytest.mark.parametrize("hook_first", [True, False])
def test_retain_grad_stores_the_gradient_after_every_hook(hook_first):
    """PyTorch 2 runs the retains_grad hook last, whatever the order the two were registered in."""
    x = nbt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    if hook_first:
        y.register_hook(lambda g: g * 10)
        y.retain_grad()
    else:
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
    (y * 3).sum().backward()
    assert y.grad.tolist() == [30.0, 30.0] and x.grad.tolist() == [60.0, 60.0]


@needs_torch
def test_relu_and_clamp_block_a_nan_gradient_where_they_pass_nothing():
    """PyTorch selects (threshold_backward) rather than multiplies by a 0/1 mask: nan * 0 would be nan."""
    results = []
    for ns in (nbt, real_torch):
        y = ns.tensor([-1.0, 2.0, 0.0], dtype=ns.float64, requires_grad=True)
        (y.relu() * ns.tensor([float("nan"), 1.0, float("inf")], dtype=ns.float64)).sum().backward()
        z = ns.tensor([-1.0, 0.2, 3.0], dtype=ns.float64, requires_grad=True)
        (z.clamp(0, 1) * ns.tensor([float("nan"), 1.0, float("inf")], dtype=ns.float64)).sum().backward()
        results.append((y.grad.tolist(), z.grad.tolist()))
    assert results[0] == results[1] == ([0.0, 1.0, 0.0], [0.0, 1.0, 0.0])


@needs_torch
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("f", [
    lambda ns, x: x.relu(),
    lambda ns, x: x.clamp(min=0.1),
    lambda ns, x: ns.nn.functional.hardtanh(x),
    lambda ns, x: ns.nn.functional.threshold(x, 0.1, 2.0),
    lambda ns, x: ns.nn.functional.softshrink(x, 0.3),
    lambda ns, x: x.relu() * ns.ones(3, 1, 1, dtype=x.dtype),  # a gradient that arrives summed over a broadcast
], ids=["relu", "clamp", "hardtanh", "threshold", "softshrink", "relu_broadcast"])
def test_a_negative_gradient_blocked_by_a_mask_is_plus_zero(f, dtype):
    """threshold_backward and its kin select: where the mask is off the gradient is +0, as PyTorch prints it
    (``0.``), not the -0 of ``g * mask`` (``-0.``)."""
    a = np.random.default_rng(3).standard_normal((2, 6)).astype(dtype)
    results = []
    for ns in (nbt, real_torch):
        x = ns.tensor(a, requires_grad=True)
        y = f(ns, x)
        y.backward(-ns.ones(tuple(y.shape), dtype=y.dtype))
        results.append(x.grad.detach().numpy())
    assert np.signbit(results[1]).sum() < results[1].size  # some blocked: a +0 for the test to see
    assert np.signbit(results[0]).tolist() == np.signbit(results[1]).tolist()
    assert str(nbt.tensor(results[0])) == str(real_torch.tensor(results[1]))


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 5, 2, 2)], ids=["C", "NC", "NCHW"])
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
def test_nll_loss_backward_writes_only_the_targets(reduction, shape, weighted):
    """nll_loss_backward as PyTorch's: zeros, and -w * g (/ total weight) at each counted target. Off the targets
    the gradient is +0 even for a negative or nan incoming gradient (g * 0 gave -0 and nan)."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal(shape).astype(np.float32)
    t = rng.integers(0, 5, (shape[0],) + shape[2:] if len(shape) > 1 else ())
    if t.ndim:
        t.flat[1] = -100  # one ignored target
    w = np.array([0.0, 1.0, 2.0, 0.5, 1.5], np.float32) if weighted else None
    for value in (-3.0, float("nan")):
        results = []
        for ns in (nbt, real_torch):
            x = ns.tensor(a, requires_grad=True)
            loss = ns.nn.functional.nll_loss(x, ns.tensor(t), None if w is None else ns.tensor(w), reduction=reduction)
            loss.backward(ns.full(tuple(loss.shape), value))
            results.append(x.grad.numpy())
        ours, theirs = results
        assert np.array_equal(np.isnan(ours), np.isnan(theirs))
        assert np.array_equal(ours, theirs, equal_nan=True)
        finite = ~np.isnan(theirs)
        assert np.array_equal(np.signbit(ours[finite]), np.signbit(theirs[finite]))


@needs_torch
@pytest.mark.parametrize(
    "f",
    [
        lambda ns, x: ns.maximum(x, ns.tensor([2.0, 1.0, 2.0], dtype=ns.float64)),
        lambda ns, x: ns.minimum(x, ns.tensor([2.0, 1.0, 2.0], dtype=ns.float64)),
        lambda ns, x: x.max().expand(3),
        lambda ns, x: x.reshape(1, 3).max(1).values.expand(3),
        lambda ns, x: x.sign() + x.floor() + x.ceil() + x.round(),
        lambda ns, x: (x - x.cumsum(0)).flip(0),
    ],
    ids=["maximum", "minimum", "max", "max_dim", "sign_floor_ceil_round", "cumsum"],
)
def test_a_nan_gradient_reaches_only_the_elements_it_belongs_to(f):
    """PyTorch selects (where, masked_fill, scatter) in these backward rules; multiplying by a 0 would spread nan."""
    results = []
    for ns in (nbt, real_torch):
        x = ns.tensor([1.0, 3.0, 2.0], dtype=ns.float64, requires_grad=True)
        seed = ns.tensor([float("nan"), 1.0, 1.0], dtype=ns.float64)
        (g,) = ns.autograd.grad(f(ns, x), x, grad_outputs=seed, allow_unused=True)
        results.append(np.nan_to_num(g.numpy(), nan=-999.0).tolist())
    assert results[0] == results[1]


@needs_torch
@pytest.mark.parametrize(
    "method, args",
    [("relu_", ()), ("exp_", ()), ("sigmoid_", ()), ("tanh_", ()), ("sin_", ()), ("abs_", ()), ("neg_", ()),
     ("square_", ()), ("pow_", (3,)), ("masked_fill_", None), ("fmod_", (0.7,))],
)
def test_inplace_methods_match_pytorch(method, args):
    results = []
    for ns in (nbt, real_torch):
        a = ns.tensor([0.5, -2.0, 3.0], dtype=ns.float64, requires_grad=True)
        b = a * 1
        out = getattr(b, method)(*(args if args is not None else (b > 1, 0.25)))
        assert out is b
        (b * ns.tensor([1.0, 2.0, 3.0], dtype=ns.float64)).sum().backward()
        results.append((b.tolist(), a.grad.tolist(), type(b.grad_fn).__name__))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]


@needs_torch
@pytest.mark.parametrize("first", ["relu_", "exp_", "sigmoid_"])
def test_writing_over_an_inplace_result_its_node_saved_fails_at_backward(first):
    """exp_ saves its output, which is x itself now: a later write to x must fail at backward, as in PyTorch."""
    messages = []
    for ns in (nbt, real_torch):
        a = ns.tensor([1.0, -2.0, 3.0], requires_grad=True)
        b = a * 1
        getattr(b, first)()
        b.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            b.sum().backward()
        messages.append(str(info.value).split(" Hint")[0])
    assert messages[0] == messages[1]


def test_backward_pauses_the_cyclic_gc_and_restores_it_exactly():
    seen = []
    x = nbt.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: seen.append(gc.isenabled()))
    was = gc.isenabled()
    try:
        gc.enable()
        y.sum().backward(retain_graph=True)
        assert seen == [False] and gc.isenabled()
        gc.disable()  # a user who turned it off keeps it off
        y.sum().backward(retain_graph=True)
        assert seen == [False, False] and not gc.isenabled()
        gc.enable()
        z = x.exp().sum()
        z.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            z.backward()  # a failing backward restores it too
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


@needs_torch
@pytest.mark.parametrize("retain", [False, True])
def test_first_order_autograd_grad_of_leaves_and_non_leaves_matches_pytorch(retain):
    """autograd.grad without create_graph takes the fast backward path: its targets (a leaf, an intermediate that
    is also used further on, an unused one) still get PyTorch's gradients, and no leaf's .grad is touched."""
    results = []
    for ns in (nbt, real_torch):
        x = ns.tensor([0.5, -1.0, 2.0], dtype=ns.float64, requires_grad=True)
        w = ns.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], dtype=ns.float64, requires_grad=True)
        h = ns.tanh(w @ x)
        u = h * h
        out = (u.sum() + h.mean()) * 2.0
        unused = x * 3
        gx, gh, gw, gu, gn = ns.autograd.grad(out, (x, h, w, u, unused), retain_graph=retain, allow_unused=True)
        assert gn is None and x.grad is None and w.grad is None
        results.append([g.detach().numpy().tolist() for g in (gx, gh, gw, gu)])
    np.testing.assert_allclose(np.concatenate([np.ravel(r) for r in results[0]]),
                               np.concatenate([np.ravel(r) for r in results[1]]), rtol=1e-9)
