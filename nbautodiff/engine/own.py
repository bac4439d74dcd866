"""The engine's own tools (transforms, traces, checks, op counts) look inside this engine, so they run the
user's function on it whatever the active backend: inside them, ``nbautodiff.torch`` is the own engine,
and real PyTorch tensors passed in are copied into it (keeping ``requires_grad``)."""

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


def provide_switch(switch) -> None:
    """The backend switch (a layer above) hands the engine the way to make the own engine active."""
    global _switch
    _switch = switch


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
