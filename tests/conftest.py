import os

import numpy as np
import pytest

# The suite tests the own engine against real PyTorch and switches backends inside tests: start on numpy
# whatever the caller's NBAUTODIFF_BACKEND says.
os.environ.pop("NBAUTODIFF_BACKEND", None)

import nbautodiff.torch as nbt  # noqa: E402

try:
    import torch as real_torch
except ImportError:  # PyTorch is an optional extra; tests that need it say so
    real_torch = None

needs_torch = pytest.mark.skipif(real_torch is None, reason="PyTorch (the oracle) is not installed")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _reset_grad_mode():
    """Every test starts with grad mode on, whatever the previous one did."""
    from nbautodiff.engine import mode

    mode.state.grad_enabled = True
    mode.state.anomaly_enabled = False
    mode.state.forward_tangents = None
    yield
    assert mode.state.grad_enabled, "a test left grad mode switched off"
    assert mode.state.forward_tangents is None
    import nbautodiff

    assert nbautodiff.backend().name == "numpy", "a test left the torch backend on"


__all__ = ["nbt", "real_torch", "needs_torch"]
