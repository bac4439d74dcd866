"""Where the tape is told what to differentiate: ``tf.custom_gradient``, ``tf.stop_gradient``, and ``tf.function``
(which here runs every function eagerly)."""

from __future__ import annotations

import functools

from ..backends import backend
from ._nest import _flatten
from ._stack import _connected, _recording_tapes
from ._tensor import Tensor, _run, _tensor, _TensorLike


def _detach(t):
    return t.detach()


def stop_gradient(input, name=None) -> Tensor:
    """The same values, cut from the tape: gradients do not flow through it.

    >>> x = tf.Variable(2.0)
    >>> with tf.GradientTape() as t:
    ...     u = tf.stop_gradient(x * x)
    ...     z = u * x
    >>> t.gradient(z, x)
    <tf.Tensor: shape=(), dtype=float32, numpy=4.0>
    """
    return _run(_detach, _tensor(input))


def _custom_function(name: str, grad_fn_check, ns):
    """An identity ``autograd.Function`` of the backend ``ns`` whose backward calls the user's ``grad_fn``."""

    def forward(ctx, grad_fn, n_args, *tensors):
        ctx.tf_grad_fn, ctx.n_args, ctx.n_out = grad_fn, n_args, len(tensors) - n_args
        outs = tuple(t.clone() for t in tensors[n_args:])  # the results of f (detached: f's graph is not drawn)
        return outs[0] if len(outs) == 1 else outs

    def backward(ctx, *upstream):
        tapes = frozenset(tape._id for tape in _recording_tapes())  # higher order: outer tapes record grad_fn
        grads = ctx.tf_grad_fn(*[None if g is None else Tensor._make(g, tapes) for g in upstream])
        grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
        grad_fn_check(len(grads), ctx.n_args)
        return (None, None, *(None if g is None else _tensor(g)._t for g in grads), *[None] * ctx.n_out)

    members = {"__module__": __package__, "forward": staticmethod(forward), "backward": staticmethod(backward)}
    return type(name, (ns.autograd.Function,), members)


def custom_gradient(f=None):
    """Decorate ``f(x, ...) -> (y, grad_fn)``: the tape uses ``grad_fn(upstream)`` instead of differentiating ``f``.

    The article's stable gradient of 1/exp(x) at x = 100, where autodiff gives nan:

    >>> @tf.custom_gradient
    ... def f(x):
    ...     def grad(upstream):
    ...         return upstream * -tf.exp(-x)
    ...     return 1. / tf.exp(x), grad
    >>> x = tf.Variable(100.0)
    >>> with tf.GradientTape() as tape:
    ...     y = f(x)
    >>> g = tape.gradient(y, x)
    >>> g  # numpy's shortest text for this float32 subnormal, as TensorFlow shows it
    <tf.Tensor: shape=(), dtype=float32, numpy=-3.8e-44>
    >>> f"{g.numpy():.4e}"
    '-3.7835e-44'

    ``f`` runs as TensorFlow runs it eagerly, with the tapes recording, so a ``grad_fn`` that reads values of the
    forward pass differentiates again under an outer tape (second derivatives). The result is an identity
    ``autograd.Function`` of the active backend whose backward calls ``grad_fn``. Variables that ``f`` reads without
    taking them as arguments get no gradient (TensorFlow's ``grad_fn(..., variables=...)`` is not supported), and so
    do keyword arguments: one that a recording tape watches is an error (pass it positionally).
    """
    if f is None:
        return custom_gradient
    functions: dict = {}  # one autograd.Function per backend

    def check_count(n_grads: int, n_args: int) -> None:
        if n_grads != n_args:
            raise ValueError(
                f"custom_gradient {f.__name__}: grad_fn returned {n_grads} gradients for "
                f"{n_args} inputs; return one per input of {f.__name__} (None where there is none)"
            )

    def apply_function(grad_fn, n_args, *ts):
        b = backend()
        if b.name not in functions:
            functions[b.name] = _custom_function(f.__name__, check_count, b.ns)
        results = [t.detach() for t in ts[n_args:]]  # f's own graph is not differentiated: grad_fn stands for it
        return functions[b.name].apply(grad_fn, n_args, *ts[:n_args], *results)

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        tensors = [_tensor(a) for a in args]
        y, grad_fn = f(*tensors, **kwargs)  # keyword arguments are not differentiated, as in TensorFlow
        watched = [k for k, v in kwargs.items() if isinstance(v, _TensorLike) and _connected(v, _recording_tapes())]
        if watched:
            raise ValueError(
                f"custom_gradient {f.__name__}: {', '.join(watched)} passed by keyword, and keyword arguments are not "
                f"differentiated (TensorFlow would silently give them no gradient); pass them positionally: "
                f"{f.__name__}({', '.join(watched)})"
            )
        ys: list = []
        _flatten(y, "y", ys, [])
        ys = [_tensor(v) for v in ys]
        return _run(functools.partial(apply_function, grad_fn, len(tensors)), *tensors, *ys)

    return decorated


def _unchanged(f):
    return f


def function(func=None, **kwargs):
    """``tf.function``: here every function runs eagerly, so the decorator gives the function back unchanged."""
    if func is None:
        return _unchanged
    return func


def executing_eagerly() -> bool:
    return True
