"""Tensors print exactly as PyTorch prints them: same numbers, widths, line breaks and suffixes."""

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch

ARRAYS = {
    "scalar": np.float32(1.0),
    "scalar-frac": np.float32(2.5),
    "vector-int-valued": np.arange(4, dtype=np.float32),
    "vector-frac": np.array([1.5, 2.0, -3.25], dtype=np.float32),
    "sci-small": np.array([1e-5, 1.0], dtype=np.float32),
    "sci-large": np.array([1e9, 1.0], dtype=np.float32),
    "int-valued-ratio": np.array([1.0, 5000.0], dtype=np.float32),
    "matrix": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
    "3d": np.linspace(0, 5, 24, dtype=np.float32).reshape(2, 3, 4),
    "wide-row": np.linspace(0, 1, 30, dtype=np.float32),
    "summarised": np.arange(2000, dtype=np.float32).reshape(40, 50) / 7,
    "long-vector": np.arange(1500, dtype=np.float32),
    "nonfinite": np.array([np.inf, -np.inf, np.nan, 1.5], dtype=np.float32),
    "nonfinite-int": np.array([np.inf, 2.0], dtype=np.float32),
    "zeros": np.zeros((2, 2), dtype=np.float32),
    "float64": np.array([1.0, 2.5], dtype=np.float64),
    "int64": np.array([[1, -20], [300, 4]], dtype=np.int64),
    "int32": np.array([1, 2], dtype=np.int32),
    "bool": np.array([True, False, True]),
    "empty": np.zeros((0,), dtype=np.float32),
    "empty-2d": np.zeros((0, 3), dtype=np.float32),
    "empty-int": np.zeros((0,), dtype=np.int64),
    "negative-zero": np.array([-0.0, 1.0], dtype=np.float32),
    "random": np.random.default_rng(0).standard_normal((5, 7)).astype(np.float32),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_repr_matches_pytorch(name):
    a = ARRAYS[name]
    assert repr(nbt.tensor(a)) == repr(real_torch.tensor(a))


@pytest.mark.parametrize("name", ["scalar", "vector-frac", "3d", "float64", "wide-row"])
def test_autograd_suffixes_match_pytorch(name):
    a = ARRAYS[name]
    ours, theirs = nbt.tensor(a, requires_grad=True), real_torch.tensor(a, requires_grad=True)
    assert repr(ours) == repr(theirs)
    assert repr(ours * 2) == repr(theirs * 2)
    assert repr((ours * 2).sum()) == repr((theirs * 2).sum())


def test_sizes_dtypes_and_devices_print_as_in_pytorch():
    assert repr(nbt.ones(2, 3).shape) == repr(real_torch.ones(2, 3).shape) == "torch.Size([2, 3])"
    assert repr(nbt.float64) == repr(real_torch.float64)
    assert repr(nbt.ones(1).device) == repr(real_torch.ones(1).device)
    assert nbt.ones(2).type() == real_torch.ones(2).type() == "torch.FloatTensor"


@needs_torch
def test_grad_fn_prints_like_a_pytorch_node():
    """repr and IPython's pretty printer (what a notebook shows) give PyTorch's text, addresses aside."""
    import re

    from IPython.lib.pretty import pretty

    def shown(ns):
        x = ns.tensor(1.0, requires_grad=True)

        class Square(ns.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * x

            @staticmethod
            def backward(ctx, g):
                return g

        y, z = x**2, Square.apply(x)
        texts = [repr(y.grad_fn), pretty(y.grad_fn), pretty(y.grad_fn.next_functions), str(y.grad_fn),
                 repr(z.grad_fn), pretty(z.grad_fn)]
        return [re.sub("0x[0-9a-f]+", "0x…", t) for t in texts]

    assert shown(nbt) == shown(real_torch)
    assert shown(nbt)[1] == "<PowBackward0 at 0x…>"


def test_printoptions_change_precision():
    nbt.set_printoptions(precision=2)
    real_torch.set_printoptions(precision=2)
    try:
        a = ARRAYS["random"]
        assert repr(nbt.tensor(a)) == repr(real_torch.tensor(a))
    finally:
        nbt.set_printoptions(profile="default")
        real_torch.set_printoptions(profile="default")


@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
def test_transpose_property_warns_as_pytorch_does_off_matrices(shape):
    """PyTorch warns once per process, so its text is read in a fresh interpreter."""
    import subprocess
    import sys
    import warnings

    code = (
        "import warnings, torch\nwarnings.simplefilter('always')\n"
        f"with warnings.catch_warnings(record=True) as w:\n    torch.ones({shape!r}).T\n"
        "print(str(w[0].message).split(' (Triggered internally')[0])"
    )
    theirs = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    import importlib

    warned = importlib.import_module("nbautodiff.engine.tensor")._WARNED
    before = set(warned)
    warned.difference_update({"T", "T0"})  # .T's warnings as in a fresh process; the others' stay as they are
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nbt.ones(*shape).T
        nbt.ones(*shape).T  # once per process, as PyTorch
    warned.update(before)
    assert [str(w.message) for w in caught] == [theirs]


FORCED = [[1e-8, 1.0], [1., 1e5], [-1e-8, 2e-8], [18.25, -1.75], [-25.9, 8.77], [3.7e-5], [float("nan"), 1.5],
          [1e10, -2.], [0., 0.], [float("inf"), 1.], [1., 2., 3.], [123456789., 1.5]]


@needs_torch
@pytest.mark.parametrize("sci_mode", [False, True, None])
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_forced_sci_mode_sizes_the_columns_in_the_forced_notation(sci_mode, dtype):
    """set_printoptions(sci_mode=...) decides the notation before the widths, as PyTorch 2's formatter:
    [1e-8, 1.] with sci_mode=False is [0.0000, 1.0000], not padded to the width of 1.0000e-08."""
    import warnings

    out = []
    for ns in (nbt, real_torch):
        try:
            for precision in (4, 2):
                ns.set_printoptions(sci_mode=sci_mode, precision=precision)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # (1e10 in float16 overflows, on both)
                    out.append([repr(ns.tensor(v, dtype=getattr(ns, dtype))) for v in FORCED])
        finally:
            ns.set_printoptions(profile="default")
            ns.set_printoptions(sci_mode=None)
    assert out[:2] == out[2:]
