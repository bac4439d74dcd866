"""Forward mode: push tangents through a computation with each op's JVP, one direction per pass.

Two faces: the functional ``jvp(f, primals, tangents)`` and PyTorch's dual tensors
(``forward_ad.dual_level``, ``make_dual``, ``unpack_dual``). While a level is open, ``apply`` looks up
the inputs' tangents and computes the output's from the op table's JVP rules.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import mode
from .tensor import Tensor, make, version_counter

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


def jvp(fn, primals, tangents):
    """``(fn(*primals), J·tangents)``: the directional derivative, computed forwards. It opens a level of its own,
    inside any level already open, so it nests (a jvp of a jvp, jacfwd of jacfwd: second derivatives).

    >>> x = tensor([2.]); y = tensor([5.])
    >>> jvp(lambda a, b: a.log() + a * b - b.sin(), (x, y), (tensor([1.]), tensor([0.])))[1]
    tensor([5.5000])
    """
    primals = tuple(primals)
    tangents = tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    outer = mode.state.forward_tangents
    mode.state.forward_tangents = mode.TangentTable(outer)
    try:
        duals = [make_dual(p, t) for p, t in zip(primals, tangents)]
        out = fn(*duals)
        outs = out if isinstance(out, tuple) else (out,)
        results = [unpack_dual(o) for o in outs]
    finally:
        mode.state.forward_tangents = outer
    primal_out = tuple(r.primal for r in results)
    tangent_out = tuple(r.tangent if r.tangent is not None else make(np.zeros_like(np.asarray(o._data)))
                        for r, o in zip(results, outs))
    if isinstance(out, tuple):
        return primal_out, tangent_out
    return primal_out[0], tangent_out[0]


class dual_level:
    """Open a forward-mode level: tensors made with ``make_dual`` carry tangents until it closes.

    >>> with dual_level():
    ...     x = make_dual(tensor(2.), tensor(1.))
    ...     unpack_dual(1 / (1 + (-x).exp())).tangent   # σ'(2)
    tensor(0.1050)
    """

    def __enter__(self):
        enter_dual_level()
        return 0

    def __exit__(self, *exc):
        exit_dual_level()
        return False


_NESTED = "Nested forward mode AD is not supported at the moment"


def enter_dual_level() -> int:
    """Open PyTorch's forward-AD level (one at a time, as in PyTorch; ``torch.func.jvp`` nests its own)."""
    if mode.state.forward_tangents is not None:
        raise RuntimeError(f"{_NESTED}\nfor second derivatives nest torch.func.jvp / jacfwd, or use hessian")
    mode.state.forward_tangents = mode.TangentTable()
    return 0


def exit_dual_level(*, level=None) -> None:
    table = mode.state.forward_tangents
    mode.state.forward_tangents = None if table is None else table.parent


def _inherit(src: Tensor, dst: Tensor, table) -> None:
    """``dst`` (a new tensor with ``src``'s values) carries ``src``'s tangents in the levels around ``table``."""
    level = table
    while level is not None:
        entry = level.get(id(src))
        if entry is not None:
            level[id(dst)] = (dst, entry[1])
        level = level.parent


def _outside(tensor: Tensor, table) -> Tensor:
    """A view of ``tensor`` seen from outside the level ``table``: it keeps the tangents of the levels around it."""
    mode.state.forward_tangents = table.parent
    try:
        if tensor._requires_grad:
            return tensor.view_as(tensor)  # recorded: the view carries the outer levels' tangents by their rules
        out = make(tensor._data, None, version_counter(tensor))
        _inherit(tensor, out, table.parent)
        return out
    finally:
        mode.state.forward_tangents = table


def make_dual(tensor: Tensor, tangent: Tensor, *, level=None) -> Tensor:
    """A view of ``tensor`` that carries ``tangent`` (its directional derivative) through every op.

    >>> with dual_level():
    ...     x1 = make_dual(tensor(2.), tensor(1.))     # ẋ1 = 1: differentiate by x1
    ...     x1.log() + x1 * 5 - tensor(5.).sin()
    tensor(11.6521, tangent=5.5)
    """
    table = mode.state.forward_tangents
    if table is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to enter_dual_level() "
            "first.\nmake_dual: open a level with `with forward_ad.dual_level():`"
        )
    if not isinstance(tangent, Tensor):
        tangent = make(np.asarray(tangent, dtype=np.asarray(tensor._data).dtype))
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original Tensor, this is "
            f"not supported. Tensor is of size {list(tensor.shape)} while the given forward gradient is of size "
            f"{list(tangent.shape)}."
        )
    if tensor._data.dtype.kind != "f":
        raise ValueError(
            f"Expected primal to be floating point or complex, but got: {tensor.dtype!r}\n"
            "make_dual: forward mode needs a float tensor, e.g. x.float()"
        )
    if id(tensor) in table:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient at the same "
                           "level 0 is not supported.")
    dual = _outside(tensor, table)
    table[id(dual)] = (dual, tangent)
    return dual


def unpack_dual(tensor: Tensor, *, level=None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a tensor; the tangent is None where none was pushed. The primal is a view that
    carries no tangent at this level (it keeps those of the levels around it).

    >>> with dual_level():
    ...     y = make_dual(tensor(2.), tensor(1.)).log()
    ...     unpack_dual(y).tangent                     # d ln(x)/dx at 2
    tensor(0.5000)
    """
    table = mode.state.forward_tangents
    entry = table.get(id(tensor)) if table is not None else None
    if entry is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_outside(tensor, table), entry[1])


def tangent_of(tensor: Tensor):
    """The tangent a tensor carries in the open forward-mode level, or None (used when printing)."""
    table = mode.state.forward_tangents
    entry = table.get(id(tensor)) if table else None
    return None if entry is None else entry[1]


__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "jvp", "make_dual",
           "unpack_dual"]
