"""Convolution and pooling: conv1d/2d/3d and their transposes (one row, PyTorch's ConvolutionBackward0), max and
average pooling, their adaptive forms, pixel_shuffle, unfold/fold (im2col/col2im) and interpolate.

The convolution is im2col (``sliding_window_view``) and one ``np.matmul``; its transpose a matmul and one strided add
per kernel offset (col2im). The rules run on arrays (plain backward) or on tensors (``create_graph``): the input's
gradient of a convolution is a transposed convolution, the weight's a convolution of input and gradient, so the
rules are rows of this table again and differentiate to any order. Pooling with fixed windows is a gather at the
maxima (max) or a product with one matrix per spatial dimension (average, adaptive average, interpolation): both
linear in the input, with linear rules.
"""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import dtypes
from ..tensor import Tensor, make
from ._util import const, shape_str
from .nn import CONSTANT_PAD
from .reduce import sum
from .registry import apply, defop, public
from .shape import permute, reshape, squeeze, unsqueeze
from .special import _torch_name


# ============================================================== numpy kernels (k spatial dimensions, last)
def _extend(x, lo, needed, fill=0):
    """x's last len(lo) dimensions as x_ext[j] = x[j - lo] for j in [0, needed) (``fill`` outside x)."""
    k = len(lo)
    sp = x.shape[x.ndim - k:]
    if not any(lo) and tuple(sp) == tuple(needed):
        return x
    out = np.full(x.shape[:x.ndim - k] + tuple(needed), fill, dtype=x.dtype)
    dst, src = [], []
    for lo_i, n, size in zip(lo, needed, sp):
        end = min(n, lo_i + size)
        dst.append(slice(lo_i, max(end, lo_i)))
        src.append(slice(0, max(end - lo_i, 0)))
    out[(Ellipsis, *dst)] = x[(Ellipsis, *src)]
    return out


def _windows(x, kernel, stride, lo, dilation, size, fill=0):
    """The windows of x (..., *spatial) as a view (..., *size, *kernel): window p, offset k reads
    x_ext[s p + d k - lo]."""
    k = len(kernel)
    needed = tuple(s * (o - 1) + d * (kk - 1) + 1 for s, o, d, kk in zip(stride, size, dilation, kernel))
    xe = _extend(x, lo, needed, fill)
    eff = tuple(d * (kk - 1) + 1 for d, kk in zip(dilation, kernel))
    v = sliding_window_view(xe, eff, axis=tuple(range(xe.ndim - k, xe.ndim)))
    lead = (slice(None),) * (xe.ndim - k)
    return v[lead + tuple(slice(None, s * (o - 1) + 1, s) for s, o in zip(stride, size))
             + tuple(slice(None, None, d) for d in dilation)]


def _conv_arrays(x, w, stride, lo, dilation, size, groups):
    """out[n, o, p] = Σ_{c, k} x_ext[n, c, s p + d k - lo] w[o, c, k] (channels in ``groups``)."""
    k = len(size)
    n, c = x.shape[:2]
    cout = w.shape[0]
    cg, og = c // groups, cout // groups
    win = _windows(x, w.shape[2:], stride, lo, dilation, size)  # (N, C, *size, *kernel)
    win = win.reshape((n, groups, cg) + win.shape[2:])
    order = (1, 0) + tuple(range(3, 3 + k)) + (2,) + tuple(range(3 + k, 3 + 2 * k))
    cols = win.transpose(order).reshape(groups, n * math.prod(size), -1)
    wm = w.reshape(groups, og, -1).transpose(0, 2, 1)
    out = np.matmul(cols, wm)  # (G, N*P, Og)
    out = out.reshape((groups, n) + tuple(size) + (og,))
    return out.transpose((1, 0, 2 + k) + tuple(range(2, 2 + k))).reshape((n, cout) + tuple(size))


def _conv_t_arrays(x, w, stride, lo, dilation, size, groups):
    """The transpose: out[n, o, j] = Σ_{c, p, k: s p + d k - lo = j} x[n, c, p] w[c, o, k], j < size."""
    k = len(size)
    n, c = x.shape[:2]
    sp = x.shape[2:]
    kernel = w.shape[2:]
    cg, og = c // groups, w.shape[1]
    xm = x.reshape((n, groups, cg, -1)).transpose(1, 2, 0, 3).reshape(groups, cg, -1)
    wm = w.reshape(groups, cg, -1).transpose(0, 2, 1)
    cols = np.matmul(wm, xm).reshape((groups, og) + tuple(kernel) + (n,) + tuple(sp))
    full = tuple(max(s * (p - 1) + d * (kk - 1) + 1, lo_i + o)
                 for s, p, d, kk, lo_i, o in zip(stride, sp, dilation, kernel, lo, size))
    buf = np.zeros((groups, og, n) + full, dtype=cols.dtype)
    for offs in np.ndindex(*kernel):
        key = tuple(slice(d * kk, d * kk + s * (p - 1) + 1, s) for d, kk, s, p in zip(dilation, offs, stride, sp))
        buf[(slice(None),) * 3 + key] += cols[(slice(None), slice(None)) + offs]
    buf = buf[(slice(None),) * 3 + tuple(slice(lo_i, lo_i + o) for lo_i, o in zip(lo, size))]
    return buf.transpose((2, 0, 1) + tuple(range(3, 3 + k))).reshape((n, groups * og) + tuple(size))


def _wgrad_arrays(inp, gout, kernel, stride, lo, dilation, groups):
    """dw[o, c, k] = Σ_{n, p} gout[n, o, p] inp_ext[n, c, s p + d k - lo]: the weight's gradient of a convolution."""
    k = len(kernel)
    n, c = inp.shape[:2]
    size = gout.shape[2:]
    cout = gout.shape[1]
    cg, og = c // groups, cout // groups
    win = _windows(inp, kernel, stride, lo, dilation, size).reshape((n, groups, cg) + tuple(size) + tuple(kernel))
    cols = win.transpose((1, 0) + tuple(range(3, 3 + k)) + (2,) + tuple(range(3 + k, 3 + 2 * k)))
    cols = cols.reshape(groups, n * math.prod(size), -1)
    gm = gout.reshape((n, groups, og, -1)).transpose(1, 2, 0, 3).reshape(groups, og, -1)
    return np.matmul(gm, cols).reshape((cout, cg) + tuple(kernel))


# ============================================================== the convolution row
def _conv_fwd(x, w, b, *, stride, padding, dilation, groups, transposed, size, in_size, kernel):
    f = _conv_t_arrays if transposed else _conv_arrays
    out = f(x, w, stride, padding, dilation, size, groups)
    if b is not None:
        out = out + b.reshape((1, -1) + (1,) * len(size))
    return out


def _conv(x, w, b=None, **p):
    return apply(CONVOLUTION, (x, w, b), p)


def _flip(p, size, in_size):
    """The same convolution's transpose, from ``size`` back to ``in_size``."""
    return {**p, "transposed": not p["transposed"], "size": in_size, "in_size": size}


def _conv_vjp_x(g, out, x, w, b, **p):
    if isinstance(g, Tensor):
        return _conv(g, w, None, **_flip(p, p["size"], p["in_size"]))
    f = _conv_arrays if p["transposed"] else _conv_t_arrays
    return f(g, w, p["stride"], p["padding"], p["dilation"], p["in_size"], p["groups"])


def _wgrad_tensors(inp, gout, kernel, stride, lo, dilation, groups):
    """_wgrad_arrays with recorded ops: a convolution whose batch is inp's channels, whose weight is gout."""
    k = len(kernel)
    n, c = inp.shape[:2]
    cout = gout.shape[1]
    cg, og = c // groups, cout // groups
    sp_in, sp_out = tuple(inp.shape[2:]), tuple(gout.shape[2:])
    rest = tuple(range(3, 3 + k))
    xs = reshape(permute(reshape(inp, n, groups, cg, *sp_in), 2, 1, 0, *rest), cg, groups * n, *sp_in)
    ws = reshape(permute(reshape(gout, n, groups, og, *sp_out), 1, 2, 0, *rest), groups * og, n, *sp_out)
    r = _conv(xs, ws, None, stride=dilation, padding=lo, dilation=stride, groups=groups, transposed=False,
              size=tuple(kernel), in_size=sp_in, kernel=sp_out)  # (Cg, G*Og, *kernel)
    return r.transpose(0, 1)


def _conv_vjp_w(g, out, x, w, b, **p):
    kernel = p["kernel"]
    inp, gout = (g, x) if p["transposed"] else (x, g)
    f = _wgrad_tensors if isinstance(g, Tensor) else _wgrad_arrays
    return f(inp, gout, kernel, p["stride"], p["padding"], p["dilation"], p["groups"])


def _conv_vjp_b(g, out, x, w, b, **p):
    axes = (0,) + tuple(range(2, 2 + len(p["size"])))
    return sum(g, axes) if isinstance(g, Tensor) else g.sum(axis=axes)


def _conv_jvp_b(db, out, x, w, b, **p):
    return reshape(db, 1, -1, *(1,) * len(p["size"])).expand(*out.shape)


CONVOLUTION = defop(
    "convolution", "ConvolutionBackward0", _conv_fwd,
    vjp=(_conv_vjp_x, _conv_vjp_w, _conv_vjp_b),
    jvp=(lambda dx, out, x, w, b, **p: _conv(dx, w, None, **p),
         lambda dw, out, x, w, b, **p: _conv(x, dw, None, **p),
         _conv_jvp_b),
    reads=((1,), (0,), ()), arrays=True,
)


def _tuple(v, k: int, name: str, op: str):
    """An int or a k-sequence as a k-tuple of ints, with PyTorch's error."""
    if isinstance(v, (int, np.integer)):
        return (int(v),) * k
    v = tuple(int(i) for i in v)
    if len(v) == 1:
        return v * k
    if len(v) != k:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {k} values to match the "
                           f"convolution dimensions, but got {name}={list(v)}")
    return v


def _sizes(shape) -> str:
    return " x ".join(str(s) for s in shape)


def _check_conv(x, w, b, k, name, transposed, groups):
    xs, ws = tuple(x._data.shape), tuple(w._data.shape)
    if len(xs) not in (k + 1, k + 2):
        raise RuntimeError(f"Expected {k + 1}D (unbatched) or {k + 2}D (batched) input to {name}, but got input of "
                           f"size: {shape_str(xs)}")
    if len(ws) != k + 2:
        raise RuntimeError(f"expected stride to be a single integer value or a list of {len(ws) - 2} values to match "
                           f"the convolution dimensions, but got stride={shape_str([1] * k)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if b is not None and b._data.dtype != x._data.dtype:  # (PyTorch checks the bias first)
        from ._util import cpp_type

        raise RuntimeError(f"Input type ({cpp_type(x)}) and bias type ({cpp_type(b)}) should be the same")
    if x._data.dtype != w._data.dtype:
        from .linalg import _scalar_type

        # (PyTorch's text depends on the kernel it picks; small inputs say "expected scalar type Float but found
        # Double", the oneDNN path this)
        raise RuntimeError(f"Input type (torch.{_scalar_type(x)}Tensor) and weight type (torch.{_scalar_type(w)}"
                           "Tensor) should be the same or input should be a MKLDNN tensor and weight is a dense tensor")


def _check_shapes(xs, ws, b, stride, padding, dilation, groups, transposed):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{shape_str(ws)}] instead")
    want = ws[0] if transposed else ws[1] * groups
    if xs[1] != want:
        head = "Given transposed=1, weight of size" if transposed else f"Given groups={groups}, weight of size"
        raise RuntimeError(f"{head} {shape_str(ws)}, expected input{shape_str(xs)} to have {want} channels, but got "
                           f"{xs[1]} channels instead")
    cout = ws[1] * groups if transposed else ws[0]
    if b is not None and (b._data.ndim != 1 or b._data.shape[0] != cout):
        raise RuntimeError(f"Given weight of size {shape_str(ws)}, expected bias to be 1-dimensional with {cout} "
                           f"elements, but got bias of size {shape_str(b._data.shape)} instead")


def _batched(x, k):
    """(x with a batch dimension, whether one was added): PyTorch runs unbatched input as a batch of one."""
    if x._data.ndim == k + 1:
        return unsqueeze(x, 0), True
    return x, False


def _convnd(k, name, input, weight, bias, stride, padding, dilation, groups):
    _check_conv(input, weight, bias, k, name, False, groups)
    stride, dilation = _tuple(stride, k, "stride", name), _tuple(dilation, k, "dilation", name)
    x, unbatched = _batched(input, k)
    kernel = tuple(weight._data.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * k
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = [d * (kk - 1) for d, kk in zip(dilation, kernel)]
            padding = tuple(t // 2 for t in total)
            if any(t % 2 for t in total):
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a "
                              "zero-padded copy of the input be created", UserWarning, stacklevel=3)
                pairs = [(0, 0), (0, 0)] + [(0, t - t // 2 * 2) for t in total]
                x = apply(CONSTANT_PAD, (x,), {"pad": tuple(pairs), "value": 0})
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = _tuple(padding, k, "padding", name)
    xs = tuple(x._data.shape)
    _check_shapes(xs, weight._data.shape, bias, stride, padding, dilation, groups, False)
    padded = tuple(s + 2 * p for s, p in zip(xs[2:], padding))
    eff = tuple(d * (kk - 1) + 1 for d, kk in zip(dilation, kernel))
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({_sizes(padded)}). Kernel size: "
                           f"({_sizes(eff)}). Kernel size can't be greater than actual input size")
    _refuse_dtype(input, "compute_columns3d" if k == 3 else "slow_conv2d_cpu", ints=True)
    size = tuple((p - e) // s + 1 for p, e, s in zip(padded, eff, stride))
    out = _conv(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=int(groups),
                transposed=False, size=size, in_size=xs[2:], kernel=kernel)
    return squeeze(out, 0) if unbatched else out


def _conv_transposend(k, name, input, weight, bias, stride, padding, output_padding, groups, dilation):
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    _check_conv(input, weight, bias, k, name, True, groups)
    stride, dilation = _tuple(stride, k, "stride", name), _tuple(dilation, k, "dilation", name)
    padding, output_padding = _tuple(padding, k, "padding", name), _tuple(output_padding, k, "output_padding", name)
    x, unbatched = _batched(input, k)
    xs = tuple(x._data.shape)
    _check_shapes(xs, weight._data.shape, bias, stride, padding, dilation, groups, True)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        names = ("height", "width") if k == 2 else ("depth", "height", "width") if k == 3 else ("width",)
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, output_padding)]
        parts += [f"stride_{n}: {v}" for n, v in zip(names, stride)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    kernel = tuple(weight._data.shape[2:])
    size = tuple((i - 1) * s - 2 * p + d * (kk - 1) + 1 + op
                 for i, s, p, d, kk, op in zip(xs[2:], stride, padding, dilation, kernel, output_padding))
    if any(o <= 0 for o in size):
        raise RuntimeError(f"Given input size per channel: ({_sizes(xs[2:])}). Calculated output size per channel: "
                           f"({_sizes(size)}). Output size is too small")
    out = _conv(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=int(groups),
                transposed=True, size=size, in_size=xs[2:], kernel=kernel)
    return squeeze(out, 0) if unbatched else out


@public(method=False, functional=True)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d cross-correlation of (N, C_in, L) with weight (C_out, C_in/groups, k); padding an int, 'valid' or 'same'."""
    return _convnd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


@public(method=False, functional=True)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d cross-correlation of (N, C_in, H, W) with weight (C_out, C_in/groups, kH, kW) plus bias per channel."""
    return _convnd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


@public(method=False, functional=True)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d cross-correlation of (N, C_in, D, H, W) with weight (C_out, C_in/groups, kD, kH, kW)."""
    return _convnd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


@public(method=False, functional=True)
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transpose (gradient) of conv1d: (N, C_in, L) with weight (C_in, C_out/groups, k)."""
    return _conv_transposend(1, "conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


@public(method=False, functional=True)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transpose (gradient) of conv2d, "deconvolution": (N, C_in, H, W) with weight (C_in, C_out/groups, kH, kW)."""
    return _conv_transposend(2, "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


@public(method=False, functional=True)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transpose of conv3d: (N, C_in, D, H, W) with weight (C_in, C_out/groups, kD, kH, kW)."""
    return _conv_transposend(3, "conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


# ============================================================== pooling: a gather at the maxima
def _gather_fwd(x, *, index, k):
    """out[..., q] = x[..., index[..., q]] over x's last k dimensions flattened (index: flat positions)."""
    lead = x.shape[:x.ndim - k]
    flat = x.reshape(lead + (-1,))
    idx = index.reshape(lead + (-1,))
    return np.take_along_axis(flat, idx, -1).reshape(index.shape)


def _scatter_vjp(g, out, x, *, index, k, in_size):
    """The adjoint: each output's gradient added at the position it was taken from."""
    lead = index.shape[:index.ndim - k]
    n = math.prod(in_size)
    if isinstance(g, Tensor):
        zeros = make(np.zeros(lead + (n,), dtype=g._data.dtype))
        idx = const(index.reshape(lead + (-1,)))
        return reshape(zeros.scatter_add(-1, idx, reshape(g, *lead, -1)), *lead, *in_size)
    rows = math.prod(lead)
    flat = (index.reshape(rows, -1) + (np.arange(rows) * n)[:, None]).ravel()
    dx = np.bincount(flat, weights=np.asarray(g, dtype=np.float64).ravel(), minlength=rows * n)
    return dx.astype(g.dtype, copy=False).reshape(lead + tuple(in_size))


def _gather_row(name, node):
    row = defop(name, node, lambda x, *, index, k, in_size: _gather_fwd(x, index=index, k=k),
                vjp=(_scatter_vjp,), jvp=(lambda dx, out, x, **p: apply(row, (dx,), p),), arrays=True)
    return row


MAX_POOL2D = _gather_row("max_pool2d", "MaxPool2DWithIndicesBackward0")
MAX_POOL3D = _gather_row("max_pool3d", "MaxPool3DWithIndicesBackward0")
ADAPTIVE_MAX_POOL2D = _gather_row("adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0")
ADAPTIVE_MAX_POOL3D = _gather_row("adaptive_max_pool3d", "AdaptiveMaxPool3DBackward0")


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min if dtype.kind in "iu" else False


def _argmax_flat(flat):
    """PyTorch's choice in each window (last axis): the first maximum, or the last nan."""
    a = flat.argmax(-1)
    if flat.dtype.kind == "f":
        nan = np.isnan(flat)
        if nan.any():
            has = nan.any(-1)
            last = flat.shape[-1] - 1 - nan[..., ::-1].argmax(-1)
            a = np.where(has, last, a)
    return a


def _max_pool_index(x, kernel, stride, padding, dilation, size):
    """The flat position (in x's last k dimensions) of each window's maximum, as PyTorch's kernel picks it: windows
    of positions outside x fall back to the window's first position inside."""
    k = len(kernel)
    win = _windows(x, kernel, stride, padding, dilation, size, fill=_lowest(x.dtype))
    lead = win.shape[:win.ndim - k]
    a = _argmax_flat(win.reshape(lead + (-1,)))
    offs = np.unravel_index(a, kernel)
    coords, bad = [], np.zeros(a.shape, bool)
    for i in range(k):
        shape = [1] * a.ndim
        shape[a.ndim - k + i] = size[i]
        start = (np.arange(size[i]) * stride[i] - padding[i]).reshape(shape)
        c = start + offs[i] * dilation[i]
        first = start + -(-np.maximum(-start, 0) // dilation[i]) * dilation[i]
        bad |= (c < 0) | (c >= x.shape[x.ndim - k + i])
        coords.append((c, first))
    coords = [np.where(bad, first, c) for c, first in coords]
    return np.ravel_multi_index(tuple(np.broadcast_to(c, a.shape) for c in coords), x.shape[x.ndim - k:])


def _pool_size(n, kernel, stride, pad, dilation, ceil_mode):
    """pooling_output_shape: how many windows fit."""
    num = n + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = num // stride + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return out


def _pool_args(kernel_size, stride, padding, dilation, k):
    kernel = _tuple(kernel_size, k, "kernel_size", "pool")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, k, "stride", "pool")
    return kernel, stride, _tuple(padding, k, "padding", "pool"), _tuple(dilation, k, "dilation", "pool")


def _check_pool(x, kernel, stride, padding, dilation, ceil_mode, k, max_pool: bool = False):
    """pool2d_shape_check: the window's arguments, then the input's size; the output size it gives."""
    names = "HW" if k == 2 else "DHW"
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(kk <= 0 for kk in kernel):
        raise RuntimeError("kernel size should be greater than zero, but got " +
                           " ".join(f"k{n}: {v}" for n, v in zip(names, kernel)))
    if any(s <= 0 for s in stride):
        raise RuntimeError("stride should be greater than zero, but got " +
                           " ".join(f"d{n}: {v}" for n, v in zip(names, stride)))
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero, but got " +
                           " ".join(f"dilation{n}: {v}" for n, v in zip(names, dilation)))
    xs = tuple(x._data.shape)
    if len(xs) not in (k + 1, k + 2) or 0 in xs[-k - 1:]:
        raise RuntimeError(f"non-empty {k + 1}D or {k + 2}D (batch mode) tensor expected for input")
    for p, kk, d in zip(padding, kernel, dilation):
        if p > (d * (kk - 1) + 1) // 2 if d > 1 else p > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={kk} and dilation={d}")
    if max_pool and k in (2, 3) and any(p > kk // 2 for p, kk in zip(padding, kernel)):
        # max pooling's shape check: half of the kernel itself, dilation aside (PyTorch's texts, W before H)
        if k == 2:
            raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = "
                               f"{padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}")
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got kT: {kernel[0]} kW: "
                           f"{kernel[2]} kH: {kernel[1]} padT: {padding[0]} padW: {padding[2]} padH: {padding[1]}")
    size = tuple(_pool_size(n, kk, s, p, d, ceil_mode)
                 for n, kk, s, p, d in zip(xs[-k:], kernel, stride, padding, dilation))
    if any(o < 1 for o in size):
        c = xs[-k - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + xs[-k:]))}). Calculated output size: "
                           f"({'x'.join(map(str, (c,) + size))}). Output size is too small")
    return size


def _max_poolnd(k, row, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, dilation, k)
    size = _check_pool(input, kernel, stride, padding, dilation, ceil_mode, k, max_pool=True)
    _refuse_dtype(input, f"max_pool{k}d", ints=True)
    x = input._data
    index = _max_pool_index(x, kernel, stride, padding, dilation, size)
    out = apply(row, (input,), {"index": index, "k": k, "in_size": tuple(x.shape[-k:])})
    return (out, make(index.astype(np.int64))) if return_indices else out


def _refuse_dtype(input, kernel, ints=False, long=False):
    """PyTorch's CPU kernels here take floating inputs, some also every integer type (``ints``) or int64 alone
    (``long``): its error for the rest (numpy would compute them, truncating or wrapping)."""
    dt = input._data.dtype
    if dt.kind == "f" or ints and dt.kind in "iu" or long and dt == np.int64:
        return
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{_torch_name(dt)}'\n"
                              f"{kernel.split('_out')[0]}: convert first, e.g. x.float()")


def _as_1d(input, name):
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input._data.ndim}-dimensional tensor for argument "
                           f"#1 'self' (while checking arguments for {name})")
    return unsqueeze(input, -2)


def _one(v, name):
    v = v if isinstance(v, (int, np.integer)) else tuple(v)
    if isinstance(v, tuple):
        if len(v) != 1:
            raise RuntimeError(f"{name} must be an int or a 1-tuple")
        v = v[0]
    return int(v)


@public(method=False, functional=True)
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each window of the last dimension; PyTorch runs it as max_pool2d of x.unsqueeze(-2)."""
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{shape_str(input._data.shape)}")
    kk = _one(kernel_size, "kernel_size")
    s = kk if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _one(stride, "stride")
    p, d = _one(padding, "padding"), _one(dilation, "dilation")
    if kk > 0 and s > 0 and d > 0 and p > kk // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={kk}")
    if kk > 0 and s > 0 and d > 0 and _pool_size(input._data.shape[-1], kk, s, p, d, ceil_mode) < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: "
                           f"{_pool_size(input._data.shape[-1], kk, s, p, d, ceil_mode)}")
    _refuse_dtype(input, "max_pool1d_impl")
    out = _max_poolnd(2, MAX_POOL2D, unsqueeze(input, -2), (1, kk), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return squeeze(out[0], -2), make(out[1]._data.squeeze(-2))
    return squeeze(out, -2)


@public(method=False, functional=True)
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each (kH, kW) window; ``stride`` defaults to the kernel; padded positions never win;
    ``return_indices`` also gives each maximum's flat position in H * W."""
    return _max_poolnd(2, MAX_POOL2D, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


@public(method=False, functional=True)
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each (kD, kH, kW) window."""
    return _max_poolnd(3, MAX_POOL3D, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# ============================================================== linear pooling: one matrix per spatial dimension
def _sep_fwd(x, *, mats, scale):
    """out = x multiplied along each of its last len(mats) dimensions by that dimension's (out, in) matrix."""
    k = len(mats)
    exact = not np.isfinite(x).all()  # an inf or a nan reaches only the windows that hold it
    for i, m in enumerate(mats):
        axis = x.ndim - k + i
        x = np.moveaxis(x, axis, -1)
        x = np.moveaxis(_window_sums(x, m) if exact else np.matmul(x, m.T.astype(x.dtype, copy=False)), -1, axis)
    return x * x.dtype.type(scale) if scale != 1 else x


def _window_sums(x, m):
    """x @ m.T summed over each row's nonzero entries only: a matmul would spread inf * 0 = nan to every window."""
    w = m.astype(x.dtype, copy=False)
    out = np.zeros(x.shape[:-1] + (m.shape[0],), x.dtype)
    for i in range(m.shape[0]):
        nz = np.flatnonzero(w[i])
        if nz.size:
            out[..., i] = x[..., nz] @ w[i, nz]
    return out


def _sep_apply(x, mats, scale):
    """_sep_fwd with recorded ops (constant matrices): the rules' form on tensors."""
    k = len(mats)
    for i, m in enumerate(mats):
        axis = x.ndim - k + i
        x = (x.transpose(axis, -1) @ const(m.T.astype(x._data.dtype))).transpose(axis, -1)
    return x * scale if scale != 1 else x


def _sep_vjp(g, out, x, *, mats, scale):
    t = tuple(m.T for m in mats)
    return _sep_apply(g, t, scale) if isinstance(g, Tensor) else _sep_fwd(g, mats=t, scale=scale)


def _sep_row(name, node):
    row = defop(name, node, _sep_fwd, vjp=(_sep_vjp,), jvp=(lambda dx, out, x, **p: apply(row, (dx,), p),),
                arrays=True)
    return row


AVG_POOL2D = _sep_row("avg_pool2d", "AvgPool2DBackward0")
AVG_POOL3D = _sep_row("avg_pool3d", "AvgPool3DBackward0")
ADAPTIVE_AVG_POOL2D = _sep_row("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0")
ADAPTIVE_AVG_POOL3D = _sep_row("adaptive_avg_pool3d", "AdaptiveAvgPool3DBackward0")


def _avg_matrix(n, kernel, stride, pad, size, count_include_pad, divided):
    """avg_pool's windows along one dimension, each row weighted 1/divisor (PyTorch's divide_factor)."""
    m = np.zeros((size, n))
    for i in range(size):
        start = i * stride - pad
        end = min(start + kernel, n + pad)
        pool = end - start
        start, end = max(start, 0), min(end, n)
        m[i, start:end] = 1.0 / (pool if count_include_pad else max(end - start, 1)) if divided else 1.0
    return m


def _avg_poolnd(k, row, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, 1, k)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if input._data.ndim < k + 1:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(input._data.ndim, 1)}, "
                         f"{max(input._data.ndim, 1) - 1}], but got {-k - 1})")
    size = _check_pool(input, kernel, stride, padding, dilation, ceil_mode, k)
    _refuse_dtype(input, "avg_pool2d" if k == 2 else "avg_pool3d_out_frame", long=True)
    xs = input._data.shape[-k:]
    divided = divisor_override is None
    mats = tuple(_avg_matrix(n, kk, s, p, o, count_include_pad, divided)
                 for n, kk, s, p, o in zip(xs, kernel, stride, padding, size))
    if input._data.dtype == np.int64:  # PyTorch: the integer sum divided by the window's count, truncated
        sums = _sep_fwd(input._data, mats=tuple((m != 0).astype(np.int64) for m in mats), scale=1)
        if divided:
            counts = np.ones(())
            for m in mats:  # a window's divisor is the product of its dimensions' (each row holds 1 / divisor)
                counts = np.multiply.outer(counts, np.round(1 / m.max(1)))
        else:
            counts = np.full(size, divisor_override)
        counts = counts.astype(np.int64)
        return make(np.sign(sums) * (np.abs(sums) // counts))
    return apply(row, (input,), {"mats": mats, "scale": 1 if divided else 1.0 / divisor_override})


@public(method=False, functional=True)
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean of each window of the last dimension (as avg_pool2d of x.unsqueeze(-2), as PyTorch runs it)."""
    x = _as_1d(input, "avg_pool1d")
    kk, p = _one(kernel_size, "kernel_size"), _one(padding, "padding")
    s = kk if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _one(stride, "stride")
    return squeeze(_avg_poolnd(2, AVG_POOL2D, x, (1, kk), (1, s), (0, p), ceil_mode, count_include_pad, None), -2)


@public(function=False, method=False, functional=True)
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean of each (kH, kW) window: padded zeros count unless ``count_include_pad=False``;
    ``divisor_override`` divides every sum by that number instead."""
    return _avg_poolnd(2, AVG_POOL2D, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)


@public(function=False, method=False, functional=True)
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean of each (kD, kH, kW) window."""
    return _avg_poolnd(3, AVG_POOL3D, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)


# ============================================================== power-average pooling, local response norm
def _lp_pool(k, input, norm_type, kernel_size, stride, ceil_mode):
    """PyTorch's composition: (sign(s)·relu(|s|) · window size)^(1/p) of s = avg_pool(x^p); max_pool of |x| for
    p = inf."""
    from .elementwise import relu, sign

    pool = (max_pool1d, max_pool2d, max_pool3d)[k - 1]
    if norm_type == float("inf"):
        return pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    avg = (avg_pool1d, avg_pool2d, avg_pool3d)[k - 1]
    out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode) if stride is not None else \
        avg(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    window = math.prod(kernel_size) if isinstance(kernel_size, (tuple, list)) and len(kernel_size) == k else \
        int(kernel_size if isinstance(kernel_size, (int, np.integer)) else kernel_size[0]) ** k
    return (sign(out) * relu(out.abs())).mul(window).pow(1.0 / norm_type)


@public(method=False, functional=True)
def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm of each window: (Σ x^p)^(1/p) (p = inf: the largest |x|)."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


@public(method=False, functional=True)
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm of each (kH, kW) window: (Σ x^p)^(1/p)."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


@public(method=False, functional=True)
def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The p-norm of each (kD, kH, kW) window: (Σ x^p)^(1/p)."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


@public(method=False, functional=True)
def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    """AlexNet's normalisation across channels: x / (k + alpha · mean of x² over ``size`` neighbouring
    channels)^beta (composed as PyTorch composes it: a padded average pool)."""
    from .nn import pad
    from .shape import view

    dim = input._data.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input._data.size == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = pad(unsqueeze(div, 1), (0, 0, size // 2, (size - 1) // 2))
        div = squeeze(avg_pool2d(div, (size, 1), stride=1), 1)
    else:
        sizes = input._data.shape
        div = pad(view(div, sizes[0], 1, sizes[1], sizes[2], -1), (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = view(squeeze(avg_pool3d(div, (size, 1, 1), stride=1), 1), *sizes)
    return input / div.mul(alpha).add(k).pow(beta)


# ============================================================== adaptive pooling
def _adaptive_bounds(n, size):
    """PyTorch's adaptive windows: [floor(i n / size), ceil((i + 1) n / size))."""
    return [((i * n) // size, -(-((i + 1) * n) // size)) for i in range(size)]


def _channels_last(a) -> bool:
    """A 4-D array laid out as (N, H, W, C) (and not also C-contiguous)."""
    return a.ndim == 4 and not a.flags.c_contiguous and dtypes.has_layout(a, dtypes.channels_last)


def _output_size(output_size, xs, k, name, checks=None):
    """An adaptive pooling's output size (None keeps that size), checked in PyTorch's order: the Python wrapper's
    length check, the kernel's, then ``checks()`` (the input's dimensions), then the sizes' signs."""
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * k
    elif len(xs) <= len(output_size):  # F.adaptive_*'s _list_with_default, before the kernel's checks
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    output_size = tuple(output_size)
    if len(output_size) != k:
        raise RuntimeError(f"{name}: output_size must be {k}")
    if checks is not None:
        checks()
    size = tuple(int(n if o is None else o) for o, n in zip(output_size, xs[-k:]))
    if any(o < 0 for o in size):
        if name.startswith("adaptive_max"):  # (its check comes after the output is allocated)
            raise RuntimeError(f"Trying to create tensor with negative dimension {next(o for o in size if o < 0)}: "
                               f"{shape_str(xs[:-k] + size)}")
        got = f"{size[0]}, {size[1]},{size[2]}" if k == 3 else ", ".join(map(str, size))  # (PyTorch's spacing)
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{got}}}")
    return size


def _check_adaptive(input, k, name, colon=False):
    xs = input._data.shape
    if len(xs) not in (k + 1, k + 2):
        raise RuntimeError(f"{name}(): Expected {k + 1}D or {k + 2}D tensor, but got{':' if colon else ''} "
                           f"{shape_str(xs)}")
    for i in range(1, len(xs)):
        if xs[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {shape_str(xs)} with dimension {i} being empty")


def _adaptive_avg(input, output_size, k):
    name = f"adaptive_avg_pool{k}d"
    size = _output_size(output_size, input._data.shape, k, name, checks=lambda: _check_adaptive(input, k, name))
    if input._data.dtype.kind not in "fc":  # (a matmul would truncate the means to integers)
        suffix = "_cpu" if k == 3 else "_channels_last" if _channels_last(input._data) else ""
        raise NotImplementedError(f"\"{name}{suffix}\" not implemented for '{_torch_name(input._data.dtype)}'")
    if all(o == 1 for o in size):  # PyTorch: the mean over the spatial dimensions
        from .reduce import mean

        return mean(input, tuple(range(-k, 0)), True)
    mats = []
    for n, o in zip(input._data.shape[-k:], size):
        m = np.zeros((o, n))
        for i, (a, b) in enumerate(_adaptive_bounds(n, o)):
            m[i, a:b] = 1.0 / (b - a)
        mats.append(m)
    return apply(ADAPTIVE_AVG_POOL3D if k == 3 else ADAPTIVE_AVG_POOL2D, (input,), {"mats": tuple(mats), "scale": 1})


def _adaptive_max(input, output_size, return_indices, k):
    name = f"adaptive_max_pool{k}d"
    size = _output_size(output_size, input._data.shape, k, name,
                        checks=lambda: _check_adaptive(input, k, name, colon=True))
    _refuse_dtype(input, name)
    x = input._data
    xs = x.shape[-k:]
    # gather each window, padded to the widest by repeating its last position (which never changes the choice)
    idx = []
    for n, o in zip(xs, size):
        bounds = _adaptive_bounds(n, o)
        width = max(b - a for a, b in bounds)
        idx.append(np.array([[min(a + t, b - 1) for t in range(width)] for a, b in bounds]))
    lead = x.shape[:x.ndim - k]
    nl = len(lead)
    picks = []  # each dimension's (out, width) index array, shaped to interleave as (..., o0, w0, o1, w1, ...)
    for d, ix in enumerate(idx):
        shape = [1] * (2 * k)
        shape[2 * d:2 * d + 2] = ix.shape
        picks.append(ix.reshape(shape))
    win = x[(Ellipsis, *picks)]
    outs, widths = tuple(nl + 2 * d for d in range(k)), tuple(nl + 2 * d + 1 for d in range(k))
    win = win.transpose(tuple(range(nl)) + outs + widths)
    offsets = np.unravel_index(_argmax_flat(win.reshape(lead + size + (-1,))), tuple(ix.shape[1] for ix in idx))
    index = 0
    for d, (ix, t) in enumerate(zip(idx, offsets)):
        window = np.arange(size[d]).reshape([-1 if e == d else 1 for e in range(k)])
        index = index * xs[d] + ix[window, t]  # the flat position in the input's last k dims
    out = apply(ADAPTIVE_MAX_POOL3D if k == 3 else ADAPTIVE_MAX_POOL2D, (input,),
                {"index": index, "k": k, "in_size": tuple(xs)})
    return (out, make(index.astype(np.int64))) if return_indices else out


@public(method=False, functional=True)
def adaptive_avg_pool1d(input, output_size):
    """The mean over ``output_size`` nearly equal windows of the last dimension (via adaptive_avg_pool2d)."""
    x = _as_1d(input, "adaptive_avg_pool1d")
    out = _adaptive_avg(x, (1, _one(output_size, "output_size")), 2)
    return squeeze(out, -2)


@public(function=False, method=False, functional=True)
def adaptive_avg_pool2d(input, output_size):
    """The mean over an (oH, oW) grid of nearly equal windows, whatever the input's size (None keeps a size)."""
    return _adaptive_avg(input, output_size, 2)


@public(function=False, method=False, functional=True)
def adaptive_avg_pool3d(input, output_size):
    """The mean over an (oD, oH, oW) grid of nearly equal windows (None keeps a size)."""
    return _adaptive_avg(input, output_size, 3)


@public(method=False, functional=True)
def adaptive_max_pool1d(input, output_size, return_indices=False):
    """The maximum over ``output_size`` nearly equal windows of the last dimension (via adaptive_max_pool2d)."""
    x = _as_1d(input, "adaptive_max_pool1d")
    out = _adaptive_max(x, (1, _one(output_size, "output_size")), return_indices, 2)
    if return_indices:
        return squeeze(out[0], -2), make(out[1]._data.squeeze(-2))
    return squeeze(out, -2)


@public(function=False, method=False, functional=True)
def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The maximum over an (oH, oW) grid of nearly equal windows; ``return_indices`` gives flat positions in H * W."""
    return _adaptive_max(input, output_size, return_indices, 2)


@public(function=False, method=False, functional=True)
def adaptive_max_pool3d(input, output_size, return_indices=False):
    """The maximum over an (oD, oH, oW) grid of nearly equal windows; indices are flat positions in D * H * W."""
    return _adaptive_max(input, output_size, return_indices, 3)


# ============================================================== pixel_shuffle
def _shuffle_fwd(x, *, r):
    """(*, C r², H, W) -> (*, C, H r, W r)."""
    lead, (c, h, w) = x.shape[:-3], x.shape[-3:]
    n = len(lead)
    y = x.reshape(lead + (c // (r * r), r, r, h, w))
    return y.transpose(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2)).reshape(lead + (c // (r * r), h * r, w * r))


def _unshuffle_fwd(x, *, r):
    """(*, C, H r, W r) -> (*, C r², H, W)."""
    lead, (c, h, w) = x.shape[:-3], x.shape[-3:]
    n = len(lead)
    y = x.reshape(lead + (c, h // r, r, w // r, r))
    return y.transpose(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3)).reshape(lead + (c * r * r, h // r, w // r))


def _other(fwd):
    return lambda g, out, x, *, r: apply(UNSHUFFLE if fwd is _shuffle_fwd else SHUFFLE, (g,), {"r": r}) \
        if isinstance(g, Tensor) else (_unshuffle_fwd if fwd is _shuffle_fwd else _shuffle_fwd)(g, r=r)


SHUFFLE = defop("pixel_shuffle", "PixelShuffleBackward0", _shuffle_fwd, vjp=(_other(_shuffle_fwd),),
                jvp=(lambda dx, out, x, *, r: apply(SHUFFLE, (dx,), {"r": r}),), arrays=True)
UNSHUFFLE = defop("pixel_unshuffle", "PixelUnshuffleBackward0", _unshuffle_fwd, vjp=(_other(_unshuffle_fwd),),
                  jvp=(lambda dx, out, x, *, r: apply(UNSHUFFLE, (dx,), {"r": r}),), arrays=True)


# ============================================================== channel_shuffle
def _channel_shuffle_fwd(x, *, groups):
    """(N, g·c, *) as (N, g, c, *), the two swapped: channel j·g + i of the output is channel i·c + j."""
    n, ch = x.shape[:2]
    y = x.reshape((n, groups, ch // groups) + x.shape[2:]).swapaxes(1, 2)
    return np.ascontiguousarray(y).reshape(x.shape)


def _channel_shuffle_vjp(g, out, x, *, groups):  # the inverse permutation: shuffle by the other factor
    c = g.shape[1] // groups
    return apply(CHANNEL_SHUFFLE, (g,), {"groups": c}) if isinstance(g, Tensor) else _channel_shuffle_fwd(g, groups=c)


CHANNEL_SHUFFLE = defop("channel_shuffle", "ChannelShuffleBackward0", _channel_shuffle_fwd, vjp=(_channel_shuffle_vjp,),
                        jvp=(lambda dx, out, x, **p: apply(CHANNEL_SHUFFLE, (dx,), p),), arrays=True)


@public(method=False, functional=True)
def channel_shuffle(input, groups: int):
    """ShuffleNet's channel shuffle: the channels of an (N, C, *) tensor in ``groups`` groups, interleaved."""
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{shape_str(input.shape)}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
                           f"{groups} groups.")
    return apply(CHANNEL_SHUFFLE, (input,), {"groups": int(groups)})


# ============================================================== max_unpool: max_pool's indices, scattered back
def _unpool_fwd(x, *, index, k, out_size):
    """Each value written at the flat position (in the output's last k dims) its index gives; zeros elsewhere."""
    lead = x.shape[:x.ndim - k]
    out = np.zeros(lead + (math.prod(out_size),), dtype=x.dtype)
    np.put_along_axis(out, index.reshape(lead + (-1,)), x.reshape(lead + (-1,)), -1)
    return out.reshape(lead + tuple(out_size))


def _unpool_vjp(g, out, x, *, index, k, out_size):
    """The adjoint: each input's gradient read back from the position it was written to."""
    if isinstance(g, Tensor):
        lead = index.shape[:index.ndim - k]
        flat = reshape(g, *lead, -1)
        return reshape(flat.gather(-1, const(index.reshape(lead + (-1,)))), *index.shape)
    return _gather_fwd(g, index=index, k=k)


def _unpool_row(name, node):
    row = defop(name, node, _unpool_fwd, vjp=(_unpool_vjp,), jvp=(lambda dx, out, x, **p: apply(row, (dx,), p),),
                arrays=True)
    return row


MAX_UNPOOL2D = _unpool_row("max_unpool2d", "MaxUnpool2DBackward0")
MAX_UNPOOL3D = _unpool_row("max_unpool3d", "MaxUnpool3DBackward0")


def _unpool_size(input, kernel, stride, padding, output_size, k):
    """F.max_unpool's output size: the inverse of max_pool's, or ``output_size`` within a stride of it."""
    default = [(input.shape[input.dim() - k + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(k)]
    if output_size is None:
        size = default
    else:
        given = output_size
        output_size = list(output_size)
        if len(output_size) == k + 2:
            output_size = output_size[2:]
        if len(output_size) != k:
            raise ValueError(f"output_size should be a sequence containing {k} or {k + 2} elements, but it has a "
                             f"length of '{len(output_size)}'")
        for d in range(k):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{given}" (dim {d} must be between {lo} and {hi})')
        size = output_size
    for d, n in enumerate(size):
        if n < 0:
            raise ValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={n}")
    return [int(n) for n in size]


def _max_unpool(k, row, input, indices, kernel_size, stride, padding, output_size):
    kernel = _ntuple_arg(kernel_size, k)
    stride = kernel if stride is None else _ntuple_arg(stride, k)
    size = _unpool_size(input, kernel, stride, _ntuple_arg(padding, k), output_size, k)
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {_torch_name(indices._data.dtype)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({shape_str(input.shape)}) but got indices tensor with shape: {shape_str(indices.shape)}")
    index = np.asarray(indices._data)
    total = math.prod(size)
    bad = index[(index < 0) | (index >= total)]
    if bad.size:
        raise RuntimeError(f"Found an invalid max index: {int(bad.flat[0])} (output volumes are of size "
                           f"{'x'.join(map(str, size))})")
    return apply(row, (input,), {"index": index, "k": k, "out_size": tuple(size)})


def _ntuple_arg(v, k):
    return (int(v),) * k if isinstance(v, (int, np.integer)) else tuple(int(e) for e in v)


@public(method=False, functional=True)
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d: each maximum back at its position (``return_indices``'), zeros elsewhere."""
    kernel = _ntuple_arg(kernel_size, 1)
    stride = kernel if stride is None else _ntuple_arg(stride, 1)
    size = _unpool_size(input, kernel, stride, _ntuple_arg(padding, 1), output_size, 1)
    out = _max_unpool(2, MAX_UNPOOL2D, unsqueeze(input, -1), unsqueeze(indices, -1), (kernel[0], 1), (stride[0], 1),
                      (0, 0), size + [1])
    return squeeze(out, -1)


@public(method=False, functional=True)
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d: each maximum back at its position, zeros elsewhere."""
    return _max_unpool(2, MAX_UNPOOL2D, input, indices, kernel_size, stride, padding, output_size)


@public(method=False, functional=True)
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool3d."""
    return _max_unpool(3, MAX_UNPOOL3D, input, indices, kernel_size, stride, padding, output_size)


def _check_shuffle(x, r, name, what):
    if r <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {r}")
    if x._data.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with {x._data.ndim} "
                           "dimension(s)")


@public(method=False, functional=True)
def pixel_shuffle(input, upscale_factor: int):
    """(*, C·r², H, W) rearranged to (*, C, H·r, W·r): sub-pixel convolution's upsampling."""
    r = int(upscale_factor)
    _check_shuffle(input, r, "pixel_shuffle", "upscale_factor")
    c = input._data.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return apply(SHUFFLE, (input,), {"r": r})


@public(method=False, functional=True)
def pixel_unshuffle(input, downscale_factor: int):
    """The inverse of pixel_shuffle: (*, C, H·r, W·r) to (*, C·r², H, W)."""
    r = int(downscale_factor)
    _check_shuffle(input, r, "pixel_unshuffle", "downscale_factor")
    for name, d in (("height", -2), ("width", -1)):
        if input._data.shape[d] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({d})={input._data.shape[d]} is not divisible by {r}")
    return apply(UNSHUFFLE, (input,), {"r": r})


# ============================================================== unfold / fold: im2col and its adjoint col2im
def _im2col(x, *, kernel, dilation, padding, stride, blocks, size):
    """(N, C, H, W) -> (N, C kh kw, L): every sliding block, one column each (the convolution's windows)."""
    if x.ndim == 3:  # unbatched, one node as in PyTorch
        return _im2col(x[None], kernel=kernel, dilation=dilation, padding=padding, stride=stride, blocks=blocks,
                       size=size)[0]
    win = _windows(x, kernel, stride, padding, dilation, blocks)  # (N, C, bh, bw, kh, kw)
    n, c = x.shape[:2]
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * math.prod(kernel), math.prod(blocks))


def _col2im(cols, *, kernel, dilation, padding, stride, blocks, size):
    """(N, C kh kw, L) -> (N, C, H, W): each column added back where its block came from (overlaps sum, in the
    input's dtype and in PyTorch's order: a float16 image rounds after every addition, as its kernel's)."""
    if cols.ndim == 2:
        return _col2im(cols[None], kernel=kernel, dilation=dilation, padding=padding, stride=stride, blocks=blocks,
                       size=size)[0]
    n = cols.shape[0]
    c = cols.shape[1] // math.prod(kernel)
    cols = cols.reshape((n, c) + tuple(kernel) + tuple(blocks))
    full = tuple(n_ + 2 * p for n_, p in zip(size, padding))
    out = np.zeros((n, c) + full, dtype=cols.dtype)
    for i, j in np.ndindex(*kernel):
        rows = slice(i * dilation[0], i * dilation[0] + stride[0] * (blocks[0] - 1) + 1, stride[0])
        columns = slice(j * dilation[1], j * dilation[1] + stride[1] * (blocks[1] - 1) + 1, stride[1])
        out[:, :, rows, columns] += cols[:, :, i, j]
    return out[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]].copy() if any(padding) else out


def _im2col_vjp(g, out, x, **p):
    return apply(COL2IM, (g,), p) if isinstance(g, Tensor) else _col2im(g, **p)


def _col2im_vjp(g, out, cols, **p):
    return apply(IM2COL, (g,), p) if isinstance(g, Tensor) else _im2col(g, **p)


IM2COL = defop("im2col", "Im2ColBackward0", _im2col, vjp=(_im2col_vjp,),
               jvp=(lambda dx, out, x, **p: apply(IM2COL, (dx,), p),), arrays=True)
COL2IM = defop("col2im", "Col2ImBackward0", _col2im, vjp=(_col2im_vjp,),
               jvp=(lambda dx, out, x, **p: apply(COL2IM, (dx,), p),), arrays=True, half=False)


def _pair_arg(v, name):
    v = (int(v),) * 2 if isinstance(v, (int, np.integer)) else tuple(int(e) for e in v)
    if len(v) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")
    return v


def _block_args(kernel_size, dilation, padding, stride, order):
    """The four pairs, checked in the order PyTorch's im2col (or col2im) checks them."""
    args = {"kernel": _pair_arg(kernel_size, "kernel_size"), "dilation": _pair_arg(dilation, "dilation"),
            "padding": _pair_arg(padding, "padding"), "stride": _pair_arg(stride, "stride")}
    messages = {"kernel": ("kernel size should be greater than zero", "kernel_height", "kernel_width", 1),
                "dilation": ("dilation should be greater than zero", "dilation_height", "dilation_width", 1),
                "padding": ("padding should be non-negative", "pad_height", "pad_width", 0),
                "stride": ("stride should be greater than zero", "stride_height", "stride_width", 1)}
    for key in order:
        text, h, w, low = messages[key]
        if min(args[key]) < low:
            raise RuntimeError(f"{text}, but got {h}: {args[key][0]} {w}: {args[key][1]}")
    return args


def _blocks(size, kernel, dilation, padding, stride):
    return tuple((n + 2 * p - (d * (k - 1) + 1)) // s + 1
                 for n, k, d, p, s in zip(size, kernel, dilation, padding, stride))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # F.unfold (Tensor.unfold is another function)
    """The sliding (kh, kw) blocks of an (N, C, H, W) image as the columns of an (N, C kh kw, L) tensor (im2col:
    a convolution is this followed by a matrix product with the flattened kernels)."""
    p = _block_args(kernel_size, dilation, padding, stride, ("kernel", "dilation", "padding", "stride"))
    xs = input._data.shape
    if input._data.ndim == 2:
        raise IndexError("Dimension out of range (expected to be in range of [-2, 1], but got 2)")
    if input._data.ndim not in (3, 4) or 0 in xs[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {shape_str(xs)}")
    blocks = _blocks(xs[-2:], **p)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size ({xs[-2]}, {xs[-1]}), kernel_size=({p['kernel'][0]}, {p['kernel'][1]}), "
            f"dilation=({p['dilation'][0]}, {p['dilation'][1]}), padding=({p['padding'][0]}, {p['padding'][1]}), "
            f"calculated shape of the array of sliding blocks as ({blocks[0]}, {blocks[1]}), but its components "
            "must be at least one.")
    if input._data.dtype.kind in "iu":
        raise NotImplementedError(f"\"im2col_out_cpu\" not implemented for '{_torch_name(input._data.dtype)}'")
    return apply(IM2COL, (input,), {**p, "blocks": blocks, "size": tuple(xs[-2:])})


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # F.fold, beside F.unfold
    """The inverse arrangement of :func:`unfold`: (N, C kh kw, L) columns summed back into an (N, C, H, W) image
    of ``output_size`` (where blocks overlap, their values add up)."""
    size = _pair_arg(output_size, "output_size")
    p = _block_args(kernel_size, dilation, padding, stride, ("kernel", "stride", "dilation", "padding"))
    xs = input._data.shape
    if input._data.ndim not in (2, 3) or 0 in xs[-2:]:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {shape_str(xs)}")
    k = p["kernel"]
    if xs[-2] % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={xs[-2]} and kernel_size=({k[0]}, {k[1]}).")
    blocks = _blocks(size, **p)
    if blocks[0] * blocks[1] != xs[-1] or min(blocks) < 1:
        raise RuntimeError(
            f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({p['dilation'][0]}, "
            f"{p['dilation'][1]}), padding=({p['padding'][0]}, {p['padding'][1]}), stride=({p['stride'][0]}, "
            f"{p['stride'][1]}), expected size of input's dimension 2 to match the calculated number of sliding "
            f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={xs[-1]}.")
    if input._data.dtype.kind in "iu":
        raise NotImplementedError(f"\"col2im_out_cpu\" not implemented for '{_torch_name(input._data.dtype)}'")
    return apply(COL2IM, (input,), {**p, "blocks": blocks, "size": size})


# ============================================================== interpolate: one matrix per spatial dimension
# Every mode is linear in the input and separable, so each is the product with one (out, in) matrix per spatial
# dimension (the rows of _sep_row, PyTorch's node names): the matrices are PyTorch's CPU kernels' indices and
# weights (UpSampleKernel.cpp), computed in the kernels' precision (float for float32/float16 inputs, double for
# float64) so that every floor picks the same source pixel.
def _interp_scale(n_in, n_out, align_corners, factor, ft):
    """area_pixel_compute_scale: the step in the input per output pixel."""
    if align_corners:
        return ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    return ft(1.0 / factor) if factor is not None and factor > 0 else ft(n_in) / ft(n_out)


def _interp_source(scale, n_out, align_corners, cubic, ft):
    """area_pixel_compute_source_index for every output pixel (half-pixel centres unless ``align_corners``)."""
    i = np.arange(n_out)
    if align_corners:
        return scale * i.astype(ft)
    src = (np.float64(scale) * (i + 0.5) - 0.5).astype(ft)
    return src if cubic else np.maximum(src, ft(0))


def _floorf(v):
    """C's floorf: the value rounded to float first (the kernels call it on doubles too)."""
    return np.floor(np.asarray(v).astype(np.float32)).astype(np.int64)


def _guard(real, n_in, ft):
    """guard_index_and_lambda: the pixel at or before each source position, and the distance past it in [0, 1]."""
    index = np.minimum(_floorf(real), n_in - 1)
    return index, np.clip(real - index.astype(ft), ft(0), ft(1)).astype(ft)


def _cubic_weights(t, a):
    """The four cubic-convolution weights of the pixels at -1, 0, 1, 2 from the one before position t."""
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    one = t.dtype.type(1)
    return far(t + one), near(t), near(one - t), far(one - t + one)


def _aa_filter(mode, ft):
    """The filters of the antialiased modes (Pillow's): triangle, Keys cubic (a = -0.5) and Lanczos-3."""
    def triangle(x):
        x = np.abs(x)
        return np.where(x < 1, 1 - x, 0).astype(ft)

    def keys(x):
        x = np.abs(x)
        a = ft(-0.5)
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x < 1, near, np.where(x < 2, far, 0)).astype(ft)

    def lanczos(x):
        x = x.astype(np.float64)
        return np.where((x >= -3) & (x < 3), np.sinc(x) * np.sinc(x / 3), 0).astype(ft)

    return {"bilinear": (triangle, 2), "bicubic": (keys, 4), "lanczos": (lanczos, 6)}[mode]


def _nearest_index(mode, n_in, n_out, factor, ft, vectorized):
    """The source pixel of each output pixel, as PyTorch's two CPU kernels pick it: the vectorized one (nearest_idx:
    in float, a size kept or doubled copied exactly) or the generic one (in the opmath type, no special cases).
    (PyTorch's backward always takes nearest_idx, so where a scale factor keeps or doubles a size and the generic
    kernel ran, its gradient is not its forward's adjoint; this one is.)"""
    i = np.arange(n_out)
    if vectorized:
        if mode == "nearest" and n_out == n_in:
            return i
        if mode == "nearest" and n_out == 2 * n_in:
            return i >> 1
        scale = _interp_scale(n_in, n_out, False, factor, np.float32)
        real = i.astype(np.float32) * scale if mode == "nearest" else (i + 0.5) * np.float64(scale)
        return np.minimum(_floorf(real), n_in - 1)
    scale = _interp_scale(n_in, n_out, False, factor, ft)
    if mode == "nearest":
        return np.minimum(_floorf(_interp_source(scale, n_out, True, False, ft)), n_in - 1)
    real = _interp_source(scale, n_out, False, False, ft)
    return np.minimum(_floorf(real.astype(np.float64) + 0.5), n_in - 1)


def _interp_matrix(mode, n_in, n_out, align_corners, factor, dtype, antialias, vectorized):
    """The (n_out, n_in) matrix of one spatial dimension; ``factor`` is the user's scale factor or None."""
    ft = np.float64 if dtype == np.float64 else np.float32  # the kernels' opmath type
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        m[rows, _nearest_index(mode, n_in, n_out, factor, ft, vectorized)] = 1.0
        return m
    if antialias and n_out == n_in:  # PyTorch's separable kernel leaves a kept size as it is (whatever the scale)
        m[rows, rows] = 1.0
        return m
    if antialias:  # Pillow's: the filter widened by the scale when shrinking, each row normalised
        filt, size = _aa_filter(mode, ft)
        scale = _interp_scale(n_in, n_out, align_corners, factor, ft)
        support = ft(size * 0.5) * scale if scale >= 1 else ft(size * 0.5)
        widest = int(math.ceil(support)) * 2 + 1
        invscale = ft(1.0) / scale if scale >= 1 else ft(1.0)
        for i in range(n_out):
            center = ft(np.float64(scale) * (i + 0.5))
            lo = max(int(np.float64(center - support) + 0.5), 0)
            count = min(max(min(int(np.float64(center + support) + 0.5), n_in) - lo, 0), widest)
            pos = np.arange(lo, lo + count)
            w = filt(((pos.astype(ft) - center).astype(np.float64) + 0.5) * np.float64(invscale))
            total = w.sum(dtype=ft)
            m[i, pos] = w / total if total != 0 else w
        return m
    wt = dtype.type if dtype in (np.float16, np.float32, np.float64) else np.float32  # the weights' storage type
    scale = _interp_scale(n_in, n_out, align_corners, factor, ft)
    if mode == "bicubic":
        idx, t = _guard(_interp_source(scale, n_out, align_corners, True, ft), n_in, ft)
        for j, w in enumerate(_cubic_weights(t, ft(-0.75))):
            np.add.at(m, (rows, np.clip(idx + j - 1, 0, n_in - 1)), w.astype(wt))
        return m
    if n_out == n_in:  # linear: scale factor 1 copies
        m[rows, rows] = 1.0
        return m
    idx0, lam1 = _guard(_interp_source(scale, n_out, align_corners, False, ft), n_in, ft)
    idx1 = idx0 + (idx0 < n_in - 1)
    lam1 = lam1.astype(wt)
    np.add.at(m, (rows, idx0), (wt(1) - lam1).astype(np.float64))
    np.add.at(m, (rows, idx1), lam1.astype(np.float64))
    return m


_UPSAMPLE = {}  # (mode, k, antialias) -> row
for _mode, _k, _name in (("nearest", 1, "Nearest1D"), ("nearest", 2, "Nearest2D"), ("nearest", 3, "Nearest3D"),
                         ("nearest-exact", 1, "NearestExact1D"), ("nearest-exact", 2, "NearestExact2D"),
                         ("nearest-exact", 3, "NearestExact3D"), ("linear", 1, "Linear1D"),
                         ("bilinear", 2, "Bilinear2D"), ("trilinear", 3, "Trilinear3D"), ("bicubic", 2, "Bicubic2D"),
                         ("bilinear", 2, "Bilinear2DAa"), ("bicubic", 2, "Bicubic2DAa"),
                         ("lanczos", 2, "Lanczos2DAa")):
    _aa = _name.endswith("Aa")
    _op = "upsample_" + _mode.replace("-", "_") + f"{_k}d" + ("_aa" if _aa else "")
    _UPSAMPLE[_mode, _k, _aa] = _sep_row(_op, f"Upsample{_name}Backward0")

_INTERP_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "lanczos", "area", "nearest-exact")
_INTERP_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "lanczos": 2, "trilinear": 3}


def _interp_output(input, size, scale_factor, dim):
    """F.interpolate's argument handling: the output size or the scale factors, one per spatial dimension."""
    spatial = list(input._data.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {spatial} and output size of {size}. Please provide input tensor in (N, C, d1, "
                    "d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) or
                       isinstance(s, Tensor) and s._data.dtype.kind in "iu" for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, "
                                f"int], but got size with types {[type(s) for s in size]}")
            return [int(s) for s in size], None
        return [int(size)] * dim, None
    if scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                    f"spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please provide input "
                    "tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            return None, [float(s) for s in scale_factor]
        return None, [float(scale_factor)] * dim
    raise ValueError("either size or scale_factor should be defined")


def _check_upsample(input, out_size, k):
    """upsample_{1,2,3}d_common_check: positive sizes, a non-empty (N, C, *spatial) input."""
    names = ("D", "H", "W")[3 - k:]
    xs = input._data.shape
    if not all(n > 0 for n in (*xs[2:], *out_size)):
        got_in = ", ".join(f"{a}: {n}" for a, n in zip(names, xs[2:]))
        got_out = ", ".join(f"{a}: {n}" for a, n in zip(names, out_size))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({got_in})"
                           f"{' and' if k == 1 else ''} output ({got_out})")
    if any(n == 0 for n in xs[1:]):
        raise RuntimeError(f"Non-empty {k + 2}D data tensor expected but got a tensor with sizes {shape_str(xs)}")


def _check_interp_dtype(input, mode, k, antialias):
    """PyTorch's kernels: floating inputs, and uint8 for the nearest modes (bilinear/bicubic's uint8 kernels, with
    their integer rounding, are not built here)."""
    dt = input._data.dtype
    if dt.kind == "f" and not (antialias and dt == np.float16):
        return
    if antialias:
        kernel = "compute_index_ranges_weights"
    elif k == 2 and mode in ("nearest", "nearest-exact", "bilinear"):
        kernel = f"upsample_{'bilinear' if mode == 'bilinear' else 'nearest'}2d_channels_last"
    else:
        kernel = {"bicubic": "cubic", "linear": "linear", "bilinear": "linear", "trilinear": "linear"}.get(mode)
        kernel = f"compute_indices_weights_{kernel or 'nearest'}"
    if dt == np.uint8 and mode in ("nearest", "nearest-exact"):
        return
    if dt == np.uint8 and mode in ("bilinear", "bicubic"):
        raise NotImplementedError(f"interpolate: mode={mode!r} on a uint8 tensor is not built into the own engine\n"
                                  "(PyTorch rounds it with integer weights); convert first, e.g. x.float()")
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{_torch_name(dt)}'")


@public(method=False, functional=True)
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resample the spatial dimensions of an (N, C, *spatial) tensor to ``size`` or by ``scale_factor``.

    ``mode``: nearest, nearest-exact, linear (3-D), bilinear / bicubic (4-D), trilinear (5-D), area (adaptive average
    pooling) or lanczos (4-D, antialiased). ``align_corners=True`` maps the corner pixels' centres onto each other;
    ``antialias=True`` widens the filter when shrinking.

    >>> F.interpolate(torch.tensor([[[1., 2.]]]), scale_factor=2, mode="linear")   # doctest: +SKIP
    tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    ndim = input._data.ndim
    dim = ndim - 2
    out_size, factors = _interp_output(input, size, scale_factor, dim)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out_size = [int(n * s) for n, s in zip(input._data.shape[2:], factors)]
        factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode == "lanczos" and ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if mode not in _INTERP_MODES or ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {ndim}D) for the modes: nearest | linear | "
            f"bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})")
    if mode in _INTERP_DIMS and _INTERP_DIMS[mode] != dim:
        need = _INTERP_DIMS[mode]
        raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {need + 2}D input")
    if out_size is None:  # the output size from the scale factors (PyTorch's C++ does the same, in double)
        out_size = [int(n * s) for n, s in zip(input._data.shape[2:], factors)]
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1]
        return pool(input, out_size)
    _check_interp_dtype(input, mode, dim, antialias)
    _check_upsample(input, out_size, dim)
    xs = input._data.shape[2:]
    dt = input._data.dtype
    # PyTorch's vectorized nearest kernel (for small 2-D outputs and channels-last inputs of 4+ channels)
    layout = dtypes.channels_last if dim == 2 else dtypes.channels_last_3d
    vectorized = dim > 1 and input._data.shape[1] > 3 and dtypes.has_layout(input._data, layout) or (
        dim == 2 and builtins.sum(out_size) <= 128)
    mats = tuple(_interp_matrix(mode, n, o, align_corners, None if factors is None else f, dt, antialias, vectorized)
                 for n, o, f in zip(xs, out_size, factors or (None,) * dim))
    return apply(_UPSAMPLE[mode, dim, bool(antialias)], (input,), {"mats": mats, "scale": 1})


@public(method=False, functional=True)
def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated name of :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


@public(method=False, functional=True)
def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode="nearest")``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


@public(method=False, functional=True)
def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode="bilinear", align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
