"""The backend switch: the same PyTorch-style code runs on nbautodiff's own engine or on real PyTorch.

A backend is a small object (``name``, ``device``, ``ns``: a PyTorch-compatible namespace, plus
``is_tensor``, ``to_numpy``, ``synchronize``). The own engine's namespace is ``backends.own``; because it speaks
PyTorch's API, real PyTorch *is* the second backend: no wrapper per op. ``nbautodiff.torch`` and the lesson
dialects, a layer above, follow the active backend (``on_switch``).

>>> import nbautodiff as nb
>>> nb.backend()
Backend('numpy', device='cpu')
>>> with nb.use_backend("numpy"):
...     nb.backend().name
'numpy'
"""

from __future__ import annotations

import os
import types

from ..engine import own as _engine_own

BACKENDS = ("numpy", "torch")
ENV = "NBAUTODIFF_BACKEND"


class Backend:
    """One backend: its name, device and PyTorch-compatible namespace ``ns``."""

    def __init__(self, name: str, device: str, ns):
        self.name, self.device, self.ns = name, device, ns

    def is_tensor(self, x) -> bool:
        return isinstance(x, self.ns.Tensor)

    def to_numpy(self, x):
        """A numpy copy of a tensor's values (from the GPU if need be), without its graph."""
        x = x.detach()
        return (x.cpu() if self.name == "torch" else x).numpy()

    def synchronize(self) -> None:
        """Wait for queued GPU work (timings of CUDA code need it); nothing to do on the CPU."""
        if self.name == "torch" and self.device.startswith("cuda"):
            self.ns.cuda.synchronize()

    @property
    def label(self) -> str:
        return self.name if self.device == "cpu" else f"{self.name}:{self.device}"

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, device={self.device!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Backend) and (self.name, self.device) == (other.name, other.device)

    def __hash__(self):
        return hash((self.name, self.device))


_current: Backend | None = None
_listeners: list = []  # called with the new backend after every switch (the PyTorch dialect repoints itself)


def on_switch(listener) -> None:
    """Call ``listener(backend)`` after every switch of the active backend (and once now, if one is active).

    This is how a layer above (``nbautodiff.torch``) follows the backend without this module knowing of it."""
    _listeners.append(listener)
    if _current is not None:
        listener(_current)


def _own() -> types.ModuleType:
    from . import own  # the own engine's PyTorch namespace, loaded with the first backend

    return own


def parse(spec: str, device: str | None = None) -> tuple[str, str]:
    """``"torch:cuda"`` → ("torch", "cuda"); the name is checked, the device normalised."""
    name, _, dev = str(spec).strip().partition(":")
    name = name.lower()
    device = (device or dev or "cpu").lower()
    if name not in BACKENDS:
        raise ValueError(
            f"unknown backend {spec!r}: choose 'numpy' (nbautodiff's own engine) or 'torch' (real PyTorch), "
            "e.g. set_backend('torch', device='cuda') or NBAUTODIFF_BACKEND=torch:cuda"
        )
    if not (device == "cpu" or device == "cuda" or device.startswith("cuda:")):
        raise ValueError(f"unknown device {device!r}: use 'cpu' or 'cuda' (or 'cuda:1' for a second GPU)")
    return name, device


def _make(name: str, device: str) -> Backend:
    """Check everything about the asked-for backend before anything changes."""
    if name == "numpy":
        if device != "cpu":
            raise RuntimeError(
                f"the own numpy engine runs on the CPU only, not on {device!r}; for a GPU use the PyTorch "
                "backend: set_backend('torch', device='cuda')"
            )
        return Backend("numpy", "cpu", _own())
    try:
        import torch
    except ImportError:
        raise RuntimeError(
            "the 'torch' backend needs PyTorch, which is not installed: pip install torch "
            '(or pip install "nbautodiff[torch]"); the own engine needs nothing more: set_backend("numpy")'
        ) from None
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"CUDA was asked for (device={device!r}) but torch.cuda.is_available() is False: this machine has "
                "no usable NVIDIA GPU, or PyTorch was built without CUDA. Use device='cpu', or run on a GPU "
                "machine with a CUDA build of PyTorch (pip install torch from pytorch.org's CUDA index)."
            )
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise RuntimeError(f"CUDA device {index} was asked for but there are {torch.cuda.device_count()}")
    return Backend("torch", device, torch)


def _activate(new: Backend) -> None:
    """Make ``new`` the active backend: PyTorch's default device for CUDA, then tell the listeners."""
    global _current
    if new.name == "torch":
        # Only CUDA needs a default device; on the CPU that would put a Python mode on every torch op.
        new.ns.set_default_device(new.device if new.device != "cpu" else None)
    elif _current is not None and _current.name == "torch":
        _current.ns.set_default_device(None)
    _current = new
    for listener in _listeners:
        listener(new)


def set_backend(name: str = "numpy", device: str | None = None) -> Backend:
    """Run ``nbautodiff.torch`` code (and the dialects) on the own engine or on real PyTorch.

    ``set_backend("torch", device="cuda")`` or ``set_backend("torch:cuda")``. Nothing falls back silently:
    a missing PyTorch or GPU is an error, raised before anything changes.
    """
    new = _make(*parse(name, device))
    if new != _current:
        _activate(new)
    return new


def backend() -> Backend:
    """The active backend."""
    if _current is None:
        set_backend("numpy")
    return _current


class use_backend:
    """Run a block on another backend and switch back afterwards, even if the block fails.

    >>> with use_backend("numpy"):
    ...     backend().label
    'numpy'
    """

    def __init__(self, name: str = "numpy", device: str | None = None):
        self._new = _make(*parse(name, device))  # errors here, before anything changes
        self._previous: list[Backend] = []  # a stack: the same object may be entered again inside itself

    def __enter__(self) -> Backend:
        self._previous.append(backend())
        if self._new != self._previous[-1]:
            _activate(self._new)
        return self._new

    def __exit__(self, *exc):
        previous = self._previous.pop()
        if _current != previous:
            _activate(previous)
        return False


def from_environment() -> Backend:
    """The backend named by ``NBAUTODIFF_BACKEND`` (``numpy``, ``torch``, ``torch:cuda``), else numpy."""
    spec = os.environ.get(ENV, "").strip()
    if not spec:
        return set_backend("numpy")
    try:
        return set_backend(spec)
    except (ValueError, RuntimeError) as e:
        raise RuntimeError(f"{ENV}={spec!r}: {e}") from None


def _own_engine_active():
    """For the engine's own tools (``engine.own.on_own_engine``): a block with the own engine active, or None
    when it already is."""
    if _current is None or _current.name == "numpy":
        return None
    return use_backend("numpy")


def _active_namespace():
    """For the engine's tools that run on the active backend (``engine.own.active_ns``): its namespace."""
    return backend().ns


_engine_own.provide_switch(_own_engine_active, _active_namespace)

__all__ = ["BACKENDS", "Backend", "backend", "from_environment", "on_switch", "parse", "set_backend", "use_backend"]
