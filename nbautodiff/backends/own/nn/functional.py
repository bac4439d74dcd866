"""``torch.nn.functional``: activations and losses lessons use."""

from ....engine.ops import public_names

globals().update(public_names("functional"))  # relu, softmax, linear, mse_loss, ... as declared beside their rows


def l1_loss(input, target, reduction: str = "mean"):
    d = (input - target).abs()
    return d.mean() if reduction == "mean" else d.sum() if reduction == "sum" else d
