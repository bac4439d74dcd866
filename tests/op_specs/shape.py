"""Specs of the rows in nbautodiff/engine/ops/shape.py, joining.py, positions.py and layout.py."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401


def _index(ns, rows):
    return ns.tensor(rows, dtype=ns.int64)


def _write_through_view(x):
    """A view written in place: the base records CopySlices, the view AsStridedBackward0 (as PyTorch)."""
    y = x * 1
    v = y[1:].diagonal() if y.dim() == 2 else y.unsqueeze(0)
    v.mul_(2)
    return v


def _set(x, key, v):
    y = x * 1
    y[key] = v
    return y


def _in_place(x, fn):
    y = x * 1
    fn(y)
    return y

SPECS = {
    # --- shapes
    "reshape_copy": Spec(lambda ns, x: x.t().reshape(-1) * 1 + x.t().flatten(), [((3, 4),)]),
    "reshape": Spec(lambda ns, x: x.reshape(2, 6) * 1 + x.view(-1, 2).flatten().view(2, 6), [((3, 4),)]),
    "transpose": Spec(lambda ns, x: x.transpose(0, 1), [((3, 4),), ((2, 3, 4),)]),
    "permute": Spec(lambda ns, x: x.permute(2, 0, 1) * 1 + x.permute(2, 1, 0).permute(0, 2, 1), [((2, 3, 4),)]),
    "t": Spec(lambda ns, x: x.t(), [((3, 4),), ((4,),)]),
    "squeeze": Spec(lambda ns, x: x.unsqueeze(0).squeeze(), [((3, 4),)]),
    "squeeze_dim": Spec(lambda ns, x: x.unsqueeze(1).squeeze(1), [((3, 4),)]),
    "squeeze_dims": Spec(lambda ns, x: x.unsqueeze(0).unsqueeze(2).squeeze((0, 2)), [((3, 4),)]),
    "squeeze_matmul": Spec(lambda ns, x, y: x @ y, [((4,), (4, 3)), ((4,), (2, 4, 3))], exact_name=False),
    "unsqueeze": Spec(lambda ns, x: x.unsqueeze(-1), UNARY),
    "expand": Spec(lambda ns, x: x.expand(3, 4) * 1 + ns.broadcast_to(x, (3, 4)), [((4,),), ((1, 4),)]),
    "select": Spec(lambda ns, x: x[1] * 1 + x[:, 2].sum() + x[-1, 0], [((3, 4),)]),
    "slice": Spec(lambda ns, x: x[1:3] * 1 + x[:, 1:4:2].sum() + x[...][0:2].sum(), [((3, 4),)]),
    "alias": Spec(lambda ns, x: x[...] * 1 + x[:, 0:4] + x[()].sum(), [((3, 4),)]),
    "index": Spec(lambda ns, x: x[[0, 2, 0]] * 1 + x[x > 0].sum(), [((3, 4),)]),
    "setitem": Spec(lambda ns, x, v: _setitem(x, v) + _set(x, (slice(1, None), 0), v[:2]), [((3, 4), (4,))]),
    "index_put": Spec(lambda ns, x, v: ns.index_put(x, (_index(ns, [0, 2]),), v) + _set(x, _index(ns, [2, 1]), v)
                      + (x * 1).index_put_((_index(ns, [1, 1]),), v, accumulate=True) + _set(x, x > 0.5, v[0]),
                      [((3, 4), (4,))]),
    "copy_slices": Spec(lambda ns, x, y: _in_place(x, lambda c: c[1:, ::2].mul_(y[:2, 1:3]))
                        + _in_place(x, lambda c: c.t()[0].add_(y[0, :3], alpha=2)), [((3, 4), (3, 4))]),
    "zero_": Spec(lambda ns, x: (x * 1).zero_() + x, UNARY),
    "fill_": Spec(lambda ns, x: (x * 1).fill_(2.5) * x, UNARY),
    "normal_": Spec(lambda ns, x: (x * 1).normal_() * 0 + x, UNARY),
    "uniform_": Spec(lambda ns, x: (x * 1).uniform_() * 0 + x, UNARY),
    "fill_tensor": Spec(lambda ns, x, v: (x * 1).fill_(v) * x, [((3, 4), ()), ((), ())]),
    "embed": Spec(lambda ns, x: _own_apply("embed", x, key=(slice(None), 1), in_shape=(3, 4)), [((3,),)], torch=False),
    "embed_add": Spec(lambda ns, x: _own_apply("embed_add", x, key=(np.array([0, 2, 0]),), in_shape=(4,)), [((3,),)],
                      torch=False),
    "split": Spec(lambda ns, x: _pieces(x.split(1)) + _pieces(x.chunk(2, 1)), [((3, 4),)]),
    "split_with_sizes": Spec(lambda ns, x: _pieces(x.split([1, 2])), [((3, 4),)]),
    "unbind": Spec(lambda ns, x: _pieces(x.unbind(1)) + _pieces(list(x)), [((4, 4),)]),
    "cat": Spec(lambda ns, x, y: ns.cat([x, y], 0) * 1 + ns.cat([x, x], 1).sum(), [((2, 4), (3, 4))]),
    "stack": Spec(lambda ns, x, y: ns.stack([x, y], 1), [((3, 4), (3, 4))]),
    "block_diag": Spec(lambda ns, x, y: ns.block_diag(x, y, x[0]), [((3, 4), (2,)), ((2, 2), ())]),
    "clone": Spec(lambda ns, x: x.clone(), UNARY),
    "to_dtype": Spec(lambda ns, x: x.float(), UNARY, eps=1e-3),
    "copy_": Spec(lambda ns, x, y: (x * 1).copy_(y), [((3, 4), (4,))]),
    # --- writing at positions
    "scatter": Spec(lambda ns, x, src: x.scatter(0, _index(ns, [[0, 1, 2, 0], [2, 0, 1, 1]]), src)
                    + (x * 1).scatter_(1, _index(ns, [[3], [0]]), src[:, :1])
                    + ns.scatter(x, 0, _index(ns, [[1]]), src=src[:1, :1]),
                    [((3, 4), (2, 4))]),
    "scatter_value": Spec(lambda ns, x: x.scatter(-1, _index(ns, [[1], [3], [1]]), 2.5) if x.dim()
                          else x.scatter(0, _index(ns, 0), 2.5) + x, UNARY),
    "scatter_add": Spec(lambda ns, x, src: x.scatter_add(0, _index(ns, [[0, 1, 2, 0], [0, 0, 1, 1]]), src)
                        + (x * 1).scatter_add_(1, _index(ns, [[0, 0], [3, 3]]), src[:, :2]),
                        [((3, 4), (2, 4))]),
    # sum, mean, amax and amin (prod's gradient is checked against PyTorch in test_fidelity); repeated positions
    "scatter_reduce": Spec(lambda ns, x, src: x.scatter_reduce(0, _index(ns, [[0, 1, 2, 0], [0, 0, 1, 1]]), src, "sum")
                           + x.scatter_reduce(0, _index(ns, [[2, 1, 2, 0], [0, 0, 1, 1]]), src, "mean",
                                              include_self=False)
                           + (x * 1).scatter_reduce_(1, _index(ns, [[0, 0], [3, 3]]), src[:, :2], "amax")
                           + ns.scatter_reduce(x, 0, _index(ns, [[1, 1, 0, 0]]), src[:1] * 2, "amin",
                                               include_self=False),
                           [((3, 4), (2, 4))]),
    "index_add": Spec(lambda ns, x, s: x.index_add(0, _index(ns, [0, 2, 0]), s, alpha=-1.5)
                      + ns.index_add(x, 0, _index(ns, [1, 1, 1]), s), [((3, 4), (3, 4))]),
    "index_copy": Spec(lambda ns, x, s: x.index_copy(1, _index(ns, [3, 0]), s)
                       + (x * 1).index_copy_(1, _index(ns, [1, 2]), s),
                       [((3, 4), (3, 2))]),
    "index_fill": Spec(lambda ns, x: x.index_fill(-1, _index(ns, [0, -1]), -2.0), UNARY),
    "index_fill_tensor": Spec(lambda ns, x, v: x.index_fill(x.dim() - 1 if x.dim() else 0, _index(ns, [0, 0]), v),
                              [((3, 4), ()), ((), ())]),
    # --- views and their history after an in-place write
    "as_strided": Spec(lambda ns, x: _write_through_view(x), UNARY),
    "diagonal": Spec(lambda ns, x: x.diagonal() * 1 + x.diagonal(1).sum() + ns.diagonal(x, -1, 1, 0).sum(),
                     [((3, 4),), ((2, 3, 4),)]),
    "diag": Spec(lambda ns, x: x.diag() * 1 + ns.diag(x, diagonal=-1).sum(), [((3, 4),)]),
    "diag_embed": Spec(lambda ns, x: x.diag_embed() * 1 + ns.diag_embed(x, 1, 0, 2).sum() + x[0].diag(-1).sum(),
                       [((3, 4),)]),
    "unfold": Spec(lambda ns, x: x.unfold(-1, 2, 1) * 1 + x.unfold(0, 2, 2).sum(), [((3, 4),), ((4,),)]),
    "tril": Spec(lambda ns, x: x.tril() + ns.tril(x, diagonal=1) + (x * 1).tril_(-1), [((3, 4),), ((2, 3, 3),)]),
    "triu": Spec(lambda ns, x: x.triu() + ns.triu(x, 2) + (x * 1).triu_(), [((3, 4),)]),
    "take": Spec(lambda ns, x: x.take(_index(ns, [[0, 5], [11, -1]])) if x.dim() else x.take(_index(ns, 0)), UNARY),
    "masked_scatter": Spec(lambda ns, x, s: x.masked_scatter(ns.tensor([[True, False, True, True], [False, True,
                                                                                             False, True]]), s) * x,
                           [((2, 4), (7,)), ((1, 4), (3, 3))]),
    "masked_select": Spec(lambda ns, x: x.masked_select(x > 0)
                          + ns.masked_select(x, ns.tensor([True, False, True, True])).sum() if x.dim() else
                          x.masked_select(ns.tensor(True)), UNARY),
    "rot90": Spec(lambda ns, x: x.rot90() * 1 + x.rot90(2).sum() + ns.rot90(x, -1, (1, 0)).sum(), [((3, 4),)]),
    # --- in-place view changes
    "t_": Spec(lambda ns, x: (x * 1).t_(), [((3, 4),), ((),)]),
    "transpose_": Spec(lambda ns, x: (x * 1).transpose_(0, -1) + (x * 1).swapaxes_(0, 2) * (x * 1).swapdims_(-1, 0),
                       [((2, 3, 4),)]),
    "unsqueeze_": Spec(lambda ns, x: (x * 1).unsqueeze_(-1), UNARY),
    "squeeze_": Spec(lambda ns, x: (x * 1).unsqueeze(0).squeeze_(), [((3, 4),)]),
    "squeeze_dim_": Spec(lambda ns, x: (x * 1).unsqueeze(-1).squeeze_(-1), UNARY),
    "squeeze_dims_": Spec(lambda ns, x: (x * 1).unsqueeze(0).unsqueeze(2).squeeze_((0, 2)), [((3, 4),)]),
}
