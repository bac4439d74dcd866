"""PyTorch lessons run line by line on real PyTorch and on ``nbautodiff.torch``; the transcripts must agree.

Lesson 6 (动态计算图与梯度下降入门, seed ``002_45a253c693bae284.txt``) is copied into
``tests/fixtures/lesson_002_autograd.py`` (its code cells only, the lesson's printed outputs kept as the
``#...`` comments under each statement), so that CI does not need the seed folder. When the seed folder sits
beside the checkout, ``test_fixture_is_faithful_to_seed`` checks that the fixture still is the lesson's code.

The second part states the d2l "2.5 自动求导" facts (seed ``000_2fb77001767b1d77.txt`` is the DJL edition)
in PyTorch terms and checks them on both modules.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

real_torch = pytest.importorskip("torch")
import nbautodiff.torch as nb_torch  # noqa: E402

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "lesson_002_autograd.py"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_LESSON = SEEDS / "002_45a253c693bae284.txt"

MODULES = [pytest.param(real_torch, id="torch"), pytest.param(nb_torch, id="nbautodiff")]

_HEX = re.compile(r"0x[0-9a-fA-F]+")
# PyTorch appends the C++ source location to warnings raised from C++; no Python engine can say that.
_TRIGGERED = re.compile(r"\s*\(Triggered internally at [^)]*\)\s*$")


def normalize(text: str) -> str:
    """Object addresses differ from run to run (and from engine to engine): ``0x7f...`` -> ``0x?``."""
    return _HEX.sub("0x?", text)


# --------------------------------------------------------------------------------------------------------------
# The notebook-like runner
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Step:
    """What one top-level statement did: what a notebook would show for it."""

    lineno: int
    end_lineno: int
    source: str
    is_expr: bool
    stdout: str = ""
    display: str | None = None  # repr of the expression's value, as a notebook cell would show it
    warnings: list[str] = field(default_factory=list)  # "UserWarning: <message>"
    error: str | None = None  # "RuntimeError: <first line of the message>"

    def transcript(self) -> tuple:
        return (
            self.source,
            normalize(self.stdout),
            None if self.display is None else normalize(self.display),
            tuple(normalize(w) for w in self.warnings),
            None if self.error is None else normalize(self.error),
        )


def split_statements(code: str) -> list[Step]:
    tree = ast.parse(code)
    steps = []
    for node in tree.body:
        src = ast.get_source_segment(code, node)
        steps.append(Step(node.lineno, node.end_lineno, src, isinstance(node, ast.Expr)))
    return steps


def _is_prose(step_node: ast.stmt) -> bool:
    """A bare string literal in the lesson is a prose remark (``'''...'''``), not a value to show."""
    return isinstance(step_node, ast.Expr) and isinstance(step_node.value, ast.Constant) and isinstance(
        step_node.value.value, str
    )


def make_namespace(module) -> dict:
    """Globals in which ``import torch`` binds ``module`` (real torch or nbautodiff.torch)."""
    real_import = builtins.__import__

    def _import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (name == "torch" or name.startswith("torch.")):
            if name == "torch":
                return module
            sub = module
            for part in name.split(".")[1:]:
                sub = getattr(sub, part)
            return sub if fromlist else module
        return real_import(name, globals, locals, fromlist, level)

    fake_builtins = dict(vars(builtins))
    fake_builtins["__import__"] = _import
    return {"__builtins__": fake_builtins, "__name__": "__lesson__", "torch": module, "np": np}


def run_lesson(code: str, module) -> list[Step]:
    """Execute ``code`` statement by statement, like notebook cells, and record what each one shows."""
    ns = make_namespace(module)
    tree = ast.parse(code)
    steps = split_statements(code)
    for step, node in zip(steps, tree.body):
        out = io.StringIO()
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
            warnings.simplefilter("always")
            try:
                if step.is_expr:
                    value = eval(compile(ast.Expression(node.value), "<lesson>", "eval"), ns)
                    if value is not None and not _is_prose(node):
                        step.display = repr(value)
                else:
                    exec(compile(ast.Module([node], type_ignores=[]), "<lesson>", "exec"), ns)
            except Exception as exc:  # noqa: BLE001 - a notebook shows the error and goes on
                msg = str(exc).splitlines()[0] if str(exc) else ""
                step.error = f"{type(exc).__name__}: {msg}"
        step.stdout = out.getvalue()
        for w in caught:
            if issubclass(w.category, UserWarning):
                step.warnings.append(f"{w.category.__name__}: {_TRIGGERED.sub('', str(w.message))}")
    return steps


def lesson_code() -> str:
    return FIXTURE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def transcripts():
    code = lesson_code()
    return run_lesson(code, real_torch), run_lesson(code, nb_torch)


# --------------------------------------------------------------------------------------------------------------
# The lesson's own expected outputs (the ``#...`` comments right under a statement)
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Expected:
    lineno: int  # the statement's first line
    source: str
    kind: str  # "display" | "grad_fn" | "error" | "warning"
    text: str


def expected_outputs(code: str) -> list[Expected]:
    """The lesson's printed outputs: the block of ``#`` lines directly under a statement."""
    lines = code.splitlines()
    result = []
    for step in split_statements(code):
        block = []
        i = step.end_lineno  # 0-based index of the line after the statement
        while i < len(lines) and lines[i].startswith("#"):
            block.append(lines[i][1:])
            i += 1
        if not block:
            continue
        first = block[0]
        if step.is_expr and (first.startswith("tensor(") or first in ("True", "False")):
            result.append(Expected(step.lineno, step.source, "display", first))
        elif step.is_expr and (m := re.fullmatch(r"<(\w+) at 0x[0-9a-fA-F]+>", first)):
            result.append(Expected(step.lineno, step.source, "grad_fn", m.group(1)))
        elif any(re.match(r"(\w+Error)\s+Traceback", b) for b in block):
            err = next(re.match(r"(\w+Error)\s+Traceback", b).group(1) for b in block if re.match(r"\w+Error\s", b))
            result.append(Expected(step.lineno, step.source, "error", err))
        elif "UserWarning:" in first:
            # The notebook wrapped the message over several commented lines ("... Its #.grad attribute ...").
            text = first.split("UserWarning:", 1)[1].replace(" #", " ").strip()
            result.append(Expected(step.lineno, step.source, "warning", text))
    return result


def _first_sentence(text: str) -> str:
    return text.split(". ")[0] + "."


# --------------------------------------------------------------------------------------------------------------
# Tests: the lesson
# --------------------------------------------------------------------------------------------------------------


def test_fixture_parses_into_statements():
    steps = split_statements(lesson_code())
    assert len(steps) > 60
    exp = expected_outputs(lesson_code())
    kinds = {e.kind for e in exp}
    assert kinds == {"display", "grad_fn", "error", "warning"}
    assert sum(e.kind == "display" and e.text.startswith("tensor(") for e in exp) >= 15


@pytest.mark.skipif(not SEED_LESSON.exists(), reason="seed folder not beside this checkout")
def test_fixture_is_faithful_to_seed():
    """Every non-blank fixture line is a line of the seed, in the seed's order."""
    seed_lines = [ln.strip() for ln in SEED_LESSON.read_text(encoding="utf-8").splitlines()]
    pos = 0
    for n, line in enumerate(lesson_code().splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        assert s in seed_lines, f"fixture line {n} is not in the seed: {line!r}"
        try:
            pos = seed_lines.index(s, pos) + 1
        except ValueError:
            pytest.fail(f"fixture line {n} is out of the seed's order: {line!r}")
    # and the lesson's code cells are all there: each code-looking seed line appears in the fixture
    fixture_lines = {ln.strip() for ln in lesson_code().splitlines()}
    for s in seed_lines:
        if re.match(r"^(x|y|z|y1)(\.\w+)*( = .*|\(\))?$", s) or s.startswith(("torch.", "with torch", "import ")):
            assert s in fixture_lines, f"seed code line missing from the fixture: {s!r}"


def test_lesson_transcripts_identical(transcripts):
    ref, ours = transcripts
    assert len(ref) == len(ours)
    diffs = []
    for r, o in zip(ref, ours):
        if r.transcript() != o.transcript():
            diffs.append(
                f"line {r.lineno}: {r.source!r}\n  torch:      {r.transcript()[1:]}\n  nbautodiff: {o.transcript()[1:]}"
            )
    assert not diffs, "transcripts differ:\n" + "\n".join(diffs)


def test_lesson_transcript_is_not_empty(transcripts):
    """The comparison above compares something: displays, errors and warnings all occur."""
    ref, _ = transcripts
    assert sum(s.display is not None for s in ref) >= 30
    assert sum(s.error is not None for s in ref) == 3
    assert sum(bool(s.warnings) for s in ref) == 2


@pytest.mark.parametrize("module", MODULES)
def test_lesson_expected_outputs(module):
    """The lesson's own numbers: each ``#tensor(...)`` / ``#True`` under an expression is what it shows."""
    code = lesson_code()
    steps = {s.lineno: s for s in run_lesson(code, module)}
    checked = 0
    problems = []
    for exp in expected_outputs(code):
        step = steps[exp.lineno]
        if exp.kind == "display":
            if step.display != exp.text:
                problems.append(f"line {exp.lineno} {exp.source!r}: shows {step.display!r}, lesson says {exp.text!r}")
        elif exp.kind == "grad_fn":
            # Old PyTorch printed <PowBackward0 at 0x...>; 2.x prints <PowBackward0 object at 0x...>.
            if not (step.display or "").startswith(f"<{exp.text} "):
                problems.append(
                    f"line {exp.lineno} {exp.source!r}: shows {step.display!r}, lesson says <{exp.text} ...>"
                )
        elif exp.kind == "error":
            if not (step.error or "").startswith(exp.text + ":"):
                problems.append(f"line {exp.lineno} {exp.source!r}: error {step.error!r}, lesson says {exp.text}")
        elif exp.kind == "warning":
            # The lesson's PyTorch said "for more informations"; compare the first sentence only.
            want = "UserWarning: " + _first_sentence(exp.text)
            if not any(w.startswith(want) for w in step.warnings):
                problems.append(f"line {exp.lineno} {exp.source!r}: warnings {step.warnings!r}, lesson says {want!r}")
        checked += 1
    assert checked >= 30
    assert not problems, "\n".join(problems)


def test_lesson_warning_text_matches_torch(transcripts):
    """The non-leaf ``.grad`` warning: our text is PyTorch 2.x's (not the lesson's older wording)."""
    ref, ours = transcripts
    pairs = [(r, o) for r, o in zip(ref, ours) if r.warnings]
    assert len(pairs) == 2
    for r, o in pairs:
        assert o.warnings == r.warnings, f"{r.source!r}: torch {r.warnings!r}, nbautodiff {o.warnings!r}"
        assert r.warnings[0].startswith(
            "UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed."
        )


def test_lesson_errors_match_torch(transcripts):
    ref, ours = transcripts
    pairs = [(r, o) for r, o in zip(ref, ours) if r.error or o.error]
    assert [r.source for r, _ in pairs] == ["z.backward()", "y.backward()", "z.backward()"]
    for r, o in pairs:
        assert o.error == r.error
        assert r.error.startswith("RuntimeError: Trying to backward through the graph a second time")


def test_runner_detects_differences():
    """The runner is sharp: a changed value shows up in the transcript."""
    a = run_lesson("x = torch.tensor(1., requires_grad=True)\n(x * 2).grad_fn\nx * 2\n", real_torch)
    b = run_lesson("x = torch.tensor(1., requires_grad=True)\n(x * 3).grad_fn\nx * 3\n", real_torch)
    assert a[1].transcript()[1:] == b[1].transcript()[1:]  # addresses normalised
    assert a[2].transcript()[1:] != b[2].transcript()[1:]
    c = run_lesson("import torch\ntorch.__name__\n", nb_torch)
    assert c[1].display == repr(nb_torch.__name__)


# --------------------------------------------------------------------------------------------------------------
# d2l 2.5 自动求导, in PyTorch terms
# --------------------------------------------------------------------------------------------------------------


def _d2l_f(torch, a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def d2l_session(torch, a_value=None) -> list[str]:
    """The d2l autograd section; asserts its facts and returns the reprs it would print."""
    shown = []
    x = torch.arange(4.0, requires_grad=True)
    shown.append(repr(x))
    assert x.grad is None
    y = 2 * torch.dot(x, x)
    shown.append(repr(y))
    y.backward()
    shown.append(repr(x.grad))
    assert (x.grad == 4 * x).all()
    shown.append(repr(x.grad == 4 * x))

    x.grad.zero_()
    y = x.sum()
    y.backward()
    shown.append(repr(x.grad))
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 1.0]

    # non-scalar y: pass the gradient (or sum first)
    x.grad.zero_()
    y = x * x
    y.backward(gradient=torch.ones(len(x)))
    shown.append(repr(x.grad))
    assert x.grad.tolist() == [0.0, 2.0, 4.0, 6.0]
    x.grad.zero_()
    y = x * x
    y.sum().backward()
    shown.append(repr(x.grad))
    assert (x.grad == 2 * x).all()

    # detach
    x.grad.zero_()
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    shown.append(repr(u))
    shown.append(repr(x.grad == u))
    assert (x.grad == u).all()
    assert not u.requires_grad and u.grad_fn is None
    x.grad.zero_()
    y.sum().backward()
    shown.append(repr(x.grad == 2 * x))
    assert (x.grad == 2 * x).all()

    # Python control flow
    if a_value is None:
        a = torch.randn(size=(), requires_grad=True)
    else:
        a = torch.tensor(a_value, requires_grad=True)
    d = _d2l_f(torch, a)
    d.backward()
    assert torch.allclose(a.grad, d / a)
    if a_value is not None:
        shown.append(repr(d))
        shown.append(repr(a.grad))
        shown.append(repr(a.grad == d / a))
    return shown


@pytest.mark.parametrize("module", MODULES)
def test_d2l_autograd_facts(module):
    module.manual_seed(0)
    d2l_session(module)
    for v in (0.3, -0.7, 1e-3, 5.0):
        d2l_session(module, v)


@pytest.mark.parametrize("a_value", [0.3, -0.7, 1e-3, 5.0, 1234.5])
def test_d2l_reprs_match_torch(a_value):
    ref = d2l_session(real_torch, a_value)
    ours = d2l_session(nb_torch, a_value)
    assert len(ref) == 13
    assert [normalize(s) for s in ours] == [normalize(s) for s in ref]
