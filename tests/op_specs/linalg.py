"""Specs of the rows in nbautodiff/engine/ops/linalg.py, contractions.py and decompositions.py."""

import math

import numpy as np  # noqa: F401

from . import BINARY, POS, TARGET, UNARY, Spec, _own_apply, _pieces, _setitem, fnl  # noqa: F401


def _svd_uv(ns, x):
    """U diag(w) Vᵀ + S with fixed weights w: unaffected by the sign freedom of singular vectors."""
    m, n = x.shape[-2:]
    if ns.__name__ == "torch":
        U, S, Vh = ns.linalg.svd(x, full_matrices=False)
        V = Vh.mT
    else:
        P = _own_apply("svd_factors", x, m=m, n=n)
        U, S, V = P[..., :m, :], P[..., m, :], P[..., m + 1:, :]
    w = ns.arange(1, S.shape[-1] + 1, dtype=x.dtype)
    return (U * w) @ V.mT + S.sum(-1, keepdim=True).unsqueeze(-1)


def _norms(ns, x):
    """Every kind of vector norm: 2, 1, ±inf, the 0 count, fractional, negative, over dims and kept."""
    vn = ns.linalg.vector_norm
    d = -1 if x.dim() else None
    return (vn(x) + vn(x, 1) + vn(x, math.inf) + vn(x, -math.inf) + vn(x, 0) * x.sum() + vn(x, 0.5) + vn(x, 3)
            + vn(x, -1) + vn(x, 1.5, dim=d, keepdim=True).sum() + ns.linalg.norm(x.reshape(-1), 2.5))


def _eye(ns, x, k=3.0):
    return k * ns.eye(x.shape[-1], dtype=x.dtype)


SPECS = {
    # --- products
    "dot": Spec(lambda ns, x, y: x.dot(y) + x @ y, [((4,), (4,))]),
    "mv": Spec(lambda ns, x, y: x.mv(y) + x @ y, [((3, 4), (4,))]),
    "mm": Spec(lambda ns, x, y: x.mm(y) + x @ y, [((3, 4), (4, 2))]),
    "bmm": Spec(lambda ns, x, y: ns.bmm(x, y) + x @ y, [((2, 3, 4), (2, 4, 5))]),
    "addmm": Spec(lambda ns, x, w, b: fnl(ns).linear(x, w, b) + ns.addmm(b, x, w.t(), beta=0.5, alpha=2),
                  [((3, 4), (5, 4), (5,))]),
    "addmv": Spec(lambda ns, b, m, v: ns.addmv(b, m, v, beta=0.5, alpha=2) + b.addmv(m, v),
                  [((3,), (3, 4), (4,)), ((), (3, 4), (4,))]),
    "addr": Spec(lambda ns, b, u, v: ns.addr(b, u, v, beta=0.5, alpha=2) + b.addr(u, v),
                 [((3, 4), (3,), (4,)), ((4,), (3,), (4,))]),
    "baddbmm": Spec(lambda ns, b, x, y: ns.baddbmm(b, x, y, beta=0.5, alpha=2) + b.baddbmm(x, y),
                    [((2, 3, 5), (2, 3, 4), (2, 4, 5)), ((5,), (2, 3, 4), (2, 4, 5))]),
    "addbmm": Spec(lambda ns, b, x, y: ns.addbmm(b, x, y, beta=0.5, alpha=2) + b.addbmm(x, y),
                   [((3, 5), (2, 3, 4), (2, 4, 5)), ((), (2, 3, 4), (2, 4, 5))]),
    # torch.linalg: A made diagonally dominant (well conditioned) from the random input
    "linalg_solve": Spec(lambda ns, a, b: ns.linalg.solve(a + 3 * ns.eye(3, dtype=a.dtype), b),
                         [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3, 1))]),
    "linalg_inv": Spec(lambda ns, a: ns.linalg.inv(a + 3 * ns.eye(3, dtype=a.dtype)) + ns.inverse(
        a.t() + 4 * ns.eye(3, dtype=a.dtype)), [((3, 3),)]),
    "linalg_lstsq": Spec(lambda ns, a, b: ns.linalg.lstsq(a, b).solution, [((5, 3), (5, 2)), ((6, 2), (6,))]),
    "linalg_diagonal": Spec(lambda ns, x: ns.linalg.diagonal(x) + ns.linalg.diagonal(x, offset=1, dim1=-1, dim2=-2)[
        ..., :1], [((3, 4),), ((2, 3, 3),)]),
    "svd_factors": Spec(_svd_uv, [((3, 4),), ((4, 3),), ((2, 3, 3),)], exact_name=False),
    "linalg_svdvals": Spec(lambda ns, x: ns.linalg.svdvals(x), [((3, 4),), ((4, 3),), ((2, 3, 3),)]),
    # the determinant of a singular matrix takes the SVD path (its gradient is the cofactor matrix, not 0)
    "linalg_det": Spec(lambda ns, x: ns.linalg.det(x) + ns.det(x * 2), [((3, 3),), ((2, 3, 3),), ((1, 1),)],
                       edges=[([[1.0, 2.0], [2.0, 4.0]],), ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],)]),
    "linalg_slogdet": Spec(lambda ns, x: ns.linalg.slogdet(x).logabsdet + ns.slogdet(x + _eye(ns, x))[1],
                           [((3, 3),), ((2, 3, 3),)]),
    "linalg_slogdet_sign": Spec(lambda ns, x: ns.linalg.slogdet(x).sign * x.sum((-2, -1)), [((3, 3),), ((2, 3, 3),)]),
    "linalg_pinv": Spec(lambda ns, x: ns.linalg.pinv(x) + ns.pinverse(x * 2), [((3, 4),), ((4, 3),), ((2, 3, 3),)]),
    # ord 0 counts non-zeros and has no gradient; ties of ±inf share theirs; a zero vector gets 0 everywhere
    "linalg_vector_norm": Spec(_norms, UNARY, edges=[([[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, -2.0, 2.0],
                                                       [2.0, -2.0, 1.0, 0.5]],)]),
    # x and y broadcast; every p but 0 (a count, no gradient) on one node; ties of ±inf share
    "dist": Spec(lambda ns, x, y: ns.dist(x, y) + x.dist(y, 1) + ns.dist(x, y, 3.5) + ns.dist(x, y, float("inf")),
                 [((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), ())],
                 edges=[([0.0, 1.0, -2.0, 2.0], [0.0, 0.0, 0.0, 0.0]), ([1.0, 2.0, 3.0], [1.0, 0.0, 3.0])]),
    "vdot": Spec(lambda ns, x, y: ns.vdot(x, y) + x.vdot(y * 2), [((4,), (4,))]),
    "trace": Spec(lambda ns, x: x.trace() + ns.trace(x * 2), [((3, 4),), ((3, 3),)]),
    "linalg_cross": Spec(lambda ns, x, y: ns.linalg.cross(x, y) + ns.cross(x, y, dim=-1) * 2,
                         [((4, 3), (4, 3)), ((2, 1, 3), (1, 4, 3))]),
    # PyTorch has no second derivative (its CdistBackwardBackward0 raises: tests/test_math_api.py)
    "cdist": Spec(lambda ns, a, b: ns.cdist(a, b) + ns.cdist(a, b, p=1) * 0.5 + ns.cdist(a, b, p=3)
                  + ns.cdist(a, b, p=math.inf) + ns.cdist(a, b, p=0.5) + ns.cdist(a, b, p=1.5) + ns.cdist(a, b, p=0),
                  [((3, 2), (4, 2)), ((2, 3, 2), (1, 4, 2))], second_order=False,
                  edges=[([[0.0, 0.0], [3.0, 4.0]], [[0.0, 0.0], [3.0, 5.0]])]),
}
