"""The backend switch: the same PyTorch-style code runs on nbautodiff's own engine or on real PyTorch.

A backend is a small object (``name``, ``device``, ``ns``: a PyTorch-compatible namespace, plus
``is_tensor``, ``to_numpy``, ``synchronize``, ``graph``). Because the own engine speaks PyTorch's API, real
PyTorch *is* the second backend: no wrapper per op. ``nbautodiff.torch`` and the lesson dialects follow the
active backend.

>>> import nbautodiff as nb
>>> nb.backend()
Backend('numpy', device='cpu')
>>> with nb.use_backend("numpy"):
...     nb.backend().name
'numpy'
"""

from __future__ import annotations

import os
import sys
import types

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

    def graph(self, *tensors, **kwargs):
        from ..inspect import graph

        return graph(*tensors, **kwargs)

    @property
    def label(self) -> str:
        return self.name if self.device == "cpu" else f"{self.name}:{self.device}"

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, device={self.device!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Backend) and (self.name, self.device) == (other.name, other.device)

    def __hash__(self):
        return hash((self.name, self.device))


_own_ns = None  # the own engine's namespace: nbautodiff.torch as it was defined
_own_modules: dict = {}  # "nbautodiff.torch.nn" -> its own-engine names, kept before any switch
_current: Backend | None = None


def register_own(namespace: dict) -> None:
    """Called once by ``nbautodiff.torch`` as it is defined (its submodules are loaded by then): keep the
    names of it and of each submodule before any switch repoints them."""
    global _own_ns
    if _own_ns is None:
        _own_ns = types.ModuleType("nbautodiff.torch", namespace.get("__doc__"))
        _own_ns.__dict__.update({k: v for k, v in namespace.items() if not _is_dunder(k)})
        copies = {}
        for name, module in list(sys.modules.items()):
            if name.startswith("nbautodiff.torch.") and module is not None:
                _own_modules[name] = {k: v for k, v in vars(module).items() if not _is_dunder(k)}
                copies[name] = types.ModuleType(name, module.__doc__)
                copies[name].__dict__.update(_own_modules[name])
        # The namespace a dialect holds must keep the own engine's submodules (ns.autograd.grad, ns.nn...)
        # even while the real modules of those names are repointed at torch: give it copies.
        for space in [_own_ns, *copies.values()]:
            for key, value in list(vars(space).items()):
                if isinstance(value, types.ModuleType) and value.__name__ in copies:
                    setattr(space, key, copies[value.__name__])


def _own() -> types.ModuleType:
    if _own_ns is None:
        import nbautodiff.torch  # noqa: F401  (registers its namespace)
    return _own_ns


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


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


def _refill(module: types.ModuleType, names: dict) -> None:
    keep = {k: v for k, v in vars(module).items() if _is_dunder(k) and k != "__getattr__"}
    module.__dict__.clear()
    module.__dict__.update(names)
    module.__dict__.update(keep)


def _torch_names(torch_module) -> dict:
    names = {k: v for k, v in vars(torch_module).items() if not _is_dunder(k)}

    def __getattr__(name, _mod=torch_module):  # names torch itself loads lazily
        return getattr(_mod, name)

    names["__getattr__"] = __getattr__
    return names


def _activate(new: Backend) -> None:
    """Point ``nbautodiff.torch`` (and its loaded submodules: nn, autograd, func, ...) at the backend's
    namespace, and set PyTorch's default device for CUDA."""
    global _current
    import importlib

    dialect = sys.modules.get("nbautodiff.torch")
    if dialect is None:
        import nbautodiff.torch as dialect  # noqa: F811
    if new.name == "torch":
        # Only CUDA needs a default device; on the CPU that would put a Python mode on every torch op.
        new.ns.set_default_device(new.device if new.device != "cpu" else None)
        _refill(dialect, _torch_names(new.ns))
        for name in _own_modules:
            module = sys.modules.get(name)
            twin = "torch" + name[len("nbautodiff.torch"):]
            try:
                _refill(module, _torch_names(importlib.import_module(twin)))
            except ImportError:  # pragma: no cover - every twin exists in the PyTorch versions we support
                pass
    else:
        if _current is not None and _current.name == "torch":
            _current.ns.set_default_device(None)
        _refill(dialect, dict(vars(_own())))
        for name, names in _own_modules.items():
            _refill(sys.modules[name], dict(names))
    _current = new


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


__all__ = ["BACKENDS", "Backend", "backend", "from_environment", "parse", "set_backend", "use_backend"]
