"""The MXNet dialect: ``from nbautodiff.mxnet import np, autograd`` and MXNet lesson code runs on nbautodiff.

MXNet's rules, not PyTorch's: ``attach_grad()`` gives an array a zero gradient buffer; only what runs inside
``autograd.record()`` is recorded; ``backward()`` on a non-scalar differentiates the sum of its elements;
each backward *writes* the attached arrays' ``.grad`` (``attach_grad(grad_req='add')`` accumulates). The
dialect is written once against the active backend's PyTorch-compatible namespace, so it runs on the own
engine and on real PyTorch (CPU or CUDA). Arrays print as MXNet's numpy arrays do.

The package's modules, each importing only those below it: ``_types`` (the error, devices, dtypes), ``_ops`` (the
operations on backend tensors), ``_ndarray`` (``ndarray``, recording, backward), ``_numpy`` (``np``, ``npx``) and
``_autograd``.

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

from .._dialect import public as _public
from ._autograd import _Autograd
from ._ndarray import ndarray
from ._numpy import _Npx, _Numpy
from ._types import Context, MXNetError, cpu, gpu, num_gpus

__all__ = ["Context", "MXNetError", "autograd", "cpu", "gpu", "ndarray", "np", "npx", "num_gpus"]

np, npx, autograd = _Numpy(), _Npx(), _Autograd()

_public(globals())
