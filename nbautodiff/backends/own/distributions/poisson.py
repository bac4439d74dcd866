"""``torch.distributions.poisson``: the Poisson distribution."""

from __future__ import annotations

import math
from numbers import Number as _Number

from ....engine import ops as _ops
from ....engine.dtypes import Size
from ....engine.mode import no_grad
from .constraints import nonnegative, nonnegative_integer
from .distribution import _expand_params
from .exp_family import ExponentialFamily
from .utils import _EMPTY, _draw, _size, broadcast_all

inf, nan = math.inf, math.nan


class Poisson(ExponentialFamily):
    """The Poisson distribution with ``rate``: P(k) = rate^k exp(-rate) / k!."""

    arg_constraints = {"rate": nonnegative}
    support = nonnegative_integer

    def __init__(self, rate, validate_args=None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if isinstance(rate, _Number) else self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Poisson, _instance)
        return _expand_params(self, new, Poisson, _size(batch_shape), ("rate",))

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=_EMPTY):
        with no_grad():
            return _draw("poisson", self.rate.expand(tuple(self._extended_shape(sample_shape))))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - _ops.lgamma(value + 1)
