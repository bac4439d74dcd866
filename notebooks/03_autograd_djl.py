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
# # 2.5 自动求导, in DJL's API
#
# d2l-java's chapter 2.5 (written for the Deep Java Library), run in Python with nbautodiff's DJL dialect:
# the same calls (`NDManager`, `setRequiresGradient`, `GradientCollector`), the same printed `ND:` text.
# Run it as it is on the own engine, or on real PyTorch with `nbautodiff run notebooks/03_autograd_djl.ipynb
# --backend torch` (the header then says which device the arrays live on).
#
# DJL's rule differs from PyTorch's: each `backward` *writes* the gradient (replaces it) instead of adding
# to it, and a non-scalar target is summed. `nbautodiff.semantics()` has the table for every dialect.

# %%
from nbautodiff.djl import Engine, NDManager, Shape

manager = NDManager.newBaseManager()

# %% [markdown]
# ## 2.5.1 A simple example: y = 2xᵀx

# %%
x = manager.arange(4.0)
x

# %% [markdown]
# `setRequiresGradient` allocates the gradient; it starts as zeros.

# %%
x.setRequiresGradient(True)
x.getGradient()

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.dot(x).mul(2)
    print(y)
    gc.backward(y)
x.getGradient()

# %% [markdown]
# The gradient of $2\mathbf{x}^\top\mathbf{x}$ is $4\mathbf{x}$:

# %%
x.getGradient().eq(x.mul(4))

# %% [markdown]
# Another function of `x`: the new gradient *replaces* the old one (被新计算的梯度覆盖).

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.sum()
    gc.backward(y)
x.getGradient()

# %% [markdown]
# ## 2.5.2 Backward for non-scalar variables: DJL sums the target

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x)
    gc.backward(y)
x.getGradient()

# %% [markdown]
# ## 2.5.3 Detaching computation

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x)
    u = y.stopGradient()
    z = u.mul(x)
    gc.backward(z)
    print(x.getGradient().eq(u))

# %% [markdown]
# ## 2.5.4 Gradients through Java (here: Python) control flow

# %%
def f(a):
    b = a.mul(2)
    while b.norm().getFloat() < 1000:
        b = b.mul(2)
    if b.sum().getFloat() > 0:
        c = b
    else:
        c = b.mul(100)
    return c


Engine.getInstance().setRandomSeed(0)  # the same a on every run
a = manager.randomNormal(Shape(1))
a.setRequiresGradient(True)
with Engine.getInstance().newGradientCollector() as gc:
    d = f(a)
    gc.backward(d)
    print(a.getGradient().eq(d.div(a)))
