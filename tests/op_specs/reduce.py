"""Specs of the rows in nbautodiff/engine/ops/reduce.py."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401

SPECS = {
    # --- reductions
    "sum": Spec(lambda ns, x: x.sum(), UNARY),
    "sum_dim": Spec(lambda ns, x: x.sum(-1) + x.sum((0, 1), keepdim=True), [((3, 4),)]),
    "mean": Spec(lambda ns, x: x.mean(), UNARY),
    "mean_dim": Spec(lambda ns, x: x.mean(0, keepdim=True) * x.mean(1, keepdim=True), [((3, 4),)]),
    "max": Spec(lambda ns, x: x.max(), UNARY, edges=[([1.0, 3.0, 3.0, 2.0],)]),
    "min": Spec(lambda ns, x: x.min(), UNARY, edges=[([1.0, 1.0, 3.0, 2.0],)]),
    "max_dim": Spec(lambda ns, x: x.max(1)[0] + x.max(0, keepdim=True).values.sum(), [((3, 4),)]),
    "min_dim": Spec(lambda ns, x: x.min(1)[0], [((3, 4),)]),
    "prod": Spec(lambda ns, x: x.prod(), UNARY, edges=[([0.0, 2.0, 3.0],), ([0.0, 0.0, 3.0],)]),
    "prod_dim": Spec(lambda ns, x: x.prod(1), [((3, 4),)], edges=[([[0.0, 2.0], [3.0, 4.0]],)]),
    "norm": Spec(lambda ns, x: x.norm() + x.norm(dim=-1).sum() + x.norm(p=1) + x.norm(p=3), [((3, 4),), ((5,),)],
                 edges=[([0.0, 0.0, 0.0],)]),
    "logsumexp": Spec(lambda ns, x: x.logsumexp(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 1000.0, -1000.0],)]),
    "softmax": Spec(lambda ns, x: x.softmax(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 0.0, -1000.0],)]),
    "log_softmax": Spec(lambda ns, x: x.log_softmax(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 0.0, -1000.0],)]),
    "var": Spec(lambda ns, x: x.var() + x.var(1, keepdim=True).sum() + x.var(0, unbiased=False).sum(), [((3, 4),)]),
    "std": Spec(lambda ns, x: x.std() + x.std(1).sum() + x.std(0, correction=0).sum(), [((3, 4),)]),
    "cumsum": Spec(lambda ns, x: x.cumsum(1), [((3, 4),)]),
    "gather": Spec(lambda ns, x: x.gather(1, ns.tensor([[0, 0], [3, 1], [2, 2]])), [((3, 4),)]),
    "index_select": Spec(lambda ns, x: x.index_select(-1, ns.tensor([3, 0, 3])), [((3, 4),), ((4,),)]),
    "flip": Spec(lambda ns, x: x.flip(0) * 1 + ns.flip(x, (-1,)), [((3, 4),), ((4,),)]),
    "roll": Spec(lambda ns, x: x.roll(1, 0) + x.roll((1, -2), (0, 1)) + x.roll(3), [((3, 4),)]),
    "repeat": Spec(lambda ns, x: x.repeat(2, 1, 3), [((3, 4),), ((),)]),
    "amax": Spec(lambda ns, x: x.amax(-1), UNARY, edges=[([1.0, 3.0, 3.0, 2.0],), ([[1.0, 1.0], [0.0, 2.0]],)]),
    "amin": Spec(lambda ns, x: x.amin() + x.amin(0).sum() * 0.5, UNARY, edges=[([1.0, 1.0, 3.0, 2.0],)]),
}
