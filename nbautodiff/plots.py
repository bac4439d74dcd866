"""Plots (matplotlib): a function beside its derivative by autodiff, and a live training monitor.

Figures are drawn with matplotlib's Agg canvas and shown as PNG, whatever ``MPLBACKEND`` says, so a notebook's
outputs are the same everywhere and exports keep a static picture.
"""

from __future__ import annotations

import math

import numpy as np

from . import backends

WORDS = {
    "en": {"f": "f(x)", "df": "f′(x) by autodiff", "tangent": "tangent at x = {}", "loss": "loss",
           "grad": "gradient norm", "step": "step"},
    "zh": {"f": "f(x)", "df": "自动微分求得的 f′(x)", "tangent": "x = {} 处的切线", "loss": "损失", "grad": "梯度范数",
           "step": "步数"},
}


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


def plot_derivative(f, x=(-2 * math.pi, 2 * math.pi), points: int = 200, at: float | None = None, lang: str = "en",
                    ax=None) -> Plot:
    """f and its derivative by autodiff, without writing the derivative (sin gives cos).

    ``x`` is a range (low, high) or the points themselves; ``at`` draws the tangent line there. f takes a
    tensor of the active backend (``nbautodiff.torch``); an elementwise f is differentiated in one backward pass,
    any other point by point.

    >>> p = plot_derivative(torch.sin, (0, 3.14159), points=5)
    >>> [round(float(v), 3) for v in p.data["df"]]
    [1.0, 0.707, 0.0, -0.707, -1.0]
    """
    if lang not in WORDS:
        raise ValueError(f"plot_derivative: lang={lang!r}; choose 'en' or 'zh'")
    xs = np.linspace(float(x[0]), float(x[1]), int(points)) if len(x) == 2 else np.asarray(x, dtype=np.float64)
    ys, dys = _derivative(f, xs)
    Figure = _matplotlib()
    words = WORDS[lang]
    if ax is None:
        fig = Figure(figsize=(6.4, 3.8))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    data = _draw_derivative(f, ax, xs, ys, dys, at, words)
    _fonts(fig, lang)
    return Plot(fig, ax, data)


def _draw_derivative(f, ax, xs, ys, dys, at, words) -> dict:
    ax.plot(xs, ys, label=words["f"], color="#0072B2")
    ax.plot(xs, dys, label=words["df"], color="#D55E00", linestyle="--")
    data = {"x": xs, "f": ys, "df": dys}
    if at is not None:
        (fa,), (da,) = _derivative(f, np.array([float(at)]))
        ax.plot(xs, fa + da * (xs - at), color="#009E73", linewidth=1, label=words["tangent"].format(f"{at:g}"))
        ax.plot([at], [fa], "o", color="#009E73")
        ax.set_ylim(min(ys.min(), dys.min()) - 0.5, max(ys.max(), dys.max()) + 0.5)
        data["tangent"] = (fa, da)
    ax.axhline(0, color="#999", linewidth=0.6)
    ax.legend(loc="best")
    ax.set_xlabel("x")
    return data


def _derivative(f, xs: np.ndarray):
    """f(xs) and f'(xs): one backward pass when f is elementwise, else one per point."""
    ns = backends.backend().ns
    x = ns.tensor(xs, dtype=ns.float64, requires_grad=True)
    y = f(x)
    if tuple(y.shape) == tuple(x.shape) and y.requires_grad:
        y.sum().backward()
        return _np(y), _np(x.grad)
    ys, dys = [], []
    for v in xs:
        t = ns.tensor(float(v), dtype=ns.float64, requires_grad=True)
        out = f(t)
        if tuple(out.shape) not in ((), (1,)):
            raise ValueError(f"plot_derivative: f returned shape {tuple(out.shape)} for one number; it must map a "
                             "number to a number")
        out.sum().backward()
        ys.append(float(_np(out).reshape(())))
        dys.append(0.0 if t.grad is None else float(_np(t.grad)))
    return np.array(ys), np.array(dys)


def _np(t) -> np.ndarray:
    return np.array(backends.backend().to_numpy(t), dtype=np.float64)


def _fonts(fig, lang: str) -> None:
    """Chinese labels in a CJK font: the pip-installable Noto Sans CJK (in the ``lab`` extra) or a system one.
    Set on each text of the figure, since matplotlib resolves a family from rcParams only when it draws."""
    if lang != "zh":
        return
    name = _cjk_font()
    if name is None:
        return
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_fontfamily([name, "sans-serif"])


_CJK: list = []


def _cjk_font() -> str | None:
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


class TrainingMonitor:
    """Loss and gradient norm drawn live while a training loop runs, with a progress bar for long loops.

    >>> monitor = TrainingMonitor(total=100, every=10)                  # doctest: +SKIP
    >>> for step in range(100):                                           # doctest: +SKIP
    ...     loss = ...; loss.backward(); monitor.update(loss, params=[w, b]); opt.step(); opt.zero_grad()
    >>> monitor.close()                                                   # doctest: +SKIP

    ``update(loss, params=...)`` reads the parameters' gradients (call it after ``backward()``), or takes
    ``grad_norm=`` directly. Outside a notebook it only counts; ``history`` has the numbers either way.
    """

    def __init__(self, total: int | None = None, every: int = 1, title: str = "", lang: str = "en",
                 progress: bool | None = None, log_scale: bool = True):
        self.total, self.every, self.title, self.lang = total, max(1, int(every)), title, lang
        self.log_scale = log_scale
        self.history: dict[str, list] = {"step": [], "loss": [], "grad_norm": []}
        self._handle = None
        self._bar = None
        if progress is None:
            progress = total is not None and total >= 50
        if progress:
            try:
                from tqdm.auto import tqdm

                self._bar = tqdm(total=total, desc=title or "training", leave=True)
            except ImportError:  # pragma: no cover - tqdm is in the lab extra
                self._bar = None

    def update(self, loss, params=None, grad_norm: float | None = None, step: int | None = None) -> None:
        step = len(self.history["step"]) if step is None else int(step)
        if grad_norm is None and params is not None:
            total = 0.0
            for p in params:
                g = p.grad
                if g is not None:
                    total += float(np.sum(np.asarray(_np(g)) ** 2))
            grad_norm = math.sqrt(total)
        self.history["step"].append(step)
        self.history["loss"].append(float(_np(loss).reshape(())) if hasattr(loss, "shape") else float(loss))
        self.history["grad_norm"].append(np.nan if grad_norm is None else float(grad_norm))
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(loss=f"{self.history['loss'][-1]:.4g}")
        if len(self.history["step"]) % self.every == 0:
            self._draw()

    def figure(self):
        Figure = _matplotlib()
        words = WORDS[self.lang]
        fig = Figure(figsize=(8, 3))
        a1, a2 = fig.subplots(1, 2)
        h = self.history
        a1.plot(h["step"], h["loss"], color="#0072B2")
        a1.set_title(words["loss"])
        a2.plot(h["step"], h["grad_norm"], color="#D55E00")
        a2.set_title(words["grad"])
        for a in (a1, a2):
            a.set_xlabel(words["step"])
            if self.log_scale and all(v > 0 for v in (a.get_lines()[0].get_ydata() if a.get_lines() else [1])):
                a.set_yscale("log")
        if self.title:
            fig.suptitle(self.title)
        _fonts(fig, self.lang)
        fig.tight_layout()
        return Plot(fig, a1, dict(self.history))

    def _draw(self) -> None:
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover
            return
        if get_ipython() is None:
            return
        plot = self.figure()
        if self._handle is None:
            self._handle = display(plot, display_id=True)
        else:
            self._handle.update(plot)

    def close(self) -> None:
        """Draw the last state and close the progress bar (the figure stays as a static picture)."""
        if self._bar is not None:
            self._bar.close()
        self._draw()

    def __enter__(self) -> TrainingMonitor:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False
