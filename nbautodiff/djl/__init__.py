"""The DJL dialect: d2l-java's autodiff lessons (``NDManager``, ``NDArray``, ``GradientCollector``) in Python.

Written once against the active backend's PyTorch-compatible namespace (``nb.backend().ns``), so the same
lesson runs on nbautodiff's own engine or on real PyTorch (CPU or CUDA). Java names stay as they are
(``setRequiresGradient``, ``getGradient``, ``newGradientCollector``); ``try (GradientCollector gc = ...)``
becomes ``with ... as gc:``. DJL's rules are kept: operations are recorded only inside a collector, a
non-scalar target is summed, and each ``backward`` *writes* the gradient instead of adding to the last one.
Arrays print as DJL prints them.

The package's modules, each importing only those below it: ``_types`` (exceptions, ``DataType``, ``Shape``,
``Device``) and ``_format`` (printing) at the bottom, then ``_ndarray`` (``NDArray`` and the recording state),
``_manager`` (``NDManager``) and ``_collector`` (``Engine``, ``GradientCollector``).

>>> from nbautodiff.djl import Engine, NDManager
>>> manager = NDManager.newBaseManager()
>>> x = manager.arange(4.0)  # Java: manager.arange(4f)
>>> x.setRequiresGradient(True)
>>> with Engine.getInstance().newGradientCollector() as gc:
...     y = x.dot(x).mul(2)
...     gc.backward(y)
>>> y
ND: () cpu() float32
28.
>>> x.getGradient()
ND: (4) cpu() float32
[ 0.,  4.,  8., 12.]
"""

from __future__ import annotations

from .._dialect import public as _public
from ._collector import Engine, GradientCollector
from ._manager import NDManager
from ._ndarray import _STATE as _STATE  # tests check that no collector is left open
from ._ndarray import NDArray
from ._types import DataType, Device, EngineException, IllegalArgumentException, IllegalStateException, Shape
from ._types import _backend_device as _backend_device

_public(globals())

__all__ = [
    "DataType",
    "Device",
    "Engine",
    "EngineException",
    "GradientCollector",
    "IllegalArgumentException",
    "IllegalStateException",
    "NDArray",
    "NDManager",
    "Shape",
]
