"""nbautodiff: see automatic differentiation happen in Jupyter.

The own engine (reverse mode on numpy, PyTorch's semantics) and every other way to differentiate —
forward mode, functional transforms, finite differences, gradient checks, custom gradients — import
with numpy alone:

>>> import nbautodiff as nb
>>> x = nb.tensor([0., 1., 2., 3.], requires_grad=True)
>>> y = 2 * x.dot(x)
>>> y.backward()
>>> x.grad
tensor([ 0.,  4.,  8., 12.])
"""

from .backends import backend, set_backend, use_backend
from .engine import (
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
from .engine import forward as forward_ad
from .engine.anomaly import detect_anomaly, set_detect_anomaly
from .engine.autodiff_scalar import AutoDiffScalar, autodiff_array, gradients
from .engine.counting import count_ops
from .engine.custom import Function, custom_gradient, custom_vjp
from .engine.functional import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from .engine.methods import compare_methods
from .engine.numerical import (
    GradcheckError,
    eps_sweep,
    gradcheck,
    gradgradcheck,
    numerical_grad,
    numerical_jacobian,
    random_direction_check,
)
from .semantics import semantics

__version__ = "0.1.0"

from .backends import from_environment as _from_environment  # noqa: E402

_from_environment()  # NBAUTODIFF_BACKEND=numpy | torch | torch:cuda

__all__ = [
    "AutoDiffScalar", "Function", "GradcheckError", "Tensor", "arange", "autodiff_array", "autograd",
    "compare_methods", "count_ops", "custom_gradient", "custom_vjp", "detect_anomaly", "enable_grad", "eps_sweep",
    "eye", "forward_ad", "full", "gradcheck", "gradgradcheck", "gradients", "grad", "hessian", "hvp", "jacfwd",
    "jacrev", "jvp", "linspace", "manual_seed", "no_grad", "numerical_grad", "numerical_jacobian", "ones", "rand",
    "randn", "random_direction_check", "set_detect_anomaly", "set_grad_enabled", "tensor", "value_and_grad", "vjp",
    "trace", "graph", "backend", "set_backend", "use_backend", "semantics",
    "zeros",
]


def __getattr__(name):
    # The trace and graph views live a layer above the engine; import them on first use.
    import importlib

    if name == "trace":
        return importlib.import_module("nbautodiff.traces").trace
    if name == "graph":
        return importlib.import_module("nbautodiff.inspect").graph
    raise AttributeError(f"module 'nbautodiff' has no attribute {name!r}")
