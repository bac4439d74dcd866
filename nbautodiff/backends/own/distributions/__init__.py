"""``torch.distributions`` on the own engine: PyTorch's distributions written with the engine's differentiable ops,
so ``log_prob``, ``entropy``, ``rsample`` and ``kl_divergence`` carry gradients to the parameters.

Samples come from the engine's generator (``torch.manual_seed``), not from PyTorch's random stream. Arguments are
validated as in PyTorch (on by default; ``validate_args=False`` or ``Distribution.set_default_validate_args``).
One module per distribution as PyTorch's (``distributions.normal``, ``.kl``, ``.constraints``, ...).

>>> import nbautodiff.torch as torch
>>> from nbautodiff.torch.distributions import Normal, kl_divergence
>>> loc = torch.tensor([0.], requires_grad=True)
>>> p = Normal(loc, torch.tensor([1.]))
>>> p.log_prob(torch.tensor([1.]))
tensor([-1.4189], grad_fn=<SubBackward0>)
>>> kl_divergence(p, Normal(1., 1.))
tensor([0.5000], grad_fn=<MulBackward0>)
"""

from . import constraints, kl, utils  # noqa: F401
from .bernoulli import Bernoulli  # noqa: F401
from .binomial import Binomial  # noqa: F401
from .categorical import Categorical  # noqa: F401
from .distribution import Distribution  # noqa: F401
from .exp_family import ExponentialFamily  # noqa: F401
from .exponential import Exponential  # noqa: F401
from .geometric import Geometric  # noqa: F401
from .independent import Independent  # noqa: F401
from .kl import kl_divergence, register_kl  # noqa: F401
from .laplace import Laplace  # noqa: F401
from .multivariate_normal import MultivariateNormal  # noqa: F401
from .normal import Normal  # noqa: F401
from .one_hot_categorical import OneHotCategorical  # noqa: F401
from .poisson import Poisson  # noqa: F401
from .uniform import Uniform  # noqa: F401

__all__ = [
    "Bernoulli", "Binomial", "Categorical", "Distribution", "Exponential", "ExponentialFamily", "Geometric",
    "Independent", "Laplace", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform",
    "constraints", "kl_divergence", "register_kl",
]
