"""Comparing two runs of a notebook cell by cell: the sanitize rules, the texts compared, numbers within a tolerance."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from .running import cell_seconds, cell_status, error_summary, first_line, runnable

SANITIZE_FILE = "nbval_sanitize.cfg"  # nbval's format: "regex: ..." then "replace: ..." lines
SANITIZE = [
    # object addresses: <object at 0x7f3a...> differ from run to run
    (r"0x[0-9a-fA-F]+", "0xADDRESS"),
    # a warning's location ("/path/file.py:123: UserWarning: ...") depends on the backend's source files
    (r"(?m)^[^\n]*?:\d+: (\w*Warning): ", r"\1: "),
]
TEXT_MIMES = ("text/plain", "text/html")  # what compare looks at in results and displays; images are ignored

# A number on its own (not the 32 in float32, nor the 1 in x1): 3, -0.25, 2., 1.5e-05, inf, nan.
_NUMBER = re.compile(r"(?<![\w.])(-?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|inf|nan))(?!\w)")


def load_sanitize(path: str | Path) -> list[tuple[str, str]]:
    """The (regex, replace) pairs of an nbval sanitize file, as nbval reads them."""
    text = Path(path).read_text()
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)


def sanitize(text: str, rules=SANITIZE) -> str:
    for regex, replace in rules:
        text = re.sub(regex, replace, text)
    return text


def output_texts(cell, rules=SANITIZE) -> list[tuple[str, str]]:
    """What ``compare`` looks at in a cell, sanitized: ``[(kind, text)]``.

    Kinds: ``stdout`` and ``stderr`` (each stream's text joined into one), ``text/plain`` and ``text/html``
    of results and displays, and ``error`` (``ename: evalue``; tracebacks name files, so they are left out).
    Images and other data are ignored.
    """
    items: list[list[str]] = []
    streams: dict[str, list[str]] = {}
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            text = _text(out.get("text", ""))
            if out.get("name") in streams:
                streams[out["name"]][1] += text
            else:
                streams[out.get("name")] = item = [out.get("name"), text]
                items.append(item)
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            items += [[mime, _text(data[mime])] for mime in TEXT_MIMES if mime in data]
        elif kind == "error":
            items.append(["error", f"{out.get('ename')}: {out.get('evalue')}"])
    return [(kind, sanitize(text, rules)) for kind, text in items]


def _text(t) -> str:
    return "".join(t) if isinstance(t, list) else str(t)


def number_diff(a: str, b: str) -> float | None:
    """The largest difference between the numbers of two texts that differ only in their numbers.

    ``tensor([1.0000, 2.0001])`` against ``tensor([1., 2.])`` → 1e-4 (spacing is ignored, so numbers printed
    to other widths still line up); 0.0 when the texts are the same; None when they differ in more than
    their numbers.
    """
    if a == b:
        return 0.0
    pa, pb = _NUMBER.split(a), _NUMBER.split(b)
    if len(pa) != len(pb) or any(_squash(x) != _squash(y) for x, y in zip(pa[::2], pb[::2])):
        return None
    return max((_diff(float(x), float(y)) for x, y in zip(pa[1::2], pb[1::2])), default=0.0)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _diff(x: float, y: float) -> float:
    if x == y or (math.isnan(x) and math.isnan(y)):
        return 0.0
    d = abs(x - y)
    return math.inf if math.isnan(d) else d


@dataclass
class CellComparison:
    """How one code cell's outputs on two backends compare.

    ``status``: ``match`` (the same text, or numbers within the tolerance: see ``max_diff``), ``mismatch``,
    ``error`` (a cell raised where nothing expected it, on either side) or ``not run`` (on either side).
    """

    index: int  # in notebook.cells
    source: str  # the cell's first line of code
    status: str
    max_diff: float | None = None  # the largest number difference, where the texts differ only in numbers
    detail: str = ""  # what differs, for a mismatch or an error
    seconds: tuple[float | None, float | None] = (None, None)

    @property
    def ok(self) -> bool:
        return self.status == "match"

    def describe(self, tolerance: float | None = None) -> str:
        """One line for the table: ``match``, ``match (max diff 1.0e-04)``, ``MISMATCH: text differs``…"""
        diff = f"max diff {self.max_diff:.1e}" if self.max_diff else ""
        if self.status == "match":
            return f"match ({diff})" if diff else "match"
        if self.status == "mismatch":
            if diff:
                return f"MISMATCH ({diff}" + (f" > {tolerance:g})" if tolerance is not None else ")")
            return "MISMATCH: " + (self.detail.splitlines()[0] if self.detail else "outputs differ")
        return self.status.upper() if self.status == "error" else self.status


def compare_outputs(nb_a, nb_b, tolerance: float = 1e-5, rules=SANITIZE, names=("a", "b")) -> list[CellComparison]:
    """Compare two runs of one notebook cell by cell: one ``CellComparison`` per code cell that runs.

    Outputs match when their sanitized texts are equal, or differ only in numbers, none by more than
    ``tolerance`` (absolute). ``names`` label the two sides in the details.
    """
    cells_a, cells_b = nb_a.cells, nb_b.cells
    if [c.get("source") for c in cells_a] != [c.get("source") for c in cells_b]:
        raise ValueError("the two notebooks do not have the same cells")
    out = []
    for index, (a, b) in enumerate(zip(cells_a, cells_b)):
        if not runnable(a):
            continue
        cmp = CellComparison(index, first_line(a.source), "match", seconds=(cell_seconds(a), cell_seconds(b)))
        status_a, status_b = cell_status(a), cell_status(b)
        if "not run" in (status_a, status_b):
            cmp.status = "not run"
            cmp.detail = ", ".join(f"{n} did not run it" for n, s in zip(names, (status_a, status_b)) if s == "not run")
        elif "error" in (status_a, status_b):
            cmp.status = "error"
            cmp.detail = "\n".join(
                f"{n}: {error_summary(c, 1)}" for n, c, s in zip(names, (a, b), (status_a, status_b)) if s == "error"
            )
        else:
            _compare_cell(cmp, output_texts(a, rules), output_texts(b, rules), tolerance, names)
        out.append(cmp)
    return out


def _compare_cell(cmp: CellComparison, ta, tb, tolerance: float, names) -> None:
    kinds_a, kinds_b = [k for k, _ in ta], [k for k, _ in tb]
    if kinds_a != kinds_b:
        cmp.status = "mismatch"
        cmp.detail = f"different outputs: {names[0]} {kinds_a or 'none'}, {names[1]} {kinds_b or 'none'}"
        return
    diffs = []
    for (kind, x), (_, y) in zip(ta, tb):
        d = number_diff(x, y)
        if d is None:
            cmp.status = "mismatch"
            cmp.detail = f"{kind} differs\n" + _first_difference(x, y, names)
            return
        diffs.append(d)
    cmp.max_diff = max(diffs, default=0.0) or None
    if cmp.max_diff is not None and cmp.max_diff > tolerance:
        cmp.status = "mismatch"
        worst = next(i for i, d in enumerate(diffs) if d == cmp.max_diff)
        cmp.detail = f"{ta[worst][0]} differs in numbers\n" + _first_difference(ta[worst][1], tb[worst][1], names)


def _first_difference(x: str, y: str, names) -> str:
    lx, ly = x.splitlines() or [""], y.splitlines() or [""]
    i = next((i for i, (p, q) in enumerate(zip(lx, ly)) if p != q), min(len(lx), len(ly)))
    at = lambda lines: lines[i] if i < len(lines) else "(no more lines)"
    width = max(len(n) for n in names)
    return f"  {names[0]:<{width}} | {at(lx)}\n  {names[1]:<{width}} | {at(ly)}"


def project_rules(notebook: Path) -> list[tuple[str, str]]:
    """The rules of the ``nbval_sanitize.cfg`` next to the notebook, if there is one."""
    cfg = notebook.resolve().parent / SANITIZE_FILE
    return load_sanitize(cfg) if cfg.is_file() else []

