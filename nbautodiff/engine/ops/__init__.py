"""The op table and the functional API over it (``ops.mul(x, y)``, ``ops.sum(x, 0)``...).

Every differentiable primitive is one row in :data:`OPS`, made by ``defop`` in the module that groups it
(elementwise, activations, reduce, sorting, shape, linalg, contractions, decompositions, nn, losses, conv;
attention's are composites), next
to its public function, declared with ``public``. Composite functions (``outer``, ``cross_entropy``) are written with
primitives and need no rule.
This package's names, the Tensor methods and ``nbautodiff.torch``'s functions all follow from ``public``.
"""

import warnings as _warnings

# each module adds its rows and public functions
from . import (  # noqa: F401
    activations, attention, composites, contractions, conv, decompositions, division, elementwise, joining, layout,
    linalg, losses, nn, positions, reduce, sampling, shape, sorting, special,
)
from .division import constant_op
from .inplace import check_no_partial_overlap, fill_inplace, inplace
from .reduce import unreduce
from .registry import OPS, PUBLIC, Op, apply, defop, finish_registration, public, public_names, unary
from .shape import copy_from, getitem, setitem, sum_to_shape, to_dtype

finish_registration()
globals().update(public_names("all"))

from .. import tensor as _tensor  # noqa: E402  (Tensor methods need the functions above)

_tensor._install_methods()

# numpy warns on log(0), 1/0 and the like; PyTorch silently gives inf/nan, and so do the ops here.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"nbautodiff\.engine\.ops")

# the machinery the rest of the engine uses, then every public function
__all__ = [
    "OPS", "PUBLIC", "Op", "apply", "check_no_partial_overlap", "constant_op", "copy_from", "defop", "fill_inplace",
    "getitem", "inplace", "public", "public_names", "setitem", "sum_to_shape", "to_dtype", "unary", "unreduce",
    *sorted(PUBLIC),
]
