"""Specs of the rows in nbautodiff/engine/ops/sampling.py: affine_grid and grid_sample (every mode and padding)."""

from . import Spec, fnl


def _sample2d(ns, x, g):
    """Bilinear with zeros, nearest with border, bicubic with reflection, each align_corners once."""
    F = fnl(ns)
    return (F.grid_sample(x, g, align_corners=False).sum()
            + F.grid_sample(x, g, mode="nearest", padding_mode="border", align_corners=True).sum() * 0.5
            + (F.grid_sample(x, g * 1.3, mode="bicubic", padding_mode="reflection", align_corners=False) ** 2).sum()
            + F.grid_sample(x, g * 1.2, padding_mode="reflection", align_corners=True).sum() * 0.25)


def _sample3d(ns, x, g):
    F = fnl(ns)
    return (F.grid_sample(x, g, align_corners=True) ** 2).sum() + F.grid_sample(
        x, g * 1.3, padding_mode="border", align_corners=False).sum()


def _affine(ns, t):
    size = (2, 1, 3, 4) if t.shape[-1] == 3 else (2, 1, 2, 3, 2)
    return (fnl(ns).affine_grid(t, size, align_corners=False).sin().sum()
            + (fnl(ns).affine_grid(t, size, align_corners=True) ** 2).sum())


SPECS = {
    "affine_grid_generator": Spec(_affine, [((2, 2, 3),), ((2, 3, 4),)]),
    # PyTorch has no derivative of the sampler's backward: a plain test checks the second order raises
    "grid_sampler_2d": Spec(_sample2d, [((2, 3, 4, 5), (2, 3, 2, 2))], domain=(-0.95, 0.95), second_order=False),
    "grid_sampler_3d": Spec(_sample3d, [((1, 2, 3, 4, 3), (1, 2, 2, 1, 3))], domain=(-0.95, 0.95),
                            second_order=False),
}
