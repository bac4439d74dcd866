"""PyTorch's behaviour at the edges, case by case: each program runs on nbautodiff.torch and on real PyTorch and
must give the same values, dtypes, shapes, requires_grad and node names, or raise the same exception type with the
same first line. The cases are the silent wrong answers and the refusals found by running programs nobody here
wrote and random programs against PyTorch."""

from __future__ import annotations

import ast
import warnings

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

# name: program. The program runs with ``L`` bound to the namespace; its last line is the result compared.
SILENT = {
    # advanced indexing mixed with ints / slices / None: PyTorch's layout, not numpy's
    "index int slice list": "x = L.arange(24.).reshape(2, 3, 4); x[0, :, [0, 3]]",
    "index int None list": "x = L.arange(24.).reshape(2, 3, 4); x[1, None, [0, 2]]",
    "index slice tensor slice": "x = L.arange(24.).reshape(2, 3, 4); x[:, L.tensor([0, 2]), 1:]",
    "index setitem int slice list": "x = L.zeros(2, 3, 4); x[0, :, [0, 3]] = L.arange(6.).reshape(3, 2); x",
    "index grad int slice list": (
        "x = L.arange(24., requires_grad=True); y = x.reshape(2, 3, 4)[0, :, [0, 3]]; "
        "(y * L.arange(6.).reshape(3, 2)).sum().backward(); x.grad"
    ),
    # binary_cross_entropy_with_logits at logit 0
    "bce logits at 0": (
        "z = L.zeros(3, requires_grad=True); L.nn.functional.binary_cross_entropy_with_logits("
        "z, L.tensor([0.2, 0.5, 1.])).backward(); z.grad"
    ),
    "bce logits pos_weight": (
        "z = L.tensor([0., 1., -2.], requires_grad=True); L.nn.functional.binary_cross_entropy_with_logits("
        "z, L.tensor([0.2, 0.5, 1.]), pos_weight=L.tensor([2., 1., 3.])).backward(); z.grad"
    ),
    "bce logits node": (
        "z = L.zeros(3, requires_grad=True); "
        "L.nn.functional.binary_cross_entropy_with_logits(z, L.ones(3)).grad_fn.name()"
    ),
    # every view is a view
    "no-op squeeze is a view": "a = L.ones(3, requires_grad=True); b = a * 1; s = b.squeeze(); s.mul_(2); b._version",
    "no-op squeeze refuses": (
        "a = L.ones(3, requires_grad=True); b = a.exp(); s = b.squeeze(); s.mul_(2); b.sum().backward()"
    ),
    "view of transposed": "x = L.ones(2, 3).t(); x.view(6)",
    "reshape that copies": "x = L.ones(2, 3, requires_grad=True); x.t().reshape(6).grad_fn.name()",
    # gradient invariants
    "hook changes size": (
        "x = L.ones(3, requires_grad=True); x.register_hook(lambda g: L.ones(2)); (x * 2).sum().backward()"
    ),
    "hook changes dtype": (
        "x = L.ones(3, requires_grad=True); x.register_hook(lambda g: g.double()); (x * 2).sum().backward()"
    ),
    "hook on non-leaf changes dtype": (
        "x = L.ones(3, requires_grad=True); y = x * 2; y.register_hook(lambda g: g.double()); y.sum().backward()"
    ),
    "hook returns a number": (
        "x = L.ones(3, requires_grad=True); y = x * 2; y.register_hook(lambda g: 5); y.sum().backward()"
    ),
    "grad float64 onto float32": "x = L.ones(3, requires_grad=True); x.grad = L.zeros(3, dtype=L.float64)",
    "grad int onto float32": "x = L.ones(3, requires_grad=True); x.grad = L.zeros(3, dtype=L.int64)",
    "grad of another size": "x = L.ones(3, requires_grad=True); x.grad = L.zeros(2)",
    "grad float64 kept out": (
        "x = L.ones(3, requires_grad=True)\ntry:\n    x.grad = L.zeros(3, dtype=L.float64)\n"
        "except RuntimeError:\n    pass\nx.grad"
    ),
}

REFUSED = {}


def _describe(value):
    """What is compared: a tensor's dtype, shape, values, requires_grad and node; containers element by element."""
    if hasattr(value, "grad_fn") and hasattr(value, "dtype"):
        fn = value.grad_fn
        data = np.round(value.detach().numpy().astype(np.float64), 6)
        return ("tensor", str(value.dtype), tuple(value.shape), data.tolist(), value.requires_grad,
                None if fn is None else fn.name())
    if isinstance(value, (tuple, list)):
        return type(value).__name__, [_describe(v) for v in value]
    return repr(value)


def run(ns, program: str):
    """Run ``program`` with ``L = ns``: the description of its last expression, or of the exception it raised."""
    tree = ast.parse(program)
    last = tree.body.pop() if isinstance(tree.body[-1], ast.Expr) else None
    scope = {"L": ns}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(tree, "<case>", "exec"), scope)
            if last is None:
                return None
            return _describe(eval(compile(ast.Expression(last.value), "<case>", "eval"), scope))
    except Exception as e:  # noqa: BLE001  (the exception is the result compared)
        return "raises", type(e).__name__, str(e).splitlines()[0] if str(e) else ""


@needs_torch
@pytest.mark.parametrize("case", sorted(SILENT))
def test_same_answer_as_pytorch(case):
    assert run(nbt, SILENT[case]) == run(real_torch, SILENT[case])
