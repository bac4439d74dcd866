"""The picture as PNG, for slides and papers: the same layout as the SVG, drawn with matplotlib."""

from __future__ import annotations

from .svg import COLORS, FONT, LINE, PAD_Y, scene

GRAD = "#009E73"
WARN = "#D55E00"


def save_png(graph, path: str, dpi: int = 150, **options) -> None:
    """Write ``graph``'s picture to ``path`` as PNG (needs matplotlib: ``pip install "nbautodiff[lab]"``)."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon
    except ImportError as e:  # pragma: no cover - matplotlib is an optional extra
        raise ImportError('Graph.save(".png") needs matplotlib: pip install matplotlib '
                          '(or pip install "nbautodiff[lab]")') from e
    keep = {k: options[k] for k in ("lang", "values", "grads", "shapes", "saved", "collapse", "expand") if k in options}
    shown, lines, sizes, lay = scene(graph, **keep)
    fig = Figure(figsize=(lay.width / 72, lay.height / 72), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)
    ax.axis("off")
    for i, e in enumerate(shown.edges):
        (x0, y0), (x1, y1) = lay.routes[i][0], lay.routes[i][-1]
        ax.add_patch(FancyArrowPatch((x0 + sizes[e.src][0] / 2, y0), (x1 - sizes[e.dst][0] / 2, y1),
                                     connectionstyle="arc3,rad=0", arrowstyle="-|>", mutation_scale=8,
                                     color="#888", linestyle="--" if e.kind == "detached" else "-", lw=0.9))
    for n in shown.nodes:
        x, y = lay.x[n.id], lay.y[n.id]
        w, h = sizes[n.id]
        color = COLORS[n.kind]
        if n.kind == "op":
            k = min(10.0, h / 2)
            pts = [(x - w / 2, y), (x - w / 2 + k, y - h / 2), (x + w / 2 - k, y - h / 2), (x + w / 2, y),
                   (x + w / 2 - k, y + h / 2), (x - w / 2 + k, y + h / 2)]
            ax.add_patch(Polygon(pts, closed=True, facecolor=color + "22", edgecolor=color, lw=1.2))
        else:
            pad = h / 2 if n.kind == "leaf" else 2.0
            ax.add_patch(FancyBboxPatch((x - w / 2 + pad, y - h / 2 + pad), w - 2 * pad, h - 2 * pad,
                                        boxstyle=f"round,pad={pad}", facecolor=color + "22", edgecolor=color,
                                        lw=2.2 if n.kind == "output" else 1.2))
        top = y - h / 2 + PAD_Y + FONT
        for k, (cls, text) in enumerate(lines[n.id]):
            ax.text(x, top + k * LINE - 3, text, ha="center", va="baseline", fontsize=FONT * 0.75,
                    color=GRAD if cls == "grad" else WARN if cls == "warn" else "#333" if cls == "sub" else "#111",
                    fontweight="bold" if cls == "grad" else "normal")
    fig.savefig(path, dpi=dpi, facecolor="white")
