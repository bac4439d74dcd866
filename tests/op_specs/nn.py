"""Specs of the rows in nbautodiff/engine/ops/nn.py (the losses' are in losses.py)."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401


def _pack(ns, x):
    """Three sequences of lengths 3, 1, 2 in a padded (3, 3, 2) batch, sorted inside."""
    if ns.__name__ == "torch":
        from torch.nn.utils import rnn
    else:
        from nbautodiff.backends.own.nn.utils import rnn
    return rnn.pack_padded_sequence(x, [3, 1, 2], enforce_sorted=False).data


def _bag(ns, w, p=None):
    """Three bags (one empty) of 8 indices: sums weighted per sample, or (no weights) means of 2-D input's rows and
    maxima per dimension."""
    F, i = fnl(ns), ns.tensor([1, 2, 4, 5, 4, 3, 2, 0])
    if p is not None:
        return F.embedding_bag(i, w, ns.tensor([0, 4, 4]), mode="sum", per_sample_weights=p)
    return F.embedding_bag(i, w, ns.tensor([0, 4, 4]), mode="max") + F.embedding_bag(i.reshape(2, 4), w)[:1]


SPECS = {
    "pack_padded_sequence": Spec(_pack, [((3, 3, 2),)]),
    # (PyTorch has no second derivative through the per-sample weights: tests/test_nn_more.py checks the engine's)
    "embedding_bag": Spec(_bag, [((6, 3), (8,)), ((6, 3),)], second_order=False),
    "layer_norm": Spec(lambda ns, x, w, b: fnl(ns).layer_norm(x, (4,), w, b) + fnl(ns).layer_norm(x, (3, 4), eps=0.1),
                       [((2, 3, 4), (4,), (4,))]),
    # --- the rows behind torch.nn's layers: glu, embedding, pad, prelu, batch and group norm
    "glu": Spec(lambda ns, x: fnl(ns).glu(x, 0) + fnl(ns).glu(x * 2, 0), [((4, 3),)]),
    "embedding": Spec(lambda ns, w: fnl(ns).embedding(ns.tensor([[1, 3, 3], [0, 4, 1]]), w), [((5, 4),)]),
    "constant_pad": Spec(lambda ns, x: fnl(ns).pad(x, (1, -1, 2, 0), value=0.5), [((3, 4),)]),
    "reflect_pad1d": Spec(lambda ns, x: fnl(ns).pad(x, (2, 1), mode="reflect"), [((2, 4),)]),
    "reflect_pad2d": Spec(lambda ns, x: fnl(ns).pad(x, (1, 2, 2, 1), mode="reflect"), [((1, 3, 4),)]),
    "reflect_pad3d": Spec(lambda ns, x: fnl(ns).pad(x, (1, 1, 1, 0, 0, 1), mode="reflect"), [((1, 2, 3, 3),)]),
    "replicate_pad1d": Spec(lambda ns, x: fnl(ns).pad(x, (2, 3), mode="replicate"), [((2, 3),)]),
    "replicate_pad2d": Spec(lambda ns, x: fnl(ns).pad(x, (1, 2, 3, 0), mode="replicate"), [((1, 2, 3),)]),
    "replicate_pad3d": Spec(lambda ns, x: fnl(ns).pad(x, (1, 0, 2, 1, 1, 1), mode="replicate"), [((1, 2, 2, 3),)]),
    "prelu": Spec(lambda ns, x, w: fnl(ns).prelu(x, w), [((2, 3, 4), (3,)), ((3, 4), (1,))]),
    "batch_norm": Spec(lambda ns, x, w, b: fnl(ns).batch_norm(x, None, None, w, b, True) + fnl(ns).batch_norm(
        x, ns.zeros(3, dtype=x.dtype), ns.ones(3, dtype=x.dtype) * 2, w, b), [((4, 3, 2), (3,), (3,))]),
    "group_norm": Spec(lambda ns, x, w, b: fnl(ns).group_norm(x, 2, w, b), [((2, 4, 3), (4,), (4,))]),
    # PyTorch's C++ composite at::norm (NormBackward1) in pairwise_distance
    "norm": Spec(lambda ns, x, y: fnl(ns).pairwise_distance(x, y) + fnl(ns).pairwise_distance(x, y, 1.0).sum(),
                 [((3, 4), (3, 4)), ((4,), (4,))]),
    "trilinear": Spec(lambda ns, a, b, w: fnl(ns).bilinear(a, b, w), [((3, 4), (3, 2), (5, 4, 2))]),
    "pdist": Spec(lambda ns, x: fnl(ns).pdist(x) + fnl(ns).pdist(x, 1.0) + fnl(ns).pdist(x, 3.0)
                  + fnl(ns).pdist(x, float("inf")), [((4, 3),)], second_order=False),
}
