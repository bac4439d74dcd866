"""``torch.nn.parameter``: Parameter, the tensor a module learns, and the uninitialized parameters and buffers of
the lazy modules (their shape is set by the first forward call)."""

from __future__ import annotations

import numpy as np

from ....engine import dtypes, factories
from ....engine.tensor import Tensor
from . import functional, init, utils  # noqa: F401


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: requires grad and is listed by ``parameters()``."""

    __slots__ = ()
    _torch_name = "torch.nn.parameter.Parameter"

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = factories.empty(0)
        p = object.__new__(cls)
        p._data = data._data
        p.grad_fn = None
        p._requires_grad = False
        p._ver = data._ver
        p._view = None
        if requires_grad:
            if p._data.dtype.kind != "f":
                from ....engine.tensor import _check_can_require_grad

                _check_can_require_grad(p._data)  # (PyTorch's capitalised text, from its _make_subclass)
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


_NO_SHAPE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
             "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
             "`forward` to initialize the parameters before accessing their attributes.")


class _Uninitialized:
    """What the two uninitialized kinds share: no shape yet (PyTorch's errors), ``materialize(shape)`` turns the
    object itself into a ``cls_to_become`` of that shape, so every reference to it (a module's, an optimizer's)
    sees the real tensor."""

    __slots__ = ()
    _lazy = True
    cls_to_become = Tensor

    @property
    def shape(self):
        raise RuntimeError(_NO_SHAPE)

    def numel(self):
        raise ValueError("Attempted to use an uninitialized parameter in <method 'numel' of "
                         "'torch._C.TensorBase' objects>. This error happens when you are using a `LazyModule` or "
                         "explicitly manipulating `torch.nn.parameter.UninitializedParameter` objects. When using "
                         "LazyModules Call `forward` with a dummy batch to initialize the parameters before calling "
                         "torch functions")

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Become a tensor of ``shape`` (uninitialized memory: the module's reset_parameters fills it)."""
        if device is not None:
            dtypes.on_cpu(device)
        dt = dtypes.to_dtype(dtype).np if dtype is not None else self._data.dtype
        self._data = np.empty(tuple(int(n) for n in (shape if isinstance(shape, (tuple, list)) else (shape,))), dt)
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter of a lazy module (nn.LazyLinear, ...) before its first forward call has given it a shape."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        p = Parameter.__new__(cls, factories.empty(0, dtype=dtype), requires_grad)
        return p

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer of a lazy module (a lazy batch norm's running statistics) before its first forward call."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        b = object.__new__(cls)
        b._data = factories.empty(0, dtype=dtype)._data
        b.grad_fn = None
        b._requires_grad = False
        b._ver = b._view = None
        if requires_grad:
            b.requires_grad_(True)
        return b

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        pass


def is_lazy(param) -> bool:
    """Whether ``param`` is an uninitialized parameter or buffer."""
    return isinstance(param, _Uninitialized)
