"""``torch.cuda`` on the own engine: no CUDA here (the PyTorch backend provides it)."""


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def synchronize(device=None) -> None:
    return None
