"""Label-smoothed cross-entropy over non-padding target tokens."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .tokenizer import PAD_ID


def label_smoothed_nll(
    logits: torch.Tensor, target: torch.Tensor, smoothing: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """logits (batch, len, vocab), target (batch, len) -> (loss sum, nll sum) over real tokens.

    The smoothed loss spreads `smoothing` of the probability mass uniformly over the
    vocabulary (Szegedy et al., 2016); the nll is the plain negative log-likelihood, for
    reporting perplexity.
    """
    log_probs = F.log_softmax(logits.float(), dim=-1)  # batch x len x vocab
    keep = target != PAD_ID
    nll = -log_probs.gather(-1, target.unsqueeze(-1)).squeeze(-1)  # batch x len
    uniform = -log_probs.mean(dim=-1)  # batch x len
    loss = (1.0 - smoothing) * nll + smoothing * uniform
    return loss[keep].sum(), nll[keep].sum()
