"""Image ops against PyTorch: F.unfold / F.fold (nn.Unfold / nn.Fold), and F.interpolate, nn.Upsample and
friends: random calls over every mode (values, gradients, node names, strides), the argument errors, the modules.
Where PyTorch 2.13 disagrees with itself (docs/design.md lists the four cases) the engine's forward is checked
against another PyTorch oracle and its gradient against its own forward (the gradient of a linear map is its
adjoint)."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

MODES = {1: ["nearest", "nearest-exact", "linear", "area"],
         2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area", "bilinear+aa", "bicubic+aa", "lanczos"],
         3: ["nearest", "nearest-exact", "trilinear", "area"]}


def random_call(rng: random.Random):
    """(input shape, dtype, F.interpolate's keywords), drawn over modes, sizes, factors and flags."""
    k = rng.choice([1, 2, 2, 3])
    mode = rng.choice(MODES[k])
    kw = {"mode": mode.removesuffix("+aa")}
    if mode.endswith("+aa") or mode == "lanczos":
        kw["antialias"] = True
    shape = [rng.randint(1, 2), rng.randint(1, 5)] + [rng.randint(1, 9 if k < 3 else 5) for _ in range(k)]
    if rng.random() < 0.5:
        kw["size"] = [rng.randint(1, 13 if k < 3 else 6) for _ in range(k)] if rng.random() < 0.8 else rng.randint(1, 7)
    else:
        kw["scale_factor"] = rng.choice([0.25, 1 / 3, 0.5, 0.7, 1.0, 1.3, 1.5, 2.0, 2.1, 2.5, 3.0])
        if rng.random() < 0.3:
            kw["recompute_scale_factor"] = True
    if kw["mode"] in ("linear", "bilinear", "bicubic", "trilinear") and rng.random() < 0.5:
        kw["align_corners"] = True
    return shape, rng.choice([np.float32, np.float64]), kw


def outcome(ns, a, g_seed, **kw):
    """(values, gradient, node name, strides) of interpolate(x, **kw) and of (y * g).sum().backward(), or
    (exception type, first line)."""
    x = ns.tensor(a, requires_grad=True)
    try:
        y = ns.nn.functional.interpolate(x, **kw)
    except Exception as e:  # noqa: BLE001  (the exception is the outcome compared)
        return type(e).__name__, str(e).splitlines()[0]
    g = np.random.default_rng(g_seed).standard_normal(tuple(y.shape)).astype(a.dtype)
    try:
        (y * ns.tensor(g)).sum().backward()
    except RuntimeError as e:
        return "backward raises", str(e).splitlines()[0]
    return y.detach().numpy(), x.grad.numpy(), y.grad_fn.name(), tuple(y.stride()), g


def pytorch_disagrees_with_itself(shape, kw, out_shape):
    """Which part of PyTorch's answer is not its own forward's (docs/design.md), or None."""
    k = len(shape) - 2
    if kw.get("antialias") and out_shape[-1] == 1 and out_shape[-2] != shape[-2]:
        return "forward"  # every row gets the first row's value
    factor = kw.get("scale_factor") if not kw.get("recompute_scale_factor") else None
    if factor is not None and factor != 1.0 and kw.get("antialias") and any(
            o == n for o, n in zip(out_shape[2:], shape[2:])):
        return "backward"  # the forward copies the kept size, the backward filters it
    vectorized = k == 2 and sum(out_shape[2:]) <= 128  # (no channels-last inputs here)
    if kw["mode"] == "nearest" and factor is not None and not vectorized and any(
            (o == n and factor != 1.0) or (o == 2 * n and factor != 2.0) for o, n in zip(out_shape[2:], shape[2:])):
        return "backward"  # the backward takes the vectorized kernel's indices
    if kw["mode"] == "area" and 0 in out_shape:
        return "backward"  # PyTorch's backward raises on the empty output
    return None


def check_adjoint(a, kw, ours):
    """<J v, g> = <v, J^T g>: the gradient is the adjoint of the (linear) forward, on a random direction v."""
    y, grad, _, _, g = ours
    v = np.random.default_rng(1).standard_normal(a.shape).astype(a.dtype)
    jv = nbt.nn.functional.interpolate(nbt.tensor(v), **kw).numpy()
    lhs, rhs = float((jv.astype(np.float64) * g).sum()), float((v.astype(np.float64) * grad).sum())
    assert lhs == pytest.approx(rhs, rel=1e-4, abs=1e-4)


def transposed_oracle(a, kw):
    """PyTorch's forward on the input with H and W swapped, swapped back (its width-1 kernel bug is then H's)."""
    kw = dict(kw)
    for key in ("size", "scale_factor"):
        if isinstance(kw.get(key), list):
            kw[key] = kw[key][::-1]
    y = real_torch.nn.functional.interpolate(real_torch.tensor(a).transpose(-1, -2), **kw)
    return y.transpose(-1, -2).numpy()


@needs_torch
@pytest.mark.parametrize("seed", range(30))
def test_random_calls_match_pytorch(seed):
    rng = random.Random(seed)
    for case in range(20):
        shape, dt, kw = random_call(rng)
        a = np.random.default_rng(100 * seed + case).standard_normal(shape).astype(dt)
        theirs, ours = outcome(real_torch, a, case, **kw), outcome(nbt, a, case, **kw)
        where = (shape, dt.__name__, kw)
        if len(theirs) == 2 or len(ours) == 2:
            if theirs[0] == "backward raises":
                assert len(ours) == 5 and ours[0].size == 0, where
                continue
            assert ours[:2] == theirs[:2], where
            continue
        tol = 2e-5 if dt == np.float32 else 1e-12
        assert ours[0].shape == theirs[0].shape and ours[2:4] == theirs[2:4], where
        odd = pytorch_disagrees_with_itself(shape, kw, ours[0].shape)
        if odd == "forward":
            np.testing.assert_allclose(ours[0], transposed_oracle(a, kw), rtol=tol, atol=tol, err_msg=str(where))
        else:
            np.testing.assert_allclose(ours[0], theirs[0], rtol=tol, atol=tol, err_msg=str(where))
        if odd == "backward":
            check_adjoint(a, kw, ours)
        else:
            np.testing.assert_allclose(ours[1], theirs[1], rtol=10 * tol, atol=10 * tol, err_msg=str(where))


@needs_torch
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "uint8"])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic", "area"])
@pytest.mark.parametrize("layout", ["contiguous_format", "channels_last"])
def test_dtypes_layouts_and_large_outputs(dtype, mode, layout):
    """float16 (computed in float, rounded once), uint8 (the nearest modes), channels-last inputs (channels-last
    outputs) and outputs past the 128 pixels where PyTorch switches kernels."""
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((1, 5, 40, 50)) * 40 + 100).astype(dtype)
    for kw in ({"size": (97, 131)}, {"scale_factor": 1.3}, {"size": (9, 7)}):
        out = []
        for ns in (real_torch, nbt):
            x = ns.tensor(a).contiguous(memory_format=getattr(ns, layout))
            try:
                y = ns.nn.functional.interpolate(x, mode=mode, **kw)
                out.append((y.numpy().astype(np.float64), tuple(y.stride()), str(y.dtype)))
            except Exception as e:  # noqa: BLE001
                out.append((type(e).__name__, str(e)))
        theirs, ours = out
        if dtype == "uint8" and mode in ("bilinear", "bicubic"):  # PyTorch's integer-weight kernels: not built
            assert theirs[2] == "torch.uint8" and ours[0] == "NotImplementedError" and "x.float()" in ours[1]
            continue
        if isinstance(theirs[0], str):
            assert (ours[0], ours[1].splitlines()[0]) == (theirs[0], theirs[1].splitlines()[0])
            continue
        assert ours[1:] == theirs[1:], (mode, kw)
        # rounding relative to the largest value (bicubic's signed weights cancel terms of that size)
        tol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-14, "uint8": 0}[dtype] * np.abs(theirs[0]).max()
        np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=tol)


ERRORS = [
    "F.interpolate(x)",
    "F.interpolate(x, size=(6, 8), scale_factor=2)",
    "F.interpolate(x, size=(6, 8), mode='nearest', align_corners=True)",
    "F.interpolate(x, size=(6, 8), mode='area', align_corners=False)",
    "F.interpolate(x, size=(6, 8), mode='foo')",
    "F.interpolate(x, size=(6, 8), mode='linear')",
    "F.interpolate(x, size=(6, 8, 2), mode='trilinear')",
    "F.interpolate(x, size=6, mode='trilinear')",
    "F.interpolate(x[0, 0], size=(6, 8))",
    "F.interpolate(x[0], size=6, mode='bilinear')",
    "F.interpolate(x, size=(6.0, 8))",
    "F.interpolate(x, size=(6, 8, 3))",
    "F.interpolate(x, scale_factor=(2, 3, 4))",
    "F.interpolate(x, size=(6, 8), recompute_scale_factor=True)",
    "F.interpolate(x, scale_factor=0.1)",
    "F.interpolate(x, scale_factor=-1.5)",
    "F.interpolate(x, size=(0, 3))",
    "F.interpolate(x[..., :1], size=5, mode='linear')",
    "F.interpolate(L.ones(2, 2, 0, 4), size=(6, 8))",
    "F.interpolate(L.ones(1, 0, 3, 4), size=(6, 8))",
    "F.interpolate(L.ones(1, 0, 3), size=6)",
    "F.interpolate(L.ones(1, 1, 3, 0, 4), size=(2, 2, 2))",
    "F.interpolate(x, size=(6, 8), mode='nearest', antialias=True)",
    "F.interpolate(x[0], size=6, mode='linear', antialias=True)",
    "F.interpolate(x, size=(5, 5), mode='lanczos')",
    "F.interpolate(x, size=(5, 5), mode='lanczos', antialias=True, align_corners=True)",
    "F.interpolate(x.half(), size=(5, 5), mode='bilinear', antialias=True)",
    "F.interpolate(x.long(), size=(6, 8))",
    "F.interpolate(x.long(), size=(6, 8), mode='bicubic')",
    "F.interpolate(x[0].long(), size=6, mode='linear')",
    "F.interpolate(x[0].bool(), size=6)",
    "F.interpolate(x.long(), size=(6, 8), mode='area')",
    "F.interpolate(x[None].long(), size=(2, 6, 8), mode='area')",
    "F.interpolate(x.to(L.int8), size=(6, 8), mode='nearest-exact')",
    "F.adaptive_avg_pool2d(x.long(), 2)",
    "F.adaptive_avg_pool3d(x[0], (2, 2))",
    "F.adaptive_avg_pool3d(x[0, 0], 2)",
    "F.adaptive_avg_pool3d(x[None], -1)",
    "F.adaptive_avg_pool2d(x, (2, 2, 2))",
    "F.adaptive_max_pool2d(x, (-1, 2))",
]


@needs_torch
@pytest.mark.parametrize("call", ERRORS)
def test_errors_as_pytorch(call):
    def run(ns):
        scope = {"L": ns, "F": ns.nn.functional, "x": ns.ones(1, 2, 3, 4)}
        try:
            r = eval(call, scope)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]
        return "no error", tuple(r.shape)

    assert run(nbt) == run(real_torch)


@needs_torch
def test_modules_and_deprecated_names():
    a = np.arange(24.0, dtype=np.float32).reshape(1, 2, 3, 4)
    for build in (lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"), lambda nn: nn.Upsample(size=(5, 3)),
                  lambda nn: nn.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True),
                  lambda nn: nn.UpsamplingNearest2d(scale_factor=2), lambda nn: nn.UpsamplingBilinear2d(size=(4, 7)),
                  lambda nn: nn.AdaptiveAvgPool3d((1, 2, 3))):
        ours, theirs = build(nbt.nn), build(real_torch.nn)
        assert repr(ours) == repr(theirs)
        x = a[None] if isinstance(ours, nbt.nn.AdaptiveAvgPool3d) else a
        np.testing.assert_allclose(ours(nbt.tensor(x)).numpy(), theirs(real_torch.tensor(x)).numpy(), rtol=1e-5)
    for name, kw in (("upsample", {"mode": "bilinear"}), ("upsample_nearest", {}), ("upsample_bilinear", {})):
        got = []
        for ns in (nbt, real_torch):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                y = getattr(ns.nn.functional, name)(ns.tensor(a), size=(5, 6), **kw)
            got.append((y.numpy(), [str(w.message) for w in caught]))
        np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-6)
        assert got[0][1] == got[1][1]


def test_bilinear_upsampling_by_two_is_the_textbook_one():
    """The numbers a lesson shows: half-pixel centres blend 3:1 away from the border, the corners are kept."""
    x = nbt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
    y = nbt.nn.functional.interpolate(x, scale_factor=2, mode="bilinear")
    assert y.detach().numpy()[0, 0, 1].tolist() == [1.5, 1.75, 2.25, 2.5]
    assert y.grad_fn.name() == "UpsampleBilinear2DBackward0"
    y.sum().backward()  # each input pixel reaches 4 outputs' worth of weight
    assert x.grad.numpy().ravel().tolist() == [4.0, 4.0, 4.0, 4.0]
    z = nbt.nn.functional.interpolate(x, size=3, mode="bilinear", align_corners=True)
    assert z.detach().numpy()[0, 0].tolist() == [[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]]


@needs_torch
@pytest.mark.parametrize("shape, kw", [
    ((1, 1, 8, 9), {"size": [3, 1], "mode": "bilinear", "antialias": True}),  # (1) width-1 output
    ((1, 2, 6, 2), {"scale_factor": 1.3, "mode": "bicubic", "antialias": True}),  # (2) a kept size, filtered back
    ((1, 1, 2, 7), {"scale_factor": 1.3, "mode": "lanczos", "antialias": True}),
    ((2, 2, 3), {"scale_factor": 1.3}),  # (3) nearest: a kept size, generic forward, vectorized backward
    ((1, 1, 4, 3, 2), {"scale_factor": 2.1}),  # a doubled size
    ((1, 1, 2, 50, 90), {"scale_factor": (1.3, 1, 1)}),
    ((1, 2, 2, 2), {"scale_factor": 0.25, "mode": "area"}),  # (4) an empty output
])
def test_where_pytorch_disagrees_with_itself(shape, kw):
    """The forward is PyTorch's (or, for its width-1 bug, PyTorch's on the transposed input) and the gradient is
    the forward's adjoint."""
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float64)
    ours = outcome(nbt, a, 1, **kw)
    theirs = outcome(real_torch, a, 1, **kw)
    odd = pytorch_disagrees_with_itself(list(shape), {"mode": "nearest", **kw}, ours[0].shape)
    assert odd is not None
    if odd == "forward":
        np.testing.assert_allclose(ours[0], transposed_oracle(a, kw), rtol=1e-12, atol=1e-12)
        assert np.abs(ours[0] - theirs[0]).max() > 0.1  # (PyTorch's own forward is the odd one)
    elif isinstance(theirs[0], str):  # ("backward raises", ...)
        assert ours[0].size == 0 and not ours[1].any()
    else:
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
        assert np.abs(ours[1] - theirs[1]).max() > 0.1  # (PyTorch's gradient is not its forward's adjoint)
    check_adjoint(a, kw, ours)


FOLDS = [
    "F.unfold(x, 2)",
    "F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))",
    "F.unfold(x[0], 2)",
    "F.unfold(x.transpose(2, 3), 2)",
    "F.unfold(x.half(), 2)",
    "F.unfold(x > 0, 2)",
    "F.unfold(L.randn(0, 3, 5, 6), 2)",
    "F.fold(c, (5, 6), 2)",
    "F.fold(c[0], (5, 6), 2)",
    "F.fold(c.half(), (5, 6), 2)",
    "F.fold(c > 0, (5, 6), 2)",
    "F.fold(c[:, :, :12], (7, 6), 2, stride=2, padding=1, dilation=(1, 2))",
    "F.fold(L.randn(0, 12, 20), (5, 6), 2)",
    "F.fold(F.unfold(x, 3, padding=1), (5, 6), 3, padding=1)",
    "F.fold(c.transpose(1, 2).contiguous().transpose(1, 2), (5, 6), 2)",
    "L.nn.Unfold(2, padding=1)(x)",
    "L.nn.Fold((5, 6), 2)(c)",
    "repr(L.nn.Unfold(2, padding=1))",
    "repr(L.nn.Fold((4, 5), 2, stride=2))",
    # the errors, in PyTorch's order of checks
    "F.unfold(x[0, 0], 2)",
    "F.unfold(x[None], 2)",
    "F.unfold(x, 0)",
    "F.unfold(x, 2, stride=0)",
    "F.unfold(x, 2, dilation=0)",
    "F.unfold(x, 2, padding=-1)",
    "F.unfold(x, 2, stride=0, padding=-1)",
    "F.unfold(x, 7)",
    "F.unfold(x, (2, 2, 2))",
    "F.unfold(x, 2, padding=(1, 2, 3))",
    "F.unfold(x.long(), 2)",
    "F.unfold(L.randn(2, 0, 5, 6), 2)",
    "F.fold(c, (4, 7), 2, stride=(1, 2))",
    "F.fold(c, (5, 6), (2, 3))",
    "F.fold(c[0, 0], (5, 6), 2)",
    "F.fold(c, (5, 6), 0)",
    "F.fold(c, 5, 2)",
    "F.fold(c.long(), (5, 6), 2)",
    "F.fold(c, (5, 6), 2, padding=-1)",
    "F.fold(c, (5, 6), 2, stride=0, dilation=0)",
    "F.fold(L.randn(2, 12, 0), (1, 1), 2)",
    "F.fold(c, (1, 1), 2)",
    "F.fold(L.randn(2, 13, 20), (5, 6), 2)",
    "F.fold(c, (5, 6, 2), 2)",
    "F.fold(L.randn(2, 0, 20), (5, 6), 2)",
    "F.fold(c, (0, 6), 2)",
]


@needs_torch
@pytest.mark.parametrize("call", FOLDS)
def test_unfold_and_fold_as_pytorch(call):
    """Values, dtype, strides, node name and both inputs' gradients, or the exception and its first line."""
    def run(ns):
        x = ns.tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 6)).astype(np.float32), requires_grad=True)
        c = ns.tensor(np.random.default_rng(1).standard_normal((2, 12, 20)).astype(np.float32), requires_grad=True)
        try:
            y = eval(call, {"F": ns.nn.functional, "x": x, "c": c, "L": ns})
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e).splitlines()[0]
        if isinstance(y, str):
            return y
        grads = None
        if y.requires_grad:
            g = np.random.default_rng(2).standard_normal(tuple(y.shape)).astype(np.float32)
            (y.float() * ns.tensor(g)).sum().backward()
            grads = [None if t.grad is None else t.grad.numpy().round(5).tolist() for t in (x, c)]
        return (tuple(y.shape), str(y.dtype), y.detach().float().numpy().round(5).tolist(), y.stride(),
                y.grad_fn.name() if y.grad_fn else None, grads)

    assert run(nbt) == run(real_torch)


PAD_MODULES = ["nn.ConstantPad3d(1, 2.)", "nn.ZeroPad3d((1, 2, 1, 0, 2, 1))", "nn.ReflectionPad3d(1)",
               "nn.ReplicationPad3d(2)", "nn.CircularPad1d(1)", "nn.CircularPad2d((1, 0, 2, 1))", "nn.CircularPad3d(1)",
               "nn.AdaptiveMaxPool3d((2, None, 3))"]


@needs_torch
@pytest.mark.parametrize("build", PAD_MODULES)
def test_padding_and_pooling_modules_as_pytorch(build):
    a = np.random.default_rng(0).standard_normal((1, 2, 3, 4, 5)).astype(np.float32)
    a = a[0, 0] if "1d" in build else a[0] if "2d" in build else a
    results = []
    for ns in (real_torch, nbt):
        m, x = eval(build, {"nn": ns.nn}), ns.tensor(a, requires_grad=True)
        y = m(x)
        (y * y).sum().backward()
        results.append((repr(m), y.grad_fn.name(), y.detach().numpy(), x.grad.numpy()))
    (t_repr, t_node, t_y, t_g), (o_repr, o_node, o_y, o_g) = results
    assert (o_repr, o_node) == (t_repr, t_node)
    np.testing.assert_allclose(o_y, t_y, rtol=1e-6)
    np.testing.assert_allclose(o_g, t_g, rtol=1e-5, atol=1e-5)
