"""Anomaly mode: stop the backward pass at the first node whose gradient went nan, name it, and show
where in the user's code the op was created (the engine records a traceback per op while it is on).
"""

from __future__ import annotations

import traceback
import warnings

import numpy as np

from . import mode

ENABLED_WARNING = (
    "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for "
    "debugging."
)


class detect_anomaly:
    """Inside this block, backward names the op whose gradient went nan and where it was created.

    ``check_inf=True`` also stops at infinite gradients (PyTorch checks nan only).

    >>> x = tensor(100., requires_grad=True)     # the article's 1/exp(x) at 100: exp overflows
    >>> with detect_anomaly():
    ...     (1. / x.exp()).backward()
    Traceback (most recent call last):
    RuntimeError: Function 'ExpBackward0' returned nan values in its 0th output...
    """

    def __init__(self, check_nan: bool = True, check_inf: bool = False):
        self.check_nan, self.check_inf = check_nan, check_inf
        warnings.warn(ENABLED_WARNING, UserWarning, stacklevel=2)

    def __enter__(self):
        self._prev = (mode.state.anomaly_enabled, mode.state.anomaly_check_nan, mode.state.anomaly_check_inf)
        mode.state.anomaly_enabled = True
        mode.state.anomaly_check_nan, mode.state.anomaly_check_inf = self.check_nan, self.check_inf
        return None

    def __exit__(self, *exc):
        mode.state.anomaly_enabled, mode.state.anomaly_check_nan, mode.state.anomaly_check_inf = self._prev
        return False


class set_detect_anomaly:
    """Switch anomaly mode on or off now (or, as a context manager, for a block)."""

    def __init__(self, mode_on: bool, check_nan: bool = True, check_inf: bool = False):
        self._prev = (mode.state.anomaly_enabled, mode.state.anomaly_check_nan, mode.state.anomaly_check_inf)
        mode.state.anomaly_enabled = bool(mode_on)
        mode.state.anomaly_check_nan, mode.state.anomaly_check_inf = check_nan, check_inf

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        mode.state.anomaly_enabled, mode.state.anomaly_check_nan, mode.state.anomaly_check_inf = self._prev
        return False


def is_anomaly_enabled() -> bool:
    return mode.state.anomaly_enabled


def is_anomaly_check_nan_enabled() -> bool:
    return mode.state.anomaly_check_nan


def check_grads(node, grads) -> None:
    """Called by backward on each node's input gradients while anomaly mode is on."""
    state = mode.state
    for i, g in enumerate(grads):
        if g is None:
            continue
        data = np.asarray(g._data)
        if data.dtype.kind != "f":
            continue
        bad = None
        if state.anomaly_check_nan and np.isnan(data).any():
            bad = "nan"
        elif state.anomaly_check_inf and np.isinf(data).any():
            bad = "inf"
        if bad is None:
            continue
        name = type(node).__name__
        where = ""
        if node.trace:
            where = "".join(traceback.format_list(node.trace))
            warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the error:\n{where}",
                          UserWarning, stacklevel=2)
            # the innermost frames: in Jupyter the outer ones are the kernel's, not the learner's
            innermost = "".join(traceback.format_list(node.trace[-2:])).rstrip()
            where = f"\nThe op was created here (forward call):\n{innermost}"
        raise RuntimeError(f"Function '{name}' returned {bad} values in its {i}th output.{where}")
