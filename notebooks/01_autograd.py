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
# # Automatic differentiation, the PyTorch way
#
# This lesson follows d2l's "自动求导" (2.5) and the "动态计算图与梯度下降入门" lesson, written for PyTorch.
# It runs on **nbautodiff's own engine**: `import nbautodiff.torch as torch` gives PyTorch's names, and the
# engine records every operation on a tape, exactly as PyTorch does. Every output below is what real PyTorch
# prints for the same code.

# %%
import nbautodiff.torch as torch

# %% [markdown]
# ## 1. A simple example: y = 2xᵀx
# We want the gradient of $y = 2\mathbf{x}^\top\mathbf{x}$ with respect to the column vector $\mathbf{x}$.
# First make `x` and ask for a place to store its gradient.

# %%
x = torch.arange(4.0, requires_grad=True)
x

# %% [markdown]
# The gradient starts out as `None`: nothing has been differentiated yet.

# %%
print(x.grad)

# %%
y = 2 * torch.dot(x, x)
y

# %% [markdown]
# `y` remembers how it was made: its `grad_fn` is the last operation, a multiplication.
# Calling `backward()` walks that record backwards and fills in `x.grad`.

# %%
y.backward()
x.grad

# %% [markdown]
# The gradient of $2\mathbf{x}^\top\mathbf{x}$ is $4\mathbf{x}$. Let's check:

# %%
x.grad == 4 * x

# %% [markdown]
# ## 2. Gradients accumulate
# PyTorch *adds* new gradients into `.grad`, so we clear it before computing another function of `x`.

# %%
x.grad.zero_()
y = x.sum()
y.backward()
x.grad

# %% [markdown]
# ## 3. Backward for non-scalar variables
# `backward()` on a vector needs the vector to multiply the Jacobian with; `ones` sums the outputs.

# %%
x.grad.zero_()
y = x * x
y.backward(gradient=torch.ones(len(x)))
x.grad

# %% [markdown]
# ## 4. Detaching computation
# `u = y.detach()` has the same values as `y` but no history: the gradient treats it as a constant.

# %%
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
x.grad == u

# %%
x.grad.zero_()
y.sum().backward()
x.grad == 2 * x

# %% [markdown]
# ## 5. Python control flow
# The graph is built as the code runs, so loops and branches are fine. `f` is piecewise linear in `a`:
# `f(a) = k * a`, so the gradient must be `f(a) / a`.

# %%
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


a = torch.tensor(0.3, requires_grad=True)
d = f(a)
d.backward()
a.grad == d / a

# %% [markdown]
# ## 6. Leaves, intermediate nodes and the graph
# `x` is a leaf (made by us); `y` and `z` were computed, so they carry a `grad_fn`.

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
z = y + 1
z

# %%
(x.is_leaf, y.is_leaf, z.grad_fn.next_functions[0][0] is y.grad_fn)

# %%
z.backward()
x.grad

# %% [markdown]
# Intermediate nodes don't keep their gradient unless asked with `retain_grad()`:

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
y.retain_grad()
z = y**2
z.backward()
y.grad, x.grad

# %% [markdown]
# ## 7. Switching the recording off
# Inside `torch.no_grad()` nothing is recorded, so `z` is a plain tensor.

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
with torch.no_grad():
    z = y**2
z, z.requires_grad, y
