"""``torch.autograd``: grad, backward, Function, gradcheck, forward_ad, functional, grad mode, anomaly mode."""

from ....engine import numerical as _numerical
from ....engine.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ....engine.autograd import Variable, backward, grad
from ....engine.mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from ....engine.numerical import GradcheckError
from . import forward_ad, function, functional
from .function import Function, FunctionCtx


# PyTorch's gradcheck and gradgradcheck: a plain True, or GradcheckError (the engine's checks keep their rich result
# in nbautodiff.gradcheck)
def gradcheck(func, inputs, *, raise_exception: bool = True, **kwargs) -> bool:
    """True when the analytical Jacobians match central differences; else ``GradcheckError`` (or False with
    ``raise_exception=False``), as ``torch.autograd.gradcheck``."""
    return bool(_numerical.gradcheck(func, inputs, raise_exception=raise_exception, **kwargs))


def gradgradcheck(func, inputs, grad_outputs=None, *, raise_exception: bool = True, **kwargs) -> bool:
    """The same check for the second derivatives (the backward of the backward)."""
    return bool(_numerical.gradgradcheck(func, inputs, grad_outputs, raise_exception=raise_exception, **kwargs))


# PyTorch keeps the error in the module torch.autograd.gradcheck, which the function's name hides: here it is an
# attribute of the function, so torch.autograd.gradcheck.GradcheckError reads the same
gradcheck.GradcheckError = gradgradcheck.GradcheckError = GradcheckError


__all__ = [
    "Function", "FunctionCtx", "GradcheckError", "Variable", "backward", "detect_anomaly", "enable_grad",
    "forward_ad", "function", "functional", "grad", "gradcheck", "gradgradcheck", "inference_mode",
    "is_anomaly_enabled", "is_grad_enabled", "no_grad", "set_detect_anomaly", "set_grad_enabled",
]
