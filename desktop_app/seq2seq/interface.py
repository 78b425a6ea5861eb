"""The contract every encoder-decoder honours, so one search serves them all.

A model encodes a source batch once into a `Memory`, makes a start `state`,
then advances one target token at a time with `step`. Beam search reorders
memories and states with their `select(indices)` method.

Shapes:
    src:          (batch, src_len) int64 ids, padded with PAD_ID
    src_mask:     (batch, src_len) bool, True for real tokens
    prev_tokens:  (batch,) int64, the previous output token (BOS at the start)
    log_probs:    (batch, vocab)
    attention:    (batch, src_len)               the alignment shown to users
    attention_heads: (batch, layers, heads, src_len) or None
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Protocol

import torch
from torch import nn


def select_batch(value: Any, indices: torch.Tensor, dim: int = 0) -> Any:
    """index_select along `dim` through tensors, tuples, lists, None and nested Selectables."""
    if value is None:
        return None
    if isinstance(value, Selectable):
        return value.select(indices)
    if isinstance(value, torch.Tensor):
        return value.index_select(dim, indices)
    if isinstance(value, tuple | list):
        return type(value)(select_batch(v, indices, dim) for v in value)
    raise TypeError(f"cannot select from {type(value).__name__}")


class Selectable:
    """Mixin for dataclasses of tensors: `select` reorders the batch axis.

    A field's batch axis is 0 unless the class lists it in `batch_dims`.
    """

    batch_dims: dict[str, int] = {}

    def select(self, indices: torch.Tensor):
        changes = {
            f.name: select_batch(getattr(self, f.name), indices, self.batch_dims.get(f.name, 0))
            for f in fields(self)  # type: ignore[arg-type]
        }
        return type(self)(**changes)


@dataclass
class StepOutput:
    log_probs: torch.Tensor
    attention: torch.Tensor
    attention_heads: torch.Tensor | None
    state: Any


class Seq2SeqModel(Protocol):
    config: Any

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> Selectable: ...

    def initial_state(self, memory: Any) -> Selectable: ...

    def step(self, prev_tokens: torch.Tensor, memory: Any, state: Any) -> StepOutput: ...

    def forward(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing: logits (batch, tgt_len, vocab), attention (batch, tgt_len, src_len)."""
        ...


class DecodingWrapper(nn.Module):
    """A Seq2SeqModel around another, for decoding: it encodes as the wrapped model does and only
    changes its steps (shallow fusion, the lexicon penalty)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    @property
    def config(self):
        return self.model.config

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor):
        return self.model.encode(src, src_mask)
