"""A small table that result objects render with, as text (terminals, doctests) and as HTML (Jupyter)."""

from __future__ import annotations

import html

import numpy as np


def fmt(value, digits: int = 5) -> str:
    """A number or small array, short: 11.652, -0.95892, [0.5 5.]."""
    if value is None:
        return ""
    if hasattr(value, "_data"):  # a tensor
        value = np.asarray(value._data)
    if isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        if a.ndim == 0:
            value = a.item()
        elif a.size <= 6:
            return np.array2string(a, precision=digits - 1, separator=", ", suppress_small=False)
        else:
            return f"array{a.shape}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return f"{value:.{digits}g}"
    return str(value)


class Table:
    """Rows under column headers, with a title and notes under the table."""

    def __init__(self, title: str, columns: list[str], rows: list[list], notes: list[str] | tuple = ()):
        self.title, self.columns, self.rows, self.notes = title, list(columns), [list(r) for r in rows], list(notes)

    def cells(self) -> list[list[str]]:
        return [[c if isinstance(c, str) else fmt(c) for c in row] for row in self.rows]

    def __str__(self) -> str:
        cells = self.cells()
        widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(self.columns)]
        line = "  ".join(h.ljust(w) for h, w in zip(self.columns, widths)).rstrip()
        out = [self.title, line, "  ".join("-" * w for w in widths)]
        out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
        out += self.notes
        return "\n".join(out)

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in self.cells()
        )
        notes = "".join(f"<div>{html.escape(n)}</div>" for n in self.notes)
        return (
            f"<div class='nbautodiff-table'><b>{html.escape(self.title)}</b>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}</div>"
        )
