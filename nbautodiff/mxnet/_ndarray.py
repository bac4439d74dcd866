"""``ndarray``: an MXNet numpy array over a backend tensor; the recording state, the op funnel and backward.

Only what runs inside ``autograd.record()`` is recorded (``_state``, per thread, as MXNet's); ``_attached`` holds
the arrays that called ``attach_grad()``, whose ``.grad`` each backward writes.
"""

from __future__ import annotations

import functools
import numbers

import numpy as _onp

from .._dialect import (
    COMPARISONS,
    Array,
    Marked,
    check_backend,
    grad_mode,
    gradients,
    operators,
    recording_state,
    run,
    write_gradients,
)
from ..backends import Backend
from ..backends import backend as _active
from ._ops import (
    _arg,
    _astype,
    _clip,
    _clone,
    _cumsum,
    _dot,
    _extreme,
    _getitem,
    _matmul,
    _mean,
    _moment,
    _op,
    _permute,
    _prod,
    _reshape,
    _squeeze,
    _sum,
)
from ._types import _IN_GRAPH, _NOT_IN_GRAPH, Context, MXNetError, _check_ctx, _np_dtype, _ns_dtype, _or

_state = recording_state(per_thread=True, recording=False, training=False)

# Arrays that called attach_grad(), by id: backward() writes the gradients of those its graph reaches.
_attached = Marked()


def _grad_mode(ns):
    """Backend grad mode on inside ``autograd.record()`` (and not paused), off outside it."""
    return grad_mode(ns, _state.recording)


# --------------------------------------------------------------------------------------------------------------
# Operands: one backend per operation, checked before anything runs
# --------------------------------------------------------------------------------------------------------------


def _mixing_error(a: Backend, b: Backend) -> ValueError:
    return ValueError(
        f"nbautodiff.mxnet: cannot mix arrays made on different backends ({a.label!r} and {b.label!r}); an array "
        "stays on the backend that was active when it was made. Make them all under one backend "
        "(with nb.use_backend(...)), or copy one over with np.array(other.asnumpy())."
    )


def _mixed(be: Backend, v) -> ValueError:
    return _mixing_error(be, v._backend)


def _backend_of(values) -> Backend:
    """The backend of the arrays among ``values`` (the active one if there are none); they must share it."""
    be = next((v._backend for v in values if isinstance(v, ndarray)), None)
    be = _active() if be is None else be
    check_backend(be, values, ndarray, _mixed)
    return be


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
    fn = functools.partial(fn, be.ns, **params)
    try:
        return run(be, record and _state.recording, fn, vals, functools.partial(_wrap, be=be))
    except MXNetError:
        raise
    except RuntimeError as e:  # what the engine refuses, MXNet raises as its MXNetError
        raise MXNetError(str(e)) from None


def _as_array(a) -> ndarray:
    return a if isinstance(a, ndarray) else _array(a)


def _axes(axis, ndim: int, shape=None):
    """``None`` stays None; an int or a sequence becomes a tuple of non-negative axes (MXNet's error for an axis
    out of range, which must never wrap round to another axis)."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    out = []
    for a in map(int, axes):
        if not -max(ndim, 1) <= a < max(ndim, 1):
            dims = "[" + ",".join(map(str, shape or ())) + "]"
            high = f"axes[axes.ndim()-1] < ishape.ndim() ({a} vs. {ndim})"
            first = high if a >= 0 else f"axes[0] >= 0 ({a + ndim} vs. 0)"
            raise MXNetError(f"Check failed: {first} : Reduction axis {a} Exceeds input dimensions {dims}")
        out.append(a % max(ndim, 1))
    return tuple(out)


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
        check_backend(be, [key], ndarray, _mixed)
        t = key._t
        # np.array([0, 2]) is float32 in MXNet, and MXNet indexes with it: float indices count as integers
        return t.to(be.ns.int64) if t.is_floating_point() else t
    if isinstance(key, (list, _onp.ndarray)):
        key = _onp.asarray(key)
        return _from_numpy(key.astype(_onp.int64) if key.dtype.kind == "f" else key, be)
    return key


@operators(
    binary="add sub mul truediv pow matmul mod eq ne lt le gt ge",
    reflected="add sub mul truediv pow matmul mod",
    unary="neg pos abs",
    inplace="add sub mul truediv",
)
class ndarray(Array):
    """An MXNet numpy array over a backend tensor (``x._t``): numpy's API plus ``attach_grad``, ``grad``,
    ``backward``, ``detach``. Made by the ``np`` functions, on the backend active at the time.

    >>> x = np.arange(4.0).reshape(4, 1)
    >>> x.T
    array([[0., 1., 2., 3.]])
    """

    __slots__ = ("_backend", "_grad", "_grad_req", "_freed", "__weakref__")
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

    # ---- operators (installed by @operators) ---------------------------------------------------------------
    __hash__ = None  # as numpy's: == is elementwise

    def _lives_on(self, b: Backend) -> bool:
        return self._backend == b

    def _binary_op(self, stem: str, fn, other, reflected: bool):
        if not _is_operand(other):
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        if stem == "matmul":
            return _apply(_matmul, a, b)
        return _apply(_op, a, b, op=fn, record=stem not in COMPARISONS)  # comparisons are never recorded

    def _unary_op(self, stem: str, fn):
        return self.copy() if stem == "pos" else _apply(_op, self, op=fn)

    def _inplace_op(self, stem: str, fn, other):
        if not _is_operand(other):
            return NotImplemented
        if _state.recording and self._t.requires_grad:
            raise MXNetError(_IN_GRAPH)
        _write(self, Ellipsis, _apply(_op, self, other, op=fn))
        return self

    def __getitem__(self, key) -> ndarray:
        for axis, k in enumerate(key if isinstance(key, tuple) else (key,)):
            if isinstance(k, numbers.Integral) and axis < self.ndim and not -self.shape[axis] <= k < self.shape[axis]:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {self.shape[axis]}")
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
        axes = tuple(reversed(range(self.ndim))) if not axes else _axes(axes, self.ndim, self.shape)
        return _apply(_permute, self, axes=axes)

    def flatten(self) -> ndarray:
        return self.reshape(-1)

    def squeeze(self, axis=None) -> ndarray:
        return _apply(_squeeze, self, axis=_axes(axis, self.ndim, self.shape))

    def sum(self, axis=None, dtype=None, keepdims: bool = False) -> ndarray:
        return _apply(_sum, self, axis=_axes(axis, self.ndim, self.shape), keepdims=keepdims, dtype=dtype)

    def mean(self, axis=None, dtype=None, keepdims: bool = False) -> ndarray:
        return _apply(_mean, self, axis=_axes(axis, self.ndim, self.shape), keepdims=keepdims, dtype=dtype)

    def max(self, axis=None, keepdims: bool = False) -> ndarray:
        return _apply(_extreme, self, axis=_axes(axis, self.ndim, self.shape), keepdims=keepdims, name="max")

    def min(self, axis=None, keepdims: bool = False) -> ndarray:
        return _apply(_extreme, self, axis=_axes(axis, self.ndim, self.shape), keepdims=keepdims, name="min")

    def prod(self, axis=None, keepdims: bool = False) -> ndarray:
        return _apply(_prod, self, axis=_axes(axis, self.ndim, self.shape), keepdims=keepdims)

    def std(self, axis=None, ddof: int = 0, keepdims: bool = False) -> ndarray:
        return _apply(_moment, self, axis=_axes(axis, self.ndim, self.shape), ddof=ddof, keepdims=keepdims, name="std")

    def var(self, axis=None, ddof: int = 0, keepdims: bool = False) -> ndarray:
        return _apply(_moment, self, axis=_axes(axis, self.ndim, self.shape), ddof=ddof, keepdims=keepdims, name="var")

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
        _attached.add(self)

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
    seeds = []  # None differentiates the sum of the head's elements; a number fills the head's shape
    for h, g in zip(heads, head_grads):
        g = None if g is None else _operand(g, be)
        seeds.append(g if g is None or be.is_tensor(g) else ns.full_like(h._t, g))
    results = [None] * len(variables)
    if variables:
        outputs, inputs = [h._t for h in heads], [v._t for v in variables]
        results = gradients(ns, outputs, inputs, seeds, retain_graph, create_graph=create_graph)
    if not retain_graph:
        for h in heads:
            h._freed = h._t.grad_fn is not None
    return results


def _backward(heads, head_grads, retain_graph: bool) -> None:
    be = _backend_of([*heads, *head_grads])
    variables = [a for a in _attached.on(be) if a._grad_req != "null" and a._t.requires_grad and a._t.is_leaf]
    grads = _differentiate(heads, head_grads, variables, retain_graph, create_graph=False)
    write_gradients(be.ns, [a._grad._t for a in variables], grads, [a._grad_req == "add" for a in variables],
                    leaves=[a._t for a in variables])


def _listify(x) -> list:
    return [x] if isinstance(x, ndarray) else list(x)
