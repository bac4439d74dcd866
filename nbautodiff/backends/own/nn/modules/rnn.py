"""``torch.nn.modules.rnn``: RNN, LSTM and GRU (layers, directions, batch_first, dropout, LSTM projections) and
their cells, composed step by step as PyTorch's CPU kernels compose them (RNN.cpp): the input side of every step
through one linear over the whole sequence, then per step the hidden side and the gates, outputs stacked. So values,
gradients and the top nodes (StackBackward0, TanhBackward0, ...) are PyTorch's; PyTorch's LSTM layer on CPU is one
fused oneDNN node (MkldnnRnnLayerBackward0) where the engine records its steps.

>>> rnn = torch.nn.GRU(input_size=3, hidden_size=4)       # doctest: +SKIP
>>> output, h_n = rnn(torch.randn(5, 2, 3))                # (seq, batch, features) -> (5, 2, 4), (1, 2, 4)
"""

from __future__ import annotations

import math
import numbers
import warnings

from .....engine import factories
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


# ------------------------------------------------------------------------------------------------ one step
def _rnn_step(act, x_w, h, w_hh, b_hh):
    """h' = act(W_hh h + b_hh + (W_ih x + b_ih)), the input side already computed."""
    return act(F.linear(h, w_hh, b_hh) + x_w)


def _gru_step(x_w, h, w_hh, b_hh):
    """GRU: reset r, update z, candidate n = tanh(x_n + r (W_hn h + b_hn)); h' = (h - n) z + n."""
    ir, iz, in_ = x_w.chunk(3, 1)
    hr, hz, hn = F.linear(h, w_hh, b_hh).chunk(3, 1)
    r = (hr + ir).sigmoid()
    z = (hz + iz).sigmoid()
    n = (in_ + hn * r).tanh()
    return (h - n) * z + n


def _lstm_step(x_w, state, w_hh, b_hh, w_hr=None):
    """LSTM: input, forget, cell and output gates; c' = f c + i g, h' = o tanh(c') (projected by W_hr if given)."""
    h, c = state
    i, f, g, o = (F.linear(h, w_hh, b_hh) + x_w).chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr is None else F.linear(h, w_hr), c)


def _step_fn(mode):
    if mode == "GRU":
        return _gru_step
    if mode == "LSTM":
        return _lstm_step
    act = (lambda t: t.tanh()) if mode == "RNN_TANH" else F.relu
    return lambda x_w, h, w_hh, b_hh: _rnn_step(act, x_w, h, w_hh, b_hh)


def _layer(mode, inputs, hidden, weights, reverse: bool):
    """One direction of one layer over the whole sequence (T, B, I): its outputs stacked (T, B, H) and its last
    hidden state."""
    from .....engine.ops import stack

    w_ih, w_hh, b_ih, b_hh, *rest = weights
    steps = F.linear(inputs, w_ih, b_ih).unbind(0)
    step = _step_fn(mode)
    outputs = []
    for x_w in (reversed(steps) if reverse else steps):
        hidden = step(x_w, hidden, w_hh, b_hh, *rest) if mode == "LSTM" else step(x_w, hidden, w_hh, b_hh)
        outputs.append(hidden[0] if mode == "LSTM" else hidden)
    if reverse:
        outputs.reverse()
    return stack(outputs, 0), hidden


def _packed_layer(mode, data, sizes, hidden, weights, reverse: bool):
    """One direction of one layer over a PackedSequence's ``data`` (the steps' rows, time step by time step; ``sizes``
    sequences at each step), as PyTorch's PackedLayer: a sequence that has ended leaves its hidden state behind
    (forward), or joins when its last step comes (reverse). Returns the output rows and the last hidden states."""
    from .....engine.ops import cat

    lstm = mode == "LSTM"
    w_ih, w_hh, b_ih, b_hh, *rest = weights
    x_w = F.linear(data, w_ih, b_ih)
    step = _step_fn(mode)

    def run(x, h):
        return step(x, h, w_hh, b_hh, *rest) if lstm else step(x, h, w_hh, b_hh)

    def rows(h, a, b):
        return (h[0][a:b], h[1][a:b]) if lstm else h[a:b]

    def join(parts):
        return (cat([p[0] for p in parts]), cat([p[1] for p in parts])) if lstm else cat(parts)

    outputs = []
    if not reverse:
        finals, last, h, offset = [], sizes[0], hidden, 0
        for size in sizes:
            if last > size:  # the sequences that ended keep their last state
                finals.append(rows(h, size, last))
                h = rows(h, 0, size)
            h = run(x_w[offset:offset + size], h)
            outputs.append(h[0] if lstm else h)
            offset, last = offset + size, size
        finals.append(h)
        return cat(outputs, 0), join(finals[::-1])
    last, offset = sizes[-1], data.shape[0]
    h = rows(hidden, 0, last)
    for size in reversed(sizes):
        if size > last:  # longer sequences join at their last step, from their initial state
            h = join([h, rows(hidden, last, size)])
        h = run(x_w[offset - size:offset], h)
        outputs.append(h[0] if lstm else h)
        offset, last = offset - size, size
    return cat(outputs[::-1], 0), h


# ------------------------------------------------------------------------------------------------ the layers
class RNNBase(Module):
    """What RNN, LSTM and GRU share: the per-layer, per-direction weights ``weight_ih_l{k}[_reverse]`` ..., their
    initialisation U(-1/√hidden, 1/√hidden), the argument checks and the layer stack."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional, self.proj_size = bias, batch_first, bidirectional, proj_size
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        self.dropout = float(dropout)
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                  ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
            if not isinstance(value, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")
            if kind is int and value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size or hidden_size
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                shapes = [(gate_size, layer_input), (gate_size, real_hidden)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                names = [n.format(layer, "_reverse" if direction else "") for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(factories.empty(*shape, dtype=dtype)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """PyTorch packs the weights for cuDNN; nothing to do here."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -------------------------------------------------------------------------------- checks and the stack
    def _check_input(self, input, packed: bool = False) -> None:
        wdt = self._flat_weights[0].dtype
        if input.dtype != wdt:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({wdt}). Convert input: "
                             f"input.to({wdt}), or convert model: model.to({input.dtype})")
        if input.dim() != (2 if packed else 3):
            raise RuntimeError(f"input must have {2 if packed else 3} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.size(-1)}")

    def _expected_hidden(self, input, size=None) -> tuple:
        batch = input.size(0) if self.batch_first else input.size(1)
        return (self.num_layers * (2 if self.bidirectional else 1), batch,
                size if size is not None else (self.proj_size or self.hidden_size))

    @staticmethod
    def _check_hidden(hx, expected, msg="Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != expected:
            raise RuntimeError(msg.format(expected, list(hx.size())))

    def _prepare(self, input, hx, name: str):
        """The input as (T, B, I) (an unbatched one gets its batch dim) and whether it was batched."""
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                             f"{' tensor' if name == 'RNN' else ''} instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        return input, batched

    def _zeros(self, input, size):
        batch = input.size(0) if self.batch_first else input.size(1)
        return factories.zeros(self.num_layers * (2 if self.bidirectional else 1), batch, size, dtype=input.dtype)

    def _run(self, input, hidden):
        """The layer stack (PyTorch's _rnn_impl): each layer's outputs (both directions concatenated) feed the
        next, with dropout between layers in training; the final hidden states stacked."""
        from .....engine.ops import cat, stack

        x = input.transpose(0, 1) if self.batch_first else input
        directions = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                weights = self._weights_of(k)
                h0 = (hidden[0][k], hidden[1][k]) if self.mode == "LSTM" else hidden[k]
                out, last = _layer(self.mode, x, h0, weights, reverse=d == 1)
                outs.append(out)
                finals.append(last)
            x = cat(outs, outs[0].dim() - 1) if directions == 2 else outs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        if self.batch_first:  # PyTorch's RNN and GRU transpose their output in place (TransposeBackward1); its
            # LSTM, one oneDNN node on CPU, returns a transposed view
            output = x.transpose(0, 1) if self.mode == "LSTM" else x.transpose_(0, 1)
        else:
            output = x
        if self.mode == "LSTM":
            return output, (stack([h for h, _ in finals], 0), stack([c for _, c in finals], 0))
        return output, stack(finals, 0)

    def _run_packed(self, data, sizes, hidden):
        """The layer stack over a PackedSequence's data (the same stack as _run, one packed layer per direction)."""
        from .....engine.ops import cat, stack

        directions = 2 if self.bidirectional else 1
        finals, x = [], data
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                h0 = (hidden[0][k], hidden[1][k]) if self.mode == "LSTM" else hidden[k]
                out, last = _packed_layer(self.mode, x, sizes, h0, self._weights_of(k), reverse=d == 1)
                outs.append(out)
                finals.append(last)
            x = cat(outs, 1) if directions == 2 else outs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        if self.mode == "LSTM":
            return x, (stack([h for h, _ in finals], 0), stack([c for _, c in finals], 0))
        return x, stack(finals, 0)

    def _forward_packed(self, packed, hx):
        """A PackedSequence in, a PackedSequence out; the initial and final states in the caller's batch order."""
        from ..utils.rnn import PackedSequence

        data, batch_sizes, sorted_indices, unsorted_indices = packed
        sizes = [int(b) for b in batch_sizes.tolist()]
        lstm = self.mode == "LSTM"
        real_hidden = self.proj_size or self.hidden_size
        if hx is None:
            hx = (self._zeros_batch(sizes[0], real_hidden, data), self._zeros_batch(sizes[0], self.hidden_size, data)) \
                if lstm else self._zeros_batch(sizes[0], self.hidden_size, data)
        elif sorted_indices is not None:
            hx = tuple(h.index_select(1, sorted_indices) for h in hx) if lstm else hx.index_select(1, sorted_indices)
        self._check_input(data, packed=True)
        expected = (self.num_layers * (2 if self.bidirectional else 1), sizes[0])
        if lstm:
            self._check_hidden(hx[0], (*expected, real_hidden), "Expected hidden[0] size {}, got {}")
            self._check_hidden(hx[1], (*expected, self.hidden_size), "Expected hidden[1] size {}, got {}")
        else:
            self._check_hidden(hx, (*expected, self.hidden_size))
        out, hidden = self._run_packed(data, sizes, hx)
        if unsorted_indices is not None:
            hidden = tuple(h.index_select(1, unsorted_indices) for h in hidden) if lstm else \
                hidden.index_select(1, unsorted_indices)
        return PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices), hidden

    def _zeros_batch(self, batch: int, size: int, like):
        return factories.zeros(self.num_layers * (2 if self.bidirectional else 1), batch, size, dtype=like.dtype)

    def _weights_of(self, k: int) -> list:
        names = self._all_weights[k]
        w = [getattr(self, n) for n in names]
        if not self.bias:
            w = w[:2] + [None, None] + w[2:]
        return w


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (``nonlinearity='relu'`` for ReLU), over
    (seq, batch, input_size) (``batch_first=True``: (batch, seq, ...)); returns (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.__dict__["nonlinearity"] = args[3]
            args = args[:3] + args[4:]
        else:
            self.__dict__["nonlinearity"] = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)

    def forward(self, input, hx=None):
        if isinstance(input, tuple) and hasattr(input, "batch_sizes"):  # a PackedSequence
            return self._forward_packed(input, hx)
        input, batched = self._prepare(input, hx, "RNN")
        if hx is not None:
            if not batched and hx.dim() != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
            if batched and hx.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
            hx = hx if batched else hx.unsqueeze(1)
        else:
            hx = self._zeros(input, self.hidden_size)
        self._check_input(input)
        self._check_hidden(hx, self._expected_hidden(input))
        if input.size(0 if not self.batch_first else 1) == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        output, hidden = self._run(input, hx)
        if not batched:
            return output.squeeze(0 if self.batch_first else 1), hidden.squeeze(1)
        return output, hidden


class GRU(RNNBase):
    """Gated recurrent unit layers; returns (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    forward = RNN.forward  # (the same checks; the mode picks the step)

    def _prepare(self, input, hx, name):
        return super()._prepare(input, hx, "GRU")


class LSTM(RNNBase):
    """Long short-term memory layers; returns (output, (h_n, c_n)) (``proj_size``: h projected to that size)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        if isinstance(input, tuple) and hasattr(input, "batch_sizes"):  # a PackedSequence
            return self._forward_packed(input, hx)
        input, batched = self._prepare(input, hx, "LSTM")
        real_hidden = self.proj_size or self.hidden_size
        if hx is None:
            hx = (self._zeros(input, real_hidden), self._zeros(input, self.hidden_size))
        else:
            if batched and (hx[0].dim() != 3 or hx[1].dim() != 3):
                raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            if not batched:
                if hx[0].dim() != 2 or hx[1].dim() != 2:
                    raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                                       f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        self._check_input(input)
        self._check_hidden(hx[0], self._expected_hidden(input), "Expected hidden[0] size {}, got {}")
        self._check_hidden(hx[1], self._expected_hidden(input, self.hidden_size), "Expected hidden[1] size {}, got {}")
        output, (h, c) = self._run(input, hx)
        if not batched:
            return output.squeeze(0 if self.batch_first else 1), (h.squeeze(1), c.squeeze(1))
        return output, (h, c)


# ------------------------------------------------------------------------------------------------ the cells
class RNNCellBase(Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(factories.empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(factories.empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(factories.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(factories.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _inputs(self, input, states, name: str, hidden_word: str = "hidden"):
        """(input as (B, I), states as (B, H) each, batched?) with PyTorch's checks."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for i, s in enumerate(states or ()):
            if s.dim() not in (1, 2):
                what = f"hx[{i}]" if name == "LSTMCell" else hidden_word
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {s.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if states is None:
            zeros = factories.zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            states = [zeros] * (2 if name == "LSTMCell" else 1)
        elif not batched:
            states = [s.unsqueeze(0) for s in states]
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}")
        for i, s in enumerate(states):
            if s.size(0) != input.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} batch size {s.size(0)}")
            if s.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {s.size(1)}, expected "
                                   f"{self.hidden_size}")
        return input, list(states), batched


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (h,), batched = self._inputs(input, None if hx is None else [hx], "RNNCell")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        act = (lambda t: t.tanh()) if self.nonlinearity == "tanh" else F.relu
        out = _rnn_step(act, F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, (h,), batched = self._inputs(input, None if hx is None else [hx], "GRUCell")
        out = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, (h, c), batched = self._inputs(input, None if hx is None else list(hx), "LSTMCell")
        h, c = _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), (h, c), self.weight_hh, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))
