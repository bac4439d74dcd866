"""nbautodiff: see automatic differentiation happen in Jupyter.

Import the API your lesson is written in; each runs unchanged:

    import nbautodiff.torch as torch              # PyTorch: d2l, the PyTorch tutorials, micrograd-style code
    from nbautodiff.djl import NDManager, Engine  # DJL (d2l-java)
    import nbautodiff.tf as tf                    # TensorFlow 2: GradientTape, custom_gradient, keras layers
    from nbautodiff.mxnet import np, autograd     # MXNet (d2l's MXNet edition)

They run on nbautodiff's own engine (numpy, with PyTorch's semantics) or on real PyTorch:
``nb.set_backend("torch")`` (or ``"torch:cuda"``), ``with nb.use_backend("numpy"): ...``, or the environment
variable ``NBAUTODIFF_BACKEND``. ``nb.semantics()`` tabulates where the frameworks differ.

See a computation: ``nb.graph(y)`` draws its graph (``with nb.record(): ...`` keeps every value for it),
``nb.step(y)`` steps through the reverse pass, ``nb.explore(f, x1=2., x2=5.)`` puts a slider on each input,
``nb.plot_derivative(f)`` plots f and f′, ``nb.trace(f, 2., 5.)`` gives the primal, tangent and adjoint tables,
``nb.count_ops()`` counts what each method costs. Every way to differentiate: ``nb.grad``, ``vjp``, ``jvp``, ``jacrev``,
``jacfwd``, ``hessian``, ``numerical_grad``, ``gradcheck``, ``compare_methods``, ``eps_sweep``, and custom
gradients with ``nb.Function``, ``custom_vjp`` and ``custom_gradient``. The lessons are notebooks:
``nbautodiff lessons`` lists them.

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

# Loaded on first use: they live in layers above the engine, or need more than numpy.
_LAZY = {
    "trace": "nbautodiff.traces", "graph": "nbautodiff.inspect", "record": "nbautodiff.inspect",
    "step": "nbautodiff.widgets", "explore": "nbautodiff.widgets", "GraphView": "nbautodiff.widgets",
    "plot_derivative": "nbautodiff.plots", "TrainingMonitor": "nbautodiff.plots",
}

# What ``from nbautodiff import *`` and ``help(nbautodiff)`` list: the functions of the guide above. The classes
# (``Tensor``, ``Function``, ``AutoDiffScalar``...) are here too, each with its own ``help``.
__all__ = [
    "arange", "autodiff_array", "backend", "compare_methods", "count_ops", "custom_gradient", "eps_sweep", "eye",
    "full", "grad", "gradcheck", "gradgradcheck", "gradients", "graph", "hessian", "hvp", "jacfwd", "jacrev", "jvp",
    "linspace", "manual_seed", "numerical_grad", "numerical_jacobian", "ones", "rand", "randn",
    "random_direction_check", "semantics", "set_backend", "tensor", "trace", "value_and_grad", "vjp", "zeros",
    "record", "step", "explore", "plot_derivative",
]


def load_ipython_extension(ip) -> None:
    """``%load_ext nbautodiff``: the ``%%autodiff`` magics (IPython is imported only now)."""
    from .magics import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip) -> None:
    from .magics import unload_ipython_extension as unload

    unload(ip)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nbautodiff' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
