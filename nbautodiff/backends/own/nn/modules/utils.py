"""``torch.nn.modules.utils``: what the layers share."""

from __future__ import annotations


def _ntuple(v, k: int) -> tuple:
    """``v`` as a tuple of ``k`` (a list or tuple as it is): ``kernel_size=3`` is ``(3, 3)`` for a 2-d layer."""
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return (v,) * k
