"""The backprop stepper: Play and a slider walk the reverse pass (or, for a function, the forward tangent pass)
node by node over the graph's picture, with the step's table row highlighted beside it.

The frames are precomputed: one base picture, and a small transparent overlay per step (the running node outlined,
the partial adjoints it sends on its edges, each value's ``node_to_grad`` list above it). On ipywidgets 8 the slider
drives a ``Stack`` of overlays in the browser (``jslink``), so stepping needs no kernel; on 7.7 (Colab) it observes.
"""

from __future__ import annotations

import sys

from ..inspect import graph
from ..inspect.graph import check_output
from ..inspect.record import unwrap
from ..inspect.steps import CUMULATIVE, Backprop, backprop, from_trace
from ..inspect.svg import draw, overlay, scene, text_width
from ..inspect.words import say
from ._compat import StaticBundle, has_stack, ipywidgets

W = ipywidgets()


def step(target, *inputs, mode: str = "reverse", wrt=0, create_graph: bool = False, lang: str = "en",
         names=None, interval: int = 900, dialect: str | None = None, **options) -> Stepper:
    """A stepper through the reverse pass of a tensor's graph (``nb.step(y)``), or through the trace of a function
    at some inputs (``nb.step(f, 2., 5.)``, ``mode="forward"`` and ``wrt=`` for the tangent pass; ``dialect="tf"``
    and the others for a function written in a lesson dialect, as ``nb.trace``).

    The user's ``.grad`` fields and graph are left as they were. ``create_graph=True`` ends on the extended graph:
    the forward graph and the graph backward built for the gradients, which ``create_graph`` differentiates again.
    """
    if callable(target) and not hasattr(target, "grad_fn") and not hasattr(target, "_t"):
        from ..traces import trace

        if not inputs:
            raise ValueError("step(f, *inputs): give f's inputs too, e.g. nb.step(f, 2.0, 5.0)")
        t = trace(target, *inputs, wrt=wrt, dialect=dialect, lang=lang)
        return Stepper(from_trace(t, mode), lang=lang, interval=interval, table=t.tables()[2 if mode == "reverse"
                                                                                        else 1], **options)
    if inputs or dialect is not None:
        raise TypeError("step(y): a tensor takes no inputs (nor dialect=: its graph is drawn whatever made it); for "
                        "a function use nb.step(f, *inputs)")
    if mode != "reverse":
        raise ValueError("step(y, mode='forward'): a live graph is stepped in reverse; for the forward tangent pass "
                         "give the function and its inputs: nb.step(f, 2.0, 5.0, mode='forward', wrt='x1')")
    check_output(unwrap(target), 0, "step")  # bad input fails here, in step's words, before anything is drawn
    if names is None:
        frame = sys._getframe(1)
        from .view import _tensors_in

        names = _tensors_in({**frame.f_globals, **frame.f_locals})
    model = backprop(target, names=names, lang=lang, **options)
    extended = None
    if create_graph:
        extended = _extended(target, model, names)
    return Stepper(model, lang=lang, interval=interval, extended=extended, **options)


def _extended(y, model: Backprop, names: dict):
    """The picture of y and of its gradients' graphs (create_graph=True), the user's .grad left alone."""
    leaves = [model.graph.tensor(n.id) for n in model.graph.values if n.kind == "leaf"]
    leaves = [t for t in leaves if t is not None]
    if hasattr(y, "_data"):
        from ..engine.autograd import grad as autograd_grad
    else:
        import torch

        autograd_grad = torch.autograd.grad
    grads = autograd_grad(y, leaves, retain_graph=True, create_graph=True, allow_unused=True)
    named = {**names, **{f"d{_name(names, t) or 'x'}": g for t, g in zip(leaves, grads) if g is not None}}
    return graph(y, *[g for g in grads if g is not None and g.requires_grad], names=named)


def _name(names: dict, t):
    return next((k for k, v in names.items() if v is t), None)


class Stepper(StaticBundle, W.VBox):
    """Play / slider through precomputed frames of a ``Backprop`` (or ``Tangents``) model; ``.model`` holds the
    steps and the partial adjoints, ``.frames`` what each frame shows."""

    def __init__(self, model: Backprop, lang: str = "en", interval: int = 900, table=None, extended=None, **options):
        super().__init__()
        self.model = model
        keep = {k: options[k] for k in ("collapse", "expand") if k in options}
        frames = model.frames
        widest = max((text_width(t) for f in frames for _, t, _ in f.notes), default=0.0)
        sc = scene(model.graph, lang, values=True, grads=False, spacious=max(widest, 1.0), **keep)
        self._base = draw(sc, lang)
        self.frames = frames
        overlays = [overlay(sc, f.active, f.edge_labels, f.notes) for f in frames]
        captions = [f"<div class='nbad-caption'><b>{k}/{len(frames) - 1}</b> {_escape(f.caption)}</div>"
                    for k, f in enumerate(frames)]
        small = len(model.graph.values) <= CUMULATIVE
        table = table if table is not None else model.table()
        tables = [table.html(highlight=f.row) for f in frames] if small else []
        if extended is not None:
            overlays.append("")
            captions.append(f"<div class='nbad-caption'>{say(lang, 'extended caption')}</div>")
            tables.append(table.html()) if small else None
        self._overlays, self._captions, self._tables = overlays, captions, tables
        n = len(overlays)
        self.slider = W.IntSlider(value=0, min=0, max=n - 1, description="step", continuous_update=True)
        self.play = W.Play(value=0, min=0, max=n - 1, interval=interval, description="play")
        W.jslink((self.play, "value"), (self.slider, "value"))
        base = W.HTML(self._base)
        base.add_class("nbautodiff-step-base")
        if has_stack():
            self.overlay = W.Stack(_pages(overlays), selected_index=0)
            self.caption = W.Stack(_pages(captions), selected_index=0)
            self.table = W.Stack(_pages(tables), selected_index=0) if tables else None
            for target in (self.overlay, self.caption, self.table):
                if target is not None:
                    W.jslink((self.slider, "value"), (target, "selected_index"))
        else:  # ipywidgets 7.7: the kernel swaps the overlay
            self.overlay = W.HTML(overlays[0])
            self.caption = W.HTML(captions[0])
            self.table = W.HTML(tables[0]) if tables else None
            self.slider.observe(self._show, names="value")
        self.overlay.add_class("nbautodiff-step-overlay")
        layers = [base, self.overlay]
        self._extended_svg = None
        if extended is not None:
            self.extended = W.HTML("")
            self._extended_svg = extended.svg(lang=lang)
            self.slider.observe(self._extended_shown, names="value")
            layers.append(self.extended)
        for w in layers:
            w.layout.grid_area = "picture"
        picture = W.GridBox(layers, layout=W.Layout(grid_template_areas='"picture"', width="max-content",
                                                    flex="none"))
        right = [self.table] if self.table is not None else []
        body = W.HBox([picture, *right], layout=W.Layout(flex_flow="row wrap", align_items="flex-start",
                                                          overflow="auto"))
        self.children = [W.HBox([self.play, self.slider]), self.caption, body]
        self.add_class("nbautodiff-stepper")

    def _show(self, change) -> None:
        k = change["new"]
        self.overlay.value = self._overlays[k]
        self.caption.value = self._captions[k]
        if self.table is not None:
            self.table.value = self._tables[k]

    def _extended_shown(self, change) -> None:
        self.extended.value = self._extended_svg if change["new"] == len(self._overlays) - 1 else ""

    def _plain(self) -> str:
        return f"Stepper(steps={len(self.model.steps)}, frames={len(self._overlays)})"

    def _static_html(self) -> str:
        """What shows without the widget's JavaScript (nbconvert, nbval, the docs): the last step over the base
        picture, and the extended graph under it as the widget's last frame shows it."""
        last = self._overlays[-1] or self._overlays[-2]
        html = (f"<div style='display:grid'><div style='grid-area:1/1'>{self._base}</div>"
                f"<div style='grid-area:1/1'>{last}</div></div>")
        if self._extended_svg is not None:
            html += self._captions[-1] + self._extended_svg
        return html


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _pages(texts: list) -> list:
    """One HTML widget per frame for a Stack, all sharing one layout and one style: a Stack shows only its selected
    child and never restyles it, so two shared widgets replace two per frame (a third of the widgets to build)."""
    if not texts:
        return []
    first = W.HTML(texts[0])
    return [first] + [W.HTML(t, layout=first.layout, style=first.style) for t in texts[1:]]
