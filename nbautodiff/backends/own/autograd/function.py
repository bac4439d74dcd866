"""``torch.autograd.function``: ``Function``, its ``ctx`` (``FunctionCtx``) and ``once_differentiable``."""

from ....engine.custom import Function, FunctionCtx, once_differentiable

__all__ = ["Function", "FunctionCtx", "once_differentiable"]
