"""torch.optim on both: the same training loop with each optimiser gives PyTorch's parameters (float64: to rounding;
float32: the losses), its state (``opt.state[p]``, ``state_dict()``), its printed form and its refusals."""

import warnings

import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

OPTIMISERS = {
    "SGD": "SGD(ps, lr=0.1)",
    "SGD nesterov weight decay": "SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)",
    "SGD dampening maximize": "SGD(ps, lr=0.1, momentum=0.5, dampening=0.3, maximize=True)",
    "Adam": "Adam(ps, lr=0.01)",
    "Adam weight decay amsgrad": "Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True)",
    "AdamW": "AdamW(ps, lr=0.01)",
    "AdamW betas maximize amsgrad": "AdamW(ps, lr=0.01, betas=(0.5, 0.9), maximize=True, amsgrad=True)",
    "RMSprop": "RMSprop(ps, lr=0.01)",
    "RMSprop centered momentum": "RMSprop(ps, lr=0.01, centered=True, momentum=0.9, weight_decay=0.01)",
    "Adagrad": "Adagrad(ps, lr=0.1)",
    "Adagrad decay": "Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01)",
    "two groups": "Adam([{'params': ps[:2]}, {'params': ps[2:], 'lr': 0.05}], lr=0.01)",
    "Adamax": "Adamax(ps, lr=0.02)",
    "Adamax weight decay maximize": "Adamax(ps, lr=0.02, weight_decay=0.05, maximize=True)",
    "NAdam": "NAdam(ps, lr=0.01)",
    "NAdam decoupled decay": "NAdam(ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.01)",
    "RAdam": "RAdam(ps, lr=0.01)",
    "RAdam weight decay": "RAdam(ps, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)",
    "RAdam decoupled decay": "RAdam(ps, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)",
    "Adadelta": "Adadelta(ps)",
    "Adadelta rho weight decay": "Adadelta(ps, lr=0.5, rho=0.8, weight_decay=0.01)",
    "Rprop": "Rprop(ps, lr=0.01)",
    "Rprop etas step sizes maximize": "Rprop(ps, lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)",
}


def _train(ns, spec: str, dtype: str, steps: int = 25, opt=None, ps=None):
    """A 5-8-3 tanh network on cross-entropy, weights from a fixed seed: (losses, parameters, optimiser)."""
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((16, 5)).astype(dtype), rng.integers(0, 3, 16)
    if ps is None:
        ps = [ns.tensor(rng.standard_normal(s).astype(dtype) * 0.5, requires_grad=True)
              for s in [(8, 5), (8,), (3, 8), (3,)]]
    if opt is None:
        opt = eval(f"ns.optim.{spec}", {"ns": ns, "ps": ps})
    losses = []
    for _ in range(steps):
        logits = ns.tanh(ns.tensor(xs) @ ps[0].T + ps[1]) @ ps[2].T + ps[3]
        loss = ns.nn.functional.cross_entropy(logits, ns.tensor(ys))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses), [p.detach().numpy().copy() for p in ps], opt


@needs_torch
@pytest.mark.parametrize("name", OPTIMISERS)
def test_training_gives_pytorchs_parameters(name):
    ours, theirs = _train(nbt, OPTIMISERS[name], "float64"), _train(real_torch, OPTIMISERS[name], "float64")
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    assert abs(ours[1][0] - _train(nbt, OPTIMISERS[name], "float64", steps=1)[1][0]).max() > 1e-3  # it moved
    f32 = _train(nbt, OPTIMISERS[name], "float32"), _train(real_torch, OPTIMISERS[name], "float32")
    np.testing.assert_allclose(f32[0][0], f32[1][0], rtol=1e-5)
    assert f32[0][1][0].dtype == np.float32


@needs_torch
@pytest.mark.parametrize("name", OPTIMISERS)
def test_state_and_printing_as_pytorch(name):
    (_, _, ours), (_, _, theirs) = _train(nbt, OPTIMISERS[name], "float64", 3), \
        _train(real_torch, OPTIMISERS[name], "float64", 3)
    assert repr(ours) == repr(theirs)
    mine, real = ours.state_dict(), theirs.state_dict()
    assert mine["param_groups"] == real["param_groups"]
    assert mine["state"].keys() == real["state"].keys()
    for i, entry in real["state"].items():
        assert list(mine["state"][i]) == list(entry)
        for key, value in entry.items():
            assert repr(mine["state"][i][key].dtype) == repr(value.dtype)
            np.testing.assert_allclose(mine["state"][i][key].numpy(), value.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["SGD nesterov weight decay", "Adam weight decay amsgrad", "RMSprop centered momentum",
                                  "Adagrad decay"])
def test_a_loaded_state_dict_continues_the_run(name):
    """5 steps, state_dict into a fresh optimiser over the same parameters, 5 more: the 10 steps of one run."""
    straight = _train(nbt, OPTIMISERS[name], "float64", 10)[1]
    _, params, first = _train(nbt, OPTIMISERS[name], "float64", 5)
    ps = [nbt.tensor(p, requires_grad=True) for p in params]
    second = eval(f"nbt.optim.{OPTIMISERS[name]}", {"nbt": nbt, "ps": ps})
    second.load_state_dict(first.state_dict())
    resumed = _train(nbt, None, "float64", 5, opt=second, ps=ps)[1]
    for a, b in zip(resumed, straight):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_add_param_group_and_zero_grad():
    a, b = nbt.ones(2, requires_grad=True), nbt.ones(1, requires_grad=True)
    opt = nbt.optim.SGD([a], lr=0.5, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.1})
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1] and opt.param_groups[1]["momentum"] == 0.9
    ((a * 2).sum() + (b * 3).sum()).backward()
    opt.step()
    assert a.tolist() == [0.0, 0.0] and b.tolist() == pytest.approx([0.7])
    opt.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert a.grad is None
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


P = "p = torch.ones(2, requires_grad=True)"


@needs_torch
@pytest.mark.parametrize("expr", [
    "torch.optim.Adam([p], lr=-1)", "torch.optim.Adam([p], eps=-1)", "torch.optim.Adam([p], betas=(1.0, 0.9))",
    "torch.optim.Adam([p], betas=(0.9, -0.1))", "torch.optim.AdamW([p], weight_decay=-1)",
    "torch.optim.RMSprop([p], alpha=-1)", "torch.optim.RMSprop([p], momentum=-1)",
    "torch.optim.Adagrad([p], lr_decay=-1)", "torch.optim.Adagrad([p], initial_accumulator_value=-1)",
    "torch.optim.SGD([p], lr=0.1, nesterov=True)", "torch.optim.Adam(p)", "torch.optim.Adam([p * 2])",
    "torch.optim.RMSprop([])",
])
def test_refusals_match_pytorch(expr):
    outcomes = []
    for ns in (nbt, real_torch):
        scope = {"torch": ns}
        exec(P, scope)
        try:
            eval(expr, scope)
            outcomes.append(None)
        except Exception as e:  # noqa: BLE001  (the exception is what is compared)
            outcomes.append((type(e).__name__, str(e).splitlines()[0]))
    assert outcomes[0] == outcomes[1] and outcomes[0] is not None


SCHEDULES = {
    "StepLR": "StepLR(opt, step_size=4, gamma=0.5)",
    "MultiStepLR": "MultiStepLR(opt, milestones=[3, 7, 7, 12], gamma=0.3)",
    "ExponentialLR": "ExponentialLR(opt, gamma=0.9)",
    "LambdaLR": "LambdaLR(opt, lr_lambda=lambda e: 1 / (1 + e))",
    "LambdaLR per group": "LambdaLR(opt, lr_lambda=[lambda e: 0.95 ** e, lambda e: e % 3 + 1])",
    "CosineAnnealingLR": "CosineAnnealingLR(opt, T_max=6, eta_min=0.001)",
    "ReduceLROnPlateau": "ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=2, min_lr=[0.01, 0.002])",
    "ReduceLROnPlateau max abs": "ReduceLROnPlateau(opt, mode='max', threshold=0.05, threshold_mode='abs', patience=1)",
}
METRICS = [5.0, 4.0, 4.0, 4.1, 3.9, 3.9, 3.9, 3.9, 2.0, 2.5, 2.5, 2.5, 2.5, 2.4, 2.6, 2.6, 2.6, 2.6, 2.6, 2.6]


def _schedule(ns, spec: str, epochs: int = 20):
    """An SGD with two groups stepped under the schedule: (the rates after each epoch, optimiser, schedule)."""
    a, b = ns.ones(2, requires_grad=True), ns.ones(1, requires_grad=True)
    opt = ns.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.02}], lr=0.1, momentum=0.9)
    sched = eval(f"ns.optim.lr_scheduler.{spec}", {"ns": ns, "opt": opt})
    rates = []
    for epoch in range(epochs):
        (a.sum() + b.sum()).backward()
        opt.step()
        opt.zero_grad()
        sched.step(METRICS[epoch]) if "Plateau" in spec else sched.step()
        rates.append(sched.get_last_lr())
    return rates, opt, sched


@needs_torch
@pytest.mark.parametrize("name", SCHEDULES)
def test_schedules_give_pytorchs_rates(name):
    (ours, opt, sched), (theirs, real_opt, real_sched) = _schedule(nbt, SCHEDULES[name]), \
        _schedule(real_torch, SCHEDULES[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    assert len({tuple(r) for r in ours}) > 2  # the rate changed, more than once
    assert repr(opt) == repr(real_opt)  # (initial_lr in the groups, as PyTorch's)
    for key in ("last_epoch", "base_lrs", "_last_lr", "_step_count", "best", "num_bad_epochs", "cooldown_counter"):
        if hasattr(real_sched, key):
            assert getattr(sched, key) == getattr(real_sched, key), key


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR"])
def test_a_given_epoch_uses_the_closed_form_as_pytorch(name):
    rates = []
    for ns in (nbt, real_torch):
        opt = ns.optim.SGD([ns.ones(1, requires_grad=True)], lr=0.1)
        sched = eval(f"ns.optim.lr_scheduler.{SCHEDULES[name]}", {"ns": ns, "opt": opt})
        with pytest.warns(UserWarning, match="epoch parameter"):
            for epoch in (5, 9, 2):
                opt.step()
                sched.step(epoch)
        rates.append(sched.get_last_lr())
    assert rates[0] == pytest.approx(rates[1], rel=1e-15)


@needs_torch
def test_a_schedule_stepped_before_the_optimiser_warns_as_pytorch():
    messages = []
    for ns in (nbt, real_torch):
        opt = ns.optim.Adam([ns.ones(1, requires_grad=True)], lr=0.1)
        sched = ns.optim.lr_scheduler.StepLR(opt, step_size=1)
        with pytest.warns(UserWarning) as caught:
            sched.step()
        messages.append(str(caught[0].message))
    assert messages[0] == messages[1] and "before `optimizer.step()`" in messages[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt = nbt.optim.SGD([nbt.ones(1, requires_grad=True)], lr=0.1)
        sched = nbt.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        opt.step()
        sched.step()  # the right order: no warning
    assert sched.get_last_lr() == [0.05]


MORE_SCHEDULES = {
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.25, total_iters=4),
    "LinearLR down": lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=6),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=3),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=8, power=2.0),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    "CosineAnnealingWarmRestarts T_mult 1": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=4),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=20),
    "OneCycleLR three phases": lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.2], epochs=4, steps_per_epoch=5,
                                                        three_phase=True, anneal_strategy="linear"),
    "SequentialLR warm-up then cosine": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=3),
                                                                        L.CosineAnnealingLR(o, T_max=10)],
                                                                    milestones=[3]),
    "SequentialLR of three": lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.5, total_iters=2),
                                                             L.ExponentialLR(o, 0.9), L.StepLR(o, 3)],
                                                         milestones=[2, 6]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.LinearLR(o, start_factor=0.2, total_iters=4),
                                                         L.ExponentialLR(o, gamma=0.9)]),
}


@needs_torch
@pytest.mark.parametrize("name", list(MORE_SCHEDULES))
def test_more_schedules_give_pytorchs_rates(name):
    """20 steps of each schedule on two parameter groups: the rates (and OneCycleLR's momentum) PyTorch sets."""
    runs = []
    for ns in (real_torch, nbt):
        w, v = ns.nn.Parameter(ns.ones(2)), ns.nn.Parameter(ns.ones(1))
        opt = ns.optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.05}], lr=0.1, momentum=0.9)
        sched = MORE_SCHEDULES[name](ns.optim.lr_scheduler, opt)
        rates = []
        for _ in range(20):
            opt.step()
            sched.step()
            rates.append([g["lr"] for g in opt.param_groups] + [g["momentum"] for g in opt.param_groups])
        runs.append((rates, sched.get_last_lr()))
    np.testing.assert_allclose(np.array(runs[1][0]), np.array(runs[0][0]), rtol=1e-12)
    np.testing.assert_allclose(runs[1][1], runs[0][1], rtol=1e-12)


def _rosenbrock_lbfgs(ns, dtype, steps=4, **options):
    """``steps`` LBFGS steps on the 4-d Rosenbrock function: the iterate, the losses, the closure calls, the state."""
    x = ns.tensor([-1.5, 2.0, 0.5, -0.3], dtype=getattr(ns, dtype), requires_grad=True)
    opt = ns.optim.LBFGS([x], **options)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
        loss.backward()
        calls.append(float(loss))
        return loss

    losses = [float(opt.step(closure)) for _ in range(steps)]
    state = opt.state[x]
    return (x.detach().numpy().copy(), losses, calls, state["func_evals"], state["n_iter"], len(state["old_dirs"]),
            float(state["t"]), sorted(state))


@needs_torch
@pytest.mark.parametrize("options", [{}, {"line_search_fn": "strong_wolfe"}, {"history_size": 3},
                                     {"history_size": 3, "line_search_fn": "strong_wolfe", "max_iter": 7},
                                     {"lr": 0.5, "max_iter": 4, "max_eval": 5},
                                     {"line_search_fn": "strong_wolfe", "lr": 5}])  # (the last one zooms)
def test_lbfgs_takes_pytorchs_steps(options):
    """float64: every closure call and the state match PyTorch's (the same two-loop recursion and line search)."""
    ours, theirs = (_rosenbrock_lbfgs(ns, "float64", **options) for ns in (nbt, real_torch))
    for a, b in zip(ours[:3] + ours[6:7], theirs[:3] + theirs[6:7]):  # (dot products: another BLAS, another order)
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)
    assert ours[3:6] + ours[7:] == theirs[3:6] + theirs[7:]


@needs_torch
def test_lbfgs_fits_a_linear_model_as_pytorch():
    """float32 least squares through nn.Linear with the strong-Wolfe search: the same fit, to float32 rounding."""
    rng = np.random.default_rng(0)
    X, w = rng.standard_normal((50, 3)).astype(np.float32), rng.standard_normal((1, 3)).astype(np.float32)
    Y = X @ np.array([[1.5], [-2.0], [0.5]], np.float32) + 0.3
    fits = []
    for ns in (nbt, real_torch):
        model = ns.nn.Linear(3, 1)
        with ns.no_grad():
            model.weight.copy_(ns.tensor(w))
            model.bias.zero_()
        opt = ns.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")

        def closure(model=model, opt=opt, ns=ns):
            opt.zero_grad()
            loss = ns.nn.functional.mse_loss(model(ns.tensor(X)), ns.tensor(Y))
            loss.backward()
            return loss

        first = opt.step(closure)
        fits.append((float(first), model.weight.detach().numpy().copy(), float(model.bias)))
    np.testing.assert_allclose(fits[0][0], fits[1][0], rtol=1e-5)
    np.testing.assert_allclose(fits[0][1], fits[1][1], rtol=1e-4)
    np.testing.assert_allclose(fits[0][1], [[1.5, -2.0, 0.5]], rtol=1e-4)
    np.testing.assert_allclose(fits[0][2], fits[1][2], rtol=1e-4)


@needs_torch
@pytest.mark.parametrize("call", [
    "LBFGS([{'params': [w]}, {'params': [v]}])",
    "LBFGS([w], lr=-1)",
])
def test_lbfgs_refusals_as_pytorch(call):
    errors = []
    for ns in (nbt, real_torch):
        w, v = ns.ones(2, requires_grad=True), ns.ones(1, requires_grad=True)
        with pytest.raises(ValueError) as info:
            eval("ns.optim." + call, {"ns": ns, "w": w, "v": v})  # noqa: S307  (the test's own calls)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_lbfgs_line_search_must_be_strong_wolfe():
    w = nbt.ones(2, requires_grad=True)
    opt = nbt.optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(lambda: (w * w).sum().backward() or (w * w).sum())


@needs_torch
@pytest.mark.parametrize("case", ["bumpy", "quartic"])
def test_lbfgs_line_search_zooms_as_pytorch(case):
    """1-d functions whose strong-Wolfe search interpolates without bounds, clamps away from the bracket's ends and
    swaps the bracket (the branches the Rosenbrock runs never take): PyTorch's closure calls, one by one."""
    f, x0, lr = {"bumpy": (lambda ns, x: ((x - 0.3).abs() ** 1.5).sum() + ns.cos(x * 5).sum(), 3.0, 10),
                 "quartic": (lambda ns, x: (x ** 4 - 3 * x ** 2 + x).sum(), 3.0, 0.1)}[case]
    runs = []
    for ns in (nbt, real_torch):
        x = ns.tensor([x0], dtype=ns.float64, requires_grad=True)
        opt = ns.optim.LBFGS([x], lr=lr, line_search_fn="strong_wolfe")
        calls = []

        def closure(ns=ns, x=x, opt=opt, calls=calls):
            opt.zero_grad()
            loss = f(ns, x)
            loss.backward()
            calls.append(float(loss.detach()))
            return loss

        for _ in range(3):
            opt.step(closure)
        runs.append((float(x.detach()), calls))
    assert len(runs[0][1]) == len(runs[1][1])
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-9)
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-9)
