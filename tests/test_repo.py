"""The README's promises: its test command is what CI runs, and its quickstart prints what it says."""

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _bash_blocks():
    return re.findall(r"```bash\n(.*?)```", README, re.S)


def test_ci_runs_exactly_the_readme_test_command():
    test_cmd = next(b.strip() for b in _bash_blocks() if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmd in ci, f"'.ci/run' must run the README's test command verbatim: {test_cmd}"


def test_quickstart_prints_what_the_readme_says():
    block = re.search(r"## Quickstart.*?```python\n(.*?)```", README, re.S).group(1)
    expected = [line.split("# ", 1)[1].strip() for line in block.splitlines() if "print(" in line]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README quickstart", "exec"), {})
    assert out.getvalue().splitlines() == expected


def test_import_needs_only_numpy():
    import subprocess
    import sys

    code = (
        "import sys; import nbautodiff, nbautodiff.torch; "
        "heavy = {'torch', 'IPython', 'ipywidgets', 'matplotlib'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_notebooks_match_their_jupytext_twins():
    import jupytext

    for py in sorted((ROOT / "notebooks").glob("[0-9]*.py")):
        ipynb = py.with_suffix(".ipynb")
        assert ipynb.exists(), f"{py.name} has no .ipynb: run tools/build_notebooks.py"
        src = [c.source for c in jupytext.read(py).cells]
        nb = [c.source for c in jupytext.read(ipynb).cells]
        assert src == nb, f"{ipynb.name} is out of date: run python tools/build_notebooks.py {py.stem}"
        code = [c for c in jupytext.read(ipynb).cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{ipynb.name} was not run: run tools/build_notebooks.py"
