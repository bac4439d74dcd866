"""``torch.accelerator`` on the own engine: there is none (the PyTorch backend has CUDA)."""


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False):
    return None


def device_count() -> int:
    return 0


def synchronize(device=None) -> None:
    return None
