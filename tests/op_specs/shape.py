"""Specs of the rows in nbautodiff/engine/ops/shape.py."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401

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
    "index": Spec(lambda ns, x: x[[0, 2, 0]] * 1 + x[x > 0].sum(), [((3, 4),)]),
    "index_put": Spec(lambda ns, x, v: _setitem(x, v), [((3, 4), (4,))]),
    "embed": Spec(lambda ns, x: _own_apply("embed", x, key=(slice(None), 1), in_shape=(3, 4)), [((3,),)], torch=False),
    "embed_add": Spec(lambda ns, x: _own_apply("embed_add", x, key=(np.array([0, 2, 0]),), in_shape=(4,)), [((3,),)],
                      torch=False),
    "split": Spec(lambda ns, x: _pieces(x.split(1)) + _pieces(x.chunk(2, 1)), [((3, 4),)]),
    "split_with_sizes": Spec(lambda ns, x: _pieces(x.split([1, 2])), [((3, 4),)]),
    "unbind": Spec(lambda ns, x: _pieces(x.unbind(1)) + _pieces(list(x)), [((4, 4),)]),
    "cat": Spec(lambda ns, x, y: ns.cat([x, y], 0) * 1 + ns.cat([x, x], 1).sum(), [((2, 4), (3, 4))]),
    "stack": Spec(lambda ns, x, y: ns.stack([x, y], 1), [((3, 4), (3, 4))]),
    "clone": Spec(lambda ns, x: x.clone(), UNARY),
    "to_dtype": Spec(lambda ns, x: x.float(), UNARY, eps=1e-3),
    "copy_": Spec(lambda ns, x, y: (x * 1).copy_(y), [((3, 4), (4,))]),
}
