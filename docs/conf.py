"""Sphinx configuration: the lessons as stored (their outputs, which nbval checks: no re-execution), the user guide,
the API reference from the docstrings, and the design notes. Builds offline, with warnings as errors."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

project = "nbautodiff"
author = "the nbautodiff developers"
copyright = "the nbautodiff developers"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_theme = "alabaster"
html_title = "nbautodiff"
html_static_path: list[str] = []

# The lessons are stored executed (nbval runs them on both backends); the docs show those outputs as they are.
nb_execution_mode = "off"
# A widget's bundle carries its static picture as text/html: show that, not the widget (which would need JavaScript
# from a CDN at view time), and load no widget JavaScript at all.
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "text/html", 0),
    ("html", "image/svg+xml", 1),
    ("html", "image/png", 2),
    ("html", "text/plain", 3),
]
nb_ipywidgets_js: dict = {}
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "none"
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]


def _copy_lessons(app) -> None:
    """The lessons live in ../notebooks (the README opens that folder); the docs build copies them in."""
    target = DOCS / "lessons"
    target.mkdir(exist_ok=True)
    for old in target.glob("*.ipynb"):
        old.unlink()
    for nb in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        shutil.copy(nb, target / nb.name)


def setup(app):
    app.connect("builder-inited", _copy_lessons)
