"""What every result object is shown with: ``Table`` (text for terminals and doctests, HTML for Jupyter) and the
``Report`` base (``tables()``, ``to_dict()``, ``str``, ``_repr_pretty_``, ``_repr_html_``) that op counts, gradient
checks, method comparisons, graphs and evaluation traces share."""

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


def plain(value):
    """A value as lists, numbers and strings (``json.dumps`` takes it): arrays and tensors become nested lists."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "_data"):  # a tensor
        value = value._data
    a = np.asarray(value)
    return a.item() if a.ndim == 0 else a.tolist()


class Report:
    """Base of result objects shown as tables: define ``tables()`` (or ``table()``); text, HTML and ``to_dict()``
    follow.

    Subclasses with more to say than their tables (a graph's picture, a verdict) override ``_repr_html_`` or
    ``to_dict``; a short ``__repr__`` (``OpCount(primal=5, ...)``) may replace the tables in the terminal.
    """

    def tables(self) -> tuple[Table, ...]:
        """Every table shown (a subclass defines this, or ``table()`` when it shows one)."""
        return (self.table(),)

    def table(self) -> Table:
        """The first (often the only) table."""
        return self.tables()[0]

    def to_dict(self) -> dict:
        """Lists, numbers and strings only (``json.dumps`` takes it)."""
        return {"tables": [t.to_dict() for t in self.tables()]}

    def __str__(self) -> str:
        return "\n\n".join(str(t) for t in self.tables())

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))

    def _repr_html_(self) -> str:
        tables = self.tables()
        if len(tables) == 1:
            return tables[0]._repr_html_()
        return ("<div style='display:flex; flex-wrap:wrap; gap:2em; align-items:flex-start'>"
                + "".join(t._repr_html_() for t in tables) + "</div>")


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

    def to_dict(self) -> dict:
        return {"title": self.title, "columns": list(self.columns), "rows": [[plain(c) for c in r] for r in self.rows],
                "notes": list(self.notes)}

    def _repr_html_(self) -> str:
        return self.html()

    def html(self, highlight: int | None = None) -> str:
        """The table as HTML; row ``highlight`` (0 = the first) marked, as the stepper shows its current step."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.columns)
        mark = " style='background:rgba(230,159,0,0.28);font-weight:600' class='nbad-current'"
        body = "".join(
            f"<tr{mark if i == highlight else ''}>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
            for i, r in enumerate(self.cells())
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
