"""``torch.backends.mkldnn``: oneDNN, which the own engine does not use."""

enabled = True


def is_available() -> bool:
    return False
