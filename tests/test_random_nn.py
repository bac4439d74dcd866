"""Random programs (tests/test_random_programs.py's machinery) that also use the products, norms, decompositions and
losses of ops/linalg.py and ops/nn.py, against PyTorch: values and both inputs' gradients must agree (float64)."""

from __future__ import annotations

import pytest

from .conftest import needs_torch
from .test_random_programs import BINARY, SHAPES, UNARY, compare_programs


def F(ns):
    return ns.nn.functional


MY_UNARY = [
    lambda ns, a: ns.linalg.vector_norm(a, 3),
    lambda ns, a: ns.linalg.vector_norm(a, 1, dim=-1, keepdim=True) if a.dim() else a,
    lambda ns, a: ns.linalg.vector_norm(a, float("inf"), dim=0) if a.dim() else a,
    lambda ns, a: ns.linalg.norm(a) + ns.linalg.vector_norm(a, 0.5),
    lambda ns, a: ns.linalg.matrix_norm(a, "nuc") if a.dim() == 2 else a,
    lambda ns, a: ns.linalg.matrix_norm(a, 1, keepdim=True) if a.dim() == 2 else a,
    lambda ns, a: ns.linalg.det(a[:2, :2] + 2 * ns.eye(2, dtype=a.dtype)) if a.dim() == 2 and min(a.shape) > 1 else a,
    lambda ns, a: ns.linalg.pinv(a) if a.dim() == 2 else a,
    lambda ns, a: F(ns).layer_norm(a, a.shape[-1:]) if a.dim() else a,
    lambda ns, a: F(ns).normalize(a, dim=-1) if a.dim() else a,
    lambda ns, a: ns.einsum("...i,...i->...", a, a) if a.dim() else a,
    lambda ns, a: ns.einsum("ij->ji", a) if a.dim() == 2 else a,
    lambda ns, a: ns.kron(a, ns.tensor([1.0, -2.0], dtype=a.dtype)) if a.dim() else a,
    lambda ns, a: a @ a.mT if a.dim() == 2 else a,
    lambda ns, a: ns.tensordot(a, a, dims=a.dim()),
    lambda ns, a: ns.inner(a, a),
    lambda ns, a: F(ns).smooth_l1_loss(a, a.detach() * 0.5, reduction="none", beta=0.3),
    lambda ns, a: F(ns).huber_loss(a, ns.zeros_like(a), reduction="none", delta=0.5),
    lambda ns, a: F(ns).cross_entropy(a, ns.zeros(a.shape[0], dtype=ns.int64), label_smoothing=0.1) if a.dim() == 2
    else a,
    lambda ns, a: F(ns).cross_entropy(a, a.detach().softmax(-1)) if a.dim() == 2 else a,
    lambda ns, a: F(ns).binary_cross_entropy(a.sigmoid(), ns.full_like(a, 0.3), reduction="none"),
]
MY_BINARY = [
    lambda ns, a, b: ns.outer(a.reshape(-1), b.reshape(-1)),
    lambda ns, a, b: ns.einsum("...,...->...", a, b),
    lambda ns, a, b: ns.matmul(a, b) if a.dim() and b.dim() and a.shape[-1] == b.shape[-2 if b.dim() > 1 else 0]
    else a * b,
    lambda ns, a, b: F(ns).mse_loss(a, b) if a.shape == b.shape else a - b,
]


@needs_torch
@pytest.mark.parametrize("block", range(4))
def test_random_programs_with_linalg_and_losses_match_pytorch(block):
    checked, mismatches = compare_programs(range(block * 250, block * 250 + 250), unary=UNARY + MY_UNARY,
                                           binary=BINARY + MY_BINARY, shapes=SHAPES, rng_seed=200 + block)
    assert checked >= 120
    assert not mismatches
