"""Count the primitives a computation evaluates: forward (primal), tangent (JVP) and adjoint (VJP) rules.

This is how a lesson shows the cost of each way to differentiate: for f: Rⁿ → R, forward mode needs n
passes, reverse mode one forward and one backward pass, central differences 2n evaluations of f. It counts on
either backend (on PyTorch through ``engine.watch``): a primitive is an op-table row here, an autograd node a call
made there (``1 / t`` is reciprocal then mul on both), and an adjoint is a node the backward pass ran.
"""

from __future__ import annotations

from collections import Counter

from .report import Report, Table
from .tracing import Tracer
from .watch import watching


class OpCount(Tracer, Report):
    """Primitive evaluations by kind, filled while a ``count_ops()`` block runs.

    >>> with count_ops() as n:
    ...     x = tensor(2., requires_grad=True); (x * x + 1).backward()
    >>> n.primal, n.adjoint
    (2, 2)
    """

    def __init__(self):
        self.primal = 0  # forward evaluations of primitives (op-table rows)
        self.tangent = 0  # JVP rules applied (forward mode)
        self.adjoint = 0  # VJP rules applied (reverse mode), one per node that ran
        self.by_op: Counter = Counter()

    def on_op(self, op, inputs, params, output) -> None:
        if op.evaluations:  # (a custom Function's own node is none: its forward's primitives are counted)
            self.primal += op.evaluations
            self.by_op[op.name] += 1

    def on_tangent(self, op, inputs, output, tangents, tangent) -> None:
        self.tangent += 1

    def on_node(self, node, grad) -> None:
        self.adjoint += 1

    @property
    def total(self) -> int:
        return self.primal + self.tangent + self.adjoint

    def table(self, title: str = "primitive evaluations") -> Table:
        return Table(title, ["primal", "tangent (JVP)", "adjoint (VJP)", "total"],
                     [[self.primal, self.tangent, self.adjoint, self.total]])

    def to_dict(self) -> dict:
        return {"primal": self.primal, "tangent": self.tangent, "adjoint": self.adjoint, "by_op": dict(self.by_op)}

    def __repr__(self) -> str:
        return f"OpCount(primal={self.primal}, tangent={self.tangent}, adjoint={self.adjoint})"


def count_ops() -> watching:
    """Count every primitive evaluated inside the block, on the active backend (blocks nest: the outer one counts
    too).

    >>> x1, x2 = tensor(2., requires_grad=True), tensor(5., requires_grad=True)
    >>> with count_ops() as n:
    ...     (x1.log() + x1 * x2 - x2.sin()).backward()   # the lesson's 5 primitives, then 5 adjoints
    >>> n
    OpCount(primal=5, tangent=0, adjoint=5)
    """
    return watching(OpCount())
