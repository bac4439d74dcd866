"""The lessons: one per seed, in English and Chinese; the same stored outputs on the torch backend as on the own
engine (nbval, the numpy pass runs with the rest of the suite); their badges and Colab cell; the seeds' numbers in
their outputs; and Binder's postBuild, run in a fresh virtual environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = {
    "01_djl_autograd": "000", "02_tensorflow_eigen": "001", "03_pytorch_graphs_gradient_descent": "002",
    "04_three_frameworks": "003", "05_differentiation_methods": "004",
}
# what each seed prints, as it must appear (computed) in the lesson's outputs, in both languages
NUMBERS = {
    "01_djl_autograd": ["28", "[ 0.,  4.,  8., 12.]"],
    "02_tensorflow_eigen": ["0.8808", "0.10499", "nan", "-3.8e-44"],
    "03_pytorch_graphs_gradient_descent": ["tensor(1., grad_fn=<PowBackward0>)", "True", "False"],
    "04_three_frameworks": ["28.0", "[ 4.],", "[12.]]"],  # x is a (4, 1) column there
    "05_differentiation_methods": ["11.652", "5.5", "1.716", "0.69315", "10.693"],
}
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
SLUG = REPOSITORY.removeprefix("https://github.com/")


def notebooks():
    return sorted(p for p in NOTEBOOKS.glob("[0-9]*.ipynb"))


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text_of(path: Path) -> str:
    out = []
    for c in cells(path):
        for o in c.get("outputs", []):
            out.append(o.get("text", "") if isinstance(o.get("text"), str) else "".join(o.get("text", [])))
            for v in o.get("data", {}).values():
                out.append(v if isinstance(v, str) else "".join(v) if isinstance(v, list) else "")
    return "\n".join(out)


def source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def test_every_seed_has_a_lesson_in_english_and_chinese():
    names = sorted(p.stem for p in notebooks())
    assert names == sorted([*LESSONS, *(f"{n}_zh" for n in LESSONS)])
    for name, seed in LESSONS.items():
        assert list((ROOT.parent / "shared" / "seeds").glob(f"{seed}_*.txt")) or not (ROOT.parent / "shared").exists()
        en, zh = cells(NOTEBOOKS / f"{name}.ipynb"), cells(NOTEBOOKS / f"{name}_zh.ipynb")
        assert [c["cell_type"] for c in en] == [c["cell_type"] for c in zh], f"{name}: the twins' cells differ"
        assert re.search(r"[\u4e00-\u9fff]", source(zh[0])), f"{name}_zh opens in Chinese"


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_each_lesson_opens_with_its_badges_and_the_colab_cell(path):
    first, second = cells(path)[:2]
    head = source(first)
    assert head.startswith("# ")
    binder = f"https://mybinder.org/v2/gh/{SLUG}/main?labpath=notebooks%2F{path.name}"
    colab = f"https://colab.research.google.com/github/{SLUG}/blob/main/notebooks/{path.name}"
    assert binder in head and colab in head, f"{path.name}: badges must point at {REPOSITORY}"
    assert second["cell_type"] == "code" and 'if "google.colab" in sys.modules' in source(second)
    assert second["outputs"] == []  # it does nothing outside Colab, so nbval sees nothing


def test_the_colab_cell_installs_from_the_repository_only_on_colab():
    from IPython.core.interactiveshell import InteractiveShell

    cell = source(cells(notebooks()[0])[1])
    InteractiveShell.clear_instance()
    ip = InteractiveShell.instance()
    ran = []
    ip.register_magic_function(lambda line: ran.append(line), "line", "pip")
    try:
        ip.run_cell(cell)
        assert ran == []  # not on Colab: nothing
        sys.modules["google.colab"] = type(sys)("google.colab")
        ip.run_cell(cell)
        assert ran == [f'install -q "nbautodiff[lab] @ git+{REPOSITORY}"']
    finally:
        sys.modules.pop("google.colab", None)
        InteractiveShell.clear_instance()


@pytest.mark.parametrize("name", list(NUMBERS))
def test_the_seeds_numbers_appear_computed_in_both_languages(name):
    for path in (NOTEBOOKS / f"{name}.ipynb", NOTEBOOKS / f"{name}_zh.ipynb"):
        shown = text_of(path)
        for number in NUMBERS[name]:
            assert number in shown, f"{path.name} does not show {number!r}"
        assert "missing from current font" not in shown and "Glyph" not in shown


def test_the_lessons_give_the_same_outputs_on_the_torch_backend():
    """nbval against the stored outputs with NBAUTODIFF_BACKEND=torch (the suite's own run is the numpy pass)."""
    pytest.importorskip("torch")
    env = {**os.environ, "NBAUTODIFF_BACKEND": "torch", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                          "--nbval-sanitize-with", str(NOTEBOOKS / "nbval_sanitize.cfg"), "-o", "addopts=",
                          *map(str, notebooks())], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_binder_postbuild_installs_the_lessons_and_the_kernels(tmp_path):
    """binder/postBuild in a fresh virtual environment (PyTorch left out: requirements.txt brings it on Binder)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_ = venv / "bin"
    env = {**os.environ, "PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    run = subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    kernels = venv / "share" / "jupyter" / "kernels"
    assert (kernels / "nbautodiff-numpy" / "kernel.json").exists()
    listed = subprocess.run([str(bin_ / "nbautodiff"), "lessons"], cwd=tmp_path, env=env, capture_output=True,
                            text=True)
    assert listed.returncode == 0 and "05_differentiation_methods" in listed.stdout, listed.stdout + listed.stderr
    req = (ROOT / "binder" / "requirements.txt").read_text()
    assert "download.pytorch.org/whl/cpu" in req and "torch==" in req and (ROOT / "binder" / "runtime.txt").exists()
