"""nbautodiff: see automatic differentiation happen in Jupyter.

The own engine (reverse mode on numpy, PyTorch's semantics) is importable with numpy alone:

>>> import nbautodiff as nb
>>> x = nb.tensor([0., 1., 2., 3.], requires_grad=True)
>>> y = 2 * x.dot(x)
>>> y.backward()
>>> x.grad
tensor([ 0.,  4.,  8., 12.])
"""

from .engine import (  # noqa: F401
    Tensor,
    arange,
    autograd,
    enable_grad,
    eye,
    full,
    linspace,
    manual_seed,
    no_grad,
    ones,
    rand,
    randn,
    set_grad_enabled,
    tensor,
    zeros,
)
from .engine.autograd import grad  # noqa: F401

__version__ = "0.1.0"
