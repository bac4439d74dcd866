"""Plots (matplotlib): a function beside its derivative by autodiff, and a live training monitor.

Figures are drawn with matplotlib's Agg canvas and shown as PNG, whatever ``MPLBACKEND`` says, so a notebook's
outputs are the same everywhere and exports keep a static picture. ``figure(lang="zh")`` gives such a figure for your
own plot, with Chinese text in a CJK font.
"""

from __future__ import annotations

import math

import numpy as np

from .engine.figures import Plot, figure, set_cjk_font, words
from .inspect.explore import adapter, checked
from .inspect.record import to_numpy, unwrap

__all__ = ["Plot", "TrainingMonitor", "figure", "plot_derivative"]

def plot_derivative(f, x=(-2 * math.pi, 2 * math.pi), points: int = 200, at: float | None = None, lang: str = "en",
                    ax=None, dialect: str | None = None) -> Plot:
    """f and its derivative by autodiff, without writing the derivative (sin gives cos).

    ``x`` is a range (low, high) or the points themselves; ``at`` draws the tangent line there. f takes a
    tensor of the active backend (``nbautodiff.torch``), or with ``dialect="djl" | "tf" | "mxnet"`` that API's
    array (as ``nb.explore``); an elementwise f is differentiated in one backward pass, any other point by point.

    >>> p = plot_derivative(torch.sin, (0, 3.14159), points=5)
    >>> [round(float(v), 3) for v in p.data["df"]]
    [1.0, 0.707, 0.0, -0.707, -1.0]
    """
    labels = words(lang, "plot_derivative")
    api = adapter(dialect, "plot_derivative")
    xs = np.linspace(float(x[0]), float(x[1]), int(points)) if len(x) == 2 else np.asarray(x, dtype=np.float64)
    ys, dys = _derivative(f, xs, api, dialect)
    if ax is None:
        fig, ax = figure(lang)
    else:
        fig = ax.figure
    data = _draw_derivative(f, ax, xs, ys, dys, at, labels, api, dialect)
    if lang == "zh":
        set_cjk_font(fig)
    return Plot(fig, ax, data)


def _draw_derivative(f, ax, xs, ys, dys, at, labels, api, dialect) -> dict:
    ax.plot(xs, ys, label=labels["f"], color="#0072B2")
    ax.plot(xs, dys, label=labels["df"], color="#D55E00", linestyle="--")
    data = {"x": xs, "f": ys, "df": dys}
    if at is not None:
        (fa,), (da,) = _derivative(f, np.array([float(at)]), api, dialect)
        ax.plot(xs, fa + da * (xs - at), color="#009E73", linewidth=1, label=labels["tangent"].format(f"{at:g}"))
        ax.plot([at], [fa], "o", color="#009E73")
        ax.set_ylim(min(ys.min(), dys.min()) - 0.5, max(ys.max(), dys.max()) + 0.5)
        data["tangent"] = (fa, da)
    ax.axhline(0, color="#999", linewidth=0.6)
    ax.legend(loc="best")
    ax.set_xlabel("x")
    return data


def _derivative(f, xs: np.ndarray, api, dialect):
    """f(xs) and f'(xs): one backward pass when f is elementwise, else one per point."""
    call = lambda t: checked("plot_derivative", f, [t], dialect)  # noqa: E731
    y, (g,) = api.gradients(call, [api.leaf(xs, "float64")])
    if tuple(np.shape(_values(y))) == xs.shape:
        return _values(y), np.zeros_like(xs) if g is None else g
    ys, dys = [], []
    for v in xs:
        out, (g,) = api.gradients(call, [api.leaf(v, "float64")])
        value = _values(out)
        if value.shape not in ((), (1,)):
            raise ValueError(f"plot_derivative: f returned shape {value.shape} for one number; it must map a "
                             "number to a number")
        ys.append(float(value.reshape(())))
        dys.append(0.0 if g is None else float(g.reshape(())))
    return np.array(ys), np.array(dys)


def _values(t) -> np.ndarray:
    """A tensor's (or dialect array's) values in float64, from any device."""
    return np.asarray(to_numpy(unwrap(t)), dtype=np.float64)


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
                    total += float(np.sum(np.asarray(_values(g)) ** 2))
            grad_norm = math.sqrt(total)
        self.history["step"].append(step)
        self.history["loss"].append(float(_values(loss).reshape(())) if hasattr(loss, "shape") else float(loss))
        self.history["grad_norm"].append(np.nan if grad_norm is None else float(grad_norm))
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(loss=f"{self.history['loss'][-1]:.4g}")
        if len(self.history["step"]) % self.every == 0:
            self._draw()

    def figure(self):
        labels = words(self.lang, "TrainingMonitor")
        fig, _ = figure(self.lang, (8, 3), ax=False)
        a1, a2 = fig.subplots(1, 2)
        h = self.history
        a1.plot(h["step"], h["loss"], color="#0072B2")
        a1.set_title(labels["loss"])
        a2.plot(h["step"], h["grad_norm"], color="#D55E00")
        a2.set_title(labels["grad"])
        for a in (a1, a2):
            a.set_xlabel(labels["step"])
            if self.log_scale and all(v > 0 for v in (a.get_lines()[0].get_ydata() if a.get_lines() else [1])):
                a.set_yscale("log")
        if self.title:
            fig.suptitle(self.title)
        if self.lang == "zh":
            set_cjk_font(fig)  # before the layout measures the text
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
