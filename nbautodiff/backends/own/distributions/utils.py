"""``torch.distributions.utils``: helpers shared by the distributions (broadcast_all, probs_to_logits,
lazy_property, the batched Mahalanobis distance, ...)."""

from __future__ import annotations

import math
from functools import update_wrapper
from numbers import Number as _Number

from ....engine import ops as _ops
from ....engine.dtypes import Size, finfo
from ....engine.factories import eye, get_default_dtype, randn, tensor
from ....engine.mode import enable_grad
from ....engine.tensor import Tensor

inf, nan = math.inf, math.nan




_EMPTY = Size()  # the default sample_shape
euler_constant = 0.5772156649015329


def _size(shape) -> Size:
    return shape if isinstance(shape, Size) else Size(tuple(shape))


def _cat_shapes(*shapes) -> Size:
    return Size(tuple(d for s in shapes for d in s))


# ----------------------------------------------------------------------------------------------------- constraints


def broadcast_all(*values):
    """The values (tensors or numbers) broadcast to one shape; numbers become tensors of the tensors' dtype (or
    the default dtype)."""
    if not all(isinstance(v, (Tensor, _Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        dtype = next((v.dtype for v in values if isinstance(v, Tensor)), get_default_dtype())
        values = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values]
    return _ops.broadcast_tensors(*values)


def _standard_normal(shape, dtype):
    return randn(tuple(shape), dtype=dtype)


def _sum_rightmost(value, dim: int):
    """Sum out the ``dim`` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary: bool = False):
    """Probabilities from logits: sigmoid (binary) or softmax over the last dimension."""
    if is_binary:
        return _ops.sigmoid(logits)
    return _ops.softmax(logits, -1)


def clamp_probs(probs):
    """Probabilities clamped to [eps, 1 - eps] of their dtype."""
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary: bool = False):
    """Logits from probabilities (clamped first): log-odds (binary) or log."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ps_clamped.log() - (-ps_clamped).log1p()
    return ps_clamped.log()


class lazy_property:
    """A property computed (with grad enabled) on first access and then stored on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def _where(cond, x, value):
    return _ops.where(cond, tensor(value, dtype=x.dtype), x)


# ---------------------------------------------------------------------------------------------------- Distribution

def _clamp_by_zero(x):
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


def _draw(method: str, *params):
    """Draws from the engine's generator (``torch.manual_seed``) where no differentiable sampler exists."""
    from ....engine import factories

    arrays = [p.detach().numpy() for p in params]
    return tensor(getattr(factories._rng(), method)(*arrays).astype(arrays[-1].dtype))


def _tril_inverse(L):
    """The inverse of the lower triangle of L: ``solve_triangular(L, I, upper=False)``, as PyTorch's distributions
    write it."""
    identity = eye(L.shape[-1], dtype=L.dtype).expand(tuple(L.shape))
    return _ops.linalg_solve_triangular(L, identity, upper=False)


def _batch_mv(bmat, bvec):
    return _ops.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(bL, bx):
    """The squared Mahalanobis distance x^T (L L^T)^-1 x, L lower triangular, broadcast over batches."""
    return _ops.linalg_solve_triangular(bL, bx.unsqueeze(-1), upper=False).squeeze(-1).pow(2).sum(-1)


def _batch_trace_XXT(bmat):
    n, m = bmat.size(-1), bmat.size(-2)
    return bmat.reshape(-1, m * n).pow(2).sum(-1).reshape(tuple(bmat.shape[:-2]))
