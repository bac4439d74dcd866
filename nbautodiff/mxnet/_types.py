"""MXNet's error and its messages, devices (``Context``, ``cpu``, ``gpu``) and numpy-style dtypes."""

from __future__ import annotations

import numpy as _onp

from .._dialect import gpu_count
from ..backends import Backend


class MXNetError(RuntimeError):
    """Raised where MXNet raises its ``MXNetError`` (a ``RuntimeError``), with MXNet's text."""


_NOT_IN_GRAPH = (
    "Cannot differentiate node because it is not in a computational graph. You need to set is_recording to "
    "true or use autograd.record() to save computational graphs for backward. If you want to differentiate "
    "the same graph twice, you need to pass retain_graph=True to backward."
)
_IN_GRAPH = (
    "Assigning to NDArrays that are already in a computational graph will cause undefined behavior when "
    "evaluating gradients. Please call backward first to clear the graph or do this out side of a record "
    "section. Also note that you cannot use inplace operations like +=, *=, relu(x, out=x), y[idx]=x, etc "
    "inside a record section."
)


class Context:
    """A device as MXNet names it: ``cpu(0)``, ``gpu(0)``."""

    def __init__(self, device_type: str = "cpu", device_id: int = 0):
        if device_type not in ("cpu", "gpu"):
            raise ValueError(f"unknown device type {device_type!r}: use 'cpu' or 'gpu'")
        self.device_type, self.device_id = device_type, int(device_id)

    @classmethod
    def _of(cls, device) -> Context:
        kind, _, index = str(device).partition(":")
        return cls("gpu" if kind == "cuda" else "cpu", int(index or 0))

    def __eq__(self, other) -> bool:
        return isinstance(other, Context) and (self.device_type, self.device_id) == (
            other.device_type,
            other.device_id,
        )

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __repr__(self) -> str:
        return f"{self.device_type}({self.device_id})"


def cpu(device_id: int = 0) -> Context:
    return Context("cpu", device_id)


def gpu(device_id: int = 0) -> Context:
    return Context("gpu", device_id)


def num_gpus() -> int:
    """GPUs the active backend can put arrays on (PyTorch's count on the torch backend, 0 on the own engine)."""
    return gpu_count()


def _check_ctx(ctx, be: Backend) -> None:
    """``ctx=`` must name the backend's device: nothing moves silently to or from a GPU."""
    if ctx is None:
        return
    here = Context._of("cpu" if be.device == "cpu" else (be.device if ":" in be.device else "cuda:0"))
    if ctx != here:
        raise ValueError(
            f"ctx={ctx!r}, but the active backend {be.label!r} puts arrays on {here!r}; choose the device with the "
            "backend: nb.use_backend('torch', device='cuda') for gpu(0), nb.use_backend('numpy') for cpu(0)"
        )


_NP_DTYPES: dict[str, _onp.dtype] = {}


def _np_dtype(t_dtype) -> _onp.dtype:
    """The numpy dtype of a backend dtype (``torch.float32`` → ``dtype('float32')``)."""
    key = str(t_dtype)
    if key not in _NP_DTYPES:
        _NP_DTYPES[key] = _onp.dtype(key.rpartition(".")[2])
    return _NP_DTYPES[key]


def _or(dtype, default):
    return default if dtype is None else dtype


def _ns_dtype(ns, dtype):
    """The backend dtype for a numpy-style one: ``'float32'``, ``np.int64``, ``int`` (int64), ``bool``."""
    if dtype is None:
        return None
    name = _onp.dtype(dtype).name
    try:
        return getattr(ns, name)
    except AttributeError:
        raise TypeError(f"dtype {name} is not supported; use float32, float64, int32, int64, uint8 or bool") from None
