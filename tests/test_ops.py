"""One table-driven test per op-table row: VJP and JVP against float64 central differences, second
order, and values, gradients and node names against real PyTorch on a normal shape, a () shape and
exact edge values. Every row of the op table must have a spec here."""

from __future__ import annotations

import numpy as np
import pytest

import nbautodiff.torch as nbt
from nbautodiff.engine import OPS
from nbautodiff.engine.forward import jvp

from .conftest import needs_torch, real_torch
from .op_specs import SPECS, Spec  # noqa: F401  (one spec per row, in tests/op_specs/)


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
@pytest.mark.parametrize("name, shapes", [p for p in _cases() if SPECS[p.values[0]].second_order])
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
@pytest.mark.parametrize("name, shapes", [p for p in TORCH_CASES
                                          if p.values[0] != "to_dtype" and SPECS[p.values[0]].second_order])
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


def test_an_op_name_is_defined_once():
    """A second row of one name would silently replace the first in the op table."""
    from nbautodiff.engine.ops import defop

    with pytest.raises(ValueError, match="'mul_scalar' is already defined"):
        defop("mul_scalar", "MulBackward1", lambda x, *, c: x * c, vjp=None, jvp=None)
    assert OPS["mul_scalar"].node_name == "MulBackward1"
