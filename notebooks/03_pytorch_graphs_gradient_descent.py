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
# # Dynamic computational graphs and gradient descent, in PyTorch
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F03_pytorch_graphs_gradient_descent.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/03_pytorch_graphs_gradient_descent.ipynb)
#
# How does PyTorch know how to differentiate? Every tensor computed from a tensor that `requires_grad`
# remembers the operation that made it, and those memories form a graph, built as the code runs. This lesson
# looks at that graph (leaf, intermediate and output nodes), runs backpropagation over it — once, twice, from the
# middle — switches the recording off, and then uses the gradients for gradient descent on a small linear
# regression, next to the least-squares solution and where least squares breaks down.
#
# The pictures are drawn by the cells: in a freshly downloaded notebook, run the cells (or *File → Trust
# Notebook*) to see them.

# %%
import sys

if "google.colab" in sys.modules:  # on Colab only: install nbautodiff (PyTorch is there already)
    %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# `import nbautodiff.torch as torch` gives PyTorch's names on nbautodiff's own engine (or on real PyTorch, with
# `nb.set_backend("torch")`): the code below is PyTorch code, and every tensor prints as PyTorch prints it.
# `%load_ext nbautodiff` adds the `%%autodiff` cell magic we use later.

# %%
import textwrap
import warnings

import numpy as np
from matplotlib.figure import Figure

import nbautodiff as nb
import nbautodiff.torch as torch
from nbautodiff.plots import Plot

# %load_ext nbautodiff

# %% [markdown]
# ## 1. Tracing back: how a tensor remembers where it came from
#
# ### 1.1 `requires_grad` and `grad_fn`
#
# A tensor made with `requires_grad=True` is *differentiable*: PyTorch will record what is computed from it.

# %%
x = torch.tensor(1.0, requires_grad=True)
x

# %% [markdown]
# Compute $y = x^2$. The result prints with a new attribute, `grad_fn`: the node that knows how to
# differentiate the operation that made `y` (a power, so `PowBackward0`).

# %%
y = x**2
y

# %%
print(y.grad_fn)

# %% [markdown]
# `x` was not computed from anything, so it has no `grad_fn`:

# %%
print(x.grad_fn)

# %% [markdown]
# A tensor computed from a differentiable tensor is differentiable too, so we can keep going: $z = y + 1$.

# %%
y.requires_grad

# %%
z = y + 1
z

# %%
print(z.requires_grad, z.grad_fn)

# %% [markdown]
# Each `grad_fn` points back to the nodes of its inputs (`next_functions`). From `z` we reach `y`'s node, and
# from there the `AccumulateGrad` node that will store the gradient of the leaf `x` (the `None` is the constant
# `1`, which needs no gradient). Following these pointers back from any tensor is the **backtracking mechanism**:
# every step of the computation can be found again.

# %%
print(z.grad_fn.next_functions)
print(y.grad_fn.next_functions)
print(z.grad_fn.next_functions[0][0] is y.grad_fn)

# %% [markdown]
# ### 1.2 The computational graph
#
# Drawn out, those pointers are a **computational graph**: a directed acyclic graph whose nodes are tensors,
# with an edge for each operation in the direction it was computed. The graph has three kinds of tensor nodes:
#
# - a **leaf** node is a differentiable tensor we made ourselves, the input of the computation: `x`;
# - the **output** node is where the computation ends: `z`;
# - every other tensor node is an **intermediate** node: `y`.
#
# A graph may have many leaves and intermediate nodes; it usually has one output (several results are usually put
# into one tensor). `nb.graph(z)` draws it; run the code inside `with nb.record():` and every value shows (the
# hexagons are the `grad_fn` nodes).

# %%
with nb.record():
    x = torch.tensor(1.0, requires_grad=True)
    y = x**2
    z = y + 1
g = nb.graph(z)
g

# %% [markdown]
# The picture's shapes say each node's kind; so does the graph itself:

# %%
[(node.label, node.kind) for node in g.values]

# %% [markdown]
# ### 1.3 The graph is dynamic
#
# PyTorch builds the graph *while the code runs*: each operation adds its node at once. There is no graph to
# declare first (as in old TensorFlow), so ordinary Python — loops, `if`, functions — decides what goes into it.
# Here a loop doubles `b` until its size is at least 10 and a branch multiplies negative results by 100; the same
# function gives different graphs for different inputs.

# %%
def f(a):
    b = a * 2
    while b.abs() < 10:
        b = b * 2
    if b > 0:
        return b
    return 100 * b


with nb.record():
    a = torch.tensor(3.0, requires_grad=True)
    d = f(a)
nb.graph(d)

# %%
with nb.record():
    a = torch.tensor(-2.0, requires_grad=True)
    d = f(a)
nb.graph(d)

# %% [markdown]
# Whatever path the code took, `f` multiplies `a` by some constant, so its derivative is `d / a`; the graph that
# was recorded gives exactly that:

# %%
d.backward()
a.grad, a.grad == d / a

# %% [markdown]
# ## 2. Backpropagation and gradients
#
# ### 2.1 `backward()`
#
# A tensor's gradient lives in its `.grad`. Building the graph computed no derivative, so `x.grad` is empty:

# %%
print(x.grad)

# %% [markdown]
# **Backpropagation** computes it: `z.backward()` walks the graph from `z` back to the leaves — back along the
# recorded function relations (this is not an inverse function) — and stores $\frac{dz}{dx}$ in `x.grad`. The
# stepper plays that walk node by node before we run it: `AddBackward0` passes $\bar z = 1$ to `y`, and
# `PowBackward0` multiplies it by $2x$.

# %%
nb.step(z)

# %%
z.backward()
x

# %% [markdown]
# $z = x^2 + 1$, so $\frac{dz}{dx} = 2x = 2$ at $x = 1$:

# %%
x.grad, x.grad == 2 * x

# %% [markdown]
# ### 2.2 Only once: the second `backward()`
#
# To save memory, the backward pass frees the tensors the graph saved for it (`PowBackward0` kept `x` to compute
# $2x$). The picture now shows `x`'s gradient, and the saved tensors as freed:

# %%
nb.graph(z)

# %% [markdown]
# So a second `backward()` through the same graph fails; here is the first line of PyTorch's error:

# %%
try:
    z.backward()
except RuntimeError as e:
    print(str(e).splitlines()[0])

# %% [markdown]
# `backward(retain_graph=True)` keeps the saved tensors. Then a second backward works — and **adds** its gradient
# to what `.grad` already holds, which is why training loops clear gradients with `.grad.zero_()`.

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
z = y + 1
z.backward(retain_graph=True)
print(x.grad)
z.backward()
print(x.grad)
x.grad.zero_()

# %% [markdown]
# ### 2.3 Backward from an intermediate node
#
# Any node with a `grad_fn` can start a backward pass, `y` too; it fills in $\frac{dy}{dx}$ here:

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
z = y + 1
y.backward()
x.grad

# %% [markdown]
# That backward freed `PowBackward0`'s saved tensors, and `z`'s path to `x` goes through it as well, so now both
# fail:

# %%
for t in (y, z):
    try:
        t.backward()
    except RuntimeError as e:
        print(str(e).splitlines()[0])

# %% [markdown]
# Starting from the middle is not the same as starting from the output. With $y = x^2$ and $z = y^2$,
# $\frac{dz}{dx} = 4x^3 = 4$ but $\frac{dy}{dx} = 2x = 2$ at $x = 1$:

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
z = y**2
z.backward()
x.grad

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
z = y**2
y.backward()
x.grad

# %% [markdown]
# So: backpropagation runs the recorded function relations backwards; it starts from any node that has a
# `grad_fn` (every node but the leaves); and it computes the derivative — the gradient — of that node with
# respect to the **leaves**.
#
# ### 2.4 Gradients of intermediate nodes: `retain_grad()`
#
# Only leaves keep their gradient. An intermediate node's `.grad` stays `None`, and reading it warns (the warning
# is caught here so that its text can be printed):

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
z = y**2
z.backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(y.grad)
for warning in caught:  # PyTorch adds where in its C++ source it warned; we leave that part out
    message = str(warning.message).split(" (Triggered internally")[0]
    print(warning.category.__name__ + ":", textwrap.fill(message, 100))

# %%
x.grad

# %% [markdown]
# To keep an intermediate gradient, call `retain_grad()` on that tensor before the backward pass. The graph marks
# the kept gradient $\frac{dz}{dy} = 2y = 2$ as retained:

# %%
with nb.record():
    x = torch.tensor(1.0, requires_grad=True)
    y = x**2
    y.retain_grad()
    z = y**2
z.backward()
y, y.grad, x.grad

# %%
nb.graph(z)

# %% [markdown]
# ### 2.5 Non-scalar outputs
#
# So far every output was a single number. `backward()` on a tensor of several numbers has no single derivative to
# compute, and PyTorch refuses:

# %%
x = torch.arange(4.0, requires_grad=True)
y = x * x
try:
    y.backward()
except RuntimeError as e:
    print(str(e).splitlines()[0])

# %% [markdown]
# Give it the vector to multiply the Jacobian with, `gradient=`: with ones, that is the gradient of `y.sum()`,
# here $2x$ for each element.

# %%
y.backward(gradient=torch.ones(4))
x.grad, x.grad == 2 * x

# %% [markdown]
# ## 3. Stopping the recording
#
# Sometimes part of a computation should not be recorded: the update of the weights in a training loop, for
# instance, is not part of the function being differentiated.
#
# ### 3.1 `with torch.no_grad():`
#
# Nothing computed inside the block is recorded: `z` has no `grad_fn` and doesn't require grad, while `y`,
# computed before the block, keeps its own.

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
with torch.no_grad():
    z = y**2

# %%
z

# %%
z.requires_grad

# %%
y

# %% [markdown]
# ### 3.2 `.detach()`
#
# `y.detach()` is a tensor with the same value as `y` and no history. Whatever is computed from it is not
# recorded either:

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
y1 = y.detach()
z = y1**2

# %%
y

# %%
y1

# %%
z, z.requires_grad

# %% [markdown]
# Detaching is also how to make a value a *constant* inside a larger computation. Below `z = u * x` with
# `u = y.detach()`: the dashed edge with scissors is the cut, so backward treats `u` as a number and
# $\frac{dz}{dx} = u$, not $\frac{d(x^3)}{dx} = 3x^2$. (The graph is drawn from both `z` and `y`, so `y`'s own
# part shows too; each is the output of its own graph.)

# %%
with nb.record():
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    u = y.detach()
    z = u * x
z.backward()
nb.graph(z, y)

# %%
x.grad, x.grad == u

# %% [markdown]
# ### 3.3 Which tensors are leaves: `is_leaf`

# %%
x.is_leaf, y.is_leaf

# %% [markdown]
# Careful: `is_leaf` is true for *every* tensor that was not computed by a recorded operation — a new tensor
# that doesn't require grad, or a detached one. Such a tensor is one `requires_grad=True` away from being a real
# leaf of a graph.

# %%
torch.tensor([1]).is_leaf

# %%
y1, y1.is_leaf

# %% [markdown]
# ### Exercise
#
# Let $x = 3$, $y = x^2$ and $z = y^2 + y$. What is `x.grad` after `z.backward()`? Work it out with the chain
# rule first, then check it with autograd: set `answer` to your number.

# %%
answer = None  # your code here: the value of dz/dx at x = 3

# %%
x = torch.tensor(3.0, requires_grad=True)
y = x**2
z = y**2 + y
z.backward()
if answer is None:
    print("not answered yet — try it, or open the solution below")
elif float(answer) == float(x.grad):
    print("✓", answer, "is dz/dx")
else:
    print(f"not quite: autograd says {x.grad.item():g}; hint: dz/dx = (dz/dy)·(dy/dx) = (2y + 1)·2x")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# # dz/dy = 2y + 1 = 19 at y = 9, dy/dx = 2x = 6, so dz/dx = 19 * 6
# answer = 114
# ```
#
# </details>

# %%
answer = 114
answer, x.grad

# %% [markdown]
# ## 4. Gradient descent
#
# With gradients at hand we can minimise a function by walking downhill. We try it on the problem least squares
# solves exactly: fitting a line.
#
# ### 4.1 The data and the least-squares solution
#
# Twelve points near the line $y = 2x + 1$. The data set is ours (made with numpy, seeded, so it is the same
# everywhere).

# %%
rng = np.random.default_rng(0)
x_data = np.round(rng.uniform(0, 5, 12), 1)
y_data = np.round(2 * x_data + 1 + rng.normal(0, 0.5, 12), 2)
x_data, y_data

# %% [markdown]
# We look for $\hat y = w x + b$. With the *design matrix* $X$ (a column of $x$ and a column of ones) and
# $\mathbf{w} = (w, b)^\top$, the mean squared error is
#
# $$L(\mathbf{w}) = \frac{1}{n}\lVert X\mathbf{w} - \mathbf{y}\rVert^2 .$$
#
# Setting its gradient $\nabla L = \frac{2}{n}X^\top(X\mathbf{w} - \mathbf{y})$ to zero gives the **normal
# equations** $X^\top X\,\mathbf{w} = X^\top\mathbf{y}$, so $\mathbf{w} = (X^\top X)^{-1}X^\top\mathbf{y}$: the
# least-squares solution, in one step. `torch.linalg.lstsq` solves the problem directly; `torch.linalg.solve` and
# `torch.linalg.inv` solve the normal equations. All three agree.

# %%
X = torch.tensor(np.column_stack([x_data, np.ones_like(x_data)]))
Y = torch.tensor(y_data).reshape(-1, 1)
n = len(x_data)
w_ls = torch.linalg.lstsq(X, Y).solution
w_ls

# %%
torch.linalg.solve(X.T @ X, X.T @ Y), torch.linalg.inv(X.T @ X) @ X.T @ Y

# %% [markdown]
# ### 4.2 The gradient of the loss, checked
#
# Gradient descent needs $\nabla L$. Autograd gives it; the `%%autodiff --check` cell below also draws the
# loss's graph and compares every gradient with central differences. (The differences are rounding noise, whose
# digits differ between the own engine and real PyTorch, so this one cell's output is not compared when the lesson
# is tested; `-o report` keeps the verdict, printed after it.)

# %% tags=["nbval-ignore-output"]
# %%autodiff --check -o report
w = torch.zeros(2, 1, dtype=torch.float64, requires_grad=True)
loss = ((X @ w - Y) ** 2).mean()
loss.backward()

# %%
report.passed

# %% [markdown]
# The gradient is also the formula above:

# %%
w.grad, torch.allclose(w.grad, 2 / n * X.T @ (X @ w.detach() - Y))

# %% [markdown]
# Move the sliders: the loss and its two partial derivatives follow. Both derivatives are 0 only at the
# least-squares solution (slope about 2.06, intercept about 0.71), and each one's sign says which way is downhill.

# %%
xs, ys = torch.tensor(x_data), torch.tensor(y_data)
nb.explore(lambda w, b: ((w * xs + b - ys) ** 2).mean(), w=(0.0, 4.0, 1.0), b=(-2.0, 3.0, 0.0))

# %% [markdown]
# ### 4.3 Gradient descent, step by step
#
# Gradient descent starts anywhere and repeats one step: move the weights a little against the gradient,
#
# $$\mathbf{w} \leftarrow \mathbf{w} - \eta\,\nabla L(\mathbf{w}),$$
#
# with the **learning rate** $\eta$. Here is the graph of one point's squared error, $(wx_0 + b - y_0)^2$, at
# $w = b = 0$: step through it to see the gradient arrive at $w$ (multiplied by $x_0$) and at $b$.

# %%
x0, y0 = xs[0], ys[0]
with nb.record():
    w = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    err = (w * x0 + b - y0) ** 2
nb.step(err)

# %% [markdown]
# A training loop does that for the whole loss, many times. Each step: compute the loss (a new graph), run
# `backward()`, update the weights inside `torch.no_grad()` (the update is not part of the function), and clear
# the gradient, which would otherwise accumulate. `nb.TrainingMonitor` draws the loss and the gradient's norm as
# the loop runs.

# %%
def gradient_descent(X, Y, lr, steps, monitor=None):
    w = torch.zeros(X.shape[1], 1, dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((X @ w - Y) ** 2).mean()
        loss.backward()
        losses.append(loss.item())
        if monitor is not None:
            monitor.update(loss, params=[w])
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
    return w.detach(), losses


# %% tags=["nbval-ignore-output"]
with nb.TrainingMonitor(total=500, every=100, title="gradient descent, η = 0.05") as monitor:
    w_gd, losses = gradient_descent(X, Y, lr=0.05, steps=500, monitor=monitor)

# %% [markdown]
# After 500 steps gradient descent has found the least-squares coefficients; drawn over the data, the two lines
# lie on top of each other.

# %%
print("gradient descent:", [round(v, 4) for v in w_gd.flatten().tolist()])
print("least squares:   ", [round(v, 4) for v in w_ls.flatten().tolist()])
assert torch.allclose(w_gd, w_ls, atol=1e-3)

# %%
fig = Figure(figsize=(5, 3.2))
ax = fig.subplots()
ax.scatter(x_data, y_data, color="#0072B2", zorder=3)
line = np.array([0.0, 5.0])
ax.plot(line, w_ls[0].item() * line + w_ls[1].item(), color="#D55E00", lw=3, alpha=0.5, label="torch.linalg.lstsq")
ax.plot(line, w_gd[0].item() * line + w_gd[1].item(), "k--", lw=1, label="gradient_descent()")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend()
Plot(fig, ax, {})

# %% [markdown]
# ### 4.4 The learning rate
#
# How large may $\eta$ be? For this loss the answer can be computed: the steps shrink the error only while
# $\eta < 2/\lambda_{\max}$, where $\lambda_{\max}$ is the largest eigenvalue of the Hessian $\frac{2}{n}X^\top X$.
# The loss is a valley, steep in one direction and shallow in the other. Small steps are safe but crawl along the
# shallow floor ($\eta = 0.01$). Larger steps move faster along the floor but overshoot across the steep
# direction, and close to the limit they zigzag ($\eta = 0.09$ starts slowly, then overtakes). Above the limit
# every step overshoots by more than the last, and the loss explodes ($\eta = 0.1$). The plot shows how far each
# run's loss is above the least-squares minimum $L^*$, after $k$ steps.

# %%
limit = 2 / np.linalg.eigvalsh(2 / n * X.T.numpy() @ X.numpy()).max()
round(float(limit), 4)

# %%
fig = Figure(figsize=(6, 3.5))
ax = fig.subplots()
best = ((X @ w_ls - Y) ** 2).mean().item()
final = [f"least squares: L* = {best:.4g}"]
for lr in (0.01, 0.05, 0.09, 0.1):
    _, curve = gradient_descent(X, Y, lr=lr, steps=100)
    ax.plot(np.array(curve) - best, label=f"η = {lr}")
    final.append(f"η = {lr}: loss after 100 steps {curve[-1]:.4g}")
print("\n".join(final))
ax.set_yscale("log")
ax.set_xlabel("k")
ax.set_ylabel("L(w_k) − L*")
ax.legend()
Plot(fig, ax, {})

# %% [markdown]
# ## 5. When least squares fails
#
# The normal equations need $X^\top X$ to be invertible: full rank. That fails whenever a feature is a
# combination of others. Add a column $2x$: it carries no new information, and $X^\top X$ is $3\times 3$ with rank
# 2.

# %%
X2 = torch.tensor(np.column_stack([x_data, 2 * x_data, np.ones_like(x_data)]))
A2 = X2.T @ X2
int(np.linalg.matrix_rank(A2.numpy()))

# %%
try:
    torch.linalg.solve(A2, X2.T @ Y)
except RuntimeError as e:
    print(str(e).splitlines()[0])

# %% [markdown]
# There is no single best $\mathbf{w}$ any more — any $(w_1, w_2)$ with $w_1 + 2w_2 = 2.0644$ fits equally well —
# and the closed form gives up. Gradient descent needs no inverse: it still walks downhill (with a smaller
# learning rate, since this Hessian's largest eigenvalue is larger) and ends on one of the best fits.

# %%
w2, _ = gradient_descent(X2, Y, lr=0.015, steps=2000)
print("weights:", [round(v, 4) for v in w2.flatten().tolist()])
print("slope w1 + 2 w2:", round(w2[0].item() + 2 * w2[1].item(), 4), " intercept:", round(w2[2].item(), 4))
print("same fit as before:", torch.allclose(X2 @ w2, X @ w_ls, atol=1e-4))

# %% [markdown]
# Which of the best fits? Started from zero, gradient descent never moves along the direction that doesn't change
# the loss, so it ends on the one with the smallest norm: numpy's pseudo-inverse gives the same weights.

# %%
np.round(np.linalg.pinv(X2.numpy()) @ y_data, 4)

# %% [markdown]
# The closed form can be rescued too, by adding a small perturbation $\lambda I$ to the matrix: $X^\top X +
# \lambda I$ is invertible for every $\lambda > 0$ (this is *ridge regression*). As $\lambda$ shrinks, its
# solution approaches the same smallest-norm weights.

# %%
for lam in (0.1, 1e-6):
    w_ridge = torch.linalg.solve(A2 + lam * torch.eye(3, dtype=torch.float64), X2.T @ Y)
    print(f"λ = {lam:g}:", [round(v, 4) for v in w_ridge.flatten().tolist()])

# %% [markdown]
# ## Summary
#
# - A tensor with `requires_grad=True` makes everything computed from it record its operation in `grad_fn`;
#   following `grad_fn` back is the backtracking mechanism, and the records form the computational graph — leaf,
#   intermediate and output nodes — built anew, dynamically, each time the code runs.
# - `backward()` runs the graph backwards from any non-leaf node and stores the gradient in the leaves' `.grad`;
#   it frees what the graph saved (a second backward needs `retain_graph=True`) and adds to `.grad` rather than
#   replacing it. Intermediate nodes keep a gradient only with `retain_grad()`; a non-scalar output needs
#   `gradient=`.
# - `torch.no_grad()` and `.detach()` keep computations out of the graph; `is_leaf` is true for every tensor no
#   recorded operation produced.
# - Least squares solves linear regression in one step but needs $X^\top X$ of full rank; gradient descent,
#   $\mathbf{w} \leftarrow \mathbf{w} - \eta\nabla L$, needs only the gradient — reaching the same answer when
#   there is one, and a best fit when there are many.
