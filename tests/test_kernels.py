"""A kernel per backend, and %%autodiff in a real kernel: the failed status and the user's traceback only."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from nbautodiff import kernels

from .conftest import needs_torch


def notebook(*cells: str, kernel: str = "python3"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


def run(nb, kernel: str = "python3", allow_errors: bool = False):
    NotebookClient(nb, timeout=120, kernel_name=kernel, allow_errors=allow_errors).execute()
    return nb


def test_a_failing_autodiff_cell_fails_in_a_real_kernel_with_only_the_users_traceback():
    nb = notebook("%load_ext nbautodiff\nimport nbautodiff.torch as torch",
                  "%%autodiff\nx = torch.tensor(2.0, requires_grad=True)\ny = x * 3\n1/0",
                  "print('after', float(x), float(y))")
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        run(nbformat.from_dict(nb))
    run(nb, allow_errors=True)
    (error,) = nb.cells[1].outputs  # one output: the user's traceback, once
    assert error.output_type == "error" and error.ename == "ZeroDivisionError"
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
    assert "1/0" in text and "session.py" not in text and "magics.py" not in text and "interactiveshell" not in text
    assert nb.cells[2].outputs[0].text == "after 2.0 6.0\n"  # names bound before the error stay


def test_the_report_displays_in_a_real_kernel():
    nb = run(notebook("%load_ext nbautodiff\nimport nbautodiff.torch as torch",
                      "%%autodiff --check\nx = torch.tensor(3.0, requires_grad=True)\ny = x * x\ny.backward()"))
    (shown,) = nb.cells[1].outputs
    html = shown.data["text/html"]
    assert "check passed" in html and "<svg" in html and "x × x" in html
    assert "9" in shown.data["text/plain"]


@pytest.fixture
def prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    return tmp_path


def test_kernels_install_list_and_uninstall(prefix):
    done = kernels.install(prefix=str(prefix), names=list(kernels.KERNELS))
    assert [name for name, _ in done] == list(kernels.KERNELS)
    spec = json.loads((prefix / "share" / "jupyter" / "kernels" / "nbautodiff-torch" / "kernel.json").read_text())
    assert spec["env"] == {"NBAUTODIFF_BACKEND": "torch"} and spec["display_name"] == "Python 3 (nbautodiff · torch)"
    assert spec["argv"][-2:] == ["--ext", "nbautodiff"]
    found = kernels.installed()
    assert {k: v[0] for k, v in found.items()} == {"nbautodiff-numpy": "numpy", "nbautodiff-torch": "torch",
                                                  "nbautodiff-torch-cuda": "torch:cuda"}
    assert sorted(kernels.uninstall()) == sorted(kernels.KERNELS) and kernels.installed() == {}


def test_cuda_kernel_only_where_there_is_a_gpu():
    names = kernels.wanted(cuda=False)
    assert names[0] == "nbautodiff-numpy" and "nbautodiff-torch-cuda" not in names
    assert "nbautodiff-torch-cuda" in kernels.wanted(cuda=True) or "nbautodiff-torch" not in names


@needs_torch
@pytest.mark.parametrize("kernel, backend", [("nbautodiff-numpy", "numpy"), ("nbautodiff-torch", "torch")])
def test_choosing_the_kernel_switches_the_backend_with_no_code_change(prefix, kernel, backend):
    kernels.install(prefix=str(prefix), names=[kernel])
    nb = run(notebook("import nbautodiff as nb\nprint(nb.backend().name)",
                      "%%autodiff --no-graph\nimport nbautodiff.torch as torch\nx = torch.ones(2, requires_grad=True)\n"
                      "type(x).__module__.split('.')[0]", kernel=kernel), kernel=kernel)
    assert nb.cells[0].outputs[0].text == f"{backend}\n"
    # the magics are loaded by the kernel itself: no %load_ext in the notebook
    result = [o for o in nb.cells[1].outputs if o.output_type == "execute_result"]
    assert result[0].data["text/plain"] == repr("nbautodiff" if backend == "numpy" else "torch")
