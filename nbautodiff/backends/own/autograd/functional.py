"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp on tensors or tuples of tensors."""

from __future__ import annotations

from ....engine import functional as F
from ....engine.tensor import Tensor


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _like(inputs, values):
    return values[0] if isinstance(inputs, Tensor) else tuple(values)


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀJ)``; ``v`` may be omitted for a scalar output."""
    xs = _as_tuple(inputs)
    out, fn = F.vjp(func, *xs)
    if v is None:
        from ....engine.factories import ones_like

        v = ones_like(out)
    return out, _like(inputs, fn(v))


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)``, by forward mode."""
    xs = _as_tuple(inputs)
    vs = _as_tuple(v) if v is not None else tuple(x.new_ones(*x.shape) for x in xs)
    return F.jvp(func, xs, vs)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs`` (a tensor, or a tuple: one block per input)."""
    xs = _as_tuple(inputs)
    transform = F.jacfwd if strategy == "forward-mode" else F.jacrev
    blocks = transform(func, argnums=tuple(range(len(xs))))(*xs)
    return _like(inputs, blocks)


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func``: a tensor for one input, a tuple of tuples for several."""
    xs = _as_tuple(inputs)
    n = tuple(range(len(xs)))
    blocks = F.jacrev(F.jacrev(func, argnums=n), argnums=n)(*xs)
    if isinstance(inputs, Tensor):
        return blocks[0][0]
    return tuple(tuple(row) for row in blocks)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar ``func``."""
    xs = _as_tuple(inputs)
    out, hv = F.hvp(func, xs, _as_tuple(v))
    return out, _like(inputs, hv)


vhp = hvp  # the Hessian is symmetric

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
