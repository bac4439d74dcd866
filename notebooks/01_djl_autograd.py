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
# # Automatic differentiation in DJL
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F01_djl_autograd.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/01_djl_autograd.ipynb)
#
# d2l-java teaches automatic differentiation (its section 2.5) with the Deep Java Library (DJL). This lesson
# runs that Java code in Python, through nbautodiff's DJL dialect: the same `NDManager`, `setRequiresGradient`,
# `GradientCollector` and `getGradient`, and arrays printed the way DJL prints them. We differentiate
# $y = 2\mathbf{x}^\top\mathbf{x}$, see that DJL *overwrites* gradients, sum a vector-valued output, cut a
# value out of the graph with `stopGradient`, differentiate through a `while` loop and an `if`, and then work
# through the five exercises of the chapter, with a picture wherever one helps.
#
# The pictures are drawn by the cells: in a freshly downloaded notebook, run the cells (or *File → Trust
# Notebook*) to see them.

# %%
import sys

if "google.colab" in sys.modules:  # on Colab only: install nbautodiff (PyTorch is there already)
    %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# ## Setting up
#
# Java and Python differ in syntax only. `manager.arange(4f)` becomes `manager.arange(4.0)`, and Java's
# try-with-resources block `try (GradientCollector gc = ...) { ... }` becomes Python's `with ... as gc:`.
# The method names stay DJL's. `%load_ext nbautodiff` loads the `%%autodiff` cell magic that we use for
# pictures.

# %%
%load_ext nbautodiff
import math

import numpy as np

import nbautodiff as nb
from nbautodiff.djl import Engine, NDManager, Shape

manager = NDManager.newBaseManager()

# %% [markdown]
# ## 1. A simple example: y = 2xᵀx
#
# We want the gradient of $y = 2\mathbf{x}^\top\mathbf{x}$ with respect to the vector $\mathbf{x}$. First we
# create `x` with the values 0, 1, 2, 3. DJL prints an array's shape, its device and its data type before the
# values. The seed ran on a GPU and printed `gpu(0)`; here the array lives on the CPU.

# %%
x = manager.arange(4.0)
x

# %% [markdown]
# The gradient needs a place to live. `setRequiresGradient(true)` allocates it once, with the same shape as
# `x`. Training updates the same parameters thousands of times, and allocating new memory for every gradient
# would soon use it all up. Until a backward pass writes into it, the slot holds zeros.

# %%
x.setRequiresGradient(True)
x.getGradient()

# %% [markdown]
# DJL records operations only while a `GradientCollector` is open. Inside the block we compute $y$, print it,
# and ask the collector for the backward pass. It walks the recorded operations backwards and fills in the
# gradient of every array that asked for one.

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.dot(x).mul(2)
    print(y)
    gc.backward(y)
x.getGradient()

# %% [markdown]
# $y = 2(0 + 1 + 4 + 9) = 28$, and the gradient of $2\mathbf{x}^\top\mathbf{x}$ is $4\mathbf{x}$. Let's check
# every element:

# %%
x.getGradient().eq(x.mul(4))

# %% [markdown]
# ### What the collector recorded
#
# `%%autodiff` runs a cell, keeps every value it computes, and draws the graph behind the arrays the cell made.
# Here it reruns the same block. The inner product `x · x = 14` is an intermediate node, and `y = 14 × 2` is
# the output. The node names (`DotBackward0`, `MulBackward0`) are PyTorch's, because the dialect runs on an
# engine with PyTorch's rules. *saved: freed* says that the backward pass released what these operations had
# saved for it. Exercise 2 comes back to that.

# %%
%%autodiff
with Engine.getInstance().newGradientCollector() as gc:
    y = x.dot(x).mul(2)
    gc.backward(y)

# %% [markdown]
# The collector ran a second backward, and the gradient is still $4\mathbf{x}$, not $8\mathbf{x}$. Section 2
# explains why.

# %%
x.getGradient()

# %% [markdown]
# The stepper plays the reverse pass one operation at a time. The seed $\bar{y} = 1$ becomes $\bar{v}_2 = 2$
# after the multiplication by 2. The inner product uses `x` twice, so the two contributions $2\mathbf{x}$ add
# up at the leaf: $\bar{\mathbf{x}} = [0, 2, 4, 6] + [0, 2, 4, 6] = [0, 4, 8, 12]$. `nb.step` needs the graph
# before backward frees it, so we make the stepper inside the collector, before `gc.backward`.

# %%
with nb.record():
    with Engine.getInstance().newGradientCollector() as gc:
        y = x.dot(x).mul(2)
        stepper = nb.step(y)
        gc.backward(y)
stepper

# %% [markdown]
# ## 2. Gradients are overwritten
#
# Now a different function of `x`: its sum, whose gradient is all ones. In DJL every backward *writes* the
# gradient slot, and the new gradient replaces the old one.

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.sum()
    gc.backward(y)
x.getGradient()  # overwritten by the new gradient

# %% [markdown]
# PyTorch does the opposite: it *adds* every new gradient to `x.grad`. The same two backward passes give
# $[0, 4, 8, 12] + [1, 1, 1, 1]$ there, which is why PyTorch code calls `x.grad.zero_()` between them.
# `nbautodiff.torch` follows PyTorch's rules:

# %%
import nbautodiff.torch as torch

x_torch = torch.arange(4.0, requires_grad=True)
(2 * torch.dot(x_torch, x_torch)).backward()
x_torch.sum().backward()
x_torch.grad

# %% [markdown]
# Each framework keeps its own rule. `nb.semantics()` lists them side by side: DJL writes, PyTorch
# accumulates, TensorFlow returns the gradient and stores nothing.

# %%
nb.semantics()

# %% [markdown]
# ## 3. Backward of a non-scalar variable
#
# When `y` is a vector, the derivative of `y` with respect to `x` is a matrix (the Jacobian). In deep learning
# a vector output usually holds one loss per example of a batch, and what we want is the sum of the per-example
# gradients. DJL's `backward` on a vector therefore sums `y` first and differentiates that scalar. For
# $y = x \odot x$ the gradient is $2\mathbf{x}$:

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x)  # y is a vector
    gc.backward(y)
x.getGradient()  # the same as for y = sum(x * x)

# %% [markdown]
# Summing explicitly gives the same numbers:

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x).sum()
    gc.backward(y)
x.getGradient()

# %% [markdown]
# ## 4. Detaching computation: stopGradient
#
# Sometimes part of a computation should count as a constant. Say `y` is computed from `x`, and `z` from both
# `y` and `x`. We want the gradient of `z` with respect to `x`, but with `y` held fixed, so that only the
# direct use of `x` counts. `y.stopGradient()` returns `u`, an array with the same values as `y` that carries
# no record of how it was computed. No gradient flows back through `u` to `x`. The gradient of `z = u * x` is
# therefore `u`, not the $3x^2$ of `z = x * x * x`:

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x)
    u = y.stopGradient()
    z = u.mul(x)
    gc.backward(z)
    print(x.getGradient().eq(u))

# %% [markdown]
# In the picture, the cut is the dashed edge with scissors. The value $[0, 1, 4, 9]$ enters the multiplication
# as a constant, and the backward pass only reaches `x` along the solid edge. (`grads=False` leaves the
# gradients out of the picture. We read them with `getGradient()`.)

# %%
with nb.record():
    with Engine.getInstance().newGradientCollector() as gc:
        y = x.mul(x)
        u = y.stopGradient()
        z = u.mul(x)
        gc.backward(z)
nb.graph(z, grads=False)

# %% [markdown]
# The computation of `y` itself was still recorded, so a backward from `y` gives $dy/dx = 2\mathbf{x}$:

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x)
    gc.backward(y)
    print(x.getGradient().eq(x.mul(2)))

# %% [markdown]
# ## 5. Gradients through Java control flow
#
# The graph is recorded while the code runs, so loops, branches and function calls cost nothing special.
# Autodiff sees the operations that actually ran. In `f` below, both the number of `while` iterations and the
# branch of the `if` depend on the input `a`. `getFloat()` reads a number out of an array, as in Java. It is an
# ordinary value, outside the graph, and it only steers the control flow.

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


# %% [markdown]
# For a given `a` the function only ever multiplies by constants, so `f(a) = k * a` for a number `k` that
# depends on `a`. That makes `d / a` the gradient, which lets us check the answer. The seed draws `a` at
# random; we fix DJL's random seed so that every run draws the same `a`.

# %%
Engine.getInstance().setRandomSeed(0)
a = manager.randomNormal(Shape(1))
a.setRequiresGradient(True)
with Engine.getInstance().newGradientCollector() as gc:
    d = f(a)
    gc.backward(d)

    print(a.getGradient().eq(d.div(a)))

# %% [markdown]
# Here `a` is about 0.126, so the loop doubled `b` until it passed 1000: $k = 2^{13} = 8192$.

# %%
print(a)
print(d)
print(a.getGradient())

# %% [markdown]
# ### The branch, on a slider
#
# Move the slider. Each move runs `f` afresh, redraws the graph it recorded, and puts a central difference next
# to the autodiff gradient. For positive `a` the last operation is a doubling. For negative `a` the `else`
# branch adds a multiplication by 100, and `k` jumps a hundredfold. At `a = 0` the seed's `f` would never
# return (`b` stays 0, so the loop runs forever), so the slider's steps skip 0.

# %%
nb.explore(f, dialect="djl", a=(-1.005, 1.0, 0.5))

# %% [markdown]
# Without a running kernel the slider doesn't move, so here are a few values of `a` at once. The loop count
# changes with $|a|$ and the branch with the sign of $a$:

# %%
for value in [-1.0, -0.3, 0.3, 1.0]:
    a = manager.create(value)
    a.setRequiresGradient(True)
    with Engine.getInstance().newGradientCollector() as gc:
        d = f(a)
        gc.backward(d)
    k = a.getGradient().getFloat()
    branch = "c = b" if d.sum().getFloat() > 0 else "c = b * 100"
    print(f"a = {value:4}: gradient k = {k:8.0f}, d / a = {d.div(a).getFloat():8.0f}, branch {branch}")

# %% [markdown]
# ## Summary
#
# - DJL records what runs inside a `GradientCollector`. `setRequiresGradient(true)` attaches a zero gradient
#   slot, `gc.backward(y)` writes $\partial y/\partial x$ into it, and `getGradient()` reads it.
# - Each backward *replaces* the gradient (PyTorch adds to it). A vector output is summed before the backward.
# - `stopGradient()` turns a value into a constant for the backward pass.
# - The graph is whatever the code did, loops and branches included. The gradient belongs to the path that ran.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1. Why is a second derivative more expensive than a first derivative?
#
# Measure it. `nb.count_ops()` counts the primitive operations evaluated inside a `with` block: forward
# (primal) and backward (adjoint). DJL's `GradientCollector` has no second derivative: its `backward` cannot
# record its own work. So for this exercise we use the PyTorch dialect, whose
# `torch.autograd.grad(..., create_graph=True)` returns a first derivative that can be differentiated again.
# Count the operations for the first derivative of $f(t) = t \sin t$ at $t = 2$, then for the second.
# (`count_ops` counts the operations of nbautodiff's own engine, so run your code inside
# `with nb.use_backend("numpy"):`.)

# %%
first_ops = None  # your code here: the count of a first derivative, e.g. `with nb.count_ops() as first_ops: ...`
second_ops = None  # your code here: the count of a second derivative

# %%
if first_ops is None or second_ops is None:
    print("not answered yet — try it, or open the solution below")
elif first_ops.total == 0:
    print("hint: count_ops counted nothing; run the derivatives inside `with nb.use_backend('numpy'):`")
elif second_ops.total > first_ops.total:
    print(f"✓ the second derivative took {second_ops.total} primitive evaluations, the first {first_ops.total}")
else:
    print("hint: a second derivative differentiates the first one: grad(..., create_graph=True), then grad again")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# with nb.use_backend("numpy"):
#     t = torch.tensor(2.0, requires_grad=True)
#     with nb.count_ops() as first_ops:
#         (dy,) = torch.autograd.grad(t * torch.sin(t), t)
#     with nb.count_ops() as second_ops:
#         (dy,) = torch.autograd.grad(t * torch.sin(t), t, create_graph=True)
#         with nb.count_ops() as second_pass:
#             (d2y,) = torch.autograd.grad(dy, t)
# ```
#
# The first derivative is one forward pass (2 primitives: `sin` and `*`) and one backward pass (2 adjoint
# rules, one per node): 4 in all. The second derivative needs the same forward pass, then the first backward
# pass recorded with `create_graph=True` (its 2 adjoint rules, and an addition that sums the two paths from `t`).
# Then comes the second backward pass, and it walks a bigger graph: recording the adjoint rules' own work
# (`cos`, the products, the sum) has turned the first derivative into a graph of 6 nodes, drawn below. One
# adjoint rule per node gives 6 evaluations, three times the 2 of the first backward pass. The recorded graph
# must stay in memory until the second pass has run, and a full Hessian of $n$ inputs repeats that pass $n$
# times.
#
# </details>

# %%
with nb.use_backend("numpy"):
    t = torch.tensor(2.0, requires_grad=True)
    with nb.count_ops() as first_ops:
        (dy,) = torch.autograd.grad(t * torch.sin(t), t)
    with nb.count_ops() as second_ops:
        (dy,) = torch.autograd.grad(t * torch.sin(t), t, create_graph=True)
        with nb.count_ops() as second_pass:
            (d2y,) = torch.autograd.grad(dy, t)
print("first derivative: ", first_ops)
print("second derivative:", second_ops)
print("of which the second backward pass:", second_pass)

# %% [markdown]
# The results match the calculus: $f'(t) = \sin t + t\cos t$ and $f''(t) = 2\cos t - t \sin t$ at $t = 2$.

# %%
print("f'(2): ", round(dy.item(), 4), "by calculus", round(math.sin(2) + 2 * math.cos(2), 4))
print("f''(2):", round(d2y.item(), 4), "by calculus", round(2 * math.cos(2) - 2 * math.sin(2), 4))

# %% [markdown]
# Here is the reason in a picture. The function $t \sin t$ is 2 operations. Its first derivative, recorded with
# `create_graph=True`, is the 6-operation graph below: the backward nodes of `*` and `sin` written out as
# operations, `cos` among them. The second derivative is a backward pass through *this* graph.

# %%
with nb.use_backend("numpy"):
    with nb.record():
        t = torch.tensor(2.0, requires_grad=True)
        (dy,) = torch.autograd.grad(t * torch.sin(t), t, create_graph=True)
    picture = nb.graph(dy, grads=False)
picture

# %% [markdown]
# ### Exercise 2. Run the backward pass twice in a row. What happens?
#
# Call `gc.backward(y)` a second time, right after the first, inside the same collector (wrap it in
# `try`/`except` to see the message). Then describe what happened: `"error"`, `"replaced"` (the gradient was
# written again) or `"added"` (it doubled).

# %%
second_backward = None  # your code here: "error", "replaced" or "added"

# %%
if second_backward is None:
    print("not answered yet — try it, or open the solution below")
elif second_backward == "error":
    print("✓ the first backward freed what the graph had saved; a second one on the same y has nothing to walk")
elif second_backward == "replaced":
    print("hint: that is what a *new* collector block does; call gc.backward(y) twice on the same y")
else:
    print("hint: DJL never adds gradients; call gc.backward(y) twice on the same y and read the message")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# with Engine.getInstance().newGradientCollector() as gc:
#     y = x.dot(x).mul(2)
#     gc.backward(y)
#     try:
#         gc.backward(y)
#     except RuntimeError as e:
#         print(e)
# second_backward = "error"
# ```
#
# A backward pass frees the values that the operations saved for it (the *saved: freed* in the picture of
# section 1), so the second call has nothing to work with and fails. DJL's engines keep no graph for a second
# pass. Running the whole block again records a new graph, and DJL *writes* its gradient: $4\mathbf{x}$ again,
# not $8\mathbf{x}$. PyTorch fails on a second `y.backward()` in the same way. If you keep the graph there
# with `retain_graph=True`, the second pass *adds*: $8\mathbf{x}$.
#
# </details>

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.dot(x).mul(2)
    gc.backward(y)
    try:
        gc.backward(y)
    except RuntimeError as e:
        print(e)
second_backward = "error"

# %% [markdown]
# The gradient of the first call stayed in the slot. A fresh block writes the same $4\mathbf{x}$ again:

# %%
print(x.getGradient())
with Engine.getInstance().newGradientCollector() as gc:
    y = x.dot(x).mul(2)
    gc.backward(y)
print(x.getGradient())

# %% [markdown]
# The same experiment in PyTorch. The second `backward` fails in the same way, and with `retain_graph=True`
# the two gradients add up:

# %%
x_torch = torch.arange(4.0, requires_grad=True)
y_torch = 2 * torch.dot(x_torch, x_torch)
y_torch.backward()
try:
    y_torch.backward()
except RuntimeError as e:
    print("second backward:", e)

x_torch = torch.arange(4.0, requires_grad=True)
y_torch = 2 * torch.dot(x_torch, x_torch)
y_torch.backward(retain_graph=True)
y_torch.backward()
x_torch.grad  # 4x + 4x

# %% [markdown]
# ### Exercise 3. What if `a` is a vector or a matrix?
#
# In the control-flow example, make `a` a random vector or matrix. Then `f(a)` is no longer a scalar. What
# happens to the gradient, and how can we analyse it? Create `a_matrix` below (with `setRequiresGradient`).
# The check runs `f` on it.

# %%
a_matrix = None  # your code here: e.g. manager.randomNormal(Shape(2, 3)), then a_matrix.setRequiresGradient(True)

# %%
if a_matrix is None:
    print("not answered yet — try it, or open the solution below")
else:
    with Engine.getInstance().newGradientCollector() as gc:
        d_matrix = f(a_matrix)
        gc.backward(d_matrix)
    g = np.array(a_matrix.getGradient().toFloatArray())
    k = np.array(d_matrix.toFloatArray()) / np.array(a_matrix.toFloatArray())
    if np.allclose(g, k) and np.allclose(g, g[0]):
        print(f"✓ every element of the gradient is the same k = {g[0]:g}: backward summed f(a) = k·a")
    else:
        print("hint: call a_matrix.setRequiresGradient(True) before the collector block")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# Engine.getInstance().setRandomSeed(0)
# a_matrix = manager.randomNormal(Shape(2, 2))
# a_matrix.setRequiresGradient(True)
# with Engine.getInstance().newGradientCollector() as gc:
#     d_matrix = f(a_matrix)
#     gc.backward(d_matrix)
# ```
#
# `f` still runs: the loop tests the norm of the *whole* array and the `if` tests its *sum*, so a single `k`
# applies to every element, and `f(a) = k * a` elementwise. The output is a matrix, so DJL's backward
# differentiates its sum $\sum_{ij} k\,a_{ij}$. The gradient is therefore $k$ in every element, and
# `d / a` equals it elementwise. What has changed is what decides `k`: the loop count depends on $\|a\|$ and
# the branch on $\sum a_{ij}$, so one element's sign no longer picks the branch.
#
# </details>

# %%
Engine.getInstance().setRandomSeed(0)
a_matrix = manager.randomNormal(Shape(2, 2))
a_matrix.setRequiresGradient(True)
with Engine.getInstance().newGradientCollector() as gc:
    d_matrix = f(a_matrix)
    gc.backward(d_matrix)
print(a_matrix)
print(a_matrix.getGradient())
print(a_matrix.getGradient().eq(d_matrix.div(a_matrix)))

# %% [markdown]
# ### Exercise 4. Design your own control-flow example
#
# Write a function of a scalar array with a loop and/or a branch, run it, and analyse the gradient. The check
# compares your gradient at `a = 0.7` with a central difference.

# %%
def g(a):
    return None  # your code here: a function of a scalar NDArray with a loop and/or a branch


# %%
def check_gradient(fn, value=0.7, h=1e-2):
    a = manager.create(value)
    a.setRequiresGradient(True)
    with Engine.getInstance().newGradientCollector() as gc:
        out = fn(a)
        if out is None:
            return None
        gc.backward(out)
    numeric = (fn(manager.create(value + h)).getFloat() - fn(manager.create(value - h)).getFloat()) / (2 * h)
    return a.getGradient().getFloat(), numeric


result = check_gradient(g)
if result is None:
    print("not answered yet — try it, or open the solution below")
elif math.isclose(*result, rel_tol=1e-2, abs_tol=1e-3):
    print(f"✓ autodiff {result[0]:.4f} ≈ central difference {result[1]:.4f}")
else:
    print(f"hint: autodiff gives {result[0]:.4f} but the central difference {result[1]:.4f}; is g smooth at 0.7?")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def exp_series(a):
#     if a.getFloat() < 0:  # a branch: e^a = 1 / e^(-a), so the series only ever sees a >= 0
#         return 1 / exp_series(a.neg())
#     term = a.onesLike()
#     total = term
#     n = 1
#     while term.getFloat() > 1e-7:  # a loop whose length depends on a
#         term = term.mul(a).div(n)
#         total = total.add(term)
#         n += 1
#     return total
# ```
#
# `exp_series` adds up the Taylor series $e^a = \sum_n a^n/n!$ until the terms become tiny, so a larger `a`
# runs more iterations. Autodiff differentiates the terms that actually ran. The derivative of
# $a^n/n!$ is $a^{n-1}/(n-1)!$, so the gradient is the same series one term shorter. We expect the gradient to
# equal the value, since $(e^a)' = e^a$. For negative `a` the branch takes $1/e^{-a}$, and the chain rule goes
# through the division and the negation.
#
# </details>

# %%
def exp_series(a):
    if a.getFloat() < 0:  # a branch: e^a = 1 / e^(-a), so the series only ever sees a >= 0
        return 1 / exp_series(a.neg())
    term = a.onesLike()
    total = term
    n = 1
    while term.getFloat() > 1e-7:  # a loop whose length depends on a
        term = term.mul(a).div(n)
        total = total.add(term)
        n += 1
    return total


# %% [markdown]
# `%%autodiff --check` compares the gradient with central differences. The value and the gradient are both
# $e^{0.7} \approx 2.0138$:

# %%
%%autodiff --check --no-graph
a = manager.create(0.7)
a.setRequiresGradient(True)
with Engine.getInstance().newGradientCollector() as gc:
    e = exp_series(a)
    gc.backward(e)

# %% [markdown]
# For negative `a` the branch takes over, and the gradient still equals the value:

# %%
for value in [-1.5, 0.7, 3.0]:
    grad, numeric = check_gradient(exp_series, value)
    value_at = exp_series(manager.create(value)).getFloat()
    print(f"a = {value:4}: e^a = {math.exp(value):.4f}, exp_series(a) = {value_at:.4f}, "
          f"gradient {grad:.4f}, central difference {numeric:.4f}")

# %% [markdown]
# ### Exercise 5. Plot sin(x) and its derivative without writing cos(x)
#
# Let $f(x) = \sin x$. Plot $f(x)$ and $\frac{df(x)}{dx}$, computing the latter without using
# $f'(x) = \cos x$: let autodiff find it. Use the DJL dialect on the 200 points `xs`.

# %%
xs = manager.linspace(-2 * math.pi, 2 * math.pi, 200)
dsin = None  # your code here: an NDArray with the derivative of sin at xs, by autodiff

# %%
if dsin is None:
    print("not answered yet — try it, or open the solution below")
elif np.allclose(dsin.toFloatArray(), np.cos(xs.toFloatArray()), atol=1e-5):
    print("✓ autodiff found the derivative of sin: it is cos, though nobody wrote cos")
else:
    print("hint: setRequiresGradient(True) on xs, y = xs.sin() inside a collector, gc.backward(y), xs.getGradient()")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# xs.setRequiresGradient(True)
# with Engine.getInstance().newGradientCollector() as gc:
#     ys = xs.sin()
#     gc.backward(ys)  # a vector: summed, and each ys[i] depends on xs[i] only
# dsin = xs.getGradient()
# ```
#
# `ys` is a vector, so the backward differentiates $\sum_i \sin x_i$. Its partial derivative with respect to
# $x_i$ is the derivative of $\sin$ at $x_i$, because each term depends on one point only. One backward pass
# therefore gives the derivative at all 200 points.
#
# </details>

# %%
xs.setRequiresGradient(True)
with Engine.getInstance().newGradientCollector() as gc:
    ys = xs.sin()
    gc.backward(ys)  # a vector: summed, and each ys[i] depends on xs[i] only
dsin = xs.getGradient()

# %% [markdown]
# We draw the two curves ourselves. The dashed curve is the gradient from DJL, and it is the cosine, though
# `cos` appears nowhere in the code:

# %%
from matplotlib.figure import Figure

import nbautodiff.plots

fig = Figure(figsize=(6.4, 3.4))
ax = fig.add_subplot()
ax.plot(xs.toFloatArray(), ys.toFloatArray(), label=r"$\sin x$")
ax.plot(xs.toFloatArray(), dsin.toFloatArray(), "--", label=r"$\mathrm{d}\,\sin x / \mathrm{d}x$ (DJL, autodiff)")
ax.axhline(0, color="#999", linewidth=0.6)
ax.set_xlabel("x")
ax.set_ylim(-1.3, 1.8)
ax.legend(loc="upper center", ncol=2)
nbautodiff.plots.Plot(fig, ax, {})

# %% [markdown]
# `nb.plot_derivative` does the same in one call, for a function written with `nbautodiff.torch`, and can
# add a tangent line:

# %%
nb.plot_derivative(torch.sin, (-2 * math.pi, 2 * math.pi), at=1.0)
