# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Four ways to differentiate, side by side
#
# The CMU dlsys notes ("自动微分") compare numerical differentiation, symbolic differentiation, forward-mode
# and reverse-mode automatic differentiation on one function:
#
# $$y = f(x_1, x_2) = \ln(x_1) + x_1 x_2 - \sin(x_2) \quad\text{at}\quad (x_1, x_2) = (2, 5).$$
#
# The lesson's numbers: $y = 11.652$, $\partial y/\partial x_1 = 5.5$, $\partial y/\partial x_2 = 1.716$.
# Here every method runs on nbautodiff's own engine, and each one reports what it cost. The lesson looks
# inside that engine (its op counts and traces), so it picks the own engine even when the notebook is run
# with another backend.

# %%
import nbautodiff as nb

nb.set_backend("numpy")
import nbautodiff.torch as torch  # noqa: E402


def f(x1, x2):
    return torch.log(x1) + x1 * x2 - torch.sin(x2)


# %% [markdown]
# ## All methods at once
# *Primal ops* are evaluations of primitives (ln, ×, sin, +, −); *tangent ops* apply a forward-mode (JVP)
# rule, *adjoint ops* a reverse-mode (VJP) rule. For $f:\mathbb{R}^n\to\mathbb{R}$, forward mode needs $n$
# passes, central differences $2n$ evaluations of $f$, reverse mode one forward and one backward pass.

# %%
methods = nb.compare_methods(f, 2.0, 5.0)
methods.table(times=False)

# %% [markdown]
# The gap grows with $n$: here is $f(x) = \sum x_i^2$ with six inputs.

# %%
nb.compare_methods(lambda x: (x**2).sum(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).table(times=False)

# %% [markdown]
# ## 1. Numerical differentiation
# $\frac{\partial f}{\partial\theta_i} \approx \frac{f(\theta+\epsilon e_i) - f(\theta-\epsilon e_i)}{2\epsilon}$
# has an $O(\epsilon^2)$ error; the one-sided difference only $O(\epsilon)$. But $\epsilon$ can't be made
# arbitrarily small: round-off takes over. The sweep shows both errors for $\sin'(1) = \cos(1)$.

# %%
x1 = torch.tensor(2.0, dtype=torch.float64)
x2 = torch.tensor(5.0, dtype=torch.float64)
nb.numerical_grad(f, (x1, x2))

# %%
sweep = nb.eps_sweep(lambda t: t.sin(), 1.0)
sweep

# %%
ax = sweep.plot()

# %% [markdown]
# ### Gradient checking
# Numerical gradients are too slow to train with, but they check other methods. The notes' check compares
# $\delta^\top\nabla f$ with $(f(\theta+\epsilon\delta) - f(\theta-\epsilon\delta))/2\epsilon$ for random $\delta$:

# %%
x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
nb.random_direction_check(f, (x1, x2), n=3)

# %% [markdown]
# `gradcheck` (PyTorch's) compares whole Jacobians. It catches a wrong gradient, here a custom square
# whose backward says $3x$ instead of $2x$:

# %%
class BadSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x


x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
nb.gradcheck(BadSquare.apply, (x,))

# %% [markdown]
# ## 2. Symbolic differentiation
# Applying the product rule mechanically to $f(\theta) = \prod_i \theta_i$ needs $n(n-2)$ multiplications for
# all $n$ partial derivatives; reverse mode reuses the partial products and needs $O(n)$.

# %%
from nbautodiff.symbolic import swell_table

swell_table((3, 4, 6, 8, 12))

# %% [markdown]
# ## 3. Forward mode
# Each intermediate $v_i$ carries its derivative $\dot v_i = \partial v_i/\partial x_1$ along:

# %%
trace = nb.trace(f, 2.0, 5.0)
trace.primal

# %%
trace.tangent

# %% [markdown]
# PyTorch's dual tensors do the same, one direction per pass:

# %%
with torch.autograd.forward_ad.dual_level():
    d1 = torch.autograd.forward_ad.make_dual(torch.tensor(2.0), torch.tensor(1.0))
    print(f(d1, torch.tensor(5.0)))

# %% [markdown]
# Eigen's `AutoDiffScalar` carries a derivative *vector*: several directions in one pass. The sigmoid at 2:

# %%
X = nb.AutoDiffScalar.variable(2.0, 0, 1)
1 / (1 + (-X).exp())

# %% [markdown]
# ## 4. Reverse mode
# One backward pass gives every $\bar v_i = \partial y/\partial v_i$. Where a variable feeds two others
# ($v_1$ feeds $v_3$ and $v_4$), its partial adjoints $\bar v_{i\to j}$ are summed:

# %%
trace.adjoint

# %% [markdown]
# ### The backward pass is a graph too
# With `create_graph=True` the gradient has its own graph, here for $(\exp(v_1)+1)\cdot\exp(v_1)$, and can
# be differentiated again.

# %%
v1 = torch.tensor(0.5, requires_grad=True)
y = (torch.exp(v1) + 1) * torch.exp(v1)
(g,) = torch.autograd.grad(y, v1, create_graph=True)
g

# %%
nb.graph(g).tables()[0]

# %%
torch.autograd.grad(g, v1)

# %% [markdown]
# ## When autodiff goes wrong: custom gradients
# $1/e^x$ at $x=100$ in float32: the value is fine, but the chain rule multiplies $0$ by $\infty$.

# %%
x = torch.tensor(100.0, requires_grad=True)
(1.0 / torch.exp(x)).backward()
x.grad


# %% [markdown]
# A custom gradient, $-e^{-x}$, fixes it (TensorFlow's `custom_gradient` face of the same mechanism):

# %%
@nb.custom_gradient
def stable(x):
    return 1.0 / torch.exp(x), lambda upstream: upstream * -torch.exp(-x)


x = torch.tensor(100.0, requires_grad=True)
stable(x).backward()
x.grad
