"""IPython magics: ``%%autodiff`` (record a cell and show what its tape did), ``%autodiff_backend`` and
``%autodiff_graph``. Load them with ``%load_ext nbautodiff`` (or ``c.InteractiveShellApp.extensions =
["nbautodiff"]``). Each magic parses, calls the plain functions of ``nbautodiff.session``, and displays.
"""

from __future__ import annotations

from IPython.core import magic_arguments
from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.display import display

from . import backends
from .session import CellFailed, CellModel, CellOptions, is_array, run_cell


@magics_class
class AutodiffMagics(Magics):
    """``%%autodiff``, ``%autodiff_backend``, ``%autodiff_graph``."""

    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--no-graph", action="store_true", help="leave out the picture of the graph")
    @magic_arguments.argument("--trace", action="store_true",
                              help="the primal, tangent and adjoint tables (for cells whose inputs are a few scalars)")
    @magic_arguments.argument("--check", action="store_true",
                              help="check every leaf's gradient against central differences: a pass/fail row each")
    @magic_arguments.argument("--compare", nargs="?", const="other", default=None, metavar="BACKEND",
                              help="run the cell again on the other backend (or BACKEND) in a copy and show the "
                                   "value and gradient differences and the time ratio")
    @magic_arguments.argument("--backend", default=None, metavar="BACKEND",
                              help="run this cell on numpy, torch or torch:cuda, then switch back")
    @magic_arguments.argument("--step", action="store_true", help="the backprop stepper for the cell's output")
    @magic_arguments.argument("--explore", action="store_true", help="a slider for each scalar leaf of the cell")
    @magic_arguments.argument("--lang", default="en", choices=["en", "zh"], help="labels in English or Chinese")
    @magic_arguments.argument("-o", dest="output", default=None, metavar="NAME",
                              help="store the report object in the variable NAME")
    @magic_arguments.argument("--quiet", action="store_true", help="show nothing (with -o: keep the report only)")
    @cell_magic
    def autodiff(self, line: str, cell: str):
        """Run the cell, record what its tape did, and show it: the tensors the cell made or rebound (shape, dtype,
        requires_grad, is_leaf, grad_fn, value, grad) and the picture of their graph, with every value.

        Example::

            %%autodiff --trace --check
            x1 = torch.tensor(2.0, requires_grad=True)
            x2 = torch.tensor(5.0, requires_grad=True)
            y = torch.log(x1) + x1 * x2 - torch.sin(x2)
            y.backward()

        A cell that raises shows its own traceback only, counts as failed, and leaves grad mode, anomaly mode
        and the backend as they were. ``--trace``, ``--check``, ``--compare`` and ``--explore`` run the cell's
        code again in a copy of the namespace: the notebook's variables are not touched.
        """
        args = magic_arguments.parse_argstring(self.autodiff, line)
        for spec in (args.backend, args.compare if args.compare not in (None, "other") else None):
            if spec is not None:
                try:
                    backends._make(*backends.parse(spec))
                except (ValueError, RuntimeError) as e:
                    raise UsageError(f"%%autodiff: {e}") from None
        options = CellOptions(graph=not args.no_graph, trace=args.trace, check=args.check, compare=args.compare,
                              backend=args.backend, step=args.step, explore=args.explore, lang=args.lang,
                              line=line.strip())
        report, _ = run_cell(self.shell, cell, options)  # CellFailed: the traceback is shown already
        if args.output:
            self.shell.user_ns[args.output] = report
        if args.quiet:
            return None
        display(report)
        if args.step and report.output is not None:
            display(_stepper(report))
        if args.explore and report.found:
            from .widgets.explorer import Explorer

            try:
                display(Explorer(CellModel(self.shell, report), lang=args.lang))
            except ValueError as e:
                raise UsageError(str(e)) from None
        return None

    @line_magic
    def autodiff_backend(self, line: str = ""):
        """Show the active backend, or switch it: ``%autodiff_backend torch`` (``numpy``, ``torch``,
        ``torch:cuda``). The same checks as ``nb.set_backend``; nothing changes on an error."""
        spec = line.strip()
        if not spec:
            return backends.backend()
        try:
            return backends.set_backend(spec)
        except (ValueError, RuntimeError) as e:
            raise UsageError(f"%autodiff_backend: {e}") from None

    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--lang", default="en", choices=["en", "zh"], help="labels in English or Chinese")
    @magic_arguments.argument("expression", nargs="+", help="a tensor, e.g. y or x.grad")
    @line_magic
    def autodiff_graph(self, line: str):
        """The picture of one tensor's graph: ``%autodiff_graph y`` (names from the notebook's variables)."""
        from .inspect import graph

        args = magic_arguments.parse_argstring(self.autodiff_graph, line)
        value = self.shell.ev(" ".join(args.expression))
        names = {k: v for k, v in self.shell.user_ns.items() if not k.startswith("_") and is_array(v)}
        return graph(value, names=names, lang=args.lang)


def _stepper(report):
    from .inspect.steps import watched
    from .widgets.stepper import Stepper, step

    out = report.found[report.output]
    if report.watcher is not None and report.watcher.raw:  # the cell's own backward, as it ran
        return Stepper(watched(report.watcher, out, names=report.found, lang=report.lang), lang=report.lang)
    return step(out, names=report.found, lang=report.lang)


def _quiet(shell, etype, value, tb, tb_offset=None):
    """The handler for CellFailed: the cell's own traceback is on screen already; add nothing."""
    return None


_saved: dict = {}


def load_ipython_extension(ip) -> None:
    """``%load_ext nbautodiff``: register the magics, and the quiet handler that lets a failing cell fail."""
    if ip in _saved:
        return
    _saved[ip] = (ip.custom_exceptions, ip.CustomTB)
    ip.register_magics(AutodiffMagics)
    ip.set_custom_exc((CellFailed,), _quiet)


def unload_ipython_extension(ip) -> None:
    """Take the magics out again and put back the exception handler they replaced."""
    previous = _saved.pop(ip, None)
    if previous is None:
        return
    for kind, names in (("cell", ["autodiff"]), ("line", ["autodiff_backend", "autodiff_graph"])):
        for name in names:
            ip.magics_manager.magics[kind].pop(name, None)
    ip.custom_exceptions, ip.CustomTB = previous
