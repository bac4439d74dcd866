"""Spatial transformers: ``F.affine_grid`` (a sampling grid from a batch of affine matrices) and ``F.grid_sample``
(the input read at the grid's points: bilinear, nearest or bicubic; zeros, border or reflection outside).

Both are rows with PyTorch's nodes (AffineGridGeneratorBackward0, GridSampler2DBackward0/3DBackward0). The sampler
is written as PyTorch's CPU kernels compute it: coordinates unnormalised from [-1, 1] (``align_corners`` says whether
-1 and 1 are the corner pixels' centres or their outer edges), folded in by the padding mode, and each output is a
weighted sum of the taps around its point. Its backward scatters the gradient into the taps and differentiates the
weights by the coordinates; PyTorch has no derivative of that backward, and neither has this one (the same error).

>>> theta = torch.tensor([[[1., 0., 0.], [0., 1., 0.]]])
>>> grid = F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)
>>> F.grid_sample(torch.arange(4.).view(1, 1, 2, 2), grid, align_corners=False)
tensor([[[[0., 1.],
          [2., 3.]]]])
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from ..tensor import Tensor, make
from ._util import shape_str
from .elementwise import no_derivative_op
from .registry import apply, defop, public

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


# ============================================================== affine_grid
def _steps(n: int, align_corners: bool, dtype) -> np.ndarray:
    """PyTorch's linspace_from_neg_one: n points in [-1, 1], pulled in to the pixel centres without align_corners."""
    if n <= 1:
        return np.zeros(1, dtype)
    r = np.linspace(-1, 1, n, dtype=np.float64).astype(dtype)
    return r if align_corners else r * (n - 1) / dtype.type(n)


def _base_grid(size, align_corners: bool, dtype) -> np.ndarray:
    """(N, [D,] H, W, k + 1): x along W, y along H (and z along D), then 1."""
    spatial = tuple(size[2:])
    k = len(spatial)
    base = np.empty((size[0],) + spatial + (k + 1,), dtype)
    for c in range(k):  # component c runs along the spatial dim k - 1 - c
        shape = [1] * k
        shape[k - 1 - c] = spatial[k - 1 - c]
        base[..., c] = _steps(spatial[k - 1 - c], align_corners, dtype).reshape(shape)
    base[..., k] = 1
    return base


def _affine_grid_fwd(theta, *, size, align_corners):
    base = _base_grid(size, align_corners, theta.dtype)
    n, k = size[0], len(size) - 2
    return np.matmul(base.reshape(n, -1, k + 1), np.swapaxes(theta, 1, 2)).reshape(base.shape[:-1] + (k,))


def _affine_grid_vjp(g, out, theta, *, size, align_corners):
    base = _base_grid(size, align_corners, g.dtype if not isinstance(g, Tensor) else g._data.dtype)
    n, k = size[0], len(size) - 2
    flat = base.reshape(n, -1, k + 1)
    if isinstance(g, Tensor):
        return (make(np.swapaxes(flat, 1, 2)) @ g.reshape(n, -1, k)).transpose(1, 2)
    return np.swapaxes(np.matmul(np.swapaxes(flat, 1, 2), g.reshape(n, -1, k)), 1, 2)


AFFINE_GRID = defop("affine_grid_generator", "AffineGridGeneratorBackward0", _affine_grid_fwd,
                    vjp=(_affine_grid_vjp,),
                    jvp=(lambda dt, out, theta, **p: apply(AFFINE_GRID, (dt,), p),), arrays=True)


@public(method=False, functional=True)
def affine_grid(theta, size, align_corners=None):
    """The (N, H, W, 2) grid of the points ``theta`` (N, 2, 3) maps the output pixels to, for ``grid_sample``
    (5-d sizes: (N, 3, 4) matrices, an (N, D, H, W, 3) grid)."""
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", UserWarning, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    shown, size = size, tuple(int(s) for s in size)  # (PyTorch's messages show the size as it was given)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {shown}. Got "
                             f"{_size(theta.shape)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {shown}. Got "
                             f"{_size(theta.shape)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {shown}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an issue for standard usage.", UserWarning, stacklevel=2)
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {shown}")
    if theta.shape[0] != size[0]:  # (PyTorch's bmm of the base grid and theta refuses it)
        k = len(size) - 1
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, {k}] but got: "
                           f"[{theta.shape[0]}, {k}].\naffine_grid: one matrix per image of the batch")
    return apply(AFFINE_GRID, (theta,), {"size": size, "align_corners": bool(align_corners)})


def _size(shape) -> str:
    return f"torch.Size({list(shape)})"


# ============================================================== grid_sample: source coordinates
def _source_index(coord, size: int, padding: int, align_corners: bool):
    """Pixel coordinates of the grid values along one dim, and their derivative by the grid value (PyTorch's
    grid_sampler_compute_source_index_set_grad)."""
    dt = coord.dtype.type
    if align_corners:
        ix, mult = (coord + 1) / 2 * dt(size - 1), (size - 1) / 2
    else:
        ix, mult = ((coord + 1) * dt(size) - 1) / 2, size / 2
    grad = np.full(ix.shape, mult, dtype=ix.dtype)
    if padding == 2:  # reflection, then a clip
        lo, hi = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        ix, g = _reflect(ix, lo, hi)
        grad = grad * g
    if padding in (1, 2):
        ix, g = _clip(ix, size)
        grad = grad * g
    return ix, grad


def _clip(ix, size: int):
    top = ix.dtype.type(size - 1)
    inside = (ix > 0) & (ix < top)
    return np.minimum(top, np.maximum(ix, 0)), inside.astype(ix.dtype)


def _reflect(ix, twice_low: int, twice_high: int):
    if twice_low == twice_high:
        return np.zeros_like(ix), np.zeros_like(ix)
    dt = ix.dtype.type
    low, span = dt(twice_low / 2), dt((twice_high - twice_low) / 2)
    shifted = ix - low
    sign = np.where(shifted < 0, -1, 1).astype(ix.dtype)
    shifted = np.abs(shifted)
    extra = np.fmod(shifted, span)
    odd = np.floor(shifted / span).astype(np.int64) % 2 == 1
    return np.where(odd, span - extra + low, extra + low).astype(ix.dtype), np.where(odd, -sign, sign)


def _padded_tap(ix, size: int, padding: int, align_corners: bool):
    """Bicubic's integer tap coordinates through the padding mode (no derivative: they are integers)."""
    if padding == 2:
        lo, hi = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        ix = _reflect(ix, lo, hi)[0]
    if padding in (1, 2):
        ix = _clip(ix, size)[0]
    return ix


def _cubic_coefficients(t):
    a = -0.75
    x1, x2 = t, 1 - t
    return [((a * (x1 + 1) - 5 * a) * (x1 + 1) + 8 * a) * (x1 + 1) - 4 * a,
            ((a + 2) * x1 - (a + 3)) * x1 * x1 + 1,
            ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1,
            ((a * (x2 + 1) - 5 * a) * (x2 + 1) + 8 * a) * (x2 + 1) - 4 * a]


def _cubic_coefficient_slopes(t):
    """d coefficient / dt (PyTorch's get_cubic_coefficients_grad gives their negatives, and subtracts)."""
    a = -0.75
    x0, x1, x2, x3 = -1 - t, -t, 1 - t, 2 - t
    return [-((-3 * a * x0 - 10 * a) * x0 - 8 * a), -((-3 * (a + 2) * x1 - 2 * (a + 3)) * x1),
            -((3 * (a + 2) * x2 - 2 * (a + 3)) * x2), -((3 * a * x3 - 10 * a) * x3 + 8 * a)]


# ============================================================== grid_sample: the taps
def _taps(x_shape, grid, mode: int, padding: int, align_corners: bool):
    """Every tap of every output point: a list of (index arrays into the input's spatial dims (N, *out), weight
    (N, *out), d weight / d grid component c for each c, in-bounds mask)."""
    spatial = x_shape[2:]
    k = len(spatial)
    coords, mults = [], []
    for c in range(k):  # grid component c is input dim k - 1 - c
        size = spatial[k - 1 - c]
        if mode == 2:  # bicubic unnormalises only: the padding applies to each tap
            src, m = _source_index(grid[..., c], size, 0, align_corners)
        else:
            src, m = _source_index(grid[..., c], size, padding, align_corners)
        coords.append(src)
        mults.append(m)
    taps = []
    if mode == 1:  # nearest: round half to even, as nearbyint
        idx = [np.rint(coords[k - 1 - d]).astype(np.int64) for d in range(k)]
        inside = np.all([(i >= 0) & (i < n) for i, n in zip(idx, spatial)], axis=0)
        zero = np.zeros(grid.shape[:-1], grid.dtype)
        taps.append((idx, np.ones(grid.shape[:-1], grid.dtype), [zero] * k, inside))
        return taps, mults
    floors = [np.floor(c_) for c_ in coords]
    if mode == 0:
        # per component: (low weight, high weight); d/dcoord: -1, +1. 2-d: PyTorch's SIMD kernel (1 - w, y weight
        # times x weight); 3-d: its scalar one ((floor + 1 - x), x, y, z order)
        if k == 2:
            frac = [c_ - f for c_, f in zip(coords, floors)]
            pairs = [(1 - w, w) for w in frac]
        else:
            pairs = [(f + 1 - c_, c_ - f) for c_, f in zip(coords, floors)]
        offsets, slopes = (0, 1), (-1, 1)
    else:  # bicubic (2-d): four taps per dim at floor - 1 .. floor + 2
        frac = [c_ - f for c_, f in zip(coords, floors)]
        pairs = [_cubic_coefficients(t) for t in frac]
        dpairs = [_cubic_coefficient_slopes(t) for t in frac]
        offsets = (-1, 0, 1, 2)
    order = list(range(k))[::-1] if (mode == 0 and k == 2) or mode == 2 else list(range(k))
    for reverse in itertools.product(range(len(offsets)), repeat=k):  # the order PyTorch adds the taps in: x fastest
        combo = reverse[::-1]  # combo[c]: the tap of component c
        idx = [None] * k
        inside = np.ones(grid.shape[:-1], bool)
        for c in range(k):
            d = k - 1 - c
            i = floors[c] + offsets[combo[c]]
            if mode == 2:
                i = _padded_tap(i, spatial[d], padding, align_corners)
            i = i.astype(np.int64)
            inside &= (i >= 0) & (i < spatial[d])
            idx[d] = i
        weight = None
        for c in order:
            w = pairs[c][combo[c]]
            weight = w if weight is None else weight * w
        dweights = []
        for c in range(k):
            dw = None
            for c2 in order:
                w = (slopes[combo[c2]] if mode == 0 else dpairs[c2][combo[c2]]) if c2 == c else pairs[c2][combo[c2]]
                dw = w if dw is None else dw * w
            dweights.append(np.asarray(dw, dtype=grid.dtype) * np.ones_like(weight))
        taps.append((idx, weight, dweights, inside))
    return taps, mults


def _gather(x, idx, inside):
    """x (N, C, *S) at the tap: (N, C, *out), zero outside."""
    n = x.shape[0]
    safe = [np.where(inside, i, 0) for i in idx]
    batch = np.arange(n).reshape((n,) + (1,) * (inside.ndim - 1))
    vals = np.moveaxis(np.moveaxis(x, 1, -1)[(batch,) + tuple(safe)], -1, 1)  # (N, C, *out)
    return np.where(inside[:, None], vals, 0)


def _grid_sample_fwd(x, grid, *, mode, padding, align_corners):
    taps, _ = _taps(x.shape, grid, mode, padding, align_corners)
    out = None
    for idx, weight, _, inside in taps:
        term = _gather(x, idx, inside) * weight[:, None]
        out = term if out is None else out + term
    return out.astype(x.dtype, copy=False)


def _grid_sample_grads(g, x, grid, mode, padding, align_corners):
    """(gradient of the input, gradient of the grid), as PyTorch's grid_sampler backward computes them."""
    taps, mults = _taps(x.shape, grid, mode, padding, align_corners)
    k = x.ndim - 2
    gx = np.zeros_like(x)
    ggrid = np.zeros(grid.shape, np.result_type(grid.dtype, g.dtype))
    n = x.shape[0]
    batch = np.broadcast_to(np.arange(n).reshape((n,) + (1,) * k), taps[0][3].shape)
    moved = np.moveaxis(gx, 1, -1)  # (N, *S, C), a view of gx
    for idx, weight, dweights, inside in taps:
        contrib = np.moveaxis(g * weight[:, None], 1, -1)[inside]  # (points, C)
        np.add.at(moved, (batch[inside],) + tuple(i[inside] for i in idx), contrib)
        if mode != 1:
            vals = _gather(x, idx, inside)
            for c in range(k):
                ggrid[..., c] += (vals * g).sum(axis=1) * dweights[c]
    for c in range(k):
        ggrid[..., c] *= mults[c]
    return gx, ggrid.astype(grid.dtype, copy=False)


def _backward_rows(k: int):
    name = f"grid_sampler_{k}d_backward"
    return (no_derivative_op(name, lambda g, x, grid, **p: _grid_sample_grads(g, x, grid, **p)[0]),
            no_derivative_op(name, lambda g, x, grid, **p: _grid_sample_grads(g, x, grid, **p)[1]))


_BACKWARD = {2: _backward_rows(2), 3: _backward_rows(3)}


def _grid_sample_vjp(which: int):
    def vjp(g, out, x, grid, **p):
        if isinstance(g, Tensor):  # create_graph: a gradient without a derivative of its own
            return _without_derivative(_BACKWARD[x.dim() - 2][which], (g, x, grid), p)
        return _grid_sample_grads(g, x, grid, **p)[which]

    return vjp


def _without_derivative(op, args, params):
    """Run a no_derivative_op (its NotImplemented node refuses a backward through it) with an edge for each input
    that requires grad, as PyTorch's."""
    out = apply(op, args, params)
    node = out.grad_fn
    if node is not None:
        node.next = tuple(a._edge() if isinstance(a, Tensor) and a._requires_grad else None for a in args)
    return out


def _grid_sample_jvp_x(dx, out, x, grid, **p):
    return apply(_ROWS[x.dim() - 2], (dx, grid), p)


def _grid_sample_jvp_grid(dgrid, out, x, grid, **p):
    xd, gd, dg = x._data, grid._data, dgrid._data
    taps, mults = _taps(xd.shape, gd, p["mode"], p["padding"], p["align_corners"])
    total = np.zeros(out._data.shape, out._data.dtype)
    if p["mode"] != 1:
        for idx, _, dweights, inside in taps:
            vals = _gather(xd, idx, inside)
            for c in range(len(mults)):
                total += vals * (dweights[c] * mults[c] * dg[..., c])[:, None]
    return make(total.astype(out._data.dtype, copy=False))


_ROWS = {k: defop(f"grid_sampler_{k}d", f"GridSampler{k}DBackward0", _grid_sample_fwd,
                  vjp=(_grid_sample_vjp(0), _grid_sample_vjp(1)), jvp=(_grid_sample_jvp_x, _grid_sample_jvp_grid),
                  save=(0, 1), arrays=True, half=False)
         for k in (2, 3)}


@public(method=False, functional=True)
def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros", align_corners=None):
    """``input`` (N, C, H, W) read at the points of ``grid`` (N, H_out, W_out, 2), x then y in [-1, 1]: bilinear,
    nearest or bicubic; outside the image ``padding_mode`` gives zeros, the border's values or a reflection.
    5-d: (N, C, D, H, W) at an (N, D_out, H_out, W_out, 3) grid (bilinear means trilinear there)."""
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", UserWarning, stacklevel=2)
        align_corners = False
    xs, gs = input._data.shape, grid._data.shape
    if input._data.dtype != grid._data.dtype:
        raise RuntimeError(f"expected scalar type {_legacy(input)} but found {_legacy(grid)}\n"
                           "grid_sample: give the input and the grid one dtype, e.g. grid.to(input.dtype)")
    if xs[0] != gs[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {shape_str(xs)} and grid with sizes {shape_str(gs)}")
    k = input._data.ndim - 2
    if gs[-1] != k:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {k} in last dimension, but got grid with "
                           f"sizes {shape_str(gs)}")
    for i in range(2, input._data.ndim):
        if not xs[i]:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {shape_str(xs)} with dimension {i} being empty")
    if input._data.ndim == 4 and grid._data.ndim != 4 or input._data.ndim != 4 and (
            input._data.ndim != 5 or grid._data.ndim != 5):
        d = 4 if input._data.ndim == 4 else 5
        raise RuntimeError(f"grid_sampler(): expected {d}D input and grid with same number of dimensions, but got "
                           f"input with sizes {shape_str(xs)} and grid with sizes {shape_str(gs)}")
    if mode == "bicubic" and k != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input._data.dtype.kind != "f":
        kernel = "grid_sampler_2d_cpu_kernel_impl" if k == 2 else "grid_sampler_3d_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_legacy(input)}'")
    return apply(_ROWS[k], (input, grid), {"mode": _MODES[mode], "padding": _PADDINGS[padding_mode],
                                           "align_corners": bool(align_corners)})


def _legacy(t) -> str:
    return t.dtype.legacy.removesuffix("Tensor")
