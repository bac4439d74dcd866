"""Graph nodes (``grad_fn``) with PyTorch's class names, and ``AccumulateGrad`` for leaves.

A node keeps what its op saved for the backward pass and the nodes of its inputs (``next``).
It never keeps its own output tensor (that would be a reference cycle); an op that needs its
output saves the output's array and gets a fresh tensor for it when the VJP runs.
"""

from __future__ import annotations

import weakref

_NODE_CLASSES: dict[tuple, type] = {}


# the nodes PyTorch writes in C++ by hand (not generated from derivatives.yaml): name() gives their namespace
_CPP_NODES = frozenset(("AccumulateGrad", "CopySlices", "CopyBackwards", "NotImplemented"))


class Node:
    """A recorded operation: ``y.grad_fn``. Subclassed once per PyTorch name (``MulBackward0``).

    Node classes live in module ``builtins``, as PyTorch's compiled ones do, so both Python's repr
    (``<MulBackward0 object at 0x…>``) and IPython's (``<MulBackward0 at 0x…>``) print as PyTorch's."""

    multi = False  # True for ops with several outputs (split, unbind): gradients arrive as a list

    __slots__ = (
        "op",  # the op table row
        "next",  # per input: the Node its gradient goes to, or None
        "saved",  # the inputs the VJP reads (None where not saved); None once freed
        "versions",  # per saved input: its version when saved (-1 for a constant); None once freed
        "out_ver",  # the output's version counter, for ops that save their output
        "out_data",  # the output array, for ops whose VJP reads the output
        "params",  # the op's non-tensor arguments (dim, keepdim, exponent, ...)
        "__dict__",  # made only for the rare fields below
        "__weakref__",
    )
    n_outputs = 1  # more for multi-output nodes (split, unbind, custom Functions)
    reduce_to = None  # per input (shape, dtype) when broadcasting or promotion changed it
    pre_hooks = None  # tensor hooks: run on the incoming gradient before the VJP
    trace = None  # where in user code the op was recorded (anomaly mode)

    def __init__(self, op=None, params=None, next=()):
        # apply() fills the same fields inline, without this call: keep the two in step
        self.op = op
        self.params = params
        self.next = next
        self.saved = None
        self.versions = ()
        self.out_ver = None
        self.out_data = None

    @property
    def next_functions(self) -> tuple:
        """The nodes the gradient flows to next, as PyTorch shows them: ((node, output index), ...). An input the
        op has no derivative for (an integer target, a condition, a number beside a tensor) is no edge at all in
        PyTorch (its derivatives.yaml leaves it out), where a tensor that needs no gradient is ``(None, 0)``."""
        op = self.op
        vjps = op.vjp if op is not None and op.per_input and len(op.vjp) == len(self.next) else None
        return tuple((e.node, e.nr) if type(e) is OutputEdge else (e, 0)
                     for i, e in enumerate(self.next) if vjps is None or vjps[i] is not None)

    def name(self) -> str:
        n = type(self).__name__
        return "torch::autograd::" + n if n in _CPP_NODES else n

    def register_prehook(self, hook):
        """Call ``hook(grad_outputs)`` before this node runs; it may return replaced gradients."""
        if self.pre_hooks is None:
            self.pre_hooks = []
        hooks = self.pre_hooks
        i = len(hooks)
        if not getattr(hook, "runs_last", False):  # retain_grad's hook stays last: .grad sees what hooks returned
            while i and getattr(hooks[i - 1], "runs_last", False):
                i -= 1
        hooks.insert(i, hook)
        return _RemovableHandle(hooks, hook)

    def register_hook(self, hook):
        """Call ``hook(grad_inputs, grad_outputs)`` after this node ran (tuples: the gradients it sends to its
        inputs, the ones it received); it may return replaced grad_inputs."""
        hooks = self.__dict__.setdefault("post_hooks", [])
        hooks.append(hook)
        if not self.pre_hooks or _runs_post_hooks not in self.pre_hooks:
            self.register_prehook(_runs_post_hooks)  # (a marker: nodes with hooks take the general path)
        return _RemovableHandle(hooks, hook)

    def __call__(self, *grads):
        raise RuntimeError(f"{type(self).__name__} is run by backward(); call .backward() on the output instead")


class OutputEdge:
    """An edge into output ``nr`` of a multi-output node (a plain edge is just the node)."""

    __slots__ = ("node", "nr")

    def __init__(self, node: Node, nr: int):
        self.node, self.nr = node, nr


class AccumulateGrad(Node):
    """The leaf end of the graph: adds the arriving gradient into ``variable.grad``."""

    __module__ = "builtins"

    __slots__ = ("_variable",)

    def __init__(self, variable):
        super().__init__()
        # A weak reference: the leaf keeps its AccumulateGrad alive, not the other way round.
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        return self._variable()


def _runs_post_hooks(grad):
    """The pre-hook that marks a node with post hooks (``Node.register_hook``): it changes nothing."""
    return None


_runs_post_hooks.runs_last = True


def run_post_hooks(node, grads, g) -> list:
    """``node``'s register_hook hooks on (grad_inputs, grad_outputs), in PyTorch's layout: one entry per edge that
    next_functions shows; what a hook returns replaces them."""
    hooks = node.__dict__.get("post_hooks")
    if not hooks:
        return grads
    op = node.op
    vjps = op.vjp if op is not None and op.per_input and len(op.vjp) == len(node.next) else None
    shown = [i for i in range(len(grads)) if vjps is None or vjps[i] is not None]
    outputs = tuple(g) if isinstance(g, list) else (g,)
    for hook in list(hooks):
        new = hook(tuple(grads[i] for i in shown), outputs)
        if new is not None:
            grads = list(grads)
            for i, v in zip(shown, new):
                grads[i] = v
    return grads


class _RemovableHandle:
    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def node_class(name: str, multi: bool = False) -> type:
    """The Node subclass named ``name`` (e.g. ``MulBackward0``), made once (once more for a row of the same name with
    several outputs: PyTorch's LinalgSvdBackward0 is the node of svdvals and of svd's three outputs)."""
    cls = _NODE_CLASSES.get((name, multi))
    if cls is None:
        cls = _NODE_CLASSES[name, multi] = type(name, (Node,), {"__slots__": (), "multi": multi,
                                                                "__module__": "builtins"})
    return cls
