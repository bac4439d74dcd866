"""Forward mode: push tangents through a function with each op's JVP (one pass per direction)."""

from __future__ import annotations

import numpy as np

from . import mode
from .tensor import Tensor, make


def jvp(fn, primals, tangents):
    """``(fn(*primals), J·tangents)``: the directional derivative, computed forwards.

    >>> x = tensor([2.]); y = tensor([5.])
    >>> jvp(lambda a, b: a.log() + a * b - b.sin(), (x, y), (tensor([1.]), tensor([0.])))[1]
    tensor([5.5000])
    """
    primals = tuple(primals)
    tangents = tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    table = {}
    for p, t in zip(primals, tangents):
        if p.shape != t.shape:
            raise ValueError(f"jvp: a primal of shape {tuple(p.shape)} got a tangent of shape {tuple(t.shape)}")
        table[id(p)] = (p, t)
    prev = mode.state.forward_tangents
    mode.state.forward_tangents = table
    try:
        out = fn(*primals)
    finally:
        mode.state.forward_tangents = prev
    entry = table.get(id(out))
    tangent = entry[1] if entry is not None else make(np.zeros_like(out._data))
    return out, tangent


__all__ = ["jvp", "Tensor"]
