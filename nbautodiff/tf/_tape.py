"""``tf.GradientTape``: records the operations inside its ``with`` block and returns gradients, TensorFlow's way."""

from __future__ import annotations

import contextlib
import itertools
import warnings
import weakref

import numpy as np

from .._dialect import Marked, grad_mode, gradients, note_gradient, returns_gradients
from ..backends import backend
from ._math import reshape, stack, zeros_like
from ._nest import _flatten, _pack
from ._stack import _connected, _recording_tapes, _stack
from ._tensor import Tensor, Variable, _tensor, _TensorLike, constant

NON_PERSISTENT_USED = "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"


class UnconnectedGradients:
    """What ``tape.gradient`` gives for a source the target does not depend on: ``None`` or zeros."""

    NONE = "none"
    ZERO = "zero"


_tape_ids = itertools.count(1)
_live_tapes: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class GradientTape:
    """Record operations inside ``with``, then ask for gradients: ``tape.gradient(target, sources)``.

    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    <tf.Tensor: shape=(), dtype=float32, numpy=6.0>
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._id = next(_tape_ids)
        self._watched = Marked(strong=True)  # holding a watched tensor keeps its id from being reused
        self._recording = False
        self._entered = False
        self._used = False
        _live_tapes[self._id] = self

    # ---- recording
    def __enter__(self) -> GradientTape:
        if self in _stack():
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an already-active tape.")
        _stack().append(self)
        self._recording = self._entered = True
        return self

    def __exit__(self, *exc):
        stack = _stack()
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is self:
                del stack[i]
                break
        self._recording = False
        return False

    @contextlib.contextmanager
    def stop_recording(self):
        """Operations inside this block are not recorded on this tape."""
        previous = self._recording
        self._recording = False
        try:
            yield
        finally:
            self._recording = previous

    def reset(self) -> None:
        """Forget everything recorded and watched so far, as TF's ``reset``: the tape starts afresh."""
        _live_tapes.pop(self._id, None)
        self._id = next(_tape_ids)  # tensors recorded so far name the old id: they are constants now
        _live_tapes[self._id] = self
        self._watched.clear()
        self._used = False

    def watch(self, tensor) -> None:
        """Record operations on ``tensor`` (a constant, or a variable the tape does not watch by itself)."""
        leaves: list = []
        _flatten(tensor, "tensor", leaves, [])
        for x in leaves:
            if not isinstance(x, _TensorLike):
                raise ValueError(f"Passed in object {x!r} of type {type(x).__name__!r}, not tf.Tensor or tf.Variable")
            self._watch_one(x)

    def _watch_one(self, x) -> None:
        if x in self._watched:
            return
        if not x.dtype.is_floating:
            warnings.warn(
                f"The dtype of the watched tensor must be floating (e.g. tf.float32), got {x.dtype!r}: its gradient "
                "will be None",
                stacklevel=3,
            )
        elif not x._t.requires_grad:
            try:
                x._t.requires_grad_(True)
            except RuntimeError:  # a non-leaf backend tensor: a fresh leaf with the same values
                x._t = x._t.detach().requires_grad_(True)
            returns_gradients(x._t)
        self._watched.add(x)

    def watched_variables(self) -> tuple:
        """The variables this tape watches (accessed trainable ones, and those passed to ``watch``)."""
        return tuple(x for x in self._watched if isinstance(x, Variable))

    # ---- gradients
    def _knows(self, x) -> bool:
        return self._id in x._tapes or x in self._watched

    def _check_source(self, s, path: str) -> bool:
        """True if the tape knows ``s``; False for a trainable variable it merely never saw; else a clear error."""
        if not isinstance(s, _TensorLike):
            raise TypeError(f"GradientTape.gradient: {path} is a {type(s).__name__}, not a tf.Tensor or tf.Variable")
        if self._knows(s):
            return True
        if isinstance(s, Variable):
            if s._trainable and self._watch_accessed_variables:
                return False  # not used inside the tape: unconnected, gradient None
            why = (
                "it was made with trainable=False"
                if not s._trainable
                else "this tape was made with watch_accessed_variables=False"
            )
            raise ValueError(
                f"GradientTape.gradient: {path} is the tf.Variable {s._name!r}, which this tape does not watch: {why}. "
                "TensorFlow would silently return None for it. Call tape.watch(v) inside the `with "
                "tf.GradientTape() as tape:` block, before computing with it."
            )
        raise ValueError(
            f"GradientTape.gradient: {path} (a tf.Tensor of shape {s.shape}, dtype {s.dtype.name}) is not watched by "
            "this tape, so TensorFlow would silently return None for it. Call tape.watch(x) inside the `with "
            "tf.GradientTape() as tape:` block before computing with x, or make x a tf.Variable (trainable "
            "variables are watched automatically)."
        )

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """The gradient of ``target`` (summed if not scalar) for each source, in the structure of ``sources``.

        Nothing is stored on the sources: the gradients are returned. ``None`` for a source the target does not
        depend on (``unconnected_gradients="zero"`` gives zeros instead).
        """
        if self._used:
            raise RuntimeError(NON_PERSISTENT_USED)
        if not self._entered:  # TensorFlow says the same of a tape never entered
            raise RuntimeError(
                NON_PERSISTENT_USED + "\n(nbautodiff: this tape never recorded anything; compute the target inside "
                "`with tf.GradientTape() as tape:` first)"
            )
        if unconnected_gradients not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
            raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}")
        flat_sources, paths = [], []
        _flatten(sources, "sources" if isinstance(sources, (list, tuple, dict)) else "the source", flat_sources, paths)
        known = [self._check_source(s, p) for s, p in zip(flat_sources, paths)]
        targets: list = []
        _flatten(target, "target", targets, [])
        for t in targets:
            if not isinstance(t, _TensorLike):
                raise TypeError(f"GradientTape.gradient: the target is a {type(t).__name__}, not a tf.Tensor")
        if output_gradients is not None:
            seeds: list = []
            _flatten(output_gradients, "output_gradients", seeds, [])
            if len(seeds) != len(targets):
                raise ValueError(f"output_gradients has {len(seeds)} tensors for {len(targets)} targets")
            seeds = [_tensor(g, t.dtype) for g, t in zip(seeds, targets)]
        else:
            seeds = [None] * len(targets)

        if not self._persistent:
            self._used = True
            self._recording = False  # as TensorFlow: a non-persistent tape stops recording once asked
        grads = self._compute(flat_sources, known, targets, seeds)
        if unconnected_gradients == UnconnectedGradients.ZERO:
            grads = [zeros_like(s) if g is None else g for s, g in zip(flat_sources, grads)]
        return _pack(sources, iter(grads))

    def _compute(self, sources, known, targets, seeds) -> list:
        ns = backend().ns
        pairs = [(t, g) for t, g in zip(targets, seeds) if self._knows(t) and t._t.requires_grad]
        inputs, slot = [], {}
        for s, k in zip(sources, known):
            if k and s._t.requires_grad and id(s) not in slot:
                slot[id(s)] = len(inputs)
                inputs.append(s._t)
        if not pairs or not inputs:
            return [None] * len(sources)
        # Gradients are themselves recorded when another tape (or this persistent one) is recording: higher order.
        others = [tape for tape in _recording_tapes() if tape is not self or self._persistent]
        outer = frozenset().union(*(_connected(x, others) for x in [t for t, _ in pairs] + list(sources)))
        create_graph = bool(outer)
        shared = any(
            i != self._id and (tape := _live_tapes.get(i)) is not None and not tape._used
            for t, _ in pairs
            for i in t._tapes
        )
        try:
            with grad_mode(ns, True) if create_graph else contextlib.nullcontext():
                found = gradients(
                    ns,
                    [t._t for t, _ in pairs],
                    inputs,
                    [None if g is None else g._t for _, g in pairs],
                    retain_graph=self._persistent or create_graph or shared,
                    create_graph=create_graph,
                )
        except RuntimeError as e:
            if "inplace operation" in str(e):
                raise RuntimeError(
                    f"{e}\n(nbautodiff: a variable was changed with assign/assign_add/assign_sub after the tape "
                    "recorded it; ask for the gradient before updating the variable)"
                ) from None
            raise
        out = []
        for s in sources:
            i = slot.get(id(s))
            g = None if i is None else found[i]
            if g is not None:
                note_gradient(s._t, g)  # the latest gradient of s, for pictures and %%autodiff --check
            out.append(None if g is None else Tensor._make(g, outer if create_graph else frozenset()))
        return out

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE):
        """d target[i] / d source[j] for every element: shape ``target.shape + source.shape`` per source."""
        if self._used:
            raise RuntimeError(NON_PERSISTENT_USED)
        persistent, self._persistent = self._persistent, True
        try:
            flat_sources: list = []
            _flatten(sources, "sources", flat_sources, [])
            n = target.shape.num_elements()
            rows = []
            for i in range(n):
                onehot = np.zeros(n, dtype=target.dtype._np)
                onehot[i] = 1
                seed = constant(onehot.reshape(tuple(target.shape)))
                rows.append(
                    self.gradient(
                        target, flat_sources, output_gradients=seed, unconnected_gradients=unconnected_gradients
                    )
                )
        finally:
            self._persistent = persistent
        if not persistent:
            self._used = True
        result = []
        for j, s in enumerate(flat_sources):
            column = [row[j] for row in rows]
            if any(g is None for g in column):
                result.append(None)
            else:
                result.append(reshape(stack(column), tuple(target.shape) + tuple(s.shape)))
        return _pack(sources, iter(result))
