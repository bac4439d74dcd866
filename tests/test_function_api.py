"""PyTorch functions real programs reach for beyond the lessons' core (stacking, grids, splits, element tests),
run on both: the same values, dtypes, shapes, node names and gradients, or the same exception and first line."""

from __future__ import annotations

import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch
from .test_fidelity import run

A = "a = L.tensor([1., 2.], requires_grad=True); "
S = "s = L.tensor(3., requires_grad=True); "
M = "m = L.arange(4.).reshape(2, 2).requires_grad_(); "
X = "x = L.arange(12.).reshape(3, 4).requires_grad_(); "
W = "w = lambda t: (t * (L.arange(t.numel()).reshape(t.shape) + 1.)).sum(); "  # a weighted sum: every grad differs


def grads(expr: str, *leaves: str) -> str:
    """``(value, the gradients of its weighted sum w.r.t. the leaves)``: ``expr`` may be a tuple of tensors."""
    return (f"r = {expr}; rs = r if isinstance(r, tuple) else (r,); "
            f"(r, L.autograd.grad(sum(w(t) for t in rs if t.requires_grad), ({', '.join(leaves)},), "
            "allow_unused=True, materialize_grads=True))")


PROGRAMS = {
    # joining, as PyTorch composes it from cat / unsqueeze / view (CatBackward0 and friends)
    "hstack 1-d": A + W + grads("L.hstack([a, a * 2])", "a"),
    "hstack 0-d": S + W + grads("L.hstack([s, s * 2])", "s"),
    "hstack 2-d": M + W + grads("L.hstack((m, m * 3))", "m"),
    "vstack": A + W + grads("L.vstack([a, a * 3])", "a"),
    "row_stack 0-d": S + W + grads("L.row_stack([s, s])", "s"),
    "dstack": A + M + W + grads("L.dstack([m, m, a])", "a", "m"),
    "column_stack": A + M + W + grads("L.column_stack([m, a, a * 2])", "a", "m"),
    "atleast": A + S + "m = L.ones(2, 2); (L.atleast_1d(s), L.atleast_2d(a), L.atleast_2d(s), L.atleast_3d(a), "
                       "L.atleast_3d(m), L.atleast_3d(s), L.atleast_1d(a, s), L.atleast_2d([a, s]))",
    "atleast_1d gives back a 1-d tensor": A + "L.atleast_1d(a) is a",
    "broadcast_tensors": A + "m = L.ones(3, 1, requires_grad=True); " + W
                         + grads("L.broadcast_tensors(a, m, L.tensor(5.))", "a", "m"),
    "broadcast_tensors mismatch": "L.broadcast_tensors(L.ones(2), L.ones(3))",
    "broadcast_shapes": "L.broadcast_shapes((2, 1), (3,), 1)",
    "broadcast_shapes mismatch": "L.broadcast_shapes((2, 1), (3, 2))",
    "meshgrid ij": A + "b = L.tensor([3., 4., 5.]); " + W + grads("L.meshgrid(a, b, indexing='ij')", "a"),
    "meshgrid xy": A + "b = L.tensor([3., 4., 5.]); " + W + grads("L.meshgrid(a, b, indexing='xy')", "a"),
    "meshgrid xy of three": A + "b = L.tensor([3., 4., 5.]); c = L.tensor([6., 7.]); " + W
                            + grads("L.meshgrid([a, b, c], indexing='xy')", "a"),
    "meshgrid 0-d, default indexing": A + "L.meshgrid(a, L.tensor(3.))",
    "cartesian_prod": A + "b = L.tensor([3., 4., 5.]); " + W + grads("L.cartesian_prod(a, b)", "a"),
    "cartesian_prod of one": A + "L.cartesian_prod(a) is a",
    "block_diag": M + "v = L.tensor([1., 2., 3.], requires_grad=True); " + W
                  + grads("L.block_diag(m, v, L.tensor(7.), L.ones(0, 2))", "m", "v"),
    "block_diag promotes": "L.block_diag(L.ones(2, 2, dtype=L.float64), L.tensor([1, 2]))",
    "block_diag 3-d refused": "L.block_diag(L.ones(2, 2, 2))",
    # splitting into views (SliceBackward0)
    "tensor_split sections": "x = L.arange(7., requires_grad=True); " + W + grads("L.tensor_split(x, 3)", "x"),
    "tensor_split indices out of order": "x = L.arange(7., requires_grad=True); " + W
                                         + grads("L.tensor_split(x, [1, 5, 3, 9])", "x"),
    "tensor_split by a tensor": X + W + grads("x.tensor_split(L.tensor([1, 2]), dim=1)", "x"),
    "hsplit vsplit": X + "(L.hsplit(x, 2), L.vsplit(x, [1]), L.hsplit(L.arange(6.), 3))",
    "hsplit uneven refused": "L.hsplit(L.arange(12.).reshape(3, 4), 3)",
    "dsplit": "L.dsplit(L.arange(8.).reshape(2, 2, 2), 2)",
    "vsplit of 1-d refused": "L.vsplit(L.arange(3.), 1)",
    "hstack of nothing": "L.hstack([])",
    # element tests (bool results, no gradient)
    "isinf and friends": "x = L.tensor([1., float('inf'), -float('inf'), float('nan'), -0.]); i = L.tensor([1, -2]); "
                         "(L.isinf(x), x.isinf(), L.isinf(i), L.isposinf(x), x.isneginf(), L.isneginf(i), "
                         "L.signbit(x), i.signbit(), L.isreal(x))",
    "isclose": "x = L.tensor([1., float('inf'), float('nan'), 1e-9]); y = L.tensor([1.00001, float('inf'), "
               "float('nan'), 0.]); (L.isclose(x, y), x.isclose(y, equal_nan=True), L.isclose(x, y, rtol=0, atol=0))",
    "isclose of ints": "L.isclose(L.tensor([1, 2]), L.tensor([1, 3]))",
    "isclose dtypes refused": "L.isclose(L.ones(2), L.ones(2, dtype=L.float64))",
    "isclose number refused": "L.isclose(L.ones(2), 1.0)",
    "isclose negative rtol": "L.isclose(L.ones(2), L.ones(2), rtol=-1)",
    "logical": "x = L.tensor([1., 0., -2., float('nan')]); i = L.tensor([0, 3, 0, 1]); "
               "(L.logical_and(x, i), x.logical_or(i), L.logical_xor(x, x), L.logical_not(i), i.logical_not())",
    "logical broadcast": "L.logical_and(L.ones(2, 1), L.tensor([True, False, True]))",
    "logical number refused": "L.logical_and(L.ones(2), 1)",
    "isin": "i = L.tensor([1, -2, 5]); (L.isin(i, L.tensor([1, 5])), L.isin(i, 1), L.isin(1, i), "
            "L.isin(L.tensor([1., 0.]), L.tensor([1, 0])), L.isin(i, L.tensor([1., 3.]), invert=True))",
    # dtypes, limits and the namespace's helpers
    "finfo": "(L.finfo(L.float32), L.finfo(), L.finfo(L.float16).eps, L.finfo(L.float64).max, L.finfo(L.float32).tiny, "
             "L.finfo(L.float32).bits, L.finfo(L.float32).dtype, L.finfo(L.float16).resolution)",
    "finfo of an int refused": "L.finfo(L.int32)",
    "iinfo": "(L.iinfo(L.int32), L.iinfo(L.uint8).max, L.iinfo(L.int64).min, L.iinfo(L.int8).bits)",
    "iinfo of a float refused": "L.iinfo(L.float32)",
    "iinfo of bool refused": "L.iinfo(L.bool)",
    "result_type": "(L.result_type(L.ones(2, dtype=L.int32), 1.0), "
                   "L.result_type(L.tensor(1.), L.ones(2, dtype=L.int32)), L.result_type(2, 3.0), L.result_type(1, 2), "
                   "L.result_type(L.ones(2, dtype=L.uint8), -1))",
    "promote_types can_cast": "(L.promote_types(L.uint8, L.int8), L.promote_types(L.bool, L.float16), "
                              "L.promote_types(L.int64, L.float16), L.can_cast(L.float32, L.int32), "
                              "L.can_cast(L.int32, L.bool), L.can_cast(L.bool, L.uint8), L.can_cast(L.int64, L.int8), "
                              "L.can_cast(L.float64, L.float16))",
    "logspace": "(L.logspace(0, 2, 3), L.logspace(-1, 1, 4), L.logspace(0, 1, 3, base=2), "
                "L.logspace(0, 2, 3, dtype=L.int64), L.logspace(0, 1, 0))",
    "tril and triu indices": "(L.tril_indices(3, 4, -1), L.triu_indices(4, 3, -1), L.tril_indices(3, 3), "
                             "L.tril_indices(0, 0), L.triu_indices(2, 2, dtype=L.int32))",
    "tril_indices of a negative row": "L.tril_indices(-1, 2)",
    "scalar_tensor": "(L.scalar_tensor(3), L.scalar_tensor(3, dtype=L.int32), "
                     "L.scalar_tensor(2.5, requires_grad=True))",
    "is_nonzero": "(L.is_nonzero(L.tensor([2.])), L.is_nonzero(L.tensor(0.)), L.tensor([0]).is_nonzero())",
    "is_nonzero of two": "L.is_nonzero(L.ones(2))",
    "is_nonzero of none": "L.is_nonzero(L.tensor([]))",
    "set_num_threads of 0": "L.set_num_threads(0)",
    # tensor methods and properties
    "strides and offsets": "x = L.arange(12.).reshape(3, 4); y = x[1:, 2:]; (x.stride(), x.t().stride(), y.stride(), "
                           "y.stride(-1), y.storage_offset(), x[1].storage_offset(), x.storage_offset(), "
                           "L.arange(6.).reshape(2, 3)[:, ::2].stride(), L.tensor(1.).stride())",
    "sizes in bytes": "x = L.ones(3, 4, dtype=L.float64); (x.nbytes, x.itemsize, x.int().nbytes, x[0].nbytes)",
    "device answers": "x = L.ones(2); (x.is_cpu, x.get_device(), x.is_complex(), L.is_complex(x), x.is_signed(), "
                      "x.long().is_signed(), x.byte().is_signed(), x.bool().is_signed(), x.is_same_size(L.ones(2)), "
                      "x.is_same_size(L.ones(1, 2)))",
    "casts": "x = L.tensor([1.7, -2.2, 300.]); (x.short(), x.char(), x.byte(), x.type_as(L.ones(1, dtype=L.int32)))",
    "views and casts as methods": A + W + grads("(a.ravel(), a.reshape_as(L.ones(2, 1)), a.type_as(L.ones(1, "
                                                "dtype=L.float64)), a.where(a > 1, L.zeros(2)), "
                                                "L.arange(4.).reshape(2, 2).t().ravel())", "a"),
    "type_as the same dtype is itself": A + "a.type_as(L.ones(1)) is a",
    "new_empty": "x = L.ones(2, dtype=L.float64); e = x.new_empty(3, 2); (e.shape, e.dtype, e.requires_grad, "
                 "x.new_empty((2,), dtype=L.int32).dtype)",
}


@needs_torch
def test_the_random_state_comes_back():
    """get_rng_state / set_rng_state: the same numbers again (the state's layout is numpy's, not PyTorch's)."""
    state = nbt.get_rng_state()
    first = nbt.rand(4).tolist(), nbt.randn(2).tolist()
    nbt.set_rng_state(state)
    assert (nbt.rand(4).tolist(), nbt.randn(2).tolist()) == first
    assert repr(state.dtype) == repr(real_torch.get_rng_state().dtype) == "torch.uint8"
    nbt.manual_seed(7)
    assert nbt.initial_seed() == 7


@needs_torch
@pytest.mark.parametrize("name", PROGRAMS)
def test_same_as_pytorch(name):
    ours, theirs = run(nbt, PROGRAMS[name]), run(real_torch, PROGRAMS[name])
    assert ours == theirs


@needs_torch
def test_meshgrid_refuses_a_matrix_as_pytorch():
    """(PyTorch's message ends in its C++ printout of the tensor: the start and the type are compared.)"""
    for ns in (nbt, real_torch):
        with pytest.raises(RuntimeError, match="^torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got"):
            ns.meshgrid(ns.ones(2, 2), indexing="ij")


def _setup_context_and_dirty(T):
    """The setup_context style (forward without ctx) and mark_dirty returning the input itself."""
    out = []
    class MulK(T.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k
        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x)
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.k, None
    x = T.tensor([1., 2.], requires_grad=True)
    y = MulK.apply(x, 3.)
    y.sum().backward()
    out += [y.tolist(), x.grad.tolist(), type(y.grad_fn).__name__]
    class AddOne_(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x
        @staticmethod
        def backward(ctx, g):
            return g
    a = T.tensor([1., 2.], requires_grad=True)
    b = a * 2
    r = AddOne_.apply(b)
    out += [r is b, r.tolist(), type(r.grad_fn).__name__, b._version]
    (r * r).sum().backward()
    out += [a.grad.tolist()]
    return out


def test_setup_context_style_and_mark_dirty_as_pytorch():
    assert _setup_context_and_dirty(nbt) == _setup_context_and_dirty(real_torch)


def _node_post_hooks(T):
    """grad_fn.register_hook: (grad_inputs, grad_outputs) as PyTorch passes them, a returned tuple replaces
    grad_inputs, the handle removes it; where's condition is no grad_input."""
    out = []
    x = T.tensor([1., 2.], requires_grad=True)
    w = T.tensor([3., 4.], requires_grad=True)
    y = x * w
    seen = []
    h = y.grad_fn.register_hook(lambda gi, go: seen.append(([None if g is None else g.tolist() for g in gi],
                                                             [g.tolist() for g in go])))
    z = (y * 2).sum()
    z.backward(retain_graph=True)
    out.append(seen[:])
    out.append([x.grad.tolist(), w.grad.tolist()])
    h.remove()
    x.grad = w.grad = None
    seen.clear()
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, gi[1]))
    z.backward()
    out.append([x.grad.tolist(), w.grad.tolist(), seen])
    a = T.tensor([1., 2.], requires_grad=True)
    e = T.where(a > 1, a, 0.)
    rec = []
    e.grad_fn.register_hook(lambda gi, go: rec.append(len(gi)))
    e.sum().backward()
    out.append(rec)
    return out


def test_node_post_hooks_as_pytorch():
    assert _node_post_hooks(nbt) == _node_post_hooks(real_torch)
