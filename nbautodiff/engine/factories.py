"""Tensor factories with PyTorch's names, dtype inference and defaults (float32, int64)."""

from __future__ import annotations

import builtins
import numbers
import warnings

import numpy as np

from . import dtypes, mode
from .tensor import Tensor, _check_can_require_grad, make

_default_dtype = dtypes.float32
_seed = int(np.random.SeedSequence().entropy % (2**63))
_generator = np.random.default_rng(_seed)


def get_default_dtype() -> dtypes.dtype:
    return _default_dtype


def set_default_dtype(d) -> None:
    global _default_dtype
    d = dtypes.to_dtype(d)
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_dtype = d


def manual_seed(seed: int):
    """Seed the random factories (rand, randn, normal, ...). Values differ from PyTorch's own stream."""
    global _generator, _seed
    _seed = int(seed)
    _generator = np.random.default_rng(_seed)
    return _generator


seed = manual_seed


def _rng() -> np.random.Generator:
    return _generator


class Generator:
    """``torch.Generator``: a random stream of its own (for ``random_split``, samplers) seeded by ``manual_seed``.
    Its numbers come from numpy, not PyTorch's generator."""

    def __init__(self, device="cpu"):
        self.device = dtypes.device(device)
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2**63))).initial_seed()

    def initial_seed(self) -> int:
        return self._seed


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = make(data, None, mode.InferenceVersion([0]) if mode.state.inference else None)
    if requires_grad:
        _check_can_require_grad(data)
        t._requires_grad = True
        if mode.state.tracer is not None:
            from .tracing import emit

            emit("leaf", t)
    return t


def _infer(data) -> np.ndarray:
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data)
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in _flat(data)):
        data = _unwrap(data)
    if isinstance(data, (list, tuple)):
        _check_nesting(data, _nested_shape(data), 0)
    arr = np.array(data)
    if arr.dtype == object:
        raise TypeError(f"tensor(): could not infer a dtype from {type(data).__name__} data (ragged nested sequence?)")
    return arr


def _is_sequence(v) -> bool:
    return isinstance(v, (list, tuple)) or (isinstance(v, (np.ndarray, Tensor)) and np.ndim(v) > 0)


def _nested_shape(data) -> list:
    """The shape PyTorch infers from nested lists: the lengths along the first element at every depth."""
    shape = []
    while _is_sequence(data):
        shape.append(len(data))
        if not len(data):
            break
        data = data[0]
    return shape


def _check_nesting(data, shape: list, dim: int) -> None:
    """PyTorch's errors for ragged nested lists (``[[1, 2], [3]]``), checked before numpy sees them."""
    if dim == len(shape):
        if _is_sequence(data):
            raise TypeError(f"'{type(data).__name__}' object cannot be interpreted as an integer")
        return
    if not _is_sequence(data):
        raise TypeError("not a sequence")
    if len(data) != shape[dim]:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(data)})")
    if isinstance(data, (list, tuple)):
        for v in data:
            _check_nesting(v, shape, dim + 1)


def _flat(seq):
    for v in seq:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _unwrap(seq):
    return [_unwrap(v) if isinstance(v, (list, tuple)) else (v.item() if isinstance(v, Tensor) else v) for v in seq]


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``; floats become float32, ints int64, as in PyTorch.

    >>> tensor([0., 1., 2., 3.], requires_grad=True)
    tensor([0., 1., 2., 3.], requires_grad=True)
    """
    if device is not None:
        dtypes.on_cpu(device)
    from_numpy_array = isinstance(data, (np.ndarray, np.generic, Tensor))
    arr = _infer(data)
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'\na tensor holds numbers: tensor([1., 2.]), not a string")
    if dtype is not None:
        target = _dtype_arg(dtype, "tensor").np
    elif from_numpy_array:
        target = arr.dtype  # a numpy float64 array stays float64, as in PyTorch
        dtypes.from_numpy(target)
    elif arr.dtype.kind == "f":
        target = _default_dtype.np
    elif arr.dtype.kind in "iu":
        target = np.dtype(np.int64)
    elif arr.dtype.kind == "c":
        raise TypeError("tensor(): the own engine has no complex dtypes (PyTorch's complex64/complex128)\n"
                        "a complex number is two real ones: keep the real and imaginary parts as two tensors, or "
                        "switch to the torch backend (nbautodiff.set_backend('torch'))")
    else:
        target = arr.dtype
    return _finish(np.asarray(arr, dtype=target, order="C"), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or dtypes.to_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and dtype is None:
        return make(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with a numpy array."""
    if not isinstance(arr, np.ndarray):
        kind = type(arr)
        raise TypeError(f"expected np.ndarray (got {kind.__module__ + '.' if kind.__module__ != 'builtins' else ''}"
                        f"{kind.__qualname__})")
    dtypes.from_numpy(arr.dtype)
    return make(arr)


def _size(size, keyword=None, op: str | None = None) -> tuple:
    if keyword is not None:
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    _non_negative(size, op)
    return size


def _non_negative(size: tuple, op: str | None = None) -> None:
    """PyTorch's RuntimeError for a negative size (zeros words it its own way)."""
    for s in size:
        if s < 0:
            if op == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, size))}]")


def _dt(dtype, op: str) -> np.dtype:
    return (_dtype_arg(dtype, op) if dtype is not None else _default_dtype).np


def _dtype_arg(dtype, op: str):
    """A factory's ``dtype=``: a torch dtype, a numpy dtype or a Python type (``float`` is float64, as in
    PyTorch); a string is PyTorch's TypeError."""
    if isinstance(dtype, str):
        raise TypeError(f"{op}(): argument 'dtype' must be torch.dtype, not str\n"
                        f"use torch.{dtype.removeprefix('torch.')} rather than the string {dtype!r}")
    return dtypes.to_dtype(dtype)


def zeros(*shape, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if device is not None:
        dtypes.on_cpu(device)
    return _finish(np.zeros(_size(shape, size, "zeros"), dtype=_dt(dtype, "zeros")), requires_grad)


def ones(*shape, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if device is not None:
        dtypes.on_cpu(device)
    return _finish(np.ones(_size(shape, size), dtype=_dt(dtype, "ones")), requires_grad)


def empty(*shape, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if device is not None:
        dtypes.on_cpu(device)
    return _finish(np.zeros(_size(shape, size), dtype=_dt(dtype, "empty")), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        if isinstance(fill_value, (bool, np.bool_)):
            dtype = dtypes.bool
        elif isinstance(fill_value, numbers.Integral):
            dtype = dtypes.int64
    size = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    _non_negative(size)
    return _finish(np.full(size, fill_value, dtype=_dt(dtype, "full")), requires_grad)


def _like(x: Tensor, fill, dtype, requires_grad, op: str) -> Tensor:
    dt = _dtype_arg(dtype, op).np if dtype is not None else x._data.dtype
    from .ops.registry import _laid_out

    return _finish(_laid_out("preserve", np.asarray(fill(x._data.shape, dt)), x._data), requires_grad)


def zeros_like(x, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(x, np.zeros, dtype, requires_grad, "zeros_like")


def ones_like(x, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(x, np.ones, dtype, requires_grad, "ones_like")


def empty_like(x, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(x, np.zeros, dtype, requires_grad, "empty_like")


def full_like(x, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(x, lambda s, d: np.full(s, fill_value, dtype=d), dtype, requires_grad, "full_like")


def rand_like(x, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(x, lambda s, d: _generator.random(s).astype(d), dtype, requires_grad, "rand_like")


def randn_like(x, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(x, lambda s, d: _generator.standard_normal(s).astype(d), dtype, requires_grad, "randn_like")


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); int64 for integer arguments, float32 otherwise.

    >>> arange(4.)
    tensor([0., 1., 2., 3.])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        is_int = builtins.all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else _default_dtype
    # compute in float64 like PyTorch, then cast, so float32 ranges don't drift
    return _finish(np.arange(start, end, step, dtype=np.float64).astype(_dtype_arg(dtype, "arange").np), requires_grad)


def range(start, end, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Deprecated: values from ``start`` to ``end`` inclusive, float32 by default (``arange`` excludes ``end``)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    n = int(np.floor((end - start) / step)) + 1
    values = start + np.arange(n, dtype=np.float64) * step
    return _finish(values.astype(_dtype_arg(dtype, "range").np if dtype is not None else _default_dtype.np),
                   requires_grad)


_warned_asarray: list = []


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None) -> Tensor:
    """``obj`` as a tensor, sharing its memory when it can (a tensor or numpy array of the dtype asked for) unless
    ``copy=True``; a copy (``copy=False`` refuses to make one) otherwise. A tensor keeps its requires_grad unless
    ``requires_grad`` is given."""
    if device is not None:
        dtypes.on_cpu(device)
    target = None if dtype is None else _dtype_arg(dtype, "asarray").np
    source = obj._data if isinstance(obj, Tensor) else obj
    shares = isinstance(source, np.ndarray) and (target is None or source.dtype == target)
    if copy is False and not shares:
        raise ValueError("can't alias Python scalar/sequence/tensor of a different dtype without a copy (copy=False)")
    if isinstance(obj, Tensor) and requires_grad is None and obj.requires_grad:
        requires_grad = True
        if not _warned_asarray:  # (once per process, as PyTorch's TORCH_WARN_ONCE)
            _warned_asarray.append(True)
            warnings.warn("torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead of "
                          "False. "
                          "Pass requires_grad=False explicitly to get the old behavior and silence this warning.",
                          UserWarning, stacklevel=2)
    if isinstance(obj, Tensor):  # recorded as PyTorch records it: .to(dtype), clone(), or the tensor itself
        grad = obj.requires_grad if requires_grad is None else bool(requires_grad)
        base = obj if grad else obj.detach()
        if target is not None and source.dtype != target:
            out = base.to(dtypes.from_numpy(target))
        elif copy:
            out = base.clone()
        else:
            out = base
        if grad and not out.requires_grad:
            out = out.detach().requires_grad_(True) if out is obj else out.requires_grad_(True)
        return out
    data = source if shares and not copy else np.array(source, dtype=target) if isinstance(source, np.ndarray) \
        else tensor(source, dtype=dtype)._data
    return _finish(data, bool(requires_grad))


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(np.linspace(start, end, steps, dtype=np.float64).astype(_dt(dtype, "linspace")), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(np.eye(n, m, dtype=_dt(dtype, "eye")), requires_grad)


def rand(*shape, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    return _finish(_generator.random(_size(shape, size)).astype(_dt(dtype, "rand")), requires_grad)


def randn(*shape, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    return _finish(_generator.standard_normal(_size(shape, size)).astype(_dt(dtype, "randn")), requires_grad)


def randint(low, high=None, size=(), *, dtype=None, device=None) -> Tensor:
    if high is None:
        low, high = 0, low
    dt = (_dtype_arg(dtype, "randint") if dtype else dtypes.int64).np
    return make(_generator.integers(low, high, size=tuple(size)).astype(dt))


def normal(mean=0.0, std=1.0, size=None, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """Normal samples with the given mean and std (numbers or tensors)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = tuple(size) if size is not None else np.broadcast(np.asarray(m), np.asarray(s)).shape
    dt = _dt(dtype, "normal") if dtype is not None or not isinstance(mean, Tensor) else mean._data.dtype
    return _finish((_generator.standard_normal(shape) * s + m).astype(dt), requires_grad)


def randperm(n: int, *, dtype=None) -> Tensor:
    return make(_generator.permutation(n).astype(np.int64))


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values from base**start to base**end, evenly spaced in the exponent."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(np.logspace(start, end, steps, base=base, dtype=np.float64).astype(_dt(dtype, "logspace")),
                   requires_grad)


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype, keep) -> Tensor:
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")  # (sic: PyTorch's message has no space)
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    r, c = np.nonzero(keep(np.ones((row, col), np.bool_), offset))
    return make(np.stack([r, c]).astype((_dtype_arg(dtype, name) if dtype else dtypes.int64).np))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """The (row, column) indices of a row x col matrix's lower triangle, a 2 x N int64 tensor (row-major order)."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, np.tril)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """The (row, column) indices of a row x col matrix's upper triangle, a 2 x N int64 tensor (row-major order)."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, np.triu)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s`` (float32 unless ``dtype`` says otherwise)."""
    return _finish(np.asarray(s, dtype=_dt(dtype, "scalar_tensor")), requires_grad)


def initial_seed() -> int:
    """The seed of the random factories' stream (the last ``manual_seed``, else the one drawn at start)."""
    return _seed


def get_rng_state() -> Tensor:
    """The random factories' state as a uint8 tensor (numpy's generator state as JSON text, not PyTorch's layout)."""
    import json

    return make(np.frombuffer(json.dumps(_generator.bit_generator.state).encode(), np.uint8).copy())


def set_rng_state(new_state: Tensor) -> None:
    """Restore a state from ``get_rng_state``: the factories then draw the same numbers again."""
    import json

    _generator.bit_generator.state = json.loads(new_state._data.astype(np.uint8).tobytes().decode())


# ============================================================== sampling from tensors of parameters
def _sampled(name: str, x: Tensor, values: np.ndarray) -> Tensor:
    """The samples, recorded as PyTorch records them when x requires grad (a node with zero gradients)."""
    from .ops.registry import apply
    from .ops.special import SAMPLES

    return apply(SAMPLES[name], (x,), {"value": values})


def _rng_of(generator) -> np.random.Generator:
    return _rng() if generator is None else generator._rng


def _float_input(x: Tensor, kernel: str) -> None:
    if x._data.dtype.kind != "f":
        from .ops.special import _torch_name

        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_torch_name(x._data.dtype)}'")


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """``num_samples`` category indices (int64) per row of the 1-d or 2-d weights ``input`` (not necessarily
    normalised); without replacement each index at most once per row (drawn by the exponential-race trick)."""
    p = input._data
    if p.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{dtypes.from_numpy(p.dtype).legacy.removesuffix('Tensor')}")
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = p.reshape(-1, p.shape[-1]).astype(np.float64)
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.sum(-1, keepdims=True)
    if np.any(totals <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng_of(generator)
    if replacement:
        cdf = np.cumsum(rows / totals, -1)
        u = rng.random((rows.shape[0], num_samples))
        out = np.stack([np.minimum(np.searchsorted(c, v, side="right"), rows.shape[1] - 1) for c, v in zip(cdf, u)])
    else:  # the smallest exponential(1) / p first: a draw in proportion to p, without putting back
        with np.errstate(divide="ignore"):
            keys = rng.exponential(size=rows.shape) / rows
        out = np.argsort(keys, axis=-1, kind="stable")[:, :num_samples]
    return make(out.reshape(*p.shape[:-1], num_samples).astype(np.int64))


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """0/1 samples (in input's dtype) with the probabilities ``input``, or the number ``p`` for every element."""
    _float_input(input, "bernoulli_tensor_cpu_p_" if p is None else "bernoulli_scalar_cpu_")
    probs = input._data if p is None else np.full(input._data.shape, p)
    if np.any(~((probs >= 0) & (probs <= 1))):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
                           "improved?  If so, please report an enhancement request to PyTorch.)")
    draws = _rng_of(generator).random(input._data.shape) < probs
    return _sampled("bernoulli", input, draws.astype(input._data.dtype))


def poisson(input, generator=None) -> Tensor:
    """Poisson samples (in input's dtype) with the rates ``input``."""
    _float_input(input, "poisson_cpu")
    if np.any(input._data < 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _sampled("poisson", input, _rng_of(generator).poisson(input._data).astype(input._data.dtype))


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Random integers in [low, high) of input's shape, in input's dtype unless ``dtype`` is given."""
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = input._data.dtype if dtype is None else _dtype_arg(dtype, "randint_like").np
    return _finish(_rng().integers(low, high, size=input._data.shape).astype(dt), requires_grad)
