"""``torch.nn.functional``: activations, losses and layers, as declared beside their rows."""

from ....engine.ops import public_names

globals().update(public_names("functional"))  # relu, softmax, linear, mse_loss, ... as declared beside their rows

if "leaky_relu" not in globals():  # until the op table has its own row

    def leaky_relu(x, negative_slope: float = 0.01):
        from ....engine.ops import where

        return where(x > 0, x, x * negative_slope)
