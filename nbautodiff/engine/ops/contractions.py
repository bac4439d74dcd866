"""einsum as PyTorch computes it (operands permuted and reshaped into one bmm per pair, so the recorded nodes are
PyTorch's), and torch.linalg.diagonal."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._util import const, one_dim
from .linalg import bmm
from .reduce import sum
from .registry import apply, defop, public
from .shape import permute, reshape, unsqueeze


# ------------------------------------------------------------------------- diagonal and einsum
def _diag_select(n1, n2, offset, dtype):
    """Constant 0/1 matrices that place a diagonal of length k back into an (n1, n2) matrix."""
    k = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    m1, m2 = np.zeros((n1, k), dtype), np.zeros((n2, k), dtype)
    m1[np.arange(k) + max(0, -offset), np.arange(k)] = 1
    m2[np.arange(k) + max(0, offset), np.arange(k)] = 1
    return const(m1), const(m2)


def _diagonal_vjp(g, out, x, *, offset, dim1, dim2, in_shape):
    m1, m2 = _diag_select(in_shape[dim1], in_shape[dim2], offset, g._data.dtype)
    full = (m1 * unsqueeze(g, -2)) @ m2.mT  # (..., n1, n2): g on the diagonal, zeros elsewhere
    rest = [i for i in range(len(in_shape)) if i not in (dim1, dim2)]
    order = [0] * len(in_shape)  # where each input dim sits in `full` (the rest first, then dim1, dim2)
    for pos, d in enumerate(rest + [dim1, dim2]):
        order[d] = pos
    return permute(full, *order)


DIAGONAL = defop(
    "linalg_diagonal", "DiagonalBackward0",
    lambda x, *, offset, dim1, dim2, in_shape: np.diagonal(x, offset, dim1, dim2).copy(),
    vjp=(_diagonal_vjp,),
    jvp=(lambda dx, out, x, **p: apply(DIAGONAL, (dx,), p),),
)


@public(function=False, method=False, linalg=True)
def linalg_diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """The diagonal of each matrix over ``dim1`` and ``dim2`` (a copy, not a view, on the own engine)."""
    d1, d2 = one_dim(dim1, A._data.ndim, "diagonal"), one_dim(dim2, A._data.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAGONAL, (A,), {"offset": offset, "dim1": d1, "dim2": d2, "in_shape": A._data.shape})


def _movedim(x, src: int, dst: int):
    order = [d for d in range(x._data.ndim) if d != src % x._data.ndim]
    order.insert(dst % x._data.ndim, src % x._data.ndim)
    return permute(x, *order)


_ELLIPSIS = 52


def _subscript(c: str) -> int:
    return ord(c) - ord("A") if c.isupper() else ord(c) - ord("a") + 26


def _label(s: int) -> str:
    return chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26)


def _einsum_error(text: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {text}")


def _parse_operands(lhs: str, n_ops: int) -> list:
    labels, curr, ell, i = [[] for _ in range(n_ops)], 0, False, 0
    while i < len(lhs):
        c = lhs[i]
        if c == ".":
            if ell:
                raise _einsum_error(f"found '.' for operand {curr} for which an ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise _einsum_error(f"found '.' for operand {curr} that is not part of any ellipsis")
            labels[curr].append(_ELLIPSIS)
            ell, i = True, i + 2
        elif c == ",":
            curr += 1
            if curr >= n_ops:
                raise _einsum_error("fewer operands were provided than specified in the equation")
            ell = False
        elif c != " ":
            if not (c.isascii() and c.isalpha()):
                raise _einsum_error(f"invalid subscript given at index {i} in the equation string, subscripts must "
                                    "be in [a-zA-Z]")
            labels[curr].append(_subscript(c))
        i += 1
    if curr != n_ops - 1:
        raise _einsum_error("more operands were provided than specified in the equation")
    return labels


@public(method=False)
def einsum(*args):
    """Einstein summation (``torch.einsum("ij,jk->ik", a, b)``, ellipses, repeated labels, the sublist form),
    contracted pair by pair with bmm as torch.einsum does, so the graph has PyTorch's nodes."""
    if args and isinstance(args[0], Tensor):  # the sublist form: op, [0, 1], op, [1, 2], [0, 2]
        def sub(n):
            if n is Ellipsis:
                return "..."
            if not 0 <= n < 52:
                raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
            return _label(n)

        equation = ",".join("".join(sub(s) for s in lst) for lst in args[1::2])
        if len(args) % 2 == 1:
            equation += "->" + "".join(sub(s) for s in args[-1])
            operands = args[:-1:2]
        else:
            operands = args[::2]
    else:
        equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise _einsum_error("must provide at least one operand")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(op).__name__}")
    return _einsum(equation, list(operands))


def _einsum(equation: str, ops: list):
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    op_labels = _parse_operands(lhs, len(ops))
    count, ell_dims = [0] * 52, 0
    for i, (op, labels) in enumerate(zip(ops, op_labels)):
        n = len(labels) - (_ELLIPSIS in labels)
        for s in labels:
            if s == _ELLIPSIS:
                ell_dims = max(ell_dims, op._data.ndim - n)
            else:
                count[s] += 1
        has_ell = _ELLIPSIS in labels
        if (n > op._data.ndim) if has_ell else (n != op._data.ndim):
            raise _einsum_error(
                f"the number of subscripts in the equation ({n}) "
                f"{'is more than' if has_ell else 'does not match'} the number of dimensions ({op._data.ndim}) for "
                f"operand {i}{'' if has_ell else ' and no ellipsis was given'}")
    # every label gets a place: the output's first, then the contracted ones
    perm_of, n_perm, ell_at, ell_out = [-1] * 52, 0, 0, False
    if arrow < 0:  # implicit output: the ellipsis, then the labels seen once, in order
        n_perm, ell_out = ell_dims, True
        for s in range(52):
            if count[s] == 1:
                perm_of[s], n_perm = n_perm, n_perm + 1
    else:
        rhs, i = equation[arrow + 2:], 0
        while i < len(rhs):
            c = rhs[i]
            if c == ".":
                if ell_out:
                    raise _einsum_error("found '.' for output but an ellipsis (...) was already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise _einsum_error("found '.' for output that is not part of any ellipsis (...)")
                ell_at, n_perm, ell_out, i = n_perm, n_perm + ell_dims, True, i + 2
            elif c != " ":
                if not (c.isascii() and c.isalpha()):
                    raise _einsum_error(f"invalid subscript given at index {len(lhs) + 2 + i} in the equation string, "
                                        "subscripts must be in [a-zA-Z]")
                s = _subscript(c)
                if not (count[s] > 0 and perm_of[s] == -1):
                    why = (" appears more than once in the output" if perm_of[s] > -1
                           else " does not appear in the equation for any input operand")
                    raise _einsum_error(f"output subscript {c}{why}")
                perm_of[s], n_perm = n_perm, n_perm + 1
            i += 1
    n_out = n_perm
    if not ell_out:
        ell_at, n_perm = n_perm, n_perm + ell_dims
    for s in range(52):
        if count[s] > 0 and perm_of[s] == -1:
            perm_of[s], n_perm = n_perm, n_perm + 1
    # diagonals for repeated labels, size-1 dims for missing ones, then every operand permuted to that order
    sizes, ell_sizes, dim_counts, aligned = [1] * 52, [1] * ell_dims, [0] * n_perm, []
    for i, (op, labels) in enumerate(zip(ops, op_labels)):
        perm, dim, ndim0 = [-1] * n_perm, 0, op._data.ndim
        for s in labels:
            if s == _ELLIPSIS:
                covered = ndim0 - (len(labels) - 1)
                for j in range(ell_dims - covered, ell_dims):
                    size = op._data.shape[dim]
                    if size != 1:
                        if ell_sizes[j] not in (1, size):
                            raise _einsum_error(
                                f"dimension {dim} covered by ellipsis in operand {i}has size {size} which does not "
                                f"broadcast with previously seen ellipsis with size {ell_sizes[j]} for the respective "
                                "dimension")
                        ell_sizes[j] = size
                        dim_counts[ell_at + j] += 1
                    perm[ell_at + j], dim = dim, dim + 1
            elif perm[perm_of[s]] == -1:
                size = op._data.shape[dim]
                if size != 1:
                    if sizes[s] not in (1, size):
                        raise _einsum_error(f"subscript {_label(s)} has size {size} for operand {i} which does not "
                                            f"broadcast with previously seen size {sizes[s]}")
                    sizes[s] = size
                    dim_counts[perm_of[s]] += 1
                perm[perm_of[s]], dim = dim, dim + 1
            else:  # a repeated label: take the diagonal
                prev = perm[perm_of[s]]
                if op._data.shape[dim] != op._data.shape[prev]:
                    raise _einsum_error(f"subscript {_label(s)} is repeated for operand {i} but the sizes don't match, "
                                        f"{op._data.shape[dim]} != {op._data.shape[prev]}")
                op = _movedim(linalg_diagonal(op, offset=0, dim1=prev, dim2=dim), -1, prev)
        for k, val in enumerate(perm):
            if val == -1:
                op = unsqueeze(op, dim)
                perm[k], dim = dim, dim + 1
        aligned.append(permute(op, *perm))
    # contract left to right
    while len(aligned) > 1:
        a, b = aligned.pop(0), aligned.pop(0)
        sum_dims, a_sum, b_sum = [], [], []
        for d in range(n_out, n_perm):
            sa, sb = a._data.shape[d] != 1, b._data.shape[d] != 1
            if sa and sb:
                if a._data.shape[d] != b._data.shape[d]:
                    raise RuntimeError("non-broadcast dimensions must match")
                dim_counts[d] -= 1
                if dim_counts[d] == 1:
                    sum_dims.append(d)
                    dim_counts[d] = 0
            elif dim_counts[d] == 1:
                if sa:
                    a_sum.append(d)
                    dim_counts[d] = 0
                elif sb:
                    b_sum.append(d)
                    dim_counts[d] = 0
        if a_sum:
            a = sum(a, a_sum, True)
        if b_sum:
            b = sum(b, b_sum, True)
        aligned.insert(0, _sumproduct_pair(a, b, sum_dims))
    result = aligned[0]
    if n_perm > n_out:
        if len(ops) > 1:
            return reshape(result, *result._data.shape[:n_out])
        return sum(result, list(range(n_out, n_perm)))
    return result


def _sumproduct_pair(left, right, sum_dims: list):
    """``(left * right).sum(sum_dims, keepdim=True)`` as one bmm: permute, reshape, bmm, view, permute."""
    if not sum_dims:
        return left * right
    lro, lo, ro, lro_size, lo_size, ro_size, sum_size = [], [], [], 1, 1, 1, 1
    for i in range(left._data.ndim):
        sl, sr = left._data.shape[i] != 1, right._data.shape[i] != 1
        if i in sum_dims:
            if sl and sr:
                if left._data.shape[i] != right._data.shape[i]:
                    raise RuntimeError("non-broadcast dimensions must match")
                sum_size *= left._data.shape[i]
            elif sl:
                left = sum(left, i, True)
            elif sr:
                right = sum(right, i, True)
        elif sl and sr:
            if left._data.shape[i] != right._data.shape[i]:
                raise RuntimeError("non-broadcast dimensions must match")
            lro.append(i)
            lro_size *= left._data.shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left._data.shape[i]
        else:
            ro.append(i)
            ro_size *= right._data.shape[i]
    if lo and ro and ro[-1] < lo[0]:  # bmm then gives the output's memory order directly
        left, right, lo, ro, lo_size, ro_size = right, left, ro, lo, ro_size, lo_size
    out_size = ([left._data.shape[d] for d in lro] + [left._data.shape[d] for d in lo] + [1] * len(sum_dims)
                + [right._data.shape[d] for d in ro])
    operm = [0] * len(out_size)
    for i, d in enumerate(lro + lo + sum_dims + ro):
        operm[d] = i
    left = reshape(permute(left, *(lro + lo + sum_dims + ro)), lro_size, lo_size, sum_size)
    right = reshape(permute(right, *(lro + sum_dims + ro + lo)), lro_size, sum_size, ro_size)
    return permute(reshape(bmm(left, right), *out_size), *operm)


