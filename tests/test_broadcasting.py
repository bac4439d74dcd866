"""Broadcasting, by hypothesis: any pair of broadcastable shapes gives PyTorch's values and gradients."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

BINARY = {
    "add": lambda ns, x, y: x + y,
    "sub": lambda ns, x, y: x - y,
    "mul": lambda ns, x, y: x * y,
    "div": lambda ns, x, y: x / (y * y + 1),
    "maximum": lambda ns, x, y: ns.maximum(x, y),
    "where": lambda ns, x, y: ns.where(x > y, x * y, y),
    "pow": lambda ns, x, y: (x * x + 1) ** y,
}


@needs_torch
@settings(max_examples=60, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    op=st.sampled_from(sorted(BINARY)),
    seed=st.integers(0, 2**16),
)
def test_broadcast_gradients_match_pytorch(shapes, op, seed):
    rng = np.random.default_rng(seed)
    xa, ya = (rng.standard_normal(s) for s in shapes.input_shapes)
    fn = BINARY[op]
    results = []
    for ns in (nbt, real_torch):
        x, y = ns.tensor(xa, requires_grad=True), ns.tensor(ya, requires_grad=True)
        out = fn(ns, x, y)
        v = ns.tensor(np.random.default_rng(seed + 1).standard_normal(tuple(out.shape)))
        out.backward(v)
        results.append((out.detach().numpy(), x.grad.numpy(), y.grad.numpy()))
    assert results[0][0].shape == shapes.result_shape
    for ours, theirs in zip(*results):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=4), seed=st.integers(0, 2**16))
@settings(max_examples=40, deadline=None)
def test_sum_to_shape_undoes_expand(shape, seed):
    """For any shape: x.expand(bigger).sum-back gives count * x-shaped gradient."""
    rng = np.random.default_rng(seed)
    x = nbt.tensor(rng.standard_normal(shape), requires_grad=True)
    big = (2,) + tuple(1 if s == 1 else s for s in shape)
    big = tuple(3 if s == 1 else s for s in big)
    x.expand(*big).sum().backward()
    factor = np.prod(big) / max(1, np.prod(shape))
    np.testing.assert_allclose(x.grad.numpy(), np.full(shape, factor))


DTYPES = ["bool", "int32", "int64", "float16", "float32", "float64"]


@needs_torch
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_a_zero_dim_tensor_promotes_as_in_pytorch(op):
    """float32 * tensor(2., float64) stays float32 (numpy would widen it); int64 * tensor(2., float64) is float64."""
    mismatches = []
    for da in DTYPES:
        for db in DTYPES:
            for shape_a, shape_b in [((3,), ()), ((), (3,))]:
                results = []
                for ns in (real_torch, nbt):
                    a = (ns.ones(shape_a, dtype=ns.float64) * 2).to(getattr(ns, da))
                    b = ns.ones(shape_b, dtype=getattr(ns, db))
                    try:
                        results.append(str(getattr(ns, op)(a, b).dtype))
                    except RuntimeError:
                        results.append("error")
                if results[0] != "error" and results[0] != results[1]:
                    mismatches.append((da, db, shape_a, *results))
    assert not mismatches


@needs_torch
def test_gradients_keep_each_input_dtype_under_zero_dim_promotion():
    grads = []
    for ns in (real_torch, nbt):
        a = ns.tensor([0.5, 1.0, 2.0], requires_grad=True)
        b = ns.tensor(2.0, dtype=ns.float64, requires_grad=True)
        y = (a * b + b) / b**a
        y.sum().backward()
        assert y.dtype == ns.float32 and a.grad.dtype == ns.float32 and b.grad.dtype == ns.float64
        grads.append((a.grad.tolist(), b.grad.item()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-5)  # float32 rounding
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-6)
