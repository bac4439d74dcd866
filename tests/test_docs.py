"""The docs site builds offline with warnings as errors, shows every lesson as stored, and its pictures need no
JavaScript from a CDN."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")


def test_the_docs_build_with_no_warning(tmp_path):
    out = tmp_path / "html"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d",
                          str(tmp_path / "doctrees"), str(ROOT / "docs"), str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    lessons = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    pages = {p.stem: p.read_text(encoding="utf-8") for p in (out / "lessons").glob("*.html")}
    assert sorted(pages) == lessons
    pictures = [name for name, html in pages.items() if 'class="nbad nbautodiff-graph"' in html]
    assert pictures, "no lesson page shows a graph picture"
    for name, html in pages.items():  # widgets show their static picture: no widget JavaScript, from anywhere
        assert not re.search(r"html-manager|require\.js|embed-amd|widget-view\+json", html), name
    for page in ("index", "api", "design", "guide/magics", "guide/pictures", "guide/backends"):
        assert (out / f"{page}.html").exists()
    api = (out / "api.html").read_text(encoding="utf-8")
    assert "nbautodiff.inspect.graph" in api and "AutodiffMagics" in api
