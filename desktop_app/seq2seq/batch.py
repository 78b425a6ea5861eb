"""Padding sentence pairs into tensors for teacher-forced training."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .tokenizer import BOS_ID, EOS_ID, PAD_ID


@dataclass
class Batch:
    src: torch.Tensor  # batch x src_len, ids ending in EOS, PAD after
    src_mask: torch.Tensor  # batch x src_len, True for real tokens
    tgt_in: torch.Tensor  # batch x tgt_len, BOS + target
    tgt_out: torch.Tensor  # batch x tgt_len, target + EOS, PAD after

    @property
    def target_tokens(self) -> int:
        return int((self.tgt_out != PAD_ID).sum())

    def to(self, device: torch.device | str) -> Batch:
        return Batch(*(t.to(device) for t in (self.src, self.src_mask, self.tgt_in, self.tgt_out)))


def pad(sequences: Sequence[Sequence[int]]) -> torch.Tensor:
    width = max(len(s) for s in sequences)
    out = torch.full((len(sequences), width), PAD_ID, dtype=torch.long)
    for row, sequence in enumerate(sequences):
        out[row, : len(sequence)] = torch.tensor(sequence, dtype=torch.long)
    return out


def make_batch(pairs: Sequence[tuple[Sequence[int], Sequence[int]]]) -> Batch:
    """pairs of (source ids, target ids), both without BOS/EOS."""
    src = pad([[*s, EOS_ID] for s, _ in pairs])
    return Batch(
        src=src,
        src_mask=src != PAD_ID,
        tgt_in=pad([[BOS_ID, *t] for _, t in pairs]),
        tgt_out=pad([[*t, EOS_ID] for _, t in pairs]),
    )
