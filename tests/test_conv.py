"""Convolution and pooling against PyTorch: F.conv1d/2d/3d and conv_transpose1d/2d (stride, padding incl. 'same' and
'valid', dilation, groups, output_padding), max/avg pooling and their adaptive forms, in float32 and float64; the
gradients of input, weight and bias (also against float64 finite differences) and second order; the grad_fn graph
(1-d pooling as unsqueeze, 2-d pooling, squeeze); the modules' init, repr and state_dict; PyTorch's refusals; a
d2l LeNet trained three SGD steps from the same weights on both engines."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch


def chain(fn, depth: int = 8):
    """The grad_fn graph as nested (name, children) tuples."""
    if fn is None or depth == 0:
        return None
    return (type(fn).__name__, tuple(chain(f, depth - 1) for f, _ in fn.next_functions if f is not None))


def run(ns, expr, arrays, create_graph=False):
    xs = [ns.tensor(a, requires_grad=True) for a in arrays]
    env = {"F": ns.nn.functional, "torch": ns}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = eval(expr, env, {f"x{i}": x for i, x in enumerate(xs)})
    v = ns.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(arrays[0].dtype))
    grads = ns.autograd.grad(out, xs, grad_outputs=v, allow_unused=True, create_graph=create_graph)
    return out, grads, xs


def check(expr, shapes, dtype=np.float64, second=False):
    """Values, every input's gradient, dtype, shape and grad_fn graph as PyTorch's (second order with ``second``)."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    (o, og, ox), (t, tg, tx) = run(nbt, expr, arrays, second), run(real_torch, expr, arrays, second)
    assert str(o.dtype) == str(t.dtype) and tuple(o.shape) == tuple(t.shape), (o.dtype, t.dtype, o.shape, t.shape)
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), **tol)
    for a, b in zip(og, tg):
        assert (a is None) == (b is None)
        if a is not None:
            assert str(a.dtype) == str(b.dtype)
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
    assert chain(o.grad_fn) == chain(t.grad_fn)
    if second:
        results = []
        for grads, xs, ns in ((og, ox, nbt), (tg, tx, real_torch)):
            total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
            if not isinstance(total, ns.Tensor) or not total.requires_grad:
                results.append(None)
                continue
            results.append([None if g is None else g.numpy() for g in ns.autograd.grad(total, xs, allow_unused=True)])
        if None in results:  # linear in the input: the other side's second derivative is zero too
            other = [r for r in results if r is not None]
            assert not other or not any(np.any(g) for g in other[0] if g is not None)
        else:
            for a, b in zip(*results):
                np.testing.assert_allclose(0 if a is None else a, 0 if b is None else b, rtol=1e-9, atol=1e-10)


CONV = [
    ("F.conv2d(x0, x1, x2)", [(2, 3, 7, 6), (4, 3, 3, 2), (4,)]),
    ("F.conv2d(x0, x1, x2, stride=2, padding=(1, 2), dilation=(2, 1))", [(2, 3, 9, 8), (4, 3, 3, 2), (4,)]),
    ("F.conv2d(x0, x1, x2, stride=(1, 2), padding=1, groups=2)", [(2, 4, 7, 6), (6, 2, 3, 3), (6,)]),
    ("F.conv2d(x0, x1, padding='same', dilation=2)", [(2, 3, 7, 6), (4, 3, 3, 3)]),
    ("F.conv2d(x0, x1, x2, padding='same')", [(1, 2, 6, 5), (3, 2, 2, 4), (3,)]),  # even: a ConstantPadNd first
    ("F.conv2d(x0, x1, padding='valid')", [(2, 3, 5, 5), (4, 3, 3, 3)]),
    ("F.conv2d(x0, x1, x2, padding=1)", [(3, 6, 5), (4, 3, 3, 3), (4,)]),  # unbatched: unsqueeze, conv, squeeze
    ("F.conv2d(x0, x1, groups=3)", [(2, 3, 6, 6), (6, 1, 3, 3)]),  # depthwise
    ("F.conv1d(x0, x1, x2, stride=3, padding=2, dilation=2)", [(2, 3, 11), (4, 3, 3), (4,)]),
    ("F.conv1d(x0, x1, padding='same')", [(2, 3, 11), (4, 3, 4)]),
    ("F.conv1d(x0, x1, groups=2)", [(4, 9), (2, 2, 3)]),
    ("F.conv_transpose2d(x0, x1, x2, stride=2, padding=1, output_padding=1)", [(2, 4, 4, 3), (4, 3, 3, 3), (3,)]),
    ("F.conv_transpose2d(x0, x1, x2, stride=(2, 1), padding=(0, 1), output_padding=1, groups=2, dilation=2)",
     [(2, 4, 4, 3), (4, 3, 3, 2), (6,)]),
    ("F.conv_transpose2d(x0, x1)", [(3, 4, 4), (3, 2, 2, 2)]),
    ("F.conv_transpose1d(x0, x1, x2, stride=3, padding=1)", [(2, 3, 5), (3, 2, 4), (2,)]),
    ("F.conv_transpose1d(x0, x1, stride=2, groups=3, dilation=2, output_padding=1)", [(2, 3, 5), (3, 1, 3)]),
    ("F.conv3d(x0, x1, x2, stride=2, padding=1)", [(2, 3, 5, 4, 5), (2, 3, 3, 2, 3), (2,)]),
]

POOL = [
    "F.max_pool2d(x0, 2)",
    "F.max_pool2d(x0, 3, 2, 1, dilation=(1, 2), ceil_mode=True)",
    "F.max_pool2d(x0, (2, 3), (1, 2))",
    "F.max_pool2d(x0, 2, 2, 1, ceil_mode=True)",  # the last window would start in the padding: dropped
    "F.avg_pool2d(x0, 2, 2, 1, ceil_mode=True)",
    "F.max_pool2d(x0, 3, 2, 1, return_indices=True)[0]",
    "F.max_pool1d(x0.flatten(2), 3, 2, 1, ceil_mode=True)",
    "F.max_pool1d(x0.flatten(2), 4, dilation=2, return_indices=True)[0]",
    "F.avg_pool2d(x0, 2)",
    "F.avg_pool2d(x0, 3, 2, 1, ceil_mode=True)",
    "F.avg_pool2d(x0, 3, 2, 1, ceil_mode=True, count_include_pad=False)",
    "F.avg_pool2d(x0, (3, 2), 2, (1, 0), divisor_override=5)",
    "F.avg_pool1d(x0.flatten(2), 3, 2, 1, ceil_mode=True, count_include_pad=False)",
    "F.adaptive_avg_pool2d(x0, (3, 4))",
    "F.adaptive_avg_pool2d(x0, (None, 4))",
    "F.adaptive_avg_pool2d(x0, 1)",  # PyTorch: a mean over the last two dimensions
    "F.adaptive_avg_pool1d(x0.flatten(2), 5)",
    "F.adaptive_max_pool2d(x0, (3, 4))",
    "F.adaptive_max_pool2d(x0, 2, return_indices=True)[0]",
    "F.adaptive_max_pool1d(x0.flatten(2), 5)",
    "F.max_pool3d(x0.unsqueeze(0), 2, 1, 1)",
    "F.avg_pool3d(x0.unsqueeze(0), 2, 1, 1)",
]


@pytest.mark.parametrize("expr, shapes", CONV, ids=[e for e, _ in CONV])
def test_convolution_matches_pytorch_to_second_order(expr, shapes):
    check(expr, shapes, np.float64, second=True)
    check(expr, shapes, np.float32)


@pytest.mark.parametrize("expr", POOL)
@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (3, 6, 7)], ids=["batched", "unbatched"])
def test_pooling_matches_pytorch(expr, shape):
    check(expr, [shape], np.float64, second=True)
    check(expr, [shape], np.float32)


@pytest.mark.parametrize("expr, shapes", [
    ("F.conv2d(x0, x1, x2, stride=2, padding=1, groups=2)", [(2, 4, 5, 4), (2, 2, 3, 2), (2,)]),
    ("F.conv_transpose2d(x0, x1, x2, stride=2, padding=1, output_padding=1)", [(1, 2, 3, 2), (2, 2, 2, 3), (2,)]),
    ("F.conv1d(x0, x1, padding='same', dilation=2)", [(2, 2, 6), (3, 2, 3)]),
    ("F.max_pool2d(x0, 3, 2, 1, ceil_mode=True)", [(1, 2, 5, 6)]),
    ("F.avg_pool2d(x0, 3, 2, 1, ceil_mode=True, count_include_pad=False)", [(1, 2, 5, 6)]),
    ("F.adaptive_max_pool2d(x0, (2, 4))", [(1, 2, 5, 6)]),
])
def test_gradients_match_finite_differences(expr, shapes):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in shapes]
    out, grads, _ = run(nbt, expr, arrays)
    v = np.random.default_rng(1).standard_normal(tuple(out.shape))
    env = {"F": nbt.nn.functional, "torch": nbt}

    def f(*arrs):
        with nbt.no_grad():
            return eval(expr, env, {f"x{i}": nbt.tensor(a) for i, a in enumerate(arrs)}).numpy()

    for i, (a, g) in enumerate(zip(arrays, grads)):
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus, minus = [b.copy() for b in arrays], [b.copy() for b in arrays]
            plus[i][idx] += 1e-6
            minus[i][idx] -= 1e-6
            num[idx] = np.sum((f(*plus) - f(*minus)) * v) / 2e-6
        np.testing.assert_allclose(g.numpy(), num, rtol=1e-6, atol=1e-8)


def test_return_indices_and_ties_nan_and_inf_as_pytorch():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 9))
    x[0, 0, :3, :3] = np.nan
    x[1, 1] = -np.inf
    x[0, 1, :2, :2] = 1.0
    for expr in ["F.max_pool2d(x, 3, 2, 1, return_indices=True)", "F.adaptive_max_pool2d(x, (3, 4), True)",
                 "F.max_pool1d(x[0], 3, 2, 1, return_indices=True)", "F.adaptive_max_pool1d(x[1], 4, True)",
                 "F.max_pool2d(x, 2, dilation=2, padding=1, return_indices=True)"]:
        (o, oi), (t, ti) = [eval(expr, {"F": ns.nn.functional, "x": ns.tensor(x)}) for ns in (nbt, real_torch)]
        np.testing.assert_array_equal(oi.numpy(), ti.numpy())
        assert oi.dtype == nbt.int64
        np.testing.assert_array_equal(o.numpy(), t.numpy())


MODULES = [
    "nn.Conv2d(1, 6, 5, padding=2)", "nn.Conv2d(1, 6, 5)", "nn.Conv2d(6, 16, (3, 5), stride=2, bias=False)",
    "nn.Conv2d(4, 8, 3, dilation=2, groups=2, padding_mode='reflect', padding=1)", "nn.Conv1d(3, 4, 3)",
    "nn.Conv1d(3, 4, 3, padding='same', padding_mode='replicate')", "nn.Conv2d(3, 4, 3, padding='valid')",
    "nn.Conv2d(3, 4, 3, bias=False, padding_mode='circular', padding=(1, 2))",
    "nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1)", "nn.ConvTranspose1d(3, 4, 3, groups=1, dilation=2)",
    "nn.ConvTranspose2d(4, 6, (2, 3), padding=1, groups=2, bias=False)",
]
POOL_MODULES = [
    "nn.MaxPool2d(2)", "nn.MaxPool2d(3, 2, 1, ceil_mode=True)", "nn.MaxPool1d(2)", "nn.AvgPool2d(2)",
    "nn.AvgPool2d(2, 2)", "nn.AvgPool1d(3, 2, 1, count_include_pad=False)",
    "nn.AvgPool2d(3, ceil_mode=True, divisor_override=2)", "nn.AdaptiveAvgPool2d((1, 1))", "nn.AdaptiveAvgPool2d(3)",
    "nn.AdaptiveAvgPool2d((None, 3))", "nn.AdaptiveAvgPool1d(3)", "nn.AdaptiveMaxPool2d(3)",
    "nn.AdaptiveMaxPool1d(3, return_indices=True)", "nn.MaxPool2d(2, return_indices=True, dilation=2)",
    "nn.PixelUnshuffle(1)",
]


@pytest.mark.parametrize("expr", MODULES)
def test_conv_modules_repr_state_dict_init_and_forward_as_pytorch(expr):
    o, t = eval(expr, {"nn": nbt.nn}), eval(expr, {"nn": real_torch.nn})
    assert repr(o) == repr(t)
    assert list(o.state_dict()) == list(t.state_dict())
    assert [tuple(p.shape) for p in o.parameters()] == [tuple(p.shape) for p in t.parameters()]
    fan_in = t.weight.shape[1] * int(np.prod(t.weight.shape[2:]))
    w = o.weight.detach().numpy()
    assert np.abs(w).max() <= 1 / np.sqrt(fan_in) and np.abs(w).max() > 0.5 / np.sqrt(fan_in)  # kaiming(a=√5)
    o.load_state_dict({k: nbt.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, t.in_channels) + (7,) * (t.weight.ndim - 2)).astype(np.float32)
    np.testing.assert_allclose(o(nbt.tensor(x)).detach().numpy(), t(real_torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("expr", POOL_MODULES)
def test_pool_modules_repr_and_forward_as_pytorch(expr):
    o, t = eval(expr, {"nn": nbt.nn}), eval(expr, {"nn": real_torch.nn})
    assert repr(o) == repr(t)
    assert list(o.state_dict()) == list(t.state_dict()) == []
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8)[:3 if "1d" in expr else 4]).astype(np.float32)
    a, b = o(nbt.tensor(x)), t(real_torch.tensor(x))
    a, b = (a[0], b[0]) if isinstance(b, tuple) else (a, b)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_conv_transpose_output_size_as_pytorch():
    t = real_torch.nn.ConvTranspose2d(3, 4, 3, stride=2)
    o = nbt.nn.ConvTranspose2d(3, 4, 3, stride=2)
    o.load_state_dict({k: nbt.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 3, 5, 5)).astype(np.float32)
    a, b = o(nbt.tensor(x), output_size=[1, 4, 12, 12]), t(real_torch.tensor(x), output_size=[1, 4, 12, 12])
    assert tuple(a.shape) == tuple(b.shape) == (1, 4, 12, 12)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    for m, ns in ((o, nbt), (t, real_torch)):
        with pytest.raises(ValueError, match=r"requested an output size of \[14, 14\], but valid sizes range from"):
            m(ns.tensor(x), output_size=[14, 14])


MISUSE = [
    ("F.conv2d(x, torch.ones(4, 2, 3, 3))", RuntimeError),  # wrong channels
    ("nn.Conv2d(2, 4, 3)(x)", RuntimeError),
    ("F.conv2d(torch.ones(1, 3, 2, 2), torch.ones(4, 3, 3, 3))", RuntimeError),  # input smaller than the kernel
    ("F.conv2d(x, torch.ones(4, 3, 3))", RuntimeError),
    ("F.conv2d(torch.ones(3, 8), torch.ones(4, 3, 3, 3))", RuntimeError),
    ("F.conv1d(x, torch.ones(4, 3, 3))", RuntimeError),
    ("F.conv2d(x, torch.ones(4, 3, 3, 3), padding='full')", RuntimeError),
    ("F.conv2d(x, torch.ones(4, 3, 3, 3), padding=-1)", RuntimeError),
    ("F.conv2d(x, torch.ones(4, 3, 3, 3), padding='same', stride=2)", RuntimeError),
    ("F.conv2d(x, torch.ones(4, 1, 3, 3), groups=2)", RuntimeError),
    ("F.conv2d(torch.ones(2, 4, 8, 8), torch.ones(3, 2, 3, 3), groups=2)", RuntimeError),
    ("F.conv2d(x, torch.ones(4, 3, 3, 3), stride=0)", RuntimeError),
    ("F.conv2d(x, torch.ones(4, 3, 3, 3), torch.ones(3))", RuntimeError),
    ("F.conv2d(x, torch.ones(4, 3, 3, 3, dtype=torch.float64))", RuntimeError),
    ("F.conv2d(x, torch.ones(4, 3, 3, 3), stride=(1, 1, 1))", RuntimeError),
    ("nn.Conv2d(3, 4, 3, groups=2)", ValueError),
    ("nn.Conv2d(4, 3, 3, groups=2)", ValueError),
    ("nn.Conv2d(4, 3, 3, padding_mode='foo')", ValueError),
    ("nn.Conv2d(4, 3, 3, padding='same', stride=2)", ValueError),
    ("F.conv_transpose2d(x, torch.ones(3, 4, 3, 3), output_padding=1)", RuntimeError),
    ("F.conv_transpose2d(x, torch.ones(4, 4, 3, 3))", RuntimeError),
    ("F.conv_transpose2d(x, torch.ones(3, 4, 3, 3), padding='same')", TypeError),
    ("F.conv_transpose2d(torch.ones(1, 3, 1, 1), torch.ones(3, 4, 3, 3), padding=3)", RuntimeError),
    ("F.max_pool2d(torch.ones(1, 1, 1, 1), 2)", RuntimeError),  # too small
    ("F.max_pool2d(x, 2, padding=2)", RuntimeError),
    ("F.max_pool2d(torch.ones(8, 8), 2)", RuntimeError),
    ("F.max_pool2d(x, 2, 0)", RuntimeError),
    ("F.max_pool2d(x, -1)", RuntimeError),
    ("F.max_pool2d(x, 2, dilation=0)", RuntimeError),
    ("F.max_pool1d(torch.ones(8), 2)", RuntimeError),
    ("F.max_pool1d(torch.ones(1, 1, 1), 2)", RuntimeError),
    ("F.max_pool1d(torch.ones(1, 1, 8), 2, padding=2)", RuntimeError),
    ("F.avg_pool2d(x, 2, padding=2)", RuntimeError),
    ("F.avg_pool2d(torch.ones(1, 1, 1, 1), 2)", RuntimeError),
    ("F.avg_pool1d(torch.ones(1, 1, 1), 2)", RuntimeError),
    ("F.avg_pool1d(torch.ones(8), 2)", RuntimeError),
    ("F.avg_pool2d(x, 2, divisor_override=0)", RuntimeError),
    ("F.adaptive_avg_pool2d(torch.ones(8, 8), 2)", RuntimeError),
    ("F.adaptive_avg_pool2d(x, -1)", RuntimeError),
    ("F.adaptive_max_pool2d(torch.ones(8, 8), 2)", RuntimeError),
    ("F.adaptive_avg_pool1d(torch.ones(8), 2)", RuntimeError),
    ("F.pixel_shuffle(torch.ones(4, 4), 2)", RuntimeError),
    ("F.pixel_shuffle(torch.ones(1, 5, 2, 2), 2)", RuntimeError),
    ("F.pixel_shuffle(x, 0)", RuntimeError),
    ("F.pixel_unshuffle(torch.ones(1, 1, 3, 4), 2)", RuntimeError),
    ("F.pixel_unshuffle(torch.ones(1, 1, 4, 3), 2)", RuntimeError),
]


@pytest.mark.parametrize("expr, error", MISUSE)
def test_misuse_is_refused_as_pytorch(expr, error):
    messages = []
    for ns in (nbt, real_torch):
        env = {"F": ns.nn.functional, "nn": ns.nn, "torch": ns, "x": ns.ones(2, 3, 8, 8)}
        with pytest.raises(error) as info:
            eval(expr, env)
        # (a Python set in the text, {'zeros', ...}, is in hash order: compared as a set)
        first = str(info.value).split("\n")[0]
        messages.append(re.sub(r"\{([^}]*)\}", lambda m: str(sorted(m.group(1).split(", "))), first))
    assert messages[0] == messages[1]


def test_same_padding_with_an_even_kernel_warns_as_pytorch():
    """(PyTorch warns once per process: its text is checked in the op's code, the warning here.)"""
    with pytest.warns(UserWarning, match="Using padding='same' with even kernel lengths and odd dilation may require"):
        nbt.nn.functional.conv1d(nbt.ones(1, 1, 5), nbt.ones(1, 1, 2), padding="same")


def test_pixel_shuffle_matches_pytorch_and_inverts():
    check("F.pixel_shuffle(x0, 2)", [(2, 8, 3, 2)], np.float64, second=True)
    check("F.pixel_shuffle(x0, 3)", [(9, 2, 2)], np.float32)
    check("F.pixel_unshuffle(x0, 2)", [(2, 3, 4, 6)], np.float64, second=True)
    check("F.pixel_unshuffle(x0, 1)", [(3, 4, 6)], np.float32)
    x = nbt.randn(2, 3, 4, 6)
    np.testing.assert_array_equal(nbt.nn.functional.pixel_shuffle(nbt.nn.functional.pixel_unshuffle(x, 2), 2).numpy(),
                                  x.numpy())
    assert repr(nbt.nn.PixelShuffle(3)) == repr(real_torch.nn.PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    assert repr(nbt.nn.PixelUnshuffle(2)) == "PixelUnshuffle(downscale_factor=2)"


def _lenet(nn):
    """d2l's LeNet (Sigmoid and average pooling)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def test_lenet_trains_as_in_pytorch():
    real_torch.manual_seed(0)
    theirs = _lenet(real_torch.nn)
    ours = _lenet(nbt.nn)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: nbt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    losses = []
    for ns, net in ((nbt, ours), (real_torch, theirs)):
        opt = ns.optim.SGD(net.parameters(), lr=0.9)
        run_losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = ns.nn.functional.cross_entropy(net(ns.tensor(x)), ns.tensor(y))
            loss.backward()
            opt.step()
            run_losses.append(loss.item())
        losses.append(run_losses)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("pool", [
    lambda F, x: F.avg_pool2d(x, 2),
    lambda F, x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    lambda F, x: F.avg_pool2d(x, 2, ceil_mode=True, divisor_override=3),
    lambda F, x: F.adaptive_avg_pool2d(x, (2, 4)),
    lambda F, x: F.avg_pool1d(x.reshape(2, 3, 30), 4),
    lambda F, x: F.avg_pool3d(x.reshape(2, 1, 3, 5, 6), 2),
], ids=["avg2d", "avg2d_pad", "avg2d_ceil_divisor", "adaptive2d", "avg1d", "avg3d"])
def test_an_inf_or_nan_reaches_only_the_pooling_windows_that_hold_it(pool):
    """The linear pools run as matrix products; an inf or nan (in the input, or in the gradient) must not reach
    the other windows as inf * 0 = nan, forward or backward (PyTorch sums each window)."""
    results = []
    for ns in (nbt, real_torch):
        x = ns.zeros(2, 3, 5, 6, dtype=ns.float64)
        x[0, 0, 0, 0], x[1, 2, 3, 4], x[0, 1, 4, 5], x[0, 1, 2, 2] = float("inf"), float("nan"), -float("inf"), 7.0
        x.requires_grad_(True)
        y = pool(ns.nn.functional, x)
        g = ns.ones_like(y)
        g.view(-1)[3] = float("inf")
        y.backward(g)
        results.append((y.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*results):
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)) and np.array_equal(np.isinf(ours), np.isinf(theirs))
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
