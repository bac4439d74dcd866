"""The ``nbautodiff`` command: comparing outputs (no kernel), usage errors (no kernel), and end to end.

The end-to-end tests start real kernels; they share one small notebook written by the test itself, and
take a few seconds each.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nbautodiff import cli

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")


# ----------------------------------------------------------------------------- compare_outputs, in memory


def _result(text, **more):
    return new_output("execute_result", data={"text/plain": text, **more}, execution_count=1)


def _notebook(*outputs):
    """A run notebook: a markdown cell, then one code cell per entry of ``outputs`` (a list of outputs)."""
    cells = [new_markdown_cell("# title")]
    for i, outs in enumerate(outputs, start=1):
        cell = new_code_cell(f"cell_{i}", execution_count=i)
        cell.outputs = list(outs)
        cells.append(cell)
    return new_notebook(cells=cells)


def test_identical_notebooks_match():
    outs = [[_result("tensor([0., 1.])")], [new_output("stream", name="stdout", text="None\n")], []]
    cmp = cli.compare_outputs(_notebook(*outs), _notebook(*outs))
    assert [c.index for c in cmp] == [1, 2, 3]  # code cells only, by their index in nb.cells
    assert all(c.ok and c.status == "match" and c.max_diff is None for c in cmp)


def test_a_different_text_is_flagged_with_its_cell_index():
    a = _notebook([_result("tensor(28., grad_fn=<MulBackward0>)")], [_result("True")])
    b = _notebook([_result("tensor(28., grad_fn=<MulBackward0>)")], [_result("False")])
    cmp = cli.compare_outputs(a, b, names=("numpy", "torch"))
    assert [c.status for c in cmp] == ["match", "mismatch"]
    bad = cmp[1]
    assert bad.index == 2 and not bad.ok
    assert "numpy | True" in bad.detail and "torch | False" in bad.detail


def test_numbers_within_the_tolerance_match_and_report_the_largest_difference():
    a = _notebook([_result("tensor([1.0000, 2.0001])")])
    b = _notebook([_result("tensor([1.0000, 2.0000])")])
    (close,) = cli.compare_outputs(a, b, tolerance=1e-3)
    assert close.status == "match" and close.max_diff == pytest.approx(1e-4)
    assert "max diff 1.0e-04" in close.describe()
    (far,) = cli.compare_outputs(a, b, tolerance=1e-5)
    assert far.status == "mismatch" and far.max_diff == pytest.approx(1e-4)


def test_numbers_printed_to_other_widths_still_line_up():
    assert cli.number_diff("tensor([ 0.,  4., 12.])", "tensor([0.0000, 4.0000, 12.0000])") == 0.0
    assert cli.number_diff("float32", "float64") is None  # digits inside a name are not numbers
    assert cli.number_diff("tensor(nan)", "tensor(1.)") == float("inf")


def test_images_are_ignored():
    fig = "<Figure size 600x400 with 1 Axes>"
    a = _notebook([new_output("display_data", data={"image/png": "iVBORw0KGgoAAAA", "text/plain": fig})])
    b = _notebook([new_output("display_data", data={"image/png": "iVBORw0KGgoBBBB", "text/plain": fig})])
    assert [c.status for c in cli.compare_outputs(a, b)] == ["match"]


def test_object_addresses_are_sanitized():
    a = _notebook([_result("<Node object at 0x7f3a2b1c>")])
    b = _notebook([_result("<Node object at 0x55d0e0ff>")])
    assert [c.status for c in cli.compare_outputs(a, b)] == ["match"]


def test_errors_and_cells_that_did_not_run_are_not_matches():
    err = new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=["ZeroDivisionError"])
    a = _notebook([_result("1")], [_result("2")])
    b = _notebook([err], [])
    b.cells[2].execution_count = None  # the run stopped at the error
    assert [c.status for c in cli.compare_outputs(a, b)] == ["error", "not run"]


def test_nbval_sanitize_files_are_read(tmp_path):
    cfg = tmp_path / "nbval_sanitize.cfg"
    cfg.write_text("[timings]\nregex: \\d+\\.\\d+ s\nreplace: TIME\n")
    assert cli.load_sanitize(cfg) == [(r"\d+\.\d+ s", "TIME")]
    assert cli.sanitize("took 1.25 s", cli.load_sanitize(cfg)) == "took TIME"


# ----------------------------------------------------------------------------- usage errors: no kernel


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to execute a notebook."""

    def execute(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(cli, "execute", execute)


def test_an_unknown_backend_is_a_usage_error_before_any_kernel(tmp_path, capsys, no_kernel):
    path = tmp_path / "n.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), path)
    assert cli.main(["run", str(path), "--backend", "jax"]) == 2
    assert "unknown backend 'jax'" in capsys.readouterr().err
    assert cli.main(["compare", str(path), "--backends", "numpy", "tensorflow"]) == 2
    assert "unknown backend 'tensorflow'" in capsys.readouterr().err


def test_a_missing_notebook_is_a_usage_error(tmp_path, capsys, no_kernel):
    assert cli.main(["run", str(tmp_path / "missing.ipynb")]) == 2
    assert "no such notebook" in capsys.readouterr().err
    assert cli.main(["compare", str(tmp_path / "missing.ipynb")]) == 2


def test_help_and_lessons(capsys):
    assert cli.main(["--help"]) == 0
    usage = capsys.readouterr().out
    assert all(cmd in usage for cmd in ("run", "compare", "lessons"))
    assert cli.main(["lessons"]) == 0
    assert "notebooks/03_pytorch_graphs_gradient_descent.ipynb" in capsys.readouterr().out


def test_python_dash_m_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "nbautodiff.cli", "run", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--backend" in done.stdout


# ----------------------------------------------------------------------------- end to end: real kernels

LESSON = [
    "import nbautodiff.torch as torch",
    "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny",
    "y.backward()\nx.grad",
    "print(x.grad == 4 * x)",
]


def _write(tmp_path, name, sources):
    path = tmp_path / name
    nbformat.write(new_notebook(cells=[new_markdown_cell("# a lesson")] + [new_code_cell(s) for s in sources]), path)
    return path


@needs_torch
def test_compare_numpy_and_torch_end_to_end(tmp_path, capsys):
    path = _write(tmp_path, "lesson.ipynb", LESSON)
    assert cli.main(["compare", str(path), "--backends", "numpy", "torch"]) == 0
    out = capsys.readouterr().out
    assert "4 code cells: 4 match, 0 differ" in out


@needs_torch
def test_compare_flags_the_cell_that_differs_and_run_shows_the_backend(tmp_path, capsys):
    path = _write(tmp_path, "planted.ipynb", LESSON + ["import nbautodiff\nnbautodiff.backend().name"])
    assert cli.main(["compare", str(path), "--backends", "numpy", "torch"]) == 1
    out = capsys.readouterr().out
    assert "cell 5 differs on torch" in out and "numpy | 'numpy'" in out and "torch | 'torch'" in out

    executed = tmp_path / "executed.ipynb"
    assert cli.main(["run", str(path), "--backend", "torch", "--output", str(executed)]) == 0
    nb = nbformat.read(executed, as_version=4)
    assert nb.cells[5].outputs[0]["data"]["text/plain"] == "'torch'"
    assert nb.cells[3].outputs[0]["data"]["text/plain"] == "tensor([ 0.,  4.,  8., 12.])"
    assert all("execution" in c.metadata for c in nb.cells[1:])  # record_timing's timestamps


def test_run_stops_at_a_cell_that_raises(tmp_path, capsys):
    path = _write(tmp_path, "broken.ipynb", ["a = 1", "1 / 0", "b = 2"])
    nb, timings = cli.execute(path, "numpy", timeout=60)
    assert set(timings) == {1, 2} and all(t >= 0 for t in timings.values())
    assert [cli.cell_status(c, timings, i) for i, c in enumerate(nb.cells) if i] == ["ok", "error", "not run"]
    assert "ZeroDivisionError" in cli.error_summary(nb.cells[2])

    assert cli.main(["run", str(path)]) == 1
    out = capsys.readouterr().out
    assert "cell 2 raised" in out and "ZeroDivisionError: division by zero" in out
    assert nbformat.read(path, as_version=4).cells[2].outputs == []  # the input was not overwritten


@pytest.mark.parametrize(
    "name, content, extra, words",
    [
        ("note.md", "# hi\n```bash\necho ran > ran.txt\n```\n", [], "not a notebook"),
        ("plain.py", "print('hello')\n", [], "without '# %%' cells"),
        ("bad.ipynb", "{bad", [], "can't be read as a notebook"),
        ("ok.ipynb", None, ["--backend", "numpy:cuda"], "CPU only"),
    ],
)
def test_bad_inputs_are_refused_before_anything_runs(tmp_path, capsys, name, content, extra, words):
    import nbformat

    path = tmp_path / name
    if content is None:
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), path)
    else:
        path.write_text(content)
    assert cli.main(["run", str(path), *extra]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "ran.txt").exists()


def test_a_nan_tolerance_is_refused(capsys):
    assert cli.main(["compare", "notebooks/03_pytorch_graphs_gradient_descent.ipynb", "--tolerance", "nan"]) == 2
    assert "tolerance must be a number" in capsys.readouterr().err
