"""``torch.utils`` on the own engine: ``data`` (datasets and loaders) and ``checkpoint``."""

from . import checkpoint, data  # noqa: F401
