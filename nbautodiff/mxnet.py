"""The MXNet dialect: ``from nbautodiff.mxnet import np, autograd`` and MXNet lesson code runs on nbautodiff.

MXNet's rules, not PyTorch's: ``attach_grad()`` gives an array a zero gradient buffer; only what runs inside
``autograd.record()`` is recorded; ``backward()`` on a non-scalar differentiates the sum of its elements;
each backward *writes* the attached arrays' ``.grad`` (``attach_grad(grad_req='add')`` accumulates). The
dialect is written once against the active backend's PyTorch-compatible namespace, so it runs on the own
engine and on real PyTorch (CPU or CUDA). Arrays print as MXNet's numpy arrays do.

>>> from nbautodiff.mxnet import np, autograd
>>> x = np.arange(4.0)
>>> x.attach_grad()
>>> with autograd.record():
...     y = 2 * np.dot(x, x)
>>> float(y)
28.0
>>> y.backward()
>>> x.grad
array([ 0.,  4.,  8., 12.])
"""

from __future__ import annotations

import contextlib
import math
import numbers
import operator
import threading
import weakref

import numpy as _onp

from .backends import Backend
from .backends import backend as _active

__all__ = ["Context", "MXNetError", "autograd", "cpu", "gpu", "ndarray", "np", "npx", "num_gpus"]


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


# --------------------------------------------------------------------------------------------------------------
# Recording state (thread-local, changed only by the context managers in `autograd`)
# --------------------------------------------------------------------------------------------------------------


class _State(threading.local):
    recording = False
    training = False


_state = _State()
_SAME = contextlib.nullcontext()

# Arrays that called attach_grad(), by id: backward() writes the gradients of those its graph reaches.
_attached: weakref.WeakValueDictionary[int, ndarray] = weakref.WeakValueDictionary()


def _grad_mode(ns):
    """Backend grad mode on inside ``autograd.record()`` (and not paused), off outside it."""
    want = _state.recording
    return _SAME if ns.is_grad_enabled() == want else ns.set_grad_enabled(want)


# --------------------------------------------------------------------------------------------------------------
# Devices and dtypes
# --------------------------------------------------------------------------------------------------------------


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
    """GPUs the torch backend could use (0 without PyTorch or CUDA)."""
    try:
        import torch
    except ImportError:
        return 0
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


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


# --------------------------------------------------------------------------------------------------------------
# Operands: one backend per operation, checked before anything runs
# --------------------------------------------------------------------------------------------------------------


def _mixing_error(a: Backend, b: Backend) -> ValueError:
    return ValueError(
        f"nbautodiff.mxnet: cannot mix arrays made on different backends ({a.label!r} and {b.label!r}); an array "
        "stays on the backend that was active when it was made. Make them all under one backend "
        "(with nb.use_backend(...)), or copy one over with np.array(other.asnumpy())."
    )


def _backend_of(values) -> Backend:
    be = None
    for v in values:
        if isinstance(v, ndarray):
            if be is None:
                be = v._backend
            elif v._backend != be:
                raise _mixing_error(be, v._backend)
    return _active() if be is None else be


def _from_numpy(a: _onp.ndarray, be: Backend):
    """A backend tensor holding a copy of a numpy array, with its dtype, on the backend's device."""
    return be.ns.tensor(a, dtype=_ns_dtype(be.ns, a.dtype), device=be.device)


def _operand(v, be: Backend):
    if isinstance(v, ndarray):
        return v._t
    if isinstance(v, (bool, numbers.Number, _onp.generic)):
        return v.item() if isinstance(v, _onp.generic) else v
    if isinstance(v, _onp.ndarray):
        return _from_numpy(v, be)
    if isinstance(v, (list, tuple)):
        return _from_numpy(_onp.array(v, dtype=_onp.float32), be)  # MXNet's np.array rule: float32
    raise TypeError(f"unsupported operand type for an mxnet.numpy operation: {type(v).__name__}")


def _is_operand(v) -> bool:
    return isinstance(v, (ndarray, bool, numbers.Number, _onp.generic, _onp.ndarray, list, tuple))


def _wrap(t, be: Backend) -> ndarray:
    a = object.__new__(ndarray)
    a._t, a._backend, a._grad, a._grad_req, a._freed = t, be, None, None, False
    return a


def _apply(fn, *args, record: bool = True, **params) -> ndarray:
    """Run ``fn(ns, *tensors, **params)`` on the arguments' backend; recorded only inside ``autograd.record()``."""
    be = _backend_of(args)
    vals = [_operand(a, be) for a in args]
    ns = be.ns
    with _grad_mode(ns) if record else ns.no_grad():
        return _wrap(fn(ns, *vals, **params), be)


def _as_array(a) -> ndarray:
    return a if isinstance(a, ndarray) else _array(a)


def _axes(axis, ndim: int):
    """``None`` stays None; an int or a sequence becomes a tuple of non-negative axes."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    return tuple(int(a) % max(ndim, 1) for a in axes)


def _tensor_like(ns, v, like):
    """A scalar as a 0-d tensor next to ``like``, for the ops that take tensors only (maximum, where)."""
    if ns.is_tensor(v):
        return v
    floating = like.is_floating_point() or not isinstance(v, float)
    return ns.tensor(v, dtype=like.dtype if floating else ns.float32, device=like.device)


# --------------------------------------------------------------------------------------------------------------
# The operations, on backend tensors (``ns`` is the backend's namespace)
# --------------------------------------------------------------------------------------------------------------


def _op(ns, *xs, op):
    _broadcastable(ns, xs, op.__name__.strip("_"))
    return op(*xs)


def _broadcastable(ns, xs, name: str) -> None:
    """MXNet's error for shapes that do not broadcast, raised before anything is computed."""
    shapes = [tuple(x.shape) for x in xs if ns.is_tensor(x)]
    if len(shapes) == 2 and shapes[0] != shapes[1]:
        try:
            _onp.broadcast_shapes(*shapes)
        except ValueError:
            text = " ".join("(" + ",".join(map(str, sh)) + ("," if len(sh) == 1 else "") + ")" for sh in shapes)
            raise MXNetError(
                f"Check failed in operator {name}: operands could not be broadcast together with shapes {text} "
                "(sizes must be equal or 1 in each axis, counted from the right; reshape or np.expand_dims one side)"
            ) from None


def _call(ns, *xs, name, **kw):
    return getattr(ns, name)(*xs, **kw)


def _pair(ns, x, y, name):
    _broadcastable(ns, (x, y), name)
    like = x if ns.is_tensor(x) else y
    return getattr(ns, name)(_tensor_like(ns, x, like), _tensor_like(ns, y, like))


def _where(ns, cond, x, y):
    like = x if ns.is_tensor(x) else y if ns.is_tensor(y) else cond.to(ns.float32)
    return ns.where(cond.to(ns.bool), _tensor_like(ns, x, like), _tensor_like(ns, y, like))


def _dot(ns, x, y):
    if not (ns.is_tensor(x) and ns.is_tensor(y)) or x.dim() == 0 or y.dim() == 0:
        return x * y
    if y.dim() > 2:
        raise NotImplementedError(
            f"np.dot of shapes {tuple(x.shape)} and {tuple(y.shape)}: a second argument with more than 2 axes is not "
            "supported; use np.matmul (it broadcasts over the leading axes)"
        )
    return ns.matmul(x, y)


def _sum(ns, t, axis, keepdims, dtype):
    if dtype is not None:
        t = t.to(_ns_dtype(ns, dtype))
    if axis is None:
        out = t.sum()
        return out.reshape((1,) * t.dim()) if keepdims else out
    return t.sum(dim=axis, keepdim=keepdims)


def _mean(ns, t, axis, keepdims, dtype):
    if dtype is not None:
        t = t.to(_ns_dtype(ns, dtype))
    elif not t.is_floating_point():
        t = t.to(ns.float32)  # MXNet averages integers in float32
    if axis is None:
        out = t.mean()
        return out.reshape((1,) * t.dim()) if keepdims else out
    return t.mean(dim=axis, keepdim=keepdims)


def _extreme(ns, t, axis, keepdims, name):
    if axis is None:
        out = getattr(t, name)()
        return out.reshape((1,) * t.dim()) if keepdims else out
    reduce = ns.amax if name == "max" else ns.amin
    for a in sorted(axis, reverse=True):  # one axis at a time, from the last, so the others keep their place
        t = reduce(t, dim=a, keepdim=keepdims)
    return t


def _prod(ns, t, axis, keepdims):
    if axis is None:
        out = t.prod()
        return out.reshape((1,) * t.dim()) if keepdims else out
    for a in sorted(axis, reverse=True):
        t = t.prod(dim=a, keepdim=keepdims)
    return t


def _moment(ns, t, axis, ddof, keepdims, name):
    if not t.is_floating_point():
        t = t.to(ns.float32)
    return getattr(t, name)(dim=axis, correction=ddof, keepdim=keepdims)


def _arg(ns, t, axis, name):
    return getattr(ns, name)(t) if axis is None else getattr(ns, name)(t, dim=axis)


def _cumsum(ns, t, axis):
    return ns.cumsum(t.reshape(-1), 0) if axis is None else ns.cumsum(t, axis)


def _norm(ns, t, ord, axis, keepdims):
    if not t.is_floating_point():
        t = t.to(ns.float32)
    if ord in (None, "fro") and (axis is None or len(axis) <= 2):
        return ns.norm(t, p="fro", dim=axis, keepdim=keepdims)
    if isinstance(ord, numbers.Number) and (t.dim() == 1 or (axis is not None and len(axis) == 1)):
        return ns.norm(t, p=ord, dim=axis, keepdim=keepdims)
    raise NotImplementedError(
        f"np.linalg.norm(ord={ord!r}, axis={axis!r}) on shape {tuple(t.shape)}: only the 2-norm (Frobenius) and "
        "vector p-norms along one axis are supported"
    )


def _reshape(ns, t, shape):
    return t.reshape(shape)


def _permute(ns, t, axes):
    return t.permute(*axes)


def _squeeze(ns, t, axis):
    if axis is None:
        return t.squeeze()
    for a in sorted(axis, reverse=True):
        if t.shape[a] != 1:
            raise ValueError(f"cannot select an axis to squeeze out which has size not equal to one (axis {a})")
        t = t.squeeze(a)
    return t


def _unsqueeze(ns, t, axis):
    return t.unsqueeze(axis)


def _broadcast_to(ns, t, shape):
    return t.broadcast_to(shape)


def _astype(ns, t, dtype, copy):
    out = t.to(dtype)
    return out.clone() if copy and out is t else out


def _clone(ns, t):
    return t.clone()


def _clip(ns, t, lo, hi):
    return ns.clamp(t, min=lo, max=hi)


def _getitem(ns, t, key):
    return t[key]


def _concat(ns, *ts, axis, stack):
    return (ns.stack if stack else ns.cat)(list(ts), dim=axis)


def _write(target: ndarray, key, value) -> None:
    """``target[key] = value`` in place; MXNet forbids it inside ``record()`` on an array in a graph."""
    if _state.recording and target._t.requires_grad:
        raise MXNetError(_IN_GRAPH)
    be = _backend_of((target, value))
    key = _index_key(key, be)
    v = _operand(value, be)
    with _grad_mode(be.ns):
        if key is Ellipsis:
            target._t.copy_(v if be.ns.is_tensor(v) else be.ns.full_like(target._t, v))
        else:
            target._t[key] = v


def _index_key(key, be: Backend):
    if isinstance(key, tuple):
        return tuple(_index_key(k, be) for k in key)
    if isinstance(key, ndarray):
        if key._backend != be:
            raise _mixing_error(be, key._backend)
        t = key._t
        # np.array([0, 2]) is float32 in MXNet, and MXNet indexes with it: float indices count as integers
        return t.to(be.ns.int64) if t.is_floating_point() else t
    if isinstance(key, (list, _onp.ndarray)):
        key = _onp.asarray(key)
        return _from_numpy(key.astype(_onp.int64) if key.dtype.kind == "f" else key, be)
    return key


# --------------------------------------------------------------------------------------------------------------
# ndarray
# --------------------------------------------------------------------------------------------------------------


def _binary(op, reflected: bool = False, record: bool = True):
    def method(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _apply(_op, *((other, self) if reflected else (self, other)), op=op, record=record)

    method.__name__ = f"__{'r' if reflected else ''}{op.__name__.strip('_')}__"
    return method


def _inplace(op):
    def method(self, other):
        if not _is_operand(other):
            return NotImplemented
        if _state.recording and self._t.requires_grad:
            raise MXNetError(_IN_GRAPH)
        _write(self, Ellipsis, _apply(_op, self, other, op=op))
        return self

    method.__name__ = f"__i{op.__name__.strip('_')}__"
    return method


class ndarray:
    """An MXNet numpy array over a backend tensor (``x._t``): numpy's API plus ``attach_grad``, ``grad``,
    ``backward``, ``detach``. Made by the ``np`` functions, on the backend active at the time.

    >>> x = np.arange(4.0).reshape(4, 1)
    >>> x.T
    array([[0., 1., 2., 3.]])
    """

    __slots__ = ("_t", "_backend", "_grad", "_grad_req", "_freed", "__weakref__")
    __array_ufunc__ = None  # numpy arrays and scalars on the left hand the operation to us

    def __init__(self, tensor, backend: Backend | None = None):
        be = _active() if backend is None else backend
        if not be.is_tensor(tensor):
            raise TypeError(f"ndarray wraps a tensor of backend {be.label!r}; to make an array use np.array(...)")
        self._t, self._backend, self._grad, self._grad_req, self._freed = tensor, be, None, None, False

    # ---- what it is -----------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(self._t.shape)

    @property
    def ndim(self) -> int:
        return self._t.dim()

    @property
    def size(self) -> int:
        return self._t.numel()

    @property
    def dtype(self) -> _onp.dtype:
        return _np_dtype(self._t.dtype)

    @property
    def ctx(self) -> Context:
        return Context._of(self._t.device)

    @property
    def T(self) -> ndarray:
        return self.transpose()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ---- values out -----------------------------------------------------------------------------------------
    def asnumpy(self) -> _onp.ndarray:
        """A numpy copy of the values."""
        return _onp.array(self._backend.to_numpy(self._t))

    def __array__(self, dtype=None, copy=None):
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype)

    def item(self, *args):
        return self.asnumpy().item(*args)

    def tolist(self):
        return self.asnumpy().tolist()

    def __float__(self) -> float:
        if self.size != 1:
            raise TypeError("only size-1 arrays can be converted to Python scalars")
        return float(self.item())

    def __int__(self) -> int:
        if self.size != 1:
            raise TypeError("only size-1 arrays can be converted to Python scalars")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.size == 0:
            return False
        if self.size > 1:
            raise ValueError("The truth value of an ndarray with multiple elements is ambiguous.")
        return bool(self.item())

    def __repr__(self) -> str:
        # MXNet's rule: numpy's text, without `dtype=float32` (the default), with `dtype=` for other types
        # numpy leaves unnamed (int64, float64) and `ctx=` off the CPU.
        text, dtype = repr(self.asnumpy()), self.dtype
        if "dtype=" in text:
            if dtype == _onp.float32:
                text = text[: text.rindex(",")] + ")"
        elif dtype not in (_onp.float32, _onp.bool_):
            text = f"{text[:-1]}, dtype={dtype})"
        ctx = self.ctx
        return text if ctx.device_type == "cpu" else f"{text[:-1]}, ctx={ctx})"

    def __str__(self) -> str:
        text, ctx = str(self.asnumpy()), self.ctx
        return text if ctx.device_type == "cpu" or self.ndim == 0 else f"{text} @{ctx}"

    def __format__(self, spec: str) -> str:
        return format(self.item(), spec) if self.ndim == 0 else format(str(self), spec)

    # ---- arithmetic -----------------------------------------------------------------------------------------
    __add__, __radd__ = _binary(operator.add), _binary(operator.add, True)
    __sub__, __rsub__ = _binary(operator.sub), _binary(operator.sub, True)
    __mul__, __rmul__ = _binary(operator.mul), _binary(operator.mul, True)
    __truediv__, __rtruediv__ = _binary(operator.truediv), _binary(operator.truediv, True)
    __pow__, __rpow__ = _binary(operator.pow), _binary(operator.pow, True)
    __matmul__, __rmatmul__ = _binary(operator.matmul), _binary(operator.matmul, True)
    __mod__, __rmod__ = _binary(operator.mod), _binary(operator.mod, True)
    __iadd__, __isub__ = _inplace(operator.add), _inplace(operator.sub)
    __imul__, __itruediv__ = _inplace(operator.mul), _inplace(operator.truediv)
    __eq__, __ne__ = _binary(operator.eq, record=False), _binary(operator.ne, record=False)
    __lt__, __le__ = _binary(operator.lt, record=False), _binary(operator.le, record=False)
    __gt__, __ge__ = _binary(operator.gt, record=False), _binary(operator.ge, record=False)
    __hash__ = None  # as numpy's: == is elementwise

    def __neg__(self) -> ndarray:
        return _apply(_op, self, op=operator.neg)

    def __pos__(self) -> ndarray:
        return self.copy()

    def __abs__(self) -> ndarray:
        return _apply(_call, self, name="abs")

    def __getitem__(self, key) -> ndarray:
        return _apply(_getitem, self, key=_index_key(key, self._backend))

    def __setitem__(self, key, value) -> None:
        _write(self, key, value)

    # ---- numpy methods --------------------------------------------------------------------------------------
    def reshape(self, *shape, order: str = "C") -> ndarray:
        """``x.reshape(4, 1)`` or ``x.reshape((4, 1))``; ``-1`` infers one axis."""
        if order != "C":
            raise NotImplementedError("only supports C-order")
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _apply(_reshape, self, shape=tuple(int(s) for s in shape))

    def transpose(self, *axes) -> ndarray:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)) or axes == (None,):
            axes = axes[0]
        axes = tuple(reversed(range(self.ndim))) if not axes else _axes(axes, self.ndim)
        return _apply(_permute, self, axes=axes)

    def flatten(self) -> ndarray:
        return self.reshape(-1)

    def squeeze(self, axis=None) -> ndarray:
        return _apply(_squeeze, self, axis=_axes(axis, self.ndim))

    def sum(self, axis=None, dtype=None, keepdims: bool = False) -> ndarray:
        return _apply(_sum, self, axis=_axes(axis, self.ndim), keepdims=keepdims, dtype=dtype)

    def mean(self, axis=None, dtype=None, keepdims: bool = False) -> ndarray:
        return _apply(_mean, self, axis=_axes(axis, self.ndim), keepdims=keepdims, dtype=dtype)

    def max(self, axis=None, keepdims: bool = False) -> ndarray:
        return _apply(_extreme, self, axis=_axes(axis, self.ndim), keepdims=keepdims, name="max")

    def min(self, axis=None, keepdims: bool = False) -> ndarray:
        return _apply(_extreme, self, axis=_axes(axis, self.ndim), keepdims=keepdims, name="min")

    def prod(self, axis=None, keepdims: bool = False) -> ndarray:
        return _apply(_prod, self, axis=_axes(axis, self.ndim), keepdims=keepdims)

    def std(self, axis=None, ddof: int = 0, keepdims: bool = False) -> ndarray:
        return _apply(_moment, self, axis=_axes(axis, self.ndim), ddof=ddof, keepdims=keepdims, name="std")

    def var(self, axis=None, ddof: int = 0, keepdims: bool = False) -> ndarray:
        return _apply(_moment, self, axis=_axes(axis, self.ndim), ddof=ddof, keepdims=keepdims, name="var")

    def argmax(self, axis=None) -> ndarray:
        return _apply(_arg, self, axis=axis, name="argmax", record=False)

    def argmin(self, axis=None) -> ndarray:
        return _apply(_arg, self, axis=axis, name="argmin", record=False)

    def cumsum(self, axis=None) -> ndarray:
        return _apply(_cumsum, self, axis=axis)

    def clip(self, a_min=None, a_max=None) -> ndarray:
        return _apply(_clip, self, lo=a_min, hi=a_max)

    def dot(self, b) -> ndarray:
        return _apply(_dot, self, b)

    def astype(self, dtype, copy: bool = True) -> ndarray:
        if not copy and _onp.dtype(dtype) == self.dtype:
            return self
        return _apply(_astype, self, dtype=_ns_dtype(self._backend.ns, dtype), copy=copy)

    def copy(self) -> ndarray:
        """A copy; inside ``record()`` gradients flow through it."""
        return _apply(_clone, self)

    def as_in_ctx(self, ctx: Context) -> ndarray:
        if ctx == self.ctx:
            return self
        raise ValueError(
            f"as_in_ctx({ctx!r}): this array lives on {self.ctx!r} (backend {self._backend.label!r}); devices are "
            "chosen with the backend: nb.use_backend('torch', device='cuda') and make the arrays there"
        )

    # ---- autograd -------------------------------------------------------------------------------------------
    def attach_grad(self, grad_req: str = "write") -> None:
        """Allocate a zero gradient buffer (``x.grad``) and make this array a variable to differentiate.

        ``grad_req``: ``'write'`` (each backward overwrites ``x.grad``), ``'add'`` (accumulates), ``'null'``.
        """
        if grad_req not in ("write", "add", "null"):
            raise ValueError(f"grad_req must be 'write', 'add' or 'null', not {grad_req!r}")
        if not self._t.is_floating_point():
            raise TypeError(
                f"attach_grad: this array has dtype {self.dtype}; only floating-point arrays have gradients. "
                "Use x = x.astype('float32') first."
            )
        ns = self._backend.ns
        with ns.no_grad():
            leaf = self._t.detach()
            leaf.requires_grad_(grad_req != "null")
            self._grad = _wrap(ns.zeros_like(leaf), self._backend)
        self._t, self._grad_req, self._freed = leaf, grad_req, False
        _attached[id(self)] = self

    @property
    def grad(self) -> ndarray | None:
        """The gradient buffer from ``attach_grad()`` (zeros until a backward writes it); None without one."""
        return self._grad

    def backward(self, out_grad=None, retain_graph: bool = False, train_mode: bool = True) -> None:
        """Differentiate this array (the sum of its elements if it is not a scalar, or ``sum(out_grad * self)``)
        and write the result into the ``.grad`` of every attached array it depends on."""
        _backward([self], [out_grad], retain_graph)

    def detach(self) -> ndarray:
        """The same values, cut from the graph: gradients do not flow back through it."""
        return _wrap(self._t.detach(), self._backend)


def _array(object, dtype=None, ctx=None) -> ndarray:
    be = _active()
    _check_ctx(ctx, be)
    if isinstance(object, ndarray):
        if object._backend == be:
            return _apply(_astype, object, dtype=_ns_dtype(be.ns, _or(dtype, object.dtype)), copy=True, record=False)
        object = object.asnumpy()
    if isinstance(object, _onp.ndarray):
        values = _onp.array(object, dtype=_or(dtype, object.dtype))
    else:
        if dtype is None:
            dtype = object.dtype if hasattr(object, "dtype") else _onp.float32
        values = _onp.array(object, dtype=dtype)
    return _wrap(_from_numpy(values, be), be)


# --------------------------------------------------------------------------------------------------------------
# Backward
# --------------------------------------------------------------------------------------------------------------


def _differentiate(heads, head_grads, variables, retain_graph: bool, create_graph: bool) -> list:
    """Gradients of ``sum(head_grad * head)`` with respect to ``variables`` (None where one is not reached)."""
    be = _backend_of([*heads, *head_grads, *variables])
    ns = be.ns
    for h in heads:
        if h._freed or not h._t.requires_grad:
            raise MXNetError(_NOT_IN_GRAPH)
    grads = []
    for h, g in zip(heads, head_grads):
        if g is None:
            grads.append(ns.ones_like(h._t))
        else:
            g = _operand(g, be)
            grads.append(g if ns.is_tensor(g) else ns.full_like(h._t, g))
    results = [None] * len(variables)
    if variables:
        results = ns.autograd.grad(
            [h._t for h in heads],
            [v._t for v in variables],
            grad_outputs=grads,
            retain_graph=retain_graph,
            create_graph=create_graph,
            allow_unused=True,
        )
    if not retain_graph:
        for h in heads:
            h._freed = h._t.grad_fn is not None
    return list(results)


def _backward(heads, head_grads, retain_graph: bool) -> None:
    be = _backend_of([*heads, *head_grads])
    variables = [
        a
        for a in list(_attached.values())
        if a._backend == be and a._grad_req != "null" and a._t.requires_grad and a._t.is_leaf
    ]
    grads = _differentiate(heads, head_grads, variables, retain_graph, create_graph=False)
    with be.ns.no_grad():
        for a, g in zip(variables, grads):
            if g is not None:
                (a._grad._t.add_ if a._grad_req == "add" else a._grad._t.copy_)(g)


def _listify(x) -> list:
    return [x] if isinstance(x, ndarray) else list(x)


# --------------------------------------------------------------------------------------------------------------
# Namespaces: `np`, `np.random`, `np.linalg`, `npx`, `autograd`
# --------------------------------------------------------------------------------------------------------------


class _Namespace:
    _name = "nbautodiff.mxnet"

    def __repr__(self) -> str:
        return f"<namespace {self._name!r} on the active backend>"

    def __dir__(self):
        return [n for n in dir(type(self)) if not n.startswith("_")]


def _elementwise(name: str, backend_name: str | None = None):
    def function(x) -> ndarray:
        return _apply(_call, _as_array(x), name=backend_name or name)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``{name}(x)`` elementwise; recorded inside ``autograd.record()``."
    return staticmethod(function)


def _binary_function(name: str, op, record: bool = True):
    def function(x1, x2) -> ndarray:
        if not isinstance(x1, ndarray) and not isinstance(x2, ndarray):
            x1 = _array(x1)
        return _apply(_op, x1, x2, op=op, record=record)

    function.__name__ = function.__qualname__ = name
    return staticmethod(function)


def _pair_function(name: str):
    def function(x1, x2) -> ndarray:
        if not isinstance(x1, ndarray) and not isinstance(x2, ndarray):
            x1 = _array(x1)
        return _apply(_pair, x1, x2, name=name)

    function.__name__ = function.__qualname__ = name
    return staticmethod(function)


def _method_function(name: str):
    method = getattr(ndarray, name)

    def function(a, *args, **kwargs):
        return method(_as_array(a), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__
    return staticmethod(function)


class _Random(_Namespace):
    """``np.random``: numbers from one numpy generator, so both backends draw the same ones."""

    _name = "nbautodiff.mxnet.np.random"
    _generator = _onp.random.default_rng()

    @staticmethod
    def seed(seed=None) -> None:
        _Random._generator = _onp.random.default_rng(seed)

    @staticmethod
    def _draw(values, dtype, ctx) -> ndarray:
        be = _active()
        _check_ctx(ctx, be)
        return _wrap(_from_numpy(_onp.asarray(values, dtype=dtype), be), be)

    @staticmethod
    def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None) -> ndarray:
        """Samples of N(loc, scale²); ``size=None`` gives one (a 0-d array)."""
        if isinstance(loc, ndarray) or isinstance(scale, ndarray):
            shape = _onp.broadcast_shapes(_onp.shape(loc), _onp.shape(scale), () if size is None else size)
            return loc + scale * _Random.normal(size=shape, dtype=dtype, ctx=ctx)
        return _Random._draw(_Random._generator.normal(loc, scale, size), _or(dtype, _onp.float32), ctx)

    @staticmethod
    def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None) -> ndarray:
        return _Random._draw(_Random._generator.uniform(low, high, size), _or(dtype, _onp.float32), ctx)

    @staticmethod
    def randn(*size) -> ndarray:
        return _Random.normal(size=size)

    @staticmethod
    def rand(*size) -> ndarray:
        return _Random.uniform(size=size)

    @staticmethod
    def randint(low, high=None, size=None, dtype=None, ctx=None) -> ndarray:
        return _Random._draw(_Random._generator.integers(low, high, size), _or(dtype, _onp.int64), ctx)


class _Linalg(_Namespace):
    _name = "nbautodiff.mxnet.np.linalg"

    @staticmethod
    def norm(x, ord=None, axis=None, keepdims: bool = False) -> ndarray:
        """The 2-norm (Frobenius for matrices), or a vector p-norm along one axis."""
        x = _as_array(x)
        return _apply(_norm, x, ord=ord, axis=_axes(axis, x.ndim), keepdims=keepdims)


class _Numpy(_Namespace):
    """``np``: MXNet's numpy interface (float32 by default) over the active backend."""

    _name = "nbautodiff.mxnet.np"
    ndarray = ndarray
    random, linalg = _Random(), _Linalg()
    float16, float32, float64 = _onp.float16, _onp.float32, _onp.float64
    int8, int32, int64, uint8, bool_ = _onp.int8, _onp.int32, _onp.int64, _onp.uint8, _onp.bool_
    pi, e, inf, nan, newaxis = math.pi, math.e, math.inf, math.nan, None

    # ---- making arrays --------------------------------------------------------------------------------------
    array = staticmethod(_array)

    @staticmethod
    def arange(start, stop=None, step=1, dtype=None, ctx=None) -> ndarray:
        """``np.arange(4.0)`` → ``array([0., 1., 2., 3.])``: float32 unless ``dtype`` says otherwise."""
        if stop is None:
            start, stop = 0, start
        return _array(_onp.arange(start, stop, step, dtype=_or(dtype, _onp.float32)), ctx=ctx)

    @staticmethod
    def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype=None, ctx=None):
        values, step = _onp.linspace(start, stop, num, endpoint=endpoint, retstep=True)
        out = _array(values.astype(_or(dtype, _onp.float32)), ctx=ctx)
        return (out, step) if retstep else out

    @staticmethod
    def zeros(shape, dtype=None, order: str = "C", ctx=None) -> ndarray:
        return _Numpy._filled("zeros", shape, dtype, ctx)

    @staticmethod
    def ones(shape, dtype=None, order: str = "C", ctx=None) -> ndarray:
        return _Numpy._filled("ones", shape, dtype, ctx)

    empty = zeros

    @staticmethod
    def _filled(name, shape, dtype, ctx, *fill) -> ndarray:
        be = _active()
        _check_ctx(ctx, be)
        shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
        dtype = _ns_dtype(be.ns, _or(dtype, _onp.float32))
        return _wrap(getattr(be.ns, name)(shape, *fill, dtype=dtype, device=be.device), be)

    @staticmethod
    def full(shape, fill_value, dtype=None, order: str = "C", ctx=None) -> ndarray:
        """``shape`` filled with ``fill_value``, float32 unless ``dtype`` (or an array's) says otherwise."""
        if isinstance(fill_value, ndarray):
            return _Numpy.zeros(shape, dtype=_or(dtype, fill_value.dtype), ctx=ctx) + fill_value
        return _Numpy._filled("full", shape, dtype, ctx, fill_value)

    @staticmethod
    def eye(N: int, M: int | None = None, k: int = 0, dtype=None, ctx=None) -> ndarray:
        return _array(_onp.eye(N, M, k, dtype=_or(dtype, _onp.float32)), ctx=ctx)

    @staticmethod
    def zeros_like(a, dtype=None) -> ndarray:
        a = _as_array(a)
        return _apply(_call, a, name="zeros_like", dtype=_ns_dtype(a._backend.ns, dtype), record=False)

    @staticmethod
    def ones_like(a, dtype=None) -> ndarray:
        a = _as_array(a)
        return _apply(_call, a, name="ones_like", dtype=_ns_dtype(a._backend.ns, dtype), record=False)

    @staticmethod
    def full_like(a, fill_value, dtype=None) -> ndarray:
        return _Numpy.zeros_like(a, dtype=dtype) + fill_value

    # ---- elementwise ----------------------------------------------------------------------------------------
    exp, log, log1p, expm1 = _elementwise("exp"), _elementwise("log"), _elementwise("log1p"), _elementwise("expm1")
    sin, cos, tan, tanh = _elementwise("sin"), _elementwise("cos"), _elementwise("tan"), _elementwise("tanh")
    sqrt, square, sign = _elementwise("sqrt"), _elementwise("square"), _elementwise("sign")
    abs, absolute = _elementwise("abs"), _elementwise("absolute", "abs")
    floor, ceil, negative = _elementwise("floor"), _elementwise("ceil"), _elementwise("negative", "neg")
    reciprocal = _elementwise("reciprocal")
    add, subtract = _binary_function("add", operator.add), _binary_function("subtract", operator.sub)
    multiply, divide = _binary_function("multiply", operator.mul), _binary_function("divide", operator.truediv)
    true_divide, power = _binary_function("true_divide", operator.truediv), _binary_function("power", operator.pow)
    mod = _binary_function("mod", operator.mod)
    equal = _binary_function("equal", operator.eq, record=False)
    not_equal = _binary_function("not_equal", operator.ne, record=False)
    greater = _binary_function("greater", operator.gt, record=False)
    greater_equal = _binary_function("greater_equal", operator.ge, record=False)
    less = _binary_function("less", operator.lt, record=False)
    less_equal = _binary_function("less_equal", operator.le, record=False)
    maximum, minimum = _pair_function("maximum"), _pair_function("minimum")

    @staticmethod
    def where(condition, x, y) -> ndarray:
        return _apply(_where, _as_array(condition), x, y)

    @staticmethod
    def clip(a, a_min, a_max) -> ndarray:
        return _as_array(a).clip(a_min, a_max)

    # ---- reductions, shapes, products -----------------------------------------------------------------------
    sum, mean, max, min, prod = (_method_function(n) for n in ("sum", "mean", "max", "min", "prod"))
    amax, amin = _method_function("max"), _method_function("min")
    std, var, argmax, argmin = (_method_function(n) for n in ("std", "var", "argmax", "argmin"))
    cumsum, squeeze = _method_function("cumsum"), _method_function("squeeze")

    @staticmethod
    def reshape(a, newshape, order: str = "C") -> ndarray:
        return _as_array(a).reshape(newshape, order=order)

    @staticmethod
    def transpose(a, axes=None) -> ndarray:
        return _as_array(a).transpose(axes)

    @staticmethod
    def expand_dims(a, axis: int) -> ndarray:
        return _apply(_unsqueeze, _as_array(a), axis=axis)

    @staticmethod
    def broadcast_to(a, shape) -> ndarray:
        return _apply(_broadcast_to, _as_array(a), shape=tuple(shape))

    @staticmethod
    def concatenate(seq, axis: int = 0) -> ndarray:
        return _apply(_concat, *[_as_array(a) for a in seq], axis=axis, stack=False)

    @staticmethod
    def stack(arrays, axis: int = 0) -> ndarray:
        return _apply(_concat, *[_as_array(a) for a in arrays], axis=axis, stack=True)

    @staticmethod
    def dot(a, b) -> ndarray:
        """numpy's ``dot``: inner product of vectors, matrix product of matrices, scaling by a scalar."""
        return _apply(_dot, _as_array(a), b)

    @staticmethod
    def matmul(a, b) -> ndarray:
        return _apply(_op, _as_array(a), b, op=operator.matmul)


class _Npx(_Namespace):
    """``npx``: the MXNet extensions lessons call (``npx.set_np()``, devices, activations)."""

    _name = "nbautodiff.mxnet.npx"
    cpu, gpu, num_gpus = staticmethod(cpu), staticmethod(gpu), staticmethod(num_gpus)
    relu, sigmoid = _elementwise("relu"), _elementwise("sigmoid")

    @staticmethod
    def set_np(shape: bool = True, array: bool = True, dtype: bool = False) -> None:
        """MXNet's switch to numpy semantics: this dialect always has them, so it does nothing."""
        if dtype:
            raise NotImplementedError("npx.set_np(dtype=True) (float64 by default) is not supported; float32 it is")

    @staticmethod
    def reset_np() -> None:
        """Nothing to undo (see ``set_np``)."""


class _Scope:
    """Sets recording/training for a block and restores both afterwards, even if the block fails."""

    def __init__(self, recording: bool | None, training: bool | None):
        self._new = (recording, training)

    def __enter__(self):
        self._prev = (_state.recording, _state.training)
        recording, training = self._new
        _state.recording = self._prev[0] if recording is None else recording
        _state.training = self._prev[1] if training is None else training
        return self

    def __exit__(self, *exc):
        _state.recording, _state.training = self._prev
        return False


class _Autograd(_Namespace):
    """``autograd``: ``record()`` builds graphs, ``pause()`` stops recording inside one, ``backward``/``grad``."""

    _name = "nbautodiff.mxnet.autograd"

    @staticmethod
    def record(train_mode: bool = True) -> _Scope:
        """Record the operations in the block, so that ``backward()`` can differentiate them."""
        return _Scope(True, train_mode)

    @staticmethod
    def pause(train_mode: bool = False) -> _Scope:
        """Inside ``record()``: run the block without recording it."""
        return _Scope(False, train_mode)

    @staticmethod
    def train_mode() -> _Scope:
        return _Scope(None, True)

    @staticmethod
    def predict_mode() -> _Scope:
        return _Scope(None, False)

    @staticmethod
    def is_recording() -> bool:
        return _state.recording

    @staticmethod
    def is_training() -> bool:
        return _state.training

    @staticmethod
    def backward(heads, head_grads=None, retain_graph: bool = False, train_mode: bool = True) -> None:
        """``heads[i].backward(head_grads[i])`` for all heads in one pass (their gradients add up)."""
        heads = _listify(heads)
        head_grads = [None] * len(heads) if head_grads is None else _listify(head_grads)
        _backward(heads, head_grads, retain_graph)

    @staticmethod
    def grad(heads, variables, head_grads=None, retain_graph=None, create_graph: bool = False, train_mode=True):
        """The gradients of the heads with respect to ``variables`` (a list), returned, not written to ``.grad``.

        With ``create_graph=True`` inside ``record()`` the gradients are recorded, for higher derivatives.
        """
        heads, variables = _listify(heads), _listify(variables)
        if not variables:
            raise ValueError("variables cannot be an empty list.")
        for i, v in enumerate(variables):
            if not (isinstance(v, ndarray) and v._t.requires_grad and v._t.is_leaf):
                raise ValueError(f"autograd.grad: variable {i} has no gradient buffer; call attach_grad() on it first")
        head_grads = [None] * len(heads) if head_grads is None else _listify(head_grads)
        retain = create_graph if retain_graph is None else retain_graph
        with _grad_mode(variables[0]._backend.ns):
            grads = _differentiate(heads, head_grads, variables, retain, create_graph)
        be = variables[0]._backend
        return [_wrap(be.ns.zeros_like(v._t) if g is None else g, be) for v, g in zip(variables, grads)]


np, npx, autograd = _Numpy(), _Npx(), _Autograd()
