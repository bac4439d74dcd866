"""Figures for results that are plotted (``EpsSweep.plot``, ``nb.plot_derivative``, the training monitor): matplotlib
``Figure``s drawn by Agg and shown as PNG, never through pyplot, so ``MPLBACKEND`` changes nothing and exports keep a
static picture; labels in English or Chinese, Chinese in a CJK font. ``nbautodiff.plots.figure`` gives one for your
own plot.
"""

from __future__ import annotations

WORDS = {
    "en": {"f": "f(x)", "df": "f′(x) by autodiff", "tangent": "tangent at x = {}", "loss": "loss",
           "grad": "gradient norm", "step": "step", "eps_title": "truncation (right) vs round-off (left)",
           "error": "|error|", "forward": "forward", "central": "central"},
    "zh": {"f": "f(x)", "df": "自动微分求得的 f′(x)", "tangent": "x = {} 处的切线", "loss": "损失", "grad": "梯度范数",
           "step": "步数", "eps_title": "截断误差（右）与舍入误差（左）", "error": "|误差|", "forward": "前向差分",
           "central": "中心差分"},
}


def words(lang: str, what: str) -> dict:
    """The labels in ``lang`` ("en" or "zh"); a clear error naming ``what`` for another language."""
    if lang not in WORDS:
        raise ValueError(f"{what}: lang={lang!r}; choose 'en' or 'zh'")
    return WORDS[lang]


def _matplotlib():
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError('nbautodiff\'s plots need matplotlib: pip install matplotlib (or pip install '
                          '"nbautodiff[lab]")') from e
    return Figure


class Plot:
    """A matplotlib figure that shows itself as PNG (``.figure``, ``.ax`` to change it; ``save("f.png")``)."""

    def __init__(self, figure, ax, data: dict):
        self.figure, self.ax, self.data = figure, ax, data

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=96, bbox_inches="tight")
        return buf.getvalue()

    def save(self, path, dpi: int = 150) -> None:
        self.figure.savefig(path, dpi=dpi, bbox_inches="tight")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {', '.join(self.data)}>"


def figure(lang: str = "en", figsize=(6.4, 3.8), ax: bool = True):
    """A matplotlib ``Figure`` (drawn by Agg, no pyplot) and its axes, whose text is drawn in a CJK font with
    ``lang="zh"``: every label, title, legend and tick, whenever it is added. Show it with ``Plot(fig, ax, {})``
    (``nbautodiff.plots.Plot``) or save it with ``fig.savefig``.

    >>> from nbautodiff.plots import Plot, figure
    >>> fig, ax = figure(lang="zh")
    >>> _ = ax.plot([0, 1], [0, 1], label="直线"); _ = ax.set_title("标题"); _ = ax.legend()
    >>> Plot(fig, ax, {})._repr_png_()[:4]
    b'\\x89PNG'

    ``ax=False`` gives ``(fig, None)``, for a figure with several axes (``fig.subplots(1, 2)``).
    """
    words(lang, "figure")
    Figure = _matplotlib()
    fig = (_cjk_figure() if lang == "zh" else Figure)(figsize=figsize)
    return fig, fig.add_subplot() if ax else None


_CLASSES: dict = {}


def _cjk_figure():
    """A ``Figure`` that gives all its text the CJK font each time it is drawn (matplotlib resolves a family only
    when it draws, so text added after the figure was made gets it too)."""
    cls = _CLASSES.get("zh")
    if cls is None:
        Figure = _matplotlib()

        class CJKFigure(Figure):
            def draw(self, renderer):
                set_cjk_font(self)
                return super().draw(renderer)

        cls = _CLASSES["zh"] = CJKFigure
    return cls


def set_cjk_font(fig) -> None:
    """Chinese labels in a CJK font: the pip-installable Noto Sans CJK (in the ``lab`` extra) or a system one, set on
    every text of the figure."""
    name = cjk_font()
    if name is None:
        return
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_fontfamily([name, "sans-serif"])


_CJK: list = []


def cjk_font() -> str | None:
    """The name of the first CJK font found (None if there is none)."""
    if _CJK:
        return _CJK[0]
    from matplotlib import font_manager

    name = None
    try:
        import noto_cjk_sans_otc

        font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))
        name = font_manager.FontProperties(fname=str(noto_cjk_sans_otc.FONT_PATH)).get_name()
    except ImportError:
        have = {f.name for f in font_manager.fontManager.ttflist}
        name = next((n for n in ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
                                 "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC") if n in have), None)
    _CJK.append(name)
    return name
