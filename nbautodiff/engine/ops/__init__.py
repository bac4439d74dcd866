"""The op table and the functional API over it (``ops.mul(x, y)``, ``ops.sum(x, 0)``...).

Every differentiable primitive is one row in :data:`OPS`, made by ``defop`` in the module that
groups it (elementwise, reduce, shape, linalg, nn). Composite functions (``outer``,
``cross_entropy``) are written with primitives and need no rule.
"""

import warnings as _warnings

from .elementwise import (
    abs, add, allclose, atan2, ceil, clamp, clip, constant_op, cos, div, eq, equal, exp, exp2, expm1, floor, fmod,
    ge, gt, hypot, isfinite, isnan, le, log, log1p, lt, masked_fill, maximum, minimum, mul, ne, neg, pow,
    reciprocal, relu, remainder, round, rsqrt, rsub, sigmoid, sign, sin, sqrt, square, sub, tan, tanh, where,
)
from .inplace import fill_inplace, inplace
from .linalg import addmm, bmm, dot, ger, matmul, mm, mv, outer
from .nn import cross_entropy, linear, mse_loss, nll_loss
from .reduce import (
    all, amax, amin, any, argmax, argmin, cumsum, log_softmax, logsumexp, max, mean, min, norm, prod, softmax, std, sum,
    unreduce, var,
)
from .registry import OPS, Op, apply, defop, finish_registration
from .shape import (
    broadcast_to, cat, chunk, clone, concat, copy_from, expand, expand_as, flatten, flip, gather, getitem,
    index_select, narrow, permute, repeat, reshape, roll, select, setitem, split, squeeze, stack, sum_to_shape,
    swapaxes, t, to_dtype, transpose, unbind, unsqueeze, view, view_as,
)

finish_registration()

from .. import tensor as _tensor  # noqa: E402  (Tensor methods need the functions above)

_tensor._install_methods()

# numpy warns on log(0), 1/0 and the like; PyTorch silently gives inf/nan, and so do the ops here.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"nbautodiff\.engine\.ops")

__all__ = [
    "atan2", "exp2", "flip", "gather", "hypot", "index_select", "repeat", "roll",
    "OPS", "Op", "abs", "add", "addmm", "all", "allclose", "amax", "amin", "any", "apply", "argmax", "argmin", "bmm",
    "broadcast_to", "cat", "ceil", "chunk", "clamp", "clip", "clone", "concat", "constant_op", "copy_from", "cos",
    "cross_entropy", "cumsum", "defop", "div", "dot", "eq", "equal", "exp", "expand", "expand_as", "expm1",
    "fill_inplace", "flatten", "floor", "fmod", "ge", "ger", "getitem", "gt", "inplace", "isfinite", "isnan", "le",
    "linear", "log", "log1p", "log_softmax", "logsumexp", "lt", "masked_fill", "matmul", "max", "maximum", "mean",
    "min", "minimum", "mm", "mse_loss", "mul", "mv", "narrow", "ne", "neg", "nll_loss", "norm", "outer", "permute",
    "pow", "prod", "reciprocal", "relu", "remainder", "reshape", "round", "rsqrt", "rsub", "select", "setitem",
    "sigmoid", "sign", "sin", "softmax", "split", "sqrt", "square", "squeeze", "stack", "std", "sub", "sum",
    "sum_to_shape", "swapaxes", "t", "tan", "tanh", "to_dtype", "transpose", "unbind", "unreduce", "unsqueeze", "var",
    "view", "view_as", "where",
]
