"""``autograd``: ``record()`` and ``pause()`` set what is recorded; ``backward`` writes ``.grad``, ``grad`` returns."""

from __future__ import annotations

from ._ndarray import _backward, _differentiate, _grad_mode, _listify, _state, _wrap, ndarray
from ._numpy import _Namespace


class _Scope:
    """Sets recording/training for a block and restores both afterwards, even if the block fails."""

    def __init__(self, recording: bool | None, training: bool | None):
        self._new = (recording, training)

    def __enter__(self):
        self._prev = (_state.recording, _state.training)
        recording, training = self._new
        _state.recording = self._prev[0] if recording is None else recording
        _state.training = self._prev[1] if training is None else training
        return self

    def __exit__(self, *exc):
        _state.recording, _state.training = self._prev
        return False


class _Autograd(_Namespace):
    """``autograd``: ``record()`` builds graphs, ``pause()`` stops recording inside one, ``backward``/``grad``."""

    _name = "nbautodiff.mxnet.autograd"

    @staticmethod
    def record(train_mode: bool = True) -> _Scope:
        """Record the operations in the block, so that ``backward()`` can differentiate them."""
        return _Scope(True, train_mode)

    @staticmethod
    def pause(train_mode: bool = False) -> _Scope:
        """Inside ``record()``: run the block without recording it."""
        return _Scope(False, train_mode)

    @staticmethod
    def train_mode() -> _Scope:
        return _Scope(None, True)

    @staticmethod
    def predict_mode() -> _Scope:
        return _Scope(None, False)

    @staticmethod
    def is_recording() -> bool:
        return _state.recording

    @staticmethod
    def is_training() -> bool:
        return _state.training

    @staticmethod
    def backward(heads, head_grads=None, retain_graph: bool = False, train_mode: bool = True) -> None:
        """``heads[i].backward(head_grads[i])`` for all heads in one pass (their gradients add up)."""
        heads = _listify(heads)
        head_grads = [None] * len(heads) if head_grads is None else _listify(head_grads)
        _backward(heads, head_grads, retain_graph)

    @staticmethod
    def grad(heads, variables, head_grads=None, retain_graph=None, create_graph: bool = False, train_mode=True):
        """The gradients of the heads with respect to ``variables`` (a list), returned, not written to ``.grad``.

        With ``create_graph=True`` inside ``record()`` the gradients are recorded, for higher derivatives.
        """
        heads, variables = _listify(heads), _listify(variables)
        if not variables:
            raise ValueError("variables cannot be an empty list.")
        for i, v in enumerate(variables):
            if not (isinstance(v, ndarray) and v._t.requires_grad and v._t.is_leaf):
                raise ValueError(f"autograd.grad: variable {i} has no gradient buffer; call attach_grad() on it first")
        head_grads = [None] * len(heads) if head_grads is None else _listify(head_grads)
        retain = create_graph if retain_graph is None else retain_graph
        with _grad_mode(variables[0]._backend.ns):
            grads = _differentiate(heads, head_grads, variables, retain, create_graph)
        be = variables[0]._backend
        return [_wrap(be.ns.zeros_like(v._t) if g is None else g, be) for v, g in zip(variables, grads)]
