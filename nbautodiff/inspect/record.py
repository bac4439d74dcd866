"""The recorder: while a block runs, keep the value of every tensor an op computes, so the picture shows each node's
value (v3 = 0.693, v4 = 10, ..., y = 11.652) and not only the leaves and outputs.

The recorder is a tracer, installed with ``engine.watch.watching``: on the torch backend the same events come from a
``torch.overrides.TorchFunctionMode`` and PyTorch's global module hooks, so both backends draw the same numbers. What
the autograd machinery computes (the gradients ``autograd.grad`` returns) is not recorded as an op on either.

>>> with record() as rec:
...     x1 = tensor(2., requires_grad=True); x2 = tensor(5., requires_grad=True)
...     y = torch.log(x1) + x1 * x2 - torch.sin(x2)
>>> [round(float(v), 3) for v in rec.values.values()][:5]    # x1, x2, ln(x1), x1·x2, ln(x1) + x1·x2
[2.0, 5.0, 0.693, 10.0, 10.693]
"""

from __future__ import annotations

import collections
import sys
import weakref
from dataclasses import dataclass

import numpy as np

from ..engine.tensor import Tensor
from ..engine.tracing import Tracer
from ..engine.watch import watching
from .notation import constant, number

BIG = 1 << 16  # values with more elements are not copied: the picture shows their shape and dtype only


def key_of(t) -> tuple | None:
    """The key of the graph node a tensor is the value of: its ``grad_fn`` and output index, or itself for a
    leaf that requires grad; None for a tensor outside every graph. The same on both backends."""
    t = unwrap(t)
    fn = getattr(t, "grad_fn", None)
    if fn is not None:
        return ("fn", id(fn), t.output_nr)
    if getattr(t, "requires_grad", False):
        return ("leaf", id(t))
    return None


def unwrap(t):
    """A dialect's array (DJL NDArray, tf.Tensor/Variable, MXNet ndarray) stands for the backend tensor it holds."""
    inner = getattr(t, "_t", None)
    return inner if inner is not None and getattr(t, "grad_fn", None) is None and hasattr(inner, "grad_fn") else t


def dialect_of(value) -> str | None:
    """"djl", "tf" or "mxnet" for a lesson dialect's array, None for anything else (a tensor, a number)."""
    module = type(value).__module__
    if not module.startswith("nbautodiff.") or getattr(value, "_t", None) is None:
        return None
    name = module.split(".")[1]
    return name if name in ("djl", "tf", "mxnet") else None


def dialect_name(value) -> str | None:
    """The name a dialect's array was given in its own API (``tf.Variable(..., name="w")``, DJL's ``setName``)."""
    if getattr(value, "_t", None) is None:
        return None
    get = getattr(value, "getName", None)  # DJL
    name = get() if callable(get) else getattr(value, "_name", None)  # TF keeps "w:0"
    if not isinstance(name, str) or name in ("", "Variable:0"):
        return None
    return name.removesuffix(":0")


def is_tensor(t) -> bool:
    return isinstance(t, Tensor) or type(t).__module__.startswith("torch") and hasattr(t, "grad_fn")


def to_numpy(t) -> np.ndarray | np.generic:
    """A copy of a tensor's values (ours or PyTorch's, from any device)."""
    if isinstance(t, Tensor):
        d = t._data
        return d.copy() if isinstance(d, np.ndarray) else d
    return t.detach().cpu().numpy().copy()


def _value(t):
    size = t._data.size if isinstance(t, Tensor) else t.numel()
    return to_numpy(t) if size <= BIG else None


@dataclass
class OpRecord:
    """How one value was computed: the op (a row of the op table, or PyTorch's function name) and its arguments,
    each ("var", key), ("cut", key) for a detached copy of a recorded value, or ("const", text)."""

    name: str
    args: list
    params: dict | None


class Recording:
    """Everything a ``record()`` block saw, keyed by graph node (see ``key_of``): ``values``, how each was computed
    (``ops``), the ``nn.Module`` it was computed in (``groups``), the user's ``names`` for tensors (read from the
    block's namespace when it ends), and the tensors themselves (weakly, for ``.grad`` and ``retain_grad``)."""

    def __init__(self):
        self.values: dict = {}
        self.meta: dict = {}  # key -> (shape, dtype): known even where the value is too big to keep
        self.ops: dict[tuple, OpRecord] = {}
        self.groups: dict[tuple, str] = {}
        self.names: dict[tuple, str] = {}
        self.tensors: dict[tuple, weakref.ref] = {}
        self.order: list[tuple] = []  # keys in the order recorded
        self._keep: list = []  # what the keys' ids belong to: while the recording lives, no other object takes them
        self.leaves: list[tuple] = []  # keys of the leaves made during the block, in the order they were made
        self._detached: dict[int, tuple] = {}  # id(detached copy) -> key of the value it copies
        self._modules: list[tuple] = []  # (module, path) of the nn.Module forwards running now

    # ------------------------------------------------------------------ filled while the block runs
    def _see(self, t) -> tuple | None:
        """Note a tensor that requires grad: its value the first time, and a weak reference for later."""
        key = key_of(t)
        if key is None or key in self.values:
            return key
        self._keep.append(t.grad_fn if t.grad_fn is not None else t)
        self.values[key] = _value(t)
        self.meta[key] = (tuple(t.shape), str(t.dtype).removeprefix("torch."))
        try:
            self.tensors[key] = weakref.ref(t)
        except TypeError:  # pragma: no cover - every tensor type we know is weakly referable
            pass
        self.order.append(key)
        if self._modules:
            self.groups[key] = self._modules[-1][1]
        return key

    def _arg(self, a) -> tuple:
        if is_tensor(a):
            if a.requires_grad:
                return ("var", self._see(a))
            if id(a) in self._detached:
                return ("cut", self._detached[id(a)])
            return ("const", constant(a))
        return ("const", number(a) if isinstance(a, (int, float, np.number, bool)) else repr(a))

    def _op(self, name: str, inputs, params, output, evaluations: int = 1) -> None:
        if getattr(output, "grad_fn", None) is None:
            return
        args = [self._arg(a) for a in inputs]
        key = self._see(output)
        if evaluations == 1:  # one call, several nodes (PyTorch's 1 / t: reciprocal, then mul): each node says
            self.ops[key] = OpRecord(name, args, params)  # what it computed from its own inputs

    def _leaf(self, t) -> None:
        key = self._see(t)
        if key is not None and key not in self.leaves:
            self.leaves.append(key)

    def _detach(self, source, result) -> None:
        key = key_of(source)
        if key is not None:
            self._see(source)
            self._detached[id(result)] = key
            self._keep.append(result)

    def _enter(self, module) -> None:
        if self._modules:
            parent, path = self._modules[-1]
            child = next((n for n, m in getattr(parent, "_modules", {}).items() if m is module), "?")
            path = f"{path}.{child}"
        else:
            path = type(module).__name__
        self._modules.append((module, path))
        inner = path.partition(".")[2]  # parameters are named as named_parameters() names them: "0.weight"
        for name, p in getattr(module, "_parameters", {}).items():
            key = key_of(p) if p is not None else None
            if key is not None:
                self._see(p)
                self.names.setdefault(key, f"{inner}.{name}" if inner else name)

    def _exit(self, module) -> None:
        if self._modules and self._modules[-1][0] is module:
            self._modules.pop()

    def _name_from(self, namespace: dict) -> None:
        """The user's names for recorded tensors (and dialect arrays holding them), from a namespace."""
        for name, value in namespace.items():
            if name.startswith("_") or not (is_tensor(value) or hasattr(value, "_t")):
                continue
            key = key_of(value)
            if key is not None and key not in self.names:
                self.names[key] = dialect_name(value) or name

    # ------------------------------------------------------------------ read afterwards
    def tensor(self, key):
        """The tensor of a key while it is alive, else None."""
        ref = self.tensors.get(key)
        return ref() if ref is not None else None

    def outputs(self) -> list:
        """The recorded tensors no recorded op read: what the block computed last."""
        read = {k for op in self.ops.values() for kind, k in op.args if kind == "var"}
        out = []
        for key in self.order:
            t = self.tensor(key)
            if key not in read and key in self.ops and t is not None:
                out.append(t)
        return out

    def graph(self, *outputs, **options):
        """The picture of ``outputs`` (by default every tensor the block computed that nothing read), with the
        recorded values on every node."""
        from .graph import graph

        outputs = outputs or tuple(self.outputs())
        return graph(*outputs, recording=self, names=options.pop("names", None) or {}, **options)

    def __repr__(self) -> str:
        return f"Recording(values={len(self.values)}, ops={len(self.ops)})"


_live: list[weakref.ref] = []  # recordings, newest last: graph() reads values from the ones still alive
KEPT = 8  # the last recordings stay alive, so nb.graph(y) after a few record() blocks still shows every value
_recent: collections.deque = collections.deque(maxlen=KEPT)


def live_recordings() -> list[Recording]:
    """Recordings still alive, newest first."""
    alive = [r() for r in _live]
    _live[:] = [weakref.ref(r) for r in alive if r is not None]
    return [r for r in reversed(alive) if r is not None]


class record:
    """Record a block: every value it computes is kept for the picture (``rec.graph()``, or ``nb.graph(y)``: the
    last eight recordings stay alive for it). The user's variable names are read from the block's namespace when it
    ends, or from ``namespace=`` (the ``%%autodiff`` magic passes the notebook's).
    """

    def __init__(self, namespace: dict | None = None):
        self.recording = Recording()
        self.namespace = namespace

    def __enter__(self) -> Recording:
        rec = self.recording
        self._frame = sys._getframe(1)
        self._mode = watching(_Recorder(rec))
        self._mode.__enter__()
        _live.append(weakref.ref(rec))
        _recent.append(rec)
        return rec

    def __exit__(self, *exc) -> bool:
        self._mode.__exit__(*exc)
        rec = self.recording
        if self.namespace is not None:
            rec._name_from(self.namespace)
        else:
            rec._name_from(self._frame.f_locals)
            rec._name_from(self._frame.f_globals)
        self._frame = None
        return False


class _Recorder(Tracer):
    """The recorder's tracer (on either backend: ``watching``)."""

    def __init__(self, rec: Recording):
        self.rec = rec

    def on_leaf(self, tensor) -> None:
        self.rec._leaf(tensor)

    def on_op(self, op, inputs, params, output) -> None:
        self.rec._op(op.name, inputs, params, output, op.evaluations)

    def on_detach(self, source, result) -> None:
        self.rec._detach(source, result)

    def on_module_enter(self, module, inputs) -> None:
        self.rec._enter(module)

    def on_module_exit(self, module, output) -> None:
        self.rec._exit(module)
