"""Specs of the rows in nbautodiff/engine/ops/activations.py."""

from nbautodiff.engine import OPS
from nbautodiff.engine.ops import apply

from . import UNARY, Spec, fnl

SAME = [((3, 4), (3, 4)), ((), ())]


def _backward(name: str, aten, **params):
    """A backward function's row called directly (what a create_graph=True gradient records: PyTorch's
    *BackwardBackward0 node); on PyTorch ``aten(ns.ops.aten, g, x)``, its aten op."""
    def spec(ns, x, g):
        if ns.__name__ == "torch":
            return aten(ns.ops.aten, g, x)
        return apply(OPS[name], (g, x), params)
    return spec


EDGES = [([-30.0, -1.0, 0.0, 1.0, 30.0],)]
PIECES = (-4.0, 4.0)  # hardsigmoid, hardswish: both bends at ±3

SPECS = {
    "gelu": Spec(lambda ns, x: fnl(ns).gelu(x) + fnl(ns).gelu(x * 2, approximate="tanh"), UNARY, edges=EDGES),
    "silu": Spec(lambda ns, x: fnl(ns).silu(x), UNARY, edges=EDGES),
    "mish": Spec(lambda ns, x: fnl(ns).mish(x), UNARY, edges=EDGES),
    # beta x > threshold: x itself, gradient 1 (the boundary takes the log1p side)
    "softplus": Spec(lambda ns, x: fnl(ns).softplus(x) + fnl(ns).softplus(x, beta=2, threshold=1), UNARY,
                     edges=[([0.4, 0.5, 0.6, -30.0, 30.0],)]),
    "logsigmoid": Spec(lambda ns, x: fnl(ns).logsigmoid(x), UNARY, edges=[([-800.0, 0.0, 800.0],)]),
    # at 0 the negative side's slope: alpha (selu: alpha * scale)
    "elu": Spec(lambda ns, x: fnl(ns).elu(x) + fnl(ns).elu(x, alpha=0.5) + fnl(ns).selu(x) + ns.selu(x), UNARY,
                edges=EDGES),
    "elu_inplace": Spec(lambda ns, x: fnl(ns).elu_(x * 1, 0.5), UNARY, edges=EDGES),  # (selu_: a plain test)
    "celu": Spec(lambda ns, x: fnl(ns).celu(x, alpha=2.0) + ns.celu(x), UNARY, edges=EDGES),
    "celu_inplace": Spec(lambda ns, x: fnl(ns).celu(x * 1, 2.0, inplace=True), UNARY, edges=EDGES),
    "leaky_relu": Spec(lambda ns, x: fnl(ns).leaky_relu(x, 0.2) + fnl(ns).leaky_relu(x), UNARY, edges=EDGES),
    # eval mode (the mean slope), and training with lower == upper (no draw); the drawn slopes: tests/test_nn_more.py
    "rrelu_with_noise": Spec(lambda ns, x: fnl(ns).rrelu(x, 0.1, 0.3) + fnl(ns).rrelu(x * 2, 0.2, 0.2, training=True),
                             UNARY, edges=EDGES),
    "rrelu_with_noise_inplace": Spec(lambda ns, x: fnl(ns).rrelu(x * 1, 0.1, 0.3, inplace=True), UNARY, edges=EDGES),
    "leaky_relu_inplace": Spec(lambda ns, x: fnl(ns).leaky_relu(x * 1, 0.2, inplace=True), UNARY, edges=EDGES),
    # the gradient is 0 at the bounds themselves (relu6 at 0 and 6)
    "hardtanh": Spec(lambda ns, x: fnl(ns).hardtanh(x) + fnl(ns).relu6(x * 4) + fnl(ns).hardtanh_(x * 1, -0.5, 0.5),
                     UNARY, edges=[([-1.0, 0.0, 1.0, 1.5, 0.25, -0.5, 0.5, 2.0],)]),
    # PyTorch has no second derivative: backward through its backward raises (a plain test)
    "hardsigmoid": Spec(lambda ns, x: fnl(ns).hardsigmoid(x), UNARY, domain=PIECES,
                        edges=[([-4.0, -3.0, 0.0, 3.0, 4.0],)], second_order=False),
    "hardswish": Spec(lambda ns, x: fnl(ns).hardswish(x), UNARY, domain=PIECES, edges=[([-4.0, -3.0, 0.0, 3.0, 4.0],)]),
    "threshold": Spec(lambda ns, x: fnl(ns).threshold(x, 0.1, 2.0) + ns.threshold(x, -0.5, -1.0), UNARY,
                      edges=[([0.1, 0.0, 1.0, -0.5],)]),
    "threshold_inplace": Spec(lambda ns, x: fnl(ns).threshold_(x * 1, 0.1, 2.0), UNARY, edges=[([0.1, 0.0, 1.0],)]),
    "hardshrink": Spec(lambda ns, x: fnl(ns).hardshrink(x) + x.hardshrink(0.2), UNARY,
                       edges=[([-0.5, 0.5, 0.0, 1.0, 0.2, -0.2],)]),
    "softshrink": Spec(lambda ns, x: fnl(ns).softshrink(x) + fnl(ns).softshrink(x, 0.2), UNARY,
                       edges=[([-0.5, 0.5, 0.0, 1.0, 0.2, -0.2],)]),
    # their backward functions, recorded by a create_graph=True gradient (PyTorch's *BackwardBackward0 nodes)
    "gelu_backward": Spec(lambda ns, x, g: _backward("gelu_backward", lambda a, g, x: a.gelu_backward(g, x),
                                                     approximate="none")(ns, x, g)
                          + _backward("gelu_backward", lambda a, g, x: a.gelu_backward(g, x, approximate="tanh"),
                                      approximate="tanh")(ns, x * 2, g), SAME),
    "softplus_backward": Spec(_backward("softplus_backward", lambda a, g, x: a.softplus_backward(g, x, 2.0, 1.0),
                                        beta=2.0, threshold=1.0), SAME, edges=[([0.4, 0.6, -30.0], [1.0, 2.0, -1.0])]),
    "logsigmoid_backward": Spec(_backward("logsigmoid_backward", lambda a, g, x: a.log_sigmoid_backward(
        g, x, a.log_sigmoid_forward(x)[1])), SAME),
    "elu_backward": Spec(_backward("elu_backward", lambda a, g, x: a.elu_backward(g, 0.5, 1.5, 2.0, False, x),
                                   alpha=0.5, scale=1.5, input_scale=2.0), SAME,
                         edges=[([-1.0, 0.0, 1.0], [1.0, 2.0, -1.0])]),
    "hardswish_backward": Spec(_backward("hardswish_backward", lambda a, g, x: a.hardswish_backward(g, x)), SAME,
                               domain=PIECES, edges=[([-4.0, -3.0, 0.0, 3.0, 4.0], [1.0, 2.0, -1.0, 1.0, 1.0])]),
    "leaky_relu_backward": Spec(_backward("leaky_relu_backward", lambda a, g, x: a.leaky_relu_backward(
        g, x, 0.2, False), negative_slope=0.2), SAME, edges=[([-1.0, 0.0, 1.0], [1.0, 2.0, -1.0])]),
    "rrelu_with_noise_backward": Spec(_backward("rrelu_with_noise_backward", lambda a, g, x: (
        a.rrelu_with_noise_backward(g, x, x.detach() * 0 + 1, 0.1, 0.3, False, False)), noise=None, slope=0.2), SAME,
        edges=[([-1.0, 0.0, 1.0], [1.0, 2.0, -1.0])]),
    "hardtanh_backward": Spec(_backward("hardtanh_backward", lambda a, g, x: a.hardtanh_backward(g, x, -1.0, 1.0),
                                        min_val=-1.0, max_val=1.0), SAME,
                              edges=[([-1.0, 0.0, 1.0, 1.5], [1.0, 2.0, -1.0, 3.0])]),
    "threshold_backward_of_input": Spec(_backward("threshold_backward_of_input", lambda a, g, x: a.threshold_backward(
        g, x, 0.1), threshold=0.1), SAME, edges=[([0.1, 0.0, 1.0], [1.0, 2.0, -1.0])]),
    "hardshrink_backward": Spec(_backward("hardshrink_backward", lambda a, g, x: a.hardshrink_backward(g, x, 0.5),
                                          lambd=0.5), SAME, edges=[([-0.5, 0.5, 0.0, 1.0], [1.0, 2.0, -1.0, 3.0])]),
    "softshrink_backward": Spec(_backward("softshrink_backward", lambda a, g, x: a.softshrink_backward(g, x, 0.2),
                                          lambd=0.2), SAME, edges=[([-0.5, 0.2, 0.0, 1.0], [1.0, 2.0, -1.0, 3.0])]),
}
