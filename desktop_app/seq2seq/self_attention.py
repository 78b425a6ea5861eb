"""A Transformer's self-attention for one sentence and its translation, per layer and head.

    weights = self_attention(translator.model, translator.source_ids(text), translation.nbest[0].token_ids)
    weights.encoder  # (layers, heads, src_len, src_len): source pieces (with "</s>") attending to source pieces
    weights.decoder  # (layers, heads, tgt_len, tgt_len): the decoder's inputs, <s> then the output tokens

The layers compute self-attention with a fused kernel that returns no weights, so that decoding stays fast.
Here the translation is teacher-forced through the same layers once more: before each layer runs, the weights
are computed from the layer's own (normed) input and its own query and key projections with the model's
`attention_weights`; the layer then runs unchanged. Row i of the decoder's matrices is the position that reads
input token i (<s> for the first) and writes output token i (the end token for the last); it sees only
positions up to i, so the upper triangle is zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .tokenizer import BOS_ID
from .transformer import MultiHeadAttention, TransformerSeq2Seq, attention_weights


@dataclass(frozen=True)
class SelfAttention:
    encoder: np.ndarray  # (layers, heads, src_len, src_len) float32, rows sum to 1
    decoder: np.ndarray  # (layers, heads, 1 + output tokens, 1 + output tokens) float32, rows sum to 1, causal


def self_attention(
    model: TransformerSeq2Seq, source_ids: Sequence[int], target_ids: Sequence[int], start_id: int = BOS_ID
) -> SelfAttention:
    """source_ids: the source ending in EOS, as decoded; target_ids: the output tokens (no BOS, no EOS)."""
    if not isinstance(model, TransformerSeq2Seq):
        raise ValueError(f"self-attention is shown for Transformer models only, not {type(model).__name__}")
    if len(source_ids) == 0:
        raise ValueError("no source tokens to show self-attention for")
    device = next(model.parameters()).device
    with torch.inference_mode():
        src = torch.tensor([list(source_ids)], dtype=torch.long, device=device)  # 1 x src_len
        tgt_in = torch.tensor([[start_id, *target_ids]], dtype=torch.long, device=device)  # 1 x tgt_len
        encoder = []
        x = model._embed(model.src_embedding, src, 0)  # 1 x src_len x d_model
        for layer in model.encoder_layers:
            encoder.append(_weights(layer.self_attention, layer.self_norm(x), None))
            x = layer(x, None)
        memory = model.encode(src, torch.ones_like(src, dtype=torch.bool))
        length = tgt_in.size(1)
        causal = torch.ones(length, length, dtype=torch.bool, device=device).tril()[None, None]
        decoder = []
        x = model._embed(model.tgt_embedding, tgt_in, 0)  # 1 x tgt_len x d_model
        for i, layer in enumerate(model.decoder_layers):
            decoder.append(_weights(layer.self_attention, layer.self_norm(x), causal))
            x, _ = layer(x, causal, (memory.cross_keys[i], memory.cross_values[i]), None, need_weights=False)
    return SelfAttention(_stacked(encoder), _stacked(decoder))


def _weights(attention: MultiHeadAttention, normed: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """normed (1, len, d_model), a layer's input after its norm -> (heads, len, len) weights."""
    queries, keys, _ = attention.queries_keys_values(normed)  # each 1 x heads x len x head_size
    return attention_weights(queries / math.sqrt(attention.head_size), keys, mask)[0]


def _stacked(per_layer: list[torch.Tensor]) -> np.ndarray:
    return torch.stack(per_layer).float().cpu().numpy()  # layers x heads x len x len
