"""``torch.backends.openmp``: no OpenMP threads of the engine's own."""


def is_available() -> bool:
    return False
