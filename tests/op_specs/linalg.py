"""Specs of the rows in nbautodiff/engine/ops/linalg.py, contractions.py and decompositions.py."""

import math
import warnings

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


# --- solve_triangular, cholesky, eigh, svd: A made well conditioned (triangular: a dominant diagonal; cholesky: x xᵀ
# + 3I; eigh: symmetric), and only what doesn't depend on an eigen- or singular vector's sign (V diag(w) Vᵀ)
def _triangular(ns, a, b):
    A = a + _eye(ns, a)
    st = ns.linalg.solve_triangular
    return (st(A, b, upper=True) + st(A, b, upper=False, unitriangular=True) * 2
            + st(A, b.mT, upper=True, left=False).mT + st(A, b.mT, upper=False, left=False, unitriangular=True).mT)


def _spd(ns, x):
    return x @ x.mT + 3.0 * ns.eye(x.shape[-2], dtype=x.dtype)


def _old_cholesky(ns, x):
    with warnings.catch_warnings():  # (deprecated, in PyTorch as here)
        warnings.simplefilter("ignore", UserWarning)
        return ns.cholesky(_spd(ns, x)) + _spd(ns, x).cholesky(upper=True).mT


def _weighted(ns, V, dtype):
    """V diag(1, 2, ...) Vᵀ: the same for V and V with any columns' signs flipped."""
    w = ns.arange(1, V.shape[-1] + 1, dtype=dtype)
    return (V * w) @ V.mT


def _eigh_factors(ns, x):
    A = x + x.mT
    if ns.__name__ == "torch":
        L, V = ns.linalg.eigh(A)
    else:
        P = _own_apply("eigh_factors", A, UPLO="L")
        L, V = P[..., 0, :], P[..., 1:, :]
    return _weighted(ns, V, x.dtype) + L.unsqueeze(-1)


def _eigh(ns, x):
    L, V = ns.linalg.eigh(x + x.mT)
    L2, V2 = ns.linalg.eigh((x + x.mT) * 2, UPLO="U")
    return (_weighted(ns, V, x.dtype) + L.unsqueeze(-1) + _weighted(ns, V2, x.dtype) * L2.unsqueeze(-2)
            + ns.linalg.eigvalsh(x.mT + x).unsqueeze(-1) * 3)


def _svd(ns, x):
    """x near diag(3, 2, 1, ...): well-separated singular values, so that float32 vectors are accurate to 1e-6."""
    m, n = x.shape[-2:]
    k = min(m, n)
    d = np.zeros((m, n))
    d[range(k), range(k)] = np.arange(k, 0, -1)
    x = x + ns.tensor(d, dtype=x.dtype)
    U, S, Vh = ns.linalg.svd(x, full_matrices=False)
    Uf, Sf, Vhf = ns.linalg.svd(x * 2)  # full: the columns past k are any completion (no gradient in PyTorch)
    u, s, v = ns.svd(x)
    w = ns.arange(1, k + 1, dtype=x.dtype)
    return ((U * w) @ Vh + S.sum(-1, keepdim=True).unsqueeze(-1) + (Uf[..., :k] * Sf.unsqueeze(-2)) @ Vhf[..., :k, :]
            + (u * w * s.unsqueeze(-2)) @ v.mT)


def _factor(ns, x):
    """A lower-triangular factor with a dominant diagonal (only its triangle is read, only it gets a gradient)."""
    return x.tril() + _eye(ns, x)


def _qr_factors(ns, x):
    if ns.__name__ == "torch":
        return ns.linalg.qr(x)
    m, n = x.shape[-2:]
    P = _own_apply("qr_factors", x)
    return P[..., :m, :min(m, n)], P[..., m:, min(m, n):]


def _qr_both(ns, x, qr):
    Q, R = qr(ns, x)
    return (Q * 2) @ R + Q.sum(-1, keepdim=True) * R.sum(-2, keepdim=True)  # (Q and R each get a gradient of their own)


def _qr(ns, x):
    with warnings.catch_warnings():  # (torch.qr is deprecated, in PyTorch as here)
        warnings.simplefilter("ignore", UserWarning)
        old = ns.qr(x * 2).R
    complete = ns.linalg.qr(x * 3, mode="complete").R.sum() if x.shape[-2] <= x.shape[-1] else 0
    return _qr_both(ns, x, lambda ns, a: ns.linalg.qr(a)) + old.sum() + complete


SPECS.update({
    "qr_factors": Spec(lambda ns, x: _qr_both(ns, x, _qr_factors), [((3, 3),), ((4, 2),), ((2, 4),), ((2, 3, 2),)],
                       exact_name=False),
    "linalg_qr": Spec(_qr, [((3, 3),), ((4, 2),), ((2, 4),), ((2, 2, 3),)]),
    "cholesky_solve": Spec(lambda ns, b, x: ns.cholesky_solve(b, _factor(ns, x)) + b.cholesky_solve(
        _factor(ns, x).mT, upper=True) * 2, [((3, 2), (3, 3)), ((2, 3, 2), (3, 3)), ((3, 1), (2, 3, 3))]),
    "cholesky_inverse": Spec(lambda ns, x: ns.cholesky_inverse(_factor(ns, x)) + _factor(ns, x).mT.cholesky_inverse(
        upper=True) * 2, [((3, 3),), ((2, 3, 3),)]),
    "linalg_solve_triangular": Spec(_triangular, [((3, 3), (3, 2)), ((2, 1, 3, 3), (4, 3, 2))]),
    "linalg_cholesky": Spec(lambda ns, x: ns.linalg.cholesky(_spd(ns, x)) + ns.linalg.cholesky(
        _spd(ns, x) * 2, upper=True).mT, [((3, 3),), ((2, 3, 3),), ((3, 2),)]),
    "cholesky": Spec(_old_cholesky, [((3, 3),)]),
    "eigh_factors": Spec(_eigh_factors, [((3, 3),), ((2, 3, 3),)], exact_name=False),
    "linalg_eigh": Spec(_eigh, [((3, 3),), ((2, 3, 3),)]),
    "linalg_svd": Spec(_svd, [((3, 3),), ((4, 3),), ((3, 4),), ((2, 3, 2),)], domain=(-0.4, 0.4)),
})
