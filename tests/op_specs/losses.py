"""Specs of the rows in nbautodiff/engine/ops/losses.py."""

from . import TARGET, Spec, fnl

PROB = (0.05, 0.95)


def _w(ns, x, *values):
    return ns.tensor(values, dtype=x.dtype)


def _nll(ns, x):
    """Class weights, an ignored target, every reduction."""
    F, t, w = fnl(ns), ns.tensor(TARGET), _w(ns, x, 0.1, 0.2, 0.3, 0.4)
    return (F.nll_loss(x, t) + F.nll_loss(x, t, weight=w, reduction="sum") + F.nll_loss(x, t, ignore_index=2)
            + (F.nll_loss(x, t, weight=w, reduction="none", ignore_index=0) * _w(ns, x, 1.0, 2.0, 3.0)).sum()
            + F.nll_loss(x[0], t[1]))


def _nll2d(ns, x):
    """(N, C, H, W) directly, and (N, C, L) viewed as (N, C, 1, L) as PyTorch does."""
    F = fnl(ns)
    t4 = ns.tensor([[[0, 1], [3, 1], [2, 2]], [[2, 2], [0, 1], [1, 3]]])
    w = _w(ns, x, 0.1, 0.2, 0.3, 0.4)
    return (F.nll_loss(x, t4) + (F.nll_loss(x, t4, weight=w, reduction="none", ignore_index=1) * x[:, 0]).sum()
            + F.nll_loss(x.flatten(2), t4.flatten(1), reduction="sum"))


SPECS = {
    # two samples: targets before a -1, and a sample whose every class is a target (no term)
    "multilabel_margin_loss": Spec(lambda ns, x: fnl(ns).multilabel_margin_loss(
        x, ns.tensor([[3, 0, -1, 1], [1, 2, 3, 0]])) + fnl(ns).multilabel_margin_loss(
        x, ns.tensor([[2, -1, 0, 0], [0, 1, -1, 3]]), reduction="none").sum(), [((2, 4),)], second_order=False),
    # --- losses
    "nll_loss": Spec(_nll, [((3, 4),)]),
    "nll_loss2d": Spec(_nll2d, [((2, 4, 3, 2),)]),
    "mse_loss": Spec(lambda ns, x, y: fnl(ns).mse_loss(x, y) + fnl(ns).mse_loss(x, y, reduction="sum"),
                     [((3, 4), (3, 4))]),
    # |x − y| = beta exactly is where the two pieces meet; 0 where the derivative is 0
    "smooth_l1_loss": Spec(lambda ns, x, y: fnl(ns).smooth_l1_loss(x, y, beta=0.5) + fnl(ns).smooth_l1_loss(
        x, y, reduction="none").sum(), [((3, 4), (3, 4)), ((), ())],
        edges=[([0.0, 0.5, -0.5, 2.0], [0.0, 0.0, 0.0, 0.5])]),
    "huber_loss": Spec(lambda ns, x, y: fnl(ns).huber_loss(x, y, delta=0.5) + fnl(ns).huber_loss(
        x, y, reduction="sum"), [((3, 4), (3, 4)), ((), ())], edges=[([0.0, 0.5, -0.5, 2.0], [0.0, 0.0, 0.0, 0.5])]),
    # p = 0 or 1: each log is clamped at -100, the input's gradient divided by max(p(1 - p), 1e-12)
    "binary_cross_entropy": Spec(lambda ns, p, t: fnl(ns).binary_cross_entropy(p, t) + fnl(ns).binary_cross_entropy(
        p, t, weight=_w(ns, p, 1.0, 2.0, 3.0, 4.0), reduction="sum"), [((3, 4), (3, 4))], domain=PROB,
        edges=[([0.0, 1.0, 0.5, 1.0], [1.0, 0.0, 0.5, 1.0])]),
    # the gradient at logit 0 is σ(0) − t (a zero-initialised logistic regression starts there)
    "bce_with_logits": Spec(lambda ns, x, t: fnl(ns).binary_cross_entropy_with_logits(x, t) + fnl(
        ns).binary_cross_entropy_with_logits(x * 2, t, reduction="sum", weight=ns.ones(4, dtype=x.dtype) * 0.5,
                                             pos_weight=ns.ones(4, dtype=x.dtype) * 3), [((3, 4), (3, 4))],
        edges=[([0.0, 0.0, 0.0, 0.0], [0.2, 0.5, 1.0, 0.0])]),
    # soft and multi-class margin losses (PyTorch has no second derivative of the last)
    "soft_margin_loss": Spec(lambda ns, x: fnl(ns).soft_margin_loss(x, ns.tensor([1.0, -1.0, 1.0, -1.0], dtype=x.dtype))
                             + fnl(ns).soft_margin_loss(x * 2, ns.ones(4, dtype=x.dtype), reduction="none").sum(),
                             [((3, 4),), ((4,),)]),
    "multi_margin_loss": Spec(lambda ns, x: fnl(ns).multi_margin_loss(x, ns.tensor(TARGET)) + fnl(ns).multi_margin_loss(
        x, ns.tensor(TARGET), p=2, margin=1.5, weight=_w(ns, x, 0.1, 0.2, 0.3, 0.4), reduction="none").sum()
        + fnl(ns).multi_margin_loss(x[0], ns.tensor(1), reduction="sum"), [((3, 4),)], second_order=False),
}
