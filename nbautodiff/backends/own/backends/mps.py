"""``torch.backends.mps``: Apple's GPU backend, absent."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
