"""``torch.optim``: SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, NAdam, RAdam, Adadelta, Rprop and LBFGS, step for
step as PyTorch's single-tensor updates.

Each update is PyTorch's arithmetic in the parameter's dtype (``exp_avg.lerp_(grad, 1 - beta1)``,
``param.addcdiv_(exp_avg, denom, value=-step_size)``, ...), so a training loop gives PyTorch's numbers. The state
is PyTorch's too: ``opt.state[p]`` holds tensors (``momentum_buffer``, ``exp_avg``, ``step``, ...).

>>> opt = torch.optim.Adam(model.parameters(), lr=1e-3)
>>> loss.backward(); opt.step(); opt.zero_grad()
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ....engine.mode import no_grad
from ....engine.tensor import Tensor, bump_version, make

_COMMON = {"maximize": False, "foreach": None, "differentiable": False, "fused": None}


class Optimizer:
    """What every optimiser shares: parameter groups, ``zero_grad``, the per-parameter ``state``, ``state_dict``."""

    def __init__(self, params, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                            f"got torch.{params.dtype.legacy}")
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        for group in params if isinstance(params[0], dict) else [{"params": params}]:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (a dict with ``params`` and any options that differ from the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                name = type(p).__name__ if type(p).__module__ == "builtins" else (
                    f"{type(p).__module__}.{type(p).__name__}")
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {name}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {"params": params, **{k: v for k, v in param_group.items() if k != "params"}}
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p._grad = None  # (the field: the property's setter only checks a tensor being assigned)
                elif p._grad is not None:
                    p._grad.zero_()

    def _grads(self, group):
        """(parameter, its gradient's array) for each parameter of ``group`` that has a gradient; the gradient
        negated with ``maximize``."""
        for p in group["params"]:
            if p._grad is not None:
                d = p._grad._data
                yield p, (-d if group["maximize"] else d)

    def state_dict(self) -> dict:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``, as PyTorch's."""
        index, groups, n = {}, [], 0
        for group in self.param_groups:
            ids = list(range(n, n + len(group["params"])))
            index.update({id(p): i for p, i in zip(group["params"], ids)})
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
            n += len(ids)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                             "group")
        params = {i: p for g, s in zip(self.param_groups, groups) for i, p in zip(s["params"], g["params"])}
        self.state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            self.state[params[i]] = {k: make(v._data.copy()) if isinstance(v, Tensor) else v for k, v in s.items()}
        for g, s in zip(self.param_groups, groups):
            g.update({k: v for k, v in s.items() if k != "params"})

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _check(**values) -> None:
    """PyTorch's ValueError for the first negative hyper-parameter, in the order given."""
    for what, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {what}: {value}")


def _betas(betas) -> tuple:
    """PyTorch's ValueError for a beta outside [0, 1)."""
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    return tuple(betas)


def _state_tensor(state: dict, key: str, like: np.ndarray, fill=0) -> np.ndarray:
    """``state[key]``'s array, made (a tensor of ``like``'s shape and dtype filled with ``fill``) on the first step."""
    t = state.get(key)
    if t is None:
        t = state[key] = make(np.full_like(like, fill))
    return t._data


def _count_step(state: dict) -> float:
    """Add one to ``state['step']`` (a float32 0-d tensor, as PyTorch keeps it) and return it as a float."""
    t = state.get("step")
    if t is None:
        t = state["step"] = make(np.zeros((), np.float32))
    t._data += 1
    return float(t._data)


def _moments(state: dict, p, d, group: dict, lr: float, beta1: float, beta2: float, wd: float):
    """Adam's and RAdam's common start: the step counted, the weight decay (decoupled: the weights shrink; else
    added to the gradient), the first and second moments updated in place as PyTorch's lerp_ and addcmul_
    ((value * t1) * t2). (step, m, v, the gradient used)."""
    step = _count_step(state)
    m = _state_tensor(state, "exp_avg", p._data)
    v = _state_tensor(state, "exp_avg_sq", p._data)
    if wd:
        if group["decoupled_weight_decay"]:
            p._data *= 1 - lr * wd
        else:
            d = d + wd * p._data
    _lerp_(m, d, 1 - beta1)
    v *= beta2
    v += (1 - beta2) * d * d
    return step, m, v, d


def _lerp_(a: np.ndarray, b: np.ndarray, w: float) -> None:
    """a.lerp_(b, w) as PyTorch's kernel computes it."""
    if abs(w) < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * (1 - w)


def _update(p: Tensor, delta: np.ndarray) -> None:
    p._data += delta
    bump_version(p)


class SGD(Optimizer):
    """p -= lr * (grad + weight_decay * p), with optional (Nesterov) momentum."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None):
        _check(**{"learning rate": lr, "momentum value": momentum, "weight_decay value": weight_decay})
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
            for p, d in self._grads(group):
                if wd:
                    d = d + wd * p._data
                if momentum:
                    state = self.state[p]  # (plain SGD keeps no state, as PyTorch's)
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = make(d.copy())
                    else:
                        buf._data *= momentum
                        buf._data += (1 - group["dampening"]) * d
                    d = d + momentum * buf._data if group["nesterov"] else buf._data
                _update(p, -lr * d)
        return loss


class Adam(Optimizer):
    """Adaptive moments: m and v, running means of grad and grad², bias-corrected; p -= lr * m̂ / (√v̂ + eps).
    ``weight_decay`` adds ``wd * p`` to the gradient (L2); AdamW decays the weights themselves."""

    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False):
        _check(**{"learning rate": lr, "epsilon value": eps})
        betas = _betas(betas)
        _check(**{"weight_decay value": weight_decay})
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay or self._decoupled))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, d in self._grads(group):
                state = self.state[p]
                step, m, v, d = _moments(state, p, d, group, lr, beta1, beta2, wd)
                step_size = lr / (1 - beta1 ** step)
                root = (1 - beta2 ** step) ** 0.5
                if group["amsgrad"]:
                    top = _state_tensor(state, "max_exp_avg_sq", p._data)
                    np.maximum(top, v, out=top)
                    v = top
                denom = np.sqrt(v) / root
                denom += eps
                _update(p, -step_size * m / denom)  # addcdiv_: (value * t1) / t2
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr * weight_decay before each Adam step."""

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False, foreach=None, capturable: bool = False,
                 differentiable: bool = False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused)


class RMSprop(Optimizer):
    """p -= lr * grad / (√(running mean of grad²) + eps); ``centered`` subtracts the mean gradient's square."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False):
        _check(**{"learning rate": lr, "epsilon value": eps, "momentum value": momentum,
                  "weight_decay value": weight_decay, "alpha value": alpha})
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, alpha, eps, wd, momentum = (group[k] for k in ("lr", "alpha", "eps", "weight_decay", "momentum"))
            for p, d in self._grads(group):
                state = self.state[p]
                _count_step(state)
                sq = _state_tensor(state, "square_avg", p._data)
                if momentum > 0:
                    buf = _state_tensor(state, "momentum_buffer", p._data)
                if group["centered"]:
                    mean = _state_tensor(state, "grad_avg", p._data)
                if wd:
                    d = d + wd * p._data
                sq *= alpha
                sq += (1 - alpha) * d * d
                if group["centered"]:
                    _lerp_(mean, d, 1 - alpha)
                    avg = np.sqrt(sq + -1 * mean * mean)
                else:
                    avg = np.sqrt(sq)
                avg += eps
                if momentum > 0:
                    buf *= momentum
                    buf += d / avg
                    _update(p, -lr * buf)
                else:
                    _update(p, -lr * d / avg)
        return loss


class Adagrad(Optimizer):
    """p -= lr_t * grad / (√(sum of grad²) + eps), with lr_t = lr / (1 + (step - 1) * lr_decay)."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None):
        _check(**{"learning rate": lr, "lr_decay value": lr_decay, "weight_decay value": weight_decay,
                  "initial_accumulator_value value": initial_accumulator_value, "epsilon value": eps})
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        for group in self.param_groups:  # PyTorch makes the state here, before any step
            for p in group["params"]:
                self.state[p]["step"] = make(np.zeros((), np.float32))
                _state_tensor(self.state[p], "sum", p._data, group["initial_accumulator_value"])

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            for p, d in self._grads(group):
                state = self.state[p]
                step = _count_step(state)
                total = _state_tensor(state, "sum", p._data, group["initial_accumulator_value"])
                if wd:
                    d = d + wd * p._data
                rate = lr / (1 + (step - 1) * group["lr_decay"])
                total += 1 * d * d
                std = np.sqrt(total)
                std += eps
                _update(p, -rate * d / std)
        return loss


class Adamax(Optimizer):
    """Adam with the infinity norm: u = max(β2·u, |grad| + eps); p -= lr / (1 − β1^t) · m / u."""

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach=None, *, maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        _check(**{"learning rate": lr, "epsilon value": eps})
        betas = _betas(betas)
        _check(**{"weight_decay value": weight_decay})
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, d in self._grads(group):
                state = self.state[p]
                step = _count_step(state)
                m = _state_tensor(state, "exp_avg", p._data)
                u = _state_tensor(state, "exp_inf", p._data)
                if wd:
                    d = d + wd * p._data
                _lerp_(m, d, 1 - beta1)
                u *= beta2
                np.maximum(u, np.abs(d) + p._data.dtype.type(eps), out=u)
                _update(p, -(lr / (1 - beta1 ** step)) * m / u)
        return loss


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat), the momentum warmed up by ``momentum_decay``."""

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        _check(**{"learning rate": lr, "epsilon value": eps})
        betas = _betas(betas)
        _check(**{"weight_decay value": weight_decay, "momentum_decay value": momentum_decay})
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, d in self._grads(group):
                state = self.state[p]
                step = _count_step(state)
                if "mu_product" not in state:
                    state["mu_product"] = make(np.ones((), np.float32))
                mu_product = state["mu_product"]._data
                m = _state_tensor(state, "exp_avg", p._data)
                v = _state_tensor(state, "exp_avg_sq", p._data)
                if wd:
                    if group["decoupled_weight_decay"]:
                        p._data *= 1 - lr * wd
                    else:
                        d = d + wd * p._data
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * group["momentum_decay"])))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * group["momentum_decay"])))
                mu_product *= mu
                _lerp_(m, d, 1 - beta1)
                v *= beta2
                v += (1 - beta2) * d * d
                denom = np.sqrt(v / (1 - beta2 ** step))
                denom += eps
                product = float(mu_product)
                _update(p, (-lr * (1.0 - mu) / (1.0 - product)) * d / denom)
                _update(p, ((-lr * mu_next) / (1.0 - product * mu_next)) * m / denom)
        return loss


class RAdam(Optimizer):
    """Rectified Adam: plain momentum steps while the variance estimate is unreliable (ρ_t <= 5), Adam's steps
    scaled by the rectification term after."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        _check(**{"learning rate": lr, "epsilon value": eps})
        betas = _betas(betas)
        _check(**{"weight_decay value": weight_decay})
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p, d in self._grads(group):
                state = self.state[p]
                step, m, v, d = _moments(state, p, d, group, lr, beta1, beta2, wd)
                correction1, correction2 = 1 - beta1 ** step, 1 - beta2 ** step
                corrected = m / correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    root = np.sqrt(v)
                    root += eps
                    adaptive = (correction2 ** 0.5) / root
                    _update(p, -(corrected * lr * adaptive * rect))
                else:
                    _update(p, -(corrected * lr))
        return loss


class Adadelta(Optimizer):
    """p -= lr · √(E[Δ²] + eps) / √(E[g²] + eps) · g, both running means with decay ``rho``."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        _check(**{"learning rate": lr})
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check(**{"epsilon value": eps, "weight_decay value": weight_decay})
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p, d in self._grads(group):
                state = self.state[p]
                _count_step(state)
                sq = _state_tensor(state, "square_avg", p._data)
                acc = _state_tensor(state, "acc_delta", p._data)
                if wd:
                    d = d + wd * p._data
                sq *= rho
                sq += (1 - rho) * d * d
                std = np.sqrt(sq + p._data.dtype.type(eps))
                delta = np.sqrt(acc + p._data.dtype.type(eps))
                delta /= std
                delta *= d
                acc *= rho
                acc += (1 - rho) * delta * delta
                _update(p, -lr * delta)
        return loss


class Rprop(Optimizer):
    """Resilient backpropagation: each weight's own step size grows by etas[1] while its gradient keeps its sign
    and shrinks by etas[0] when it flips; only the gradient's sign moves the weight."""

    def __init__(self, params, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False):
        _check(**{"learning rate": lr})
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            (minus, plus), (low, high) = group["etas"], group["step_sizes"]
            for p, d in self._grads(group):
                state = self.state[p]
                _count_step(state)
                prev = _state_tensor(state, "prev", p._data)
                size = _state_tensor(state, "step_size", p._data, group["lr"])
                sign = np.sign(d * prev)
                factor = np.where(sign > 0, plus, np.where(sign < 0, minus, 1)).astype(p._data.dtype)
                size *= factor
                np.clip(size, low, high, out=size)
                g = np.where(factor == p._data.dtype.type(minus), 0, d).astype(p._data.dtype)
                _update(p, -np.sign(g) * size)
                prev[...] = g
        return loss


from . import lr_scheduler  # noqa: E402,F401  (torch.optim.lr_scheduler; it builds on Optimizer above)
from .lbfgs import LBFGS  # noqa: E402,F401
