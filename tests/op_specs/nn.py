"""Specs of the rows in nbautodiff/engine/ops/nn.py."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401

SPECS = {
    # --- losses
    "nll_loss": Spec(lambda ns, x: fnl(ns).nll_loss(x.log_softmax(1), ns.tensor(TARGET)), [((3, 4),)]),
    "mse_loss": Spec(lambda ns, x, y: fnl(ns).mse_loss(x, y), [((3, 4), (3, 4))]),
}
