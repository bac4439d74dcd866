#!/usr/bin/env python
"""Benchmarks: nbautodiff against PyTorch (CPU), micrograd, HIPS autograd and hand-written numpy, in one run.

Usage::

    python benchmarks/run.py                 # full run (about 30-60 s on 2 cores)
    python benchmarks/run.py --quick         # fewer repeats, shorter chains and loops
    python benchmarks/run.py --json out.json # also write the results as JSON
    python benchmarks/run.py --only a,c      # a subset of the benchmarks (a..k)
    python benchmarks/run.py --profile       # cProfile our engine on (a) and (c) as well
    python benchmarks/run.py --only '' --profile   # the profiles alone

Each benchmark is written once as a function of a namespace ``ns`` (``nbautodiff.torch`` or
``torch``), so the same code runs on both engines; the numpy baselines are written by hand, and the peers
(micrograd, autograd: ``peers.py``, ``pip install "nbautodiff[bench]"``) are timed in the same round-robin.
Times are the median of the timed repeats, taken after a few warm-up runs.
"""

from __future__ import annotations

import os

# One BLAS / OpenMP thread for every library: set before numpy and torch are imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

# Run from a checkout without installing: the repository root is this file's parent's parent.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # jupyter_layer.py beside this file
import peers  # noqa: E402

import nbautodiff.torch as nbt  # noqa: E402

torch.set_num_threads(1)

ENGINES = {"ours": nbt, "torch": torch}


# ====================================================================== timing and results
@dataclass
class Timing:
    """Seconds per run (the median and the best of the timed repeats) and the last run's value."""

    median: float
    best: float
    repeats: int
    value: object = None


def measure(fns: dict, repeats: int, warmup: int, setups: dict | None = None) -> dict:
    """Time each ``fns[name]()`` with time.perf_counter, round-robin so drift hits all alike.

    The order is shuffled every round (seeded): in a fixed order each engine always ran right after the same
    other one and paid for what that one left in the caches (on (c), whoever followed autograd lost 0.5 ms).
    ``setups[name]()``, if given, runs untimed before every call. Returns {name: Timing}.
    """
    setups = setups or {}
    for name, fn in fns.items():
        for _ in range(warmup):
            if name in setups:
                setups[name]()
            fn()
    times = {name: [] for name in fns}
    values = {}
    names = list(fns)
    order = random.Random(0)
    for _ in range(repeats):
        order.shuffle(names)
        for name in names:
            fn = fns[name]
            if name in setups:
                setups[name]()
            t0 = time.perf_counter()
            values[name] = fn()
            times[name].append(time.perf_counter() - t0)
    return {name: Timing(statistics.median(t), min(t), repeats, values[name])
            for name, t in times.items()}


@dataclass
class Result:
    """One benchmark's numbers, in ``unit``, and its target."""

    key: str
    name: str
    unit: str
    ours: float
    torch: float | None
    numpy: float | None
    target: str  # what is compared, e.g. "ours/torch <= 1.0"
    met: bool
    check: str = ""  # the gradient agreement check
    numpy_is: str = "hand-written numpy"
    extra: dict = field(default_factory=dict)
    ratios: bool = True  # False where a ratio means nothing (growth figures near zero)
    peers: dict = field(default_factory=dict)  # {peer: its time in ``unit``, or why it has none}

    @property
    def vs_torch(self) -> float | None:
        return _ratio(self.ours, self.torch) if self.ratios else None

    @property
    def vs_numpy(self) -> float | None:
        return _ratio(self.ours, self.numpy) if self.ratios else None

    @property
    def vs_micrograd(self) -> float | None:
        mg = self.peers.get("micrograd")
        return _ratio(self.ours, mg) if self.ratios and isinstance(mg, float) else None


def _ratio(a, b):
    return a / b if a is not None and b else None


def target_met(ours: float, reference: float, limit: float) -> bool:
    return ours <= limit * reference


def max_err(a, b) -> float:
    """The largest absolute difference between two arrays (or tensors)."""
    return float(np.max(np.abs(to_numpy(a).astype(np.float64) - to_numpy(b).astype(np.float64))))


def to_numpy(x) -> np.ndarray:
    if isinstance(x, (nbt.Tensor, torch.Tensor)):
        return x.detach().numpy()
    return np.asarray(x)


def agreement(pairs: dict, tol: float) -> str:
    """'ok (max err ...)' if every pair of gradients agrees to ``tol``, else 'MISMATCH ...'."""
    errs = {name: max_err(a, b) for name, (a, b) in pairs.items()}
    worst = max(errs.values())
    detail = ", ".join(f"{k} {v:.1e}" for k, v in errs.items())
    return f"{'ok' if worst <= tol else 'MISMATCH'} ({detail})"


def print_rows(unit: str, rows: dict[str, float | None], scale: float, notes: dict | None = None):
    notes = notes or {}
    for name, sec in rows.items():
        if sec is not None:
            print(f"    {name:<12} {sec * scale:10.3f} {unit:<8} {notes.get(name, '')}".rstrip())


def report(res: Result) -> None:
    vt = f"{res.vs_torch:.2f}x" if res.vs_torch is not None else "-"
    vn = f"{res.vs_numpy:.2f}x" if res.vs_numpy is not None else "-"
    for name, v in res.peers.items():
        shown = f"{v:.3f} {res.unit}   {name}/torch = {v / res.torch:.2f}x" if isinstance(v, float) else v
        print(f"    {name:<12} {shown}")
    vm = f"   ours/micrograd = {res.vs_micrograd:.2f}x" if res.vs_micrograd is not None else ""
    print(f"    ours/torch = {vt}   ours/numpy = {vn}{vm}   target {res.target}: "
          f"{'met' if res.met else 'NOT met'}")
    if res.check:
        print(f"    gradients: {res.check}")


# ====================================================================== (a) and (d): op chains
CHAIN_X0 = [0.1, 0.2, 0.3, 0.4]
CHAIN_SCALE = 1.0001


def chain_engine(ns, n_ops: int):
    """``n_ops`` cheap elementwise ops (mul, add, tanh, sub, repeating) then backward; x.grad."""
    x = ns.tensor(CHAIN_X0, requires_grad=True)
    peers.chain(x, n_ops, CHAIN_SCALE, ns.tanh).sum().backward()
    return x.grad


def chain_numpy(n_ops: int) -> np.ndarray:
    """The same chain in float32 numpy with a hand-written backward (a product of derivatives)."""
    y = np.array(CHAIN_X0, dtype=np.float32)
    tanh_outs = []
    for _ in range(n_ops // 4):
        y = y * CHAIN_SCALE
        y = y + 0.5
        y = np.tanh(y)
        tanh_outs.append(y)
        y = y - 0.5
    g = np.ones_like(y)
    for t in reversed(tanh_outs):  # sub and add pass g through; tanh and mul scale it
        g = g * (1 - t * t)
        g = g * CHAIN_SCALE
    return g


def _micrograd_chain(n_ops: int) -> str:
    """micrograd has no tensors: what the chain does to it on one scalar (its backward recurses once per node)."""
    try:
        peers.mg_scalar_chain(n_ops, CHAIN_X0[0], CHAIN_SCALE)()
    except RecursionError:
        return "RecursionError (recursive topological sort; no tensors either)"
    return "no tensors (scalar Values only)"


def without_gc(fn):
    """``fn`` run with CPython's cyclic garbage collector paused (a diagnostic variant)."""

    def run():
        gc.disable()
        try:
            return fn()
        finally:
            gc.enable()

    return run


def bench_chain(key: str, n_ops: int, repeats: int, warmup: int, per_op: bool, limit: float,
                gc_off_variant: bool = False):
    """Forward + backward of an ``n_ops`` chain on a 4-vector: ours, torch, numpy.

    ``gc_off_variant`` also times our engine with the cyclic GC paused, to show what the
    collector's passes over the growing tape cost (not part of the ratios).
    """
    fns = {name: (lambda ns=ns: chain_engine(ns, n_ops)) for name, ns in ENGINES.items()}
    fns["numpy"] = lambda: chain_numpy(n_ops)
    if gc_off_variant:
        fns["ours, gc off"] = without_gc(fns["ours"])
    missing = peers.available()
    if missing["autograd"] is None:
        fns["autograd"] = peers.ag_chain(n_ops, CHAIN_X0, CHAIN_SCALE)
    peer_notes = {"micrograd": missing["micrograd"] or _micrograd_chain(n_ops)}
    times = measure(fns, repeats, warmup)
    med = {k: t.median for k, t in times.items()}
    grads = {k: t.value for k, t in times.items()}
    pairs = {"ours-torch": (grads["ours"], grads["torch"]), "ours-numpy": (grads["ours"], grads["numpy"])}
    if "autograd" in grads:
        pairs["ours-autograd"] = (grads["ours"], grads["autograd"])
    check = agreement(pairs, 1e-5)
    unit, scale = ("us/op", 1e6 / n_ops) if per_op else ("s", 1.0)
    res = Result(key, f"({key}) {n_ops:,}-op chain, fwd+bwd", unit,
                 med["ours"] * scale, med["torch"] * scale, med["numpy"] * scale,
                 f"ours/torch <= {limit}", target_met(med["ours"], med["torch"], limit), check,
                 extra={"best_s": {k: t.best for k, t in times.items()}, "repeats": repeats,
                        "median_s": med},
                 peers={**peer_notes, "autograd": med["autograd"] * scale if "autograd" in med
                        else missing["autograd"]})
    med = {k: v for k, v in med.items() if k != "autograd"}
    print_rows(unit, med, scale, {"ours, gc off": "(diagnostic: cyclic GC paused; not in ratios)"})
    report(res)
    return res


# ====================================================================== (b) scalar MLP
SCALAR_SIZES = (2, 16, 16, 1)


def scalar_mlp_weights(sizes=SCALAR_SIZES, seed: int = 0) -> list:
    """[(W as rows of floats, b as floats)] per layer, from a fixed seed (shared by all three)."""
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = rng.uniform(-1, 1, (n_out, n_in)).astype(np.float32)
        b = rng.uniform(-1, 1, n_out).astype(np.float32)
        layers.append((w.tolist(), b.tolist()))
    return layers


def scalar_mlp_params(ns, layers) -> list:
    """Every weight and bias as its own 0-d tensor requiring grad, micrograd style."""
    return [([[ns.tensor(w, requires_grad=True) for w in row] for row in W],
             [ns.tensor(b, requires_grad=True) for b in B]) for W, B in layers]


def scalar_mlp_engine(ns, params, xs) -> None:
    """Forward (neurons from scalar mul/add, tanh on hidden layers) and backward of (out - 1)^2."""
    peers.scalar_mlp_loss(params, xs, ns.tanh).backward()


def scalar_mlp_python(layers, xs) -> list:
    """The same MLP in Python floats (math.tanh) with a hand-written backward; the gradients."""
    hs = [xs]
    last = len(layers) - 1
    for li, (W, B) in enumerate(layers):
        out = []
        for row, b in zip(W, B):
            act = b
            for w, xi in zip(row, hs[-1]):
                act += w * xi
            out.append(act if li == last else math.tanh(act))
        hs.append(out)
    g = [2.0 * (hs[-1][0] - 1.0)]
    grads = [None] * len(layers)
    for li in range(last, -1, -1):
        W, _ = layers[li]
        h_in, h_out = hs[li], hs[li + 1]
        if li != last:
            g = [gj * (1.0 - o * o) for gj, o in zip(g, h_out)]
        grads[li] = ([[gj * xi for xi in h_in] for gj in g], list(g))
        g = [sum(g[j] * W[j][i] for j in range(len(g))) for i in range(len(h_in))]
    return grads


def flat_grads(params) -> np.ndarray:
    return np.array([float(p.grad) for W, B in params for p in [*sum(W, []), *B]])


def flat_python(grads) -> np.ndarray:
    return np.array([v for gW, gB in grads for v in [*sum(gW, []), *gB]])


def bench_scalar_mlp(repeats: int, warmup: int):
    """Micrograd-style 2-16-16-1 MLP of 0-d tensors, forward + backward on one input."""
    layers = scalar_mlp_weights()
    x_in = [0.5, -1.5]
    params = {name: scalar_mlp_params(ns, layers) for name, ns in ENGINES.items()}
    inputs = {name: [ns.tensor(v) for v in x_in] for name, ns in ENGINES.items()}
    n_params = sum(len(B) * (len(W[0]) + 1) for W, B in layers)

    def zero(name):
        for W, B in params[name]:
            for p in [*sum(W, []), *B]:
                p.grad = None

    fns = {name: (lambda ns=ns, n=name: scalar_mlp_engine(ns, params[n], inputs[n]))
           for name, ns in ENGINES.items()}
    fns["numpy"] = lambda: scalar_mlp_python(layers, x_in)
    missing = peers.available()
    peer_grads = {}
    if missing["micrograd"] is None:
        fns["micrograd"], peer_grads["micrograd"] = peers.mg_scalar_mlp(layers, x_in)
    if missing["autograd"] is None:
        fns["autograd"], peer_grads["autograd"] = peers.ag_scalar_mlp(layers, x_in)
    times = measure(fns, repeats, warmup, {name: (lambda n=name: zero(n)) for name in ENGINES})
    for name, ns in ENGINES.items():
        zero(name)
        scalar_mlp_engine(ns, params[name], inputs[name])
    g_ours, g_torch = flat_grads(params["ours"]), flat_grads(params["torch"])
    pairs = {"ours-torch": (g_ours, g_torch), "ours-python": (g_ours, flat_python(scalar_mlp_python(layers, x_in)))}
    pairs.update({f"ours-{k}": (g_ours, fn()) for k, fn in peer_grads.items()})
    check = agreement(pairs, 1e-4)
    med = {k: t.median for k, t in times.items()}
    peer_ms = {k: (med.pop(k) * 1e3 if k in med else missing[k]) for k in ("micrograd", "autograd")}
    mg = peer_ms["micrograd"]
    met = target_met(med["ours"], med["torch"], 0.8) and (not isinstance(mg, float) or med["ours"] * 1e3 <= 0.8 * mg)
    res = Result("b", f"(b) scalar MLP 2-16-16-1 ({n_params} 0-d params)", "ms", med["ours"] * 1e3,
                 med["torch"] * 1e3, med["numpy"] * 1e3, "ours <= 0.8x torch, 0.8x micrograd", met, check,
                 numpy_is="Python-float scalar math, hand-written backward",
                 extra={"best_s": {k: t.best for k, t in times.items()}, "repeats": repeats}, peers=peer_ms)
    print_rows("ms", med, 1e3, {"numpy": "(Python floats + math.tanh, hand-written backward)"})
    report(res)
    return res


# ====================================================================== (c) MLP training step
def mlp_weights(sizes, seed: int = 0) -> list:
    """Float32 (out, in) weights and biases, PyTorch's U(-1/sqrt(in), 1/sqrt(in)) init."""
    rng = np.random.default_rng(seed)
    arrays = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / math.sqrt(n_in)
        arrays.append(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32))
        arrays.append(rng.uniform(-bound, bound, n_out).astype(np.float32))
    return arrays


def mlp_batch(batch: int, n_in: int, n_out: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, n_in), dtype=np.float32), rng.integers(0, n_out, batch)


def make_mlp(ns, sizes, weights):
    """Linear/ReLU Sequential with the given weights, and an SGD(lr=0.1) optimiser."""
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [ns.nn.Linear(n_in, n_out), ns.nn.ReLU()]
    model = ns.nn.Sequential(*layers[:-1])
    for p, a in zip(model.parameters(), weights):
        p.data = ns.from_numpy(a.copy())
    return model, ns.optim.SGD(model.parameters(), lr=0.1)


def mlp_step(ns, model, opt, x, y):
    """One training step: forward, cross-entropy, backward, SGD update, zero_grad."""
    loss = ns.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    opt.zero_grad()
    return loss


class NumpyMLP:
    """The same MLP and SGD step by hand in float32 numpy; weights stored (out, in)."""

    def __init__(self, weights, lr: float = 0.1):
        self.params = [a.copy() for a in weights]
        self.lr = np.float32(lr)

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        ws, bs = self.params[0::2], self.params[1::2]
        acts = [x]  # the inputs of each Linear
        h = x
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w.T + b
            if i < len(ws) - 1:
                h = np.maximum(h, 0)
                acts.append(h)
        # stable softmax cross-entropy, mean over the batch
        n = h.shape[0]
        shifted = h - h.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = -(shifted[np.arange(n), y] - np.log(s[:, 0])).mean()
        g = e / s
        g[np.arange(n), y] -= 1
        g /= n
        # backward through the Linear/ReLU stack, then the SGD update in place
        grads = []
        for i in range(len(ws) - 1, -1, -1):
            a = acts[i]
            grads.append((g.T @ a, g.sum(axis=0)))
            if i:
                g = g @ ws[i]
                g *= a > 0
        for (gw, gb), w, b in zip(reversed(grads), ws, bs):
            w -= self.lr * gw
            b -= self.lr * gb
        return float(loss)


def bench_mlp(repeats: int, warmup: int):
    """784-256-128-10 ReLU MLP, cross-entropy, batch 128, one SGD step per iteration."""
    sizes = (784, 256, 128, 10)
    weights = mlp_weights(sizes)
    xb, yb = mlp_batch(128, sizes[0], sizes[-1])

    # Agreement: one step from the same weights, then compare losses and updated weights.
    losses, updated = {}, {}
    for name, ns in ENGINES.items():
        model, opt = make_mlp(ns, sizes, weights)
        loss = mlp_step(ns, model, opt, ns.from_numpy(xb), ns.from_numpy(yb))
        losses[name] = float(loss.detach())
        updated[name] = [to_numpy(p) for p in model.parameters()]
    ref = NumpyMLP(weights)
    losses["numpy"] = ref.step(xb, yb)
    updated["numpy"] = ref.params
    check = agreement({
        "ours-torch": (np.concatenate([a.ravel() for a in updated["ours"]]),
                       np.concatenate([a.ravel() for a in updated["torch"]])),
        "ours-numpy": (np.concatenate([a.ravel() for a in updated["ours"]]),
                       np.concatenate([a.ravel() for a in updated["numpy"]])),
        "loss ours-torch": (losses["ours"], losses["torch"]),
    }, 1e-5)

    fns = {}
    for name, ns in ENGINES.items():
        model, opt = make_mlp(ns, sizes, weights)
        x, y = ns.from_numpy(xb), ns.from_numpy(yb)
        fns[name] = lambda ns=ns, m=model, o=opt, x=x, y=y: mlp_step(ns, m, o, x, y)
    ref = NumpyMLP(weights)
    fns["numpy"] = lambda: ref.step(xb, yb)
    missing = peers.available()
    if missing["autograd"] is None:
        step, _ = peers.ag_mlp_step(weights, xb, yb)
        fns["autograd"] = step
        one, ag_params = peers.ag_mlp_step(weights, xb, yb)
        one()
        check += "; " + agreement({"ours-autograd": (
            np.concatenate([a.ravel() for a in updated["ours"]]), np.concatenate([a.ravel() for a in ag_params]))},
            1e-5)
    # Each timed step follows an untimed one of the same engine, as in a training loop: otherwise an engine's
    # step starts with what the previous engine (autograd's tape, torch's buffers) left in the caches.
    times = measure(fns, repeats, warmup, setups=fns)
    med = {k: t.median for k, t in times.items()}
    ag = med.pop("autograd", None)
    res = Result("c", "(c) MLP 784-256-128-10 SGD step, b=128", "ms/step", med["ours"] * 1e3,
                 med["torch"] * 1e3, med["numpy"] * 1e3, "ours/numpy <= 1.1",
                 target_met(med["ours"], med["numpy"], 1.1), check,
                 extra={"best_s": {k: t.best for k, t in times.items()}, "repeats": repeats},
                 peers={"micrograd": "no tensors", "autograd": ag * 1e3 if ag is not None else missing["autograd"]})
    print_rows("ms/step", med, 1e3)
    report(res)
    return res


# ====================================================================== (e) Hessian-vector product
def hvp_engine(ns, w, x, v):
    """H(x) v for f(x) = sum(tanh(W x)^2) by double backward through autograd.grad."""
    f = (ns.tanh(w @ x) ** 2).sum()
    (g,) = ns.autograd.grad(f, x, create_graph=True)
    (hv,) = ns.autograd.grad((g * v).sum(), x)
    return hv


def hvp_numpy(w: np.ndarray, x: np.ndarray, v: np.ndarray):
    """The analytic value, gradient and HVP: grad = W^T s, Hv = W^T (s' * (W v)), s = 2t(1-t^2)."""
    t = np.tanh(w @ x)
    f = (t * t).sum()
    one_minus = 1 - t * t
    grad = w.T @ (2 * t * one_minus)
    hv = w.T @ ((2 * one_minus * (1 - 3 * t * t)) * (w @ v))
    return f, grad, hv


def bench_hvp(repeats: int, warmup: int, n: int = 256):
    """HVP of f(x) = sum(tanh(W x)^2), W n x n float32."""
    rng = np.random.default_rng(2)
    w_np = (rng.standard_normal((n, n)) / math.sqrt(n)).astype(np.float32)
    x_np = rng.standard_normal(n).astype(np.float32)
    v_np = rng.standard_normal(n).astype(np.float32)
    args = {name: (ns.from_numpy(w_np), ns.from_numpy(x_np.copy()).requires_grad_(True),
                   ns.from_numpy(v_np)) for name, ns in ENGINES.items()}
    fns = {name: (lambda ns=ns, a=args[name]: hvp_engine(ns, *a)) for name, ns in ENGINES.items()}
    missing = peers.available()
    if missing["autograd"] is None:
        fns["autograd"] = peers.ag_hvp(w_np, x_np, v_np)
    times = measure({**fns, "numpy": lambda: hvp_numpy(w_np, x_np, v_np)}, repeats, warmup)
    hv = {k: t.value for k, t in times.items()}
    pairs = {"ours-torch": (hv["ours"], hv["torch"]), "ours-numpy": (hv["ours"], hv["numpy"][2])}
    if "autograd" in hv:
        pairs["ours-autograd"] = (hv["ours"], hv["autograd"])
    check = agreement(pairs, 1e-4)
    med = {k: t.median for k, t in times.items()}
    ag = med.pop("autograd", None)
    res = Result("e", f"(e) HVP, sum(tanh(Wx)^2), W {n}x{n}", "ms", med["ours"] * 1e3,
                 med["torch"] * 1e3, med["numpy"] * 1e3, "ours/torch <= 1.2",
                 target_met(med["ours"], med["torch"], 1.2), check,
                 numpy_is="hand-written numpy (analytic gradient and HVP)",
                 extra={"best_s": {k: t.best for k, t in times.items()}, "repeats": repeats},
                 peers={"micrograd": "no tensors", "autograd": ag * 1e3 if ag is not None else missing["autograd"]})
    print_rows("ms", med, 1e3, {"numpy": "(analytic f, gradient and HVP)"})
    report(res)
    return res


# ====================================================================== (f) memory over training
def current_rss() -> int | None:
    """Resident set size in bytes now (Linux /proc), or None where that isn't available."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return None


def fill_tuple_freelists(per_size: int = 2100, max_size: int = 20) -> None:
    """Fill CPython's per-size tuple free lists (2,000 tuples each for sizes 1..19).

    A freed tuple goes onto its size's free list instead of back to the allocator, and a tuple
    shrunk by ``tuple(generator)`` is malloc'ed, not taken from a list: so a loop that does that
    adds one tuple per call to a free list until it holds 2,000. tracemalloc counts that memory
    (about 330 KiB for our engine, 100 KiB for PyTorch, reached after ~1,000 steps) though
    nothing leaks. Filling the lists before measuring takes this artefact out of the slope.
    """
    keep = [tuple([i] * k) for k in range(1, max_size + 1) for i in range(per_size)]
    del keep


def memory_loop(ns, steps: int, first: int, traced: bool) -> dict:
    """Train a 784-64-10 MLP (batch 32) for ``steps`` steps with the cyclic GC off.

    Reads, at step ``first`` and at the last step, the live GC-tracked object count and either
    tracemalloc's traced memory (``traced``) or the RSS (a separate run: tracemalloc's own
    tables would show in the RSS). Then ``gc.collect()`` says how many objects were kept alive
    only by reference cycles: none if the tape makes no cycles.
    """
    sizes = (784, 64, 10)
    model, opt = make_mlp(ns, sizes, mlp_weights(sizes, seed=3))
    xb, yb = mlp_batch(32, sizes[0], sizes[-1], seed=4)
    x, y = ns.from_numpy(xb), ns.from_numpy(yb)
    for _ in range(5):  # warm caches (optimiser state, lazily built objects) before measuring
        mlp_step(ns, model, opt, x, y)
    gc.collect()
    fill_tuple_freelists()
    # Pre-filled dicts of ints: recording a mark makes no new GC-tracked object.
    mem, objs = {first: 0, steps: 0}, {first: 0, steps: 0}
    gc.disable()
    if traced:
        tracemalloc.start()
    try:
        t0 = time.perf_counter()
        for step in range(1, steps + 1):
            mlp_step(ns, model, opt, x, y)
            if step in mem:
                mem[step] = tracemalloc.get_traced_memory()[0] if traced else (current_rss() or 0)
                objs[step] = len(gc.get_objects())
        elapsed = time.perf_counter() - t0
    finally:
        if traced:
            tracemalloc.stop()
        gc.enable()
    return {"kib_per_100": (mem[steps] - mem[first]) / 1024 * 100.0 / (steps - first),
            "gc_objects_growth": objs[steps] - objs[first], "gc_collected": gc.collect(),
            "ms_per_step": elapsed / steps * 1e3}


def memory_run(ns, steps: int, first: int) -> dict:
    """tracemalloc and RSS growth per 100 steps (two runs), GC object growth and cycles found."""
    t = memory_loop(ns, steps, first, traced=True)
    r = memory_loop(ns, steps, first, traced=False) if current_rss() is not None else None
    return {
        "traced_kib_per_100": t["kib_per_100"],
        "rss_kib_per_100": r["kib_per_100"] if r else None,
        "gc_objects_growth": t["gc_objects_growth"],
        "gc_collected": t["gc_collected"] + (r["gc_collected"] if r else 0),
        "ms_per_step": r["ms_per_step"] if r else t["ms_per_step"],
        "steps": steps,
        "first": first,
    }


def bench_memory(steps: int, first: int, flat_kib: float = 1.0):
    """Memory growth per 100 steps for ours and PyTorch (tracemalloc sees only Python-side memory
    for PyTorch; its tensor storage shows in the RSS)."""
    runs = {name: memory_run(ns, steps, first) for name, ns in ENGINES.items()}
    print(f"    growth from step {first} to {steps}, cyclic GC off in the loop:")
    print(f"    {'':6} {'traced KiB/100':>14} {'RSS KiB/100':>12} {'GC objects':>11} "
          f"{'in cycles':>10} {'ms/step':>8}")
    for name, r in runs.items():
        rss = r["rss_kib_per_100"]
        rss = f"{rss:12.1f}" if rss is not None else f"{'n/a':>12}"
        print(f"    {name:<6} {r['traced_kib_per_100']:14.3f} {rss} {r['gc_objects_growth']:+11d} "
              f"{r['gc_collected']:10d} {r['ms_per_step']:8.3f}")
    print("    (GC objects: change in live GC-tracked objects; in cycles: what gc.collect() found\n"
          "     after the loop; RSS from a second run without tracemalloc; tuple free lists are\n"
          "     filled first, see fill_tuple_freelists.)")
    ours = runs["ours"]
    met = abs(ours["traced_kib_per_100"]) <= flat_kib and ours["gc_collected"] == 0
    res = Result("f", f"(f) memory growth, {steps} SGD steps 784-64-10", "KiB/100st",
                 ours["traced_kib_per_100"], runs["torch"]["traced_kib_per_100"], None,
                 f"|growth| <= {flat_kib} KiB, 0 cycles", met,
                 check=f"ours: {ours['gc_collected']} objects in cycles, "
                       f"{ours['gc_objects_growth']:+d} live GC-tracked objects",
                 numpy_is="-", extra=runs, ratios=False)
    print(f"    target {res.target}: {'met' if met else 'NOT met'}")
    return res


# ====================================================================== (k) peak memory of a long chain
PEAK_CODE = """
import os, resource, sys, time
for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"
sys.path[:0] = {paths!r}
engine, n_ops = sys.argv[1], int(sys.argv[2])
import numpy as np
import run
if engine == "autograd":
    import peers
    fn = peers.ag_chain(n_ops, run.CHAIN_X0, run.CHAIN_SCALE)
elif engine == "numpy":
    fn = lambda: run.chain_numpy(n_ops)
else:
    ns = run.ENGINES[engine]
    fn = lambda: run.chain_engine(ns, n_ops)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
fn()
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t0)
"""


def bench_peak(n_ops: int):
    """Peak RSS (ru_maxrss) of one fwd+bwd of an ``n_ops`` chain, each engine in a fresh interpreter."""
    import subprocess

    here = Path(__file__).resolve().parent
    code = PEAK_CODE.format(paths=[str(here), str(here.parent)])
    engines = ["ours", "torch", "numpy"] + (["autograd"] if peers.available()["autograd"] is None else [])
    rows = {}
    for engine in engines:
        out = subprocess.run([sys.executable, "-c", code, engine, str(n_ops)], capture_output=True, text=True)
        if out.returncode:
            rows[engine] = None
            print(f"    {engine:<10} failed: {out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode}")
            continue
        base, peak, secs = out.stdout.split()
        rows[engine] = (int(base) / 1024, int(peak) / 1024, float(secs))
    print(f"    {'':10} {'after import MB':>15} {'peak MB':>9} {'added MB':>9} {'s':>7}")
    for engine, r in rows.items():
        if r:
            print(f"    {engine:<10} {r[0]:15.1f} {r[1]:9.1f} {r[1] - r[0]:9.1f} {r[2]:7.2f}")
    ours, theirs = rows.get("ours"), rows.get("torch")
    met = bool(ours and theirs and ours[1] < theirs[1])
    print(f"    target: our peak RSS below PyTorch's: {'met' if met else 'NOT met'}")
    ag = rows.get("autograd")
    return Result("k", f"(k) peak RSS, {n_ops:,}-op chain", "MB", ours[1] if ours else math.nan,
                  theirs[1] if theirs else None, rows["numpy"][1] if rows.get("numpy") else None,
                  "peak RSS < torch's", met, numpy_is="hand-written numpy, same process kind",
                  extra={"rows": rows},
                  peers={"micrograd": "RecursionError (see d)", "autograd": ag[1] if ag else "not installed"})


# ====================================================================== (g)-(i): the Jupyter layer
def bench_jupyter(key: str, quick: bool) -> Result:
    """What a learner waits for: a picture drawn, a slider moved, the stepper built (no PyTorch equivalent)."""
    import jupyter_layer as J

    reps = 3 if quick else 7
    if key == "g":
        small, d1 = J.picture(1000, reps)
        big, d2 = J.picture(10_000, max(1, reps // 3))
        print(f"    layout + SVG, {d1['picture nodes']:,} picture nodes: {small * 1e3:8.1f} ms   "
              f"(snapshot {d1['snapshot s'] * 1e3:.1f} ms, {d1['svg bytes'] / 1e3:.0f} KB)")
        print(f"    layout + SVG, {d2['picture nodes']:,} picture nodes: {big * 1e3:8.1f} ms   "
              f"(snapshot {d2['snapshot s'] * 1e3:.1f} ms, {d2['svg bytes'] / 1e3:.0f} KB)")
        met = small <= 0.3 and big <= 3.0
        print(f"    target 1,000 nodes <= 0.3 s and 10,000 <= 3 s: {'met' if met else 'NOT met'}")
        return Result("g", "(g) picture of 1,000 / 10,000 nodes", "s", small, None, None,
                      f"<= 0.3 s (10,000: {big:.2f} <= 3 s)", met, extra={"1000": d1, "10000": d2}, ratios=False)
    if key == "h":
        secs, d = J.explorer_update(30 if quick else 100)
        met = secs <= 0.020
        print(f"    one update (f recorded, backward, differences, picture): {secs * 1e3:.2f} ms; target <= 20 ms: "
              f"{'met' if met else 'NOT met'}")
        return Result("h", "(h) explorer update, seed 004", "ms", secs * 1e3, None, None, "<= 20 ms", met,
                      extra=d, ratios=False)
    if key == "j":
        added, d = J.magic_overhead(1000, reps, graph=True)
        big, d2 = J.magic_overhead(100_000 if not quick else 30_000, max(1, reps // 3), graph=False)
        met = added <= 0.3 and d2["ratio"] <= 1.3
        print(f"    %%autodiff on a 1,000-op cell: +{added * 1e3:.1f} ms (cell {d['cell s'] * 1e3:.1f} ms); "
              f"target <= 300 ms: {'met' if added <= 0.3 else 'NOT met'}")
        print(f"    %%autodiff --no-graph on a {100_000 if not quick else 30_000:,}-op cell: {d2['ratio']:.2f}x the "
              f"cell's own {d2['cell s']:.2f} s; target <= 1.3x: {'met' if d2['ratio'] <= 1.3 else 'NOT met'}")
        return Result("j", "(j) %%autodiff report, 1,000-op cell", "s", added, None, None,
                      f"<= 0.3 s (--no-graph, 100k ops: {d2['ratio']:.2f}x <= 1.3x)", met,
                      extra={"1000": d, "100000": d2}, ratios=False)
    secs, d = J.stepper(1000, reps)
    met = secs <= 1.0
    print(f"    {d['frames']} frames for {d['picture nodes']:,} picture nodes: {secs:.3f} s, widget state "
          f"{d['widget state MB']} MB; target <= 1 s: {'met' if met else 'NOT met'}")
    return Result("i", "(i) stepper frames, 1,000-node graph", "s", secs, None, None, "<= 1 s", met, extra=d,
                  ratios=False)


# ====================================================================== profiling and summary
def profile_ours(settings: dict) -> None:
    """cProfile our engine on (a) and (c): the top 15 functions by own time."""
    import cProfile
    import pstats

    sizes = (784, 256, 128, 10)
    model, opt = make_mlp(nbt, sizes, mlp_weights(sizes))
    xb, yb = mlp_batch(128, sizes[0], sizes[-1])
    x, y = nbt.from_numpy(xb), nbt.from_numpy(yb)
    n_ops = settings["chain_ops"]
    cases = {
        f"(a) {n_ops:,}-op chain x 20": lambda: [chain_engine(nbt, n_ops) for _ in range(20)],
        "(c) MLP SGD step x 50": lambda: [mlp_step(nbt, model, opt, x, y) for _ in range(50)],
    }
    for title, fn in cases.items():
        fn()
        prof = cProfile.Profile()
        prof.enable()
        fn()
        prof.disable()
        print(f"\n--- cProfile, our engine, {title} (top 15 by tottime)")
        pstats.Stats(prof, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(15)


def fmt(v, spec: str = ".3f") -> str:
    return "-" if v is None else format(v, spec)


def print_summary(results: list[Result]) -> None:
    head = (f"{'benchmark':<44} {'unit':<9} {'ours':>9} {'torch':>9} {'numpy':>9} "
            f"{'vs torch':>8} {'vs numpy':>8} {'vs mgrad':>8} {'mgrad/t':>8} {'autog/t':>8}  {'target':<34} "
            f"{'met':<4} grads")
    print("\n" + "=" * len(head) + "\nSUMMARY\n" + head + "\n" + "-" * len(head))
    for r in results:
        vt = fmt(r.vs_torch, ".2f") + "x" if r.vs_torch is not None else "-"
        vn = fmt(r.vs_numpy, ".2f") + "x" if r.vs_numpy is not None else "-"
        agree = r.check.split(" ", 1)[0] if r.ratios else "-"
        vm = fmt(r.vs_micrograd, ".2f") + "x" if r.vs_micrograd is not None else "-"
        pt = {k: (fmt(v / r.torch, ".2f") + "x" if isinstance(v, float) and r.torch else
                  ("RecErr" if isinstance(v, str) and v.startswith("RecursionError") else "-"))
              for k, v in ((k, r.peers.get(k)) for k in ("micrograd", "autograd"))}
        print(f"{r.name:<44} {r.unit:<9} {fmt(r.ours):>9} {fmt(r.torch):>9} {fmt(r.numpy):>9} "
              f"{vt:>8} {vn:>8} {vm:>8} {pt['micrograd']:>8} {pt['autograd']:>8}  {r.target:<34} "
              f"{'yes' if r.met else 'no':<4} {agree}")
    print("-" * len(head))
    print("numpy column: (a)(c)(d) hand-written float32 numpy; (b) Python-float scalar math with a "
          "hand-written backward;\n(e) analytic gradient + HVP in numpy; (f) the torch column is "
          "tracemalloc-visible (Python-side) growth only; (g)-(j) have no PyTorch equivalent.\n"
          "vs mgrad: ours/micrograd; mgrad/t and autog/t: micrograd/torch and HIPS autograd/torch, timed in the "
          "same round-robin.")


def environment() -> dict:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "nbautodiff": nbt.__version__,
        **{k: v or "not installed" for k, v in peers.versions().items()},
        "torch_threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


SETTINGS = {
    "full": dict(chain_ops=2000, chain_reps=100, long_ops=100_000, long_reps=5, scalar_reps=100,
                 mlp_reps=200, hvp_reps=1000, mem_steps=1000, mem_first=100, warmup=3, peak_ops=1_000_000),
    "quick": dict(chain_ops=2000, chain_reps=15, long_ops=100_000, long_reps=1, scalar_reps=15,
                  mlp_reps=30, hvp_reps=100, mem_steps=400, mem_first=100, warmup=1, peak_ops=200_000),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats and a shorter memory loop")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON to PATH")
    parser.add_argument("--only", default="abcdefkghij",
                        help="which benchmarks to run, e.g. 'a,c' (default: all)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile our engine on (a) and (c)")
    args = parser.parse_args(argv)
    s = SETTINGS["quick" if args.quick else "full"]
    only = set(args.only.replace(",", "").lower())
    env = environment()
    print("nbautodiff benchmarks vs PyTorch CPU, micrograd, HIPS autograd and numpy; "
          + ", ".join(f"{k} {v}" for k, v in env.items()))
    print(f"mode: {'quick' if args.quick else 'full'}; times are medians of interleaved repeats "
          f"after {s['warmup']} warm-up runs\n")

    plan = [
        ("a", "(a) op overhead: 2,000-op elementwise chain on a float32 4-vector, fwd+bwd",
         lambda: bench_chain("a", s["chain_ops"], s["chain_reps"], s["warmup"], True, 0.8)),
        ("b", "(b) micrograd-style scalar MLP, fwd+bwd on one input",
         lambda: bench_scalar_mlp(s["scalar_reps"], s["warmup"])),
        ("c", "(c) MLP 784-256-128-10 training step (cross-entropy, SGD lr 0.1, batch 128)",
         lambda: bench_mlp(s["mlp_reps"], s["warmup"])),
        ("d", f"(d) {s['long_ops']:,}-op chain, fwd+bwd",
         lambda: bench_chain("d", s["long_ops"], s["long_reps"], 1, False, 0.8,
                             gc_off_variant=True)),
        ("e", "(e) Hessian-vector product by double backward",
         lambda: bench_hvp(s["hvp_reps"], s["warmup"])),
        ("f", "(f) memory growth over a training loop",
         lambda: bench_memory(s["mem_steps"], s["mem_first"])),
        ("k", f"(k) peak memory of a {s['peak_ops']:,}-op chain, fwd+bwd, each engine in its own process",
         lambda: bench_peak(s["peak_ops"])),
        ("g", "(g) the picture: layout + SVG of a graph, nothing collapsed",
         lambda: bench_jupyter("g", args.quick)),
        ("h", "(h) the explorer: one slider move, kernel side",
         lambda: bench_jupyter("h", args.quick)),
        ("i", "(i) the stepper: frames for a 1,000-node graph",
         lambda: bench_jupyter("i", args.quick)),
        ("j", "(j) %%autodiff: what the report adds to a cell",
         lambda: bench_jupyter("j", args.quick)),
    ]
    results = []
    t_start = time.perf_counter()
    for key, title, run in plan:
        if key in only:
            print(title)
            t0 = time.perf_counter()
            results.append(run())
            print(f"    [{time.perf_counter() - t0:.1f} s]\n")
    if results:
        print_summary(results)
        print(f"total {time.perf_counter() - t_start:.1f} s")
    if args.profile:
        profile_ours(s)
    if args.json:
        payload = {"environment": env, "mode": "quick" if args.quick else "full",
                   "results": [{**asdict(r), "vs_torch": r.vs_torch, "vs_numpy": r.vs_numpy}
                               for r in results]}
        Path(args.json).write_text(json.dumps(payload, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
