"""torch.linalg: solve, inv, lstsq, det, slogdet, pinv, the singular values and the norms, each with its PyTorch
node and rules written with tensor ops (so they differentiate again); vecdot, multi_dot, cond and matrix_rank as
PyTorch composes them."""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes, mode
from ..tensor import Tensor, make
from ._util import broadcast_error, const, cpp_type, norm_dim, one_dim, shape_str
from .contractions import linalg_diagonal
from .elementwise import result_dtype, where
from .joining import cat
from .linalg import _scalar_type, _tensors
from .reduce import amax, amin, prod, sum
from .registry import apply, apply_multi, defop, public
from .shape import permute, transpose, unsqueeze


# ============================================================== torch.linalg: solve, inv, lstsq
# Rules as in PyTorch's derivatives.yaml, written with tensor ops so they differentiate again. A vector right-hand
# side (b of shape (n,)) is a column; batches of matrices work, broadcasting between A and B's batches does not.
class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a singular matrix, or a decomposition that did not converge."""


LinAlgError.__module__, LinAlgError.__name__, LinAlgError.__qualname__ = "torch._C", "_LinAlgError", "_LinAlgError"


def _mT(x):
    return transpose(x, -2, -1)


def _col(v, like):
    """A vector right-hand side as a column (what the matrix rules read), else itself."""
    return unsqueeze(v, -1) if v.ndim == like.ndim - 1 else v


def _uncol(m, like):
    """A column back as the vector ``like`` is (the rules' results must have their input's shape)."""
    return m.squeeze(-1) if like.ndim == m.ndim - 1 else m


def _solve_fwd(a, b):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None


def _solve_vjp_b(g, out, a, b):
    return linalg_solve(_mT(a), g)


def _solve_vjp_a(g, out, a, b):
    gb = _col(linalg_solve(_mT(a), g), a)
    return -(gb @ _mT(_col(out, a)))


def _solve_jvp_a(da, out, a, b):
    return _uncol(linalg_solve(a, -(da @ _col(out, a))), out)


def _solve_jvp_b(db, out, a, b):
    return linalg_solve(a, db)


def _solve_error(args, params, exc):
    a, b = args
    sa, sb = a._data.shape, b._data.shape
    return RuntimeError(
        f"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({'x'.join(map(str, sa[-2:]))} and "
        f"{'x'.join(map(str, sb[-2:] if len(sb) > 1 else sb + (1,)))})\nsolve: A must be square (n, n) and B have n "
        "rows, a vector of n numbers or an (n, k) matrix"
    )


SOLVE = defop(
    "linalg_solve", "LinalgSolveExBackward0", _solve_fwd,
    vjp=(_solve_vjp_a, _solve_vjp_b),
    jvp=(_solve_jvp_a, _solve_jvp_b),
    save=(0,), save_out=True, error=_solve_error,
)


@public(function=False, method=False, linalg=True)
def linalg_solve(A, B):
    """X with ``A @ X = B`` (``torch.linalg.solve``); B is a vector or a matrix."""
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.solve: Expected a floating point or complex tensor as input. Got {_scalar_type(A)}")
    _square(A, "linalg.solve")
    return apply(SOLVE, (A, B))


def _square(a, name: str) -> None:
    s = a._data.shape
    if a._data.ndim < 2 or s[-1] != s[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{s[-2] if a._data.ndim >= 2 else 1} by {s[-1]} matrices")


def _inv_fwd(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise LinAlgError("linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because "
                          "the input matrix is singular.") from None


INV = defop(
    "linalg_inv", "LinalgInvExBackward0", _inv_fwd,
    vjp=(lambda g, out, a: -(_mT(out) @ g @ _mT(out)),),
    jvp=(lambda da, out, a: -(out @ da @ out),),
    save_out=True,
)


@public(function=False, method=False, linalg=True)
def linalg_inv(A):
    """The inverse of a square matrix (``torch.linalg.inv``, also ``torch.inverse``)."""
    _linalg_input(A, "linalg.inv", dtype_last=True)
    return apply(INV, (A,))


public(linalg_inv, name="inverse")


# lstsq: the least-squares solution X = (AᵀA)⁻¹AᵀB of a full-column-rank A (m >= n), as PyTorch's default driver
# (gelsy) gives it. With R = B − AX and S = (AᵀA)⁻¹: B̄ = A S X̄ and Ā = R (S X̄)ᵀ − B̄ Xᵀ.
def _lstsq_fwd(a, b):
    return np.linalg.lstsq(a, b, rcond=None)[0] if a.ndim == 2 else np.stack(
        [np.linalg.lstsq(ai, bi, rcond=None)[0] for ai, bi in zip(a, b)])


def _gram_solve(a, m):
    return linalg_solve(_mT(a) @ a, m)


def _lstsq_vjp_a(g, out, a, b):
    x = _col(out, a)
    sg = _gram_solve(a, _col(g, a))
    return (_col(b, a) - a @ x) @ _mT(sg) - (a @ sg) @ _mT(x)


def _lstsq_vjp_b(g, out, a, b):
    return _uncol(a @ _gram_solve(a, _col(g, a)), b)


def _lstsq_jvp_a(da, out, a, b):
    x = _col(out, a)
    return _uncol(_gram_solve(a, _mT(da) @ (_col(b, a) - a @ x) - _mT(a) @ (da @ x)), out)


def _lstsq_jvp_b(db, out, a, b):
    return _uncol(_gram_solve(a, _mT(a) @ _col(db, a)), out)


LSTSQ = defop(
    "linalg_lstsq", "LinalgLstsqBackward0", _lstsq_fwd,
    vjp=(_lstsq_vjp_a, _lstsq_vjp_b),
    jvp=(_lstsq_jvp_a, _lstsq_jvp_b),
    save=(0, 1), save_out=True,
)


class lstsq_result(tuple):
    """``torch.return_types.linalg_lstsq``: (solution, residuals, rank, singular_values)."""

    __slots__ = ()
    _fields = ("solution", "residuals", "rank", "singular_values")

    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    solution = property(lambda self: self[0])
    residuals = property(lambda self: self[1])
    rank = property(lambda self: self[2])
    singular_values = property(lambda self: self[3])

    def __repr__(self) -> str:
        body = ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self))
        return f"torch.return_types.linalg_lstsq(\n{body})"


@public(function=False, method=False, linalg=True)
def linalg_lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of ``A @ X ≈ B`` (``torch.linalg.lstsq``): ``.solution``, and as PyTorch's
    default driver gives them, empty ``residuals`` and ``singular_values`` and the ``rank``."""
    rows = B._data.shape[-2] if B._data.ndim == A._data.ndim else B._data.shape[-1]
    if not 0 <= A._data.ndim - B._data.ndim <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    if A._data.shape[-2] != rows:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {_scalar_type(A)} and other's dtype {_scalar_type(B)}")
    if A._data.dtype.kind != "f":
        raise RuntimeError("This function doesn't handle types other than float and double\nlinalg.lstsq: convert "
                           "first, e.g. A.float()")
    solution = apply(LSTSQ, (A, B))
    rank = make(np.asarray(np.linalg.matrix_rank(A._data), dtype=np.int64))
    empty = make(np.zeros((0,), dtype=A._data.dtype))
    return lstsq_result(solution, empty, rank, make(np.zeros((0,), dtype=A._data.dtype)))


# ============================================================== det, slogdet, pinv, singular values
def _linalg_input(A, name: str, square: bool = True, dtype_last: bool = False) -> None:
    """PyTorch's checks of a matrix input, in its order: at least 2-D, floating point, square (``dtype_last``: the
    dtype after the shape, as linalg.inv and logdet check)."""
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind != "f" and not dtype_last:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_scalar_type(A)}")
    s = A._data.shape
    if square and s[-1] != s[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {s[-2]} by {s[-1]} matrices")
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_scalar_type(A)}")


def _eye_like(A):
    return const(np.eye(A._data.shape[-1], dtype=A._data.dtype))


# The singular value decomposition as one differentiable row: U, S and V = Vhᵀ packed into one (..., m + 1 + n, k)
# array, so that svdvals' VJP (U diag(g) Vᵀ) and the determinant of a singular matrix can be written with tensor ops
# and differentiated again. The rules are Townsend's ("Differentiating the singular value decomposition", 2016).
def _svd_fwd(a, *, m, n):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :], np.swapaxes(vh, -1, -2)], axis=-2)


def _svd_parts(P, m):
    return P[..., :m, :], P[..., m, :], P[..., m + 1:, :]


def _svd_f(S):
    """F_ij = 1 / (s_j² − s_i²) off the diagonal, 0 on it."""
    s2 = S * S
    diff = unsqueeze(s2, -2) - unsqueeze(s2, -1)
    eye = const(np.eye(S._data.shape[-1], dtype=bool))
    return where(eye, 0.0, 1 / where(eye, 1.0, diff))


def _svd_vjp(g, out, a, *, m, n):
    U, S, V = _svd_parts(out, m)
    gU, gS, gV = _svd_parts(g, m)
    F, k = _svd_f(S), S._data.shape[-1]
    X, Y = U.mT @ gU, V.mT @ gV
    J, K = F * (X - X.mT), F * (Y - Y.mT)
    core = J * unsqueeze(S, -2) + unsqueeze(S, -1) * K + linalg_diag_embed(gS)
    ga = U @ core @ V.mT
    if m > k:
        ga = ga + (gU - U @ (U.mT @ gU)) / unsqueeze(S, -2) @ V.mT
    if n > k:
        ga = ga + U @ ((gV - V @ (V.mT @ gV)) / unsqueeze(S, -2)).mT
    return ga


def _svd_jvp(da, out, a, *, m, n):
    U, S, V = _svd_parts(out, m)
    F, k = _svd_f(S), S._data.shape[-1]
    dP = U.mT @ da @ V
    dS = linalg_diagonal(dP)
    dU = U @ (F * (dP * unsqueeze(S, -2) + unsqueeze(S, -1) * dP.mT))
    dV = V @ (F * (unsqueeze(S, -1) * dP + dP.mT * unsqueeze(S, -2)))
    if m > k:
        dU = dU + (da @ V - U @ (U.mT @ da @ V)) / unsqueeze(S, -2)
    if n > k:
        dV = dV + (da.mT @ U - V @ (V.mT @ da.mT @ U)) / unsqueeze(S, -2)
    return cat([dU, unsqueeze(dS, -2), dV], -2)


SVD = defop("svd_factors", "LinalgSvdBackward0", _svd_fwd, vjp=(_svd_vjp,), jvp=(_svd_jvp,), save_out=True)


def _svd_factors(A):
    """(U, S, V) of A = U diag(S) Vᵀ (thin), as tensors that stay differentiable."""
    m, n = A._data.shape[-2:]
    return _svd_parts(apply(SVD, (A,), {"m": m, "n": n}), m)


def linalg_diag_embed(v):
    """Vectors (..., k) as diagonal matrices (..., k, k)."""
    return unsqueeze(v, -1) * const(np.eye(v._data.shape[-1], dtype=v._data.dtype))


def _svdvals_vjp(g, out, a):
    U, _, V = _svd_factors(a)
    return (U * unsqueeze(g, -2)) @ V.mT


def _svdvals_jvp(da, out, a):
    U, _, V = _svd_factors(a)
    return sum(U * (da @ V), -2)


SVDVALS = defop("linalg_svdvals", "LinalgSvdBackward0", lambda a: np.linalg.svd(a, compute_uv=False),
                vjp=(_svdvals_vjp,), jvp=(_svdvals_jvp,), save=(0,))


@public(function=False, method=False, linalg=True)
def linalg_svdvals(A, *, driver=None):
    """The singular values of each matrix, largest first."""
    _linalg_input(A, "linalg.svd", square=False)
    return apply(SVDVALS, (A,))


def _det_grad(a, det, cofactors: bool):
    """d det / dA = det · A⁻ᵀ. Where det is exactly 0, PyTorch's first-order backward gives 0, and with
    ``create_graph`` the cofactors through the SVD (det(U) det(V) U diag(∏_{j≠i} s_j) Vᵀ, no inverse needed):
    ``cofactors`` picks the second. Written with tensor ops, so the rule differentiates again."""
    singular = np.asarray(det._data == 0)
    eye = _eye_like(a)
    scaled = unsqueeze(unsqueeze(det, -1), -1) * eye
    if not singular.any():
        return linalg_solve(a.mT, scaled)
    mask = const(singular[..., None, None])
    if singular.all():
        regular = a * 0
    else:  # solve the others with the singular ones replaced by I, then choose
        regular = linalg_solve(where(mask, eye, a).mT, scaled)
    if not cofactors:
        return where(mask, 0.0, regular)
    U, S, V = _svd_factors(a)
    signs = const(np.linalg.det(U._data) * np.linalg.det(V._data))
    k = S._data.shape[-1]
    others = where(const(np.eye(k, dtype=bool)), 1.0, unsqueeze(S, -2).expand(*S.shape[:-1], k, k))
    cof = prod(others, -1) * unsqueeze(signs, -1)
    return where(mask, (U * unsqueeze(cof, -2)) @ V.mT, regular)


def _det_vjp(g, out, a):
    return unsqueeze(unsqueeze(g, -1), -1) * _det_grad(a, out, mode.state.grad_enabled)


def _det_jvp(da, out, a):
    return sum(_det_grad(a, out, True) * da, (-2, -1))


DET = defop("linalg_det", "LinalgDetBackward0", np.linalg.det, vjp=(_det_vjp,), jvp=(_det_jvp,), save=(0,),
            save_out=True)


@public(function=False, method=False, linalg=True)
def linalg_det(A):
    """The determinant of each square matrix."""
    _linalg_input(A, "linalg.det")
    return apply(DET, (A,))


@public
def det(input):
    """``torch.det``: the determinant (``torch.linalg.det``)."""
    return linalg_det(input)


def _logabsdet_fwd(a):
    return np.linalg.slogdet(a)[1]


def _slogdet_grad(a):
    """d log|det A| / dA = A⁻ᵀ."""
    return linalg_solve(a.mT, _eye_like(a).expand(*a.shape))


SLOGDET = defop(
    "linalg_slogdet", "LinalgSlogdetBackward0", _logabsdet_fwd,
    vjp=(lambda g, out, a: unsqueeze(unsqueeze(g, -1), -1) * _slogdet_grad(a),),
    jvp=(lambda da, out, a: sum(_slogdet_grad(a) * da, (-2, -1)),),
    save=(0,),
)
SLOGDET_SIGN = defop(  # the sign output of slogdet: piecewise constant, PyTorch sends no gradient through it
    "linalg_slogdet_sign", "LinalgSlogdetBackward0", lambda a: np.linalg.slogdet(a)[0],
    vjp=(lambda g, out, a: None,),
    jvp=(lambda da, out, a: sum(da * 0, (-2, -1)),),
    save=(0,),
)


class slogdet_result(tuple):
    """``torch.return_types.slogdet``: (sign, logabsdet)."""

    __slots__ = ()
    _fields = ("sign", "logabsdet")
    _name = "slogdet"

    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    sign = property(lambda self: self[0])
    logabsdet = property(lambda self: self[1])

    def __repr__(self) -> str:
        body = ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self))
        return f"torch.return_types.{self._name}(\n{body})"


class linalg_slogdet_result(slogdet_result):
    __slots__ = ()
    _name = "linalg_slogdet"


@public(function=False, method=False, linalg=True)
def linalg_slogdet(A):
    """(sign, log|det|) of each square matrix: the log-determinant without overflow."""
    _linalg_input(A, "linalg.slogdet")
    return linalg_slogdet_result(apply(SLOGDET_SIGN, (A,)), apply(SLOGDET, (A,)))


@public
def slogdet(input):
    _linalg_input(input, "linalg.slogdet")
    return slogdet_result(apply(SLOGDET_SIGN, (input,)), apply(SLOGDET, (input,)))


@public
def logdet(input):
    """log det A: nan where the determinant is negative (PyTorch's WhereBackward0 over the slogdet)."""
    _linalg_input(input, "logdet", dtype_last=True)
    sign, logabs = linalg_slogdet(input)
    return where(sign < 0, float("nan"), logabs)


def _pinv_fwd(a, *, rtol, atol, hermitian):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    smax = s[..., :1] if s.shape[-1] else np.zeros(a.shape[:-2] + (1,), a.dtype)
    cut = np.maximum(0.0 if atol is None else atol, (0.0 if rtol is None else rtol) * smax)
    inv = np.where(s > cut, 1 / np.where(s > cut, s, 1), 0).astype(a.dtype)
    return np.swapaxes(vh, -1, -2) @ (inv[..., None] * np.swapaxes(u, -1, -2))


def _pinv_vjp(g, out, a, **params):
    # Ā = −A⁺ᵀ G A⁺ᵀ + (I − A A⁺) Gᵀ A⁺ A⁺ᵀ + A⁺ᵀ A⁺ Gᵀ (I − A⁺ A), with G the gradient of A⁺, in PyTorch's
    # pinv_backward's order of products (the smaller side first), so that float32 rounds alike; the terms vanish
    # where A has full rank
    p, gt = out, g.mT
    pt = p.mT
    if a.shape[-2] <= a.shape[-1]:
        k = gt @ p
        kpt = k @ pt
        return -(p @ k).mT + kpt - (a @ p) @ kpt + (pt @ p) @ (gt - k @ a)
    k = p @ gt
    ptk = pt @ k
    return -(k @ p).mT + ((gt - a @ k) @ p) @ pt + ptk - (ptk @ p) @ a


def _pinv_jvp(da, out, a, **params):
    p, dat = out, da.mT
    return (-(p @ da @ p) + p @ p.mT @ dat - p @ p.mT @ dat @ a @ p
            + dat @ p.mT @ p - p @ a @ dat @ p.mT @ p)


PINV = defop("linalg_pinv", "LinalgPinvBackward0", _pinv_fwd, vjp=(_pinv_vjp,), jvp=(_pinv_jvp,), save=(0,),
             save_out=True)


@public(function=False, method=False, linalg=True)
def linalg_pinv(A, rcond=None, hermitian: bool = False, *, atol=None, rtol=None):
    """The Moore–Penrose pseudo-inverse; singular values below ``max(atol, rtol · σ_max)`` count as zero."""
    if A._data.ndim < 2 or A._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.pinv({_scalar_type(A)}{{{shape_str(A._data.shape)}}}): expected a tensor with 2 or "
                           "more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    if atol is None and rtol is None:
        rtol = max(A._data.shape[-2:]) * float(np.finfo(A._data.dtype).eps)
    return apply(PINV, (A,), {"rtol": rtol, "atol": atol, "hermitian": hermitian})


@public
def pinverse(input, rcond: float = 1e-15):
    return linalg_pinv(input, rtol=rcond)


# ============================================================== norms
def _vector_norm_fwd(x, *, ord, dim, keepdim, dtype):
    if dtype is not None:
        x = x.astype(dtype)
    if x.dtype == np.float16:  # accumulated in float32, as PyTorch's reductions of half: ‖(0, 65504)‖ is not inf
        return _vector_norm_fwd(x.astype(np.float32), ord=ord, dim=dim, keepdim=keepdim, dtype=None).astype(x.dtype)
    a = np.abs(x)
    if ord == 2:
        return np.sqrt(np.sum(x * x, axis=dim, keepdims=keepdim))
    if ord == 1:
        return np.sum(a, axis=dim, keepdims=keepdim)
    if ord == math.inf:
        return np.max(a, axis=dim, keepdims=keepdim)
    if ord == -math.inf:
        return np.min(a, axis=dim, keepdims=keepdim)
    if ord == 0:
        return np.sum(x != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    return np.sum(a ** ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)


def _unreduced(t, x, dim, keepdim):
    """The norm (or its gradient) with the reduced dimensions put back as size 1."""
    if keepdim or x._data.ndim == 0:
        return t
    kept = tuple(1 if dim is None or i in dim else s for i, s in enumerate(x._data.shape))
    return t.reshape(kept)


def _vector_norm_scale(x, out, ord, dim, keepdim):
    """d‖x‖/dx as PyTorch's norm_backward has it (0 where the norm is 0, ties of ±inf share evenly)."""
    from .elementwise import abs as tabs
    from .elementwise import sign

    n = _unreduced(out, x, dim, keepdim)
    if out._data.dtype != x._data.dtype:
        x = x.to(dtypes.from_numpy(out._data.dtype))
    zero = const(n._data == 0)
    if ord == 1:
        return sign(x)
    if ord == 2:
        return where(zero, 0.0, x / n)
    if abs(ord) == math.inf:
        hit = const((np.abs(x._data) == n._data) | np.isnan(x._data))
        count = const(np.sum(hit._data, axis=dim, keepdims=True).astype(x._data.dtype))
        return sign(x) * hit / count
    if ord < 1:
        scaled = where(const(x._data == 0), 0.0, sign(x) * tabs(x) ** (ord - 1))
        return scaled * n ** (1 - ord)
    scaled = sign(x) * tabs(x) ** (ord - 1) if ord < 2 else x * tabs(x) ** (ord - 2)
    return scaled * where(zero, 0.0, 1 / where(zero, 1.0, n ** (ord - 1)))


def _vector_norm_vjp(g, out, x, *, ord, dim, keepdim, dtype):
    if ord == 0:
        return None  # PyTorch gives no gradient at all for the 0 "norm" (a count)
    return _unreduced(g, x, dim, keepdim) * _vector_norm_scale(x, out, ord, dim, keepdim)


def _vector_norm_jvp(dx, out, x, *, ord, dim, keepdim, dtype):
    if ord == 0:
        return out * 0
    return sum(dx * _vector_norm_scale(x, out, ord, dim, keepdim), dim, keepdim)


VECTOR_NORM = defop("linalg_vector_norm", "LinalgVectorNormBackward0", _vector_norm_fwd, vjp=(_vector_norm_vjp,),
                    jvp=(_vector_norm_jvp,), save=(0,), save_out=True, sets_dtype=True, broadcast=True)


def _ord_name(ord) -> str:
    return str(int(ord)) if isinstance(ord, float) and ord.is_integer() else str(ord)


@public(function=False, method=False, linalg=True)
def linalg_vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """The vector ``ord``-norm over ``dim`` (all elements by default): 2, 1, inf, -inf, 0 (a count) or any real."""
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_scalar_type(x)}")
    ord = float(ord)
    if isinstance(dim, (list, tuple)):
        dims = norm_dim(dim, x._data.ndim, "linalg_vector_norm") if dim else None
    else:
        dims = None if dim is None else norm_dim(dim, x._data.ndim, "linalg_vector_norm")
    if ord < 0 or ord == math.inf:
        empty = [d for d in (dims if dims is not None else range(x._data.ndim)) if x._data.shape[d] == 0]
        if (dims is None and x._data.size == 0) or empty:
            where_ = ("on an empty tensor because" if dims is None
                      else f"on the dimension {empty[0]}because this dimension is empty and")
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_name(ord)} norm {where_} the operation "
                               "does not have an identity")
    np_dtype = None if dtype is None else dtypes.to_dtype(dtype).np
    if np_dtype is not None and not np.can_cast(x._data.dtype, np_dtype, "safe"):
        raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({_scalar_type(x)}) should be convertible "
                           f"without narrowing to the specified dtype ({dtypes.to_dtype(dtype).legacy[:-6]})")
    return apply(VECTOR_NORM, (x,), {"ord": ord, "dim": dims, "keepdim": keepdim, "dtype": np_dtype})


# ---------------------------------------------------------------- dist: ‖x − y‖_p, one node (PyTorch's DistBackward0)
def _dist_fwd(x, y, *, p, dtype):
    return _vector_norm_fwd(x.astype(dtype, copy=False) - y.astype(dtype, copy=False), ord=p, dim=None, keepdim=False,
                            dtype=None)


def _dist_rule(rule, sign: int):
    """The norm's VJP (JVP) at the difference x − y, for x (sign 1) or y (sign −1)."""

    def run(d, out, x, y, *, p, dtype):
        if p == 0:  # the 0 "norm" counts the nonzero differences: no gradient, as PyTorch's (an undefined one)
            return None
        r = rule(d, out, x - y, ord=p, dim=None, keepdim=False, dtype=None)
        return r if sign > 0 else -r

    return run


DIST = defop("dist", "DistBackward0", _dist_fwd,
             vjp=(_dist_rule(_vector_norm_vjp, 1), _dist_rule(_vector_norm_vjp, -1)),
             jvp=(_dist_rule(_vector_norm_jvp, 1), _dist_rule(_vector_norm_jvp, -1)),
             save=(0, 1), save_out=True, sets_dtype=True, broadcast=True, error=broadcast_error("dist"))


@public
def dist(input, other, p=2):
    """The p-norm of ``input − other`` (broadcast), all elements: ``dist(x, y) = ‖x − y‖₂``.

    >>> dist(tensor([1., 2.]), tensor([4., 6.]))
    tensor(5.)
    """
    _tensors("dist", "input other", input, other)
    dt = result_dtype(input, other)
    if dt.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{dtypes.from_numpy(dt).legacy.removesuffix('Tensor')} instead.")
    p = float(p._data) if isinstance(p, Tensor) else float(p)
    return apply(DIST, (input, other), {"p": p, "dtype": dt})


def _backshift(d0: int, d1: int, ndim: int) -> list:
    return [i for i in range(ndim) if i not in (d0, d1)] + [d0, d1]


def _inverse_permutation(perm: list) -> list:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


@public(function=False, method=False, linalg=True)
def linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):
    """The matrix norm over the two dims ``dim``: 'fro', 'nuc', 2/-2 (largest/smallest singular value), 1/-1
    (largest/smallest column sum) and inf/-inf (row sums), recorded as PyTorch composes them."""
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif abs(ord) not in (1, 2, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {_ord_name(float(ord))} not supported.")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_scalar_type(A)}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (one_dim(d, A._data.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return linalg_vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord == "nuc" or abs(ord) == 2:
        a = A if dtype is None else A.to(dtype)
        perm = _backshift(d0, d1, a._data.ndim)
        s = linalg_svdvals(permute(a, *perm))
        result = sum(s, -1, keepdim) if ord == "nuc" else (amax if ord > 0 else amin)(s, -1, keepdim)
        if keepdim:
            result = permute(unsqueeze(result, -1), *_inverse_permutation(perm))
        return result
    if abs(ord) == math.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    return (amax if ord > 0 else amin)(linalg_vector_norm(A, 1.0, (d0,), keepdim, dtype=dtype), d1, keepdim)


@public(function=False, method=False, linalg=True)
def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None):
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``dim`` has two dims (or A is 2-D and ``ord`` is
    given)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    elif ord is not None and A._data.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A._data.ndim}D.")
    if isinstance(ord, str):
        if dim is not None and len(dim) != 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim[0]}")
        return linalg_matrix_norm(A, ord, tuple(dim) if dim is not None else (0, 1), keepdim, dtype=dtype)
    if ord is not None and ((dim is not None and len(dim) == 2) or (dim is None and A._data.ndim == 2)):
        return linalg_matrix_norm(A, ord, tuple(dim) if dim is not None else (0, 1), keepdim, dtype=dtype)
    return linalg_vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# ============================================================== matrix_power (composed as PyTorch composes it)
@public(linalg=True)
def matrix_power(input, n: int):
    """A square matrix (or a batch) to the integer power n, with PyTorch's steps and so its nodes: n = 0 an identity
    copied into a clone (CopyBackwards), 1 a clone, -1 linalg.inv, 2 and 3 matmuls, larger powers by squaring (the
    bits of n from the lowest); a negative n inverts first."""
    from .linalg import matmul

    name = "linalg.matrix_power"
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    _square(input, name)
    if n == 0:
        eye = make(np.broadcast_to(np.eye(input._data.shape[-1], dtype=input._data.dtype), input._data.shape))
        return input.clone().copy_(eye)
    if n == 1:
        return input.clone()
    if n < 0:
        _linalg_input(input, "linalg.inv")
        if n == -1:
            return linalg_inv(input)
    a = linalg_inv(input) if n < 0 else input
    n = abs(n)
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


# ============================================================== vecdot, multi_dot, cond, matrix_rank
@public(function=False, method=False, linalg=True)
def linalg_vecdot(x, y, *, dim: int = -1):
    """The dot product of x and y along ``dim`` (broadcasting): ``(x.conj() * y).sum(dim)``, as PyTorch composes it."""
    _tensors("linalg.vecdot", "x y", x, y)
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{_scalar_type(x)} and y of type {_scalar_type(y)} instead")
    return sum(x * y, dim)


def _chain_order(shapes: list) -> list:
    """The matrix-chain split of PyTorch's multi_dot: split[i][j] = k for (A_i..A_k)(A_k+1..A_j), the cheapest in
    multiplications (the first k of the cheapest on a tie)."""
    n = len(shapes)
    p = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


@public(function=False, method=False, linalg=True)
def linalg_multi_dot(tensors):
    """The product of a chain of matrices in the cheapest order (the first and last may be vectors), as
    ``torch.linalg.multi_dot``: mm nodes under one ViewBackward0."""
    from .linalg import mm

    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    out_shape, mats = [], list(tensors)
    for pos, at, fix in (("first", 0, lambda t: unsqueeze(t, 0)), ("last", n - 1, lambda t: unsqueeze(t, -1))):
        t = tensors[at]
        if t._data.ndim == 1:
            mats[at] = fix(t)
        elif t._data.ndim == 2:
            out_shape.append(t._data.shape[0] if at == 0 else t._data.shape[1])
        else:
            raise RuntimeError(f"multi_dot(): the {pos} tensor must be 1D or 2D but got {t._data.ndim}D")
    for i in range(1, n - 1):
        if tensors[i]._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i]._data.ndim}D")
    for i in range(1, n):
        if mats[i]._data.dtype != mats[0]._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{cpp_type(mats[0])} and tensor {i} {cpp_type(mats[i])}")
        if mats[i - 1]._data.shape[1] != mats[i]._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{shape_str(tensors[i - 1]._data.shape)} and {shape_str(tensors[i]._data.shape)} "
                               "cannot be multiplied")
    shapes = [m._data.shape for m in mats]
    if n == 3:  # PyTorch's own test for three: (AB)C unless A(BC) costs less
        (a, b), (c, d) = shapes[0], shapes[2]
        product = mm(mats[0], mm(mats[1], mats[2])) if (a * c) * (b + d) > (b * d) * (a + c) else \
            mm(mm(mats[0], mats[1]), mats[2])
    else:
        split = _chain_order(shapes)

        def chain(i, j):
            return mats[i] if i == j else mm(chain(i, split[i][j]), chain(split[i][j] + 1, j))

        product = chain(0, n - 1)
    return product.view(*out_shape)


@public(function=False, method=False, linalg=True)
def linalg_cond(A, p=None):
    """The condition number ‖A‖·‖A⁻¹‖ in the ``p`` norm (2 by default: the largest singular value over the smallest;
    -2 the inverse; 1, -1, inf, -inf, 'fro', 'nuc' through the inverse), as PyTorch composes it."""
    from .shape import narrow, squeeze
    from .special import nan_to_num

    if A._data.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    ord = 2 if p is None else p
    if isinstance(ord, str) and ord not in ("fro", "nuc") or not isinstance(ord, str) and abs(ord) not in (
            1, 2, math.inf):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {ord}")
    if A._data.size == 0:
        return make(np.zeros(A._data.shape[:-2], dtype=A._data.dtype))
    if ord == "nuc":  # (PyTorch: the nuclear norms' definition, Σs · Σ1/s, not matrix_norm)
        _square(A, "linalg.cond(ord=nuc)")
        s = linalg_svdvals(A)
        return sum(s, -1) * sum(s.reciprocal(), -1)
    if not isinstance(ord, str) and abs(ord) == 2:
        s = linalg_svdvals(A)
        s_max, s_min = narrow(s, -1, 0, 1), narrow(s, -1, -1, 1)
        return squeeze(s_min / s_max if ord == -2 else s_max / s_min, -1)
    _square(A, f"linalg.cond(ord={ord})")
    # PyTorch's linalg_inv_ex, then inverse.masked_fill_(info > 0, inf): a singular matrix's inverse is all inf, and
    # that in-place write means the inverse's saved output fails at backward (PyTorch 2.13 raises there too)
    flat = A._data.reshape(-1, *A._data.shape[-2:])
    info = np.array([np.linalg.matrix_rank(m) < m.shape[-1] for m in flat], dtype=bool).reshape(
        A._data.shape[:-2] + (1, 1))
    src = where(const(info), const(np.eye(A._data.shape[-1], dtype=A._data.dtype)), A) if info.any() else A
    inverse = linalg_inv(src)
    inverse.masked_fill_(const(info), math.inf)
    return nan_to_num(linalg_matrix_norm(A, ord) * linalg_matrix_norm(inverse, ord), math.inf, math.inf, -math.inf)


@public(function=False, method=False, linalg=True)
def linalg_matrix_rank(A, tol=None, hermitian: bool = False, *, atol=None, rtol=None):
    """How many singular values (eigenvalues' magnitudes when ``hermitian``) exceed max(atol, rtol · the largest),
    rtol defaulting to eps · max(m, n) when neither is given, as ``torch.linalg.matrix_rank`` (an int64 tensor)."""
    _linalg_input(A, "torch.linalg.matrix_rank", square=hermitian)
    if tol is not None:
        atol, rtol = tol, 0.0
    a = A._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(a.shape[-2:])
    atol = 0.0 if atol is None else atol
    top = s.max(axis=-1, initial=0.0)
    return make(np.asarray((s > np.maximum(atol, rtol * top)[..., None]).sum(-1), dtype=np.int64))


# ============================================================== solve_triangular, cholesky, eigh, svd
# Each with PyTorch's node and the rules of its FunctionsManual.cpp, written with tensor ops (they differentiate
# again). Where PyTorch's backward recomputes nothing, the multi-output ones (eigh, svd) recompute their factors
# from the saved input through a packed row (as svd_factors above), the same LAPACK call giving the same factors.
def _swap(a):
    return np.swapaxes(a, -1, -2)


def _solve_triangular_fwd(a, b, *, upper, left, unitriangular):
    """A X = B (X A = B unless ``left``) by substitution, reading only A's triangle (its diagonal taken as ones when
    ``unitriangular``), as LAPACK's trsm: a zero on the diagonal gives inf and nan rather than an error."""
    if not left:  # X A = B  <=>  Aᵀ Xᵀ = Bᵀ, with Aᵀ triangular the other way
        return _swap(_solve_triangular_fwd(_swap(a), _swap(b), upper=not upper, left=True,
                                           unitriangular=unitriangular))
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    n = a.shape[-1]
    a = np.broadcast_to(a, batch + a.shape[-2:])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=a.dtype)  # written row by row
    with np.errstate(all="ignore"):
        for i in range(n - 1, -1, -1) if upper else range(n):
            done = slice(i + 1, n) if upper else slice(0, i)
            if (n - i - 1 if upper else i) > 0:
                x[..., i, :] -= (a[..., i:i + 1, done] @ x[..., done, :])[..., 0, :]
            if not unitriangular:
                x[..., i, :] /= a[..., i, i, None]
    return x


def _triangle_of(m, upper, unitriangular):
    """The part of a gradient that reaches A's triangle (its diagonal too, unless ``unitriangular``)."""
    from .layout import tril, triu

    return triu(m, int(unitriangular)) if upper else tril(m, -int(unitriangular))


def _solve_triangular_vjp_b(g, out, a, b, *, upper, left, unitriangular):
    return linalg_solve_triangular(_mT(a), g, upper=not upper, left=left, unitriangular=unitriangular)


def _solve_triangular_vjp_a(g, out, a, b, *, upper, left, unitriangular):
    gb = _solve_triangular_vjp_b(g, out, a, b, upper=upper, left=left, unitriangular=unitriangular)
    return _triangle_of(-(gb @ _mT(out)) if left else -(_mT(out) @ gb), upper, unitriangular)


def _solve_triangular_jvp_a(da, out, a, b, *, upper, left, unitriangular):
    da = _triangle_of(da, upper, unitriangular)
    return linalg_solve_triangular(a, -(da @ out) if left else -(out @ da), upper=upper, left=left,
                                   unitriangular=unitriangular)


def _solve_triangular_jvp_b(db, out, a, b, *, upper, left, unitriangular):
    return linalg_solve_triangular(a, db, upper=upper, left=left, unitriangular=unitriangular)


SOLVE_TRIANGULAR = defop(
    "linalg_solve_triangular", "LinalgSolveTriangularBackward0", _solve_triangular_fwd,
    vjp=(_solve_triangular_vjp_a, _solve_triangular_vjp_b), jvp=(_solve_triangular_jvp_a, _solve_triangular_jvp_b),
    reads=((0,), (0,)), save_out=True, broadcast=True,
)


@public(function=False, method=False, linalg=True)
def linalg_solve_triangular(A, B, *, upper: bool = None, left: bool = True, unitriangular: bool = False):
    """X with A X = B (X A = B when ``left=False``) for a triangular A: only its ``upper`` or lower triangle is
    read. The result has A's dtype, as PyTorch's.

    >>> A = torch.tensor([[2., 1.], [0., 4.]])
    >>> torch.linalg.solve_triangular(A, torch.tensor([[3.], [4.]]), upper=True)
    tensor([[1.],
            [1.]])
    """
    name = "linalg.solve_triangular"
    if upper is None:  # (a keyword without a default: PyTorch's message)
        raise TypeError('linalg_solve_triangular() missing 1 required positional arguments: "upper"')
    for t, which in ((A, "A"), (B, "B")):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{'input' if which == 'A' else which}' (position "
                            f"{1 if which == 'A' else 2}) must be Tensor, not {type(t).__name__}")
        if t._data.ndim < 2:
            raise RuntimeError(f"{name}: The input tensor {which} must have at least 2 dimensions.")
    a, b = A._data, B._data
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if a.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f'"triangular_solve_cpu" not implemented for \'{_scalar_type(A)}\'')
    if (b.shape[-2] if left else b.shape[-1]) != a.shape[-1]:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} ({a.shape[-2]}x"
                           f"{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        batches = (make(np.empty(b.shape[:-2])), make(np.empty(a.shape[:-2])))  # (PyTorch: B is tensor a)
        raise broadcast_error("linalg.solve_triangular")(batches, {}, None) from None
    if B._data.dtype != a.dtype:
        B = B.to(A.dtype)
    return apply(SOLVE_TRIANGULAR, (A, B), {"upper": bool(upper), "left": bool(left),
                                            "unitriangular": bool(unitriangular)})


def _failing_minor(m) -> int:
    """The order of the first leading minor of one matrix that is not positive-definite (LAPACK's info), 0 if none."""
    for k in range(1, m.shape[-1] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def _not_positive_definite(a, name: str) -> LinAlgError:
    """PyTorch's error for the first matrix (in batch order) that has no Cholesky factor."""
    for index, m in enumerate(a.reshape(-1, *a.shape[-2:])):
        k = _failing_minor(m)
        if k:
            where_ = f"(Batch element {index}): " if a.ndim > 2 else ""
            return LinAlgError(f"{name}: {where_}The factorization could not be completed because the input is "
                               f"not positive-definite (the leading minor of order {k} is not positive-definite).")
    return LinAlgError(f"{name}: The factorization could not be completed because the input is not "
                       "positive-definite.")


def _cholesky_fwd(a, *, upper, name="linalg.cholesky"):
    """The lower factor L of A = L Lᵀ from A's lower triangle, or with ``upper`` U = Lᵀ from its upper one."""
    m = _swap(a) if upper else a
    try:
        factor = np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        raise _not_positive_definite(m, name) from None
    if np.isnan(factor).any() and not np.isnan(np.tril(m)).any():  # (LAPACK's check lets a nan through)
        raise _not_positive_definite(m, name)
    return _swap(factor) if upper else factor


def _phi_scale(n, dtype):
    """Φ's diagonal halved: ones with 0.5 on the diagonal (applied after tril)."""
    s = np.ones((n, n), dtype=dtype)
    np.fill_diagonal(s, 0.5)
    return const(s)


def _cholesky_vjp(g, out, a, *, upper):
    """Iain Murray's rule (arXiv 1602.07527), as PyTorch's cholesky_backward: Ā = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, symmetrised."""
    from .layout import tril

    L, gL = (_mT(out), _mT(g)) if upper else (out, g)
    phi = tril(_mT(L) @ gL) * _phi_scale(L._data.shape[-1], L._data.dtype)
    ga = linalg_solve_triangular(_mT(L), phi, upper=True)
    ga = linalg_solve_triangular(L, ga, upper=False, left=False)
    return (ga + _mT(ga)) * 0.5


def _cholesky_jvp(da, out, a, *, upper):
    """dL = L Φ(L⁻¹ dA L⁻ᵀ), as PyTorch's cholesky_jvp."""
    from .layout import tril

    L, dA = (_mT(out), _mT(da)) if upper else (out, da)
    p = linalg_solve_triangular(L, dA, upper=False)
    p = linalg_solve_triangular(_mT(L), p, upper=True, left=False)
    dL = L @ (tril(p) * _phi_scale(L._data.shape[-1], L._data.dtype))
    return _mT(dL) if upper else dL


CHOLESKY_EX = defop("linalg_cholesky", "LinalgCholeskyExBackward0", _cholesky_fwd, vjp=(_cholesky_vjp,),
                    jvp=(_cholesky_jvp,), save_out=True)
CHOLESKY = defop("cholesky", "CholeskyBackward0", _cholesky_fwd, vjp=(_cholesky_vjp,), jvp=(_cholesky_jvp,),
                 save_out=True)


@public(function=False, method=False, linalg=True)
def linalg_cholesky(A, *, upper: bool = False):
    """The Cholesky factor of a symmetric positive-definite matrix: lower L with A = L Lᵀ (read from A's lower
    triangle), or upper U = Lᵀ with ``upper=True`` (read from the upper one).

    >>> torch.linalg.cholesky(torch.tensor([[4., 2.], [2., 5.]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    _linalg_input(A, "linalg.cholesky")
    return apply(CHOLESKY_EX, (A,), {"upper": bool(upper)})


@public(function=False, method=False, linalg=True)
def linalg_cholesky_ex(A, *, upper: bool = False, check_errors: bool = False):
    """(L, info) as ``torch.linalg.cholesky_ex``: info is 0, or the order of the first leading minor that is not
    positive-definite (L is then not a factor); ``check_errors=True`` raises instead."""
    _linalg_input(A, "linalg.cholesky")
    try:
        L = apply(CHOLESKY_EX, (A,), {"upper": bool(upper)})
        info = np.zeros(A._data.shape[:-2], dtype=np.int32)
    except LinAlgError:
        if check_errors:
            _cholesky_fwd(A._data, upper=upper, name="linalg.cholesky_ex")  # raises, with cholesky_ex's name
        m = _swap(A._data) if upper else A._data
        info = np.array([_failing_minor(one) for one in m.reshape(-1, *m.shape[-2:])],
                        dtype=np.int32).reshape(A._data.shape[:-2])
        with mode.no_grad():
            L = make(np.zeros_like(A._data))
    return _CHOLESKY_EX_RESULT(L, make(info))


@public
def cholesky(input, upper: bool = False):
    """Deprecated in PyTorch in favour of ``torch.linalg.cholesky`` (node CholeskyBackward0)."""
    import warnings

    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    _linalg_input(input, "linalg.cholesky")
    return apply(CHOLESKY, (input,), {"upper": bool(upper)})


def _cholesky_solve_fwd(b, factor, *, upper):
    """(L Lᵀ)⁻¹ B by two triangular substitutions (Uᵀ U with ``upper``)."""
    lower = _swap(factor) if upper else factor
    y = _solve_triangular_fwd(lower, b, upper=False, left=True, unitriangular=False)
    return _solve_triangular_fwd(_swap(lower), y, upper=True, left=True, unitriangular=False)


def _product_tangent(dl, factor, upper):
    """d(L Lᵀ) = dL Lᵀ + L dLᵀ (d(Uᵀ U) with ``upper``)."""
    p = _mT(factor) @ dl if upper else dl @ _mT(factor)
    return p + _mT(p)


def _cholesky_solve_vjp_b(g, out, b, factor, *, upper):
    return cholesky_solve(g, factor, upper)


def _cholesky_solve_vjp_factor(g, out, b, factor, *, upper):
    """PyTorch's cholesky_solve_backward: −(gB Xᵀ + X gBᵀ) times the factor (dense: no triangle projection)."""
    common = cholesky_solve(g, factor, upper) @ _mT(out)
    common = common + _mT(common)
    return -(factor @ common) if upper else -(common @ factor)


CHOLESKY_SOLVE = defop(
    "cholesky_solve", "CholeskySolveBackward0", _cholesky_solve_fwd,
    vjp=(_cholesky_solve_vjp_b, _cholesky_solve_vjp_factor),
    jvp=(lambda db, out, b, factor, *, upper: cholesky_solve(db, factor, upper),
         lambda dl, out, b, factor, *, upper: -cholesky_solve(_product_tangent(dl, factor, upper) @ out, factor,
                                                              upper)),
    reads=((1,), (1,)), save_out=True, broadcast=True,
)


def _cholesky_inverse_fwd(factor, *, upper):
    eye = np.broadcast_to(np.eye(factor.shape[-1], dtype=factor.dtype), factor.shape)
    return _cholesky_solve_fwd(eye, factor, upper=upper)


CHOLESKY_INVERSE = defop(
    "cholesky_inverse", "CholeskyInverseBackward0", _cholesky_inverse_fwd,
    # PyTorch's cholesky_inverse_backward: −(A⁻¹ (G + Gᵀ) A⁻¹) times the factor
    vjp=(lambda g, out, factor, *, upper: -(factor @ (out @ (g + _mT(g)) @ out)) if upper
         else -((out @ (g + _mT(g)) @ out) @ factor),),
    jvp=(lambda dl, out, factor, *, upper: -(out @ _product_tangent(dl, factor, upper) @ out),),
    save=(0,), save_out=True,
)


def _factor_input(L, name: str, kernel: str) -> None:
    if L._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    s = L._data.shape
    if s[-1] != s[-2]:
        raise RuntimeError(f"{name + ': ' if name else ''}A must be batches of square matrices, but they are {s[-2]} "
                           f"by {s[-1]} matrices")
    if L._data.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_scalar_type(L)}\'')


@public
def cholesky_solve(input, input2, upper: bool = False):
    """X with A X = B, given B (``input``) and A's Cholesky factor (``input2``: lower L, or upper U with ``upper``).

    >>> L = torch.linalg.cholesky(torch.tensor([[4., 2.], [2., 5.]]))
    >>> torch.cholesky_solve(torch.tensor([[6.], [7.]]), L)
    tensor([[1.],
            [1.]])
    """
    b, a = input._data, input2._data
    if b.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {b.ndim} dimensions instead")
    if a.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {a.ndim} dimensions instead")
    if b.dtype != a.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {_scalar_type(input)} and A "
                           f"of type {_scalar_type(input2)} instead.")
    _factor_input(input2, "", "cholesky_solve_cpu")
    if b.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {a.shape[-2]} by "
                           f"{a.shape[-1]} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    return apply(CHOLESKY_SOLVE, (input, input2), {"upper": bool(upper)})


@public
def cholesky_inverse(input, upper: bool = False):
    """(L Lᵀ)⁻¹ from the Cholesky factor L (Uᵀ U's inverse from U with ``upper``): the inverse of the matrix it
    factors."""
    _factor_input(input, "cholesky_inverse", "cholesky_inverse_out_cpu")
    return apply(CHOLESKY_INVERSE, (input,), {"upper": bool(upper)})


def _eigh_fwd(a, *, UPLO):
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_grad(L, V, gL, gV):
    """PyTorch's linalg_eig_backward for a symmetric matrix: V (skew(Vᵀ V̄) / E + diag(L̄)) Vᵀ, E_ij = λ_j − λ_i."""
    if gV is None:
        return V @ (linalg_diag_embed(gL) @ _mT(V))
    vgv = _mT(V) @ gV
    vgv = (vgv - _mT(vgv)) * 0.5
    n = L._data.shape[-1]
    eye = const(np.eye(n, dtype=bool))
    core = vgv / where(eye, 1.0, unsqueeze(L, -2) - unsqueeze(L, -1))
    if gL is not None:
        core = core + linalg_diag_embed(gL)
    return V @ (core @ _mT(V))


def _eigh_vjp(g, out, a, *, UPLO):
    return _eigh_grad(out[..., 0, :], out[..., 1:, :], g[..., 0, :], g[..., 1:, :])


def _eigh_tangents(da, L, V):
    """(dL, dV): dL = diag(Vᵀ dA V), dV = V ((Vᵀ dA V) / E) with a zero diagonal, as PyTorch's linalg_eig_jvp."""
    dp = _mT(V) @ da @ V
    n = L._data.shape[-1]
    eye = const(np.eye(n, dtype=bool))
    return linalg_diagonal(dp), V @ where(eye, 0.0, dp / where(eye, 1.0, unsqueeze(L, -2) - unsqueeze(L, -1)))


def _eigh_jvp(da, out, a, *, UPLO):
    dL, dV = _eigh_tangents(da, out[..., 0, :], out[..., 1:, :])
    return cat([unsqueeze(dL, -2), dV], -2)


EIGH_FACTORS = defop("eigh_factors", "LinalgEighBackward0", _eigh_fwd, vjp=(_eigh_vjp,), jvp=(_eigh_jvp,),
                     save_out=True)


def _eigh_parts(A, UPLO):
    P = apply(EIGH_FACTORS, (A,), {"UPLO": UPLO})
    return P[..., 0, :], P[..., 1:, :]


def _linalg_eigh_vjp(grads, out, a, *, UPLO):
    L, V = _eigh_parts(a, UPLO)
    return [_eigh_grad(L, V, *grads)]


def _linalg_eigh_jvp(dxs, out, a, *, UPLO):
    L, V = _eigh_parts(a, UPLO)
    return list(_eigh_tangents(dxs[0], L, V))


LINALG_EIGH = defop("linalg_eigh", "LinalgEighBackward0", lambda a, *, UPLO: np.linalg.eigh(a, UPLO=UPLO),
                    vjp=_linalg_eigh_vjp, jvp=_linalg_eigh_jvp, save=(0,), multi=True)


def _eigh_input(A, UPLO, name):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _factor_input(A, name, "linalg_eigh_cpu")


@public(function=False, method=False, linalg=True)
def linalg_eigh(A, UPLO: str = "L"):
    """(eigenvalues, eigenvectors) of a symmetric matrix, read from its lower (``UPLO="L"``) or upper triangle:
    the eigenvalues ascending, the eigenvectors as columns (each determined up to its sign)."""
    _eigh_input(A, UPLO, "linalg.eigh")
    return _EIGH_RESULT(*apply_multi(LINALG_EIGH, A, {"UPLO": UPLO}, views=False))


@public(function=False, method=False, linalg=True)
def linalg_eigvalsh(A, UPLO: str = "L"):
    """The eigenvalues of a symmetric matrix, ascending (differentiated through eigh, as PyTorch does)."""
    _eigh_input(A, UPLO, "linalg.eigh")
    if (A._requires_grad and mode.state.grad_enabled) or mode.state.forward_tangents is not None:
        return apply_multi(LINALG_EIGH, A, {"UPLO": UPLO}, views=False)[0]
    return make(np.asarray(np.linalg.eigvalsh(A._data, UPLO=UPLO)))


def _svd_outputs(a, *, full_matrices):
    """(U, S, Vh); with ``full_matrices`` the first k columns of U (rows of Vh) are the thin SVD's, so that the
    factors the backward recomputes (svd_factors) are the ones returned."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    m, n = a.shape[-2:]
    if full_matrices and m != n:
        uf, _, vhf = np.linalg.svd(a, full_matrices=True)
        k = s.shape[-1]
        u = np.concatenate([u, uf[..., :, k:]], axis=-1)
        vh = np.concatenate([vh, vhf[..., k:, :]], axis=-2)
    return u, s, vh


def _linalg_svd_vjp(grads, out, a, *, full_matrices):
    """PyTorch's svd_backward, term by term (which gradients are absent matters: with only S's, U diag(S̄) Vh, finite
    for repeated or zero singular values, as svdvals'): E_ij = s_j² − s_i² (1 on the diagonal),
    Ā = U ((skew(Uᵀ Ū) S + S skew(Vh V̄)) / E + diag(S̄)) Vh, plus the parts of Ū and V̄ outside the thin factors."""
    m, n = a._data.shape[-2:]
    k = min(m, n)
    U, S, V = _svd_factors(a)
    Vh = _mT(V)
    gU, gS, gVh = grads
    if gU is not None:
        gU = gU[..., :, :k]
    if gVh is not None:
        gVh = gVh[..., :k, :]
    if gU is None and gVh is None:
        if gS is None:
            return [None]
        return [U @ (unsqueeze(gS, -1) * Vh) if m >= n else (U * unsqueeze(gS, -2)) @ Vh]
    eye = const(np.eye(k, dtype=bool))
    S2 = S * S
    E = where(eye, 1.0, unsqueeze(S2, -2) - unsqueeze(S2, -1))
    UhgU = None if gU is None else _mT(U) @ gU - _mT(_mT(U) @ gU)
    VhgV = None if gVh is None else Vh @ _mT(gVh) - _mT(Vh @ _mT(gVh))
    if UhgU is not None and VhgV is not None:
        ga = (UhgU * unsqueeze(S, -2) + unsqueeze(S, -1) * VhgV) / E
    elif UhgU is None:
        ga = unsqueeze(S, -1) * (VhgV / E)
    else:
        ga = (UhgU / E) * unsqueeze(S, -2)
    if gS is not None:
        ga = ga + linalg_diag_embed(gS)
    if m > n and gU is not None:
        gUSinv = gU / unsqueeze(S, -2)
        return [(U @ ga + gUSinv - U @ (_mT(U) @ gUSinv)) @ Vh]
    if m < n and gVh is not None:
        SinvgVh = gVh / unsqueeze(S, -1)
        return [U @ (ga @ Vh + SinvgVh - (SinvgVh @ V) @ Vh)]
    return [U @ (ga @ Vh) if m >= n else (U @ ga) @ Vh]


def _linalg_svd_jvp(dxs, out, a, *, full_matrices):
    """The thin factors' tangents; with ``full_matrices`` the columns of U (rows of Vh) beyond the k-th get zero
    tangents, as PyTorch's (they are any orthonormal completion)."""
    m, n = a._data.shape[-2:]
    P = apply(SVD, (a,), {"m": m, "n": n})
    dU, dS, dV = _svd_parts(_svd_jvp(dxs[0], P, a, m=m, n=n), m)
    dVh = _mT(dV)
    k, dt, batch = min(m, n), a._data.dtype, a._data.shape[:-2]
    if full_matrices and m > k:
        dU = cat([dU, const(np.zeros(batch + (m, m - k), dt))], -1)
    if full_matrices and n > k:
        dVh = cat([dVh, const(np.zeros(batch + (n - k, n), dt))], -2)
    return [dU, dS, dVh]


LINALG_SVD = defop("linalg_svd", "LinalgSvdBackward0", _svd_outputs, vjp=_linalg_svd_vjp, jvp=_linalg_svd_jvp,
                   save=(0,), multi=True)


@public(function=False, method=False, linalg=True)
def linalg_svd(A, full_matrices: bool = True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, the singular values S descending (``full_matrices=False``: U and Vh thin).
    Singular vectors are determined up to their sign; the gradient needs distinct singular values."""
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")
    _linalg_input(A, "linalg.svd", square=False)
    return _SVD_RESULT(*apply_multi(LINALG_SVD, A, {"full_matrices": bool(full_matrices)}, views=False))


@public
def svd(input, some: bool = True, compute_uv: bool = True):
    """(U, S, V) with A = U diag(S) Vᵀ (PyTorch's older API; ``torch.linalg.svd`` gives Vh = Vᵀ)."""
    _linalg_input(input, "linalg.svd", square=False)
    if not compute_uv:
        m, n = input._data.shape[-2:]
        S = linalg_svdvals(input)
        dt, batch = input._data.dtype, input._data.shape[:-2]
        return _OLD_SVD_RESULT(make(np.zeros(batch + (m, m), dt)), S, make(np.zeros(batch + (n, n), dt)))
    U, S, Vh = apply_multi(LINALG_SVD, input, {"full_matrices": not some}, views=False)
    return _OLD_SVD_RESULT(U, S, transpose(Vh, -2, -1))


def _qr_fwd(a, *, mode):
    if mode == "r":
        return np.zeros((0,), a.dtype), np.linalg.qr(a, mode="r")
    return tuple(np.linalg.qr(a, mode=mode))


def _qr_pack(a):
    """Q and R in one (..., m + k, k + n) array: Q top left, R bottom right (zeros elsewhere)."""
    q, r = np.linalg.qr(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    out = np.zeros(a.shape[:-2] + (m + k, k + n), a.dtype)
    out[..., :m, :k] = q
    out[..., m:, k:] = r
    return out


def _qr_unpack(P, m, k):
    return P[..., :m, :k], P[..., m:, k:]


def _copyltu(M):
    """The symmetric matrix with M's lower triangle."""
    from .layout import tril

    return tril(M) + _mT(tril(M, -1))


def _qr_grad_square(Q, R, gQ, gR):
    """A = QR with m >= n: Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ, M = R R̄ᵀ − Q̄ᵀ Q."""
    M = R @ _mT(gR) - _mT(gQ) @ Q
    return linalg_solve_triangular(_mT(R), gQ + Q @ _copyltu(M), upper=False, left=False)


def _qr_grad(Q, R, gQ, gR, a):
    m, n = a._data.shape[-2:]
    if m >= n:
        return _qr_grad_square(Q, R, gQ, gR)
    # A = [X | Y] with X = Q U square and Y = Q V: Ȳ = Q V̄, and X gets Q̄ + Y V̄ᵀ
    Y, U, gU, gV = a[..., m:], R[..., :m], gR[..., :m], gR[..., m:]
    return cat([_qr_grad_square(Q, U, gQ + Y @ _mT(gV), gU), Q @ gV], -1)


def _qr_tangents_square(da, Q, R):
    c = _mT(Q) @ linalg_solve_triangular(R, da, upper=True, left=False)  # Qᵀ dA R⁻¹
    from .layout import tril

    low = tril(c, -1)
    upper_part = c - (low - _mT(low))  # dR R⁻¹, upper triangular
    return linalg_solve_triangular(R, da, upper=True, left=False) - Q @ upper_part, upper_part @ R


def _qr_tangents(da, Q, R, a):
    m, n = a._data.shape[-2:]
    if m >= n:
        return _qr_tangents_square(da, Q, R)
    Y = a[..., m:]
    dQ, dU = _qr_tangents_square(da[..., :m], Q, R[..., :m])
    return dQ, cat([dU, _mT(dQ) @ Y + _mT(Q) @ da[..., m:]], -1)


def _qr_factors_vjp(g, out, a):
    m, n = a._data.shape[-2:]
    k = min(m, n)
    Q, R = _qr_unpack(out, m, k)
    gQ, gR = _qr_unpack(g, m, k)
    return _qr_grad(Q, R, gQ, gR, a)


def _qr_factors_jvp(da, out, a):
    m, n = a._data.shape[-2:]
    k = min(m, n)
    Q, R = _qr_unpack(out, m, k)
    dQ, dR = _qr_tangents(da, Q, R, a)
    batch, dt = a._data.shape[:-2], a._data.dtype
    return cat([cat([dQ, const(np.zeros(batch + (m, n), dt))], -1),
                cat([const(np.zeros(batch + (k, k), dt)), dR], -1)], -2)


QR_FACTORS = defop("qr_factors", "LinalgQrBackward0", _qr_pack, vjp=(_qr_factors_vjp,), jvp=(_qr_factors_jvp,),
                   save=(0,), save_out=True)


def _qr_parts(a):
    m, n = a._data.shape[-2:]
    return _qr_unpack(apply(QR_FACTORS, (a,)), m, min(m, n))


def _qr_differentiable(a, mode):
    m, n = a._data.shape[-2:]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")


def _linalg_qr_vjp(grads, out, a, *, mode):
    _qr_differentiable(a, mode)
    Q, R = _qr_parts(a)
    gQ, gR = grads
    gQ = _zeros_of(Q) if gQ is None else gQ
    gR = _zeros_of(R) if gR is None else gR
    return [_qr_grad(Q, R, gQ, gR, a)]


def _linalg_qr_jvp(dxs, out, a, *, mode):
    _qr_differentiable(a, mode)
    Q, R = _qr_parts(a)
    return list(_qr_tangents(dxs[0], Q, R, a))


def _zeros_of(t):
    return const(np.zeros(t._data.shape, t._data.dtype))


LINALG_QR = defop("linalg_qr", "LinalgQrBackward0", _qr_fwd, vjp=_linalg_qr_vjp, jvp=_linalg_qr_jvp, save=(0,),
                  multi=True)


@public(function=False, method=False, linalg=True)
def linalg_qr(A, mode: str = "reduced"):
    """(Q, R) with A = QR, Q with orthonormal columns and R upper triangular (``mode``: "reduced", "complete" or
    "r", which gives an empty Q); R's diagonal may be negative (LAPACK's Householder signs, as PyTorch's)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           "'complete'")
    _linalg_input(A, "linalg.qr", square=False)
    return _QR_RESULT(*apply_multi(LINALG_QR, A, {"mode": mode}, views=False))


@public
def qr(input, some: bool = True):
    """(Q, R) of the older API: ``torch.linalg.qr(input, 'reduced' if some else 'complete')``."""
    import warnings

    warnings.warn("The boolean parameter 'some' has been replaced with a string parameter 'mode'.", UserWarning,
                  stacklevel=2)
    _linalg_input(input, "linalg.qr", square=False)
    return _OLD_QR_RESULT(*apply_multi(LINALG_QR, input, {"mode": "reduced" if some else "complete"},
                                       views=False))


def _result_types():
    from .reduce import return_type

    return (return_type("linalg_cholesky_ex", "L info"), return_type("linalg_eigh", "eigenvalues eigenvectors"),
            return_type("linalg_svd", "U S Vh"), return_type("svd", "U S V"), return_type("linalg_qr", "Q R"),
            return_type("qr", "Q R"))


_CHOLESKY_EX_RESULT, _EIGH_RESULT, _SVD_RESULT, _OLD_SVD_RESULT, _QR_RESULT, _OLD_QR_RESULT = _result_types()
