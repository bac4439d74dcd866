"""The commands ``run`` and ``compare``: functions of the parsed arguments that print, and return the exit code."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..backends import ENV
from .comparing import SANITIZE, compare_outputs, load_sanitize, project_rules
from .running import (
    cell_status,
    check_backend,
    error_summary,
    execute,
    first_line,
    need,
    read_notebook,
    runnable,
)

DEFAULT_BACKENDS = ["numpy", "torch"]  # what compare runs on without --backends or --kernels


class Progress:
    """A tqdm bar over the cells of every run, on a terminal; plain lines elsewhere or without tqdm."""

    def __init__(self, total: int, file=None):
        self.file = file or sys.stderr
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        interactive = getattr(self.file, "isatty", lambda: False)()
        self.bar = tqdm(total=total, unit="cell", file=self.file, leave=False) if tqdm and interactive else None
        self.backend, self.cells, self.t0 = "", 0, 0.0

    def start(self, backend: str) -> None:
        self.backend, self.cells, self.t0 = backend, 0, time.perf_counter()
        if self.bar is not None:
            self.bar.set_description(backend)
            self.bar.set_postfix_str("starting the kernel")
        else:
            print(f"{backend}: starting the kernel", file=self.file, flush=True)

    def cell(self, index: int, cell, status: str) -> None:
        self.cells += 1
        if self.bar is not None:
            self.bar.set_postfix_str(f"cell {index} {status}")
            self.bar.update(1)
        elif status != "ok":
            print(f"{self.backend}: cell {index} {status}", file=self.file, flush=True)

    def done(self) -> None:
        if self.bar is None:
            took = time.perf_counter() - self.t0
            print(f"{self.backend}: {self.cells} cells run in {took:.1f} s", file=self.file, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _seconds(s: float | None) -> str:
    return "" if s is None else f"{s:.3f}"


def table(title: str, columns: list[str], rows: list[list[str]], notes: list[str] = ()) -> str:
    from ..engine.report import Table

    return str(Table(title, columns, rows, notes))


def checked(args, check, *values):
    """``check(*values)``, its ValueError a usage error (exit code 2): nothing has run yet."""
    try:
        return check(*values)
    except ValueError as e:
        args.error(str(e))


def _need_runner(args, named_kernel: bool) -> None:
    """nbformat and nbclient to run a notebook, and ipykernel for the python3 kernel (a named one brings its own)."""
    checked(args, need, ("nbformat", "nbclient") + (() if named_kernel else ("ipykernel",)), "running a notebook")
    out = getattr(args, "output", None)
    if out is not None and out.suffix != ".ipynb":
        checked(args, need, ("jupytext",), f"writing {out}", "pip install jupytext")


def cmd_run(args) -> int:
    _need_runner(args, named_kernel=args.kernel is not None)
    if args.kernel is None and args.backend is None:
        args.backend = checked(args, check_backend, os.environ.get(ENV) or "numpy")
    path = _existing(args)
    name = args.kernel or args.backend
    runs = _execute_all(path, {name: {"backend": args.backend, "kernel": args.kernel}}, args.timeout, "run")
    if runs is None:
        return 1
    nb, timings = runs[name]
    label = f"kernel {args.kernel}" if args.kernel else args.backend

    rows, counts = [], {}
    for index, cell in enumerate(nb.cells):
        if runnable(cell):
            status = cell_status(cell, timings, index)
            counts[status] = counts.get(status, 0) + 1
            rows.append([str(index), first_line(cell.source), status, _seconds(timings.get(index))])
    print(table(f"{path} on {label}", ["cell", "source", "status", "seconds"], rows))
    total = sum(timings.values())
    print(f"{len(rows)} code cells, {total:.2f} s in cells: " + ", ".join(f"{n} {s}" for s, n in counts.items()))

    failed = [i for i, c in enumerate(nb.cells) if runnable(c) and cell_status(c, timings, i) == "error"]
    for index in failed:
        print(f"\ncell {index} raised:\n{_indent(nb.cells[index].source)}")
        print(_indent(error_summary(nb.cells[index]), "  | "))
    if args.output is not None:
        _write(nb, args.output)
        print(f"wrote {args.output}")
    else:
        print("(the executed notebook is not saved: --output OUT.ipynb keeps it)")
    return 1 if failed else 0


def cmd_compare(args) -> int:
    _need_runner(args, named_kernel=args.kernels is not None)
    path = _existing(args)
    if args.kernels is not None:  # checked by the parser
        runs_on, kind = list(dict.fromkeys(args.kernels)), "kernel"
    else:  # the default list is not checked by the parser: torch may be missing
        runs_on = list(dict.fromkeys(checked(args, check_backend, b) for b in args.backends or DEFAULT_BACKENDS))
        kind = "backend"
    if len(runs_on) < 2:
        args.error(f"compare needs two {kind}s or more, got {runs_on}")
    rules = SANITIZE + (load_sanitize(args.sanitize_with) if args.sanitize_with else project_rules(path))
    runs = _execute_all(path, {name: {kind: name} for name in runs_on}, args.timeout, "compare")
    return 1 if runs is None else _report_comparison(path, runs, args.tolerance, rules)


def _execute_all(path: Path, runs: dict[str, dict], timeout, command: str) -> dict | None:
    """``{label: execute(path, **options)}`` for each of ``runs``' ``{label: options}``, under one progress bar;
    None, said on stderr, when a kernel failed."""
    progress = Progress(len(runs) * sum(map(runnable, read_notebook(path).cells)))
    done = {}
    try:
        for label, options in runs.items():
            progress.start(label)
            done[label] = execute(path, timeout=timeout, on_cell=progress.cell, **options)
            progress.done()
    except RuntimeError as e:
        print(f"nbautodiff {command}: {e}", file=sys.stderr)
        return None
    finally:
        progress.close()
    return done


def _report_comparison(path: Path, runs: dict, tolerance: float, rules) -> int:
    """Print the table of every code cell against the first run's, then what differs or failed; → the exit code."""
    names = list(runs)
    ref, others = names[0], names[1:]
    comparisons = {b: compare_outputs(runs[ref][0], runs[b][0], tolerance, rules, (ref, b)) for b in others}
    rows, problems = [], []
    for k, first in enumerate(comparisons[others[0]]):
        per = [comparisons[b][k] for b in others]
        seconds = [first.seconds[0]] + [c.seconds[1] for c in per]
        if len(others) == 1 or all(c.describe() == "match" for c in per):
            result = per[0].describe(tolerance)
        else:
            result = "; ".join(f"{b}: {c.describe(tolerance)}" for b, c in zip(others, per))
        rows.append([str(first.index), first.source] + [_seconds(s) for s in seconds] + [result])
        problems += [(b, c) for b, c in zip(others, per) if not c.ok]

    title = f"{path}: {' vs '.join(names)}, outputs against {ref}'s (tolerance {tolerance:g})"
    print(table(title, ["cell", "source"] + [f"{b} s" for b in names] + ["result"], rows))
    times = ", ".join(f"{b} {sum(runs[b][1].values()):.2f} s" for b in names)
    bad = len({c.index for _, c in problems})
    close = sum(all(c.ok for c in per) and any(c.max_diff for c in per) for per in zip(*comparisons.values()))
    print(
        f"{len(rows)} code cells: {len(rows) - bad} match"
        + (f" ({close} within the tolerance)" if close else "")
        + f", {bad} differ or fail; time in cells: {times}"
    )

    for name, c in problems:
        if c.status == "mismatch":
            print(f"\ncell {c.index} differs on {name}:\n{_indent(runs[ref][0].cells[c.index].source)}")
            print(_indent(c.detail))
    for name in names:
        nb, timings = runs[name]
        statuses = {i: cell_status(c, timings, i) for i, c in enumerate(nb.cells) if runnable(c)}
        for index in (i for i, s in statuses.items() if s == "error"):
            print(f"\ncell {index} raised on {name}:\n{_indent(nb.cells[index].source)}")
            print(_indent(error_summary(nb.cells[index]), "  | "))
        skipped = [str(i) for i, s in statuses.items() if s == "not run"]
        if skipped:
            print(f"\n{name} did not run cells {', '.join(skipped)} (a run stops at the first cell that raises)")
    return 1 if problems else 0


def _existing(args) -> Path:
    """The notebook, checked: it exists, is an .ipynb or a jupytext percent .py, and can be read.

    Nothing else is run: jupytext reads Markdown too, and would run its shell blocks as cells.
    """
    path = Path(args.notebook)
    if not path.is_file():
        args.error(f"no such notebook: {path}")
    if path.suffix not in (".ipynb", ".py"):
        args.error(f"{path}: not a notebook (give an .ipynb, or its jupytext percent-format .py twin)")
    if path.suffix == ".py":
        if "# %%" not in path.read_text(errors="replace"):
            args.error(f"{path}: a .py file without '# %%' cells is not a jupytext notebook")
        checked(args, need, ("jupytext",), f"reading {path}", "pip install jupytext")
    try:
        read_notebook(path)
    except Exception as e:  # nbformat/jupytext raise many kinds: all mean "not a readable notebook"
        args.error(f"{path}: can't be read as a notebook: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
    return path


def _write(nb, out: Path) -> None:
    out = Path(out)
    if out.suffix == ".ipynb":
        import nbformat

        nbformat.write(nb, out)
    else:
        import jupytext

        jupytext.write(nb, out)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
