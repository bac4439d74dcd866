"""F.affine_grid and F.grid_sample against PyTorch: every mode, padding mode and align_corners in 2-d and 3-d
(values, the input's and the grid's gradients, node names), PyTorch's refusals, and the spatial transformer
tutorial's training step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch

CASES = [(k, mode, pad, ac) for k in (2, 3) for mode in (("bilinear", "nearest", "bicubic") if k == 2 else
                                                           ("bilinear", "nearest"))
         for pad in ("zeros", "border", "reflection") for ac in (False, True)]


@pytest.mark.parametrize("k, mode, padding, align_corners", CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_grid_sample_as_pytorch(k, mode, padding, align_corners, dtype):
    rng = np.random.default_rng(len(mode) * 7 + len(padding) + k + align_corners)
    spatial, out = ((4, 5), (3, 2)) if k == 2 else ((3, 4, 5), (2, 3, 2))
    x = rng.standard_normal((2, 3) + spatial).astype(dtype)
    grid = rng.uniform(-1.4, 1.4, (2,) + out + (k,)).astype(dtype)  # some points outside the image
    w = rng.standard_normal((2, 3) + out).astype(dtype)
    seen = []
    for ns in (nbt, real_torch):
        xt, gt = ns.tensor(x, requires_grad=True), ns.tensor(grid, requires_grad=True)
        y = ns.nn.functional.grid_sample(xt, gt, mode=mode, padding_mode=padding, align_corners=align_corners)
        (y * ns.tensor(w)).sum().backward()
        seen.append((y.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), y.grad_fn.name(), str(y.dtype)))
    tol = 1e-10 if dtype == "float64" else 2e-5
    assert seen[0][3:] == seen[1][3:]
    for ours, theirs in zip(seen[0][:3], seen[1][:3]):
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


@pytest.mark.parametrize("size, theta_shape", [((2, 3, 4, 5), (2, 2, 3)), ((2, 3, 2, 4, 5), (2, 3, 4)),
                                               ((1, 1, 1, 3), (1, 2, 3))])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_as_pytorch(size, theta_shape, align_corners):
    theta = np.random.default_rng(1).standard_normal(theta_shape)
    seen = []
    for ns in (nbt, real_torch):
        t = ns.tensor(theta, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (a unit-size grid with align_corners=True warns, on both)
            grid = ns.nn.functional.affine_grid(t, size, align_corners=align_corners)
        (grid * ns.arange(float(grid.numel())).view(grid.shape)).sum().backward()
        seen.append((grid.detach().numpy(), t.grad.numpy(), grid.grad_fn.name()))
    np.testing.assert_allclose(seen[0][0], seen[1][0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(seen[0][1], seen[1][1], rtol=1e-12, atol=1e-12)
    assert seen[0][2] == seen[1][2]


REFUSALS = [
    "F.grid_sample(L.ones(1, 1, 3, 3), L.ones(1, 2, 2, 2).double())",
    "F.grid_sample(L.ones(1, 1, 3, 3), L.ones(2, 2, 2, 2))", "F.grid_sample(L.ones(1, 1, 3, 3), L.ones(1, 2, 2, 3))",
    "F.grid_sample(L.ones(1, 1, 3, 3, 3), L.ones(1, 2, 2, 2, 3), mode='bicubic')",
    "F.grid_sample(L.ones(1, 1, 3, 3), L.ones(1, 2, 2, 2), mode='cubic')",
    "F.grid_sample(L.ones(1, 1, 3, 3), L.ones(1, 2, 2, 2), padding_mode='wrap')",
    "F.grid_sample(L.ones(1, 3, 3), L.ones(1, 2, 2))", "F.grid_sample(L.ones(1, 1, 3, 3), L.ones(1, 2, 2))",
    "F.grid_sample(L.ones(1, 1, 0, 3), L.ones(1, 2, 2, 2))",
    "F.grid_sample(L.ones(1, 1, 3, 3, dtype=L.long), L.ones(1, 2, 2, 2, dtype=L.long))",
    "F.affine_grid(L.ones(1, 2, 3), (1, 1, 2, 2, 2))", "F.affine_grid(L.ones(1, 2, 3, dtype=L.long), (1, 1, 2, 2))",
    "F.affine_grid(L.ones(1, 2, 3), (1, 1, 2))", "F.affine_grid(L.ones(1, 2, 3), (1, 1, 0, 2))",
    "F.affine_grid(L.ones(2, 2, 3), (1, 1, 2, 2))", "F.affine_grid(L.ones(1, 2, 3), L.Size([1, 1, 2]))",
]


@pytest.mark.parametrize("call", REFUSALS)
def test_refusals_as_pytorch(call):
    seen = []
    for ns in (nbt, real_torch):
        with pytest.raises(Exception) as info:
            eval(call, {"L": ns, "F": ns.nn.functional})  # noqa: S307  (the test's own calls)
        seen.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert seen[0] == seen[1]


def test_default_align_corners_warns_as_pytorch():
    for ns in (nbt, real_torch):
        with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
            grid = ns.nn.functional.affine_grid(ns.eye(2, 3).unsqueeze(0), (1, 1, 2, 2))
        with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
            ns.nn.functional.grid_sample(ns.ones(1, 1, 2, 2), grid)


def test_the_samplers_backward_has_no_derivative():
    """PyTorch 2.13 differentiates the 2-d sampler's backward again; the own engine refuses (its error), and a
    first-order gradient with create_graph=True is still right."""
    x = nbt.ones(1, 1, 3, 3, requires_grad=True, dtype=nbt.float64)
    g = nbt.zeros(1, 2, 2, 2, requires_grad=True, dtype=nbt.float64)
    out = nbt.nn.functional.grid_sample(x, g, align_corners=False)
    gx, gg = nbt.autograd.grad(out.sum(), (x, g), create_graph=True)
    assert gx.sum().item() == pytest.approx(4.0)
    with pytest.raises(RuntimeError, match="derivative for aten::grid_sampler_2d_backward is not implemented"):
        nbt.autograd.grad(gg.sum(), x)


def _spatial_transformer_step(ns, weights, images):
    """The spatial transformer tutorial's model in small: a localisation net regresses theta (initialised to the
    identity), the image is resampled, a classifier runs on it; one SGD step."""
    nn, F = ns.nn, ns.nn.functional

    class STN(nn.Module):
        def __init__(self):
            super().__init__()
            self.localization = nn.Sequential(nn.Conv2d(1, 4, kernel_size=3), nn.MaxPool2d(2), nn.ReLU(True))
            self.fc_loc = nn.Sequential(nn.Linear(4 * 3 * 3, 8), nn.ReLU(True), nn.Linear(8, 3 * 2))
            self.fc = nn.Linear(8 * 8, 3)

        def stn(self, x):
            xs = self.localization(x).view(-1, 4 * 3 * 3)
            theta = self.fc_loc(xs).view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size(), align_corners=False)
            return F.grid_sample(x, grid, align_corners=False)

        def forward(self, x):
            return F.log_softmax(self.fc(self.stn(x).view(-1, 64)), dim=1)

    model = STN()
    with ns.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(ns.tensor(w))
        model.fc_loc[2].weight.zero_()
        model.fc_loc[2].bias.copy_(ns.tensor([1., 0, 0, 0, 1, 0]))
    opt = ns.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = F.nll_loss(model(ns.tensor(images)), ns.tensor([0, 2, 1, 1]))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


def test_spatial_transformer_tutorial_trains_as_pytorch():
    rng = np.random.default_rng(0)
    real_torch.manual_seed(0)
    shapes = [p.shape for p in (real_torch.nn.Conv2d(1, 4, 3).weight, real_torch.nn.Conv2d(1, 4, 3).bias)]
    shapes += [(8, 36), (8,), (6, 8), (6,), (3, 64), (3,)]
    weights = [(rng.standard_normal(s) * 0.3).astype(np.float32) for s in shapes]
    images = rng.standard_normal((4, 1, 8, 8)).astype(np.float32)
    ours, theirs = (_spatial_transformer_step(ns, weights, images) for ns in (nbt, real_torch))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
