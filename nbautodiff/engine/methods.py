"""Every way to differentiate, on one function, side by side: the numbers and what each one cost.

For f: Rⁿ → R the lesson's point shows in the counts: central differences call f 2n times, forward
mode needs n passes (one per input direction), reverse mode one forward and one backward pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import mode
from .counting import count_ops
from .forward import jvp
from .functional import value_and_grad
from .numerical import numerical_grad
from .own import on_own_engine
from .report import Report, Table, fmt
from .tensor import Tensor, make


@dataclass
class MethodResult:
    method: str
    gradient: list  # one float64 array per input
    passes: str
    primal: int
    tangent: int
    adjoint: int
    seconds: float
    error: float = 0.0  # largest difference from reverse mode


class MethodComparison(Report):
    """The result of :func:`compare_methods`; ``.results`` holds the numbers, ``.table()`` shows them."""

    def __init__(self, results: list[MethodResult], n: int, value: float):
        self.results, self.n, self.value = results, n, value

    def __getitem__(self, method: str) -> MethodResult:
        return next(r for r in self.results if r.method == method)

    def table(self, times: bool = True) -> Table:
        """The comparison; ``times=False`` leaves out the (machine-dependent) milliseconds."""
        rows = [[r.method, ", ".join(fmt(g, 5) for g in r.gradient), r.passes, r.primal, r.tangent, r.adjoint,
                 r.primal + r.tangent + r.adjoint, fmt(r.error, 2)] + ([f"{r.seconds * 1e3:.3f}"] if times else [])
                for r in self.results]
        return Table(f"∇f at the inputs, f = {fmt(self.value)}, n = {self.n} inputs",
                     ["method", "gradient", "passes", "primal ops", "tangent ops", "adjoint ops", "total ops",
                      "error vs reverse"] + (["ms"] if times else []), rows,
                     ["ops: primitive evaluations (op-table rows) counted while each method ran"])


def _inputs(values) -> list[Tensor]:
    return [v.detach() if isinstance(v, Tensor) else make(np.asarray(v, dtype=np.float64)) for v in values]


@on_own_engine
def compare_methods(f, *inputs, eps: float = 1e-6) -> MethodComparison:
    """Differentiate ``f`` by forward and central differences, forward mode and reverse mode.

    >>> c = compare_methods(lambda x1, x2: x1.log() + x1 * x2 - x2.sin(), 2.0, 5.0)
    >>> [round(float(g), 3) for g in c["reverse mode"].gradient], c["forward mode"].passes
    ([5.5, 1.716], '2 forward passes')
    """
    xs = _inputs(inputs)
    n = sum(int(x._data.size) for x in xs)
    results = []

    def timed(fn):
        start = time.perf_counter()
        with count_ops() as ops:
            out = fn()
        return out, ops, time.perf_counter() - start

    (value, grads), ops, secs = timed(lambda: value_and_grad(f, argnums=tuple(range(len(xs))))(*xs))
    reverse = [np.asarray(g._data, dtype=np.float64) for g in grads]
    results.append(MethodResult("reverse mode", reverse, "1 forward + 1 backward", ops.primal, ops.tangent,
                                ops.adjoint, secs))

    def forward_mode():
        cols = [np.zeros(x.shape) for x in xs]
        for i, x in enumerate(xs):
            for idx in np.ndindex(tuple(x.shape)):
                tangents = [make(np.zeros_like(np.asarray(a._data))) for a in xs]
                t = np.zeros(tuple(x.shape))
                t[idx] = 1
                tangents[i] = make(t)
                with mode.no_grad():
                    _, d = jvp(f, xs, tangents)
                cols[i][idx] = float(d._data)
        return cols

    cols, ops, secs = timed(forward_mode)
    results.append(MethodResult("forward mode", cols, f"{n} forward passes", ops.primal, ops.tangent, ops.adjoint,
                                secs))
    for method, calls in (("central", 2 * n), ("forward", n + 1)):
        grads, ops, secs = timed(lambda m=method: numerical_grad(f, xs, eps=eps, method=m))
        results.append(MethodResult(f"{method} differences", [np.asarray(g, dtype=np.float64) for g in grads],
                                    f"{calls} evaluations of f", ops.primal, ops.tangent, ops.adjoint, secs))
    for r in results:
        r.error = max(float(np.max(np.abs(a - b), initial=0.0)) for a, b in zip(r.gradient, reverse))
    return MethodComparison(results, n, float(value._data))


__all__ = ["MethodComparison", "MethodResult", "compare_methods"]
