"""Specs of the rows in nbautodiff/engine/ops/nn.py."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401

SPECS = {
    # --- losses
    "nll_loss": Spec(lambda ns, x: fnl(ns).nll_loss(x.log_softmax(1), ns.tensor(TARGET)), [((3, 4),)]),
    "mse_loss": Spec(lambda ns, x, y: fnl(ns).mse_loss(x, y), [((3, 4), (3, 4))]),
    # the gradient at logit 0 is σ(0) − t (a zero-initialised logistic regression starts there)
    "bce_with_logits": Spec(lambda ns, x, t: fnl(ns).binary_cross_entropy_with_logits(x, t) + fnl(
        ns).binary_cross_entropy_with_logits(x * 2, t, reduction="sum", weight=ns.ones(4, dtype=x.dtype) * 0.5,
                                             pos_weight=ns.ones(4, dtype=x.dtype) * 3), [((3, 4), (3, 4))],
        edges=[([0.0, 0.0, 0.0, 0.0], [0.2, 0.5, 1.0, 0.0])]),
}
