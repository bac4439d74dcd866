"""The shape and reduction API beyond the op table's specs, against real PyTorch: where each name exists, the
integer outputs (indices, counts), tie and nan positions, errors and warnings, node names of in-place writes,
and fidelity cases that once differed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

NAMES = """select scatter scatter_ scatter_add scatter_add_ index_add index_add_ index_copy index_copy_ index_fill
index_fill_ index_put index_put_ movedim moveaxis median nanmedian nansum nanmean cumprod cumprod_ cummax cummin sort
topk argsort msort var_mean std_mean diagonal diag diag_embed tril triu tril_ triu_ count_nonzero take take_along_dim
unfold aminmax repeat_interleave tile masked_select unflatten t_ unsqueeze_ squeeze_ transpose_ swapaxes_ swapdims_
diff H mH mT fliplr flipud rot90 narrow chunk split swapaxes swapdims zero_ fill_""".split()


@needs_torch
@pytest.mark.parametrize("name", NAMES)
def test_each_name_is_where_pytorch_has_it(name):
    for ours, theirs in ((nbt, real_torch), (nbt.Tensor, real_torch.Tensor)):
        assert hasattr(ours, name) == hasattr(theirs, name), (ours, name)


def _outcome(ns, expr: str, **names):
    """What running ``expr`` gives: its repr, or the exception's type and first line; and the warnings' texts."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = repr(eval(expr, {"ns": ns, "np": np, **names}))
        except Exception as e:  # noqa: BLE001  (the same error is part of the same behaviour)
            result = f"{type(e).__name__}: {str(e).splitlines()[0]}"
    said = [str(w.message).split(" (Triggered internally")[0] for w in caught if w.category is UserWarning]
    return result, said


# fidelity cases: each once differed from PyTorch (a crash, another error, a missing warning, a wrong value)
FIDELITY = [
    "ns.tensor(1.).std()", "ns.tensor(1.).var()", "ns.tensor([1.]).std(0)", "ns.tensor(1.).std(correction=0)",
    "ns.var(ns.tensor([[1., 2.], [3., 5.]]), False)", "ns.tensor([[1., 2.], [3., 5.]]).var(dim=())",
    "ns.tensor([1, 2, 3]).std()", "ns.tensor([[1, 2]]).var(0)", "ns.std_mean(ns.tensor([1, 2]))",
    "ns.zeros(0, 3).amax(0)", "ns.zeros(0, 3).amax(1)", "ns.zeros(0, 3).amin()", "ns.zeros(2, 0, 3).amin((0, 1))",
    "ns.zeros(0, 3).max(0)", "ns.zeros(0, 3).min(1)",
    "ns.tensor([[1., 2.], [3., 4.]]).logsumexp(dim=())", "ns.tensor(2.).logsumexp(dim=())",
    "ns.tensor([2., 3.]).logsumexp(dim=[])",
    "ns.zeros(0, 3).softmax(0)", "ns.zeros(3, 0).softmax(1)", "ns.zeros(3, 0).log_softmax(-1)",
    "ns.tensor(1.)[...]", "ns.tensor(1.)[None]", "ns.tensor(2.)[ns.tensor(True)]",
    "ns.zeros(3).copy_(ns.zeros(2))", "ns.zeros(3).copy_(ns.zeros(2, 3))",
    "ns.zeros(3, 4).__setitem__(0, ns.zeros(3))", "ns.zeros(3, 4).__setitem__(slice(None), ns.zeros(2, 4))",
    "ns.zeros(3, 4).__setitem__(ns.tensor([0, 1]), ns.zeros(3, 4))",
    "ns.zeros(3).masked_fill_(ns.zeros(2, 3, dtype=ns.bool), 1.)",
    "ns.zeros(3).masked_fill_(ns.zeros(2, dtype=ns.bool), 1.)",
    "ns.zeros(3).masked_fill(ns.zeros(2, 3, dtype=ns.bool), 1.)",
    "ns.zeros(3).index_put((ns.tensor([0, 1]),), ns.tensor([1, 2]))",
    "ns.zeros(3).__setitem__(ns.tensor([0, 1]), ns.tensor([1., 2.], dtype=ns.float64))",
    "ns.zeros(3).__setitem__(ns.tensor([True, False, True]), ns.tensor(1., dtype=ns.float64))",
    "ns.zeros(3, dtype=ns.long).__setitem__(0, ns.tensor(1.5))",
    "ns.tensor([1, 2, 3]).masked_fill(ns.tensor([True, False, True]), ns.tensor(2., requires_grad=True))",
    "ns.zeros(3).fill_(ns.tensor([2., 3.]))",
    "ns.tensor(1.).mT", "ns.tensor(1.).mH", "ns.tensor(1.).H", "ns.ones(2).mT", "ns.ones(2).mH", "ns.ones(2).H",
    "ns.ones(2, 2, 2).H", "ns.ones(2, 3, 4).mT.shape", "ns.ones(2, 3).H.shape",
    "ns.ones(2, 2, 2).t_()", "ns.ones(2, 2, requires_grad=True).t_()",
    "ns.ones(2, 2, requires_grad=True)[0].unsqueeze_(0)",
    "ns.arange(5.).chunk(0)", "ns.tensor(1.).chunk(2)", "[t.shape for t in ns.zeros(0).chunk(2)]",
    "ns.arange(5.).split(0)", "ns.arange(5.).split(-1)", "ns.ones(3, 4).narrow(1, 3, 2)",
    "ns.ones(3, 4).narrow(1, 5, 0)",
    "ns.ones(3, 4).narrow(1, -2, 2)", "ns.ones(3, 4).select(0, 3)", "ns.tensor(1.).select(0, 0)",
    "ns.ones(3).expand(2, 4)", "ns.ones(2, 3).expand(3)",
    "ns.tensor([1., float('nan'), 3.]).max()", "ns.tensor([1., float('nan'), 3.]).median()",
    "ns.ones(3, 4).sort(1, stable=True)",
]


@needs_torch
@pytest.mark.parametrize("expr", FIDELITY)
def test_fidelity_case_as_pytorch(expr):
    assert _outcome(nbt, expr) == _outcome(real_torch, expr)


def _grads(ns, build):
    """Run ``build(ns)`` -> (output, leaves); return the output's repr and each leaf's gradient and dtype."""
    out, leaves = build(ns)
    grads = ns.autograd.grad(out.sum(), leaves, allow_unused=True)
    return [None if g is None else (g.dtype.is_floating_point, str(g.dtype), g.tolist()) for g in grads]


def _cat_mixed(ns):
    a = ns.ones(2, dtype=ns.float32, requires_grad=True)
    b = ns.ones(2, dtype=ns.float64, requires_grad=True)
    return ns.cat([a, b]) * 1 + ns.stack([a, b]).sum(0).repeat(2), [a, b]


def _max_with_nan(ns):
    a = ns.tensor([1.0, float("nan"), 3.0, float("nan")], requires_grad=True)
    return a.max() + a.min() * 2 + a.median() * 3 + a.nanmedian() * 4, [a]


def _masked_fill_value(ns):  # x.masked_fill_(mask, v): v's gradient though x itself needs none
    v = ns.tensor(2.0, requires_grad=True)
    x = ns.zeros(3)
    x.masked_fill_(ns.tensor([True, False, True]), v)
    return x * ns.tensor([1.0, 2.0, 3.0]), [v]


def _pow_exponent(ns):  # x.pow_(y): y's gradient though x itself needs none
    y = ns.tensor([0.5, 2.0, 3.0], requires_grad=True)
    return (ns.ones(3) * 2).pow_(y), [y]


def _fill_value(ns):
    v = ns.tensor(2.0, requires_grad=True)
    return ns.zeros(3).fill_(v) * ns.tensor([1.0, 2.0, 3.0]), [v]


def _write_through_views(ns):
    a = ns.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = ns.tensor([0.5, -1.0], requires_grad=True)
    x = a * 1
    x[0].mul_(2)
    x.t()[1].add_(y)
    x.diagonal().mul_(y)
    v = x[1, 1:]
    x.mul_(3)  # v is regenerated from x's new history
    return v * 1 + x[0, 1:], [a, y]


@needs_torch
@pytest.mark.parametrize("build", [_cat_mixed, _max_with_nan, _masked_fill_value, _pow_exponent, _fill_value,
                                   _write_through_views])
def test_gradients_as_pytorch(build):
    assert _grads(nbt, build) == _grads(real_torch, build)


def _names(fn) -> list:
    """grad_fn's name and its next_functions' names, one level down."""
    nexts = [] if fn is None else [None if n is None else type(n).__name__ for n, _ in fn.next_functions]
    return [type(fn).__name__, nexts]


GRAPHS = [
    "x[0].mul_(2)", "x.view(-1).mul_(2)", "x.t().mul_(2)", "x[0].add_(y[0])", "x.diagonal().mul_(2)",
    "x[1:].unfold(1, 2, 2).mul_(2)", "x[0] = 5", "x[0, 1] = y[0, 0]", "x[[0, 1]] = y[0, 0]", "x[x > 0] = y[0, 0]",
    "x[:] = y[0]", "x[...] = y", "x[1:] = y[0]", "x.zero_()", "x.fill_(2.)", "x.fill_(y[0, 0])", "x.normal_()",
    "x.uniform_()", "x.t_()", "x.transpose_(0, 1)", "x.unsqueeze_(1)", "x.unsqueeze(0).squeeze_()",
    "x.unsqueeze(0).squeeze_(0)", "x.unsqueeze(0).unsqueeze(2).squeeze_((0, 2))", "x.tril_()", "x.triu_(1)",
    "x.scatter_(0, ns.tensor([[1, 0, 1]]), y[:1])", "x.scatter_(1, ns.tensor([[2], [0]]), 1.5)",
    "x.index_add_(1, ns.tensor([2, 2]), y[:, :2], alpha=2)", "x.index_fill_(0, ns.tensor([1]), y[0, 0])",
    "x.index_copy_(0, ns.tensor([1, 0]), y)", "x.cumprod_(1)",
]


@needs_torch
@pytest.mark.parametrize("step", GRAPHS)
def test_in_place_graph_as_pytorch(step):
    seen = []
    for ns in (nbt, real_torch):
        a = ns.ones(2, 3, requires_grad=True)
        y = ns.ones(2, 3, requires_grad=True)
        x = a.clone()
        version = x._version
        view = x[1]
        exec(step, {"ns": ns, "x": x, "y": y})
        moved = x._version - version
        seen.append((_names(x.grad_fn), tuple(x.shape), moved > 0, _names((view * 1).grad_fn.next_functions[0][0])))
    assert seen[0] == seen[1]


@needs_torch
@pytest.mark.parametrize("write", ["z[1:] = v", "z[1] = v", "z[[0, 1]] = v", "z[:] = v", "z.copy_(v)", "z[1].copy_(v)"])
def test_a_second_backward_after_setitem_as_pytorch(write):
    """CopySlices and IndexPutBackward0 free what they kept (a second backward raises); CopyBackwards does not."""
    outcomes = []
    for ns in (nbt, real_torch):
        v = ns.ones(4, requires_grad=True)
        z = ns.zeros(3, 4)
        exec(write, {"z": z, "v": v})
        s = z.sum()  # SumBackward0 keeps nothing: only what the write recorded decides
        s.backward()
        try:
            s.backward()
            outcomes.append(v.grad.tolist())
        except RuntimeError as e:
            outcomes.append(str(e).split(".")[0])
    assert outcomes[0] == outcomes[1]


@needs_torch
def test_integer_tensors_do_not_start_to_require_grad_when_written_to():
    for ns in (nbt, real_torch):
        v = ns.tensor([2.5, 1.0, 1.0], requires_grad=True)
        t = ns.tensor([1, 2, 3])
        t.copy_(v)
        t[0] = v[1]
        assert t.tolist() == [1, 1, 1] and not t.requires_grad and t.grad_fn is None


@needs_torch
def test_in_place_view_changes_bump_the_version_and_break_saved_tensors():
    for ns in (nbt, real_torch):
        x = ns.ones(2, 3, requires_grad=True).clone()
        y = x * x  # saves x
        x.t_()
        assert x._version == 1 and tuple(x.shape) == (3, 2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


# ----------------------------------------------------------------------------- integer outputs and positions
def _tie_heavy(seed: int, shape=(3, 9), nan: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, size=shape).astype(np.float32)
    if nan:
        a[rng.random(shape) < 0.15] = np.nan
        a[seed % shape[0]] = np.nan if seed % 5 == 0 else a[seed % shape[0]]  # some rows of nans only
    return a


POSITIONS = [
    "t.sort(1).indices", "t.sort(0, descending=True).indices", "ns.sort(t, stable=True, dim=1).indices",
    "ns.sort(t, dim=1, descending=True, stable=True).indices", "t.argsort(1)", "t.argsort(1, descending=True)",
    "ns.argsort(t, dim=0, stable=True)", "t.median(1).indices", "t.median(0, keepdim=True).indices",
    "t.nanmedian(1).indices", "t.nanmedian(0).indices", "t.cummax(1).indices", "t.cummin(0).indices",
    "t.count_nonzero()", "t.count_nonzero(1)", "ns.count_nonzero(t, (0, 1))", "(t > 0).count_nonzero(0)",
    "ns.where(t.isnan(), 5, t).long().repeat_interleave(2)", "ns.repeat_interleave(ns.tensor([1, 0, 2]))",
    "ns.aminmax(ns.where(t.isnan(), 5, t), dim=0).max",
]


@needs_torch
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("expr", POSITIONS)
def test_integer_outputs_and_tie_positions_as_pytorch(expr, seed):
    data = _tie_heavy(seed)
    results = []
    for ns in (nbt, real_torch):
        r = eval(expr, {"ns": ns, "t": ns.tensor(data)})
        results.append((str(r.dtype).removeprefix("torch."), r.tolist()))
    assert results[0] == results[1]


@needs_torch
def test_topk_and_sort_values_as_pytorch_whatever_the_ties():
    """Values always agree; the positions of ties may not (PyTorch's kernel: see docs/design.md)."""
    data = _tie_heavy(7, (4, 40))
    for expr in ("t.topk(5, 1).values", "t.topk(3, 0, largest=False)[0]", "t.sort(1).values", "t.msort()"):
        ours, theirs = (eval(expr, {"t": ns.tensor(data)}).numpy() for ns in (nbt, real_torch))
        np.testing.assert_array_equal(ours, theirs)


@needs_torch
def test_cumprod_second_order_through_zeros_as_pytorch():
    data = np.array([[3.0, 0.0, 2.0, 0.0, 5.0], [0.0, 1.5, -2.0, 1.0, 0.5], [1.0, 2.0, 0.0, 3.0, 0.0]])
    results = []
    for ns in (nbt, real_torch):
        x = ns.tensor(data, requires_grad=True)
        w = ns.tensor(np.arange(15.0).reshape(3, 5))
        (g,) = ns.autograd.grad((x.cumprod(1) * w).sum(), x, create_graph=True)
        (h,) = ns.autograd.grad((g * g).sum(), x)
        results.append((g.detach().numpy(), h.numpy()))
    for o, t in zip(*results):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12)
