"""The ``nbautodiff`` command: run a lesson notebook on a backend, or on several and compare them cell by cell.

    nbautodiff run notebooks/01_autograd.ipynb --backend torch --output /tmp/01_torch.ipynb
    nbautodiff compare notebooks/01_autograd.ipynb               # the own engine against real PyTorch
    nbautodiff compare notebooks/01_autograd.ipynb --backends numpy torch torch:cuda
    nbautodiff lessons

Each run starts a fresh Jupyter kernel (nbclient) in the notebook's folder with ``NBAUTODIFF_BACKEND`` set,
so ``import nbautodiff.torch as torch`` in the notebook gives the own engine or real PyTorch. ``compare``
holds the outputs of each backend against the first one's: stream text and the ``text/plain`` and
``text/html`` of results and displays (images are ignored), after the sanitize rules (object addresses,
warning locations, and a ``nbval_sanitize.cfg`` next to the notebook if there is one). Texts that differ
only in their numbers match when no number differs by more than ``--tolerance``.

The work is done by plain functions (``execute``, ``compare_outputs``) that tests call directly;
``main(argv)`` is the shell around them and returns the exit code: 0 all well, 1 a cell raised or the
backends disagree, 2 a usage error (unknown backend, missing notebook) found before any kernel starts.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .backends import ENV, parse

DEFAULT_TIMEOUT = 600  # seconds per cell
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
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# ----------------------------------------------------------------------------------------------- backends


def check_backend(spec: str) -> str:
    """``"torch:cuda"`` → ``"torch:cuda"``: the backend's label, or ValueError — without starting a kernel.

    The name and device are checked by ``nbautodiff.backends.parse``; a ``torch`` backend needs PyTorch to
    be installed, and a CUDA device needs a GPU that PyTorch can see (this imports torch, only then).
    """
    try:
        name, device = parse(spec)
    except ValueError as e:
        if not str(e).startswith("unknown backend"):
            raise
        raise ValueError(
            f"unknown backend {spec!r}: choose numpy (nbautodiff's own engine), torch (real PyTorch) "
            "or torch:cuda (PyTorch on the GPU)"
        ) from None
    if name == "torch":
        if importlib.util.find_spec("torch") is None:
            raise ValueError(
                f"backend {spec!r} needs PyTorch, which is not installed: pip install torch "
                "(the own engine, 'numpy', needs nothing more)"
            )
    if device != "cpu":  # numpy:cuda, or CUDA without a GPU: say so before any kernel starts
        from .backends import _make

        try:
            _make(name, device)
        except RuntimeError as e:
            raise ValueError(str(e)) from None
    return name if device == "cpu" else f"{name}:{device}"


def kernel_env(backend: str) -> dict[str, str]:
    """The kernel's environment: this one, with ``NBAUTODIFF_BACKEND`` set.

    From a source checkout, the checkout also goes first on ``PYTHONPATH``, so that the kernel (which runs
    in the notebook's folder) imports the same nbautodiff as this command.
    """
    env = dict(os.environ)
    env[ENV] = backend
    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file():
        env["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


# ------------------------------------------------------------------------------------------------ running


def read_notebook(path: str | Path):
    """An ``.ipynb`` with nbformat; another suffix (a jupytext ``.py`` twin) with jupytext."""
    path = Path(path)
    if path.suffix == ".ipynb":
        import nbformat

        return nbformat.read(path, as_version=4)
    import jupytext

    return jupytext.read(path)


def runnable(cell) -> bool:
    """Whether nbclient executes the cell: a code cell with code in it and no ``skip-execution`` tag."""
    return (
        cell.cell_type == "code"
        and bool(cell.source.strip())
        and "skip-execution" not in cell.get("metadata", {}).get("tags", [])
    )


def cell_seconds(cell) -> float | None:
    """The kernel's time for a cell, from the timestamps nbclient's ``record_timing`` stores in its metadata."""
    stamps = cell.get("metadata", {}).get("execution", {})
    start = stamps.get("iopub.execute_input") or stamps.get("iopub.status.busy")
    end = stamps.get("shell.execute_reply")
    if not (start and end):
        return None
    return max(0.0, (_timestamp(end) - _timestamp(start)).total_seconds())


def _timestamp(s: str) -> datetime:
    return datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)  # Python 3.10 wants no "Z"


def cell_error(cell):
    """The cell's (last) error output, or None."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return errors[-1] if errors else None


def expects_error(cell) -> bool:
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


def cell_status(cell, timings: dict[int, float] | None = None, index: int | None = None) -> str:
    """``ok``, ``error``, ``raised`` (an error the cell's ``raises-exception`` tag expects) or ``not run``."""
    ran = cell.get("execution_count") is not None or (timings is not None and index in timings)
    if not ran and cell_error(cell) is None:
        return "not run"
    if cell_error(cell) is not None:
        return "raised" if expects_error(cell) else "error"
    return "ok"


def execute(
    path: str | Path,
    backend: str = "numpy",
    timeout: float | None = DEFAULT_TIMEOUT,
    *,
    on_cell: Callable[[int, object, str], None] | None = None,
):
    """Run the notebook in a fresh kernel on ``backend``, in the notebook's folder; → ``(notebook, timings)``.

    ``timings`` maps the index (in ``notebook.cells``) of each cell that ran to its seconds. The notebook
    comes back with its outputs, as Jupyter's "Run All" leaves it: execution stops at the first cell that
    raises (unless its ``raises-exception`` tag expects it), and the cells after it are left without outputs;
    a timeout or a kernel that died shows as an error output in the cell that was running. ``on_cell(index,
    cell, status)`` is called after each cell (for a progress bar). The file is not written.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    label = check_backend(backend)
    nb = read_notebook(path)
    for cell in nb.cells:  # stored outputs would pass for this run's in the cells that do not run
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)

    running: list = []  # [index, start] of the cell in the kernel
    wall: dict[int, float] = {}

    def started(cell, cell_index):
        running[:] = [cell_index, time.perf_counter()]

    def executed(cell, cell_index, execute_reply):
        wall[cell_index] = time.perf_counter() - running[1]
        running.clear()
        if on_cell is not None:
            status = (execute_reply or {}).get("content", {}).get("status", "ok")
            on_cell(cell_index, cell, "ok" if status == "ok" else "raised" if expects_error(cell) else "error")

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=True,
        resources={"metadata": {"path": str(path.resolve().parent)}},
        on_cell_execute=started,
        on_cell_executed=executed,
    )
    # The kernel's own stderr (ipykernel's start-up notices) goes to a file, shown only if the kernel fails.
    with tempfile.TemporaryFile() as kernel_log:
        try:
            client.execute(env=kernel_env(label), stderr=kernel_log)
        except CellExecutionError:
            pass  # the traceback is in the cell's outputs; the cells after it did not run
        except (CellTimeoutError, DeadKernelError, RuntimeError) as e:
            log = _tail(kernel_log)
            if not running:  # the kernel did not start, or died between cells
                raise RuntimeError(f"the {label} kernel failed: {e}" + (f"\nkernel log:\n{log}" if log else "")) from e
            index, start = running
            wall[index] = time.perf_counter() - start
            if on_cell is not None:
                on_cell(index, nb.cells[index], "error")
            nb.cells[index].outputs.append(_error_output(e, timeout, log))

    timings = {}
    for index, seconds in wall.items():  # the kernel's own timestamps where it gave them, else the wall clock
        kernel = cell_seconds(nb.cells[index])
        timings[index] = seconds if kernel is None else kernel
    return nb, timings


def _tail(f, lines: int = 20) -> str:
    f.seek(0)
    text = f.read().decode(errors="replace")
    return "\n".join(text.strip().splitlines()[-lines:])


def _error_output(e: BaseException, timeout, log: str):
    import nbformat
    from nbclient.exceptions import CellTimeoutError

    if isinstance(e, CellTimeoutError):
        ename, evalue = "CellTimeoutError", f"the cell ran longer than the timeout ({timeout} s; see --timeout)"
        log = ""  # the kernel's complaints about being shut down mid-cell
    else:
        ename, evalue = type(e).__name__, str(e) or "the kernel died"
    return nbformat.v4.new_output(
        "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"] + log.splitlines()
    )


def error_summary(cell, lines: int = 6) -> str:
    """The cell's error as text: ``ename: evalue`` and the last lines of its traceback, without colours."""
    err = cell_error(cell)
    if err is None:
        return ""
    tb = [line for line in _ANSI.sub("", "\n".join(err.get("traceback", []))).splitlines() if line.strip()]
    return "\n".join(tb[-lines:]) or f"{err.get('ename')}: {err.get('evalue')}"


# ---------------------------------------------------------------------------------------------- comparing


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


def first_line(source: str, width: int = 40) -> str:
    line = next((s for s in source.splitlines() if s.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


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


# ------------------------------------------------------------------------------------------------- output


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


def _table(title: str, columns: list[str], rows: list[list[str]]) -> str:
    from .engine.report import Table

    return str(Table(title, columns, rows))


# ----------------------------------------------------------------------------------------------- commands


def cmd_run(args) -> int:
    path = _existing(args)
    progress = Progress(sum(map(runnable, read_notebook(path).cells)))
    progress.start(args.backend)
    try:
        nb, timings = execute(path, args.backend, args.timeout, on_cell=progress.cell)
        progress.done()
    except RuntimeError as e:
        progress.close()
        print(f"nbautodiff run: {e}", file=sys.stderr)
        return 1
    progress.close()

    rows, counts = [], {}
    for index, cell in enumerate(nb.cells):
        if runnable(cell):
            status = cell_status(cell, timings, index)
            counts[status] = counts.get(status, 0) + 1
            rows.append([str(index), first_line(cell.source), status, _seconds(timings.get(index))])
    print(_table(f"{path} on {args.backend}", ["cell", "source", "status", "seconds"], rows))
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
    path = _existing(args)
    backends = list(dict.fromkeys(args.backends))
    if len(backends) < 2:
        args.error(f"compare needs two backends or more, got {backends}")
    rules = SANITIZE + (load_sanitize(args.sanitize_with) if args.sanitize_with else _project_rules(path))

    progress = Progress(len(backends) * sum(map(runnable, read_notebook(path).cells)))
    runs = {}
    try:
        for backend in backends:
            progress.start(backend)
            runs[backend] = execute(path, backend, args.timeout, on_cell=progress.cell)
            progress.done()
    except RuntimeError as e:
        progress.close()
        print(f"nbautodiff compare: {e}", file=sys.stderr)
        return 1
    progress.close()

    ref, others = backends[0], backends[1:]
    comparisons = {b: compare_outputs(runs[ref][0], runs[b][0], args.tolerance, rules, (ref, b)) for b in others}
    rows, problems = [], []
    for k, first in enumerate(comparisons[others[0]]):
        per = [comparisons[b][k] for b in others]
        seconds = [first.seconds[0]] + [c.seconds[1] for c in per]
        if len(others) == 1 or all(c.describe() == "match" for c in per):
            result = per[0].describe(args.tolerance)
        else:
            result = "; ".join(f"{b}: {c.describe(args.tolerance)}" for b, c in zip(others, per))
        rows.append([str(first.index), first.source] + [_seconds(s) for s in seconds] + [result])
        problems += [(b, c) for b, c in zip(others, per) if not c.ok]

    title = f"{path}: {' vs '.join(backends)}, outputs against {ref}'s (tolerance {args.tolerance:g})"
    print(_table(title, ["cell", "source"] + [f"{b} s" for b in backends] + ["result"], rows))
    times = ", ".join(f"{b} {sum(runs[b][1].values()):.2f} s" for b in backends)
    bad = len({c.index for _, c in problems})
    close = sum(all(c.ok for c in per) and any(c.max_diff for c in per) for per in zip(*comparisons.values()))
    print(
        f"{len(rows)} code cells: {len(rows) - bad} match"
        + (f" ({close} within the tolerance)" if close else "")
        + f", {bad} differ or fail; time in cells: {times}"
    )

    for backend, c in problems:
        if c.status == "mismatch":
            print(f"\ncell {c.index} differs on {backend}:\n{_indent(runs[ref][0].cells[c.index].source)}")
            print(_indent(c.detail))
    for backend in backends:
        nb, timings = runs[backend]
        statuses = {i: cell_status(c, timings, i) for i, c in enumerate(nb.cells) if runnable(c)}
        for index in (i for i, s in statuses.items() if s == "error"):
            print(f"\ncell {index} raised on {backend}:\n{_indent(nb.cells[index].source)}")
            print(_indent(error_summary(nb.cells[index]), "  | "))
        skipped = [str(i) for i, s in statuses.items() if s == "not run"]
        if skipped:
            print(f"\n{backend} did not run cells {', '.join(skipped)} (a run stops at the first cell that raises)")
    return 1 if problems else 0


def cmd_lessons(args) -> int:
    folder = args.folder or _lessons_folder()
    if folder is None or not folder.is_dir():
        print("nbautodiff lessons: no notebooks/ folder here (run it from the repository's root)", file=sys.stderr)
        return 1
    rows = []
    for path in sorted(folder.glob("*.ipynb")):
        title = ""
        try:
            nb = read_notebook(path)
            md = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
            title = first_line(md, 70).lstrip("# ")
        except Exception as e:  # a broken notebook is still listed
            title = f"(unreadable: {e})"
        rows.append([_relative(path), title])
    print(_table(f"lessons in {_relative(folder)}", ["notebook", "title"], rows))
    return 0


def _lessons_folder() -> Path | None:
    for folder in (Path.cwd() / "notebooks", Path(__file__).resolve().parents[1] / "notebooks"):
        if folder.is_dir():
            return folder
    return None


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _project_rules(notebook: Path) -> list[tuple[str, str]]:
    cfg = notebook.resolve().parent / SANITIZE_FILE
    return load_sanitize(cfg) if cfg.is_file() else []


def _existing(args) -> Path:
    """The notebook, checked: it exists, is an .ipynb or a jupytext percent .py, and can be read.

    Nothing else is run: jupytext reads Markdown too, and would run its shell blocks as cells.
    """
    path = Path(args.notebook)
    if not path.is_file():
        args.error(f"no such notebook: {path}")
    if path.suffix not in (".ipynb", ".py"):
        args.error(f"{path}: not a notebook (give an .ipynb, or its jupytext percent-format .py twin)")
    if path.suffix == ".py" and "# %%" not in path.read_text(errors="replace"):
        args.error(f"{path}: a .py file without '# %%' cells is not a jupytext notebook")
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


def _backend_arg(spec: str) -> str:
    try:
        return check_backend(spec)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _timeout_arg(s: str) -> float | None:
    t = float(s)
    if not 0 < t < float("inf"):
        raise argparse.ArgumentTypeError("the timeout is in seconds and must be a positive number")
    return t


def _tolerance_arg(s: str) -> float:
    t = float(s)
    if not 0 <= t < float("inf"):  # nan would make every number match
        raise argparse.ArgumentTypeError("the tolerance must be a number >= 0 (e.g. 1e-5)")
    return t


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbautodiff",
        description="Run nbautodiff's lesson notebooks on a backend (the own numpy engine or real PyTorch), "
        "or on several and compare their outputs cell by cell.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    backends = "numpy (nbautodiff's own engine), torch (real PyTorch) or torch:cuda"
    timeout = dict(
        type=_timeout_arg,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds a cell may run (default {DEFAULT_TIMEOUT})",
    )

    run = sub.add_parser(
        "run",
        help="run a notebook on one backend and summarise it cell by cell",
        description="Run NOTEBOOK in a fresh kernel, in its folder, with NBAUTODIFF_BACKEND set; print each "
        "cell's status and seconds. Stops at the first cell that raises (exit code 1) and shows its traceback.",
    )
    run.add_argument("notebook", metavar="NOTEBOOK", help="an .ipynb (or a jupytext .py twin)")
    run.add_argument(
        "--backend",
        type=_backend_arg,
        default=os.environ.get(ENV) or "numpy",
        help=f"{backends}; default: $NBAUTODIFF_BACKEND, else numpy",
    )
    run.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="OUT.ipynb",
        help="write the executed notebook here (by default nothing is written)",
    )
    run.add_argument("--timeout", **timeout)
    run.set_defaults(func=cmd_run, error=run.error)

    compare = sub.add_parser(
        "compare",
        help="run a notebook on several backends and compare the outputs cell by cell",
        description="Run NOTEBOOK on each backend and compare every code cell's text outputs (streams, "
        "text/plain, text/html; images are ignored) with the first backend's, after sanitizing object "
        "addresses, warning locations and the rules of an nbval_sanitize.cfg next to the notebook. Texts that "
        "differ only in numbers match within --tolerance. Exit code 1 on any mismatch or error.",
    )
    compare.add_argument("notebook", metavar="NOTEBOOK", help="an .ipynb (or a jupytext .py twin)")
    compare.add_argument(
        "--backends",
        nargs="+",
        type=_backend_arg,
        default=["numpy", "torch"],
        metavar="BACKEND",
        help=f"two or more of {backends}; the first is the reference (default: numpy torch)",
    )
    compare.add_argument(
        "--tolerance",
        type=_tolerance_arg,
        metavar="TOL",
        default=1e-5,
        help="largest absolute difference between numbers that still matches (default 1e-5)",
    )
    compare.add_argument(
        "--sanitize-with",
        type=Path,
        metavar="FILE",
        help=f"an nbval sanitize file (default: {SANITIZE_FILE} next to the notebook, if any)",
    )
    compare.add_argument("--timeout", **timeout)
    compare.set_defaults(func=cmd_compare, error=compare.error)

    lessons = sub.add_parser(
        "lessons",
        help="list the lesson notebooks",
        description="List the notebooks in ./notebooks (or the checkout's notebooks/ folder) with their titles.",
    )
    lessons.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    lessons.set_defaults(func=cmd_lessons, error=lessons.error)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The ``nbautodiff`` command; returns the exit code (argparse's usage errors give 2, --help 0)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
