"""Anomaly mode: stop the backward pass at the first node whose gradient holds nan or inf."""

from __future__ import annotations

import traceback

import numpy as np

from . import mode


class detect_anomaly:
    """Inside this block, backward names the op whose gradient went nan and where it was created."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = (mode.state.anomaly_enabled, mode.state.anomaly_check_nan)
        mode.state.anomaly_enabled, mode.state.anomaly_check_nan = True, self.check_nan

    def __exit__(self, *exc):
        mode.state.anomaly_enabled, mode.state.anomaly_check_nan = self._prev
        return False


class set_detect_anomaly(detect_anomaly):
    """Switch anomaly mode on or off now (or for a block)."""

    def __init__(self, mode_on: bool, check_nan: bool = True):
        self._prev = (mode.state.anomaly_enabled, mode.state.anomaly_check_nan)
        mode.state.anomaly_enabled, mode.state.anomaly_check_nan = bool(mode_on), check_nan

    def __enter__(self):
        return None


def is_anomaly_enabled() -> bool:
    return mode.state.anomaly_enabled


def check_grads(node, grads) -> None:
    if not mode.state.anomaly_check_nan:
        return
    for i, g in enumerate(grads):
        if g is not None and g._data.dtype.kind == "f" and not np.all(np.isfinite(g._data)):
            where = ""
            if node.trace:
                where = "\nThe op was created here:\n" + "".join(traceback.format_list(node.trace))
            raise RuntimeError(f"Function '{type(node).__name__}' returned nan values in its {i}th output.{where}")
