"""``torch.backends.mkl``: the own engine computes with numpy's BLAS, not through MKL."""


def is_available() -> bool:
    return False
