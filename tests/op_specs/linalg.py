"""Specs of the rows in nbautodiff/engine/ops/linalg.py."""

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401

SPECS = {
    # --- products
    "dot": Spec(lambda ns, x, y: x.dot(y) + x @ y, [((4,), (4,))]),
    "mv": Spec(lambda ns, x, y: x.mv(y) + x @ y, [((3, 4), (4,))]),
    "mm": Spec(lambda ns, x, y: x.mm(y) + x @ y, [((3, 4), (4, 2))]),
    "bmm": Spec(lambda ns, x, y: ns.bmm(x, y), [((2, 3, 4), (2, 4, 5))]),
    "addmm": Spec(lambda ns, x, w, b: fnl(ns).linear(x, w, b), [((3, 4), (5, 4), (5,))]),
    # torch.linalg: A made diagonally dominant (well conditioned) from the random input
    "linalg_solve": Spec(lambda ns, a, b: ns.linalg.solve(a + 3 * ns.eye(3, dtype=a.dtype), b),
                         [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3, 1))]),
    "linalg_inv": Spec(lambda ns, a: ns.linalg.inv(a + 3 * ns.eye(3, dtype=a.dtype)) + ns.inverse(
        a.t() + 4 * ns.eye(3, dtype=a.dtype)), [((3, 3),)]),
    "linalg_lstsq": Spec(lambda ns, a, b: ns.linalg.lstsq(a, b).solution, [((5, 3), (5, 2)), ((6, 2), (6,))]),
}
