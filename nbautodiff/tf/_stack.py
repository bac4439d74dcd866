"""The thread's stack of tapes: which are recording, and which of them a tensor is connected to.

Below the tensors (every op asks which tapes record it) and above nothing: ``GradientTape`` pushes itself here.
"""

from __future__ import annotations

from .._dialect import recording_state

# TensorFlow keeps its tape stack per thread
_state = recording_state(per_thread=True, stack=[])


def _stack() -> list:
    return _state.stack


def _recording_tapes() -> list:
    return [tape for tape in _state.stack if tape._recording]


def _connected(x, tapes) -> frozenset:
    """The ids of the tapes (among ``tapes``) that recorded ``x`` or watch it."""
    return frozenset(tape._id for tape in tapes if tape._id in x._tapes or x in tape._watched)
