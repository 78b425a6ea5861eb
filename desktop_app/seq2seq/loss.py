"""Label-smoothed cross-entropy over non-padding target tokens."""

from __future__ import annotations

import torch

from .tokenizer import PAD_ID


def label_smoothed_nll(
    logits: torch.Tensor, target: torch.Tensor, smoothing: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """logits (batch, len, vocab), target (batch, len) -> (loss sum, nll sum) over real tokens.

    The smoothed loss spreads `smoothing` of the probability mass uniformly over the
    vocabulary (Szegedy et al., 2016); the nll is the plain negative log-likelihood, for
    reporting perplexity. Works from logsumexp so no (tokens x vocab) log-prob copy is kept.
    """
    keep = target != PAD_ID
    logits = logits[keep].float()  # tokens x vocab
    target = target[keep]
    normalizer = torch.logsumexp(logits, dim=-1)  # tokens
    nll = normalizer - logits.gather(-1, target.unsqueeze(-1)).squeeze(-1)
    if smoothing:
        uniform = normalizer - logits.mean(dim=-1)
        loss = (1.0 - smoothing) * nll + smoothing * uniform
    else:
        loss = nll
    return loss.sum(), nll.detach().sum()
