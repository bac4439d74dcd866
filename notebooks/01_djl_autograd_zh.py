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
# # 用 DJL 自动求导
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F01_djl_autograd_zh.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/01_djl_autograd_zh.ipynb)
#
# d2l-java 的 2.5 节用 Deep Java Library(DJL)讲自动求导。本课借助 nbautodiff 的 DJL 方言,在 Python 里运行
# 这些 Java 代码:`NDManager`、`setRequiresGradient`、`GradientCollector`、`getGradient` 都和 DJL 一样,数组的
# 打印格式也和 DJL 相同。我们先对 $y = 2\mathbf{x}^\top\mathbf{x}$ 求导,然后看到 DJL 会*覆盖*梯度,对向量输出
# 先求和再求导,用 `stopGradient` 把一个值从计算图中分离出来,并让梯度穿过 `while` 循环和 `if` 分支,最后做完
# 本章的五道练习。凡是看图更清楚的地方,都配了图。
#
# 图是由单元格画出来的:刚下载的笔记本,请先运行各单元格(或选择 *File → Trust Notebook*)才能看到图。

# %%
import sys

if "google.colab" in sys.modules:  # on Colab only: install nbautodiff (PyTorch is there already)
    %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# ## 准备工作
#
# Java 和 Python 只是写法不同。`manager.arange(4f)` 写成 `manager.arange(4.0)`,Java 的 try-with-resources 语句
# `try (GradientCollector gc = ...) { ... }` 写成 Python 的 `with ... as gc:`。方法名保持 DJL 原样。
# `%load_ext nbautodiff` 加载单元格魔法命令 `%%autodiff`,后面用它画图。

# %%
%load_ext nbautodiff
import math

import numpy as np

import nbautodiff as nb
from nbautodiff.djl import Engine, NDManager, Shape

manager = NDManager.newBaseManager()

# %% [markdown]
# ## 1. 一个简单的例子:y = 2xᵀx
#
# 我们要求 $y = 2\mathbf{x}^\top\mathbf{x}$ 关于向量 $\mathbf{x}$ 的梯度。先创建值为 0、1、2、3 的 `x`。DJL 打印
# 数组时,先给出形状、设备和数据类型,再给出数值。原文在 GPU 上运行,打印的是 `gpu(0)`;这里的数组在 CPU 上。

# %%
x = manager.arange(4.0)
x

# %% [markdown]
# 梯度需要一块存放的内存。`setRequiresGradient(true)` 一次性分配好,形状与 `x` 相同。训练时同一批参数要更新
# 成千上万次,如果每次求梯度都分配新内存,内存很快就会耗尽。在反向传播写入之前,这块内存里是 0。

# %%
x.setRequiresGradient(True)
x.getGradient()

# %% [markdown]
# DJL 只在 `GradientCollector` 打开期间记录运算。我们在代码块里计算并打印 $y$,再让收集器做反向传播:它沿着
# 记录下来的运算往回走,为每个要求了梯度的数组填好梯度。

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.dot(x).mul(2)
    print(y)
    gc.backward(y)
x.getGradient()

# %% [markdown]
# $y = 2(0 + 1 + 4 + 9) = 28$,而 $2\mathbf{x}^\top\mathbf{x}$ 的梯度应为 $4\mathbf{x}$。逐个元素验证:

# %%
x.getGradient().eq(x.mul(4))

# %% [markdown]
# ### 收集器记录了什么
#
# `%%autodiff` 运行一个单元格,保留它算出的每个值,并画出单元格所建数组背后的计算图。这里它把同一段代码再运行
# 一遍。内积 `x · x = 14` 是中间节点,`y = 14 × 2` 是输出节点。节点名(`DotBackward0`、`MulBackward0`)用的是
# PyTorch 的命名,因为这个方言运行在遵循 PyTorch 规则的引擎上。*已保存：已释放* 表示反向传播已经释放了这些运算
# 为它保存的值。练习 2 会再回到这一点。

# %%
%%autodiff --lang zh
with Engine.getInstance().newGradientCollector() as gc:
    y = x.dot(x).mul(2)
    gc.backward(y)

# %% [markdown]
# 收集器又做了一次反向传播,梯度却仍是 $4\mathbf{x}$,而不是 $8\mathbf{x}$。第 2 节解释原因。

# %%
x.getGradient()

# %% [markdown]
# 单步演示器一次走一个运算,演示反向传播。种子 $\bar{y} = 1$ 经过乘以 2 的运算后变成 $\bar{v}_2 = 2$。内积用了
# 两次 `x`,所以两份 $2\mathbf{x}$ 在叶节点相加:$\bar{\mathbf{x}} = [0, 2, 4, 6] + [0, 2, 4, 6] = [0, 4, 8, 12]$。
# `nb.step` 需要在反向传播释放计算图之前拿到它,所以我们在收集器内部、`gc.backward` 之前创建演示器。

# %%
with nb.record():
    with Engine.getInstance().newGradientCollector() as gc:
        y = x.dot(x).mul(2)
        stepper = nb.step(y, lang="zh")
        gc.backward(y)
stepper

# %% [markdown]
# ## 2. 梯度会被覆盖
#
# 现在换一个 `x` 的函数:求和,它的梯度全是 1。在 DJL 中,每次反向传播都*写入*梯度,新梯度取代旧梯度。

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.sum()
    gc.backward(y)
x.getGradient()  # 被新计算的梯度覆盖

# %% [markdown]
# PyTorch 正好相反:它把每次的新梯度*累加*到 `x.grad` 上。同样两次反向传播,在 PyTorch 里得到
# $[0, 4, 8, 12] + [1, 1, 1, 1]$,所以 PyTorch 代码要在两次之间调用 `x.grad.zero_()`。`nbautodiff.torch` 遵循
# PyTorch 的规则:

# %%
import nbautodiff.torch as torch

x_torch = torch.arange(4.0, requires_grad=True)
(2 * torch.dot(x_torch, x_torch)).backward()
x_torch.sum().backward()
x_torch.grad

# %% [markdown]
# 每个框架都有自己的规则。`nb.semantics()` 把它们并排列出:DJL 写入,PyTorch 累加,TensorFlow 返回梯度、什么也
# 不存。

# %%
nb.semantics()

# %% [markdown]
# ## 3. 非标量变量的反向传播
#
# 当 `y` 是向量时,`y` 关于 `x` 的导数是一个矩阵(雅可比矩阵)。在深度学习中,向量输出通常是一批样本各自的
# 损失,我们要的是每个样本的梯度之和。因此 DJL 对向量调用 `backward` 时,先对 `y` 求和,再对这个标量求导。
# 对 $y = x \odot x$,梯度是 $2\mathbf{x}$:

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x)  # y 是一个向量
    gc.backward(y)
x.getGradient()  # 等价于 y = sum(x * x)

# %% [markdown]
# 显式求和,结果相同:

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x).sum()
    gc.backward(y)
x.getGradient()

# %% [markdown]
# ## 4. 分离计算:stopGradient
#
# 有时我们希望把一部分计算当作常数。假设 `y` 由 `x` 算出,`z` 又由 `y` 和 `x` 算出。我们要求 `z` 关于 `x` 的
# 梯度,但要把 `y` 固定住,只算 `x` 直接参与的那部分。`y.stopGradient()` 返回 `u`:它的值与 `y` 相同,但不带
# 任何“`y` 是怎么算出来的”的记录,梯度不会经过 `u` 流回 `x`。因此 `z = u * x` 的梯度是 `u`,而不是
# `z = x * x * x` 的 $3x^2$:

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x)
    u = y.stopGradient()
    z = u.mul(x)
    gc.backward(z)
    print(x.getGradient().eq(u))

# %% [markdown]
# 图中的切断处是带剪刀的虚线边。值 $[0, 1, 4, 9]$ 作为常数进入乘法,反向传播只沿实线边到达 `x`。
# (`grads=False` 让图里不画梯度;梯度我们用 `getGradient()` 读取。)

# %%
with nb.record():
    with Engine.getInstance().newGradientCollector() as gc:
        y = x.mul(x)
        u = y.stopGradient()
        z = u.mul(x)
        gc.backward(z)
nb.graph(z, grads=False, lang="zh")

# %% [markdown]
# `y` 本身的计算仍被记录,所以从 `y` 反向传播,得到 $dy/dx = 2\mathbf{x}$:

# %%
with Engine.getInstance().newGradientCollector() as gc:
    y = x.mul(x)
    gc.backward(y)
    print(x.getGradient().eq(x.mul(2)))

# %% [markdown]
# ## 5. Java 控制流的梯度计算
#
# 计算图是在代码运行时记录下来的,所以循环、分支和函数调用都没什么特别:自动求导看到的是真正执行了的运算。
# 下面的 `f` 中,`while` 循环的迭代次数和 `if` 走哪个分支都取决于输入 `a`。`getFloat()` 像在 Java 中一样从数组
# 里读出一个数。这个数是计算图之外的普通值,只用来控制流程。

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
# 对给定的 `a`,这个函数只做乘以常数的运算,所以 `f(a) = k * a`,其中 `k` 取决于 `a`。于是 `d / a` 就是梯度,
# 可以用来验证结果。原文随机抽取 `a`;我们固定 DJL 的随机种子,让每次运行都抽到同一个 `a`。

# %%
Engine.getInstance().setRandomSeed(0)
a = manager.randomNormal(Shape(1))
a.setRequiresGradient(True)
with Engine.getInstance().newGradientCollector() as gc:
    d = f(a)
    gc.backward(d)

    print(a.getGradient().eq(d.div(a)))

# %% [markdown]
# 这里 `a` 约为 0.126,循环把 `b` 一直翻倍到超过 1000:$k = 2^{13} = 8192$。

# %%
print(a)
print(d)
print(a.getGradient())

# %% [markdown]
# ### 用滑块看分支
#
# 拖动滑块。每次拖动都会重新运行 `f`,重画它记录的计算图,并在自动求导的梯度旁给出中心差分。`a` 为正时,最后
# 一步是翻倍;`a` 为负时走 `else` 分支,多了一次乘以 100,`k` 一下子变成一百倍。在 `a = 0` 处,原文的 `f`
# 永远不会返回(`b` 一直是 0,循环永不结束),所以滑块的步长跳过了 0。

# %%
nb.explore(f, dialect="djl", lang="zh", a=(-1.005, 1.0, 0.5))

# %% [markdown]
# 没有运行中的内核时滑块不会动,所以这里一次列出几个 `a` 值。循环次数随 $|a|$ 变化,分支随 $a$ 的正负变化:

# %%
for value in [-1.0, -0.3, 0.3, 1.0]:
    a = manager.create(value)
    a.setRequiresGradient(True)
    with Engine.getInstance().newGradientCollector() as gc:
        d = f(a)
        gc.backward(d)
    k = a.getGradient().getFloat()
    branch = "c = b" if d.sum().getFloat() > 0 else "c = b * 100"
    print(f"a = {value:4}: 梯度 k = {k:8.0f}, d / a = {d.div(a).getFloat():8.0f}, 分支 {branch}")

# %% [markdown]
# ## 小结
#
# - DJL 记录在 `GradientCollector` 中运行的运算:`setRequiresGradient(true)` 附上一块值为 0 的梯度内存,
#   `gc.backward(y)` 把 $\partial y/\partial x$ 写进去,`getGradient()` 读出来。
# - 每次反向传播都*替换*梯度(PyTorch 则是累加)。向量输出在反向传播前先求和。
# - `stopGradient()` 让一个值在反向传播中成为常数。
# - 计算图就是代码实际做的事,包括循环和分支;梯度属于实际走过的那条路径。

# %% [markdown]
# ## 练习
#
# ### 练习 1. 为什么计算二阶导数比一阶导数的开销要更大?
#
# 动手测一测。`nb.count_ops()` 统计 `with` 代码块中求值的基本运算:前向(原始值)和反向(伴随值)各多少次。DJL 的
# `GradientCollector` 不能求二阶导数:它的 `backward` 不会记录自己的运算。所以本题改用 PyTorch 方言,它的
# `torch.autograd.grad(..., create_graph=True)` 返回的一阶导数还能再求导。分别统计 $f(t) = t \sin t$ 在
# $t = 2$ 处的一阶导数和二阶导数要多少次运算。(`count_ops` 统计的是 nbautodiff 自带引擎的运算,所以请把代码放在
# `with nb.use_backend("numpy"):` 里运行。)

# %%
first_ops = None  # 在这里写代码:一阶导数的运算计数,例如 `with nb.count_ops() as first_ops: ...`
second_ops = None  # 在这里写代码:二阶导数的运算计数

# %%
if first_ops is None or second_ops is None:
    print("还没有作答——试一试,或者打开下面的答案")
elif first_ops.total == 0:
    print("提示:count_ops 什么也没统计到;请在 `with nb.use_backend('numpy'):` 里求导")
elif second_ops.total > first_ops.total:
    print(f"✓ 二阶导数求值了 {second_ops.total} 次基本运算,一阶导数 {first_ops.total} 次")
else:
    print("提示:二阶导数是对一阶导数再求导:先 grad(..., create_graph=True),再 grad 一次")

# %% [markdown]
# <details><summary>答案</summary>
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
# 一阶导数是一次前向传播(2 个基本运算:`sin` 和 `*`)加一次反向传播(2 条伴随规则,每个节点一条),共 4 次。二阶导数
# 需要同样的前向传播,接着是用 `create_graph=True` 记录的第一次反向传播(它的 2 条伴随规则,外加一次把来自 `t` 的两条
# 路径加起来的加法)。然后是第二次反向传播,它要走的图更大:伴随规则自己的运算(`cos`、几个乘积、求和)被记录下来,
# 一阶导数成了一张有 6 个节点的图(画在下面)。每个节点一条伴随规则,共 6 次,是第一次反向传播 2 次的三倍。记录下来的
# 图在第二次反向传播之前都要留在内存里;对 $n$ 个输入求完整的黑塞矩阵,这一轮还要重复 $n$ 次。
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
print("一阶导数:", first_ops)
print("二阶导数:", second_ops)
print("其中第二次反向传播:", second_pass)

# %% [markdown]
# 结果与微积分一致:在 $t = 2$ 处,$f'(t) = \sin t + t\cos t$,$f''(t) = 2\cos t - t \sin t$。

# %%
print("f'(2): ", round(dy.item(), 4), "微积分:", round(math.sin(2) + 2 * math.cos(2), 4))
print("f''(2):", round(d2y.item(), 4), "微积分:", round(2 * math.cos(2) - 2 * math.sin(2), 4))

# %% [markdown]
# 原因画成图就是这样。函数 $t \sin t$ 只有 2 个运算。用 `create_graph=True` 记录下来的一阶导数却是下面这张有
# 6 个运算的图:`*` 和 `sin` 的反向节点被展开成运算,其中还有 `cos`。二阶导数就是沿着*这张*图做反向传播。

# %%
with nb.use_backend("numpy"):
    with nb.record():
        t = torch.tensor(2.0, requires_grad=True)
        (dy,) = torch.autograd.grad(t * torch.sin(t), t, create_graph=True)
    picture = nb.graph(dy, grads=False, lang="zh")
picture

# %% [markdown]
# ### 练习 2. 在运行反向传播函数之后,立即再次运行它,看看会发生什么。
#
# 在同一个收集器里,第一次 `gc.backward(y)` 之后紧接着再调用一次(用 `try`/`except` 包起来,看看报错信息)。然后
# 写下发生了什么:`"error"`(报错)、`"replaced"`(梯度被重新写入)还是 `"added"`(梯度翻倍)。

# %%
second_backward = None  # 在这里写代码:"error"、"replaced" 或 "added"

# %%
if second_backward is None:
    print("还没有作答——试一试,或者打开下面的答案")
elif second_backward == "error":
    print("✓ 第一次反向传播已释放计算图保存的值;对同一个 y 再来一次,已经没有东西可走")
elif second_backward == "replaced":
    print("提示:那是*新的*收集器代码块的行为;请对同一个 y 调用两次 gc.backward(y)")
else:
    print("提示:DJL 从不累加梯度;请对同一个 y 调用两次 gc.backward(y),读一读报错信息")

# %% [markdown]
# <details><summary>答案</summary>
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
# 反向传播会释放各运算为它保存的值(第 1 节图中的 *已保存：已释放*),所以第二次调用无从计算,只能报错。DJL 的
# 引擎不会为第二次反向传播保留计算图。把整个代码块再运行一次,会记录一张新图,DJL 把梯度*写入*:还是
# $4\mathbf{x}$,不是 $8\mathbf{x}$。PyTorch 里第二次 `y.backward()` 同样报错。如果用 `retain_graph=True`
# 保留计算图,第二次反向传播会*累加*:得到 $8\mathbf{x}$。
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
# 第一次调用的梯度仍留在梯度内存中。新的代码块再次写入同样的 $4\mathbf{x}$:

# %%
print(x.getGradient())
with Engine.getInstance().newGradientCollector() as gc:
    y = x.dot(x).mul(2)
    gc.backward(y)
print(x.getGradient())

# %% [markdown]
# 在 PyTorch 中做同样的实验。第二次 `backward` 同样报错;用了 `retain_graph=True`,两次的梯度就加在一起:

# %%
x_torch = torch.arange(4.0, requires_grad=True)
y_torch = 2 * torch.dot(x_torch, x_torch)
y_torch.backward()
try:
    y_torch.backward()
except RuntimeError as e:
    print("第二次反向传播:", e)

x_torch = torch.arange(4.0, requires_grad=True)
y_torch = 2 * torch.dot(x_torch, x_torch)
y_torch.backward(retain_graph=True)
y_torch.backward()
x_torch.grad  # 4x + 4x

# %% [markdown]
# ### 练习 3. 如果 `a` 是向量或矩阵,会怎样?
#
# 在控制流的例子中,把 `a` 换成随机向量或矩阵。此时 `f(a)` 不再是标量。梯度会怎样?我们如何分析这个结果?在下面
# 创建 `a_matrix`(记得调用 `setRequiresGradient`),检查单元格会用它运行 `f`。

# %%
a_matrix = None  # 在这里写代码:例如 manager.randomNormal(Shape(2, 3)),然后 a_matrix.setRequiresGradient(True)

# %%
if a_matrix is None:
    print("还没有作答——试一试,或者打开下面的答案")
else:
    with Engine.getInstance().newGradientCollector() as gc:
        d_matrix = f(a_matrix)
        gc.backward(d_matrix)
    g = np.array(a_matrix.getGradient().toFloatArray())
    k = np.array(d_matrix.toFloatArray()) / np.array(a_matrix.toFloatArray())
    if np.allclose(g, k) and np.allclose(g, g[0]):
        print(f"✓ 梯度的每个元素都是同一个 k = {g[0]:g}:反向传播对 f(a) = k·a 求和")
    else:
        print("提示:在收集器代码块之前调用 a_matrix.setRequiresGradient(True)")

# %% [markdown]
# <details><summary>答案</summary>
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
# `f` 照样能运行:循环判断的是*整个*数组的范数,`if` 判断的是它的*和*,所以同一个 `k` 作用于每个元素,
# 逐元素有 `f(a) = k * a`。输出是矩阵,DJL 的反向传播对它的和 $\sum_{ij} k\,a_{ij}$ 求导,所以梯度的每个元素都是
# $k$,并且逐元素等于 `d / a`。变化在于由什么决定 `k`:循环次数取决于 $\|a\|$,分支取决于 $\sum a_{ij}$,单个元素的
# 正负不再决定分支。
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
# ### 练习 4. 重新设计一个求控制流梯度的例子。运行并分析结果。
#
# 写一个以标量数组为输入、带循环或分支(或两者都有)的函数,运行它,分析梯度。检查单元格会把你在 `a = 0.7` 处的
# 梯度与中心差分比较。

# %%
def g(a):
    return None  # 在这里写代码:一个以标量 NDArray 为输入、带循环或分支的函数


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
    print("还没有作答——试一试,或者打开下面的答案")
elif math.isclose(*result, rel_tol=1e-2, abs_tol=1e-3):
    print(f"✓ 自动求导 {result[0]:.4f} ≈ 中心差分 {result[1]:.4f}")
else:
    print(f"提示:自动求导得到 {result[0]:.4f},中心差分却是 {result[1]:.4f};g 在 0.7 处光滑吗?")

# %% [markdown]
# <details><summary>答案</summary>
#
# ```python
# def exp_series(a):
#     if a.getFloat() < 0:  # 分支:e^a = 1 / e^(-a),级数只会遇到 a >= 0
#         return 1 / exp_series(a.neg())
#     term = a.onesLike()
#     total = term
#     n = 1
#     while term.getFloat() > 1e-7:  # 循环次数取决于 a
#         term = term.mul(a).div(n)
#         total = total.add(term)
#         n += 1
#     return total
# ```
#
# `exp_series` 把泰勒级数 $e^a = \sum_n a^n/n!$ 一项项加起来,直到项变得很小,所以 `a` 越大,循环次数越多。自动
# 求导对实际算过的那些项求导。$a^n/n!$ 的导数是 $a^{n-1}/(n-1)!$,所以梯度就是少一项的同一个级数。因为
# $(e^a)' = e^a$,我们预期梯度等于函数值。`a` 为负时走 $1/e^{-a}$ 分支,链式法则穿过除法和取负。
#
# </details>

# %%
def exp_series(a):
    if a.getFloat() < 0:  # 分支:e^a = 1 / e^(-a),级数只会遇到 a >= 0
        return 1 / exp_series(a.neg())
    term = a.onesLike()
    total = term
    n = 1
    while term.getFloat() > 1e-7:  # 循环次数取决于 a
        term = term.mul(a).div(n)
        total = total.add(term)
        n += 1
    return total


# %% [markdown]
# `%%autodiff --check` 用中心差分检查梯度。函数值和梯度都是 $e^{0.7} \approx 2.0138$:

# %%
%%autodiff --check --no-graph --lang zh
a = manager.create(0.7)
a.setRequiresGradient(True)
with Engine.getInstance().newGradientCollector() as gc:
    e = exp_series(a)
    gc.backward(e)

# %% [markdown]
# `a` 为负时由分支接手,梯度仍然等于函数值:

# %%
for value in [-1.5, 0.7, 3.0]:
    grad, numeric = check_gradient(exp_series, value)
    value_at = exp_series(manager.create(value)).getFloat()
    print(f"a = {value:4}: e^a = {math.exp(value):.4f}, exp_series(a) = {value_at:.4f}, "
          f"梯度 {grad:.4f}, 中心差分 {numeric:.4f}")

# %% [markdown]
# ### 练习 5. 绘制 sin(x) 及其导数的图像,不使用 cos(x)
#
# 令 $f(x) = \sin x$,绘制 $f(x)$ 和 $\frac{df(x)}{dx}$ 的图像,其中后者不使用 $f'(x) = \cos x$,而是交给自动
# 求导。在 200 个点 `xs` 上用 DJL 方言计算。

# %%
xs = manager.linspace(-2 * math.pi, 2 * math.pi, 200)
dsin = None  # 在这里写代码:一个 NDArray,存放 sin 在 xs 处由自动求导得到的导数

# %%
if dsin is None:
    print("还没有作答——试一试,或者打开下面的答案")
elif np.allclose(dsin.toFloatArray(), np.cos(xs.toFloatArray()), atol=1e-5):
    print("✓ 自动求导求出了 sin 的导数:它就是 cos,尽管谁也没写 cos")
else:
    print("提示:对 xs 调用 setRequiresGradient(True),在收集器里算 y = xs.sin(),gc.backward(y),再读 xs.getGradient()")

# %% [markdown]
# <details><summary>答案</summary>
#
# ```python
# xs.setRequiresGradient(True)
# with Engine.getInstance().newGradientCollector() as gc:
#     ys = xs.sin()
#     gc.backward(ys)  # 向量:先求和,而每个 ys[i] 只依赖 xs[i]
# dsin = xs.getGradient()
# ```
#
# `ys` 是向量,反向传播对 $\sum_i \sin x_i$ 求导。每一项只依赖一个点,所以它关于 $x_i$ 的偏导数就是 $\sin$ 在
# $x_i$ 处的导数:一次反向传播就得到全部 200 个点上的导数。
#
# </details>

# %%
xs.setRequiresGradient(True)
with Engine.getInstance().newGradientCollector() as gc:
    ys = xs.sin()
    gc.backward(ys)  # 向量:先求和,而每个 ys[i] 只依赖 xs[i]
dsin = xs.getGradient()

# %% [markdown]
# 我们自己画这两条曲线。虚线是 DJL 算出的梯度,它就是余弦,尽管代码里哪里也没有 `cos`:

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
# `nb.plot_derivative` 一次调用就能做同样的事,函数用 `nbautodiff.torch` 编写,还可以加一条切线:

# %%
nb.plot_derivative(torch.sin, (-2 * math.pi, 2 * math.pi), at=1.0, lang="zh")
