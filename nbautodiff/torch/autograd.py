"""``torch.autograd``: grad, backward, the grad-mode switches and anomaly mode."""

from ..engine.autograd import (  # noqa: F401
    Variable,
    backward,
    detect_anomaly,
    enable_grad,
    grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
