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
# # TensorFlow 与 C++ Eigen 中的自动微分
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F02_tensorflow_eigen_zh.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/02_tensorflow_eigen_zh.ipynb)
#
# 让计算机求导数的两种方式。先看 TensorFlow 的反向模式：一个用正弦作激活函数的 Keras 层，
# 用链式法则把它权重的梯度拆开来看；再看自动微分失败的两个例子（$1/e^{100}$ 得到 `nan`，以及一个在 0
# 处导数不存在的函数）和修好它们的自定义梯度。然后是 C++ Eigen 库的前向模式：每个数都带着一个导数向量，先算 sigmoid，
# 再算同一个层。一切都在 Python 里运行：TensorFlow 的 API 由 nbautodiff 的 TensorFlow 方言提供，Eigen 的
# `AutoDiffScalar` 则是 `nb.AutoDiffScalar`。
#
# 图是由单元格画出来的：刚下载的笔记本里，先运行各单元格（或选 *File → Trust Notebook*）才能看到它们。

# %%
import sys

if "google.colab" in sys.modules:  # on Colab only: install nbautodiff (PyTorch is there already)
    # %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# ## 1. 为什么要了解自动微分的内部
#
# 每个深度学习框架都会替你计算可训练参数的梯度：你写出前向计算，框架的*自动微分*（autodiff）给出导数。
# 在自动微分普及之前，开发一个模型的大部分时间都花在手工推导梯度、调试梯度代码上。
#
# 自动微分把计算分解成导数已知的初等运算（乘积、正弦、求和），再用链式法则把它们连起来。它精确而且快，*通常如此*。
# 有时函数本身没有问题，梯度却成了 `nan`：原因可能是浮点数的极限，也可能是导数在某一点根本不存在。理解自动微分的原理，
# 才能用好它、发现它何时失败，并修好它。
#
# `nbautodiff.tf` 讲 TensorFlow 2 的语言（`GradientTape`、`Variable`、`custom_gradient`、一个小小的 `keras`），运行在
# nbautodiff 自己的引擎或真正的 PyTorch 上；同样的单元格在两者上给出同样的输出。

# %%
import math

import numpy as np

import nbautodiff as nb
import nbautodiff.tf as tf  # TensorFlow 2 的名字,nbautodiff 的引擎

# %load_ext nbautodiff

# %% [markdown]
# ## 2. TensorFlow 中的自动微分
#
# ### 2.1 一个用正弦激活的自定义层
#
# Keras 层是一个类：`build` 在知道输入形状后创建权重（只做一次），`call` 是前向计算。这个层计算 $Y = \sin(XW)$：
# 一个没有偏置的全连接层，激活函数是我们自己写的 `sin_activation`，而不是 Keras 内置的激活函数。

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
# 损失是输出的平方和 $L = \sum_{ij} Y_{ij}^2$，输入是一个固定的 3×3 矩阵。梯度带（tape）记录前向计算，`tape.gradient`
# 沿着它反向走回去。权重的初值是随机的（Keras 的 Glorot 均匀分布）；我们固定随机种子，
# 让每次运行都从同一个权重开始（方言的随机数是它自己的，和真正的 TensorFlow 不同）。

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
# 我们从没写过 `sin_activation` 的导数，TensorFlow 却求出了梯度。它是怎么做到的？
#
# ### 2.2 手工应用链式法则
#
# 损失分三步计算：$Z = XW$，$Y = \sin Z$，$L = \sum_{ij} Y_{ij}^2$。链式法则沿着这三步反向进行：
#
# $$\frac{\partial L}{\partial W} = \frac{\partial L}{\partial Y}\,\frac{\partial Y}{\partial Z}\,
# \frac{\partial Z}{\partial W}.$$
#
# 每个因子都是初等的，是推导的*叶子*，不需要再用别的法则：$\partial L/\partial Y_{ij} = 2Y_{ij}$，
# $\;\partial Y_{ij}/\partial Z_{ij} = \cos Z_{ij}$；又因为 $Z_{ij} = \sum_k X_{ik}W_{kj}$，所以
# $\;\partial Z_{ij}/\partial W_{kj} = X_{ik}$。合起来（并对行 $i$ 求和）：
#
# $$\frac{\partial L}{\partial W} = 2\,X^\top\big(\sin Z \odot \cos Z\big),$$
#
# 其中 $\odot$ 表示逐元素相乘。引擎给出的梯度正是这个公式：

# %%
W = my_custom_layer.kernel
Z = tf.matmul(X, W)
by_formula = 2 * tf.matmul(tf.transpose(X), tf.sin(Z) * tf.cos(Z))
print(by_formula.numpy().round(4))
print("engine == 2 Xᵀ(sin Z · cos Z):", np.allclose(gradient[0].numpy(), by_formula.numpy()))

# %% [markdown]
# 自动微分替你完成这些，但不是符号推导：它从不构造公式，而是保存前向计算的值，逐个节点地把初等导数*按数值*相乘。
#
# ### 2.3 损失的计算图
#
# `with nb.record():` 保存每个中间值，`nb.graph` 画出计算图。我们也让梯度带监视 `X`（`tape.watch`，
# 对常量都要这样做），这样它就和权重一起作为叶节点出现。运算的名字和 PyTorch 的反向节点一样（`MmBackward0`
# 是矩阵乘法），因为方言下面就是这个引擎。

# %%
with nb.record():
    with tf.GradientTape() as tape:
        tape.watch(X)
        output = my_custom_layer(X)
        loss = tf.reduce_sum(output**2)
nb.graph(loss, lang="zh")

# %% [markdown]
# 从左往右读：$X$ 和核 $W$ 进入乘积 $Z$（`v3`），正弦得到 `output`，平方（`v5`）后求和得到损失 2.4845。
# 反向传播沿着同样的箭头从右往左走。
#
# `%%autodiff` 单元格魔法替你做记录：它运行单元格，列出单元格创建的张量，并画出它们的计算图。这个梯度带没有监视 `X`，
# 所以 `X` 经由一条虚线边（✂）进入：它是常量，梯度不会流向它。梯度带把梯度交还给你，而不是存进变量里（这是 TensorFlow
# 的规则），所以核的节点上写着*尚未计算*，`dW` 则作为一个独立的张量出现。

# %%
# %%autodiff --lang zh
W = my_custom_layer.kernel
with tf.GradientTape() as tape:
    Y = my_custom_layer(X)
    loss = tf.reduce_sum(Y**2)
dW = tape.gradient(loss, W)

# %% [markdown]
# 这个层就是没有偏置的 `Dense` 层；用同样的核，Keras 自己的 `Dense` 给出同样的输出：

# %%
dense = tf.keras.layers.Dense(
    2, activation=tf.sin, use_bias=False, kernel_initializer=tf.keras.initializers.Constant(W.numpy())
)
print(np.allclose(dense(X).numpy(), my_custom_layer(X).numpy()))

# %% [markdown]
# ## 3. 自动微分失败时：数值不稳定
#
# ### 3.1 $1/e^{x}$ 在 $x = 100$ 处得到 `nan`
#
# 函数 $f(x) = 1/e^x$ 在 $x = 100$ 处毫无问题：它的值是 $e^{-100} \approx 3.7\cdot10^{-44}$。

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
# 函数值 0.0 只差了 $3.7\cdot10^{-44}$；梯度 `nan` 却根本不是一个数。问题出在一个中间导数上。在 float32 中 $e^{100}$
# 上溢为 `inf`（float32 最大约为 $3.4\cdot10^{38}$），于是 $1/e^{100} = 1/\infty = 0$，这个值没有问题。接着链式法则把
# $\frac{d}{du}\frac1u = -\frac{1}{u^2} = -0$ 乘以 $\frac{d}{dx}e^x = e^x = \infty$，而 $0\cdot\infty$ 是 `nan`：

# %%
u = tf.exp(x)
print(f"u = exp(100) = {u.numpy()},  d(1/u)/du = -1/u² = {(-1 / u**2).numpy()},  du/dx = exp(x) = {u.numpy()}")
print(f"chain rule: d(1/u)/du × du/dx = {(-1 / u**2 * u).numpy()}")

# %% [markdown]
# 反向传播步进器在计算图上展示同样的过程：点播放键或拖动滑块，看伴随值 $\bar v$ 从输出节点一步步传回 $x$。这里把
# $1/u$ 写成 `tf.math.reciprocal(u)`，函数相同，图上只剩下关键的两个运算。$\bar v_2$（$u = e^x$ 的伴随值）是 $-0$，
# 最后一步经过 `ExpBackward0` 时变成了 `nan`。

# %%
with nb.record():
    with tf.GradientTape() as tape:
        y = tf.math.reciprocal(tf.exp(x))
nb.step(y, lang="zh")

# %% [markdown]
# ### 3.2 用自定义梯度修好它
#
# 数学上 $f(x) = 1/e^x = e^{-x}$，所以 $f'(x) = -e^{-x}$，其中没有任何上溢。`@tf.custom_gradient`
# 让我们把这个导数交给梯度带：函数同时返回它的值*和*一个函数 `grad`，后者把上游梯度映射为输入的梯度。

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
# $-e^{-100} \approx -3.72\cdot10^{-44}$ 远小于 float32 最小的*规格化*数（$1.2\cdot10^{-38}$）：
# 它以*非规格化*数（subnormal）存储，只有几位有效二进制位，最接近的一个是 $-3.78\cdot10^{-44}$。numpy
# 打印能读回同一个 float32 的最短文本 `-3.8e-44`，和 TensorFlow 一样。

# %%
print("-exp(-100) in float64:", -math.exp(-100))
print("the nearest float32:  ", np.float32(-math.exp(-100)), "=", f"{float(np.float32(-math.exp(-100))):.4e}")
print("the custom gradient is that float32:", gradient.numpy() == np.float32(-math.exp(-100)))

# %% [markdown]
# ### 3.3 在 0 处不存在的导数
#
# 有时问题不在舍入，而在函数本身。原文的公式已经丢失（它是一张图片），所以我们选一个具有原文所说性质的函数：
# $f(0) = 0$，但 $f'(0)$ 没有定义。**我们的选择：**
#
# $$f(x) = \sqrt[3]{x^2} = (x^2)^{1/3}, \qquad f'(x) = \frac{2}{3\sqrt[3]{x}} \quad (x \ne 0).$$
#
# $f$ 的图像在 0 处有一个尖点：斜率从左侧趋于 $-\infty$，从右侧趋于 $+\infty$。在 0 处，自动微分把
# $\frac13 (x^2)^{-2/3} = \infty$ 乘以 $\frac{d}{dx}x^2 = 2x = 0$，得到 `nan`：

# %%
def cbrt_square(x):
    return tf.pow(tf.square(x), 1 / 3)


for x0 in [-1.0, 0.0, 1.0]:
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = cbrt_square(x)
    print(f"x = {x0:4}:  f(x) = {float(y):.4f}   autodiff f'(x) = {float(tape.gradient(y, x)):.4f}")

# %% [markdown]
# 拖动 $x$，把自动微分的梯度和旁边的中心差分 $\big(f(x+h) - f(x-h)\big)/2h$ 比一比：除了 0 之外处处一致；在 0
# 处自动微分说 `nan`，对称的差分说 0。

# %%
nb.explore(cbrt_square, dialect="tf", x=(-2.0, 2.0, 0.0), lang="zh")

# %% [markdown]
# 一个*工程上的*梯度：在 0 以外用精确公式，写成 $f'(x) = \frac23\,f(x)/x$（这样保留了 $x$ 的符号，
# 又不必对负数开立方），在 0 处用我们决定的值，这里取 0：0 是 $f$ 的最小值点，零梯度让优化器停在那里，而不是让 `nan`
# 污染所有权重。分母在除法*之前*就被处理成安全的值，所以 `tf.where` 中没被选中的分支也不会计算 $0/0$。

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
# 在一组网格点上，梯度带一次就能对整个向量求导（TensorFlow 对非标量目标求和，而每个 $y_i$ 只依赖于 $x_i$，
# 所以梯度就是每个点处的 $f'$）。普通梯度带求得的导数在 0 处有一个洞（`nan`，matplotlib 不画它）；自定义梯度用 0
# 把它填上（图中的圆点）。

# %%
from matplotlib.figure import Figure

from nbautodiff.plots import Plot

xs = tf.Variable(np.linspace(-2.0, 2.0, 401))  # float64,0 也在这些点中
with tf.GradientTape(persistent=True) as tape:
    ys = cbrt_square(xs)
    ys_custom = cbrt_square_custom(xs)
d_plain = tape.gradient(ys, xs).numpy()
d_custom = tape.gradient(ys_custom, xs).numpy()
i0 = 200  # 中间的点,x = 0
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
# ## 4. 带导数向量的前向模式：Eigen 的 `AutoDiffScalar`
#
# ### 4.1 sigmoid 在 2 处
#
# C++ 线性代数库 Eigen 用另一种方式求导。它的 `AutoDiffScalar<VectorXd>` 是一个数，除了值之外还带着一个*导数向量*：第
# $k$ 个分量是沿第 $k$ 个输入方向的导数。每个运算都按同样的初等法则同时更新值和整个向量，所以导数就在前向计算中得出：
# 这就是*前向模式*。没有任何记录，也没有反向计算。
#
# 在 C++ 里函数写成模板，同一段代码既能用于 `double` 也能用于 `AutoDiffScalar`。Python 的鸭子类型扮演了模板的角色：
# `np.exp` 会调用数自己的 `exp()`，所以 `my_function` 既接受浮点数，也接受 `nb.AutoDiffScalar`。

# %%
def my_function(x):
    return 1 / (1 + np.exp(-x))


print("with a float:", my_function(2.0))

# %% [markdown]
# C++ 的两行 `X.derivatives() = Eigen::VectorXd::Unit(1, 0); X.value() = 2;` 让 $x$ 成为唯一的变量（在长度为 1
# 的导数向量中索引为 0），值为 2。在 Python 里就是 `nb.AutoDiffScalar.variable(2.0, 0, 1)`：

# %%
X_ad = nb.AutoDiffScalar.variable(2.0, 0, 1)
Y_ad = my_function(X_ad)
print("Y:", Y_ad)
print("derivatives:", Y_ad.derivatives)

# %% [markdown]
# $\sigma(x) = 1/(1 + e^{-x})$ 就是 sigmoid，它的导数是 $\sigma'(x) = \sigma(x)\,\big(1 - \sigma(x)\big)$。
# 用计算器验算可得 $\sigma(2) = 0.8808$，$\sigma'(2) = 0.10499$：

# %%
s = 1 / (1 + math.exp(-2))
print(f"σ(2) = {s:.4f}   σ'(2) = σ(1 − σ) = {s * (1 - s):.5f}")
print("forward mode agrees:", math.isclose(Y_ad.value, s), math.isclose(Y_ad.derivatives[0], s * (1 - s)))

# %% [markdown]
# ### 4.2 看切线值流动
#
# 每个中间数都带着它对 $x$ 的导数，即它的*切线值* $\dot v$。`nb.trace` 把计算写成表格，每个初等运算一行；其中的
# `.tangent` 表给出每个切线值的法则和数值，`nb.step(..., mode="forward")` 则在计算图上逐步播放它们。
# 这两个工具追踪的是 nbautodiff 引擎的运算，引擎原生的写法是 PyTorch 的，它们接受的是以引擎张量为参数的函数；而
# TensorFlow 方言没有前向模式的 API（真正的 TensorFlow 用的是 `tf.autodiff.ForwardAccumulator`）。所以这一部分用
# `nbautodiff.torch` 来写：同一个公式，换一种写法。

# %%
import nbautodiff.torch as torch  # 引擎自己的写法,供 nb.trace 和 nb.step 使用


def sigmoid(x):
    return 1 / (1 + torch.exp(-x))


nb.trace(sigmoid, 2.0).tangent

# %% [markdown]
# 播放前向计算：种子 $\dot x = 1$ 从左边进入，每一步应用一条初等法则，直到输出节点得到 $\dot y = 0.10499$。

# %%
nb.step(sigmoid, 2.0, mode="forward", lang="zh")

# %% [markdown]
# （在这个引擎里，和 PyTorch 一样，`1 / v` 是先求倒数再乘以 1：所以有 $v_6$。）
#
# `AutoDiffScalar` 一步步带着同样的切线值：$e^{-x}$ 带着 $-e^{-2} = -0.13534$，即追踪表中的切线值 $\dot v_3$；
# 结果带着 $\dot v_6 = 0.10499$。

# %%
print(np.exp(-X_ad))
print(1 + np.exp(-X_ad))
print(1 / (1 + np.exp(-X_ad)))

# %% [markdown]
# ### 4.3 在 TensorFlow 中用嵌套的梯度带做同样的事
#
# TensorFlow 的梯度带是反向模式，它给出同样的 $\sigma'(2)$。用前向计算的值（$\sigma(1 - \sigma)$）
# 构造的自定义梯度本身也是可微的：在外层梯度带之下，梯度计算被记录下来并再次求导，得到
# $\sigma''(2) = \sigma'(2)\,\big(1 - 2\sigma(2)\big)$。

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
# ## 5. 用导数向量计算自定义层
#
# ### 5.1 权重的梯度
#
# 这个层的 C++ 版本是一个以数的类型为参数的模板，输入是由 `AutoDiffScalar` 组成的张量。它的辅助函数 `convert`
# 把浮点张量转换成这样的张量，并且在需要时给第 $i$ 个元素设置单位向量 $e_{\text{offset}+i}$ 作为种子。这里对应的是
# `nb.autodiff_array(values, offset, size)`：由 `AutoDiffScalar` 组成的 numpy 对象数组，`@`、`*`、`.sum()` 和
# `np.sin` 都逐元素作用在它上面。
#
# 和 C++ 程序一样，只给 $W$ 设置种子：$X$ 是常量（导数向量长度为 0），$W$ 的 6 个元素各有自己的方向。我们从
# TensorFlow 层的权重出发，这样结果可以精确比较（C++ 程序重新随机生成了权重，所以只得到“相似”的数）。

# %%
def custom_layer(X, W, activation):
    return activation(X @ W)


w_in = my_custom_layer.kernel.numpy()
X_c = nb.autodiff_array(X.numpy())  # 常量:没有导数
W_c = nb.autodiff_array(w_in, 0, w_in.size)  # W[k, j] 的种子是长度为 6 的单位向量 e_(2k + j)
print(W_c[1, 0])

# %% [markdown]
# 一次前向计算。损失是单个 `AutoDiffScalar`，它的导数向量*就是*梯度，长 6 个数；`nb.gradients` 把它还原成 $W$
# 的形状（即 C++ 中的 `gradients` 函数）。

# %%
Y_c = custom_layer(X_c, W_c, np.sin)
LOSS = (Y_c * Y_c).sum()
print("loss:", LOSS)
dY_dW = nb.gradients(LOSS, W_c)
print("gradient:\n", dY_dW)
print("same as the tape's:", np.allclose(dY_dW, dW.numpy(), atol=1e-5))
print("same as 2 Xᵀ(sin Z · cos Z):", np.allclose(dY_dW, by_formula.numpy(), atol=1e-5))

# %% [markdown]
# 最后几位和梯度带的结果略有不同：`AutoDiffScalar` 用 float64 计算，TensorFlow 层用 float32，所以两者在 float32
# 的精度内（约 7 位有效数字）一致。
#
# ### 5.2 同时求对 $X$ 和 $W$ 的导数
#
# 要同时跟踪 $X$，每个变量都要在一个更长的向量中占一个位置：$X$ 的 9 个元素占索引 0–8，$W$ 的 6 个元素占 9–14，
# 于是每个数都带着 15 个导数。

# %%
size = X.numpy().size + w_in.size
X_c = nb.autodiff_array(X.numpy(), 0, size)
W_c = nb.autodiff_array(w_in, X.numpy().size, size)
LOSS = (custom_layer(X_c, W_c, np.sin) ** 2).sum()
dY_dX, dY_dW = nb.gradients(LOSS, X_c, W_c)
print("dY_dX:\n", dY_dX)
print("dY_dW:\n", dY_dW)

# %% [markdown]
# 在 TensorFlow 中，`tape.gradient` 接受一个源列表，对每个源返回一个梯度。由链式法则，
# $\partial L/\partial X = 2\,(\sin Z \odot \cos Z)\,W^\top$，是 $W$ 的公式的镜像：

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
# ### 5.3 练习：一次计算两个偏导数
#
# 取 $g(x, w) = \sigma(w\,x)$，$x = 2$，$w = 1.5$。让 `x` 和 `w` 成为长度为 2 的导数向量中的变量 0 和 1，用
# `my_function` 计算 $g$，把得到的 `AutoDiffScalar` 存进 `answer`。它的导数应当是
# $\partial g/\partial x = w\,\sigma'(3)$ 和 $\partial g/\partial w = x\,\sigma'(3)$。

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
# <details><summary>答案</summary>
#
# ```python
# x = nb.AutoDiffScalar.variable(2.0, 0, 2)
# w = nb.AutoDiffScalar.variable(1.5, 1, 2)
# answer = my_function(w * x)
# ```
#
# </details>
#
# 运行答案：

# %%
x_ad = nb.AutoDiffScalar.variable(2.0, 0, 2)
w_ad = nb.AutoDiffScalar.variable(1.5, 1, 2)
solution = my_function(w_ad * x_ad)
print(solution)
check(solution)

# %% [markdown]
# ## 6. 前向还是反向？
#
# 两种模式给出同样的数，代价却不同。前向模式为每个输入推送一个导数穿过整个计算：这里的向量长 15，对应 15 个输入。
# 反向模式把计算正向运行一次、记录下来，再反向运行一次，就同时得到所有输入的导数，不管输入有多少。损失只有一个输出，
# 参数却很多（真实网络中有数百万个），这就是训练使用反向模式的原因，也是 TensorFlow 的梯度带和 PyTorch 的 `backward`
# 都是反向模式的原因。输入很少时，比如 sigmoid 只有一个输入，前向模式才划算。
#
# 我们看到了：
#
# - 对一个用正弦激活的层，TensorFlow 的梯度带求出了 $\partial L/\partial W = 2X^\top(\sin Z \odot \cos Z)$，
#   我们没有写任何导数，它逐个节点地串联初等导数；
# - 函数没有问题时自动微分也可能失败：$1/e^{100}$ 的梯度是 `nan`（链式法则中的 $0 \cdot \infty$），
#   自定义梯度（$-e^{-x}$）给出 $-3.8\cdot10^{-44}$；
# - 在导数不存在的点（我们的例子：$\sqrt[3]{x^2}$ 在 0 处），自定义梯度可以选一个有用的值；
# - Eigen 的前向模式让每个数都带着一个导数向量：$\sigma(2) = 0.8808$，$\sigma'(2) = 0.10499$，一次前向计算就得到层对
#   $X$ 和 $W$ 的梯度。
