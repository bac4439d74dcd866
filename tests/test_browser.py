"""The pictures and widgets in a real browser: JupyterLab (and Notebook 7) in headless Chromium, a notebook run in
a real kernel, and the numbers read back from what is rendered: every value of seed 004's graph, the stepper played
to its end, a slider moved and its new gradient read, the torch backend's picture the same as the own engine's.

Runs wherever Chromium is installed; in CI (``CI`` set) it must run. Elsewhere it skips with the line that installs
Chromium. Screenshots go to ``$NBAUTODIFF_SCREENSHOTS`` when set (and beside a failure's message).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from . import browser

REASON = browser.missing()
if REASON and os.environ.get("CI"):
    raise RuntimeError(f"the browser test must run in CI, but: {REASON}")
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

CELLS = [
    "import nbautodiff as nb\nimport nbautodiff.torch as torch",
    "with nb.record():\n    x1 = torch.tensor(2.0, requires_grad=True)\n"
    "    x2 = torch.tensor(5.0, requires_grad=True)\n"
    "    y = torch.log(x1) + x1 * x2 - torch.sin(x2)\ny.backward(retain_graph=True)\nnb.graph(y)",
    "nb.step(y, interval=250)",
    "f = lambda x1, x2: torch.log(x1) + x1 * x2 - torch.sin(x2)\nnb.explore(f, x1=2.0, x2=5.0)",
    "with nb.use_backend('torch'):\n    with nb.record():\n        x1 = torch.tensor(2.0, requires_grad=True)\n"
    "        x2 = torch.tensor(5.0, requires_grad=True)\n        y = torch.log(x1) + x1 * x2 - torch.sin(x2)\n"
    "    y.backward(retain_graph=True)\n    picture = nb.graph(y)\npicture",
    "nb.GraphView(y)",
    "%load_ext nbautodiff",
    "%%autodiff --check\nw = torch.tensor(3.0, requires_grad=True)\nloss = (w - 1) ** 2\nloss.backward()",
]


def notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    path = tmp_path / "seed_004.ipynb"
    nbformat.write(nb, path)
    return path


def shoot(target, name: str, tmp_path: Path) -> Path:
    """A screenshot of the page or of one element (JupyterLab scrolls inside the notebook, not the page)."""
    path = tmp_path / f"{name}.png"
    target.screenshot(path=str(path))
    keep = os.environ.get("NBAUTODIFF_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def cell(page, i: int):
    return page.locator(".jp-CodeCell").nth(i)


def check_graph(page) -> str:
    from playwright.sync_api import expect

    svg = cell(page, 1).locator("svg.nbautodiff-graph")
    expect(svg.locator("g.node")).to_have_count(12)
    text = svg.text_content()
    for shown in ("= 2", "= 5", "= 0.69315", "= 10", "= −0.95892", "= 10.693", "= 11.652", "grad = 5.5",
                  "grad = 1.7163", "LogBackward0", "MulBackward0", "SinBackward0", "x1 × x2"):
        assert shown in text, f"{shown!r} is not in the picture: {text}"
    return svg.evaluate("e => e.outerHTML")


def test_jupyterlab_shows_the_graph_the_stepper_and_the_sliders(tmp_path):
    from playwright.sync_api import expect

    path = notebook(tmp_path)
    with browser.jupyter(path) as (base, log), browser.browser() as page:
        try:
            page.goto(f"{base}/lab/tree/{path.name}?reset&token={browser.TOKEN}")
            browser.run_all(page)
            svg_numpy = check_graph(page)

            # the stepper, played to its last frame: the summed adjoints of the leaves
            stepper = cell(page, 2).locator(".nbautodiff-stepper")
            expect(stepper).to_be_visible()
            stepper.locator(".widget-play button").first.click()
            done = stepper.locator(".nbad-caption", has_text="done:")
            expect(done).to_be_visible()
            overlay = stepper.locator(".nbautodiff-step-overlay svg.nbad-step").filter(has_text="x̄2 = 2 + ")
            visible = [overlay.nth(i).text_content() for i in range(overlay.count()) if overlay.nth(i).is_visible()]
            assert visible and "x̄2 = 2 + (−0.28366) = 1.7163" in visible[0] and "x̄1 = 0.5 + 5 = 5.5" in visible[0]
            current = stepper.locator("tr.nbad-current")  # the last frame highlights no row of the table
            assert not any(current.nth(i).is_visible() for i in range(current.count()))

            # the explorer: one slider step right, and the gradient read back after the kernel answered
            explorer = cell(page, 3).locator(".nbautodiff-explorer")
            grads = explorer.locator(".nbautodiff-explorer-grads")
            expect(grads).to_contain_text("5.5")
            handle = explorer.get_by_role("slider").first
            handle.focus()
            start = time.perf_counter()
            handle.press("ArrowRight")
            expect(grads).to_contain_text("5.495")  # x1 = 2.02: ∂y/∂x1 = 1/x1 + x2
            trip = time.perf_counter() - start
            print(f"explorer slider move, kernel round trip and redraw: {trip * 1000:.0f} ms")
            expect(explorer.locator(".nbautodiff-explorer-graph svg")).to_contain_text("= 2.02")

            # the torch backend draws the same bytes
            svg_torch = cell(page, 4).locator("svg.nbautodiff-graph").evaluate("e => e.outerHTML")
            assert svg_torch == svg_numpy
            # GraphView: the toggles redraw through the kernel
            view = cell(page, 5).locator(".nbautodiff-graphview")
            expect(view.locator("svg.nbautodiff-graph g.node")).to_have_count(12)
            expect(view.locator("svg.nbautodiff-graph")).to_contain_text("grad = 5.5")
            view.get_by_role("checkbox", name="gradients").click()
            expect(view.locator("svg.nbautodiff-graph")).not_to_contain_text("grad = 5.5")
            # the %%autodiff report: picture, table and a passing check
            report = cell(page, 7).locator("details.nbautodiff-report")
            expect(report.locator("summary")).to_contain_text("check passed")
            expect(report.locator("svg.nbautodiff-graph g.node")).to_have_count(5)
            expect(report.locator("table").first).to_contain_text("PowBackward0")
            for i, name in ((1, "graph"), (2, "stepper"), (3, "explorer"), (4, "torch-graph"), (5, "graphview"),
                            (7, "report")):
                shoot(cell(page, i).locator(".jp-OutputArea"), f"jupyterlab-{name}", tmp_path)
        except Exception as e:
            shot = shoot(page, "jupyterlab-failure", tmp_path)
            raise AssertionError(f"{e}\nscreenshot: {shot}\nserver log:\n{log.read_text()[-2000:]}") from e


def test_notebook_7_shows_the_graph_and_steps(tmp_path):
    from playwright.sync_api import expect

    path = notebook(tmp_path)
    with browser.jupyter(path, app="notebook") as (base, log), browser.browser() as page:
        try:
            page.goto(f"{base}/notebooks/{path.name}?token={browser.TOKEN}")
            browser.run_all(page, app="notebook")
            check_graph(page)
            stepper = cell(page, 2).locator(".nbautodiff-stepper")
            stepper.locator(".widget-play button").first.click()
            expect(stepper.locator(".nbad-caption", has_text="done:")).to_be_visible()
            expect(stepper.locator(".nbautodiff-step-overlay svg.nbad-step", has_text="x̄1 = 0.5 + 5 = 5.5")
                   .last).to_be_visible()
            shoot(page, "notebook7", tmp_path)
        except Exception as e:
            shot = shoot(page, "notebook7-failure", tmp_path)
            raise AssertionError(f"{e}\nscreenshot: {shot}\nserver log:\n{log.read_text()[-2000:]}") from e


LESSONS = Path(__file__).resolve().parents[1] / "notebooks"
# lesson: (a text its graph pictures must show, which stepper is the first reverse-mode one, its last frame, the
# explorer's gradient before a move)
LESSON_CHECKS = {
    "01_djl_autograd": ("DotBackward0", 0, "x̄ = [0, 2, 4, 6] + [0, 2, 4, 6] = [0, 4, 8, 12]", None),
    "05_differentiation_methods": ("= 11.652", 1, "x̄1 = 0.5 + 5 = 5.5", "5.5"),
}


@pytest.mark.parametrize("lesson", sorted(LESSON_CHECKS))
def test_jupyterlab_runs_a_lesson_and_its_widgets_respond(lesson, tmp_path):
    """The lesson as a learner opens it: every cell runs in a fresh kernel, the pictures render, the first stepper
    plays to its last frame, and the first explorer's gradients change when its slider moves."""
    from playwright.sync_api import expect

    shown, which, last_frame, grad_before = LESSON_CHECKS[lesson]
    path = LESSONS / f"{lesson}.ipynb"
    with browser.jupyter(path) as (base, log), browser.browser() as page:
        try:
            page.goto(f"{base}/lab/tree/{path.name}?reset&token={browser.TOKEN}")
            browser.run_all(page, timeout=300)
            pictures = page.locator(".jp-OutputArea svg.nbautodiff-graph")
            assert pictures.count() >= 3, f"only {pictures.count()} graph pictures rendered"
            expect(pictures.filter(has_text=shown).first).to_be_attached()

            stepper = page.locator(".nbautodiff-stepper").nth(which)
            stepper.scroll_into_view_if_needed()
            stepper.locator(".widget-play button").first.click()
            expect(stepper.locator(".nbad-caption", has_text="done:")).to_be_visible()
            frames = stepper.locator(".nbautodiff-step-overlay svg.nbad-step").filter(has_text=last_frame)
            assert any(frames.nth(i).is_visible() for i in range(frames.count())), f"no frame shows {last_frame}"
            shoot(stepper, f"{lesson}-stepper", tmp_path)

            explorer = page.locator(".nbautodiff-explorer").first
            explorer.scroll_into_view_if_needed()
            grads = explorer.locator(".nbautodiff-explorer-grads")
            if grad_before:
                expect(grads).to_contain_text(grad_before)
            before = grads.inner_text()
            handle = explorer.get_by_role("slider").first
            handle.focus()
            handle.press("ArrowRight")
            expect(grads).not_to_have_text(before)
            expect(explorer.locator(".nbautodiff-explorer-graph svg g.node").first).to_be_visible()
            shoot(explorer, f"{lesson}-explorer", tmp_path)
        except Exception as e:
            shot = shoot(page, f"{lesson}-failure", tmp_path)
            raise AssertionError(f"{e}\nscreenshot: {shot}\nserver log:\n{log.read_text()[-2000:]}") from e
