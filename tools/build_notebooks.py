"""Rebuild each lesson notebook from its jupytext twin and run it, so the stored outputs are fresh.

    python tools/build_notebooks.py            # all lessons
    python tools/build_notebooks.py 03_pytorch_graphs_gradient_descent

The ``.py`` file is the source (readable diffs); the ``.ipynb`` with outputs is what nbval checks.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
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
    settle(nb)
    target = source.with_suffix(".ipynb")
    jupytext.write(nb, target)
    target.write_text(number_widgets(target.read_text(encoding="utf-8")), encoding="utf-8")
    return target


def settle(nb) -> None:
    """Keep a rebuild's diff to what changed: cell ids from the cell's place and text, no execution timestamps,
    one output per run of printed text (the kernel splits it at random)."""
    seen: dict[str, int] = {}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        seen[digest] = seen.get(digest, -1) + 1
        cell.id = digest if not seen[digest] else f"{digest}-{seen[digest]}"
        merged = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if out.output_type == "stream" and last is not None and last.output_type == "stream" and \
                    last.name == out.name:
                last.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


_MODEL = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def number_widgets(text: str) -> str:
    """Widget model ids are random uuids: number them from the outputs down through the models they refer to,
    and store the widget state in that order, so a rebuild changes no id and moves no model."""
    nb = json.loads(text)
    state = nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = state.get("state", {})
    order: list[str] = []

    def visit(found: str) -> None:
        for m in _MODEL.findall(found):
            if m in models and m not in order:
                order.append(m)
                visit(json.dumps(models[m]["state"], sort_keys=True))

    visit(json.dumps(nb["cells"]))
    rank = {m: i for i, m in enumerate(order)}  # the rest (jslink's links) by what they link, in that numbering
    order += sorted(set(models) - set(order), key=lambda m: _MODEL.sub(
        lambda r: f"{rank.get(r[0], -1):06d}", json.dumps(models[m]["state"], sort_keys=True)))
    ids = {m: f"{i + 1:032x}" for i, m in enumerate(order)}
    if models:
        state["state"] = {ids[m]: models[m] for m in order}
    out = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"  # as nbformat writes
    return _MODEL.sub(lambda m: ids.get(m[0], m[0]), out)


def main(names: list[str]) -> None:
    sources = [NOTEBOOKS / f"{n}.py" for n in names] or sorted(NOTEBOOKS.glob("[0-9]*.py"))
    for source in sources:
        print("built", build(source).name)


if __name__ == "__main__":
    main(sys.argv[1:])
