"""The engine's own tools (transforms, traces, checks, op counts) look inside this engine, so they run the
user's function on it whatever the active backend: inside them, ``nbautodiff.torch`` is the own engine,
and real PyTorch tensors passed in are copied into it (keeping ``requires_grad``)."""

from __future__ import annotations

import functools
import sys

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


def on_own_engine(fn):
    """Run ``fn`` with the own engine active (a no-op when it already is)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        backends = sys.modules.get("nbautodiff.backends")
        current = getattr(backends, "_current", None)
        if current is None or current.name == "numpy":
            return fn(*args, **kwargs)
        with backends.use_backend("numpy"):
            return fn(*_to_own(list(args)), **{k: _to_own(v) for k, v in kwargs.items()})

    return wrapper
