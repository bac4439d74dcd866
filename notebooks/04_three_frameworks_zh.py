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
# # 一课三框架:MXNet、TensorFlow 与 PyTorch 中的自动求导
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F04_three_frameworks_zh.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/04_three_frameworks_zh.ipynb)
#
# d2l 的自动求导一节(2.5)有 MXNet、TensorFlow 和 PyTorch 三个版本。本课在同一个笔记本里把三者并排、一步一步地
# 运行:为 `x` 申请梯度,计算 $y = 2\mathbf{x}^\top\mathbf{x}$(`x` 是列向量),反向传播,换一个函数,非标量输出,
# 分离计算,以及 Python 控制流。三个框架算出的数相同,我们会逐一核对。它们的区别在于梯度放在哪里:MXNet 把梯度
# *写入* `x.grad`,TensorFlow 把梯度*返回*,PyTorch 把梯度*累加*到 `x.grad` 上。每个框架的计算图也都画了出来。
#
# 图是由单元格画出来的:刚下载的笔记本,请先运行各单元格(或选择 *File → Trust Notebook*)才能看到图。

# %%
import sys

if "google.colab" in sys.modules:  # on Colab only: install nbautodiff (PyTorch is there already)
    %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# ## 准备工作
#
# 每个框架都以它那一版 d2l 所用的名字导入。MXNet 的 `np` 是 MXNet 自己的类 NumPy 模块,所以真正的 NumPy 以
# `numpy` 导入。三者都是 nbautodiff 的方言:代码是各框架自己的写法,运行在 nbautodiff 的引擎上。三个框架共用一个
# 笔记本,所以变量名带后缀:`_mx`、`_tf`、`_pt`。

# %%
%load_ext nbautodiff
import numpy

import nbautodiff as nb
import nbautodiff.tf as tf
import nbautodiff.torch as torch
from nbautodiff.mxnet import autograd, np

# %% [markdown]
# ## 1. 我们要验证的规则
#
# 设 $f: \mathbb{R}^n \to \mathbb{R}$ 把列向量 $\mathbf{x} = [x_1, \ldots, x_n]^\top$ 映射为一个数。它的梯度把各个
# 偏导数排成一个与 $\mathbf{x}$ 形状相同的向量:
# $\nabla_{\mathbf{x}} f = [\partial f/\partial x_1, \ldots, \partial f/\partial x_n]^\top$。把矩阵按行写成
# $\mathbf{A} = [\mathbf{a}_1, \ldots, \mathbf{a}_m]^\top \in \mathbb{R}^{m \times n}$,则 $\mathbf{A}\mathbf{x}$ 的
# 各个元素是 $\mathbf{a}_i^\top \mathbf{x}$,由这些元素可以推出常用的几条规则:
#
# $$\nabla_{\mathbf{x}} \mathbf{A}\mathbf{x} = \mathbf{A}^\top, \qquad
#   \nabla_{\mathbf{x}} \mathbf{x}^\top \mathbf{A} = \mathbf{A}, \qquad
#   \nabla_{\mathbf{x}} \mathbf{x}^\top \mathbf{A} \mathbf{x} = (\mathbf{A} + \mathbf{A}^\top)\mathbf{x}, \qquad
#   \nabla_{\mathbf{x}} \|\mathbf{x}\|^2 = \nabla_{\mathbf{x}} \mathbf{x}^\top\mathbf{x} = 2\mathbf{x}.$$
#
# 下面的例子中,$y = 2\mathbf{x}^\top\mathbf{x}$ 就是 $\mathbf{A} = 2\mathbf{I}$ 时的
# $\mathbf{x}^\top\mathbf{A}\mathbf{x}$,所以我们预期 $\nabla_{\mathbf{x}} y = 4\mathbf{x}$。(若
# $\mathbf{y} \in \mathbb{R}^m$ 是标量 $x$ 的向量函数,导数是列向量
# $[\partial y_1/\partial x, \ldots, \partial y_m/\partial x]^\top$。)

# %% [markdown]
# ## 2. 创建 x
#
# 和原文一样,`x` 是形状为 (4, 1) 的列向量,值为 0、1、2、3。

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
# ## 3. 申请梯度
#
# 三个框架标记 `x` 的方式各不相同。MXNet 的 `attach_grad()` 一次性分配好梯度的内存:训练时同一批参数要更新成千上万
# 次,不该每次都分配新内存。这块内存一开始是 0。

# %%
# MXNet:分配梯度内存;x.grad 的初值为 0
x_mx.attach_grad()
x_mx.grad

# %% [markdown]
# TensorFlow 对*变量*求导:每条磁带都会自动监视 `tf.Variable`。TensorFlow 不在变量上存梯度,梯度将是
# `tape.gradient` 的返回值。

# %%
# TensorFlow:一个 Variable;它根本没有 x.grad
x_tf = tf.Variable(x_tf)
x_tf

# %% [markdown]
# PyTorch 设置一个标志。第一次反向传播之前,`x.grad` 是 `None`。

# %%
# PyTorch:等价于 x = torch.arange(4.0, requires_grad=True),形状为 (4, 1)
x_pt.requires_grad_(True)
print(x_pt.grad)  # 默认值是 None

# %% [markdown]
# ## 4. 计算 y = 2xᵀx
#
# MXNet 只在 `autograd.record()` 里记录运算,TensorFlow 只在 `GradientTape` 上记录。PyTorch 则记录所有涉及要求梯度
# 的张量的运算。结果的形状是 (1, 1),我们把它读成一个数。

# %%
# MXNet:把代码放到 autograd.record 内,以建立计算图
with autograd.record():
    y_mx = 2 * x_mx.T @ x_mx
float(y_mx)

# %%
# TensorFlow:把所有计算记录在磁带上
with tf.GradientTape() as t:
    y_tf = 2 * tf.transpose(x_tf) @ x_tf
float(y_tf)

# %% [markdown]
# 较新版本的 PyTorch 在对要求梯度的张量调用 `float(y)` 时会发出警告,因为得到的数与计算图断开了。`y.item()` 读取
# 这个数则不会警告。

# %%
# PyTorch
y_pt = 2 * x_pt.T @ x_pt
y_pt.item()

# %% [markdown]
# ## 5. 反向传播
#
# 现在求 $y$ 关于 `x` 每个分量的梯度。MXNet 和 PyTorch 调用 `y.backward()`,再查看 `x.grad`;TensorFlow 向磁带要
# 梯度,得到一个新的张量。

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
# 三者都得到 $4\mathbf{x}$:

# %%
print(x_mx.grad == 4 * x_mx)
print(x_grad_tf == 4 * x_tf)
print(x_pt.grad == 4 * x_pt)

# %% [markdown]
# ### 记录了什么
#
# `%%autodiff` 运行一个单元格,保留它算出的每个值,画出单元格所建张量背后的计算图,并附上这些张量的表格。这里它把
# PyTorch 版本从头再运行一遍。`x` 先被转置(`PermuteBackward0`,成为行向量 $[0, 1, 2, 3]$),再乘以 2,最后与 `x`
# 做矩阵乘法(`MmBackward0`),得到 $[[28]]$。MXNet 和 TensorFlow 记录的是同样的三个运算:三个方言运行在同一个引擎
# 上,都使用 PyTorch 的节点名。它们的图在第 7、8 节。

# %%
%%autodiff --lang zh
# PyTorch
x_pt = torch.arange(4.0).reshape(4, 1)
x_pt.requires_grad_(True)
y_pt = 2 * x_pt.T @ x_pt
y_pt.backward()

# %% [markdown]
# ## 6. x 的另一个函数:谁保留旧梯度?
#
# 现在计算 $y = \sum_i x_i$,它的梯度全是 1。三个框架在这里差别最大。MXNet 用新梯度*覆盖*旧梯度:

# %%
# MXNet
with autograd.record():
    y_mx = x_mx.sum()
y_mx.backward()
x_mx.grad  # 被新计算的梯度覆盖

# %% [markdown]
# TensorFlow *返回*新梯度。它什么也没存,所以也无需清零:

# %%
# TensorFlow
with tf.GradientTape() as t:
    y_tf = tf.reduce_sum(x_tf)
t.gradient(y_tf, x_tf)  # 一个新的张量

# %% [markdown]
# PyTorch 把每次的新梯度*累加*到 `x.grad` 上。不清零的话,得到的是 $4\mathbf{x} + 1$。所以 PyTorch 代码先用
# `x.grad.zero_()` 清除旧值:

# %%
# PyTorch:默认情况下,梯度会累积
y_pt = x_pt.sum()
y_pt.backward()
print(x_pt.grad)  # 4x + 1:旧梯度加上新梯度

x_pt.grad.zero_()  # 清除旧值,再求一次导
y_pt = x_pt.sum()
y_pt.backward()
x_pt.grad

# %% [markdown]
# ## 7. 非标量输出的反向传播
#
# 对 $\mathbf{y} = \mathbf{x} \odot \mathbf{x}$(一个向量),导数是一个矩阵。但我们通常要的是别的东西:各分量梯度
# 之和,就像一批样本各自的损失那样。MXNet 和 TensorFlow 在对向量求梯度时给出的正是这个:它们先对 `y` 求和。图中
# `y` 是输出节点,求和隐含在反向传播里,不出现在计算图中。

# %%
%%autodiff --lang zh
# MXNet:对向量调用 backward,求的是其元素之和的梯度
with autograd.record():
    y_mx = x_mx * x_mx  # y 是一个向量
y_mx.backward()
x_mx.grad  # 等价于 y = sum(x * x)

# %%
%%autodiff --lang zh
# TensorFlow:等价于 y = tf.reduce_sum(x * x)
with tf.GradientTape() as t:
    y_tf = x_tf * x_tf
x_grad_tf = t.gradient(y_tf, x_tf)

# %% [markdown]
# PyTorch 不替你猜,对非标量调用 `backward()` 会报错:

# %%
# PyTorch
x_pt.grad.zero_()
y_pt = x_pt * x_pt
try:
    y_pt.backward()
except RuntimeError as e:
    print("RuntimeError:", str(e).splitlines()[0])

# %% [markdown]
# 必须传入 `gradient=`,也就是乘积 $\mathbf{v}^\top \partial\mathbf{y}/\partial\mathbf{x}$ 中的向量 $\mathbf{v}$。全 1
# 向量把各分量加起来。原文的注释写的是 `torch.ones(len(x))`,但它的形状是 (4,),而 `y` 的形状是 (4, 1),PyTorch
# 会拒绝。`torch.ones_like(y)` 的形状才对。`y.sum().backward()` 的效果相同。

# %%
# PyTorch:一个形状与 y 相同的全 1 梯度
y_pt.backward(gradient=torch.ones_like(y_pt))
x_pt.grad

# %% [markdown]
# 或者先求和。在 PyTorch 的图里,求和是一个单独的节点(`SumBackward0`),位于 `y` 和 `backward` 的起点(那个标量)
# 之间。

# %%
%%autodiff --lang zh
# PyTorch:或者先求和
x_pt.grad.zero_()
y_pt = x_pt * x_pt
total_pt = y_pt.sum()
total_pt.backward()

# %% [markdown]
# ## 8. 分离计算
#
# 有时我们希望把一部分计算当作常数。假设 `y` 由 `x` 算出,`z` 又由 `y` 和 `x` 算出。我们要求 `z` 关于 `x` 的梯度,
# 但把 `y` 当作常数。分离 `y` 得到 `u`:值相同,但不带任何“它是怎么算出来的”的记录。于是 `z = u * x` 的梯度是
# `u`,而不是 `z = x * x * x` 的 $3x^2$。MXNet 和 PyTorch 把这叫作 `detach()`,TensorFlow 叫作
# `tf.stop_gradient`。每个单元格还画出 `z` 的计算图:切断处是带剪刀的虚线边。

# %%
# MXNet
with nb.record():
    with autograd.record():
        y_mx = x_mx * x_mx
        u_mx = y_mx.detach()
        z_mx = u_mx * x_mx
z_mx.backward()
print(x_mx.grad == u_mx)
nb.graph(z_mx, grads=False, lang="zh")

# %% [markdown]
# TensorFlow 的磁带只回答一次 `gradient`,除非设置 `persistent=True`。这里要问两次:现在问 `z`,下面再问 `y`。
# 图中的乘法在第一次回答后仍标着 *为反向传播保存*。在 MXNet 和 PyTorch 的图里,反向传播已经释放了这些值
# (*已保存：已释放*)。

# %%
# TensorFlow:设置 persistent=True 来多次调用 t.gradient
with nb.record():
    with tf.GradientTape(persistent=True) as t:
        y_tf = x_tf * x_tf
        u_tf = tf.stop_gradient(y_tf)
        z_tf = u_tf * x_tf
x_grad_tf = t.gradient(z_tf, x_tf)
print(x_grad_tf == u_tf)
nb.graph(z_tf, grads=False, lang="zh")

# %%
# PyTorch
x_pt.grad.zero_()
with nb.record():
    y_pt = x_pt * x_pt
    u_pt = y_pt.detach()
    z_pt = u_pt * x_pt
z_pt.sum().backward()
print(x_pt.grad == u_pt)
nb.graph(z_pt, grads=False, lang="zh")

# %% [markdown]
# `y` 本身的计算被记录了下来,所以它的梯度仍然可以求:$2\mathbf{x}$。

# %%
# MXNet
y_mx.backward()
print(x_mx.grad == 2 * x_mx)

# TensorFlow(持久磁带可以再次回答)
print(t.gradient(y_tf, x_tf) == 2 * x_tf)

# PyTorch
x_pt.grad.zero_()
y_pt.sum().backward()
print(x_pt.grad == 2 * x_pt)

# %% [markdown]
# ## 9. Python 控制流的梯度计算
#
# 计算图是在代码运行时记录下来的,所以循环和分支都不成问题:自动求导看到的是实际执行了的运算。在 `f` 中,`while`
# 的迭代次数和 `if` 的分支都取决于 `a`。每个框架求范数和求和的写法各不相同:

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
# 对固定的 `a`,`f` 只做乘以常数的运算:`f(a) = k * a`,所以梯度必定是 `d / a`。原文随机抽取 `a`。我们用 NumPy
# 带种子的生成器抽一个数,把同一个 `a` 交给三个框架。

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
# `a` 约为 0.126:第一次翻倍之后,循环又把 `b` 翻倍了 12 次,所以三个框架得到的都是 $k = 2^{13} = 8192$。

# %%
float(a_mx.grad), float(d_grad_tf), a_pt.grad.item()

# %% [markdown]
# ## 10. 同样的数,算三遍
#
# 把本课的每个梯度并排列出,并用断言确认三个框架的结果完全一致:

# %%
def column(values):
    return str(numpy.asarray(values, dtype=float).ravel().tolist())


x_mx = np.arange(4.0).reshape(4, 1)
x_mx.attach_grad()
x_tf = tf.Variable(tf.reshape(tf.range(4, dtype=tf.float32), (4, 1)))
x_pt = torch.arange(4.0).reshape(4, 1).requires_grad_(True)

cases = [  # (求谁的梯度, MXNet 和 PyTorch 的写法, TensorFlow 的写法)
    ("2xᵀx", lambda x: 2 * x.T @ x, lambda x: 2 * tf.transpose(x) @ x),
    ("sum(x)", lambda x: x.sum(), lambda x: tf.reduce_sum(x)),
    ("x * x", lambda x: x * x, lambda x: x * x),
]
rows = []
for name, fn, fn_tf in cases:
    with autograd.record():
        y_mx = fn(x_mx)
    y_mx.backward()  # MXNet 写入 x.grad
    with tf.GradientTape() as t:
        y_tf = fn_tf(x_tf)
    g_tf = t.gradient(y_tf, x_tf)  # TensorFlow 返回梯度
    x_pt.grad = None  # PyTorch 会累加到上一次的梯度上:从没有梯度开始
    fn(x_pt).sum().backward()
    grads = [x_mx.grad.asnumpy(), g_tf.numpy(), x_pt.grad.numpy()]
    assert all(numpy.array_equal(grads[0], g) for g in grads[1:])
    rows.append((name, *map(column, grads)))
rows.append((f"f(a), a = {a_value:.4f}", column(a_mx.grad.asnumpy()), column(d_grad_tf.numpy()),
             column(a_pt.grad.numpy())))

print(f"{'梯度':16}{'MXNet':24}{'TensorFlow':24}{'PyTorch':24}")
for row in rows:
    print("".join(f"{cell:24}" if i else f"{cell:18}" for i, cell in enumerate(row)))

# %% [markdown]
# ## 11. 一张表看清规则
#
# 三个框架的代码几乎一样,不同的是梯度的去向。`nb.semantics()` 列出了全部规则(还包括 DJL 和 JAX 风格的 API):

# %%
nb.semantics()

# %% [markdown]
# ## 12. 用矩阵验证规则
#
# 回到第 1 节:对任意方阵 $\mathbf{A}$,$\nabla_{\mathbf{x}} \mathbf{x}^\top\mathbf{A}\mathbf{x} =
# (\mathbf{A} + \mathbf{A}^\top)\mathbf{x}$。我们用 NumPy 带种子的生成器取一个随机的 $4 \times 4$ 矩阵,在每个框架中
# 验证这条规则,与 NumPy 算出的 $(\mathbf{A} + \mathbf{A}^\top)\mathbf{x}$ 比较:

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
# ## 小结
#
# - MXNet:`attach_grad()`,在 `autograd.record()` 内记录,`y.backward()`,读取 `x.grad`。每次反向传播都*写入*
#   `x.grad`,向量先求和。
# - TensorFlow:`tf.Variable`,在 `tf.GradientTape()` 上记录,`t.gradient(y, x)` *返回*梯度。向量先求和。磁带只回答
#   一次,除非设置 `persistent=True`。
# - PyTorch:`requires_grad=True`,所有运算都被记录,`y.backward()` 把梯度*累加*到 `x.grad`(用 `x.grad.zero_()`
#   清零)。向量需要传入 `gradient=` 或先 `.sum()`。
# - 三者都能分离一个值(`detach()` / `tf.stop_gradient`),都能对 Python 控制流求导,也都给出同样的数。
