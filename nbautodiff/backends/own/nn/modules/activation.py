"""``torch.nn.modules.activation``: the activation layers (ReLU, GELU, Softmax, PReLU, ...), each over its
nn.functional function."""

from __future__ import annotations

from .....engine import factories
from .. import functional as F
from ..parameter import Parameter
from .module import Module


def _inplace_repr(inplace: bool, sep: str = "") -> str:
    return f"{sep}inplace=True" if inplace else ""


class ReLU(Module):
    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return x.relu_() if self.inplace else F.relu(x)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class _Activation(Module):
    """``F.<fn>(x, **options)`` as a module; the options are attributes, ``shown`` in the repr as PyTorch shows them
    (an ``inplace`` option only when True)."""

    fn = ""
    shown: tuple = ()

    def __init__(self, **options):
        super().__init__()
        self._options = options
        for k, v in options.items():
            setattr(self, k, v)

    def forward(self, x):
        return getattr(F, self.fn)(x, **{k: getattr(self, k) for k in self._options})

    def extra_repr(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.shown)
        return shown + _inplace_repr(getattr(self, "inplace", False), ", " if shown else "")


class GELU(_Activation):
    fn, shown = "gelu", ("approximate",)

    def __init__(self, approximate: str = "none"):
        super().__init__(approximate=approximate)


class SiLU(_Activation):
    fn = "silu"

    def __init__(self, inplace: bool = False):
        super().__init__(inplace=inplace)


class Mish(SiLU):
    fn = "mish"


class SELU(SiLU):
    fn = "selu"


class ReLU6(SiLU):
    fn = "relu6"


class Hardsigmoid(SiLU):
    fn = "hardsigmoid"

    def extra_repr(self) -> str:  # (PyTorch doesn't show its inplace)
        return ""


class Hardswish(Hardsigmoid):
    fn = "hardswish"


class Softplus(_Activation):
    fn, shown = "softplus", ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__(beta=beta, threshold=threshold)


class LogSigmoid(_Activation):
    fn = "logsigmoid"


class Softsign(_Activation):
    fn = "softsign"


class Tanhshrink(_Activation):
    fn = "tanhshrink"


class ELU(_Activation):
    fn, shown = "elu", ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(alpha=alpha, inplace=inplace)


class CELU(ELU):
    fn = "celu"


class LeakyReLU(_Activation):
    fn, shown = "leaky_relu", ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__(negative_slope=negative_slope, inplace=inplace)


class RReLU(Module):
    """Randomized leaky ReLU: a slope drawn from U(lower, upper) per negative element in training, their mean in
    eval mode."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + _inplace_repr(self.inplace, ", ")


class Hardtanh(_Activation):
    fn, shown = "hardtanh", ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__(min_val=min_val, max_val=max_val, inplace=inplace)


class Threshold(_Activation):
    fn, shown = "threshold", ("threshold", "value")

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__(threshold=threshold, value=value, inplace=inplace)


class Hardshrink(_Activation):
    fn = "hardshrink"

    def __init__(self, lambd: float = 0.5):
        super().__init__(lambd=lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Softshrink(Hardshrink):
    fn = "softshrink"


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(x, self.dim)


class Softmin(Softmax):
    def forward(self, x):
        return F.softmin(x, self.dim)


class GLU(Module):
    """a·σ(b), a and b the halves of the input along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, else a·x, with a learned slope ``a`` (one, or one per channel), ``init`` at first."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(factories.full((num_parameters,), init, dtype=dtype))

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmax2d(Module):
    """Softmax over the channels (dim −3) of (N, C, H, W) or (C, H, W) inputs."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads over (L, N, E) queries and (S, N, E) keys and values (``batch_first``:
    (N, L, E)): returns the output and the attention weights (averaged over heads; None with
    ``need_weights=False``). ``attn_mask`` / ``key_padding_mask``: True (or -inf) where a query may not look.

    >>> mha = torch.nn.MultiheadAttention(embed_dim=8, num_heads=2)          # doctest: +SKIP
    >>> out, weights = mha(x, x, x)                                            # self-attention
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None, batch_first=False,
                 device=None, dtype=None):
        from .....engine import factories
        from .. import init
        from .linear import NonDynamicallyQuantizableLinear

        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(factories.empty(3 * embed_dim, embed_dim, dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(factories.empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(factories.empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(factories.empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(factories.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(factories.empty(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(factories.empty(1, 1, embed_dim, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        # PyTorch's _reset_parameters
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
                average_attn_weights: bool = True, is_causal: bool = False):
        batched = query.dim() == 3
        if self.batch_first and batched:
            if key is value and query is key:  # (self-attention stays one tensor: one projection)
                query = key = value = query.transpose(1, 0)
            elif key is value:
                query, key = (x.transpose(1, 0) for x in (query, key))
                value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            return out.transpose(1, 0), weights
        return out, weights
