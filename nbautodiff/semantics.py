"""Where frameworks differ, each dialect keeps its own framework's rule; this table says which.

>>> print(semantics().rows[0][:3])
['PyTorch (nbautodiff.torch)', 'x.requires_grad_() / requires_grad=True', 'y.backward(); x.grad']
"""

from __future__ import annotations

from .engine.report import Table

ROWS = [
    ["PyTorch (nbautodiff.torch)", "x.requires_grad_() / requires_grad=True", "y.backward(); x.grad",
     "ACCUMULATE into x.grad (clear with x.grad.zero_() or opt.zero_grad())", "None",
     "error: pass gradient= (or y.sum().backward())", "always, unless in torch.no_grad()"],
    ["DJL (nbautodiff.djl)", "x.setRequiresGradient(True)", "gc.backward(y); x.getGradient()",
     "WRITE: each backward replaces the gradient", "zeros", "summed", "inside a GradientCollector"],
    ["TensorFlow (nbautodiff.tf)", "tf.Variable, or tape.watch(x)", "tape.gradient(y, x)",
     "RETURN: nothing is stored; a non-persistent tape answers once", "(nothing stored)", "summed",
     "inside a GradientTape"],
    ["MXNet (nbautodiff.mxnet)", "x.attach_grad()", "y.backward(); x.grad",
     "WRITE: each backward replaces x.grad", "zeros", "summed", "inside autograd.record()"],
    ["JAX-style (nbautodiff.grad, vjp, ...)", "the argument you differentiate", "grad(f)(x)",
     "RETURN: a new value with x's structure", "(nothing stored)", "error for grad (use vjp or jacrev)",
     "the whole call of f"],
]


def semantics() -> Table:
    """How each lesson API stores gradients and treats non-scalar outputs: where learners get confused.

    >>> "WRITE" in str(semantics())
    True
    """
    return Table(
        "gradients in each dialect",
        ["dialect", "mark an input", "get the gradient", "a second backward", "before the first",
         "non-scalar output", "what is recorded"],
        ROWS,
        ["the same y = 2xᵀx lesson runs in every dialect; only these rules differ"],
    )


__all__ = ["semantics"]
