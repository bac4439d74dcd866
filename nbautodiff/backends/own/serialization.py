"""``torch.save`` / ``torch.load`` on the own engine, in PyTorch's own file format (a zip archive: the pickled object
in ``data.pkl``, each tensor's memory in ``data/<key>``), so a checkpoint written on either backend, or by PyTorch
itself, loads on the other. ``torch.load`` is ``weights_only`` by default as in PyTorch 2.6+: only tensors,
containers and plain values unpickle unless the file is trusted (``weights_only=False``) or the classes are allowed
with ``add_safe_globals``.

>>> torch.save(model.state_dict(), "model.pt")             # doctest: +SKIP
>>> model.load_state_dict(torch.load("model.pt"))           # doctest: +SKIP
"""

from __future__ import annotations

import builtins
import collections
import io
import os
import pickle
import uuid
import zipfile

import numpy as np

from ...engine import dtypes
from ...engine.tensor import Tensor, make

# PyTorch's storage classes (the GLOBALs data.pkl names) and the numpy dtype of each
_STORAGES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16, "LongStorage": np.int64,
    "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_, "ComplexFloatStorage": np.complex64, "ComplexDoubleStorage": np.complex128,
}
_STORAGE_OF = {np.dtype(t): name for name, t in _STORAGES.items()}


class _Global:
    """A name in PyTorch's modules, written into data.pkl as a GLOBAL (PyTorch need not be installed to write it)."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # (pickle's save_reduce wants a callable; it is only ever written, never called)
        raise TypeError(f"{self.module}.{self.name} is PyTorch's; it is written to files, not called here")


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")


class _Storage:
    """One tensor's memory, written as a persistent id (its bytes go to their own record of the archive)."""

    def __init__(self, key: str, flat: np.ndarray):
        self.key, self.flat = key, flat


# ------------------------------------------------------------------------------------------------ save
def _memory(a: np.ndarray):
    """(flat copy of the memory, its strides in elements): a dense array keeps its layout, others become C order."""
    from ...engine.ops.registry import dense

    if a.ndim and a.size and dense(a) and not a.flags.c_contiguous:
        order = sorted(range(a.ndim), key=lambda d: -a.strides[d])
        return np.ascontiguousarray(a.transpose(order)).ravel(), tuple(s // a.itemsize for s in a.strides)
    flat = np.ascontiguousarray(a).ravel()
    steps, n = [], 1
    for size in reversed(a.shape):
        steps.append(n)
        n *= max(size, 1)
    return flat, tuple(reversed(steps))


class _Pickler(pickle._Pickler):
    """pickle's Python pickler, writing tensors as PyTorch does: _rebuild_tensor_v2(storage, offset, size, stride,
    requires_grad, hooks) with the storage a persistent id."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages: list[_Storage] = []
        self.shared: dict[int, _Storage] = {}
        self.keep: list = []

    def save_torch_global(self, obj: _Global):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    dispatch[_Global] = save_torch_global
    dispatch[dtypes.dtype] = lambda self, obj: self.save_torch_global(_Global("torch", repr(obj).split(".")[-1]))

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", _Global("torch", _STORAGE_OF[obj.flat.dtype]), obj.key, "cpu", obj.flat.size)
        return None

    def _storage_of(self, data: np.ndarray):
        """(storage, offset, strides): as PyTorch, a view is written as its whole base memory with its offset and
        strides, and views of one memory share one storage; other arrays as a copy of their own memory."""
        base = data
        while isinstance(base.base, np.ndarray):
            base = base.base
        item = data.itemsize
        start = data.__array_interface__["data"][0] - base.__array_interface__["data"][0] if data.size else 0
        if (base.dtype == data.dtype and base.flags.c_contiguous and data.size
                and all(st >= 0 and st % item == 0 for st in data.strides) and start % item == 0):
            key = id(base)
            if key not in self.shared:
                self.shared[key] = self._new_storage(base.reshape(-1))
                self.keep.append(base)  # (alive until the dump ends, so its id is not reused)
            return self.shared[key], start // item, tuple(st // item for st in data.strides)
        flat, stride = _memory(data)
        return self._new_storage(flat), 0, stride

    def _new_storage(self, flat: np.ndarray) -> _Storage:
        storage = _Storage(str(len(self.storages)), flat)
        self.storages.append(storage)
        return storage

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            from .nn.parameter import Parameter

            if isinstance(obj, Parameter):  # PyTorch: _rebuild_parameter(its data as a plain tensor, requires_grad)
                return _REBUILD_PARAMETER, (make(obj._data), obj._requires_grad, collections.OrderedDict())
            data = np.asarray(obj._data)
            if data.dtype not in _STORAGE_OF:
                raise pickle.PicklingError(f"torch.save: no PyTorch storage for dtype {data.dtype}")
            storage, offset, stride = self._storage_of(data)
            return _REBUILD_TENSOR, (storage, offset, tuple(data.shape), stride, bool(obj._requires_grad),
                                     collections.OrderedDict())
        if isinstance(obj, dtypes.Size):
            return _Global("torch", "Size"), (tuple(obj),)
        if isinstance(obj, dtypes.device):
            return _Global("torch", "device"), (str(obj),)
        return NotImplemented


def _archive_name(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def save(obj, f, pickle_module=pickle, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Write ``obj`` (a state_dict, tensors, containers of them) to the path or file ``f`` in PyTorch's format."""
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, pickle_protocol)
    pickler.dump(obj)
    name = _archive_name(f)
    records = [("data.pkl", buffer.getvalue()), (".format_version", b"1"), (".storage_alignment", b"64"),
               ("byteorder", b"little")]
    records += [(f"data/{s.key}", s.flat.tobytes()) for s in pickler.storages]
    records += [("version", b"3\n"), (".data/serialization_id", uuid.uuid4().hex.encode().ljust(40, b"0"))]
    target = open(os.fspath(f), "wb") if isinstance(f, (str, os.PathLike)) else f
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as z:
            for record, data in records:
                z.writestr(f"{name}/{record}", data)
    finally:
        if target is not f:
            target.close()


# ------------------------------------------------------------------------------------------------ load
_safe_globals: list = []


def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes and functions in ``torch.load(..., weights_only=True)``."""
    _safe_globals.extend(safe_globals)


def get_safe_globals() -> list:
    return list(_safe_globals)


def clear_safe_globals() -> None:
    _safe_globals.clear()


class safe_globals:
    """``with torch.serialization.safe_globals([...]):`` allows them for the loads inside only."""

    def __init__(self, safe_globals: list):
        self._added = list(safe_globals)

    def __enter__(self):
        _safe_globals.extend(self._added)

    def __exit__(self, *exc):
        for g in self._added:
            _safe_globals.remove(g)


def _weights_only_error(module: str, name: str) -> pickle.UnpicklingError:
    full = f"{module}.{name}"
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, \x1b[1mdo those "
        "steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In PyTorch 2.6, we changed the "
        "default value of the `weights_only` argument in `torch.load` from `False` to `True`. Re-running "
        "`torch.load` with `weights_only` set to `False` will likely succeed, but it can result in arbitrary code "
        "execution. Do it only if you got the file from a trusted source.\n\t(2) Alternatively, to load with "
        "`weights_only=True` please check the recommended steps in the following error message.\n\tWeightsUnpickler "
        f"error: Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
        f"`torch.serialization.add_safe_globals([{full}])` or the `torch.serialization.safe_globals([{full}])` "
        "context manager to allowlist this global if you trust this class/function.")


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    item = storage.itemsize
    data = np.lib.stride_tricks.as_strided(storage[storage_offset:], tuple(size), tuple(s * item for s in stride))
    t = make(np.array(data) if data.size == 0 else data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter

    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    for k, v in (state or {}).items():
        setattr(p, k, v)
    return p


class _StorageType:
    def __init__(self, name: str):
        self.dtype = np.dtype(_STORAGES[name])


def _allowed(module: str, name: str):
    """What a GLOBAL of data.pkl means here: PyTorch's rebuild functions, storage types, dtypes, Size, device and
    the plain containers; None where it is none of those."""
    if module == "torch._utils":
        return {"_rebuild_tensor_v2": _rebuild_tensor_v2, "_rebuild_parameter": _rebuild_parameter,
                "_rebuild_parameter_with_state": _rebuild_parameter_with_state}.get(name)
    if module == "torch":
        if name in _STORAGES:
            return _StorageType(name)
        if name.endswith("Storage"):
            raise TypeError(f"torch.load: the file holds {name.removesuffix('Storage')} tensors, a dtype the own "
                            "engine does not have\nconvert them in PyTorch before saving (e.g. t.float()), or load "
                            "the file on the torch backend")
        if name in ("Size", "device"):
            return getattr(dtypes, name)
        value = getattr(dtypes, name, None)
        return value if isinstance(value, dtypes.dtype) else None
    if (module, name) in (("collections", "OrderedDict"), ("builtins", "set"), ("builtins", "frozenset"),
                          ("builtins", "complex"), ("builtins", "slice"), ("builtins", "bytearray")):
        return getattr(collections if module == "collections" else builtins, name)
    if (module, name) == ("torch.nn.parameter", "Parameter"):
        from .nn.parameter import Parameter

        return Parameter
    for g in _safe_globals:
        if getattr(g, "__module__", None) == module and getattr(g, "__qualname__", None) == name:
            return g
    return None


def _cuda_location(location: str) -> bool:
    return str(location).startswith("cuda")


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, archive, prefix, map_location, weights_only):
        super().__init__(file)
        self.archive, self.prefix = archive, prefix
        self.map_location, self.weights_only = map_location, weights_only
        self.loaded: dict[str, np.ndarray] = {}

    def find_class(self, module, name):
        found = _allowed(module, name)
        if found is not None:
            return found
        if self.weights_only:
            raise _weights_only_error(module, name)
        return super().find_class(module, name)

    def persistent_load(self, pid):
        kind, storage_type, key, location, numel = pid[:5]
        if kind != "storage":
            raise pickle.UnpicklingError(f"torch.load: unknown persistent id {kind!r}")
        _check_location(location, self.map_location)
        if key not in self.loaded:
            raw = self.archive.read(f"{self.prefix}data/{key}")
            self.loaded[key] = np.frombuffer(raw, dtype=storage_type.dtype).copy()
        return self.loaded[key]


def _check_location(location, map_location) -> None:
    """The own engine holds CPU memory only: a CUDA target gets PyTorch's CPU-build error."""
    target = location
    if isinstance(map_location, dict):
        target = map_location.get(location, location)
    elif map_location is not None and not callable(map_location):
        target = str(map_location)
    if _cuda_location(target):
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. If you are "
            "running on a CPU-only machine, please use torch.load with map_location=torch.device('cpu') to map "
            "your storages to the CPU.")


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read what ``torch.save`` wrote (on either backend, or by PyTorch): tensors come back on the CPU."""
    if weights_only is None:
        weights_only = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() not in ("1", "y", "yes",
                                                                                                "true")
    _check_location("cpu", map_location)
    source = open(os.fspath(f), "rb") if isinstance(f, (str, os.PathLike)) else f
    try:
        if not zipfile.is_zipfile(source):
            raise RuntimeError("torch.load: this is not a zip archive written by torch.save (files in PyTorch's legacy "
                               "format, before 1.6, are not read by the own engine; load and re-save them with "
                               "PyTorch)")
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            pkl = next((n for n in archive.namelist() if n.endswith("data.pkl")), None)
            if pkl is None:
                raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found")
            prefix = pkl[: -len("data.pkl")]
            unpickler = _Unpickler(io.BytesIO(archive.read(pkl)), archive, prefix, map_location, weights_only)
            return unpickler.load()
    finally:
        if source is not f:
            source.close()
