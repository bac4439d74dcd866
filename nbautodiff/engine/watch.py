"""The tracer protocol on either backend: ``watching(tracer)`` installs a tracer for a block, and on the torch
backend PyTorch's calls reach it as the own engine's do.

On real PyTorch a ``TorchFunctionMode`` turns each call into the same events: a new leaf that requires grad, each
call that computes a tensor from tensors (``op``, named as the op-table row of the same operation: ``x * y`` is
``mul``), ``detach``, a forward-mode tangent, and ``nn.Module`` forwards (PyTorch's global module hooks). A
``backward()`` or ``autograd.grad`` call hooks every node of its graph for the ``node`` and ``partials`` events and
ends with ``backward_end``. The autograd machinery's own calls are not ops: the gradients ``autograd.grad`` returns
(with ``create_graph=True`` they have a ``grad_fn``) are never reported as computed by the user.

>>> with watching(Tracer()) as t:
...     tensor(2., requires_grad=True).exp()
tensor(7.3891, grad_fn=<ExpBackward0>)
"""

from __future__ import annotations

import threading

from . import mode
from .own import on_torch
from .tracing import Tracer, tracing

__all__ = ["TorchOp", "watching"]

# PyTorch's function names, as the op-table rows of the same operation are named (the notation reads row names)
TORCH_NAMES = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add", "__sub__": "sub", "__isub__": "sub", "__rsub__": "rsub",
    "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul", "__truediv__": "div", "__itruediv__": "div",
    "__rtruediv__": "rdiv", "__rdiv__": "rdiv", "__div__": "div", "__neg__": "neg", "__matmul__": "matmul",
    "__rmatmul__": "matmul", "__abs__": "abs", "__getitem__": "index", "__rpow__": "rpow", "__pow__": "pow",
    "true_divide": "div", "multiply": "mul", "subtract": "sub", "negative": "neg",
}
NOT_OPS = frozenset({"__get__", "__set__", "__repr__", "__format__", "__str__", "__len__", "__bool__", "__float__",
                     "__int__", "__index__", "__hash__", "__iter__", "__array__", "__reduce_ex__", "numpy", "item",
                     "tolist", "size", "dim", "register_hook", "retain_grad", "data_ptr", "_make_dual",
                     "_unpack_dual"})
AUTOGRAD = frozenset({"backward", "grad"})  # Tensor.backward, autograd.backward, autograd.grad
NODE_LIMIT = 32  # the nodes one call may make (1 / t: reciprocal and mul); more means an input was not seen


class TorchOp:
    """What a torch call is to a tracer: ``name`` (as the op-table row of the same operation) and ``evaluations``,
    the primitives it ran (the autograd nodes it made: PyTorch computes ``1 / t`` as reciprocal then mul)."""

    __slots__ = ("name", "func", "evaluations")
    multi = False

    def __init__(self, name: str, func, evaluations: int = 1):
        self.name, self.func, self.evaluations = name, func, evaluations

    def __repr__(self) -> str:
        return f"TorchOp({self.name!r})"


def _name(func, args) -> tuple[str, dict | None]:
    name = getattr(func, "__name__", str(func))
    name = TORCH_NAMES.get(name, name)
    if name == "pow" and len(args) > 1 and not _is_tensor(args[1]):
        return "pow_scalar", {"exponent": args[1]}
    if name == "rpow":
        return "rpow", {"base": args[1]}
    return name, None


def _is_tensor(x) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "grad_fn")


def _tensors(args, kwargs) -> list:
    out = []
    for a in (*args, *(kwargs or {}).values()):
        if isinstance(a, (list, tuple)):
            out += [b for b in a if _is_tensor(b)]
        elif _is_tensor(a):
            out.append(a)
    return out


def _tell(tracer, event: str, *args) -> None:
    """Tell ``tracer`` and each one it wraps of an event (from any thread: PyTorch runs CUDA backward passes on its
    own threads, where no tracer is installed)."""
    with tracing(None):
        while tracer is not None:
            getattr(tracer, "on_" + event)(*args)
            tracer = tracer.outer


def _new_nodes(fn, before: list) -> int:
    """How many autograd nodes a call made: those above its inputs' nodes (``before``) under its output's."""
    stop = {id(b) for b in before}
    count, stack, seen = 0, [fn], set()
    while stack and count <= NODE_LIMIT:
        node = stack.pop()
        if node is None or id(node) in stop or id(node) in seen or type(node).__name__ == "AccumulateGrad":
            continue
        seen.add(id(node))
        count += 1
        stack += [child for child, _ in node.next_functions]
    return count if count <= NODE_LIMIT else 1


def _roots(func, args, kwargs) -> list:
    first = args[0] if args else (kwargs or {}).get("outputs", (kwargs or {}).get("tensors"))
    roots = list(first) if isinstance(first, (list, tuple)) else [first]
    return [r for r in roots if _is_tensor(r) and r.grad_fn is not None]


def _hooked(roots: list, tracer) -> list:
    """Hooks on every node under ``roots`` (not the leaves' AccumulateGrad): each tells ``tracer`` what reached the
    node and what it sent along each input edge."""
    handles, seen, stack = [], set(), [r.grad_fn for r in roots]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        handles.append(fn.register_prehook(lambda grads, fn=fn: _tell(tracer, "node", fn, list(grads))))
        handles.append(fn.register_hook(lambda grads, _, fn=fn: _tell(tracer, "partials", fn, list(grads))))
        stack += [c for c, _ in fn.next_functions if c is not None and type(c).__name__ != "AccumulateGrad"]
    return handles


class _Bridge:
    """One TorchFunctionMode per thread, however many ``watching`` blocks nest: it reports to the tracers
    installed when each event happens."""

    local = threading.local()

    def __init__(self):
        import torch
        from torch.autograd import forward_ad
        from torch.nn.modules import module as torch_module
        from torch.overrides import TorchFunctionMode

        self.seen: dict = {}  # id -> leaf already reported (held, so that no other tensor takes its id)
        bridge = self

        class Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                return bridge.call(func, args, kwargs)

        self.torch, self.forward_ad, self.mode = torch, forward_ad, Mode()
        self.module_hooks = (torch_module.register_module_forward_pre_hook,
                             torch_module.register_module_forward_hook)
        self.handles: list = []

    def __enter__(self):
        self.mode.__enter__()
        pre, post = self.module_hooks
        self.handles = [pre(lambda m, args: self.emit("module_enter", m, args)),
                        post(lambda m, args, out: self.emit("module_exit", m, out), always_call=True)]
        return self

    def __exit__(self, *exc):
        try:
            self.mode.__exit__(*exc)
        finally:
            for h in self.handles:
                h.remove()
            self.seen.clear()
        return False

    @staticmethod
    def emit(event: str, *args) -> None:
        tracer = mode.state.tracer
        if tracer is not None:
            _tell(tracer, event, *args)

    def call(self, func, args, kwargs):
        name = getattr(func, "__name__", "")
        tracer = mode.state.tracer
        if tracer is None or name in NOT_OPS:
            return func(*args, **(kwargs or {}))
        if name in AUTOGRAD and getattr(func, "__module__", "").startswith("torch"):
            return self.autograd(func, args, kwargs, tracer)
        inputs = _tensors(args, kwargs)
        before = [t.grad_fn for t in inputs if t.grad_fn is not None]
        first = args[0].grad_fn if args and _is_tensor(args[0]) else None
        out = func(*args, **(kwargs or {}))
        torch = self.torch
        if func is torch.Tensor.detach:
            _tell(tracer, "detach", args[0], out)
            return out
        if isinstance(out, torch.Tensor) and out.requires_grad and out.grad_fn is None:
            if id(out) not in self.seen:  # a new leaf (requires_grad=True, requires_grad_())
                self.seen[id(out)] = out
                _tell(tracer, "leaf", out)
            return out
        if not inputs:
            return out
        row, params = _name(func, args)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        for o in outs:
            if not isinstance(o, torch.Tensor) or (args and o is args[0] and o.grad_fn is first):
                continue  # returned its input unchanged (x.cpu() of a CPU tensor)
            evaluations = _new_nodes(o.grad_fn, before) if o.grad_fn is not None and len(outs) == 1 else 1
            op = TorchOp(row, func, max(1, evaluations))
            shown = list(args[:1]) if params is not None or len(outs) > 1 else \
                [a for a in args if not isinstance(a, (list, tuple, type(None)))]
            _tell(tracer, "op", op, shown, params, o)
            if getattr(self.forward_ad, "_current_level", -1) >= 0:  # a dual level is open
                tangent = self.forward_ad.unpack_dual(o).tangent
                if tangent is not None:
                    _tell(tracer, "tangent", op, shown, o, [self.forward_ad.unpack_dual(a).tangent
                                                            for a in inputs], tangent)
        return out

    def autograd(self, func, args, kwargs, tracer):
        """A backward pass: its nodes reported as they run; what it returns is not the user's op."""
        handles = _hooked(_roots(func, args, kwargs), tracer)
        try:
            return func(*args, **(kwargs or {}))
        finally:
            for h in handles:
                h.remove()
            _tell(tracer, "backward_end")


class watching:
    """Install ``tracer`` for a block (as ``tracing``), and on the torch backend tell it of PyTorch's calls too."""

    __slots__ = ("_tracing", "_bridge")

    def __init__(self, tracer: Tracer):
        self._tracing = tracing(tracer)

    def __enter__(self):
        self._bridge = None
        if on_torch() and getattr(_Bridge.local, "bridge", None) is None:
            self._bridge = _Bridge.local.bridge = _Bridge()
            self._bridge.__enter__()
        return self._tracing.__enter__()

    def __exit__(self, *exc) -> bool:
        try:
            self._tracing.__exit__(*exc)
        finally:
            if self._bridge is not None:
                _Bridge.local.bridge = None
                self._bridge.__exit__(*exc)
        return False
