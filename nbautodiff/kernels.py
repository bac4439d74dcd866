"""A Jupyter kernel per backend: choosing "Python 3 (nbautodiff · torch)" in the kernel picker runs the whole notebook
on real PyTorch, with no change to its code. Each kernel sets ``NBAUTODIFF_BACKEND`` and loads the magics.

    nbautodiff kernels install --user        # nbautodiff-numpy, nbautodiff-torch (and -torch-cuda with a GPU)
    nbautodiff kernels list
    nbautodiff kernels uninstall --user
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

KERNELS = {
    "nbautodiff-numpy": ("numpy", "Python 3 (nbautodiff · numpy)"),
    "nbautodiff-torch": ("torch", "Python 3 (nbautodiff · torch)"),
    "nbautodiff-torch-cuda": ("torch:cuda", "Python 3 (nbautodiff · torch:cuda)"),
}


def _manager():
    try:
        from jupyter_client.kernelspec import KernelSpecManager
    except ImportError as e:
        raise RuntimeError('the kernels need Jupyter: pip install "nbautodiff[lab]"') from e
    return KernelSpecManager()


def spec(backend: str, display_name: str, python: str | None = None) -> dict:
    """The kernel.json of one backend's kernel."""
    return {
        "argv": [python or sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--ext",
                 "nbautodiff"],
        "display_name": display_name,
        "language": "python",
        "env": {"NBAUTODIFF_BACKEND": backend},
        "metadata": {"debugger": True},
    }


def wanted(cuda: bool | None = None) -> list[str]:
    """The kernels to install: numpy and torch, and torch:cuda where PyTorch sees a GPU."""
    names = ["nbautodiff-numpy"]
    try:
        import torch
    except ImportError:
        return names
    names.append("nbautodiff-torch")
    if cuda if cuda is not None else torch.cuda.is_available():
        names.append("nbautodiff-torch-cuda")
    return names


def install(user: bool = False, prefix: str | None = None, names: list[str] | None = None) -> list[tuple[str, str]]:
    """Install the kernels (for this user, under ``prefix``, or system-wide); returns [(name, folder)]."""
    m = _manager()
    done = []
    for name in names or wanted():
        backend, title = KERNELS[name]
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "kernel.json").write_text(json.dumps(spec(backend, title), indent=1))
            done.append((name, m.install_kernel_spec(tmp, name, user=user, prefix=prefix)))
    return done


def uninstall(names: list[str] | None = None) -> list[str]:
    """Remove the kernels found (wherever Jupyter finds them); returns their names."""
    m = _manager()
    found = m.find_kernel_specs()
    gone = []
    for name in names or list(KERNELS):
        if name in found:
            m.remove_kernel_spec(name)
            gone.append(name)
    return gone


def installed() -> dict[str, tuple[str, str]]:
    """{name: (backend, folder)} of the nbautodiff kernels Jupyter can find."""
    m = _manager()
    out = {}
    for name, folder in sorted(m.find_kernel_specs().items()):
        if name in KERNELS:
            env = json.loads((Path(folder) / "kernel.json").read_text()).get("env", {})
            out[name] = (env.get("NBAUTODIFF_BACKEND", "?"), folder)
    return out
