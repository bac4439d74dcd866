"""``torch.autograd`` for the own engine: grad, backward, the grad-mode switches and anomaly mode."""

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: F401
from .backward import backward, grad  # noqa: F401
from .mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .tensor import Tensor as Variable  # noqa: F401  (old PyTorch lessons still say Variable)
