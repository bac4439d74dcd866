"""``torch.nn.utils.rnn``: batches of sequences of different lengths. ``pad_sequence`` pads them to one tensor;
``pack_padded_sequence`` packs the real steps only (``PackedSequence``: the steps' rows, time step by time step,
and how many sequences are still running at each step) so a recurrent layer skips the padding;
``pad_packed_sequence`` pads its output back.

>>> packed = pack_padded_sequence(padded, lengths=[3, 1, 2], enforce_sorted=False)     # doctest: +SKIP
>>> output, h_n = torch.nn.GRU(2, 4)(packed)
>>> output, lengths = pad_packed_sequence(output)
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .....engine import dtypes, factories
from .....engine.ops import apply
from .....engine.ops.nn import PACK_PADDED
from .....engine.tensor import Tensor, make


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """The real steps of a batch of sequences: ``data`` (every sequence's step t, for t = 0, 1, ...),
    ``batch_sizes`` (how many sequences have a step t), and the sort that put the longest first."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def cpu(self):
        return self

    def double(self):
        return self.to(dtypes.float64)

    def float(self):
        return self.to(dtypes.float32)

    def half(self):
        return self.to(dtypes.float16)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _invert(permutation):
    out = np.empty_like(permutation._data)
    out[permutation._data] = np.arange(len(out))
    return make(out)


# ------------------------------------------------------------------------------------------------ packing
def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """The real steps of a padded (T, B, *) batch (``batch_first``: (B, T, *)) of sequences of these lengths.
    Sorted by decreasing length unless ``enforce_sorted=False`` (then sorted here, and unsorted by the layer)."""
    lengths = lengths.to(dtypes.int64) if isinstance(lengths, Tensor) else factories.as_tensor(
        list(lengths), dtype=dtypes.int64)
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = lengths.sort(descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    lens = np.asarray(lengths._data)
    if (np.diff(lens) > 0).any():
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
                           "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that is "
                           "<= 0")
    x = input.transpose(0, 1) if batch_first else input
    steps = int(lens[0]) if lens.size else 0
    if steps > x.shape[0]:
        raise RuntimeError(f"Expected sequence length to be less than or equal to {x.shape[0]}, but got {steps}")
    batch_sizes = np.array([(lens > t).sum() for t in range(steps)], dtype=np.int64)
    rows = np.repeat(np.arange(steps), batch_sizes)
    cols = np.concatenate([np.arange(b) for b in batch_sizes]) if steps else np.zeros(0, np.int64)
    data = apply(PACK_PADDED, (x,), {"rows": rows, "cols": cols, "shape": tuple(x.shape)})
    return PackedSequence(data, make(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length=None):
    """The inverse of pack_padded_sequence: (padded (T, B, *) tensor, lengths); the padding is ``padding_value``."""
    sizes = [int(b) for b in np.asarray(sequence.batch_sizes._data)]
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    data = sequence.data
    batch = sizes[0] if sizes else 0
    out = factories.full((steps, batch, *data.shape[1:]), padding_value, dtype=data.dtype)
    offset = 0
    for t, b in enumerate(sizes):  # (PyTorch's: copy_ into the padded output, CopySlices)
        out[t, :b] = data[offset:offset + b]
        offset += b
    lengths = np.zeros(batch, dtype=np.int64)
    for b in sizes:
        lengths[:b] += 1
    if batch_first:
        out = out.transpose(0, 1)
    lengths = make(lengths)
    if sequence.unsorted_indices is not None:
        return out.index_select(0 if batch_first else 1, sequence.unsorted_indices), lengths[sequence.unsorted_indices]
    return out, lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"):
    """Sequences (L_i, *) padded with ``padding_value`` to one (max L, B, *) tensor (``batch_first``: (B, max L, *));
    ``padding_side='left'`` puts the padding first."""
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    if not hasattr(sequences, "__iter__"):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    longest = max(s.shape[0] for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    shape = (len(sequences), longest, *trailing) if batch_first else (longest, len(sequences), *trailing)
    out = factories.full(shape, padding_value, dtype=sequences[0].dtype)
    for i, s in enumerate(sequences):
        n = s.shape[0]
        start = longest - n if padding_side == "left" else 0
        if batch_first:
            out[i, start:start + n] = s
        else:
            out[start:start + n, i] = s
    return out


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """pack_padded_sequence of pad_sequence(sequences), with their own lengths."""
    lengths = factories.as_tensor([s.shape[0] for s in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """The sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    steps = factories.arange(padded_sequences.shape[1])
    return [seq[steps < n] for seq, n in zip(padded_sequences, lengths)]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


__all__ = ["PackedSequence", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence", "pad_sequence",
           "unpack_sequence", "unpad_sequence"]
