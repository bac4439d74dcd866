"""Specs of the rows in nbautodiff/engine/ops/conv.py (each call's output is the row's own node, as in PyTorch)."""

from . import Spec, fnl


def _convolution(ns, x, w, b=None):
    """conv2d with stride, padding and dilation; grouped conv1d; grouped, dilated conv_transpose2d; conv_transpose1d."""
    F = fnl(ns)
    calls = {
        (2, 3, 6, 5): lambda: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
        (2, 4, 7): lambda: F.conv1d(x, w, b, stride=2, padding=1, groups=2),
        (1, 4, 3, 3): lambda: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2,
                                                 dilation=(1, 2)),
        (2, 3, 4): lambda: F.conv_transpose1d(x, w, b, stride=3, padding=1),
    }
    return calls[tuple(x.shape)]()


def _by_dims(batched, unbatched):
    return lambda ns, x: (batched if x.ndim == 4 else unbatched)(fnl(ns), x)


# F.interpolate's rows: each mode, shrinking and growing, with and without align_corners (row name: its cases)
_INTERP_CALLS = {
    "nearest1d": lambda F, x: F.interpolate(x, scale_factor=1.7),
    "nearest2d": lambda F, x: F.interpolate(x, size=(5, 2)),
    "nearest3d": lambda F, x: F.interpolate(x, size=(3, 4, 1)),
    "nearest_exact1d": lambda F, x: F.interpolate(x, size=7, mode="nearest-exact"),
    "nearest_exact2d": lambda F, x: F.interpolate(x, scale_factor=(1.5, 0.5), mode="nearest-exact"),
    "nearest_exact3d": lambda F, x: F.interpolate(x, size=(3, 1, 5), mode="nearest-exact"),
    "linear1d": lambda F, x: F.interpolate(x, size=8, mode="linear", align_corners=x.shape[0] == 1),
    "bilinear2d": lambda F, x: F.interpolate(x, size=(7, 3), mode="bilinear", align_corners=x.shape[0] == 1),
    "trilinear3d": lambda F, x: F.interpolate(x, size=(4, 3, 2), mode="trilinear"),
    "bicubic2d": lambda F, x: F.interpolate(x, size=(6, 3), mode="bicubic", align_corners=x.shape[0] == 1),
    "bilinear2d_aa": lambda F, x: F.interpolate(x, size=(3, 9), mode="bilinear", antialias=True),
    "bicubic2d_aa": lambda F, x: F.interpolate(x, size=(3, 9), mode="bicubic", antialias=True),
    "lanczos2d_aa": lambda F, x: F.interpolate(x, size=(3, 9), mode="lanczos", antialias=True),
}
_INTERP_SHAPES = {
    "nearest1d": [(2, 3, 5)], "nearest2d": [(1, 2, 3, 4)], "nearest3d": [(1, 2, 2, 3, 2)],
    "nearest_exact1d": [(2, 2, 5)], "nearest_exact2d": [(1, 2, 3, 4)], "nearest_exact3d": [(1, 1, 2, 3, 4)],
    "linear1d": [(2, 3, 5), (1, 2, 11)], "bilinear2d": [(2, 2, 4, 5), (1, 1, 9, 2)], "trilinear3d": [(1, 2, 3, 2, 4)],
    "bicubic2d": [(2, 2, 4, 5), (1, 1, 3, 7)], "bilinear2d_aa": [(1, 2, 8, 6)], "bicubic2d_aa": [(1, 2, 8, 6)],
    "lanczos2d_aa": [(1, 2, 8, 6)],
}


def _pool_indices(ns, x, k):
    """The indices of a max pool of kernel 2 whose output has x's shape (a fixed pattern of distinct positions)."""
    spatial = tuple(2 * n for n in x.shape[-k:])
    base = (ns.arange(float(x.numel() * 2 ** k)) % 7).reshape(*x.shape[:-k], *spatial)
    return getattr(fnl(ns), f"max_pool{k}d")(base, 2, return_indices=True)[1]


def _interpolate(name):
    return lambda ns, x: _INTERP_CALLS[name](fnl(ns), x)


SPECS = {
    "convolution": Spec(_convolution, [((2, 3, 6, 5), (4, 3, 2, 2), (4,)), ((2, 4, 7), (6, 2, 3), (6,)),
                                       ((1, 4, 3, 3), (4, 3, 3, 2), (6,)), ((2, 3, 4), (3, 2, 3))]),
    # ceil_mode's last window hangs over the padding; an unbatched (C, H, W) input
    "max_pool2d": Spec(_by_dims(lambda F, x: F.max_pool2d(x, (3, 2), (2, 1), 1, (1, 2), ceil_mode=True),
                                lambda F, x: F.max_pool2d(x, 2)), [((2, 3, 6, 7),), ((3, 5, 4),)]),
    "max_pool3d": Spec(lambda ns, x: fnl(ns).max_pool3d(x, 2, (1, 2, 2), 1), [((1, 2, 4, 5, 4),)]),
    "adaptive_max_pool2d": Spec(_by_dims(lambda F, x: F.adaptive_max_pool2d(x, (3, 2)),
                                         lambda F, x: F.adaptive_max_pool2d(x, 4)), [((2, 3, 7, 5),), ((3, 5, 6),)]),
    "adaptive_max_pool3d": Spec(lambda ns, x: fnl(ns).adaptive_max_pool3d(x, (2, 3, None)), [((1, 2, 5, 4, 3),),
                                                                                             ((2, 3, 4, 5),)]),
    "avg_pool2d": Spec(_by_dims(lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                                lambda F, x: F.avg_pool2d(x, (2, 3), 1, (1, 0), divisor_override=4)),
                       [((2, 3, 7, 6),), ((3, 5, 4),)]),
    "avg_pool3d": Spec(lambda ns, x: fnl(ns).avg_pool3d(x, (2, 3, 2), 1, 1), [((1, 2, 4, 5, 3),)]),
    "pixel_shuffle": Spec(lambda ns, x: fnl(ns).pixel_shuffle(x, 2), [((2, 8, 2, 3),), ((1, 1, 4, 1, 2),)]),
    "pixel_unshuffle": Spec(lambda ns, x: fnl(ns).pixel_unshuffle(x, 2), [((2, 2, 4, 6),), ((3, 2, 2),)]),
    "adaptive_avg_pool2d": Spec(lambda ns, x: fnl(ns).adaptive_avg_pool2d(x, (3, 4)), [((2, 3, 7, 9),)]),
    # dilated, padded, strided blocks that overlap (fold sums them); unbatched inputs
    "im2col": Spec(lambda ns, x: fnl(ns).unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
                   [((2, 3, 5, 6),), ((2, 4, 3),)]),
    "col2im": Spec(lambda ns, c: fnl(ns).fold(c, (4, 5), 2, padding=(1, 0), stride=(2, 1)),
                   [((2, 12, 12),), ((8, 12),)]),
    "channel_shuffle": Spec(lambda ns, x: fnl(ns).channel_shuffle(x, 3), [((2, 6, 2, 1),), ((1, 6, 4),)]),
    # max_pool's indices (distinct positions, some windows clipped by ceil_mode) scattered back
    "max_unpool2d": Spec(lambda ns, x: fnl(ns).max_unpool2d(x, _pool_indices(ns, x, 2), 2, output_size=(7, 5)),
                         [((2, 2, 3, 2),)]),
    "max_unpool3d": Spec(lambda ns, x: fnl(ns).max_unpool3d(x, _pool_indices(ns, x, 3), 2), [((1, 2, 2, 1, 2),)]),
    "adaptive_avg_pool3d": Spec(lambda ns, x: fnl(ns).adaptive_avg_pool3d(x, (2, 3, None)), [((1, 2, 5, 4, 3),)]),
    **{f"upsample_{name}": Spec(_interpolate(name), [(shape,) for shape in _INTERP_SHAPES[name]])
       for name in _INTERP_SHAPES},
}
