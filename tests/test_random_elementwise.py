"""Random programs (tests/test_random_programs.py) with the elementwise functions and activations in the mix: values
and both inputs' gradients against PyTorch (float64), so the new rows meet each other's and the old rows' edge cases
(zeros after relu, ties after clamp, broadcasting)."""

from __future__ import annotations

import pytest

from .conftest import needs_torch
from .test_random_programs import BINARY, SHAPES, UNARY, compare_programs


def fnl(ns):
    return ns.nn.functional


MY_UNARY = [
    lambda ns, a: ns.asin(ns.tanh(a) * 0.9),
    lambda ns, a: a.clamp(-0.9, 0.9).acos(),
    lambda ns, a: a.atan() + ns.sinh(a.clamp(-3, 3)) - a.clamp(-3, 3).cosh(),
    lambda ns, a: ns.asinh(a) + ns.acosh(a.abs() + 1.1) + ns.atanh(ns.tanh(a) * 0.9),
    lambda ns, a: ns.erf(a) + a.erfc() * 0.5,
    lambda ns, a: ns.erfinv(ns.tanh(a) * 0.9),
    lambda ns, a: ns.sinc(a) + ns.deg2rad(a) + a.rad2deg() * 0.01,
    lambda ns, a: a.sgn() * a + a.trunc() + a.frac(),
    lambda ns, a: ns.nan_to_num(a.log(), neginf=-5.0),
    lambda ns, a: ns.logit(ns.sigmoid(a)) + ns.logit(ns.sigmoid(a), eps=0.3),
    lambda ns, a: ns.xlogy(a, a.abs() + 0.5) + ns.xlogy(a, 2.0) + ns.xlogy(2.0, a.abs() + 0.1),
    lambda ns, a: ns.logaddexp(a, a * 2) + ns.logaddexp2(a, -a),
    lambda ns, a: ns.lerp(a, a * a, 0.3) + a.lerp(-a, 0.8),
    lambda ns, a: ns.addcmul(a, a, a, value=0.5) + ns.addcdiv(a, a, a.abs() + 1, value=2),
    lambda ns, a: a.clamp_min(0.1) + a.clamp_max(-0.1) + ns.clamp(a, a * 0.5 - 0.1, a * 0.5 + 0.1),
    lambda ns, a: ns.float_power(a, 2).float().double(),
    lambda ns, a: ns.div(a, 0.3, rounding_mode="floor") + a.div(0.3, rounding_mode="trunc") * a,
    lambda ns, a: fnl(ns).gelu(a) + fnl(ns).gelu(a, approximate="tanh"),
    lambda ns, a: fnl(ns).silu(a) + fnl(ns).mish(a),
    lambda ns, a: fnl(ns).softplus(a, beta=2, threshold=1) + fnl(ns).logsigmoid(a),
    lambda ns, a: fnl(ns).elu(a, 0.5) + fnl(ns).selu(a) + fnl(ns).celu(a, 2.0),
    lambda ns, a: fnl(ns).leaky_relu(a, 0.2) + fnl(ns).leaky_relu(a * 1, inplace=True),
    lambda ns, a: fnl(ns).hardtanh(a * 2) + fnl(ns).relu6(a * 6),
    lambda ns, a: fnl(ns).hardsigmoid(a * 4) + fnl(ns).hardswish(a * 4),
    lambda ns, a: fnl(ns).threshold(a, 0.1, 2.0) + fnl(ns).hardshrink(a, 0.3) + fnl(ns).softshrink(a, 0.3),
    lambda ns, a: fnl(ns).softsign(a) + fnl(ns).tanhshrink(a),
    lambda ns, a: fnl(ns).elu_(a * 1) + fnl(ns).celu(a * 1, inplace=True),
]
MY_BINARY = [
    lambda ns, a, b: ns.xlogy(a.abs(), b.abs() + 0.1),
    lambda ns, a, b: ns.logaddexp(a, b),
    lambda ns, a, b: ns.lerp(a, b, 0.25) + ns.lerp(a, b, b.sigmoid()),
    lambda ns, a, b: ns.addcmul(a, a, b) + ns.addcdiv(a, b, a.abs() + 1),
    lambda ns, a, b: ns.clamp(a, b - 0.2, b + 0.2),
    lambda ns, a, b: ns.clamp_min(a, b) + ns.clamp_max(a, b * 0.5),
    lambda ns, a, b: ns.fmod(a, b.abs() + 0.5) + a % (b.abs() + 0.5),
]


@needs_torch
@pytest.mark.parametrize("block", range(6))
def test_random_programs_with_elementwise_functions_match_pytorch(block):
    checked, mismatches = compare_programs(range(10_000 + block * 250, 10_000 + block * 250 + 250),
                                           unary=UNARY + MY_UNARY, binary=BINARY + MY_BINARY, shapes=SHAPES,
                                           rng_seed=block)
    assert checked >= 120
    assert not mismatches
