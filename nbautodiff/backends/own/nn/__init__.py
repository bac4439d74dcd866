"""``torch.nn`` on the own engine: ``Module`` and ``Parameter``, the layers (``nn/modules/``, one file per kind, as
PyTorch's), ``functional``, ``init`` and ``utils``.

>>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
"""

from __future__ import annotations

from . import functional, init, modules, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _layers
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401

__all__ = ["Parameter", "UninitializedBuffer", "UninitializedParameter", "functional", "init", "modules", "utils",
           *_layers]
