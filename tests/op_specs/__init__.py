"""The spec of every op-table row, by the module that defines it (tests/test_ops.py runs them all): the call on
``ns`` (nbautodiff.torch or torch), the input shapes, the domain, exact edge values to compare with PyTorch.

Adding a primitive: one line in the module of the same name as the op's (see docs/design.md's recipe)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nbautodiff.engine import OPS
from nbautodiff.engine.ops import apply


@dataclass
class Spec:
    fn: Callable  # fn(ns, *inputs) with ns = nbautodiff.torch or torch
    shapes: list  # a list of cases, each a tuple of input shapes
    domain: tuple = (-2.0, 2.0)
    edges: list = field(default_factory=list)  # exact inputs (lists) to compare with PyTorch
    second_order: bool = True  # False where PyTorch has no second derivative (a plain test checks it raises)
    torch: bool = True  # PyTorch has the same call
    eps: float = 1e-6
    exact_name: bool = True  # PyTorch records the same node name


def fnl(ns):
    return ns.nn.functional


TARGET = [0, 2, 1]
UNARY = [((3, 4),), ((),)]
BINARY = [((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), ())]
POS = (0.5, 2.0)


def _pieces(parts):
    """Use every output of a multi-output op (one of them twice) and leave one out."""
    out = parts[0] * parts[-1] + parts[0]
    return out.sum() if len(parts) < 3 else out.sum() + parts[1].sum()


def _setitem(x, v):
    y = x * 1
    y[1] = v
    return y


def _own_apply(name, x, **params):
    return apply(OPS[name], (x,), params)


from . import activations, conv, elementwise, linalg, losses, nn, reduce, sampling, shape  # noqa: E402  (they use the names above)

SPECS = {**elementwise.SPECS, **activations.SPECS, **reduce.SPECS, **shape.SPECS, **linalg.SPECS, **nn.SPECS,
         **losses.SPECS, **conv.SPECS, **sampling.SPECS}
