"""Lesson notation for an op: "ln(v1)", "v1 × v2", "v6 − v5", "v1^2" — written the same in the pictures and in the
evaluation traces."""

from __future__ import annotations

import unicodedata

import numpy as np

from ..engine.report import fmt

MINUS = "\u2212"
DOT = "\u0307"  # combining dot above: v̇
BAR = "\u0304"  # combining macron: v̄

INFIX = {"add": "+", "sub": MINUS, "mul": "×", "div": "/", "dot": "·", "mm": "@", "mv": "@", "bmm": "@"}
FUNCS = {"log": "ln", "sigmoid": "σ"}
HIDDEN_PARAMS = {"in_shape", "sizes", "in_dtype", "keys", "key", "indices"}  # bookkeeping, not arguments


def expression(name: str, a: list[str], params: dict | None, nr: int | None = 0) -> str:
    """An op in lesson notation: "ln(v1)", "v1 × v2", "v6 − v5", "v1^2"; ``nr`` is the output of a multi-output op
    (None: the op itself)."""
    params = params or {}
    if name in INFIX and len(a) == 2:
        return f"{a[0]} {INFIX[name]} {a[1]}"
    if name == "rsub" and len(a) == 2:
        return f"{a[1]} {MINUS} {a[0]}"
    if name == "pow" and len(a) == 2:
        return f"{a[0]}^{a[1]}"
    if len(a) == 1:
        if name == "neg":
            return f"{MINUS}{a[0]}"
        if name == "pow_scalar" and "exponent" in params:
            return f"{a[0]}^{number(params['exponent'])}"
        if name == "rpow" and "base" in params:
            return f"{number(params['base'])}^{a[0]}"
        if name == "reciprocal":
            return f"1 / {a[0]}"
        if name == "abs":
            return f"|{a[0]}|"
        if name in ("select", "slice", "index") and "key" in params:
            return f"{a[0]}[{key(params['key'])}]"
        if name in ("split", "split_with_sizes", "unbind"):
            return f"{name}({a[0]})" if nr is None else f"{name}({a[0]})[{nr}]"
    if name in ("cat", "stack") and "dim" in params:
        return f"{name}([{', '.join(a)}], dim={params['dim']})"
    params = {k: v[0] if k == "dim" and isinstance(v, tuple) and len(v) == 1 else v for k, v in params.items()}
    extra = [f"{k}={param(v)}" for k, v in params.items()
             if k not in HIDDEN_PARAMS and param(v) is not None and not (k == "keepdim" and not v)
             and not (k == "shape" and name.startswith(("sum", "mean")))]  # the input's shape, kept for the VJP
    return f"{FUNCS.get(name, name)}({', '.join(a + extra)})"


def constant(c) -> str:
    """A constant operand: 2, (−1), or a small array."""
    if hasattr(c, "_data"):  # the own engine's tensor
        c = c._data
    elif hasattr(c, "detach"):  # PyTorch's
        c = c.detach().cpu().numpy()
    if np.ndim(c) == 0:
        return number(c)
    return fmt(c).replace("-", MINUS)


def number(c) -> str:
    """A number as the lesson writes it: 2, 0.5, (−1); numpy scalars and 0-d arrays alike."""
    c = c.item() if isinstance(c, np.generic) or (isinstance(c, np.ndarray) and c.ndim == 0) else c
    if isinstance(c, bool) or not isinstance(c, (int, float)):
        return str(c)
    return f"({MINUS}{fmt(-c)})" if c < 0 else fmt(c)


def param(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, np.dtype):
        return str(v)
    if isinstance(v, (bool, int, float, str, np.integer, np.floating)):
        return fmt(v.item() if isinstance(v, np.generic) else v)
    if isinstance(v, (tuple, list)) and all(isinstance(e, (int, np.integer)) for e in v):
        return str(tuple(int(e) for e in v))
    return None


def key(key) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for k in parts:
        if isinstance(k, slice):
            s = f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}"
            out.append(s if k.step is None else f"{s}:{k.step}")
        elif k is Ellipsis:
            out.append("...")
        elif k is None:
            out.append("None")
        else:
            out.append(fmt(k))
    return ", ".join(out)


def dot(name: str) -> str:
    """The tangent's name: v̇3, ẋ1 (NFC: one precomposed character where Unicode has one, which fonts draw better)."""
    return unicodedata.normalize("NFC", name[0] + DOT + name[1:])


def bar(name: str) -> str:
    """The adjoint's name: v̄3, x̄1, ȳ."""
    return unicodedata.normalize("NFC", name[0] + BAR + name[1:])
