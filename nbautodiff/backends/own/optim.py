"""``torch.optim.SGD``: the optimiser lessons use (momentum and weight decay as in PyTorch)."""

from __future__ import annotations

from ...engine.mode import no_grad
from ...engine.tensor import Tensor, bump_version


class Optimizer:
    def __init__(self, params, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                            f"got torch.{params.dtype.legacy}")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = [{**defaults, **g, "params": list(g["params"])} for g in groups]
        for group in self.param_groups:
            for p in group["params"]:
                if not isinstance(p, Tensor):
                    name = type(p).__name__ if type(p).__module__ == "builtins" else (
                        f"{type(p).__module__}.{type(p).__name__}")
                    raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {name}")
                if not p.is_leaf:
                    raise ValueError("can't optimize a non-leaf Tensor")
        self.defaults = defaults
        self.state: dict = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p._grad is not None:
                    p._grad.zero_()


class SGD(Optimizer):
    """p -= lr * (grad + weight_decay * p), with optional (Nesterov) momentum."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    @no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p._grad._data
                if wd:
                    d = d + wd * p._data
                if momentum:
                    buf = self.state.get(id(p))
                    if buf is None:
                        buf = self.state[id(p)] = d.copy()
                    else:
                        buf *= momentum
                        buf += (1 - group["dampening"]) * d
                    d = d + momentum * buf if group["nesterov"] else buf
                p._data -= lr * d
                bump_version(p)
        return loss
