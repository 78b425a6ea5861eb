"""A small pre-norm Transformer encoder-decoder (Vaswani et al., 2017).

Written out rather than taken from `torch.nn.Transformer` so that every
cross-attention layer returns its weights per head, and so that decoding
caches keys and values instead of re-running the target prefix.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .interface import Selectable, StepOutput
from .tokenizer import PAD_ID


@dataclass
class TransformerConfig:
    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 256  # width of every layer
    heads: int = 4  # attention heads per layer (d_model must divide by it)
    ff_size: int = 1024  # hidden width of the position-wise feed-forward block
    encoder_layers: int = 4
    decoder_layers: int = 4
    dropout: float = 0.1  # on residual branches and embeddings
    attention_dropout: float = 0.0  # on attention weights
    max_positions: int = 1024  # longest sequence the positional table covers
    tie_output_embeddings: bool = True
    share_embeddings: bool = False  # one embedding for both sides (needs a joint vocabulary)

    def validate(self) -> None:
        if self.d_model % self.heads:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by heads ({self.heads})")
        if self.share_embeddings and self.src_vocab_size != self.tgt_vocab_size:
            raise ValueError("share_embeddings needs equal source and target vocabulary sizes")


def sinusoidal_table(positions: int, size: int) -> torch.Tensor:
    """(positions, size) table of sines and cosines."""
    position = torch.arange(positions, dtype=torch.float32).unsqueeze(1)
    rate = torch.exp(torch.arange(0, size, 2, dtype=torch.float32) * (-math.log(10000.0) / size))
    table = torch.zeros(positions, size)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate[: size // 2])
    return table


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model: int, heads: int, dropout: float):
        super().__init__()
        self.heads, self.head_size = heads, d_model // heads
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)
        self.fused_qkv: nn.Linear | None = None  # made by fuse_projections() for inference

    def fuse_projections(self) -> None:
        """For inference: one matrix multiply for query, key and value (same results, fewer calls)."""
        d_model = self.query.in_features
        fused = nn.Linear(d_model, 3 * d_model).to(self.query.weight)
        with torch.no_grad():
            fused.weight.copy_(torch.cat([self.query.weight, self.key.weight, self.value.weight]))
            fused.bias.copy_(torch.cat([self.query.bias, self.key.bias, self.value.bias]))
        self.fused_qkv = fused

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, len, d_model) -> (batch, heads, len, head_size)."""
        return x.view(x.size(0), x.size(1), self.heads, self.head_size).transpose(1, 2)

    def keys_values(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.split_heads(self.key(x)), self.split_heads(self.value(x))

    def queries_keys_values(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Self-attention projections of x (batch, len, d_model), each (batch, heads, len, head_size)."""
        if self.fused_qkv is None:
            return self.queries(x), *self.keys_values(x)
        fused = self.fused_qkv(x).view(x.size(0), x.size(1), 3, self.heads, self.head_size)
        queries, keys, values = fused.permute(2, 0, 3, 1, 4)  # each batch x heads x len x head_size
        return queries, keys, values

    def queries(self, x: torch.Tensor) -> torch.Tensor:
        """Query projection of x (batch, q_len, d_model) -> (batch, heads, q_len, head_size)."""
        return self.split_heads(self.query(x))

    def forward(
        self,
        queries: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: torch.Tensor | None,
        need_weights: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """queries (batch, heads, q_len, head_size); keys/values (batch, heads, k_len, head_size);
        mask broadcastable to (batch, heads, q_len, k_len), True = may attend, None = attend to all.
        Returns output (batch, q_len, d_model) and weights (batch, heads, q_len, k_len),
        or None for the weights when not needed (then a fused kernel does the work)."""
        if need_weights:
            weights = attention_weights(queries / math.sqrt(self.head_size), keys, mask)
            mixed = torch.matmul(self.dropout(weights), values)  # batch x heads x q_len x head_size
        else:
            weights = None
            dropout = self.dropout.p if self.training else 0.0
            mixed = F.scaled_dot_product_attention(queries, keys, values, attn_mask=mask, dropout_p=dropout)
        return self.out(_merge_heads(mixed)), weights


def attention_weights(scaled_queries: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Softmax of query-key products: (batch, heads, q_len, head_size) x (batch, heads, k_len, head_size)
    -> (batch, heads, q_len, k_len); mask True = may attend, None = attend to all."""
    scores = torch.matmul(scaled_queries, keys.transpose(-1, -2))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1)


ACTIVATIONS = {"relu": (nn.ReLU, torch.relu), "gelu": (nn.GELU, F.gelu)}  # name -> (module, step function)


class FeedForward(nn.Sequential):
    """Position-wise feed-forward block (dropout is applied to its output, on the residual branch)."""

    def __init__(self, d_model: int, ff_size: int, activation: str = "relu"):
        super().__init__(nn.Linear(d_model, ff_size), ACTIVATIONS[activation][0](), nn.Linear(ff_size, d_model))
        self.activation = activation


class EncoderLayer(nn.Module):
    def __init__(self, c: TransformerConfig):
        super().__init__()
        self.self_norm, self.ff_norm = nn.LayerNorm(c.d_model), nn.LayerNorm(c.d_model)
        self.self_attention = MultiHeadAttention(c.d_model, c.heads, c.attention_dropout)
        self.feed_forward = FeedForward(c.d_model, c.ff_size, getattr(c, "activation", "relu"))
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        attended, _ = self.self_attention(
            *self.self_attention.queries_keys_values(self.self_norm(x)), mask, need_weights=False
        )
        x = x + self.dropout(attended)
        return x + self.dropout(self.feed_forward(self.ff_norm(x)))


class DecoderLayer(nn.Module):
    def __init__(self, c: TransformerConfig):
        super().__init__()
        self.self_norm, self.cross_norm, self.ff_norm = (nn.LayerNorm(c.d_model) for _ in range(3))
        self.self_attention = MultiHeadAttention(c.d_model, c.heads, c.attention_dropout)
        self.cross_attention = MultiHeadAttention(c.d_model, c.heads, c.attention_dropout)
        self.feed_forward = FeedForward(c.d_model, c.ff_size, getattr(c, "activation", "relu"))
        self.dropout = nn.Dropout(c.dropout)

    def forward(
        self,
        x: torch.Tensor,
        self_mask: torch.Tensor,
        cross_kv: tuple[torch.Tensor, torch.Tensor],
        cross_mask: torch.Tensor | None,
        need_weights: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The whole target prefix at once (training): x (batch, tgt_len, d_model), self_mask causal.
        Returns the new x and the cross-attention weights (batch, heads, tgt_len, src_len) or None."""
        attended, _ = self.self_attention(
            *self.self_attention.queries_keys_values(self.self_norm(x)), self_mask, need_weights=False
        )
        x = x + self.dropout(attended)
        cross = self.cross_attention
        attended, cross_weights = cross(cross.queries(self.cross_norm(x)), *cross_kv, cross_mask, need_weights)
        x = x + self.dropout(attended)
        return x + self.dropout(self.feed_forward(self.ff_norm(x))), cross_weights

    def step_kernels(self) -> StepKernels:
        """This layer's weights as plain functions for `decoder_step` (after any fusion or quantisation)."""
        self_attention, cross_attention = self.self_attention, self.cross_attention
        if self_attention.fused_qkv is not None:
            qkv = _linear_function(self_attention.fused_qkv)
        else:
            layers = (self_attention.query, self_attention.key, self_attention.value)
            projections = [_linear_function(m) for m in layers]
            qkv = lambda x: torch.cat([project(x) for project in projections], dim=-1)  # noqa: E731
        return StepKernels(
            _norm_function(self.self_norm),
            qkv,
            _linear_function(self_attention.out),
            _norm_function(self.cross_norm),
            _linear_function(cross_attention.query),
            _linear_function(cross_attention.out),
            _norm_function(self.ff_norm),
            _linear_function(self.feed_forward[0]),
            _linear_function(self.feed_forward[2]),
            self_attention.heads,
            1.0 / math.sqrt(self_attention.head_size),
            ACTIVATIONS[self.feed_forward.activation][1],
        )


class StepKernels(NamedTuple):
    """One decoder layer as plain functions of tensors, for one decoding step.

    Calling functions rather than submodules saves the module-call machinery, which cost
    a third of each step (benchmarks/translate_latency.py)."""

    self_norm: Callable[[torch.Tensor], torch.Tensor]
    qkv: Callable[[torch.Tensor], torch.Tensor]  # (batch, 1, d_model) -> (batch, 1, 3 * d_model)
    self_out: Callable[[torch.Tensor], torch.Tensor]
    cross_norm: Callable[[torch.Tensor], torch.Tensor]
    cross_query: Callable[[torch.Tensor], torch.Tensor]
    cross_out: Callable[[torch.Tensor], torch.Tensor]
    ff_norm: Callable[[torch.Tensor], torch.Tensor]
    ff_in: Callable[[torch.Tensor], torch.Tensor]
    ff_out: Callable[[torch.Tensor], torch.Tensor]
    heads: int
    scale: float  # 1 / sqrt(head_size)
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu  # of the feed-forward block


class DecoderKernels(NamedTuple):
    layers: list[StepKernels]
    final_norm: Callable[[torch.Tensor], torch.Tensor]
    output: Callable[[torch.Tensor], torch.Tensor]  # (batch, d_model) -> (batch, vocab) logits


def decoder_step(
    k: StepKernels,
    x: torch.Tensor,
    past_kv: tuple[torch.Tensor, torch.Tensor],
    cross_kv: tuple[torch.Tensor, torch.Tensor],
    cross_mask: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """One decoding step of one decoder layer (inference: no dropout); DecoderLayer.forward's
    computation for the newest position.

    x (batch, 1, d_model); past_kv: self-attention keys/values of the earlier steps.
    Returns the new x, the cross-attention weights (batch, heads, 1, src_len) and the
    self-attention keys/values including this step's (batch, heads, steps, head_size).
    """
    batch = x.size(0)
    queries, keys, values = k.qkv(k.self_norm(x)).view(batch, 1, 3, k.heads, -1).permute(2, 0, 3, 1, 4)
    keys, values = torch.cat([past_kv[0], keys], dim=2), torch.cat([past_kv[1], values], dim=2)
    x = x + k.self_out(_merge_heads(F.scaled_dot_product_attention(queries, keys, values)))
    queries = k.cross_query(k.cross_norm(x)).view(batch, 1, k.heads, -1).transpose(1, 2)
    weights = attention_weights(queries * k.scale, cross_kv[0], cross_mask)  # batch x heads x 1 x src_len
    x = x + k.cross_out(_merge_heads(torch.matmul(weights, cross_kv[1])))
    return x + k.ff_out(k.activation(k.ff_in(k.ff_norm(x)))), weights, (keys, values)


def _linear_function(layer: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """layer(x) as a function: a float Linear, or its int8 replacement called as its forward calls it
    (minus the operator-packet argument checks, which cost as much as the small kernel itself)."""
    if type(layer) is nn.Linear:
        return functools.partial(F.linear, weight=layer.weight, bias=layer.bias)
    packed = getattr(layer, "_packed_params", None)
    if packed is not None and packed.dtype == torch.qint8 and getattr(layer, "version", 0) >= 4:
        kernel, weights = torch.ops.quantized.linear_dynamic.default, packed._packed_params
        return lambda x: kernel(x, weights, True)  # reduce_range=True, as in forward
    return layer.forward


def _norm_function(norm: nn.LayerNorm) -> Callable[[torch.Tensor], torch.Tensor]:
    return functools.partial(
        F.layer_norm, normalized_shape=norm.normalized_shape, weight=norm.weight, bias=norm.bias, eps=norm.eps
    )


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(batch, heads, len, head_size) -> (batch, len, d_model)."""
    return x.transpose(1, 2).reshape(x.size(0), x.size(2), -1)


@dataclass
class TransformerMemory(Selectable):
    cross_keys: list[torch.Tensor]  # per decoder layer: batch x heads x src_len x head_size
    cross_values: list[torch.Tensor]
    mask: torch.Tensor  # batch x src_len
    attend_mask: torch.Tensor | None  # batch x 1 x 1 x src_len for cross-attention; None when nothing is padding


@dataclass
class TransformerState(Selectable):
    self_keys: list[torch.Tensor]  # per decoder layer: batch x heads x steps_so_far x head_size
    self_values: list[torch.Tensor]
    position: int  # index of the next target position (shared by the batch)

    def select(self, indices: torch.Tensor) -> TransformerState:
        return TransformerState(
            [k.index_select(0, indices) for k in self.self_keys],
            [v.index_select(0, indices) for v in self.self_values],
            self.position,
        )


class TransformerSeq2Seq(nn.Module):
    architecture = "transformer"

    def __init__(self, config: TransformerConfig):
        super().__init__()
        config.validate()
        self.config = config
        self.src_embedding = nn.Embedding(config.src_vocab_size, config.d_model, padding_idx=PAD_ID)
        self.tgt_embedding = (
            self.src_embedding
            if config.share_embeddings
            else nn.Embedding(config.tgt_vocab_size, config.d_model, padding_idx=PAD_ID)
        )
        self.register_buffer("positions", sinusoidal_table(config.max_positions, config.d_model), persistent=False)
        self.encoder_layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.encoder_layers))
        self.decoder_layers = nn.ModuleList(DecoderLayer(config) for _ in range(config.decoder_layers))
        self.encoder_norm, self.decoder_norm = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.dropout = nn.Dropout(config.dropout)
        self.output_layer = nn.Linear(config.d_model, config.tgt_vocab_size, bias=False)
        self._step_kernels: DecoderKernels | None = None  # see cache_step_kernels
        if config.tie_output_embeddings:
            self.output_layer.weight = self.tgt_embedding.weight
        self._init_weights()

    def _init_weights(self) -> None:
        for name, parameter in self.named_parameters():
            if parameter.dim() > 1:
                nn.init.xavier_uniform_(parameter)
            if "embedding" in name:
                nn.init.normal_(parameter, std=self.config.d_model**-0.5)
                with torch.no_grad():
                    parameter[PAD_ID].zero_()

    def _embed(self, embedding: nn.Embedding, tokens: torch.Tensor, start: int) -> torch.Tensor:
        """tokens (batch, len) -> (batch, len, d_model) with positions start.. added."""
        length = tokens.size(1)
        if start + length > self.config.max_positions:
            raise ValueError(
                f"sequence of {start + length} tokens exceeds the model's {self.config.max_positions} positions"
            )
        x = F.embedding(tokens, embedding.weight, embedding.padding_idx) * math.sqrt(self.config.d_model)
        x = x + self.positions[start : start + length]
        return F.dropout(x, self.dropout.p) if self.training else x

    # -- the Seq2SeqModel contract -------------------------------------------------
    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> TransformerMemory:
        # batch x 1 x 1 x src_len, or None when no position is padding (faster kernels)
        attend_mask = None if bool(src_mask.all()) else src_mask[:, None, None, :]
        x = self._embed(self.src_embedding, src, 0)
        for layer in self.encoder_layers:
            x = layer(x, attend_mask)
        memory = self.encoder_norm(x)  # batch x src_len x d_model
        cross = [layer.cross_attention.keys_values(memory) for layer in self.decoder_layers]
        return TransformerMemory([k for k, _ in cross], [v for _, v in cross], src_mask, attend_mask)

    def fuse_for_inference(self) -> None:
        """Join each self-attention's query, key and value projections into one (inference only)."""
        for layer in [*self.encoder_layers, *self.decoder_layers]:
            layer.self_attention.fuse_projections()

    def cache_step_kernels(self) -> None:
        """Keep the step functions of the decoder (inference only: call it after the last change to
        the layers, e.g. quantisation). Without the cache, each step builds them afresh."""
        self._step_kernels = self._make_step_kernels()

    def _make_step_kernels(self) -> DecoderKernels:
        return DecoderKernels(
            [layer.step_kernels() for layer in self.decoder_layers],
            _norm_function(self.decoder_norm),
            _linear_function(self.output_layer),
        )

    def initial_state(self, memory: TransformerMemory) -> TransformerState:
        batch = memory.mask.size(0)
        empty = memory.cross_keys[0].new_zeros(batch, self.config.heads, 0, self.config.d_model // self.config.heads)
        layers = self.config.decoder_layers
        return TransformerState([empty] * layers, [empty] * layers, 0)

    def step(self, prev_tokens: torch.Tensor, memory: TransformerMemory, state: TransformerState) -> StepOutput:
        x = self._embed(self.tgt_embedding, prev_tokens.unsqueeze(1), state.position)  # batch x 1 x d_model
        new_keys, new_values, all_weights = [], [], []
        kernels = self._step_kernels or self._make_step_kernels()
        for i, layer_kernels in enumerate(kernels.layers):
            past = (state.self_keys[i], state.self_values[i])
            x, weights, (keys, values) = decoder_step(
                layer_kernels, x, past, (memory.cross_keys[i], memory.cross_values[i]), memory.attend_mask
            )
            new_keys.append(keys)
            new_values.append(values)
            all_weights.append(weights)  # batch x heads x 1 x src_len
        logits = kernels.output(kernels.final_norm(x[:, 0]))  # batch x vocab
        heads = torch.cat(all_weights, dim=2).transpose(1, 2)  # batch x layers x heads x src_len
        return StepOutput(
            torch.log_softmax(logits.float(), dim=-1),
            all_weights[-1][:, :, 0].mean(dim=1),  # last layer, average of heads
            heads,
            TransformerState(new_keys, new_values, state.position + 1),
        )

    def forward(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        memory = self.encode(src, src_mask)
        length = tgt_in.size(1)
        causal = torch.ones(length, length, dtype=torch.bool, device=src.device).tril()[None, None]
        cross_mask = src_mask[:, None, None, :]
        x = self._embed(self.tgt_embedding, tgt_in, 0)
        last = len(self.decoder_layers) - 1
        for i, layer in enumerate(self.decoder_layers):
            cross_kv = (memory.cross_keys[i], memory.cross_values[i])
            x, weights = layer(x, causal, cross_kv, cross_mask, need_weights=i == last)
        logits = self.output_layer(self.decoder_norm(x))  # batch x tgt_len x vocab
        return logits, weights.mean(dim=1)  # last layer, averaged over heads
