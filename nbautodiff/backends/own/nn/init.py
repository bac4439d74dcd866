"""``torch.nn.init``: in-place initialisers (run without recording, as in PyTorch)."""

import math

from ....engine.mode import no_grad


def normal_(t, mean: float = 0.0, std: float = 1.0):
    with no_grad():
        return t.normal_(mean, std)


def uniform_(t, a: float = 0.0, b: float = 1.0):
    with no_grad():
        return t.uniform_(a, b)


def zeros_(t):
    with no_grad():
        return t.zero_()


def ones_(t):
    with no_grad():
        return t.fill_(1.0)


def constant_(t, val: float):
    with no_grad():
        return t.fill_(val)


def xavier_uniform_(t, gain: float = 1.0):
    fan_out, fan_in = t.shape[0], t.shape[1]
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -bound, bound)
