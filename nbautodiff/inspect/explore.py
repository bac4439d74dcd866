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
from .record import record, to_numpy, unwrap

DIALECTS = (None, "torch", "djl", "tf", "mxnet")


def _number(t) -> float:
    """A 0-d tensor or dialect array as a Python float."""
    a = np.asarray(to_numpy(unwrap(t)))
    if a.size != 1:
        raise ValueError(f"explore(): f returned a value of shape {a.shape}; it must return one number (a scalar "
                         "loss), e.g. y.sum()")
    return float(a.reshape(()))


class _Torch:
    """Inputs as the active backend's tensors (``nbautodiff.torch``: the own engine or real PyTorch)."""

    def __init__(self):
        self.ns = backends.backend().ns

    def leaf(self, v: float):
        return self.ns.tensor(float(v), requires_grad=True)

    def constant(self, v: float):
        return self.ns.tensor(float(v), dtype=self.ns.float64)

    def gradients(self, f, xs: dict):
        y = f(**xs)
        _number(y)  # one number, or a clear error before backward
        if not getattr(y, "requires_grad", False):
            return y, {k: 0.0 for k in xs}
        y.backward()
        return y, {k: 0.0 if x.grad is None else _number(x.grad) for k, x in xs.items()}

    def quiet(self):
        return self.ns.no_grad()


class _DJL:
    def __init__(self):
        from .. import djl

        self.djl, self.manager = djl, djl.NDManager.newBaseManager()

    def leaf(self, v):
        a = self.manager.create(float(v))
        a.setRequiresGradient(True)
        return a

    def constant(self, v):
        return self.manager.create(float(v))  # float32, as the leaves: DJL reads no float64 with getFloat()

    def gradients(self, f, xs):
        with self.djl.Engine.getInstance().newGradientCollector() as gc:
            y = f(**xs)
            _number(y)
            gc.backward(y)
        return y, {k: _number(x.getGradient()) for k, x in xs.items()}

    def quiet(self):
        return _Nothing()


class _TF:
    def __init__(self):
        from .. import tf

        self.tf = tf

    def leaf(self, v):
        return self.tf.Variable(float(v))

    def constant(self, v):
        return self.tf.constant(float(v), dtype=self.tf.float64)

    def gradients(self, f, xs):
        with self.tf.GradientTape() as tape:
            y = f(**xs)
        _number(y)
        grads = tape.gradient(y, list(xs.values()))
        return y, {k: 0.0 if g is None else _number(g) for k, g in zip(xs, grads)}

    def quiet(self):
        return _Nothing()


class _MXNet:
    def __init__(self):
        from .. import mxnet

        self.mx = mxnet

    def leaf(self, v):
        a = self.mx.np.array(float(v))
        a.attach_grad()
        return a

    def constant(self, v):
        return self.mx.np.array(float(v), dtype="float64")

    def gradients(self, f, xs):
        with self.mx.autograd.record():
            y = f(**xs)
        _number(y)
        y.backward()
        return y, {k: _number(x.grad) for k, x in xs.items()}

    def quiet(self):
        return _Nothing()


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


_ADAPTERS = {None: _Torch, "torch": _Torch, "djl": _DJL, "tf": _TF, "mxnet": _MXNet}


class Exploration(Report):
    """One run of ``f``: its value, graph (every node's value and gradient), and each input's gradient beside its
    central-difference estimate."""

    def __init__(self, inputs: dict, value: float, grads: dict, numeric: dict, graph: Graph):
        self.inputs, self.value, self.grads, self.numeric, self.graph = inputs, value, grads, numeric, graph

    def table(self) -> Table:
        rows = [[k, fmt(v), fmt(self.grads[k]), fmt(self.numeric[k]), fmt(abs(self.grads[k] - self.numeric[k]), 2)]
                for k, v in self.inputs.items()]
        return Table(f"f = {fmt(self.value)}", ["input", "value", "∂f/∂input (autodiff)", "≈ central difference",
                                                 "difference"], rows)


class ExplorerModel:
    """``f`` and its scalar inputs, each with a range for its slider: ``x1=2.0`` or ``x1=(lo, hi)`` or
    ``x1=(lo, hi, value)``. ``dialect`` makes the inputs DJL, TensorFlow or MXNet arrays instead of the active
    backend's tensors; ``f`` is then written in that dialect."""

    def __init__(self, f, dialect: str | None = None, eps: float = 1e-3, **inputs):
        if not callable(f):
            raise TypeError(f"explore(f, ...): f must be a function, got {type(f).__name__}")
        if dialect not in DIALECTS:
            raise ValueError(f"explore(dialect={dialect!r}): choose one of 'djl', 'tf', 'mxnet' (or None for "
                             "nbautodiff.torch on the active backend)")
        if not inputs:
            raise ValueError("explore(f, x1=2.0, x2=5.0): give each input of f a value (or a range)")
        self.f, self.dialect, self.eps = f, dialect, eps
        self.ranges = {name: _range(name, spec) for name, spec in inputs.items()}
        self.values = {name: r[2] for name, r in self.ranges.items()}
        self._adapter = _ADAPTERS[dialect]()
        self._call = _caller(f, list(inputs))

    def run(self, **values) -> Exploration:
        """``f`` at the current values (changed by ``values``): recorded, differentiated, checked."""
        for k, v in values.items():
            if k not in self.values:
                raise KeyError(f"explore: f has no input {k!r}; its inputs are {list(self.values)}")
            self.values[k] = float(v)
        a = self._adapter
        with record(namespace={}) as rec:
            xs = {k: a.leaf(v) for k, v in self.values.items()}
            y, grads = a.gradients(self._call, xs)
        names = {**xs, "y": y}
        picture = graph(y, names=names, recording=rec) if getattr(unwrap(y), "requires_grad", False) else None
        numeric = {k: self._difference(k) for k in self.values}
        return Exploration(dict(self.values), _number(y), grads, numeric, picture)

    def _difference(self, name: str) -> float:
        """(f(x + h) − f(x − h)) / 2h, in float64, with h relative to x."""
        v = self.values[name]
        h = self.eps * max(1.0, abs(v))
        a = self._adapter

        def at(x):
            with a.quiet():
                return _number(self._call(**{k: a.constant(x if k == name else u) for k, u in self.values.items()}))

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
    """f called with the inputs by keyword where its parameters have those names, else by position."""
    try:
        params = _inspect.signature(f).parameters
    except (TypeError, ValueError):
        params = {}
    if all(n in params for n in names):
        return f

    def positional(**xs):
        return f(*xs.values())

    return positional
