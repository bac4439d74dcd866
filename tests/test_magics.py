"""``%%autodiff`` and the line magics in IPython's own shell: every option, and every way a cell can fail without
leaving anything changed (grad mode, anomaly mode, the backend, the namespace)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import nbautodiff as nb
from nbautodiff.engine import mode

from .conftest import needs_torch

IPython = pytest.importorskip("IPython")

SEED_004 = """
x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(5.0, requires_grad=True)
y = torch.log(x1) + x1 * x2 - torch.sin(x2)
y.backward()
"""

SQUARE = """
class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return FACTOR * x * g
"""


@pytest.fixture
def ip():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryAccessor.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.run_line_magic("load_ext", "nbautodiff")
    shell.run_cell("import nbautodiff as nb\nimport nbautodiff.torch as torch")
    yield shell
    shell.run_line_magic("unload_ext", "nbautodiff")
    nb.set_backend("numpy")
    mode.state.grad_enabled, mode.state.anomaly_enabled = True, False
    InteractiveShell.clear_instance()


def report(ip, options: str, cell: str):
    result = ip.run_cell(f"%%autodiff {options} -o _report\n{cell}")
    assert result.success, result.error_in_exec
    return ip.user_ns["_report"]


def rows(table) -> dict:
    return {r[0]: dict(zip(table.columns, r)) for r in table.rows}


# ============================================================================ the extension
def test_the_extension_registers_the_magics_and_unloads_cleanly(ip):
    magics = ip.magics_manager.magics
    assert "autodiff" in magics["cell"] and {"autodiff_backend", "autodiff_graph"} <= set(magics["line"])
    help_text = ip.find_cell_magic("autodiff").__doc__
    for word in ("--trace", "--check", "--compare", "--backend", "--step", "--explore", "-o NAME", "--quiet",
                 "Example", "y.backward()"):
        assert word in help_text, word
    before = ip.custom_exceptions
    ip.run_line_magic("unload_ext", "nbautodiff")
    assert "autodiff" not in ip.magics_manager.magics["cell"] and ip.custom_exceptions != before
    ip.run_line_magic("load_ext", "nbautodiff")
    assert ip.custom_exceptions == before


def test_import_nbautodiff_stays_light():
    import subprocess

    code = "import sys, nbautodiff; assert 'nbautodiff.magics' not in sys.modules and 'IPython' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_bad_option_is_a_usage_error_and_nothing_runs(ip, capsys):
    result = ip.run_cell("%%autodiff --bogus\nran = 1")
    assert not result.success and "ran" not in ip.user_ns
    assert "UsageError: unrecognized arguments: --bogus" in capsys.readouterr().err
    result = ip.run_cell("%%autodiff --backend tpu\nran = 1")
    assert not result.success and "ran" not in ip.user_ns and nb.backend().name == "numpy"
    assert "unknown backend 'tpu'" in capsys.readouterr().err


# ============================================================================ the report
def test_seed_004_traced_and_checked(ip):
    r = report(ip, "--trace --check", SEED_004)
    t = rows(r.tensors)
    assert t["y"]["value"] == "11.652" and t["x1"]["grad"] == "5.5" and t["x2"]["grad"] == "1.7163"
    assert t["y"]["grad_fn"] == "SubBackward0" and t["x1"]["is_leaf"] == "True"
    assert len(r.graph.nodes) == 12 and float(r.graph.node("v4").value) == 10.0
    assert [round(float(g), 3) for g in r.trace.input_adjoints] == [5.5, 1.716] and round(float(r.trace.output),
                                                                                           3) == 11.652
    assert r.passed is True and [row[-1].split()[0] for row in r.check.rows] == ["pass", "pass"]
    html = r._repr_html_()
    assert "check passed" in html and "<svg" in html and "reverse adjoint trace" in html
    assert "11.652" in str(r)


@needs_torch
def test_the_report_speaks_chinese_with_lang_zh(ip):
    r = report(ip, "--trace --check --compare --lang zh", SEED_004)
    assert r.tensors.title == "单元格新建或重新绑定的 3 个张量" and r.tensors.columns[:4] == ["名称", "类型", "形状",
                                                                                       "数据类型"]
    assert r.check.title == "y 的梯度检查：.grad 与中心差分对比" and r.check.columns[0] == "叶节点"
    assert [row[-1] for row in r.check.rows] == ["通过（逐元素）"] * 2
    assert r.compare.columns[-1] == "结果" and {row[-1] for row in r.compare.rows} == {"一致"}
    assert r.compare.notes[0].startswith("用时：")
    html = r._repr_html_()
    assert "%%autodiff：单元格新建或重新绑定的 3 个张量，检查通过，后端一致" in html
    assert "反向伴随迹" in html and "前向原始迹" in html and "叶节点" in html
    for english in ("made or rebound", "check passed", "central difference", "reverse adjoint trace", ">leaf<"):
        assert english not in html
    quiet = report(ip, "--lang zh", "w = 3")
    assert quiet.notes[0].startswith("%%autodiff：单元格没有新建张量")


def test_a_planted_wrong_backward_fails_the_check_naming_the_leaf(ip):
    ip.run_cell(SQUARE.replace("FACTOR", "3"))  # d(w²)/dw is 2w, not 3w
    r = report(ip, "--check", "w = torch.tensor(1.5, requires_grad=True)\nloss = Square.apply(w) + w\n"
                              "loss.backward()")
    (row,) = r.check.rows
    assert row[0] == "w" and row[-1].startswith("FAIL") and r.passed is False
    assert float(row[1]) == pytest.approx(5.5) and float(row[2]) == pytest.approx(4.0, abs=1e-3)
    ip.run_cell(SQUARE.replace("FACTOR", "2"))
    assert report(ip, "--check", "w = torch.tensor(1.5, requires_grad=True)\nloss = Square.apply(w) + w\n"
                                 "loss.backward()").passed is True


@needs_torch
def test_compare_finds_no_difference_between_the_backends(ip):
    r = report(ip, "--compare", SEED_004)
    assert r.matched is True and {row[-1] for row in r.compare.rows} == {"match"}
    assert r.compare.title.startswith("numpy vs torch") and "ratio" in r.compare.notes[0]


@needs_torch
def test_compare_flags_a_backend_dependent_value(ip):
    r = report(ip, "--compare", "z = torch.tensor(3.0, requires_grad=True)\n"
                                "k = z * (2 if nb.backend().name == 'numpy' else 3)\nk.backward()")
    result = rows(r.compare)
    assert r.matched is False and result["k"]["result"] == "DIFFER" and result["k"]["largest value difference"] == "3"
    assert result["z"]["largest grad difference"] == "1"


@needs_torch
def test_compare_converts_earlier_cells_inputs_and_names_what_it_cannot(ip):
    ip.run_cell("w = torch.tensor([1.0, 2.0], requires_grad=True)\nlayer = torch.nn.Linear(2, 1)\n"
                "opt = torch.optim.SGD([w], lr=0.1)\ndata = {'x': torch.ones(2)}\nscale = lambda t: t * 2")
    before = {k: ip.user_ns[k] for k in ("w", "layer", "opt", "data")}
    w_values = ip.user_ns["w"].detach().numpy().copy()
    r = report(ip, "--compare", "out = layer(scale(w * data['x'])).sum()\nout.backward()")
    assert r.matched is True and rows(r.compare)["out"]["result"] == "match"
    assert any("opt (an optimizer" in n for n in r.notes)
    for k, v in before.items():  # the user's variables are never changed by the comparison
        assert ip.user_ns[k] is v
    np.testing.assert_array_equal(ip.user_ns["w"].detach().numpy(), w_values)
    assert type(ip.user_ns["w"]).__module__.startswith("nbautodiff") and nb.backend().name == "numpy"


@needs_torch
def test_compare_on_a_cell_that_fails_on_one_backend_says_which(ip):
    r = report(ip, "--compare", "a = torch.tensor(1.0, requires_grad=True)\n"
                                "b = a * 2\nif nb.backend().name == 'torch':\n    raise ValueError('only on torch')")
    assert r.compare is None and any("fails on torch: ValueError: only on torch" in n for n in r.notes)


@pytest.mark.parametrize("dialect, cell", [
    ("djl", "from nbautodiff.djl import NDManager, Engine\nmanager = NDManager.newBaseManager()\n"
            "x = manager.arange(4.0)\nx.setRequiresGradient(True)\n"
            "with Engine.getInstance().newGradientCollector() as gc:\n    y = x.dot(x).mul(2)\n    gc.backward(y)"),
    ("tf", "import nbautodiff.tf as tf\nx = tf.Variable(tf.range(4.0))\nwith tf.GradientTape() as tape:\n"
           "    y = 2 * tf.tensordot(x, x, axes=1)\ng = tape.gradient(y, x)"),
    ("mxnet", "from nbautodiff.mxnet import np as mnp, autograd\nx = mnp.arange(4.0)\nx.attach_grad()\n"
              "with autograd.record():\n    y = 2 * mnp.dot(x, x)\ny.backward()"),
    ("torch", "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()"),
])
def test_the_same_cell_in_every_dialect_gives_the_same_numbers(ip, dialect, cell):
    r = report(ip, "--check", cell)
    t = rows(r.tensors)
    assert t["y"]["value"] == "28" and t["x"]["value"] == "[0, 1, 2, 3]"
    gradient = t["g"]["value"] if dialect == "tf" else t["x"]["grad"]  # TensorFlow returns it, stores nothing
    assert gradient == "[0, 4, 8, 12]"
    assert r.graph.nodes[r.graph.outputs[-1]].label == "y" and len(r.graph.ops) >= 2
    assert r.passed is True and [row[0] for row in r.check.rows] == ["x"]  # TensorFlow's returned gradient too
    assert float(r.graph.node("x").grad[3]) == 12.0  # the picture shows it on the leaf


@pytest.mark.parametrize("backend", ["numpy", pytest.param("torch", marks=needs_torch)])
def test_check_reads_the_gradients_a_tensorflow_tape_returned(ip, backend):
    ip.run_cell(f"nb.set_backend({backend!r})\nimport nbautodiff.tf as tf\nw = tf.Variable(3.0)")
    r = report(ip, "--check", "x = tf.Variable([1.0, 2.0])\nwith tf.GradientTape() as tape:\n"
                              "    loss = tf.reduce_sum(x * x) * w\ndx, dw = tape.gradient(loss, [x, w])")
    assert r.passed is True and {row[0]: row[1] for row in r.check.rows} == {"x": "[6, 12]", "w": "5"}
    ip.run_cell("@tf.custom_gradient\ndef wrong(x):\n    return x * x, lambda up: up * 3 * x")
    r = report(ip, "--check", "v = tf.Variable(2.0)\nwith tf.GradientTape() as tape:\n    y = wrong(v)\n"
                              "g = tape.gradient(y, v)")
    assert r.passed is False and r.check.rows[0][0] == "v" and r.check.rows[0][-1].startswith("FAIL")


@needs_torch
def test_backend_for_this_cell_only(ip):
    r = report(ip, "--backend torch", "q = torch.tensor(2.0, requires_grad=True)\nc = q ** 3\nc.backward()")
    import torch as real

    assert isinstance(ip.user_ns["q"], real.Tensor) and rows(r.tensors)["q"]["grad"] == "12"
    assert nb.backend().name == "numpy"


def test_step_shows_the_cells_own_backward_node_by_node(ip):
    r = report(ip, "--step", SEED_004)
    assert len(r.watcher.raw) == 5
    from nbautodiff.magics import _stepper

    s = _stepper(r)
    assert s.model.adjoint_text("x2") == "x̄2 = 2 + (−0.28366) = 1.7163"
    assert s.model.adjoint_text("x1") == "x̄1 = 0.5 + 5 = 5.5"
    assert float(ip.user_ns["x1"].grad) == 5.5  # the user's backward ran once, as written


def test_explore_moves_the_cells_scalar_leaves_without_touching_the_notebook(ip):
    from nbautodiff.session import CellModel

    r = report(ip, "--explore", SEED_004)
    m = CellModel(ip, r)
    assert m.values == {"x1": 2.0, "x2": 5.0}
    moved = m.run(x1=1.0)
    assert moved.grads["x1"] == pytest.approx(1 / 1.0 + 5.0, abs=1e-4) and moved.numeric["x1"] == pytest.approx(6.0,
                                                                                                                abs=1e-3)
    assert round(moved.value, 3) == round(float(np.log(1.0) + 5.0 - np.sin(5.0)), 3)
    assert float(ip.user_ns["x1"]) == 2.0 and float(ip.user_ns["x1"].grad) == 5.5


def test_quiet_and_o_store_the_report_without_showing_it(ip, capsys):
    ip.run_cell("%%autodiff --quiet -o kept\n" + SEED_004)
    assert "11.652" not in capsys.readouterr().out and rows(ip.user_ns["kept"].tensors)["y"]["value"] == "11.652"
    ip.run_cell("%%autodiff\n" + SEED_004)
    assert "11.652" in capsys.readouterr().out


def test_a_cell_without_tensors_says_so_politely(ip):
    r = report(ip, "", "n = 1 + 1")
    assert not r.found and "made no tensors" in str(r) and "made no tensors" in r._repr_html_()


def test_a_cell_that_prints_a_lot_gets_a_collapsed_report(ip):
    assert report(ip, "", SEED_004 + "\nfor i in range(40):\n    print(i)").collapsed is True
    assert report(ip, "", SEED_004).collapsed is False
    assert "<details class='nbautodiff-report' open>" in report(ip, "", SEED_004)._repr_html_()


def test_the_cells_own_result_and_display_still_show(ip, capsys):
    ip.run_cell("%%autodiff --no-graph\nx = torch.tensor(3.0, requires_grad=True)\nx * 2")
    out = capsys.readouterr().out
    assert "tensor(6., grad_fn=<MulBackward0>)" in out


# ============================================================================ failing cells leave nothing changed
@pytest.mark.parametrize("options", ["", "--backend numpy", "--trace --check"])
def test_a_failing_cell_fails_with_its_own_traceback_and_restores_the_state(ip, capsys, options):
    result = ip.run_cell(f"%%autodiff {options}\nq = 1\ntorch.set_grad_enabled(False)\n"
                         "torch.autograd.set_detect_anomaly(True)\n1 / 0")
    assert not result.success and type(result.error_in_exec).__name__ == "CellFailed"
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert text.count("ZeroDivisionError") == 2 and text.count("Traceback") == 1  # header + the last line, once
    assert "session.py" not in text and "magics.py" not in text and "line 5" in text  # the user's line numbers
    assert mode.state.grad_enabled is True and mode.state.anomaly_enabled is False
    assert ip.user_ns["q"] == 1  # what ran before the error stays, as in a plain cell


@needs_torch
def test_a_failing_cell_puts_the_backend_back(ip):
    import torch as real

    assert not ip.run_cell("%%autodiff\nnb.set_backend('torch')\nreal_grad = torch.is_grad_enabled()\n"
                           "torch.set_grad_enabled(False)\nraise RuntimeError('boom')").success
    assert nb.backend().name == "numpy" and real.is_grad_enabled()
    assert not ip.run_cell("%%autodiff --backend torch\nt = torch.ones(1)\nraise RuntimeError('boom')").success
    assert nb.backend().name == "numpy" and isinstance(ip.user_ns["t"], real.Tensor)


def test_no_converted_copies_are_left_behind(ip):
    ip.run_cell("base = torch.tensor(1.0, requires_grad=True)")
    names = set(ip.user_ns)
    report(ip, "--trace --check" + (" --compare" if "torch" in sys.modules else ""),
           "out = base * 3\nout.backward()")
    assert set(ip.user_ns) - names == {"out", "_report"}
    assert float(ip.user_ns["base"].grad) == 3.0  # the checks ran on copies: one backward, the user's


# ============================================================================ line magics
@needs_torch
def test_autodiff_backend_shows_and_switches(ip, capsys):
    assert ip.run_line_magic("autodiff_backend", "") == nb.backend()
    assert ip.run_line_magic("autodiff_backend", "torch").name == "torch" and nb.backend().name == "torch"
    ip.run_line_magic("autodiff_backend", "numpy")
    result = ip.run_cell("%autodiff_backend jax")
    assert not result.success and "unknown backend 'jax'" in capsys.readouterr().err
    assert nb.backend().name == "numpy"


def test_autodiff_graph_draws_one_tensor(ip):
    ip.run_cell(SEED_004)
    g = ip.run_line_magic("autodiff_graph", "y")
    assert len(g.nodes) == 12 and g.nodes[0].label == "x1" and g.nodes[-1].label == "y"
    assert ip.run_line_magic("autodiff_graph", "--lang zh y").options["lang"] == "zh"


@pytest.mark.parametrize("backend", ["numpy", pytest.param("torch", marks=needs_torch)])
def test_a_cell_run_again_records_the_leaf_it_moved_with_its_moved_value(backend):
    from nbautodiff.session import Snapshot, run_again

    with nb.use_backend(backend):
        recs = []
        ns, _, _, error = run_again(None, "import nbautodiff.torch as torch\nx = torch.tensor(2.0, requires_grad=True)"
                                          "\ny = x * 3", Snapshot({}, deep=True), nb.backend(), leaves={0: 7.0},
                                    recording=recs)
        assert error is None and float(ns["y"]) == 21.0
        (leaf,) = recs[0].leaves
        assert float(recs[0].values[leaf]) == 7.0  # not the 2.0 the cell wrote
