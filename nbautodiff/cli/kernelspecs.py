"""``nbautodiff kernels install|uninstall|list``: a thin shell over ``nbautodiff.kernels``, which does the work."""

from __future__ import annotations

import sys

from .. import kernels
from .commands import checked, table
from .running import TORCH, need

_JUPYTER = ("jupyter_client", "ipykernel")  # to write kernelspecs, and to run the kernels they name


def cmd_install(args) -> int:
    checked(args, need, _JUPYTER, "installing the kernels")
    names = kernels.wanted(args.cuda)
    if args.prefix is not None:
        where, options = f"under {args.prefix}", {"prefix": str(args.prefix)}
    elif args.sys_prefix:
        where, options = f"in this environment ({sys.prefix})", {"prefix": sys.prefix}
    else:
        where, options = "for this user", {"user": True}
    try:
        done = kernels.install(names=names, **options)
    except PermissionError as e:
        print(f"nbautodiff kernels install: can't write {e.filename}: permission denied (--user installs them "
              "for you alone)", file=sys.stderr)
        return 1

    notes = []
    if "nbautodiff-torch" not in names:
        notes.append(f"PyTorch is not installed here, so only the numpy kernel: {TORCH}, then install again")
    if args.prefix is not None:
        notes.append(f"Jupyter looks under a --prefix only where JUPYTER_PATH includes {args.prefix}/share/jupyter")
    notes.append("pick one in Jupyter's kernel menu, or: nbautodiff run NOTEBOOK --kernel " + done[-1][0])
    rows = [[name, kernels.KERNELS[name][0], folder] for name, folder in done]
    print(table(f"installed {len(done)} kernels {where}", ["kernel", "backend", "folder"], rows, notes))
    return 0


def cmd_uninstall(args) -> int:
    checked(args, need, ("jupyter_client",), "removing the kernels")
    unknown = [n for n in args.names if n not in kernels.KERNELS]
    if unknown:
        args.error(f"not an nbautodiff kernel: {', '.join(unknown)} (they are {', '.join(kernels.KERNELS)})")
    names = args.names or list(kernels.KERNELS)
    rows = []
    try:
        for _ in range(10):  # a kernel installed in two places: removing the one Jupyter finds uncovers the other
            found = kernels.installed()
            gone = kernels.uninstall(names)
            if not gone:
                break
            rows += [[name, *found[name]] for name in gone]
    except PermissionError as e:
        print(f"nbautodiff kernels uninstall: can't remove {e.filename}: permission denied", file=sys.stderr)
        return 1
    if not rows:
        print("no nbautodiff kernels to remove: Jupyter finds none (nbautodiff kernels list)")
        return 0
    print(table(f"removed {len(rows)} kernels", ["kernel", "backend", "folder"], rows))
    return 0


def cmd_list(args) -> int:
    checked(args, need, ("jupyter_client",), "listing the kernels")
    found = kernels.installed()
    if not found:
        print("no nbautodiff kernels installed: nbautodiff kernels install adds them")
        return 0
    rows = [[name, backend, folder] for name, (backend, folder) in found.items()]
    print(table("the nbautodiff kernels Jupyter finds", ["kernel", "backend", "folder"], rows))
    return 0
