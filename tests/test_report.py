"""One report base: every result object shown as tables prints, shows in Jupyter and converts to plain data
the same way."""

import json
from html import escape as html_escape

import pytest

import nbautodiff as nb
import nbautodiff.torch as torch
from nbautodiff.engine.report import Report, Table, plain


def seed_004(x1, x2):
    return torch.log(x1) + x1 * x2 - torch.sin(x2)


def reports():
    x1, x2 = torch.tensor(2.0, requires_grad=True), torch.tensor(5.0, requires_grad=True)
    with nb.count_ops() as counts:
        y = seed_004(x1, x2)
        y.backward(retain_graph=True)
    inputs = (torch.tensor(2.0, dtype=torch.float64, requires_grad=True),
              torch.tensor(5.0, dtype=torch.float64, requires_grad=True))
    return {
        "graph": nb.graph(y, names={"x1": x1, "x2": x2}),
        "trace": nb.trace(seed_004, 2.0, 5.0),
        "counts": counts,
        "gradcheck": nb.gradcheck(seed_004, inputs),
        "methods": nb.compare_methods(seed_004, 2.0, 5.0),
        "eps sweep": nb.eps_sweep(lambda t: t.sin(), 1.0),
    }


@pytest.mark.parametrize("name", list(reports()))
def test_every_result_is_a_report_shown_one_way(name):
    r = reports()[name]
    assert isinstance(r, Report)
    tables = r.tables()
    assert tables and all(isinstance(t, Table) for t in tables)
    text, html = str(r), r._repr_html_()
    for t in tables:
        assert t.title in text
        # a graph shows in a notebook as its picture; the other reports as their tables
        assert html.startswith("<svg") if name == "graph" else html_escape(t.title) in html
    json.dumps(r.to_dict())  # plain data only

    class Printer:
        out = ""

        def text(self, s):
            self.out += s

    p = Printer()
    r._repr_pretty_(p, False)
    assert p.out == (str(r) if name == "graph" else repr(r))  # a terminal shows a graph's tables


def test_the_numbers_survive_to_dict():
    r = reports()
    assert round(r["trace"].to_dict()["value"], 3) == 11.652
    assert r["counts"].to_dict()["primal"] == 5 and r["counts"].to_dict()["adjoint"] == 5
    assert r["gradcheck"].to_dict()["passed"] is True
    assert [round(g, 3) for g in plain(r["methods"]["reverse mode"].gradient)] == [5.5, 1.716]


def test_plain_turns_arrays_and_tensors_into_lists():
    import numpy as np

    assert plain(np.float32(1.5)) == 1.5 and plain(np.arange(3)) == [0, 1, 2] and plain(None) is None
    assert plain(torch.tensor([[1.0, 2.0]])) == [[1.0, 2.0]] and plain("x") == "x"
