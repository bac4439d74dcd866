"""ipywidgets 7.7 (Colab) and 8: what differs, in one place."""

from __future__ import annotations


def ipywidgets():
    """The ipywidgets module, or an ImportError that says how to get it."""
    try:
        import ipywidgets as W
    except ImportError as e:
        raise ImportError('nbautodiff\'s live views need ipywidgets: pip install "ipywidgets>=7.7,<9" '
                          '(or pip install "nbautodiff[lab]"); nb.graph(y) draws without it') from e
    return W


def major() -> int:
    return int(ipywidgets().__version__.split(".")[0])


def has_stack() -> bool:
    """ipywidgets 8 has Stack, which a slider can drive in the browser (jslink): no kernel round trip per step."""
    return hasattr(ipywidgets(), "Stack")


class StaticBundle:
    """Mixin for a widget: its display carries a short ``text/plain`` and the static picture as ``text/html``, so
    nbconvert, nbviewer and the docs show the picture where the widget cannot run. (ipywidgets 7 displays through
    ``_ipython_display_`` and shows the live widget only: Colab, where 7.7 runs, renders it.)"""

    def _static_html(self) -> str:
        raise NotImplementedError

    def _plain(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):  # ipywidgets 8
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = self._plain()
        data["text/html"] = self._static_html()
        return data
