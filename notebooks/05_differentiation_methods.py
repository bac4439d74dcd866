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
# # Four ways to differentiate: differences, symbols, forward and reverse mode
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F05_differentiation_methods.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/05_differentiation_methods.ipynb)
#
# This lesson follows the automatic differentiation notes of CMU's *Deep Learning Systems* course. It
# differentiates one small function in four ways (numerical differences, symbolic rules, forward mode and
# reverse mode), draws its computational graph with every value, steps through both modes node by node, and
# counts what each method costs. It ends with the ideas modern frameworks are built on: backward builds a graph
# of its own (so gradients can be differentiated again), adjoints of matrices, and adjoints of a dict.
#
# The pictures are drawn by the cells: in a freshly downloaded notebook, run the cells (or *File → Trust
# Notebook*) to see them.

# %%
import sys

if "google.colab" in sys.modules:  # on Colab only: install nbautodiff (PyTorch is there already)
    %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# ## Why derivatives, and the running example
#
# Every machine learning algorithm has three parts: a *hypothesis class* $h_\theta(x)$ (the model), a *loss
# function* $\ell(h_\theta(x), y)$, and an *optimization method*. The usual method, minibatch stochastic
# gradient descent, repeats
#
# $$\theta := \theta - \frac{\alpha}{B}\sum_{i=1}^{B} \nabla_\theta\, \ell\big(h_\theta(x^{(i)}), y^{(i)}\big),$$
#
# and its heart is the gradient $\nabla_\theta \ell$. The question of this lesson is *how a computer gets it*.
# We use one function throughout:
#
# $$y = f(x_1, x_2) = \ln(x_1) + x_1 x_2 - \sin(x_2) \quad\text{at}\quad (x_1, x_2) = (2, 5).$$
#
# By hand, $\partial y/\partial x_1 = 1/x_1 + x_2 = 5.5$ and $\partial y/\partial x_2 = x_1 - \cos(x_2)
# \approx 1.716$. `nbautodiff.torch` has PyTorch's names; `nbautodiff` (`nb`) has the tools that look inside.

# %%
import math

import numpy as np

import nbautodiff as nb
import nbautodiff.torch as torch


def f(x1, x2):
    return torch.log(x1) + x1 * x2 - torch.sin(x2)


def at(a, b):
    """f at two plain numbers, in float64."""
    return f(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)).item()


round(at(2.0, 5.0), 3), round(1 / 2 + 5, 3), round(2 - math.cos(5), 3)

# %% [markdown]
# ## 1. Numerical differentiation
#
# The definition of a partial derivative, with a small but finite $\epsilon$ and the unit vector $e_i$, gives
# the **forward difference**:
#
# $$\frac{\partial f(\theta)}{\partial \theta_i} \approx \frac{f(\theta + \epsilon e_i) - f(\theta)}{\epsilon}.$$
#
# Stepping to both sides gives the **central difference**, which is much more accurate. Taylor's expansion says
# why: $f(\theta\pm\delta) = f(\theta) \pm f'(\theta)\delta + \tfrac12 f''(\theta)\delta^2 \pm O(\delta^3)$.
# In the difference of the two, the $f''$ terms cancel, so
#
# $$\frac{f(\theta + \epsilon e_i) - f(\theta - \epsilon e_i)}{2\epsilon} = \frac{\partial f(\theta)}{\partial
# \theta_i} + O(\epsilon^2), \qquad \text{while the forward difference is only } O(\epsilon) \text{ accurate.}$$
#
# Both take a few lines:

# %%
def forward_difference(a, b, eps):
    return (at(a + eps, b) - at(a, b)) / eps


def central_difference(a, b, eps):
    return (at(a + eps, b) - at(a - eps, b)) / (2 * eps)


print("eps     forward    error      central    error      (exact ∂y/∂x1 = 5.5)")
for eps in (1e-1, 1e-2, 1e-3):
    fd, cd = forward_difference(2.0, 5.0, eps), central_difference(2.0, 5.0, eps)
    print(f"{eps:<7g} {fd:.6f}   {abs(fd - 5.5):.2e}   {cd:.6f}   {abs(cd - 5.5):.2e}")

# %% [markdown]
# Each tenfold smaller $\epsilon$ makes the forward error ten times smaller and the central error a hundred times
# smaller: $O(\epsilon)$ against $O(\epsilon^2)$. `nb.numerical_grad` does the same for every input at once
# (central differences, $\epsilon = 10^{-6}$):

# %%
x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
[round(float(g), 3) for g in nb.numerical_grad(f, (x1, x2))]

# %% [markdown]
# ### Truncation error against round-off error
#
# So why not take $\epsilon = 10^{-15}$? Because a computer subtracts two nearly equal rounded numbers: the
# *round-off* error grows like (machine epsilon)$/\epsilon$ as $\epsilon$ shrinks, while the *truncation* error
# (the Taylor terms we dropped) shrinks. `nb.eps_sweep` measures both for $\partial y/\partial x_1$ (with
# $x_2 = 5$ held fixed) over $\epsilon$ from $10^{-15}$ to $10^{-1}$, in float32 and float64:

# %%
sweep = nb.eps_sweep(lambda t: torch.log(t) + t * 5.0 - math.sin(5.0), 2.0)
sweep

# %% [markdown]
# On a log-log plot the two errors make a V: the right arm is truncation (slope 1 for forward, 2 for central),
# the left arm round-off. float32 (about 7 significant digits) reaches the bottom of its V at a much larger
# $\epsilon$, and far higher; below $\epsilon \approx 10^{-7}$ it cannot even tell $2 + \epsilon$ from $2$, the
# difference is 0, and the error is the whole derivative, 5.5.

# %%
sweep.plot()

# %% [markdown]
# Numerical differentiation has two drawbacks: its answer is only an approximation that depends on $\epsilon$,
# and it is slow: every partial derivative costs (at least) two more evaluations of $f$. A model with a million
# parameters would need two million evaluations for one gradient.
#
# ### Gradient checking
#
# Too slow to train with, differences are a fine *test*: an implementation of a faster method should agree with
# them. Rather than compare every partial, the notes pick a random direction $\delta$ from the unit ball and
# compare one number:
#
# $$\delta^\top \nabla_\theta f(\theta) = \frac{f(\theta + \epsilon\delta) - f(\theta - \epsilon\delta)}{2\epsilon}
# + O(\epsilon^2).$$
#
# The left side uses the gradient under test (here reverse mode's `backward()`), the right side two evaluations
# of $f$. If the two agree for several random $\delta$, the gradient is very likely right. By hand, for one
# $\delta$:

# %%
rng = np.random.default_rng(0)
delta = rng.standard_normal(2)
delta /= np.linalg.norm(delta)

x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
f(x1, x2).backward()
lhs = delta[0] * x1.grad.item() + delta[1] * x2.grad.item()

eps = 1e-6
rhs = (at(2.0 + eps * delta[0], 5.0 + eps * delta[1]) - at(2.0 - eps * delta[0], 5.0 - eps * delta[1])) / (2 * eps)
round(float(lhs), 6), round(rhs, 6)

# %% [markdown]
# `nb.random_direction_check` runs that check for several random directions:

# %%
nb.random_direction_check(f, (x1, x2), n=3)

# %% [markdown]
# `nb.gradcheck` is PyTorch's `gradcheck`: it compares whole Jacobians, or with `fast_mode=True` runs the random
# direction check above. Its worth shows when a gradient is wrong. Here $\sin$ gets a hand-written backward that
# forgets the sign of $\cos$ (written as a `nb.Function`, which has the shape of PyTorch's
# `torch.autograd.Function`; `nb.gradcheck` runs it on nbautodiff's own engine), and the check points at the
# input it breaks, $x_2$:

# %%
class WrongSin(nb.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sin(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * -torch.cos(x)  # wrong: the derivative of sin is +cos


def f_wrong(x1, x2):
    return torch.log(x1) + x1 * x2 - WrongSin.apply(x2)


print(bool(nb.gradcheck(f, (x1, x2))), bool(nb.gradcheck(f_wrong, (x1, x2))))
nb.gradcheck(f_wrong, (x1, x2))

# %% [markdown]
# ## 2. Symbolic differentiation
#
# The method from school: apply the **sum rule** $\partial(f+g)/\partial\theta = \partial f/\partial\theta +
# \partial g/\partial\theta$, the **product rule** $\partial(fg)/\partial\theta = g\,\partial f/\partial\theta +
# f\,\partial g/\partial\theta$ and the **chain rule** $\partial f(g(\theta))/\partial\theta = f'(g(\theta))\,
# \partial g(\theta)/\partial\theta$ to the formula until it has no derivatives left. sympy does exactly that;
# `nbautodiff.symbolic.symbolic_grad` calls `sympy.diff` for each variable and simplifies nothing:

# %%
import sympy

from nbautodiff.symbolic import expression_swell, product_gradient, swell_table, symbolic_grad

dy_dx1, dy_dx2 = symbolic_grad(lambda x1, x2: sympy.log(x1) + x1 * x2 - sympy.sin(x2), 2, ["x1", "x2"])
dy_dx1, dy_dx2

# %%
[round(float(d.subs({"x1": 2, "x2": 5})), 3) for d in (dy_dx1, dy_dx2)]

# %% [markdown]
# Exact formulas, exact values. The trouble is *cost*. Applied mechanically, the rules repeat work. Take
# $f(\theta) = \prod_{i=1}^{n}\theta_i$: each partial $\partial f/\partial\theta_k = \prod_{j\ne k}\theta_j$ is a
# product of $n-1$ factors, $n-2$ multiplications, and computed one by one the gradient costs $n(n-2)$
# multiplications, although the partials share most of their sub-products ($\theta_1\theta_2$ appears in all but
# two of them). For $n = 4$:

# %%
product_gradient(4)

# %% [markdown]
# $4 \times 2 = 8$ multiplications. As $n$ grows the naive count grows like $n^2$; even after sympy's common
# subexpression elimination (`sympy.cse`) it stays quadratic. Reverse mode, measured on the engine (next
# sections), needs $n-1$ multiplications forward and $2$ per product node backward: $3(n-1)$, linear in $n$.

# %%
swell_table((3, 4, 6, 8, 12))

# %% [markdown]
# The other face of the waste is **expression swell**: the derivative's formula can be far larger than the
# function's. In the logistic map $l_1 = x$, $l_{k+1} = 4 l_k (1 - l_k)$, each step's product rule copies the
# whole previous expression twice. sympy's operation count for $dl_k/dx$ grows much faster than for $l_k$, while
# the engine evaluates the derivative with a fixed handful of primitives per step:

# %%
expression_swell(4)

# %% [markdown]
# ## 3. Automatic differentiation: the computational graph
#
# Automatic differentiation (AD) takes the best of both: it applies the exact rules of symbolic differentiation,
# but to the *computation* rather than to a formula, and keeps numbers, not expressions. Any computation is a
# sequence of primitive operations, which form a **computational graph**, a directed acyclic graph (DAG): a node
# is a value (the inputs $x_1, x_2$ or an intermediate $v_i$), an edge says which value an operation (ln, ×, sin,
# +, −) reads.
#
# Evaluating $f$ at $(2, 5)$ step by step is the **forward evaluation** (forward propagation) every program does:
#
# | | |
# |---|---|
# | $v_1 = x_1 = 2$ | $v_2 = x_2 = 5$ |
# | $v_3 = \ln v_1 = \ln 2 = 0.693$ | $v_4 = v_1 \times v_2 = 10$ |
# | $v_5 = \sin v_2 = \sin 5 = -0.959$ | $v_6 = v_3 + v_4 = 10.693$ |
# | $v_7 = v_6 - v_5 = 10.693 - (-0.959) = 11.652$ | $y = v_7 = 11.652$ |
#
# The engine records the same graph as the code runs. Inside `with nb.record():` it keeps every intermediate
# value too, and `nb.graph(y)` draws it: the leaves $x_1, x_2$ in blue, the intermediate values in grey, the output
# $y$ in orange, and between them the operations (pink), under PyTorch's names for their backward nodes.

# %%
with nb.record() as recording:  # kept in a variable: later pictures of y read its values from it
    x1 = torch.tensor(2.0, requires_grad=True)
    x2 = torch.tensor(5.0, requires_grad=True)
    y = torch.log(x1) + x1 * x2 - torch.sin(x2)
nb.graph(y)

# %% [markdown]
# The picture numbers the values as the notes do: inputs first, then by depth. Python computed
# $\ln x_1 + x_1x_2$ before $\sin x_2$, yet $\sin x_2$ is $v_5$ because it is one step from the inputs.
# `nb.trace(f, 2., 5.)` lays the same evaluation out as tables. Its **primal trace** is the list above:

# %%
trace = nb.trace(f, 2.0, 5.0)
trace.primal

# %%
{v.name: round(float(v.value), 3) for v in trace.variables}

# %% [markdown]
# ## 4. Forward mode AD
#
# Forward mode carries a second number along with each value: its derivative with respect to *one* chosen
# input, the **tangent** $\dot v_i = \partial v_i/\partial x_1$. The inputs are seeded with $\dot v_1 = 1$
# ($x_1$ is the chosen one) and $\dot v_2 = 0$; then, in the same topological order as the evaluation, each
# operation applies its derivative rule through the chain rule:
#
# $\dot v_3 = \dot v_1 / v_1 = 0.5$, $\;\dot v_4 = v_2\dot v_1 + v_1\dot v_2 = 5$, $\;\dot v_5 = \cos(v_2)\,
# \dot v_2 = 0$, $\;\dot v_6 = \dot v_3 + \dot v_4 = 5.5$, $\;\dot v_7 = \dot v_6 - \dot v_5 = 5.5$.
#
# The **tangent trace** of the same run:

# %%
trace.tangent

# %% [markdown]
# The stepper plays it on the graph: press ▶ (or drag the slider) and each operation computes its $\dot v$ from
# its inputs', with the table row of the step highlighted.

# %%
nb.step(f, 2.0, 5.0, mode="forward", wrt="x1")

# %%
float(trace.output_tangent), float(trace.output_tangent) == 5.5

# %% [markdown]
# PyTorch has forward mode too: a *dual tensor* carries a value and a tangent, and every operation propagates
# both.

# %%
fwd = torch.autograd.forward_ad
with fwd.dual_level():
    x1_dual = fwd.make_dual(torch.tensor(2.0), torch.tensor(1.0))  # value 2, tangent ẋ1 = 1
    y_dual = f(x1_dual, torch.tensor(5.0))
    print(fwd.unpack_dual(y_dual).tangent)

# %% [markdown]
# **The limitation.** One forward pass gives the derivatives of all outputs with respect to *one* input. For
# $f: \mathbb{R}^n \to \mathbb{R}^k$ the whole Jacobian takes $n$ passes. Deep learning has the worst case for
# it: $k = 1$ (a scalar loss) and $n$ in the millions.
#
# ### Exercise: the other input
#
# Get $\partial y/\partial x_2$ by forward mode: seed $x_2$ instead of $x_1$. (`nb.trace` takes `wrt=`, like
# `nb.step`.) That second pass is what $n = 2$ costs.

# %%
answer = None  # your code here: ẏ with x2 seeded, a number

# %%
if answer is None:
    print("not answered yet — try it, or open the solution below")
elif abs(float(answer) - (2 - math.cos(5))) < 1e-6:
    print(f"✓ ∂y/∂x2 = {float(answer):.3f}: the second forward pass")
else:
    print(f"✗ {answer} is not ∂y/∂x2; hint: which tangent is 1 at the start, and which is 0?")

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# answer = nb.trace(f, 2.0, 5.0, wrt="x2").output_tangent
# ```
#
# </details>

# %%
solution = nb.trace(f, 2.0, 5.0, wrt="x2")
round(float(solution.output_tangent), 3)

# %%
solution.tangent

# %% [markdown]
# ## 5. Reverse mode AD (backpropagation)
#
# Reverse mode turns the question around. Each value gets an **adjoint** $\bar v_i = \partial y/\partial v_i$,
# the derivative of the *output* with respect to it. After the forward evaluation, the adjoints are computed
# from the output back to the inputs, in reverse topological order, starting from the seed $\bar v_7 =
# \partial y/\partial y = 1$:
#
# $\bar v_6 = \bar v_7 \cdot 1 = 1$, $\;\bar v_5 = \bar v_7 \cdot (-1) = -1$, $\;\bar v_4 = \bar v_6 = 1$,
# $\;\bar v_3 = \bar v_6 = 1$.
#
# $v_2$ feeds two operations ($v_4$ and $v_5$), so $y$ depends on it along two paths, and the multivariate chain
# rule adds them. With the **partial adjoint** $\bar v_{i\to j} = \bar v_j\, \partial v_j/\partial v_i$ for each
# edge $i \to j$,
#
# $$\bar v_i = \sum_{j \in \mathrm{next}(i)} \bar v_{i\to j}:\qquad
# \bar v_2 = \bar v_4\, v_1 + \bar v_5 \cos v_2 = 2 - 0.284 = 1.716,\qquad
# \bar v_1 = \bar v_3 / v_1 + \bar v_4\, v_2 = 0.5 + 5 = 5.5.$$
#
# One backward pass has given the derivatives with respect to *all* inputs. The **adjoint trace** lists every
# partial adjoint and its sum:

# %%
trace.adjoint

# %% [markdown]
# `nb.step(y)` runs the real backward pass of the recorded graph node by node: each backward node receives its
# output's adjoint and sends a partial adjoint along each input edge; a value's list of partial adjoints fills
# up, then sums. (The tensors' `.grad` fields are left as they were.)

# %%
stepper = nb.step(y)
stepper

# %%
stepper.model.adjoint_text("x2"), stepper.model.adjoint_text("x1")

# %% [markdown]
# ### The algorithm
#
# The notes write reverse mode as a short loop: a dictionary `node_to_grad` holds, for each node, the list of
# partial adjoints it has received so far. Visiting the nodes in reverse topological order, each node sums its
# list into its adjoint, multiplies by its local derivatives and appends the products to its inputs' lists. Here
# it is on plain Python numbers, with the local derivatives of our example written out:

# %%
v = {"v1": 2.0, "v2": 5.0}
v["v3"] = math.log(v["v1"])
v["v4"] = v["v1"] * v["v2"]
v["v5"] = math.sin(v["v2"])
v["v6"] = v["v3"] + v["v4"]
v["v7"] = v["v6"] - v["v5"]

local = {  # node i: {input k: ∂v_i/∂v_k}
    "v3": {"v1": 1 / v["v1"]},
    "v4": {"v1": v["v2"], "v2": v["v1"]},
    "v5": {"v2": math.cos(v["v2"])},
    "v6": {"v3": 1.0, "v4": 1.0},
    "v7": {"v6": 1.0, "v5": -1.0},
}


def gradient(out_node, order):
    node_to_grad = {out_node: [1.0]}
    adjoint = {}
    for i in reversed(order):
        adjoint[i] = sum(node_to_grad.get(i, [0.0]))  # the sum of the partial adjoints received
        for k, d in local.get(i, {}).items():
            node_to_grad.setdefault(k, []).append(adjoint[i] * d)  # send v̄_{k→i} to input k
    return adjoint, node_to_grad


adjoint, node_to_grad = gradient("v7", ["v1", "v2", "v3", "v4", "v5", "v6", "v7"])
print("node_to_grad[v2] =", [round(p, 3) for p in node_to_grad["v2"]], "  node_to_grad[v1] =", node_to_grad["v1"])
print("v̄1 =", round(adjoint["v1"], 3), "  v̄2 =", round(adjoint["v2"], 3))

# %% [markdown]
# The engine's `backward()` is this loop over the recorded graph, with each operation's local derivative rule
# in a table. The `%%autodiff` magic records a cell and shows it all: the tensors, the graph with values and
# gradients, with `--trace` the three traces, and with `--check` a numerical check of each leaf's gradient.

# %%
%load_ext nbautodiff

# %%
%%autodiff --trace --check
x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(5.0, requires_grad=True)
y = torch.log(x1) + x1 * x2 - torch.sin(x2)
y.backward()

# %%
x1.grad, x2.grad

# %% [markdown]
# ## 6. What each method costs
#
# For $f: \mathbb{R}^n \to \mathbb{R}$: forward differences need $n + 1$ evaluations of $f$, central differences
# $2n$, forward mode $n$ forward passes (each evaluating the primitives and their tangents), reverse mode one
# forward and one backward pass, *whatever $n$ is*. `nb.compare_methods` runs all four on the engine and counts
# the primitive evaluations each one made:

# %%
nb.compare_methods(f, 2.0, 5.0).table(times=False)

# %% [markdown]
# With $n = 2$ the gap is small. With the product $\theta_1\cdots\theta_6$ of section 2 it is not: reverse mode
# still needs one pass each way, forward mode six passes, central differences twelve evaluations.

# %%
nb.compare_methods(lambda theta: torch.prod(theta), [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]).table(times=False)

# %% [markdown]
# `nb.count_ops()` counts the primitives of any block: the example's forward pass evaluates 5 primitives (ln, ×,
# sin, +, −) and its backward pass applies 5 adjoint rules, one per node.

# %%
with nb.use_backend("numpy"), nb.count_ops() as ops:  # count_ops counts the own engine's primitives
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(5.0, requires_grad=True)
    f(a, b).backward()
ops

# %% [markdown]
# ## 7. The extended graph: backward builds a graph of its own
#
# There are two ways to implement reverse mode. First-generation frameworks (Caffe, cuda-convnet) ran
# **backprop** *on* the forward graph: the backward pass computes numbers and leaves nothing behind. Modern ones
# (PyTorch, TensorFlow, JAX) do **reverse mode AD by extending the graph**: the backward pass's multiplications
# and sums are themselves operations, recorded as new nodes. The result is an ordinary graph whose output is the
# gradient, and it can be run, optimized, and differentiated again.
#
# The notes' example is $y = (\exp(v_1) + 1)\cdot\exp(v_1)$. We take $v_1 = 0$, where
# $\partial y/\partial v_1 = \exp(v_1)(\exp(v_1)+1) + \exp(v_1)\exp(v_1) = 3$. In PyTorch,
# `torch.autograd.grad(..., create_graph=True)` records the backward pass:

# %%
with nb.record():
    v1 = torch.tensor(0.0, requires_grad=True)
    y2 = (torch.exp(v1) + 1) * torch.exp(v1)
(dy2_dv1,) = torch.autograd.grad(y2, v1, create_graph=True)
dy2_dv1

# %% [markdown]
# The gradient has a `grad_fn`: it is the output of a graph. Drawing $y$ and $\partial y/\partial v_1$ together
# shows the forward graph ($v_2 = v_3 = \exp v_1$, $v_4 = v_2 + 1$, $y_2 = v_4 v_3$) and, grown from it, the five
# nodes backward added. They multiply adjoints by local derivatives that are *reused* from the forward graph
# (the edges back to $v_2$, $v_3$, $v_4$), and add the two paths' partial adjoints:
#
# - `1.0 × v4` is $\bar v_3 = \bar y\, v_4 = 2$ and `1.0 × v3` is $\bar v_4 = \bar y\, v_3 = 1$ (the $1.0$ is the seed
#   $\bar y = 1$); the addition passes $\bar v_4$ on to $v_2$ unchanged;
# - `v7 × v3` is $\bar v_{1\to3} = \bar v_3 \exp v_1 = 2$, `v5 × v2` is $\bar v_{1\to2} = \bar v_2 \exp v_1 = 1$;
# - `v9 + v8` sums them: $\bar v_1 = 3$.
#
# (The values of the nodes backward made show as "?": `nb.record()` keeps the values of the operations the
# code runs, and the backward pass ran inside `torch.autograd.grad`, outside the block.)

# %%
nb.graph(y2, dy2_dv1)

# %% [markdown]
# `nb.step(y, create_graph=True)` steps through the reverse pass ($\bar v_1 = 1 + 2 = 3$) and, on its last frame
# (in a running notebook), shows the extended graph: the forward graph together with the one backward built.

# %%
nb.step(y2, create_graph=True)

# %% [markdown]
# ### A gradient of a gradient
#
# Because the gradient is a graph's output, reverse mode can run on it again. That gives second derivatives:
# $\partial^2 y/\partial v_1^2 = 4\exp(2v_1) + \exp(v_1) = 5$ at $v_1 = 0$.

# %%
(d2y2_dv1,) = torch.autograd.grad(dy2_dv1, v1)
d2y2_dv1, d2y2_dv1 == 4 * math.exp(0) + math.exp(0)

# %% [markdown]
# For the running example, differentiating $\partial y/\partial x_1 = 1/x_1 + x_2$ once more gives a row of the
# Hessian: $\partial^2 y/\partial x_1^2 = -1/x_1^2 = -0.25$ and $\partial^2 y/\partial x_1\partial x_2 = 1$.
# `nb.hessian` builds the whole matrix the same way.

# %%
x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(5.0, requires_grad=True)
dy_dx1, dy_dx2 = torch.autograd.grad(f(x1, x2), (x1, x2), create_graph=True)
torch.autograd.grad(dy_dx1, (x1, x2))

# %%
nb.hessian(lambda x: f(x[0], x[1]))(torch.tensor([2.0, 5.0]))

# %% [markdown]
# ## 8. Reverse mode on tensors
#
# Nothing above needs scalars. For $Z = XW$ ($Z_{ij} = \sum_k X_{ik}W_{kj}$) followed by a scalar $v = f(Z)$, the
# adjoint $\bar Z$ is a tensor of $Z$'s shape with $\bar Z_{ij} = \partial v/\partial Z_{ij}$. Each $X_{ik}$
# reaches $v$ through every $Z_{ij}$ of row $i$, so the sum over paths is
#
# $$\bar X_{ik} = \sum_j \frac{\partial Z_{ij}}{\partial X_{ik}}\,\bar Z_{ij} = \sum_j W_{kj}\,\bar Z_{ij},
# \qquad\text{that is}\qquad \bar X = \bar Z\,W^\top, \qquad\text{and likewise}\qquad \bar W = X^\top \bar Z.$$
#
# Two matrix products, each of the shape of the matrix it belongs to. Let's check the engine's gradients against
# these formulas, with $v = \sum_{ij} Z_{ij}^2$ (so $\bar Z = 2Z$) on random data, $X$ of shape 5×4 and $W$ of shape
# 4×3. In the picture, each `grad` has the shape of its own tensor.

# %%
rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((5, 4)), requires_grad=True)
W = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
with nb.record():
    Z = X @ W
    Z.retain_grad()  # keep Z̄ too, to check with it
    v = (Z**2).sum()
v.backward()
nb.graph(v)

# %%
print("Z̄ = 2Z:     ", torch.allclose(Z.grad, 2 * Z))
print("X̄ = Z̄ Wᵀ:   ", torch.allclose(X.grad, Z.grad @ W.T), tuple(X.grad.shape))
print("W̄ = Xᵀ Z̄:   ", torch.allclose(W.grad, X.T @ Z.grad), tuple(W.grad.shape))

# %% [markdown]
# ## 9. Adjoints of data structures: a dict
#
# AD is not limited to arrays. A program that builds a dict and looks values up in it can be differentiated
# too, given an **adjoint data structure**: a dict of adjoints with the same keys. The lookup `b = d["cat"]`
# propagates backward by *adding* $\bar b$ into $\bar d$`["cat"]`. `nb.grad` (PyTorch's `torch.func.grad`)
# takes a function of a dict and returns a dict of gradients:

# %%
def f_of_dict(d):
    return torch.log(d["x1"]) + d["x1"] * d["x2"] - torch.sin(d["x2"])


nb.grad(f_of_dict)({"x1": torch.tensor(2.0), "x2": torch.tensor(5.0)})

# %% [markdown]
# A key read twice collects both adjoints (here $\bar d$`["cat"]` $= 2 + 2$), a key never read gets an adjoint
# of 0:

# %%
nb.grad(lambda d: d["cat"] * d["cat"] + 3 * d["dog"])(
    {"cat": torch.tensor(2.0), "dog": torch.tensor(5.0), "fish": torch.tensor(1.0)}
)

# %% [markdown]
# ## 10. Explore
#
# A slider for each input: each move runs $f$ again, redraws its graph with every value and gradient, and puts
# the central-difference estimate beside each gradient: section 1 checking section 5, live. Try $x_2 = 3\pi/2
# \approx 4.71$, where $\cos x_2 = 0$ and $\partial y/\partial x_2 = x_1 - \cos x_2$ is just $x_1$; or $x_1$ near 0,
# where $\ln x_1$ and its derivative $1/x_1$ blow up.

# %%
nb.explore(f, x1=2.0, x2=5.0)

# %% [markdown]
# ## Summary
#
# | method | what it works on | cost of $\nabla f$, $f:\mathbb{R}^n\to\mathbb{R}$ | accuracy |
# |---|---|---|---|
# | numerical differences | evaluations of $f$ | $n+1$ (forward) or $2n$ (central) evaluations | $O(\epsilon)$ / $O(\epsilon^2)$ plus round-off |
# | symbolic differentiation | formulas | can swell: $n(n-2)$ multiplications for $\prod\theta_i$ | exact |
# | forward mode AD | the computation, tangents $\dot v_i$ | $n$ forward passes | exact to rounding |
# | reverse mode AD | the computation, adjoints $\bar v_i$ | one forward and one backward pass | exact to rounding |
#
# Reverse mode is why training a network with millions of parameters is possible, and numerical differences are
# how we check it. Modern frameworks build the backward pass as a graph, which gives gradients of gradients for
# free, and the same adjoint idea carries over to tensors and to data structures.
