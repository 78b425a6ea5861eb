"""Attention scoring for the recurrent decoder.

Every module maps a query and the (projected once per sentence) keys to
`(context, weights)`; padding positions get exactly zero weight.

Shapes:
    query:  (batch, query_size)
    keys:   (batch, src_len, key_size)   the encoder outputs
    mask:   (batch, src_len)             True for real source positions
    context: (batch, key_size)
    weights: (batch, src_len)            rows sum to 1
"""

from __future__ import annotations

import torch
from torch import nn


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis that gives masked-out positions weight 0."""
    scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1).masked_fill(~mask, 0.0)


class Attention(nn.Module):
    """Base class: subclasses define `project_keys` and `score`."""

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """Per-sentence precomputation; (batch, src_len, key_size) -> (batch, src_len, *)."""
        return keys

    def score(self, query: torch.Tensor, projected_keys: torch.Tensor) -> torch.Tensor:
        """(batch, query_size), (batch, src_len, *) -> (batch, src_len)."""
        raise NotImplementedError

    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        mask: torch.Tensor,
        projected_keys: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        weights = masked_softmax(self.score(query, projected_keys), mask)  # batch x src_len
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)  # batch x key_size
        return context, weights


class BahdanauAttention(Attention):
    """Additive attention: v^T tanh(W_q q + W_k k)."""

    def __init__(self, query_size: int, key_size: int, hidden_size: int):
        super().__init__()
        self.key_layer = nn.Linear(key_size, hidden_size, bias=False)
        self.query_layer = nn.Linear(query_size, hidden_size, bias=False)
        self.energy_layer = nn.Linear(hidden_size, 1, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        return self.key_layer(keys)  # batch x src_len x hidden

    def score(self, query: torch.Tensor, projected_keys: torch.Tensor) -> torch.Tensor:
        query = self.query_layer(query).unsqueeze(1)  # batch x 1 x hidden
        return self.energy_layer(torch.tanh(query + projected_keys)).squeeze(-1)


class LuongDotAttention(Attention):
    """Luong 'dot': q . k (query and key sizes must match)."""

    def __init__(self, query_size: int, key_size: int):
        super().__init__()
        if query_size != key_size:
            raise ValueError(f"dot attention needs equal query and key sizes, got {query_size} and {key_size}")

    def score(self, query: torch.Tensor, projected_keys: torch.Tensor) -> torch.Tensor:
        return torch.bmm(projected_keys, query.unsqueeze(-1)).squeeze(-1)


class LuongGeneralAttention(Attention):
    """Luong 'general': q^T W k, with W k computed once per sentence."""

    def __init__(self, query_size: int, key_size: int):
        super().__init__()
        self.key_layer = nn.Linear(key_size, query_size, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        return self.key_layer(keys)  # batch x src_len x query_size

    def score(self, query: torch.Tensor, projected_keys: torch.Tensor) -> torch.Tensor:
        return torch.bmm(projected_keys, query.unsqueeze(-1)).squeeze(-1)


ATTENTION_TYPES = ("bahdanau", "luong_dot", "luong_general")


def make_attention(kind: str, query_size: int, key_size: int) -> Attention:
    if kind == "bahdanau":
        return BahdanauAttention(query_size, key_size, hidden_size=query_size)
    if kind == "luong_dot":
        return LuongDotAttention(query_size, key_size)
    if kind == "luong_general":
        return LuongGeneralAttention(query_size, key_size)
    raise ValueError(f"unknown attention type {kind!r}; choose one of {', '.join(ATTENTION_TYPES)}")


class LocationAwareAttention(nn.Module):
    """Chorowski et al. (2015): additive attention that also sees where it attended last step.

    energy = v^T tanh(W_q q + W_k k + U conv(previous weights)), so the alignment moves
    forward through long inputs (audio) instead of jumping.

    previous: (batch, src_len), the last step's weights (zeros at the start).
    """

    def __init__(self, query_size: int, key_size: int, hidden_size: int, channels: int = 10, kernel: int = 31):
        super().__init__()
        self.key_layer = nn.Linear(key_size, hidden_size, bias=False)
        self.query_layer = nn.Linear(query_size, hidden_size, bias=False)
        self.location_conv = nn.Conv1d(1, channels, kernel, padding=kernel // 2, bias=False)
        self.location_layer = nn.Linear(channels, hidden_size, bias=False)
        self.energy_layer = nn.Linear(hidden_size, 1, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        return self.key_layer(keys)  # batch x src_len x hidden

    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        mask: torch.Tensor,
        previous: torch.Tensor,
        projected_keys: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        location = self.location_conv(previous.unsqueeze(1)).transpose(1, 2)  # batch x src_len x channels
        energy = torch.tanh(self.query_layer(query).unsqueeze(1) + projected_keys + self.location_layer(location))
        weights = masked_softmax(self.energy_layer(energy).squeeze(-1), mask)  # batch x src_len
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)  # batch x key_size
        return context, weights
