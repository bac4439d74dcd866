"""``torch.nn.functional``: activations, losses and layers, as declared beside their rows."""

from ....engine.ops import public_names

globals().update(public_names("functional"))  # relu, softmax, linear, mse_loss, ... as declared beside their rows

from ....engine.ops.conv import fold, unfold  # noqa: E402, F401  (torch.unfold is Tensor.unfold's, another function)
from ....engine.ops.elementwise import relu as _relu  # noqa: E402


def relu(input, inplace: bool = False):
    """max(x, 0); ``inplace=True`` writes it into ``input`` (as ``input.relu_()``)."""
    return input.relu_() if inplace else _relu(input)
