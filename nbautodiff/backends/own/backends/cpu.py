"""``torch.backends.cpu``: the SIMD level PyTorch would report; numpy picks its own at run time."""


def get_cpu_capability() -> str:
    return "DEFAULT"
