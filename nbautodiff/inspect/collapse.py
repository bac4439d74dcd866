"""Big graphs in boxes: above a node count, a module's ops (from the recording's module events) or a band of
depths (a repeated block, a long chain) collapse into one box, so a 1,000-node picture stays readable. A box opens
by name: ``graph(y, expand=["Sequential.0"])`` (and by a click in ``GraphView``); ``collapse=0`` never boxes.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from .graph import GraphEdge, GraphNode

GROUP = "group"
BANDS = 24  # how many depth bands a graph without module groups is cut into


@dataclass
class Shown:
    """What the picture draws: real nodes and group boxes (``kind`` GROUP, ``name`` the group), and the edges
    between them (one per pair)."""

    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    members: dict = field(default_factory=dict)  # group box id -> the ids of the nodes inside


def collapse(graph, limit: int = 300, expand=()) -> Shown:
    """The nodes to draw for ``graph``: itself when it has at most ``limit`` nodes (or ``limit`` is 0)."""
    if not limit or len(graph.nodes) <= limit:
        return Shown(list(graph.nodes), list(graph.edges))
    group_of = _module_groups(graph, limit, expand) or _depth_bands(graph, expand)
    return _boxed(graph, group_of)


def groups(graph, limit: int = 300) -> list[str]:
    """The names of the boxes a picture of ``graph`` shows (what ``expand=`` takes)."""
    return [n.name for n in collapse(graph, limit).nodes if n.kind == GROUP]


def _opened(name: str, expand) -> bool:
    return any(name == e or name.startswith(e + ".") for e in expand)


def _module_groups(graph, limit: int, expand) -> dict | None:
    """{node id: module path} at the deepest level of the module tree that keeps the picture under ``limit``."""
    paths = {n.id: n.group for n in graph.nodes if n.group}
    if not paths:
        return None
    op_paths = {}
    for e in graph.edges:  # an op is in its output's module
        if graph.nodes[e.dst].is_value and graph.nodes[e.src].kind == "op" and e.dst in paths:
            op_paths[e.src] = paths[e.dst]
    paths.update(op_paths)
    deepest = max(p.count(".") + 1 for p in paths.values())
    for depth in range(deepest, 0, -1):
        group_of = {}
        for i, p in paths.items():
            cut = ".".join(p.split(".")[:depth])
            if not _opened(cut, expand):
                group_of[i] = cut
        shown = len(set(group_of.values())) + len(graph.nodes) - len(group_of)
        if shown <= limit or depth == 1:
            return group_of
    return None


def _depth_bands(graph, expand) -> dict:
    """{node id: "depth a–b"}: consecutive depths in one box; the outputs stay out, so the result is visible."""
    top = max(n.depth for n in graph.nodes)
    step = max(1, math.ceil((top + 1) / BANDS))
    outputs = set(graph.outputs)
    group_of = {}
    for n in graph.nodes:
        if n.id in outputs:
            continue
        lo = n.depth // step * step
        name = f"depth {lo}–{min(lo + step - 1, top)}" if step > 1 else f"depth {lo}"
        if not _opened(name, expand):
            group_of[n.id] = name
    return group_of


def _boxed(graph, group_of: dict) -> Shown:
    members: dict[str, list[int]] = {}
    for i in sorted(group_of):
        members.setdefault(group_of[i], []).append(i)
    for name in [k for k, v in members.items() if len(v) < 2]:  # a box of one is that node
        del group_of[members.pop(name)[0]]
    shown = Shown()
    box_id, next_id = {}, len(graph.nodes)
    for name, ids in sorted(members.items(), key=lambda kv: kv[1][0]):
        box_id[name] = next_id
        ops = Counter(graph.nodes[i].label for i in ids if graph.nodes[i].kind == "op")
        n_values = sum(graph.nodes[i].is_value for i in ids)
        summary = ", ".join(f"{op} ×{k}" for op, k in sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
        more = "" if len(ops) <= 3 else ", …"
        box = GraphNode(next_id, GROUP, f"{name}: {sum(ops.values())} ops, {n_values} values", name=name,
                        expression=summary + more, depth=min(graph.nodes[i].depth for i in ids))
        shown.members[next_id] = ids
        next_id += 1
        shown.nodes.append(box)
    placed = {}
    for n in graph.nodes:
        placed[n.id] = box_id[group_of[n.id]] if n.id in group_of else n.id
    kept = [n for n in graph.nodes if n.id not in group_of]
    shown.nodes = sorted(kept + shown.nodes, key=lambda n: n.id if n.kind != GROUP else shown.members[n.id][0])
    seen = set()
    for e in graph.edges:
        s, d = placed[e.src], placed[e.dst]
        if s != d and (s, d, e.kind) not in seen:
            seen.add((s, d, e.kind))
            shown.edges.append(GraphEdge(s, d, e.kind))
    return shown
