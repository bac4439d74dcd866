"""Drive JupyterLab (or Notebook 7) in headless Chromium: a private server on 127.0.0.1, a notebook run cell by cell
in a real kernel, and what the browser shows read back. Debian's Chromium is used as it is (no browser download).

Pitfalls met and solved (see shared notes): Run All before the kernel is connected is dropped, so wait for the
status bar to say Idle; the news toast and the kernel picker are switched off in a private settings dir; outputs
are stripped from the copy that is opened, so "rendered" can only mean "fresh".
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get install -y chromium   (Debian; the test drives it with Playwright, no browser download)"
TOKEN = "nbautodiff-browser-test"


def missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: {INSTALL}"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return 'no Playwright for Python: pip install playwright (in the "test" extra)'
    if shutil.which("jupyter") is None and not (Path(sys.executable).parent / "jupyter").exists():
        return 'no JupyterLab: pip install jupyterlab (in the "test" extra)'
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter(notebook: Path, app: str = "lab", env: dict | None = None):
    """A private ``jupyter lab`` (or ``notebook``) serving a copy of ``notebook``; yields (url, log path)."""
    root = Path(tempfile.mkdtemp(prefix="nbad-browser-"))
    served = root / "work"
    served.mkdir()
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:  # only fresh outputs count
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["metadata"].pop("widgets", None)
    (served / notebook.name).write_text(json.dumps(nb))
    settings = root / "settings"
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"autoStartDefaultKernel": True, "windowingMode": "none"}))
    config = root / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    port = _free_port()
    environ = {**os.environ, **(env or {}), "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(root / "rt"),
               "JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(root / "ws"),
               "JUPYTER_PLATFORM_DIRS": "1"}
    log = root / "server.log"
    jupyter_bin = Path(sys.executable).parent / "jupyter"
    cmd = [str(jupyter_bin) if jupyter_bin.exists() else "jupyter", app, "--no-browser", "--allow-root",
           f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
           f"--ServerApp.root_dir={served}", "--LabApp.news_url=None", "--ServerApp.disable_check_xsrf=True"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=environ, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"jupyter {app} exited:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        else:
            raise RuntimeError(f"jupyter {app} did not answer in 90 s:\n{log.read_text()[-3000:]}")
        yield base, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def browser():
    """A headless Chromium page (a fresh profile each time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = b.new_page(viewport={"width": 1500, "height": 1100})
            yield page
        finally:
            b.close()


def run_all(page, app: str = "lab", timeout: float = 180.0) -> None:
    """Run every cell once the kernel is idle, and wait until each has run; a failing cell is an error with its
    traceback."""
    from playwright.sync_api import expect

    expect.set_options(timeout=int(timeout * 1000))
    if app == "lab":
        status = page.locator(".jp-StatusBar-TextItem", has_text=" | Idle")
        expect(status.filter(has_not_text="No Kernel")).to_have_count(1)
    else:  # Notebook 7: the kernel indicator in the top bar
        expect(page.locator(".jp-NotebookKernelStatus-idle, .jp-Notebook-ExecutionIndicator[data-status='idle']")
               .first).to_be_attached()
        page.wait_for_timeout(1500)  # Notebook 7 says idle before the kernel is connected; give it a moment
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    cells = page.locator(".jp-CodeCell")
    n = cells.count()
    deadline = time.time() + timeout
    while time.time() < deadline:
        prompts = [cells.nth(i).locator(".jp-InputPrompt").inner_text().strip() for i in range(n)]
        errors = page.locator("[data-mime-type='application/vnd.jupyter.error']")
        if errors.count():
            raise AssertionError("a cell failed:\n" + errors.first.inner_text())
        if all(p.startswith("[") and p[1:-2].strip().isdigit() for p in prompts):
            return
        page.wait_for_timeout(300)
    raise AssertionError(f"the cells did not all run in {timeout} s: {prompts}")
