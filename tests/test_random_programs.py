"""Random straight-line programs over the op table, run on nbautodiff.torch and on real PyTorch: the values and
both inputs' gradients must agree (float64). Each program is a few unary and binary steps on the inputs and
earlier results, so ops meet each other's edge cases (zeros after relu, ties after max, broadcasting). This is
how relu/clamp letting a nan through as nan * 0 was found."""

from __future__ import annotations

import random

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

UNARY = [
    lambda ns, a: a.exp() * 0.1,
    lambda ns, a: (a.abs() + 1).log(),
    lambda ns, a: a.sin(),
    lambda ns, a: a.tanh(),
    lambda ns, a: a.sigmoid(),
    lambda ns, a: a.relu(),
    lambda ns, a: a**2,
    lambda ns, a: a.clamp(-0.5, 0.5),
    lambda ns, a: a.softmax(-1),
    lambda ns, a: a.log_softmax(0) if a.dim() else a,
    lambda ns, a: a.sum(-1, keepdim=True) if a.dim() else a,
    lambda ns, a: a.mean(0) if a.dim() else a,
    lambda ns, a: a.t() if a.dim() == 2 else a,
    lambda ns, a: a.max(-1).values if a.dim() else a,
    lambda ns, a: a.cumsum(-1) if a.dim() else a,
    lambda ns, a: a.flip(-1) if a.dim() else a,
    lambda ns, a: a.amax(-1) if a.dim() else a,
    lambda ns, a: a % 0.7,
    lambda ns, a: a.reshape(-1),
    lambda ns, a: a[..., :1] if a.dim() else a,
    lambda ns, a: a.unsqueeze(0),
    lambda ns, a: a.var() if a.numel() > 1 else a,
    lambda ns, a: a.norm(),
    lambda ns, a: (a * a + 1).sqrt(),
    lambda ns, a: a.prod(-1) if a.dim() else a,
    lambda ns, a: ns.atan2(a, a + 2),
    lambda ns, a: a.repeat(2, *([1] * a.dim())) if a.dim() else a,
    lambda ns, a: a.masked_fill(a > 0.3, 0.1),
    lambda ns, a: a.gather(-1, ns.zeros(a.shape[:-1] + (1,), dtype=ns.int64)) if a.dim() else a,
]
BINARY = [
    lambda ns, a, b: a + b,
    lambda ns, a, b: a * b,
    lambda ns, a, b: a - b,
    lambda ns, a, b: a / (b.abs() + 1),
    lambda ns, a, b: ns.maximum(a, b),
    lambda ns, a, b: ns.where(a > b, a, b),
    lambda ns, a, b: ns.hypot(a, b),
]
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (4,)), ((), ()), ((2, 3), (3,))]


def program(seed: int, unary=UNARY, binary=BINARY) -> list:
    r = random.Random(seed)
    steps = []
    for _ in range(r.randint(2, 8)):
        if r.random() < 0.6:
            steps.append(("unary", r.randrange(len(unary)), r.randrange(10)))
        else:
            steps.append(("binary", r.randrange(len(binary)), r.randrange(10), r.randrange(10)))
    return steps


def run(ns, steps, x0, y0, unary=UNARY, binary=BINARY):
    x = ns.tensor(x0, dtype=ns.float64, requires_grad=True)
    y = ns.tensor(y0, dtype=ns.float64, requires_grad=True)
    values = [x, y]
    for step in steps:
        if step[0] == "unary":
            values.append(unary[step[1]](ns, values[step[2] % len(values)]))
        else:
            a, b = values[step[2] % len(values)], values[step[3] % len(values)]
            values.append(binary[step[1]](ns, a, b))
    out = values[-1].sum()
    grads = ns.autograd.grad(out, (x, y), allow_unused=True) if out.requires_grad else (None, None)
    return [out.detach().numpy()] + [None if g is None else g.numpy() for g in grads]


def compare_programs(seeds, unary=UNARY, binary=BINARY, shapes=SHAPES, rng_seed=0):
    """Run each seed's program on both engines; return (how many both ran, the mismatches). A program PyTorch
    refuses with a RuntimeError must be refused by ours too, with the same exception type."""
    rng = np.random.default_rng(rng_seed)
    mismatches = []
    checked = 0
    for seed in seeds:
        steps = program(seed, unary, binary)
        case = shapes[seed % len(shapes)]
        x0, y0 = rng.uniform(-1, 1, case[0]), rng.uniform(-1, 1, case[1])
        try:
            theirs = run(real_torch, steps, x0, y0, unary, binary)
        except RuntimeError:  # shapes that do not broadcast: PyTorch refuses the program, so must we
            try:
                run(nbt, steps, x0, y0, unary, binary)
            except RuntimeError:
                continue
            mismatches.append((seed, "ran where PyTorch refused", steps))
            continue
        try:
            ours = run(nbt, steps, x0, y0, unary, binary)
        except Exception as e:  # noqa: BLE001  (a crash is a mismatch to report, not to stop on)
            mismatches.append((seed, f"raised {type(e).__name__}: {e}", steps))
            continue
        checked += 1
        for name, t, o in zip(("value", "grad x", "grad y"), theirs, ours):
            if t is None or o is None:  # an unused input: None on one side, None or zeros on the other
                if not (t is None and (o is None or not np.any(o))) and not (o is None and not np.any(t)):
                    mismatches.append((seed, name, steps))
            elif t.shape != o.shape or not np.allclose(o, t, rtol=1e-6, atol=1e-9, equal_nan=True):
                mismatches.append((seed, name, steps))
    return checked, mismatches


@needs_torch
@pytest.mark.parametrize("block", range(10))
def test_random_programs_match_pytorch(block):
    checked, mismatches = compare_programs(range(block * 300, block * 300 + 300), rng_seed=block)
    assert checked >= 150
    assert not mismatches


def _write(c, fn):
    fn(c)
    return c


INPLACE = [  # each step writes into a fresh clone: in place on views, on saved outputs, after other writes
    lambda ns, a, b: a.clone().mul_(b) if a.shape == b.shape else a * 1,
    lambda ns, a, b: a.clone().add_(b, alpha=0.5) if a.shape == b.shape else a + 1,
    lambda ns, a, b: _write(a.clone(), lambda c: c.__setitem__((..., 0), b.sum())) if a.dim() else a,
    lambda ns, a, b: _write(a.clone(), lambda c: c[..., :1].mul_(2)) if a.dim() else a,
    lambda ns, a, b: _write(a.clone(), lambda c: c.t()[0].add_(3)) if a.dim() == 2 else a,
    lambda ns, a, b: _write(a.clone(), lambda c: c.sub_(b.mean())),
    lambda ns, a, b: _write(a.clone(), lambda c: c.clamp_(-0.5, 0.5)),
    lambda ns, a, b: _write(a.clone(), lambda c: c.relu_()),
    lambda ns, a, b: _write(a.clone(), lambda c: c.view(-1)[1:].div_(2)) if a.numel() > 1 else a,
    lambda ns, a, b: _write(a.clone(), lambda c: c.unsqueeze(0).exp_()),
    lambda ns, a, b: a.sin() * b.sum(),
    lambda ns, a, b: a.tanh() + b.mean(),
    lambda ns, a, b: _write(a.clone(), lambda c: c.masked_fill_(c > 0, 0.3)),
    lambda ns, a, b: _write(a.clone(), lambda c: c.__imul__(b)) if a.shape == b.shape else a,
    lambda ns, a, b: _write(a.clone(), lambda c: c.pow_(2)),
]


def run_inplace(ns, steps, x0, y0):
    x = ns.tensor(x0, dtype=ns.float64, requires_grad=True)
    y = ns.tensor(y0, dtype=ns.float64, requires_grad=True)
    values = [x, y]
    for k, i, j in steps:
        values.append(INPLACE[k](ns, values[i % len(values)], values[j % len(values)]))
    out = values[-1].sum()
    return [out.detach().numpy()] + [
        None if g is None else g.numpy() for g in ns.autograd.grad(out, (x, y), allow_unused=True)
    ]


@needs_torch
@pytest.mark.parametrize("block", range(4))
def test_random_inplace_programs_match_pytorch(block):
    """The same results, or the same refusal (a saved tensor written over), as PyTorch."""
    rng = np.random.default_rng(100 + block)
    mismatches = []
    for seed in range(block * 500, block * 500 + 500):
        r = random.Random(seed)
        steps = [(r.randrange(len(INPLACE)), r.randrange(9), r.randrange(9)) for _ in range(r.randint(1, 6))]
        shape = [(3, 4), (4,), (), (2, 3)][seed % 4]
        x0, y0 = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
        try:
            theirs = run_inplace(real_torch, steps, x0, y0)
        except RuntimeError as e:
            with pytest.raises(RuntimeError) as ours_error:
                run_inplace(nbt, steps, x0, y0)
            if str(e).split(":")[0] != str(ours_error.value).split(":")[0]:
                mismatches.append((seed, "error", steps))
            continue
        ours = run_inplace(nbt, steps, x0, y0)
        for name, t, o in zip(("value", "grad x", "grad y"), theirs, ours):
            if t is None or o is None:
                if (t is None) != (o is None) and np.any(o if t is None else t):
                    mismatches.append((seed, name, steps))
            elif t.shape != o.shape or not np.allclose(o, t, rtol=1e-6, atol=1e-9, equal_nan=True):
                mismatches.append((seed, name, steps))
    assert not mismatches
