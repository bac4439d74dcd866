"""Losses and layers that PyTorch records as their own nodes: nll_loss, mse_loss, linear."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._util import const
from .linalg import addmm, matmul
from .reduce import log_softmax
from .registry import apply, defop, public
from .shape import t


def _nll_fwd(logp, target, *, reduction):
    picked = -logp[np.arange(logp.shape[0]), target]
    if reduction == "mean":
        return picked.sum() / picked.shape[0]  # (np.mean's Python-level wrapper costs more than the sum)
    if reduction == "sum":
        return picked.sum()
    return picked


def _nll_weights(logp, target, reduction) -> np.ndarray:
    """d loss / d logp: -1 (or -1/N for the mean) at each sample's target class, 0 elsewhere."""
    target = target._data if isinstance(target, Tensor) else target
    w = np.zeros(logp.shape, dtype=logp._data.dtype if isinstance(logp, Tensor) else logp.dtype)
    w[np.arange(logp.shape[0]), target] = -1.0 / logp.shape[0] if reduction == "mean" else -1.0
    return w


def _nll_vjp(g, out, logp, target, *, reduction):
    # an operator expression with a constant array: runs on tensors and on arrays alike
    return (g[:, None] if reduction == "none" else g) * _nll_weights(logp, target, reduction)


def _nll_jvp(dlogp, out, logp, target, *, reduction):
    picked = dlogp * const(_nll_weights(logp, target, reduction))
    return picked.sum(1) if reduction == "none" else picked.sum()


NLL_LOSS = defop("nll_loss", "NllLossBackward0", _nll_fwd, vjp=(_nll_vjp, None), jvp=(_nll_jvp, None), save=(0, 1),
                 arrays=True)


@public(function=False, method=False, functional=True)
def nll_loss(logp, target, reduction: str = "mean"):
    """The negative log-likelihood of the target classes, from log-probabilities (N, C)."""
    if logp._data.ndim == 1:  # one sample: (C,) scores and a 0-d class index
        return nll_loss(logp.unsqueeze(0), target.reshape(1), reduction).reshape(())
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(
            f"expected scalar type Long but found {target.dtype.name.capitalize()} "
            "(cross_entropy/nll_loss take class indices: torch.tensor([0, 2, 1]))"
        )
    if target._data.shape != logp._data.shape[:1]:
        raise ValueError(
            f"Expected input batch_size ({logp._data.shape[0]}) to match target batch_size ({target._data.shape[0]})."
        )
    c = logp._data.shape[1]
    t = target._data
    if t.size and (t.min() < 0 or t.max() >= c):
        bad = int(t.max()) if t.max() >= c else int(t.min())
        raise IndexError(f"Target {bad} is out of bounds.\nnll_loss: there are {c} classes, 0 to {c - 1}")
    return apply(NLL_LOSS, (logp, target), {"reduction": reduction})


@public(function=False, method=False, functional=True)
def cross_entropy(logits, target, reduction: str = "mean"):
    """log_softmax then nll_loss, as ``torch.nn.functional.cross_entropy``."""
    return nll_loss(log_softmax(logits, 1 if logits._data.ndim > 1 else 0), target, reduction)


def _mse_fwd(x, y, *, reduction):
    d = (x - y) ** 2
    if reduction == "mean":
        return d.mean()
    if reduction == "sum":
        return d.sum()
    return d


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


@public(function=False, method=False, functional=True)
def mse_loss(input, target, reduction: str = "mean"):
    """The mean (or sum) of squared differences."""
    if input.shape != target.shape:
        import warnings

        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=2,
        )
    return apply(MSE_LOSS, (input, target), {"reduction": reduction})


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
        return addmm(bias, x, t(weight))
    fusable = bias is not None and (bias._data.ndim == 1 or sum(s != 1 for s in bias._data.shape) == 1)
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


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _scaled(g, x, reduction, weight):
    """The incoming gradient spread over the elements (1/N for the mean), times the weight."""
    g = g / x.numel() if reduction == "mean" else g
    return g * const(weight) if weight is not None else g


def _bce_dx(g, out, x, t, *, reduction, weight, pos_weight):
    lw = 1 + (pos_weight - 1) * t if pos_weight is not None else 1
    from .elementwise import sigmoid

    return _scaled(g, x, reduction, weight) * ((1 - t) - lw * sigmoid(-x))


def _bce_dt(g, out, x, t, *, reduction, weight, pos_weight):
    from .elementwise import abs, exp, log1p, relu

    softplus = log1p(exp(-abs(x))) + relu(-x)
    grad = -x + (pos_weight - 1) * softplus if pos_weight is not None else -x
    return _scaled(g, x, reduction, weight) * grad


def _bce_jvp_x(dx, out, x, t, **params):
    d = _bce_dx(1.0, out, x, t, **{**params, "reduction": "none"}) * dx
    return _reduce_tensor(d, params["reduction"])


def _bce_jvp_t(dt, out, x, t, **params):
    d = _bce_dt(1.0, out, x, t, **{**params, "reduction": "none"}) * dt
    return _reduce_tensor(d, params["reduction"])


def _reduce_tensor(d, reduction):
    if reduction == "mean":
        return d.mean()
    return d.sum() if reduction == "sum" else d


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
