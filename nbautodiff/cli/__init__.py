"""The ``nbautodiff`` command: run a lesson notebook on a backend, or on several and compare them cell by cell.

    nbautodiff run notebooks/01_djl_autograd.ipynb --backend torch --output 01_torch.ipynb
    nbautodiff run notebooks/01_djl_autograd.ipynb --kernel nbautodiff-torch  # in an installed Jupyter kernel
    nbautodiff compare notebooks/01_djl_autograd.ipynb               # the own engine against real PyTorch
    nbautodiff compare notebooks/01_djl_autograd.ipynb --backends numpy torch torch:cuda
    nbautodiff kernels install                                   # a Jupyter kernel per backend
    nbautodiff lessons [--copy DIR | --open [DIR]]

Each run starts a fresh Jupyter kernel (nbclient) in the notebook's folder with ``NBAUTODIFF_BACKEND`` set (or
a named kernel, whose kernel.json sets it), so ``import nbautodiff.torch as torch`` in the notebook gives the
own engine or real PyTorch. ``compare`` holds the outputs of each backend against the first one's: stream text
and the ``text/plain`` and ``text/html`` of results and displays (images are ignored), after the sanitize rules
(object addresses, warning locations, and a ``nbval_sanitize.cfg`` next to the notebook if there is one). Texts
that differ only in their numbers match when no number differs by more than ``--tolerance``.

The work is done by plain functions (``execute``, ``compare_outputs``) that tests call directly; the modules:
``running`` (the checks, the kernel's environment, ``execute``), ``comparing``, ``commands`` (run, compare),
``kernelspecs`` and ``lessons``. ``main(argv)`` is the shell around them and returns the exit code: 0 all well,
1 a cell raised or the backends disagree, 2 a usage error (unknown backend or kernel, missing notebook, a
missing optional dependency) found before any kernel starts, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import kernelspecs
from .commands import DEFAULT_BACKENDS, Progress, cmd_compare, cmd_run
from .comparing import (
    SANITIZE,
    SANITIZE_FILE,
    TEXT_MIMES,
    CellComparison,
    compare_outputs,
    load_sanitize,
    number_diff,
    output_texts,
    sanitize,
)
from .lessons import OPEN_FOLDER, cmd_lessons, lessons_folder
from .running import (
    DEFAULT_TIMEOUT,
    cell_error,
    cell_seconds,
    cell_status,
    check_backend,
    check_kernel,
    error_summary,
    execute,
    expects_error,
    first_line,
    kernel_env,
    read_notebook,
    runnable,
)

__all__ = [
    "DEFAULT_TIMEOUT", "SANITIZE", "SANITIZE_FILE", "TEXT_MIMES", "CellComparison", "Progress", "build_parser",
    "cell_error", "cell_seconds", "cell_status", "check_backend", "check_kernel", "cmd_compare", "cmd_lessons",
    "cmd_run", "compare_outputs", "error_summary", "execute", "expects_error", "first_line", "kernel_env",
    "lessons_folder", "load_sanitize", "main", "number_diff", "output_texts", "read_notebook", "runnable", "sanitize",
]

_BACKENDS = "numpy (nbautodiff's own engine), torch (real PyTorch) or torch:cuda"


def _arg(check):
    """An argparse type from a check that raises ValueError: its message becomes the usage error."""

    def convert(value: str):
        try:
            return check(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    convert.__name__ = check.__name__  # argparse names the type in some messages
    return convert


def _number(s: str) -> float:
    try:
        return float(s)
    except ValueError:
        return float("nan")  # which no check below lets through


def _timeout(s: str) -> float | None:
    t = _number(s)
    if not 0 < t < float("inf"):
        raise ValueError("the timeout is in seconds and must be a positive number")
    return t


def _tolerance(s: str) -> float:
    t = _number(s)
    if not 0 <= t < float("inf"):  # nan would make every number match
        raise ValueError("the tolerance must be a number >= 0 (e.g. 1e-5)")
    return t


def _help(parser: argparse.ArgumentParser):
    """The command of a parser given no sub-command: its help, and exit code 0."""

    def show(args) -> int:
        parser.print_help()
        return 0

    return show


def _add_notebook_command(sub, name: str, timeout: dict, **texts):
    """A command that runs NOTEBOOK: the parser, and its group for the mutually exclusive --backend and --kernel."""
    command = sub.add_parser(name, **texts)
    command.add_argument("notebook", metavar="NOTEBOOK", help="an .ipynb (or a jupytext .py twin)")
    command.add_argument("--timeout", **timeout)
    return command, command.add_mutually_exclusive_group()


def _add_run(sub, timeout: dict) -> None:
    run, on = _add_notebook_command(
        sub, "run", timeout, help="run a notebook on one backend and summarise it cell by cell",
        description="Run NOTEBOOK in a fresh kernel, in its folder, with NBAUTODIFF_BACKEND set (or in an installed "
        "kernel: --kernel); print each cell's status and seconds. Stops at the first cell that raises (exit code 1) "
        "and shows its traceback.",
    )
    on.add_argument("--backend", type=_arg(check_backend), help=f"{_BACKENDS}; default: $NBAUTODIFF_BACKEND or numpy")
    on.add_argument(
        "--kernel",
        type=_arg(check_kernel),
        metavar="NAME",
        help="run in this installed Jupyter kernel instead (e.g. nbautodiff-torch: see nbautodiff kernels)",
    )
    run.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="OUT.ipynb",
        help="write the executed notebook here (by default nothing is written)",
    )
    run.set_defaults(func=cmd_run, error=run.error)


def _add_compare(sub, timeout: dict) -> None:
    compare, on = _add_notebook_command(
        sub, "compare", timeout, help="run a notebook on several backends and compare the outputs cell by cell",
        description="Run NOTEBOOK on each backend and compare every code cell's text outputs (streams, "
        "text/plain, text/html; images are ignored) with the first backend's, after sanitizing object "
        "addresses, warning locations and the rules of an nbval_sanitize.cfg next to the notebook. Texts that "
        "differ only in numbers match within --tolerance. Exit code 1 on any mismatch or error.",
    )
    on.add_argument(
        "--backends",
        nargs="+",
        type=_arg(check_backend),
        metavar="BACKEND",
        help=f"two or more of {_BACKENDS}; the first is the reference (default: {' '.join(DEFAULT_BACKENDS)})",
    )
    on.add_argument(
        "--kernels",
        nargs="+",
        type=_arg(check_kernel),
        metavar="NAME",
        help="two or more installed Jupyter kernels instead (e.g. nbautodiff-numpy nbautodiff-torch)",
    )
    compare.add_argument(
        "--tolerance",
        type=_arg(_tolerance),
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
    compare.set_defaults(func=cmd_compare, error=compare.error)


def _add_kernels(sub) -> None:
    kernels = sub.add_parser(
        "kernels",
        help="install, list or remove a Jupyter kernel per backend",
        description="A Jupyter kernel per backend (nbautodiff-numpy, nbautodiff-torch, nbautodiff-torch-cuda): "
        "choosing one in Jupyter's kernel menu runs the whole notebook on that backend, with the magics loaded.",
    )
    kernels.set_defaults(func=_help(kernels))
    actions = kernels.add_subparsers(metavar="ACTION")

    install = actions.add_parser(
        "install",
        help="install the kernels (numpy; torch where PyTorch is installed; torch-cuda where it sees a GPU)",
        description="Install the kernels, running this Python. Default: --user.",
    )
    where = install.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="for this user alone (the default)")
    where.add_argument("--sys-prefix", action="store_true", help=f"in this Python environment ({sys.prefix})")
    where.add_argument("--prefix", type=Path, metavar="DIR", help="under DIR/share/jupyter/kernels")
    install.add_argument(
        "--cuda",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the torch-cuda kernel too, or not (default: where PyTorch sees a GPU)",
    )
    install.set_defaults(func=kernelspecs.cmd_install, error=install.error)

    uninstall = actions.add_parser(
        "uninstall",
        help="remove the kernels, wherever Jupyter finds them",
        description="Remove the nbautodiff kernels (all, or those named) from every place Jupyter finds them.",
    )
    uninstall.add_argument("names", nargs="*", metavar="NAME", help="the kernels to remove (default: all)")
    uninstall.set_defaults(func=kernelspecs.cmd_uninstall, error=uninstall.error)

    listing = actions.add_parser("list", help="the nbautodiff kernels Jupyter finds, with their backends")
    listing.set_defaults(func=kernelspecs.cmd_list, error=listing.error)


def _add_lessons(sub) -> None:
    lessons = sub.add_parser(
        "lessons",
        help="list the lesson notebooks, copy them out, or open a copy in JupyterLab",
        description="List the lessons that come with nbautodiff, with their titles; --copy DIR copies them out "
        "(to edit and run them), --open starts JupyterLab on a copy.",
    )
    what = lessons.add_mutually_exclusive_group()
    what.add_argument("--copy", type=Path, metavar="DIR", help="copy them into DIR (made if missing)")
    what.add_argument(
        "--open",
        type=Path,
        nargs="?",
        const=Path(OPEN_FOLDER),
        metavar="DIR",
        help=f"copy them into DIR (default ./{OPEN_FOLDER}; files already there are kept) and start JupyterLab there",
    )
    lessons.add_argument("--force", action="store_true", help="overwrite lessons already in DIR")
    lessons.add_argument("--folder", type=Path, help=argparse.SUPPRESS)  # the lessons from elsewhere: tests
    lessons.set_defaults(func=cmd_lessons, error=lessons.error)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbautodiff",
        description="Run nbautodiff's lesson notebooks on a backend (the own numpy engine or real PyTorch), "
        "or on several and compare their outputs cell by cell.",
    )
    parser.set_defaults(func=_help(parser))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    timeout = dict(
        type=_arg(_timeout),
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds a cell may run (default {DEFAULT_TIMEOUT})",
    )
    _add_run(sub, timeout)
    _add_compare(sub, timeout)
    _add_kernels(sub)
    _add_lessons(sub)
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
    except BrokenPipeError:  # `nbautodiff lessons | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's flush at exit cannot fail again
        return 141  # 128 + SIGPIPE, as a shell reports it
