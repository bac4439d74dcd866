"""One table-driven test per op-table row: VJP and JVP against float64 central differences, second
order, and values, gradients and node names against real PyTorch on a normal shape, a () shape and
exact edge values. Every row of the op table must have a spec here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

import nbautodiff.torch as nbt
from nbautodiff.engine import OPS
from nbautodiff.engine.forward import jvp
from nbautodiff.engine.ops import apply

from .conftest import needs_torch, real_torch

F = "nn.functional"


@dataclass
class Spec:
    fn: Callable  # fn(ns, *inputs) with ns = nbautodiff.torch or torch
    shapes: list  # a list of cases, each a tuple of input shapes
    domain: tuple = (-2.0, 2.0)
    edges: list = field(default_factory=list)  # exact inputs (lists) to compare with PyTorch
    second_order: bool = True
    torch: bool = True  # PyTorch has the same call
    eps: float = 1e-6
    exact_name: bool = True  # PyTorch records the same node name


def fnl(ns):
    return ns.nn.functional


TARGET = [0, 2, 1]
UNARY = [((3, 4),), ((),)]
BINARY = [((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), ())]
POS = (0.5, 2.0)

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
    # --- reductions
    "sum": Spec(lambda ns, x: x.sum(), UNARY),
    "sum_dim": Spec(lambda ns, x: x.sum(-1) + x.sum((0, 1), keepdim=True), [((3, 4),)]),
    "mean": Spec(lambda ns, x: x.mean(), UNARY),
    "mean_dim": Spec(lambda ns, x: x.mean(0, keepdim=True) * x.mean(1, keepdim=True), [((3, 4),)]),
    "max": Spec(lambda ns, x: x.max(), UNARY, edges=[([1.0, 3.0, 3.0, 2.0],)]),
    "min": Spec(lambda ns, x: x.min(), UNARY, edges=[([1.0, 1.0, 3.0, 2.0],)]),
    "max_dim": Spec(lambda ns, x: x.max(1)[0] + x.max(0, keepdim=True).values.sum(), [((3, 4),)]),
    "min_dim": Spec(lambda ns, x: x.min(1)[0], [((3, 4),)]),
    "prod": Spec(lambda ns, x: x.prod(), UNARY, edges=[([0.0, 2.0, 3.0],), ([0.0, 0.0, 3.0],)]),
    "prod_dim": Spec(lambda ns, x: x.prod(1), [((3, 4),)], edges=[([[0.0, 2.0], [3.0, 4.0]],)]),
    "norm": Spec(lambda ns, x: x.norm() + x.norm(dim=-1).sum() + x.norm(p=1) + x.norm(p=3), [((3, 4),), ((5,),)],
                 edges=[([0.0, 0.0, 0.0],)]),
    "logsumexp": Spec(lambda ns, x: x.logsumexp(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 1000.0, -1000.0],)]),
    "softmax": Spec(lambda ns, x: x.softmax(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 0.0, -1000.0],)]),
    "log_softmax": Spec(lambda ns, x: x.log_softmax(-1), [((3, 4),), ((4,),)], edges=[([1000.0, 0.0, -1000.0],)]),
    "var": Spec(lambda ns, x: x.var() + x.var(1, keepdim=True).sum() + x.var(0, unbiased=False).sum(), [((3, 4),)]),
    "std": Spec(lambda ns, x: x.std() + x.std(1).sum() + x.std(0, correction=0).sum(), [((3, 4),)]),
    "cumsum": Spec(lambda ns, x: x.cumsum(1), [((3, 4),)]),
    "gather": Spec(lambda ns, x: x.gather(1, ns.tensor([[0, 0], [3, 1], [2, 2]])), [((3, 4),)]),
    "index_select": Spec(lambda ns, x: x.index_select(-1, ns.tensor([3, 0, 3])), [((3, 4),), ((4,),)]),
    "flip": Spec(lambda ns, x: x.flip(0) * 1 + ns.flip(x, (-1,)), [((3, 4),), ((4,),)]),
    "roll": Spec(lambda ns, x: x.roll(1, 0) + x.roll((1, -2), (0, 1)) + x.roll(3), [((3, 4),)]),
    "repeat": Spec(lambda ns, x: x.repeat(2, 1, 3), [((3, 4),), ((),)]),
    "amax": Spec(lambda ns, x: x.amax(-1), UNARY, edges=[([1.0, 3.0, 3.0, 2.0],), ([[1.0, 1.0], [0.0, 2.0]],)]),
    "amin": Spec(lambda ns, x: x.amin() + x.amin(0).sum() * 0.5, UNARY, edges=[([1.0, 1.0, 3.0, 2.0],)]),
    # --- shapes
    "reshape": Spec(lambda ns, x: x.reshape(2, 6) * 1 + x.view(-1, 2).flatten().view(2, 6), [((3, 4),)]),
    "transpose": Spec(lambda ns, x: x.transpose(0, 1), [((3, 4),), ((2, 3, 4),)]),
    "permute": Spec(lambda ns, x: x.permute(2, 0, 1) * 1 + x.permute(2, 1, 0).permute(0, 2, 1), [((2, 3, 4),)]),
    "t": Spec(lambda ns, x: x.t(), [((3, 4),), ((4,),)]),
    "squeeze": Spec(lambda ns, x: x.unsqueeze(0).squeeze(), [((3, 4),)]),
    "squeeze_dim": Spec(lambda ns, x: x.unsqueeze(1).squeeze(1), [((3, 4),)]),
    "squeeze_dims": Spec(lambda ns, x: x.unsqueeze(0).unsqueeze(2).squeeze((0, 2)), [((3, 4),)]),
    "squeeze_matmul": Spec(lambda ns, x, y: x @ y, [((4,), (4, 3)), ((4,), (2, 4, 3))], exact_name=False),
    "unsqueeze": Spec(lambda ns, x: x.unsqueeze(-1), UNARY),
    "expand": Spec(lambda ns, x: x.expand(3, 4) * 1 + ns.broadcast_to(x, (3, 4)), [((4,),), ((1, 4),)]),
    "select": Spec(lambda ns, x: x[1] * 1 + x[:, 2].sum() + x[-1, 0], [((3, 4),)]),
    "slice": Spec(lambda ns, x: x[1:3] * 1 + x[:, 1:4:2].sum() + x[...][0:2].sum(), [((3, 4),)]),
    "index": Spec(lambda ns, x: x[[0, 2, 0]] * 1 + x[x > 0].sum(), [((3, 4),)]),
    "index_put": Spec(lambda ns, x, v: _setitem(x, v), [((3, 4), (4,))]),
    "embed": Spec(lambda ns, x: _own_apply("embed", x, key=(slice(None), 1), in_shape=(3, 4)), [((3,),)], torch=False),
    "embed_add": Spec(lambda ns, x: _own_apply("embed_add", x, key=(np.array([0, 2, 0]),), in_shape=(4,)), [((3,),)],
                      torch=False),
    "split": Spec(lambda ns, x: _pieces(x.split(1)) + _pieces(x.chunk(2, 1)), [((3, 4),)]),
    "split_with_sizes": Spec(lambda ns, x: _pieces(x.split([1, 2])), [((3, 4),)]),
    "unbind": Spec(lambda ns, x: _pieces(x.unbind(1)) + _pieces(list(x)), [((4, 4),)]),
    "cat": Spec(lambda ns, x, y: ns.cat([x, y], 0) * 1 + ns.cat([x, x], 1).sum(), [((2, 4), (3, 4))]),
    "stack": Spec(lambda ns, x, y: ns.stack([x, y], 1), [((3, 4), (3, 4))]),
    "clone": Spec(lambda ns, x: x.clone(), UNARY),
    "to_dtype": Spec(lambda ns, x: x.float(), UNARY, eps=1e-3),
    "copy_": Spec(lambda ns, x, y: (x * 1).copy_(y), [((3, 4), (4,))]),
    # --- products
    "dot": Spec(lambda ns, x, y: x.dot(y) + x @ y, [((4,), (4,))]),
    "mv": Spec(lambda ns, x, y: x.mv(y) + x @ y, [((3, 4), (4,))]),
    "mm": Spec(lambda ns, x, y: x.mm(y) + x @ y, [((3, 4), (4, 2))]),
    "bmm": Spec(lambda ns, x, y: ns.bmm(x, y), [((2, 3, 4), (2, 4, 5))]),
    "addmm": Spec(lambda ns, x, w, b: fnl(ns).linear(x, w, b), [((3, 4), (5, 4), (5,))]),
    # torch.linalg: A made diagonally dominant (well conditioned) from the random input
    "linalg_solve": Spec(lambda ns, a, b: ns.linalg.solve(a + 3 * ns.eye(3, dtype=a.dtype), b),
                         [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3, 1))]),
    "linalg_inv": Spec(lambda ns, a: ns.linalg.inv(a + 3 * ns.eye(3, dtype=a.dtype)) + ns.inverse(
        a.t() + 4 * ns.eye(3, dtype=a.dtype)), [((3, 3),)]),
    "linalg_lstsq": Spec(lambda ns, a, b: ns.linalg.lstsq(a, b).solution, [((5, 3), (5, 2)), ((6, 2), (6,))]),
    # --- losses
    "nll_loss": Spec(lambda ns, x: fnl(ns).nll_loss(x.log_softmax(1), ns.tensor(TARGET)), [((3, 4),)]),
    "mse_loss": Spec(lambda ns, x, y: fnl(ns).mse_loss(x, y), [((3, 4), (3, 4))]),
}


def _pieces(parts):
    """Use every output of a multi-output op (one of them twice) and leave one out."""
    out = parts[0] * parts[-1] + parts[0]
    return out.sum() if len(parts) < 3 else out.sum() + parts[1].sum()


def _setitem(x, v):
    y = x * 1
    y[1] = v
    return y


def _own_apply(name, x, **params):
    return apply(OPS[name], (x,), params)


# ----------------------------------------------------------------------------- helpers
def _inputs(spec, shapes, rng, dtype=np.float64):
    lo, hi = spec.domain
    return [rng.uniform(lo, hi, size=s).astype(dtype) for s in shapes]


def _leaves(arrays):
    return [nbt.tensor(a, requires_grad=True) for a in arrays]


def _f64(fn):
    def run(*arrays):
        with nbt.no_grad():
            return fn(nbt, *[nbt.tensor(a) for a in arrays]).numpy().astype(np.float64)

    return run


def numerical_vjp(f, arrays, v, eps):
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            g[idx] = np.sum((f(*plus) - f(*minus)) * v) / (2 * eps)
        grads.append(g)
    return grads


def _cases():
    for name, spec in SPECS.items():
        for shapes in spec.shapes:
            yield pytest.param(name, shapes, id=f"{name}-{'x'.join(map(str, shapes))}")


def test_every_op_has_a_spec():
    assert sorted(OPS) == sorted(SPECS), "add a Spec line for each new op-table row"


def test_every_row_is_complete():
    for op in OPS.values():
        assert op.node_name and op.forward and op.vjp and op.jvp, op


# ----------------------------------------------------------------------------- first order
@pytest.mark.parametrize("name, shapes", list(_cases()))
def test_vjp_matches_central_differences(name, shapes, rng):
    spec = SPECS[name]
    arrays = _inputs(spec, shapes, rng)
    xs = _leaves(arrays)
    out = spec.fn(nbt, *xs)
    v = rng.standard_normal(out.shape)
    grads = nbt.autograd.grad(out, xs, grad_outputs=nbt.tensor(v), allow_unused=True)
    expected = numerical_vjp(_f64(spec.fn), arrays, v, spec.eps)
    for g, e in zip(grads, expected):
        got = np.zeros_like(e) if g is None else g.numpy()
        np.testing.assert_allclose(got, e, rtol=1e-5, atol=1e-6 if spec.eps < 1e-4 else 1e-3)


@pytest.mark.parametrize("name, shapes", list(_cases()))
def test_jvp_matches_numerical_jvp(name, shapes, rng):
    spec = SPECS[name]
    arrays = _inputs(spec, shapes, rng)
    tangents = [rng.standard_normal(a.shape) for a in arrays]
    out, tangent = jvp(lambda *xs: spec.fn(nbt, *xs), [nbt.tensor(a) for a in arrays],
                       [nbt.tensor(t) for t in tangents])
    f = _f64(spec.fn)
    eps = spec.eps
    expected = (f(*[a + eps * t for a, t in zip(arrays, tangents)])
                - f(*[a - eps * t for a, t in zip(arrays, tangents)])) / (2 * eps)
    np.testing.assert_allclose(out.numpy(), f(*arrays), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-5, atol=1e-6 if eps < 1e-4 else 1e-3)


@pytest.mark.parametrize("name, shapes", list(_cases()))
def test_forward_and_reverse_mode_agree(name, shapes, rng):
    """uᵀ(J t) computed by the JVP equals (Jᵀu)ᵀ t computed by the VJP."""
    spec = SPECS[name]
    arrays = _inputs(spec, shapes, rng)
    tangents = [rng.standard_normal(a.shape) for a in arrays]
    xs = _leaves(arrays)
    out = spec.fn(nbt, *xs)
    u = rng.standard_normal(out.shape)
    grads = nbt.autograd.grad(out, xs, grad_outputs=nbt.tensor(u), allow_unused=True)
    vjp_side = sum(float(np.sum(g.numpy() * t)) for g, t in zip(grads, tangents) if g is not None)
    _, tangent = jvp(lambda *a: spec.fn(nbt, *a), [nbt.tensor(a) for a in arrays], [nbt.tensor(t) for t in tangents])
    tol = 1e-9 if out.dtype is nbt.float64 else 1e-5  # x.float() rounds to float32
    np.testing.assert_allclose(float(np.sum(tangent.numpy() * u)), vjp_side, rtol=tol, atol=tol)


# ----------------------------------------------------------------------------- second order
@pytest.mark.parametrize("name, shapes", list(_cases()))
def test_second_order_matches_central_differences(name, shapes, rng):
    """d/dx [vᵀ J(x)]·w against differences of the first-order gradient (create_graph=True)."""
    spec = SPECS[name]
    arrays = _inputs(spec, shapes, rng)
    xs = _leaves(arrays)
    out = spec.fn(nbt, *xs)
    v = nbt.tensor(rng.standard_normal(out.shape))
    grads = nbt.autograd.grad(out, xs, grad_outputs=v, create_graph=True, allow_unused=True)
    ws = [rng.standard_normal(a.shape) for a in arrays]
    total = sum((g * nbt.tensor(w)).sum() for g, w in zip(grads, ws) if g is not None and g.requires_grad)
    if isinstance(total, nbt.Tensor):
        second = nbt.autograd.grad(total, xs, allow_unused=True)
    else:  # the gradient doesn't depend on the inputs (a linear op): its derivative must be zero
        second = [None] * len(xs)

    def first_order_dot_w(*arrs):
        ts = _leaves(arrs)
        gs = nbt.autograd.grad(spec.fn(nbt, *ts), ts, grad_outputs=v, allow_unused=True)
        return np.asarray(sum(float(np.sum(g.numpy() * w)) for g, w in zip(gs, ws) if g is not None))

    expected = numerical_vjp(first_order_dot_w, arrays, np.asarray(1.0), 1e-5)
    for g, e in zip(second, expected):
        got = np.zeros_like(e) if g is None else g.numpy()
        np.testing.assert_allclose(got, e, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- against PyTorch
def _run_both(spec, arrays, v_seed=1):
    ours = [nbt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [real_torch.tensor(a, requires_grad=True) for a in arrays]
    o_out = spec.fn(nbt, *ours)
    t_out = spec.fn(real_torch, *theirs)
    v = np.random.default_rng(v_seed).standard_normal(tuple(t_out.shape)).astype(arrays[0].dtype)
    o_grads = nbt.autograd.grad(o_out, ours, grad_outputs=nbt.tensor(v), allow_unused=True)
    t_grads = real_torch.autograd.grad(t_out, theirs, grad_outputs=real_torch.tensor(v), allow_unused=True)
    return o_out, t_out, o_grads, t_grads


def _compare(o_out, t_out, o_grads, t_grads, rtol=1e-5, atol=1e-6):
    assert o_out.dtype.name == str(t_out.dtype).removeprefix("torch.")
    assert tuple(o_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)
    for og, tg in zip(o_grads, t_grads):
        if tg is None:
            assert og is None or not np.any(og.numpy())
            continue
        assert og is not None
        assert og.dtype.name == str(tg.dtype).removeprefix("torch.")
        np.testing.assert_allclose(og.numpy(), tg.numpy(), rtol=rtol, atol=atol, equal_nan=True)


TORCH_CASES = [p for p in _cases() if SPECS[p.values[0]].torch]


@needs_torch
@pytest.mark.parametrize("name, shapes", TORCH_CASES)
def test_matches_pytorch_float32(name, shapes, rng):
    spec = SPECS[name]
    arrays = _inputs(spec, shapes, rng, np.float32)
    o_out, t_out, o_grads, t_grads = _run_both(spec, arrays)
    _compare(o_out, t_out, o_grads, t_grads)
    if spec.exact_name:
        assert type(o_out.grad_fn).__name__ == type(t_out.grad_fn).__name__


EDGE_CASES = [pytest.param(n, e, id=f"{n}-edge{i}") for n, s in SPECS.items() for i, e in enumerate(s.edges)]


@needs_torch
@pytest.mark.parametrize("name, values", EDGE_CASES)
def test_matches_pytorch_on_edge_values(name, values):
    spec = SPECS[name]
    arrays = [np.asarray(v, dtype=np.float32) for v in values]
    _compare(*_run_both(spec, arrays))


@needs_torch
@pytest.mark.parametrize("name, shapes", [p for p in TORCH_CASES if p.values[0] != "to_dtype"])
def test_second_order_matches_pytorch(name, shapes, rng):
    spec = SPECS[name]
    arrays = _inputs(spec, shapes, rng)
    results = []
    for ns in (nbt, real_torch):
        xs = [ns.tensor(a, requires_grad=True) for a in arrays]
        out = spec.fn(ns, *xs)
        v = ns.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)))
        grads = ns.autograd.grad(out, xs, grad_outputs=v, create_graph=True, allow_unused=True)
        total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
        if not isinstance(total, ns.Tensor):
            results.append(None)
            continue
        results.append([None if g is None else g.detach().numpy(force=True)
                        for g in ns.autograd.grad(total, xs, allow_unused=True)])
    if results[0] is None or results[1] is None:  # a gradient that doesn't depend on x: zero second order
        other = results[0] if results[1] is None else results[1]
        assert other is None or not any(np.any(g) for g in other if g is not None)
        return
    for og, tg in zip(*results):
        if tg is None:
            assert og is None or not np.any(og)
        else:
            np.testing.assert_allclose(og, tg, rtol=1e-7, atol=1e-9)


@needs_torch
@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_by_a_tensor_matches_pytorch_for_the_dividend(name):
    """PyTorch records tensor % tensor as ...Backward1 and differentiates the dividend only."""
    results = []
    for ns in (nbt, real_torch):
        x = ns.tensor([-2.5, -0.25, 0.75, 3.5], dtype=ns.float64, requires_grad=True)
        y = ns.tensor([1.5, 0.5, 2.0, 1.25], dtype=ns.float64)
        out = getattr(ns, name)(x, y)
        (g,) = ns.autograd.grad(out, x, grad_outputs=ns.ones_like(out))
        results.append((out.detach().numpy(), g.numpy(), type(out.grad_fn).__name__))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]


@needs_torch
@pytest.mark.parametrize(
    "call",
    ["sum(0)", "sum(-1, keepdim=True)", "mean(0)", "norm(dim=0)", "logsumexp(0)", "var(0, correction=0)",
     "softmax(0)", "log_softmax(-1)", "cumsum(0)", "prod(0)", "max(0).values", "amax(0)", "squeeze(0)", "argmax(0)",
     "gather(0, ns.tensor(0))"],
)
def test_a_zero_dim_tensor_takes_dim_0_as_pytorch(call):
    results = []
    for ns in (nbt, real_torch):
        x = ns.tensor(3.0, dtype=ns.float64, requires_grad=True)
        y = eval(f"x.{call}")
        g = ns.autograd.grad(y, x)[0].item() if y.requires_grad else None
        results.append((tuple(y.shape), y.detach().item(), g, type(y.grad_fn).__name__))
    assert results[0] == results[1]


@needs_torch
def test_gather_index_select_and_repeat_refuse_bad_input_as_pytorch():
    x = nbt.ones(3, 4)
    for ns, t in ((nbt, x), (real_torch, real_torch.ones(3, 4))):
        with pytest.raises(RuntimeError, match="same number of dimensions"):
            t.gather(1, ns.tensor([0, 1]))
        with pytest.raises(RuntimeError, match="int64|Long"):
            t.gather(1, ns.tensor([[0.0]]))
        with pytest.raises(IndexError, match="vector"):
            t.index_select(0, ns.tensor([[0]]))
        with pytest.raises(RuntimeError, match="can not be smaller"):
            t.repeat(2)
        with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
            t.roll((1, 2), 0)
