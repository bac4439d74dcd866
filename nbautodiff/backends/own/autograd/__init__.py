"""``torch.autograd``: grad, backward, Function, gradcheck, forward_ad, functional, grad mode, anomaly mode."""

from ....engine.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ....engine.autograd import Variable, backward, grad
from ....engine.custom import Function, FunctionCtx
from ....engine.mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from ....engine.numerical import GradcheckError, gradcheck, gradgradcheck
from . import forward_ad, functional

__all__ = [
    "Function", "FunctionCtx", "GradcheckError", "Variable", "backward", "detect_anomaly", "enable_grad",
    "forward_ad", "functional", "grad", "gradcheck", "gradgradcheck", "inference_mode", "is_anomaly_enabled",
    "is_grad_enabled", "no_grad", "set_detect_anomaly", "set_grad_enabled",
]
