"""Rebuild each lesson notebook from its jupytext twin and run it, so the stored outputs are fresh.

    python tools/build_notebooks.py            # all lessons
    python tools/build_notebooks.py 03_pytorch_graphs_gradient_descent

The ``.py`` file is the source (readable diffs); the ``.ipynb`` with outputs is what nbval checks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
# The stored outputs are the own engine's (nbval then checks PyTorch gives the same), from this checkout.
os.environ.pop("NBAUTODIFF_BACKEND", None)
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])


def build(source: Path) -> Path:
    nb = jupytext.read(source)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    target = source.with_suffix(".ipynb")
    jupytext.write(nb, target)
    return target


def main(names: list[str]) -> None:
    sources = [NOTEBOOKS / f"{n}.py" for n in names] or sorted(NOTEBOOKS.glob("[0-9]*.py"))
    for source in sources:
        print("built", build(source).name)


if __name__ == "__main__":
    main(sys.argv[1:])
