"""``torch.linalg`` on the own engine: solve, inv, lstsq (with gradients)."""

from ...engine.ops import public_names as _public_names
from ...engine.ops.decompositions import LinAlgError  # noqa: F401

globals().update({k.removeprefix("linalg_"): f for k, f in _public_names("linalg").items()})
