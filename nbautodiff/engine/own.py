"""The engine's own tools (transforms, traces) look inside this engine, so they run the user's function on it
whatever the active backend: inside them, ``nbautodiff.torch`` is the own engine, and real PyTorch tensors passed
in are copied into it (keeping ``requires_grad``). Tools that need only values and ``autograd.grad`` (the gradient
checks, op counts, custom gradients) work on the active backend instead: ``active_ns()`` is its namespace."""

from __future__ import annotations

import functools

import numpy as np

from .tensor import Tensor, make


def _to_own(x):
    """A real PyTorch tensor (or a tree of them) as the own engine's; anything else as it is."""
    if isinstance(x, Tensor) or x is None:
        return x
    if type(x).__module__ == "torch" and type(x).__name__ in ("Tensor", "Parameter"):
        t = make(np.array(x.detach().cpu().numpy()))
        if x.requires_grad:
            t._requires_grad = True
        return t
    if isinstance(x, dict):
        return {k: _to_own(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_to_own(v) for v in x)
    return x


_switch = None  # set by the backend switch: () -> a block that makes the own engine active, or None if it is
_active = None  # set by the backend switch: () -> the active backend's PyTorch namespace


def provide_switch(switch, active=None) -> None:
    """The backend switch (a layer above) hands the engine the way to make the own engine active, and the way to
    reach the active backend's namespace."""
    global _switch, _active
    _switch, _active = switch, active


def active_ns():
    """The active backend's PyTorch namespace: the own engine's, or real ``torch``."""
    return _active()


def on_torch() -> bool:
    """Whether real PyTorch is the active backend."""
    return _switch is not None and _switch() is not None


def on_own_engine(fn):
    """Run ``fn`` with the own engine active (a no-op when it already is)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        block = _switch() if _switch is not None else None
        if block is None:
            return fn(*args, **kwargs)
        with block:
            return fn(*_to_own(list(args)), **{k: _to_own(v) for k, v in kwargs.items()})

    return wrapper
