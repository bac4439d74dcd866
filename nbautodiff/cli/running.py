"""Running a notebook: the checks made before any kernel starts, the kernel's environment, and ``execute``."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ..backends import ENV, parse

DEFAULT_TIMEOUT = 600  # seconds per cell
LAB = 'pip install "nbautodiff[lab]"'
TORCH = 'pip install "nbautodiff[torch]"'

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ROOT = Path(__file__).resolve().parents[2]  # the repository's root, when this runs from a source checkout


def checkout() -> Path | None:
    """The source checkout this nbautodiff runs from, or None when it is installed."""
    return _ROOT if (_ROOT / "pyproject.toml").is_file() and (_ROOT / "nbautodiff").is_dir() else None


# ----------------------------------------------------------------------------------- checks, no kernel yet


def need(modules: tuple[str, ...], what: str, install: str = LAB) -> None:
    """ValueError naming ``install`` unless every module can be imported (found, not imported: that is slow)."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        names = " and ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
        raise ValueError(f"{what} needs {names}, which {'are' if len(missing) > 1 else 'is'} not installed: {install}")


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
        need(("torch",), f"backend {spec!r}", f"{TORCH} (the own engine, 'numpy', needs nothing more)")
    if device != "cpu":  # numpy:cuda, or CUDA without a GPU: say so before any kernel starts
        from ..backends import _make

        try:
            _make(name, device)
        except RuntimeError as e:
            raise ValueError(str(e)) from None
    return name if device == "cpu" else f"{name}:{device}"


def kernel_specs() -> dict[str, str]:
    """{name: folder} of the Jupyter kernels installed (where ``JUPYTER_PATH`` and the defaults point)."""
    need(("jupyter_client",), "running a named kernel")
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager().find_kernel_specs()


def check_kernel(name: str) -> str:
    """The kernel's name if Jupyter has it installed, else ValueError naming the installed ones."""
    specs = kernel_specs()
    if name not in specs:
        from ..kernels import KERNELS

        hint = "it" if name in KERNELS else "nbautodiff's"
        raise ValueError(
            f"unknown kernel {name!r}: installed are {', '.join(sorted(specs)) or 'none'} "
            f"(nbautodiff kernels install adds {hint})"
        )
    return name


def kernel_env(backend: str | None) -> dict[str, str]:
    """The kernel's environment: this one, with ``NBAUTODIFF_BACKEND`` set to ``backend`` (None: left as it is,
    for a named kernel, whose kernel.json sets it).

    From a source checkout, the checkout also goes first on ``PYTHONPATH``, so that the kernel (which runs
    in the notebook's folder) imports the same nbautodiff as this command.
    """
    env = dict(os.environ)
    if backend is not None:
        env[ENV] = backend
    root = checkout()
    if root is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


# ------------------------------------------------------------------------------------------ the notebook


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


def first_line(source: str, width: int = 40) -> str:
    line = next((s for s in source.splitlines() if s.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


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


def error_summary(cell, lines: int = 6) -> str:
    """The cell's error as text: ``ename: evalue`` and the last lines of its traceback, without colours."""
    err = cell_error(cell)
    if err is None:
        return ""
    tb = [line for line in _ANSI.sub("", "\n".join(err.get("traceback", []))).splitlines() if line.strip()]
    return "\n".join(tb[-lines:]) or f"{err.get('ename')}: {err.get('evalue')}"


# ------------------------------------------------------------------------------------------------ running


def execute(
    path: str | Path,
    backend: str = "numpy",
    timeout: float | None = DEFAULT_TIMEOUT,
    *,
    kernel: str | None = None,
    on_cell: Callable[[int, object, str], None] | None = None,
):
    """Run the notebook in a fresh kernel on ``backend``, in the notebook's folder; → ``(notebook, timings)``.

    ``kernel`` names an installed Jupyter kernel to run in instead (``nbautodiff-torch``: its kernel.json sets
    the backend, and ``backend`` is not used). ``timings`` maps the index (in ``notebook.cells``) of each cell
    that ran to its seconds. The notebook comes back with its outputs, as Jupyter's "Run All" leaves it:
    execution stops at the first cell that raises (unless its ``raises-exception`` tag expects it), and the
    cells after it are left without outputs; a timeout or a kernel that died shows as an error output in the
    cell that was running. ``on_cell(index, cell, status)`` is called after each cell (for a progress bar).
    The file is not written. Ctrl-C shuts the kernel down and raises KeyboardInterrupt.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    label = kernel if kernel is not None else check_backend(backend)
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

    interruptible = _Interruptible(busy=lambda: bool(running))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel or "python3",
        record_timing=True,
        resources={"metadata": {"path": str(path.resolve().parent)}},
        on_cell_start=interruptible.cell_start,
        on_cell_execute=started,
        on_cell_executed=executed,
    )
    # The kernel's own stderr (ipykernel's start-up notices) goes to a file, shown only if the kernel fails.
    with tempfile.TemporaryFile() as kernel_log:
        try:
            interruptible.execute(client, env=kernel_env(None if kernel else label), stderr=kernel_log)
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
        kernel_seconds = cell_seconds(nb.cells[index])
        timings[index] = seconds if kernel_seconds is None else kernel_seconds
    return nb, timings


class _Interrupted(Exception):
    """Raised in the run's event loop when Ctrl-C came while no cell was running."""


class _Interruptible:
    """Runs ``client.async_execute`` in a thread of its own, so that Ctrl-C comes to this one and stops the run.

    On the main thread nbclient takes SIGINT over for the whole run: it shuts the kernel down but lets the run
    go on, which then fails on the dead kernel with a traceback. Off the main thread it sets no handler, Ctrl-C
    is a KeyboardInterrupt here, and the run is stopped: the running cell's task is cancelled (or the next cell
    refuses to start), nbclient's cleanup shuts the kernel down at once, and KeyboardInterrupt is raised again.
    ``busy()`` says whether a cell is running: the kernel's start and the cleanup are not cancelled.
    """

    def __init__(self, busy: Callable[[], bool]):
        self.busy, self.stop = busy, threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task | None = None

    def cell_start(self, cell, cell_index) -> None:
        if self.stop.is_set():
            raise _Interrupted

    def execute(self, client, **kwargs) -> None:
        errors: list[BaseException] = []
        finished = threading.Event()  # not Thread.join: a join that Ctrl-C broke takes the thread for stopped

        async def run():
            self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
            await client.async_execute(**kwargs)

        def work():
            try:
                asyncio.run(run())  # which cancels the tasks nbclient leaves pending, and closes the loop
            except BaseException as e:  # handed to the main thread, which raises it
                errors.append(e)
            finally:
                finished.set()

        threading.Thread(target=work, name="nbautodiff-kernel", daemon=True).start()
        try:
            while not finished.wait(0.1):
                pass
        except KeyboardInterrupt:
            self.stop.set()
            client.shutdown_kernel = "immediate"
            if self.busy():
                try:
                    self.loop.call_soon_threadsafe(self.task.cancel)
                except RuntimeError:  # the loop has just closed: the run is over
                    pass
            try:
                finished.wait(30)  # the kernel shuts down in a moment; one still starting is stopped at its first cell
            except KeyboardInterrupt:
                pass  # a second Ctrl-C: leave now (the kernel ends itself when it sees its parent gone)
            raise KeyboardInterrupt from None
        if errors:
            raise errors[0]


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
