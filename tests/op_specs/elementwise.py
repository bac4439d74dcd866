"""Specs of the rows in nbautodiff/engine/ops/elementwise.py, special.py and division.py."""

import numpy as np  # noqa: F401

from nbautodiff.engine import OPS
from nbautodiff.engine.ops import apply

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401
from .losses import _w

NAN, INF = float("nan"), float("inf")
TERNARY = [((3, 4), (4,), (3, 1)), ((), (), ())]
UNIT = (-0.9, 0.9)
SAME = [((3, 4), (3, 4)), ((), ())]


def _backward_fn(ns, name, g, out):
    """A backward function row (what a create_graph=True gradient records) called directly; on PyTorch its aten op."""
    if ns.__name__ == "torch":
        fn = getattr(ns.ops.aten, name)
        return fn(g, out, 0) if name == "threshold_backward" else fn(g, out)
    return apply(OPS[name], (g, out))

SPECS = {
    # --- arithmetic
    "add": Spec(lambda ns, x, y: x + y, BINARY),
    "sub": Spec(lambda ns, x, y: x - y, BINARY),
    "rsub": Spec(lambda ns, x: 2.5 - x, UNARY),
    "rsub_tensor": Spec(lambda ns, x, y: ns.rsub(x, y), BINARY),
    "number_sub": Spec(lambda ns, x: ns.sub(2.5, x), UNARY),
    # alpha scales inside one node (PyTorch's fused add kernel)
    "add_alpha": Spec(lambda ns, x, y: ns.add(x, y, alpha=0.3712345678) * x, BINARY,
                      edges=[([1.5, -2.25, 3.0], [0.1, 7.3, -0.9])]),
    "sub_alpha": Spec(lambda ns, x, y: x.sub(y, alpha=-2.5) * y, BINARY, edges=[([1.5, -2.25, 3.0], [0.1, 7.3, -0.9])]),
    "rsub_alpha": Spec(lambda ns, x, y: ns.rsub(x, y, alpha=1.75) * x, BINARY,
                       edges=[([1.5, -2.25, 3.0], [0.1, 7.3, -0.9])]),
    "mul": Spec(lambda ns, x, y: x * y, BINARY),
    "div": Spec(lambda ns, x, y: x / y, BINARY, domain=POS),
    # rounded quotients: zero gradients (DivBackward2), floor and trunc differ below 0
    "div_rounding": Spec(lambda ns, x, y: ns.div(x, y, rounding_mode="floor") * x + x.div(1.5, rounding_mode="trunc"),
                         BINARY, domain=POS, edges=[([-3.5, 3.5, -4.0, 1.0], [2.0, -2.0, 2.0, 3.0])]),
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
    # their backward functions, recorded by a create_graph=True gradient (PyTorch's *BackwardBackward0 nodes)
    "tanh_backward": Spec(lambda ns, x, g: _backward_fn(ns, "tanh_backward", g, x.tanh()), SAME,
                          edges=[([-3.0, 0.0, 0.5], [1.0, 2.0, -1.0])]),
    "sigmoid_backward": Spec(lambda ns, x, g: _backward_fn(ns, "sigmoid_backward", g, ns.sigmoid(x)), SAME,
                             edges=[([-3.0, 0.0, 0.5], [1.0, 2.0, -1.0])]),
    "threshold_backward": Spec(lambda ns, x, g: _backward_fn(ns, "threshold_backward", g, fnl(ns).relu(x)), SAME,
                               edges=[([-1.0, 0.0, 2.0], [1.0, 2.0, -1.0])]),
    "sign": Spec(lambda ns, x: x.sign() * x, UNARY),
    "floor": Spec(lambda ns, x: x.floor() + x, UNARY, domain=(0.1, 0.9)),
    "ceil": Spec(lambda ns, x: x.ceil() + x, UNARY, domain=(0.1, 0.9)),
    "round": Spec(lambda ns, x: x.round() + x, UNARY, domain=(0.1, 0.4)),
    "round_decimals": Spec(lambda ns, x: ns.round(x, decimals=1) * x + x.round(decimals=-1), UNARY, domain=(0.11, 0.14),
                           edges=[([1.25, -2.35, 15.0, 25.0, 3.3e38],)]),
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
    "remainder": Spec(lambda ns, x, y: ns.remainder(x, y), BINARY, domain=POS,
                      edges=[([-2.5, -0.25, 0.75, 3.5], [1.5, 0.5, 2.0, 1.25])]),
    "fmod_scalar": Spec(lambda ns, x: ns.fmod(x, 1.5), UNARY, edges=[([-2.0, -0.5, 0.5, 3.0],)]),
    "fmod": Spec(lambda ns, x, y: ns.fmod(x, y), BINARY, domain=POS,
                 edges=[([-2.5, -0.25, 0.75, 3.5], [1.5, 0.5, 2.0, 1.25])]),
    # --- clamp by tensors and clamp_min / clamp_max: ties pass the gradient to x; min > max gives max
    "clamp_tensor": Spec(lambda ns, x, lo, hi: ns.clamp(x, lo, hi) + ns.clamp(x, min=lo) + x.clamp(max=hi), TERNARY,
                         edges=[([0.3, -0.2, 0.0, 1.0, 0.5, NAN], [0.3, 0.0, -1.0, 0.0, 0.5, 0.0],
                                 [0.3, 0.1, -2.0, 2.0, 0.4, 1.0])]),
    "clamp_min_scalar": Spec(lambda ns, x: ns.clamp_min(x, 0.1) + x.clamp_min(-0.5), UNARY,
                             edges=[([0.1, 0.0, 1.0, -0.5, NAN],)]),
    "clamp_min": Spec(lambda ns, x, y: ns.clamp_min(x, y), BINARY, edges=[([1.0, 2.0, 3.0, NAN], [1.0, 0, 4.0, 0])]),
    "clamp_max_scalar": Spec(lambda ns, x: ns.clamp_max(x, 0.1) + x.clamp_max(-0.5), UNARY,
                             edges=[([0.1, 0.0, 1.0, -0.5, NAN],)]),
    "clamp_max": Spec(lambda ns, x, y: ns.clamp_max(x, y), BINARY, edges=[([1.0, 2.0, 3.0, NAN], [1.0, 0, 4.0, 0])]),
    # --- inverse trigonometric and hyperbolic functions (in place, asinh_ & co. have no derivative: a plain test)
    "asin": Spec(lambda ns, x: ns.asin(x) + x.arcsin(), UNARY, domain=UNIT, edges=[([-1.0, 0.0, 0.5, 1.0],)]),
    "acos": Spec(lambda ns, x: ns.acos(x) + ns.arccos(x), UNARY, domain=UNIT, edges=[([-1.0, 0.0, 0.5, 1.0],)]),
    "atan": Spec(lambda ns, x: ns.atan(x) + x.arctan(), UNARY, edges=[([-1e10, 0.0, 1.0],)]),
    "sinh": Spec(lambda ns, x: x.sinh(), UNARY),
    "cosh": Spec(lambda ns, x: ns.cosh(x), UNARY),
    "asinh": Spec(lambda ns, x: ns.asinh(x) + x.arcsinh(), UNARY, edges=[([-3.0, 0.0, 1e10],)]),
    "acosh": Spec(lambda ns, x: ns.acosh(x) + x.arccosh(), UNARY, domain=(1.1, 3.0), edges=[([1.0, 2.0, 0.5],)]),
    "atanh": Spec(lambda ns, x: ns.atanh(x) + x.arctanh(), UNARY, domain=UNIT, edges=[([-1.0, 0.0, 0.5, 1.0, 2.0],)]),
    # --- erf and friends, sinc, degrees
    "erf": Spec(lambda ns, x: ns.erf(x) + x.erf(), UNARY, edges=[([-30.0, -1.0, 0.0, 0.5, 30.0, NAN],)]),
    "erfc": Spec(lambda ns, x: x.erfc(), UNARY, edges=[([-30.0, -1.0, 0.0, 0.5, 5.0, 30.0],)]),
    "erfinv": Spec(lambda ns, x: ns.erfinv(x), UNARY, domain=UNIT,
                   edges=[([-1.0, -0.999, 0.0, 1e-30, 0.5, 1.0, 1.5],)]),
    "sinc": Spec(lambda ns, x: ns.sinc(x), UNARY, edges=[([0.0, 0.5, 1.0, -2.0, 1e-20],)]),
    "deg2rad": Spec(lambda ns, x: ns.deg2rad(x), UNARY, edges=[([180.0, -90.0],)]),
    "rad2deg": Spec(lambda ns, x: x.rad2deg(), UNARY, edges=[([3.14159265, -1.0],)]),
    # --- sgn, trunc (fix), frac: piecewise constant or a shifted identity
    "sgn": Spec(lambda ns, x: x.sgn() * x, UNARY, edges=[([-1.0, 0.0, 2.0],)]),
    "trunc": Spec(lambda ns, x: x.trunc() + ns.fix(x) + x, UNARY, domain=(0.1, 0.9), edges=[([-1.5, -0.5, 0.5, 2.0],)]),
    "frac": Spec(lambda ns, x: x.frac(), UNARY, domain=(0.1, 0.9), edges=[([-1.5, -0.5, 0.5, 2.0],)]),
    # the gradient is multiplied by isfinite(x): 0 at the replaced places
    "nan_to_num": Spec(lambda ns, x: ns.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0) + x.nan_to_num(), UNARY,
                       edges=[([NAN, INF, -INF, 1.0],)]),
    # without eps: inf at 0 and 1, nan outside; with eps: 0 where clamped, the bounds pass
    "logit": Spec(lambda ns, x: ns.logit(x) + x.logit(eps=0.4), UNARY, domain=(0.3, 0.7),
                  edges=[([0.0, 0.25, 0.4, 0.5, 0.6, 1.0, 1.2, -0.1],)]),
    # --- xlogy: 0 where x == 0 (unless y is nan); d/dx is 0 there too when y <= 0
    "xlogy": Spec(lambda ns, x, y: ns.xlogy(x, y), BINARY, domain=POS,
                  edges=[([0.0, 1.0, 0.0, 0.0, -1.0, 0.0], [0.0, 0.0, -1.0, 2.0, 0.0, NAN])]),
    "xlogy_number": Spec(lambda ns, y: ns.xlogy(2.0, y) + ns.xlogy(0.0, y), UNARY, domain=POS,
                         edges=[([0.0, 2.0, -1.0, NAN],)]),
    "xlogy_by_number": Spec(lambda ns, x: ns.xlogy(x, 2.0) + x.xlogy(0.5) + ns.xlogy(x * 0, -1.0), UNARY,
                            edges=[([0.0, 1.0, -1.0],)]),
    # --- torch.special.xlog1py: the same with log1p, masked where y <= -1
    "special_xlog1py": Spec(lambda ns, x, y: ns.special.xlog1py(x, y), BINARY, domain=POS,
                            edges=[([0.0, 1.0, 0.0, 0.0, -1.0, 0.0, 2.0], [0.0, -1.0, -1.0, 2.0, 0.0, NAN, -2.0])]),
    "special_xlog1py_number": Spec(lambda ns, y: ns.special.xlog1py(2.0, y) + ns.special.xlog1py(0.0, y), UNARY,
                                   domain=POS, edges=[([0.0, 2.0, -1.0, NAN, -2.0],)]),
    "special_xlog1py_by_number": Spec(lambda ns, x: ns.special.xlog1py(x, 2.0) + ns.special.xlog1py(x * 0, -1.0)
                                      + x * ns.special.xlog1py(x * 0 + 1, 0.5), UNARY, edges=[([0.0, 1.0, -1.0],)]),
    "logaddexp": Spec(lambda ns, x, y: ns.logaddexp(x, y), BINARY,
                      edges=[([0.0, INF, -INF, 100.0, -INF], [0.0, INF, -INF, -100.0, 1.0])]),
    "logaddexp2": Spec(lambda ns, x, y: x.logaddexp2(y), BINARY,
                       edges=[([0.0, INF, -INF, 100.0, -INF], [0.0, INF, -INF, -100.0, 1.0])]),
    # --- lerp (a number or a tensor weight), addcmul, addcdiv
    "lerp_scalar": Spec(lambda ns, x, y: ns.lerp(x, y, 0.3) + x.lerp(y, 0.8), BINARY),
    "lerp": Spec(lambda ns, x, y, w: ns.lerp(x, y, w), TERNARY, edges=[([1.0, 2.0, 1.0], [3.0, 5.0, 3.0],
                                                                           [0.25, 0.75, 1.0])]),
    "addcmul": Spec(lambda ns, x, a, b: ns.addcmul(x, a, b, value=2.0) + x.addcmul(a, b), TERNARY),
    "addcdiv": Spec(lambda ns, x, a, b: ns.addcdiv(x, a, b, value=-0.5) + x.addcdiv(a, b), TERNARY, domain=POS),
    # --- the gamma family and i0 (away from the poles; PyTorch's values at them are edges)
    "lgamma": Spec(lambda ns, x: ns.lgamma(x) + x.lgamma(), UNARY, domain=(0.3, 3.0),
                   edges=[([-2.5, -0.5, 0.0, 1.0, 2.0, 10.0, INF, NAN],)]),
    "digamma": Spec(lambda ns, x: ns.digamma(x), UNARY, domain=(0.3, 3.0),
                    edges=[([-2.5, -0.5, 0.0, 1.0, 1e-3, 30.0],)]),
    "polygamma": Spec(lambda ns, x: ns.polygamma(1, x) + x.polygamma(2) + ns.polygamma(0, x) * 0.5, UNARY,
                      domain=(0.3, 3.0), edges=[([-2.5, -0.5, 0.5, 1.0, 20.0],)]),
    "mvlgamma": Spec(lambda ns, x: ns.mvlgamma(x, 3) + x.mvlgamma(1), UNARY, domain=(1.2, 4.0),
                     edges=[([1.5, 2.0, 7.25],)]),
    "i0": Spec(lambda ns, x: ns.i0(x) + x.i0(), UNARY, edges=[([0.0, 1.0, -2.0, 30.0],)]),
    "special_i1": Spec(lambda ns, x: ns.special.i1(x), UNARY, edges=[([0.0, 1e-9, -2.0, 31.0, float("nan")],)]),
    # 0 at 0 (its gradient inf), -inf below 0
    "angle": Spec(lambda ns, x: x.angle() * x + ns.angle(x), UNARY, domain=(0.1, 2.0),
                  edges=[([-1.0, 0.0, -0.0, 2.0, NAN],)]),
    "special_entr": Spec(lambda ns, x: ns.special.entr(x) * x, UNARY, domain=POS, edges=[([0.0, 0.5, 1.0, -1.0],)]),
    # --- fmax/fmin (a nan loses; ties go to input), copysign (0 for other), ldexp, frexp's mantissa, nextafter
    "fmax": Spec(lambda ns, x, y: ns.fmax(x, y), BINARY, edges=[([1.0, NAN, 2.0, NAN], [NAN, 3.0, 2.0, NAN])]),
    "fmin": Spec(lambda ns, x, y: x.fmin(y), BINARY, edges=[([1.0, NAN, 2.0, NAN], [NAN, 3.0, 2.0, NAN])]),
    "copysign": Spec(lambda ns, x, y: ns.copysign(x, y), BINARY,
                     edges=[([1.0, -2.0, 0.0, 3.0], [-1.0, 1.0, -0.0, NAN])]),
    "copysign_scalar": Spec(lambda ns, x: ns.copysign(x, -1.5) + x.copysign(2.0), UNARY, edges=[([0.0, -1.0, 2.0],)]),
    "ldexp": Spec(lambda ns, x, e: ns.ldexp(x, e), BINARY),
    "frexp": Spec(lambda ns, x: ns.frexp(x).mantissa + x.frexp()[0], UNARY, domain=(0.55, 0.95),
                  edges=[([0.0, 8.0, -3.0, 1e-3],)]),
    "nextafter": Spec(lambda ns, x, y: ns.nextafter(x, y), BINARY),
    # a tensor and a plain number inside PyTorch's C++ composites (MulBackward1, DivBackward1, AddBackward1,
    # SubBackward1): label smoothing, probability targets, rms_norm, cosine_embedding_loss, trapezoid
    "mul_scalar": Spec(lambda ns, x: fnl(ns).cross_entropy(x, ns.tensor(TARGET), label_smoothing=0.1) + fnl(
        ns).cross_entropy(x, ns.tensor(TARGET), label_smoothing=0.2, weight=_w(ns, x, 0.1, 0.2, 0.3, 0.4),
                          ignore_index=2, reduction="sum") + ns.trapezoid(x, dx=0.5).sum(), [((3, 4),)]),
    "div_scalar": Spec(lambda ns, x, p: fnl(ns).cross_entropy(x, p.softmax(1)) + fnl(ns).cross_entropy(
        x, p.softmax(1), label_smoothing=0.3, weight=_w(ns, x, 0.1, 0.2, 0.3, 0.4)) + ns.trapezoid(x, p).sum(),
                       [((3, 4), (3, 4))]),
    "add_scalar": Spec(lambda ns, x: fnl(ns).rms_norm(x, (4,)), [((3, 4),)]),
    "sub_scalar": Spec(lambda ns, x, y: fnl(ns).cosine_embedding_loss(x, y, ns.tensor([1, -1, -1]), margin=-0.5),
                       [((3, 4), (3, 4))]),
    # --- the nodes of random samples: fixed values here (tests/test_math_api.py checks the draws), zero gradients
    **{name: Spec(lambda ns, x, name=name: _own_apply(name, x, value=np.full(x.shape, 0.5)) * x, UNARY, torch=False)
       for name in ("bernoulli", "poisson", "bernoulli_", "exponential_", "geometric_", "log_normal_", "cauchy_",
                    "random_", "random_to_", "random_from_to_")},
    "bernoulli_tensor_": Spec(lambda ns, x, p: apply(OPS["bernoulli_tensor_"], (x, p), {"value": np.ones(x.shape)})
                              * x * p, SAME, torch=False),
}
