"""torch.distributions on the own engine against real PyTorch: log_prob / entropy / mean / variance / stddev / cdf /
icdf / kl_divergence values and their gradients w.r.t. the parameters (float32 and float64), batch and event
shapes, sample shapes and dtypes, expand, repr, support and arg_constraints, PyTorch's validation errors (type and
first line), and samples from the engine's generator: their statistics and reparameterised gradients."""

from __future__ import annotations

import doctest
import math
import warnings

import nbautodiff.torch.distributions  # noqa: F401  (the follower of the own module)
import numpy as np
import pytest

import nbautodiff.torch as nbt

from .conftest import needs_torch, real_torch

pytestmark = needs_torch

R = np.random.default_rng(7)
V3 = np.array([0.3, -1.2, 2.0])
POS3 = np.array([0.5, 1.3, 2.2])
P3 = np.array([0.2, 0.55, 0.9])
SPD = np.array([[2.0, 0.6, 0.2], [0.6, 1.5, -0.3], [0.2, -0.3, 1.0]])
SPD2 = np.stack([SPD, np.array([[1.0, 0.1, 0.0], [0.1, 2.0, 0.5], [0.0, 0.5, 3.0]])])
TRIL = np.linalg.cholesky(SPD)
PROBS = np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.4, 0.1]])
LOGITS = np.array([[0.3, -1.0, 2.0, 0.5], [1.5, 0.0, -0.5, 0.2]])
U3 = np.array([0.1, 0.5, 0.85])

# name: (constructor over D with the parameters p, the parameters, the expressions of d, v (the value), u)
CASES = {
    "Normal": ("D.Normal(p['loc'], p['scale'])", {"loc": V3, "scale": POS3}, V3[::-1].copy()),
    "Normal broadcast": ("D.Normal(p['loc'], p['scale'])", {"loc": np.array([[0.1], [-0.4]]), "scale": POS3},
                         R.standard_normal((4, 2, 3))),
    "Normal numbers": ("D.Normal(0.5, p['scale'])", {"scale": POS3}, V3),
    "Uniform": ("D.Uniform(p['low'], p['high'])", {"low": V3 - 1, "high": V3 + POS3}, V3 + 0.1),
    "Uniform unvalidated": ("D.Uniform(p['low'], p['high'], validate_args=False)", {"low": V3 - 1, "high": V3 + POS3},
                            V3 + 0.1),
    "Bernoulli probs": ("D.Bernoulli(probs=p['probs'])", {"probs": P3}, np.array([1.0, 0.0, 1.0])),
    "Bernoulli logits": ("D.Bernoulli(logits=p['logits'])", {"logits": V3}, np.array([[0.0, 0.0, 1.0]] * 2)),
    "Categorical probs": ("D.Categorical(probs=p['probs'])", {"probs": PROBS * 3}, np.array([[3, 0], [1, 2]])),
    "Categorical logits": ("D.Categorical(logits=p['logits'])", {"logits": LOGITS}, np.array([2, 1])),
    "OneHotCategorical": ("D.OneHotCategorical(logits=p['logits'])", {"logits": LOGITS}, np.eye(4)[[1, 3]]),
    "OneHotCategorical probs": ("D.OneHotCategorical(probs=p['probs'])", {"probs": PROBS}, np.eye(4)[[[0, 3]]]),
    "Exponential": ("D.Exponential(p['rate'])", {"rate": POS3}, POS3[::-1].copy()),
    "Laplace": ("D.Laplace(p['loc'], p['scale'])", {"loc": V3, "scale": POS3}, np.array([0.1, -1.2, 3.0])),
    "Geometric probs": ("D.Geometric(probs=p['probs'])", {"probs": P3}, np.array([0.0, 3.0, 1.0])),
    "Geometric logits": ("D.Geometric(logits=p['logits'])", {"logits": V3}, np.array([2.0, 0.0, 5.0])),
    "Geometric certain": ("D.Geometric(probs=p['probs'])", {"probs": np.array([1.0, 0.5])}, np.array([0.0, 2.0])),
    "Poisson": ("D.Poisson(p['rate'])", {"rate": POS3 * 3}, np.array([0.0, 4.0, 7.0])),
    "Poisson zero rate": ("D.Poisson(p['rate'])", {"rate": np.array([0.0, 2.0])}, np.array([0.0, 1.0])),
    "Binomial probs": ("D.Binomial(10, probs=p['probs'])", {"probs": P3}, np.array([0.0, 4.0, 10.0])),
    "Binomial logits": ("D.Binomial(p['n'], logits=p['logits'])", {"n": np.array([5.0, 5.0, 5.0]), "logits": V3},
                        np.array([[1.0, 5.0, 2.0]])),
    "MVN scale_tril": ("D.MultivariateNormal(p['loc'], scale_tril=p['L'])", {"loc": V3, "L": TRIL},
                       R.standard_normal((5, 3))),
    "MVN covariance": ("D.MultivariateNormal(p['loc'], covariance_matrix=p['S'])",
                       {"loc": np.array([V3, POS3]), "S": SPD2}, R.standard_normal((4, 2, 3))),
    "MVN precision": ("D.MultivariateNormal(p['loc'], precision_matrix=p['P'])", {"loc": V3, "P": SPD},
                      R.standard_normal((2, 3))),
    "MVN batched loc": ("D.MultivariateNormal(p['loc'], covariance_matrix=p['S'])",
                        {"loc": R.standard_normal((2, 3)), "S": SPD}, V3),
    "Independent Normal": ("D.Independent(D.Normal(p['loc'], p['scale']), 1)",
                           {"loc": np.array([V3, V3 * 2]), "scale": np.array([POS3, P3])},
                           R.standard_normal((3, 2, 3))),
    "Independent Bernoulli 2": ("D.Independent(D.Bernoulli(logits=p['logits']), 2)",
                                {"logits": np.array([V3, -V3])}, np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])),
}
EXPRS = {
    "Normal": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.stddev", "d.mode", "d.cdf(v)",
               "d.icdf(u)", "d.perplexity()"],
    "Normal broadcast": ["d.log_prob(v)", "d.entropy()", "d.cdf(v)", "d.icdf(u)"],
    "Normal numbers": ["d.log_prob(v)", "d.entropy()", "d.mean"],
    "Uniform": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.stddev", "d.cdf(v)", "d.icdf(u)",
                "d.cdf(v * 0.9)"],
    "Uniform unvalidated": ["d.log_prob(v - 5)", "d.log_prob(v + 2)", "d.cdf(v + 9)"],
    "Bernoulli probs": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.stddev", "d.logits",
                        "d.enumerate_support()", "d.mode"],
    "Bernoulli logits": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.probs"],
    "Categorical probs": ["d.log_prob(v)", "d.entropy()", "d.probs", "d.logits", "d.mode", "d.mean",
                          "d.enumerate_support()"],
    "Categorical logits": ["d.log_prob(v)", "d.entropy()", "d.probs", "d.logits", "d.variance",
                           "d.enumerate_support(expand=False)"],
    "OneHotCategorical": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.mode", "d.probs",
                          "d.enumerate_support()"],
    "OneHotCategorical probs": ["d.log_prob(v)", "d.entropy()", "d.logits"],
    "Exponential": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.stddev", "d.mode", "d.cdf(v)",
                    "d.icdf(u)"],
    "Laplace": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.stddev", "d.cdf(v)", "d.icdf(u)"],
    "Geometric probs": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.logits"],
    "Geometric logits": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.probs"],
    "Geometric certain": ["d.log_prob(v)"],
    "Poisson": ["d.log_prob(v)", "d.mean", "d.variance", "d.mode"],
    "Poisson zero rate": ["d.log_prob(v)"],
    "Binomial probs": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.mode", "d.logits",
                       "d.enumerate_support()"],
    "Binomial logits": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.probs"],
    "MVN scale_tril": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance", "d.covariance_matrix",
                       "d.precision_matrix"],
    "MVN covariance": ["d.log_prob(v)", "d.entropy()", "d.variance", "d.scale_tril", "d.precision_matrix",
                       "d.stddev"],
    "MVN precision": ["d.log_prob(v)", "d.entropy()", "d.scale_tril", "d.covariance_matrix"],
    "MVN batched loc": ["d.log_prob(v)", "d.entropy()", "d.covariance_matrix"],
    "Independent Normal": ["d.log_prob(v)", "d.entropy()", "d.mean", "d.variance"],
    "Independent Bernoulli 2": ["d.log_prob(v)", "d.entropy()", "d.mean"],
}
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def run(ns, make: str, params: dict, expr: str, value, dtype: str, u=U3):
    """``(the result, the gradients of its weighted sum w.r.t. each parameter)`` on the namespace ``ns``."""
    dt = getattr(ns, dtype)
    p = {k: ns.tensor(a, dtype=dt, requires_grad=True) for k, a in params.items()}
    v = ns.tensor(value, dtype=dt if value.dtype.kind == "f" else None)
    env = {"D": ns.distributions, "p": p, "v": v, "u": ns.tensor(u, dtype=dt), "torch": ns, "math": math}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = eval(make, env)
        out = eval(expr, {**env, "d": d})
    grads = [None] * len(p)
    if out.requires_grad:
        w = ns.tensor(np.random.default_rng(1).uniform(0.5, 1.5, tuple(out.shape)), dtype=out.dtype)
        grads = ns.autograd.grad((out * w).sum(), list(p.values()), allow_unused=True)
    return out, [None if g is None else g.numpy() for g in grads]


def close(ours, theirs, dtype):
    np.testing.assert_allclose(ours, theirs, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case, expr", [(c, e) for c, es in EXPRS.items() for e in es])
def test_values_and_gradients_match_pytorch(case, expr, dtype):
    make, params, value = CASES[case]
    (o, og), (t, tg) = (run(ns, make, params, expr, value, dtype) for ns in (nbt, real_torch))
    assert str(o.dtype) == str(t.dtype) and tuple(o.shape) == tuple(t.shape), (o.dtype, t.dtype, o.shape, t.shape)
    assert o.requires_grad == t.requires_grad
    close(o.detach().numpy(), t.detach().numpy(), dtype)
    for a, b in zip(og, tg):
        assert (a is None) == (b is None)
        if a is not None:
            close(a, b, dtype)


KL = {
    "Normal": ("D.Normal(p['a'], p['b'])", {"a": V3, "b": POS3}, "D.Normal(p['c'], p['e'])", {"c": -V3, "e": P3}),
    "Normal batch broadcast": ("D.Normal(p['a'], p['b'])", {"a": V3, "b": POS3}, "D.Normal(p['c'], 2.)",
                               {"c": np.array([[0.5], [-1.0]])}),
    "Bernoulli": ("D.Bernoulli(probs=p['a'])", {"a": P3}, "D.Bernoulli(logits=p['c'])", {"c": V3}),
    "Bernoulli at 0 and 1": ("D.Bernoulli(probs=p['a'])", {"a": np.array([0.0, 1.0, 0.3, 0.3])},
                             "D.Bernoulli(probs=p['c'])", {"c": np.array([0.2, 0.5, 0.0, 1.0])}),
    "Categorical": ("D.Categorical(probs=p['a'])", {"a": PROBS}, "D.Categorical(logits=p['c'])", {"c": LOGITS}),
    "Categorical zeros": ("D.Categorical(probs=p['a'])", {"a": np.array([0.0, 0.5, 0.5])},
                          "D.Categorical(probs=p['c'])", {"c": np.array([0.5, 0.0, 0.5])}),
    "OneHotCategorical": ("D.OneHotCategorical(logits=p['a'])", {"a": LOGITS},
                          "D.OneHotCategorical(probs=p['c'])", {"c": PROBS}),
    "Uniform": ("D.Uniform(p['a'], p['b'])", {"a": V3, "b": V3 + 1}, "D.Uniform(p['c'], p['e'])",
                {"c": V3 - np.array([0.5, -0.1, 1.0]), "e": V3 + 2}),
    "Exponential": ("D.Exponential(p['a'])", {"a": POS3}, "D.Exponential(p['c'])", {"c": P3}),
    "Laplace": ("D.Laplace(p['a'], p['b'])", {"a": V3, "b": POS3}, "D.Laplace(p['c'], p['e'])", {"c": -V3, "e": P3}),
    "Geometric": ("D.Geometric(probs=p['a'])", {"a": P3}, "D.Geometric(logits=p['c'])", {"c": V3}),
    "Poisson": ("D.Poisson(p['a'])", {"a": POS3}, "D.Poisson(p['c'])", {"c": P3}),
    "Binomial": ("D.Binomial(p['n'], probs=p['a'])", {"n": np.array([3.0, 5.0, 5.0]), "a": P3},
                 "D.Binomial(p['m'], logits=p['c'])", {"m": np.array([3.0, 4.0, 5.0]), "c": -V3}),
    "MVN": ("D.MultivariateNormal(p['a'], covariance_matrix=p['S'])", {"a": V3, "S": SPD},
            "D.MultivariateNormal(p['c'], scale_tril=p['L'])", {"c": POS3, "L": np.linalg.cholesky(SPD2)}),
    "MVN precision": ("D.MultivariateNormal(p['a'], precision_matrix=p['P'])", {"a": np.array([V3, -V3]), "P": SPD},
                      "D.MultivariateNormal(p['c'], covariance_matrix=p['S'])", {"c": POS3, "S": SPD2[1]}),
    "Independent": ("D.Independent(D.Normal(p['a'], p['b']), 1)", {"a": V3, "b": POS3},
                    "D.Independent(D.Normal(p['c'], p['e']), 1)", {"c": -V3, "e": P3}),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(KL))
def test_kl_divergence_matches_pytorch(case, dtype):
    make_p, pp, make_q, qp = KL[case]
    params = {**pp, **qp}
    make = f"({make_p}, {make_q})"
    expr = "D.kl_divergence(*d)"
    (o, og), (t, tg) = (run(ns, make, params, expr, np.zeros(1), dtype) for ns in (nbt, real_torch))
    assert str(o.dtype) == str(t.dtype) and tuple(o.shape) == tuple(t.shape)
    close(o.detach().numpy(), t.detach().numpy(), dtype)
    for a, b in zip(og, tg):
        assert (a is None) == (b is None)
        if a is not None:
            close(a, b, dtype)


def test_kl_registry_dispatch_and_submodule_paths():
    from nbautodiff.torch.distributions import constraints, kl
    from nbautodiff.torch.distributions.kl import kl_divergence, register_kl
    from nbautodiff.torch.distributions.normal import Normal

    D = nbt.distributions
    assert Normal is D.Normal and kl_divergence is D.kl_divergence and kl.register_kl is register_kl
    assert constraints.positive is D.constraints.positive
    assert D.normal.Normal is D.Normal and D.multivariate_normal.MultivariateNormal is D.MultivariateNormal
    assert D.independent.Independent is D.Independent and D.poisson.Poisson is D.Poisson

    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    assert D.kl_divergence(p, q).item() == pytest.approx(D.kl_divergence(D.Normal(0.0, 1.0), q).item())

    @register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return nbt.tensor(-7.0)

    assert D.kl_divergence(p, q).item() == -7.0 and D.kl_divergence(q, q).item() == 0.0
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Normal and q type"
                                                  " Laplace"):
        D.kl_divergence(q, D.Laplace(0.0, 1.0))
    assert type(D.kl_divergence(D.Uniform(0.0, 1.0), D.Uniform(0.5, 2.0))).__name__ == "Tensor"


# shapes, flags, repr, support: the same as PyTorch's
SHAPES = [
    "D.Normal(0., 1.)",
    "D.Normal(torch.zeros(2, 1), torch.ones(3))",
    "D.Normal(torch.tensor(0.), 1.)",
    "D.Uniform(torch.zeros(3), 2.)",
    "D.Bernoulli(torch.tensor([0.3, 0.6]))",
    "D.Bernoulli(logits=0.5)",
    "D.Categorical(torch.ones(2, 3, 4))",
    "D.Categorical(logits=torch.zeros(5))",
    "D.OneHotCategorical(torch.ones(2, 4))",
    "D.Exponential(torch.ones(2, 2))",
    "D.Exponential(2.)",
    "D.Laplace(torch.zeros(3), torch.ones(3))",
    "D.Geometric(torch.tensor([0.2, 0.7]))",
    "D.Poisson(torch.tensor([0.5, 3.]))",
    "D.Binomial(4, torch.tensor([0.5, 0.3]))",
    "D.Binomial(torch.tensor([[2.], [3.]]), logits=torch.zeros(3))",
    "D.MultivariateNormal(torch.zeros(2, 3), torch.eye(3))",
    "D.MultivariateNormal(torch.zeros(3), scale_tril=torch.eye(3).expand(4, 3, 3))",
    "D.MultivariateNormal(torch.zeros(3), precision_matrix=torch.eye(3))",
    "D.Independent(D.Normal(torch.zeros(2, 3), torch.ones(2, 3)), 1)",
    "D.Independent(D.MultivariateNormal(torch.zeros(2, 3), torch.eye(3)), 1)",
    "D.Independent(D.Bernoulli(torch.full((2, 3), 0.5)), 2)",
]


def describe(ns, expr: str, dtype: str = "float32"):
    ns.set_default_dtype(getattr(ns, dtype))
    try:
        d = eval(expr, {"D": ns.distributions, "torch": ns})
        out = [tuple(d.batch_shape), tuple(d.event_shape), repr(d.batch_shape), d.has_rsample,
               d.has_enumerate_support, repr(d.support), {k: repr(c) for k, c in d.arg_constraints.items()}]
        for shape in [(), (5,), (2, 3)]:
            s = d.sample(shape)
            out += [tuple(s.shape), str(s.dtype), s.requires_grad]
            if d.has_rsample:
                out += [tuple(d.rsample(shape).shape)]
        e = d.expand((4, *d.batch_shape))
        out += [tuple(e.batch_shape), tuple(e.event_shape), type(e).__name__, tuple(e.sample((2,)).shape),
                tuple(e.log_prob(e.sample()).shape), repr(e)]
        out += [repr(d), tuple(d.log_prob(d.sample((2,))).shape)]
        try:
            out += [tuple(d.entropy().shape)]
        except NotImplementedError as e:
            out += [f"NotImplementedError: {e}"]
        return out
    finally:
        ns.set_default_dtype(ns.float32)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("expr", SHAPES)
def test_shapes_flags_repr_and_support_match_pytorch(expr, dtype):
    assert describe(nbt, expr, dtype) == describe(real_torch, expr, dtype)


def test_validation_switches():
    D = nbt.distributions
    assert D.Distribution._validate_args is True
    d = D.Normal(nbt.tensor([0.0]), nbt.tensor([-1.0]), validate_args=False)
    assert math.isnan(d.log_prob(nbt.tensor([0.0])).item())
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0)
        assert D.Normal(0.0, 1.0).log_prob(nbt.tensor([1.0, 2.0])).shape == (2,)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    e = D.Normal(0.0, 1.0, validate_args=False).expand((2,))
    assert e._validate_args is False and D.Normal(0.0, 1.0).expand((2,))._validate_args is True


REFUSALS = [
    "D.Normal(torch.zeros(2), torch.tensor([1., -1.]))",
    "D.Normal(torch.tensor([float('nan')]), 1.)",
    "D.Normal(0., 1.).log_prob(1.)",
    "D.Normal(torch.zeros(2), 1.).log_prob(torch.zeros(3))",
    "D.Normal(torch.zeros(2), torch.ones(2)).log_prob(torch.tensor([0., float('nan')]))",
    "D.Normal('a', 1.)",
    "D.Uniform(torch.tensor([0., 2.]), torch.tensor([1., 1.]))",
    "D.Uniform(0., 1.).log_prob(torch.tensor(2.))",
    "D.Uniform(0., 1.).cdf(torch.tensor(-1.))",
    "D.Bernoulli(torch.tensor([1.5]))",
    "D.Bernoulli()",
    "D.Bernoulli(0.5, logits=0.)",
    "D.Bernoulli(0.5).log_prob(torch.tensor(0.5))",
    "D.Categorical(torch.tensor([0.5, -0.5]))",
    "D.Categorical(torch.tensor(0.5))",
    "D.Categorical(logits=torch.tensor(0.5))",
    "D.Categorical(torch.tensor([0.5, 0.5]), torch.tensor([0., 0.]))",
    "D.Categorical(logits=torch.tensor([float('nan'), 0.]))",
    "D.Categorical(torch.ones(3)).log_prob(torch.tensor([3]))",
    "D.Categorical(torch.ones(3)).log_prob(torch.tensor([1.5]))",
    "D.Categorical(torch.ones(2, 3)).log_prob(torch.tensor([0, 1, 2]))",
    "D.OneHotCategorical(torch.ones(3)).log_prob(torch.tensor([1., 1., 0.]))",
    "D.OneHotCategorical(torch.ones(3)).log_prob(torch.tensor([1., 0.]))",
    "D.Exponential(torch.tensor([0.]))",
    "D.Exponential(1.).log_prob(torch.tensor(-1.))",
    "D.Laplace(0., torch.tensor(-2.))",
    "D.Geometric(torch.tensor([0., 0.5]))",
    "D.Geometric(torch.tensor([1.2]))",
    "D.Geometric(0.5).log_prob(torch.tensor(1.5))",
    "D.Poisson(torch.tensor([-1.]))",
    "D.Poisson(2.).log_prob(torch.tensor(1.5))",
    "D.Binomial(torch.tensor([2.5]), torch.tensor([0.5]))",
    "D.Binomial(3, torch.tensor([0.5])).log_prob(torch.tensor([4.]))",
    "D.Binomial(3)",
    "D.Binomial(torch.tensor([2., 3.]), torch.tensor([0.5, 0.5])).entropy()",
    "D.kl_divergence(D.Binomial(2, torch.tensor([0.5])), D.Binomial(3, torch.tensor([0.5])))",
    "D.MultivariateNormal(torch.zeros(2), torch.tensor([[1., 2.], [2., 1.]]))",
    "D.MultivariateNormal(torch.zeros(2), torch.tensor([[1., 0.5], [0., 1.]]))",
    "D.MultivariateNormal(torch.zeros(2), scale_tril=torch.tensor([[1., 1.], [0., 1.]]))",
    "D.MultivariateNormal(torch.zeros(2), scale_tril=torch.tensor([[1., 0.], [0., -1.]]))",
    "D.MultivariateNormal(torch.zeros(2), precision_matrix=-torch.eye(2))",
    "D.MultivariateNormal(torch.zeros(2), torch.eye(2), scale_tril=torch.eye(2))",
    "D.MultivariateNormal(torch.zeros(2))",
    "D.MultivariateNormal(torch.tensor(0.), torch.eye(2))",
    "D.MultivariateNormal(torch.zeros(2), torch.ones(2))",
    "D.MultivariateNormal(torch.zeros(2), scale_tril=torch.ones(2))",
    "D.MultivariateNormal(torch.zeros(2), torch.tensor([[1., 2.], [2., 1.]]), validate_args=False)",
    "D.MultivariateNormal(torch.zeros(2), torch.eye(2)).log_prob(torch.zeros(3))",
    "D.MultivariateNormal(torch.zeros(2), torch.eye(2)).log_prob(torch.tensor([0., float('nan')]))",
    "D.Independent(D.Normal(torch.zeros(2), 1.), 2)",
    "D.Independent(D.Normal(torch.zeros(2), 1.), 1).log_prob(torch.zeros(3))",
    "D.kl_divergence(D.MultivariateNormal(torch.zeros(2), torch.eye(2)), "
    "D.MultivariateNormal(torch.zeros(3), torch.eye(3)))",
    "D.kl_divergence(D.Independent(D.Normal(torch.zeros(2, 2), 1.), 1), "
    "D.Independent(D.Normal(torch.zeros(2, 2), 1.), 2))",
    "D.Normal(0., 1.).enumerate_support()",
    "D.Independent(D.Bernoulli(torch.full((2,), 0.5)), 1).enumerate_support()",
    "D.Normal(0., 1.).expand((2,)).expand((3,)).log_prob(torch.zeros(2))",
]


def refusal(ns, expr: str):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eval(expr, {"D": ns.distributions, "torch": ns})
    except Exception as e:  # noqa: BLE001  (the type and first line are what is compared)
        return type(e).__name__, str(e).splitlines()[0] if str(e) else ""
    return None


@pytest.mark.parametrize("expr", REFUSALS)
def test_refusals_match_pytorch(expr):
    theirs = refusal(real_torch, expr)
    assert theirs is not None, f"PyTorch accepts {expr}"
    assert refusal(nbt, expr) == theirs


# sampling: the engine's own stream; statistics within a few standard errors, gradients reparameterised
STATS = [
    ("D.Normal(torch.tensor([0.5, -2.]), torch.tensor([1., 3.]))", None),
    ("D.Uniform(torch.tensor([0., -1.]), torch.tensor([2., 5.]))", None),
    ("D.Bernoulli(torch.tensor([0.1, 0.5, 0.9]))", None),
    ("D.Categorical(torch.tensor([0.1, 0., 0.6, 0.3]))", "onehot"),
    ("D.Categorical(logits=torch.tensor([[0., 1., 2.], [3., 0., 0.]]))", "onehot"),
    ("D.OneHotCategorical(torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.4, 0.]]))", None),
    ("D.Exponential(torch.tensor([0.5, 4.]))", None),
    ("D.Laplace(torch.tensor([1., -1.]), torch.tensor([0.5, 2.]))", None),
    ("D.Geometric(torch.tensor([0.3, 0.8]))", None),
    ("D.Poisson(torch.tensor([0.3, 4., 50.]))", None),
    ("D.Binomial(torch.tensor([1., 10., 30.]), torch.tensor([0.5, 0.1, 0.7]))", None),
    ("D.MultivariateNormal(torch.tensor([1., 2., 3.]), torch.tensor([[2., 0.6, 0.2], [0.6, 1.5, -0.3], "
     "[0.2, -0.3, 1.]]))", "cov"),
    ("D.Independent(D.Normal(torch.zeros(2, 2), torch.ones(2, 2) * 2), 1)", None),
]
N = 20000


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("expr, kind", STATS)
def test_sample_statistics(expr, kind, dtype):
    nbt.manual_seed(0)
    nbt.set_default_dtype(getattr(nbt, dtype))
    try:
        d = eval(expr, {"D": nbt.distributions, "torch": nbt})
        s = d.sample((N,))
    finally:
        nbt.set_default_dtype(nbt.float32)
    x = s.numpy().astype(np.float64)
    if kind == "onehot":  # category frequencies
        k = d.probs.shape[-1]
        x = np.eye(k)[s.numpy()]
        mean, var = d.probs.numpy(), (d.probs * (1 - d.probs)).numpy()
    else:
        mean, var = d.mean.numpy(), d.variance.numpy()
    assert x.shape == (N, *d.batch_shape, *d.event_shape, *(x.shape[len(s.shape):]))
    se = np.sqrt(var / N) + 1e-12
    assert np.all(np.abs(x.mean(0) - mean) < 5 * se), (x.mean(0), mean)
    # the sample variance: its standard error from the fourth central moment
    m4 = ((x - mean) ** 4).mean(0)
    se_var = np.sqrt(np.maximum(m4 - var**2, 0) / N) + 1e-12
    assert np.all(np.abs(x.var(0) - var) < 5 * se_var + 10 * var / N), (x.var(0), var)
    if kind == "cov":
        np.testing.assert_allclose(np.cov(x.T), d.covariance_matrix.numpy(), atol=0.1)
    assert (x.mean(0) != nbt.distributions.Normal(0.0, 1.0).sample((N,)).numpy().mean()).all()


def test_samples_follow_manual_seed_and_are_values():
    D = nbt.distributions
    for make in (lambda: D.Normal(nbt.zeros(3), 1.0), lambda: D.Categorical(nbt.ones(4)),
                 lambda: D.Bernoulli(nbt.full((3,), 0.5)), lambda: D.Exponential(nbt.ones(2))):
        nbt.manual_seed(3)
        a = make().sample((4,))
        nbt.manual_seed(3)
        b = make().sample((4,))
        assert (a == b).all() and not a.requires_grad
    c = D.Categorical(nbt.tensor([0.0, 1.0, 0.0, 0.0])).sample((1000,))
    assert (c == 1).all() and str(c.dtype) == "torch.int64"
    b = D.Bernoulli(nbt.tensor([0.0, 1.0])).sample((100,))
    assert (b[:, 0] == 0).all() and (b[:, 1] == 1).all()
    g = D.Geometric(nbt.tensor([1.0])).sample((100,))
    assert (g == 0).all()


RSAMPLE = [  # expression of (x, the parameters): the exact derivative of each draw
    ("D.Normal(p[0], p[1])", [[0.5, -1.0], [2.0, 0.3]], ["1", "(x - p[0]) / p[1]"]),
    ("D.Uniform(p[0], p[1])", [[0.0, -1.0], [2.0, 4.0]], ["(p[1] - x) / (p[1] - p[0])", "(x - p[0]) / (p[1] - p[0])"]),
    ("D.Exponential(p[0])", [[0.5, 3.0]], ["-x / p[0]"]),
    ("D.Laplace(p[0], p[1])", [[1.0, -2.0], [0.5, 2.0]], ["1", "(x - p[0]) / p[1]"]),
    ("D.Independent(D.Normal(p[0], p[1]), 1)", [[0.5, -1.0], [2.0, 0.3]], ["1", "(x - p[0]) / p[1]"]),
]


@pytest.mark.parametrize("make, values, derivatives", RSAMPLE)
def test_rsample_is_reparameterised(make, values, derivatives):
    D = nbt.distributions
    p = [nbt.tensor(v, requires_grad=True) for v in values]
    d = eval(make, {"D": D, "p": p})
    assert d.has_rsample
    x = d.rsample((7,))
    assert x.requires_grad and tuple(x.shape) == (7, 2)
    grads = nbt.autograd.grad(x.sum(), p)
    with nbt.no_grad():
        for g, expr in zip(grads, derivatives):
            want = eval(expr, {"x": x, "p": p}) * nbt.ones_like(x)
            np.testing.assert_allclose(g.numpy(), want.sum(0).numpy(), rtol=1e-5, atol=1e-6)
    assert not d.sample((3,)).requires_grad


def test_mvn_rsample_is_reparameterised():
    D = nbt.distributions
    loc = nbt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    L = nbt.tensor(TRIL, dtype=nbt.float32, requires_grad=True)
    x = D.MultivariateNormal(loc, scale_tril=L).rsample((6,))
    gl, gL = nbt.autograd.grad(x.sum(), [loc, L])
    np.testing.assert_allclose(gl.numpy(), np.full(3, 6.0))
    eps = np.linalg.solve(TRIL, (x - loc).detach().numpy().T)  # the standard normal draws behind x
    np.testing.assert_allclose(gL.numpy(), np.tile(eps.sum(1), (3, 1)), rtol=1e-4, atol=1e-4)
    cov = nbt.tensor(SPD, dtype=nbt.float32, requires_grad=True)
    x = D.MultivariateNormal(loc, covariance_matrix=cov).rsample((4,))
    assert x.requires_grad and nbt.autograd.grad(x.sum(), cov)[0].shape == (3, 3)


def test_a_vae_style_program_trains():
    """The reparameterisation trick end to end: maximise an ELBO of a Normal posterior with Adam."""
    D = nbt.distributions
    nbt.manual_seed(0)
    mu = nbt.zeros(2, requires_grad=True)
    log_sigma = nbt.zeros(2, requires_grad=True)
    opt = nbt.optim.Adam([mu, log_sigma], lr=0.05)
    target = D.Normal(nbt.tensor([1.0, -2.0]), nbt.tensor([0.5, 0.5]))
    for _ in range(300):
        q = D.Normal(mu, log_sigma.exp())
        z = q.rsample((16,))
        loss = (q.log_prob(z) - target.log_prob(z)).sum(-1).mean() + 0 * D.kl_divergence(q, target).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(mu.detach().numpy(), [1.0, -2.0], atol=0.15)
    np.testing.assert_allclose(log_sigma.exp().detach().numpy(), [0.5, 0.5], atol=0.1)


def test_policy_gradient_style_log_prob_of_samples():
    D = nbt.distributions
    logits = nbt.tensor([[0.1, 0.5, -0.2], [1.0, 0.0, 0.0]], requires_grad=True)
    d = D.Categorical(logits=logits)
    a = d.sample()
    loss = -(d.log_prob(a) * nbt.tensor([1.0, -1.0])).sum() - 0.01 * d.entropy().sum()
    loss.backward()
    t_logits = real_torch.tensor(logits.detach().numpy(), requires_grad=True)
    td = real_torch.distributions.Categorical(logits=t_logits)
    t_loss = -(td.log_prob(real_torch.tensor(a.numpy())) * real_torch.tensor([1.0, -1.0])).sum()
    (t_loss - 0.01 * td.entropy().sum()).backward()
    np.testing.assert_allclose(logits.grad.numpy(), t_logits.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_constraints_check_like_pytorch():
    values = {
        "real": [0.0, float("nan"), float("inf")], "positive": [-1.0, 0.0, 2.0], "nonnegative": [-1.0, 0.0, 2.0],
        "unit_interval": [-0.1, 0.0, 1.0, 1.1], "boolean": [0.0, 1.0, 0.5],
        "nonnegative_integer": [-1.0, 0.0, 2.0, 2.5],
        "positive_integer": [0.0, 1.0, 3.0], "simplex": [[0.5, 0.5], [0.2, 0.3], [1.0, 0.0]],
        "one_hot": [[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], "real_vector": [[0.0, float("nan")], [1.0, 2.0]],
        "lower_cholesky": [[[1.0, 0.0], [2.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, -1.0]]],
        "lower_triangular": [[[1.0, 0.0], [2.0, 0.0]], [[1.0, 1.0], [0.0, 1.0]]],
        "positive_definite": [[[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]],
        "positive_semidefinite": [[[1.0, 1.0], [1.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]],
        "symmetric": [[[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [0.0, 1.0]]],
        "square": [[[2.0, 1.0], [1.0, 2.0]]],
    }
    C, T = nbt.distributions.constraints, real_torch.distributions.constraints
    for name, v in values.items():
        ours, theirs = getattr(C, name), getattr(T, name)
        assert repr(ours) == repr(theirs) and ours.event_dim == theirs.event_dim
        assert ours.is_discrete == theirs.is_discrete
        for value in v:
            assert ours.check(nbt.tensor(value)).tolist() == theirs.check(real_torch.tensor(value)).tolist(), name
    for make in ("interval(0., 1.)", "half_open_interval(0., 1.)", "greater_than(1.)", "greater_than_eq(1.)",
                 "less_than(1.)", "integer_interval(0, 3)", "independent(C.positive, 1)"):
        ours, theirs = eval(make, {**vars(C), "C": C}), eval(make, {**vars(T), "C": T})
        assert repr(ours) == repr(theirs)
        for value in ([0.0, 1.0, 2.0], [-1.0, 0.5, 3.0]):
            assert ours.check(nbt.tensor(value)).tolist() == theirs.check(real_torch.tensor(value)).tolist(), make
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        C.dependent.check(nbt.tensor(0.0))


def test_module_docstring_example_runs():
    from nbautodiff.backends.own import distributions

    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(distributions, "distributions", globs={}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0
