"""Specs of the rows in nbautodiff/engine/ops/elementwise.py."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401

SPECS = {
    # --- arithmetic
    "add": Spec(lambda ns, x, y: x + y, BINARY),
    "sub": Spec(lambda ns, x, y: x - y, BINARY),
    "rsub": Spec(lambda ns, x: 2.5 - x, UNARY),
    "mul": Spec(lambda ns, x, y: x * y, BINARY),
    "div": Spec(lambda ns, x, y: x / y, BINARY, domain=POS),
    "neg": Spec(lambda ns, x: -x, UNARY),
    "pow_scalar": Spec(lambda ns, x: x**3 + x**0.5 + x**0, UNARY, domain=POS, edges=[([0.0, 1.0, 2.0],)]),
    "pow": Spec(lambda ns, x, y: x**y, BINARY, domain=POS, edges=[([0.0, 2.0, 0.0], [2.0, 0.0, 0.0])]),
    "rpow": Spec(lambda ns, x: 2**x, UNARY),
    # --- unary functions
    "exp": Spec(lambda ns, x: x.exp(), UNARY),
    "exp2": Spec(lambda ns, x: x.exp2(), UNARY),
    "atan2": Spec(lambda ns, y, x: ns.atan2(y, x), BINARY, edges=[([1.0, -1.0, 0.0], [0.0, -1.0, 2.0])]),
    "hypot": Spec(lambda ns, x, y: ns.hypot(x, y), BINARY, edges=[([3.0, -1.0], [4.0, 0.0])]),
    "log": Spec(lambda ns, x: x.log(), UNARY, domain=POS, edges=[([0.0, 1.0],)]),
    "log2": Spec(lambda ns, x: x.log2() + ns.log2(x), UNARY, domain=POS, edges=[([0.0, 1.0, 8.0],)]),
    "log10": Spec(lambda ns, x: x.log10() + ns.log10(x), UNARY, domain=POS, edges=[([0.0, 1.0, 100.0],)]),
    "log1p": Spec(lambda ns, x: x.log1p(), UNARY, domain=POS),
    "expm1": Spec(lambda ns, x: x.expm1(), UNARY),
    "sqrt": Spec(lambda ns, x: x.sqrt(), UNARY, domain=POS, edges=[([0.0, 4.0],)]),
    "rsqrt": Spec(lambda ns, x: x.rsqrt(), UNARY, domain=POS),
    "reciprocal": Spec(lambda ns, x: x.reciprocal(), UNARY, domain=POS),
    "abs": Spec(lambda ns, x: x.abs(), UNARY, edges=[([-1.0, 0.0, 2.0],)]),
    "sin": Spec(lambda ns, x: ns.sin(x), UNARY),
    "cos": Spec(lambda ns, x: ns.cos(x), UNARY),
    "tan": Spec(lambda ns, x: ns.tan(x), UNARY, domain=(-1.0, 1.0)),
    "tanh": Spec(lambda ns, x: x.tanh(), UNARY, edges=[([-30.0, 0.0, 30.0],)]),
    "sigmoid": Spec(lambda ns, x: ns.sigmoid(x), UNARY, edges=[([-100.0, 0.0, 2.0, 100.0],)]),
    "relu": Spec(lambda ns, x: fnl(ns).relu(x), UNARY, edges=[([-1.0, 0.0, 2.0],)]),
    "sign": Spec(lambda ns, x: x.sign() * x, UNARY),
    "floor": Spec(lambda ns, x: x.floor() + x, UNARY, domain=(0.1, 0.9)),
    "ceil": Spec(lambda ns, x: x.ceil() + x, UNARY, domain=(0.1, 0.9)),
    "round": Spec(lambda ns, x: x.round() + x, UNARY, domain=(0.1, 0.4)),
    # --- max / min / clamp / where
    "maximum": Spec(lambda ns, x, y: ns.maximum(x, y), BINARY, edges=[([1.0, 2.0, 3.0], [1.0, 0.0, 3.0])]),
    "minimum": Spec(lambda ns, x, y: ns.minimum(x, y), BINARY, edges=[([1.0, 2.0, 3.0], [1.0, 0.0, 3.0])]),
    "clamp": Spec(lambda ns, x: x.clamp(-0.5, 0.5) + x.clamp(min=0.1) + x.clamp(max=0.2), UNARY,
                  edges=[([-0.5, 0.5, 0.1, 0.2, 0.0],)]),
    "where": Spec(lambda ns, x, y: ns.where(x > 0, x, y), BINARY),
    "masked_fill": Spec(lambda ns, x: x.masked_fill(x > 0.5, 2.0), UNARY),
    "masked_fill_tensor": Spec(lambda ns, x, v: x.masked_fill(x > 0.5, v), [((3, 4), ()), ((), ())]),
    "remainder_scalar": Spec(lambda ns, x: x % 1.5, UNARY, edges=[([-2.0, -0.5, 0.5, 3.0],)]),
    # PyTorch has no derivative for the divisor (it raises); ours is -floor(x / y), checked by differences
    "remainder": Spec(lambda ns, x, y: ns.remainder(x, y), BINARY, domain=POS, torch=False),
    "fmod_scalar": Spec(lambda ns, x: ns.fmod(x, 1.5), UNARY, edges=[([-2.0, -0.5, 0.5, 3.0],)]),
    "fmod": Spec(lambda ns, x, y: ns.fmod(x, y), BINARY, domain=POS, torch=False),
}
