"""Autograd semantics, one test per rule, with real PyTorch as the oracle.

Most tests are written as a scenario ``fn(torch) -> plain data`` that also asserts the rule itself; ``both``
runs it on real PyTorch and on ``nbautodiff.torch`` and requires the same result. Error tests compare our
message with PyTorch's: same exception type, and our message starts with the first line of PyTorch's (we may
add a hint line after it).
"""

from __future__ import annotations

import re
import threading
import warnings

import pytest

real_torch = pytest.importorskip("torch")
import nbautodiff.torch as nb_torch  # noqa: E402

MODULES = [pytest.param(real_torch, id="torch"), pytest.param(nb_torch, id="nbautodiff")]

NON_LEAF_GRAD_PREFIX = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"
VERSION_PREFIX = (
    "one of the variables needed for gradient computation has been modified by an inplace operation"
)
_TRIGGERED = re.compile(r"\s*\(Triggered internally at [^)]*\)\s*$")


# --------------------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------------------


def L(t):
    """A tensor as plain Python data (None stays None)."""
    return None if t is None else t.detach().tolist()


def name(node):
    return None if node is None else type(node).__name__


def both(fn):
    """Run the scenario on real PyTorch and on ours; the results must be equal. Returns torch's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = fn(real_torch)
        ours = fn(nb_torch)
    assert ours == ref, f"\n  torch:      {ref!r}\n  nbautodiff: {ours!r}"
    return ref


def raised(fn, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(torch)
        except Exception as exc:  # noqa: BLE001
            return exc
    pytest.fail(f"{torch.__name__}: no exception raised")


def assert_same_error(fn, starts_with: str | None = None):
    """Both raise; same type; our message starts with the first line of PyTorch's. Returns (torch, ours)."""
    ref, ours = raised(fn, real_torch), raised(fn, nb_torch)
    ref_msg, our_msg = str(ref), str(ours)
    if starts_with is not None:
        assert ref_msg.startswith(starts_with), f"oracle changed: {ref_msg!r}"
    assert type(ours).__name__ == type(ref).__name__, f"torch raised {ref!r}, we raised {ours!r}"
    ref_first = ref_msg.splitlines()[0] if ref_msg else ""
    assert our_msg.startswith(ref_first), f"\n  torch:      {ref_msg!r}\n  nbautodiff: {our_msg!r}"
    return ref_msg, our_msg


def user_warnings(fn, torch):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(torch)
    msgs = [_TRIGGERED.sub("", str(w.message)) for w in caught if issubclass(w.category, UserWarning)]
    return result, msgs


def graph(node, seen_leaves=None):
    """grad_fn structure: (name, [children]) with AccumulateGrad leaves shown by the id of their variable."""
    if node is None:
        return None
    if name(node) == "AccumulateGrad":
        return ("AccumulateGrad", seen_leaves.index(id(node.variable)) if seen_leaves is not None else None)
    return (name(node), [(graph(n, seen_leaves), i) for n, i in node.next_functions])


# --------------------------------------------------------------------------------------------------------------
# requires_grad / is_leaf / grad_fn
# --------------------------------------------------------------------------------------------------------------


def test_requires_grad_propagation():
    def scenario(torch):
        a = torch.ones(2, requires_grad=True)
        b = torch.ones(2)
        cases = {
            "a+b": a + b, "b+b": b + b, "a*b": a * b, "b*3": b * 3, "a*3": a * 3,
            "cat(a,b)": torch.cat([a, b]), "stack(b,b)": torch.stack([b, b]), "b.sum": b.sum(),
            "a[0]": a[0], "b[0]": b[0], "where(b>0,a,b)": torch.where(b > 0, a, b), "b.exp": b.exp(),
            "a@b": a @ b, "b@b": b @ b, "a.detach()*b": a.detach() * b, "a>0": a > 0,
        }
        got = {k: v.requires_grad for k, v in cases.items()}
        # the result requires grad iff an input does (comparisons are not differentiable)
        expected = {k: k in ("a+b", "a*b", "a*3", "cat(a,b)", "a[0]", "where(b>0,a,b)", "a@b") for k in cases}
        assert got == expected
        with torch.no_grad():
            got["no_grad a*b"] = (a * b).requires_grad
            assert not got["no_grad a*b"]
        return got

    both(scenario)


def test_is_leaf():
    def scenario(torch):
        a = torch.ones(2, requires_grad=True)
        b = torch.ones(2)
        with torch.no_grad():
            c = a * 2
        facts = {
            "user tensor requiring grad": a.is_leaf,
            "user tensor": b.is_leaf,
            "torch.tensor([1])": torch.tensor([1]).is_leaf,
            "op on non-grad tensors": (b * 2).is_leaf,
            "op under no_grad": c.is_leaf,
            "detach() of a result": (a * 2).detach().is_leaf,
            "detach() of a leaf": a.detach().is_leaf,
            "requires_grad_() on a plain result": (b * 2).requires_grad_().is_leaf,
        }
        assert all(facts.values()), facts
        not_leaves = {
            "a*2": (a * 2).is_leaf,
            "(a*2).clone()": (a * 2).clone().is_leaf,
            "a[0]": a[0].is_leaf,
            "a.sum()": a.sum().is_leaf,
        }
        assert not any(not_leaves.values()), not_leaves
        return facts, not_leaves

    both(scenario)


def test_grad_fn_names_of_common_ops():
    def scenario(torch):
        x = torch.ones(2, 3, requires_grad=True)
        w = torch.ones(3, 2, requires_grad=True)
        exprs = {
            "x+1": x + 1, "x-1": x - 1, "x*2": x * 2, "x/2": x / 2, "x**2": x ** 2, "2**x": 2 ** x, "1-x": 1 - x,
            "-x": -x, "exp": x.exp(), "log": x.log(), "sin": x.sin(), "cos": x.cos(), "sqrt": x.sqrt(),
            "abs": x.abs(), "relu": x.relu(), "sigmoid": x.sigmoid(), "tanh": x.tanh(), "sum": x.sum(),
            "sum(1)": x.sum(1), "mean": x.mean(), "mean(0)": x.mean(0), "max": x.max(), "max(1)": x.max(1)[0],
            "prod": x.prod(), "norm": x.norm(), "softmax": x.softmax(1), "clamp": x.clamp(0, 1),
            "where": torch.where(x > 0, x, x * 0), "x@w": x @ w, "mm": torch.mm(x, w),
            "reshape": x.reshape(6), "view": x.view(6), "flatten": x.flatten(), "t": x.t(), "T": x.T,
            "transpose": x.transpose(0, 1), "permute": x.permute(1, 0), "unsqueeze": x.unsqueeze(0),
            "squeeze": x.squeeze(), "expand": x.expand(2, 2, 3), "x[0]": x[0], "x[:,1:]": x[:, 1:],
            "x[[0,1]]": x[[0, 1]], "clone": x.clone(), "cat": torch.cat([x, x]), "stack": torch.stack([x, x]),
        }
        return {k: name(v.grad_fn) for k, v in exprs.items()}

    names = both(scenario)
    assert names["x**2"] == "PowBackward0" and names["x@w"] == "MmBackward0"


def test_grad_fn_names_of_composite_ops():
    """Ops PyTorch records as one node of their own (not as the pieces they are computed from)."""

    def scenario(torch):
        x = torch.ones(2, 3, requires_grad=True)
        w = torch.ones(3, 2, requires_grad=True)
        return {"var": name(x.var().grad_fn), "std": name(x.std().grad_fn), "vec@mat": name((x[0] @ w).grad_fn)}

    assert both(scenario) == {"var": "VarBackward0", "std": "StdBackward0", "vec@mat": "SqueezeBackward4"}


def test_next_functions_structure_and_accumulate_grad():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        w = torch.ones(2, requires_grad=True)
        c = torch.ones(2)
        z = ((x * w).exp() + x * c).sum()
        leaves = [id(x), id(w)]
        structure = graph(z.grad_fn, leaves)
        acc = (x * w).grad_fn.next_functions[0][0]
        assert name(acc) == "AccumulateGrad" and acc.variable is x
        assert acc.next_functions == ()
        assert (x * c).grad_fn.next_functions[1][0] is None  # a constant input has no node
        assert x.grad_fn is None
        return structure, acc.variable is x, acc.next_functions

    structure = both(scenario)[0]
    assert structure == (
        "SumBackward0",
        [(("AddBackward0", [
            (("ExpBackward0", [(("MulBackward0", [(("AccumulateGrad", 0), 0), (("AccumulateGrad", 1), 0)]), 0)]), 0),
            (("MulBackward0", [(("AccumulateGrad", 0), 0), (None, 0)]), 0),
        ]), 0)],
    )


def test_next_functions_output_index_of_multi_output_ops():
    """split/unbind are one node with several outputs; next_functions says which output: (node, 1)."""

    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        a, b = x.split(1)
        u, v = x.unbind()
        return (
            [(name(n), i) for n, i in (a * b).grad_fn.next_functions],
            [(name(n), i) for n, i in (u * v).grad_fn.next_functions],
        )

    assert both(scenario) == (
        [("SplitBackward0", 0), ("SplitBackward0", 1)],
        [("UnbindBackward0", 0), ("UnbindBackward0", 1)],
    )


# --------------------------------------------------------------------------------------------------------------
# .grad of leaves and non-leaves
# --------------------------------------------------------------------------------------------------------------


def test_leaf_grad_starts_none_and_accumulates():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        assert x.grad is None
        (x * x).sum().backward()
        first = L(x.grad)
        assert first == [2.0, 4.0]
        (3 * x).sum().backward()
        assert L(x.grad) == [5.0, 7.0]
        return first, L(x.grad)

    both(scenario)


def test_non_leaf_grad_is_none_and_warns():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        y.sum().backward()
        return y.grad

    for torch in (real_torch, nb_torch):
        value, msgs = user_warnings(scenario, torch)
        assert value is None
        assert len(msgs) == 1 and msgs[0].startswith(NON_LEAF_GRAD_PREFIX), (torch.__name__, msgs)


def test_non_leaf_grad_warning_text_equals_torch():
    def scenario(torch):
        return (torch.ones(2, requires_grad=True) * 2).grad

    _, ref = user_warnings(scenario, real_torch)
    _, ours = user_warnings(scenario, nb_torch)
    assert ours == ref


def test_no_warning_for_leaf_or_retained_grad():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        return [L(x.grad), L(y.grad), L(torch.ones(2).grad), L(torch.ones(2).detach().grad)]

    for torch in (real_torch, nb_torch):
        value, msgs = user_warnings(scenario, torch)
        assert value == [None, None, None, None]
        assert msgs == [], (torch.__name__, msgs)


def test_retain_grad_keeps_and_accumulates():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        assert y.retains_grad and not x.retains_grad
        z = (y * y).sum()
        z.backward(retain_graph=True)
        first = L(y.grad)
        assert first == [4.0, 8.0]
        z.backward()
        assert L(y.grad) == [8.0, 16.0]
        return first, L(y.grad), L(x.grad)

    assert both(scenario)[2] == [16.0, 32.0]


def test_grad_zero_in_place_keeps_the_tensor():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        g = x.grad
        v = g._version
        x.grad.zero_()
        assert x.grad is g and L(g) == [0.0, 0.0]
        (x * 3).sum().backward()
        assert x.grad is g  # accumulates in place into the same tensor
        return L(x.grad), g._version - v

    assert both(scenario) == ([3.0, 3.0], 2)  # zero_ and the in-place accumulation each bump the version


# --------------------------------------------------------------------------------------------------------------
# backward(): gradient=, retain_graph=, create_graph=, inputs=
# --------------------------------------------------------------------------------------------------------------


def test_backward_with_gradient_argument():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.backward(gradient=torch.tensor([1.0, 0.1, 10.0]))
        r1 = L(x.grad)
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        torch.autograd.backward([w * w], [torch.tensor([1.0, 10.0])])
        return r1, L(w.grad)

    r1, r2 = both(scenario)
    assert r1 == pytest.approx([2.0, 0.4, 60.0]) and r2 == [2.0, 40.0]


def test_retain_graph_allows_second_backward():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        first = L(x.grad)
        y.backward()
        second = L(x.grad)
        assert second == pytest.approx([2 * g for g in first])
        return [round(v, 4) for v in first], [round(v, 4) for v in second]

    both(scenario)


def test_create_graph_gives_differentiable_grads():
    def scenario(torch):
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 3
        y.backward(create_graph=True)
        g = x.grad
        assert g.requires_grad and g.grad_fn is not None
        assert g.item() == 12.0  # 3x^2
        x.grad = None
        g.backward()
        assert x.grad.item() == 12.0  # 6x
        assert x.grad.grad_fn is None
        # and through autograd.grad
        (g1,) = torch.autograd.grad(x ** 3, x, create_graph=True)
        (g2,) = torch.autograd.grad(g1, x)
        return g1.item(), g1.grad_fn is not None, g2.item(), g2.requires_grad, repr(g1)

    assert both(scenario)[:4] == (12.0, True, 12.0, False)


def test_create_graph_grad_repr_matches_torch():
    """What a notebook shows for x.grad after backward(create_graph=True)."""

    def scenario(torch):
        x = torch.tensor(2.0, requires_grad=True)
        (x ** 3).backward(create_graph=True)
        return repr(x.grad)

    assert both(scenario) == "tensor(12., grad_fn=<CopyBackwards>)"


def test_backward_inputs_accumulates_only_into_given_leaves():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        w = torch.full((2,), 2.0, requires_grad=True)
        v = torch.full((2,), 3.0, requires_grad=True)
        (x * w * v).sum().backward(inputs=[x, v])
        assert w.grad is None
        r = (L(x.grad), L(w.grad), L(v.grad))
        x2 = torch.ones(2, requires_grad=True)
        w2 = torch.ones(2, requires_grad=True)
        (x2 * w2).sum().backward(inputs=x2)  # a single tensor works too
        return r, (L(x2.grad), L(w2.grad))

    assert both(scenario) == (([6.0, 6.0], None, [2.0, 2.0]), ([1.0, 1.0], None))


def test_backward_inputs_non_leaf_gets_grad():
    """A non-leaf named in inputs= gets its .grad (PyTorch accumulates into it, without a warning)."""

    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        (y * 3).sum().backward(inputs=[y])
        return L(y.grad), L(x.grad)

    ref, ref_w = user_warnings(scenario, real_torch)
    ours, our_w = user_warnings(scenario, nb_torch)
    assert ref == ([3.0, 3.0], None) and ref_w == []
    assert (ours, our_w) == (ref, ref_w)


# --------------------------------------------------------------------------------------------------------------
# torch.autograd.grad
# --------------------------------------------------------------------------------------------------------------


def test_autograd_grad_outputs_inputs_grad_outputs():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        w = torch.tensor([3.0, 4.0], requires_grad=True)
        y = x * w
        g = torch.autograd.grad(y, [x, w], grad_outputs=torch.tensor([1.0, 10.0]), retain_graph=True)
        assert type(g) is tuple and len(g) == 2
        assert x.grad is None and w.grad is None  # grad() returns, does not accumulate
        y1, y2 = x * 2, x * x
        (h,) = torch.autograd.grad(
            outputs=[y1, y2], inputs=[x], grad_outputs=[torch.ones(2), torch.tensor([1.0, 10.0])]
        )
        (s,) = torch.autograd.grad((x * w).sum(), x)
        return [L(t) for t in g], L(h), L(s)

    g, h, s = both(scenario)
    assert g == [[3.0, 40.0], [1.0, 20.0]] and h == [4.0, 42.0] and s == [3.0, 4.0]


def test_autograd_grad_retain_graph():
    def scenario(torch):
        x = torch.tensor(2.0, requires_grad=True)
        y = x.exp()
        a = torch.autograd.grad(y, x, retain_graph=True)[0].item()
        b = torch.autograd.grad(y, x)[0].item()
        return a == b, repr(torch.autograd.grad(x * x, x))

    assert both(scenario) == (True, "(tensor(4.),)")


def test_autograd_grad_second_call_without_retain_graph_fails():
    def scenario(torch):
        x = torch.tensor(2.0, requires_grad=True)
        y = x.exp()
        torch.autograd.grad(y, x)
        torch.autograd.grad(y, x)

    assert_same_error(scenario, "Trying to backward through the graph a second time")


def test_autograd_grad_create_graph_second_derivative():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
        assert g.requires_grad
        (h,) = torch.autograd.grad(g.sum(), x)
        assert L(h) == [6.0, 12.0]  # 6x
        return repr(g), repr(h)

    both(scenario)


def test_autograd_grad_allow_unused():
    def scenario(torch):
        x = torch.tensor(2.0, requires_grad=True)
        u = torch.tensor(1.0, requires_grad=True)
        g = torch.autograd.grad(x * 2, [x, u], allow_unused=True)
        assert g[1] is None
        return repr(g)

    assert both(scenario) == "(tensor(2.), None)"


def test_autograd_grad_unused_input_error():
    def scenario(torch):
        x = torch.tensor(2.0, requires_grad=True)
        u = torch.tensor(1.0, requires_grad=True)
        torch.autograd.grad(x * 2, [x, u])

    ref, ours = assert_same_error(scenario, "The differentiated Tensor at index 1 appears to not have been used")
    assert "allow_unused=True" in ours


# --------------------------------------------------------------------------------------------------------------
# grad mode
# --------------------------------------------------------------------------------------------------------------


def test_grad_mode_context_managers():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        seen = []
        with torch.no_grad():
            seen.append(("no_grad", torch.is_grad_enabled(), (x * 2).requires_grad))
            with torch.enable_grad():
                seen.append(("enable_grad", torch.is_grad_enabled(), (x * 2).requires_grad))
            seen.append(("back in no_grad", torch.is_grad_enabled()))
        with torch.set_grad_enabled(False):
            seen.append(("set_grad_enabled(False)", torch.is_grad_enabled(), (x * 2).requires_grad))
        seen.append(("after", torch.is_grad_enabled()))
        torch.set_grad_enabled(False)  # a plain call switches at once
        seen.append(("call False", torch.is_grad_enabled()))
        torch.set_grad_enabled(True)
        seen.append(("call True", torch.is_grad_enabled()))
        try:
            with torch.no_grad():
                raise ValueError
        except ValueError:
            pass
        seen.append(("restored after exception", torch.is_grad_enabled()))
        return seen

    seen = both(scenario)
    assert [s[1] for s in seen] == [False, True, False, False, True, False, True, True]


def test_grad_mode_decorators():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)

        @torch.no_grad()
        def f(t):
            return t * 2, torch.is_grad_enabled()

        @torch.enable_grad()
        def g(t):
            return t * 2, torch.is_grad_enabled()

        @torch.set_grad_enabled(False)
        def h(t):
            return t * 2, torch.is_grad_enabled()

        before = torch.is_grad_enabled()  # the decorator must not switch the mode at definition time
        fy, f_mode = f(x)
        with torch.no_grad():
            gy, g_mode = g(x)
        hy, h_mode = h(x)
        return before, (fy.requires_grad, f_mode), (gy.requires_grad, g_mode), (hy.requires_grad, h_mode), \
            torch.is_grad_enabled()

    assert both(scenario) == (True, (False, False), (True, True), (False, False), True)


def test_grad_mode_bare_decorators():
    """``@torch.no_grad`` without parentheses (PyTorch 2.x accepts it)."""

    def scenario(torch):
        x = torch.ones(2, requires_grad=True)

        @torch.no_grad
        def f(t):
            return t * 2

        @torch.enable_grad
        def g(t):
            return t * 2

        with torch.no_grad():
            gy = g(x)
        return f(x).requires_grad, gy.requires_grad, torch.is_grad_enabled()

    assert both(scenario) == (False, True, True)


def test_grad_mode_is_thread_local():
    def scenario(torch):
        seen = []

        def worker():
            seen.append(("thread start", torch.is_grad_enabled()))
            torch.set_grad_enabled(False)
            seen.append(("thread after set False", torch.is_grad_enabled()))

        with torch.no_grad():
            th = threading.Thread(target=worker)
            th.start()
            th.join()
            seen.append(("main in no_grad", torch.is_grad_enabled()))
        seen.append(("main after", torch.is_grad_enabled()))
        th = threading.Thread(target=worker)
        th.start()
        th.join()
        seen.append(("main after thread disabled grad", torch.is_grad_enabled()))
        return seen

    seen = both(scenario)
    assert [s[1] for s in seen] == [True, False, False, True, True, False, True]


# --------------------------------------------------------------------------------------------------------------
# detach, detach_, requires_grad_, .data
# --------------------------------------------------------------------------------------------------------------


def test_detach():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        u = y.detach()
        facts = (u.requires_grad, u.grad_fn, u.is_leaf, L(u))
        u.zero_()  # shares storage (and version counter) with y
        return facts, L(y), y._version, u._version

    assert both(scenario) == ((False, None, True, [2.0, 2.0]), [0.0, 0.0], 1, 1)


def test_detach_in_place():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        r = y.detach_()
        return r is y, y.requires_grad, y.grad_fn, y.is_leaf, L(y)

    assert both(scenario) == (True, False, None, True, [2.0, 2.0])


def test_requires_grad_():
    def scenario(torch):
        x = torch.ones(2)
        r = x.requires_grad_()
        facts = [r is x, x.requires_grad, x.is_leaf]
        x.requires_grad_(False)
        facts.append(x.requires_grad)
        t = torch.zeros(2)
        t.requires_grad = True
        facts.append(t.requires_grad)
        return facts

    assert both(scenario) == [True, True, True, False, True]


def test_requires_grad_false_on_non_leaf_error():
    def scenario(torch):
        (torch.ones(2, requires_grad=True) * 2).requires_grad_(False)

    assert_same_error(scenario, "you can only change requires_grad flags of leaf variables.")


def test_data_semantics():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        d = x.data
        facts = [d.requires_grad, d.is_leaf, d.grad_fn]
        y = x * x  # saves x
        x.data.mul_(2)  # not seen by autograd: no version bump on x, no in-place-on-leaf error
        facts.append(x._version)
        y.sum().backward()  # uses the changed values, no error
        facts.append(L(x.grad))
        x.data = torch.zeros(2)  # swaps the values, keeps the leaf
        facts += [L(x), x.requires_grad, x.is_leaf]
        return facts

    assert both(scenario) == [False, True, None, 0, [4.0, 4.0], [0.0, 0.0], True, True]


# --------------------------------------------------------------------------------------------------------------
# hooks
# --------------------------------------------------------------------------------------------------------------


def test_register_hook_on_leaf():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        seen = []
        h = x.register_hook(lambda g: (seen.append(L(g)), g * 10)[1])
        (x * 3).sum().backward()
        replaced = L(x.grad)
        h.remove()
        x.grad = None
        (x * 3).sum().backward()
        x2 = torch.ones(2, requires_grad=True)
        x2.register_hook(lambda g: seen.append(("observe", L(g))))  # returning None keeps the grad
        (x2 * x2).sum().backward()
        return seen, replaced, L(x.grad), L(x2.grad)

    assert both(scenario) == ([[3.0, 3.0], ("observe", [2.0, 2.0])], [30.0, 30.0], [3.0, 3.0], [2.0, 2.0])


def test_register_hook_on_non_leaf():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: torch.tensor([1.0, 5.0]))
        (y * 3).sum().backward()
        x2 = torch.ones(2, requires_grad=True)
        y2 = x2 * 2
        h = y2.register_hook(lambda g: g * 100)
        h.remove()
        y2.sum().backward()
        return L(x.grad), L(x2.grad)

    assert both(scenario) == ([2.0, 10.0], [2.0, 2.0])


def test_register_hook_on_tensor_without_grad_error():
    def scenario(torch):
        torch.ones(2).register_hook(lambda g: g)

    assert_same_error(scenario, "cannot register a hook on a tensor that doesn't require gradient")


# --------------------------------------------------------------------------------------------------------------
# version counters and in-place ops
# --------------------------------------------------------------------------------------------------------------


def test_version_counter_counts_in_place_ops():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 1
        v = [y._version]
        y.add_(1)
        v.append(y._version)
        y.mul_(2)
        v.append(y._version)
        u = y.detach()
        u.add_(1)  # detach shares the version counter
        v.append((y._version, u._version))
        return v

    assert both(scenario) == [0, 1, 2, (3, 3)]


def test_modified_saved_output_raises():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x.exp()  # exp saves its output
        y.add_(1)
        y.sum().backward()

    assert_same_error(scenario, VERSION_PREFIX)


def test_modified_saved_input_under_no_grad_raises():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        w = torch.ones(2, requires_grad=True)
        z = (x * w).sum()  # mul saves both inputs
        with torch.no_grad():
            w.mul_(2)
        z.backward()

    assert_same_error(scenario, VERSION_PREFIX)


def test_modified_saved_non_leaf_names_its_op_like_torch():
    """PyTorch names the op that last wrote the tensor ("output 0 of Add", not "AddBackward0")."""

    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        x2 = x * 1
        y = x2.sin()  # sin saves its input
        x2.add_(1)
        y.sum().backward()

    ref, ours = assert_same_error(scenario, VERSION_PREFIX)
    assert "output 0 of Add," in ours


def test_no_error_when_nothing_saved_was_modified():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        z = (x + 1).sum()  # add and sum save no tensors
        z.backward()
        z.backward()
        r1 = L(x.grad)
        x2 = torch.ones(2, requires_grad=True)
        h = x2 * 1
        y = h.exp()  # exp saves its output, not its input
        h.add_(1)
        y.sum().backward()
        return r1, [round(v, 5) for v in L(x2.grad)]

    assert both(scenario) == ([2.0, 2.0], [2.71828, 2.71828])


def test_in_place_on_non_leaf_is_recorded():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 1
        y.mul_(2)
        names = [name(y.grad_fn), name(y.grad_fn.next_functions[0][0])]
        y.sum().backward()
        x2 = torch.ones(3, requires_grad=True)
        y2 = x2 * 1
        y2[0] = 0
        names.append(name(y2.grad_fn))
        y2.sum().backward()
        x3 = torch.ones(2, requires_grad=True)
        y3 = x3 * 1
        y3.sub_(x3, alpha=2)
        y3.sum().backward()
        return names, L(x.grad), L(x2.grad), L(x3.grad)

    assert both(scenario) == (["MulBackward0", "MulBackward0", "CopySlices"], [2.0, 2.0], [0.0, 1.0, 1.0],
                              [-1.0, -1.0])


def test_in_place_through_a_view_of_non_leaf():
    """y[0].mul_(3) changes y through a view: y's graph is rebased (CopySlices) and the gradient is 3 there."""

    def scenario(torch):
        x = torch.ones(2, 3, requires_grad=True)
        y = x * 1
        v = y[0]
        v.mul_(3)
        y.sum().backward()
        return name(y.grad_fn), L(x.grad)

    assert both(scenario) == ("CopySlices", [[3.0, 3.0, 3.0], [1.0, 1.0, 1.0]])


def test_sgd_step_under_no_grad():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        g = x.grad
        xv, gv = x._version, g._version
        with torch.no_grad():
            x -= 0.5 * x.grad
        facts = [L(x), x.is_leaf, x.requires_grad, x.grad_fn, x.grad is g, L(g)]
        # the step bumps x's version once and nothing else (x.grad is untouched)
        facts += [x._version - xv, g._version - gv]
        x.grad.zero_()
        (x * x).sum().backward()
        facts.append(L(x.grad))
        return facts

    assert both(scenario) == [[0.0, 0.0], True, True, None, True, [2.0, 4.0], 1, 0, [0.0, 0.0]]


# --------------------------------------------------------------------------------------------------------------
# errors with PyTorch's wording
# --------------------------------------------------------------------------------------------------------------


def test_error_backward_second_time():
    def scenario(torch):
        x = torch.tensor(1.0, requires_grad=True)
        z = x.exp().sum()
        z.backward()
        z.backward()

    assert_same_error(scenario, "Trying to backward through the graph a second time")


def test_error_non_scalar_backward_without_gradient():
    def scenario(torch):
        (torch.ones(3, requires_grad=True) * 2).backward()

    assert_same_error(scenario, "grad can be implicitly created only for scalar outputs")


def test_error_autograd_grad_non_scalar_without_grad_outputs():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        torch.autograd.grad(x * 2, x)

    assert_same_error(scenario, "grad can be implicitly created only for scalar outputs")


def test_error_requires_grad_on_integer_tensor_factory():
    def scenario(torch):
        torch.tensor([1, 2], requires_grad=True)

    assert_same_error(scenario, "Only Tensors of floating point and complex dtype can require gradients")


def test_error_requires_grad_on_integer_tensor_method():
    def scenario(torch):
        torch.tensor([1, 2]).requires_grad_()

    assert_same_error(scenario, "only Tensors of floating point dtype can require gradients")


def test_error_requires_grad_on_integer_tensor_setter():
    def scenario(torch):
        t = torch.tensor([1, 2])
        t.requires_grad = True

    assert_same_error(scenario, "only Tensors of floating point and complex dtype can require gradients")


def test_error_backward_on_tensor_without_grad():
    def scenario(torch):
        torch.ones(2).sum().backward()

    assert_same_error(scenario, "element 0 of tensors does not require grad and does not have a grad_fn")

    def via_grad(torch):
        torch.autograd.grad(torch.ones(2).sum(), torch.ones(2, requires_grad=True))

    assert_same_error(via_grad, "element 0 of tensors does not require grad and does not have a grad_fn")


@pytest.mark.parametrize("op", ["add_", "iadd", "mul_", "zero_", "copy_"])
def test_error_in_place_on_leaf_requiring_grad(op):
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        if op == "add_":
            x.add_(1)
        elif op == "iadd":
            x += 1
        elif op == "mul_":
            x.mul_(2)
        elif op == "zero_":
            x.zero_()
        elif op == "copy_":
            x.copy_(torch.zeros(2))

    assert_same_error(scenario, "a leaf Variable that requires grad is being used in an in-place operation.")


def test_error_in_place_on_view_of_leaf_requiring_grad():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        x[0] = 5

    assert_same_error(scenario, "a view of a leaf Variable that requires grad is being used in an in-place operation.")


def test_error_gradient_shape_mismatch():
    def scenario(torch):
        (torch.ones(2, requires_grad=True) * 2).backward(torch.ones(3))

    assert_same_error(scenario, "Mismatch in shape: grad_output[0] has a shape of torch.Size([3])")


def test_error_retain_grad_without_requires_grad():
    def scenario(torch):
        torch.ones(2).retain_grad()

    assert_same_error(scenario, "can't retain_grad on Tensor that has requires_grad=False")


@pytest.mark.parametrize(
    "expr, shapes",
    [
        ("torch.ones(3) + torch.ones(4)", ["3", "4"]),
        ("torch.ones(3, 4) @ torch.ones(3, 4)", ["3x4"]),
        ("torch.ones(2, 3) * torch.ones(4, 3)", ["2", "4"]),
    ],
)
def test_shape_errors(expr, shapes):
    def scenario(torch):
        eval(expr, {"torch": torch})

    ref, ours = assert_same_error(scenario)
    assert type(raised(scenario, nb_torch)) is RuntimeError
    for s in shapes:
        assert s in ours.splitlines()[0]


@pytest.mark.parametrize(
    "expr",
    ["torch.ones(3, 4) @ torch.ones(3)", "torch.dot(torch.ones(3), torch.ones(4))", "torch.ones(3) @ torch.ones(4)"],
)
def test_shape_errors_vector_products(expr):
    def scenario(torch):
        eval(expr, {"torch": torch})

    assert_same_error(scenario)
