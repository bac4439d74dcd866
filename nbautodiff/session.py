"""What ``%%autodiff`` does, as plain functions a test calls without a notebook: run a cell through an IPython
shell with its values recorded, find the tensors it made or rebound, and report them — the table, the picture, and
on request the evaluation trace, a numerical check of every gradient, and the same cell on the other backend.

The cell runs once, as a plain cell would (IPython syntax, ``display``, ``%time`` and its own result work). The
trace, the check and the comparison run the cell's code again in a copy of the namespace, so the user's variables
are never changed by them; a failing cell leaves grad mode, anomaly mode and the backend as they were.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import types
from dataclasses import dataclass, field

import numpy as np

from . import backends
from ._dialect import noted_gradient
from .engine import mode
from .engine.report import Report, Table, fmt
from .engine.tensor import Tensor
from .engine.tracing import Tracer
from .engine.watch import watching
from .inspect import graph, record
from .inspect.graph import shown_value
from .inspect.record import dialect_name, dialect_of, is_tensor, to_numpy, unwrap
from .inspect.steps import watch_backward
from .inspect.words import say

RTOL, ATOL = 1e-5, 1e-6  # "match" between backends: float32 tolerance
SMALL = 32  # leaves with at most this many elements are checked element by element; bigger ones along a direction
TRACE_LIMIT = 16  # --trace: the inputs' elements, in all


class CellFailed(Exception):
    """The cell raised: its traceback is already shown; the magic raises this so the cell counts as failed."""


@dataclass
class CellOptions:
    graph: bool = True
    trace: bool = False
    check: bool = False
    compare: str | None = None  # a backend, or "other"
    backend: str | None = None
    step: bool = False
    explore: bool = False
    lang: str = "en"
    line: str = ""  # the magic's own line, as the user wrote it


# ============================================================================ state that a failing cell must not change
class _State:
    """Grad mode, anomaly mode and the backend (the own engine's and PyTorch's), saved and put back."""

    def __init__(self):
        self.backend = backends.backend()
        self.grad, self.anomaly = mode.state.grad_enabled, mode.state.anomaly_enabled
        self.torch = None
        torch = sys.modules.get("torch")
        if torch is not None:
            self.torch = (torch.is_grad_enabled(), torch.is_anomaly_enabled())

    def restore(self) -> None:
        mode.state.grad_enabled, mode.state.anomaly_enabled = self.grad, self.anomaly
        if backends.backend() != self.backend:
            backends.set_backend(self.backend.name, self.backend.device)
        torch = sys.modules.get("torch")
        if torch is not None and self.torch is not None:
            torch.set_grad_enabled(self.torch[0])
            torch.autograd.set_detect_anomaly(self.torch[1])


# ============================================================================ what the cell made
def is_array(value) -> bool:
    """A tensor of either backend, or a dialect's array holding one."""
    return is_tensor(value) or (getattr(value, "_t", None) is not None and is_tensor(value._t))


def changed(namespace: dict, before: dict) -> dict:
    """{name: value} of the tensors and arrays the cell made or rebound (names that are new or hold another object)."""
    return {k: v for k, v in namespace.items()
            if not k.startswith("_") and is_array(v) and before.get(k) is not v}


def _grad_of(value):
    """The gradient a tensor or dialect array has, as numpy (None where there is none): its ``.grad``, or where its
    dialect keeps it (DJL's and MXNet's slots once a backward wrote them, the latest gradient TensorFlow's tape
    returned for it)."""
    t = unwrap(value)
    held, g = noted_gradient(t)
    if held:
        return None if g is None else to_numpy(g)
    if t.grad_fn is not None and not getattr(t, "retains_grad", False):
        return None  # reading .grad of a non-leaf warns, and it is None
    g = t.grad
    return None if g is None else to_numpy(g)


def tensor_table(found: dict, lang: str = "en") -> Table:
    rows = []
    for name, v in found.items():
        t = unwrap(v)
        dialect = dialect_of(v)
        kind = f"{type(v).__name__} ({dialect})" if dialect else "Tensor"  # the same on both backends
        fn = t.grad_fn
        g = _grad_of(v)
        waits = t.requires_grad and fn is None and not noted_gradient(t)[0]  # (TensorFlow stores no gradient)
        grad = shown_value(g) if g is not None else (say(lang, "not computed yet") if waits else "")
        rows.append([name, kind, str(tuple(t.shape)), str(t.dtype).removeprefix("torch."), str(t.requires_grad),
                     str(fn is None), "" if fn is None else type(fn).__name__, shown_value(to_numpy(t)), grad])
    return Table(say(lang, "tensors made", n=len(rows), s="s" if len(rows) != 1 else ""),
                 [say(lang, "name"), say(lang, "type"), say(lang, "shape"), say(lang, "dtype"), "requires_grad",
                  "is_leaf", "grad_fn", say(lang, "value"), say(lang, "grad")], rows)


def _output(found: dict, rec) -> str | None:
    """The cell's output: the scalar it computed last that has a graph (what backward was called on, usually)."""
    order = {k: i for i, k in enumerate(rec.order)} if rec is not None else {}
    best, rank = None, -1
    for name, v in found.items():
        t = unwrap(v)
        if t.grad_fn is not None and int(np.prod(t.shape)) == 1:
            from .inspect.record import key_of

            r = order.get(key_of(t), 0)
            if r >= rank:
                best, rank = name, r
    return best


# ============================================================================ running the cell again, in a copy
class _Leaves(Tracer):
    """While a cell runs again: the k-th leaf it makes gets ``values[k]`` (on either backend: ``watching``)."""

    def __init__(self, values: dict):
        self.values, self.count = values, 0

    def on_leaf(self, t) -> None:
        k, self.count = self.count, self.count + 1
        if k not in self.values:
            return
        values = np.asarray(self.values[k])
        if isinstance(t, Tensor):
            t._data = values.astype(t._data.dtype).reshape(t._data.shape).copy()
            return
        import torch

        with torch.no_grad():
            t.copy_(torch.as_tensor(values, dtype=t.dtype).reshape(t.shape))


def _substituted(values: dict) -> watching:
    """The k-th leaf made inside the block holds ``values[k]``, on whichever backend is active."""
    return watching(_Leaves(values))


class Snapshot:
    """The namespace as it was before the cell (tensor values and gradients copied, so in-place changes by the cell
    don't reach them), from which the cell can run again on any backend, in a copy."""

    def __init__(self, namespace: dict, deep: bool):
        self.namespace = namespace
        self.refs = dict(namespace)
        self.values = {}
        if deep:
            for k, v in namespace.items():
                if not k.startswith("_") and is_array(v):
                    t = unwrap(v)
                    self.values[k] = (to_numpy(t), _grad_of(v))

    def copy(self, target: backends.Backend) -> tuple[dict, list[str]]:
        """A namespace for running the cell again on ``target``: the user's tensors, arrays, modules and the
        functions defined in the notebook copied or converted; what cannot be is named."""
        ns, lost = {}, []
        for k, v in self.refs.items():
            if k.startswith("_") and k not in ("__builtins__", "__name__"):
                continue
            try:
                ns[k] = _convert(v, target, self.values.get(k), ns, self.namespace)
            except _CannotConvert as e:
                lost.append(f"{k} ({e})")
        for k, v in list(ns.items()):  # functions defined in the notebook read the copy's globals, not the user's
            if isinstance(v, types.FunctionType) and v.__globals__ is self.namespace:
                ns[k] = types.FunctionType(v.__code__, ns, v.__name__, v.__defaults__, v.__closure__)
                if v.__closure__ and any(is_array(_cell(c)) for c in v.__closure__):
                    lost.append(f"{k} (a closure over tensors: it keeps the user's)")
        return ns, lost


def _cell(c):
    try:
        return c.cell_contents
    except ValueError:
        return None


class _CannotConvert(Exception):
    pass


def _convert(v, target, snapshot, ns, user_ns):
    """A copy of ``v`` for running on ``target`` (tensors made anew from their values before the cell)."""
    if is_array(v):
        values, grad = snapshot if snapshot is not None else (to_numpy(unwrap(v)), None)
        return _make_array(v, values, grad, target)
    if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
        return type(v)(_convert(x, target, None, ns, user_ns) for x in v)
    if isinstance(v, dict):
        return {k: _convert(x, target, None, ns, user_ns) for k, x in v.items()}
    if hasattr(v, "parameters") and hasattr(v, "forward"):  # an nn.Module
        return _convert_module(v, target)
    if type(v).__name__ in ("SGD", "Adam", "Optimizer") or hasattr(v, "param_groups"):
        raise _CannotConvert("an optimizer: make it in the cell")
    if type(v).__name__ == "NDManager":  # DJL: a manager makes arrays on the backend it was made on
        from . import djl

        with backends.use_backend(target.name, target.device):
            return djl.NDManager.newBaseManager()
    return v


def _make_array(like, values: np.ndarray, grad, target):
    """A tensor (or the same dialect's array) on ``target`` with these values, requires_grad as ``like``'s."""
    t = unwrap(like)
    wants = bool(t.requires_grad)
    with backends.use_backend(target.name, target.device):
        ns = backends.backend().ns
        if like is t:  # a tensor
            out = ns.tensor(np.array(values), requires_grad=wants and values.dtype.kind == "f")
            if grad is not None and wants:
                out.grad = ns.tensor(np.array(grad))
            return out
        module = type(like).__module__.split(".")[1] if type(like).__module__.startswith("nbautodiff.") else ""
        if module == "djl":
            from . import djl

            a = djl.NDManager.newBaseManager().create(np.array(values))
            if wants:
                a.setRequiresGradient(True)
            return a
        if module == "tf":
            from . import tf

            return tf.Variable(np.array(values)) if type(like).__name__ == "Variable" else tf.constant(values)
        if module == "mxnet":
            from . import mxnet

            a = mxnet.np.array(np.array(values))
            if wants:
                a.attach_grad()
            return a
    raise _CannotConvert(f"a {type(like).__name__}")


def _convert_module(m, target):
    """A built-in layer (Linear, Sequential, activations) rebuilt on ``target`` with the same weights."""
    with backends.use_backend(target.name, target.device):
        nn = backends.backend().ns.nn
        cls = getattr(nn, type(m).__name__, None)
        if cls is None or type(m).__module__.split(".")[0] not in ("torch", "nbautodiff"):
            raise _CannotConvert(f"a {type(m).__name__} defined in the notebook: define it in the cell")
        if type(m).__name__ == "Sequential":
            return cls(*[_convert_module(c, target) for c in m.children()])
        if not list(m.parameters()):  # an activation, a flatten ...: nothing to carry over
            return cls()
        if type(m).__name__ != "Linear":
            raise _CannotConvert(f"a {type(m).__name__} with parameters")
        out = cls(m.in_features, m.out_features, bias=m.bias is not None)
        with backends.backend().ns.no_grad():
            for name, p in m.named_parameters():
                getattr(out, name).copy_(backends.backend().ns.tensor(to_numpy(p)))
        return out


def run_again(shell, cell: str, snapshot: Snapshot, target: backends.Backend, leaves: dict | None = None,
              extra: dict | None = None, recording=None):
    """The cell's code once more in a copy of the namespace before it, on ``target``, its output swallowed; the
    k-th leaf it makes holds ``leaves[k]`` and the names of ``extra`` are set first (``recording``: a list that
    gets the run's Recording). Returns (namespace, names that could not be carried over, seconds, exception)."""
    state = _State()
    ns, lost = snapshot.copy(target)
    ns.update(extra or {})
    source = shell.transform_cell(cell) if shell is not None else cell
    code = compile(source, "<%%autodiff again>", "exec")
    error, start = None, time.perf_counter()
    try:
        with backends.use_backend(target.name, target.device), _quiet(shell):
            recorder = record(namespace=ns) if recording is not None else contextlib.nullcontext()
            with recorder as rec, _substituted(leaves or {}):  # (inside: a leaf is moved before it is recorded)
                exec(code, ns)
            if recording is not None:
                recording.append(rec)
    except Exception as e:  # noqa: BLE001  (reported, not raised: the user's run succeeded)
        error = e
    finally:
        state.restore()
    return ns, lost, time.perf_counter() - start, error


@contextlib.contextmanager
def _quiet(shell):
    """No printing, no display: the cell already showed its output once."""
    publish = getattr(getattr(shell, "display_pub", None), "publish", None)
    if publish is not None:
        shell.display_pub.publish = lambda *a, **k: None
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        if publish is not None:
            shell.display_pub.publish = publish


def _other(spec: str) -> backends.Backend:
    if spec == "other":
        return backends._make(*backends.parse("torch" if backends.backend().name == "numpy" else "numpy"))
    return backends._make(*backends.parse(spec))


# ============================================================================ the report
@dataclass
class CellReport(Report):
    """What ``%%autodiff`` shows: the cell's tensors, its graph, and the trace, check and comparison asked for.
    ``to_dict()`` gives all of it as plain data."""

    tensors: Table
    found: dict = field(default_factory=dict, repr=False)
    output: str | None = None  # the scalar the cell differentiated (its last with a graph)
    recording: object = field(default=None, repr=False)
    watcher: object = field(default=None, repr=False)  # the cell's first backward pass, node by node (--step)
    graph: object = None
    trace: object = None
    check: Table | None = None
    compare: Table | None = None
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    lang: str = "en"
    collapsed: bool = False
    passed: bool | None = None  # the check's verdict
    matched: bool | None = None  # the comparison's verdict

    def tables(self) -> tuple[Table, ...]:
        out = [self.tensors]
        if self.trace is not None:
            out += list(self.trace.tables())
        out += [t for t in (self.check, self.compare) if t is not None]
        return tuple(out)

    def __str__(self) -> str:
        if not self.found:
            return self.notes[0] if self.notes else "the cell made no tensors"
        return "\n\n".join([*(str(t) for t in self.tables()), *self.notes])

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        import html

        if not self.found:
            return f"<div class='nbautodiff-report'><i>{html.escape(self.notes[0])}</i></div>"
        parts = []
        if self.graph is not None:
            parts.append(self.graph.svg(lang=self.lang))
        parts.append(self.tensors.html())
        if self.trace is not None:
            parts.append(self.trace._repr_html_())  # (its tables in the report's language: trace_cell)
        for t in (self.check, self.compare):
            if t is not None:
                parts.append(t.html())
        parts += [f"<div>{html.escape(n)}</div>" for n in self.notes]
        lang = self.lang
        summary = say(lang, "summary", title=self.tensors.title)
        if self.passed is not None:
            summary += say(lang, "check passed" if self.passed else "check failed")
        if self.matched is not None:
            summary += say(lang, "backends match" if self.matched else "backends differ")
        return (f"<details class='nbautodiff-report'{'' if self.collapsed else ' open'}><summary>"
                f"{html.escape(summary)}</summary>{''.join(parts)}</details>")

    def to_dict(self) -> dict:
        return {"tensors": self.tensors.to_dict(), "graph": None if self.graph is None else self.graph.to_dict(),
                "trace": None if self.trace is None else self.trace.to_dict(),
                "check": None if self.check is None else self.check.to_dict(),
                "compare": None if self.compare is None else self.compare.to_dict(), "notes": list(self.notes),
                "passed": self.passed, "matched": self.matched}


# ============================================================================ the pieces
def check_gradients(shell, cell: str, snapshot: Snapshot, found: dict, rec, output: str | None, lang: str = "en"):
    """A pass/fail row per leaf that got a gradient: its .grad against central differences of the cell's output,
    computed by running the cell again with the leaf moved (element by element, or along a random direction for
    a big leaf)."""
    if output is None:
        return None, [say(lang, "no output to check")]
    backend = backends.backend()
    created = {}
    from .inspect.record import key_of

    keys = {key_of(unwrap(v)): name for name, v in found.items()}
    for k, key in enumerate(rec.leaves if rec is not None else []):
        if key in keys:
            created[keys[key]] = k
    rows, notes, passed = [], [], True
    reached = {k for k in graph(unwrap(found[output]), names={}).keys if k[0] == "leaf"}  # what the output reads
    leaves = {**{n: v for n, v in found.items() if unwrap(v).grad_fn is None},
              **{n: v for n, v in snapshot.refs.items() if not n.startswith("_") and is_array(v) and n not in found
                 and unwrap(v).requires_grad and unwrap(v).grad_fn is None}}
    leaves = {n: v for n, v in leaves.items() if key_of(unwrap(v)) in reached}
    rng = np.random.default_rng(0)
    for name, v in leaves.items():
        g = _grad_of(v)
        if g is None:
            continue
        single = to_numpy(unwrap(v)).dtype != np.float64  # float32 cells: a wider step, a looser tolerance
        x = to_numpy(unwrap(v)).astype(np.float64)
        if name not in created and name in snapshot.values:
            x = snapshot.values[name][0].astype(np.float64)
        h = (1e-2 if single else 1e-6) * max(1.0, float(np.max(np.abs(x), initial=0.0)))

        def f(moved, name=name):
            if name in created:
                ns, _, _, err = run_again(shell, cell, snapshot, backend, leaves={created[name]: moved})
            else:
                ns, _, _, err = run_again(shell, cell, snapshot, backend,
                                          extra={name: _make_array(v, moved.astype(to_numpy(unwrap(v)).dtype),
                                                                   None, backend)})
            if err is not None:
                raise err
            return float(np.sum(to_numpy(unwrap(ns[output]))))

        try:
            if x.size <= SMALL:
                numeric = np.zeros_like(x)
                for i in np.ndindex(x.shape):
                    e = np.zeros_like(x)
                    e[i] = h
                    numeric[i] = (f(x + e) - f(x - e)) / (2 * h)
                analytic = np.asarray(g, dtype=np.float64)
                how = "each element"
            else:
                d = rng.standard_normal(x.shape)
                d /= np.linalg.norm(d)
                numeric = np.asarray((f(x + h * d) - f(x - h * d)) / (2 * h))
                analytic = np.asarray(np.sum(np.asarray(g, dtype=np.float64) * d))
                how = "a random direction"
        except Exception as e:  # noqa: BLE001
            rows.append([name, "", "", "", say(lang, "could not run again", error=f"{type(e).__name__}: {e}")])
            passed = False
            continue
        diff = float(np.max(np.abs(analytic - numeric), initial=0.0))
        tol = (5e-3 if single else 1e-5) * (1 + float(np.max(np.abs(numeric), initial=0.0)))
        ok = diff <= tol
        passed &= ok
        verdict, how = say(lang, "pass" if ok else "FAIL"), say(lang, how)
        rows.append([name, shown_value(analytic), shown_value(numeric), fmt(diff, 2),
                     f"{verdict} ({how})" if lang == "en" else f"{verdict}（{how}）"])
    if not rows:
        return None, [say(lang, "no gradient")]
    table = Table(say(lang, "check title", output=output), [say(lang, k) for k in (
        "leaf", "grad (autodiff)", "central", "largest difference", "result")], rows)
    return (table, passed), notes


def compare_backends(shell, cell: str, snapshot: Snapshot, found: dict, spec: str, seconds: float,
                     lang: str = "en"):
    """The cell again on the other backend, in a copy: value and gradient differences per tensor, and time."""
    target = _other(spec)
    here = backends.backend()
    ns, lost, other_seconds, error = run_again(shell, cell, snapshot, target)
    notes = [say(lang, "not carried", backend=target.label, names=", ".join(lost))] if lost else []
    if error is not None:
        return None, notes + [say(lang, "fails on", backend=target.label, error=f"{type(error).__name__}: {error}")], \
            False
    rows, matched = [], True
    for name, v in found.items():
        other = ns.get(name)
        if other is None or not is_array(other):
            rows.append([name, "", "", say(lang, "missing on", backend=target.label)])
            matched = False
            continue
        a, b = to_numpy(unwrap(v)), to_numpy(unwrap(other))
        if np.shape(a) != np.shape(b):
            rows.append([name, f"shape {np.shape(a)} vs {np.shape(b)}", "", say(lang, "DIFFER")])
            matched = False
            continue
        dv = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)), initial=0.0))
        ok = bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))
        ga, gb = _grad_of(v), _grad_of(other)
        dg = ""
        if ga is not None and gb is not None:
            dgv = float(np.max(np.abs(np.asarray(ga, np.float64) - np.asarray(gb, np.float64)), initial=0.0))
            ok &= bool(np.allclose(ga, gb, rtol=RTOL, atol=ATOL))
            dg = fmt(dgv, 2)
        elif (ga is None) != (gb is None):
            ok, dg = False, say(lang, "grad only on", b=here.label if gb is None else target.label)
        matched &= ok
        rows.append([name, fmt(dv, 2), dg, say(lang, "match" if ok else "DIFFER")])
    ratio = seconds / other_seconds if other_seconds else float("nan")
    table = Table(say(lang, "compare title", here=here.label, other=target.label, rtol=f"{RTOL:g}", atol=f"{ATOL:g}"),
                  [say(lang, k) for k in ("name", "largest value difference", "largest grad difference", "result")],
                  rows, [say(lang, "times", here=here.label, a=f"{seconds * 1e3:.2f}", other=target.label,
                             b=f"{other_seconds * 1e3:.2f}", ratio=f"{ratio:.2f}")])
    return table, notes, matched


def trace_cell(shell, cell: str, snapshot: Snapshot, found: dict, output: str | None, lang: str = "en"):
    """The evaluation trace of the cell, run again on the own engine (whose op table the trace reads)."""
    from .traces import trace_block

    if output is None:
        return None, [say(lang, "no output to trace")]
    own = backends._make("numpy", "cpu")
    state = _State()
    ns, lost = snapshot.copy(own)
    try:
        with backends.use_backend("numpy"), _quiet(shell), trace_block() as block:
            exec(compile(shell.transform_cell(cell) if shell is not None else cell, "<%%autodiff --trace>", "exec"),
                 ns)
        names = {k: v for k, v in ns.items() if isinstance(v, Tensor) and not k.startswith("_")}
        t = block.trace(ns[output], names=names, lang=lang)
    except Exception as e:  # noqa: BLE001
        return None, [say(lang, "could not trace", error=f"{type(e).__name__}: {e}")]
    finally:
        state.restore()
    size = sum(int(np.size(v.value)) for v in t.inputs)
    if size > TRACE_LIMIT:
        return None, [say(lang, "too big to trace", size=size, limit=TRACE_LIMIT)]
    return t, []


# ============================================================================ the whole cell
def run_cell(shell, cell: str, options: CellOptions | None = None):
    """Run ``cell`` in ``shell`` as ``%%autodiff`` does; returns (report, the shell's ExecutionResult). A failing
    cell raises ``CellFailed`` after putting grad mode, anomaly mode and the backend back."""
    options = options or CellOptions()
    ns = shell.user_ns
    before = dict(ns)
    state = _State()
    deep = options.trace or options.check or options.compare is not None or options.explore
    snapshot = Snapshot(ns, deep)
    block = backends.use_backend(options.backend) if options.backend else contextlib.nullcontext()
    pictures = options.graph or options.step or options.explore or options.check
    recorder = record(namespace=ns) if pictures else contextlib.nullcontext()
    backward_watch = watch_backward() if options.step else contextlib.nullcontext()
    lines = _Lines()
    start = time.perf_counter()
    try:
        with block, recorder as rec, backward_watch as watcher, lines:
            # the first line stands for the %%autodiff line, so the traceback's line numbers are the cell's own
            result = shell.run_cell(f"# %%autodiff {options.line}\n{cell}", store_history=False)
    except BaseException:
        state.restore()
        raise
    seconds = time.perf_counter() - start
    if not result.success:
        state.restore()
        raise CellFailed(result.error_in_exec or result.error_before_exec)
    if options.backend:  # --backend is for this cell only
        state.restore()
    found = changed(ns, before)
    report = CellReport(tensor_table(found, options.lang), found, seconds=seconds, lang=options.lang,
                        collapsed=lines.count > 30, watcher=watcher)
    report.snapshot, report.cell = snapshot, cell
    if not found:
        report.notes.append(say(options.lang, "no tensors"))
        return report, result
    output = _output(found, rec)
    if options.graph:
        drawn = {n: v for n, v in found.items() if unwrap(v).requires_grad}
        if drawn:
            report.graph = graph(*drawn.values(), names={**_named(ns), **drawn}, recording=rec, lang=options.lang)
    if options.trace:
        report.trace, notes = trace_cell(shell, cell, snapshot, found, output, options.lang)
        report.notes += notes
    if options.check:
        checked, notes = check_gradients(shell, cell, snapshot, found, rec, output, options.lang)
        report.notes += notes
        if checked is not None:
            report.check, report.passed = checked
    if options.compare is not None:
        report.compare, notes, report.matched = compare_backends(shell, cell, snapshot, found, options.compare,
                                                                 seconds, options.lang)
        report.notes += notes
    report.output, report.recording = output, rec
    return report, result


def _named(ns: dict) -> dict:
    out = {}
    for k, v in ns.items():
        if not k.startswith("_") and is_array(v):
            out[dialect_name(v) or k] = v
    return out


class _Lines:
    """Counts the lines the cell prints (a report under a long output starts collapsed)."""

    def __init__(self):
        self.count = 0

    def __enter__(self):
        self._stdout = sys.stdout
        outer = self

        class Counting:
            def write(self, text):
                outer.count += text.count("\n")
                return outer._stdout.write(text)

            def __getattr__(self, name):
                return getattr(outer._stdout, name)

        sys.stdout = Counting()
        return self

    def __exit__(self, *exc):
        sys.stdout = self._stdout
        return False


# ============================================================================ --explore: the cell's scalar leaves
class CellModel:
    """The explorer's model for a cell (``%%autodiff --explore``): a slider per scalar leaf the cell made or read;
    each move runs the cell again in a copy with the leaf moved, so control flow takes its new branch, and the
    user's variables stay as they are. The same interface as ``inspect.explore.ExplorerModel``."""

    def __init__(self, shell, report: CellReport, eps: float = 1e-3):
        from .inspect.record import key_of

        self.shell, self.report, self.eps = shell, report, eps
        rec, snapshot = report.recording, report.snapshot
        keys = {key_of(unwrap(v)): n for n, v in report.found.items()}
        self.created = {keys[k]: i for i, k in enumerate(rec.leaves if rec is not None else []) if k in keys}
        self.ranges = {}
        for name, v in {**report.found, **{n: v for n, v in snapshot.refs.items() if n in snapshot.values}}.items():
            t = unwrap(v)
            if t.grad_fn is None and t.requires_grad and int(np.prod(t.shape)) == 1:
                x = float(np.asarray(snapshot.values[name][0]).reshape(()) if name in snapshot.values and
                          name not in self.created else to_numpy(t).reshape(()))
                width = max(2.0, abs(x))
                self.ranges[name] = (x - width, x + width, x)
        if not self.ranges:
            raise ValueError("%%autodiff --explore: the cell has no scalar leaf that requires grad to put a "
                             "slider on; make one, e.g. x = torch.tensor(2.0, requires_grad=True)")
        if report.output is None:
            raise ValueError("%%autodiff --explore: the cell computed no scalar with a graph to watch")
        self.values = {k: r[2] for k, r in self.ranges.items()}

    def _run(self, values: dict, recording=None):
        leaves = {self.created[n]: v for n, v in values.items() if n in self.created}
        extra = {}
        for n, v in values.items():
            if n not in self.created:
                like = self.report.snapshot.refs[n]
                extra[n] = _make_array(like, np.asarray(v, dtype=to_numpy(unwrap(like)).dtype), None,
                                       backends.backend())
        ns, _, _, err = run_again(self.shell, self.report.cell, self.report.snapshot, backends.backend(),
                                  leaves=leaves, extra=extra, recording=recording)
        if err is not None:
            raise err
        return ns

    def run(self, **values):
        from .inspect.explore import Exploration

        self.values.update({k: float(v) for k, v in values.items()})
        recs = []
        ns = self._run(self.values, recs)
        y = unwrap(ns[self.report.output])
        leaves = {n: ns[n] for n in self.values}
        if all(_grad_of(v) is None for v in leaves.values()) and y.requires_grad:
            y.backward()  # the cell did not: take the gradient here, in the copy
        grads = {n: float(np.asarray(_grad_of(v) if _grad_of(v) is not None else 0.0).reshape(()))
                 for n, v in leaves.items()}
        picture = graph(y, names={**_named(ns)}, recording=recs[0], lang=self.report.lang)
        numeric = {}
        for n, x in self.values.items():
            h = self.eps * max(1.0, abs(x))
            hi = float(np.sum(to_numpy(unwrap(self._run({**self.values, n: x + h})[self.report.output]))))
            lo = float(np.sum(to_numpy(unwrap(self._run({**self.values, n: x - h})[self.report.output]))))
            numeric[n] = (hi - lo) / (2 * h)
        return Exploration(dict(self.values), float(np.sum(to_numpy(y))), grads, numeric, picture, self.report.lang)
