"""Count the primitives a computation evaluates: forward (primal), tangent (JVP) and adjoint (VJP) rules.

This is how a lesson shows the cost of each way to differentiate: for f: Rⁿ → R, forward mode needs n
passes, reverse mode one forward and one backward pass, central differences 2n evaluations of f.
"""

from __future__ import annotations

from collections import Counter

from . import mode
from .table import Table


class OpCount:
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
        self._outer = None

    # the tracer interface (mode.state.tracer): the engine calls these
    def on_primal(self, op, args, params, result) -> None:
        self.primal += 1
        self.by_op[op.name] += 1
        if self._outer is not None:
            self._outer.on_primal(op, args, params, result)

    def on_tangent(self, op, args, result, tangents, total) -> None:
        self.tangent += 1
        if self._outer is not None:
            self._outer.on_tangent(op, args, result, tangents, total)

    def on_adjoint(self, node, g) -> None:
        self.adjoint += 1
        if self._outer is not None:
            self._outer.on_adjoint(node, g)

    @property
    def total(self) -> int:
        return self.primal + self.tangent + self.adjoint

    def table(self, title: str = "primitive evaluations") -> Table:
        return Table(title, ["primal", "tangent (JVP)", "adjoint (VJP)", "total"],
                     [[self.primal, self.tangent, self.adjoint, self.total]])

    def __repr__(self) -> str:
        return f"OpCount(primal={self.primal}, tangent={self.tangent}, adjoint={self.adjoint})"

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


class count_ops:
    """Count every primitive evaluated inside the block (blocks nest: the outer one counts too).

    >>> x1, x2 = tensor(2., requires_grad=True), tensor(5., requires_grad=True)
    >>> with count_ops() as n:
    ...     (x1.log() + x1 * x2 - x2.sin()).backward()   # the lesson's 5 primitives, then 5 adjoints
    >>> n
    OpCount(primal=5, tangent=0, adjoint=5)
    """

    def __enter__(self) -> OpCount:
        self.count = OpCount()
        self.count._outer = mode.state.tracer
        self._prev = mode.state.tracer
        mode.state.tracer = self.count
        return self.count

    def __exit__(self, *exc):
        mode.state.tracer = self._prev
        return False
