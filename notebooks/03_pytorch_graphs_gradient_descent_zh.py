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
# # PyTorch 的动态计算图与梯度下降入门
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F03_pytorch_graphs_gradient_descent_zh.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/03_pytorch_graphs_gradient_descent_zh.ipynb)
#
# PyTorch 是怎么知道该如何求导的？凡是由 `requires_grad` 的张量计算出来的张量，都会记住生成它的那一步运算；
# 这些记录连起来就是一张图，而且是在代码运行的同时搭建起来的。本课先看这张图（叶节点、中间节点和输出节点），
# 在图上执行反向传播——执行一次、执行两次、从中间节点开始执行——再学习如何停止记录；然后用求得的梯度，
# 在一个小小的线性回归问题上做梯度下降，与最小二乘法的解对照，并看看最小二乘法在什么情况下失效。
#
# 图片由代码单元格绘制：刚下载的笔记本需要先运行各单元格（或选择 *File → Trust Notebook*）才能看到图片。

# %%
import sys

if "google.colab" in sys.modules:  # 仅在 Colab 上：安装 nbautodiff（Colab 已自带 PyTorch）
    %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# `import nbautodiff.torch as torch` 在 nbautodiff 自己的引擎上提供 PyTorch 的接口（用 `nb.set_backend("torch")`
# 也可以切换到真正的 PyTorch）：下面的代码就是 PyTorch 代码，每个张量的打印结果都与 PyTorch 一模一样。
# `%load_ext nbautodiff` 载入稍后要用的单元格魔法命令 `%%autodiff`。

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
# ## 一、AutoGrad 的回溯机制：张量如何记住自己的来历
#
# ### 1. `requires_grad` 与 `grad_fn`
#
# 用 `requires_grad=True` 创建的张量是**可微分张量**：PyTorch 会记录由它参与的每一步计算。

# %%
x = torch.tensor(1.0, requires_grad=True)
x

# %% [markdown]
# 计算 $y = x^2$。结果多了一个属性 `grad_fn`：它是一个节点，知道如何对生成 `y` 的那一步运算求导
# （这里是幂运算，所以叫 `PowBackward0`）。

# %%
y = x**2
y

# %%
print(y.grad_fn)

# %% [markdown]
# `x` 不是由任何运算算出来的，所以它没有 `grad_fn`：

# %%
print(x.grad_fn)

# %% [markdown]
# 由可微分张量计算得到的张量同样可微分，于是可以继续往下算：$z = y + 1$。

# %%
y.requires_grad

# %%
z = y + 1
z

# %%
print(z.requires_grad, z.grad_fn)

# %% [markdown]
# 每个 `grad_fn` 都指向其输入对应的节点（`next_functions`）。从 `z` 可以找到 `y` 的节点，再从那里找到
# `AccumulateGrad` 节点——它负责保存叶节点 `x` 的梯度（`None` 对应常数 `1`，常数不需要梯度）。
# 从任何一个张量出发沿着这些指针往回走，就是**回溯机制**：计算的每一步都能重新找出来。

# %%
print(z.grad_fn.next_functions)
print(y.grad_fn.next_functions)
print(z.grad_fn.next_functions[0][0] is y.grad_fn)

# %% [markdown]
# ### 2. 张量计算图
#
# 把这些指针画出来，就是**计算图**：一张有向无环图，节点表示张量，每一步运算是一条边，方向就是实际的运算方向。
# 图中的张量节点分为三类：
#
# - **叶节点**：我们自己创建的、作为计算输入的可微分张量，这里是 `x`；
# - **输出节点**：计算的终点，这里是 `z`；
# - 其余的张量节点都是**中间节点**，这里是 `y`。
#
# 一张计算图可以有多个叶节点和中间节点，但通常只有一个输出节点（有多个结果时，通常也会把它们放进一个张量）。
# `nb.graph(z)` 画出这张图；把代码放在 `with nb.record():` 里运行，每个节点的取值都会显示出来
# （六边形是 `grad_fn` 节点）。

# %%
with nb.record():
    x = torch.tensor(1.0, requires_grad=True)
    y = x**2
    z = y + 1
g = nb.graph(z, lang="zh")
g

# %% [markdown]
# 图中节点的形状表示其类型；图对象本身也记录了类型（leaf 即叶节点，intermediate 即中间节点，output 即输出节点）：

# %%
[(node.label, node.kind) for node in g.values]

# %% [markdown]
# ### 3. 计算图的动态性
#
# PyTorch 在**代码运行的同时**搭建计算图：每执行一步运算，就立刻加入对应的节点。不需要先定义图再执行计算
# （老版本的 TensorFlow 就是先构建图），所以普通的 Python 代码——循环、`if`、函数——决定了图里有什么。
# 下面的循环把 `b` 不断翻倍，直到其绝对值不小于 10；分支再把负的结果乘以 100。同一个函数，输入不同，图也不同。

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
nb.graph(d, lang="zh")

# %%
with nb.record():
    a = torch.tensor(-2.0, requires_grad=True)
    d = f(a)
nb.graph(d, lang="zh")

# %% [markdown]
# 无论代码走了哪条路径，`f` 都只是把 `a` 乘上某个常数，所以导数就是 `d / a`；按记录下来的图求导，结果正是如此：

# %%
d.backward()
a.grad, a.grad == d / a

# %% [markdown]
# ## 二、反向传播与梯度计算
#
# ### 1. 反向传播的基本过程
#
# 张量的梯度保存在它的 `.grad` 属性中。搭建计算图时并没有求导，所以此时 `x.grad` 是空的：

# %%
print(x.grad)

# %% [markdown]
# **反向传播**负责求导：`z.backward()` 从 `z` 出发，沿着记录下来的函数关系反向走回叶节点（这不是求反函数），
# 并把 $\frac{dz}{dx}$ 存进 `x.grad`。执行之前，先用步进器逐个节点地演示这个过程：`AddBackward0` 把
# $\bar z = 1$ 传给 `y`，`PowBackward0` 再乘上 $2x$。

# %%
nb.step(z, lang="zh")

# %%
z.backward()
x

# %% [markdown]
# $z = x^2 + 1$，所以在 $x = 1$ 处 $\frac{dz}{dx} = 2x = 2$：

# %%
x.grad, x.grad == 2 * x

# %% [markdown]
# ### 2. 只能执行一次：第二次 `backward()`
#
# 为了节省内存，反向传播结束后会释放计算图为它保存的张量（`PowBackward0` 保存了 `x`，用来计算 $2x$）。
# 现在图中显示了 `x` 的梯度，保存的张量则标为已释放：

# %%
nb.graph(z, lang="zh")

# %% [markdown]
# 因此在同一张图上第二次执行 `backward()` 会报错，下面打印 PyTorch 报错信息的第一行：

# %%
try:
    z.backward()
except RuntimeError as e:
    print(str(e).splitlines()[0])

# %% [markdown]
# `backward(retain_graph=True)` 会保留这些张量，于是第二次反向传播可以执行——而且它会把新的梯度**累加**到 `.grad`
# 已有的值上，这也是训练循环要用 `.grad.zero_()` 清零梯度的原因。

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
# ### 3. 从中间节点执行反向传播
#
# 任何带有 `grad_fn` 的节点都可以执行反向传播，`y` 也可以；这里求得的是 $\frac{dy}{dx}$：

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
z = y + 1
y.backward()
x.grad

# %% [markdown]
# 这次反向传播释放了 `PowBackward0` 保存的张量，而 `z` 通往 `x` 的路径也要经过它，所以现在两者都会报错：

# %%
for t in (y, z):
    try:
        t.backward()
    except RuntimeError as e:
        print(str(e).splitlines()[0])

# %% [markdown]
# 从中间节点开始和从输出节点开始，结果并不相同。设 $y = x^2$、$z = y^2$，在 $x = 1$ 处
# $\frac{dz}{dx} = 4x^3 = 4$，而 $\frac{dy}{dx} = 2x = 2$：

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
# 小结一下：反向传播的本质是把记录下来的函数关系反向传播；执行条件是张量带有 `grad_fn`（计算图中除叶节点以外的节点）；
# 作用是计算该节点对**叶节点**的导数，也就是梯度。
#
# ### 4. 中间节点的梯度：`retain_grad()`
#
# 只有叶节点会保存梯度。中间节点的 `.grad` 始终是 `None`，读取时还会发出警告（这里捕获警告，以便打印其内容）：

# %%
x = torch.tensor(1.0, requires_grad=True)
y = x**2
z = y**2
z.backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(y.grad)
for warning in caught:  # PyTorch 会附上发出警告的 C++ 源码位置，这里略去这一部分
    message = str(warning.message).split(" (Triggered internally")[0]
    print(warning.category.__name__ + ":", textwrap.fill(message, 100))

# %%
x.grad

# %% [markdown]
# 要保存中间节点的梯度，需在反向传播之前对该张量调用 `retain_grad()`。图中会把保留下来的梯度
# $\frac{dz}{dy} = 2y = 2$ 标为已保留：

# %%
with nb.record():
    x = torch.tensor(1.0, requires_grad=True)
    y = x**2
    y.retain_grad()
    z = y**2
z.backward()
y, y.grad, x.grad

# %%
nb.graph(z, lang="zh")

# %% [markdown]
# ### 5. 非标量输出
#
# 到目前为止，每个输出都只是一个数。对包含多个数的张量执行 `backward()`，没有唯一的导数可求，PyTorch 会拒绝：

# %%
x = torch.arange(4.0, requires_grad=True)
y = x * x
try:
    y.backward()
except RuntimeError as e:
    print(str(e).splitlines()[0])

# %% [markdown]
# 需要用 `gradient=` 给出与雅可比矩阵相乘的向量：取全 1 向量，就相当于求 `y.sum()` 的梯度，这里每个元素都是 $2x$。

# %%
y.backward(gradient=torch.ones(4))
x.grad, x.grad == 2 * x

# %% [markdown]
# ## 三、阻止计算图追踪
#
# 有时我们不希望一部分计算被记录下来，例如训练循环中更新权重的那一步，并不属于要求导的函数。
#
# ### 1. `with torch.no_grad():`
#
# 这个代码块里的计算都不会被记录：`z` 没有 `grad_fn`，也不可微分；而在代码块之前算出的 `y` 仍保留着自己的 `grad_fn`。

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
# ### 2. `.detach()`
#
# `y.detach()` 创建一个与 `y` 取值相同、但没有计算历史的张量，由它计算出的结果也不会被记录：

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
# 在更大的计算中，也可以用 detach 把某个值变成*常数*。下面 `z = u * x`，其中 `u = y.detach()`：带剪刀的虚线边就是
# 被切断的地方，反向传播把 `u` 当作一个普通的数，于是 $\frac{dz}{dx} = u$，而不是 $\frac{d(x^3)}{dx} = 3x^2$。
# （这张图同时从 `z` 和 `y` 画起，所以 `y` 自己的那部分也显示出来；二者各是自己那张图的输出节点。）

# %%
with nb.record():
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    u = y.detach()
    z = u * x
z.backward()
nb.graph(z, y, lang="zh")

# %%
x.grad, x.grad == u

# %% [markdown]
# ### 3. 识别叶节点：`is_leaf`

# %%
x.is_leaf, y.is_leaf

# %% [markdown]
# 注意：凡是不由被记录的运算生成的张量，`is_leaf` 都为真——无论是新建的、不可微分的张量，还是 detach 得到的张量。
# 这样的张量距离真正的叶节点，只差把 `requires_grad` 设为 `True`。

# %%
torch.tensor([1]).is_leaf

# %%
y1, y1.is_leaf

# %% [markdown]
# ### 练习
#
# 设 $x = 3$、$y = x^2$、$z = y^2 + y$。执行 `z.backward()` 之后，`x.grad` 是多少？先用链式法则算一算，
# 再用自动微分验证：把 `answer` 设为你的答案。

# %%
answer = None  # 在这里写你的答案：x = 3 处 dz/dx 的值

# %%
x = torch.tensor(3.0, requires_grad=True)
y = x**2
z = y**2 + y
z.backward()
if answer is None:
    print("还没有作答——试一试，或者展开下面的参考答案")
elif float(answer) == float(x.grad):
    print("✓", answer, "就是 dz/dx")
else:
    print(f"不太对：自动微分的结果是 {x.grad.item():g}；提示：dz/dx = (dz/dy)·(dy/dx) = (2y + 1)·2x")

# %% [markdown]
# <details><summary>参考答案</summary>
#
# ```python
# # 在 y = 9 处 dz/dy = 2y + 1 = 19，dy/dx = 2x = 6，所以 dz/dx = 19 * 6
# answer = 114
# ```
#
# </details>

# %%
answer = 114
answer, x.grad

# %% [markdown]
# ## 四、梯度下降
#
# 有了梯度，就可以沿着下坡方向一步步地最小化一个函数。我们拿最小二乘法能精确求解的问题来试：拟合一条直线。
#
# ### 1. 数据与最小二乘法的解
#
# 十二个点，分布在直线 $y = 2x + 1$ 附近。这组数据是我们自己用 numpy 生成的（固定了随机种子，所以在哪里运行都一样）。

# %%
rng = np.random.default_rng(0)
x_data = np.round(rng.uniform(0, 5, 12), 1)
y_data = np.round(2 * x_data + 1 + rng.normal(0, 0.5, 12), 2)
x_data, y_data

# %% [markdown]
# 我们要找 $\hat y = w x + b$。记*设计矩阵* $X$（一列 $x$ 和一列 1）、$\mathbf{w} = (w, b)^\top$，均方误差（MSE）为
#
# $$L(\mathbf{w}) = \frac{1}{n}\lVert X\mathbf{w} - \mathbf{y}\rVert^2 .$$
#
# 令其梯度 $\nabla L = \frac{2}{n}X^\top(X\mathbf{w} - \mathbf{y})$ 为零，得到**正规方程**
# $X^\top X\,\mathbf{w} = X^\top\mathbf{y}$，于是 $\mathbf{w} = (X^\top X)^{-1}X^\top\mathbf{y}$：这就是最小二乘法的解，
# 一步到位。`torch.linalg.lstsq` 直接求解最小二乘问题；`torch.linalg.solve` 和 `torch.linalg.inv` 则求解正规方程。
# 三者结果一致。

# %%
X = torch.tensor(np.column_stack([x_data, np.ones_like(x_data)]))
Y = torch.tensor(y_data).reshape(-1, 1)
n = len(x_data)
w_ls = torch.linalg.lstsq(X, Y).solution
w_ls

# %%
torch.linalg.solve(X.T @ X, X.T @ Y), torch.linalg.inv(X.T @ X) @ X.T @ Y

# %% [markdown]
# ### 2. 损失函数的梯度及其检验
#
# 梯度下降需要 $\nabla L$，自动微分可以给出。下面的 `%%autodiff --check` 单元格还会画出损失函数的计算图，
# 并用中心差分逐一检验每个梯度。（差分的误差只是舍入噪声，其数字在自己的引擎和真正的 PyTorch 上并不相同，
# 所以测试本课时不比较这一个单元格的输出；`-o report` 保存了检验结论，在下一个单元格打印。）

# %% tags=["nbval-ignore-output"]
# %%autodiff --check --lang zh -o report
w = torch.zeros(2, 1, dtype=torch.float64, requires_grad=True)
loss = ((X @ w - Y) ** 2).mean()
loss.backward()

# %%
report.passed

# %% [markdown]
# 这个梯度也正是上面的公式：

# %%
w.grad, torch.allclose(w.grad, 2 / n * X.T @ (X @ w.detach() - Y))

# %% [markdown]
# 拖动滑块，损失及其两个偏导数随之变化。只有在最小二乘解处（斜率约 2.06，截距约 0.71）两个偏导数才同时为 0，
# 而每个偏导数的符号指出了哪个方向是下坡。

# %%
xs, ys = torch.tensor(x_data), torch.tensor(y_data)
nb.explore(lambda w, b: ((w * xs + b - ys) ** 2).mean(), w=(0.0, 4.0, 1.0), b=(-2.0, 3.0, 0.0), lang="zh")

# %% [markdown]
# ### 3. 一步一步做梯度下降
#
# 梯度下降从任意一点出发，反复执行同一步：让权重沿着梯度的反方向移动一小步，
#
# $$\mathbf{w} \leftarrow \mathbf{w} - \eta\,\nabla L(\mathbf{w}),$$
#
# 其中 $\eta$ 是**学习率**。下面是单个数据点的平方误差 $(wx_0 + b - y_0)^2$ 在 $w = b = 0$ 处的计算图：
# 逐步执行，看梯度如何到达 $w$（乘上了 $x_0$）和 $b$。

# %%
x0, y0 = xs[0], ys[0]
with nb.record():
    w = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    err = (w * x0 + b - y0) ** 2
nb.step(err, lang="zh")

# %% [markdown]
# 训练循环对整个损失函数反复执行这一步。每一步：计算损失（搭建一张新图），执行 `backward()`，在 `torch.no_grad()`
# 中更新权重（更新这一步不属于要求导的函数），再把梯度清零，否则梯度会不断累加。`nb.TrainingMonitor` 在循环运行时
# 画出损失和梯度的范数。

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
with nb.TrainingMonitor(total=500, every=100, title="梯度下降，η = 0.05", lang="zh") as monitor:
    w_gd, losses = gradient_descent(X, Y, lr=0.05, steps=500, monitor=monitor)

# %% [markdown]
# 500 步之后，梯度下降找到了最小二乘法的系数；把两条直线画在数据上，它们完全重合。

# %%
print("梯度下降：  ", [round(v, 4) for v in w_gd.flatten().tolist()])
print("最小二乘法：", [round(v, 4) for v in w_ls.flatten().tolist()])
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
# ### 4. 学习率
#
# $\eta$ 最大可以取多少？对这个损失函数可以算出来：只有当 $\eta < 2/\lambda_{\max}$ 时，每一步才会让误差变小，
# 其中 $\lambda_{\max}$ 是黑塞矩阵 $\frac{2}{n}X^\top X$ 的最大特征值。损失函数像一道山谷，一个方向陡、另一个方向缓。
# 步子小很安全，但沿着平缓的谷底走得很慢（$\eta = 0.01$）。步子大一些，沿谷底走得更快，却会在陡峭的方向上冲过头，
# 接近上限时来回振荡（$\eta = 0.09$ 起步慢，后来反超）。超过上限时，每一步都比上一步冲得更远，损失爆炸
# （$\eta = 0.1$）。下图画的是 $k$ 步之后，各次运行的损失比最小二乘法的最小值 $L^*$ 高出多少。

# %%
limit = 2 / np.linalg.eigvalsh(2 / n * X.T.numpy() @ X.numpy()).max()
round(float(limit), 4)

# %%
fig = Figure(figsize=(6, 3.5))
ax = fig.subplots()
best = ((X @ w_ls - Y) ** 2).mean().item()
final = [f"最小二乘法：L* = {best:.4g}"]
for lr in (0.01, 0.05, 0.09, 0.1):
    _, curve = gradient_descent(X, Y, lr=lr, steps=100)
    ax.plot(np.array(curve) - best, label=f"η = {lr}")
    final.append(f"η = {lr}：100 步后的损失 {curve[-1]:.4g}")
print("\n".join(final))
ax.set_yscale("log")
ax.set_xlabel("k")
ax.set_ylabel("L(w_k) − L*")
ax.legend()
Plot(fig, ax, {})

# %% [markdown]
# ## 五、最小二乘法的局限
#
# 正规方程要求 $X^\top X$ 可逆，即满秩。只要某个特征是其他特征的组合，这个条件就不成立。加上一列 $2x$：
# 它没有带来任何新信息，$X^\top X$ 是 $3\times 3$ 矩阵，秩却只有 2。

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
# 此时最优的 $\mathbf{w}$ 不再唯一——凡是满足 $w_1 + 2w_2 = 2.0644$ 的 $(w_1, w_2)$ 拟合效果都一样好——
# 公式解也就无能为力了。梯度下降不需要求逆：它照样往下坡走（学习率要小一些，因为这个黑塞矩阵的最大特征值更大），
# 最后停在某一个最优解上。

# %%
w2, _ = gradient_descent(X2, Y, lr=0.015, steps=2000)
print("权重：", [round(v, 4) for v in w2.flatten().tolist()])
print("斜率 w1 + 2 w2：", round(w2[0].item() + 2 * w2[1].item(), 4), " 截距：", round(w2[2].item(), 4))
print("与之前的拟合相同：", torch.allclose(X2 @ w2, X @ w_ls, atol=1e-4))

# %% [markdown]
# 停在哪一个最优解上？从零出发的梯度下降永远不会沿着“不改变损失”的方向移动，所以最终得到范数最小的那个解：
# numpy 的伪逆给出同样的权重。

# %%
np.round(np.linalg.pinv(X2.numpy()) @ y_data, 4)

# %% [markdown]
# 公式解也有补救办法：在矩阵上加一个小的扰动项 $\lambda I$。对任意 $\lambda > 0$，$X^\top X + \lambda I$ 都可逆
# （这就是*岭回归*）。$\lambda$ 越小，它的解越接近那个范数最小的解。

# %%
for lam in (0.1, 1e-6):
    w_ridge = torch.linalg.solve(A2 + lam * torch.eye(3, dtype=torch.float64), X2.T @ Y)
    print(f"λ = {lam:g}：", [round(v, 4) for v in w_ridge.flatten().tolist()])

# %% [markdown]
# ## 小结
#
# - 设置了 `requires_grad=True` 的张量，由它计算出的每个张量都会在 `grad_fn` 中记下这一步运算；沿着 `grad_fn`
#   往回走就是回溯机制，这些记录构成了计算图——叶节点、中间节点和输出节点——每次运行代码时都动态地重新搭建。
# - `backward()` 可以从任何非叶节点出发，沿计算图反向传播，把梯度存进叶节点的 `.grad`；它会释放计算图保存的张量
#   （第二次反向传播需要 `retain_graph=True`），并且把梯度累加到 `.grad` 上而不是替换。中间节点只有调用了
#   `retain_grad()` 才会保存梯度；非标量输出需要给出 `gradient=`。
# - `torch.no_grad()` 和 `.detach()` 能让计算不进入计算图；凡是不由被记录的运算生成的张量，`is_leaf` 都为真。
# - 最小二乘法一步就能解出线性回归，但要求 $X^\top X$ 满秩；梯度下降 $\mathbf{w} \leftarrow \mathbf{w} - \eta\nabla L$
#   只需要梯度——有唯一解时得到同样的答案，解不唯一时也能得到一个最优解。
