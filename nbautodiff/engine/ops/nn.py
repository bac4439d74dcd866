"""Losses and layers that PyTorch records as their own nodes (nll_loss, mse_loss, binary cross-entropy, smooth L1,
Huber, layer norm, linear), and the compositions it builds from them (cross_entropy, l1_loss, normalize, dropout)."""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from .. import dtypes, factories
from ..mode import no_grad
from ..tensor import Tensor, make
from ._util import const, norm_dim, one_dim, shape_str
from .decompositions import VECTOR_NORM, linalg_vector_norm
from .elementwise import _d, _sigmoid_fwd, abs, exp, masked_fill, rsqrt, sigmoid, sign, where
from .joining import cat
from .linalg import ADDMM, _scalar_type, _tensors, addmm, matmul
from .reduce import log_softmax, mean, softmax, sum
from .registry import apply, defop, public
from .shape import expand, narrow, reshape, t
from .special import _select, xlogy

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's deprecated ``size_average=``/``reduce=`` arguments, as its _Reduction.legacy_get_string."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  f"{'none' if not reduce else 'mean' if size_average else 'sum'}' instead.", UserWarning, stacklevel=3)
    return "none" if not reduce else "mean" if size_average else "sum"


def _reduce(loss, reduction):
    """Mean, sum or the elements, on an array or a tensor."""
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _spread(g, x, reduction):
    """The incoming gradient spread over the elements: 1/N of it each for the mean."""
    if reduction != "mean":
        return g
    return g / (x.numel() if isinstance(x, Tensor) else x.size)


def _size_warning(input, target) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=4,  # the user's call: _size_warning < _pair < the loss < the user
        )


def broadcast_pair(a, b):
    """``torch.broadcast_tensors(a, b)``: the one that must grow is expanded (recorded as ExpandBackward0)."""
    sa, sb = tuple(a._data.shape), tuple(b._data.shape)
    if sa == sb:
        return a, b
    out = []
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                               f"dimension {max(len(sa), len(sb)) - i}")
        out.append(y if x == 1 else x)
    shape = tuple(reversed(out))
    return (a if sa == shape else expand(a, *shape)), (b if sb == shape else expand(b, *shape))


# ============================================================== products by a constant, recorded as PyTorch's C++ does
# PyTorch's composite losses (label smoothing, probability targets) multiply and divide by plain numbers inside C++,
# where the node is MulBackward1 / DivBackward1 (a Python number on a tensor records MulBackward0 instead).
LOSS_SCALE = defop("loss_scale", "MulBackward1", lambda x, *, c: x * c,
                   vjp=(lambda g, out, x, *, c: g * c,), jvp=(lambda dx, out, x, *, c: dx * c,), arrays=True)
LOSS_DIV = defop("loss_div", "DivBackward1", lambda x, *, c: x / c,
                 vjp=(lambda g, out, x, *, c: g / c,), jvp=(lambda dx, out, x, *, c: dx / c,), arrays=True)


def _times(x, c):
    return apply(LOSS_SCALE, (x,), {"c": c})


def _over(x, c):
    return apply(LOSS_DIV, (x,), {"c": c})


# ============================================================== nll_loss: one row for (N, C) and one for (N, C, H, W)
def _picked(logp, target, weight, ignore_index):
    """The log-probability of each target class and its weight (0 where the target is ignored), shapes (N, ...).
    The weights are None when every one is 1 (no class weights, nothing ignored, a float32/float64 loss)."""
    one = logp.ndim == 1
    lp, tg = (logp[None], np.reshape(target, (1,))) if one else (logp, target)
    valid = tg != ignore_index
    if lp.ndim == 2 and valid.all():  # the common case, (N, C) with no target ignored: plain indexing
        safe = tg if tg.dtype == np.int64 else tg.astype(np.int64)
        if weight is not None:
            w = weight[safe].astype(lp.dtype, copy=False)
        else:  # all ones: the sum of N ones is N exactly in float32 and float64 (not in float16)
            w = None if lp.dtype.itemsize >= 4 and safe.shape[0] < 2 ** 24 else np.ones(safe.shape, lp.dtype)
        return lp[np.arange(safe.shape[0]), safe], w, safe
    safe = np.where(valid, tg, 0).astype(np.int64)
    picked = np.take_along_axis(lp, safe[:, None], axis=1)[:, 0]
    w = (weight[safe] if weight is not None else np.ones(safe.shape, lp.dtype)) * valid
    return picked, w.astype(lp.dtype), safe


def _nll_fwd(logp, target, *, reduction, weight, ignore_index):
    picked, w, _ = _picked(logp, target, weight, ignore_index)
    loss = -picked if w is None else -picked * w
    if reduction == "mean":
        return loss.sum() / (loss.dtype.type(loss.shape[0]) if w is None else w.sum())
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if logp.ndim == 1 else loss


def _nll_weights(logp, target, reduction, weight, ignore_index) -> np.ndarray:
    """d loss / d logp: −w (−w / Σw for the mean) at each sample's target class, 0 elsewhere."""
    la = logp._data if isinstance(logp, Tensor) else logp
    ta = target._data if isinstance(target, Tensor) else target
    _, w, safe = _picked(la, ta, weight, ignore_index)
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
    # an operator expression with a constant array: runs on tensors and on arrays alike
    if reduction == "none" and logp.ndim > 1:
        g = g[:, None]
    return g * _nll_weights(logp, target, reduction, weight, ignore_index)


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
    _nll_kernel_checks(logp, target, weight)
    t = target._data
    c = logp._data.shape[1 if logp._data.ndim > 1 else 0]
    bad = None
    if t.size and (t.min() < 0 or t.max() >= c):  # (two reductions for the common case, all in range)
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
    return _times(nll, 1 - eps) + _times(ret, eps / input._data.shape[class_dim])


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
    total = -sum(terms)
    if reduction == "sum":
        return total
    if input._data.size == 0:
        return total * float("nan")
    return _over(total, input._data.size // n_classes)


# ============================================================== mse, l1, smooth L1, Huber
def _mse_fwd(x, y, *, reduction):
    d = (x - y) ** 2
    return _reduce(d, reduction)


def _mse_scale(x, reduction):
    return 2.0 / x._data.size if reduction == "mean" else 2.0


def _mse_vjp(g, out, x, y, *, reduction):
    return g * (x - y) * _mse_scale(x, reduction)


def _mse_vjp_y(g, out, x, y, *, reduction):
    return g * (y - x) * _mse_scale(x, reduction)


def _mse_jvp(dx, out, x, y, *, reduction):
    r = dx * (x - y) * _mse_scale(x, reduction)
    return r if reduction == "none" else r.sum()


def _mse_jvp_y(dy, out, x, y, *, reduction):
    r = dy * (y - x) * _mse_scale(x, reduction)
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
    d = x - y
    return where(const(np.abs(d._data) < beta), d / beta, sign(d))


def _huber_fwd(x, y, *, reduction, delta):
    d = np.abs(x - y)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _huber_dx(x, y, reduction, delta):
    d = x - y
    return where(const(np.abs(d._data) < delta), d, sign(d) * delta)


def _pointwise_rows(name, node, forward, dx, param):
    """A loss ℓ(x − y) with the derivative ``dx``: the target's is its negative."""

    def vjp_x(g, out, x, y, **p):
        return _spread(g, x, p["reduction"]) * dx(x, y, p["reduction"], p[param])

    def vjp_y(g, out, x, y, **p):
        return -vjp_x(g, out, x, y, **p)

    def jvp_x(d, out, x, y, **p):
        return _reduce(d * dx(x, y, p["reduction"], p[param]), p["reduction"])

    def jvp_y(d, out, x, y, **p):
        return -jvp_x(d, out, x, y, **p)

    return defop(name, node, forward, vjp=(vjp_x, vjp_y), jvp=(jvp_x, jvp_y), save=(0, 1), broadcast=True)


SMOOTH_L1 = _pointwise_rows("smooth_l1_loss", "SmoothL1LossBackward0", _smooth_l1_fwd, _smooth_l1_dx, "beta")
HUBER = _pointwise_rows("huber_loss", "HuberLossBackward0", _huber_fwd, _huber_dx, "delta")


@public(function=False, method=False, functional=True)
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0):
    """½(x − y)²/β where |x − y| < β, else |x − y| − β/2 (β = 0 is the L1 loss, as PyTorch computes it)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _pair(input, target, "smooth_l1_loss")
    _check_reduction(reduction)
    if beta == 0.0:
        return _l1(x, y, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return apply(SMOOTH_L1, (x, y), {"reduction": reduction, "beta": float(beta)})


@public(function=False, method=False, functional=True)
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    """½(x − y)² where |x − y| < δ, else δ(|x − y| − δ/2)."""
    x, y = _pair(input, target, "huber_loss")
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
    for name, a in (("input", input), ("target", target)):
        if a._data.size and not ((a._data >= 0) & (a._data <= 1)).all():
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    w = None
    if weight is not None:
        w = np.broadcast_to(np.asarray(weight._data if isinstance(weight, Tensor) else weight,
                                       dtype=input._data.dtype), input._data.shape)
    return apply(BCE, (input, target), {"reduction": reduction, "weight": w})


@public(function=False, method=False, functional=True)
def linear(input, weight, bias=None):
    """input @ weight.T + bias, recorded as PyTorch's linear: one AddmmBackward0 node for a 2-D input with a bias
    (a contiguous N-D input is flattened to 2-D around it), else matmul and an add."""
    x = input
    if x._data.ndim == 0 or weight._data.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {x._data.ndim}D and "
                           f"{weight._data.ndim}D")
    if bias is not None and x._data.shape[-1] != weight._data.shape[-1] and weight._data.ndim == 2:
        rows = int(np.prod(x._data.shape[:-1], dtype=np.int64))
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x._data.shape[-1]} and "
            f"{weight._data.shape[1]}x{weight._data.shape[0]})\nlinear: the input has {x._data.shape[-1]} "
            f"features but the layer expects {weight._data.shape[1]}"
        )
    if x._data.ndim == 2 and bias is not None:
        wd, bd = weight._data, bias._data
        if wd.ndim == 2 and bd.ndim == 1 and bd.shape[0] == wd.shape[0] and x._data.dtype == wd.dtype == bd.dtype:
            # what addmm would check, all true: nn.Linear's every call
            return apply(ADDMM, (bias, x, t(weight)))
        return addmm(bias, x, t(weight))
    fusable = bias is not None and (bias._data.ndim == 1 or np.sum(np.asarray(bias._data.shape) != 1) == 1)
    if fusable and x._array().flags.c_contiguous:  # PyTorch's _flatten_nd_linear
        flat = x.view(int(np.prod(x._data.shape[:-1], dtype=np.int64)), x._data.shape[-1])
        out = addmm(bias, flat, t(weight))
        return out.view(*x._data.shape[:-1], out._data.shape[1])
    out = matmul(x, t(weight))
    return out if bias is None else out + bias


# ============================================================== binary cross-entropy on logits
# A primitive (PyTorch's BinaryCrossEntropyWithLogitsBackward0), not the composite max(x, 0) − xt + log1p(e^−|x|):
# that composite's derivative at x = 0 is 1 − t where the loss's is σ(0) − t = 0.5 − t, and a zero-initialised
# logistic regression starts exactly there. With lw = 1 + (pos_weight − 1)·t, sp(−x) = log1p(e^−|x|) + max(−x, 0):
#   loss = w·((1 − t)·x + lw·sp(−x)),  d/dx = w·((1 − t) − lw·σ(−x)),  d/dt = w·(−x + (pos_weight − 1)·sp(−x))
def _softplus_neg(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)


def _bce_logits_fwd(x, t, *, reduction, weight, pos_weight):
    lw = 1 + (pos_weight - 1) * t if pos_weight is not None else 1
    loss = (1 - t) * x + lw * _softplus_neg(x)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _scaled(g, x, reduction, weight):
    """The incoming gradient spread over the elements (1/N for the mean), times the weight."""
    g = g / x.numel() if reduction == "mean" else g
    return g * const(weight) if weight is not None else g


def _bce_dx(g, out, x, t, *, reduction, weight, pos_weight):
    lw = 1 + (pos_weight - 1) * t if pos_weight is not None else 1
    from .elementwise import sigmoid

    return _scaled(g, x, reduction, weight) * ((1 - t) - lw * sigmoid(-x))


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
                   vjp=(_bce_dx, _bce_dt), jvp=(_bce_jvp_x, _bce_jvp_t), save=(0, 1))


@public(function=False, method=False, functional=True)
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Binary cross-entropy of logits against targets in [0, 1], computed stably (one node, as PyTorch)."""
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size ({list(input.shape)})")
    w = None if weight is None else np.broadcast_to(np.asarray(weight._data if isinstance(weight, Tensor) else weight,
                                                               dtype=input._data.dtype), input._data.shape)
    pw = None if pos_weight is None else np.asarray(pos_weight._data if isinstance(pos_weight, Tensor) else
                                                    pos_weight, dtype=input._data.dtype)
    return apply(BCE_LOGITS, (input, target), {"reduction": reduction, "weight": w, "pos_weight": pw})


# ============================================================== layer norm
def _ln_stats(x, n_dims, eps):
    axes = tuple(range(x.ndim - n_dims, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return axes, mu, 1 / np.sqrt(var + eps)


def _ln_fwd(x, w, b, *, n_dims, eps):
    _, mu, rstd = _ln_stats(x, n_dims, eps)
    out = (x - mu) * rstd
    if w is not None:
        out = out * w
    return out + b if b is not None else out


def _ln_xhat(x, n_dims, eps):
    """(x − μ)/σ over the last ``n_dims`` dims and 1/σ, written with tensor ops (so the rules differentiate again)."""
    axes = tuple(range(x.ndim - n_dims, x.ndim))
    c = x - mean(x, axes, True)
    rstd = (mean(c * c, axes, True) + eps) ** -0.5
    return c * rstd, rstd, axes


def _ln_vjp_x(g, out, x, w, b, *, n_dims, eps):
    xhat, rstd, axes = _ln_xhat(x, n_dims, eps)
    gx = g * w if w is not None else g
    return rstd * (gx - mean(gx, axes, True) - xhat * mean(gx * xhat, axes, True))


def _batch_dims(x, n_dims):
    return tuple(range(x.ndim - n_dims))


def _ln_vjp_w(g, out, x, w, b, *, n_dims, eps):
    xhat = _ln_xhat(x, n_dims, eps)[0]
    lead = _batch_dims(x, n_dims)
    return sum(g * xhat, lead) if lead else g * xhat


def _ln_vjp_b(g, out, x, w, b, *, n_dims, eps):
    lead = _batch_dims(x, n_dims)
    return sum(g, lead) if lead else g


def _ln_jvp_x(dx, out, x, w, b, *, n_dims, eps):
    xhat, rstd, axes = _ln_xhat(x, n_dims, eps)
    dc = dx - mean(dx, axes, True)
    d = rstd * (dc - xhat * mean(dc * xhat, axes, True))
    return d * w if w is not None else d


LAYER_NORM = defop(
    "layer_norm", "NativeLayerNormBackward0", _ln_fwd,
    vjp=(_ln_vjp_x, _ln_vjp_w, _ln_vjp_b),
    jvp=(_ln_jvp_x,
         lambda dw, out, x, w, b, *, n_dims, eps: _ln_xhat(x, n_dims, eps)[0] * dw,
         lambda db, out, x, w, b, *, n_dims, eps: db.expand(*out.shape)),
    save=(0, 1),
)


@public(method=False, functional=True)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5, cudnn_enable=True):
    """Normalise over the last dims (``normalized_shape``) to mean 0 and variance 1, then scale and shift."""
    if isinstance(normalized_shape, int):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape = tuple(int(s) for s in normalized_shape)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"LayerNormKernelImpl\" not implemented for '{_scalar_type(input)}'")
    if tuple(input._data.shape[input._data.ndim - len(shape):]) != shape or len(shape) > input._data.ndim:
        raise RuntimeError(f"Given normalized_shape={shape_str(shape)}, expected input with shape "
                           f"{shape_str(('*',) + shape)}, but got input of size{shape_str(input._data.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p._data.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{shape_str(p._data.shape)} and normalized_shape = {shape_str(shape)}")
    return apply(LAYER_NORM, (input, weight, bias), {"n_dims": len(shape), "eps": float(eps)})


# ============================================================== normalize, dropout (compositions)
@public(function=False, method=False, functional=True)
def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """``input / max(‖input‖_p, eps)`` along ``dim`` (PyTorch's composition: norm, clamp, expand, divide)."""
    if out is not None:
        raise RuntimeError("normalize(): out= is not supported by the own engine\nassign the result instead")
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def _dropout(input, p: float, train: bool, inplace: bool):
    if p == 0 or not train or input._data.size == 0:
        return input
    if p == 1:
        mask = np.zeros(input._data.shape, input._data.dtype)
    else:
        keep = factories._rng().random(input._data.shape) >= p
        mask = (keep / (1 - p)).astype(input._data.dtype)
    return input.mul_(make(mask)) if inplace else input * make(mask)


@public(method=False, functional=True)
def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False, *, train=None):
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p) while training; the identity in
    evaluation (``training=False``; ``torch.dropout(input, p, train)`` too). The own engine draws the mask from
    its own generator (``torch.manual_seed`` makes it repeatable; the numbers differ from PyTorch's)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return _dropout(input, p, training if train is None else train, inplace)


# ============================================================== softmin, glu
def _float_kernel(x, kernel: str) -> None:
    """PyTorch's refusal of an integer input by a floating-point kernel."""
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_scalar_type(x)}'")


@public(function=False, method=False, functional=True)
def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):
    """softmax(−input) along ``dim`` (recorded as PyTorch does: NegBackward0, then SoftmaxBackward0)."""
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the call to include dim=X "
                      "as an argument.", UserWarning, stacklevel=_stacklevel)
    return softmax(-input, dim, dtype)


def _halves(x, dim):
    h = x.shape[dim] // 2
    return np.split(x, [h], axis=dim) if isinstance(x, np.ndarray) else (narrow(x, dim, 0, h), narrow(x, dim, h, h))


def _glu_fwd(x, *, dim):
    a, b = _halves(x, dim)
    return a * _sigmoid_fwd(b)


def _glu_vjp(g, out, x, *, dim):
    a, b = _halves(x, dim)
    s = sigmoid(b)
    return cat([g * s, g * a * s * (1 - s)], dim)


def _glu_jvp(dx, out, x, *, dim):
    a, b = _halves(x, dim)
    da, db = _halves(dx, dim)
    s = sigmoid(b)
    return da * s + a * s * (1 - s) * db


GLU = defop("glu", "GluBackward0", _glu_fwd, vjp=(_glu_vjp,), jvp=(_glu_jvp,), save=(0,))


@public(function=False, method=False, functional=True)
def glu(input, dim: int = -1):
    """The gated linear unit a·σ(b), where a and b are the two halves of ``input`` along ``dim``."""
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = one_dim(dim, input._data.ndim, "glu")
    _float_kernel(input, "glu_cpu")
    if input._data.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input._data.shape[d]}")
    return apply(GLU, (input,), {"dim": d})


# ============================================================== one_hot, embedding
@public(function=False, method=False, functional=True)
def one_hot(tensor, num_classes: int = -1):
    """An int64 tensor of shape (*tensor.shape, num_classes) with a 1 at each class index (num_classes=-1: the
    largest index + 1)."""
    t = tensor._data
    if t.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    if t.size and t.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if t.size and int(t.max()) >= num_classes or num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(t.shape + (num_classes,), np.int64)
    np.put_along_axis(out, t[..., None], 1, axis=-1)
    return make(out)


def _embedding_grad_scale(idx, padding_idx, scale_grad_by_freq, dtype):
    """Each looked-up row's share of its gradient: 0 at ``padding_idx``, 1/(its count) with scale_grad_by_freq."""
    scale = np.ones(idx.shape, dtype)
    if scale_grad_by_freq:
        uniq, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        scale = (1.0 / counts[inverse.reshape(idx.shape)]).astype(dtype)
    if padding_idx >= 0:
        scale = scale * (idx != padding_idx)
    return scale[..., None]


def _embedding_vjp(g, out, w, idx, *, padding_idx, scale_grad_by_freq, shape):
    i = idx._data if isinstance(idx, Tensor) else idx
    rows = g * const(_embedding_grad_scale(i, padding_idx, scale_grad_by_freq, g._data.dtype))
    zeros = make(np.zeros(shape, g._data.dtype))
    return zeros.index_add(0, const(i.reshape(-1)), rows.reshape(-1, shape[1]))


def _embedding_jvp(dw, out, w, idx, **params):
    return apply(EMBEDDING, (dw, idx), params)


EMBEDDING = defop("embedding", "EmbeddingBackward0", lambda w, idx, **_: w[idx],
                  vjp=(_embedding_vjp, None), jvp=(_embedding_jvp, None), save=(1,), reads=((1,), ()))


@public(function=False, method=False, functional=True)
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0, scale_grad_by_freq=False,
              sparse=False):
    """The rows of ``weight`` at the integer indices ``input`` (shape (*input.shape, embedding_dim)); the row at
    ``padding_idx`` gets no gradient, and ``max_norm`` renormalises the rows looked up, in place, first."""
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking "
                           "arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight._data.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % n
    else:
        padding_idx = -1
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"index out of range in self\nembedding: indices run from 0 to {n - 1}, got "
                         f"{int(idx[(idx < 0) | (idx >= n)].flat[0])}")
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    if sparse:
        raise NotImplementedError("embedding(sparse=True): the own engine has no sparse gradients\nuse sparse=False")
    return apply(EMBEDDING, (weight, input), {"padding_idx": int(padding_idx), "shape": weight._data.shape,
                                              "scale_grad_by_freq": bool(scale_grad_by_freq)})


def _embedding_renorm(weight, idx, max_norm, norm_type) -> None:
    """PyTorch's embedding_renorm_: rows looked up whose norm exceeds max_norm scaled to it, in place, unrecorded."""
    from ..tensor import bump_version

    w = weight._array()
    rows = np.unique(idx)
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
        bump_version(weight)


# ============================================================== cosine similarity, pairwise distance
# PyTorch's C++ adds a Python number with Tensor::add(Scalar) (AddBackward1) and takes at::norm(x, p, dim)
# (NormBackward1): rows of their own, so that the composites below record the nodes PyTorch's do.
ADD_SCALAR = defop("add_scalar", "AddBackward1", lambda x, *, c: x + c,
                   vjp=(lambda g, out, x, *, c: g,), jvp=(lambda dx, out, x, *, c: dx,), arrays=True)
NORM = defop("norm", "NormBackward1", VECTOR_NORM.forward, vjp=VECTOR_NORM.vjp, jvp=VECTOR_NORM.jvp, save=(0,),
             save_out=True, sets_dtype=True, broadcast=True)


def _plus(x, c):
    return apply(ADD_SCALAR, (x,), {"c": c})


def _check_float_pair(name, a, b):
    _tensors(name, "x1 x2", a, b)


@public(function=True, method=False, functional=True)
def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along ``dim`` (each divided by its clamped norm first, as PyTorch)."""
    _check_float_pair("cosine_similarity", x1, x2)
    a, b = broadcast_pair(x1, x2)
    if tuple(x1._data.shape) != tuple(x2._data.shape):  # at::expand_outplace expands both
        a, b = expand(x1, *a._data.shape), expand(x2, *a._data.shape)
    common = np.result_type(a._data.dtype, b._data.dtype)
    if common.kind != "f":
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{dtypes.from_numpy(common).legacy.removesuffix('Tensor')}")
    if a._data.dtype != b._data.dtype:
        a, b = (t_ if t_._data.dtype == common else t_.to(dtypes.from_numpy(common)) for t_ in (a, b))
    d = one_dim(dim, a._data.ndim, "cosine_similarity")
    norms = []
    for t_ in (a, b):
        n = linalg_vector_norm(t_, 2, d, True).clone()
        with no_grad():
            n.clamp_min_(eps)
        norms.append(n)
    return sum((a / norms[0]) * (b / norms[1]), d)


@public(function=True, method=False, functional=True)
def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """‖x1 − x2 + eps‖_p over the last dimension (PyTorch's at::norm of the shifted difference)."""
    _check_float_pair("pairwise_distance", x1, x2)
    last = max(x1._data.ndim, x2._data.ndim) - 1
    diff = _plus(x1 - x2, eps)
    dims = norm_dim(last, diff._data.ndim, "pairwise_distance") if diff._data.ndim else None
    return apply(NORM, (diff,), {"ord": float(p), "dim": dims, "keepdim": keepdim, "dtype": None})


# ============================================================== pad
def _constant_pad_fwd(x, *, pad, value):
    """``pad`` as (before, after) per dimension, first dimension first; negative amounts crop."""
    crop = tuple(slice(max(-lo, 0), x.shape[i] - max(-hi, 0)) for i, (lo, hi) in enumerate(pad))
    x = x[crop]
    return np.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in pad], constant_values=value)


def _constant_pad_back(g, out, x, *, pad, value):
    return apply(CONSTANT_PAD, (g,), {"pad": tuple((-lo, -hi) for lo, hi in pad), "value": 0})


CONSTANT_PAD = defop("constant_pad", "ConstantPadNdBackward0", _constant_pad_fwd, vjp=(_constant_pad_back,),
                     jvp=(lambda dx, out, x, *, pad, value: apply(CONSTANT_PAD, (dx,), {"pad": pad, "value": 0}),))


def _pad_positions(size, lo, hi, mode):
    """The input position each output position of a padded dimension reads (reflect mirrors without repeating the
    edge, replicate repeats it, circular wraps around)."""
    pos = np.arange(-lo, size + hi)
    if mode == "reflect":
        period = 2 * (size - 1)
        pos = np.abs(pos) % period if period else np.zeros_like(pos)
        return np.where(pos >= size, period - pos, pos)
    if mode == "circular":
        return pos % size
    return np.clip(pos, 0, size - 1)


def _gather_pad_fwd(x, *, positions, mode, in_shape):
    for d, pos in positions:
        x = np.take(x, pos, axis=d)
    return x


def _gather_pad_vjp(g, out, x, *, positions, mode, in_shape):
    """Each output position's gradient added back to the input position it read (index_add, dimension by
    dimension, the last padded first)."""
    shapes = [in_shape]
    for d, pos in positions[:-1]:
        shapes.append(shapes[-1][:d] + (len(pos),) + shapes[-1][d + 1:])
    for (d, pos), shape in zip(reversed(positions), reversed(shapes)):
        g = make(np.zeros(shape, g._data.dtype)).index_add(d, const(pos), g)
    return g


def _gather_pad_jvp(dx, out, x, **params):
    return apply(_PAD_ROWS[(params["mode"], len(params["positions"]))], (dx,), params)


_PAD_ROWS = {(mode, k): defop(f"{mode}_pad{k}d", f"{node}{k}DBackward0", _gather_pad_fwd, vjp=(_gather_pad_vjp,),
                              jvp=(_gather_pad_jvp,))
             for mode, node in (("reflect", "ReflectionPad"), ("replicate", "ReplicationPad")) for k in (1, 2, 3)}


@public(function=False, method=False, functional=True)
def pad(input, pad, mode: str = "constant", value=None):
    """Pad the last dimensions: ``pad = (left, right)`` for the last, then (top, bottom) for the one before...;
    mode "constant" (``value``, 0 by default; negative amounts crop), "reflect" or "replicate"."""
    pad = tuple(int(p) for p in pad)
    nd = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {nd}")
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(k)]  # last dimension first
    if mode == "constant":
        full = [(0, 0)] * (nd - k) + pairs[::-1]
        for i, (lo, hi) in enumerate(full):
            if input._data.shape[i] + lo + hi < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
        return apply(CONSTANT_PAD, (input,), {"pad": tuple(full), "value": 0 if value is None else value})
    if mode not in ("reflect", "replicate"):
        if mode == "circular":
            raise NotImplementedError("pad(mode='circular') is not supported by the own engine\nuse 'constant', "
                                      "'reflect' or 'replicate'")
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise AssertionError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    if not (k + 1 <= nd <= k + 2 and 1 <= k <= 3):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported "
                                  "combinations for non-constant padding: 2D or 3D input with padding size 2, 3D or "
                                  "4D input with padding size 4, 4D or 5D input with padding size 6")
    positions = []
    for j, (lo, hi) in enumerate(pairs):
        d = nd - 1 - j
        size = input._data.shape[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {d} of input {shape_str(input.shape)}")
        if mode == "replicate" and size == 0:
            raise RuntimeError(f"Expected tensor with non-empty dimension {d} for replicate padding")
        positions.append((d, _pad_positions(size, lo, hi, mode)))
    return apply(_PAD_ROWS[(mode, k)], (input,), {"positions": tuple(positions[::-1]), "mode": mode,
                                                   "in_shape": input._data.shape})


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
    if log_target:
        loss = exp(target) * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = sum(loss)
        return total / input._data.shape[0] if input._data.ndim else total
    return _reduce(loss, reduction)


def _prelu_fwd(x, w):
    return np.where(x > 0, x, w * x)


PRELU = defop(
    "prelu", "PreluKernelBackward0", _prelu_fwd,
    vjp=(lambda g, out, x, w: _select(_d(x) > 0, g, g * w), lambda g, out, x, w: _select(_d(x) > 0, 0 * g, g * x)),
    jvp=(lambda dx, out, x, w: _select(_d(x) > 0, dx, dx * w), lambda dw, out, x, w: _select(_d(x) > 0, 0 * x, x * dw)),
    save=(0, 1), broadcast=True, arrays=True,
)


@public(method=False, functional=True)
def prelu(input, weight):
    """x where x > 0, else weight·x, with one learned slope (``weight`` of 1 element) or one per channel (dim 1)."""
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_scalar_type(input)} and "
                           f"{_scalar_type(weight)}")
    if weight._data.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                           f"{weight._data.ndim}")
    nd, n = input._data.ndim, weight._data.size
    if n != 1:
        if nd == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input._data.shape[1] if nd > 1 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n}"
                               f" and channel size = {channels}.")
    _float_kernel(input, "prelu_cpu")
    w = weight
    if nd != weight._data.ndim:
        shape = [1] * nd
        if nd > 1:
            shape[1] = n
        w = reshape(weight, *shape)
    return apply(PRELU, (input, w))


# ============================================================== batch norm, group norm, rms norm
def _channel_shape(x):
    """(1, C, 1, ...): a per-channel vector's shape beside x of shape (N, C, ...)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _per_channel(v, x):
    return None if v is None else reshape(v, *_channel_shape(x)) if isinstance(v, Tensor) else \
        v.reshape(_channel_shape(x))


def _bn_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _bn_stats(x, training, mean_, var_, eps):
    """Mean and 1/σ per channel, shaped (1, C, 1, ...): of the batch (biased variance) or the running ones."""
    if training:
        axes = _bn_axes(x)
        mu = x.mean(axis=axes, keepdims=True)
        return mu, 1 / np.sqrt(((x - mu) ** 2).mean(axis=axes, keepdims=True) + eps)
    return mean_.reshape(_channel_shape(x)), 1 / np.sqrt(var_.reshape(_channel_shape(x)) + eps)


def _bn_fwd(x, w, b, *, training, rmean, rvar, eps):
    mu, rstd = _bn_stats(x, training, rmean, rvar, eps)
    out = (x - mu) * rstd
    if w is not None:
        out = out * w.reshape(_channel_shape(x))
    return out + b.reshape(_channel_shape(x)) if b is not None else out


def _bn_xhat(x, training, mean_, var_, eps):
    """(x − μ)/σ and 1/σ with tensor ops (the batch's statistics while training, else constants)."""
    if training:
        axes = _bn_axes(x)
        c = x - mean(x, axes, True)
        rstd = (mean(c * c, axes, True) + eps) ** -0.5
        return c * rstd, rstd
    mu, rstd = _bn_stats(x._data, False, mean_, var_, eps)
    return (x - const(mu.astype(x._data.dtype))) * const(rstd.astype(x._data.dtype)), const(rstd.astype(x._data.dtype))


def _bn_vjp_x(g, out, x, w, b, *, training, rmean, rvar, eps):
    xhat, rstd = _bn_xhat(x, training, rmean, rvar, eps)
    gx = g * _per_channel(w, x) if w is not None else g
    if not training:
        return gx * rstd
    axes = _bn_axes(x)
    return rstd * (gx - mean(gx, axes, True) - xhat * mean(gx * xhat, axes, True))


def _bn_jvp_x(dx, out, x, w, b, *, training, rmean, rvar, eps):
    xhat, rstd = _bn_xhat(x, training, rmean, rvar, eps)
    if training:
        axes = _bn_axes(x)
        dc = dx - mean(dx, axes, True)
        d = rstd * (dc - xhat * mean(dc * xhat, axes, True))
    else:
        d = dx * rstd
    return d * _per_channel(w, x) if w is not None else d


BATCH_NORM = defop(
    "batch_norm", "NativeBatchNormBackward0", _bn_fwd,
    vjp=(_bn_vjp_x,
         lambda g, out, x, w, b, **p: sum(g * _bn_xhat(x, p["training"], p["rmean"], p["rvar"], p["eps"])[0],
                                          _bn_axes(x)),
         lambda g, out, x, w, b, **p: sum(g, _bn_axes(x))),
    jvp=(_bn_jvp_x,
         lambda dw, out, x, w, b, **p: _bn_xhat(x, p["training"], p["rmean"], p["rvar"], p["eps"])[0]
         * _per_channel(dw, x),
         lambda db, out, x, w, b, **p: _per_channel(db, x).expand(*out.shape)),
    save=(0, 1),
)


def _check_channels(name, v, c):
    if v is not None and v._data.size != c:
        raise RuntimeError(f"{name} should contain {c} elements not {v._data.size}")


@public(function=False, method=False, functional=True)
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel (dim 1) over the batch and the other dims, then ``weight * x + bias``. Training uses
    the batch's statistics and moves the running ones towards them by ``momentum`` (the variance unbiased), in
    place; evaluation uses the running ones."""
    x = input._data
    if training:
        size = x.size // x.shape[1] if x.ndim > 1 else 1
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"torch.Size({list(x.shape)})")
    elif running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    c = x.shape[1] if x.ndim > 1 else 1
    for name, v in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        _check_channels(name, v, c)
    _float_kernel(input, "batch_norm")
    params = {"training": bool(training), "eps": float(eps),
              "rmean": None if training else running_mean._data.copy(),
              "rvar": None if training else running_var._data.copy()}
    out = apply(BATCH_NORM, (input, weight, bias), params)
    if training and running_mean is not None:
        axes = _bn_axes(x)
        n = x.size // c
        with no_grad():
            m = momentum
            bm = x.mean(axis=axes)
            bv = x.var(axis=axes) * (n / (n - 1))
            running_mean.mul_(1 - m).add_(make(bm.astype(running_mean._data.dtype)), alpha=m)
            if running_var is not None:
                running_var.mul_(1 - m).add_(make(bv.astype(running_var._data.dtype)), alpha=m)
    return out


def _gn_rows(x, groups):
    """x of shape (N, C, ...) as (N, groups, C/groups · ...), normalised over the last dimension."""
    return x.reshape(x.shape[0], groups, -1)


def _gn_fwd(x, w, b, *, groups, eps):
    r = _gn_rows(x, groups)
    mu = r.mean(axis=2, keepdims=True)
    out = ((r - mu) / np.sqrt(((r - mu) ** 2).mean(axis=2, keepdims=True) + eps)).reshape(x.shape)
    if w is not None:
        out = out * w.reshape(_channel_shape(x))
    return out + b.reshape(_channel_shape(x)) if b is not None else out


def _gn_xhat(x, groups, eps):
    r = reshape(x, x.shape[0], groups, -1)
    xhat, rstd, _ = _ln_xhat(r, 1, eps)
    return xhat, rstd


def _gn_vjp_x(g, out, x, w, b, *, groups, eps):
    xhat, rstd = _gn_xhat(x, groups, eps)
    gx = g * _per_channel(w, x) if w is not None else g
    gx = reshape(gx, *xhat.shape)
    return reshape(rstd * (gx - mean(gx, 2, True) - xhat * mean(gx * xhat, 2, True)), *x.shape)


def _gn_jvp_x(dx, out, x, w, b, *, groups, eps):
    xhat, rstd = _gn_xhat(x, groups, eps)
    dc = reshape(dx, *xhat.shape)
    dc = dc - mean(dc, 2, True)
    d = reshape(rstd * (dc - xhat * mean(dc * xhat, 2, True)), *x.shape)
    return d * _per_channel(w, x) if w is not None else d


def _gn_normalised(x, groups, eps):
    return reshape(_gn_xhat(x, groups, eps)[0], *x.shape)


GROUP_NORM = defop(
    "group_norm", "NativeGroupNormBackward0", _gn_fwd,
    vjp=(_gn_vjp_x,
         lambda g, out, x, w, b, *, groups, eps: sum(g * _gn_normalised(x, groups, eps), _bn_axes(x)),
         lambda g, out, x, w, b, *, groups, eps: sum(g, _bn_axes(x))),
    jvp=(_gn_jvp_x,
         lambda dw, out, x, w, b, *, groups, eps: _gn_normalised(x, groups, eps) * _per_channel(dw, x),
         lambda db, out, x, w, b, *, groups, eps: _per_channel(db, x).expand(*out.shape)),
    save=(0, 1),
)


@public(method=False, functional=True)
def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise each sample's channels (dim 1) in ``num_groups`` groups, then scale and shift per channel."""
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    c = x.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {shape_str(x.shape)} and num_groups={num_groups}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and (v._data.ndim != 1 or v._data.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {shape_str(v._data.shape)} and input of shape "
                               f"{shape_str(x.shape)}")
    _float_kernel(input, "GroupNormKernelImpl")
    return apply(GROUP_NORM, (input, weight, bias), {"groups": int(num_groups), "eps": float(eps)})


@public(method=False, functional=True)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / √(mean(x²) + eps) over the last dims (``normalized_shape``), times ``weight``; eps defaults to the dtype's
    machine epsilon (PyTorch's composition: pow, mean, add, rsqrt, mul)."""
    if isinstance(normalized_shape, int):
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape = tuple(int(s) for s in normalized_shape)
    x = input._data
    if tuple(x.shape[x.ndim - len(shape):]) != shape or len(shape) > x.ndim:
        raise RuntimeError(f"Given normalized_shape={shape_str(shape)}, expected input with shape "
                           f"[*{shape_str(shape)[1:]}, but got input of size{shape_str(x.shape)}")
    if weight is not None and tuple(weight._data.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{shape_str(weight._data.shape)} and normalized_shape = {shape_str(shape)}")
    if eps is None:
        eps = float(np.finfo(x.dtype if x.dtype.kind == "f" and x.dtype.itemsize >= 4 else np.float32).eps)
    up = input if x.dtype.itemsize >= 4 else input.float()  # float16: computed in float32, as PyTorch's opmath
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    out = up * rsqrt(_plus(mean(up.pow(2), dims, True), eps))
    out = out.to(dtypes.from_numpy(x.dtype)) if up is not input else out
    if weight is not None:
        out = out * weight
        out = out.to(dtypes.from_numpy(x.dtype)) if out._data.dtype != x.dtype else out
    return out


# ============================================================== margin and embedding losses (PyTorch's C++ composites)
SUB_SCALAR = defop("sub_scalar", "SubBackward1", lambda x, *, c: x - c,
                   vjp=(lambda g, out, x, *, c: g,), jvp=(lambda dx, out, x, *, c: dx,), arrays=True)


def _minus(x, c):
    """``x - c`` for a Python number ``c`` as PyTorch's C++ writes it (Tensor - Scalar: SubBackward1)."""
    return apply(SUB_SCALAR, (x,), {"c": c})


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
    return _loss_reduction(_plus(-target * (input1 - input2), margin).clamp_min(0), reduction)


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
    return _reduce(np.log1p(np.exp(-x * t)), reduction)


def _soft_margin_dx(x, t):
    return -t * sigmoid(-t * x)


SOFT_MARGIN = defop(
    "soft_margin_loss", "SoftMarginLossBackward0", _soft_margin_fwd,
    vjp=(lambda g, out, x, t, *, reduction: _spread(g, x, reduction) * _soft_margin_dx(x, t), None),
    jvp=(lambda dx, out, x, t, *, reduction: _reduce(dx * _soft_margin_dx(x, t), reduction), None),
    save=(0, 1),
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
    mag1 = _plus(sum(input1 * input1, td), _COS_EPS)
    mag2 = _plus(sum(input2 * input2, td), _COS_EPS)
    cos = prod_sum / sqrt(mag1 * mag2)
    zeros = factories.zeros_like(cos)
    pos = _number_minus(1, cos)
    neg = _minus(cos, margin).clamp_min(0)
    out = where(const(target._data == 1), pos, zeros) + where(const(target._data == -1), neg, zeros)
    return _loss_reduction(out, reduction)


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
    return _loss_reduction((_plus(dist_pos, margin) - dist_neg).clamp_min(0), reduction)


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
        loss = input - target * log(_plus(input, eps))
    if full:
        stirling = target * log(target) - target + _times(log(_times(target, 2 * math.pi)), 0.5)
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


# ============================================================== feature dropout, alpha dropout, relu_
_SELU_ALPHA = 1.7580993408473766  # PyTorch's alpha_dropout constant (SELU's −λα)


def _check_p(p) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_impl(input, p: float, train: bool, inplace: bool, feature: bool, alpha: bool):
    """PyTorch's _dropout_impl: Bernoulli(1 − p) noise per element (per channel with ``feature``), scaled by
    1/(1 − p); alpha dropout keeps the mean and variance instead (a·x·noise + b)."""
    if p == 0 or not train or input._data.size == 0:
        return input
    dt = input._data.dtype
    if p == 1:
        zero = make(np.zeros((), dt))
        return input.mul_(zero) if inplace else input * zero
    if feature:
        if input._data.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = input._data.shape[:2] + (1,) * (input._data.ndim - 2)
    else:
        shape = input._data.shape
    noise = (factories._rng().random(shape) >= p).astype(dt)
    if alpha:
        a = 1.0 / math.sqrt((_SELU_ALPHA * _SELU_ALPHA * p + 1) * (1 - p))
        b = make(((noise - 1) * (_SELU_ALPHA * a) + _SELU_ALPHA * a * p).astype(dt))
        noise = make((noise * a).astype(dt))
        return input.mul_(noise).add_(b) if inplace else (input * noise).add_(b)
    noise = make((noise / (1 - p)).astype(dt))
    return input.mul_(noise) if inplace else input * noise


def _feature_dropout_nd(name, input, p, training, inplace, batched_dim: int, warn_dims=None):
    _check_p(p)
    nd = input.dim()
    if warn_dims is None and nd not in (batched_dim - 1, batched_dim):
        raise RuntimeError(f"{name}: Expected {batched_dim - 1}D or {batched_dim}D input, but received a {nd}D input. "
                           f"Note that {name} exists to provide channel-wise dropout on inputs with 1 spatial "
                           "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if warn_dims is not None and nd not in warn_dims:
        warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an error "
                      f"in a future release. To retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that {name} exists to provide channel-wise dropout on inputs with "
                      f"{batched_dim - 2} spatial dimensions, a channel dimension, and an optional batch dimension "
                      f"(i.e. {batched_dim - 1}D or {batched_dim}D inputs).", stacklevel=3)
    batched = nd == batched_dim
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    out = _dropout_impl(input, p, training, inplace, True, False)
    if not batched:
        out = out.squeeze_(0) if inplace else out.squeeze(0)
    return out


@public(function=False, method=False, functional=True)
def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels (dim 1 of (N, C, L), dim 0 of (C, L)) with probability ``p``, scaling the rest by
    1/(1 − p), while training."""
    return _feature_dropout_nd("dropout1d", input, p, training, inplace, 3)


@public(function=False, method=False, functional=True)
def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, H, W) with probability ``p`` while training (a 3-D input is taken as (N, C, L),
    with PyTorch's warning)."""
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        warnings.warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use dropout "
                      "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      stacklevel=2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, True, False)


@public(function=False, method=False, functional=True)
def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability ``p`` while training."""
    return _feature_dropout_nd("dropout3d", input, p, training, inplace, 5, warn_dims=(4, 5))


@public(method=False, functional=True)
def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout for SELU networks: dropped elements set to SELU's negative saturation, then an affine map that keeps
    the mean and variance (the identity when not training)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, True)


@public(method=False, functional=True)
def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """alpha_dropout of whole channels (dim 1)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, True, True)


@public(method=False, functional=True)
def relu_(input):
    """relu in place (ReluBackward0, as ``x.relu_()``)."""
    return input.relu_()


# ============================================================== bilinear (PyTorch's _trilinear), pdist
def _einsum(eq, *args):
    from .contractions import einsum

    return einsum(eq, *args)


def _trilinear_jvp(i):
    def jvp(d, out, a, w, b):
        args = [a, w, b]
        args[i] = d
        return _einsum("ni,oij,nj->no", *args)

    return jvp


# out[n, o] = Σ_ij a[n, i]·w[o, i, j]·b[n, j], PyTorch's _trilinear as bilinear calls it
TRILINEAR = defop("trilinear", "TrilinearBackward0", lambda a, w, b: np.einsum("ni,oij,nj->no", a, w, b),
                  vjp=(lambda g, out, a, w, b: _einsum("no,oij,nj->ni", g, w, b),
                       lambda g, out, a, w, b: _einsum("no,ni,nj->oij", g, a, b),
                       lambda g, out, a, w, b: _einsum("no,oij,ni->nj", g, w, a)),
                  jvp=tuple(_trilinear_jvp(i) for i in range(3)), save=(0, 1, 2), reads=((1, 2), (0, 2), (0, 1)))


@public(method=False, functional=True)
def bilinear(input1, input2, weight, bias=None):
    """y = x1ᵀ A x2 + b for each output feature: weight (out, in1, in2), inputs (*, in1) and (*, in2)."""
    _tensors("bilinear", "input1 input2 weight", input1, input2, weight)
    n1, n2 = input1.dim(), input2.dim()
    if n1 != n2:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {n1} and {n2}")
    for i in range(n1 - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {input1.shape[i]} "
                               f"and {input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {weight.shape[2]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                           f"{weight.shape[0]}")
    out_shape = (*input1.shape[:-1], weight.shape[0])
    out = apply(TRILINEAR, (reshape(input1, -1, input1.shape[-1]), weight, reshape(input2, -1, input2.shape[-1])))
    out = reshape(out, *out_shape)
    return out if bias is None else out + bias


def _pdist_pairs(n: int):
    return np.triu_indices(n, 1)


def _pdist_fwd(x, *, p):
    i, j = _pdist_pairs(x.shape[0])
    return VECTOR_NORM.forward(x[i] - x[j], ord=p, dim=(1,), keepdim=False, dtype=None)


def _pdist_diff(x):
    i, j = _pdist_pairs(x.shape[0])
    return x[const(i)] - x[const(j)], i, j


def _pdist_vjp(g, out, x, *, p):
    if p == 0:
        return x * 0
    diff, i, j = _pdist_diff(x)
    rows = VECTOR_NORM.vjp[0](g, out, diff, ord=p, dim=(1,), keepdim=False, dtype=None)
    zeros = make(np.zeros(x._data.shape, rows._data.dtype))
    return zeros.index_add(0, const(i), rows).index_add(0, const(j), -rows)


def _pdist_jvp(dx, out, x, *, p):
    if p == 0:
        return out * 0
    diff, i, j = _pdist_diff(x)
    ddiff = dx[const(i)] - dx[const(j)]
    return VECTOR_NORM.jvp[0](ddiff, out, diff, ord=p, dim=(1,), keepdim=False, dtype=None)


PDIST = defop("pdist", "PdistBackward0", _pdist_fwd, vjp=(_pdist_vjp,), jvp=(_pdist_jvp,), save=(0,),
              save_out=True)


@public(method=False, functional=True)
def pdist(input, p: float = 2):
    """The p-norm distance between every pair of rows of a 2-D input: the upper triangle of cdist, row by row."""
    _tensors("pdist", "input", input)
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    _float_kernel(input, "pdist")
    return apply(PDIST, (input,), {"p": float(p)})
