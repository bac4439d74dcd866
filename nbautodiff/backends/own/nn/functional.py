"""``torch.nn.functional``: activations and losses lessons use."""

from ....engine.ops import public_names

globals().update(public_names("functional"))  # relu, softmax, linear, mse_loss, ... as declared beside their rows


def leaky_relu(x, negative_slope: float = 0.01):
    from ....engine.ops import where

    return where(x > 0, x, x * negative_slope)


def l1_loss(input, target, reduction: str = "mean"):
    d = (input - target).abs()
    return d.mean() if reduction == "mean" else d.sum() if reduction == "sum" else d


def binary_cross_entropy_with_logits(input, target, reduction: str = "mean"):
    """Stable BCE on logits: max(x, 0) - x*t + log(1 + exp(-|x|))."""
    from ....engine.ops import clamp, exp, log1p

    loss = clamp(input, min=0) - input * target + log1p(exp(-input.abs()))
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss
