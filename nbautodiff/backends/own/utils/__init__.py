"""``torch.utils`` on the own engine: ``data`` (datasets and loaders)."""

from . import data  # noqa: F401
