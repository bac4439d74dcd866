"""Public functions PyTorch itself composes from other ops (torch.cov, corrcoef, combinations, unravel_index,
chain_matmul): written the same way, so values, gradients and the recorded nodes are its."""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from .. import dtypes, factories
from ..tensor import Tensor, make
from .registry import public
from .special import _torch_name


@public(method=True)
def cov(input, *, correction: int = 1, fweights=None, aweights=None):
    """The covariance matrix of the rows of ``input`` (variables × observations), each observation weighted by
    ``fweights`` (counts) and ``aweights`` (importance); ``correction=1`` is Bessel's."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    if input._data.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if input.dim() < 2 else input
    n = x.shape[1]
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        if weights.dim() > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{weights.dim()} dimensions")
        if weights.numel() != n:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                               f"input but got {weights.numel()} != {n}")
        if name == "fweights" and weights._data.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{_torch_name(weights._data.dtype)} dtype")
        if (weights._data < 0).any():
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = weights if w is None else w * weights
    w_sum = w.sum() if w is not None else factories.scalar_tensor(n, dtype=dtypes.int64)
    if w is not None and not bool(w_sum != 0):
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if bool(norm <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm * 0
    x = x - avg.unsqueeze(1)
    c = x.mm((x * w if w is not None else x).t())
    return c.true_divide(norm).squeeze()


@public(method=True)
def corrcoef(input):
    """Pearson's correlation coefficients of the rows of ``input``: cov / (σ_i σ_j), clipped to [-1, 1]."""
    if input.dim() > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    c = cov(input)
    if c.dim() == 0:
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    return c.clip(-1, 1)


@public(method=False)
def combinations(input, r: int = 2, with_replacement: bool = False):
    """The length-``r`` combinations of a 1-D tensor's elements, one per row (as itertools.combinations)."""
    from .joining import stack
    from .shape import getitem

    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return factories.empty(0, dtype=input.dtype)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return stack([getitem(input, make(rows[:, j])) for j in range(r)], 1)


@public(method=False)
def unravel_index(indices, shape):
    """The coordinates, one tensor per dimension of ``shape``, of flat positions (negative ones count from the
    end, as PyTorch's: each coordinate is taken modulo its size)."""
    if isinstance(indices, Tensor):
        if indices._data.dtype.kind not in "iu" or indices._data.dtype == np.bool_:
            raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    else:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {type(indices).__name__}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    coefs = list(reversed(list(itertools.accumulate(reversed(shape[1:] + (1,)), func=lambda a, b: a * b))))
    flat = np.asarray(indices._data).astype(np.int64)[..., None]
    res = np.floor_divide(flat, np.array(coefs, dtype=np.int64)) % np.array(shape, dtype=np.int64)
    return tuple(make(np.array(res[..., d])) for d in range(len(shape)))


_warned = {"chain_matmul": False}


@public(method=False)
def chain_matmul(*matrices, out=None):
    """Deprecated: the product of the matrices, in the cheapest order (``torch.linalg.multi_dot``)."""
    from .decompositions import linalg_multi_dot

    if not _warned["chain_matmul"]:  # (PyTorch warns once per process)
        _warned["chain_matmul"] = True
        warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                      "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                      "multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return matrices[0].clone()
    return linalg_multi_dot(list(matrices))
