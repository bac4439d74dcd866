"""Modules that follow the active backend: ``nbautodiff.torch`` and every ``nbautodiff.torch.<sub>`` below it.

On the numpy backend they hold the own engine's names (``nbautodiff.backends.own``), on the torch backend real
PyTorch's. A switch refills each module's namespace instead of proxying every attribute access, so a lesson's hot
loop pays nothing for it. ``import nbautodiff.torch.nn.functional as F`` (or any submodule the active backend has,
``nbautodiff.torch.utils.data`` on torch) makes a follower on first import; a submodule is shown as its follower
(``torch.nn`` is ``nbautodiff.torch.nn``), so a name held from it keeps following.

The machinery lives here and not in ``nbautodiff/torch/__init__.py`` because a refill clears that module's
namespace, which is its functions' globals.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

from . import backends
from .backends import own as own_namespace

_followers: dict[str, dict[str, types.ModuleType]] = {}  # root name -> {path below it ("", "nn"): follower}


def follow(root: str) -> None:
    """Make the module ``root`` (and its submodules, as they are imported) follow the active backend."""
    if root in _followers:
        return
    _followers[root] = {"": sys.modules[root]}
    sys.modules[root].__path__ = []  # a package: submodules come from the finder below, not from files
    sys.meta_path.insert(0, _Finder(root))
    backends.on_switch(lambda b: _refill_all(root, b))
    # The own engine's submodules exist as followers from the start: `torch.nn.functional.relu` needs no import.
    # (Where the active backend has no such module, e.g. `nn.conv` when starting on torch, there is none to follow.)
    own = own_namespace.__name__
    for name in sorted(sys.modules):
        if name.startswith(own + "."):
            try:
                importlib.import_module(root + name[len(own) :])
            except ModuleNotFoundError:
                pass


def _target(backend, path: str) -> types.ModuleType | None:
    """The backend's module at ``path`` ("" for the namespace itself), or None where it has none."""
    ns = backend.ns
    if not path:
        return ns
    try:
        return importlib.import_module(f"{ns.__name__}.{path}")
    except ImportError:
        return None


def _refill_all(root: str, backend) -> None:
    for path, module in list(_followers[root].items()):
        _refill(root, path, module, backend)


_SHARED_DUNDERS = ("__version__",)  # a dunder that is the backend's to say, not the module's own


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__") and name not in _SHARED_DUNDERS


def _refill(root: str, path: str, module: types.ModuleType, backend) -> None:
    target = _target(backend, path)
    keep = {k: v for k, v in vars(module).items() if _is_dunder(k) and k != "__getattr__"}
    names = {} if target is None else {k: v for k, v in vars(target).items() if not _is_dunder(k)}
    followers = _followers[root]
    prefix = f"{path}." if path else ""
    for key, value in names.items():  # a submodule is shown as its follower
        if isinstance(value, types.ModuleType) and prefix + key in followers:
            names[key] = followers[prefix + key]
    for sub, follower in followers.items():  # ... also where this backend has no such submodule
        if sub.startswith(prefix) and sub != path and "." not in sub[len(prefix) :]:
            names.setdefault(sub[len(prefix) :], follower)
    module.__dict__.clear()
    module.__dict__.update(names)
    module.__dict__.update(keep)
    module.__getattr__ = _missing(module.__name__, target, backend)


def _missing(name: str, target, backend):
    """The module-level ``__getattr__``: names PyTorch loads lazily, else an error that says where the name is."""

    def __getattr__(attr):
        if target is not None and backend.name == "torch":
            return getattr(target, attr)  # torch loads some submodules and names on first access
        where = "this module" if target is not None else "the module"
        other = "set_backend('torch') for real PyTorch" if backend.name == "numpy" else "set_backend('numpy')"
        raise AttributeError(
            f"module {name!r} has no attribute {attr!r}\n"
            f"{where} follows the {backend.label} backend, which doesn't provide it ({other})"
        )

    return __getattr__


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes ``<root>.<path>`` a follower of the active backend's ``<path>`` module, where it has one."""

    def __init__(self, root: str):
        self.root = root

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(self.root + "."):
            return None
        if _target(backends.backend(), fullname[len(self.root) + 1 :]) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin="follows the active backend", is_package=True)

    def create_module(self, spec):
        return None  # an ordinary module object

    def exec_module(self, module) -> None:
        path = module.__name__[len(self.root) + 1 :]
        followers = _followers[self.root]
        followers[path] = module
        backend = backends.backend()
        _refill(self.root, path, module, backend)
        parent = path.rpartition(".")[0]
        if parent in followers:  # the parent shows it as an attribute, whatever the backend has
            setattr(followers[parent], path.rpartition(".")[2], module)
