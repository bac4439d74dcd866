"""The layers of ``torch.nn.functional`` that PyTorch records as their own nodes (linear, layer/batch/group norm,
embedding, pad, glu, prelu, bilinear, pdist) and the compositions it builds (normalize, dropout, rms_norm, softmin,
cosine_similarity); the reduction helpers and number-op nodes the losses (``losses.py``) share."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import dtypes, factories
from ..mode import no_grad
from ..tensor import Tensor, make
from ._util import const, float_kernel, norm_dim, one_dim, shape_str
from .decompositions import VECTOR_NORM, linalg_vector_norm
from .elementwise import _d, _sigmoid_fwd, plus_scalar, result_dtype, rsqrt, sigmoid
from .joining import cat
from .linalg import ADDMM, _scalar_type, _tensors, addmm, matmul
from .reduce import mean, softmax, sum
from .registry import apply, defop, public
from .shape import expand, narrow, reshape, t
from .special import _select

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
    if input._data.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input._data.shape[d]}")
    float_kernel("glu_cpu", "glu", input)
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
# PyTorch's C++ takes at::norm(x, p, dim) (NormBackward1): a row of its own, so that the composites below record the
# nodes PyTorch's do.
NORM = defop("norm", "NormBackward1", VECTOR_NORM.forward, vjp=VECTOR_NORM.vjp, jvp=VECTOR_NORM.jvp, save=(0,),
             save_out=True, sets_dtype=True, broadcast=True)


def _check_float_pair(name, a, b):
    _tensors(name, "x1 x2", a, b)


@public(function=True, method=False, functional=True)
def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along ``dim`` (each divided by its clamped norm first, as PyTorch)."""
    _check_float_pair("cosine_similarity", x1, x2)
    a, b = broadcast_pair(x1, x2)
    if tuple(x1._data.shape) != tuple(x2._data.shape):  # at::expand_outplace expands both
        a, b = expand(x1, *a._data.shape), expand(x2, *a._data.shape)
    common = result_dtype(x1, x2)  # PyTorch's promotion: float32 with int64 is float32
    if common.kind != "f":
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{dtypes.from_numpy(common).legacy.removesuffix('Tensor')}")
    # only an integer (or bool) side is converted: a float16 side keeps its dtype, its norm and quotient
    a, b = (t_.to(dtypes.from_numpy(common)) if t_._data.dtype.kind in "biu" else t_ for t_ in (a, b))
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
    diff = plus_scalar(x1 - x2, eps)
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


def _pad_circular(input, pairs):
    """PyTorch's _pad_circular step by step: the input (cropped by negative amounts) copied into an empty output,
    then each padded side copied from the other end of the output itself, left sides first (CopySlices nodes; the
    corners are written twice, as there)."""
    from .. import factories
    from .shape import narrow

    nd, in_shape = input._data.ndim, input._data.shape
    out_shape = list(in_shape)
    for j, (lo, hi) in reversed(list(enumerate(pairs))):  # (checked from the first padded dimension on)
        d = nd - 1 - j
        if lo > in_shape[d] or hi > in_shape[d]:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out_shape[d] = in_shape[d] + lo + hi
        if out_shape[d] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out = factories.empty(*out_shape, dtype=input.dtype)

    def cut(t, d, start, stop):  # t.slice(d, start, stop): negative ends count from the end, both clamped
        size = t._data.shape[d]
        start, stop = (min(max(v + size if v < 0 else v, 0), size) for v in (start, stop))
        return narrow(t, d, start, max(stop - start, 0))

    out_part, in_part = out, input
    for j, (lo, hi) in enumerate(pairs):
        d = nd - 1 - j
        out_part = cut(out_part, d, max(lo, 0), out_shape[d] - max(hi, 0))
        in_part = cut(in_part, d, max(-lo, 0), in_shape[d] - max(-hi, 0))
    out_part.copy_(in_part)
    for j, (lo, hi) in enumerate(pairs):
        d = nd - 1 - j
        if lo > 0:
            cut(out, d, 0, lo).copy_(cut(out, d, out_shape[d] - lo - max(hi, 0), out_shape[d] - max(hi, 0)))
        if hi > 0:
            cut(out, d, out_shape[d] - hi, out_shape[d]).copy_(cut(out, d, max(lo, 0), max(lo, 0) + hi))
    return out


@public(function=False, method=False, functional=True)
def pad(input, pad, mode: str = "constant", value=None):
    """Pad the last dimensions: ``pad = (left, right)`` for the last, then (top, bottom) for the one before...;
    mode "constant" (``value``, 0 by default; negative amounts crop), "reflect", "replicate" or "circular"."""
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
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not (k + 1 <= nd <= k + 2 and 1 <= k <= 3):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported "
                                  "combinations for non-constant padding: 2D or 3D input with padding size 2, 3D or "
                                  "4D input with padding size 4, 4D or 5D input with padding size 6")
    if mode == "circular":
        return _pad_circular(input, pairs)
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
    float_kernel("prelu_cpu", "prelu", input)
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
    float_kernel("batch_norm", "batch_norm", input)
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


@public(function=False, method=False, functional=True)
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel of each sample over its spatial dims, as PyTorch composes it: batch norm of the input
    viewed as (1, N·C, ...), with weight, bias and running statistics repeated N times (the running ones then
    averaged back over the batch, in place)."""
    shape = tuple(input._data.shape)
    if use_input_stats and math.prod(shape[2:]) == 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"torch.Size({list(shape)})")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    b, c = shape[0], shape[1]

    def repeated(v):
        return None if v is None else v.repeat(b)

    rmean, rvar = repeated(running_mean), repeated(running_var)
    out = batch_norm(input.contiguous().view(1, b * c, *shape[2:]), rmean, rvar, repeated(weight), repeated(bias),
                     use_input_stats, momentum, eps)
    with no_grad():
        for stat, stats in ((running_mean, rmean), (running_var, rvar)):
            if stat is not None:
                stat.copy_(stats.view(b, c).mean(0))
    return out.view(*shape)


def _gn_rows(x, groups):
    """x of shape (N, C, ...) as (N, groups, C/groups · ...), normalised over the last dimension."""
    return x.reshape(x.shape[0], groups, _per_group(x, groups))


def _per_group(x, groups) -> int:
    """How many elements each group of a sample holds (explicit: a -1 can't be inferred for an empty batch)."""
    return int(np.prod(x.shape[1:], dtype=np.int64)) // groups


def _gn_fwd(x, w, b, *, groups, eps):
    r = _gn_rows(x, groups)
    mu = r.mean(axis=2, keepdims=True)
    out = ((r - mu) / np.sqrt(((r - mu) ** 2).mean(axis=2, keepdims=True) + eps)).reshape(x.shape)
    if w is not None:
        out = out * w.reshape(_channel_shape(x))
    return out + b.reshape(_channel_shape(x)) if b is not None else out


def _gn_xhat(x, groups, eps):
    r = reshape(x, x.shape[0], groups, _per_group(x, groups))
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
    per_channel = x.shape[0] * c // num_groups * int(np.prod(x.shape[2:], dtype=np.int64))
    if per_channel == 1:  # (F.group_norm's _verify_batch_size)
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{[x.shape[0] * c // num_groups, num_groups, *x.shape[2:]]}")
    float_kernel("GroupNormKernelImpl", "group_norm", input)
    return apply(GROUP_NORM, (input, weight, bias), {"groups": int(num_groups), "eps": float(eps)})


@public(method=False, functional=True)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / √(mean(x²) + eps) over the last dims (``normalized_shape``), times ``weight``; eps defaults to the dtype's
    machine epsilon (PyTorch's composition: pow, mean, add, rsqrt, mul)."""
    if isinstance(normalized_shape, int):
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    shape = tuple(int(s) for s in normalized_shape)
    float_kernel("rms_norm", "rms_norm", input)
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
    out = up * rsqrt(plus_scalar(mean(up.pow(2), dims, True), eps))
    out = out.to(dtypes.from_numpy(x.dtype)) if up is not input else out
    if weight is not None:
        out = out * weight
        out = out.to(dtypes.from_numpy(x.dtype)) if out._data.dtype != x.dtype else out
    return out


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
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes\npdist: convert first, e.g. x.float()")
    return apply(PDIST, (input,), {"p": float(p)})



# ============================================================== pack_padded_sequence's gather
def _pack_vjp(g, out, x, *, rows, cols, shape):
    """The adjoint: each packed row's gradient back at its (time, batch) place, zeros at the padding."""
    if isinstance(g, Tensor):
        from .shape import setitem

        full = factories.zeros(*shape, dtype=g.dtype)
        setitem(full, (make(rows), make(cols)), g)
        return full
    full = np.zeros(shape, dtype=g.dtype)
    full[rows, cols] = g
    return full


# nn.utils.rnn.pack_padded_sequence: the real steps of a padded (T, B, *) batch, time step by time step
PACK_PADDED = defop("pack_padded_sequence", "PackPaddedSequenceBackward0",
                    lambda x, *, rows, cols, shape: x[rows, cols], vjp=(_pack_vjp,),
                    jvp=(lambda dx, out, x, **p: apply(PACK_PADDED, (dx,), p),), arrays=True)


@public(function=False, method=False, functional=True)
def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """A sample from the Gumbel-softmax (concrete) distribution over ``dim``: softmax((logits + g) / tau) with
    g ~ Gumbel(0, 1); ``hard=True`` gives the one-hot of its maximum, with the soft sample's gradient (straight
    through). The draw comes from the engine's generator."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -factories.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = factories.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# ============================================================== embedding_bag: sums, means or maxima of bags of rows
def _bag_fwd(w, psw=None, *, idx, bag, n_bags, mode, scale, argrow, gscale):
    """out[b] = Σ_{i in bag b} scale_i · w[idx_i] (sum: per-sample weights, mean: 1 / count), or the maximum per
    dimension (``argrow``: the row each maximum is taken from, -1 for an empty bag)."""
    if mode == "max":
        out = np.take_along_axis(w, np.maximum(argrow, 0), 0) if argrow.size else np.zeros((n_bags, w.shape[1]),
                                                                                            w.dtype)
        return np.where(argrow >= 0, out, w.dtype.type(0))
    out = np.zeros((n_bags, w.shape[1]), dtype=w.dtype)
    s = scale if psw is None else psw.astype(w.dtype) * scale
    np.add.at(out, bag, w[idx] * s[:, None].astype(w.dtype))
    return out


def _bag_vjp_w(g, out, w, psw=None, *, idx, bag, n_bags, mode, scale, argrow, gscale):
    """Each bag's gradient back to its rows (times the row's scale, and its per-sample weight), or to the rows its
    maxima came from; ``gscale`` is ``scale``, divided by each index's frequency with scale_grad_by_freq."""
    n, d = w.shape
    if mode == "max":
        valid = argrow >= 0
        flat = (argrow * d + np.arange(d))[valid]
        if isinstance(g, Tensor):
            picked = g.reshape(-1)[make(np.flatnonzero(valid))]
            return factories.zeros(n * d, dtype=g.dtype).index_add(0, make(flat), picked).view(n, d)
        dw = np.zeros(n * d, dtype=g.dtype)
        np.add.at(dw, flat, g.reshape(-1)[valid.ravel()])
        return dw.reshape(n, d)
    if isinstance(g, Tensor):
        factor = const(gscale.astype(g._data.dtype))
        if psw is not None:
            factor = psw * factor
        rows = g.index_select(0, make(bag)) * factor.unsqueeze(1)
        return factories.zeros(n, d, dtype=g.dtype).index_add(0, make(idx), rows)
    factor = gscale if psw is None else psw * gscale
    dw = np.zeros((n, d), dtype=g.dtype)
    np.add.at(dw, idx, g[bag] * factor[:, None].astype(g.dtype))
    return dw


def _bag_vjp_psw(g, out, w, psw, *, idx, bag, n_bags, mode, scale, argrow, gscale):
    """∂/∂ per_sample_weight_i = scale_i · <g[bag_i], w[idx_i]>."""
    if isinstance(g, Tensor):
        return (g.index_select(0, make(bag)) * w.index_select(0, make(idx))).sum(1) * const(scale.astype(
            g._data.dtype))
    return (g[bag] * w[idx]).sum(1) * scale.astype(g.dtype)


def _bag_jvp_w(dw, out, w, psw=None, **p):
    return apply(EMBEDDING_BAG, (dw,) if psw is None else (dw, psw), p)


def _bag_jvp_psw(dpsw, out, w, psw, **p):
    return apply(EMBEDDING_BAG, (w, dpsw), p)


EMBEDDING_BAG = defop("embedding_bag", "EmbeddingBagBackward0", _bag_fwd, vjp=(_bag_vjp_w, _bag_vjp_psw),
                      jvp=(_bag_jvp_w, _bag_jvp_psw), save=(0, 1), arrays=True)


@public(function=False, method=False, functional=True)
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights=None, include_last_offset: bool = False,
                  padding_idx=None):
    """The sum, mean or maximum of each bag of ``weight``'s rows: bags are the rows of a 2-D ``input``, or the
    stretches of a 1-D ``input`` that ``offsets`` starts (an empty bag gives zeros); the rows at ``padding_idx``
    are left out (of the count too).

    >>> F.embedding_bag(torch.tensor([1, 2, 4, 5, 4, 3]), w, torch.tensor([0, 4]), mode="sum")   # doctest: +SKIP
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding_bag)")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({tuple(input.shape)})")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        starts = np.arange(0, input.numel(), input.shape[1] or 1)[:input.shape[0]]
        include_last_offset = False
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = np.asarray(offsets._data).astype(np.int64)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if starts.size and starts[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(starts[0])}")
    idx = np.asarray(input._data).astype(np.int64).ravel()
    n = weight.shape[0]
    bad = np.flatnonzero((idx < 0) | (idx >= n))
    if bad.size:
        raise RuntimeError(f"Index {int(bad[0])} of input takes value {int(idx[bad[0]])} which is not in the valid "
                           f"range [0, {n})")
    if include_last_offset:
        n_bags, ends = max(len(starts) - 1, 0), starts[1:]
        starts = starts[:-1]
    else:
        n_bags, ends = len(starts), np.append(starts[1:], idx.size)
    bag = np.repeat(np.arange(n_bags), np.maximum(ends - starts, 0))
    if padding_idx is not None:
        padding_idx = padding_idx % n
    keep = idx != (padding_idx if padding_idx is not None else -1)
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    if sparse:
        raise NotImplementedError("embedding_bag(sparse=True): the own engine has no sparse gradients\nuse "
                                  "sparse=False")
    counts = np.bincount(bag[keep], minlength=n_bags)
    scale = np.ones(keep.sum(), dtype=np.float64)
    if mode == "mean":
        scale = 1.0 / np.maximum(counts, 1)[bag[keep]]
    gscale = scale
    if scale_grad_by_freq and mode != "max":  # the weight's gradient over each index's count in the batch
        gscale = scale / np.bincount(idx[keep], minlength=n)[idx[keep]]
    argrow = np.zeros((0, weight.shape[1]), np.int64)
    if mode == "max":
        w = np.asarray(weight._data)
        argrow = np.full((n_bags, weight.shape[1]), -1, np.int64)
        for b in range(n_bags):
            rows = idx[(bag == b) & keep]
            if rows.size:
                argrow[b] = rows[np.argmax(w[rows], axis=0)]
    params = {"idx": idx[keep], "bag": bag[keep], "n_bags": n_bags, "mode": mode, "scale": scale, "argrow": argrow,
              "gscale": gscale}
    psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)[make(np.flatnonzero(keep))]
    return apply(EMBEDDING_BAG, (weight,) if psw is None else (weight, psw), params)
