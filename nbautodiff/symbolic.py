"""Symbolic differentiation with sympy, next to reverse mode: where the multiplications go.

The dlsys notes' example: f(θ) = θ₁θ₂⋯θₙ. Each partial ∂f/∂θₖ = ∏_{j≠k} θⱼ costs n−2 multiplications
when computed on its own, n(n−2) for the gradient; reverse mode reuses the sub-products and needs O(n).

>>> g = product_gradient(6)
>>> g.multiplications, g.reverse_mode_multiplications
(24, 15)

sympy is optional (``pip install sympy``): it is imported inside the functions, never by ``import nbautodiff``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from .engine.counting import OpCount, count_ops
from .engine.own import on_own_engine
from .engine.report import Report, Table
from .engine.tracing import Tracer, tracing

NO_SYMPY = 'nbautodiff.symbolic needs sympy: pip install sympy (or pip install "nbautodiff[symbolic]")'


def _sympy():
    """sympy, or an ImportError that says how to install it."""
    try:
        import sympy
    except ImportError as e:
        raise ImportError(NO_SYMPY) from e
    return sympy


def _multiplications(expr) -> int:
    """The MUL operations sympy counts in ``expr``: a product of m factors costs m − 1 (θ1*θ2*θ3 → 2)."""
    sp = _sympy()
    return int(sp.count_ops(expr, visual=True).coeff(sp.Symbol("MUL")))


def _symbols(n: int, names: str | Sequence[str]) -> tuple:
    sp = _sympy()
    if isinstance(names, str):
        names = [f"{names}{i}" for i in range(1, n + 1)]
    if len(names) != n:
        raise ValueError(f"got {len(names)} names for {n} variables")
    return tuple(sp.Symbol(s) for s in names)


def symbolic_grad(expr_fn: Callable[..., Any], n: int, names: str | Sequence[str] = "θ") -> list:
    """The gradient of ``expr_fn(θ1, ..., θn)`` as sympy expressions, by ``sympy.diff`` and nothing else.

    ``expr_fn`` is plain Python with + - * / ** (and sympy functions such as ``sympy.sin`` where needed);
    the result is not simplified, so it shows what the sum, product and chain rules produce.

    >>> symbolic_grad(lambda a, b: a * b**2, 2)
    [θ2**2, 2*θ1*θ2]
    """
    sp = _sympy()
    xs = _symbols(n, names)
    f = sp.sympify(expr_fn(*xs))
    return [sp.diff(f, x) for x in xs]


class _BackwardProducts(Tracer):
    """A tracer that counts, per backward node class, the products its VJP forms (one per input needing a gradient).

    ``count_ops`` counts the nodes that ran; this counts what each ran for (MulBackward0 forms g*y and g*x when
    both inputs need a gradient).
    """

    def __init__(self):
        self.products: Counter = Counter()

    def on_node(self, node, grad) -> None:
        self.products[node.name()] += sum(e is not None for e in node.next)


@on_own_engine
def _reverse_mode_product(n: int) -> tuple[OpCount, Counter, list[float], list[float]]:
    """Run f = x₁·x₂⋯xₙ forward and backward on the engine: (counts, products per node class, values, grads)."""
    import nbautodiff.torch as nbt

    values = [float(i + 2) for i in range(n)]  # 2, 3, 4, ...: exact in float64 for the sizes a lesson uses
    x = [nbt.tensor(v, dtype=nbt.float64, requires_grad=True) for v in values]
    with tracing(_BackwardProducts()) as products, count_ops() as c:
        f = x[0]
        for xi in x[1:]:
            f = f * xi
        f.backward()
    return c, products.products, values, [float(xi.grad.item()) for xi in x]


_PRODUCT_COLUMNS = ["n", "naive symbolic n(n−2)", "after sympy.cse", "reverse forward", "reverse backward",
                    "reverse total"]


class SymbolicGradient(Report):
    """The gradient of θ₁⋯θₙ by sympy, with the multiplications it costs and what reverse mode costs.

    ``f`` and ``partials`` are sympy expressions; ``multiplications`` counts the MULs in the partials as
    written (n(n−2)), ``cse_multiplications`` after ``sympy.cse`` shares subexpressions across them.
    The reverse-mode numbers are measured on the engine at θ = 2, 3, ..., n+1 (``values``):
    ``reverse_mode_forward`` products going forward (n−1), ``reverse_mode_backward`` products in the
    MulBackward0 VJPs (2 per node, 2(n−1)), ``reverse_mode_multiplications`` both (3(n−1)); ``ops`` is the
    engine's ``OpCount`` and ``engine_partials`` the ``x[k].grad`` it produced.
    """

    def __init__(self, n: int, symbols: tuple, f, partials: list, cse: tuple, ops: OpCount, products: Counter,
                 values: list[float], engine_partials: list[float]):
        self.n, self.symbols, self.f, self.partials = n, symbols, f, partials
        self.cse = cse  # (replacements, reduced) as sympy.cse returns them
        self.multiplications = sum(_multiplications(p) for p in partials)
        replacements, reduced = cse
        self.cse_multiplications = sum(_multiplications(r) for _, r in replacements) + sum(
            _multiplications(r) for r in reduced
        )
        self.ops, self.values, self.engine_partials = ops, values, engine_partials
        self.reverse_mode_nodes = ops.adjoint  # backward nodes that ran (AccumulateGrad is not counted)
        self.reverse_mode_forward = ops.by_op["mul"]
        self.reverse_mode_backward = products["MulBackward0"]
        self.reverse_mode_multiplications = self.reverse_mode_forward + self.reverse_mode_backward

    def row(self) -> list:
        return [self.n, self.multiplications, self.cse_multiplications, self.reverse_mode_forward,
                self.reverse_mode_backward, self.reverse_mode_multiplications]

    def table(self) -> Table:
        return Table(f"multiplications for the gradient of θ1⋯θ{self.n}", _PRODUCT_COLUMNS, [self.row()],
                     _product_notes())

    def __str__(self) -> str:
        return f"f = {self.f}\n" + "\n".join(
            f"∂f/∂{s} = {p}" for s, p in zip(self.symbols, self.partials)
        ) + "\n\n" + str(self.table())

    def __repr__(self) -> str:
        return (f"SymbolicGradient(n={self.n}, multiplications={self.multiplications}, "
                f"cse_multiplications={self.cse_multiplications}, "
                f"reverse_mode_multiplications={self.reverse_mode_multiplications})")


def _product_notes() -> list[str]:
    return [
        "naive: each ∂f/∂θk = ∏_{j≠k} θj written out on its own, n−2 products each",
        "after sympy.cse: products shared across the partials; sympy pairs factors greedily, so it stays quadratic",
        "reverse: measured on the engine with count_ops (forward n−1 products, backward 2 per MulBackward0)",
    ]


def product_gradient(n: int) -> SymbolicGradient:
    """∇(θ₁⋯θₙ) by ``sympy.diff``, with its multiplication counts next to reverse mode's.

    >>> g = product_gradient(4)
    >>> g.partials
    [θ2*θ3*θ4, θ1*θ3*θ4, θ1*θ2*θ4, θ1*θ2*θ3]
    >>> g.multiplications, g.cse_multiplications, g.reverse_mode_multiplications
    (8, 6, 9)
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    sp = _sympy()
    symbols = _symbols(n, "θ")
    partials = symbolic_grad(lambda *t: sp.Mul(*t), n)
    ops, products, values, grads = _reverse_mode_product(n)
    return SymbolicGradient(n, symbols, sp.Mul(*symbols), partials, sp.cse(partials), ops, products, values, grads)


def swell_table(ns: Sequence[int] = (2, 3, 4, 6, 8, 12, 16)) -> Table:
    """Multiplications for ∇(θ₁⋯θₙ) as n grows: naive symbolic n(n−2), after CSE, reverse mode 3(n−1).

    >>> [row[1:] for row in swell_table((2, 6)).rows]
    [[0, 0, 1, 2, 3], [24, 15, 5, 10, 15]]
    """
    rows = [product_gradient(n).row() for n in ns]
    return Table("multiplications for the gradient of θ1⋯θn", _PRODUCT_COLUMNS, rows, _product_notes())


def logistic_map(x, depth: int):
    """l_depth of l₁ = x, l_{k+1} = 4 l_k (1 − l_k): the same code runs on floats, sympy symbols and tensors.

    >>> logistic_map(0.3, 2)
    0.84
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    l = x
    for _ in range(depth - 1):
        l = 4 * l * (1 - l)
    return l


@on_own_engine
def _engine_logistic(depth: int, x0: float) -> tuple[OpCount, float]:
    import nbautodiff.torch as nbt

    x = nbt.tensor(float(x0), dtype=nbt.float64, requires_grad=True)  # float64: compared with sympy's value
    with count_ops() as c:
        logistic_map(x, depth).backward()
    return c, float(x.grad.item())


class ExpressionSwell(Report):
    """l_k of the logistic map and its derivative by ``sympy.diff``, for k = 1..depth, with operation counts.

    ``functions[k-1]``/``derivatives[k-1]`` are l_k and dl_k/dx (``expr``/``derivative``: the last depth);
    ``function_ops``/``derivative_ops`` their ``sympy.count_ops``. The engine's primitive evaluations for the same
    derivative at x = ``x0`` are ``engine_primal``/``engine_adjoint``/``engine_total``, and ``engine_derivative``
    is the value it computed for the last depth.
    """

    def __init__(self, depth: int, x0: float, x, functions: list, derivatives: list, engine: list[OpCount],
                 engine_derivative: float):
        sp = _sympy()
        self.depth, self.x0, self.x = depth, x0, x
        self.functions, self.derivatives = functions, derivatives
        self.expr, self.derivative = functions[-1], derivatives[-1]
        self.function_ops = [int(sp.count_ops(f)) for f in functions]
        self.derivative_ops = [int(sp.count_ops(d)) for d in derivatives]
        self.engine_primal = [c.primal for c in engine]
        self.engine_adjoint = [c.adjoint for c in engine]
        self.engine_total = [c.total for c in engine]
        self.engine_derivative = engine_derivative

    def table(self) -> Table:
        rows = [[k + 1, self.function_ops[k], self.derivative_ops[k], self.engine_primal[k], self.engine_adjoint[k],
                 self.engine_total[k]] for k in range(self.depth)]
        return Table(
            "expression swell: l_{k+1} = 4 l_k (1 − l_k), l_1 = x",
            ["depth", "ops in l_k", "ops in dl_k/dx (sympy.diff)", "engine forward", "engine backward",
             "engine total"],
            rows,
            ["ops: sympy.count_ops of the expression as sympy.diff writes it (no simplify)",
             f"engine: primitives evaluated by count_ops for l_k and its backward at x = {self.x0}"],
        )

    def pretty(self) -> str:
        """The swollen derivative of the last depth, as sympy's 2-d text."""
        return _sympy().pretty(self.derivative, num_columns=120)

    def show(self) -> None:
        """Print the table and the swollen derivative."""
        print(self)

    def __str__(self) -> str:
        return f"{self.table()}\n\ndl_{self.depth}/dx =\n{self.pretty()}"

    def __repr__(self) -> str:
        return (f"ExpressionSwell(depth={self.depth}, function_ops={self.function_ops}, "
                f"derivative_ops={self.derivative_ops}, engine_total={self.engine_total})")

    def _repr_html_(self) -> str:
        import html

        return (f"{self.table()._repr_html_()}<div>dl_{self.depth}/dx =</div>"
                f"<pre>{html.escape(str(self.derivative))}</pre>")


def expression_swell(depth: int = 4, x0: float = 0.3) -> ExpressionSwell:
    """Differentiate the logistic map naively with sympy: the derivative's size outgrows the function's.

    >>> s = expression_swell(3)
    >>> s.function_ops, s.derivative_ops, s.engine_total
    ([0, 3, 8], [0, 2, 21], [0, 6, 12])
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    x = _symbols(1, ["x"])[0]
    functions = [logistic_map(x, k) for k in range(1, depth + 1)]
    derivatives = [symbolic_grad(lambda t: logistic_map(t, k), 1, ["x"])[0] for k in range(1, depth + 1)]
    engine = [_engine_logistic(k, x0) for k in range(1, depth + 1)]
    return ExpressionSwell(depth, x0, x, functions, derivatives, [c for c, _ in engine], engine[-1][1])
