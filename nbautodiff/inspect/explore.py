"""The explorer's model: run ``f`` at scalar inputs, record it, take its gradients, and check each by a central
difference. The sliders of ``nb.explore`` call ``run`` on every move: ``f`` runs afresh each time (the old tape is
never replayed), so control flow takes its new branch.

>>> m = ExplorerModel(lambda x1, x2: torch.log(x1) + x1 * x2 - torch.sin(x2), x1=2.0, x2=5.0)
>>> r = m.run()
>>> round(r.value, 3), [round(r.grads[k], 3) for k in ("x1", "x2")], [round(r.numeric[k], 3) for k in ("x1", "x2")]
(11.652, [5.5, 1.716], [5.5, 1.716])
"""

from __future__ import annotations

import inspect as _inspect
import math

import numpy as np

from .. import backends
from ..engine.report import Report, Table, fmt
from .graph import Graph, graph
from .record import dialect_of, record, to_numpy, unwrap
from .words import check_lang, say


def _number(t) -> float:
    """A 0-d tensor or dialect array as a Python float."""
    a = np.asarray(to_numpy(unwrap(t)))
    if a.size != 1:
        raise ValueError(f"explore(): f returned a value of shape {a.shape}; it must return one number (a scalar "
                         "loss), e.g. y.sum()")
    return float(a.reshape(()))


def _array(t) -> np.ndarray | None:
    return None if t is None else np.asarray(to_numpy(unwrap(t)), dtype=np.float64)


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class Dialect:
    """The inputs of ``f`` in one lesson API, and how that API takes gradients. The explorer, ``nb.trace``,
    ``nb.step`` and ``nb.plot_derivative`` give ``f`` its inputs through one of these (``dialect=``): the active
    backend's tensors (``nbautodiff.torch``), or DJL, TensorFlow or MXNet arrays."""

    name = "torch"

    def leaf(self, value, dtype: str = "float32"):
        """An input that requires grad (a number or an array)."""
        raise NotImplementedError

    def constant(self, value):
        """A float64 input that needs no gradient (for central differences)."""
        raise NotImplementedError

    def recording(self, leaves: list):
        """A block in which the API records the operations on ``leaves``."""
        return _Nothing()

    def gradients(self, f, leaves: list) -> tuple:
        """``(y, [d sum(y) / d leaf as a float64 array, or None])`` for ``y = f(*leaves)``, the API's own way."""
        raise NotImplementedError

    def quiet(self):
        """A block in which nothing is recorded."""
        return _Nothing()


class _Torch(Dialect):
    """Inputs as the active backend's tensors (``nbautodiff.torch``: the own engine or real PyTorch)."""

    def __init__(self):
        self.ns = backends.backend().ns

    def leaf(self, value, dtype="float32"):
        return self.ns.tensor(np.asarray(value, dtype=dtype), requires_grad=True)

    def constant(self, value):
        return self.ns.tensor(np.asarray(value, dtype=np.float64))

    def recording(self, leaves):
        return self.ns.enable_grad()

    def gradients(self, f, leaves):
        with self.recording(leaves):
            y = f(*leaves)
        if getattr(y, "requires_grad", False):
            (y.sum() if y.dim() else y).backward()
        return y, [_array(x.grad) for x in leaves]

    def quiet(self):
        return self.ns.no_grad()


class _DJL(Dialect):
    name = "djl"

    def __init__(self):
        from .. import djl

        self.djl, self.manager = djl, djl.NDManager.newBaseManager()

    def leaf(self, value, dtype="float32"):
        a = self.manager.create(np.asarray(value, dtype=dtype))
        a.setRequiresGradient(True)
        return a

    def constant(self, value):
        # float32, as DJL's leaves: DJL reads no float64 array with getFloat(), which lessons' f may call
        return self.manager.create(np.asarray(value, dtype=np.float32))

    def recording(self, leaves):
        return self.djl.Engine.getInstance().newGradientCollector()

    def gradients(self, f, leaves):
        with self.recording(leaves) as gc:
            y = f(*leaves)
            gc.backward(y)
        return y, [_array(x.getGradient()) for x in leaves]


class _TF(Dialect):
    name = "tf"

    def __init__(self):
        from .. import tf

        self.tf = tf

    def leaf(self, value, dtype="float32"):
        return self.tf.Variable(np.asarray(value, dtype=dtype))

    def constant(self, value):
        return self.tf.constant(np.asarray(value, dtype=np.float64))

    def recording(self, leaves):
        return self.tf.GradientTape()

    def gradients(self, f, leaves):
        with self.recording(leaves) as tape:
            y = f(*leaves)
        grads = tape.gradient(y, list(leaves))
        return y, [_array(g) for g in grads]


class _MXNet(Dialect):
    name = "mxnet"

    def __init__(self):
        from .. import mxnet

        self.mx = mxnet

    def leaf(self, value, dtype="float32"):
        a = self.mx.np.array(np.asarray(value, dtype=dtype))
        a.attach_grad()
        return a

    def constant(self, value):
        return self.mx.np.array(np.asarray(value, dtype=np.float64), dtype="float64")

    def recording(self, leaves):
        return self.mx.autograd.record()

    def gradients(self, f, leaves):
        with self.recording(leaves):
            y = f(*leaves)
        y.backward()
        return y, [_array(x.grad) for x in leaves]


_ADAPTERS = {None: _Torch, "torch": _Torch, "djl": _DJL, "tf": _TF, "mxnet": _MXNet}


def adapter(name: str | None, tool: str) -> Dialect:
    """The inputs of ``dialect=name`` for ``tool`` (explore, trace, step, plot_derivative): a clear error for a name
    that is none."""
    if name not in _ADAPTERS:
        raise ValueError(f"{tool}(dialect={name!r}): choose one of 'djl', 'tf', 'mxnet' (or None for "
                         "nbautodiff.torch on the active backend)")
    return _ADAPTERS[name]()


def checked(tool: str, f, args: list, dialect_name: str | None):
    """``f(*args)``, with a clear error when ``f`` is written in a lesson dialect its inputs are not of: which
    ``dialect=`` to pass (f returned a tf.Tensor, or failed inside nbautodiff.tf on the tensors it was given)."""
    wanted = dialect_name if dialect_name != "torch" else None
    try:
        y = f(*args)
    except Exception as e:
        found = _raised_in(e)
        if found is not None and found != wanted:
            raise TypeError(f"{tool}: f is written with nbautodiff.{found}, but got {_inputs_of(wanted)}; pass "
                            f"dialect={found!r} ({type(e).__name__}: {e})") from e
        raise
    found = dialect_of(y)
    if found is not None and found != wanted:
        raise TypeError(f"{tool}: f returned a {type(y).__name__} of nbautodiff.{found}, but got "
                        f"{_inputs_of(wanted)}; pass dialect={found!r}")
    return y


def _inputs_of(name: str | None) -> str:
    return "nbautodiff.torch tensors" if name is None else f"nbautodiff.{name} arrays"


def _raised_in(error: BaseException) -> str | None:
    """The lesson dialect whose code raised ``error``, if any."""
    tb = error.__traceback__
    found = None
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        for name in ("djl", "tf", "mxnet"):
            if module == f"nbautodiff.{name}" or module.startswith(f"nbautodiff.{name}."):
                found = found or name
        tb = tb.tb_next
    return found


class Exploration(Report):
    """One run of ``f``: its value, graph (every node's value and gradient), and each input's gradient beside its
    central-difference estimate."""

    def __init__(self, inputs: dict, value: float, grads: dict, numeric: dict, graph: Graph, lang: str = "en"):
        self.inputs, self.value, self.grads, self.numeric, self.graph = inputs, value, grads, numeric, graph
        self.lang = lang

    def table(self) -> Table:
        rows = [[k, fmt(v), fmt(self.grads[k]), fmt(self.numeric[k]), fmt(abs(self.grads[k] - self.numeric[k]), 2)]
                for k, v in self.inputs.items()]
        return Table(f"f = {fmt(self.value)}", [say(self.lang, k) for k in ("input", "value", "by autodiff",
                                                                              "central difference", "difference")],
                     rows)


class ExplorerModel:
    """``f`` and its scalar inputs, each with a range for its slider: ``x1=2.0`` or ``x1=(lo, hi)`` or
    ``x1=(lo, hi, value)``. ``dialect`` makes the inputs DJL, TensorFlow or MXNet arrays instead of the active
    backend's tensors; ``f`` is then written in that dialect. ``lang`` is the language of the results' tables."""

    def __init__(self, f, dialect: str | None = None, eps: float = 1e-3, lang: str = "en", **inputs):
        if not callable(f):
            raise TypeError(f"explore(f, ...): f must be a function, got {type(f).__name__}")
        check_lang(lang, "explore")
        self.lang = lang
        self._adapter = adapter(dialect, "explore")
        if not inputs:
            raise ValueError("explore(f, x1=2.0, x2=5.0): give each input of f a value (or a range)")
        self.f, self.dialect, self.eps = f, dialect, eps
        self.ranges = {name: _range(name, spec) for name, spec in inputs.items()}
        self.values = {name: r[2] for name, r in self.ranges.items()}
        call = _caller(f, list(inputs))
        self._call = lambda *xs: checked("explore", call, list(xs), dialect)

    def run(self, **values) -> Exploration:
        """``f`` at the current values (changed by ``values``): recorded, differentiated, checked."""
        for k, v in values.items():
            if k not in self.values:
                raise KeyError(f"explore: f has no input {k!r}; its inputs are {list(self.values)}")
            self.values[k] = float(v)
        a = self._adapter
        with record(namespace={}) as rec:
            xs = {k: a.leaf(v) for k, v in self.values.items()}
            y, found = a.gradients(self._call, list(xs.values()))
        value = _number(y)
        grads = {k: 0.0 if g is None else float(g.reshape(())) for k, g in zip(xs, found)}
        names = {**xs, "y": y}
        picture = graph(y, names=names, recording=rec) if getattr(unwrap(y), "requires_grad", False) else None
        numeric = {k: self._difference(k) for k in self.values}
        return Exploration(dict(self.values), value, grads, numeric, picture, self.lang)

    def _difference(self, name: str) -> float:
        """(f(x + h) − f(x − h)) / 2h, in float64, with h relative to x."""
        v = self.values[name]
        h = self.eps * max(1.0, abs(v))
        a = self._adapter

        def at(x):
            with a.quiet():
                return _number(self._call(*[a.constant(x if k == name else u) for k, u in self.values.items()]))

        return (at(v + h) - at(v - h)) / (2 * h)


def _range(name: str, spec) -> tuple[float, float, float]:
    if isinstance(spec, tuple) and len(spec) in (2, 3) and all(_scalar(s) for s in spec):  # a range
        lo, hi = float(spec[0]), float(spec[1])
        value = float(spec[2]) if len(spec) == 3 else (lo + hi) / 2
        if not lo < hi:
            raise ValueError(f"explore(): {name}={spec!r}: the range needs low < high")
        return lo, hi, min(max(value, lo), hi)
    if _scalar(spec):
        v = float(spec)
        width = max(2.0, abs(v))
        return v - width, v + width, v
    shape = np.shape(to_numpy(unwrap(spec))) if hasattr(spec, "shape") else np.shape(spec)
    raise ValueError(
        f"explore(): {name} has shape {tuple(shape)}, but the explorer takes scalar inputs, a slider each; pass a "
        f"number (or a range (low, high)), and fix the others with a closure, e.g. explore(lambda t: f(t, w), t=1.0)"
    )


def _scalar(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, np.integer, np.floating)):
        return math.isfinite(float(v))
    return False


def _caller(f, names: list[str]):
    """``f`` called with the inputs given in ``names`` order. Where they are f's parameters, each goes where f's
    signature puts it: by position for the positional parameters in order (TensorFlow's ``custom_gradient``
    differentiates positional arguments only), the others by keyword; otherwise by position as given."""
    try:
        params = list(_inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    by_name = {p.name: p for p in params}
    if not all(n in by_name and by_name[n].kind not in (by_name[n].VAR_POSITIONAL, by_name[n].VAR_KEYWORD)
               for n in names):
        return f
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def call(*xs):
        given, args = dict(zip(names, xs)), []
        for n in positional:
            if n not in given:
                break
            args.append(given.pop(n))
        return f(*args, **given)

    return call
