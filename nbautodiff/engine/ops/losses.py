"""The losses: the ones PyTorch records as their own nodes (nll_loss, mse_loss, binary cross-entropy, smooth
L1, Huber, soft and multi margin) and the compositions it builds (cross_entropy, l1_loss, kl_div, the margin,
embedding and NLL-family losses), with PyTorch's reductions and warnings."""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from .. import dtypes, factories
from ..mode import no_grad
from ..tensor import Tensor, make
from ._util import const, float_kernel, shape_str
from .elementwise import (
    abs,
    exp,
    masked_fill,
    minus_scalar,
    over_scalar,
    plus_scalar,
    sigmoid,
    times_scalar,
    where,
)
from .linalg import _scalar_type, _tensors
from .nn import (
    _REDUCTIONS,
    _check_reduction,
    _legacy_reduction,
    _reduce,
    _size_warning,
    _spread,
    broadcast_pair,
    pairwise_distance,
)
from .reduce import log_softmax, mean, sum
from .registry import apply, defop, public
from .shape import reshape
from .special import _torch_name, xlogy


# ============================================================== nll_loss: one row for (N, C) and one for (N, C, H, W)
def _targets(logp, target, weight, ignore_index):
    """logp as (N, C, ...), each sample's target class (0 where ignored) and its weight (0 where ignored), shapes
    (N, ...), and where the target is not ignored (None for an (N, C) logp with none ignored: plain indexing). The
    weights are None when every one is 1 (no class weights, nothing ignored, a float32/float64 loss)."""
    one = logp.ndim == 1
    lp, tg = (logp[None], np.reshape(target, (1,))) if one else (logp, target)
    valid = tg != ignore_index
    if lp.ndim == 2 and valid.all():  # the common case, (N, C) with no target ignored: plain indexing
        safe = tg if tg.dtype == np.int64 else tg.astype(np.int64)
        if weight is not None:
            w = weight[safe].astype(lp.dtype, copy=False)
        else:  # all ones: the sum of N ones is N exactly in float32 and float64 (not in float16)
            w = None if lp.dtype.itemsize >= 4 and safe.shape[0] < 2 ** 24 else np.ones(safe.shape, lp.dtype)
        return lp, safe, w, None
    safe = np.where(valid, tg, 0).astype(np.int64)
    w = (weight[safe] if weight is not None else np.ones(safe.shape, lp.dtype)) * valid
    return lp, safe, w.astype(lp.dtype), valid


def _nll_fwd(logp, target, *, reduction, weight, ignore_index):
    lp, safe, w, valid = _targets(logp, target, weight, ignore_index)
    picked = lp[np.arange(safe.shape[0]), safe] if valid is None else np.take_along_axis(lp, safe[:, None], 1)[:, 0]
    loss = -picked if w is None else -picked * w
    if valid is not None:  # an ignored target counts nothing, not nan * 0 (PyTorch's kernel skips it)
        loss = np.where(valid, loss, loss.dtype.type(0))
    if reduction == "mean":
        return loss.sum() / (loss.dtype.type(loss.shape[0]) if w is None else w.sum())
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if logp.ndim == 1 else loss


def _nll_weights(logp, target, reduction, weight, ignore_index) -> np.ndarray:
    """d loss / d logp: −w (−w / Σw for the mean) at each sample's target class, 0 elsewhere."""
    la = logp._data if isinstance(logp, Tensor) else logp
    ta = target._data if isinstance(target, Tensor) else target
    _, safe, w, _ = _targets(la, ta, weight, ignore_index)
    if w is None:  # every weight 1
        one = la.dtype.type(1)
        scale = -one / la.dtype.type(safe.shape[0]) if reduction == "mean" else -one
    else:
        total = w.sum()
        scale = (-w / total if total else np.zeros_like(w)) if reduction == "mean" else -w  # all ignored: 0 (PyTorch)
    out = np.zeros(la.shape if la.ndim > 1 else (1,) + la.shape, dtype=la.dtype)
    if out.ndim == 2:
        out[np.arange(safe.shape[0]), safe] = scale
    else:
        np.put_along_axis(out, safe[:, None], scale[:, None], axis=1)
    return out.reshape(la.shape)


def _nll_vjp(g, out, logp, target, *, reduction, weight, ignore_index):
    if isinstance(g, Tensor):  # create_graph: an expression the engine can differentiate again
        if reduction == "none" and logp.ndim > 1:
            g = g[:, None]
        lp, safe, _, valid = _targets(logp._data if isinstance(logp, Tensor) else logp,
                                      target._data if isinstance(target, Tensor) else target, weight, ignore_index)
        counted = np.zeros(lp.shape, bool)
        np.put_along_axis(counted, safe[:, None], True if valid is None else valid[:, None], axis=1)
        w = _nll_weights(logp, target, reduction, weight, ignore_index)
        return where(const(counted.reshape(logp.shape)), g * const(w), 0.0)  # +0 elsewhere, not g * 0's -0 or nan
    # PyTorch's nll_loss_backward: zeros, and at each counted target weight * -(g / total weight) (-g unreduced)
    lp, safe, w, valid = _targets(logp, target, weight, ignore_index)
    if reduction == "mean":
        grad = -(g / (lp.dtype.type(safe.shape[0]) if w is None else w.sum()))
    else:
        grad = -g if reduction == "sum" or logp.ndim == 1 else -g.reshape(safe.shape)
    values = grad if w is None else w * grad
    out = np.zeros(lp.shape, lp.dtype)
    if valid is None:
        out[np.arange(safe.shape[0]), safe] = values
    else:  # nothing is written where the target is ignored
        values = np.where(valid, values, lp.dtype.type(0))
        np.put_along_axis(out, safe[:, None], values[:, None], axis=1)
    return out.reshape(logp.shape)


def _nll_jvp(dlogp, out, logp, target, *, reduction, weight, ignore_index):
    picked = dlogp * const(_nll_weights(logp, target, reduction, weight, ignore_index))
    if reduction != "none":
        return picked.sum()
    return picked.sum(1) if logp.ndim > 1 else picked.sum()


NLL_LOSS = defop("nll_loss", "NllLossBackward0", _nll_fwd, vjp=(_nll_vjp, None), jvp=(_nll_jvp, None), save=(0, 1),
                 arrays=True)
NLL_LOSS2D = defop("nll_loss2d", "NllLoss2DBackward0", _nll_fwd, vjp=(_nll_vjp, None), jvp=(_nll_jvp, None),
                   save=(0, 1), arrays=True)


def _nll_kernel_checks(logp, target, weight) -> None:
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_scalar_type(target)}\n"
                           "cross_entropy/nll_loss take class indices: torch.tensor([0, 2, 1])")
    c = logp._data.shape[1 if logp._data.ndim > 1 else 0]
    if weight is not None:
        if weight._data.ndim != 1 or weight._data.size != c:
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                               f"weight tensor of shape: {shape_str(weight._data.shape)}")
        if weight._data.dtype != logp._data.dtype:
            raise RuntimeError(f"expected scalar type {_scalar_type(logp)} but found {_scalar_type(weight)}")


def _nll_apply(op, logp, target, reduction, weight, ignore_index):
    float_kernel("nll_loss_out_frame" if op is NLL_LOSS else "nll_loss2d_forward_out_frame", "nll_loss", logp)
    _nll_kernel_checks(logp, target, weight)
    t = target._data
    c = logp._data.shape[1 if logp._data.ndim > 1 else 0]
    bad = None
    # one reduction for the common case, all in range: a negative int64 is huge as uint64 (its own view)
    if t.size and (t.view(np.uint64) if t.dtype == np.int64 else t).max() >= c:
        bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if bad is not None and bad.any():
        raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.\nnll_loss: there are {c} classes, "
                         f"0 to {c - 1}")
    w = None if weight is None else weight._data
    return apply(op, (logp, target), {"reduction": reduction, "weight": w, "ignore_index": ignore_index})


@public(function=False, method=False, functional=True)
def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean"):
    """The negative log-likelihood of the target classes, from log-probabilities (C,), (N, C) or (N, C, d1, ...);
    ``weight`` per class, ``ignore_index`` skipped (the mean divides by the weights of the targets counted)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _tensors("nll_loss", "input target", input, target)
    nd = input._data.ndim
    if nd == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if nd > 1 and target._data.ndim and target._data.shape[0] != input._data.shape[0]:
        raise ValueError(f"Expected input batch_size ({input._data.shape[0]}) to match target batch_size "
                         f"({target._data.shape[0]}).")
    if nd <= 2:
        if nd == 2 and target._data.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return _nll_apply(NLL_LOSS, input, target, reduction, weight, ignore_index)
    n, c = input._data.shape[:2]
    out_size = (n,) + tuple(input._data.shape[2:])
    if nd == 4:
        if target._data.ndim != 3:
            raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got targets of dimension: "
                               f"{target._data.ndim}")
        if tuple(target._data.shape) != out_size:
            raise RuntimeError(f"Expected target size {shape_str(out_size)}, got {shape_str(target._data.shape)}")
        return _nll_apply(NLL_LOSS2D, input, target, reduction, weight, ignore_index)
    if tuple(target._data.shape[1:]) != out_size[1:]:
        raise RuntimeError(f"Expected target size {shape_str(out_size)}, got {shape_str(target._data.shape)}")
    flat = reshape(input.contiguous(), n, c, 1, -1) if input._data.size else input
    ft = make(np.ascontiguousarray(target._data).reshape(n, 1, -1)) if target._data.size else target
    out = _nll_apply(NLL_LOSS2D, flat, ft, reduction, weight, ignore_index)
    return reshape(out, *out_size) if reduction == "none" and input._data.size else out


@public(function=False, method=False, functional=True)
def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0):
    """log_softmax then nll_loss, as ``torch.nn.functional.cross_entropy``: class indices (with ``weight``,
    ``ignore_index``, ``label_smoothing``) or class probabilities (a float target of the input's shape)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    class_dim = 0 if input._data.ndim == 1 else 1
    if tuple(input._data.shape) == tuple(target._data.shape):
        if target._data.dtype.kind != "f":
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{_scalar_type(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        return _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing, class_dim)
    return nll_loss(log_softmax(input, class_dim), target, weight, ignore_index=ignore_index, reduction=reduction)


def _class_weights(weight, logp, class_dim):
    shape = [1] * logp._data.ndim
    shape[class_dim] = weight._data.shape[0]
    return weight.view(*shape)


def _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, eps, class_dim):
    """(1 − ε) · nll + ε/C · (the loss against the uniform distribution), as PyTorch's C++ writes it."""
    logp = log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    ignored = const(target._data == ignore_index)
    if weight is not None:
        smooth = -sum(logp * _class_weights(weight, logp, class_dim), class_dim)
    else:
        smooth = -sum(logp, class_dim)
    smooth = masked_fill(smooth, ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target._data[target._data != ignore_index]
            ret = sum(smooth) / make(np.asarray(weight._data[kept].sum(), dtype=weight._data.dtype))
        else:
            # (PyTorch divides by an int64 count; a count of the loss's dtype keeps the gradient's dtype here)
            ret = sum(smooth) / make(np.asarray((target._data != ignore_index).sum(), dtype=smooth._data.dtype))
    else:
        ret = sum(smooth) if reduction == "sum" else smooth
    return times_scalar(nll, 1 - eps) + times_scalar(ret, eps / input._data.shape[class_dim])


def _cross_entropy_probs(input, target, weight, reduction, eps, class_dim):
    n_classes = input._data.shape[class_dim]
    if weight is not None and (weight._data.ndim != 1 or weight._data.size != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes or no "
                           f"classes but got weight tensor of shape: {shape_str(weight._data.shape)}")
    logp = log_softmax(input, class_dim)
    if eps > 0.0:
        if eps > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {eps}")
        target = target * (1 - eps) + eps / n_classes
    terms = logp * target
    if weight is not None:
        terms = terms * (_class_weights(weight, logp, class_dim) if logp._data.ndim > 1 else weight)
    if reduction == "none":
        return -sum(terms, class_dim)
    if reduction == "mean" and input._data.size == 0:  # PyTorch's -(...).sum().fill_(NAN)
        return -sum(terms).fill_(float("nan"))
    total = -sum(terms)
    if reduction == "sum":
        return total
    return over_scalar(total, input._data.size // n_classes)


# ============================================================== mse, l1, smooth L1, Huber
def _mse_fwd(x, y, *, reduction):
    d = (x - y) ** 2
    return _reduce(d, reduction)


def _mse_scale(x, reduction):
    return 2.0 / x._data.size if reduction == "mean" and x._data.size else 2.0  # (an empty mean: no gradient)


def _minus(a, b):
    """a - b in a loss's backward, where PyTorch's kernels take a bool input or target as numbers (its ``-``
    operator refuses bools): a bool one is cast to the other's dtype first."""
    if a._data.dtype == np.bool_:
        a = a.to(b.dtype)
    elif b._data.dtype == np.bool_:
        b = b.to(a.dtype)
    return a - b


def _mse_vjp(g, out, x, y, *, reduction):
    return g * _minus(x, y) * _mse_scale(x, reduction)


def _mse_vjp_y(g, out, x, y, *, reduction):
    return g * _minus(y, x) * _mse_scale(x, reduction)


def _mse_jvp(dx, out, x, y, *, reduction):
    r = dx * _minus(x, y) * _mse_scale(x, reduction)
    return r if reduction == "none" else r.sum()


def _mse_jvp_y(dy, out, x, y, *, reduction):
    r = dy * _minus(y, x) * _mse_scale(x, reduction)
    return r if reduction == "none" else r.sum()


MSE_LOSS = defop("mse_loss", "MseLossBackward0", _mse_fwd, vjp=(_mse_vjp, _mse_vjp_y), jvp=(_mse_jvp, _mse_jvp_y),
                 save=(0, 1), broadcast=True)


def _weighted(loss, weight, input, reduction, mean_by_weight: bool):
    """The element losses times ``weight`` (same shape as the input), then reduced as PyTorch's Python does."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return sum(loss)
    return sum(loss) / sum(weight) if mean_by_weight else mean(loss)


def _pair(input, target, name):
    _tensors(name, "input target", input, target)
    _size_warning(input, target)
    return broadcast_pair(input, target)


@public(function=False, method=False, functional=True)
def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """The mean (or sum) of squared differences; a target of another shape is broadcast, with PyTorch's warning."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _pair(input, target, "mse_loss")
    float_kernel("mse_cpu", "mse_loss", x, y)
    if weight is not None:
        _check_reduction(reduction)
        return _weighted((x - y) ** 2, weight, input, reduction, True)
    _check_reduction(reduction)
    return apply(MSE_LOSS, (x, y), {"reduction": reduction})


@public(function=False, method=False, functional=True)
def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """The mean (or sum) of absolute differences: |input − target| reduced (PyTorch composes it so too)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _pair(input, target, "l1_loss")
    _check_reduction(reduction)
    if weight is not None:
        return _weighted(abs(x - y), weight, input, reduction, True)
    return _l1(x, y, reduction)


def _l1(x, y, reduction):
    d = abs(x - y)
    return mean(d) if reduction == "mean" else sum(d) if reduction == "sum" else d


def _smooth_l1_fwd(x, y, *, reduction, beta):
    d = np.abs(x - y)
    return _reduce(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def _smooth_l1_dx(x, y, reduction, beta):
    d = _nan_constant(_minus(x, y))
    return where(const(d._data < -beta), -1.0, where(const(d._data > beta), 1.0, d / beta))


def _nan_constant(d):
    """PyTorch's smooth_l1/huber backward is piecewise with the middle piece last, so a nan difference gives a nan
    gradient; its double backward is 0 there (the middle's test, -β <= d <= β, fails): a nan as a constant."""
    nan = np.isnan(d._data)
    return where(const(nan), d.detach(), d) if nan.any() else d


def _huber_fwd(x, y, *, reduction, delta):
    d = np.abs(x - y)
    loss = np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    # PyTorch writes into a loss like the input: a float32 input and a float64 target give float32
    return _reduce(loss if loss.dtype == x.dtype else loss.astype(x.dtype), reduction)


def _huber_dx(x, y, reduction, delta):
    d = _nan_constant(x - y)
    return where(const(d._data < -delta), -delta, where(const(d._data > delta), delta, d))


def _one_dtype(name, mine, other) -> None:
    """PyTorch's huber_loss_backward takes one dtype (its forward promotes): its error for the gradient of ``mine``."""
    if mine._data.dtype != other._data.dtype:
        raise RuntimeError(f"Found dtype {_scalar_type(other)} but expected {_scalar_type(mine)}\n{name}: its "
                           "gradient needs the input and the target in one dtype, e.g. target.to(input.dtype)")


def _pointwise_rows(name, node, forward, dx, param, one_dtype=False):
    """A loss ℓ(x − y) with the derivative ``dx``: the target's is its negative. ``one_dtype``: the backward refuses
    an input and a target of different dtypes, as PyTorch's huber_loss_backward does."""

    def vjp_x(g, out, x, y, **p):
        if one_dtype:
            _one_dtype(name, x, y)
        return _spread(g, x, p["reduction"]) * dx(x, y, p["reduction"], p[param])

    def vjp_y(g, out, x, y, **p):
        if one_dtype:
            _one_dtype(name, y, x)
        return -(_spread(g, x, p["reduction"]) * dx(x, y, p["reduction"], p[param]))

    def jvp_x(d, out, x, y, **p):
        return _reduce(d * dx(x, y, p["reduction"], p[param]), p["reduction"])

    def jvp_y(d, out, x, y, **p):
        return -jvp_x(d, out, x, y, **p)

    return defop(name, node, forward, vjp=(vjp_x, vjp_y), jvp=(jvp_x, jvp_y), save=(0, 1), broadcast=True)


SMOOTH_L1 = _pointwise_rows("smooth_l1_loss", "SmoothL1LossBackward0", _smooth_l1_fwd, _smooth_l1_dx, "beta")
HUBER = _pointwise_rows("huber_loss", "HuberLossBackward0", _huber_fwd, _huber_dx, "delta", one_dtype=True)


@public(function=False, method=False, functional=True)
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    """½(x − y)²/β where |x − y| < β, else |x − y| − β/2 (β = 0 is the L1 loss, as PyTorch computes it)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _pair(input, target, "smooth_l1_loss")
    _check_reduction(reduction)
    if beta == 0.0:  # (PyTorch's l1_loss then: integers are fine unless averaged)
        return _l1(x, y, reduction)
    float_kernel("smooth_l1_cpu", "smooth_l1_loss", x, y)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return apply(SMOOTH_L1, (x, y), {"reduction": reduction, "beta": float(beta)})


@public(function=False, method=False, functional=True)
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    """½(x − y)² where |x − y| < δ, else δ(|x − y| − δ/2)."""
    x, y = _pair(input, target, "huber_loss")
    float_kernel("huber_cpu", "huber_loss", x, y)
    if x._data.dtype.kind in "biu":  # (its loss is written into a tensor like the input)
        raise RuntimeError(f"result type {_scalar_type(y)} can't be cast to the desired output type {_scalar_type(x)}")
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        loss = apply(HUBER, (x, y), {"reduction": "none", "delta": float(delta)})
        return _weighted(loss, weight, input, reduction, False)
    return apply(HUBER, (x, y), {"reduction": reduction, "delta": float(delta)})


# ============================================================== binary cross-entropy on probabilities
# PyTorch's BinaryCrossEntropyBackward0: each log is clamped at −100 (so p = 0 or 1 gives a finite loss), and the
# input's derivative w·(p − t)/max(p(1 − p), 1e−12); the target's is w·(log(1 − p) − log p), PyTorch's −logit(p).
_BCE_EPS = 1e-12


def _bce_fwd(p, t, *, reduction, weight):
    loss = -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log1p(-p), -100))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _bce_prob_w(p, weight):
    return const(weight) if weight is not None else 1.0


def _bce_prob_dp(p, t, weight):
    from .elementwise import clamp

    return _bce_prob_w(p, weight) * (p - t) / clamp((1 - p) * p, min=_BCE_EPS)


def _bce_prob_dt(p, t, weight):
    from .elementwise import log

    return _bce_prob_w(p, weight) * (log(1 - p) - log(p))


BCE = defop(
    "binary_cross_entropy", "BinaryCrossEntropyBackward0", _bce_fwd,
    vjp=(lambda g, out, p, t, *, reduction, weight: _spread(g, p, reduction) * _bce_prob_dp(p, t, weight),
         lambda g, out, p, t, *, reduction, weight: _spread(g, p, reduction) * _bce_prob_dt(p, t, weight)),
    jvp=(lambda dp, out, p, t, *, reduction, weight: _reduce(dp * _bce_prob_dp(p, t, weight), reduction),
         lambda dt, out, p, t, *, reduction, weight: _reduce(dt * _bce_prob_dt(p, t, weight), reduction)),
    save=(0, 1),
)


@public(function=False, method=False, functional=True)
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
    """−w·(t·log p + (1 − t)·log(1 − p)) for probabilities p in [0, 1], each log clamped at −100 as PyTorch does."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                         "is deprecated. Please ensure they have the same size.")
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_scalar_type(target)} but expected {_scalar_type(input)}")
    _not_differentiable("binary_cross_entropy", "weight", weight)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"binary_cross_entropy\" not implemented for '{_torch_name(input._data.dtype)}'"
                                  "\nbinary_cross_entropy: it takes probabilities; convert first, e.g. x.float()")
    for name, a in (("input", input), ("target", target)):
        if a._data.size and not ((a._data >= 0) & (a._data <= 1)).all():
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    w = None
    if weight is not None:
        w = np.broadcast_to(np.asarray(weight._data if isinstance(weight, Tensor) else weight,
                                       dtype=input._data.dtype), input._data.shape)
    return apply(BCE, (input, target), {"reduction": reduction, "weight": w})


# ============================================================== binary cross-entropy on logits
# A primitive (PyTorch's BinaryCrossEntropyWithLogitsBackward0), not the composite max(x, 0) − xt + log1p(e^−|x|):
# that composite's derivative at x = 0 is 1 − t where the loss's is σ(0) − t = 0.5 − t, and a zero-initialised
# logistic regression starts exactly there. With lw = 1 + (pos_weight − 1)·t, sp(−x) = log1p(e^−|x|) + max(−x, 0):
#   loss = w·((1 − t)·x + lw·sp(−x)),  d/dx = w·((1 − t) − lw·σ(−x)),  d/dt = w·(−x + (pos_weight − 1)·sp(−x))
def _softplus_neg(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)


def _bce_logits_fwd(x, t, *, reduction, weight, pos_weight):
    # PyTorch writes the loss into (1 − t) in place: it has the target's dtype (a float64 input with a float32
    # target gives a float32 loss); log σ(x) is the input's own (float16 computed in float32)
    lw = 1 + (pos_weight - 1) * t if pos_weight is not None else 1
    sp = _softplus_neg(x.astype(np.float32)).astype(x.dtype) if x.dtype == np.float16 else _softplus_neg(x)
    loss = (1 - t) * x + lw * sp
    if weight is not None:
        loss = loss * weight
    if t.dtype.kind == "f" and loss.dtype != t.dtype:
        loss = loss.astype(t.dtype)
    return _reduce(loss, reduction)


def _scaled(g, x, reduction, weight):
    """The incoming gradient spread over the elements (1/N for the mean), times the weight."""
    g = g / x.numel() if reduction == "mean" else g
    return g * const(weight) if weight is not None else g


def _bce_dx(g, out, x, t, *, reduction, weight, pos_weight):
    # PyTorch's binary_cross_entropy_with_logits_backward, in its order: σ(x) − t, or with pos_weight
    # (pw·t + 1 − t)·σ(x) − pw·t, in σ(x)'s dtype (it writes in place), times the weight, / N, times g
    from .elementwise import sigmoid

    s = sigmoid(x)
    if pos_weight is not None:
        pt = const(pos_weight) * t
        d = (pt + 1 - t) * s - pt
    else:
        d = s - t
    if d._data.dtype != s._data.dtype:
        d = d.to(dtypes.from_numpy(s._data.dtype))
    if weight is not None:
        d = d * const(weight)
    if reduction == "mean":
        d = d / x.numel()
    return d * g


def _bce_dt(g, out, x, t, *, reduction, weight, pos_weight):
    from .elementwise import exp, log1p, relu

    softplus = log1p(exp(-abs(x))) + relu(-x)
    grad = -x + (pos_weight - 1) * softplus if pos_weight is not None else -x
    return _scaled(g, x, reduction, weight) * grad


def _bce_jvp_x(dx, out, x, t, **params):
    d = _bce_dx(1.0, out, x, t, **{**params, "reduction": "none"}) * dx
    return _reduce(d, params["reduction"])


def _bce_jvp_t(dt, out, x, t, **params):
    d = _bce_dt(1.0, out, x, t, **{**params, "reduction": "none"}) * dt
    return _reduce(d, params["reduction"])


BCE_LOGITS = defop("bce_with_logits", "BinaryCrossEntropyWithLogitsBackward0", _bce_logits_fwd,
                   vjp=(_bce_dx, _bce_dt), jvp=(_bce_jvp_x, _bce_jvp_t), save=(0, 1), broadcast=True)


@public(function=False, method=False, functional=True)
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Binary cross-entropy of logits against targets in [0, 1], computed stably (one node, as PyTorch)."""
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size ({list(input.shape)})")
    float_kernel("log_sigmoid_cpu", "binary_cross_entropy_with_logits", input)
    _not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    _not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    w = None if weight is None else np.broadcast_to(np.asarray(weight._data if isinstance(weight, Tensor) else weight,
                                                               dtype=input._data.dtype), input._data.shape)
    pw = None if pos_weight is None else np.asarray(pos_weight._data if isinstance(pos_weight, Tensor) else
                                                    pos_weight, dtype=input._data.dtype)
    return apply(BCE_LOGITS, (input, target), {"reduction": reduction, "weight": w, "pos_weight": pw})


# ============================================================== kl_div, prelu
@public(function=False, method=False, functional=True)
def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False):
    """The KL divergence of ``target`` from log-probabilities ``input``: target·(log target − input) elementwise
    (exp(target)·(target − input) with ``log_target``); 'batchmean' divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if reduction != "batchmean":
        _check_reduction(reduction)
    _tensors("kl_div", "input target", input, target)
    if input._data.dtype.kind in "biu" or target._data.dtype.kind in "biu":
        raise RuntimeError("kl_div: Integral inputs not supported.\nkl_div: give it float log-probabilities and a "
                           "float target")
    if log_target:
        loss = exp(target) * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = sum(loss)
        return total / input._data.shape[0] if input._data.ndim else total
    return _reduce(loss, reduction)


# ============================================================== margin and embedding losses (PyTorch's C++ composites)
def _number_minus(c, x):
    """``c - x`` for a Python number ``c`` as PyTorch's C++ writes it (a wrapped number: SubBackward0)."""
    return make(np.asarray(c, dtype=x._data.dtype)) - x


def _loss_reduction(loss, reduction: str):
    """PyTorch's apply_loss_reduction: MeanBackward0, SumBackward0 or the element losses."""
    _check_reduction(reduction)
    return mean(loss) if reduction == "mean" else sum(loss) if reduction == "sum" else loss


@public(method=False, functional=True)
def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """max(0, −target·(input1 − input2) + margin): target 1 says input1 should rank higher, −1 lower."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _tensors("margin_ranking_loss", "input1 input2 target", input1, input2, target)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _loss_reduction(plus_scalar(-target * (input1 - input2), margin).clamp_min(0), reduction)


@public(method=False, functional=True)
def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """input where target is 1, max(0, margin − input) where it is −1 (a distance and similar / dissimilar labels)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _tensors("hinge_embedding_loss", "input target", input, target)
    zeros = factories.zeros_like(input)
    margin_clamp = _number_minus(margin, input).clamp_min(0)
    output_margin = where(const(target._data != 1), margin_clamp, zeros)
    output_self = where(const(target._data != -1), input, zeros)
    return _loss_reduction(output_margin + output_self, reduction)


def _soft_margin_fwd(x, t, *, reduction):
    # PyTorch's neg_out(output, x).mul_(t).exp_().log1p_() into an output like the input: the input's dtype
    z = -x * t
    return _reduce(np.log1p(np.exp(z if z.dtype == x.dtype or x.dtype.kind != "f" else z.astype(x.dtype))), reduction)


def _soft_margin_dx(x, t):
    return -t * sigmoid(-t * x)


SOFT_MARGIN = defop(
    "soft_margin_loss", "SoftMarginLossBackward0", _soft_margin_fwd,
    vjp=(lambda g, out, x, t, *, reduction: _spread(g, x, reduction) * _soft_margin_dx(x, t), None),
    jvp=(lambda dx, out, x, t, *, reduction: _reduce(dx * _soft_margin_dx(x, t), reduction), None),
    save=(0, 1), broadcast=True,
)


def _not_differentiable(name: str, arg: str, t) -> None:
    from ..mode import state

    if isinstance(t, Tensor) and t._requires_grad and state.grad_enabled:
        raise RuntimeError(f"The function '{name}' is not differentiable with respect to argument '{arg}'. This input "
                           "cannot have requires_grad True.")


@public(method=False, functional=True)
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """log(1 + exp(−target·input)), the two-class logistic loss for targets ±1 (one node, as PyTorch)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _tensors("soft_margin_loss", "input target", input, target)
    _not_differentiable("soft_margin_loss", "target", target)
    if input._data.dtype == np.bool_:  # (PyTorch's neg_out(output, input).mul_(target): its errors for the input)
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    if input._data.dtype.kind in "iu":
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_scalar_type(input)}")
    if tuple(input.shape) != tuple(target.shape):
        input, target = broadcast_pair(input, target)
    return apply(SOFT_MARGIN, (input, target), {"reduction": reduction})


@public(function=False, method=False, functional=True)
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean"):
    """Binary logistic losses per class, averaged over the classes (the last dimension), for multi-hot targets."""
    from .activations import logsigmoid

    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = sum(loss, class_dim) / input.size(class_dim)
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


_COS_EPS = 1e-12  # PyTorch's EPSILON in cosine_embedding_loss


@public(method=False, functional=True)
def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None, reduce=None,
                          reduction: str = "mean"):
    """1 − cos(x1, x2) where target is 1, max(0, cos(x1, x2) − margin) where it is −1 (along the last dimension)."""
    from .elementwise import sqrt

    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _tensors("cosine_embedding_loss", "input1 input2 target", input1, input2, target)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if td == 1 else 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(f"{td}D target tensor expects {want}D input tensors, but found inputs with sizes "
                           f"{shape_str(input1.shape)} and {shape_str(input2.shape)}.")
    prod_sum = sum(input1 * input2, td)
    mag1 = plus_scalar(sum(input1 * input1, td), _COS_EPS)
    mag2 = plus_scalar(sum(input2 * input2, td), _COS_EPS)
    cos = prod_sum / sqrt(mag1 * mag2)
    zeros = factories.zeros_like(cos)
    pos = _number_minus(1, cos)
    neg = minus_scalar(cos, margin).clamp_min(0)
    out = where(const(target._data == 1), pos, zeros) + where(const(target._data == -1), neg, zeros)
    return _loss_reduction(out, reduction)


@public(function=False, method=False, functional=True)
def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean"):
    """max(d(a, p) − d(a, n) + margin, 0) with any distance ``d`` (pairwise_distance by default); ``swap`` uses
    d(p, n) where it is smaller."""
    from .elementwise import minimum
    from .nn import pairwise_distance

    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    distance = distance_function if distance_function is not None else pairwise_distance
    dist_pos, dist_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        dist_neg = minimum(dist_neg, distance(positive, negative))
    loss = (margin + dist_pos - dist_neg).clamp_min(0)
    return loss.sum() if reduction == "sum" else loss.mean() if reduction == "mean" else loss


@public(method=False, functional=True)
def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None, reduction: str = "mean"):
    """max(0, margin + d(anchor, positive) − d(anchor, negative)), d the pairwise p-distance (``swap``: the smaller
    of d(anchor, negative) and d(positive, negative))."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _tensors("triplet_margin_loss", "anchor positive negative", anchor, positive, negative)
    a, b, c = anchor.dim(), positive.dim(), negative.dim()
    if not a == b == c:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {b}D, and negative {c}D inputs")
    from .elementwise import minimum

    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _loss_reduction((plus_scalar(dist_pos, margin) - dist_neg).clamp_min(0), reduction)


@public(method=False, functional=True)
def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean"):
    """The Poisson negative log-likelihood: exp(input) − target·input for log rates (``log_input``), else
    input − target·log(input + eps); ``full`` adds Stirling's term where target > 1."""
    from .elementwise import log

    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(plus_scalar(input, eps))
    if full:
        stirling = target * log(target) - target + times_scalar(log(times_scalar(target, 2 * math.pi)), 0.5)
        loss = loss + masked_fill(stirling, const(target._data <= 1), 0)
    return _loss_reduction(loss, reduction)


@public(function=False, method=False, functional=True)
def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
    """½(log var + (input − target)²/var), var clamped at ``eps`` (without recording); a var with one dimension
    fewer, or with one dimension of size 1, is one variance for that dimension; ``full`` adds ½·log 2π."""
    from .elementwise import log

    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * factories.ones_like(input)
    elif (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim()
                  and builtins.sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def _multi_margin_parts(x, t, p, margin, weight):
    """Per sample (rows of a 2-D x): the loss and d loss / d x (PyTorch's CPU kernel, divided by C)."""
    x2 = x.reshape(1, -1) if x.ndim <= 1 else x
    t1 = np.reshape(t, (-1,)).astype(np.int64)
    n, c = x2.shape
    rows = np.arange(n)
    z = margin - x2[rows, t1][:, None] + x2
    on = z > 0
    on[rows, t1] = False
    w = np.ones(n, x2.dtype) if weight is None else weight[t1].astype(x2.dtype)
    h = np.where(on, z if p == 1 else z * z, 0) * w[:, None]
    d = np.where(on, 1 if p == 1 else 2 * z, 0) * w[:, None]
    d[rows, t1] = -d.sum(axis=1)
    return h.sum(axis=1) / c, (d / c).astype(x2.dtype)


def _multi_margin_fwd(x, t, *, p, margin, weight, reduction):
    loss = _multi_margin_parts(x, t, p, margin, weight)[0].astype(x.dtype)
    if reduction == "none":
        return loss.reshape(()) if x.ndim <= 1 else loss
    return _reduce(loss, reduction)


def _multi_margin_d(x, t, p, margin, weight, reduction):
    xa = x._data if isinstance(x, Tensor) else x
    ta = t._data if isinstance(t, Tensor) else t
    d = _multi_margin_parts(xa, ta, p, margin, weight)[1]
    if reduction == "mean":
        d = d / d.shape[0]
    return d.reshape(xa.shape)


def _multi_margin_vjp(g, out, x, t, *, p, margin, weight, reduction):
    d = _multi_margin_d(x, t, p, margin, weight, reduction)
    if reduction == "none" and d.ndim == 2:
        g = g[:, None]
    return g * d


def _multi_margin_jvp(dx, out, x, t, *, p, margin, weight, reduction):
    r = dx * const(_multi_margin_d(x, t, p, margin, weight, reduction))
    return r.sum(-1) if reduction == "none" else r.sum()


MULTI_MARGIN = defop("multi_margin_loss", "MultiMarginLossBackward0", _multi_margin_fwd,
                     vjp=(_multi_margin_vjp, None), jvp=(_multi_margin_jvp, None), save=(0, 1), arrays=True)


@public(function=False, method=False, functional=True)
def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                      reduction: str = "mean"):
    """The multi-class hinge loss: Σ_{i≠y} max(0, margin − x[y] + x[i])^p / C per sample (times weight[y])."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _tensors("multi_margin_loss", "input target", input, target)
    float_kernel("multi_margin_loss_cpu_kernel", "multi_margin_loss", input)
    if input._data.dtype == np.float16:
        raise NotImplementedError("\"multi_margin_loss_cpu_kernel\" not implemented for 'Half'\nmulti_margin_loss: "
                                  "compute it in float32, e.g. input.float()")
    x, t = input._data, target._data
    if x.ndim > 2 or x.size == 0 and x.ndim != 2:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{shape_str(x.shape)}")
    n = x.shape[0] if x.ndim == 2 else 1
    if t.ndim > 1 or t.size != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {shape_str(t.shape)}. Input "
                           f"has shape {shape_str(x.shape)}.")
    c = x.shape[-1] if x.ndim else 1
    if t.size and (t.min() < 0 or t.max() >= c):
        raise RuntimeError("target out of range")
    w = None if weight is None else weight._data
    return apply(MULTI_MARGIN, (input, target), {"p": int(p), "margin": float(margin), "weight": w,
                                                 "reduction": reduction})


# ============================================================== multilabel_margin_loss
def _multilabel_terms(x, is_target, targets):
    """Per sample n: the hinge terms max(0, 1 − (x[j] − x[i])) over its targets j and non-targets i, and the
    coefficient each input gets in their sum's derivative (−1 for j, +1 for i, per active term)."""
    c = x.shape[-1]
    losses = np.zeros(x.shape[0], dtype=x.dtype)
    coef = np.zeros(x.shape, dtype=x.dtype)
    for n, ts in enumerate(targets):
        if not ts:
            continue
        ts = list(ts)
        others = np.flatnonzero(~is_target[n])
        margins = 1 - x[n, ts][:, None] + x[n, others][None, :]
        active = margins > 0
        terms = margins[active]  # each term in x's dtype, summed in double as PyTorch's kernel (its acc_type)
        losses[n] = terms.sum(dtype=np.float64) / c
        np.add.at(coef[n], ts, -active.sum(1).astype(x.dtype) / c)
        coef[n, others] += active.sum(0).astype(x.dtype) / c
    return losses, coef


def _multilabel_fwd(x, *, is_target, targets, reduction):
    losses, _ = _multilabel_terms(x.reshape(is_target.shape), is_target, targets)
    if reduction == "none":
        return losses.reshape(x.shape[:-1])  # (a 1-D input: one sample, a 0-d loss)
    total = losses.sum(dtype=np.float64)
    return x.dtype.type(total if reduction == "sum" else total / max(losses.size, 1))


def _multilabel_vjp(g, out, x, *, is_target, targets, reduction):
    data = np.asarray(x._data if isinstance(x, Tensor) else x)
    _, coef = _multilabel_terms(data.reshape(is_target.shape), is_target, targets)
    if reduction == "mean":
        coef = coef / max(coef.shape[0], 1)
    coef = coef.reshape(data.shape)
    if isinstance(g, Tensor):
        return (g.unsqueeze(-1) if reduction == "none" else g) * const(coef)
    return (np.asarray(g)[..., None] if reduction == "none" else g) * coef


def _multilabel_jvp(dx, out, x, *, is_target, targets, reduction):
    """The loss is piecewise linear in x: its tangent is the coefficients' sum against dx."""
    data = np.asarray(x._data if isinstance(x, Tensor) else x)
    _, coef = _multilabel_terms(data.reshape(is_target.shape), is_target, targets)
    if reduction == "mean":
        coef = coef / max(coef.shape[0], 1)
    per = (dx * const(coef.reshape(data.shape))).sum(-1)
    return per if reduction == "none" else per.sum()


MULTILABEL_MARGIN = defop("multilabel_margin_loss", "MultilabelMarginLossBackward0", _multilabel_fwd,
                          vjp=(_multilabel_vjp,), jvp=(_multilabel_jvp,), save=(0,))


@public(function=False, method=False, functional=True)
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """Σ over each sample's target classes j and other classes i of max(0, 1 − (x[j] − x[i])) / C; a sample's
    targets are ``target``'s entries before its first -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {shape_str(target.shape)} for input of size: "
                           f"{shape_str(input.shape)}")
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_scalar_type(target)}")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    t = np.asarray(target._data).reshape(x.shape)
    c = x.shape[-1]
    if t.size and (t.min() < -1 or t.max() >= c):
        raise RuntimeError("argument #2 'target' is out of range")
    targets, is_target = [], np.zeros(x.shape, dtype=bool)
    for n, row in enumerate(t):
        stop = np.flatnonzero(row == -1)
        ts = row[: stop[0] if stop.size else c].tolist()
        targets.append(ts)
        is_target[n, ts] = True
    return apply(MULTILABEL_MARGIN, (input,), {"is_target": is_target, "targets": tuple(map(tuple, targets)),
                                               "reduction": reduction})
