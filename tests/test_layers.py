"""Imports point down the stack: every module has a layer (the table in docs/design.md), imports only from its
own layer or below (module-level, inside functions, or through sys.modules / importlib), and top-level modules
import each other in no circle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nbautodiff"


def read_layers() -> dict[str, int]:
    """{module prefix: layer number} from the "## Layers" table of docs/design.md."""
    text = (ROOT / "docs" / "design.md").read_text()
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].isdigit():
            for module in re.findall(r"`([\w.]+)`", cells[2]):
                layers[module] = int(cells[0])
    return layers


def layer_of(module: str, layers: dict[str, int]) -> int | None:
    """The layer of the longest table prefix of ``module`` (``nbautodiff.engine.ops`` → engine's)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in layers:
            return layers[prefix]
    return None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of a relative import in ``module``."""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _is_sys_modules(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "modules" and getattr(node.value, "id", None) == "sys"


def imported_modules(module: str, source: str, is_package: bool = False) -> list[tuple[int, str]]:
    """Every nbautodiff module ``source`` reaches, with its line: import statements anywhere (a ``from x import y``
    counts as x.y when y is a module), ``importlib.import_module("...")``, ``__import__("...")`` and
    ``sys.modules["..."]`` / ``sys.modules.get("...")``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module) if node.level else node.module
            for a in node.names:
                sub = f"{base}.{a.name}"
                is_module = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists() or (
                    PACKAGE.parent / sub.replace(".", "/") / "__init__.py").exists()
                found.append((node.lineno, sub if is_module else base))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            f = node.func
            dynamic = (isinstance(f, ast.Attribute) and f.attr == "import_module") or getattr(f, "id", None) in (
                "__import__", "import_module")
            lookup = isinstance(f, ast.Attribute) and f.attr == "get" and _is_sys_modules(f.value)
            if dynamic or lookup:
                found.append((node.lineno, str(node.args[0].value)))
        elif isinstance(node, ast.Subscript) and _is_sys_modules(node.value) and isinstance(node.slice, ast.Constant):
            found.append((node.lineno, str(node.slice.value)))
    return [(line, m) for line, m in found if m == "nbautodiff" or m.startswith("nbautodiff.")]


def upward_imports(module: str, source: str, layers: dict[str, int], is_package: bool = False) -> list[str]:
    own = layer_of(module, layers)
    return [f"{module} (layer {own}) line {line} reaches {target} (layer {layer_of(target, layers)})"
            for line, target in imported_modules(module, source, is_package)
            if (layer_of(target, layers) or 0) > own]


def sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), path.read_text(), path.name == "__init__.py"


def test_every_module_has_a_layer():
    layers = read_layers()
    assert layers["nbautodiff.engine"] == 0 and layers["nbautodiff.cli"] > layers["nbautodiff.inspect"]
    missing = [m for m, _, _ in sources() if layer_of(m, layers) is None]
    assert not missing, f"give these modules a layer in docs/design.md's table: {missing}"


def test_no_module_imports_a_layer_above_its_own():
    layers = read_layers()
    problems = [p for module, source, pkg in sources() for p in upward_imports(module, source, layers, pkg)]
    assert not problems, "\n".join(problems)


def test_top_level_modules_import_each_other_in_no_circle():
    edges: dict[str, set[str]] = {}
    for module, source, pkg in sources():
        top = ".".join(module.split(".")[:2])
        for _, target in imported_modules(module, source, pkg):
            other = ".".join(target.split(".")[:2])
            if other != top and top != "nbautodiff":  # the package's __init__ is the top of the stack
                edges.setdefault(top, set()).add(other)
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                pytest.fail("import circle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])


@pytest.mark.parametrize("planted", [
    "from ..inspect import graph\n",                                  # relative, module level
    "def f():\n    import nbautodiff.traces\n",                       # inside a function
    "import sys\nb = sys.modules.get('nbautodiff.widgets')\n",        # a sys.modules lookup
    "import sys\nb = sys.modules['nbautodiff.cli']\n",
    "import importlib\nm = importlib.import_module('nbautodiff.torch')\n",
    "import nbautodiff\n",                                            # the package root is the top layer
])
def test_the_checker_catches_an_upward_import(planted):
    layers = read_layers()
    assert upward_imports("nbautodiff.engine.tensor", planted, layers), planted
    assert not upward_imports("nbautodiff.engine.tensor", "from . import mode\nfrom ..engine import ops\n", layers)
