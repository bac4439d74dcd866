"""The own engine's ``torch.<name>`` functions: the op table's public functions with PyTorch's keyword names
(``torch.add(input=a, other=b)``, ``torch.sum(input=x, dim=0)``) and ``out=``, as PyTorch's rules have it. (A module
beside ``backends.own``, not in it: the own namespace's submodules are mirrored on the torch backend.)"""

from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np

from ..engine import dtypes
from ..engine.mode import state
from ..engine.ops import apply
from ..engine.ops.inplace import check_no_partial_overlap
from ..engine.tensor import Tensor, bump_version

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
# PyTorch names the tensor argument `input` and a second operand `other`; the op table says x / A and y
_INPUT_NAMES = ("x", "A")


def _tensors_in(values):
    for v in values:
        if isinstance(v, Tensor):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from (t for t in v if isinstance(t, Tensor))


def _check_out(name: str, out, args, kwargs) -> None:
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(o).__name__}")
    if state.grad_enabled and any(t._requires_grad for t in (*_tensors_in(args), *_tensors_in(kwargs.values()),
                                                            *outs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    inputs = (*_tensors_in(args), *_tensors_in(kwargs.values()))
    for o in outs:
        check_no_partial_overlap(o, inputs)


_KINDS = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _write_out(result, out):
    """Copy ``result`` into ``out`` (resized if its shape differs, with PyTorch's warning) and return ``out``."""
    if isinstance(out, (tuple, list)):
        return type(out)(_write_out(r, o) for r, o in zip(result, out))
    res = np.asarray(result._data)
    dt = out._data.dtype
    if _KINDS[res.dtype.kind] > _KINDS[dt.kind]:
        raise RuntimeError(f"result type {dtypes.from_numpy(res.dtype).legacy[:-6]} can't be cast to the desired "
                           f"output type {dtypes.from_numpy(dt).legacy[:-6]}")
    if out._data.shape != res.shape:
        if out._data.size:
            shape = lambda s: "[" + ", ".join(map(str, s)) + "]"  # noqa: E731
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {shape(out._data.shape)}, "
                f"which does not match the required output shape {shape(res.shape)}. This behavior is deprecated, "
                "and in a future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning, stacklevel=3)
        out._data = np.empty(res.shape, dtype=dt)
    else:
        out._data = out._array()
    out._data[...] = res
    bump_version(out)
    return out


def entry(name: str, fn):
    """``fn`` as ``torch.<name>``: PyTorch's keyword names and ``out=``; a call with positional arguments only
    costs one extra frame (or none at all for an elementwise row, which is called directly)."""
    op = getattr(fn, "row", None)
    if op is not None:  # an elementwise row: torch.tanh(x) is as fast as x.tanh()

        def unary(input, *, out=None):
            if type(input) is not Tensor and not isinstance(input, Tensor):
                raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
            if out is None:
                return apply(op, (input,))
            _check_out(name, out, (input,), {})
            return _write_out(apply(op, (input,)), out)

        functools.update_wrapper(unary, fn)
        return unary
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    positional = [n for n, p in params.items() if p.kind in _POSITIONAL]
    var = next((n for n, p in params.items() if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
    renames = {}
    ours = next((n for n in _INPUT_NAMES if n in params), None)
    if "input" not in params and ours is not None:
        renames["input"] = ours
    if "other" not in params and "y" in params:
        renames["other"] = "y"
    takes_out = "out" not in params

    def call(*args, **kwargs):
        if not kwargs:
            return fn(*args)
        out = kwargs.pop("out", None) if takes_out else None
        for theirs, ours in renames.items():
            if theirs in kwargs:
                kwargs[ours] = kwargs.pop(theirs)
        if var is not None or out is not None:  # keywords that name positional parameters become positional
            args = list(args)
            while len(args) < len(positional) and positional[len(args)] in kwargs:
                args.append(kwargs.pop(positional[len(args)]))
            if var in kwargs:
                v = kwargs.pop(var)
                args.extend(v if isinstance(v, (tuple, list)) else (v,))
        if out is None:
            return fn(*args, **kwargs)
        _check_out(name, out, args, kwargs)
        return _write_out(fn(*args, **kwargs), out)

    functools.update_wrapper(call, fn)
    return call
