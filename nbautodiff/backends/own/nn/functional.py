"""``torch.nn.functional``: activations, losses and layers, as declared beside their rows."""

from ....engine.ops import public_names

globals().update(public_names("functional"))  # relu, softmax, linear, mse_loss, ... as declared beside their rows
