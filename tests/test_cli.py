"""The ``nbautodiff`` command: comparing outputs (no kernel), usage errors (no kernel), the kernels, the lessons
and their packaging, and end to end.

The end-to-end tests start real kernels on small notebooks written by the tests themselves, and take a few
seconds each. Kernels are installed under a temporary prefix that ``JUPYTER_PATH`` points at, and the user's own
Jupyter folder is moved to a temporary one too, so the tests see (and remove) only the kernels they install.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nbautodiff import cli
from nbautodiff.cli import lessons as lessons_module

ROOT = Path(__file__).resolve().parents[1]

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
    """Fail the test if anything starts a kernel."""
    from nbclient import NotebookClient

    async def start(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(NotebookClient, "async_start_new_kernel", start)


@pytest.fixture
def prefix(tmp_path, monkeypatch):
    """A temporary prefix for kernels, which Jupyter searches first; the user's Jupyter folder out of the way."""
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "user"))
    from nbautodiff import kernels

    elsewhere = {name: folder for name, (_, folder) in kernels.installed().items()}
    if elsewhere:  # uninstall removes them wherever Jupyter finds them: leave real ones alone
        pytest.skip(f"nbautodiff kernels are installed outside the test's prefix: {elsewhere}")
    return tmp_path


def _tiny(tmp_path, name="n.ipynb", source="1"):
    path = tmp_path / name
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)
    return path


def test_no_command_prints_the_help(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert "usage: nbautodiff" in out and all(cmd in out for cmd in ("run", "compare", "kernels", "lessons"))
    assert cli.main(["kernels"]) == 0
    out = capsys.readouterr().out
    assert "usage: nbautodiff kernels" in out and all(action in out for action in ("install", "uninstall", "list"))


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


def test_help(capsys):
    assert cli.main(["--help"]) == 0
    usage = capsys.readouterr().out
    assert all(cmd in usage for cmd in ("run", "compare", "kernels", "lessons"))


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


# ----------------------------------------------------------------------------- missing extras: usage errors


def test_torch_missing_is_a_usage_error_naming_the_extra(tmp_path, capsys, monkeypatch, no_kernel):
    path = _tiny(tmp_path)
    monkeypatch.setitem(sys.modules, "torch", None)  # find_spec says "not installed", import fails
    assert cli.main(["compare", str(path)]) == 2  # the default backends, numpy torch: numpy must not start first
    assert 'pip install "nbautodiff[torch]"' in capsys.readouterr().err
    assert cli.main(["run", str(path), "--backend", "torch"]) == 2
    assert 'pip install "nbautodiff[torch]"' in capsys.readouterr().err
    monkeypatch.setenv("NBAUTODIFF_BACKEND", "torch")  # run's default backend
    assert cli.main(["run", str(path)]) == 2
    assert 'pip install "nbautodiff[torch]"' in capsys.readouterr().err


def test_torch_missing_in_a_fresh_process():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from nbautodiff import cli\n"
        "sys.exit(cli.main(['compare', 'notebooks/01_djl_autograd.ipynb']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2, done.stderr
    assert 'needs torch, which is not installed: pip install "nbautodiff[torch]"' in done.stderr
    assert "Traceback" not in done.stderr and "starting the kernel" not in done.stderr


@pytest.mark.parametrize(
    "module, argv, words",
    [
        ("nbclient", ["run", "{nb}"], 'needs nbclient, which is not installed: pip install "nbautodiff[lab]"'),
        ("nbformat", ["compare", "{nb}"], 'needs nbformat, which is not installed: pip install "nbautodiff[lab]"'),
        ("ipykernel", ["run", "{nb}"], 'needs ipykernel, which is not installed: pip install "nbautodiff[lab]"'),
        ("jupytext", ["run", "{py}"], "needs jupytext, which is not installed: pip install jupytext"),
        ("jupytext", ["run", "{nb}", "-o", "{py}"], "needs jupytext, which is not installed: pip install jupytext"),
        ("jupyter_client", ["run", "{nb}", "--kernel", "x"], 'needs jupyter_client, which is not installed: pip'),
        ("jupyter_client", ["kernels", "list"], 'needs jupyter_client, which is not installed: pip install "nbautod'),
        ("jupyterlab", ["lessons", "--open", "{dir}"], 'needs jupyterlab, which is not installed: pip install "nb'),
    ],
)
def test_a_missing_optional_dependency_is_a_usage_error(tmp_path, capsys, monkeypatch, no_kernel, module, argv, words):
    nb = _tiny(tmp_path)
    py = tmp_path / "twin.py"
    py.write_text("# %%\n1\n")
    values = {"nb": str(nb), "py": str(py), "dir": str(tmp_path / "lessons")}
    monkeypatch.setitem(sys.modules, module, None)
    assert cli.main([a.format(**values) for a in argv]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "lessons").exists()  # --open copies nothing before it can open them


# ----------------------------------------------------------------------------- the kernels


def test_kernels_install_list_and_uninstall(prefix, capsys):
    kernels_dir = prefix / "share" / "jupyter" / "kernels"
    assert cli.main(["kernels", "list"]) == 0
    assert "no nbautodiff kernels installed" in capsys.readouterr().out

    assert cli.main(["kernels", "install", "--prefix", str(prefix), "--no-cuda"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"nbautodiff-numpy\s+numpy\s+" + re.escape(str(kernels_dir / "nbautodiff-numpy")), out)
    assert "nbautodiff-torch-cuda" not in out and f"JUPYTER_PATH includes {prefix}/share/jupyter" in out
    spec = json.loads((kernels_dir / "nbautodiff-numpy" / "kernel.json").read_text())
    assert spec["env"] == {"NBAUTODIFF_BACKEND": "numpy"}

    assert cli.main(["kernels", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"nbautodiff-numpy\s+numpy\s+" + re.escape(str(kernels_dir / "nbautodiff-numpy")), out)

    assert cli.main(["kernels", "uninstall", "nbautodiff-numpy"]) == 0
    assert "removed 1 kernels" in capsys.readouterr().out and not (kernels_dir / "nbautodiff-numpy").exists()
    assert cli.main(["kernels", "uninstall"]) == 0  # the rest
    assert not [p for p in kernels_dir.iterdir() if p.name.startswith("nbautodiff")]
    assert cli.main(["kernels", "uninstall"]) == 0
    assert "no nbautodiff kernels to remove" in capsys.readouterr().out


def test_kernels_install_for_the_user_by_default_and_the_cuda_switch(prefix, capsys):
    assert cli.main(["kernels", "install", "--cuda"]) == 0
    user = prefix / "user" / "kernels"  # JUPYTER_DATA_DIR's
    assert "for this user" in capsys.readouterr().out and (user / "nbautodiff-numpy" / "kernel.json").is_file()
    assert (user / "nbautodiff-torch-cuda").is_dir() == (importlib.util.find_spec("torch") is not None)
    assert cli.main(["kernels", "install", "--prefix", str(prefix), "--no-cuda"]) == 0  # a second copy of each
    capsys.readouterr()
    assert cli.main(["kernels", "uninstall", "nbautodiff-numpy"]) == 0  # both copies
    assert "removed 2 kernels" in capsys.readouterr().out and not (user / "nbautodiff-numpy").exists()
    assert not (prefix / "share" / "jupyter" / "kernels" / "nbautodiff-numpy").exists()
    assert cli.main(["kernels", "uninstall", "nbautodiff-nope"]) == 2
    assert "not an nbautodiff kernel: nbautodiff-nope" in capsys.readouterr().err
    assert cli.main(["kernels", "install", "--user", "--prefix", str(prefix)]) == 2  # one place or the other


def test_kernels_install_without_torch_says_so(prefix, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    assert cli.main(["kernels", "install", "--prefix", str(prefix)]) == 0
    out = capsys.readouterr().out
    assert "installed 1 kernels" in out and 'only the numpy kernel: pip install "nbautodiff[torch]"' in out


def test_an_unknown_kernel_is_a_usage_error_naming_the_installed_ones(prefix, tmp_path, capsys, no_kernel):
    from nbautodiff import kernels

    kernels.install(prefix=str(prefix), names=["nbautodiff-numpy"])
    path = _tiny(tmp_path)
    assert cli.main(["run", str(path), "--kernel", "nbautodiff-jax"]) == 2
    err = capsys.readouterr().err
    assert "unknown kernel 'nbautodiff-jax': installed are" in err and "nbautodiff-numpy" in err
    assert "(nbautodiff kernels install adds nbautodiff's)" in err
    assert cli.main(["compare", str(path), "--kernels", "nbautodiff-numpy", "nbautodiff-torch"]) == 2
    err = capsys.readouterr().err
    assert "unknown kernel 'nbautodiff-torch'" in err and "(nbautodiff kernels install adds it)" in err
    assert cli.main(["compare", str(path), "--kernels", "nbautodiff-numpy"]) == 2
    assert "compare needs two kernels or more" in capsys.readouterr().err
    assert cli.main(["run", str(path), "--kernel", "nbautodiff-numpy", "--backend", "torch"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert cli.main(["compare", str(path), "--kernels", "a", "b", "--backends", "numpy", "torch"]) == 2


@needs_torch
def test_run_and_compare_in_named_kernels_end_to_end(prefix, tmp_path, capsys, monkeypatch):
    from nbautodiff import kernels

    kernels.install(prefix=str(prefix), names=["nbautodiff-numpy", "nbautodiff-torch"])
    monkeypatch.setenv("NBAUTODIFF_BACKEND", "numpy")  # the kernel's own setting wins
    path = _write(tmp_path, "which.ipynb", ["import nbautodiff as nb\nprint(nb.backend().name)", "%autodiff_backend"])
    executed = tmp_path / "executed.ipynb"
    assert cli.main(["run", str(path), "--kernel", "nbautodiff-torch", "-o", str(executed)]) == 0
    assert "on kernel nbautodiff-torch" in capsys.readouterr().out
    cells = nbformat.read(executed, as_version=4).cells
    assert cells[1].outputs[0]["text"] == "torch\n"
    assert cells[2].outputs[0]["data"]["text/plain"] == "Backend('torch', device='cpu')"  # --ext loaded the magics

    assert cli.main(["compare", str(path), "--kernels", "nbautodiff-numpy", "nbautodiff-torch"]) == 1
    out = capsys.readouterr().out
    assert "cell 1 differs on nbautodiff-torch" in out and "nbautodiff-numpy | numpy" in out


# ----------------------------------------------------------------------------- Ctrl-C


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_while_a_cell_runs_stops_the_kernel_and_exits_130(tmp_path):
    pid_file = tmp_path / "kernel.pid"
    path = _write(tmp_path, "slow.ipynb", [f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))",
                                            "import time\ntime.sleep(60)", "print('not reached')"])
    child = subprocess.Popen(
        [sys.executable, "-m", "nbautodiff.cli", "run", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background shell ignores SIGINT
    )
    try:
        deadline = time.monotonic() + 120
        while not (pid_file.exists() and pid_file.read_text()) and child.poll() is None:
            assert time.monotonic() < deadline, "the kernel did not start"
            time.sleep(0.1)
        time.sleep(0.5)  # into the sleeping cell
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 130, (out, err)
    assert err.strip().endswith("interrupted") and "Traceback" not in err and "not reached" not in out
    kernel = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(kernel):
        assert time.monotonic() < deadline, "the kernel is still running"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")  # a zombie is gone


def test_ctrl_c_in_a_command_exits_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_lessons", interrupted)
    assert cli.main(["lessons"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


# ----------------------------------------------------------------------------- the lessons


def _lessons(folder: Path, *names: str, sanitize: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        cells = [new_markdown_cell(f"# {name} lesson\nmore"), new_code_cell("1")]
        nbformat.write(new_notebook(cells=cells), folder / f"{name}.ipynb")
    (folder / f"{names[0]}.py").write_text("# %%\n1\n")  # a jupytext twin: not a lesson to copy
    if sanitize:
        (folder / "nbval_sanitize.cfg").write_text("[x]\nregex: a\nreplace: b\n")
    return folder


def test_lessons_lists_the_checkouts_notebooks_with_their_titles(capsys):
    assert cli.lessons_folder() == ROOT / "notebooks"  # from a source checkout
    assert cli.main(["lessons"]) == 0
    out = capsys.readouterr().out
    assert f"lessons in {ROOT / 'notebooks'}" in out
    assert re.search(r"01_djl_autograd\.ipynb\s+Automatic differentiation in DJL", out)
    assert "01_djl_autograd.py" not in out


def test_the_installed_lessons_come_first(tmp_path, monkeypatch):
    installed = _lessons(tmp_path / "site-packages" / "nbautodiff" / "lessons", "a")
    monkeypatch.setattr(lessons_module, "__file__", str(tmp_path / "site-packages" / "nbautodiff" / "cli" / "x.py"))
    assert lessons_module.lessons_folder() == installed


def test_lessons_copy(tmp_path, capsys):
    src = _lessons(tmp_path / "src", "a", "b", sanitize=True)
    dest = tmp_path / "new" / "deeper"
    assert cli.main(["lessons", "--folder", str(src), "--copy", str(dest)]) == 0
    assert "copied 3 files" in capsys.readouterr().out
    assert sorted(p.name for p in dest.iterdir()) == ["a.ipynb", "b.ipynb", "nbval_sanitize.cfg"]

    (dest / "a.ipynb").write_text("my edits")
    assert cli.main(["lessons", "--folder", str(src), "--copy", str(dest)]) == 2
    err = capsys.readouterr().err
    assert "a.ipynb, b.ipynb, nbval_sanitize.cfg already: --force overwrites them" in err
    assert (dest / "a.ipynb").read_text() == "my edits"
    assert cli.main(["lessons", "--folder", str(src), "--copy", str(dest), "--force"]) == 0
    assert (dest / "a.ipynb").read_text() == (src / "a.ipynb").read_text()
    assert cli.main(["lessons", "--folder", str(src), "--copy", str(src / "a.ipynb")]) == 2  # a file


def test_lessons_open_copies_them_and_starts_lab_there(tmp_path, capsys, monkeypatch):
    src = _lessons(tmp_path / "src", "a", "b")
    opened = []

    def lab(folder):
        opened.append(folder)
        return 0

    monkeypatch.setattr(lessons_module, "launch_lab", lab)
    monkeypatch.setattr(lessons_module, "need", lambda *a: None)  # JupyterLab or not: the launcher is a fake
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lessons", "--folder", str(src), "--open"]) == 0
    assert opened == [Path("nbautodiff-lessons")]
    assert sorted(p.name for p in (tmp_path / "nbautodiff-lessons").iterdir()) == ["a.ipynb", "b.ipynb"]

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.ipynb").write_text("my edits")
    assert cli.main(["lessons", "--folder", str(src), "--open", "mine"]) == 0
    assert opened[-1] == Path("mine") and (tmp_path / "mine" / "a.ipynb").read_text() == "my edits"
    assert "kept your copies of a.ipynb" in capsys.readouterr().out and (tmp_path / "mine" / "b.ipynb").exists()


def test_lessons_open_runs_jupyterlab_in_the_copy(tmp_path, monkeypatch):
    started = []

    class Lab:
        def __init__(self, argv, cwd):
            started.append((argv, cwd))

        def wait(self):
            return 3

    monkeypatch.setattr(lessons_module.subprocess, "Popen", Lab)
    assert lessons_module.launch_lab(tmp_path) == 3
    assert started == [([sys.executable, "-m", "jupyterlab"], tmp_path)]


# ----------------------------------------------------------------------------- packaging


def _setuptools_config() -> dict:
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_is_listed_for_the_install():
    tree = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "nbautodiff").rglob("*.py")}
    listed = set(_setuptools_config()["packages"])
    assert listed - tree == {"nbautodiff.lessons"}, "a package listed in pyproject.toml is gone"
    assert tree - listed == set(), "add the new packages to [tool.setuptools] packages in pyproject.toml"


def test_the_wheel_holds_the_cli_and_the_lessons(tmp_path):
    pytest.importorskip("setuptools")
    src = tmp_path / "src"
    for name in ("pyproject.toml", "README.md"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes((ROOT / name).read_bytes())
    for folder in ("nbautodiff", "notebooks"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                (src / path.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
                (src / path.relative_to(ROOT)).write_bytes(path.read_bytes())
    code = f"from setuptools import build_meta; print(build_meta.build_wheel({str(tmp_path)!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=src, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    wheel = zipfile.ZipFile(tmp_path / done.stdout.split()[-1])
    names = set(wheel.namelist())
    lessons = {f"nbautodiff/lessons/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert lessons and lessons == {n for n in names if n.startswith("nbautodiff/lessons/") and n.endswith(".ipynb")}
    assert {"nbautodiff/cli/__init__.py", "nbautodiff/cli/__main__.py", "nbautodiff/engine/ops/__init__.py"} <= names
    entry_points = wheel.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "nbautodiff = nbautodiff.cli:main" in entry_points


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`nbautodiff lessons | head -1`: the pipe closes before the table is written."""
    child = subprocess.Popen([sys.executable, "-m", "nbautodiff.cli", "lessons"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=ROOT)
    child.stdout.close()  # the reader is gone before anything was written
    err = child.stderr.read().decode()
    assert child.wait(60) == 141 and "Traceback" not in err and "BrokenPipe" not in err, err
