"""``torch.func``: composable function transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap) and
``functional_call``."""

from __future__ import annotations

from ...engine.functional import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp, vmap
from ...engine.tensor import Tensor


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``(gradient, value)``, PyTorch's order (``value_and_grad`` gives JAX's)."""

    def wrapper(*args, **kwargs):
        value, g = value_and_grad(func, argnums, has_aux)(*args, **kwargs)
        return g, value

    return wrapper


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """Call ``module`` with some of its parameters and buffers replaced by the tensors in the dict(s), by their
    dotted names (``{"0.weight": w}``); the module is put back as it was afterwards."""
    dicts = parameter_and_buffer_dicts if isinstance(parameter_and_buffer_dicts, (tuple, list)) else (
        parameter_and_buffer_dicts,)
    given = {}
    for d in dicts:
        for k, v in d.items():
            if k in given:
                raise ValueError(f"{k} appeared in multiple dictionaries; behavior of functional call is ambiguous")
            given[k] = v
    if strict:
        known = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        unexpected, missing = sorted(set(given) - known), sorted(known - set(given))
        if unexpected or missing:
            lines = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
            if unexpected:
                lines.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
            if missing:
                lines.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError("\n".join(lines))
    swapped = []
    try:
        for name, value in given.items():
            *path, attr = name.split(".")
            owner = module
            for p in path:
                owner = getattr(owner, p, None)
                if owner is None:
                    break
            if owner is None or not hasattr(owner, attr):
                continue  # a name the module doesn't have is ignored (strict=False), as in PyTorch
            swapped.append((owner, attr, owner.__dict__[attr]))
            object.__setattr__(owner, attr, value)
        args = () if args is None else (args,) if isinstance(args, Tensor) or not isinstance(args, tuple) else args
        return module(*args, **(kwargs or {}))
    finally:
        for owner, attr, old in reversed(swapped):
            object.__setattr__(owner, attr, old)


__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap"]
