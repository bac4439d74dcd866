"""Attention, composed of the table's ops as PyTorch composes it: scaled_dot_product_attention (its math path)
and multi_head_attention_forward (nn.MultiheadAttention's), so gradients reach queries, keys, values and every
projection weight."""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes, factories
from ._util import norm_dim
from .elementwise import where
from .joining import cat
from .linalg import _scalar_type, matmul
from .nn import dropout, linear, pad
from .reduce import SAFE_SOFTMAX, softmax
from .registry import apply, public


def _safe_softmax(x, dim: int):
    """softmax, with rows that are all -inf (every key masked) giving 0 instead of nan (PyTorch's _safe_softmax)."""
    return apply(SAFE_SOFTMAX, (x,), {"dim": norm_dim(dim, x._data.ndim, "softmax")})


@public(function=False, method=False, functional=True)
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
                                 scale=None, enable_gqa: bool = False):
    """softmax(q kᵀ · scale + mask) v over the last two dims (scale 1/√E by default): ``attn_mask`` is added (a
    float mask) or selects the keys to attend to (a bool mask: True attends), ``is_causal`` lets each query attend
    to itself and the keys before it. Composed as PyTorch's math path, so gradients flow to q, k and v.

    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)        # doctest: +SKIP
    """
    if len({t._data.dtype for t in (query, key, value)}) > 1:
        names = [_scalar_type(t).lower() for t in (query, key, value)]
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: {names[0]} "
                           f"key.dtype: {names[1]} and value.dtype: {names[2]} instead.")
    negative = scale is not None and scale < 0
    factor = math.sqrt(abs(scale) if scale is not None else 1.0 / math.sqrt(query.shape[-1]))  # on q and on k
    q = query * (-factor if negative else factor)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        attn_mask = factories.ones(query.shape[-2], key.shape[-2], dtype=dtypes.bool).tril()
    if attn_mask is not None and attn_mask._data.dtype == np.bool_:  # True attends: 0, False: -inf
        attn_mask = where(attn_mask.logical_not(), -math.inf, factories.zeros((), dtype=query.dtype))
    if enable_gqa and key.dim() > 2 and key.shape[-3] != query.shape[-3]:  # grouped keys and values, repeated
        reps = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(reps, -3), value.repeat_interleave(reps, -3)
    attn = matmul(q, key.transpose(-2, -1) * factor)
    if attn_mask is not None:
        attn = attn + attn_mask
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return matmul(attn, value)


def _float_mask(mask, name: str, dtype):
    """A bool mask (True: not allowed) as 0 / -inf in ``dtype``; a float mask as it is (PyTorch's _canonical_mask)."""
    if mask is None:
        return None
    if mask._data.dtype == np.bool_:
        return where(mask, -math.inf, factories.zeros((), dtype=dtype))
    if mask._data.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _in_projection(query, key, value, w, b, embed_dim):
    """q, k, v from one packed (3E, E) weight: one linear for self-attention, two when key is value, else three."""
    if key is value and query is key:
        proj = linear(query, w, b).unflatten(-1, (3, embed_dim)).unsqueeze(0).transpose(0, -2).squeeze(-2)
        proj = proj.contiguous()
        return proj[0], proj[1], proj[2]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = b.chunk(3) if b is not None else (None, None, None)
    if key is value:
        kv = linear(key, cat([w_k, w_v]), None if b is None else cat([b_k, b_v]))
        kv = kv.unflatten(-1, (2, embed_dim)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return linear(query, w_q, b_q), kv[0], kv[1]
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


@public(function=False, method=False, functional=True)
def multi_head_attention_forward(query, key, value, embed_dim_to_check: int, num_heads: int, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn: bool, dropout_p: float, out_proj_weight,
                                 out_proj_bias, training: bool = True, key_padding_mask=None, need_weights: bool = True,
                                 attn_mask=None, use_separate_proj_weight: bool = False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
                                 average_attn_weights: bool = True, is_causal: bool = False):
    """nn.MultiheadAttention's computation on (L, N, E) queries and (S, N, E) keys and values (or unbatched
    (L, E), (S, E)): project, split into heads, attend, merge, project; the attention weights too (averaged over
    the heads unless ``average_attn_weights=False``)."""
    batched = query.dim() == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    attn_mask = _float_mask(attn_mask, "attn_mask", query.dtype)
    if use_separate_proj_weight:
        b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
        q, k, v = linear(query, q_proj_weight, b_q), linear(key, k_proj_weight, b_k), linear(value, v_proj_weight, b_v)
    else:
        q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, embed_dim)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        k, v = cat([k, bias_k.repeat(1, bsz, 1)]), cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k)
    v = (v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v)
    if add_zero_attn:
        zeros = factories.zeros(bsz * num_heads, 1, head_dim, dtype=q.dtype)
        k, v = cat([k, zeros], 1), cat([v, zeros], 1)
        attn_mask = None if attn_mask is None else pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{key_padding_mask.shape}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(
            bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        scores = (attn_mask.baddbmm(q_scaled, k.transpose(-2, -1)) if attn_mask is not None
                  else q_scaled.bmm(k.transpose(-2, -1)))
        weights = softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = weights.bmm(v).transpose(0, 1).contiguous().view(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:  # (one mask for all: broadcast; else one per batch element and head)
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q, k, v = (t.view(bsz, num_heads, -1, head_dim) for t in (q, k, v))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal and attn_mask is None)
    out = out.permute(2, 0, 1, 3).contiguous().view(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    return (out if batched else out.squeeze(1)), None

