"""``torch.nn.parameter``: Parameter, the tensor a module learns."""

from __future__ import annotations

from ....engine import factories
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
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
