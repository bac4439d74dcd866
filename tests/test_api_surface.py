"""The PyTorch API a lesson reaches for, called the same way on both: the printed results must agree."""

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

EXPRESSIONS = [
    "x.sum(axis=0)",
    "x.sum(0, keepdims=True)",
    "x.mean(axis=1)",
    "ns.sum(x, dim=1)",
    "x.max(dim=1).values",
    "x.argmax(dim=1)",
    "x.norm(dim=1, keepdim=True)",
    "x.std(dim=0)",
    "x.softmax(dim=-1)",
    "ns.exp(x).log()",
    "x.abs().sqrt()",
    "x.pow(2).sum()",
    "x.clamp(min=0)",
    "x.view(-1)",
    "x.unsqueeze(-1).shape",
    "x.size()",
    "x.size(1)",
    "x.numel()",
    "x.dim()",
    "x.T @ x",
    "ns.matmul(x, x.T)",
    "x[:, None, :].shape",
    "x[..., -1]",
    "x[x > 0.5]",
    "ns.zeros_like(x)",
    "ns.ones(2, 3, dtype=ns.float64)",
    "ns.full((2, 2), 3.0)",
    "ns.eye(2)",
    "ns.linspace(0, 1, 3)",
    "ns.arange(0, 10, 3)",
    "x.tolist()",
    "x[0, 0].item()",
    "float(x[0, 0])",
    "int(x[0, 0] * 10)",
    "len(x)",
    "[r.shape for r in x]",
    "x.flatten()",
    "ns.cat([x, x], dim=1).shape",
    "ns.stack([x, x]).shape",
    "x.type(ns.float64)",
    "x.long()",
    "x.to(ns.float64).dtype",
    "x.clone()",
    "x.detach().numpy().dtype",
    "ns.where(x > 0.5, x, ns.zeros_like(x))",
    "ns.maximum(x, ns.tensor(0.5))",
    "x.exp().mean()",
    "ns.nn.functional.relu(x - 0.5)",
    "ns.nn.functional.softmax(x, dim=1)",
    "ns.nn.functional.mse_loss(x, ns.zeros_like(x))",
    "ns.sigmoid(x)",
    "ns.tanh(x)",
    "x.new_zeros(2)",
    "x.shape[0]",
    "ns.tensor([[1, 2], [3, 4]]).float() / 2",
    "ns.tensor(3.5).item()",
    "ns.tensor([1.5]).int()",
    "x.t().contiguous().shape",
    "ns.allclose(x, x)",
    "ns.equal(x, x)",
    "x.is_leaf",
    "x.requires_grad",
    "x.device",
    "x.dtype",
    "x.ndim",
    "(x == x).all()",
    "ns.dot(x[0], x[1])",
    "ns.mv(x, x[0])",
    "ns.mm(x, x)",
    "x @ x[0]",
    "x.reshape(4)",
    "x.expand(2, 2, 2).shape",
    "x.squeeze()",
    "x.permute(1, 0)",
    "x.transpose(0, 1)",
    "ns.prod(x)",
    "x.cumsum(0)",
    "ns.logsumexp(x, 1)",
    "ns.log_softmax(x, 1)",
    "x.min()",
    "x.max()",
    "ns.min(x, 0)",
    "ns.max(x, 1, keepdim=True)",
]

DATA = np.array([[0.25, 0.75], [0.5, 1.0]], dtype=np.float32)


def _show(ns, expr):
    x = ns.tensor(DATA)
    try:
        return repr(eval(expr, {"ns": ns, "x": x, "np": np}))
    except Exception as e:  # the same error is part of the same behaviour
        return f"{type(e).__name__}: {e}".split("\n")[0]


@needs_torch
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_call_prints_what_pytorch_prints(expr):
    assert _show(nbt, expr) == _show(real_torch, expr)
