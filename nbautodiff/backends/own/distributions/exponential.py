"""``torch.distributions.exponential``: the Exponential distribution."""

from __future__ import annotations

import math
from numbers import Number as _Number

from ....engine.dtypes import Size
from ....engine.factories import rand, zeros_like
from .constraints import nonnegative, positive
from .distribution import _expand_params
from .exp_family import ExponentialFamily
from .utils import _EMPTY, _size, broadcast_all

inf, nan = math.inf, math.nan


class Exponential(ExponentialFamily):
    """The exponential distribution with ``rate`` (density rate * exp(-rate * x), x >= 0)."""

    arg_constraints = {"rate": positive}
    support = nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, rate, validate_args=None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if isinstance(rate, _Number) else self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Exponential, _instance)
        return _expand_params(self, new, Exponential, _size(batch_shape), ("rate",))

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=_EMPTY):
        u = rand(tuple(self._extended_shape(sample_shape)), dtype=self.rate.dtype)
        return -(-u).log1p() / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value):
        return -(-value).log1p() / self.rate

    def entropy(self):
        return 1.0 - self.rate.log()
