"""One optimisation step, shared by the trainer and the tests."""

from __future__ import annotations

import torch
from torch import nn

from .batch import Batch
from .loss import label_smoothed_nll


def train_step(
    model: nn.Module,
    batch: Batch,
    optimizer: torch.optim.Optimizer,
    label_smoothing: float = 0.0,
    clip_norm: float | None = 1.0,
) -> float:
    """Teacher-forced update on one batch; returns the mean nll per target token."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    loss, nll = label_smoothed_nll(logits, batch.tgt_out, label_smoothing)
    tokens = batch.target_tokens
    (loss / tokens).backward()
    if clip_norm:
        nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
    optimizer.step()
    return float(nll.detach()) / tokens
