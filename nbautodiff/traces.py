"""Evaluation traces: the forward primal, forward tangent and reverse adjoint tables of a computation.

``trace(f, 2., 5.)`` runs ``f`` once on the engine, records every primitive it evaluates, and lays the
computation out as the tables of Griewank & Walther and of Baydin et al. (2018): variables v1, v2, ... with
their values, their tangents v̇ᵢ (forward mode) and their adjoints v̄ᵢ (reverse mode) with the partial
adjoints v̄ᵢ→ⱼ = v̄ⱼ ∂vⱼ/∂vᵢ that sum to each. Every derivative comes from the op table's JVP and VJP rules,
the ones the engine itself runs; nothing here is differentiated by hand.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .engine import mode
from .engine.ops import sum_to_shape
from .engine.own import on_own_engine
from .engine.report import Report, Table, fmt, plain
from .engine.tensor import Tensor, make
from .engine.tracing import Tracer, tracing
from .inspect import Graph, graph, record
from .inspect.explore import adapter, checked
from .inspect.notation import INFIX, MINUS, constant, expression, number
from .inspect.notation import bar as _bar
from .inspect.notation import dot as _dot
from .inspect.record import unwrap
from .inspect.words import check_lang, say

__all__ = ["EvaluationTrace", "Variable", "trace"]



@dataclass
class Variable:
    """One row of the trace: an input (``op`` is None) or the result of one primitive.

    For y = ln(x1) + x1·x2 − sin(x2) at (2, 5), v2 is the input x2 with tangent 0 (seeding x1) and adjoint
    1.716 = v̄2→4 + v̄2→5 = 2 + (−0.284): ``partials ≈ {"v4": 2.0, "v5": -0.284}``.
    """

    name: str  # "v3"
    op: str | None  # the op-table row ("log"); None for an input
    inputs: list[str]  # the variables it reads, in argument order ("v1", "v2")
    expression: str  # "ln(v1)"; an input's own name ("x1")
    value: np.ndarray | np.generic
    tangent: np.ndarray | np.generic | None = None
    tangent_expression: str = ""  # "v̇1 / v1"
    adjoint: np.ndarray | np.generic | None = None
    partials: dict[str, np.ndarray | np.generic] = field(default_factory=dict)  # consumer -> v̄ᵢ→ⱼ
    partial_expressions: dict[str, str] = field(default_factory=dict)  # consumer -> "v1 × v̄4"
    depth: int = 0  # the longest path from the inputs
    node: int | None = None  # its node in the trace's ``graph`` (None where the output doesn't depend on it)


class EvaluationTrace(Report):
    """The three tables of one evaluation; ``.variables`` has every field for widgets, ``.graph`` the recorded
    graph of the same run (``variable.node`` is the id of the variable's node in it).

    >>> t = trace(lambda x1, x2: torch.log(x1) + x1 * x2 - torch.sin(x2), 2., 5.)
    >>> [v.expression for v in t.variables[2:]]
    ['ln(v1)', 'v1 × v2', 'sin(v2)', 'v3 + v4', 'v6 − v5']
    >>> round(float(t.output), 3), float(t.output_tangent), [round(float(g), 3) for g in t.input_adjoints]
    (11.652, 5.5, [5.5, 1.716])
    """

    def __init__(self, variables: list[Variable], input_names: list[str], wrt: int, output: str | None,
                 output_value, graph: Graph | None = None, lang: str = "en"):
        check_lang(lang, "trace")
        self.lang = lang  # of the tables' titles and headers
        self.variables = variables
        self.graph = graph if graph is not None else Graph()
        self.input_names = input_names
        self.wrt = wrt
        self.output_name = output  # the variable f returned (None when it depends on no input)
        self.output = output_value
        self._by_name = {v.name: v for v in variables}

    def __getitem__(self, name: str) -> Variable:
        return self._by_name[name]

    @property
    def inputs(self) -> list[Variable]:
        return self.variables[: len(self.input_names)]

    @property
    def output_tangent(self):
        """ẏ: the derivative of the output along the seeded input (∂y/∂x_wrt for a scalar input)."""
        if self.output_name is None:
            return np.zeros_like(self.output)
        return self._by_name[self.output_name].tangent

    @property
    def input_adjoints(self) -> tuple:
        """x̄ᵢ = ∂y/∂xᵢ for each input (of sum(y) when y is not a scalar)."""
        return tuple(v.adjoint for v in self.inputs)

    # ------------------------------------------------------------------ tables
    @property
    def primal(self) -> Table:
        rows = [[v.name, v.expression, v.value] for v in self.variables]
        return Table(say(self.lang, "primal trace"), self._words("var", "expression", "value"), rows,
                     [self._output_note("y", False)])

    @property
    def tangent(self) -> Table:
        x = self.input_names[self.wrt]
        rows = [[_dot(v.name), v.tangent_expression, v.tangent] for v in self.variables]
        seed = f"{_dot(x)} = {fmt(self.variables[self.wrt].tangent)}"
        return Table(say(self.lang, "tangent trace", seed=seed), self._words("var", "tangent", "value"), rows,
                     [self._output_note(_dot("y"), True)])

    def _words(self, *keys) -> list[str]:
        return [say(self.lang, k) for k in keys]

    @property
    def adjoint(self) -> Table:
        rows = []
        for v in reversed(self.variables):
            names = [f"{_bar(v.name)}→{c.removeprefix('v')}" for c in v.partials]
            rules = [v.partial_expressions[c] for c in v.partials]
            values = [_signed(p, i > 0) for i, p in enumerate(v.partials.values())]
            if v.name == self.output_name:
                names, rules, values = [f"{_bar('y')}{say(self.lang, 'seed')}"] + names, ["1"] + rules, ["1"] + values
            if not names:
                names, rules = [say(self.lang, "no path")], ["0"]
            rows.append([_bar(v.name), " + ".join(names), _sum_text(rules), " ".join(values), v.adjoint])
        notes = [f"∂y/∂{x} = {_bar(v.name)} = {fmt(v.adjoint)}" for x, v in zip(self.input_names, self.inputs)]
        var, partials, values, adjoint = self._words("var", "partial adjoints", "values", "adjoint")
        return Table(say(self.lang, "adjoint trace"), [var, partials, f"= {_bar('v')}ⱼ ∂vⱼ/∂vᵢ", values, adjoint],
                     rows, notes)

    def _output_note(self, y: str, mark: bool) -> str:
        if self.output_name is None:
            return say(self.lang, "depends on no input", y=y)
        v = self._by_name[self.output_name]
        value = v.value if not mark else v.tangent
        return f"{y} = {_dot(self.output_name) if mark else self.output_name} = {fmt(value)}"

    def tables(self) -> tuple[Table, Table, Table]:
        return self.primal, self.tangent, self.adjoint

    def variable_of(self, node: int) -> Variable | None:
        """The variable a graph node stands for (the join key a view uses to highlight both)."""
        return next((v for v in self.variables if v.node == node), None)

    def to_dict(self) -> dict:
        """Lists, numbers and strings only (``json.dumps`` takes it)."""
        return {
            "inputs": list(self.input_names),
            "wrt": self.wrt,
            "output": self.output_name,
            "value": plain(self.output),
            "variables": [
                {
                    "name": v.name, "op": v.op, "inputs": list(v.inputs), "expression": v.expression,
                    "value": plain(v.value), "tangent": plain(v.tangent),
                    "tangent_expression": v.tangent_expression, "adjoint": plain(v.adjoint),
                    "partials": {k: plain(p) for k, p in v.partials.items()},
                    "partial_expressions": dict(v.partial_expressions), "depth": v.depth, "node": v.node,
                }
                for v in self.variables
            ],
            "graph": self.graph.to_dict(),
        }


@on_own_engine
def trace(f: Callable, *inputs, names: Sequence[str] | None = None, wrt: int | str = 0,
          direction=None, dialect: str | None = None, lang: str = "en") -> EvaluationTrace:
    """Run ``f`` on float64 tensors made from ``inputs`` and lay out its evaluation trace.

    ``f`` uses the engine's functions (``import nbautodiff.torch as torch``), or with ``dialect="djl" | "tf" |
    "mxnet"`` takes that API's arrays (as ``nb.explore``'s ``dialect=``). The tangent trace seeds input ``wrt`` (an
    index or a name) with ``direction`` (default 1, or ones for an array) and the others with 0; the adjoint trace
    seeds ȳ = 1 (ones: the gradient of sum(y)). Input names default to f's parameters; ``lang="zh"`` titles the
    tables in Chinese.

    >>> t = trace(lambda x1, x2: torch.log(x1) + x1 * x2 - torch.sin(x2), 2., 5.)
    >>> {c: round(float(p), 3) for c, p in t["v2"].partials.items()}  # v̄2→4 = v1 × v̄4, v̄2→5 = cos(v2) × v̄5
    {'v4': 2.0, 'v5': -0.284}
    """
    if not inputs:
        raise ValueError("trace(f, *inputs) needs at least one input, e.g. trace(f, 2., 5.)")
    check_lang(lang, "trace")
    names = _input_names(f, len(inputs)) if names is None else list(names)
    if len(names) != len(inputs):
        raise ValueError(f"trace: {len(names)} names for {len(inputs)} inputs")
    if isinstance(wrt, str):
        if wrt not in names:
            raise ValueError(f"trace: wrt={wrt!r} is not one of the inputs {names}")
        wrt = names.index(wrt)
    if not -len(inputs) <= wrt < len(inputs):
        raise IndexError(f"trace: wrt={wrt} but f has {len(inputs)} inputs")
    wrt %= len(inputs)
    api = adapter(dialect, "trace")
    leaves = [api.leaf(_value_of(x), "float64") for x in inputs]
    rec = _Recorder([unwrap(x) for x in leaves])
    with record(namespace={}) as recording, tracing(rec), mode.enable_grad(), api.recording(leaves):
        y = checked("trace", f, leaves, dialect)  # only no_grad() in f makes constants
    return _lay_out(rec, recording, unwrap(y), names, wrt, direction, lang)


class trace_block:
    """The evaluation trace of a block of code (what ``%%autodiff --trace`` shows): its inputs are the leaves it
    reads that require grad, named by ``names`` ({name: tensor}) or x1, x2, ...

    >>> with trace_block() as block:
    ...     x1 = torch.tensor(2., dtype=torch.float64, requires_grad=True)
    ...     x2 = torch.tensor(5., dtype=torch.float64, requires_grad=True)
    ...     y = torch.log(x1) + x1 * x2 - torch.sin(x2)
    >>> t = block.trace(y, names={"x1": x1, "x2": x2})
    >>> round(float(t.output), 3), [round(float(g), 3) for g in t.input_adjoints]
    (11.652, [5.5, 1.716])
    """

    def __enter__(self) -> trace_block:
        self._rec = _Recorder([], auto_inputs=True)
        self._recording = record(namespace={})
        self.recording = self._recording.__enter__()
        self._tracing = tracing(self._rec)
        self._tracing.__enter__()
        return self

    def __exit__(self, *exc) -> bool:
        self._tracing.__exit__(*exc)
        self._recording.__exit__(*exc)
        return False

    def trace(self, y, names: dict | None = None, wrt: int | str = 0, direction=None,
              lang: str = "en") -> EvaluationTrace:
        by_id = {id(t): n for n, t in (names or {}).items()}
        inputs = [t for kind, t in self._rec.entries if kind == "input"]
        labels = [by_id.get(id(t), f"x{i + 1}") for i, t in enumerate(inputs)]
        if not inputs:
            raise ValueError("trace: the block reads no tensor that requires grad, so it has no inputs to trace")
        if isinstance(wrt, str):
            if wrt not in labels:
                raise ValueError(f"trace: wrt={wrt!r} is not one of the inputs {labels}")
            wrt = labels.index(wrt)
        return _lay_out(self._rec, self.recording, y, labels, wrt % len(inputs), direction, lang)


def _lay_out(rec, recording, y, names: list[str], wrt: int, direction, lang: str = "en") -> EvaluationTrace:
    """The three tables from what the recorder saw: values, then tangents and adjoints by the op table's rules."""
    if not isinstance(y, Tensor):
        raise TypeError(
            f"trace: f returned {type(y).__name__}, not a tensor of this engine; write f with "
            "`import nbautodiff.torch as torch` functions and return one tensor"
        )
    out = rec.lookup(y)
    for p in rec.prims():
        if p.op.vjp is None or p.op.jvp is None:  # a custom autograd.Function: its rules live on the class
            raise NotImplementedError(
                f"trace: {p.op.name} has no JVP/VJP rules in the op table (a custom autograd.Function?); trace "
                "follows op-table primitives only"
            )

    variables, prims, order = _number(rec, names)
    shape = np.shape(variables[wrt].value)
    seed = np.ones(shape) if direction is None else np.asarray(direction, dtype=np.float64)
    if seed.shape != shape:
        raise ValueError(f"trace: direction has shape {seed.shape}, input {names[wrt]} has {shape}")
    variables[wrt].tangent = _scalar(seed)

    # The rules are the engine's own computation, not part of f: don't record them, don't count them.
    levels = mode.state.forward_tangents
    mode.state.forward_tangents = None
    try:
        with tracing(None), mode.no_grad():
            _tangents(variables, prims)
            _adjoints(variables, prims, None if out is None else order[out])
    finally:
        mode.state.forward_tangents = levels
    for v in variables:
        if v.tangent is None:  # depends on no seeded input: structurally zero
            v.tangent = _scalar(np.zeros_like(v.value))
        if v.adjoint is None:  # y doesn't depend on it
            v.adjoint = _scalar(np.zeros_like(v.value))
    inputs = [t for kind, t in rec.entries if kind == "input"]
    picture = Graph() if out is None else graph(y, names=dict(zip(names, inputs)), recording=recording)
    for k, tensor in enumerate(rec.tensors):
        variables[order[k]].node = picture.id_of(tensor)
    return EvaluationTrace(variables, names, wrt, None if out is None else variables[order[out]].name,
                           _value(y), picture, lang)


# ---------------------------------------------------------------------- recording
@dataclass
class _Prim:
    op: object  # the op-table row
    args: list  # per argument: ("var", index in recording) or ("const", value)
    params: dict | None
    value: object  # the output's values when it was computed
    nr: int  # which output of a multi-output op (split, unbind)


class _Recorder(Tracer):
    """The tracer that is told of every primitive while f runs. Entries are ("input", tensor) or ("prim", _Prim),
    in the order they appeared; with ``auto_inputs`` a leaf that requires grad becomes an input where first read."""

    def __init__(self, leaves: list[Tensor], auto_inputs: bool = False):
        self.auto_inputs = auto_inputs
        self.entries: list[tuple] = []
        self.by_id = {}
        self.by_node = {}  # (id(grad_fn), output nr) -> index: follows a tensor through in-place updates
        self.keep = []  # what the ids above belong to, kept alive so no other object takes them
        self.tensors = []  # per entry: the input, or the primitive's output
        for t in leaves:
            self._input(t)

    def _input(self, t: Tensor) -> int:
        k = len(self.entries)
        self.entries.append(("input", t))
        self.by_id[id(t)] = k
        self.keep.append(t)
        self.tensors.append(t)
        return k

    def prims(self) -> list[_Prim]:
        return [p for kind, p in self.entries if kind == "prim"]

    def lookup(self, t: Tensor) -> int | None:
        fn = t.grad_fn
        if fn is not None:
            k = self.by_node.get((id(fn), t._output_nr if fn.multi else 0))
            if k is not None:
                return k
        return self.by_id.get(id(t))

    def on_op(self, op, args, params, result) -> None:
        refs, reads_variable = [], False
        for a in args:
            k = self.lookup(a) if isinstance(a, Tensor) else None
            if k is None and self.auto_inputs and isinstance(a, Tensor) and a._requires_grad and a.grad_fn is None:
                k = self._input(a)
            if k is not None:
                refs.append(("var", k))
                reads_variable = True
            else:
                refs.append(("const", make(_copy(a._data)) if isinstance(a, Tensor) else a))
        # An op on constants gives a constant, and so does one run under no_grad() in f (autograd ignores it).
        if reads_variable and mode.state.grad_enabled:
            k = len(self.entries)
            nr = result._output_nr if op.multi else 0
            self.entries.append(("prim", _Prim(op, refs, params, _copy(result._data), nr)))
            self.by_id[id(result)] = k
            self.keep.append(result)
            self.tensors.append(result)
            if result.grad_fn is not None:
                self.by_node[(id(result.grad_fn), nr)] = k
                self.keep.append(result.grad_fn)


def _number(rec: _Recorder, names: list[str]):
    """Variables v1..vn: the inputs, then the primitives by depth (longest path from the inputs), ties in the
    order they were evaluated. That is the lesson's numbering: sin(x2) is v5 although Python ran + first."""
    depth = []
    for kind, e in rec.entries:
        depth.append(0 if kind == "input" else 1 + max(depth[k] for kind_a, k in e.args if kind_a == "var"))
    inputs = [k for k, (kind, _) in enumerate(rec.entries) if kind == "input"]
    ops = [k for k, (kind, _) in enumerate(rec.entries) if kind == "prim"]
    ranked = inputs + sorted(ops, key=lambda k: (depth[k], k))
    order = {k: pos for pos, k in enumerate(ranked)}  # entry index -> position in the trace
    vname = {k: f"v{order[k] + 1}" for k in order}
    variables = [Variable(vname[k], None, [], names[i], _scalar(_copy(rec.entries[k][1]._data)),
                          tangent_expression=_dot(names[i])) for i, k in enumerate(inputs)]
    prims = [None] * len(inputs)
    for k in ranked[len(inputs):]:
        p = rec.entries[k][1]
        operands = [vname[a] if kind == "var" else constant(a) for kind, a in p.args]
        variables.append(Variable(vname[k], p.op.name, [vname[a] for kind, a in p.args if kind == "var"],
                                  expression(p.op.name, operands, p.params, p.nr), p.value, depth=depth[k]))
        prims.append(p)
    # args by position in the trace from here on
    for p in prims[len(inputs):]:
        p.args = [("var", order[a]) if kind == "var" else (kind, a) for kind, a in p.args]
    return variables, prims, order


# ---------------------------------------------------------------------- the two derivative passes
def _tangents(variables: list[Variable], prims: list) -> None:
    """Forward mode, one JVP rule per input that carries a tangent: v̇ⱼ = Σᵢ ∂vⱼ/∂vᵢ v̇ᵢ."""
    for j, p in enumerate(prims):
        if p is None:
            continue
        v, op = variables[j], p.op
        args, out = _tensor_args(variables, p), make(p.value)
        operands = [variables[a].name if kind == "var" else constant(a) for kind, a in p.args]
        dots = [_dot(variables[a].name) if kind == "var" else None for kind, a in p.args]
        v.tangent_expression = _tangentexpression(op.name, operands, dots, v.name, p.params, p.nr)
        dxs = [_tensor(variables[a].tangent) if kind == "var" and variables[a].tangent is not None else None
               for kind, a in p.args]
        if all(dx is None for dx in dxs):
            continue
        params = p.params or {}
        if op.multi:
            total = op.jvp([dxs[0]], None, *args, **params)[p.nr]
        elif op.per_input:
            total = None
            for rule, dx in zip(op.jvp, dxs):
                if dx is not None and rule is not None:
                    term = rule(dx, out, *args, **params)
                    total = term if total is None else total + term
        else:  # variadic (cat, stack): one rule for all inputs
            total = op.jvp(dxs, out, *args, **params)
        if total is not None:
            v.tangent = _scalar(_array(total))


def _adjoints(variables: list[Variable], prims: list, out: int | None) -> None:
    """Reverse mode: v̄ᵢ = Σⱼ v̄ᵢ→ⱼ, each partial adjoint v̄ᵢ→ⱼ = v̄ⱼ ∂vⱼ/∂vᵢ from one VJP rule."""
    if out is None:
        return
    variables[out].adjoint = _scalar(np.ones_like(variables[out].value))
    for j in range(len(variables) - 1, -1, -1):
        p = prims[j]
        vj = variables[j]
        if vj.partials:  # every consumer comes later in the trace, so all have arrived: sum them
            total = np.zeros_like(vj.value) if j != out else np.ones_like(vj.value)
            for part in vj.partials.values():
                total = total + part
            vj.adjoint = _scalar(total)
        if p is None or vj.adjoint is None:
            continue
        op, params = p.op, p.params or {}
        g, out_t, args = _tensor(vj.adjoint), make(p.value), _tensor_args(variables, p)
        if op.multi:
            grads = [None] * len(params["keys"])
            grads[p.nr] = g
            results = op.vjp(grads, None, *args, **params)
        elif op.per_input:
            results = [rule(g, out_t, *args, **params) if kind == "var" and rule is not None else None
                       for rule, (kind, _) in zip(op.vjp, p.args)]
        else:
            results = op.vjp(g, out_t, *args, **params)
        operands = [variables[a].name if kind == "var" else constant(a) for kind, a in p.args]
        for i, ((kind, a), r) in enumerate(zip(p.args, results)):
            if kind != "var" or r is None:
                continue
            vi = variables[a]
            part = _array(r)
            shape = np.shape(vi.value)
            reduced = op.broadcast and np.shape(part) != shape
            if reduced:  # the input was broadcast: summed back to its shape, as the backward pass does
                part = _array(sum_to_shape(_tensor(part), shape))
            part = _scalar(part)
            text = _vjpexpression(op.name, operands, i, _bar(vj.name), vj.name, p.params, reduced,
                                   np.size(vi.value) // max(np.size(vj.value), 1))
            if vj.name in vi.partials:  # the same variable twice (v1 × v1): one partial, ∂vⱼ/∂vᵢ covers both
                vi.partials[vj.name] = _scalar(vi.partials[vj.name] + part)
                vi.partial_expressions[vj.name] = _sum_text([vi.partial_expressions[vj.name], text])
            else:
                vi.partials[vj.name] = part
                vi.partial_expressions[vj.name] = text
    for v in variables:  # the lesson lists partials by consumer, v̄2→4 before v̄2→5
        keys = sorted(v.partials, key=lambda c: int(c[1:]))
        v.partials = {c: v.partials[c] for c in keys}
        v.partial_expressions = {c: v.partial_expressions[c] for c in keys}


def _tensor_args(variables: list[Variable], p: _Prim) -> list:
    # Fresh tensors of the recorded values: an in-place update in f can't change what the rules read.
    return [make(_copy(variables[a].value)) if kind == "var" else a for kind, a in p.args]


# ---------------------------------------------------------------------- lesson notation
# Rules that are linear in their inputs: the tangent is the same expression on the tangents.
_LINEAR = {
    "add", "sub", "neg", "sum", "sum_dim", "mean", "mean_dim", "reshape", "transpose", "permute", "t", "squeeze",
    "squeeze_dim", "squeeze_dims", "squeeze_matmul", "unsqueeze", "expand", "select", "slice", "index", "cat",
    "stack", "split", "split_with_sizes", "unbind", "clone", "to_dtype", "cumsum",
}


def _terms(name: str, a: list[str], o: str, params: dict | None, s: str, i: int):
    """Input i's term of the tangent (s = v̇ᵢ) or of the partial adjoint (s = v̄ⱼ), as (sign, text); None
    where there is no simple formula. For elementwise rules both are the same product."""
    params = params or {}
    x = a[0]
    unary = {
        "exp": f"exp({x}) × {s}", "expm1": f"exp({x}) × {s}", "log": f"{s} / {x}", "log1p": f"{s} / (1 + {x})",
        "sin": f"cos({x}) × {s}", "cos": (-1, f"sin({x}) × {s}"), "tan": f"(1 + {o}²) × {s}",
        "tanh": f"(1 {MINUS} {o}²) × {s}", "sigmoid": f"{o} × (1 {MINUS} {o}) × {s}", "sqrt": f"{s} / (2 × {o})",
        "rsqrt": (-1, f"{s} / (2 × {x}^1.5)"), "reciprocal": (-1, f"{s} / {x}²"), "relu": f"[{x} > 0] × {s}",
        "abs": f"sign({x}) × {s}", "neg": (-1, s), "rsub": (-1, s),
    }
    if name in unary:
        t = unary[name]
        return t if isinstance(t, tuple) else (1, t)
    if name == "pow_scalar":
        k = params["exponent"]
        return (1, s) if k == 1 else (1, f"{number(k)} × {x} × {s}") if k == 2 else \
            (1, f"{number(k)} × {x}^{number(k - 1)} × {s}")
    if name == "rpow":
        return 1, f"{o} × ln({number(params['base'])}) × {s}"
    if len(a) != 2:
        return None
    y = a[1]
    binary = {
        "add": ((1, s), (1, s)), "sub": ((1, s), (-1, s)),
        "mul": ((1, f"{s} × {y}"), (1, f"{x} × {s}")),
        "div": ((1, f"{s} / {y}"), (-1, f"{x} × {s} / {y}²")),
        "pow": ((1, f"{y} × {x}^({y} {MINUS} 1) × {s}"), (1, f"{o} × ln({x}) × {s}")),
    }
    return binary[name][i] if name in binary else None


def _tangentexpression(name: str, a: list[str], dots: list, o: str, params, nr: int) -> str:
    if name in _LINEAR and name not in ("add", "sub", "neg"):
        return expression(name, [d if d is not None else "0" for d in dots], params, nr)
    if name in ("dot", "mm", "mv", "bmm"):
        sym = INFIX[name]
        terms = [(1, f"{dots[0]} {sym} {a[1]}") if dots[0] else None, (1, f"{a[0]} {sym} {dots[1]}") if dots[1]
                 else None]
    else:
        terms = [_terms(name, a, o, params, d, i) or (1, f"∂{o}/∂{a[i]} · {d}") if d is not None else None
                 for i, d in enumerate(dots)]
    return _join([t for t in terms if t is not None])


def _vjpexpression(name: str, a: list[str], i: int, g: str, o: str, params, broadcast: bool, n: int) -> str:
    """v̄ᵢ→ⱼ in lesson notation: "v1 × v̄4" (j = 4, the input v2 of v4 = v1 × v2); n = size(vᵢ) / size(vⱼ)."""
    special = {
        "mm": (f"{g} @ {a[-1]}ᵀ", f"{a[0]}ᵀ @ {g}"), "bmm": (f"{g} @ {a[-1]}ᵀ", f"{a[0]}ᵀ @ {g}"),
        "mv": (f"outer({g}, {a[-1]})", f"{a[0]}ᵀ @ {g}"), "dot": (f"{g} × {a[-1]}", f"{g} × {a[0]}"),
        "sum": (f"broadcast({g})",), "mean": (f"broadcast({g}) / {n}",),
    }
    if name in special:
        return special[name][i]
    term = _terms(name, a, o, params, g, i)
    text = _join([term]) if term is not None else f"{g} · ∂{o}/∂{a[i]}"
    return f"sum_to_shape({text})" if broadcast else text


def _sum_text(parts: list[str]) -> str:
    """Signed texts summed: ["v̄3 / v1", "−v̄5"] gives "v̄3 / v1 − v̄5"."""
    out = parts[0]
    for t in parts[1:]:
        out += f" {MINUS} {t[1:]}" if t.startswith(MINUS) else f" + {t}"
    return out


def _join(terms: list) -> str:
    out = ""
    for sign, text in terms:
        if not out:
            out = text if sign > 0 else f"{MINUS}{text}"
        else:
            out += f" + {text}" if sign > 0 else f" {MINUS} {text}"
    return out or "0"


def _signed(value, bracket: bool) -> str:
    """A partial adjoint's value in a sum: "2", "+ (−0.28366)"."""
    text = fmt(value)
    if np.ndim(value) == 0 and float(value) < 0:
        text = f"({MINUS}{fmt(-value)})" if bracket else f"{MINUS}{fmt(-value)}"
    return f"+ {text}" if bracket else text


# ---------------------------------------------------------------------- values
def _input_names(f: Callable, n: int) -> list[str]:
    """f's parameter names (``lambda x1, x2: ...`` gives x1, x2), else x1..xn."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    named = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(named) >= n and not any(p.kind is p.VAR_POSITIONAL for p in params[:n]):
        return named[:n]
    return [f"x{i + 1}" for i in range(n)]


def _value_of(x) -> np.ndarray:
    """An input's values in float64: a number, an array, or a tensor of either backend."""
    if isinstance(x, Tensor):
        x = x._data
    elif hasattr(x, "detach"):  # a real PyTorch tensor
        x = x.detach().cpu().numpy()
    return np.array(x, dtype=np.float64)


def _copy(data):
    return data.copy() if isinstance(data, np.ndarray) else data


def _scalar(a):
    """0-d values as numpy scalars, as the engine keeps them."""
    a = np.asarray(a)
    return a[()] if a.ndim == 0 else a


def _array(t):
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def _tensor(value) -> Tensor:
    return make(_scalar(np.asarray(value)))


def _value(t: Tensor):
    return _copy(t._data)
