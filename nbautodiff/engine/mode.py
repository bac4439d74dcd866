"""Global autograd state in one place: grad mode and anomaly mode, thread-local like PyTorch's.

State changes only through the context managers here, which restore it in ``finally``; that is what
keeps a failing notebook cell from leaving the kernel with gradients switched off.
"""

from __future__ import annotations

import functools
import inspect
import threading


class TangentTable(dict):
    """{id(tensor): (tensor, tangent)} for one forward-mode level; weakly referable, so nodes can point
    back at the level they were made in without a reference cycle. ``parent`` is the level around it
    (nested forward mode: jacfwd of jacfwd), or None."""

    __slots__ = ("__weakref__", "parent")

    def __init__(self, parent=None):
        super().__init__()
        self.parent = parent


class _State(threading.local):
    grad_enabled = True
    anomaly_check_nan = True
    anomaly_check_inf = False
    # ``extra`` is True while anything needs apply()'s slow path (anomaly mode, forward mode, a tracer):
    # the hot path then reads one flag instead of three thread-local fields.
    extra = False
    in_backward = False  # inside the backward pass (its rules keep numpy's float16 steps: see registry.apply)
    _anomaly = False
    _forward = None
    _tracer = None
    _inference = False

    def _refresh(self) -> None:
        self.extra = self._anomaly or self._forward is not None or self._tracer is not None or self._inference

    @property
    def inference(self) -> bool:
        """Inside ``inference_mode``: what is made is an inference tensor (it can't be saved for backward later)."""
        return self._inference

    @inference.setter
    def inference(self, value: bool) -> None:
        self._inference = bool(value)
        self._refresh()

    @property
    def anomaly_enabled(self) -> bool:
        return self._anomaly

    @anomaly_enabled.setter
    def anomaly_enabled(self, value: bool) -> None:
        self._anomaly = bool(value)
        self._refresh()

    @property
    def forward_tangents(self):
        """{id(tensor): (tensor, tangent)} while a forward-mode level is open, else None."""
        return self._forward

    @forward_tangents.setter
    def forward_tangents(self, table) -> None:
        self._forward = table
        self._refresh()

    @property
    def tracer(self):
        """An object told of every primitive evaluated (op counts, evaluation traces), or None."""
        return self._tracer

    @tracer.setter
    def tracer(self, value) -> None:
        self._tracer = value
        self._refresh()


state = _State()


def is_grad_enabled() -> bool:
    """Whether operations are recorded for backward in this thread."""
    return state.grad_enabled


class _GradModeContext:
    """Base for the grad-mode context managers; each also works as a decorator, with or without ()."""

    mode: bool

    def __new__(cls, *args, **kwargs):
        if cls in (no_grad, enable_grad, inference_mode) and len(args) == 1 and callable(args[0]) and not kwargs:
            bare = object.__new__(cls)  # @no_grad without parentheses: the default mode, then the decorator
            bare.__init__()
            return bare(args[0])
        return object.__new__(cls)

    def __enter__(self):
        self._prev = state.grad_enabled
        state.grad_enabled = self.mode
        return None

    def __exit__(self, *exc):
        state.grad_enabled = self._prev
        return False

    def _modes(self) -> tuple:
        """(grad mode, inference mode or None to leave it) that a decorated function runs in."""
        return self.mode, None

    def __call__(self, fn):
        grad, inference = self._modes()
        if inspect.isgeneratorfunction(fn):  # the mode holds while the generator runs, not while it is paused
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                gen = fn(*args, **kwargs)
                try:
                    with _Modes(grad, inference):
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with _Modes(grad, inference):
                                gen.close()
                            raise
                        except BaseException as e:  # noqa: BLE001  (thrown into the generator, as PyTorch's)
                            with _Modes(grad, inference):
                                response = gen.throw(e)
                        else:
                            with _Modes(grad, inference):
                                response = gen.send(request)
                except StopIteration as e:
                    return e.value

            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _Modes(grad, inference):
                return fn(*args, **kwargs)

        return wrapper


class _Modes:
    """Grad mode (and inference mode, unless None) set for a block and put back after it."""

    __slots__ = ("grad", "inference", "prev")

    def __init__(self, grad: bool, inference):
        self.grad, self.inference = grad, inference

    def __enter__(self):
        self.prev = state.grad_enabled, state.inference
        state.grad_enabled = self.grad
        if self.inference is not None:
            state.inference = self.inference

    def __exit__(self, *exc):
        state.grad_enabled, state.inference = self.prev
        return False


class no_grad(_GradModeContext):
    """Don't record operations: results have ``requires_grad=False``.

    >>> x = tensor(1., requires_grad=True)
    >>> with no_grad():
    ...     z = (x ** 2) ** 2
    >>> z.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Record operations again inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Switch recording on or off: at once as a call, or for a block as a context manager."""

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not "
                            f"{type(mode).__name__}")
        self.mode = mode
        self._prev = state.grad_enabled
        state.grad_enabled = self.mode

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        state.grad_enabled = self._prev
        return False

    def __call__(self, fn):
        state.grad_enabled = self._prev  # used as a decorator: don't change the mode now
        return super().__call__(fn)


class InferenceVersion(list):
    """The version counter of an inference tensor (made in ``inference_mode``): its type is the mark."""

    __slots__ = ()


INFERENCE_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use it in "
    "autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
)


class inference_mode(no_grad):
    """PyTorch's inference mode: no_grad, and what is made in it is an inference tensor, which autograd refuses
    to save for backward afterwards (PyTorch's error), to change in place, or to make require grad."""

    def __init__(self, mode: bool = True):
        self.mode = not mode
        self.inference = bool(mode)

    def _modes(self) -> tuple:
        return self.mode, self.inference

    def __enter__(self):
        self._prev_inference = state.inference
        state.inference = self.inference
        return super().__enter__()

    def __exit__(self, *exc):
        state.inference = self._prev_inference
        return super().__exit__(*exc)
