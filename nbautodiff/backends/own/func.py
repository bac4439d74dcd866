"""``torch.func``: composable function transforms (grad, vjp, jvp, jacrev, jacfwd, hessian)."""

from __future__ import annotations

from ...engine.functional import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``(gradient, value)``, PyTorch's order (``value_and_grad`` gives JAX's)."""

    def wrapper(*args, **kwargs):
        value, g = value_and_grad(func, argnums, has_aux)(*args, **kwargs)
        return g, value

    return wrapper


__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp"]
