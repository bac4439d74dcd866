"""``torch.backends.cuda``: the matmul switches (kept, changing nothing) and no CUDA build."""


class _Matmul:
    """``torch.backends.cuda.matmul``: ``allow_tf32`` and the reduced-precision reduction switches."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()


def is_built() -> bool:
    return False
