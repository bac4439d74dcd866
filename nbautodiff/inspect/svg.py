"""The picture of a graph as SVG, drawn in Python: no Graphviz, no JavaScript, the same bytes for the same graph.

Value nodes are boxes (leaf: rounded ends, intermediate: square corners, output: a double border), op nodes are
hexagons with PyTorch's node name and the operation written out. Kinds differ in shape as well as in colour
(Okabe–Ito, safe for colour-blind readers); text takes the notebook theme's colour, so the picture reads on a dark
theme too. Hovering a node shows its full value.
"""

from __future__ import annotations

import html
import unicodedata

import numpy as np

from .collapse import GROUP
from .collapse import collapse as boxed
from .layout import layout
from .words import WORDS, check_lang

FONT = 12.0
LINE = 15.0
PAD_X, PAD_Y = 8.0, 5.0

COLORS = {"leaf": "#0072B2", "intermediate": "#7F7F7F", "output": "#D55E00", "op": "#CC79A7", GROUP: "#009E73"}
GRAD_COLOR = "#009E73"

STYLE = (
    "<style>"
    ".nbad text{font-family:var(--jp-ui-font-family,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif);"
    "font-size:12px;fill:var(--jp-ui-font-color0,var(--vscode-editor-foreground,#1f1f1f))}"
    ".nbad .sub{fill:var(--jp-ui-font-color1,var(--vscode-descriptionForeground,#555))}"
    ".nbad .grad{fill:#009E73;font-weight:600}"
    ".nbad .warn{fill:#D55E00}"
    ".nbad .edge{fill:none;stroke:var(--jp-ui-font-color2,#888);stroke-width:1.2}"
    ".nbad .cut{stroke-dasharray:4 3}"
    ".nbad .box{stroke-width:1.6}"
    ".nbad .hl{stroke-width:3.2}"
    "@media (prefers-color-scheme:dark){.nbad text{fill:var(--jp-ui-font-color0,#e8e8e8)}"
    ".nbad .sub{fill:var(--jp-ui-font-color1,#bbb)}}"
    "</style>"
)


WIDE, NARROW = 13.0, 6.9  # px at 12 px: a CJK character (a full em, and fallback fonts run wider), a Latin one


def text_width(text: str) -> float:
    """How wide ``text`` is at 12 px: wide (CJK) characters about twice a Latin one, combining marks nothing."""
    w = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += WIDE if unicodedata.east_asian_width(ch) in "WF" else NARROW
    return w


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if v == v else "0"


def node_lines(node, options: dict) -> list[tuple[str, str]]:
    """The text lines of a node, each (css class, text)."""
    from .graph import shown_value

    words = WORDS[options.get("lang", "en")]
    if node.kind == GROUP:
        return [("", node.label), ("sub", node.expression)]
    if node.kind == "op":
        lines = [("", node.label)]
        if node.expression:
            lines.append(("sub", node.expression))
        if options.get("saved", True) and node.saves:
            lines.append(("warn", words["freed"]) if node.freed else ("sub", words["saved"]))
        return lines
    lines = [("", node.label if node.name is None or node.label != node.name else node.name)]
    if options.get("values", True):
        lines.append(("sub", "= " + shown_value(node.value)))
    if options.get("shapes", False) and node.shape is not None:
        lines.append(("sub", f"{tuple(node.shape)} {node.dtype or ''}".strip()))
    if options.get("grads", True):
        if node.grad is not None:
            kept = f" ({words['retained']})" if node.retains_grad else ""
            lines.append(("grad", f"{words['grad']} = {shown_value(node.grad)}{kept}"))
        elif node.grad_state == "not computed yet":
            lines.append(("sub", f"{words['grad']}: {words['not computed yet']}"))
    return lines


def node_size(lines) -> tuple[float, float]:
    w = max(text_width(t) for _, t in lines) + 2 * PAD_X
    return max(w, 34.0), len(lines) * LINE + 2 * PAD_Y


def hover(node) -> str:
    """The tooltip: the node in full (its whole value)."""
    parts = [node.label if not node.var or node.var == node.label else f"{node.label} ({node.var})"]
    if node.kind == "op":
        parts.append(node.expression)
        if node.saves:
            parts.append("saved tensors for backward: " + ("freed by backward()" if node.freed else "kept"))
    elif node.kind == GROUP:
        parts.append(node.expression)
    else:
        if node.shape is not None:
            parts.append(f"shape {tuple(node.shape)}, {node.dtype}")
        if node.value is not None:
            parts.append("value " + _full(node.value))
        if node.grad is not None:
            parts.append("grad " + _full(node.grad))
        elif node.grad_state:
            parts.append(f"grad: {node.grad_state}")
        if node.group:
            parts.append(f"in {node.group}")
    return "\n".join(p for p in parts if p)


def _full(value) -> str:
    text = np.array2string(np.asarray(value), precision=5, threshold=200, max_line_width=100)
    return text if len(text) < 4000 else text[:4000] + "…"


def _shape(kind: str, x: float, y: float, w: float, h: float, color: str, highlight: bool) -> str:
    cls = "box hl" if highlight else "box"
    left, top = x - w / 2, y - h / 2
    tint = f'fill="{color}" fill-opacity="0.13" stroke="{color}" class="{cls}"'
    if kind == "op":
        k = min(10.0, h / 2)
        pts = [(left, y), (left + k, top), (left + w - k, top), (left + w, y), (left + w - k, top + h),
               (left + k, top + h)]
        return f'<polygon points="{" ".join(f"{_num(a)},{_num(b)}" for a, b in pts)}" {tint}/>'
    rx = h / 2 if kind == "leaf" else 2.0 if kind != GROUP else 8.0
    box = f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(w)}" height="{_num(h)}" rx="{_num(rx)}" {tint}/>'
    if kind == "output":  # a double border
        box += (f'<rect x="{_num(left + 3)}" y="{_num(top + 3)}" width="{_num(w - 6)}" height="{_num(h - 6)}" '
                f'rx="1" fill="none" stroke="{color}" stroke-width="1"/>')
    if kind == GROUP:
        box = box.replace('class="box', 'stroke-dasharray="6 3" class="box')
    return box


def _edge_path(points, sizes, src, dst) -> str:
    """A smooth path from the right side of ``src`` to the left side of ``dst`` through the dummy points."""
    (x0, y0), (x1, y1) = points[0], points[-1]
    pts = [(x0 + sizes[src][0] / 2, y0)] + points[1:-1] + [(x1 - sizes[dst][0] / 2 - 4, y1)]
    d = f"M{_num(pts[0][0])},{_num(pts[0][1])}"
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        mx = (ax + bx) / 2
        d += f" C{_num(mx)},{_num(ay)} {_num(mx)},{_num(by)} {_num(bx)},{_num(by)}"
    return d


def scene(graph, lang="en", values=True, grads=True, shapes=False, saved=True, collapse=300, expand=(),
          spacious: float = 0.0):
    """What a picture draws and where: (nodes and boxes shown, their text lines, their sizes, the layout)."""
    check_lang(lang, "Graph.svg")
    options = {"lang": lang, "values": values, "grads": grads, "shapes": shapes, "saved": saved}
    shown = boxed(graph, collapse, expand)
    lines = {n.id: node_lines(n, options) for n in shown.nodes}
    sizes = {i: node_size(ls) for i, ls in lines.items()}
    # room for the stepper's labels: ``spacious`` is how wide the widest label over a node is
    gaps = {"column_gap": max(84.0, min(spacious - 20.0, 260.0)), "row_gap": 34.0, "top": 32.0} if spacious else {}
    lay = layout([(e.src, e.dst) for e in shown.edges], sizes, [n.id for n in shown.nodes], **gaps)
    return shown, lines, sizes, lay


def render(graph, lang: str = "en", values: bool = True, grads: bool = True, shapes: bool = False,
           saved: bool = True, collapse: int = 300, expand=(), highlight=(), legend: bool = True,
           spacious: float = 0.0, **ignored) -> str:
    """The SVG text of ``graph`` (see ``Graph.svg`` for the options)."""
    return draw(scene(graph, lang, values, grads, shapes, saved, collapse, expand, spacious), lang, highlight, legend)


def canvas(sc, legend: bool = True) -> tuple[float, float]:
    """The picture's width and height (the legend sits under the graph)."""
    lay = sc[3]
    return max(lay.width, 360.0 if legend else 0.0), lay.height + (26.0 if legend else 0.0)


def _open(width: float, height: float, cls: str = "nbad nbautodiff-graph", style: str = "") -> str:
    extra = f' style="{style}"' if style else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" role="img"{extra}>')


def draw(sc, lang: str = "en", highlight=(), legend: bool = True) -> str:
    """The SVG of a scene (``scene()``): edges, then nodes with their text and hover, then the legend."""
    shown, lines, sizes, lay = sc
    words = WORDS[lang]
    width, height = canvas(sc, legend)
    out = [_open(width, height), STYLE,
           '<defs><marker id="nbad-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>']
    out.append('<g class="edges">')
    for i, e in enumerate(shown.edges):
        d = _edge_path(lay.routes[i], sizes, e.src, e.dst)
        if e.kind == "detached":
            out.append(f'<path class="edge cut" id="e{e.src}-{e.dst}" d="{d}" marker-end="url(#nbad-arrow)">'
                       f'<title>{html.escape(words["detached"])}</title></path>')
            mx, my = _midpoint(lay.routes[i], sizes, e.src, e.dst)
            out.append(f'<text x="{_num(mx)}" y="{_num(my - 4)}" text-anchor="middle" class="warn">✂</text>')
        else:
            out.append(f'<path class="edge" id="e{e.src}-{e.dst}" d="{d}" marker-end="url(#nbad-arrow)"/>')
    out.append("</g>")
    marked = set(highlight)
    for n in shown.nodes:
        x, y = lay.x[n.id], lay.y[n.id]
        w, h = sizes[n.id]
        out.append(f'<g class="node {n.kind}" id="n{n.id}" data-label="{html.escape(n.label)}">'
                   f"<title>{html.escape(hover(n))}</title>")
        out.append(_shape(n.kind, x, y, w, h, COLORS[n.kind], n.id in marked))
        top = y - h / 2 + PAD_Y + FONT
        for k, (cls, text) in enumerate(lines[n.id]):
            attr = f' class="{cls}"' if cls else ""
            out.append(f'<text x="{_num(x)}" y="{_num(top + k * LINE)}" text-anchor="middle"{attr}>'
                       f"{html.escape(text)}</text>")
        out.append("</g>")
    if legend:
        out.append(_legend(lay.height, words))
    out.append("</svg>")
    return "".join(out)


def _midpoint(route, sizes, src, dst) -> tuple[float, float]:
    """Halfway along an edge, between the source's right side and the target's left side."""
    if len(route) > 2:
        return route[len(route) // 2]
    (x0, y0), (x1, y1) = route
    a, b = x0 + sizes[src][0] / 2, x1 - sizes[dst][0] / 2
    return (a + b) / 2, (y0 + y1) / 2


OVERLAY_STYLE = (
    "<style>.nbad-step text{font-family:var(--jp-ui-font-family,-apple-system,'Segoe UI',Helvetica,Arial,"
    "sans-serif);font-size:12px;font-weight:600}.nbad-step .send{fill:#E69F00}.nbad-step .sum{fill:#009E73}"
    ".nbad-step .part{fill:var(--jp-ui-font-color0,#1f1f1f)}.nbad-step .freed{fill:#D55E00}"
    ".nbad-step rect.tag{fill:var(--jp-layout-color0,#fff);fill-opacity:0.9}</style>"
)


def overlay(sc, active=(), edge_labels=(), notes=(), legend: bool = True) -> str:
    """What one step adds over the base picture, at the same coordinates: the running node outlined, the values
    sent along edges (``edge_labels``: (src, dst, text, css class)) and text above nodes (``notes``: (id, text,
    css class)). Transparent, and never in the way of the mouse."""
    shown, lines, sizes, lay = sc
    width, height = canvas(sc, legend)
    out = [_open(width, height, "nbad-step", "pointer-events:none"), OVERLAY_STYLE]
    kinds, index = _lookups(shown)
    for nid in active:
        w, h = sizes[nid]
        out.append(_shape(kinds[nid], lay.x[nid], lay.y[nid], w + 8, h + 8, "#E69F00", True)
                   .replace('fill-opacity="0.13"', 'fill-opacity="0"'))
    for src, dst, text, cls in edge_labels:
        i = index.get((src, dst))
        if i is None:
            continue
        mx, my = _midpoint(lay.routes[i], sizes, src, dst)
        out.append(_tag(mx, my, text, cls, width))
    for nid, text, cls in notes:
        out.append(_tag(lay.x[nid], lay.y[nid] - sizes[nid][1] / 2 - 10, text, cls, width))
    out.append("</svg>")
    return "".join(out)


def _lookups(shown) -> tuple[dict, dict]:
    """{node id: kind} and {(src, dst): edge index} of a shown graph, made once for all of a stepper's overlays."""
    key = (id(shown.nodes), len(shown.nodes), id(shown.edges), len(shown.edges))
    made = getattr(shown, "_overlay_lookups", None)
    if made is None or made[0] != key:
        made = shown._overlay_lookups = (key, {n.id: n.kind for n in shown.nodes},
                                         {(e.src, e.dst): i for i, e in enumerate(shown.edges)})
    return made[1], made[2]


def _tag(x: float, y: float, text: str, cls: str, width: float) -> str:
    w = text_width(text) + 6
    x = min(max(x, w / 2 + 1), width - w / 2 - 1)  # inside the picture, even beside a node at its edge
    return (f'<rect class="tag" x="{_num(x - w / 2)}" y="{_num(y - 9)}" width="{_num(w)}" height="15" rx="3"/>'
            f'<text x="{_num(x)}" y="{_num(y + 3)}" text-anchor="middle" class="{cls}">{html.escape(text)}</text>')


def _legend(top: float, words: dict) -> str:
    items, x, parts = ["leaf", "intermediate", "output", "op"], 12.0, ['<g class="legend">']
    for kind in items:
        label = words[kind]
        parts.append(_shape(kind, x + 11, top + 12, 22, 14, COLORS[kind], False))
        parts.append(f'<text x="{_num(x + 27)}" y="{_num(top + 16)}" class="sub">{html.escape(label)}</text>')
        x += 27 + text_width(label) + 14
    parts.append("</g>")
    return "".join(parts)
