"""Nested structures (lists, tuples, dicts) flattened to leaves and packed back, as ``tf.nest`` does."""


def _flatten(structure, path: str, leaves: list, paths: list) -> None:
    """Append the leaves of ``structure`` to ``leaves``, and to ``paths`` how each is reached (for errors)."""
    if isinstance(structure, dict):
        for key, value in structure.items():
            _flatten(value, f"{path}[{key!r}]", leaves, paths)
    elif isinstance(structure, (list, tuple)):
        for i, value in enumerate(structure):
            _flatten(value, f"{path}[{i}]", leaves, paths)
    else:
        leaves.append(structure)
        paths.append(path)


def _pack(structure, leaves):
    """``structure`` again, with its leaves taken in order from the iterator ``leaves``."""
    if isinstance(structure, dict):
        return type(structure)((key, _pack(value, leaves)) for key, value in structure.items())
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*(_pack(value, leaves) for value in structure))
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack(value, leaves) for value in structure)
    return next(leaves)
