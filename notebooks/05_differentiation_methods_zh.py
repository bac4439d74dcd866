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
# # 四种求导方法：数值差分、符号微分、前向模式与反向模式
#
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nbautodiff/nbautodiff/main?labpath=notebooks%2F05_differentiation_methods_zh.ipynb) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nbautodiff/nbautodiff/blob/main/notebooks/05_differentiation_methods_zh.ipynb)
#
# 本课依据 CMU《深度学习系统》(Deep Learning Systems) 课程的自动微分笔记。我们用四种方法（数值微分、符号微分、前向模式、
# 反向模式）对同一个小函数求导，画出它的计算图和每个节点的值，逐个节点地走完两种模式，并数一数每种方法的计算量。
# 最后介绍现代框架赖以建立的几个想法：反向传播会建出自己的计算图（所以梯度还能再求导）、矩阵的伴随，以及字典的伴随。
#
# 图都是由单元格画出来的：刚下载的笔记本，请先运行各单元格（或选 *File → Trust Notebook*）才能看到它们。

# %%
import sys

if "google.colab" in sys.modules:  # on Colab only: install nbautodiff (PyTorch is there already)
    %pip install -q "nbautodiff[lab] @ git+https://github.com/nbautodiff/nbautodiff"

# %% [markdown]
# ## 为什么需要导数，以及贯穿全课的例子
#
# 任何一个机器学习算法都由三部分组成：**假设类别** $h_\theta(x)$（即模型）、**损失函数** $\ell(h_\theta(x), y)$，以及
# **优化方法**。最常用的优化方法是小批量随机梯度下降 (SGD)，它反复执行
#
# $$\theta := \theta - \frac{\alpha}{B}\sum_{i=1}^{B} \nabla_\theta\, \ell\big(h_\theta(x^{(i)}), y^{(i)}\big),$$
#
# 其核心就是梯度 $\nabla_\theta \ell$。本课要回答的问题是：**计算机怎样求出它**。全课都用同一个函数：
#
# $$y = f(x_1, x_2) = \ln(x_1) + x_1 x_2 - \sin(x_2), \qquad (x_1, x_2) = (2, 5).$$
#
# 手算可得 $\partial y/\partial x_1 = 1/x_1 + x_2 = 5.5$，$\partial y/\partial x_2 = x_1 - \cos(x_2) \approx 1.716$。
# `nbautodiff.torch` 提供 PyTorch 的接口名称；`nbautodiff`（下文记作 `nb`）提供观察内部过程的工具。

# %%
import math

import numpy as np

import nbautodiff as nb
import nbautodiff.torch as torch


def f(x1, x2):
    return torch.log(x1) + x1 * x2 - torch.sin(x2)


def at(a, b):
    """f 在两个普通数上的值（float64）。"""
    return f(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)).item()


round(at(2.0, 5.0), 3), round(1 / 2 + 5, 3), round(2 - math.cos(5), 3)

# %% [markdown]
# ## 1. 数值微分
#
# 按偏导数的定义，取一个很小但有限的 $\epsilon$ 和独热向量 $e_i$，就得到**前向差分**：
#
# $$\frac{\partial f(\theta)}{\partial \theta_i} \approx \frac{f(\theta + \epsilon e_i) - f(\theta)}{\epsilon}.$$
#
# 向两侧各走一步，就是精确得多的**中心差分**。原因在泰勒展开：
# $f(\theta\pm\delta) = f(\theta) \pm f'(\theta)\delta + \tfrac12 f''(\theta)\delta^2 \pm O(\delta^3)$，
# 两式相减时 $f''$ 项相互抵消，于是
#
# $$\frac{f(\theta + \epsilon e_i) - f(\theta - \epsilon e_i)}{2\epsilon} = \frac{\partial f(\theta)}{\partial
# \theta_i} + O(\epsilon^2), \qquad \text{而前向差分的误差只是 } O(\epsilon) \text{ 级别。}$$
#
# 两种差分都只要几行代码：

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
# $\epsilon$ 每缩小十倍，前向差分的误差缩小十倍，中心差分的误差缩小一百倍：这正是 $O(\epsilon)$ 与 $O(\epsilon^2)$
# 的区别。`nb.numerical_grad` 对所有输入一次做完（中心差分，$\epsilon = 10^{-6}$）：

# %%
x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
[round(float(g), 3) for g in nb.numerical_grad(f, (x1, x2))]

# %% [markdown]
# ### 截断误差与舍入误差
#
# 那为什么不干脆取 $\epsilon = 10^{-15}$？因为计算机是在对两个非常接近、且都已舍入的数做减法：$\epsilon$ 越小，
# **舍入误差**越大（约为机器精度$/\epsilon$），而**截断误差**（泰勒展开里被丢掉的项）越小。`nb.eps_sweep` 在
# $\epsilon$ 从 $10^{-15}$ 到 $10^{-1}$ 的范围内，分别用 float32 和 float64 测量 $\partial y/\partial x_1$（固定
# $x_2 = 5$）的这两种误差：

# %%
sweep = nb.eps_sweep(lambda t: torch.log(t) + t * 5.0 - math.sin(5.0), 2.0)
sweep

# %% [markdown]
# 在双对数坐标中，两种误差合成一个 V 字：右臂是截断误差（前向差分斜率为 1，中心差分斜率为 2），左臂是舍入误差。
# float32（约 7 位有效数字）在大得多的 $\epsilon$ 处就到了 V 的谷底，而且谷底高得多；当 $\epsilon$ 小于约 $10^{-7}$
# 时，它连 $2 + \epsilon$ 和 $2$ 都分不清，差为 0，误差就是整个导数 5.5。

# %%
sweep.plot(lang="zh")

# %% [markdown]
# 数值微分有两个缺点：结果只是近似值，而且依赖于 $\epsilon$ 的选取；计算效率低，每求一个偏导数都至少要多算两次
# $f$。一个有一百万个参数的模型，求一次梯度就要计算两百万次函数值。
#
# ### 数值梯度检查
#
# 差分虽然慢得没法用来训练，却是很好的**检验**工具：更快的求导方法的实现，结果应当与它一致。笔记中的做法不逐个比较
# 偏导数，而是从单位球中随机取一个方向 $\delta$，只比较一个数：
#
# $$\delta^\top \nabla_\theta f(\theta) = \frac{f(\theta + \epsilon\delta) - f(\theta - \epsilon\delta)}{2\epsilon}
# + O(\epsilon^2).$$
#
# 左边用待检验的梯度（这里是反向模式的 `backward()`），右边只需算两次 $f$。如果对多个随机的 $\delta$ 两边都相等，
# 那么这个梯度很可能是对的。先手工算一个 $\delta$：

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
# `nb.random_direction_check` 对若干个随机方向做同样的检查：

# %%
nb.random_direction_check(f, (x1, x2), n=3)

# %% [markdown]
# `nb.gradcheck` 就是 PyTorch 的 `gradcheck`：它比较完整的雅可比矩阵，加上 `fast_mode=True` 则做上面的随机方向检查。
# 梯度写错时才看得出它的价值。下面给 $\sin$ 手写一个反向函数，故意漏掉 $\cos$ 前的正号（写成 `nb.Function`，形式与
# PyTorch 的 `torch.autograd.Function` 相同；`nb.gradcheck` 在 nbautodiff 自己的引擎上运行它），检查准确地指出了
# 出错的输入 $x_2$：

# %%
class WrongSin(nb.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sin(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * -torch.cos(x)  # 错误：sin 的导数是 +cos


def f_wrong(x1, x2):
    return torch.log(x1) + x1 * x2 - WrongSin.apply(x2)


print(bool(nb.gradcheck(f, (x1, x2))), bool(nb.gradcheck(f_wrong, (x1, x2))))
nb.gradcheck(f_wrong, (x1, x2))

# %% [markdown]
# ## 2. 符号微分
#
# 这是我们上学时学的求导方法：对表达式反复应用**和法则** $\partial(f+g)/\partial\theta = \partial f/\partial\theta +
# \partial g/\partial\theta$、**积法则** $\partial(fg)/\partial\theta = g\,\partial f/\partial\theta +
# f\,\partial g/\partial\theta$ 和**链式法则** $\partial f(g(\theta))/\partial\theta = f'(g(\theta))\,
# \partial g(\theta)/\partial\theta$，直到式中不再有导数。sympy 做的正是这件事；
# `nbautodiff.symbolic.symbolic_grad` 对每个变量调用 `sympy.diff`，不做任何化简：

# %%
import sympy

from nbautodiff.symbolic import expression_swell, product_gradient, swell_table, symbolic_grad

dy_dx1, dy_dx2 = symbolic_grad(lambda x1, x2: sympy.log(x1) + x1 * x2 - sympy.sin(x2), 2, ["x1", "x2"])
dy_dx1, dy_dx2

# %%
[round(float(d.subs({"x1": 2, "x2": 5})), 3) for d in (dy_dx1, dy_dx2)]

# %% [markdown]
# 公式是精确的，值也是精确的。问题在于**计算量**：机械地套用法则会重复计算。以 $f(\theta) = \prod_{i=1}^{n}\theta_i$
# 为例，每个偏导数 $\partial f/\partial\theta_k = \prod_{j\ne k}\theta_j$ 是 $n-1$ 个因子的乘积，需要 $n-2$ 次乘法；
# 逐个计算，整个梯度就要 $n(n-2)$ 次乘法。而这些偏导数共享大部分子乘积（除了两个偏导数之外，其余都含有
# $\theta_1\theta_2$），这就是**计算浪费**。$n = 4$ 时：

# %%
product_gradient(4)

# %% [markdown]
# $4 \times 2 = 8$ 次乘法。随着 $n$ 增大，朴素的次数按 $n^2$ 增长；即使用 sympy 的公共子表达式消除 (`sympy.cse`)，
# 也仍是平方级。反向模式（在引擎上实测，见后面几节）前向需要 $n-1$ 次乘法，反向时每个乘法节点 $2$ 次：共 $3(n-1)$
# 次，与 $n$ 成线性关系。

# %%
swell_table((3, 4, 6, 8, 12))

# %% [markdown]
# 浪费的另一面是**表达式膨胀** (expression swell)：导数的表达式可能比函数本身大得多。在逻辑斯谛映射 $l_1 = x$，
# $l_{k+1} = 4 l_k (1 - l_k)$ 中，每一步的积法则都把前面的整个表达式复制两遍。sympy 给出的 $dl_k/dx$ 的运算次数
# 比 $l_k$ 增长得快得多，而引擎求导时每一步只需固定的几次基本运算：

# %%
expression_swell(4)

# %% [markdown]
# ## 3. 自动微分：计算图
#
# 自动微分 (AD) 兼取两者之长：它应用的是符号微分那些精确的法则，但作用于**计算过程**而不是表达式，保存的是数而不是
# 公式。任何计算都可以拆成一串基本运算，它们构成一张**计算图**，即有向无环图 (DAG)：节点表示一个值（输入
# $x_1, x_2$ 或中间结果 $v_i$），边表示某个运算（ln、×、sin、+、−）读取了哪个值。
#
# 一步步计算 $f$ 在 $(2, 5)$ 处的值，就是**前向评估**，也叫前向传播，任何程序执行时都是这样做的：
#
# | | |
# |---|---|
# | $v_1 = x_1 = 2$ | $v_2 = x_2 = 5$ |
# | $v_3 = \ln v_1 = \ln 2 = 0.693$ | $v_4 = v_1 \times v_2 = 10$ |
# | $v_5 = \sin v_2 = \sin 5 = -0.959$ | $v_6 = v_3 + v_4 = 10.693$ |
# | $v_7 = v_6 - v_5 = 10.693 - (-0.959) = 11.652$ | $y = v_7 = 11.652$ |
#
# 代码运行时，引擎会记录下同样的计算图。在 `with nb.record():` 块中它还会保存每个中间值，`nb.graph(y)` 把图画出来：
# 蓝色的是叶节点 $x_1, x_2$，灰色的是中间节点，橙色的是输出节点 $y$，它们之间（粉色）是运算，标着 PyTorch 给对应
# 反向节点起的名字。

# %%
with nb.record() as recording:  # 存在变量里：后面再画 y 的图时还要从中读取各个值
    x1 = torch.tensor(2.0, requires_grad=True)
    x2 = torch.tensor(5.0, requires_grad=True)
    y = torch.log(x1) + x1 * x2 - torch.sin(x2)
nb.graph(y, lang="zh")

# %% [markdown]
# 图中节点的编号与笔记一致：先是输入，再按深度排列。Python 先算了 $\ln x_1 + x_1x_2$ 才算 $\sin x_2$，但 $\sin x_2$
# 仍是 $v_5$，因为它离输入只有一步。`nb.trace(f, 2., 5.)` 把同一次计算排成表格，其中的**原值轨迹** (primal trace)
# 就是上面的列表：

# %%
trace = nb.trace(f, 2.0, 5.0)
trace.primal

# %%
{v.name: round(float(v.value), 3) for v in trace.variables}

# %% [markdown]
# ## 4. 前向模式自动微分
#
# 前向模式让每个值都多带一个数：它对**某一个**选定输入的导数，记作 $\dot v_i = \partial v_i/\partial x_1$
# （即切线值 tangent）。输入处设定 $\dot v_1 = 1$（选定的是 $x_1$）、$\dot v_2 = 0$，然后按与前向评估相同的拓扑
# 顺序，每个运算通过链式法则应用自己的求导规则：
#
# $\dot v_3 = \dot v_1 / v_1 = 0.5$，$\;\dot v_4 = v_2\dot v_1 + v_1\dot v_2 = 5$，$\;\dot v_5 = \cos(v_2)\,
# \dot v_2 = 0$，$\;\dot v_6 = \dot v_3 + \dot v_4 = 5.5$，$\;\dot v_7 = \dot v_6 - \dot v_5 = 5.5$。
#
# 同一次运行的**前向 AD 轨迹** (tangent trace)：

# %%
trace.tangent

# %% [markdown]
# 步进器在图上把它演示出来：按 ▶（或拖动滑块），每个运算由输入的 $\dot v$ 算出自己的 $\dot v$，表格中当前这一步的
# 行会高亮显示。

# %%
nb.step(f, 2.0, 5.0, mode="forward", wrt="x1", lang="zh")

# %%
float(trace.output_tangent), float(trace.output_tangent) == 5.5

# %% [markdown]
# PyTorch 也有前向模式：**对偶张量** (dual tensor) 同时携带值和切线值，每个运算把两者一起往前传。

# %%
fwd = torch.autograd.forward_ad
with fwd.dual_level():
    x1_dual = fwd.make_dual(torch.tensor(2.0), torch.tensor(1.0))  # 值为 2，切线值 ẋ1 = 1
    y_dual = f(x1_dual, torch.tensor(5.0))
    print(fwd.unpack_dual(y_dual).tangent)

# %% [markdown]
# **局限性。** 一次前向传播只能求出所有输出对**一个**输入的导数。对 $f: \mathbb{R}^n \to \mathbb{R}^k$，要得到完整的
# 雅可比矩阵需要 $n$ 次传播。深度学习恰好是它最不擅长的情形：$k = 1$（标量损失），而 $n$ 数以百万计。
#
# ### 练习：另一个输入
#
# 用前向模式求 $\partial y/\partial x_2$：这次选定 $x_2$ 而不是 $x_1$。（`nb.trace` 和 `nb.step` 一样接受 `wrt=`。）
# 这第二次传播就是 $n = 2$ 的代价。

# %%
answer = None  # 在这里写代码：选定 x2 时的 ẏ，一个数

# %%
if answer is None:
    print("还没有作答——试一试，或者打开下面的答案")
elif abs(float(answer) - (2 - math.cos(5))) < 1e-6:
    print(f"✓ ∂y/∂x2 = {float(answer):.3f}：第二次前向传播")
else:
    print(f"✗ {answer} 不是 ∂y/∂x2；提示：开始时哪个切线值是 1，哪个是 0？")

# %% [markdown]
# <details><summary>答案</summary>
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
# ## 5. 反向模式自动微分（反向传播）
#
# 反向模式把问题倒过来问。每个值都有一个**伴随** (adjoint) $\bar v_i = \partial y/\partial v_i$，即**输出**对它的
# 导数。完成前向评估之后，从输出出发、按逆拓扑顺序一直算回输入，起点是 $\bar v_7 = \partial y/\partial y = 1$：
#
# $\bar v_6 = \bar v_7 \cdot 1 = 1$，$\;\bar v_5 = \bar v_7 \cdot (-1) = -1$，$\;\bar v_4 = \bar v_6 = 1$，
# $\;\bar v_3 = \bar v_6 = 1$。
#
# $v_2$ 同时是两个运算（$v_4$ 和 $v_5$）的输入，$y$ 经两条路径依赖于它，多元链式法则把两条路径的贡献相加。对每条边
# $i \to j$ 定义**部分伴随** $\bar v_{i\to j} = \bar v_j\, \partial v_j/\partial v_i$，则
#
# $$\bar v_i = \sum_{j \in \mathrm{next}(i)} \bar v_{i\to j}:\qquad
# \bar v_2 = \bar v_4\, v_1 + \bar v_5 \cos v_2 = 2 - 0.284 = 1.716,\qquad
# \bar v_1 = \bar v_3 / v_1 + \bar v_4\, v_2 = 0.5 + 5 = 5.5.$$
#
# 一次反向传播就得到了对**所有**输入的导数。**反向 AD 轨迹** (adjoint trace) 列出了每个部分伴随及其和：

# %%
trace.adjoint

# %% [markdown]
# `nb.step(y)` 对记录下来的计算图真正运行一遍反向传播，逐个节点展示：每个反向节点收到其输出的伴随，沿每条输入边
# 送出一个部分伴随；每个值收到的部分伴随列表逐渐填满，然后求和。（张量的 `.grad` 保持原样。）

# %%
stepper = nb.step(y, lang="zh")
stepper

# %%
stepper.model.adjoint_text("x2"), stepper.model.adjoint_text("x1")

# %% [markdown]
# ### 算法
#
# 笔记把反向模式写成一个简短的循环：字典 `node_to_grad` 为每个节点保存它目前收到的部分伴随列表。按逆拓扑顺序访问
# 各节点，每个节点把自己的列表求和得到伴随，乘以局部导数，再把乘积追加到各输入节点的列表里。下面用普通的 Python
# 数来实现，例子的局部导数直接写出：

# %%
v = {"v1": 2.0, "v2": 5.0}
v["v3"] = math.log(v["v1"])
v["v4"] = v["v1"] * v["v2"]
v["v5"] = math.sin(v["v2"])
v["v6"] = v["v3"] + v["v4"]
v["v7"] = v["v6"] - v["v5"]

local = {  # 节点 i: {输入 k: ∂v_i/∂v_k}
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
        adjoint[i] = sum(node_to_grad.get(i, [0.0]))  # 收到的部分伴随之和
        for k, d in local.get(i, {}).items():
            node_to_grad.setdefault(k, []).append(adjoint[i] * d)  # 把 v̄_{k→i} 送给输入 k
    return adjoint, node_to_grad


adjoint, node_to_grad = gradient("v7", ["v1", "v2", "v3", "v4", "v5", "v6", "v7"])
print("node_to_grad[v2] =", [round(p, 3) for p in node_to_grad["v2"]], "  node_to_grad[v1] =", node_to_grad["v1"])
print("v̄1 =", round(adjoint["v1"], 3), "  v̄2 =", round(adjoint["v2"], 3))

# %% [markdown]
# 引擎的 `backward()` 就是在记录下来的计算图上运行这个循环，每个运算的局部求导规则都登记在一张表里。`%%autodiff`
# 魔法命令记录一个单元格并把一切展示出来：张量、带值和梯度的计算图；加 `--trace` 显示三张轨迹表，加 `--check`
# 对每个叶节点的梯度做数值检查。

# %%
%load_ext nbautodiff

# %%
%%autodiff --trace --check --lang zh
x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(5.0, requires_grad=True)
y = torch.log(x1) + x1 * x2 - torch.sin(x2)
y.backward()

# %%
x1.grad, x2.grad

# %% [markdown]
# ## 6. 各种方法的计算量
#
# 对 $f: \mathbb{R}^n \to \mathbb{R}$：前向差分需要计算 $n + 1$ 次 $f$，中心差分 $2n$ 次，前向模式需要 $n$ 次前向
# 传播（每次都计算基本运算及其切线值），反向模式则**无论 $n$ 多大**都只要一次前向传播加一次反向传播。
# `nb.compare_methods` 在引擎上把四种方法都跑一遍，并统计各自做了多少次基本运算：

# %%
nb.compare_methods(f, 2.0, 5.0).table(times=False)

# %% [markdown]
# $n = 2$ 时差距不大。换成第 2 节的乘积 $\theta_1\cdots\theta_6$ 就不同了：反向模式仍然只要前后各一次传播，前向模式
# 要六次，中心差分要计算十二次函数值。

# %%
nb.compare_methods(lambda theta: torch.prod(theta), [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]).table(times=False)

# %% [markdown]
# `nb.count_ops()` 统计任意代码块中的基本运算：例子的前向传播做了 5 次基本运算（ln、×、sin、+、−），反向传播应用了
# 5 次伴随规则，每个节点一次。

# %%
with nb.use_backend("numpy"), nb.count_ops() as ops:  # count_ops 统计的是自有引擎的基本运算
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(5.0, requires_grad=True)
    f(a, b).backward()
ops

# %% [markdown]
# ## 7. 扩展图：反向传播建出自己的计算图
#
# 反向模式有两种实现方式。第一代深度学习框架（Caffe、cuda-convnet）采用**传统反向传播**：在原来的前向计算图上
# 运行反向操作，只算出数，不留下任何东西。现代框架（PyTorch、TensorFlow、JAX）采用**通过扩展图的反向模式 AD**：
# 反向传播中的乘法和加法本身也是运算，被记录成新的节点。结果是一张普通的计算图，它的输出就是梯度；这张图可以运行、
# 可以优化，也可以再次求导。
#
# 笔记中的例子是 $y = (\exp(v_1) + 1)\cdot\exp(v_1)$。取 $v_1 = 0$，此时
# $\partial y/\partial v_1 = \exp(v_1)(\exp(v_1)+1) + \exp(v_1)\exp(v_1) = 3$。在 PyTorch 中，
# `torch.autograd.grad(..., create_graph=True)` 会把反向传播也记录下来：

# %%
with nb.record():
    v1 = torch.tensor(0.0, requires_grad=True)
    y2 = (torch.exp(v1) + 1) * torch.exp(v1)
(dy2_dv1,) = torch.autograd.grad(y2, v1, create_graph=True)
dy2_dv1

# %% [markdown]
# 这个梯度带有 `grad_fn`：它是一张图的输出。把 $y$ 和 $\partial y/\partial v_1$ 画在一起，就能看到前向计算图
# （$v_2 = v_3 = \exp v_1$，$v_4 = v_2 + 1$，$y_2 = v_4 v_3$），以及从它上面长出来的、反向传播新增的五个节点。它们把
# 伴随乘以**复用**自前向图的局部导数（那些连回 $v_2$、$v_3$、$v_4$ 的边），再把两条路径的部分伴随相加：
#
# - `1.0 × v4` 是 $\bar v_3 = \bar y\, v_4 = 2$，`1.0 × v3` 是 $\bar v_4 = \bar y\, v_3 = 1$（$1.0$ 就是起点
#   $\bar y = 1$）；加法把 $\bar v_4$ 原样传给 $v_2$；
# - `v7 × v3` 是 $\bar v_{1\to3} = \bar v_3 \exp v_1 = 2$，`v5 × v2` 是 $\bar v_{1\to2} = \bar v_2 \exp v_1 = 1$；
# - `v9 + v8` 把它们相加：$\bar v_1 = 3$。
#
# （反向传播新建的节点的值显示为“?”：`nb.record()` 保存的是代码所执行的运算的值，而反向传播是在
# `torch.autograd.grad` 内部、在 `with` 块之外运行的。）

# %%
nb.graph(y2, dy2_dv1, lang="zh")

# %% [markdown]
# `nb.step(y, create_graph=True)` 逐步走完反向传播（$\bar v_1 = 1 + 2 = 3$），并在最后一帧（在运行中的笔记本里）
# 展示扩展图：前向计算图，加上反向传播建出的那部分图。

# %%
nb.step(y2, create_graph=True, lang="zh")

# %% [markdown]
# ### 梯度的梯度
#
# 既然梯度是一张图的输出，就可以对它再做一次反向模式，得到二阶导数：$v_1 = 0$ 时
# $\partial^2 y/\partial v_1^2 = 4\exp(2v_1) + \exp(v_1) = 5$。

# %%
(d2y2_dv1,) = torch.autograd.grad(dy2_dv1, v1)
d2y2_dv1, d2y2_dv1 == 4 * math.exp(0) + math.exp(0)

# %% [markdown]
# 对贯穿全课的例子，把 $\partial y/\partial x_1 = 1/x_1 + x_2$ 再求一次导，就得到黑塞矩阵 (Hessian) 的一行：
# $\partial^2 y/\partial x_1^2 = -1/x_1^2 = -0.25$，$\partial^2 y/\partial x_1\partial x_2 = 1$。`nb.hessian`
# 用同样的办法算出整个矩阵。

# %%
x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(5.0, requires_grad=True)
dy_dx1, dy_dx2 = torch.autograd.grad(f(x1, x2), (x1, x2), create_graph=True)
torch.autograd.grad(dy_dx1, (x1, x2))

# %%
nb.hessian(lambda x: f(x[0], x[1]))(torch.tensor([2.0, 5.0]))

# %% [markdown]
# ## 8. 张量上的反向模式
#
# 前面的一切都不要求是标量。对 $Z = XW$（$Z_{ij} = \sum_k X_{ik}W_{kj}$），后面再接一个标量输出 $v = f(Z)$：伴随
# $\bar Z$ 是与 $Z$ 形状相同的张量，$\bar Z_{ij} = \partial v/\partial Z_{ij}$。每个 $X_{ik}$ 经由第 $i$ 行的每个
# $Z_{ij}$ 影响 $v$，对所有路径求和得
#
# $$\bar X_{ik} = \sum_j \frac{\partial Z_{ij}}{\partial X_{ik}}\,\bar Z_{ij} = \sum_j W_{kj}\,\bar Z_{ij},
# \qquad\text{即}\qquad \bar X = \bar Z\,W^\top, \qquad\text{同理}\qquad \bar W = X^\top \bar Z.$$
#
# 两次矩阵乘法，结果各自与对应的矩阵同形。下面在随机数据上，用 $v = \sum_{ij} Z_{ij}^2$（于是 $\bar Z = 2Z$）检验
# 引擎算出的梯度是否符合这两个公式，其中 $X$ 的形状为 5×4，$W$ 为 4×3。图中每个 `grad`（梯度）都与它自己的张量同形。

# %%
rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((5, 4)), requires_grad=True)
W = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
with nb.record():
    Z = X @ W
    Z.retain_grad()  # 把 Z̄ 也留下来，用于检验
    v = (Z**2).sum()
v.backward()
nb.graph(v, lang="zh")

# %%
print("Z̄ = 2Z:     ", torch.allclose(Z.grad, 2 * Z))
print("X̄ = Z̄ Wᵀ:   ", torch.allclose(X.grad, Z.grad @ W.T), tuple(X.grad.shape))
print("W̄ = Xᵀ Z̄:   ", torch.allclose(W.grad, X.T @ Z.grad), tuple(W.grad.shape))

# %% [markdown]
# ## 9. 数据结构的伴随：字典
#
# 自动微分不限于数组。一个建立字典、再从中查值的程序同样可以求导，只要有对应的**伴随数据结构**：一个键相同、存放
# 伴随的字典。查找 `b = d["cat"]` 在反向时的传播规则是：把 $\bar b$ **累加**到 $\bar d$`["cat"]` 上。`nb.grad`
# （即 PyTorch 的 `torch.func.grad`）接受以字典为参数的函数，返回一个梯度字典：

# %%
def f_of_dict(d):
    return torch.log(d["x1"]) + d["x1"] * d["x2"] - torch.sin(d["x2"])


nb.grad(f_of_dict)({"x1": torch.tensor(2.0), "x2": torch.tensor(5.0)})

# %% [markdown]
# 被读取两次的键会收到两份伴随（这里 $\bar d$`["cat"]` $= 2 + 2$），从未被读取的键伴随为 0：

# %%
nb.grad(lambda d: d["cat"] * d["cat"] + 3 * d["dog"])(
    {"cat": torch.tensor(2.0), "dog": torch.tensor(5.0), "fish": torch.tensor(1.0)}
)

# %% [markdown]
# ## 10. 动手探索
#
# 每个输入一个滑块：每次拖动都会重新计算 $f$，重画带有所有值和梯度的计算图，并在每个梯度旁边给出中心差分的估计值，
# 相当于第 1 节实时检验第 5 节。试试 $x_2 = 3\pi/2 \approx 4.71$：此处 $\cos x_2 = 0$，
# $\partial y/\partial x_2 = x_1 - \cos x_2$ 恰好等于 $x_1$；或者让 $x_1$ 接近 0，看 $\ln x_1$ 和它的导数 $1/x_1$
# 如何急剧变大。

# %%
nb.explore(f, x1=2.0, x2=5.0, lang="zh")

# %% [markdown]
# ## 小结
#
# | 方法 | 作用对象 | 求 $\nabla f$（$f:\mathbb{R}^n\to\mathbb{R}$）的代价 | 精度 |
# |---|---|---|---|
# | 数值微分 | $f$ 的函数值 | $n+1$ 次（前向差分）或 $2n$ 次（中心差分）函数计算 | $O(\epsilon)$ / $O(\epsilon^2)$，外加舍入误差 |
# | 符号微分 | 表达式 | 可能膨胀：$\prod\theta_i$ 需要 $n(n-2)$ 次乘法 | 精确 |
# | 前向模式 AD | 计算过程，切线值 $\dot v_i$ | $n$ 次前向传播 | 精确到舍入误差 |
# | 反向模式 AD | 计算过程，伴随 $\bar v_i$ | 一次前向传播加一次反向传播 | 精确到舍入误差 |
#
# 正是反向模式，让训练拥有数百万参数的网络成为可能；而数值微分是检验它的手段。现代框架把反向传播也建成一张计算图，
# 梯度的梯度因此唾手可得；同样的伴随思想还可以推广到张量和数据结构上。
