"""The PyTorch dialect: ``import nbautodiff.torch as torch`` and PyTorch lesson code runs on the active backend.

On the numpy backend (the default) the names are the own engine's, on the torch backend real PyTorch's; the
submodules (``nbautodiff.torch.nn``, ``.autograd``, ``.func``, ...) follow too. See ``nbautodiff.set_backend``.

>>> import nbautodiff.torch as torch
>>> x = torch.tensor(1., requires_grad=True)
>>> x ** 2
tensor(1., grad_fn=<PowBackward0>)
"""

from .._follow import follow

follow(__name__)
