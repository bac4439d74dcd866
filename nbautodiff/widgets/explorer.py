"""The explorer: a slider per scalar input of ``f``; each move runs ``f`` afresh, redraws its graph with every value
and gradient, and puts the central-difference estimate beside each gradient."""

from __future__ import annotations

import time

from ..inspect.explore import ExplorerModel
from ..inspect.words import say
from ._compat import StaticBundle, ipywidgets

W = ipywidgets()


def explore(f, dialect: str | None = None, lang: str = "en", eps: float = 1e-3, **inputs) -> Explorer:
    """Sliders for ``f``'s scalar inputs: ``nb.explore(f, x1=2.0, x2=5.0)``, or with ranges ``x1=(0.5, 4.0)``.

    Inputs are the active backend's tensors, or a dialect's arrays with ``dialect="djl" | "tf" | "mxnet"``.
    """
    return Explorer(ExplorerModel(f, dialect=dialect, eps=eps, lang=lang, **inputs), lang=lang)


class Explorer(StaticBundle, W.VBox):
    """Sliders over an ``ExplorerModel``; ``.result`` is the last run, ``.seconds`` how long its update took."""

    def __init__(self, model: ExplorerModel, lang: str = "en"):
        super().__init__()
        self.model, self.lang = model, lang
        self.sliders = {}
        for name, (lo, hi, value) in model.ranges.items():
            s = W.FloatSlider(value=value, min=lo, max=hi, step=(hi - lo) / 200, description=name,
                              continuous_update=True, readout_format=".3g")
            s.observe(self._moved, names="value")
            self.sliders[name] = s
        self.picture = W.HTML()
        self.checks = W.HTML()
        self.picture.add_class("nbautodiff-explorer-graph")
        self.checks.add_class("nbautodiff-explorer-grads")
        self.children = [W.VBox(list(self.sliders.values())), self.checks, self.picture]
        self.add_class("nbautodiff-explorer")
        self.seconds = 0.0
        self.update()

    def update(self, **values) -> None:
        start = time.perf_counter()
        self.result = self.model.run(**values)
        g = self.result.graph
        self.picture.value = g.svg(lang=self.lang) if g is not None else f"<i>{say(self.lang, 'no dependence')}</i>"
        self.checks.value = self.result._repr_html_()
        self.seconds = time.perf_counter() - start

    def _moved(self, change) -> None:
        self.update(**{change["owner"].description: change["new"]})

    def _plain(self) -> str:
        values = ", ".join(f"{k}={v:g}" for k, v in self.model.values.items())
        return f"Explorer({values})"

    def _static_html(self) -> str:
        return self.checks.value + self.picture.value
