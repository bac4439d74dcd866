"""The peer engines of ``run.py``: micrograd (a ~100-line pure-Python scalar engine) and HIPS autograd (numpy
traced by boxing), each on the workloads of (a)-(e) where it can run them, written the way its own examples are.

Both are on PyPI (``pip install "nbautodiff[bench]"``). A peer that is not installed is left out of the run
and the table says so; a peer that cannot run a workload (micrograd has no tensors; its recursive topological
sort overflows Python's stack on a long chain) gets its reason in the table instead of a time.
"""

from __future__ import annotations

import math

import numpy as np

try:
    from micrograd.engine import Value
except ImportError:  # pragma: no cover - depends on what is installed
    Value = None
try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # pragma: no cover
    autograd = anp = None

INSTALL = 'pip install "nbautodiff[bench]"  (micrograd and autograd)'


def available() -> dict:
    """{peer: None if it can run, else why not}."""
    return {"micrograd": None if Value is not None else f"not installed: {INSTALL}",
            "autograd": None if autograd is not None else f"not installed: {INSTALL}"}


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("micrograd", "autograd"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def chain(x, n_ops: int, scale: float, tanh):
    """The chain of (a)/(d): ``n_ops`` cheap elementwise ops (mul, add, tanh, sub, repeating), on any engine's x."""
    y = x
    for _ in range(n_ops // 4):
        y = y * scale
        y = y + 0.5
        y = tanh(y)
        y = y - 0.5
    return y


def scalar_mlp_loss(params, xs, tanh):
    """(out - 1)^2 of the scalar MLP of (b): neurons of scalar mul/add, ``tanh`` on the hidden layers. Every engine
    of (b) runs this same code on its own scalars (0-d tensors, micrograd Values, autograd's boxed floats)."""
    h = xs
    last = len(params) - 1
    for li, (W, B) in enumerate(params):
        out = []
        for row, b in zip(W, B):
            act = b
            for w, xi in zip(row, h):
                act = act + w * xi
            out.append(act if li == last else tanh(act))
        h = out
    return (h[0] - 1.0) ** 2


# ---------------------------------------------------------------------------------------------- micrograd
def mg_tanh(v):
    """tanh for micrograd's Value, written as its own ops are (micrograd 0.1.0 has relu but no tanh)."""
    t = math.tanh(v.data)
    out = Value(t, (v,), "tanh")

    def _backward():
        v.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


def mg_scalar_mlp(layers, x_in):
    """(b) with micrograd: every weight a Value; returns a function that runs forward + backward."""
    params = [([[Value(w) for w in row] for row in W], [Value(b) for b in B]) for W, B in layers]
    xs = [Value(v) for v in x_in]
    flat = [p for W, B in params for p in [*sum(W, []), *B]]

    def run():
        for p in flat:
            p.grad = 0
        scalar_mlp_loss(params, xs, mg_tanh).backward()

    return run, lambda: np.array([p.grad for p in flat])


def mg_scalar_chain(n_ops: int, x0: float, scale: float):
    """The chain of (a)/(d) on one scalar: micrograd's backward recurses once per node."""

    def run():
        x = Value(x0)
        chain(x, n_ops, scale, mg_tanh).backward()
        return x.grad

    return run


# ---------------------------------------------------------------------------------------------- autograd
def ag_chain(n_ops: int, x0, scale: float):
    """(a)/(d): the same chain on the float32 4-vector, gradient by autograd.grad."""

    g = autograd.grad(lambda x: anp.sum(chain(x, n_ops, scale, anp.tanh)))
    x = np.array(x0, dtype=np.float32)
    return lambda: g(x)


def ag_scalar_mlp(layers, x_in):
    """(b): the parameters as nested lists of Python floats, the loss written with Python arithmetic and anp.tanh."""
    params = [([list(row) for row in W], list(B)) for W, B in layers]

    g = autograd.grad(lambda params: scalar_mlp_loss(params, x_in, anp.tanh))

    def flat(grads):
        return np.array([v for gW, gB in grads for v in [*sum(gW, []), *gB]], dtype=np.float64)

    return lambda: g(params), lambda: flat(g(params))


def ag_mlp_step(weights, xb, yb, lr: float = 0.1):
    """(c): the MLP's loss in autograd.numpy, its gradient by autograd.grad, SGD by hand; weights stored (out, in)."""
    params = [a.copy() for a in weights]
    n = xb.shape[0]

    def loss(ps):
        h = xb
        k = len(ps) // 2
        for i in range(k):
            h = anp.dot(h, ps[2 * i].T) + ps[2 * i + 1]
            if i < k - 1:
                h = anp.maximum(h, 0.0)
        shifted = h - anp.max(h, axis=1, keepdims=True)
        logp = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        return -anp.mean(logp[np.arange(n), yb])

    g = autograd.value_and_grad(loss)

    def step():
        value, grads = g(params)
        for p, gp in zip(params, grads):
            p -= np.float32(lr) * gp
        return value

    return step, params


def ag_hvp(w, x, v):
    """(e): H(x) v as the gradient of <grad f(x), v>, both by autograd."""

    def f(x):
        return anp.sum(anp.tanh(anp.dot(w, x)) ** 2)

    df = autograd.grad(f)
    hv = autograd.grad(lambda x: anp.dot(df(x), v))
    return lambda: hv(x)
