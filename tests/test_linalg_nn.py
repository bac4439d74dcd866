"""The compositions of nbautodiff/engine/ops/linalg.py and nn.py against PyTorch: einsum, tensordot, kron, inner,
matmul's shape cases, the matrix norms, cross_entropy's options, the losses' broadcasting, normalize, dropout: values,
gradients, dtypes and the grad_fn chain PyTorch records; and PyTorch's refusals, word for word (first line)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch


def chain(fn, depth: int = 12):
    """The grad_fn graph as nested (name, children) tuples (edges into inputs that need no gradient left out)."""
    if depth == 0:
        return None
    return (type(fn).__name__, tuple(chain(f, depth - 1) for f, _ in fn.next_functions if f is not None))


def without_reshape_copies(c):
    """PyTorch's chain as the own engine records it: its reshape of memory that can't be viewed is
    CloneBackward0 + UnsafeViewBackward0 where ours records UnsafeViewBackward0 alone, and a reshape that is a
    view of non-contiguous memory is ReshapeAliasBackward0 where ours is ViewBackward0."""
    if c is None:
        return None
    name, children = c
    if name == "UnsafeViewBackward0" and len(children) == 1 and children[0][0] == "CloneBackward0":
        children = children[0][1]
    name = "ViewBackward0" if name == "ReshapeAliasBackward0" else name
    return name, tuple(without_reshape_copies(ch) for ch in children)


def run(ns, expr: str, arrays):
    xs = [ns.tensor(a, requires_grad=True) for a in arrays]
    out = eval(expr, {"torch": ns, "F": ns.nn.functional, "math": math}, {f"x{i}": x for i, x in enumerate(xs)})
    v = ns.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)), dtype=out.dtype)
    grads = ns.autograd.grad(out, xs, grad_outputs=v, allow_unused=True)
    return out, [None if g is None else g.numpy() for g in grads]


def check(expr: str, shapes, *, full_chain: bool = True, domain=(-2.0, 2.0), dtype=np.float64):
    """Same values, gradients and dtype as PyTorch, and the same grad_fn graph (or at least its top node)."""
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(*domain, size=s).astype(dtype) for s in shapes]
    (o, og), (t, tg) = run(nbt, expr, arrays), run(real_torch, expr, arrays)
    assert str(o.dtype) == str(t.dtype) and tuple(o.shape) == tuple(t.shape)
    np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-9)
    for a, b in zip(og, tg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    assert type(o.grad_fn).__name__ == type(t.grad_fn).__name__
    if full_chain:
        assert chain(o.grad_fn) == without_reshape_copies(chain(t.grad_fn))


def refusal(ns, expr: str, env: dict):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eval(expr, {"torch": ns, "F": ns.nn.functional, **{k: f(ns) for k, f in env.items()}})
    except Exception as e:  # noqa: BLE001  (the type and first line are what is compared)
        return type(e).__name__, str(e).splitlines()[0]
    return None


def same_refusal(expr: str, env: dict):
    theirs = refusal(real_torch, expr, env)
    assert theirs is not None, f"PyTorch accepts {expr}"
    assert refusal(nbt, expr, env) == theirs


# ------------------------------------------------------------------------------------------------ matmul
# The whole chain matches where PyTorch's reshapes are views; where PyTorch copies (an expanded or transposed
# operand folded into rows), it records CloneBackward0 under the UnsafeViewBackward0 that our reshape records alone.
MATMUL_CASES = [
    ((4,), (4,), True), ((3, 4), (4,), True), ((4,), (4, 5), True), ((3, 4), (4, 5), True),
    ((2, 3, 4), (2, 4, 5), True), ((2, 3, 4), (4, 5), True), ((2, 3, 4), (4,), True), ((1, 3, 4), (2, 4, 5), True),
    ((2, 3, 4), (1, 4, 5), True), ((2, 2, 3, 4), (2, 2, 4, 5), True),
    ((3, 4), (2, 4, 5), False), ((4,), (2, 4, 5), False), ((2, 2, 3, 4), (2, 4, 5), False),
    ((2, 1, 3, 4), (1, 2, 4, 5), False),
]


@pytest.mark.parametrize("a, b, full", MATMUL_CASES)
def test_matmul_records_pytorchs_nodes_for_every_shape_case(a, b, full):
    check("x0 @ x1", [a, b], full_chain=full)
    check("torch.matmul(x0, x1.detach())", [a, b], full_chain=full)


def test_matmul_node_names_by_case():
    names = {}
    for a, b in [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5))]:
        x, y = nbt.ones(*a, requires_grad=True), nbt.ones(*b, requires_grad=True)
        names[(a, b)] = type((x @ y).grad_fn).__name__
    assert list(names.values()) == ["DotBackward0", "MvBackward0", "SqueezeBackward4", "UnsafeViewBackward0",
                                    "UnsafeViewBackward0"]


@pytest.mark.parametrize("expr", [
    "F.linear(x0, x1, x2)", "F.linear(x0.transpose(1, 2), x1.t().t(), x2)", "F.linear(x0, x1)",
    "F.linear(x0[0, 0], x1, x2)", "F.linear(x0, x1, x2.expand(3, 5))",
])
def test_linear_is_recorded_as_pytorchs(expr):
    shapes = [(2, 3, 4), (5, 4), (5,)] if "transpose" not in expr else [(2, 4, 3), (5, 4), (5,)]
    check(expr, shapes, full_chain="transpose" not in expr)


def test_addmm_family_with_alpha_beta():
    check("torch.addmm(x0, x1, x2, beta=0.5, alpha=2)", [(3, 5), (3, 4), (4, 5)])
    check("torch.addmv(x0, x1, x2, beta=0, alpha=-1)", [(3,), (3, 4), (4,)])
    check("torch.addr(x0, x1, x2, alpha=3)", [(3, 4), (3,), (4,)])
    check("torch.baddbmm(x0, x1, x2, beta=2)", [(1, 5), (2, 3, 4), (2, 4, 5)])
    check("torch.addbmm(x0, x1, x2)", [(5,), (2, 3, 4), (2, 4, 5)])


def test_beta_zero_ignores_nan_in_the_input():
    for ns in (nbt, real_torch):
        b = ns.full((2, 2), float("nan"))
        out = ns.addmm(b, ns.ones(2, 3), ns.ones(3, 2), beta=0)
        assert not out.isnan().any()


def test_in_place_addmm():
    results = []
    for ns in (nbt, real_torch):
        x = ns.ones(2, 2)
        x.addmm_(ns.ones(2, 3), ns.ones(3, 2), alpha=2)
        results.append(x.tolist())
    assert results[0] == results[1]


MATMUL_ENV = dict(
    f=lambda ns: ns.ones(3, 3), d=lambda ns: ns.ones(3, 3, dtype=ns.float64), v=lambda ns: ns.ones(3),
    vd=lambda ns: ns.ones(3, dtype=ns.float64), i=lambda ns: ns.ones(3, 3, dtype=ns.int64),
    f3=lambda ns: ns.ones(2, 3, 3), d3=lambda ns: ns.ones(2, 3, 3, dtype=ns.float64),
    vi=lambda ns: ns.ones(3, dtype=ns.int64),
)


@pytest.mark.parametrize("expr", [
    # mixed dtypes: each function's own words
    "torch.mm(f, d)", "torch.mm(d, f)", "torch.mm(f, i)", "torch.mm(f.half(), f)", "torch.mm(f, f.bool())",
    "torch.mv(f, vd)", "torch.mv(d, v)", "torch.dot(v, vd)", "torch.dot(vi, v)", "torch.matmul(f, d)",
    "torch.matmul(v, vd)", "torch.matmul(f, vd)", "torch.matmul(v, d)", "torch.matmul(f3, d)", "torch.matmul(f, d3)",
    "torch.matmul(d3, v)", "torch.matmul(vd, f3)", "torch.matmul(d3, f3)", "torch.bmm(f3, d3)", "f @ d",
    "F.linear(f, d)", "F.linear(f, f, vd)", "F.linear(f, d, v)", "torch.addmm(v, f, d)", "torch.addmm(vd, f, d)",
    "torch.addmm(vd, d, f)", "torch.addmv(v, f, vd)", "torch.baddbmm(f3, f3, d3)", "torch.baddbmm(d3, f3, f3)",
    "torch.addbmm(f, f3, d3)", "torch.addbmm(f, d3, f3)", "torch.inner(v, vd)", "torch.tensordot(f, d, 1)",
    "torch.einsum('ij,jk->ik', f, d)",
    # wrong ranks and shapes
    "torch.addmm(v, v, f)", "torch.addmm(v, f, v)", "torch.addmm(f3, f, f)", "torch.addmm(torch.ones(4), f, f)",
    "torch.outer(f, v)", "torch.outer(v, f)", "torch.outer(torch.tensor(1.), v)", "torch.mm(v, f)", "torch.mm(f, v)",
    "torch.mv(f, f)", "torch.mv(v, v)", "torch.dot(f, v)", "torch.bmm(f, f)", "torch.matmul(torch.tensor(1.), v)",
    "torch.mm(torch.ones(3, 4), torch.ones(3, 4))", "torch.mv(f, torch.ones(4))", "torch.dot(v, torch.ones(4))",
    "torch.bmm(torch.ones(2, 3, 4), torch.ones(3, 4, 5))", "torch.ones(2, 3, 4) @ torch.ones(3, 4, 5)",
    "torch.matmul(torch.ones(2, 3, 4), torch.ones(5, 6))", "torch.addr(f, f, v)", "torch.addr(torch.ones(3, 4), v, v)",
    "torch.addmv(torch.ones(4), torch.ones(3, 4), torch.ones(4))", "torch.baddbmm(f3, f, f3)",
    "torch.addbmm(f, f, f)", "torch.mm(f, 2)", "torch.matmul(2, f)",
    # einsum, tensordot, inner
    "torch.einsum('ij,jk->ik', f)", "torch.einsum('ij,jk->ik', f, f, f)", "torch.einsum('ijk->ik', f)",
    "torch.einsum('ij->ik', f)", "torch.einsum('ij,jk', f, torch.ones(4, 3))", "torch.einsum('ii', torch.ones(3, 4))",
    "torch.einsum('i1', f)", "torch.einsum('ij->ii', f)", "torch.einsum('i.j', f)", "torch.einsum('ij', 2)",
    "torch.tensordot(f, f, dims=([0], [1, 0]))", "torch.tensordot(f, f, dims=3)", "torch.tensordot(f, f, dims=-1)",
    "torch.tensordot(f, f, dims=(0, 1))", "torch.tensordot(f, f, ([0], [5]))",
    "torch.tensordot(f, torch.ones(4, 3), 1)",
    "torch.inner(f, torch.ones(4))",
])
def test_refusals_match_pytorch(expr):
    same_refusal(expr, MATMUL_ENV)


# ------------------------------------------------------------------------------------------------ einsum and friends
EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ii", [(3, 3)]), ("ii->i", [(3, 3)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]), ("i,j->ij", [(3,), (4,)]), ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]), ("iij->j", [(3, 3, 2)]),
    ("...ij->...ji", [(2, 3, 4)]), ("ij,j->i", [(3, 4), (4,)]), ("ij,ij->i", [(3, 4), (3, 4)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bii->bi", [(2, 3, 3)]), ("ab,cd->abcd", [(2, 3), (4, 5)]), ("a...,...->...", [(2, 3), (3,)]),
    ("ii,i->i", [(3, 3), (3,)]), ("iji->j", [(3, 2, 3)]), ("i,i,i->", [(3,), (3,), (3,)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]), ("Ab,bC->AC", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq, shapes", EINSUM_CASES)
def test_einsum_matches_pytorch(eq, shapes):
    # PyTorch's reshape records ReshapeAliasBackward0 / CloneBackward0 for some permuted operands: top node only there
    full = eq not in ("ij,kj->ik", "bn,anm,bm->ba")
    check(f"torch.einsum('{eq}', {', '.join(f'x{i}' for i in range(len(shapes)))})", shapes, full_chain=full)


def test_einsum_forms():
    check("torch.einsum(x0, [0, 1], x1, [1, 2], [0, 2])", [(3, 4), (4, 5)])
    check("torch.einsum('ij,jk', [x0, x1])", [(3, 4), (4, 5)])
    check("torch.einsum('i j , j k -> i k', x0, x1)", [(3, 4), (4, 5)])


@pytest.mark.parametrize("expr, shapes, full", [
    ("torch.kron(x0, x1)", [(2, 3), (3, 3)], True), ("torch.kron(x0, x1)", [(3,), (4,)], True),
    ("torch.kron(x0, x1)", [(2, 3), (4,)], True), ("x0.kron(x1)", [(), (4,)], True),
    ("torch.inner(x0, x1)", [(4,), (4,)], True), ("x0.inner(x1)", [(2, 3, 4), (5, 4)], False),
    ("torch.inner(x0, x1)", [(), (3, 4)], True), ("torch.tensordot(x0, x1, dims=1)", [(2, 3, 4), (4, 5)], True),
    ("torch.tensordot(x0, x1, dims=([0, 1], [1, 0]))", [(3, 3), (3, 3)], True),
    ("torch.tensordot(x0, x1, dims=0)", [(2,), (3,)], True), ("torch.tensordot(x0, x1)", [(2, 3, 4), (3, 4, 5)], True),
    ("torch.tensordot(x0, x1, dims=([2], [1]))", [(2, 3, 4), (2, 4, 5)], False),
    ("torch.outer(x0, x1)", [(3,), (4,)], True), ("x0.ger(x1)", [(3,), (4,)], True),
])
def test_products_match_pytorch(expr, shapes, full):
    check(expr, shapes, full_chain=full)


def test_integer_products_stay_integer():
    for expr in ["torch.mm(a, a)", "torch.einsum('i,i', v, v)", "torch.kron(a, a)", "torch.outer(v, v)"]:
        env = {"a": lambda ns: ns.ones(2, 2, dtype=ns.int64), "v": lambda ns: ns.arange(3)}
        got = [eval(expr, {"torch": ns, **{k: f(ns) for k, f in env.items()}}) for ns in (nbt, real_torch)]
        assert str(got[0].dtype) == str(got[1].dtype) and got[0].tolist() == got[1].tolist()


# ------------------------------------------------------------------------------------------------ torch.linalg
@pytest.mark.parametrize("ord_", ["'fro'", "'nuc'", "1", "-1", "2", "-2", "math.inf", "-math.inf"])
def test_matrix_norms_match_pytorch(ord_):
    check(f"torch.linalg.matrix_norm(x0, {ord_})", [(3, 4)])
    check(f"torch.linalg.matrix_norm(x0, {ord_}, dim=(0, 2), keepdim=True)", [(3, 4, 2)])
    check(f"torch.linalg.matrix_norm(x0, {ord_}, dim=(2, 0))", [(3, 4, 2)])
    check(f"torch.linalg.norm(x0, {ord_})", [(3, 4)])


def test_norm_dispatches_as_pytorch():
    check("torch.linalg.norm(x0)", [(3, 4, 2)])
    check("torch.linalg.norm(x0, dim=1)", [(3, 4)])
    check("torch.linalg.norm(x0, 3, dim=1, keepdim=True)", [(3, 4)])
    check("torch.linalg.norm(x0, 2)", [(4,)])
    check("torch.linalg.vector_norm(x0.float(), dtype=torch.float64)", [(3, 4)])


@pytest.mark.parametrize("ord_", [2, 1, math.inf, -math.inf, 0, 0.5, 1.5, 3, -1, -0.5])
def test_vector_norm_gradient_at_zero_and_ties_as_pytorch(ord_):
    for values in ([0.0, 0.0, 0.0], [0.0, 1.0, -2.0], [2.0, -2.0, 1.0]):
        got = []
        for ns in (nbt, real_torch):
            x = ns.tensor(values, requires_grad=True)
            n = ns.linalg.vector_norm(x, ord_)
            (g,) = ns.autograd.grad(n, x, allow_unused=True)
            got.append([n.item()] + (["no gradient"] if g is None else g.tolist()))
        assert got[0] == pytest.approx(got[1]) if got[1][1] != "no gradient" else got[0] == got[1]


def test_determinant_of_a_singular_matrix_as_pytorch():
    """PyTorch's first-order backward gives 0 where det = 0, and the cofactors when it builds a graph."""
    for create_graph in (False, True):
        got = []
        for ns in (nbt, real_torch):
            a = ns.tensor([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]]], dtype=ns.float64, requires_grad=True)
            (g,) = ns.autograd.grad(ns.linalg.det(a).sum(), a, create_graph=create_graph)
            got.append(g.detach().numpy())
        np.testing.assert_allclose(got[0], got[1], atol=1e-12)


def test_slogdet_and_logdet():
    check("torch.linalg.slogdet(x0).logabsdet", [(3, 3)])
    check("torch.logdet(x0 @ x0.mT)", [(3, 3)])
    check("torch.logdet(x0)", [(2, 3, 3)])  # negative determinants give nan, as PyTorch's WhereBackward0
    for ns in (nbt, real_torch):
        out = ns.linalg.slogdet(ns.tensor([[2.0, 0.0], [0.0, -3.0]]))
        assert out.sign.item() == -1.0 and repr(out).startswith("torch.return_types.linalg_slogdet(")


@pytest.mark.parametrize("expr", [
    "torch.linalg.vector_norm(torch.ones(2, 3), 'fro')", "torch.linalg.vector_norm(torch.tensor([1, 2]))",
    "torch.linalg.vector_norm(torch.zeros(0), -1)", "torch.linalg.vector_norm(torch.zeros(2, 0), -1, dim=1)",
    "torch.linalg.vector_norm(torch.ones(3, 3), dim=(0, 0))", "torch.linalg.vector_norm(torch.ones(3, 3), dim=5)",
    "torch.linalg.vector_norm(torch.ones(3, dtype=torch.float64), dtype=torch.float32)",
    "torch.linalg.matrix_norm(torch.ones(3), 'fro')", "torch.linalg.matrix_norm(torch.ones(2, 3), 3)",
    "torch.linalg.matrix_norm(torch.ones(2, 3), 'abc')", "torch.linalg.matrix_norm(torch.ones(2, 3), dim=(1, 1))",
    "torch.linalg.matrix_norm(torch.ones(2, 3, dtype=torch.int64))", "torch.linalg.norm(torch.ones(2, 3, 4), 2)",
    "torch.linalg.norm(torch.ones(2, 3, 4), 'fro')", "torch.linalg.norm(torch.ones(2, 3), dim=(0, 1, 1))",
    "torch.linalg.norm(torch.ones(2, 3), 'nuc', dim=0)", "torch.linalg.svdvals(torch.ones(3))",
    "torch.linalg.det(torch.ones(2, 3))", "torch.linalg.det(torch.ones(3))",
    "torch.linalg.det(torch.ones(3, 3).long())",
    "torch.linalg.pinv(torch.ones(3))", "torch.linalg.slogdet(torch.ones(2, 3))",
])
def test_linalg_refusals_match_pytorch(expr):
    same_refusal(expr, {})


# ------------------------------------------------------------------------------------------------ losses
T = "torch.tensor([0, 2, 1])"
W = "torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=x0.dtype)"


@pytest.mark.parametrize("expr, shapes", [
    (f"F.cross_entropy(x0, {T})", [(3, 4)]), (f"F.cross_entropy(x0, {T}, label_smoothing=0.1)", [(3, 4)]),
    (f"F.cross_entropy(x0, {T}, label_smoothing=0.1, weight={W})", [(3, 4)]),
    (f"F.cross_entropy(x0, {T}, label_smoothing=0.2, reduction='sum', ignore_index=2)", [(3, 4)]),
    (f"F.cross_entropy(x0, {T}, label_smoothing=0.2, reduction='none', ignore_index=2, weight={W})", [(3, 4)]),
    (f"F.cross_entropy(x0, {T}, weight={W}, ignore_index=0)", [(3, 4)]),
    ("F.cross_entropy(x0, x1.softmax(1))", [(3, 4), (3, 4)]),
    ("F.cross_entropy(x0, x1.softmax(1).detach(), label_smoothing=0.3, reduction='none')", [(3, 4), (3, 4)]),
    (f"F.cross_entropy(x0, x1.softmax(1), weight={W}, reduction='sum')", [(3, 4), (3, 4)]),
    ("F.cross_entropy(x0, x1.softmax(0))", [(4,), (4,)]), ("F.cross_entropy(x0, torch.tensor(1))", [(4,)]),
    ("F.cross_entropy(x0, torch.tensor([[0, 1, 3], [2, 2, 0]]))", [(2, 4, 3)]),
    ("F.cross_entropy(x0, torch.tensor([[0, 1, 3], [2, 2, 0]]), reduction='none')", [(2, 4, 3)]),
    ("F.cross_entropy(x0, torch.tensor([[0, 1, 3], [2, 2, 0]]), label_smoothing=0.1)", [(2, 4, 3)]),
    ("F.cross_entropy(x0, x1.softmax(1))", [(2, 4, 3), (2, 4, 3)]),
    ("F.nll_loss(x0, torch.tensor([[[0, 1], [3, 1]], [[2, 2], [0, 1]]]), reduction='none', ignore_index=0)",
     [(2, 4, 2, 2)]),
    ("F.nll_loss(x0, torch.zeros(2, 2, 1, 3, dtype=torch.long), reduction='none')", [(2, 4, 2, 1, 3)]),
    ("F.nll_loss(x0, torch.tensor(2), reduction='none')", [(4,)]),
])
def test_cross_entropy_and_nll_match_pytorch(expr, shapes):
    check(expr, shapes)


def test_all_targets_ignored_gives_nan_with_zero_gradient():
    for ns in (nbt, real_torch):
        x = ns.zeros(3, 4, requires_grad=True)
        loss = ns.nn.functional.cross_entropy(x, ns.tensor([2, 2, 2]), ignore_index=2)
        loss.backward()
        assert math.isnan(loss.item()) and not x.grad.any()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_pointwise_losses_match_pytorch(reduction):
    r = f"reduction='{reduction}'"
    check(f"F.smooth_l1_loss(x0, x1, {r}, beta=0.5)", [(3, 4), (3, 4)])
    check(f"F.huber_loss(x0, x1, {r}, delta=0.7)", [(3, 4), (3, 4)])
    check(f"F.l1_loss(x0, x1, {r})", [(3, 4), (3, 4)])
    check(f"F.mse_loss(x0, x1, {r})", [(3, 4), (3, 4)])
    check(f"F.binary_cross_entropy(x0, x1, {r}, weight=torch.tensor([1., 2., 3., 4.], dtype=x0.dtype))",
          [(3, 4), (3, 4)], domain=(0.05, 0.95))


def test_weighted_and_broadcast_losses():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for expr in ["F.smooth_l1_loss(x0, x1)", "F.mse_loss(x0, x1)", "F.l1_loss(x0, x1)", "F.huber_loss(x0, x1)"]:
            check(expr, [(3, 1), (3,)])
    check("F.smooth_l1_loss(x0, x1, beta=0)", [(3, 4), (3, 4)])  # the L1 loss, composed
    check("F.mse_loss(x0, x1, weight=torch.ones(3, 4, dtype=x0.dtype) * 2)", [(3, 4), (3, 4)])
    check("F.huber_loss(x0, x1, weight=torch.ones(3, 4, dtype=x0.dtype) * 2)", [(3, 4), (3, 4)])
    check("F.l1_loss(x0, x1, weight=torch.ones(3, 4, dtype=x0.dtype) * 2, reduction='sum')", [(3, 4), (3, 4)])


def test_a_target_of_another_shape_warns_as_pytorch():
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        messages = []
        for ns in (nbt, real_torch):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                getattr(ns.nn.functional, name)(ns.ones(3, 1), ns.ones(3))
            messages.append([str(m.message) for m in w])
            assert w[0].filename == __file__  # pointing at the caller
        assert messages[0] == messages[1]


@pytest.mark.parametrize("expr", [
    "F.nll_loss(x, torch.tensor([0., 1., 2.]))", "F.nll_loss(x, torch.tensor([0, 1]))",
    "F.nll_loss(x, torch.tensor([0, 1, 5]))", "F.nll_loss(x, torch.tensor([0, 1, -1]))",
    "F.nll_loss(x, torch.tensor([0, 1, 2]), weight=torch.ones(3))",
    "F.nll_loss(torch.ones(2, 4, 5), torch.zeros(2, 4).long())",
    "F.nll_loss(torch.ones(2, 4, 5, 6), torch.zeros(2, 5).long())",
    "F.nll_loss(torch.ones(2, 4, 5, 6), torch.full((2, 5, 6), 7))",
    "F.nll_loss(torch.tensor(1.), torch.tensor(0))", "F.nll_loss(x, torch.tensor([0, 1, 2]), reduction='bad')",
    "F.nll_loss(x.double(), torch.tensor([0, 1, 2]), weight=torch.ones(4))",
    "F.nll_loss(x, torch.tensor([0, 1, 2]).int())",
    "F.cross_entropy(x, torch.ones(3, 4).long())", "F.cross_entropy(x, torch.rand(3, 4), ignore_index=1)",
    "F.cross_entropy(x, torch.tensor([0, 1, 2]), label_smoothing=1.5)",
    "F.cross_entropy(x, torch.rand(3, 4), label_smoothing=1.5)",
    "F.cross_entropy(x, torch.rand(3, 4), weight=torch.ones(3))", "F.cross_entropy(x, torch.rand(3, 5))",
    "F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.]))",
    "F.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([1.5]))",
    "F.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([1., 0.]))",
    "F.binary_cross_entropy(torch.tensor([0.5, 0.2]), torch.tensor([1, 0]))",
    "F.layer_norm(x, (5,))", "F.layer_norm(x, [4], torch.ones(5))", "F.layer_norm(x, 4)",
    "F.layer_norm(x.long(), (4,))",
    "F.dropout(x, 1.5)", "F.smooth_l1_loss(x, x, beta=-1)", "F.huber_loss(x, x, delta=0)",
    "F.mse_loss(x, torch.ones(3, 4), reduction='bad')", "F.mse_loss(x, torch.ones(3, 4), weight=torch.ones(3))",
    "F.mse_loss(torch.ones(3, 2), torch.ones(3))", "F.mse_loss(torch.ones(3), torch.ones(4))",
    "F.normalize(torch.tensor([1., 2.]))",
])
def test_loss_refusals_match_pytorch(expr):
    same_refusal(expr, {"x": lambda ns: ns.ones(3, 4)})


def test_binary_cross_entropy_clamps_its_logs_at_minus_100():
    got = []
    for ns in (nbt, real_torch):
        p = ns.tensor([0.0, 1.0, 0.5, 1.0], requires_grad=True)
        loss = ns.nn.functional.binary_cross_entropy(p, ns.tensor([1.0, 0.0, 0.5, 1.0]), reduction="none")
        loss.sum().backward()
        got.append(loss.detach().tolist() + p.grad.tolist())
    assert got[0] == pytest.approx(got[1])


# ------------------------------------------------------------------------------------------------ layers
def test_layer_norm_and_normalize():
    check("F.layer_norm(x0, (4,), x1, x2)", [(2, 3, 4), (4,), (4,)])
    check("F.layer_norm(x0, (3, 4))", [(2, 3, 4)])
    check("torch.layer_norm(x0, [4], None, x1, 0.1)", [(3, 4), (4,)])
    check("F.normalize(x0)", [(3, 4)])
    check("F.normalize(x0, p=1, dim=0)", [(3, 4)])


def test_dropout_keeps_or_zeroes_and_scales():
    nbt.manual_seed(0)
    x = nbt.ones(10_000, requires_grad=True)
    y = nbt.nn.functional.dropout(x, 0.3)
    kept = y.detach().numpy() != 0
    assert type(y.grad_fn).__name__ == "MulBackward0"
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())  # the same mask, the same scale
    nbt.manual_seed(0)
    again = nbt.nn.functional.dropout(nbt.ones(10_000), 0.3)
    np.testing.assert_array_equal(again.numpy(), y.detach().numpy())  # manual_seed repeats the mask


def test_dropout_identity_cases_as_pytorch():
    for ns in (nbt, real_torch):
        F = ns.nn.functional
        x = ns.ones(3, 4, requires_grad=True)
        assert F.dropout(x, training=False) is x and F.dropout(x, 0.0) is x and ns.dropout(x, 0.2, False) is x
        assert not F.dropout(x, 1.0).any() and type(F.dropout(x, 1.0).grad_fn).__name__ == "MulBackward0"
        assert type(ns.dropout(x, 0.5, True).grad_fn).__name__ == "MulBackward0"
        y = x * 1
        assert F.dropout(y, 0.5, inplace=True) is y and y._version == 1


def test_nn_modules_print_and_switch_modes_as_pytorch():
    def build(ns):
        nn = ns.nn
        return [nn.LayerNorm(4), nn.LayerNorm((3, 4), eps=1e-3, elementwise_affine=False), nn.LayerNorm(4, bias=False),
                nn.Dropout(), nn.Dropout(0.2, inplace=True), nn.CrossEntropyLoss(label_smoothing=0.1),
                nn.Unflatten(1, (2, 3)), nn.Identity(), nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.SmoothL1Loss(beta=0.5),
                nn.HuberLoss(delta=2), nn.L1Loss(), nn.NLLLoss(), nn.Flatten(0),
                nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5), nn.LayerNorm(3))]

    assert [repr(m) for m in build(nbt)] == [repr(m) for m in build(real_torch)]
    for ns in (nbt, real_torch):
        m = ns.nn.Sequential(ns.nn.Dropout(0.5))
        x = ns.ones(100)
        assert m.eval()(x) is x and m(x) is x and not m.training
        assert (m.train()(x) != x).any()
        assert list(ns.nn.LayerNorm(3).state_dict()) == ["weight", "bias"]
        assert list(ns.nn.CrossEntropyLoss(weight=ns.ones(3)).state_dict()) == ["weight"]
        assert ns.nn.Unflatten(1, (2, 3))(ns.ones(4, 6)).shape == (4, 2, 3)


def test_loss_modules_pass_their_options():
    rng = np.random.default_rng(0)
    x, p = rng.standard_normal((3, 4)), rng.uniform(0.1, 0.9, (3, 4))
    results = []
    for ns in (nbt, real_torch):
        nn, w = ns.nn, ns.tensor([0.1, 0.2, 0.3, 0.4], dtype=ns.float64)
        t, xt, pt = ns.tensor([0, 2, 1]), ns.tensor(x), ns.tensor(p)
        results.append([
            nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.2)(xt, t).item(),
            nn.CrossEntropyLoss(reduction="sum")(xt, t).item(), nn.NLLLoss(weight=w)(xt.log_softmax(1), t).item(),
            nn.BCELoss(weight=w)(pt, pt.round()).item(), nn.BCEWithLogitsLoss(pos_weight=w)(xt, pt).item(),
            nn.SmoothL1Loss(beta=0.5)(xt, pt).item(), nn.HuberLoss(delta=0.5)(xt, pt).item(),
            nn.L1Loss()(xt, pt).item(),
            nn.MSELoss(reduction="sum")(xt, pt).item(),
        ])
    assert results[0] == pytest.approx(results[1])
