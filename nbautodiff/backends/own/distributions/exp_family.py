"""``torch.distributions.exp_family``: the ExponentialFamily base class."""

from __future__ import annotations

import math

from .distribution import Distribution

inf, nan = math.inf, math.nan


class ExponentialFamily(Distribution):
    """The base class of exponential-family distributions (Normal, Bernoulli, Exponential, ...)."""
