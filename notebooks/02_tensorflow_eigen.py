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
# # Automatic differentiation in TensorFlow and in C++ Eigen
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F02_tensorflow_eigen.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/02_tensorflow_eigen.ipynb)
#
# Two ways to let the computer find derivatives. First TensorFlow's reverse mode: a Keras layer with a sine
# activation, the gradient of its weight taken apart by the chain rule, then two cases where autodiff breaks (a
# `nan` from $1/e^{100}$, a derivative that does not exist at 0) and the custom gradients that repair them. Then
# the forward mode of C++'s Eigen library, where every number carries a vector of derivatives, on the sigmoid and
# on the same layer. Everything runs in Python: TensorFlow's API is nbautodiff's TensorFlow dialect, and Eigen's
# `AutoDiffScalar` is `nb.AutoDiffScalar`.
#
# The pictures are drawn by the cells: in a freshly downloaded notebook, run the cells (or *File → Trust
# Notebook*) to see them.

# %%
import sys

if "google.colab" in sys.modules:  # on Colab only: install nbautodiff (PyTorch is there already)
    # %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# ## 1. Why look inside autodiff at all
#
# Every deep learning framework computes the gradients of the trainable parameters for you: you write the
# forward computation, and the framework's *automatic differentiation* (autodiff) produces the derivatives. Before
# autodiff was everywhere, much of the work on a model went into deriving and debugging gradient code by hand.
#
# Autodiff cuts a computation into elementary operations whose derivatives are known (a product, a sine, a sum)
# and chains them with the chain rule. It is exact and fast, *usually*. Sometimes a gradient comes out as `nan`
# although the function itself is fine, because of floating-point limits or because the derivative does not
# exist at some point. Knowing how autodiff works lets you use it, notice when it fails, and fix it.
#
# `nbautodiff.tf` speaks TensorFlow 2 (`GradientTape`, `Variable`, `custom_gradient`, a small `keras`), on
# nbautodiff's engine or on real PyTorch; the same cells give the same outputs on both.

# %%
import math

import numpy as np

import nbautodiff as nb
import nbautodiff.tf as tf  # TensorFlow 2's names, nbautodiff's engine

# %load_ext nbautodiff

# %% [markdown]
# ## 2. Autodiff in TensorFlow
#
# ### 2.1 A custom layer with a sine activation
#
# A Keras layer is a class with `build` (make the weights, once the input's shape is known) and `call` (the
# forward computation). This one computes $Y = \sin(XW)$: a dense layer without bias, whose activation is a
# function of our own, `sin_activation`, not one of Keras' built-in activations.

# %%
class CustomLayer(tf.keras.layers.Layer):
    def __init__(self, num_outputs, activation):
        super().__init__()
        self.num_outputs = num_outputs
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", shape=[int(input_shape[-1]), self.num_outputs])

    def call(self, inputs):
        Z = tf.matmul(inputs, self.kernel)
        return self.activation(Z)


def sin_activation(x):
    return tf.sin(x)


# %% [markdown]
# The loss is the sum of the squared outputs, $L = \sum_{ij} Y_{ij}^2$, for a fixed 3×3 input. The tape records
# the forward pass; `tape.gradient` walks it backwards. The weight starts random (Keras' Glorot uniform); we seed
# the generator so every run starts from the same weight (the dialect's random numbers are its own, so they differ
# from real TensorFlow's).

# %%
tf.random.set_seed(0)
my_custom_layer = CustomLayer(2, sin_activation)
X = tf.constant([[-1.0, 0.0, 1.0], [2.0, 3.0, 4.0], [-1.0, -5.0, 2.0]])

with tf.GradientTape() as tape:
    output = my_custom_layer(X)
    loss = tf.reduce_sum(output**2)
gradient = tape.gradient(loss, my_custom_layer.trainable_variables)

print("my_custom_layer.trainable_variables:\n", my_custom_layer.trainable_variables[0].numpy())
print("\ngradient:\n", gradient[0].numpy().round(4))

# %% [markdown]
# We never wrote the derivative of `sin_activation`, yet TensorFlow found the gradient. How?
#
# ### 2.2 The chain rule, by hand
#
# The loss is computed in three steps: $Z = XW$, $Y = \sin Z$, $L = \sum_{ij} Y_{ij}^2$. The chain rule follows
# them backwards:
#
# $$\frac{\partial L}{\partial W} = \frac{\partial L}{\partial Y}\,\frac{\partial Y}{\partial Z}\,
# \frac{\partial Z}{\partial W}.$$
#
# Each factor is elementary, a *leaf* of the derivation that needs no further rule:
# $\partial L/\partial Y_{ij} = 2Y_{ij}$, $\;\partial Y_{ij}/\partial Z_{ij} = \cos Z_{ij}$, and since
# $Z_{ij} = \sum_k X_{ik}W_{kj}$, $\;\partial Z_{ij}/\partial W_{kj} = X_{ik}$. Put together (and summed over the
# rows $i$):
#
# $$\frac{\partial L}{\partial W} = 2\,X^\top\big(\sin Z \odot \cos Z\big),$$
#
# where $\odot$ multiplies element by element. The engine's gradient is exactly this formula:

# %%
W = my_custom_layer.kernel
Z = tf.matmul(X, W)
by_formula = 2 * tf.matmul(tf.transpose(X), tf.sin(Z) * tf.cos(Z))
print(by_formula.numpy().round(4))
print("engine == 2 Xᵀ(sin Z · cos Z):", np.allclose(gradient[0].numpy(), by_formula.numpy()))

# %% [markdown]
# Autodiff does this for you, but not symbolically: it never builds the formula. It keeps the values of the
# forward pass and multiplies the elementary derivatives *numerically*, node by node.
#
# ### 2.3 The graph of the loss
#
# `with nb.record():` keeps every intermediate value, and `nb.graph` draws the computation. We watch `X` too
# (`tape.watch`, as for any constant), so it appears as a leaf beside the weight. The ops are named like
# PyTorch's backward nodes (`MmBackward0` is the matrix product), since that is the engine under the dialect.

# %%
with nb.record():
    with tf.GradientTape() as tape:
        tape.watch(X)
        output = my_custom_layer(X)
        loss = tf.reduce_sum(output**2)
nb.graph(loss)

# %% [markdown]
# Read it from left to right: $X$ and the kernel $W$ feed the product $Z$ (`v3`), the sine gives `output`,
# squared (`v5`) and summed to the loss 2.4845. The backward pass walks the same arrows from right to left.
#
# The `%%autodiff` cell magic does the recording for you: it runs the cell, lists the tensors it made and draws
# their graph. This tape does not watch `X`, so `X` comes in on a dashed edge (✂): a constant, no gradient flows
# to it. A tape hands its gradients back instead of storing them in the variables (TensorFlow's rule), so the
# kernel's node says *not computed yet*, and `dW` appears as a tensor of its own.

# %%
# %%autodiff
W = my_custom_layer.kernel
with tf.GradientTape() as tape:
    Y = my_custom_layer(X)
    loss = tf.reduce_sum(Y**2)
dW = tape.gradient(loss, W)

# %% [markdown]
# The layer is a `Dense` layer without bias; with the same kernel, Keras' own `Dense` gives the same outputs:

# %%
dense = tf.keras.layers.Dense(
    2, activation=tf.sin, use_bias=False, kernel_initializer=tf.keras.initializers.Constant(W.numpy())
)
print(np.allclose(dense(X).numpy(), my_custom_layer(X).numpy()))

# %% [markdown]
# ## 3. When autodiff fails: numerical instability
#
# ### 3.1 $1/e^{x}$ at $x = 100$ gives `nan`
#
# The function $f(x) = 1/e^x$ is perfectly tame at $x = 100$: its value is $e^{-100} \approx 3.7\cdot10^{-44}$.

# %%
x = tf.Variable(100.0)


def function_using_autodiff(x):
    return 1.0 / tf.exp(x)


with tf.GradientTape() as tape:
    y = function_using_autodiff(x)
gradient = tape.gradient(y, x)
print(f"output using autodiff:   {y.numpy()!s}")
print(f"gradient using autodiff: {gradient.numpy()!s}")

# %% [markdown]
# The value, 0.0, is off by a mere $3.7\cdot10^{-44}$; the gradient, `nan`, is no number at all. The cause is one
# of the intermediate derivatives. In float32, $e^{100}$ overflows to `inf` (the largest float32 is about
# $3.4\cdot10^{38}$), so $1/e^{100} = 1/\infty = 0$, a fine value. The chain rule then multiplies
# $\frac{d}{du}\frac1u = -\frac{1}{u^2} = -0$ by $\frac{d}{dx}e^x = e^x = \infty$, and $0\cdot\infty$ is `nan`:

# %%
u = tf.exp(x)
print(f"u = exp(100) = {u.numpy()},  d(1/u)/du = -1/u² = {(-1 / u**2).numpy()},  du/dx = exp(x) = {u.numpy()}")
print(f"chain rule: d(1/u)/du × du/dx = {(-1 / u**2 * u).numpy()}")

# %% [markdown]
# The backprop stepper shows the same walk on the graph: press play, or drag the slider, and watch the adjoints
# $\bar v$ go from the output back to $x$. We write $1/u$ as `tf.math.reciprocal(u)`, the same function, so that
# the picture has just the two ops that matter. $\bar v_2$ (the adjoint of $u = e^x$) is $-0$, and the last
# step, through `ExpBackward0`, turns it into `nan`.

# %%
with nb.record():
    with tf.GradientTape() as tape:
        y = tf.math.reciprocal(tf.exp(x))
nb.step(y)

# %% [markdown]
# ### 3.2 A custom gradient repairs it
#
# Mathematically $f(x) = 1/e^x = e^{-x}$, so $f'(x) = -e^{-x}$, which has no overflow in it. `@tf.custom_gradient`
# lets us give the tape this derivative: the function returns its value *and* a function `grad` that maps the
# upstream gradient to the gradient of the input.

# %%
@tf.custom_gradient
def function_using_customdiff(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * -tf.exp(-x)

    return 1.0 / e, grad


with tf.GradientTape() as tape:
    y = function_using_customdiff(x)
gradient = tape.gradient(y, x)
print(f"output using custom diff:   {y.numpy()!s}")
print(f"gradient using custom diff: {gradient.numpy()!s}")

# %% [markdown]
# $-e^{-100} \approx -3.72\cdot10^{-44}$ is far below float32's smallest *normal* number ($1.2\cdot10^{-38}$):
# it is stored as a *subnormal* number with only a few significant bits, the nearest one being
# $-3.78\cdot10^{-44}$. numpy prints the shortest text that reads back as that same float32, `-3.8e-44`, as
# TensorFlow does.

# %%
print("-exp(-100) in float64:", -math.exp(-100))
print("the nearest float32:  ", np.float32(-math.exp(-100)), "=", f"{float(np.float32(-math.exp(-100))):.4e}")
print("the custom gradient is that float32:", gradient.numpy() == np.float32(-math.exp(-100)))

# %% [markdown]
# ### 3.3 A derivative that does not exist at 0
#
# Sometimes the trouble is not rounding but the function itself. The source article's formula is lost (it was an
# image), so we choose one with the property it describes: $f(0) = 0$, yet $f'(0)$ is undefined. **Our choice:**
#
# $$f(x) = \sqrt[3]{x^2} = (x^2)^{1/3}, \qquad f'(x) = \frac{2}{3\sqrt[3]{x}} \quad (x \ne 0).$$
#
# The graph of $f$ has a cusp at 0: the slope tends to $-\infty$ from the left and to $+\infty$ from the right.
# Autodiff at 0 multiplies $\frac13 (x^2)^{-2/3} = \infty$ by $\frac{d}{dx}x^2 = 2x = 0$ and answers `nan`:

# %%
def cbrt_square(x):
    return tf.pow(tf.square(x), 1 / 3)


for x0 in [-1.0, 0.0, 1.0]:
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = cbrt_square(x)
    print(f"x = {x0:4}:  f(x) = {float(y):.4f}   autodiff f'(x) = {float(tape.gradient(y, x)):.4f}")

# %% [markdown]
# Slide $x$ and compare the autodiff gradient with the central difference
# $\big(f(x+h) - f(x-h)\big)/2h$ beside it: they agree everywhere except at 0, where autodiff says `nan` and the
# symmetric difference says 0.

# %%
nb.explore(cbrt_square, dialect="tf", x=(-2.0, 2.0, 0.0))

# %% [markdown]
# An *engineered* gradient: outside 0 the exact formula, written as $f'(x) = \frac23\,f(x)/x$ (which keeps the
# sign of $x$ without a cube root of a negative number), and at 0 the value we decide, here 0: 0 is a minimum of
# $f$, and a zero gradient leaves an optimizer standing there instead of poisoning every weight with `nan`.
# The denominator is made safe *before* dividing, so the unused branch of `tf.where` never computes $0/0$.

# %%
@tf.custom_gradient
def cbrt_square_custom(x):
    y = tf.pow(tf.square(x), 1 / 3)

    def grad(upstream):
        at_zero = tf.equal(x, 0.0)
        safe_x = tf.where(at_zero, tf.ones_like(x), x)
        return upstream * tf.where(at_zero, tf.zeros_like(x), 2 / 3 * y / safe_x)

    return y, grad


for x0 in [-1.0, 0.0, 1.0]:
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = cbrt_square_custom(x)
    formula = f"{2 / (3 * np.cbrt(x0)):.4f}" if x0 else "undefined"
    print(f"x = {x0:4}:  custom f'(x) = {float(tape.gradient(y, x)):.4f}   formula 2/(3∛x) = {formula}")

# %% [markdown]
# On a grid of points the tape differentiates the whole vector in one pass (TensorFlow sums a non-scalar target,
# and each $y_i$ depends on $x_i$ only, so the gradient is $f'$ at every point). The plain tape's derivative has a
# hole at 0 (`nan`, which matplotlib leaves out); the custom gradient fills it with 0 (the dot).

# %%
from matplotlib.figure import Figure

from nbautodiff.plots import Plot

xs = tf.Variable(np.linspace(-2.0, 2.0, 401))  # float64, with 0 among the points
with tf.GradientTape(persistent=True) as tape:
    ys = cbrt_square(xs)
    ys_custom = cbrt_square_custom(xs)
d_plain = tape.gradient(ys, xs).numpy()
d_custom = tape.gradient(ys_custom, xs).numpy()
i0 = 200  # the middle point, x = 0
print(f"x = {xs.numpy()[i0]}: plain tape {d_plain[i0]}, custom gradient {d_custom[i0]}")

fig = Figure(figsize=(6.4, 3.8))
ax = fig.add_subplot()
ax.plot(xs.numpy(), ys.numpy(), color="#0072B2", label=r"$f(x) = \sqrt[3]{x^2}$")
ax.plot(xs.numpy(), d_plain, color="#D55E00", linestyle="--", label=r"$f'(x) = 2 / (3\sqrt[3]{x})$")
ax.plot([0.0], [d_custom[i0]], "o", color="#009E73", label="$f'(0)$ ≔ 0")
ax.axhline(0, color="#999", linewidth=0.6)
ax.set_ylim(-3, 3)
ax.set_xlabel("x")
ax.legend(loc="lower right")
Plot(fig, ax, {"x": xs.numpy(), "f": ys.numpy(), "df": d_custom})

# %% [markdown]
# ## 4. Forward mode with a derivative vector: Eigen's `AutoDiffScalar`
#
# ### 4.1 The sigmoid at 2
#
# Eigen, a C++ linear algebra library, differentiates differently. Its `AutoDiffScalar<VectorXd>` is a number that
# carries, beside its value, a *vector of derivatives*: component $k$ is the derivative along the $k$-th input.
# Every operation updates the value and the whole vector together, by the same elementary rules, so the derivatives
# come out of the forward computation itself: *forward mode*. Nothing is recorded, nothing runs backwards.
#
# In C++ the function is a template, so that the same code works for `double` and for `AutoDiffScalar`. Python's
# duck typing plays the template's part: `np.exp` calls the number's own `exp()`, so `my_function` takes a float
# or an `nb.AutoDiffScalar`.

# %%
def my_function(x):
    return 1 / (1 + np.exp(-x))


print("with a float:", my_function(2.0))

# %% [markdown]
# The C++ lines `X.derivatives() = Eigen::VectorXd::Unit(1, 0); X.value() = 2;` make $x$ the only variable
# (index 0 in a derivative vector of length 1) with the value 2. In Python that is
# `nb.AutoDiffScalar.variable(2.0, 0, 1)`:

# %%
X_ad = nb.AutoDiffScalar.variable(2.0, 0, 1)
Y_ad = my_function(X_ad)
print("Y:", Y_ad)
print("derivatives:", Y_ad.derivatives)

# %% [markdown]
# $\sigma(x) = 1/(1 + e^{-x})$ is the sigmoid, and its derivative is $\sigma'(x) = \sigma(x)\,\big(1 -
# \sigma(x)\big)$. A calculator confirms $\sigma(2) = 0.8808$ and $\sigma'(2) = 0.10499$:

# %%
s = 1 / (1 + math.exp(-2))
print(f"σ(2) = {s:.4f}   σ'(2) = σ(1 − σ) = {s * (1 - s):.5f}")
print("forward mode agrees:", math.isclose(Y_ad.value, s), math.isclose(Y_ad.derivatives[0], s * (1 - s)))

# %% [markdown]
# ### 4.2 Watching the tangents flow
#
# Each intermediate number carries its derivative with respect to $x$, its *tangent* $\dot v$. `nb.trace` writes
# the computation out as tables, one line per elementary operation; its `.tangent` table gives each tangent's rule
# and value, and `nb.step(..., mode="forward")` plays them on the graph. These two
# tools trace the operations of nbautodiff's engine, whose native notation is PyTorch's, and they take a function
# of its tensors; the TensorFlow dialect has no forward-mode API (real TensorFlow's is
# `tf.autodiff.ForwardAccumulator`). So this part is written with `nbautodiff.torch`: the same formula, another
# spelling.

# %%
import nbautodiff.torch as torch  # the engine's own notation, for nb.trace and nb.step


def sigmoid(x):
    return 1 / (1 + torch.exp(-x))


nb.trace(sigmoid, 2.0).tangent

# %% [markdown]
# Play the forward pass: the seed $\dot x = 1$ enters on the left, and each step applies one elementary rule, until
# $\dot y = 0.10499$ at the output.

# %%
nb.step(sigmoid, 2.0, mode="forward")

# %% [markdown]
# (In this engine, as in PyTorch, `1 / v` is a reciprocal followed by a multiplication by 1: hence $v_6$.)
#
# The `AutoDiffScalar` holds the same tangents, step by step: $e^{-x}$ carries $-e^{-2} = -0.13534$, the tangent
# $\dot v_3$ of the trace, and the result carries $\dot v_6 = 0.10499$.

# %%
print(np.exp(-X_ad))
print(1 + np.exp(-X_ad))
print(1 / (1 + np.exp(-X_ad)))

# %% [markdown]
# ### 4.3 The same in TensorFlow, with nested tapes
#
# TensorFlow's tape is reverse mode, and it gives the same $\sigma'(2)$. A custom gradient built from values of the
# forward pass ($\sigma(1 - \sigma)$) is itself differentiable: under an outer tape, the gradient is recorded and
# differentiated again, giving $\sigma''(2) = \sigma'(2)\,\big(1 - 2\sigma(2)\big)$.

# %%
@tf.custom_gradient
def sigmoid_tf(x):
    s = 1 / (1 + tf.exp(-x))

    def grad(upstream):
        return upstream * s * (1 - s)

    return s, grad


x = tf.Variable(2.0)
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        s_tf = sigmoid_tf(x)
    ds = inner.gradient(s_tf, x)
d2s = outer.gradient(ds, x)
print(f"σ(2) = {float(s_tf):.4f}   σ'(2) = {float(ds):.5f}   σ''(2) = {float(d2s):.5f}")
print(f"formula σ'(1 − 2σ) = {s * (1 - s) * (1 - 2 * s):.5f}")

# %% [markdown]
# ## 5. The custom layer with derivative vectors
#
# ### 5.1 The gradient of the weight
#
# The C++ version of the layer is a template over the number type, fed with tensors of `AutoDiffScalar`s. Its
# helper `convert` turns a float tensor into such a tensor and, when asked, seeds element $i$ with the unit vector
# $e_{\text{offset}+i}$. Here that is `nb.autodiff_array(values, offset, size)`: numpy object arrays of
# `AutoDiffScalar`s, on which `@`, `*`, `.sum()` and `np.sin` work element by element.
#
# As in the C++ program, only $W$ is seeded: $X$ holds constants (derivative vectors of size 0), and each of the
# 6 elements of $W$ gets its own direction. We start from the TensorFlow layer's weight, so the results can be
# compared exactly (the C++ program drew a new random weight, and only "similar" numbers came out).

# %%
def custom_layer(X, W, activation):
    return activation(X @ W)


w_in = my_custom_layer.kernel.numpy()
X_c = nb.autodiff_array(X.numpy())  # constants: no derivatives
W_c = nb.autodiff_array(w_in, 0, w_in.size)  # W[k, j] seeded with the unit vector e_(2k + j) of length 6
print(W_c[1, 0])

# %% [markdown]
# One forward pass. The loss is a single `AutoDiffScalar` whose derivative vector *is* the gradient, 6 numbers
# long; `nb.gradients` cuts it back into $W$'s shape (the C++ `gradients` function).

# %%
Y_c = custom_layer(X_c, W_c, np.sin)
LOSS = (Y_c * Y_c).sum()
print("loss:", LOSS)
dY_dW = nb.gradients(LOSS, W_c)
print("gradient:\n", dY_dW)
print("same as the tape's:", np.allclose(dY_dW, dW.numpy(), atol=1e-5))
print("same as 2 Xᵀ(sin Z · cos Z):", np.allclose(dY_dW, by_formula.numpy(), atol=1e-5))

# %% [markdown]
# The last digits differ a little from the tape's: `AutoDiffScalar` computes in float64, the TensorFlow layer in
# float32, so the two agree to float32's precision, about 7 significant digits.
#
# ### 5.2 The derivatives with respect to $X$ and $W$ together
#
# To follow $X$ as well, every variable gets a place in one longer vector: $X$'s 9 elements take indices 0–8,
# $W$'s 6 elements 9–14, so every number carries 15 derivatives.

# %%
size = X.numpy().size + w_in.size
X_c = nb.autodiff_array(X.numpy(), 0, size)
W_c = nb.autodiff_array(w_in, X.numpy().size, size)
LOSS = (custom_layer(X_c, W_c, np.sin) ** 2).sum()
dY_dX, dY_dW = nb.gradients(LOSS, X_c, W_c)
print("dY_dX:\n", dY_dX)
print("dY_dW:\n", dY_dW)

# %% [markdown]
# In TensorFlow, `tape.gradient` takes a list of sources and returns one gradient each. By the chain rule,
# $\partial L/\partial X = 2\,(\sin Z \odot \cos Z)\,W^\top$, the mirror of the formula for $W$:

# %%
with tf.GradientTape() as tape:
    tape.watch(X)
    loss = tf.reduce_sum(my_custom_layer(X) ** 2)
dX_tape, dW_tape = tape.gradient(loss, [X, W])
dX_formula = 2 * tf.matmul(tf.sin(Z) * tf.cos(Z), tf.transpose(W))
print("∂L/∂X, forward mode == tape:", np.allclose(dY_dX, dX_tape.numpy(), atol=1e-5))
print("∂L/∂X, tape == 2 (sin Z · cos Z) Wᵀ:", np.allclose(dX_tape.numpy(), dX_formula.numpy()))
print("∂L/∂W, forward mode == tape:", np.allclose(dY_dW, dW_tape.numpy(), atol=1e-5))

# %% [markdown]
# ### 5.3 Exercise: two partial derivatives in one pass
#
# Take $g(x, w) = \sigma(w\,x)$ at $x = 2$, $w = 1.5$. Make `x` and `w` the variables 0 and 1 of a derivative
# vector of length 2, compute $g$ with `my_function`, and store the resulting `AutoDiffScalar` in `answer`. Its
# derivatives should be $\partial g/\partial x = w\,\sigma'(3)$ and $\partial g/\partial w = x\,\sigma'(3)$.

# %%
answer = None  # your code here

# %%
def check(answer):
    if answer is None:
        print("not answered yet — try it, or open the solution below")
        return
    if not isinstance(answer, nb.AutoDiffScalar) or answer.derivatives.size != 2:
        print("hint: answer should be an nb.AutoDiffScalar with 2 derivatives; seed with .variable(value, index, 2)")
        return
    s3 = 1 / (1 + math.exp(-3))
    expected = [1.5 * s3 * (1 - s3), 2.0 * s3 * (1 - s3)]
    if math.isclose(answer.value, s3) and np.allclose(answer.derivatives, expected):
        print(f"✓ g = {answer.value:.5f}, ∂g/∂x = {expected[0]:.5f}, ∂g/∂w = {expected[1]:.5f}")
    else:
        print(f"hint: expected value {s3:.5f} and derivatives [{expected[0]:.5f}, {expected[1]:.5f}]; got {answer}")


check(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# x = nb.AutoDiffScalar.variable(2.0, 0, 2)
# w = nb.AutoDiffScalar.variable(1.5, 1, 2)
# answer = my_function(w * x)
# ```
#
# </details>
#
# The solution, run:

# %%
x_ad = nb.AutoDiffScalar.variable(2.0, 0, 2)
w_ad = nb.AutoDiffScalar.variable(1.5, 1, 2)
solution = my_function(w_ad * x_ad)
print(solution)
check(solution)

# %% [markdown]
# ## 6. Forward or reverse?
#
# Both modes give the same numbers, at different costs. Forward mode pushes one derivative per input through the
# computation: the vectors here were 15 long, for 15 inputs. Reverse mode runs the computation once forwards,
# records it, and once backwards, for all the inputs at the same time, however many there are. A loss has one
# output and many parameters (millions, in a real network), which is why training uses reverse mode, and why
# TensorFlow's tape and PyTorch's `backward` are reverse mode. Forward mode pays off when there are few inputs, as
# for the sigmoid's one.
#
# What we saw:
#
# - TensorFlow's tape found $\partial L/\partial W = 2X^\top(\sin Z \odot \cos Z)$ for a layer with a sine
#   activation, with no derivative written by us, by chaining elementary derivatives node by node;
# - autodiff can fail where the function is fine: $1/e^{100}$ gives a `nan` gradient ($0 \cdot \infty$ in the
#   chain rule), and a custom gradient ($-e^{-x}$) gives $-3.8\cdot10^{-44}$;
# - at a point where the derivative does not exist ($\sqrt[3]{x^2}$ at 0, our example), a custom gradient can
#   choose a useful value;
# - Eigen's forward mode carries a derivative vector with every number: $\sigma(2) = 0.8808$,
#   $\sigma'(2) = 0.10499$, and the layer's gradients with respect to $X$ and $W$ in one forward pass.
