"""Benchmarks of what a learner waits for in Jupyter: drawing a graph, an explorer slider move, building
the stepper, and what %%autodiff adds to a cell. Each returns (seconds, details); ``run.py`` prints them
beside the engine's.
"""

from __future__ import annotations

import statistics
import time

import nbautodiff as nb
import nbautodiff.torch as nbt


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) if repeats < 5 else statistics.median(times)


def tanh_chain(params: int):
    """s = tanh(s · w) + w over ``params`` scalar weights: 7 picture nodes per weight (a leaf, 3 ops, 3 values)."""
    ws = [nbt.tensor(0.01 * i, requires_grad=True) for i in range(params)]
    s = ws[0]
    for w in ws[1:]:
        s = (s * w).tanh() + w
    return s, ws


def picture(nodes: int, repeats: int) -> tuple[float, dict]:
    """Layout + SVG of a graph of about ``nodes`` picture nodes, nothing collapsed."""
    s, ws = tanh_chain(max(2, nodes // 7))
    g = nb.graph(s, names={})
    snapshot = _best(lambda: nb.graph(s, names={}), max(1, repeats // 2))
    seconds = _best(lambda: g.svg(collapse=0), repeats)
    return seconds, {"picture nodes": len(g.nodes), "edges": len(g.edges), "snapshot s": snapshot,
                     "svg bytes": len(g.svg(collapse=0))}


def explorer_update(repeats: int) -> tuple[float, dict]:
    """One explorer update of the seed-004 function, kernel side: run f recorded, backward, two central differences
    per input, the picture and the table (what a slider move costs before the browser redraws)."""
    from nbautodiff.widgets import explore

    f = lambda x1, x2: nbt.log(x1) + x1 * x2 - nbt.sin(x2)  # noqa: E731
    e = explore(f, x1=2.0, x2=5.0)
    values = iter([2.0 + 0.01 * (i % 50) for i in range(10 * repeats)])
    seconds = _best(lambda: e.update(x1=next(values)), repeats)
    return seconds, {"gradient": round(e.result.grads["x1"], 4)}


def stepper(nodes: int, repeats: int) -> tuple[float, dict]:
    """Building the stepper's frames (base picture and one overlay per step) for a graph of about ``nodes``."""
    from nbautodiff.widgets import step

    s, ws = tanh_chain(max(2, nodes // 7))
    built = step(s, collapse=0, names={})
    seconds = _best(lambda: step(s, collapse=0, names={}), repeats)
    state = len(built._base) + sum(map(len, built._overlays)) + sum(map(len, built._tables))
    return seconds, {"picture nodes": len(built.model.graph.nodes), "frames": len(built._overlays),
                     "widget state MB": round(state / 1e6, 2)}


def _shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryAccessor.enabled = False
    shell = InteractiveShell.instance(config=config)
    if "autodiff" not in shell.magics_manager.magics["cell"]:
        shell.run_line_magic("load_ext", "nbautodiff")
    shell.run_cell("import nbautodiff.torch as torch")
    return shell


def chain_cell(ops: int) -> str:
    return (f"x = torch.tensor(1.0, requires_grad=True)\ny = x\nfor _ in range({ops}):\n    y = y * 1.0001\n"
            "y.backward()\n")


def magic_overhead(ops: int, repeats: int, graph: bool) -> tuple[float, dict]:
    """Seconds ``%%autodiff`` adds to a cell of ``ops`` ops (with the report's picture, or ``--no-graph``)."""
    from nbautodiff.session import CellOptions, run_cell

    shell = _shell()
    cell = chain_cell(ops)
    plain = _best(lambda: shell.run_cell(cell, store_history=False), repeats)
    magic = _best(lambda: run_cell(shell, cell, CellOptions(graph=graph))[0]._repr_html_(), repeats)
    return magic - plain, {"cell s": plain, "with %%autodiff s": magic, "ratio": magic / plain}
