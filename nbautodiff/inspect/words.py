"""Every word a picture, a stepper, an explorer or a ``%%autodiff`` report shows, in English and Chinese: one table,
read with ``say(lang, key, **values)``.

>>> say("zh", "grad"), say("en", "tensors made", n=2, s="s")
('梯度', '2 tensors made or rebound by the cell')
"""

from __future__ import annotations

LANGS = ("en", "zh")

WORDS = {
    "en": {
        # the picture
        "leaf": "leaf", "intermediate": "intermediate", "output": "output", "op": "op (backward node)",
        "grad": "grad", "not computed yet": "not computed yet", "not kept": "", "freed": "saved: freed",
        "saved": "saved for backward", "retained": "retained", "group": "group", "ops": "ops",
        "detached": "detached",
        # the stepper
        "seed": " (seed)", "seed caption": "seed: {seeds}", "step caption": "{node} ({expression}): received "
        "{incoming}; sends {sends}", "sent to": "{value} to {label}", "nothing": "nothing",
        "its gradient": "its gradient", "freed note": "freed",
        "done caption": "done: the leaves' gradients are the sums; a backward() without retain_graph=True would now "
        "free the saved tensors (a second backward fails)",
        "extended caption": "<b>extended graph</b> with create_graph=True: backward recorded the gradients' own "
        "graph, which can be differentiated again",
        "tangent seed caption": "seed {name} = {value}, the other inputs' tangents 0",
        "reverse pass": "reverse pass, node by node", "node": "node", "operation": "operation",
        "received": "received", "sends": "sends (partial adjoints)",
        # the evaluation trace
        "primal trace": "forward primal trace", "tangent trace": "forward tangent trace (seed {seed})",
        "adjoint trace": "reverse adjoint trace", "var": "var", "expression": "expression", "value": "value",
        "tangent": "tangent", "partial adjoints": "partial adjoints", "values": "values", "adjoint": "adjoint",
        "no path": "(no path to y)", "depends on no input": "{y}: f's output depends on no input",
        # the explorer
        "input": "input", "by autodiff": "∂f/∂input (autodiff)", "central difference": "≈ central difference",
        "difference": "difference", "no dependence": "f does not depend on its inputs",
        # the %%autodiff report
        "tensors made": "{n} tensor{s} made or rebound by the cell", "name": "name", "type": "type",
        "shape": "shape", "dtype": "dtype", "summary": "%%autodiff: {title}", "check passed": ", check passed",
        "check failed": ", check FAILED", "backends match": ", backends match", "backends differ": ", backends DIFFER",
        "check title": "gradient check of {output}: .grad against central differences",
        "grad (autodiff)": "grad (autodiff)", "central": "central difference", "largest difference":
        "largest difference", "result": "result", "pass": "pass", "FAIL": "FAIL", "each element": "each element",
        "a random direction": "a random direction", "could not run again": "could not run the cell again: {error}",
        "compare title": "{here} vs {other} (match: rtol {rtol}, atol {atol})",
        "largest value difference": "largest value difference", "largest grad difference": "largest grad difference",
        "match": "match", "DIFFER": "DIFFER", "missing on": "missing on {backend}", "grad only on": "grad only on {b}",
        "times": "time: {here} {a} ms, {other} {b} ms (ratio {ratio})",
        "no tensors": "%%autodiff: the cell made no tensors (nothing to show); make one with requires_grad=True to "
        "see its graph",
        "no output to check": "check: the cell computed no scalar with a graph to differentiate",
        "no gradient": "check: no leaf got a gradient in this cell (call backward() on the output, or compute one "
        "with tape.gradient / autograd.grad)",
        "not carried": "not carried over to {backend}: {names}",
        "fails on": "--compare: the cell fails on {backend}: {error}",
        "no output to trace": "trace: the cell computed no scalar with a graph",
        "could not trace": "trace: could not trace the cell on the own engine: {error}",
        "too big to trace": "trace: the inputs have {size} elements; the trace tables are for a few scalars "
        "(at most {limit} elements)",
    },
    "zh": {
        "leaf": "叶节点", "intermediate": "中间节点", "output": "输出节点", "op": "运算（反向节点）", "grad": "梯度",
        "not computed yet": "尚未计算", "not kept": "", "freed": "已保存：已释放", "saved": "为反向传播保存",
        "retained": "已保留", "group": "分组", "ops": "个运算", "detached": "已分离",
        "seed": "（初始值）", "seed caption": "初始值：{seeds}", "step caption": "{node}（{expression}）：收到 "
        "{incoming}；发出 {sends}", "sent to": "{value} 给 {label}", "nothing": "无", "its gradient": "它的梯度",
        "freed note": "已释放",
        "done caption": "完成：叶节点的梯度就是这些和；不带 retain_graph=True 的 backward() 此时会释放保存的张量"
        "（再次 backward 会失败）",
        "extended caption": "<b>扩展图</b>（create_graph=True）：反向传播记录了梯度自己的计算图，可以再次求导",
        "tangent seed caption": "初始值 {name} = {value}，其他输入的切向量为 0",
        "reverse pass": "反向传播，逐个节点", "node": "节点", "operation": "运算", "received": "收到",
        "sends": "发出（部分伴随）",
        "primal trace": "前向原始迹", "tangent trace": "前向切向迹（初始值 {seed}）", "adjoint trace": "反向伴随迹",
        "var": "变量", "expression": "表达式", "value": "值", "tangent": "切向量", "partial adjoints": "部分伴随",
        "values": "数值", "adjoint": "伴随", "no path": "（没有到 y 的路径）",
        "depends on no input": "{y}：f 的输出不依赖任何输入",
        "input": "输入", "by autodiff": "∂f/∂输入（自动微分）", "central difference": "≈ 中心差分",
        "difference": "差", "no dependence": "f 不依赖它的输入",
        "tensors made": "单元格新建或重新绑定的 {n} 个张量", "name": "名称", "type": "类型", "shape": "形状",
        "dtype": "数据类型", "summary": "%%autodiff：{title}", "check passed": "，检查通过",
        "check failed": "，检查未通过", "backends match": "，后端一致", "backends differ": "，后端不一致",
        "check title": "{output} 的梯度检查：.grad 与中心差分对比", "grad (autodiff)": "梯度（自动微分）",
        "central": "中心差分", "largest difference": "最大差", "result": "结果", "pass": "通过", "FAIL": "未通过",
        "each element": "逐元素", "a random direction": "随机方向",
        "could not run again": "无法再次运行单元格：{error}",
        "compare title": "{here} 与 {other} 对比（一致：rtol {rtol}，atol {atol}）",
        "largest value difference": "最大值差", "largest grad difference": "最大梯度差", "match": "一致",
        "DIFFER": "不一致", "missing on": "{backend} 上没有", "grad only on": "只有 {b} 上有梯度",
        "times": "用时：{here} {a} ms，{other} {b} ms（比值 {ratio}）",
        "no tensors": "%%autodiff：单元格没有新建张量（没有可显示的内容）；用 requires_grad=True 建一个张量即可看到它的"
        "计算图",
        "no output to check": "检查：单元格没有算出带计算图的标量，无从求导",
        "no gradient": "检查：这个单元格里没有叶节点得到梯度（对输出调用 backward()，或用 tape.gradient / "
        "autograd.grad 求梯度）",
        "not carried": "没有带到 {backend}：{names}",
        "fails on": "--compare：单元格在 {backend} 上失败：{error}",
        "no output to trace": "迹：单元格没有算出带计算图的标量",
        "could not trace": "迹：无法在自有引擎上追踪单元格：{error}",
        "too big to trace": "迹：输入共有 {size} 个元素；迹表只用于少数几个标量（最多 {limit} 个元素）",
    },
}


def check_lang(lang: str, what: str) -> None:
    """A clear error naming ``what`` for a language there are no words for."""
    if lang not in WORDS:
        raise ValueError(f"{what}: lang={lang!r}; choose 'en' or 'zh'")


def say(lang: str, key: str, **values) -> str:
    """The text of ``key`` in ``lang``, with ``values`` filled in."""
    text = WORDS[lang][key]
    return text.format(**values) if values else text
