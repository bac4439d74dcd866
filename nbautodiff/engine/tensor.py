"""The Tensor: a numpy array plus the autograd fields PyTorch has (requires_grad, grad, grad_fn).

Math lives in the op table (``engine/ops``); the methods here are PyTorch's names for it.
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from . import dtypes, mode
from .dtypes import Size

_state = mode.state
_new = object.__new__

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information."
)


def make(data: np.ndarray, grad_fn=None, ver=None) -> Tensor:
    """A tensor around ``data`` without copying or checks: the engine's fast constructor."""
    t = _new(Tensor)
    t._data = data
    t.grad_fn = grad_fn
    t._requires_grad = grad_fn is not None
    t._ver = ver
    t._view = None
    return t


def version_counter(t: Tensor) -> list:
    """The tensor's version counter (shared with its views), made when first needed.

    It is made before anything can change the tensor's memory (an in-place op, a view, ``detach``), so
    this is also when a node that saved the tensor as its output starts watching it: an op like ``exp``
    allocates no counter unless its result is ever written to.
    """
    v = t._ver
    if v is None:
        v = t._ver = [0]
        fn = t.grad_fn
        if fn is not None and fn.out_ver is None and fn.out_data is not None:
            fn.out_ver = v
    return v


class SavedAt:
    """A node's watch on its output when that output was written into another tensor's memory (``x.exp_()``):
    ``[0]`` is how many writes came since, like a fresh counter's, and the error names the real versions."""

    __slots__ = ("counter", "base", "nr", "data")

    def __init__(self, counter: list, base: int, nr: int = 0, data=None):
        self.counter, self.base = counter, base
        self.nr, self.data = nr, data  # (for an output of a node with several: which one, and its array)

    def __getitem__(self, i: int) -> int:
        return self.counter[0] - self.base


def version(t: Tensor) -> int:
    v = t._ver
    return 0 if v is None else v[0]


def bump_version(t: Tensor) -> None:
    version_counter(t)[0] += 1


def _check_can_require_grad(data: np.ndarray, first: str = "Only Tensors of floating point and complex dtype") -> None:
    if data.dtype.kind != "f":
        raise RuntimeError(
            f"{first} can require gradients\n"
            f"this tensor is {dtypes.from_numpy(data.dtype)!r}: make it with a float dtype, "
            "e.g. torch.tensor([1., 2.]), or convert it with x.float()"
        )


def _to_signature_error(args, kwargs) -> str:
    def kind(v):
        return {dtypes.dtype: "torch.dtype", dtypes.device: "torch.device"}.get(type(v), type(v).__name__)

    pos = ", ".join(kind(a) for a in args)
    kw = ", ".join(f"{k}={kind(v)}" for k, v in kwargs.items())
    got = f"{pos}, {kw}" if pos else f"{kw}, "
    return (f"to() received an invalid combination of arguments - got ({got}), but expected one of:\n"
            " * (torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, bool copy = False, "
            "*, torch.memory_format memory_format = None)\n"
            " * (torch.dtype dtype, bool non_blocking = False, bool copy = False, *, torch.memory_format "
            "memory_format = None)\n"
            " * (Tensor tensor, bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format "
            "= None)\n")


class _TorchName(type):
    """Tensor's metaclass: the class prints as PyTorch's (``<class 'torch.Tensor'>``) while its ``__module__`` stays
    this one, so pickling, ``inspect`` and doctests find it where it is defined."""

    def __repr__(cls) -> str:
        return f"<class '{cls.__dict__.get('_torch_name', cls.__module__ + '.' + cls.__qualname__)}'>"


class Tensor(metaclass=_TorchName):
    """An n-dimensional array that can record the operations done on it, as ``torch.Tensor``.

    >>> x = tensor([0., 1., 2., 3.], requires_grad=True)
    >>> y = 2 * x.dot(x)
    >>> y.backward()
    >>> x.grad
    tensor([ 0.,  4.,  8., 12.])
    """

    # The fields every op sets are slots; the rarely set ones are class defaults, overridden in the
    # instance __dict__ (made only when first needed) of leaves, retained tensors and multi-output pieces.
    __slots__ = ("_data", "grad_fn", "_requires_grad", "_ver", "_view", "__dict__", "__weakref__")
    _torch_name = "torch.Tensor"  # how type(t) prints (see _TorchName)
    _grad = None
    _accum = None
    _retains_grad = False
    _output_nr = 0
    # numpy hands binary operations with a Tensor over to the Tensor (np.float64(2) * x -> Tensor).
    __array_ufunc__ = None

    def __init__(self, *args, dtype=None, requires_grad: bool = False):
        # torch.Tensor(2, 3) makes an uninitialised 2x3 float tensor; torch.Tensor([1, 2]) copies data.
        if args and all(isinstance(a, (builtins.int, np.integer)) for a in args):
            data = np.zeros(args, dtype=np.float32)
        elif len(args) == 1:
            data = np.array(args[0].numpy() if isinstance(args[0], Tensor) else args[0], dtype=np.float32)
        else:
            data = np.zeros((0,), dtype=np.float32)
        self._data = data
        self.grad_fn = None
        self._requires_grad = False
        self._ver = None
        self._view = None
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------------ autograd fields
    @property
    def requires_grad(self) -> bool:
        if self._view is not None and _state.grad_enabled:  # a view whose base was written: its history first
            _ops.registry.refresh_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value:
            _check_can_require_grad(self._data, "only Tensors of floating point and complex dtype")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                )
            return self
        if requires_grad:
            _check_can_require_grad(self._data, "only Tensors of floating point dtype")
            if type(self._ver) is mode.InferenceVersion and not _state.inference:
                raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not "
                                   "allowed.")
            if not self._requires_grad and _state.tracer is not None:
                from .tracing import emit

                self._requires_grad = True
                emit("leaf", self)
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def _base(self):
        """The tensor whose memory this view shares (the first one, not a view itself); None for a non-view."""
        if self._view is None:
            return None
        base = self._view[0]
        while base._view is not None:
            base = base._view[0]
        return base

    def is_inference(self) -> bool:
        """Whether the tensor was made in ``inference_mode``."""
        return type(self._ver) is mode.InferenceVersion

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 but for ``split``/``unbind`` pieces)."""
        return self._output_nr

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (and for anything that doesn't require grad)."""
        if self._view is not None and _state.grad_enabled:
            _ops.registry.refresh_view(self)
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}"
                )
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_c_name(value.dtype)}' to a tensor with "
                    f"grad_dtype '{self.dtype.legacy[: -len('Tensor')]}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute "
                    "with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the "
                    "dtypes of a tensor and its gradient may break downstream systems that assume they match."
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                    f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size"
                )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (a no-op on leaves)."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        self.grad_fn.register_prehook(_RetainGrad(self, self._nr()))

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn if self.grad_fn is not None else self._accumulator()
        return node.register_prehook(_TensorHook(hook, self._nr()))

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` each time a backward pass has added into this leaf's ``.grad`` (an optimizer step
        per parameter inside the backward pass); returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .node import _RemovableHandle

        hooks = self.__dict__.setdefault("_post_accumulate_hooks", [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def _nr(self):
        """Which output of a multi-output node this tensor is (None for ordinary nodes)."""
        return self._output_nr if self.grad_fn is not None and self.grad_fn.multi else None

    def _edge(self):
        """The graph edge a gradient for this tensor goes along."""
        fn = self.grad_fn
        if fn is None:
            return self._accumulator()
        if fn.multi:
            from .node import OutputEdge

            return OutputEdge(fn, self._output_nr)
        return fn

    def _accumulator(self):
        acc = self._accum
        if acc is None:
            from .node import AccumulateGrad

            acc = self._accum = AccumulateGrad(self)
        return acc

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. the graph leaves and add it into their ``.grad``."""
        from .backward import backward

        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and version counter)."""
        out = make(self._array(), None, version_counter(self))  # an array, so both see in-place changes
        if _state.tracer is not None:
            from .tracing import emit

            emit("detach", self, out)
        return out

    def detach_(self) -> Tensor:
        if self._data.base is not None and self.grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory with no autograd history (changes to it are not tracked)."""
        return make(self._array())

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and value._data.dtype.kind not in "fc":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = value._data

    @property
    def _version(self) -> int:
        return version(self)

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[dim]

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy(self._data.dtype)

    @property
    def device(self):
        return dtypes.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def data_ptr(self) -> int:
        """The address of the first element (tensors that share memory and start at the same place share it)."""
        return self._array().__array_interface__["data"][0]

    def is_pinned(self) -> bool:
        return False

    def pin_memory(self, device=None):
        raise RuntimeError("Cannot access accelerator device when none is available.\n"
                           "pin_memory: page-locked memory is for copies to a GPU; the own engine is CPU only")

    def share_memory_(self):
        """Marks the tensor shared (for torch.multiprocessing; the own engine's memory is the process's)."""
        self.__dict__["_shared"] = True
        return self

    def is_shared(self) -> bool:
        return self.__dict__.get("_shared", False)

    def is_neg(self) -> bool:
        return False

    def resolve_neg(self):
        return self

    def adjoint(self):
        """The conjugate transpose of the last two dims (the transpose, for real tensors)."""
        return self.transpose(-2, -1)

    def split_with_sizes(self, split_sizes, dim: int = 0):
        return self.split(list(split_sizes), dim)

    def sum_to_size(self, *size):
        """Summed down to ``size`` (the inverse of expand): PyTorch's error if it could not be expanded back."""
        size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
        shape = tuple(self.shape)
        if len(size) > len(shape) or any(s != 1 and s != n for s, n in zip(size[::-1], shape[::-1])):
            raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
        if size == shape:
            return self
        lead = len(shape) - len(size)
        dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
        out = self.sum(dims, keepdim=True)
        return out.view(*size) if lead else out

    def apply_(self, callable):
        """Each element replaced by ``callable(element)``, in place (Python per element: slow)."""
        if self._requires_grad:
            raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() "
                               "instead.")
        return self._map_in_place(callable)

    def map_(self, tensor, callable):
        """Each element replaced by ``callable(element, other's element)``, in place (``tensor`` broadcast)."""
        if self._requires_grad:
            raise RuntimeError("Can't call map_() on Variable that requires grad. Use var.detach().map_() instead.")
        return self._map_in_place(callable, np.broadcast_to(tensor._data, self._data.shape))

    def _map_in_place(self, fn, other=None):
        a = self._array()
        flat = [fn(*vals) for vals in (zip(a.ravel().tolist(), other.ravel().tolist()) if other is not None
                                       else ((v,) for v in a.ravel().tolist()))]
        a[...] = np.array(flat, dtype=a.dtype).reshape(a.shape)
        bump_version(self)
        return self

    def fill_diagonal_(self, fill_value, wrap: bool = False):
        """The main diagonal (all indices equal) set to ``fill_value``, in place; ``wrap=True`` continues below a
        tall matrix's square, as numpy's fill_diagonal."""
        shape = tuple(self.shape)
        if len(shape) < 2:
            raise RuntimeError("dimensions must larger than 1")
        if len(shape) > 2 and len(set(shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        if not self.is_contiguous():
            positions = np.zeros(shape, dtype=bool)
            np.fill_diagonal(positions, True, wrap=wrap)
            return self.masked_fill_(make(positions), fill_value)
        flat = self.view(-1)  # the diagonal is a strided view of the memory, as PyTorch fills it (CopySlices)
        if len(shape) == 2:
            end = flat.numel() if wrap else min(shape) * shape[1]
            flat[:end:shape[1] + 1].fill_(fill_value)
        else:
            step = builtins.sum(int(np.prod(shape[i + 1:])) for i in range(len(shape)))
            flat[::step].fill_(fill_value)
        return self

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self, memory_format=None) -> bool:
        if memory_format is not None and isinstance(self._data, np.ndarray):
            return dtypes.has_layout(self._data, memory_format)
        return self._data.flags.c_contiguous

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "fic"

    def is_same_size(self, other) -> bool:
        return self._data.shape == other._data.shape

    def is_nonzero(self) -> bool:
        return self.__bool__()

    @property
    def is_cpu(self) -> bool:
        return True

    def get_device(self) -> int:
        return -1  # (PyTorch's answer for a CPU tensor)

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.size * self._data.itemsize

    def stride(self, dim=None):
        """Steps in elements between neighbours along each dimension (numpy's byte strides over the item size)."""
        a = np.asarray(self._data)
        if a.size == 0:  # numpy gives an empty array zero strides; PyTorch, those of its (contiguous) layout
            steps, n = [], 1
            for size in reversed(a.shape):
                steps.append(n)
                n *= max(size, 1)
            steps = tuple(reversed(steps))
        else:
            steps = tuple(s // self._data.itemsize for s in a.strides)
        if dim is None:
            return steps
        from .ops._util import one_dim

        return steps[one_dim(dim, self._data.ndim, "stride")]

    def storage_offset(self) -> int:
        """Where this tensor starts in the memory it shares, in elements."""
        d = np.asarray(self._data)
        base = d
        while isinstance(base.base, np.ndarray):
            base = base.base
        if base is d:
            return 0
        return (d.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // d.itemsize

    def contiguous(self, memory_format=None) -> Tensor:
        """Itself if laid out contiguously (in ``memory_format``: ``torch.channels_last`` for NHWC), else a copy so laid
        out (recorded as a clone)."""
        d = self._data
        fmt = dtypes.contiguous_format if memory_format is None else memory_format
        if not isinstance(d, np.ndarray) or dtypes.has_layout(d, fmt):
            return self
        return _ops.clone(self, memory_format=fmt)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        if self._requires_grad:
            return iter(_ops.unbind(self))  # one UnbindBackward0 node, as PyTorch records it
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    # ------------------------------------------------------------------ conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar\n"
                "(nbautodiff: item() needs exactly one element; index it first, e.g. x[0].item(), or use x.tolist())"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._array()

    def _array(self) -> np.ndarray:
        """The data as an ndarray (a 0-d result holds a numpy scalar until something needs an array)."""
        d = self._data
        if type(d) is not np.ndarray:
            d = self._data = np.asarray(d)
        return d

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._array() if dtype is None else self._array().astype(dtype)

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __float__(self) -> builtins.float:
        global _warned_scalar
        if self._requires_grad and _state.grad_enabled and not _warned_scalar:
            _warned_scalar = True  # once per process and only with grad mode on, as PyTorch warns
            warnings.warn(
                "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                "Consider using tensor.detach() first.",
                UserWarning,
                stacklevel=2,
            )
        return builtins.float(self._scalar())

    def __int__(self) -> builtins.int:
        return builtins.int(self._scalar())

    def __index__(self) -> builtins.int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self._data.reshape(()).item())

    def __bool__(self) -> builtins.bool:
        if self._data.size != 1:
            many = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {many} is ambiguous")
        return builtins.bool(self._data.reshape(()).item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def to(self, *args, **kwargs) -> Tensor:
        """Convert to a dtype (and/or device: only 'cpu' exists on the own engine)."""
        given = dict(kwargs)
        dtype = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        dev = kwargs.pop("device", None)
        if kwargs:  # PyTorch refuses what to() doesn't take (requires_grad=...) rather than ignore it
            raise TypeError(_to_signature_error(args, given))
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, dtypes.device)):
                dev = a
            else:
                dtype = a
        if dev is not None:
            dtypes.on_cpu(dev)  # the own engine only knows the CPU: PyTorch's error otherwise
        if dtype is None:
            return _ops.clone(self) if copy else self
        return _ops.to_dtype(self, dtypes.to_dtype(dtype), copy)

    def type(self, dtype=None):
        if dtype is None:
            return f"torch.{self.dtype.legacy}"
        return self.to(dtypes.to_dtype(dtype))

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool)

    def short(self) -> Tensor:
        return self.to(dtypes.int16)

    def char(self) -> Tensor:
        return self.to(dtypes.int8)

    def byte(self) -> Tensor:
        return self.to(dtypes.uint8)

    def type_as(self, other) -> Tensor:
        """This tensor in ``other``'s dtype (itself when it already is)."""
        return self.to(other.dtype)

    def reshape_as(self, other) -> Tensor:
        return self.reshape(other.shape)

    def ravel(self) -> Tensor:
        """The elements in one dimension: a view of contiguous memory, else of a contiguous copy (PyTorch's
        ``contiguous().view(-1)``, so writing into it never reaches a strided tensor's memory)."""
        return self.contiguous().view(-1)

    def where(self, condition, y) -> Tensor:
        """``torch.where(condition, self, y)``."""
        return _ops.where(condition, self, y)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args, **kwargs):
        dtypes.on_cpu("cuda")

    # ------------------------------------------------------------------ printing
    def __repr__(self) -> str:
        from .printing import tensor_repr

        if self._view is not None and _state.grad_enabled:  # (the grad_fn it prints: as PyTorch's, current)
            _ops.registry.refresh_view(self)
        return tensor_repr(self)

    def __str__(self) -> str:  # (through the subclass's repr: print(parameter) says "Parameter containing:")
        return self.__repr__()

    # ------------------------------------------------------------------ operators
    # The four arithmetic operators go straight to the op table for tensors and plain numbers
    # (the common case, and the per-op cost of every lesson); anything else takes the checked path.
    def __add__(self, other):
        if type(other) is Tensor or type(other) in _NUMBERS:
            try:
                return _apply(_ADD, (self, other))
            except OverflowError:  # an int outside an integer tensor's range: the checked path wraps it
                pass
        return _ops.add(self, other)

    def __radd__(self, other):
        if type(other) in _NUMBERS:
            try:
                return _apply(_ADD, (self, other))
            except OverflowError:
                pass
        return _ops.add(self, other)

    def __sub__(self, other):
        if type(other) is Tensor or type(other) in _NUMBERS:
            try:
                return _apply(_SUB, (self, other))
            except OverflowError:  # an int outside an integer tensor's range: the checked path wraps it
                pass
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.rsub(self, other)

    def __mul__(self, other):
        if type(other) is Tensor or type(other) in _NUMBERS:
            try:
                return _apply(_MUL, (self, other))
            except OverflowError:  # an int outside an integer tensor's range: the checked path wraps it
                pass
        return _ops.mul(self, other)

    def __rmul__(self, other):
        if type(other) in _NUMBERS:
            try:
                return _apply(_MUL, (self, other))
            except OverflowError:
                pass
        return _ops.mul(self, other)

    def __truediv__(self, other):
        if type(other) is Tensor or type(other) in _NUMBERS:
            return _apply(_DIV, (self, other))
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.mul(_ops.reciprocal(self), other)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return _ops.positive(self)

    def __abs__(self):
        return _ops.abs(self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __eq__(self, other):
        if not isinstance(other, _COMPARED):  # a string, None, a list: Python's own answer (False), as PyTorch's
            return NotImplemented
        return _ops.eq(self, other)

    def __ne__(self, other):
        if not isinstance(other, _COMPARED):
            return NotImplemented
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    # bitwise operators: integers and bools, in PyTorch's common dtype (bool & bool stays bool)
    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    def __lshift__(self, other):
        return _ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return _ops.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return _ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return _ops.bitwise_right_shift(other, self)

    def __invert__(self):
        if self._data.dtype.kind not in "biu":
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
        return _ops.bitwise_not(self)

    def __getitem__(self, key):
        return _ops.getitem(self, key)

    def __setitem__(self, key, value):
        _ops.setitem(self, key, value)

    # in place: x += y and friends
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ifloordiv__(self, other):
        return self.floor_divide_(other)

    def add_(self, other, *, alpha=1):
        if alpha == 1:
            return _ops.inplace(self, _ops.add, other, "add_")
        return _ops.inplace(self, lambda x, y: _ops.add(x, y, alpha=alpha), other, "add_")

    def sub_(self, other, *, alpha=1):
        if alpha == 1:
            return _ops.inplace(self, _ops.sub, other, "sub_")
        return _ops.inplace(self, lambda x, y: _ops.sub(x, y, alpha=alpha), other, "sub_")

    def mul_(self, other):
        return _ops.inplace(self, _ops.mul, other, "mul_")

    def div_(self, other, *, rounding_mode=None):
        return _ops.inplace(self, lambda x, y: _ops.div(x, y, rounding_mode=rounding_mode), other, "div_")

    def clamp_(self, min=None, max=None):
        return _ops.inplace(self, lambda x, bounds: _ops.clamp(x, *bounds), (min, max), "clamp_")

    def copy_(self, src):
        return _ops.inplace(self, _ops.copy_from, src, "copy_")

    def zero_(self):
        return _ops.fill_inplace(self, 0, "zero_")

    def fill_(self, value):
        return _ops.fill_inplace(self, value)

    def normal_(self, mean=0.0, std=1.0):
        from .factories import _rng

        return _ops.fill_inplace(self, _rng().normal(mean, std, self._data.shape), "normal_")

    def uniform_(self, a=0.0, b=1.0):
        from .factories import _rng

        return _ops.fill_inplace(self, _rng().uniform(a, b, self._data.shape), "uniform_")

    # the other distributions, drawn in place (each recorded under PyTorch's node, with zero gradients)
    def _continuous(self, name: str, what: str) -> None:
        if self._data.dtype.kind != "f":
            from . import dtypes

            raise RuntimeError(f"{what} distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {dtypes.from_numpy(self._data.dtype).legacy[:-6]}")

    def exponential_(self, lambd=1.0, *, generator=None):
        from .factories import _rng_of

        self._continuous("exponential_", "Exponential")
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
        return _ops.fill_inplace(self, _rng_of(generator).exponential(1 / lambd, self._data.shape), "exponential_")

    def geometric_(self, p, *, generator=None):
        from .factories import _rng_of

        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
        return _ops.fill_inplace(self, _rng_of(generator).geometric(p, self._data.shape), "geometric_")

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        from .factories import _rng_of

        self._continuous("log_normal_", "LogNormal")
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
        return _ops.fill_inplace(self, _rng_of(generator).lognormal(mean, std, self._data.shape), "log_normal_")

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        from .factories import _rng_of

        self._continuous("cauchy_", "Cauchy")
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
        return _ops.fill_inplace(self, median + sigma * _rng_of(generator).standard_cauchy(self._data.shape), "cauchy_")

    def random_(self, from_=None, to=None, *, generator=None, **kwargs):
        """Integers in [from, to); ``random_(to)``: in [0, to); ``random_()``: in [0, 2**mantissa] for floats, [0, max]
        for integers (PyTorch's ranges)."""
        from .factories import _rng_of

        from_ = kwargs.pop("from", from_)
        dt = self._data.dtype
        if from_ is not None and to is None and "from" not in kwargs:
            from_, to, name = 0, from_, "random_to_"
        else:
            name = "random_" if from_ is None else "random_from_to_"
        lo = 0 if from_ is None else from_
        if dt.kind == "f":
            top = 2 ** (np.finfo(dt).nmant + 1)
        elif dt.kind == "b":
            top = 1
        else:
            top = int(np.iinfo(dt).max)
        if to is None:
            hi = top + 1 if name == "random_" else top
        else:
            hi = to
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
        if dt.kind in "iu":
            cpp = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
                   "int64": "long"}.get(dt.name, dt.name)
            if not np.iinfo(dt).min <= lo <= np.iinfo(dt).max:
                raise RuntimeError(f"from is out of bounds for {cpp}")
            if not np.iinfo(dt).min <= hi - 1 <= np.iinfo(dt).max:
                raise RuntimeError(f"to - 1 is out of bounds for {cpp}")
        values = _rng_of(generator).integers(lo, hi, size=self._data.shape, dtype=np.int64 if hi <= 2**63 - 1
                                             else np.uint64)
        return _ops.fill_inplace(self, values, name)

    def bernoulli_(self, p=0.5, *, generator=None):
        """0/1 in place with probability ``p`` (a number, or a tensor of probabilities broadcast to self)."""
        from .factories import _rng_of
        from .ops.inplace import inplace_apply
        from .ops.registry import apply
        from .ops.special import SAMPLES

        probs = p._data if isinstance(p, Tensor) else p
        if np.any(~((np.asarray(probs) >= 0) & (np.asarray(probs) <= 1))):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
                               "be improved?  If so, please report an enhancement request to PyTorch.)")
        values = _rng_of(generator).random(self._data.shape) < probs
        if not isinstance(p, Tensor):
            return _ops.fill_inplace(self, values, "bernoulli_")
        return inplace_apply(self, lambda old, q: apply(SAMPLES["bernoulli_tensor_"], (old, q), {"value": values}), p,
                             "bernoulli_")

    def bernoulli(self, p=None, *, generator=None):
        from .factories import bernoulli

        return bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from .factories import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)

    # ------------------------------------------------------------------ new tensors like this one
    def new_tensor(self, data, dtype=None, requires_grad=False):
        from .factories import tensor

        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        from .factories import zeros

        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        from .factories import ones

        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        from .factories import full

        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        from .factories import empty

        return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


class _RetainGrad:
    """The pre-hook ``retain_grad()`` puts on a node: store the arriving gradient on the tensor."""

    runs_last = True  # after every other hook on the tensor, as PyTorch 2 runs retains_grad hooks

    __slots__ = ("tensor", "nr")

    def __init__(self, t: Tensor, nr=None):
        import weakref

        self.tensor = weakref.ref(t)
        self.nr = nr

    def __call__(self, grad):
        t = self.tensor()
        g = grad if self.nr is None else grad[self.nr]
        if t is not None and g is not None:
            g = g if _state.grad_enabled else make(g._data.copy())
            t._grad = g if t._grad is None else t._grad + g
        return None


class _TensorHook:
    """A user's tensor hook; on a multi-output node it sees (and may replace) its own output's gradient."""

    __slots__ = ("fn", "nr")

    def __init__(self, fn, nr=None):
        self.fn, self.nr = fn, nr

    def __call__(self, grad):
        if self.nr is None:
            return self._checked(self.fn(grad), grad)
        if grad[self.nr] is None:
            return None
        new = self._checked(self.fn(grad[self.nr]), grad[self.nr])
        if new is None:
            return None
        grad = list(grad)
        grad[self.nr] = new
        return grad

    def _checked(self, new, old):
        """PyTorch's checks on what a hook returned: a tensor of the gradient's size and dtype, or None."""
        if new is None:
            return None
        if not isinstance(new, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        if new.shape != old.shape:
            raise RuntimeError(f"hook '{name}' has changed the size of value")
        if new.dtype is not old.dtype:
            raise RuntimeError(
                f"hook '{name}' has changed the type of value (was torch.{old.dtype.legacy} got "
                f"torch.{new.dtype.legacy})"
            )
        return new

    def __eq__(self, other):
        return other is self or other is self.fn


_C_TYPES = {"float16": "c10::Half", "float32": "float", "float64": "double", "uint8": "unsigned char",
            "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


def _c_name(dtype) -> str:
    """The C++ type PyTorch's messages name a dtype by ('long int' for int64)."""
    return _C_TYPES[dtype.name]


_WARNED: set = set()  # PyTorch gives each of these deprecation warnings once per process (TORCH_WARN_ONCE)


def _warn_once(key: str, text: str, stacklevel: int) -> None:
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(text, UserWarning, stacklevel=stacklevel + 1)


def _reversed_dims(self: Tensor) -> Tensor:
    """``x.T``: all dimensions reversed, with PyTorch's deprecation warnings for non-matrices."""
    n = self._data.ndim
    if n == 0:
        _warn_once("T0", "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.", 2)
    elif n != 2 and "T" not in _WARNED:
        _WARNED.add("T")
        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it "
            "will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
            "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
            UserWarning,
            stacklevel=2,
        )
    return _ops.permute(self, tuple(range(n))[::-1])


def _matrix_transpose(self: Tensor, name: str, hint: str) -> Tensor:
    """``x.mT`` (the last two dims swapped), ``x.mH`` and ``x.H`` (the same for real tensors; ``H`` only for
    matrices): a 0-d tensor is returned as it is, with PyTorch's deprecation warning."""
    n = self._data.ndim
    if n == 0:
        _warn_once(name, f"Tensor.{name} is deprecated on 0-D tensors. {hint}", 3)
        return self
    if name == "H" and n != 2:
        more = " For batches of matrices, consider using tensor.mH" if n > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D tensor.{more}")
    if n < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got {n}-D tensor.")
    return _ops.transpose(self, -2, -1)


_warned_scalar = False
_NUMBERS = frozenset((builtins.float, builtins.int, np.float32, np.float64, np.int64))
_apply = _ADD = _SUB = _MUL = _DIV = None  # set by _install_methods once the op table exists


def _inplace_method(name: str, fn):
    """``x.exp_()``, ``x.pow_(2)``...: the out-of-place op written into x's memory, recorded as PyTorch does."""

    def method(self, *args, **kwargs):
        # the arguments go along as the "other" operand: a tensor among them that requires grad is tracked
        return _ops.inplace(self, lambda x, _: fn(x, *args, **kwargs), (*args, *kwargs.values()), name + "_")

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In place: ``x.{name}_(...)`` writes ``{name}(x, ...)`` into x (see ``add_``)."
    return method


def _install_methods() -> None:
    """The Tensor methods of the public functions (``x.exp()``, ``x.sum(dim=0)``, ``x.exp_()``), as each is
    declared beside its op-table row (``ops.public``)."""
    global _apply, _ADD, _SUB, _MUL, _DIV
    _apply, _ADD, _SUB, _MUL, _DIV = _ops.apply, _ops.OPS["add"], _ops.OPS["sub"], _ops.OPS["mul"], _ops.OPS["div"]
    for name, fn in _ops.public_names("method").items():
        setattr(Tensor, name, fn)
    for name, fn in _ops.public_names("inplace").items():
        setattr(Tensor, name + "_", _inplace_method(name, fn))
    Tensor.clip_ = Tensor.clamp_
    Tensor.subtract_, Tensor.multiply_ = Tensor.sub_, Tensor.mul_
    Tensor.divide_ = Tensor.true_divide_ = Tensor.div_
    Tensor.arctan2, Tensor.arctan2_ = Tensor.atan2, Tensor.atan2_
    Tensor.T = property(_reversed_dims)
    Tensor.mT = property(lambda self: _matrix_transpose(self, "mT", "This function is the identity in these cases."))
    Tensor.mH = property(lambda self: _matrix_transpose(self, "mH", "Consider using x.conj()."))
    Tensor.H = property(lambda self: _matrix_transpose(self, "H", "Consider using x.conj()."))


import numbers as _numbers  # noqa: E402

_COMPARED = (Tensor, _numbers.Number, np.ndarray, np.generic)  # what == and != compare elementwise

from . import ops as _ops  # noqa: E402  (the ops build Tensors; ops/__init__ calls _install_methods)
