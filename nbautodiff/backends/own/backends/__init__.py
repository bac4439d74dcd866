"""``torch.backends``: the switches programs set for PyTorch's native backends (``cudnn.benchmark = True``,
``cuda.matmul.allow_tf32``, ``mps.is_available()``). The own engine runs numpy on the CPU: the switches are kept
(a program that sets and reads them behaves as on PyTorch's CPU build) and change nothing, and the accelerators
report themselves unavailable."""

from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401
