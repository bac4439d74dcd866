"""The graph snapshot: a value node per tensor and an op node per recorded op, as plain data every view reads.

``graph(y)`` walks ``y.grad_fn.next_functions`` only, the part of the API the own engine and PyTorch share, so the
same snapshot (and the same picture, byte for byte) comes from ``nbautodiff.torch`` tensors on either backend and
from a dialect's arrays. Intermediate values come from a recording (``nb.record()``, the ``%%autodiff`` magic);
outside one they are unknown, and a gradient not computed yet is said to be so, never shown as 0.

>>> x1, x2 = tensor(2., requires_grad=True), tensor(5., requires_grad=True)
>>> y = torch.log(x1) + x1 * x2 - torch.sin(x2)
>>> g = graph(y)
>>> g
Graph(values=7, ops=5)
>>> [n.label for n in g.nodes if n.kind == "op"]
['LogBackward0', 'MulBackward0', 'AddBackward0', 'SinBackward0', 'SubBackward0']
>>> [n.expression for n in g.nodes if n.kind == "op"]
['ln(x1)', 'x1 × x2', 'v3 + v4', 'sin(x2)', 'v6 − v5']
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .._dialect import noted_gradient
from ..engine.report import Report, Table, fmt, plain
from .notation import MINUS, constant, expression, number
from .record import Recording, dialect_name, is_tensor, key_of, live_recordings, to_numpy, unwrap

__all__ = ["Graph", "GraphEdge", "GraphNode", "graph"]

VALUE_KINDS = ("leaf", "intermediate", "output")


@dataclass
class GraphNode:
    """A value (``kind`` leaf, intermediate or output: seed 002's three kinds of node) or an op (``kind`` "op").

    ``value`` is None where it is unknown (not recorded); ``grad`` is None until a backward computed it
    (``grad_state`` says which: "computed", "not computed yet", or "not kept" for a non-leaf without
    ``retain_grad()``). ``var`` is the lesson's name v1, v2, ... (inputs first, then by depth).
    """

    id: int
    kind: str
    label: str
    name: str | None = None
    var: str = ""
    op: str | None = None  # op nodes: PyTorch's node name (MulBackward0)
    expression: str = ""  # op nodes: the operation written out on its inputs' labels (x1 × x2)
    shape: tuple | None = None
    dtype: str | None = None
    value: object = None
    grad: object = None
    grad_state: str = ""
    retains_grad: bool = False
    saves: bool = False  # op nodes: it holds tensors for its backward ...
    freed: bool = False  # ... which a backward without retain_graph has freed: a second backward fails
    group: str | None = None  # the nn.Module the value was computed in, where recorded
    depth: int = 0

    @property
    def is_value(self) -> bool:
        return self.kind != "op"


@dataclass(frozen=True)
class GraphEdge:
    """Data flowing from ``src`` to ``dst``: a value into the op that reads it, or an op into its output value.
    ``kind`` "detached" is a value read through ``detach()``: no gradient flows back along it."""

    src: int
    dst: int
    kind: str = "data"


@dataclass(repr=False)
class Graph(Report):
    """Value and op nodes in tape order, and the edges between them. Displays as its picture (SVG) in a notebook,
    as its tables in a terminal; ``svg()``, ``save("g.svg")``, ``to_dict()``, ``to_dot()``."""

    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    keys: dict = field(default_factory=dict)  # ("fn", id(grad_fn), nr) | ("leaf", id(t)) | ("op", id(fn)) -> id
    options: dict = field(default_factory=dict)  # how the picture is drawn (lang, values, grads, ...)
    live: dict = field(default_factory=dict, compare=False)  # id -> its tensor (values, where known) or autograd node

    def tensor(self, node: int):
        """The live tensor of a value node, where known (None otherwise)."""
        obj = self.live.get(node)
        return obj if obj is not None and not hasattr(obj, "next_functions") else None

    def id_of(self, t) -> int | None:
        """The id of a tensor's value node, None if it is not in the graph; asked while the graph's tensors are
        alive (nodes are told apart by id())."""
        return self.keys.get(key_of(t))

    def node(self, label: str) -> GraphNode:
        """The node with this label (a name, v3, or an op's node name)."""
        for n in self.nodes:
            if n.label == label or n.var == label:
                return n
        raise KeyError(f"no node labelled {label!r} in this graph: {[n.label for n in self.nodes]}")

    @property
    def values(self) -> list[GraphNode]:
        return [n for n in self.nodes if n.is_value]

    @property
    def ops(self) -> list[GraphNode]:
        return [n for n in self.nodes if not n.is_value]

    def inputs_of(self, node: int) -> list[int]:
        return list(self._adjacency()[0].get(node, ()))

    def consumers_of(self, node: int) -> list[int]:
        return list(self._adjacency()[1].get(node, ()))

    def _adjacency(self) -> tuple[dict, dict]:
        """{node: its inputs}, {node: its consumers}, in edge order: made once (the stepper asks for every op), made
        again when ``edges`` has changed."""
        key = (id(self.edges), len(self.edges))
        made = getattr(self, "_adjacency_made", None)
        if made is None or made[0] != key:
            ins, outs = {}, {}
            for e in self.edges:
                ins.setdefault(e.dst, []).append(e.src)
                outs.setdefault(e.src, []).append(e.dst)
            made = self._adjacency_made = (key, ins, outs)
        return made[1], made[2]

    # ------------------------------------------------------------------ report
    def tables(self) -> tuple[Table, Table]:
        nodes = Table(
            f"graph: {len(self.values)} values, {len(self.ops)} ops",
            ["id", "kind", "label", "var", "op / expression", "shape", "dtype", "value", "grad"],
            [[n.id, n.kind, n.label, n.var, n.expression if n.kind == "op" else "",
              "" if n.shape is None else str(n.shape), n.dtype or "",
              _shown(n.value) if n.is_value else ("freed" if n.freed else "saves tensors" if n.saves else ""),
              (_shown(n.grad) if n.grad is not None else n.grad_state) if n.is_value else ""]
             for n in self.nodes],
        )
        label = [f"{n.id}: {n.label}" for n in self.nodes]
        edges = Table(f"{len(self.edges)} edges (data flow)", ["from", "to", "kind"],
                      [[label[e.src], label[e.dst], e.kind] for e in self.edges])
        return nodes, edges

    def to_dict(self) -> dict:
        return {
            "nodes": [{"id": n.id, "kind": n.kind, "label": n.label, "name": n.name, "var": n.var, "op": n.op,
                       "expression": n.expression, "shape": None if n.shape is None else list(n.shape),
                       "dtype": n.dtype, "value": plain(n.value), "grad": plain(n.grad), "grad_state": n.grad_state,
                       "retains_grad": n.retains_grad, "saves": n.saves, "freed": n.freed, "group": n.group,
                       "depth": n.depth} for n in self.nodes],
            "edges": [[e.src, e.dst, e.kind] for e in self.edges],
            "outputs": list(self.outputs),
        }

    def __repr__(self) -> str:
        return f"Graph(values={len(self.values)}, ops={len(self.ops)})"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    # ------------------------------------------------------------------ the picture
    def svg(self, **options) -> str:
        """The picture as SVG text: the same graph and options give the same bytes. Options (also given to
        ``graph()``): ``lang`` ("en" or "zh"), ``values``, ``grads``, ``shapes``, ``saved`` (True/False),
        ``collapse`` (a node count above which groups are boxed; 0 never), ``expand`` (groups to keep open)."""
        from .svg import render

        return render(self, **{**self.options, **options})

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.svg()}  # text/plain is IPython's, from _repr_pretty_: the tables

    def save(self, path, **options) -> None:
        """Write the picture to ``path``: ``.svg`` (the same bytes as displayed) or ``.png`` (needs matplotlib)."""
        path = str(path)
        if path.lower().endswith(".svg"):
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.svg(**options))
        elif path.lower().endswith(".png"):
            from .png import save_png

            save_png(self, path, **{**self.options, **options})
        else:
            raise ValueError(f"Graph.save: {path!r} should end in .svg or .png")

    def to_dot(self) -> str:
        """Graphviz DOT text, the same string for the same graph (render with ``graphviz.Source``)."""
        colors = {"leaf": "lightblue", "intermediate": "lightgrey", "output": "darkolivegreen1", "op": "white"}
        lines = ["digraph nbautodiff {", "  rankdir=LR;",
                 '  node [shape=box, style="rounded,filled", fontname="Helvetica"];']
        for n in self.nodes:
            text = [n.label] + ([n.expression] if n.expression else [])
            if n.is_value and n.value is not None and np.size(n.value) <= 6:
                text.append("= " + fmt(n.value))
            label = "\\n".join(_dot_escape(t) for t in text)
            shape = ", shape=ellipse" if n.kind == "op" else ""
            lines.append(f'  n{n.id} [label="{label}", fillcolor={colors[n.kind]}{shape}];')
        for e in self.edges:
            lines.append(f"  n{e.src} -> n{e.dst};" if e.kind == "data" else f"  n{e.src} -> n{e.dst} [style=dashed];")
        lines.append("}")
        return "\n".join(lines) + "\n"


def _shown(value) -> str:
    return "" if value is None else fmt(value)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# ============================================================================ building the snapshot
def graph(*outputs, inputs: Sequence | None = None, names: Mapping[str, object] | None = None,
          recording: Recording | None = None, **options) -> Graph:
    """The recorded graph behind ``outputs`` (tensors of either backend, or a dialect's arrays), as plain data that
    displays as its picture.

    ``names`` labels tensors (``{"x1": x1}``); by default the caller's variable names are used. ``inputs`` are
    tensors where the walk stops, shown as leaves (the graph *between* inputs and outputs). Values of
    intermediate nodes come from ``recording`` (by default every ``nb.record()`` still alive). ``options`` set how
    the picture is drawn (see ``Graph.svg``).
    """
    if not outputs:
        raise ValueError("graph() needs at least one output tensor, e.g. graph(y)")
    outputs = tuple(unwrap(t) for t in outputs)
    for i, t in enumerate(outputs):
        check_output(t, i)
    stops = {}
    for t in inputs or ():
        t = unwrap(t)
        k = key_of(t)
        if k is None:
            raise ValueError("graph(inputs=...): an input doesn't require grad, so it is not part of any graph")
        stops[k] = t
    recordings = [recording] if recording is not None else live_recordings()
    if names is None:
        frame = sys._getframe(1)
        named = _names_in(frame.f_locals) | _names_in(frame.f_globals, skip=frame.f_locals)
    else:
        named = {key_of(unwrap(t)): (n, unwrap(t)) for n, t in names.items() if key_of(unwrap(t)) is not None}
    return _Builder(outputs, stops, recordings, named).build(options)


def check_output(t, i: int, caller: str = "graph") -> None:
    """The error for something that is not a tensor with a graph, in the words of ``caller`` (graph, step, ...)."""
    if not is_tensor(t):
        what = type(t).__name__
        hint = (f"pass the tensor it returns, e.g. {caller}(model(x))" if hasattr(t, "parameters") or callable(t)
                else "make it a tensor with requires_grad=True, e.g. torch.tensor(2.0, requires_grad=True)")
        raise TypeError(f"{caller}(): output {i} is a {what}, not a tensor; {hint}")
    if key_of(t) is None:
        raise ValueError(
            f"{caller}(): output {i} doesn't require grad, so nothing was recorded for it; make the inputs with "
            "requires_grad=True (and compute outside no_grad())"
        )


def _names_in(namespace: dict, skip: dict | None = None) -> dict:
    """{key: (name, tensor)} for the tensors (and dialect arrays) a namespace holds, the first name for each."""
    out = {}
    for name, value in list(namespace.items()):
        if name.startswith("_") or (skip is not None and name in skip):
            continue
        if is_tensor(value) or hasattr(value, "_t"):
            k = key_of(value)
            if k is not None and k not in out:
                out[k] = (dialect_name(value) or name, unwrap(value))
    return out


class _Leaf:
    """A leaf given directly as an output: it has no inputs, like an AccumulateGrad."""

    next_functions = ()

    def __init__(self, variable):
        self.variable = variable


def _is_accumulate(fn) -> bool:
    return type(fn).__name__ in ("AccumulateGrad", "_Leaf")


def _value_key(fn, nr: int) -> tuple:
    if _is_accumulate(fn):
        return ("leaf", id(fn.variable))
    return ("fn", id(fn), nr)


class _Builder:
    def __init__(self, outputs, stops, recordings, named):
        self.outputs, self.stops, self.recordings, self.named = outputs, stops, recordings, named
        self.keep = list(outputs)  # nodes are told apart by id(): keep every object looked at alive

    def build(self, options) -> Graph:
        ops, leaves, used = self._walk()
        g = Graph(options=dict(options))
        # ids: the leaves in the order first reached, then each op followed by its output values
        for k, t in leaves:
            self._add(g, k, "leaf", tensor=t)
        for fn in ops:
            self._add(g, ("op", id(fn)), "op", fn=fn)
            for nr in sorted(used.get(id(fn), ())):
                self._add(g, ("fn", id(fn), nr), "intermediate", fn=fn)
        for fn in ops:
            for child, nr in _children(fn):
                g.edges.append(GraphEdge(g.keys[_value_key(child, nr)], g.keys[("op", id(fn))]))
            for nr in sorted(used.get(id(fn), ())):
                g.edges.append(GraphEdge(g.keys[("op", id(fn))], g.keys[("fn", id(fn), nr)]))
        self._detached_edges(g, ops)
        for t in self.outputs:
            node = g.nodes[g.keys[key_of(t)]]
            if node.kind == "intermediate":
                node.kind = "output"
            g.outputs.append(node.id)
        self._number(g)
        for fn in ops:
            self._describe_op(g, fn)
        return g

    # ---- the walk: depth-first post-order, first input first (the order ops were recorded in)
    def _walk(self):
        ops, leaves, seen_leaves = [], [], set()
        used: dict[int, set] = {}  # id(fn) -> the output indices something reads
        visited = set()

        def leaf(k, t):
            if k not in seen_leaves:
                seen_leaves.add(k)
                leaves.append((k, t))
                self.keep.append(t)

        for t in self.outputs:
            k = key_of(t)
            if k in self.stops or t.grad_fn is None:
                leaf(k, t)
                continue
            used.setdefault(id(t.grad_fn), set()).add(t.output_nr)
            stack = [(t.grad_fn, iter(_children(t.grad_fn)))]
            if id(t.grad_fn) in visited:
                continue
            visited.add(id(t.grad_fn))
            self.keep.append(t.grad_fn)
            while stack:
                fn, it = stack[-1]
                for child, nr in it:
                    ck = _value_key(child, nr)
                    if ck in self.stops:
                        leaf(ck, self.stops[ck])
                    elif _is_accumulate(child):
                        leaf(ck, child.variable)
                    else:
                        used.setdefault(id(child), set()).add(nr)
                        if id(child) not in visited:
                            visited.add(id(child))
                            self.keep.append(child)
                            stack.append((child, iter(_children(child))))
                            break
                else:
                    stack.pop()
                    ops.append(fn)
        return ops, leaves, used

    # ---- nodes
    def _add(self, g: Graph, key, kind: str, tensor=None, fn=None) -> GraphNode:
        node = GraphNode(len(g.nodes), kind, "")
        g.nodes.append(node)
        g.keys[key] = node.id
        if kind == "op":
            node.op = node.label = type(fn).__name__
            node.saves, node.freed = _saved(fn)
            g.live[node.id] = fn
            return node
        named = self.named.get(key)
        node.name = named[0] if named is not None else self._recorded(key, "names")
        t = tensor if tensor is not None else self._tensor(key, fn)
        if t is not None:
            g.live[node.id] = t
        node.group = self._recorded(key, "groups")
        value = to_numpy(t) if t is not None else self._recorded(key, "values")
        if value is None and fn is not None and key[2] == 0:
            value = _saved_output(fn)
        if value is not None:
            node.value, node.shape, node.dtype = value, tuple(np.shape(value)), str(np.asarray(value).dtype)
        else:
            meta = self._recorded(key, "meta")
            if meta is not None:
                node.shape, node.dtype = meta
        if t is not None:
            node.dtype = str(t.dtype).removeprefix("torch.")  # the tensor's own dtype name (bfloat16 too)
        self._grad(node, t, kind == "leaf" or (t is not None and t.grad_fn is None))
        return node

    def _tensor(self, key, fn=None):
        """The live tensor of a value node, where one is known (an output, a named tensor, a recorded one, one
        that ``retain_grad()`` hooked onto its node)."""
        for t in self.outputs:
            if key_of(t) == key:
                return t
        if key in self.named:
            return self.named[key][1]
        for rec in self.recordings:
            t = rec.tensor(key)
            if t is not None:
                return t
        for hook in getattr(fn, "pre_hooks", None) or ():  # the own engine's retain_grad hook knows its tensor
            t = hook.tensor() if type(hook).__name__ == "_RetainGrad" else None
            if t is not None and key_of(t) == key:
                return t
        return None

    def _recorded(self, key, what: str):
        for rec in self.recordings:
            found = getattr(rec, what).get(key)
            if found is not None:
                return found
        return None

    def _grad(self, node: GraphNode, t, leaf: bool) -> None:
        if t is None:
            node.grad_state = "not computed yet" if leaf else "not kept"
            return
        held, g = noted_gradient(t)
        if held:  # a dialect keeps it elsewhere: DJL's and MXNet's slots, the latest gradient a TensorFlow tape gave
            node.grad = None if g is None else to_numpy(g)
            node.grad_state = "computed" if g is not None else ""  # TensorFlow stores none: no "not computed yet"
            return
        node.retains_grad = bool(getattr(t, "retains_grad", False)) and t.grad_fn is not None
        if t.grad_fn is None or node.retains_grad:  # (reading .grad of any other tensor warns, and it is None)
            g = t.grad
            node.grad = None if g is None else to_numpy(g)
            node.grad_state = "not computed yet" if g is None else "computed"
        else:
            node.grad_state = "not kept"

    def _detached_edges(self, g: Graph, ops) -> None:
        """A value read through ``detach()`` (from a recording): a cut edge from the value to the op that read it."""
        for fn in ops:
            # a custom gradient's node reads only what it differentiates: no recorded argument is an edge of it
            recorded = self._recorded(("fn", id(fn), 0), "ops") if custom_name(fn) is None else None
            for kind, k in recorded.args if recorded is not None else ():
                if kind == "cut":
                    if k not in g.keys:
                        self._add(g, k, "leaf" if k[0] == "leaf" else "intermediate")
                    g.edges.append(GraphEdge(g.keys[k], g.keys[("op", id(fn))], "detached"))

    def _number(self, g: Graph) -> None:
        """v1, v2, ...: the inputs first, then by depth (longest path from an input), ties in tape order; as the
        lesson numbers them (sin(x2) is v5 although Python ran + first)."""
        inputs = {n.id: [] for n in g.nodes}
        for e in g.edges:
            inputs[e.dst].append(e.src)
        for n in g.nodes:  # ids are topological: every node comes after its inputs
            n.depth = 0 if not inputs[n.id] else max(g.nodes[i].depth for i in inputs[n.id]) + (n.kind == "op")
        values = [n for n in g.nodes if n.is_value]
        ranked = sorted(values, key=lambda n: (n.kind != "leaf" or bool(inputs[n.id]), n.depth, n.id))
        for k, n in enumerate(ranked, 1):
            n.var = f"v{k}"
            n.label = n.name or n.var

    def _describe_op(self, g: Graph, fn) -> None:
        """The operation written out on its inputs' labels: "x1 × x2", "ln(x1)", "2 × v3"; a custom gradient's node
        as the user's function of the values it differentiates: "f(x)"."""
        node = g.nodes[g.keys[("op", id(fn))]]
        custom = custom_name(fn)
        if custom is not None:
            operands = [g.nodes[g.keys[_value_key(child, nr)]].label for child, nr in _children(fn)]
            node.expression = f"{custom}({', '.join(operands)})"
            return
        recorded = self._recorded(("fn", id(fn), 0), "ops")
        if recorded is not None:  # the arguments as the op was called with them, constants included
            operands = [arg if kind == "const" else g.nodes[g.keys[arg]].label if arg in g.keys else "?"
                        for kind, arg in recorded.args]
        else:  # the node's inputs, and the constants it kept
            operands = [g.nodes[g.keys[_value_key(child, nr)]].label if child is not None else _saved_constant(fn, i)
                        for i, (child, nr) in enumerate(fn.next_functions)]
        row, params = _row(fn, recorded)
        node.expression = expression(row, operands, params, None)


def custom_name(fn) -> str | None:
    """The name of the user's function behind a custom-gradient node (an ``autograd.Function`` of either backend,
    ``custom_vjp``, ``custom_gradient``, ``tf.custom_gradient``), None for any other node."""
    op = getattr(fn, "op", None)
    if op is not None:  # the own engine's node
        return op.name if op.custom else None
    forward = getattr(type(fn), "_forward_cls", None)  # PyTorch's
    return forward.__name__ if forward is not None else None


def _children(fn) -> list:
    """The (node, output_nr) pairs a node's gradient flows to; None (no grad needed there) left out."""
    return [(f, nr) for f, nr in fn.next_functions if f is not None]


_NODE_ROWS = {"Rsub": "rsub", "Mm": "mm", "Mv": "mv", "Dot": "dot", "Bmm": "bmm", "Neg": "neg", "Abs": "abs",
              "Reciprocal": "reciprocal"}


def _row(fn, recorded) -> tuple[str, dict | None]:
    """The notation's name for a node (the op-table row name, lower case) and the params it shows."""
    base = re.sub(r"Backward\d*$", "", type(fn).__name__)
    if base == "Pow":
        if type(fn).__name__ == "PowBackward0":
            exponent = _param(fn, recorded, "exponent")
            return ("pow_scalar", {"exponent": exponent}) if exponent is not None else ("pow", None)
        if type(fn).__name__ == "PowBackward2":
            base_value = _param(fn, recorded, "base")
            return ("rpow", {"base": base_value}) if base_value is not None else ("pow", None)
        return "pow", None
    return _NODE_ROWS.get(base, base.lower()), None


def _param(fn, recorded, name: str):
    params = getattr(fn, "params", None)  # the own engine's node
    if isinstance(params, dict) and name in params:
        return params[name]
    if recorded is not None and recorded.params and name in recorded.params:
        return recorded.params[name]
    saved = getattr(fn, f"_saved_{'exponent' if name == 'exponent' else 'self'}", None)  # PyTorch's
    return saved if isinstance(saved, (int, float)) else None


def _saved_constant(fn, i: int) -> str:
    """An input outside the graph (a number or a tensor that needs no gradient), where the node kept it."""
    saved = getattr(fn, "saved", None)
    if isinstance(saved, tuple) and i < len(saved) and saved[i] is not None:  # the own engine's node
        return constant(saved[i]) if is_tensor(saved[i]) else number(saved[i])
    try:
        value = getattr(fn, ("_saved_self", "_saved_other")[i], None) if i < 2 else None
    except RuntimeError:  # freed by a backward
        value = None
    if value is not None and is_tensor(value):
        return constant(value)
    return "c"


def _saved(fn) -> tuple[bool, bool]:
    """(whether the node holds tensors for its backward, whether a backward has freed them)."""
    op = getattr(fn, "op", None)
    if op is not None:  # the own engine's node
        saves = bool(op.saves) and (fn.saved is not None or fn.out_data is not None or fn.versions is None)
        return saves, saves and fn.versions is None
    saves = freed = False
    for attr in dir(fn):
        if attr.startswith("_saved_") and not attr.endswith(("_sizes", "_strides")):
            try:
                value = getattr(fn, attr)
            except RuntimeError:  # "Trying to backward through the graph a second time ..."
                saves = freed = True
                continue
            if is_tensor(value):
                saves = True
    return saves, freed


def _saved_output(fn):
    """An intermediate node's output, where the node kept it for its VJP (exp, tanh, sigmoid...)."""
    data = getattr(fn, "out_data", None)
    if data is not None:
        ver = getattr(fn, "out_ver", None)
        return np.array(data) if ver is None or ver[0] == 0 else None  # changed in place since: not its output
    try:
        saved = getattr(fn, "_saved_result", None)  # real PyTorch
    except RuntimeError:  # freed by backward()
        return None
    return to_numpy(saved) if is_tensor(saved) else None


# used by the picture to write a value
def shown_value(value, digits: int = 5) -> str:
    """Scalars as numbers, small tensors as values, big ones as their shape and a summary."""
    if value is None:
        return "?"
    a = np.asarray(value)
    if a.ndim == 0:
        return _compact(a.item(), digits)
    if a.size <= 6:
        return _nested(a, 4)
    if a.dtype.kind in "fiu" and a.size:
        return f"{'×'.join(map(str, a.shape))}: {fmt(a.min(), 3)}…{fmt(a.max(), 3)}".replace("-", MINUS)
    return "×".join(map(str, a.shape))


def _compact(v, digits: int) -> str:
    if isinstance(v, bool) or not isinstance(v, float):
        return str(v)
    text = f"{v:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text.replace("-", MINUS)


def _nested(a: np.ndarray, digits: int) -> str:
    """A small array on one line, each number short: [−0.785, −1.76, 6.15]."""
    if a.ndim == 0:
        return _compact(a.item(), digits)
    return "[" + ", ".join(_nested(row, digits) for row in a) + "]"
