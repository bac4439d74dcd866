"""Specs of the rows in nbautodiff/engine/ops/reduce.py and sorting.py."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401


def _both(pair):
    """Use both outputs of a two-output node (var_mean, aminmax), one of them twice."""
    a, b = pair
    return a * b + a

def _softmax_grad(ns, name, g, x):
    """softmax's (log_softmax's) gradient row called directly along the last dimension; on PyTorch its aten op."""
    out = x.softmax(-1) if name == "softmax_backward_data" else x.log_softmax(-1)
    if ns.__name__ == "torch":
        return getattr(ns.ops.aten, "_" + name)(g, out, -1, out.dtype)
    from nbautodiff.engine import OPS
    from nbautodiff.engine.ops import apply

    return apply(OPS[name], (g, out), {"dim": (x.dim() - 1,)})


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
    "logsumexp": Spec(lambda ns, x: x.logsumexp(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 1000.0, -1000.0],)]),
    "softmax": Spec(lambda ns, x: x.softmax(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 0.0, -1000.0],)]),
    "log_softmax": Spec(lambda ns, x: x.log_softmax(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 0.0, -1000.0],)]),
    # scaled_dot_product_attention's softmax: a row of -inf gives zeros and passes no gradient
    "safe_softmax": Spec(lambda ns, x: ns._safe_softmax(x, -1) if ns.__name__ == "torch" else _own_apply(
        "safe_softmax", x, dim=(x.ndim - 1,)), [((3, 4),), ((4,),)],
        edges=[([1000.0, 0.0, -1000.0],), ([-float("inf"), -float("inf")],)]),
    # their gradients, recorded by a create_graph=True gradient (Softmax/LogSoftmaxBackwardDataBackward0)
    "softmax_backward_data": Spec(lambda ns, x, g: _softmax_grad(ns, "softmax_backward_data", g, x),
                                  [((3, 4), (3, 4)), ((4,), (4,))]),
    "log_softmax_backward_data": Spec(lambda ns, x, g: _softmax_grad(ns, "log_softmax_backward_data", g, x),
                                      [((3, 4), (3, 4)), ((4,), (4,))]),
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
    # --- two outputs of one node
    "var_mean": Spec(lambda ns, x: _both(ns.var_mean(x, 1)) + ns.var_mean(x)[1]
                     + _both(ns.var_mean(x, 0, correction=0)).sum(), [((3, 4),)]),
    "std_mean": Spec(lambda ns, x: _both(ns.std_mean(x, 1, keepdim=True)) + ns.std_mean(x, False)[0], [((3, 4),)]),
    "aminmax": Spec(lambda ns, x: _both(ns.aminmax(x)) + _both(ns.aminmax(x, dim=-1, keepdim=True)).sum(), UNARY,
                    edges=[([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]],)]),
    # --- nan-aware, cumulative
    "nansum": Spec(lambda ns, x: ns.nansum(x) + x.nansum(-1, keepdim=True) + x.nanmean(), UNARY,
                   edges=[([1.0, float("nan"), 2.0],), ([[float("nan"), 1.0], [2.0, 3.0]],)]),
    # each p's slope, slices over and under maxnorm (the edge rows: one scaled down, one kept)
    "renorm": Spec(lambda ns, x: x.renorm(2, 0, 1.5) * x + x.renorm(1, 1, 2.) + x.renorm(3, 0, 1.) * 2
                   + x.renorm(float("inf"), 1, 1.) ** 2, [((3, 4),), ((2, 3, 2),)],
                   edges=[([[3., -1., 0.5, 2.], [0.1, 0.2, -0.3, 0.1], [1.5, 1.5, -2., 0.]],)]),
    "cumprod": Spec(lambda ns, x: x.cumprod(-1) + ns.cumprod(x, 0), UNARY,
                    edges=[([3.0, 0.0, 2.0, 0.0, 5.0],), ([[0.0, 2.0, 3.0], [1.0, 0.0, 4.0], [2.0, 2.0, 0.0]],)]),
    # --- picking along a dimension (ties: the index PyTorch returns gets the gradient)
    "sort": Spec(lambda ns, x: x.sort(-1)[0] + x.sort(0, descending=True).values * 2 + x.msort()
                 + x.sort(descending=True).values * 3, UNARY,
                 edges=[([[1.0, 3.0, 3.0, 2.0], [2.0, 2.0, 2.0, 0.0]],), ([1.0, float("nan"), 0.0],)]),
    "sort_stable": Spec(lambda ns, x: ns.sort(x, stable=True, descending=True).values, UNARY,
                        edges=[([1.0, 3.0, 3.0, 1.0, 3.0],)]),
    "topk": Spec(lambda ns, x: x.topk(2)[0] + x.topk(2, 0, largest=False).values.sum(), [((3, 4),)]),
    "median": Spec(lambda ns, x: x.median(), UNARY, edges=[([2.0, 1.0, 2.0, 1.0],), ([1.0, float("nan"), 2.0],)]),
    "nanmedian": Spec(lambda ns, x: x.nanmedian(), UNARY, edges=[([1.0, float("nan"), 3.0, 3.0, 0.0],)]),
    "median_dim": Spec(lambda ns, x: x.median(-1)[0] + x.median(0, keepdim=True).values.sum(), UNARY,
                       edges=[([[3.0, 1.0, 3.0, 1.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]],),
                              ([[5.0, 1.0, 5.0, 1.0, 5.0, 1.0], [0.0, float("nan"), 0.0, 2.0, 1.0, 0.0]],)]),
    "nanmedian_dim": Spec(lambda ns, x: x.nanmedian(-1).values, UNARY,
                          edges=[([[1.0, float("nan"), 2.0, 2.0], [float("nan")] * 4],)]),
    "cummax": Spec(lambda ns, x: x.cummax(-1)[0] + ns.cummax(x, 0).values, UNARY,
                   edges=[([1.0, 3.0, 3.0, 2.0, 3.0],), ([1.0, float("nan"), 2.0, float("nan"), 0.0],)]),
    "cummin": Spec(lambda ns, x: x.cummin(-1)[0], UNARY,
                   edges=[([3.0, 1.0, 1.0, 2.0, 1.0],), ([1.0, float("nan"), 0.0],)]),
    "kthvalue": Spec(lambda ns, x: x.kthvalue(1)[0] + ns.kthvalue(x, 1, 0, keepdim=True).values.sum(), UNARY),
    "mode": Spec(lambda ns, x: x.mode()[0] + ns.mode(x, 0, keepdim=True).values.sum(), UNARY,
                 edges=[([[1.0, 2.0, 2.0, 3.0], [3.0, 3.0, 1.0, 1.0]],)]),
    "logcumsumexp": Spec(lambda ns, x: x.logcumsumexp(-1) + ns.logcumsumexp(x, 0), UNARY,
                         edges=[([1000.0, 0.0, -1000.0],), ([1.0, -float("inf"), 3.0],)]),
}
