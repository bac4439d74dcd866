"""In-place updates (``add_``, ``x -= y``, ``x[i] = v``, ``zero_``): the checks and the version counter.

Every check runs before the tensor is touched, so a refused update leaves it as it was.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes, mode
from ..tensor import Tensor, make
from ._util import shape_str

LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _check_leaf(x: Tensor, name: str) -> None:
    if mode.state.grad_enabled and x.grad_fn is None and x._requires_grad:
        raise RuntimeError(
            f"{LEAF_INPLACE}\n{name}: wrap the update in `with torch.no_grad():` (as optimisers do) "
            "or work on a copy, y = x.clone()"
        )


def _check_result(x: Tensor, r: np.ndarray, name: str) -> None:
    if r.shape != x._data.shape:
        raise RuntimeError(
            f"output with shape {shape_str(x._data.shape)} doesn't match the broadcast shape {shape_str(r.shape)}\n"
            f"{name}: an in-place result must keep the tensor's shape {tuple(x._data.shape)}"
        )
    if not np.can_cast(r.dtype, x._data.dtype, "same_kind"):
        names = {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}
        raise RuntimeError(
            f"result type {names.get(r.dtype.kind, r.dtype.name)} can't be cast to the desired output type "
            f"{x.dtype.legacy.removesuffix('Tensor')}\n{name}: convert first, e.g. x = x.float()"
        )


def inplace_apply(x: Tensor, fn, other, name: str) -> Tensor:
    """Compute ``fn(x, other)`` and write it into x's memory; record it when gradients flow."""
    _check_leaf(x, name)
    tracking = mode.state.grad_enabled and (
        x._requires_grad or (isinstance(other, Tensor) and other._requires_grad)
    )
    if not tracking:
        with _no_grad():
            r = fn(x, other)
        _check_result(x, r._data, name)
        np.copyto(x._data, r._data, casting="unsafe")
        x._ver[0] += 1
        _move_tangent(r, x)
        return x
    # The old value gets a tensor of its own: the node may read it after x has been overwritten.
    old = make(x._data.copy(), x.grad_fn)
    old._requires_grad = x._requires_grad
    _move_tangent(x, old)
    r = fn(old, other)
    _check_result(x, r._data, name)
    np.copyto(x._data, r._data, casting="unsafe")
    x.grad_fn = r.grad_fn
    x._requires_grad = True
    x._ver[0] += 1
    _move_tangent(r, x)
    return x


def _move_tangent(src: Tensor, dst: Tensor) -> None:
    """Forward mode: an in-place result's tangent now belongs to the tensor that was overwritten."""
    table = mode.state.forward_tangents
    if table is not None and id(src) in table:
        table[id(dst)] = (dst, table[id(src)][1])


def inplace(x: Tensor, fn, other, name: str) -> Tensor:
    return inplace_apply(x, fn, other, name)


def fill_inplace(x: Tensor, value) -> Tensor:
    """``zero_`` / ``fill_`` / ``normal_``: overwrite every element."""
    _check_leaf(x, "fill_")
    v = value._data if isinstance(value, Tensor) else np.asarray(value)
    if mode.state.grad_enabled and x._requires_grad:
        from .shape import copy_from

        return inplace_apply(x, copy_from, make(np.asarray(v, dtype=x._data.dtype)), "fill_")
    x._data[...] = v
    x._ver[0] += 1
    return x


class _no_grad:
    def __enter__(self):
        self.prev = mode.state.grad_enabled
        mode.state.grad_enabled = False

    def __exit__(self, *exc):
        mode.state.grad_enabled = self.prev


__all__ = ["inplace", "inplace_apply", "fill_inplace", "dtypes"]
