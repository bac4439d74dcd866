"""The backprop stepper's model: the reverse pass, node by node, as the dlsys notes' ``node_to_grad`` fills.

``backprop(y)`` runs the backward pass of a live graph (either backend) and records, for each node in the order it
ran, the gradient that reached it and the partial adjoint it sent along each input edge; each value's list of
partial adjoints fills and then sums. The user's ``.grad`` fields and graph are left as they were. ``from_trace``
gives the same frames for a function, forward mode included, from its evaluation trace.

>>> x1, x2 = tensor(2., requires_grad=True), tensor(5., requires_grad=True)
>>> y = torch.log(x1) + x1 * x2 - torch.sin(x2)
>>> b = backprop(y)
>>> [s.label for s in b.steps]
['SubBackward0', 'SinBackward0', 'AddBackward0', 'MulBackward0', 'LogBackward0']
>>> b.adjoint_text("x2"), b.adjoint_text("x1")
('x̄2 = 2 + (−0.28366) = 1.7163', 'x̄1 = 0.5 + 5 = 5.5')
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field

import numpy as np

from ..engine.report import Report, Table
from ..engine.tensor import Tensor
from ..engine.tracing import Tracer
from ..engine.watch import watching
from .graph import Graph, graph, shown_value
from .notation import MINUS, bar, dot
from .record import is_tensor, key_of
from .words import check_lang, say

CUMULATIVE = 200  # up to this many values every frame shows every list; above, only what the step touched


@dataclass
class Step:
    """One node of the reverse pass: it received ``incoming`` (the adjoint of its output) and sent ``partials``:
    [(input value id, partial adjoint)], one per input edge (None where nothing flows)."""

    node: int
    label: str
    expression: str
    output: int | None
    incoming: object
    partials: list


@dataclass
class Frame:
    """What one frame of the stepper shows over the base picture."""

    active: tuple = ()
    edge_labels: list = field(default_factory=list)  # (src, dst, text, css class)
    notes: list = field(default_factory=list)  # (node id, text, css class)
    caption: str = ""
    row: int | None = None  # the table row of this step


class Backprop(Report):
    """The reverse pass of ``graph``: ``steps`` in the order nodes ran, and the ``frames`` a stepper shows (the
    first is the seed, the last shows the saved tensors freed); captions and tables in ``lang``."""

    def __init__(self, graph: Graph, steps: list[Step], seeds: dict, mode: str = "reverse", lang: str = "en"):
        check_lang(lang, "step")
        self.graph, self.steps, self.seeds, self.mode, self.lang = graph, steps, seeds, mode, lang
        self.received: dict[int, list] = {n.id: [] for n in graph.values}
        for s in steps:
            for vid, g in s.partials:
                self.received[vid].append((s.node, g))
        self.frames = self._frames()

    def name(self, vid: int) -> str:
        return bar(self.graph.nodes[vid].label)

    def adjoint(self, label: str):
        """A value's adjoint: the sum of the partial adjoints it received (its seed, for an output)."""
        vid = self.graph.node(label).id
        total = self.seeds.get(vid)
        for _, g in self.received[vid]:
            total = g if total is None else total + g
        return total

    def adjoint_text(self, label: str) -> str:
        """``x̄2 = 2 + (−0.28366) = 1.7163``: the partial adjoints a value received, and their sum."""
        vid = self.graph.node(label).id
        return self._sum_text(vid, len(self.steps))

    def _sum_text(self, vid: int, upto: int) -> str:
        parts = [g for k, (s, g) in enumerate(self._received_until(vid, upto))]
        name = self.name(vid)
        if vid in self.seeds:
            return f"{name} = {shown_value(self.seeds[vid])}{say(self.lang, 'seed')}"
        if not parts:
            return ""
        terms = [shown_value(parts[0])] + [_signed(p) for p in parts[1:]]
        complete = len(parts) == len(self.received[vid])
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        text = f"{name} = {' + '.join(terms)}" if len(parts) > 1 else f"{name} = {terms[0]}"
        if complete and len(parts) > 1:
            text += f" = {shown_value(total)}"
        elif not complete:
            text += " + …"
        return text

    def _received_until(self, vid: int, upto: int) -> list:
        """The partials a value had received after ``upto`` steps, in the lesson's order: by the consumer (v̄2→4
        before v̄2→5), whatever order the nodes ran in."""
        done = {s.node for s in self.steps[:upto]}
        return sorted(((n, g) for n, g in self.received[vid] if n in done), key=lambda ng: self._consumer_rank(ng[0]))

    def _consumer_rank(self, op_id: int) -> int:
        out = _output_of(self.graph, op_id)
        var = self.graph.nodes[out].var if out is not None else ""
        return int(var[1:]) if var[1:].isdigit() else op_id

    def _frames(self) -> list[Frame]:
        g = self.graph
        small = len(g.values) <= CUMULATIVE
        lang = self.lang
        seed = ", ".join(f"{self.name(v)} = {shown_value(s)}" for v, s in self.seeds.items())
        frames = [Frame(notes=[(v, self._sum_text(v, 0), "sum") for v in self.seeds],
                        caption=say(lang, "seed caption", seeds=seed))]
        for k, s in enumerate(self.steps, 1):
            labels = [(vid, s.node, shown_value(p), "send") for vid, p in s.partials]
            touched = {vid for vid, _ in s.partials} | ({s.output} if s.output is not None else set())
            shown = [v.id for v in g.values] if small else sorted(touched)
            notes = []
            for vid in shown:
                text = self._sum_text(vid, k)
                if text:
                    notes.append((vid, text, "sum" if vid in touched else "part"))
            sends = ", ".join(say(lang, "sent to", value=shown_value(p), label=g.nodes[vid].label)
                              for vid, p in s.partials)
            incoming = (f"{self.name(s.output)} = {shown_value(s.incoming)}" if s.output is not None
                        else say(lang, "its gradient"))
            frames.append(Frame((s.node,), labels, notes, say(lang, "step caption", node=s.label,
                                                              expression=s.expression, incoming=incoming,
                                                              sends=sends or say(lang, "nothing")), row=k - 1))
        freed = [(n.id, say(lang, "freed note"), "freed") for n in g.ops if n.saves]
        last = frames[-1]
        frames.append(Frame((), [], list(last.notes) + freed, say(lang, "done caption"), row=None))
        return frames

    def tables(self) -> tuple[Table]:
        rows = []
        for s in self.steps:
            out = self.name(s.output) if s.output is not None else ""
            sent = ", ".join(f"{self.graph.nodes[v].label}: {shown_value(p)}" for v, p in s.partials)
            rows.append([s.label, s.expression, f"{out} = {shown_value(s.incoming)}" if out else "", sent])
        notes = [self.adjoint_text(n.label) for n in self.graph.values if n.kind == "leaf" and self.received[n.id]]
        lang = self.lang
        return (Table(say(lang, "reverse pass"), [say(lang, k) for k in ("node", "operation", "received", "sends")],
                      rows, notes),)

    def __repr__(self) -> str:
        return f"Backprop(steps={len(self.steps)}, values={len(self.graph.values)})"


def _signed(value) -> str:
    text = shown_value(value)
    return f"({text})" if text.startswith(MINUS) else text


# ============================================================================ the reverse pass of a live graph
def backprop(*outputs, names=None, lang: str = "en", **options) -> Backprop:
    """Run the reverse pass of ``outputs`` node by node and keep what each node received and sent, leaving every
    ``.grad`` and the graph as they were (the pass retains the graph); captions and tables in ``lang``."""
    if not outputs:
        raise ValueError("step() needs the tensor to differentiate, e.g. nb.step(y), or a function and its inputs")
    if names is None:
        frame = sys._getframe(1)
        names = {k: v for k, v in {**frame.f_globals, **frame.f_locals}.items()
                 if not k.startswith("_") and (is_tensor(v) or hasattr(v, "_t"))}
    check_lang(lang, "step")
    g = graph(*outputs, names=names, lang=lang, **options)
    freed = [n.label for n in g.ops if n.freed]
    if freed:
        raise RuntimeError(
            f"step(): the graph was already freed by a backward() ({', '.join(freed[:3])} lost what it saved), so "
            "its reverse pass cannot run again. Build the graph again, or call backward(retain_graph=True) the "
            "first time to keep it"
        )
    if not g.ops:
        raise ValueError("step(): the output is a leaf, so there is no reverse pass to step through; compute "
                         "something from it first, e.g. y = x * 2")
    roots = [g.tensor(i) for i in g.outputs]
    leaves = [g.tensor(n.id) for n in g.values if n.kind == "leaf" and g.tensor(n.id) is not None]
    seeds = {i: np.ones(np.shape(g.nodes[i].value)) if g.nodes[i].value is not None else np.float64(1)
             for i in g.outputs}
    grads = [(t, t.grad) for t in (g.tensor(n.id) for n in g.values) if t is not None and _holds_grad(t)]
    try:
        steps = _steps(g, roots, leaves)
    finally:
        for t, old in grads:  # what the user's tensors held before
            _set_grad(t, old)
    seeds = {i: _plain_seed(s) for i, s in seeds.items()}
    return Backprop(g, steps, seeds, lang=lang)


def _holds_grad(t) -> bool:
    return t.grad_fn is None or bool(getattr(t, "retains_grad", False))


def _set_grad(t, old) -> None:
    if isinstance(t, Tensor):
        t._grad = old
    else:
        t.grad = old


def _plain_seed(s):
    a = np.asarray(s)
    return a.item() if a.ndim == 0 else a


def _edge_key(edge) -> tuple | None:
    """The graph key of the value a node's input edge carries (our Node / OutputEdge / AccumulateGrad, or PyTorch's
    (node, output_nr) pair)."""
    if edge is None:
        return None
    if isinstance(edge, tuple):  # PyTorch's next_functions entry
        child, nr = edge
        if child is None:
            return None
        return ("leaf", id(child.variable)) if type(child).__name__ == "AccumulateGrad" else ("fn", id(child), nr)
    if type(edge).__name__ == "OutputEdge":
        return ("fn", id(edge.node), edge.nr)
    if type(edge).__name__ == "AccumulateGrad":
        return ("leaf", id(edge.variable))
    return ("fn", id(edge), 0)


def _output_of(g: Graph, op_id: int) -> int | None:
    outs = g.consumers_of(op_id)
    return outs[0] if len(outs) == 1 else None


def _array(t):
    if isinstance(t, Tensor):
        d = t._data
        return d.copy() if isinstance(d, np.ndarray) else d
    a = t.detach().cpu().numpy().copy()
    return a[()] if a.ndim == 0 else a


class Watcher:
    """Collects the reverse pass as it runs: per node, in order, (node, incoming gradient, [(input's graph key,
    partial adjoint)]). ``steps(graph)`` maps them onto a snapshot's ids. The nodes are kept alive meanwhile."""

    def __init__(self):
        self.raw: list[tuple] = []
        self.passes = 0

    def add(self, fn, incoming, edges, grads) -> None:
        if isinstance(incoming, (list, tuple)):
            incoming = next((x for x in incoming if x is not None), None)
        sent = [(_edge_key(e), None if gi is None else _array(gi)) for e, gi in zip(edges, grads)]
        self.raw.append((fn, None if incoming is None else _array(incoming), sent))

    def steps(self, g: Graph) -> list[Step]:
        out = []
        for fn, incoming, sent in self.raw:
            op_id = g.keys.get(("op", id(fn)))
            if op_id is None:
                continue
            node = g.nodes[op_id]
            partials = [(g.keys[k], p) for k, p in sent if k is not None and p is not None and k in g.keys]
            out.append(Step(op_id, node.label, node.expression, _output_of(g, op_id), incoming, partials))
        return out

    # ---- a tracer on the node and partials events (on PyTorch, ``watching`` hooks the graph's nodes for them)
    def tracer(self) -> Tracer:
        watcher, incoming = self, {}

        class Watch(Tracer):
            def on_node(self, node, grad):
                incoming[id(node)] = grad

            def on_partials(self, node, grads):
                if watcher.passes == 0:
                    watcher.add(node, incoming.pop(id(node), None), node.next_functions, grads)

            def on_backward_end(self):
                watcher.passes += 1

        return Watch()


@contextlib.contextmanager
def watch_backward():
    """A block (``with watch_backward() as w:``) in which the first backward pass is collected, on either backend."""
    w = Watcher()
    with watching(w.tracer()):
        yield w


def watched(w: Watcher, *outputs, names=None, lang: str = "en", **options) -> Backprop:
    """The model of a reverse pass a ``watch_backward()`` block saw (the graph drawn as it is now: freed)."""
    g = graph(*outputs, names=names or {}, lang=lang, **options)
    seeds = {i: _plain_seed(np.ones(np.shape(g.nodes[i].value)) if g.nodes[i].value is not None else 1.0)
             for i in g.outputs}
    return Backprop(g, w.steps(g), seeds, lang=lang)


def _steps(g: Graph, roots, leaves) -> list[Step]:
    """The reverse pass from ``roots``, watched node by node (retaining the graph, leaving every ``.grad``)."""
    if isinstance(roots[0], Tensor):
        from ..engine.autograd import grad
        from ..engine.factories import ones_like
    else:
        import torch

        grad, ones_like = torch.autograd.grad, torch.ones_like
    w = Watcher()
    with watching(w.tracer()):
        grad(roots, leaves, grad_outputs=[ones_like(r) for r in roots], retain_graph=True, allow_unused=True)
    return w.steps(g)


# ============================================================================ a function's trace
def from_trace(trace, mode: str = "reverse") -> Backprop:
    """The frames of a function's evaluation trace (``nb.trace``): its reverse pass, or with ``mode="forward"`` the
    tangents flowing forward from the seeded input."""
    g = trace.graph
    if mode not in ("reverse", "forward"):
        raise ValueError(f"step(): mode={mode!r}; choose 'reverse' or 'forward'")
    variables = trace.variables
    by_name = {v.name: v for v in variables}
    if mode == "reverse":
        steps = []
        for v in reversed(variables):
            if v.op is None or v.node is None:
                continue
            (op_id,) = g.inputs_of(v.node)
            node = g.nodes[op_id]
            partials = [(by_name[i].node, by_name[i].partials[v.name]) for i in dict.fromkeys(v.inputs)
                        if v.name in by_name[i].partials and by_name[i].node is not None]
            steps.append(Step(op_id, node.label, node.expression, v.node, v.adjoint, partials))
        out = by_name[trace.output_name].node if trace.output_name else None
        seeds = {out: _plain_seed(np.ones(np.shape(by_name[trace.output_name].value)))} if out is not None else {}
        return Backprop(g, steps, seeds, lang=trace.lang)
    return Tangents(trace)


class Tangents(Backprop):
    """Forward mode, op by op: each value's tangent v̇ from its inputs' (the seeded input's is 1, the others' 0)."""

    def __init__(self, trace):
        self.trace = trace
        g = trace.graph
        steps = []
        for v in trace.variables:
            if v.op is None or v.node is None:
                continue
            (op_id,) = g.inputs_of(v.node)
            node = g.nodes[op_id]
            ins = [trace[i] for i in dict.fromkeys(v.inputs)]
            steps.append(Step(op_id, node.label, v.tangent_expression, v.node, v.tangent,
                              [(i.node, i.tangent) for i in ins if i.node is not None]))
        Report.__init__(self)
        self.graph, self.steps, self.seeds, self.mode, self.lang = g, steps, {}, "forward", trace.lang
        self.received = {n.id: [] for n in g.values}
        self.frames = self._tangent_frames()

    def _tangent_frames(self) -> list[Frame]:
        t, g = self.trace, self.trace.graph
        seeded = t.variables[t.wrt]
        inputs = [v for v in t.variables if v.op is None and v.node is not None]
        notes = [(v.node, f"{dot(g.nodes[v.node].label)} = {shown_value(v.tangent)}", "sum") for v in inputs]
        frames = [Frame(notes=list(notes), caption=say(self.lang, "tangent seed caption",
                                                       name=dot(g.nodes[seeded.node].label),
                                                       value=shown_value(seeded.tangent)))]
        for k, s in enumerate(self.steps, 1):
            name = dot(g.nodes[s.output].label)
            notes.append((s.output, f"{name} = {shown_value(s.incoming)}", "sum"))
            labels = [(vid, s.node, f"{dot(g.nodes[vid].label)} = {shown_value(p)}", "send") for vid, p in s.partials]
            frames.append(Frame((s.node,), labels, list(notes), f"{s.label}: {name} = {s.expression} = "
                                f"{shown_value(s.incoming)}", row=k - 1))
        return frames

    def tables(self) -> tuple[Table]:
        return (self.trace.tangent,)

    def __repr__(self) -> str:
        return f"Tangents(steps={len(self.steps)}, wrt={self.trace.input_names[self.trace.wrt]!r})"


__all__ = ["Backprop", "Frame", "Step", "Tangents", "backprop", "from_trace", "key_of"]
