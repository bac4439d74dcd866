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
# # One lesson, three frameworks: autodiff in MXNet, TensorFlow and PyTorch
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F04_three_frameworks.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/04_three_frameworks.ipynb)
#
# d2l's section on automatic differentiation (2.5) exists in three editions: MXNet, TensorFlow and PyTorch.
# This lesson runs the three side by side, step by step, in one notebook: marking `x` for a gradient,
# $y = 2\mathbf{x}^\top\mathbf{x}$ with `x` a column, the backward pass, a second function, a non-scalar output,
# detaching, and Python control flow. The frameworks compute the same numbers, and we check that they do. They
# differ in where the gradient goes: MXNet *writes* it into `x.grad`, TensorFlow *returns* it, and PyTorch
# *adds* it to `x.grad`. Each framework's graph is drawn too.
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
# Each framework is imported under the name its edition of d2l uses. MXNet's `np` is MXNet's NumPy-like
# module, so the real NumPy is imported as `numpy`. All three are nbautodiff dialects: the code is the
# frameworks' own, and it runs on nbautodiff's engine. Because the three share one notebook, their variables
# carry a suffix: `_mx`, `_tf`, `_pt`.

# %%
%load_ext nbautodiff
import numpy

import nbautodiff as nb
import nbautodiff.tf as tf
import nbautodiff.torch as torch
from nbautodiff.mxnet import autograd, np

# %% [markdown]
# ## 1. The rule we are going to check
#
# Let $f: \mathbb{R}^n \to \mathbb{R}$ map a column vector $\mathbf{x} = [x_1, \ldots, x_n]^\top$ to a number.
# Its gradient collects the partial derivatives in a vector of the same shape as $\mathbf{x}$:
# $\nabla_{\mathbf{x}} f = [\partial f/\partial x_1, \ldots, \partial f/\partial x_n]^\top$. Write a matrix by
# its rows, $\mathbf{A} = [\mathbf{a}_1, \ldots, \mathbf{a}_m]^\top \in \mathbb{R}^{m \times n}$. Then
# $\mathbf{A}\mathbf{x}$ has the entries $\mathbf{a}_i^\top \mathbf{x}$, and from these entries come the rules
# used all the time:
#
# $$\nabla_{\mathbf{x}} \mathbf{A}\mathbf{x} = \mathbf{A}^\top, \qquad
#   \nabla_{\mathbf{x}} \mathbf{x}^\top \mathbf{A} = \mathbf{A}, \qquad
#   \nabla_{\mathbf{x}} \mathbf{x}^\top \mathbf{A} \mathbf{x} = (\mathbf{A} + \mathbf{A}^\top)\mathbf{x}, \qquad
#   \nabla_{\mathbf{x}} \|\mathbf{x}\|^2 = \nabla_{\mathbf{x}} \mathbf{x}^\top\mathbf{x} = 2\mathbf{x}.$$
#
# For the example below, $y = 2\mathbf{x}^\top\mathbf{x}$ is $\mathbf{x}^\top\mathbf{A}\mathbf{x}$ with
# $\mathbf{A} = 2\mathbf{I}$, so we expect $\nabla_{\mathbf{x}} y = 4\mathbf{x}$. (For a vector output
# $\mathbf{y} \in \mathbb{R}^m$ of a scalar $x$, the derivative is the column
# $[\partial y_1/\partial x, \ldots, \partial y_m/\partial x]^\top$.)

# %% [markdown]
# ## 2. Creating x
#
# As in the seed, `x` is a column, shape (4, 1), with the values 0, 1, 2, 3.

# %%
# MXNet
x_mx = np.arange(4.0).reshape(4, 1)
x_mx

# %%
# TensorFlow
x_tf = tf.reshape(tf.range(4, dtype=tf.float32), (4, 1))
x_tf

# %%
# PyTorch
x_pt = torch.arange(4.0).reshape(4, 1)
x_pt

# %% [markdown]
# ## 3. Asking for a gradient
#
# Each framework marks `x` differently. MXNet's `attach_grad()` allocates the gradient buffer once: training
# updates the same parameters thousands of times and shouldn't allocate new memory every time. The buffer
# starts at zeros.

# %%
# MXNet: allocate the gradient; x.grad starts as zeros
x_mx.attach_grad()
x_mx.grad

# %% [markdown]
# TensorFlow differentiates with respect to *variables*: a `tf.Variable` is watched by every tape. TensorFlow
# stores no gradient on it; the gradient will be the return value of `tape.gradient`.

# %%
# TensorFlow: a Variable; there is no x.grad at all
x_tf = tf.Variable(x_tf)
x_tf

# %% [markdown]
# PyTorch sets a flag. `x.grad` is `None` until the first backward pass.

# %%
# PyTorch: the same as x = torch.arange(4.0, requires_grad=True), with the shape (4, 1)
x_pt.requires_grad_(True)
print(x_pt.grad)  # None by default

# %% [markdown]
# ## 4. Computing y = 2xᵀx
#
# MXNet records only inside `autograd.record()`, and TensorFlow only on a `GradientTape`. PyTorch records
# every operation on a tensor that requires a gradient. The result has shape (1, 1); we read it as a number.

# %%
# MXNet: put the code inside autograd.record to build the graph
with autograd.record():
    y_mx = 2 * x_mx.T @ x_mx
float(y_mx)

# %%
# TensorFlow: record all computations onto a tape
with tf.GradientTape() as t:
    y_tf = 2 * tf.transpose(x_tf) @ x_tf
float(y_tf)

# %% [markdown]
# Recent versions of PyTorch warn when `float(y)` is called on a tensor that requires a gradient, because the
# number is cut off from the graph. `y.item()` reads the number without a warning.

# %%
# PyTorch
y_pt = 2 * x_pt.T @ x_pt
y_pt.item()

# %% [markdown]
# ## 5. The backward pass
#
# Now the gradient of $y$ with respect to each component of `x`. MXNet and PyTorch have `y.backward()` and then
# look at `x.grad`. TensorFlow asks the tape for the gradient and gets it back as a new tensor.

# %%
# MXNet
y_mx.backward()
x_mx.grad

# %%
# TensorFlow
x_grad_tf = t.gradient(y_tf, x_tf)
x_grad_tf

# %%
# PyTorch
y_pt.backward()
x_pt.grad

# %% [markdown]
# All three give $4\mathbf{x}$:

# %%
print(x_mx.grad == 4 * x_mx)
print(x_grad_tf == 4 * x_tf)
print(x_pt.grad == 4 * x_pt)

# %% [markdown]
# ### What was recorded
#
# `%%autodiff` runs a cell, keeps every value it computes, and draws the graph behind the tensors the cell made,
# with a table of them. Here it runs the PyTorch version again from the start. `x` is transposed
# (`PermuteBackward0`, $[0, 1, 2, 3]$ as a row), multiplied by 2, and matrix-multiplied with `x`
# (`MmBackward0`) into $[[28]]$. MXNet and TensorFlow record the same three operations, because all three
# dialects run on the same engine and use PyTorch's node names. Their pictures come in sections 7 and 8.

# %%
%%autodiff
# PyTorch
x_pt = torch.arange(4.0).reshape(4, 1)
x_pt.requires_grad_(True)
y_pt = 2 * x_pt.T @ x_pt
y_pt.backward()

# %% [markdown]
# ## 6. Another function of x: who keeps the old gradient?
#
# Now $y = \sum_i x_i$, whose gradient is all ones. This is where the three frameworks differ most. MXNet
# *writes* the new gradient over the old one:

# %%
# MXNet
with autograd.record():
    y_mx = x_mx.sum()
y_mx.backward()
x_mx.grad  # overwritten by the newly computed gradient

# %% [markdown]
# TensorFlow *returns* the new gradient. Nothing was stored, so nothing needs clearing:

# %%
# TensorFlow
with tf.GradientTape() as t:
    y_tf = tf.reduce_sum(x_tf)
t.gradient(y_tf, x_tf)  # a new tensor

# %% [markdown]
# PyTorch *adds* every new gradient to `x.grad`. Without clearing it we get $4\mathbf{x} + 1$. So PyTorch code
# clears the old value first with `x.grad.zero_()`:

# %%
# PyTorch: by default, gradients accumulate
y_pt = x_pt.sum()
y_pt.backward()
print(x_pt.grad)  # 4x + 1: the old gradient plus the new one

x_pt.grad.zero_()  # clear the old value, then differentiate again
y_pt = x_pt.sum()
y_pt.backward()
x_pt.grad

# %% [markdown]
# ## 7. Backward for a non-scalar output
#
# For $\mathbf{y} = \mathbf{x} \odot \mathbf{x}$ (a vector), the derivative is a matrix. Usually we want
# something else: the sum of the gradients of the components, as for the losses of a batch of examples. MXNet and
# TensorFlow give exactly that when asked for the gradient of a vector: they sum `y` first. In the pictures,
# `y` is the output. The sum is implicit in the backward pass and doesn't appear in the graph.

# %%
%%autodiff
# MXNet: backward on a vector differentiates the sum of its elements
with autograd.record():
    y_mx = x_mx * x_mx  # y is a vector
y_mx.backward()
x_mx.grad  # the same as y = sum(x * x)

# %%
%%autodiff
# TensorFlow: the same as y = tf.reduce_sum(x * x)
with tf.GradientTape() as t:
    y_tf = x_tf * x_tf
x_grad_tf = t.gradient(y_tf, x_tf)

# %% [markdown]
# PyTorch refuses to guess, and `backward()` on a non-scalar is an error:

# %%
# PyTorch
x_pt.grad.zero_()
y_pt = x_pt * x_pt
try:
    y_pt.backward()
except RuntimeError as e:
    print("RuntimeError:", str(e).splitlines()[0])

# %% [markdown]
# We must pass `gradient=`, the vector $\mathbf{v}$ for the product $\mathbf{v}^\top \partial\mathbf{y}/\partial\mathbf{x}$.
# Ones sum the components. The seed's comment suggests `torch.ones(len(x))`, but that has shape (4,), and `y` has
# shape (4, 1): PyTorch would reject it. `torch.ones_like(y)` has the right shape. `y.sum().backward()` does the same.

# %%
# PyTorch: a gradient of ones, shaped like y
y_pt.backward(gradient=torch.ones_like(y_pt))
x_pt.grad

# %% [markdown]
# Or sum first. In PyTorch's picture the sum is a node of its own (`SumBackward0`), between `y` and the scalar
# that `backward` starts from.

# %%
%%autodiff
# PyTorch: or sum first
x_pt.grad.zero_()
y_pt = x_pt * x_pt
total_pt = y_pt.sum()
total_pt.backward()

# %% [markdown]
# ## 8. Detaching computation
#
# Sometimes part of a computation should count as a constant. Say `y` is computed from `x`, and `z` from both
# `y` and `x`. We want the gradient of `z` with respect to `x`, but treating `y` as a constant. Detaching `y`
# gives `u`: the same values, without any record of how they were computed. The gradient of `z = u * x` is
# then `u`, not the $3x^2$ of `z = x * x * x`. MXNet and PyTorch call this `detach()`, TensorFlow
# `tf.stop_gradient`. Each cell also draws `z`'s graph: the cut is the dashed edge with scissors.

# %%
# MXNet
with nb.record():
    with autograd.record():
        y_mx = x_mx * x_mx
        u_mx = y_mx.detach()
        z_mx = u_mx * x_mx
z_mx.backward()
print(x_mx.grad == u_mx)
nb.graph(z_mx, grads=False)

# %% [markdown]
# TensorFlow's tape answers `gradient` only once, unless it is `persistent=True`. We need two answers here,
# for `z` now and for `y` below. In the picture the multiplication still says *saved for backward* after the
# first answer. In MXNet's and PyTorch's pictures the backward pass has freed them (*saved: freed*).

# %%
# TensorFlow: persistent=True to call t.gradient more than once
with nb.record():
    with tf.GradientTape(persistent=True) as t:
        y_tf = x_tf * x_tf
        u_tf = tf.stop_gradient(y_tf)
        z_tf = u_tf * x_tf
x_grad_tf = t.gradient(z_tf, x_tf)
print(x_grad_tf == u_tf)
nb.graph(z_tf, grads=False)

# %%
# PyTorch
x_pt.grad.zero_()
with nb.record():
    y_pt = x_pt * x_pt
    u_pt = y_pt.detach()
    z_pt = u_pt * x_pt
z_pt.sum().backward()
print(x_pt.grad == u_pt)
nb.graph(z_pt, grads=False)

# %% [markdown]
# The computation of `y` itself was recorded, so its gradient is still there to take: $2\mathbf{x}$.

# %%
# MXNet
y_mx.backward()
print(x_mx.grad == 2 * x_mx)

# TensorFlow (the persistent tape answers again)
print(t.gradient(y_tf, x_tf) == 2 * x_tf)

# PyTorch
x_pt.grad.zero_()
y_pt.sum().backward()
print(x_pt.grad == 2 * x_pt)

# %% [markdown]
# ## 9. Gradients through Python control flow
#
# The graph is recorded while the code runs, so a loop or a branch is no obstacle. Autodiff sees the
# operations that ran. In `f`, the number of iterations of `while` and the branch of `if` both depend on `a`.
# Each framework writes the norm and the sum its own way:

# %%
def f_mx(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def f_tf(a):
    b = a * 2
    while tf.norm(b) < 1000:
        b = b * 2
    if tf.reduce_sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


def f_pt(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


# %% [markdown]
# For a fixed `a`, `f` only multiplies by constants: `f(a) = k * a`, so the gradient must be `d / a`. The seed
# draws `a` at random. We draw one number with NumPy's seeded generator and give the same `a` to all three.

# %%
a_value = float(numpy.random.default_rng(0).standard_normal())
round(a_value, 4)

# %%
# MXNet
a_mx = np.array(a_value)
a_mx.attach_grad()
with autograd.record():
    d_mx = f_mx(a_mx)
d_mx.backward()
a_mx.grad == d_mx / a_mx

# %%
# TensorFlow
a_tf = tf.Variable(a_value)
with tf.GradientTape() as t:
    d_tf = f_tf(a_tf)
d_grad_tf = t.gradient(d_tf, a_tf)
d_grad_tf == d_tf / a_tf

# %%
# PyTorch
a_pt = torch.tensor(a_value, requires_grad=True)
d_pt = f_pt(a_pt)
d_pt.backward()
a_pt.grad == d_pt / a_pt

# %% [markdown]
# `a` is about 0.126: the loop doubled `b` 12 times after the first doubling, so $k = 2^{13} = 8192$ in all three.

# %%
float(a_mx.grad), float(d_grad_tf), a_pt.grad.item()

# %% [markdown]
# ## 10. The same numbers, three times
#
# Every gradient of this lesson, side by side, and an assert that the three frameworks agree exactly:

# %%
def column(values):
    return str(numpy.asarray(values, dtype=float).ravel().tolist())


x_mx = np.arange(4.0).reshape(4, 1)
x_mx.attach_grad()
x_tf = tf.Variable(tf.reshape(tf.range(4, dtype=tf.float32), (4, 1)))
x_pt = torch.arange(4.0).reshape(4, 1).requires_grad_(True)

cases = [  # (the gradient of, the code in MXNet and PyTorch, the code in TensorFlow)
    ("2xᵀx", lambda x: 2 * x.T @ x, lambda x: 2 * tf.transpose(x) @ x),
    ("sum(x)", lambda x: x.sum(), lambda x: tf.reduce_sum(x)),
    ("x * x", lambda x: x * x, lambda x: x * x),
]
rows = []
for name, fn, fn_tf in cases:
    with autograd.record():
        y_mx = fn(x_mx)
    y_mx.backward()  # MXNet writes x.grad
    with tf.GradientTape() as t:
        y_tf = fn_tf(x_tf)
    g_tf = t.gradient(y_tf, x_tf)  # TensorFlow returns it
    x_pt.grad = None  # PyTorch would add to the last gradient: start from none
    fn(x_pt).sum().backward()
    grads = [x_mx.grad.asnumpy(), g_tf.numpy(), x_pt.grad.numpy()]
    assert all(numpy.array_equal(grads[0], g) for g in grads[1:])
    rows.append((name, *map(column, grads)))
rows.append((f"f(a), a = {a_value:.4f}", column(a_mx.grad.asnumpy()), column(d_grad_tf.numpy()),
             column(a_pt.grad.numpy())))

print(f"{'gradient of':18}{'MXNet':24}{'TensorFlow':24}{'PyTorch':24}")
for row in rows:
    print("".join(f"{cell:24}" if i else f"{cell:18}" for i, cell in enumerate(row)))

# %% [markdown]
# ## 11. The rules, in one table
#
# The code is nearly the same in the three frameworks. What differs is what happens to the gradient.
# `nb.semantics()` has the whole list (DJL and a JAX-style API too):

# %%
nb.semantics()

# %% [markdown]
# ## 12. Checking the rule for a matrix
#
# Back to section 1: for any square $\mathbf{A}$, $\nabla_{\mathbf{x}} \mathbf{x}^\top\mathbf{A}\mathbf{x} =
# (\mathbf{A} + \mathbf{A}^\top)\mathbf{x}$. We take a random $4 \times 4$ matrix from NumPy's seeded generator
# and check the rule in each framework against NumPy's $(\mathbf{A} + \mathbf{A}^\top)\mathbf{x}$:

# %%
A = numpy.random.default_rng(1).standard_normal((4, 4)).astype(numpy.float32)
x0 = numpy.arange(4.0, dtype=numpy.float32).reshape(4, 1)
expected = (A + A.T) @ x0

x_mx = np.array(x0)
x_mx.attach_grad()
with autograd.record():
    y_mx = x_mx.T @ np.array(A) @ x_mx
y_mx.backward()

x_tf = tf.Variable(x0)
with tf.GradientTape() as t:
    y_tf = tf.transpose(x_tf) @ tf.constant(A) @ x_tf
g_tf = t.gradient(y_tf, x_tf)

x_pt = torch.tensor(x0, requires_grad=True)
(x_pt.T @ torch.tensor(A) @ x_pt).backward()

for name, g in [("MXNet", x_mx.grad.asnumpy()), ("TensorFlow", g_tf.numpy()), ("PyTorch", x_pt.grad.numpy())]:
    assert numpy.allclose(g, expected, atol=1e-5)
    print(f"{name:11} {[round(float(v), 4) for v in g.ravel()]}  ✓ (A + Aᵀ)x")
print(f"{'NumPy':11} {[round(float(v), 4) for v in expected.ravel()]}")

# %% [markdown]
# ## Summary
#
# - MXNet: `attach_grad()`, record inside `autograd.record()`, `y.backward()`, read `x.grad`. Each backward
#   *writes* `x.grad`, and a vector is summed.
# - TensorFlow: `tf.Variable`, record on a `tf.GradientTape()`, `t.gradient(y, x)` *returns* the gradient.
#   A vector is summed. A tape answers once unless it is `persistent=True`.
# - PyTorch: `requires_grad=True`, every operation is recorded, `y.backward()` *adds* to `x.grad`
#   (`x.grad.zero_()` clears it). A vector needs `gradient=` or `.sum()`.
# - All three detach a value (`detach()` / `tf.stop_gradient`), differentiate through Python control flow,
#   and give the same numbers.
