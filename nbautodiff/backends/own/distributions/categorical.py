"""``torch.distributions.categorical``: the Categorical distribution."""

from __future__ import annotations

import math

import numpy as np

from ....engine import ops as _ops
from ....engine.dtypes import Size, finfo, int64
from ....engine.factories import arange, full, rand
from ....engine.mode import no_grad
from .constraints import dependent_property, integer_interval, real_vector, simplex
from .distribution import Distribution, _expand_params
from .utils import _EMPTY, _size, lazy_property, logits_to_probs, probs_to_logits

inf, nan = math.inf, math.nan


class Categorical(Distribution):
    """A distribution over {0, ..., K-1}, with ``probs`` (normalised to sum 1) or ``logits`` over the last
    dimension."""

    arg_constraints = {"probs": simplex, "logits": real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = _size(self._param.size()[:-1]) if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = _size(batch_shape)
        _expand_params(self, new, Categorical, batch_shape, ("probs", "logits"), (self._num_events,))
        new._param = new.__dict__["probs"] if "probs" in self.__dict__ else new.__dict__["logits"]
        new._num_events = self._num_events
        return new

    @dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self):
        return full(tuple(self._extended_shape()), nan, dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return full(tuple(self._extended_shape()), nan, dtype=self.probs.dtype)

    def sample(self, sample_shape=_EMPTY):
        sample_shape = _size(sample_shape)
        with no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            cdf = probs_2d.cumsum(-1)
            cdf = cdf / cdf[..., -1:]
            n = int(np.prod(sample_shape, dtype=np.int64))
            u = rand((n, probs_2d.shape[0], 1), dtype=probs_2d.dtype)
            samples = (cdf <= u).sum(-1).clamp(max=self._num_events - 1)  # inverse-cdf draws, int64
            return samples.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = _ops.broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        logits = self.logits.clamp(min=finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True):
        values = arange(self._num_events, dtype=int64).view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
