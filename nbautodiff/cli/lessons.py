"""``nbautodiff lessons``: list the lesson notebooks, copy them out, or open a copy in JupyterLab.

The lessons live in the repository's ``notebooks/`` and install with the package as ``nbautodiff.lessons``
(pyproject's ``package-dir`` maps one to the other). Listing and copying need nothing but the standard library:
a notebook is JSON, and its title is the first line of its first Markdown cell.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .commands import checked, table
from .comparing import SANITIZE_FILE
from .running import LAB, checkout, first_line, need

OPEN_FOLDER = "nbautodiff-lessons"  # where --open copies them, in the current folder, when it is given none


def lessons_folder() -> Path | None:
    """The lessons installed with the package, else (from a source checkout) the checkout's ``notebooks/``."""
    packaged = Path(__file__).resolve().parents[1] / "lessons"
    root = checkout()
    for folder in (packaged, root / "notebooks" if root else None):
        if folder is not None and any(folder.glob("*.ipynb")):
            return folder
    return None


def lesson_files(folder: Path) -> list[Path]:
    """The ``.ipynb`` lessons, and the nbval sanitize rules that go with them if there are any."""
    return sorted(folder.glob("*.ipynb")) + [p for p in [folder / SANITIZE_FILE] if p.is_file()]


def lesson_title(path: Path) -> str:
    """The first line of the notebook's first Markdown cell, without its ``#``."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        md = next((c.get("source", "") for c in nb.get("cells", []) if c.get("cell_type") == "markdown"), "")
    except (OSError, ValueError, AttributeError) as e:  # a broken notebook is still listed
        return f"(unreadable: {e})"
    return first_line("".join(md) if isinstance(md, list) else md, 70).lstrip("# ")


def copy_lessons(folder: Path, dest: Path, overwrite: bool) -> tuple[list[Path], list[Path]]:
    """Copy the lessons into ``dest`` (made if missing); → (copied, kept): files already there are kept
    unless ``overwrite``."""
    dest.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for src in lesson_files(folder):
        target = dest / src.name
        if target.exists() and not overwrite:
            kept.append(target)
        else:
            shutil.copyfile(src, target)
            copied.append(target)
    return copied, kept


def launch_lab(folder: Path) -> int:
    """JupyterLab on ``folder``, in this Python; its exit code once it stops.

    Lab gets a Ctrl-C too (it asks whether to shut down), so this one waits for it rather than leaving it.
    """
    lab = subprocess.Popen([sys.executable, "-m", "jupyterlab"], cwd=folder)
    while True:
        try:
            return lab.wait()
        except KeyboardInterrupt:
            continue


def _copied(files: list[Path], dest: Path) -> str:
    return f"copied {len(files)} files to {dest}" + (": " + ", ".join(p.name for p in files) if files else "")


def cmd_lessons(args) -> int:
    if args.open is not None:  # before anything is copied
        checked(args, need, ("jupyterlab",), "opening the lessons", LAB)
    for dest in (args.copy, args.open):
        if dest is not None and dest.exists() and not dest.is_dir():
            args.error(f"{dest} is a file, not a folder to copy the lessons into")
    folder = args.folder or lessons_folder()
    if folder is None or not folder.is_dir():
        print("nbautodiff lessons: this nbautodiff has no lessons (reinstall it: pip install nbautodiff)",
              file=sys.stderr)
        return 1
    if args.copy is not None:
        clash = [p.name for p in lesson_files(folder) if (args.copy / p.name).exists()]
        if clash and not args.force:
            args.error(f"{args.copy} has {', '.join(clash)} already: --force overwrites them, or copy elsewhere")
        copied, _ = copy_lessons(folder, args.copy, overwrite=True)
        print(_copied(copied, args.copy))
        return 0
    if args.open is not None:
        copied, kept = copy_lessons(folder, args.open, overwrite=args.force)
        print(_copied(copied, args.open))
        if kept:
            print(f"kept your copies of {', '.join(p.name for p in kept)} (--force overwrites them)")
        return launch_lab(args.open)

    rows = [[p.name, lesson_title(p)] for p in lesson_files(folder) if p.suffix == ".ipynb"]
    notes = ["nbautodiff lessons --copy DIR copies them; --open starts JupyterLab on a copy"]
    print(table(f"lessons in {folder}", ["notebook", "title"], rows, notes))
    return 0
