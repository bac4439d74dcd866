"""``Engine`` and its ``GradientCollector``: records while open; ``backward`` writes gradients into the slots."""

from __future__ import annotations

import threading

from .._dialect import gpu_count, grad_mode, gradients, write_gradients
from ..backends import backend as _active_backend
from ._manager import _RANDOM
from ._ndarray import _STATE, _TRACKED, NDArray
from ._types import AutoCloseable, Device, EngineException, IllegalStateException, _backend_device


class GradientCollector(AutoCloseable):
    """Records operations while open; ``backward(y)`` writes dy/dx into every ``x`` that asked for a gradient.

    Made by ``Engine.getInstance().newGradientCollector()`` and used as ``with ... as gc:`` (Java's
    try-with-resources). Only one can be open at a time, and it records in the thread that opened it.
    """

    def __init__(self):
        if _STATE.collector is not None:
            raise IllegalStateException(
                "A GradientCollector already exists: only one can record at a time. Close the open one first "
                "(end its `with Engine.getInstance().newGradientCollector() as gc:` block, or call gc.close()), "
                "or do this computation inside the open collector's block."
            )
        _STATE.collector = self
        self._open = True
        self._thread = threading.get_ident()  # it records in the thread that opened it

    def close(self) -> None:
        if self._open:
            self._open = False
            if _STATE.collector is self:
                _STATE.collector = None

    def backward(self, target: NDArray) -> None:
        """Gradients of ``target`` (summed first if it is not a scalar), written into the gradient slots."""
        if not self._open:
            raise IllegalStateException(
                "backward(): this GradientCollector is closed; call gc.backward(y) inside its `with` block"
            )
        if not isinstance(target, NDArray):
            raise TypeError(f"backward(): expected an NDArray, got {type(target).__name__}")
        b = target._manager._backend
        ns, t = b.ns, target._t
        leaves = [a for a in _TRACKED.on(b) if a._t.requires_grad]
        if not t.requires_grad or not leaves:
            raise EngineException(
                "backward(): the target was not computed from any NDArray that setRequiresGradient(True) was "
                "called on, inside this GradientCollector; call x.setRequiresGradient(True) first and compute "
                "y from x inside the `with Engine.getInstance().newGradientCollector() as gc:` block"
            )
        with grad_mode(ns, True):
            grads = gradients(ns, [t], [a._t for a in leaves])
        # DJL writes: the last gradient is replaced
        write_gradients(ns, [a._grad for a in leaves], grads, leaves=[a._t for a in leaves])

    def zeroGradients(self) -> None:
        for a in _TRACKED:
            if a._grad is not None:
                with a._ns.no_grad():
                    a._grad.zero_()

    def __repr__(self) -> str:
        return f"GradientCollector({'open' if self._open else 'closed'})"


class Engine:
    """``Engine.getInstance()``: makes GradientCollectors and seeds the active backend's random numbers."""

    _instance: Engine | None = None

    @staticmethod
    def getInstance() -> Engine:
        if Engine._instance is None:
            Engine._instance = Engine()
        return Engine._instance

    def getEngineName(self) -> str:
        return "PyTorch" if _active_backend().name == "torch" else "nbautodiff"

    def newGradientCollector(self) -> GradientCollector:
        return GradientCollector()

    def setRandomSeed(self, seed: int) -> None:
        _RANDOM.seed(int(seed))

    def defaultDevice(self) -> Device:
        return _backend_device(_active_backend())

    def getGpuCount(self) -> int:
        return gpu_count()

    def __repr__(self) -> str:
        return f"Engine({self.getEngineName()})"
