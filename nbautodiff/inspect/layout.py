"""A deterministic layered layout, left to right, in pure Python (no Graphviz).

1. Columns by longest path from the inputs; a leaf then moves to the column just before its first consumer.
2. An edge spanning a few columns gets a dummy point in each (so it can bend around nodes); a longer one is drawn
   directly as a curve, which keeps a 1,000-node chain with far-reaching edges from needing thousands of dummies.
3. Four barycenter sweeps order each column, ties broken by tape order (the same graph gives the same picture).
4. Vertical positions: each column's nodes, in order and at least a gap apart, as close as possible (least
   squares, by isotonic regression) to the mean position of their neighbours, alternating directions.

>>> pos = layout([(0, 2), (1, 2)], {0: (40, 20), 1: (40, 20), 2: (40, 20)})
>>> pos.column == {0: 0, 1: 0, 2: 1}, pos.y[2] == (pos.y[0] + pos.y[1]) / 2
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

DUMMY_SPAN = 8  # edges over at most this many columns bend through dummy points; longer ones are drawn directly
COLUMN_GAP = 46.0
ROW_GAP = 14.0
MARGIN = 12.0
SWEEPS = 4


@dataclass
class Layout:
    """Centre ``x``/``y`` of every node, its column, and each edge's route (points from source to target)."""

    x: dict = field(default_factory=dict)
    y: dict = field(default_factory=dict)
    column: dict = field(default_factory=dict)
    routes: dict = field(default_factory=dict)  # edge index -> [(x, y), ...] through its dummy points
    width: float = 0.0
    height: float = 0.0
    order: list = field(default_factory=list)  # per column: the node (or ("dummy", edge, k)) ids top to bottom


def layout(edges: list[tuple[int, int]], sizes: dict, order: list | None = None, column_gap: float = COLUMN_GAP,
           row_gap: float = ROW_GAP, top: float = MARGIN) -> Layout:
    """Place the nodes of ``sizes`` ({id: (width, height)}) joined by ``edges`` [(src, dst), ...]. ``order`` is
    the tape order (default: sorted ids) that breaks ties; the gaps leave room (the stepper writes in them)."""
    nodes = list(order) if order is not None else sorted(sizes)
    tape = {n: i for i, n in enumerate(nodes)}
    preds = {n: [] for n in nodes}
    succs = {n: [] for n in nodes}
    for s, d in edges:
        preds[d].append(s)
        succs[s].append(d)
    col = _columns(nodes, preds, succs)

    # dummy points for edges over a few columns
    width_of = dict(sizes)
    up = {n: list(preds[n]) for n in nodes}  # neighbours one column apart, dummies included
    down = {n: list(succs[n]) for n in nodes}
    chains = {}
    for i, (s, d) in enumerate(edges):
        span = col[d] - col[s]
        if span < 1:
            continue
        up[d] = [p for p in up[d] if p != s] if 1 < span <= DUMMY_SPAN else up[d]
        if 1 < span <= DUMMY_SPAN:
            down[s] = [q for q in down[s] if q != d]
            chain = [("dummy", i, k) for k in range(1, span)]
            chains[i] = chain
            prev = s
            for k, dm in enumerate(chain, 1):
                col[dm] = col[s] + k
                tape[dm] = tape[s] + k / (span + 1)  # beside its source, in tape order
                width_of[dm] = (0.0, 4.0)
                up[dm], down[dm] = [prev], []
                down[prev].append(dm)
                prev = dm
            down[prev].append(d)
            up[d].append(prev)
        elif span > DUMMY_SPAN:  # drawn directly: it does not pull the ordering
            up[d] = [p for p in up[d] if p != s]
            down[s] = [q for q in down[s] if q != d]

    columns = [[] for _ in range(max(col.values(), default=-1) + 1)]
    for n in sorted(col, key=lambda n: tape[n]):
        columns[col[n]].append(n)
    _order(columns, up, down, tape)

    out = Layout(column={n: col[n] for n in nodes})
    x, left = {}, MARGIN
    for c in columns:
        w = max((width_of[n][0] for n in c), default=0.0)
        for n in c:
            x[n] = left + w / 2
        left += w + column_gap
    y = _place(columns, up, down, width_of, row_gap)
    first = min((y[n] - width_of[n][1] / 2 for n in y), default=0.0)
    for n in y:
        y[n] += top - first
    out.x = {n: x[n] for n in nodes}
    out.y = {n: y[n] for n in nodes}
    out.width = left - column_gap + MARGIN if columns else 2 * MARGIN
    out.height = max((y[n] + width_of[n][1] / 2 for n in y), default=0.0) + MARGIN
    for i, (s, d) in enumerate(edges):
        out.routes[i] = [(x[s], y[s])] + [(x[dm], y[dm]) for dm in chains.get(i, ())] + [(x[d], y[d])]
    out.order = columns
    return out


def _columns(nodes, preds, succs) -> dict:
    """Longest path from a node without inputs; then each such node moves right, next to its first consumer."""
    indeg = {n: len(preds[n]) for n in nodes}
    col = {}
    ready = [n for n in nodes if indeg[n] == 0]
    queue_pos = 0
    while queue_pos < len(ready):
        n = ready[queue_pos]
        queue_pos += 1
        col[n] = max((col[p] + 1 for p in preds[n]), default=0)
        for s in succs[n]:
            indeg[s] -= 1
            if indeg[s] == 0:
                ready.append(s)
    left = [n for n in nodes if n not in col]  # a cycle would be a bug upstream; place what is left at the end
    if left:
        last = max(col.values(), default=-1) + 1
        for n in left:
            col[n] = last
    # Pull right, next to its consumers, every node whose inputs feed only it (a leaf, a weight's transpose and
    # its leaf...): a chain that starts nowhere else then sits where it is used instead of far upstream.
    for n in reversed(ready):
        if succs[n] and all(succs[p] == [n] or set(succs[p]) == {n} for p in preds[n]):
            col[n] = max(col[n], min(col[s] for s in succs[n]) - 1)
    return col


def _order(columns: list, up: dict, down: dict, tape: dict) -> None:
    """Barycenter sweeps, down the columns then back up; ties (and nodes with no neighbour there) by tape order."""
    pos = {}
    for c in columns:
        for i, n in enumerate(c):
            pos[n] = i
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        rng = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for k in rng:
            c = columns[k]
            nbrs = up if forward else down

            def barycenter(n, nbrs=nbrs):
                ps = nbrs[n]
                return sum(pos[p] for p in ps) / len(ps) if ps else pos[n]

            c.sort(key=lambda n: (barycenter(n), tape[n]))
            for i, n in enumerate(c):
                pos[n] = i


def _place(columns: list, up: dict, down: dict, sizes: dict, gap: float) -> dict:
    """Vertical centres: packed first, then pulled towards the neighbours' mean, keeping order and gaps."""
    y = {}
    for c in columns:
        top = 0.0
        for n in c:
            h = sizes[n][1]
            y[n] = top + h / 2
            top += h + gap
    for c in columns:  # centre every column on the first one's middle
        if c:
            shift = -(y[c[0]] + y[c[-1]]) / 2
            for n in c:
                y[n] += shift
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        seq = columns[1:] if forward else columns[-2::-1]
        nbrs = up if forward else down
        for c in seq:
            want = [sum(y[p] for p in nbrs[n]) / len(nbrs[n]) if nbrs[n] else y[n] for n in c]
            _fit(c, want, y, sizes, gap)
    return y


def _fit(c: list, want: list, y: dict, sizes: dict, gap: float) -> None:
    """Positions for the column ``c`` closest (least squares) to ``want`` with the order kept and gaps respected:
    isotonic regression (pool adjacent violators) of want - offset, where offset accumulates the gaps."""
    offsets, off = [], 0.0
    for i, n in enumerate(c):
        if i:
            off += (sizes[c[i - 1]][1] + sizes[n][1]) / 2 + gap
        offsets.append(off)
    blocks = []  # [mean, weight, count]
    for w, o in zip(want, offsets):
        blocks.append([w - o, 1.0, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    i = 0
    for mean, _, count in blocks:
        for _ in range(count):
            y[c[i]] = mean + offsets[i]
            i += 1


def crossings(lay: Layout, edges: list[tuple[int, int]]) -> int:
    """Edge crossings between neighbouring columns (edges over several columns count through their dummies)."""
    pos = {}
    for c in lay.order:
        for i, n in enumerate(c):
            pos[n] = i
    segments = {}
    for i, (s, d) in enumerate(edges):
        span = lay.column[d] - lay.column[s]
        if span < 1:
            continue
        chain = [s] + ([("dummy", i, k) for k in range(1, span)] if span <= DUMMY_SPAN else []) + [d]
        for k, (a, b) in enumerate(zip(chain, chain[1:])):
            segments.setdefault(lay.column[s] + k, []).append((pos[a], pos[b]))
    total = 0
    for segs in segments.values():
        for i in range(len(segs)):
            a1, b1 = segs[i]
            for a2, b2 in segs[i + 1:]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total
