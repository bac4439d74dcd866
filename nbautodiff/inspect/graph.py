"""A plain picture of a recorded graph: nodes and edges that widgets, tables and Graphviz can draw.

``graph(y)`` walks ``y.grad_fn.next_functions`` only, the part of the API our engine and PyTorch share, so
the same snapshot comes from ``nbautodiff.torch`` tensors and from real ``torch`` tensors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..engine.report import Report, Table, fmt, plain

__all__ = ["Graph", "GraphNode", "graph"]


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


@dataclass
class GraphNode:
    """One node of the graph: a leaf (``AccumulateGrad``) or a recorded op (``MulBackward0``).

    ``value`` is known for the outputs, the leaves and nodes that saved their output (``exp``); our nodes
    don't keep their outputs otherwise, so an intermediate value is usually None.
    """

    id: int
    kind: str  # "leaf", "intermediate" or "output"
    label: str  # the node's class name, or a leaf's name
    name: str | None = None
    shape: tuple[int, ...] | None = None
    dtype: str | None = None  # "float32"
    value: np.ndarray | None = None
    grad: np.ndarray | None = None  # a leaf's .grad


@dataclass(repr=False)
class Graph(Report):
    """Nodes in tape order (leaves first, then ops as recorded) and edges ``(src, dst, output_nr)``.

    An edge runs from an input to the node that consumed it; ``output_nr`` says which output of the input
    node it was (always 0 except for ``split``/``unbind``). For y = ln(x1) + x1·x2 − sin(x2):

    >>> x1, x2 = tensor(2., requires_grad=True), tensor(5., requires_grad=True)
    >>> y = x1.log() + x1 * x2 - x2.sin()
    >>> [n.label for n in graph(y, names={"x1": x1, "x2": x2}).nodes]
    ['x1', 'x2', 'LogBackward0', 'MulBackward0', 'AddBackward0', 'SinBackward0', 'SubBackward0']
    """

    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[tuple[int, int, int]] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    keys: dict = field(default_factory=dict, compare=False)  # ("fn" | "leaf", id(...)) -> node id

    def id_of(self, t) -> int | None:
        """The id of the node a tensor stands for (its grad_fn, or itself for a leaf), None if not in the graph;
        asked while the graph's tensors are alive (nodes are told apart by id())."""
        fn = getattr(t, "grad_fn", None)
        return self.keys.get(("fn", id(fn)) if fn is not None else ("leaf", id(t)))

    def tables(self) -> tuple[Table, Table]:
        nodes = Table(
            f"graph: {_count(len(self.nodes), 'node')}",
            ["id", "kind", "label", "name", "shape", "dtype", "value", "grad"],
            [[n.id, n.kind, n.label, n.name or "", "" if n.shape is None else str(n.shape), n.dtype or "", n.value,
              n.grad] for n in self.nodes],
        )
        label = [f"{n.id}: {n.label}" for n in self.nodes]
        edges = Table(
            f"{_count(len(self.edges), 'edge')} (input → consumer)",
            ["from", "to", "output_nr"],
            [[label[s], label[d], nr] for s, d, nr in self.edges],
        )
        return nodes, edges

    def to_dict(self) -> dict:
        """Lists, numbers and strings only (``json.dumps`` takes it)."""
        return {
            "nodes": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "label": n.label,
                    "name": n.name,
                    "shape": None if n.shape is None else list(n.shape),
                    "dtype": n.dtype,
                    "value": plain(n.value),
                    "grad": plain(n.grad),
                }
                for n in self.nodes
            ],
            "edges": [list(e) for e in self.edges],
            "outputs": list(self.outputs),
        }

    def to_dot(self) -> str:
        """Graphviz DOT text, the same string for the same graph (render with ``graphviz.Source``)."""
        colors = {"leaf": "lightblue", "intermediate": "lightgrey", "output": "darkolivegreen1"}
        lines = ["digraph nbautodiff {", '  node [shape=box, style="rounded,filled", fontname="Helvetica"];']
        for n in self.nodes:
            text = [n.label if n.name is None or n.name == n.label else f"{n.name}: {n.label}"]
            if n.shape is not None:
                text.append(f"{n.shape} {n.dtype}" if n.dtype else str(n.shape))
            if n.value is not None and np.size(n.value) <= 6:
                text.append("= " + fmt(n.value))
            label = "\\n".join(_dot_escape(t) for t in text)
            lines.append(f'  n{n.id} [label="{label}", fillcolor={colors[n.kind]}];')
        for s, d, nr in self.edges:
            lines.append(f"  n{s} -> n{d};" if nr == 0 else f'  n{s} -> n{d} [label="{nr}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"


def graph(*outputs, inputs: Sequence | None = None, names: Mapping[str, object] | None = None) -> Graph:
    """The recorded graph behind ``outputs`` (our tensors, real PyTorch tensors or a dialect's arrays), as plain data.

    ``names`` labels tensors (``{"x1": x1}``); ``inputs`` are tensors where the walk stops, shown as leaves
    even when they were computed (the graph *between* inputs and outputs). Leaves that don't require grad
    are not part of the graph (``next_functions`` has None for them). For y = ln(x1) + x1·x2 − sin(x2):

    >>> x1, x2 = tensor(2., requires_grad=True), tensor(5., requires_grad=True)
    >>> y = x1.log() + x1 * x2 - x2.sin()
    >>> g = graph(y, names={"x1": x1, "x2": x2})
    >>> len(g.nodes), len(g.edges)
    (7, 8)
    """
    if not outputs:
        raise ValueError("graph() needs at least one output tensor, e.g. graph(y)")
    outputs = tuple(_unwrap(t) for t in outputs)
    inputs = None if inputs is None else [_unwrap(t) for t in inputs]
    names = {k: _unwrap(t) for k, t in (names or {}).items()}
    # Nodes are told apart by id(), so everything looked at stays alive until the end: PyTorch makes a node's
    # Python wrapper anew (at another address) once the last reference to the old one is gone.
    keep = []
    named = {}  # key -> name
    for name, t in (names or {}).items():
        k = _tensor_key(t, keep)
        if k is not None:
            named[k] = name
    stops = {}  # key -> tensor
    for t in inputs or ():
        k = _tensor_key(t, keep)
        if k is None:
            raise ValueError("graph(inputs=...): an input doesn't require grad, so it is not part of any graph")
        stops[k] = t

    roots = []
    for i, t in enumerate(outputs):
        k = _tensor_key(t, keep)
        if k is None:
            raise ValueError(
                f"graph(): output {i} doesn't require grad, so nothing was recorded for it; make the inputs with "
                "requires_grad=True (and compute outside no_grad())"
            )
        roots.append((k, t))

    # Depth-first post-order, first input first: every node comes after its inputs, and since Python evaluates
    # left to right this is the order ops were recorded in. An explicit stack: graphs can be 100,000 deep.
    fns = {}  # key -> the node object
    order = []
    for k, t in roots:
        if k in fns:
            continue
        fns[k] = t.grad_fn if t.grad_fn is not None else _Leaf(t)
        stack = [(k, iter(_children(fns[k], k in stops)))]
        while stack:
            key, it = stack[-1]
            for fn, _nr in it:
                ck = _fn_key(fn, keep)
                if ck not in fns:
                    fns[ck] = fn
                    stack.append((ck, iter(_children(fn, ck in stops))))
                    break
            else:
                stack.pop()
                order.append(key)
    is_leaf = {k: k in stops or type(fns[k]).__name__ in ("AccumulateGrad", "_Leaf") for k in order}
    order = [k for k in order if is_leaf[k]] + [k for k in order if not is_leaf[k]]
    ids = {k: i for i, k in enumerate(order)}

    out_tensors = {}
    for k, t in roots:  # two outputs of one split node: the node has no one value
        out_tensors[k] = t if out_tensors.get(k, t) is t else None
    nodes, edges = [], []
    for k in order:
        fn = fns[k]
        leaf = is_leaf[k]
        kind = "leaf" if leaf else "output" if k in out_tensors else "intermediate"
        name = named.get(k)
        t = stops[k] if k in stops else out_tensors.get(k)
        if hasattr(fn, "variable"):  # AccumulateGrad: its tensor (None where ours has been freed)
            t = fn.variable
        label = name if leaf and name else type(fn).__name__ if type(fn).__name__ != "_Leaf" else "AccumulateGrad"
        node = GraphNode(ids[k], kind, label, name)
        value = _numpy(t) if t is not None else _saved_output(fn)
        if value is not None:
            node.value, node.shape, node.dtype = value, tuple(value.shape), str(value.dtype)
        if t is not None:
            node.dtype = str(t.dtype).removeprefix("torch.")  # the tensor's own dtype name (bfloat16 too)
            if t.grad_fn is None and t.grad is not None:
                node.grad = _numpy(t.grad)
        nodes.append(node)
        if k not in stops:
            for fn_in, nr in _children(fn, False):
                edges.append((ids[_fn_key(fn_in, keep)], ids[k], nr))
    return Graph(nodes, edges, [ids[k] for k, _ in roots], ids)


def _children(fn, stop: bool) -> list:
    """The (node, output_nr) pairs a node's gradient flows to; None (no grad needed there) left out."""
    if stop:
        return []
    return [(f, nr) for f, nr in fn.next_functions if f is not None]


def _fn_key(fn, keep: list) -> tuple:
    # A leaf is keyed by its tensor: it is reached as an AccumulateGrad node but may be given as a tensor too.
    var = getattr(fn, "variable", None) if type(fn).__name__ == "AccumulateGrad" else None
    keep.append(fn if var is None else var)
    return ("leaf", id(var)) if var is not None else ("fn", id(fn))


def _unwrap(t):
    """A dialect's array (DJL NDArray, tf.Tensor/Variable, MXNet ndarray) stands for the backend tensor it holds."""
    inner = getattr(t, "_t", None)
    return inner if inner is not None and getattr(t, "grad_fn", None) is None and hasattr(inner, "grad_fn") else t


def _tensor_key(t, keep: list) -> tuple | None:
    """The key of the node a tensor stands for: its grad_fn, or for a leaf the tensor itself."""
    fn = getattr(t, "grad_fn", None)
    keep.append(t if fn is None else fn)
    if fn is not None:
        return ("fn", id(fn))
    if getattr(t, "requires_grad", False):
        return ("leaf", id(t))
    return None


class _Leaf:
    """A leaf given directly as an output: it has no inputs, like an AccumulateGrad."""

    next_functions = ()

    def __init__(self, variable):
        self.variable = variable


def _numpy(t) -> np.ndarray:
    """A copy of a tensor's values (ours or PyTorch's) as a numpy array."""
    if hasattr(t, "_data"):
        return np.array(t._data)
    return t.detach().cpu().numpy().copy()


def _saved_output(fn) -> np.ndarray | None:
    """An intermediate node's output, where the node kept it for its VJP (exp, tanh, sigmoid...)."""
    data = getattr(fn, "out_data", None)
    if data is not None:
        ver = getattr(fn, "out_ver", None)
        return np.array(data) if ver is None or ver[0] == 0 else None  # changed in place since: not its output
    if hasattr(fn, "_saved_result"):  # real PyTorch
        try:
            return _numpy(fn._saved_result)
        except RuntimeError:  # freed by backward()
            return None
    return None


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
