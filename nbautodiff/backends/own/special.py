"""``torch.special`` on the own engine: the special functions under PyTorch's names there (``expit`` is sigmoid,
``gammaln`` lgamma, ``psi`` digamma), with their gradients.

>>> import nbautodiff.torch as torch
>>> torch.special.expit(torch.tensor(2.))
tensor(0.8808)
"""

from ...engine.ops.elementwise import exp2, expm1, log1p, sigmoid, special_round  # noqa: F401
from ...engine.ops.reduce import log_softmax, logsumexp, softmax  # noqa: F401
from ...engine.ops.special import (  # noqa: F401
    digamma,
    erf,
    erfc,
    erfinv,
    i0,
    lgamma,
    logit,
    mvlgamma,
    polygamma,
    sinc,
    special_entr,
    special_i1,
    special_ndtr,
    special_xlog1py,
    xlogy,
)

expit, gammaln, psi, multigammaln = sigmoid, lgamma, digamma, mvlgamma
entr, i1, ndtr, xlog1py, round = special_entr, special_i1, special_ndtr, special_xlog1py, special_round
del lgamma, mvlgamma, special_entr, special_i1, special_ndtr, special_xlog1py, special_round
