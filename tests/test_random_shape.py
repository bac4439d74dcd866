"""Random programs (tests/test_random_programs.py's machinery) with the shape and reduction ops added later:
sorting and selecting, median, cumulative products and extremes, two-output reductions, diagonals and
triangles, scatter and index_* writes, in-place view changes and writes through views, against real PyTorch."""

from __future__ import annotations

import pytest

from .conftest import needs_torch
from .test_random_programs import BINARY, SHAPES, UNARY, compare_programs


def _write(c, fn):
    fn(c)
    return c


def _last(a):
    return a.shape[-1] if a.dim() else 0


MY_UNARY = [
    lambda ns, a: a.sort(-1).values if a.dim() else a,
    lambda ns, a: a.sort(0, descending=True)[0] * 2 if a.dim() else a,
    lambda ns, a: a.topk(min(2, _last(a)), -1).values if _last(a) else a,
    lambda ns, a: a.msort() if a.dim() else a,
    lambda ns, a: a.median() if a.numel() else a,
    lambda ns, a: a.median(-1).values if _last(a) else a,
    lambda ns, a: a.nanmedian(0, keepdim=True)[0] if a.dim() and a.shape[0] else a,
    lambda ns, a: a.cummax(-1).values if a.dim() else a,
    lambda ns, a: a.cummin(0)[0] if a.dim() else a,
    lambda ns, a: a.cumprod(-1) if a.dim() else a.cumprod(0),
    lambda ns, a: ns.var_mean(a, -1, correction=0)[0] + ns.var_mean(a, -1)[1] if a.dim() else a,
    lambda ns, a: ns.std_mean(a)[1] * ns.std_mean(a, correction=0)[0] if a.numel() else a,
    lambda ns, a: ns.aminmax(a).max - ns.aminmax(a).min if a.numel() else a,
    lambda ns, a: ns.aminmax(a, dim=-1, keepdim=True).min if _last(a) else a,
    lambda ns, a: a.nansum(-1) if a.dim() else a.nansum(),
    lambda ns, a: a.nanmean() if a.numel() else a,
    lambda ns, a: a.diagonal() if a.dim() == 2 else a,
    lambda ns, a: a.diag() if a.dim() in (1, 2) else a,
    lambda ns, a: a.diag_embed(1) if a.dim() else a,
    lambda ns, a: a.tril() + a.triu(1) * 2 if a.dim() >= 2 else a,
    lambda ns, a: a.take(ns.tensor([0, -1])) if a.numel() else a,
    lambda ns, a: ns.take_along_dim(a, ns.zeros(a.shape[:-1] + (1,), dtype=ns.int64), -1) if _last(a) else a,
    lambda ns, a: a.unfold(-1, 2, 1) if _last(a) >= 2 else a,
    lambda ns, a: a.repeat_interleave(2, dim=-1) if a.dim() else a.repeat_interleave(3),
    lambda ns, a: a.repeat_interleave(ns.tensor([1, 0] * (_last(a) // 2) + [2] * (_last(a) % 2)), dim=-1)
    if a.dim() else a,
    lambda ns, a: a.tile(2),
    lambda ns, a: a.masked_select(ns.ones(a.shape, dtype=ns.bool).tril() if a.dim() >= 2 else a == a),
    lambda ns, a: a.unflatten(-1, (1, _last(a))) if a.dim() else a,
    lambda ns, a: a.diff() if _last(a) >= 2 else a,
    lambda ns, a: a.diff(prepend=a[..., :1] * 0) if a.dim() else a,
    lambda ns, a: a.rot90() if a.dim() >= 2 else a,
    lambda ns, a: a.fliplr() if a.dim() >= 2 else a.flipud() if a.dim() else a,
    lambda ns, a: a.movedim(0, -1) if a.dim() else a,
    lambda ns, a: a.narrow(-1, _last(a) - 1, 1) if _last(a) else a,
    lambda ns, a: a.mT if a.dim() >= 2 else a,
    lambda ns, a: a.scatter(-1, ns.zeros(a.shape[:-1] + (1,), dtype=ns.int64), 0.5) if _last(a) else a,
    lambda ns, a: a.index_fill(-1, ns.tensor([0]), -0.25) if _last(a) else a,
    lambda ns, a: a.index_add(-1, ns.arange(_last(a)).flip(0), a, alpha=0.5) if a.dim() else a,
    lambda ns, a: a.index_copy(0, ns.arange(a.shape[0]).flip(0), a.sin()) if a.dim() else a,
    lambda ns, a: a.scatter_add(0, ns.zeros(a.shape, dtype=ns.int64), a * a) if a.dim() else a,
    lambda ns, a: (a * 1).t_() if a.dim() <= 2 else a,
    lambda ns, a: (a * 1).unsqueeze_(0).squeeze_(0),
    lambda ns, a: _write(a * 1, lambda c: c.tril_()) if a.dim() >= 2 else a,
    lambda ns, a: _write(a * 1, lambda c: c.diagonal().mul_(2)) if a.dim() == 2 else a,
    lambda ns, a: _write(a * 1, lambda c: c[..., :1].mul_(3).t_() if c.dim() == 2 else c[..., :1].exp_())
    if a.dim() else a,
    lambda ns, a: _write(a * 1, lambda c: c.__setitem__(c > 0, 0.5)),
]
MY_BINARY = [
    lambda ns, a, b: ns.cat([a.reshape(-1), b.reshape(-1)]) * 1,
    lambda ns, a, b: _write(a * 1, lambda c: c.__setitem__((..., 0), b.sum())) if a.dim() else a * b,
    lambda ns, a, b: _write(a * 1, lambda c: c.__setitem__(ns.tensor([0]), b.mean())) if a.dim() else a + b,
    lambda ns, a, b: _write(a * 1, lambda c: c.view(-1)[:1].mul_(b.sum())),
    lambda ns, a, b: a.index_put((ns.tensor([0]),), b.max(), accumulate=True) if a.dim() else a - b,
    lambda ns, a, b: a.masked_fill(a > 0, b.sum()),
    lambda ns, a, b: _write(a * 1, lambda c: c.fill_(b.sum())) * a,
]


@needs_torch
@pytest.mark.filterwarnings("ignore:.*degrees of freedom")  # var/std of one element: PyTorch's warning, and ours
@pytest.mark.parametrize("block", range(8))
def test_random_shape_programs_match_pytorch(block):
    checked, mismatches = compare_programs(range(50_000 + block * 300, 50_000 + block * 300 + 300),
                                           unary=UNARY + MY_UNARY, binary=BINARY + MY_BINARY, shapes=SHAPES,
                                           rng_seed=block)
    assert checked >= 200
    assert not mismatches, mismatches[:3]
