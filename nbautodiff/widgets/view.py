"""``GraphView``: the picture of a graph in a widget, with toggles and boxes that open on a click, redrawn when its
tensors change (after each cell: a ``backward()``, an optimizer step, a slider)."""

from __future__ import annotations

import sys
import weakref

from ..inspect import graph
from ..inspect.collapse import groups
from ..inspect.graph import check_output
from ..inspect.record import unwrap
from ._compat import StaticBundle, ipywidgets

TOGGLES = {"values": "values", "grads": "gradients", "shapes": "shapes", "saved": "saved tensors"}
TOGGLES_ZH = {"values": "值", "grads": "梯度", "shapes": "形状", "saved": "保存的张量"}
_views: weakref.WeakSet = weakref.WeakSet()  # redrawn after every cell while they live


def _tensors_in(namespace: dict) -> dict:
    from ..inspect.record import is_tensor

    return {k: v for k, v in namespace.items() if not k.startswith("_") and (is_tensor(v) or hasattr(v, "_t"))}


W = ipywidgets()


class GraphView(StaticBundle, W.VBox):
    """The picture of ``outputs``' graph with toggles for values, gradients, shapes and saved tensors; a big graph's
    boxes open with the buttons under it. ``refresh()`` redraws (it also runs after every notebook cell).

    ``GraphView(y, lang="zh")`` labels in Chinese; other options as for ``nb.graph``.
    """

    def __init__(self, *outputs, names=None, lang: str = "en", **options):
        if names is None:  # the caller's variable names
            names = _tensors_in({**sys._getframe(1).f_globals, **sys._getframe(1).f_locals})
        for i, t in enumerate(outputs):  # bad input fails here, in GraphView's words, before any widget is made
            check_output(unwrap(t), i, "GraphView")
        graph(*outputs, names=names, lang=lang)
        super().__init__()
        self._outputs, self._names = outputs, names
        self._expand: list[str] = list(options.pop("expand", ()))
        self._options = {"lang": lang, "values": True, "grads": True, "shapes": False, "saved": True, **options}
        self.picture = W.HTML()
        self.picture.add_class("nbautodiff-graph-view")
        words = TOGGLES_ZH if lang == "zh" else TOGGLES
        self.toggles = {}
        for key, label in words.items():
            box = W.Checkbox(value=bool(self._options[key]), description=label, indent=False,
                             layout=W.Layout(width="auto"))
            box.observe(self._toggled(key), names="value")
            self.toggles[key] = box
        self.groups = W.HBox(layout=W.Layout(flex_flow="row wrap"))
        self.children = [W.HBox(list(self.toggles.values())), self.picture, self.groups]
        self.add_class("nbautodiff-graphview")
        self.refresh()
        _views.add(self)
        _watch_cells()

    def _toggled(self, key):
        def changed(change):
            self._options[key] = change["new"]
            self.refresh()

        return changed

    def graph(self):
        return graph(*self._outputs, names=self._names, **{**self._options, "expand": self._expand})

    def refresh(self) -> None:
        """Draw again from the tensors as they are now."""
        g = self.graph()
        svg = g.svg()
        if svg != self.picture.value:
            self.picture.value = svg
        self._counts = (len(g.values), len(g.ops))
        self._buttons(g)

    def _buttons(self, g) -> None:
        boxes = groups(g, g.options.get("collapse", 300)) if len(g.nodes) > g.options.get("collapse", 300) else []
        names = [*boxes, *self._expand]
        current = [b.description for b in self.groups.children]
        wanted = [("close " if n in self._expand else "open ") + n for n in names]
        if current == wanted:
            return
        buttons = []
        for n, label in zip(names, wanted):
            b = W.Button(description=label, layout=W.Layout(width="auto"))
            b.on_click(self._opener(n))
            buttons.append(b)
        self.groups.children = buttons

    def _opener(self, name: str):
        def click(_):
            if name in self._expand:
                self._expand.remove(name)
            else:
                self._expand.append(name)
            self.refresh()

        return click

    def _plain(self) -> str:
        return f"GraphView(values={self._counts[0]}, ops={self._counts[1]})"

    def _static_html(self) -> str:
        return self.picture.value


_watching = False


def _watch_cells() -> None:
    """Redraw every live GraphView after each notebook cell (only what changed is sent to the browser)."""
    global _watching
    if _watching:
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - views are made in IPython
        return
    shell = get_ipython()
    if shell is None:
        return

    def after_cell(result=None):
        for view in list(_views):
            try:
                view.refresh()
            except Exception:  # noqa: BLE001  (a view whose tensors went wrong must not break the user's cells)
                pass

    shell.events.register("post_run_cell", after_cell)
    _watching = True
