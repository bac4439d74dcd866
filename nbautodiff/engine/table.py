"""A small table that result objects render with, as text (terminals, doctests) and as HTML (Jupyter)."""

from __future__ import annotations

import html
import re
import unicodedata

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


class ShownAsTable:
    """For result objects: define ``table()`` and they print, and show in Jupyter, as that table."""

    def table(self) -> Table:
        raise NotImplementedError

    def __str__(self) -> str:
        return str(self.table())

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


class Table:
    """Rows under column headers, with a title and notes under the table."""

    def __init__(self, title: str, columns: list[str], rows: list[list], notes: list[str] | tuple = ()):
        self.title, self.columns, self.rows, self.notes = title, list(columns), [list(r) for r in rows], list(notes)

    def cells(self) -> list[list[str]]:
        """Every cell as one line of text (a 2-D array's line breaks would split a row)."""
        return [[_one_line(c if isinstance(c, str) else fmt(c)) for c in row] for row in self.rows]

    def __str__(self) -> str:
        cells = self.cells()
        widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(self.columns)]

        def line(row):
            return "  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip()

        out = [self.title, line(self.columns), "  ".join("-" * w for w in widths)]
        out += [line(r) for r in cells] + [_one_line(n) for n in self.notes]
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


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


def _width(text: str) -> int:
    """Columns the text takes: combining marks (the dot of v̇, the bar of v̄) take none."""
    return sum(1 for ch in text if not unicodedata.combining(ch))
