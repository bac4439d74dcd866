"""What the lesson dialects (``tf``, ``djl``, ``mxnet``) share, written once.

The base of their arrays (the backend tensor in ``_t``) and shapes, their recording state, the registry of marked
arrays (those whose gradient is wanted), the check that an operation's arrays live on one backend, the op funnel
every operation goes through, grad-then-write, one numpy random generator each, the operator dunders (installed
from one table) and how their names show. Each dialect keeps its framework's rules, reprs and exceptions: it passes
them in (a flag, an error, a hook it implements). Nothing here imports the engine or PyTorch: the backend tensors
are reached through ``backend().ns``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import operator
import threading
import types
import weakref

import numpy as np

from .backends import Backend, backend

# --------------------------------------------------------------------------------------------------------------
# Arrays and shapes
# --------------------------------------------------------------------------------------------------------------


class Array:
    """Base of a dialect's arrays (DJL NDArray, tf.Tensor/Variable, MXNet ndarray).

    ``_t`` holds the backend tensor: ``nb.graph`` reads it to draw a dialect's array.
    """

    __slots__ = ("_t",)

    def _lives_on(self, b: Backend) -> bool:
        """Whether this array belongs to backend ``b``: here, whether its tensor is one of ``b``'s (DJL and MXNet
        arrays remember the backend they were made on, and compare that)."""
        return b.is_tensor(self._t)


class Dims:
    """The part of a dialect's shape class every dialect shares (DJL's ``Shape``, TensorFlow's ``TensorShape``):
    a tuple of sizes that iterates, indexes and compares equal to the same class, tuples and lists."""

    __slots__ = ("_dims",)

    def __iter__(self):
        return iter(self._dims)

    def __len__(self) -> int:
        return len(self._dims)

    def __getitem__(self, i):
        return self._dims[i]

    def __eq__(self, other) -> bool:
        if type(other) is type(self):
            return self._dims == other._dims
        if isinstance(other, (tuple, list)):
            return self._dims == tuple(other)
        return NotImplemented

    def __hash__(self):
        return hash(self._dims)


# --------------------------------------------------------------------------------------------------------------
# Recording state and grad mode
# --------------------------------------------------------------------------------------------------------------


def _init_state(state, initial: dict) -> None:
    for name, value in initial.items():
        setattr(state, name, copy.copy(value))  # a list given as the start value: a fresh one for each state


class _SharedState:
    def __init__(self, **initial):
        _init_state(self, initial)


class _ThreadState(threading.local):
    def __init__(self, **initial):  # threading.local calls it again, with the same arguments, in each new thread
        _init_state(self, initial)


def recording_state(per_thread: bool, **initial):
    """The attributes a dialect records by, starting as ``initial``: one set for each thread where the framework
    keeps them per thread (TensorFlow's tape stack, MXNet's ``autograd.record``), else one for the process."""
    return _ThreadState(**initial) if per_thread else _SharedState(**initial)


_SAME = contextlib.nullcontext()


def grad_mode(ns, on: bool):
    """A block with the backend's grad mode set to ``on`` (the dialect's rule decides, not the backend's mode)."""
    return _SAME if ns.is_grad_enabled() == on else ns.set_grad_enabled(on)


class Marked:
    """The arrays whose gradient is wanted, by id (dialect arrays compare elementwise, so no set can hold them).

    Weak by default: an array nobody holds drops out. ``strong=True`` holds them, so that an id stays its array's
    while it is marked (a tape's watched tensors).
    """

    def __init__(self, strong: bool = False):
        self._arrays: dict = {} if strong else weakref.WeakValueDictionary()

    def add(self, array) -> None:
        self._arrays[id(array)] = array

    def discard(self, array) -> None:
        self._arrays.pop(id(array), None)

    def clear(self) -> None:
        self._arrays.clear()

    def __contains__(self, array) -> bool:
        return id(array) in self._arrays

    def __iter__(self):
        return iter(list(self._arrays.values()))

    def on(self, b: Backend) -> list:
        """The marked arrays that live on backend ``b``."""
        return [a for a in self if a._lives_on(b)]


# --------------------------------------------------------------------------------------------------------------
# Backends: one per operation
# --------------------------------------------------------------------------------------------------------------


def check_backend(b: Backend, values, kind: type, mixed) -> None:
    """Refuse, before anything runs, an array of class ``kind`` among ``values`` that lives on another backend
    than ``b``: raise ``mixed(b, array)``, the dialect's error."""
    for v in values:
        if isinstance(v, kind) and not v._lives_on(b):
            raise mixed(b, v)


def gpu_count() -> int:
    """The GPUs the active backend can reach: PyTorch's count on the torch backend, none on the own engine."""
    b = backend()
    return b.ns.cuda.device_count() if b.name == "torch" and b.ns.cuda.is_available() else 0


class RandomNumbers:
    """One numpy generator for a dialect, so that a seeded lesson draws the same numbers on every backend."""

    def __init__(self):
        self.seed(None)

    def seed(self, seed) -> None:
        self.rng = np.random.default_rng(seed)
        self.last_seed = seed


# --------------------------------------------------------------------------------------------------------------
# The op funnel and grad-then-write
# --------------------------------------------------------------------------------------------------------------


def run(b: Backend, record: bool, fn, tensors, wrap):
    """The op funnel: ``fn`` on backend ``b``'s tensors, recorded only if ``record`` (the dialect's rule), its
    result wrapped as the dialect's array (each tensor of a tuple or list result; anything else as it is)."""
    with grad_mode(b.ns, record):
        return _wrap_result(b, fn(*tensors), wrap)


def _wrap_result(b: Backend, out, wrap):
    if isinstance(out, (tuple, list)):
        return type(out)(_wrap_result(b, o, wrap) for o in out)
    # b.is_tensor, not ns.is_tensor: the own engine's namespace function checks against torch while torch is active
    return wrap(out) if b.is_tensor(out) else out


def gradients(ns, outputs, inputs, seeds=None, retain_graph=None, create_graph: bool = False) -> list:
    """d Σ(seed · output) / d input for each input, None where an input is not reached. A seed of None is ones:
    a non-scalar output is summed, as every dialect's framework does."""
    seeds = [None] * len(outputs) if seeds is None else seeds
    grad_outputs = [ns.ones_like(o) if s is None else s for o, s in zip(outputs, seeds)]
    found = ns.autograd.grad(
        outputs,
        inputs,
        grad_outputs=grad_outputs,
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )
    return list(found)


def write_gradients(ns, slots, grads, adding=None, leaves=None) -> None:
    """Grad-then-write: copy each gradient into its slot (add it where ``adding[i]``: MXNet's ``grad_req='add'``).
    A slot whose gradient is None, one the target does not reach, keeps what it holds. ``leaves`` are the backend
    tensors the slots belong to: each written slot is noted as its leaf's gradient (``noted_gradient``)."""
    with ns.no_grad():
        for i, (slot, g) in enumerate(zip(slots, grads)):
            if g is not None:
                (slot.add_ if adding and adding[i] else slot.copy_)(g)
                if leaves is not None:
                    note_gradient(leaves[i], slot)


# Where each dialect keeps a leaf's gradient, by its backend tensor: DJL's and MXNet's slots, the latest gradient
# TensorFlow's tape returned for it. None of them is the backend tensor's ``.grad``, where the pictures and the
# ``%%autodiff`` check would otherwise look.
_noted: dict = {}  # id(backend tensor) -> (weak reference to it, its gradient or None)


def returns_gradients(tensor) -> None:
    """``tensor``'s gradients are returned, never stored (TensorFlow): until one is noted, it has none to show."""
    if id(tensor) not in _noted:
        _noted[id(tensor)] = (weakref.ref(tensor, _forget(id(tensor))), None)


def note_gradient(tensor, gradient) -> None:
    """``gradient`` (a backend tensor) is the gradient the dialect computed for the leaf ``tensor``, the latest."""
    _noted[id(tensor)] = (weakref.ref(tensor, _forget(id(tensor))), gradient)


def noted_gradient(tensor) -> tuple[bool, object]:
    """(whether a dialect keeps ``tensor``'s gradient away from its ``.grad``, the gradient noted or None)."""
    entry = _noted.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        return False, None
    return True, entry[1]


def _forget(key: int):
    def forget(ref):
        entry = _noted.get(key)
        if entry is not None and entry[0] is ref:
            del _noted[key]

    return forget


# --------------------------------------------------------------------------------------------------------------
# Operators
# --------------------------------------------------------------------------------------------------------------

# Python's operators by dunder stem: the one table every dialect's operators come from.
OPERATORS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "matmul": operator.matmul,
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "neg": operator.neg,
    "pos": operator.pos,
    "abs": operator.abs,
    "invert": operator.invert,
}
COMPARISONS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})


def _binary_dunder(stem: str, reflected: bool):
    fn = OPERATORS[stem]

    def dunder(self, other):
        return self._binary_op(stem, fn, other, reflected)

    return dunder


def _unary_dunder(stem: str):
    fn = OPERATORS[stem]

    def dunder(self):
        return self._unary_op(stem, fn)

    return dunder


def _inplace_dunder(stem: str):
    fn = OPERATORS[stem]

    def dunder(self, other):
        return self._inplace_op(stem, fn, other)

    return dunder


def operators(binary: str = "", reflected: str = "", unary: str = "", inplace: str = ""):
    """Class decorator: the operator dunders for the stems named (``binary="add sub"`` gives ``__add__`` and
    ``__sub__``), each calling the class's hook with the stem and Python's operator:
    ``_binary_op(stem, fn, other, reflected)`` for ``self op other`` (``other op self`` when ``reflected``),
    ``_unary_op(stem, fn)`` and ``_inplace_op(stem, fn, other)`` for ``self op= other``."""
    kinds = [
        ("__{}__", binary, functools.partial(_binary_dunder, reflected=False)),
        ("__r{}__", reflected, functools.partial(_binary_dunder, reflected=True)),
        ("__{}__", unary, _unary_dunder),
        ("__i{}__", inplace, _inplace_dunder),
    ]

    def install(cls):
        for pattern, stems, make in kinds:
            for stem in stems.split():
                name = pattern.format(stem)
                setattr(cls, name, named(make(stem), name, owner=cls.__qualname__))
        return cls

    return install


# --------------------------------------------------------------------------------------------------------------
# Names: how the dialects' classes and functions show
# --------------------------------------------------------------------------------------------------------------


def public(namespace: dict) -> None:
    """Give every class and function that the modules of a dialect package define (and the classes' methods) the
    package as their module, as when each dialect was one module: class reprs (``nbautodiff.tf.Tensor``),
    tracebacks, pickling and doctest discovery see the package. ``namespace`` is the package's ``globals()``."""
    package = namespace["__name__"]
    for module in list(namespace.values()):
        if isinstance(module, types.ModuleType) and module.__name__.startswith(package + "."):
            for obj in list(vars(module).values()):
                _rehome(obj, module.__name__, package)


def _rehome(obj, module: str, package: str) -> None:
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    elif isinstance(obj, property):
        obj = obj.fget
    if isinstance(obj, (type, types.FunctionType)) and obj.__module__ == module:
        obj.__module__ = package
        if isinstance(obj, type):
            for member in vars(obj).values():
                _rehome(member, module, package)


def named(function, name: str, doc: str | None = None, owner: str | None = None):
    """``function`` renamed (so tracebacks and ``help`` show the name it is reached by), with ``doc``."""
    function.__name__ = name
    function.__qualname__ = f"{owner}.{name}" if owner else name
    if doc is not None:
        function.__doc__ = doc
    return function
