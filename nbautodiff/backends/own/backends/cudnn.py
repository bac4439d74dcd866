"""``torch.backends.cudnn``: settable switches, and no cuDNN (a CPU build has none)."""

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    return None
