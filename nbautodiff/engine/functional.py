"""Functional transforms over pytrees, as ``torch.func``: grad, value_and_grad, vjp, jvp, jacrev, jacfwd,
hessian, hvp.

Inputs may be tensors, numbers, or dicts/lists/tuples of them (nested); the gradients come back in the
same structure, so a dict of inputs gets a dict of adjoints (the dlsys notes' ``d["cat"]``). Transforms
nest: an inner transform stays connected to the outer one's graph (and forward-mode tangents).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import mode
from .backward import grad as autograd_grad
from .forward import _inherit
from .forward import jvp as _jvp
from .own import on_own_engine
from .tensor import Tensor, make


# ------------------------------------------------------------------------------------------------ pytrees
def tree_flatten(tree) -> tuple[list, object]:
    """The leaves of a dict/list/tuple tree (depth first, dict keys in order) and how to rebuild it."""
    if isinstance(tree, dict):
        leaves, defs = [], []
        for k, v in tree.items():
            sub, d = tree_flatten(v)
            leaves += sub
            defs.append((k, d, len(sub)))
        return leaves, ("dict", defs)
    if isinstance(tree, (list, tuple)) and not _is_namedtuple(tree):
        leaves, defs = [], []
        for v in tree:
            sub, d = tree_flatten(v)
            leaves += sub
            defs.append((d, len(sub)))
        return leaves, (type(tree), defs)
    return [tree], None


def tree_unflatten(treedef, leaves: list):
    """Rebuild the tree ``tree_flatten`` described, with new leaves."""
    if treedef is None:
        return leaves[0]
    kind, defs = treedef
    out, i = [], 0
    if kind == "dict":
        result = {}
        for k, d, n in defs:
            result[k] = tree_unflatten(d, leaves[i:i + n])
            i += n
        return result
    for d, n in defs:
        out.append(tree_unflatten(d, leaves[i:i + n]))
        i += n
    return kind(out)


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _as_tensor(leaf, what: str) -> Tensor:
    if isinstance(leaf, Tensor):
        return leaf
    if isinstance(leaf, (numbers.Number, np.ndarray, np.generic)):
        from .factories import tensor

        return tensor(leaf)
    raise TypeError(f"{what}: expected tensors (or numbers, or dicts/lists/tuples of them), got {type(leaf).__name__}")


def _track(leaf: Tensor) -> Tensor:
    """A tensor to differentiate with respect to, still connected to any outer transform."""
    if leaf._data.dtype.kind != "f":
        raise RuntimeError(
            f"only floating point inputs can be differentiated, got {leaf.dtype!r}\nconvert it first, e.g. x.float()"
        )
    table = mode.state.forward_tangents
    if leaf._requires_grad:
        with mode.enable_grad():
            tracked = leaf.view_as(leaf)  # a view: gradients still flow to the outer graph
    else:
        tracked = make(leaf._data)
        tracked._requires_grad = True
        _inherit(leaf, tracked, table)  # forward-over-reverse: keep the outer tangents
    return tracked


def _nested(leaves) -> bool:
    """Build the gradient as a graph when something outside will differentiate it again."""
    return any(leaf._requires_grad for leaf in leaves) or mode.state.forward_tangents is not None


def _prepare(args, argnums, what: str):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    args = list(args)
    trees = []
    for n in nums:
        if n >= len(args):
            raise RuntimeError(f"{what}: Got argnums={argnums} but only {len(args)} positional inputs")
        leaves, treedef = tree_flatten(args[n])
        leaves = [_as_tensor(leaf, what) for leaf in leaves]
        originals = leaves
        tracked = [_track(leaf) for leaf in leaves]
        args[n] = tree_unflatten(treedef, tracked)
        trees.append((treedef, tracked, originals))
    return args, nums, trees


# ------------------------------------------------------------------------------------------------ grad
def value_and_grad(f, argnums=0, has_aux: bool = False):
    """``f``'s value and its gradient w.r.t. argument ``argnums`` (a tensor or a tree of them).

    >>> f = lambda x1, x2: x1.log() + x1 * x2 - x2.sin()
    >>> value, (g1, g2) = value_and_grad(f, argnums=(0, 1))(tensor(2.), tensor(5.))
    >>> value, g1, g2
    (tensor(11.6521), tensor(5.5000), tensor(1.7163))
    """

    @on_own_engine
    def wrapper(*args, **kwargs):
        args, nums, trees = _prepare(args, argnums, "grad")
        with mode.enable_grad():
            out = f(*args, **kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: (output, aux) "
                                   "if has_aux is True")
            out, aux = out
        if not isinstance(out, Tensor) or out._data.size != 1 or out.ndim != 0:
            dims = out.ndim if isinstance(out, Tensor) else "no"
            raise RuntimeError(
                f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with {dims} dims. "
                "Maybe you wanted to use the vjp or jacrev APIs instead?"
            )
        leaves = [leaf for _, tracked, _ in trees for leaf in tracked]
        nested = _nested([o for _, _, originals in trees for o in originals])
        if out._requires_grad:
            grads = autograd_grad(out, leaves, create_graph=nested, allow_unused=True, materialize_grads=True)
        else:  # f doesn't depend on the inputs at all
            grads = tuple(make(np.zeros_like(np.asarray(leaf._data))) for leaf in leaves)
        results, i = [], 0
        for treedef, tracked, _ in trees:
            results.append(tree_unflatten(treedef, list(grads[i:i + len(tracked)])))
            i += len(tracked)
        g = results[0] if isinstance(argnums, int) else tuple(results)
        value = out if nested else out.detach()
        return ((value, aux), g) if has_aux else (value, g)

    return wrapper


def grad(f, argnums=0, has_aux: bool = False):
    """The gradient of a scalar function, as ``torch.func.grad``: ``grad(f)(x)`` has x's structure.

    >>> grad(lambda d: d["cat"] * 3 + d["dog"] ** 2)({"cat": tensor(1.), "dog": tensor(2.)})
    {'cat': tensor(3.), 'dog': tensor(4.)}
    """

    @on_own_engine
    def wrapper(*args, **kwargs):
        result = value_and_grad(f, argnums, has_aux)(*args, **kwargs)
        if has_aux:
            (_, aux), g = result
            return g, aux
        return result[1]

    return wrapper


# ------------------------------------------------------------------------------------------------ vjp / jvp
@on_own_engine
def vjp(f, *primals, has_aux: bool = False):
    """``(f(*primals), vjp_fn)``; ``vjp_fn(v)`` gives vᵀJ for each primal, in the primals' structure.

    >>> out, vjp_fn = vjp(lambda x: x ** 2, tensor([1., 2.]))
    >>> vjp_fn(tensor([1., 1.]))
    (tensor([2., 4.]),)
    """
    args, nums, trees = _prepare(primals, tuple(range(len(primals))), "vjp")
    with mode.enable_grad():
        out = f(*args)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, out_def = tree_flatten(out)
    leaves = [leaf for _, tracked, _ in trees for leaf in tracked]
    nested = _nested([o for _, _, originals in trees for o in originals])

    def vjp_fn(cotangents):
        ct_leaves, _ = tree_flatten(cotangents)
        if len(ct_leaves) != len(out_leaves):
            raise RuntimeError(f"vjp: expected {len(out_leaves)} cotangents (one per output), got {len(ct_leaves)}")
        pairs = [(o, c) for o, c in zip(out_leaves, ct_leaves) if isinstance(o, Tensor) and o._requires_grad]
        if pairs:
            grads = autograd_grad([o for o, _ in pairs], leaves, grad_outputs=[c for _, c in pairs],
                                  retain_graph=True, create_graph=nested, allow_unused=True, materialize_grads=True)
        else:
            grads = tuple(make(np.zeros_like(np.asarray(leaf._data))) for leaf in leaves)
        results, i = [], 0
        for treedef, tracked, _ in trees:
            results.append(tree_unflatten(treedef, list(grads[i:i + len(tracked)])))
            i += len(tracked)
        return tuple(results)

    value = out if nested else tree_unflatten(out_def, [o.detach() if isinstance(o, Tensor) else o
                                                        for o in out_leaves])
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


@on_own_engine
def jvp(f, primals, tangents, has_aux: bool = False):
    """``(f(*primals), J·tangents)`` by forward mode, as ``torch.func.jvp``; trees allowed.

    >>> jvp(lambda x1, x2: x1.log() + x1 * x2 - x2.sin(), (tensor(2.), tensor(5.)), (tensor(1.), tensor(0.)))
    (tensor(11.6521), tensor(5.5000))
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be tuples. "
                           "E.g. it should be valid to call f(*primals).")
    p_leaves, p_def = tree_flatten(primals)
    t_leaves, t_def = tree_flatten(tangents)
    if len(p_leaves) != len(t_leaves):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure, got {len(p_leaves)} primal leaves and {len(t_leaves)} tangent leaves")
    p_leaves = [_as_tensor(p, "jvp") for p in p_leaves]
    t_leaves = [_as_tensor(t, "jvp") for t in t_leaves]
    aux_box = []

    def flat_f(*leaves):
        out = f(*tree_unflatten(p_def, list(leaves)))
        if has_aux:
            out, aux = out
            aux_box.append(aux)
        return out

    out, tangent = _jvp(flat_f, p_leaves, t_leaves)
    if not _nested(p_leaves):
        out, tangent = _detached(out), _detached(tangent)
    return (out, tangent, aux_box[0]) if has_aux else (out, tangent)


# ------------------------------------------------------------------------------------------------ Jacobians
def _detached(x):
    return tuple(_detached(v) for v in x) if isinstance(x, tuple) else x.detach()


def _final(result: Tensor, args) -> Tensor:
    """Keep the graph only when something outside will differentiate the result again."""
    return result if _nested([a for a in args if isinstance(a, Tensor)]) else result.detach()


def _single_input(args, argnums, what):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in nums:
        if not isinstance(args[n], Tensor):
            raise RuntimeError(f"{what}: argument {n} must be a tensor (got {type(args[n]).__name__})")
    return nums


def jacrev(f, argnums=0):
    """The Jacobian by reverse mode: one backward pass per output element (out.shape + in.shape).
    Several outputs (a tuple or dict) give a Jacobian per output, in the same structure.

    >>> jacrev(lambda x: x ** 2)(tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
    """

    @on_own_engine
    def wrapper(*args):
        from .ops import stack

        nums = _single_input(args, argnums, "jacrev")
        out, vjp_fn = vjp(lambda *a: f(*a), *args)
        out_leaves, out_def = tree_flatten(out)
        zeros = [make(np.zeros_like(np.asarray(o._data))) for o in out_leaves]
        per_output = []
        for oi, o in enumerate(out_leaves):
            rows = []
            eye = np.eye(max(o._data.size, 1), dtype=np.asarray(o._data).dtype)
            for k in range(o._data.size):
                cotangents = list(zeros)
                cotangents[oi] = make(eye[k].reshape(o.shape))
                row = vjp_fn(tree_unflatten(out_def, cotangents))
                rows.append([row[n] for n in nums])
            jacs = []
            for j, n in enumerate(nums):
                x = args[n]
                flat = stack([r[j].reshape(-1) for r in rows]) if rows else make(np.zeros((0, x._data.size)))
                jacs.append(_final(flat.reshape(*o.shape, *x.shape), args))
            per_output.append(jacs[0] if isinstance(argnums, int) else tuple(jacs))
        return tree_unflatten(out_def, per_output)

    return wrapper


def jacfwd(f, argnums=0):
    """The Jacobian by forward mode: one forward pass per input element (out.shape + in.shape).
    Several outputs (a tuple or dict) give a Jacobian per output, in the same structure.

    >>> jacfwd(lambda x: x ** 2)(tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
    """

    @on_own_engine
    def wrapper(*args):
        from .ops import stack

        nums = _single_input(args, argnums, "jacfwd")
        per_input, out_def, out_shapes = [], None, None
        for n in nums:
            x = args[n]
            eye = np.eye(max(x._data.size, 1), dtype=np.asarray(x._data).dtype)
            columns = None
            for k in range(x._data.size):
                tangents = tuple(make(eye[k].reshape(x.shape)) if i == n else make(np.zeros_like(np.asarray(a._data)))
                                 if isinstance(a, Tensor) else a for i, a in enumerate(args))
                out, t = jvp(f, tuple(args), tangents)
                t_leaves, out_def = tree_flatten(t)
                out_shapes = [tuple(o.shape) for o in tree_flatten(out)[0]]
                if columns is None:
                    columns = [[] for _ in t_leaves]
                for c, leaf in zip(columns, t_leaves):
                    c.append(leaf.reshape(-1))
            if out_def is None and columns is None:  # an input with no elements
                out = f(*args)
                out_leaves, out_def = tree_flatten(out)
                out_shapes = [tuple(o.shape) for o in out_leaves]
                columns = [[] for _ in out_leaves]
            per_input.append([
                _final((stack(c, dim=-1) if c else make(np.zeros((int(np.prod(shape)), 0)))).reshape(*shape, *x.shape),
                       args)
                for c, shape in zip(columns, out_shapes)])
        per_output = [per_input[0][oi] if isinstance(argnums, int) else tuple(p[oi] for p in per_input)
                      for oi in range(len(out_shapes))]
        return tree_unflatten(out_def, per_output)

    return wrapper


def hessian(f, argnums=0):
    """The Hessian, forward-over-reverse as ``torch.func.hessian`` (jacfwd of jacrev).

    >>> hessian(lambda x: (x ** 3).sum())(tensor([1., 2.]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(f, argnums), argnums)


@on_own_engine
def hvp(f, primals, tangents):
    """``(f(*primals), H·tangents)``: a Hessian-vector product without forming H (reverse over reverse).

    >>> hvp(lambda x: (x ** 3).sum(), (tensor([1., 2.]),), (tensor([1., 0.]),))[1]
    (tensor([6., 0.]),)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    args, _, trees = _prepare(primals, tuple(range(len(primals))), "hvp")
    leaves = [leaf for _, tracked, _ in trees for leaf in tracked]
    with mode.enable_grad():
        out = f(*args)
        grads = autograd_grad(out, leaves, create_graph=True, allow_unused=True, materialize_grads=True)
        t_leaves, _ = tree_flatten(tangents)
        dot = None
        for g, v in zip(grads, t_leaves):
            term = (g * _as_tensor(v, "hvp")).sum()
            dot = term if dot is None else dot + term
    nested = _nested([o for _, _, originals in trees for o in originals])
    if dot is not None and dot._requires_grad:
        hv = autograd_grad(dot, leaves, create_graph=nested, allow_unused=True, materialize_grads=True)
    else:
        hv = tuple(make(np.zeros_like(np.asarray(leaf._data))) for leaf in leaves)
    results, i = [], 0
    for treedef, tracked, _ in trees:
        results.append(tree_unflatten(treedef, list(hv[i:i + len(tracked)])))
        i += len(tracked)
    return (out if nested else out.detach()), tuple(results)


# ------------------------------------------------------------------------------------------------ vmap
def _fn_name(f) -> str:
    return getattr(f, "__name__", type(f).__name__)


def _broadcast_dims(in_dims, args, name):
    """One in_dim (int or None) per leaf of ``args``, from an int or a (nested) tuple matching ``args``."""
    if isinstance(in_dims, int):
        return [in_dims if isinstance(leaf, Tensor) else None for leaf in tree_flatten(args)[0]]
    if not isinstance(in_dims, tuple):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    if len(in_dims) != len(args):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`: {len(in_dims)} in_dims for {len(args)} inputs.")
    dims = []
    for d, a in zip(in_dims, args):
        if d is None or isinstance(d, int):
            dims += [d if isinstance(leaf, Tensor) else None for leaf in tree_flatten(a)[0]]
        else:
            dims += _broadcast_dims(tuple(d), tuple(a) if not isinstance(a, dict) else tuple(a.values()), name)
    return dims


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """Map ``func`` over a dimension of its inputs, as ``torch.func.vmap``: ``in_dims`` says which dimension of
    each input (None: not mapped), ``out_dims`` where the mapped dimension goes in the outputs. The own engine
    runs ``func`` once per index and stacks the results (recorded, so gradients flow).

    >>> vmap(lambda r: r.sum())(tensor([[1., 2.], [3., 4.]]))
    tensor([3., 7.])
    """
    name = _fn_name(func)

    def wrapper(*args, **kwargs):
        from .ops import select, stack

        leaves, treedef = tree_flatten(args)
        dims = _broadcast_dims(in_dims, args, name)
        sizes = []
        for leaf, d in zip(leaves, dims):
            if d is None:
                continue
            n = leaf._data.ndim
            if not -n <= d < n:
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but "
                                 f"that input is a Tensor of dimensionality {n} so expected in_dim to satisfy "
                                 f"-{n} <= in_dim < {n}.")
            sizes.append(leaf._data.shape[d])
        if not sizes:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): at least one input must be mapped "
                             "(in_dims is None for every tensor, or there are no tensors)")
        if len(set(sizes)) > 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        results = []
        for i in range(sizes[0]):
            sliced = [leaf if d is None else select(leaf, d, i) for leaf, d in zip(leaves, dims)]
            results.append(func(*tree_unflatten(treedef, sliced), **kwargs))
        per_index = [tree_flatten(r) for r in results]
        out_def = per_index[0][1]
        n_out = len(per_index[0][0])
        o_dims = [out_dims] * n_out if isinstance(out_dims, int) or out_dims is None else list(
            tree_flatten(tuple(out_dims))[0])
        outs = []
        for k in range(n_out):
            column = [leaves_[k] for leaves_, _ in per_index]
            if o_dims[k] is None:
                outs.append(column[0])
                continue
            if not isinstance(column[0], Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                                 f"{type(column[0])}. Did you mean to set out_dims= to None for output?")
            d = o_dims[k] % (column[0]._data.ndim + 1)
            outs.append(stack(column, d))
        return tree_unflatten(out_def, outs)

    return wrapper


__all__ = ["grad", "hessian", "hvp", "jacfwd", "jacrev", "jvp", "tree_flatten", "tree_unflatten", "value_and_grad",
           "vjp", "vmap"]
