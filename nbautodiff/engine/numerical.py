"""Numerical differentiation and gradient checking.

Finite differences (forward and central), an eps sweep that shows truncation error against round-off
error, PyTorch's ``gradcheck``/``gradgradcheck`` (full Jacobians compared element by element, float64
advised), and the dlsys notes' random-direction check δᵀ∇f ≈ (f(θ+εδ) − f(θ−εδ)) / 2ε.

They need only values and ``autograd.grad``, so they run on the active backend (``own.active_ns``): on the torch
backend a real ``torch.autograd.Function`` is checked with the backward it was written with. Tensors of the other
backend passed in are copied onto the active one.
"""

from __future__ import annotations

import warnings

import numpy as np

from .counting import count_ops
from .own import active_ns
from .report import Report, Table, fmt
from .tensor import make
from .tracing import tracing

SCHEMES = ("forward", "central")


def _is_tensor(x) -> bool:
    """A tensor of either backend."""
    return hasattr(x, "grad_fn") and hasattr(x, "detach")


def _tuple(inputs) -> tuple:
    """The inputs as a tuple, tensors of the other backend copied onto the active one (``requires_grad`` kept)."""
    ns = active_ns()
    inputs = (inputs,) if _is_tensor(inputs) else tuple(inputs)
    return tuple(x if not _is_tensor(x) or isinstance(x, ns.Tensor) else
                 ns.tensor(_values(x), requires_grad=x.requires_grad) for x in inputs)


def _outputs(out) -> tuple:
    return (out,) if _is_tensor(out) else tuple(out)


def _values(t) -> np.ndarray:
    """A numpy copy of a tensor's values, in its dtype (from any device); reading them is no op of ``f``'s."""
    with tracing(None):
        return np.array(t.detach().cpu().numpy())


def _float64(t) -> np.ndarray:
    return _values(t).astype(np.float64)


def _like(array: np.ndarray, x):
    """``array`` as a tensor of the active backend with the dtype and device of the tensor ``x``."""
    return active_ns().tensor(np.asarray(array), dtype=x.dtype, device=x.device)


def _is_float(x) -> bool:
    return _is_tensor(x) and x.is_floating_point()


def _evaluate(f, inputs, i, array) -> list[np.ndarray]:
    """f with input i replaced by ``array`` (no graph), its outputs as float64 arrays."""
    args = list(inputs)
    args[i] = _like(array, inputs[i])
    with active_ns().no_grad():
        outs = _outputs(f(*args))
    return [_float64(o) for o in outs]


# ------------------------------------------------------------------------------------------- differences
def numerical_jacobian(f, inputs, eps: float = 1e-6, method: str = "central", wrt=None) -> list[list[np.ndarray]]:
    """J[output][input], each shaped ``out.shape + in.shape``, by finite differences (2n calls of f).

    >>> numerical_jacobian(lambda x: x ** 2, (tensor([1., 2.], dtype=float64),))[0][0].round(6)
    array([[2., 0.],
           [0., 4.]])
    """
    if method not in SCHEMES:
        raise ValueError(f"numerical_jacobian: method must be one of {SCHEMES}, got {method!r}")
    inputs = _tuple(inputs)
    base = None if method == "central" else _evaluate(f, inputs, 0, _values(inputs[0]))
    jac = None
    for i, x in enumerate(inputs):
        if not _is_float(x) or (wrt is not None and i not in wrt):
            continue
        a = _values(x)
        cols = []
        for idx in np.ndindex(a.shape):
            plus = a.copy()
            plus[idx] += eps
            hi = _evaluate(f, inputs, i, plus)
            if method == "central":
                minus = a.copy()
                minus[idx] -= eps
                lo = _evaluate(f, inputs, i, minus)
                cols.append([(h - lo_) / (2 * eps) for h, lo_ in zip(hi, lo)])
            else:
                cols.append([(h - b) / eps for h, b in zip(hi, base)])
        if jac is None:
            jac = [[None] * len(inputs) for _ in range(len(cols[0]) if cols else len(_evaluate(f, inputs, i, a)))]
        for o in range(len(jac)):
            out_shape = cols[0][o].shape if cols else ()
            stacked = np.stack([c[o].reshape(-1) for c in cols], axis=-1) if cols else np.zeros((0, 0))
            jac[o][i] = stacked.reshape(out_shape + a.shape)
    return jac or []


def numerical_grad(f, inputs, eps: float = 1e-6, method: str = "central") -> tuple:
    """The gradient of a scalar ``f`` by finite differences: one array per input.

    >>> f = lambda x1, x2: x1.log() + x1 * x2 - x2.sin()
    >>> [round(float(g), 3) for g in numerical_grad(f, (tensor(2., dtype=float64), tensor(5., dtype=float64)))]
    [5.5, 1.716]
    """
    inputs = _tuple(inputs)
    jac = numerical_jacobian(f, inputs, eps, method)
    if len(jac) != 1 or any(j is not None and j.shape[: np.ndim(j) - x.dim()] != () for j, x in
                            zip(jac[0], inputs)):
        raise ValueError("numerical_grad: f must return one scalar; use numerical_jacobian for other outputs")
    return tuple(jac[0])


# ------------------------------------------------------------------------------------------- eps sweep
class EpsSweep(Report):
    """Errors of each finite-difference scheme against the exact derivative, over eps and dtypes.

    Too large an eps: truncation error (∝ eps for forward, eps² for central). Too small: round-off
    (∝ machine epsilon / eps). The best eps sits between, and float32 hits round-off far sooner.
    """

    def __init__(self, eps: np.ndarray, errors: dict, exact: float, where: str):
        self.eps, self.errors, self.exact, self.where = eps, errors, exact, where

    def best(self, scheme: str, dtype: str) -> tuple[float, float]:
        """(eps, error) with the smallest error for a scheme and dtype."""
        e = self.errors[(scheme, dtype)]
        k = int(np.nanargmin(e))
        return float(self.eps[k]), float(e[k])

    def tables(self) -> tuple[Table]:
        rows = []
        for scheme, dtype in self.errors:
            eps, err = self.best(scheme, dtype)
            rows.append([scheme, dtype, fmt(eps, 2), fmt(err, 3)])
        return (Table(f"finite differences of f at {self.where} (exact f' = {fmt(self.exact)})",
                      ["scheme", "dtype", "best eps", "smallest error"], rows,
                      ["error = |difference quotient - exact|; plot() shows it over eps (log-log)"]),)

    def plot(self, ax=None, lang: str = "en"):
        """A log-log plot of error against eps, one line per scheme and dtype: a ``Plot`` (shown as PNG, drawn
        without pyplot; ``.figure``, ``.ax``), labelled in English or Chinese (``lang="zh"``). ``ax`` draws into
        axes of your own figure instead.

        >>> eps_sweep(lambda t: t.sin(), 1.0).plot(lang="zh")._repr_png_()[:4]
        b'\\x89PNG'
        """
        from .figures import Plot, figure, set_cjk_font, words

        labels = words(lang, "EpsSweep.plot")
        if ax is None:
            fig, ax = figure(lang, (6.4, 4.2))
        else:
            fig = ax.figure
        for (scheme, dtype), err in self.errors.items():
            ax.loglog(self.eps, np.where(err > 0, err, np.nan), marker=".", label=f"{labels[scheme]}, {dtype}",
                      linestyle="-" if scheme == "central" else "--")
        ax.set_xlabel("eps")
        ax.set_ylabel(labels["error"])
        ax.set_title(labels["eps_title"])
        ax.legend()
        if lang == "zh":
            set_cjk_font(fig)
        return Plot(fig, ax, {"eps": self.eps, **{f"{scheme}, {dtype}": e for (scheme, dtype), e in
                                                 self.errors.items()}})


def eps_sweep(f, x: float, exact: float | None = None, eps=None, dtypes=("float32", "float64"),
              schemes=SCHEMES) -> EpsSweep:
    """Finite-difference errors of ``f'(x)`` for each eps, scheme and dtype.

    >>> s = eps_sweep(lambda t: t.sin(), 1.0)
    >>> s.best("central", "float64")[1] < 1e-9 < s.best("central", "float32")[1]
    True
    """
    eps = np.logspace(-15, -1, 29) if eps is None else np.asarray(eps, dtype=np.float64)
    ns = active_ns()
    if exact is None:  # the active backend's own derivative, in float64
        t = ns.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
        with ns.enable_grad():
            (g,) = ns.autograd.grad(f(t), t)
        exact = float(_float64(g))
    errors = {}
    for scheme in schemes:
        for dtype in dtypes:
            dt = np.dtype(dtype)
            errs = []
            for e in eps:
                def at(v):
                    with ns.no_grad():
                        return float(_float64(f(ns.tensor(np.asarray(v, dtype=dt)))))

                hi = at(dt.type(x) + dt.type(e))
                if scheme == "central":
                    approx = (hi - at(dt.type(x) - dt.type(e))) / (2 * e)
                else:
                    approx = (hi - at(dt.type(x))) / e
                errs.append(abs(approx - exact))
            errors[(scheme, str(dt))] = np.asarray(errs)
    return EpsSweep(eps, errors, exact, f"x = {fmt(x)}")


# ------------------------------------------------------------------------------------------- gradcheck
class GradcheckError(RuntimeError):
    """Raised by gradcheck when asked to (``raise_exception=True``) and a check fails."""


class GradcheckResult(Report):
    """What ``gradcheck`` found: one row per (output, input), the counts it used, and ``.passed``.

    It is truthy when the check passed, so ``assert gradcheck(f, inputs)`` reads as in PyTorch.
    """

    def __init__(self, title: str, rows: list, notes: list, passed: bool, message: str, counts: dict):
        self.title, self.rows, self.notes, self.passed, self.message, self.counts = (
            title, rows, notes, passed, message, counts)

    def __bool__(self) -> bool:
        return self.passed

    def tables(self) -> tuple[Table]:
        counts = ", ".join(f"{k}: {v}" for k, v in self.counts.items())
        return (Table(self.title, ["output", "input", "check", "max abs error", "max rel error", "result"],
                      self.rows, [*self.notes, f"cost: {counts}"]),)

    def to_dict(self) -> dict:
        return {"passed": self.passed, "message": self.message, "counts": dict(self.counts), **super().to_dict()}

    def __repr__(self) -> str:
        return f"GradcheckResult(passed={self.passed})\n{self}"

    def _repr_html_(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return f"<div><b>gradcheck {verdict}</b></div>" + self.table()._repr_html_()


def _analytical_jacobian(outs, diff_inputs) -> list[list[np.ndarray]]:
    """J[output][input] (out.shape + in.shape) by reverse mode: one backward pass per output element."""
    jac = []
    ns = active_ns()
    for o in outs:
        per_input = [np.zeros(tuple(o.shape) + tuple(x.shape)) for x in diff_inputs]
        if o.requires_grad:
            n = o.numel()
            flat = np.zeros(n)
            for k in range(n):
                flat[:] = 0
                flat[k] = 1
                grads = ns.autograd.grad(o, diff_inputs, grad_outputs=_like(flat.reshape(tuple(o.shape)), o),
                                         retain_graph=True, allow_unused=True)
                for j, g in enumerate(grads):
                    if g is not None:
                        per_input[j].reshape(n, -1)[k] = _float64(g).ravel()
        jac.append(per_input)
    return jac


def _forward_jacobian(f, inputs, diff_idx) -> list[list[np.ndarray]]:
    """J[output][input] by forward mode (the backend's dual tensors): one forward pass per element of each
    differentiable input (the other inputs, numbers or integer tensors included, are held fixed)."""
    forward_ad = active_ns().autograd.forward_ad
    primals = [inputs[i].detach() for i in diff_idx]
    jac = None
    for j, x in enumerate(primals):
        cols = []
        for idx in np.ndindex(tuple(x.shape)):
            t = np.zeros(tuple(x.shape))
            t[idx] = 1
            args = list(inputs)
            with forward_ad.dual_level():
                for k, (i, p) in enumerate(zip(diff_idx, primals)):
                    args[i] = forward_ad.make_dual(p, _like(t if k == j else np.zeros(tuple(p.shape)), p))
                outs = _outputs(f(*args))
                tangents = [forward_ad.unpack_dual(o).tangent for o in outs]
                cols.append([np.zeros(o.numel()) if tt is None else _float64(tt).ravel()
                             for o, tt in zip(outs, tangents)])
        if jac is None:
            jac = [[None] * len(diff_idx) for _ in range(len(cols[0]) if cols else 0)]
        for o in range(len(jac)):
            jac[o][j] = np.stack([c[o] for c in cols], axis=-1) if cols else None
    return jac or []


def _compare(a: np.ndarray, n: np.ndarray, atol: float, rtol: float):
    err = np.abs(a - n)
    ok = bool(np.all(err <= atol + rtol * np.abs(n)))
    rel = err / np.maximum(np.abs(n), 1e-300)
    return ok, float(err.max(initial=0.0)), float(np.where(err > 0, rel, 0).max(initial=0.0))


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = False, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None,
              n_directions: int = 10, seed: int = 0) -> GradcheckResult:
    """Compare analytical gradients with central differences, as ``torch.autograd.gradcheck``.

    Full mode compares whole Jacobians element by element; ``fast_mode=True`` runs the dlsys notes'
    random-direction check δᵀ∇f ≈ (f(θ+εδ) − f(θ−εδ)) / 2ε over ``n_directions`` random δ. Use float64
    inputs (a warning says so otherwise). Returns a result object (truthy when it passed) and raises
    ``GradcheckError`` only with ``raise_exception=True``. ``func`` runs on the active backend: on the torch
    backend a ``torch.autograd.Function``'s own backward is what gets checked.

    >>> x = tensor([2.], dtype=float64, requires_grad=True); y = tensor([5.], dtype=float64, requires_grad=True)
    >>> bool(gradcheck(lambda a, b: a.log() + a * b - b.sin(), (x, y)))
    True
    """
    inputs = _tuple(inputs)
    ns = active_ns()
    diff_idx = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype != ns.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point or complex. This check "
                "will likely fail if all the inputs are not of double precision floating point or complex. ",
                UserWarning, stacklevel=2)
    notes = ["advice: check in float64 (central differences in float32 lose ~half the digits)"] if any(
        inputs[i].dtype != ns.float64 for i in diff_idx) else []
    diff_inputs = [inputs[i] for i in diff_idx]
    rows, failures = [], []
    with count_ops() as ops:
        with ns.enable_grad():
            outs = _outputs(func(*inputs))
        passes = {"evaluations of f": 1, "backward passes": 0, "forward passes": 0}
        if fast_mode:
            passed = _random_directions(func, inputs, diff_idx, outs, eps, atol, rtol, n_directions, seed, rows,
                                        failures, passes)
        else:
            jac = numerical_jacobian(func, inputs, eps, wrt=set(diff_idx))  # once, for every input
            numerical = {i: [row[i] for row in jac] for i in diff_idx}
            passes["evaluations of f"] += 2 * sum(inputs[i].numel() for i in diff_idx)
            passed = True
            if check_backward_ad:
                analytic = _analytical_jacobian(outs, diff_inputs)
                passes["backward passes"] += sum(o.numel() for o in outs if o.requires_grad)
                passed &= _check_jacobians("backward (reverse mode)", analytic, numerical, diff_idx, inputs, outs,
                                           atol, rtol, rows, failures)
            if check_forward_ad:
                forward = _forward_jacobian(func, inputs, diff_idx)
                passes["forward passes"] += sum(inputs[i].numel() for i in diff_idx)
                forward = [[None if f_ is None else f_.reshape(tuple(outs[o].shape) + tuple(inputs[i].shape))
                            for f_, i in zip(row, diff_idx)] for o, row in enumerate(forward)]
                passed &= _check_jacobians("forward (forward mode)", forward, numerical, diff_idx, inputs, outs,
                                           atol, rtol, rows, failures)
    counts = {**passes, "primitive evaluations": ops.total}
    title = "gradcheck (random directions)" if fast_mode else "gradcheck (full Jacobians)"
    result = GradcheckResult(title, rows, notes, passed, "\n".join(failures), counts)
    if not passed and raise_exception:
        raise GradcheckError(result.message)
    return result


def _matrix(j: np.ndarray, x) -> np.ndarray:
    """PyTorch prints Jacobians as (input elements, output elements)."""
    n_in = max(int(np.prod(x.shape, dtype=np.int64)), 1)
    return j.reshape(-1, n_in).T


def _check_jacobians(kind, analytic, numerical, diff_idx, inputs, outs, atol, rtol, rows, failures) -> bool:
    ok_all = True
    for o in range(len(outs)):
        for j, i in enumerate(diff_idx):
            a = analytic[o][j]
            n = numerical[i][o]
            if a is None:
                a = np.zeros_like(n)
            a = a.reshape(n.shape)
            ok, abs_err, rel_err = _compare(a, n, atol, rtol)
            rows.append([str(o), str(i), kind, fmt(abs_err, 3), fmt(rel_err, 3), "ok" if ok else "MISMATCH"])
            if not ok:
                ok_all = False
                dtype = ", dtype=torch.float64"
                what = "Jacobian mismatch" if kind.startswith("backward") else "Jacobian computed with forward mode " \
                    "mismatch"
                failures.append(
                    f"{what} for output {o} with respect to input {i},\n"
                    f"numerical:{_torch_str(_matrix(n, inputs[i]), dtype)}\n"
                    f"analytical:{_torch_str(_matrix(a, inputs[i]), dtype)}\n")
    return ok_all


def _torch_str(a: np.ndarray, dtype_suffix: str) -> str:
    from .printing import tensor_repr

    return tensor_repr(make(a))


def _random_directions(func, inputs, diff_idx, outs, eps, atol, rtol, n, seed, rows, failures, passes) -> bool:
    """uᵀJδ by reverse mode against uᵀ(f(θ+εδ) − f(θ−εδ))/2ε, for random unit δ (and random u)."""
    rng = np.random.default_rng(seed)
    ns = active_ns()
    diff_inputs = [inputs[i] for i in diff_idx]
    ok_all = True
    for k in range(n):
        deltas = []
        for x in diff_inputs:
            d = rng.standard_normal(tuple(x.shape))
            deltas.append(d)
        norm = np.sqrt(sum(float((d * d).sum()) for d in deltas)) or 1.0
        deltas = [d / norm for d in deltas]
        us = [rng.standard_normal(tuple(o.shape)) for o in outs]
        # left: uᵀ J δ = (Jᵀu)·δ by one backward pass
        pairs = [(o, _like(u, o)) for o, u in zip(outs, us) if o.requires_grad]
        lhs = 0.0
        if pairs:
            grads = ns.autograd.grad([p[0] for p in pairs], diff_inputs, grad_outputs=[p[1] for p in pairs],
                                     retain_graph=True, allow_unused=True)
            lhs = sum(float((_float64(g) * d).sum()) for g, d in zip(grads, deltas) if g is not None)
        passes["backward passes"] += 1

        def shifted(sign):
            args = list(inputs)
            for i, d in zip(diff_idx, deltas):
                x = _values(inputs[i])
                args[i] = _like(x + sign * eps * d.astype(x.dtype), inputs[i])
            with ns.no_grad():
                return [_float64(o) for o in _outputs(func(*args))]

        hi, lo = shifted(1), shifted(-1)
        passes["evaluations of f"] += 2
        rhs = sum(float((u * (h - l_)).sum()) / (2 * eps) for u, h, l_ in zip(us, hi, lo))
        ok, abs_err, rel_err = _compare(np.asarray(lhs), np.asarray(rhs), atol, rtol)
        rows.append(["all", "all", f"direction {k + 1}: uᵀJδ = {fmt(lhs)} vs {fmt(rhs)}", fmt(abs_err, 3),
                     fmt(rel_err, 3), "ok" if ok else "MISMATCH"])
        if not ok:
            ok_all = False
            failures.append(f"Jacobian mismatch in random direction {k + 1}: analytical uᵀJδ = {lhs!r}, "
                            f"numerical {rhs!r}")
    return ok_all


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = False, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False,
                  seed: int = 0) -> GradcheckResult:
    """Check second derivatives: gradcheck of ``(inputs, v) ↦ vᵀ∂func/∂inputs``, as PyTorch does.

    >>> x = tensor([0.5, 1.5], dtype=float64, requires_grad=True)
    >>> bool(gradgradcheck(lambda a: a.tanh(), (x,)))
    True
    """
    inputs = _tuple(inputs)
    ns = active_ns()
    diff_idx = [i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad]
    with ns.enable_grad():
        outs = _outputs(func(*inputs))
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        grad_outputs = tuple(_like(rng.standard_normal(tuple(o.shape)), o) for o in outs if o.requires_grad)
    grad_outputs = tuple(g.detach().requires_grad_(g.is_floating_point()) for g in _tuple(grad_outputs))
    n_in = len(inputs)

    def first_derivative(*args):
        xs, vs = list(args[:n_in]), args[n_in:]
        for i in diff_idx:  # the finite differences call this with plain copies: differentiate those
            if not xs[i].requires_grad:
                xs[i] = xs[i].detach().requires_grad_(True)
        with ns.enable_grad():
            o = [t for t in _outputs(func(*xs)) if t.requires_grad]
            grads = ns.autograd.grad(o, [xs[i] for i in diff_idx], grad_outputs=list(vs), create_graph=True,
                                     allow_unused=True, materialize_grads=True)
        return tuple(grads)

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)


def random_direction_check(f, inputs, n: int = 5, eps: float = 1e-6, seed: int = 0) -> Table:
    """The dlsys notes' check, one row per random unit δ: δᵀ∇f (reverse mode) beside the central difference.

    >>> f = lambda x1, x2: x1.log() + x1 * x2 - x2.sin()
    >>> t = random_direction_check(f, (tensor(2., dtype=float64, requires_grad=True),
    ...                                tensor(5., dtype=float64, requires_grad=True)), n=3)
    >>> len(t.rows)
    3
    """
    result = gradcheck(f, inputs, eps=eps, fast_mode=True, n_directions=n, seed=seed)
    rows = [[r[2].split(":")[0], r[2].split("= ")[1].split(" vs ")[0], r[2].split(" vs ")[1], r[3], r[5]]
            for r in result.rows]
    return Table("δᵀ∇f against (f(θ+εδ) − f(θ−εδ)) / 2ε", ["δ", "δᵀ∇f (reverse mode)", "central difference",
                                                         "abs error", "result"], rows)


__all__ = ["EpsSweep", "GradcheckError", "GradcheckResult", "eps_sweep", "gradcheck", "gradgradcheck",
           "numerical_grad", "numerical_jacobian", "random_direction_check"]
