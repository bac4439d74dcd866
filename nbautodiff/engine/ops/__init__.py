"""The op table and the functional API over it (``ops.mul(x, y)``, ``ops.sum(x, 0)``...).

Every differentiable primitive is one row in :data:`OPS`, made by ``defop`` in the module that
groups it (elementwise, reduce, shape, linalg, nn). Composite functions (``var``, ``cross_entropy``,
``outer``) are written with primitives and need no rule.
"""

import warnings as _warnings

from .registry import OPS, Op, apply, defop, finish_registration
from .elementwise import *  # noqa: F401,F403
from .elementwise import abs, add, allclose, ceil, clamp, clip, constant_op, cos, div, eq, equal, exp, expm1  # noqa
from .elementwise import floor, ge, gt, isfinite, isnan, le, log, log1p, lt, masked_fill, maximum, minimum  # noqa
from .elementwise import mul, ne, neg, pow, reciprocal, relu, round, rsqrt, rsub, sigmoid, sign, sin, sqrt  # noqa
from .elementwise import square, sub, tan, tanh, where  # noqa
from .reduce import all, amax, any, argmax, argmin, cumsum, log_softmax, logsumexp, max, mean, min, norm  # noqa
from .reduce import prod, softmax, std, sum, unreduce, var  # noqa
from .shape import broadcast_to, cat, chunk, clone, concat, copy_from, expand, expand_as, flatten, getitem  # noqa
from .shape import narrow, permute, reshape, select, setitem, split, squeeze, stack, sum_to_shape, swapaxes  # noqa
from .shape import t, to_dtype, transpose, unbind, unsqueeze, view, view_as  # noqa
from .linalg import addmm, bmm, dot, ger, matmul, mm, mv, outer  # noqa
from .nn import cross_entropy, linear, mse_loss, nll_loss  # noqa
from .inplace import fill_inplace, inplace  # noqa

finish_registration()

from .. import tensor as _tensor  # noqa: E402

_tensor._install_methods()

# numpy warns on log(0), 1/0 and the like; PyTorch silently gives inf/nan, and so do the ops here.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"nbautodiff\.engine\.ops")
