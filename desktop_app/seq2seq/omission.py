"""How much a translation depends on each source word: the source word left out, the same translation rescored.

    drop = dependence(translator.model, source_ids, source_words.spans, target_ids)
    drop[j]   # log p(translation | source without word j) - log p(translation | source), in nats

A source word the translation renders is needed to predict it: leave the word out and the tokens that translate it
become unlikely (drop well below zero, several nats). A source word the translation left out is not needed: the
translation is about as likely without it (drop near zero, or above). Attention cannot tell these apart reliably,
because the decoder keeps looking at a source word it was about to translate even when it then writes something
else (docs/experiments/2026-12-06-attention-warnings.md); this asks the model itself.

All variants (the source, then the source without each word) are scored in one teacher-forced batch through the
model's `forward`, so a sentence of 15 words costs one forward pass of 16 rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .batch import pad
from .tokenizer import BOS_ID, EOS_ID, PAD_ID


def dependence(
    model: torch.nn.Module, source_ids: Sequence[int], word_spans: Sequence[range], target_ids: Sequence[int]
) -> np.ndarray:
    """(len(word_spans),) float32 nats.

    source_ids: the source as decoded (ending in EOS); word_spans: each source word's positions in source_ids (as
    words.join_pieces gives them over the source pieces with "</s>"); target_ids: the translation (no BOS/EOS).
    A span that covers the whole source or the end token gets 0 (nothing would be left to translate)."""
    source, target = [int(t) for t in source_ids], [int(t) for t in target_ids]
    if not word_spans:
        return np.zeros(0, np.float32)
    variants = [source]
    for span in word_spans:
        kept = [t for i, t in enumerate(source) if i not in span]
        variants.append(kept if EOS_ID in kept and len(kept) > 1 else source)
    totals = _log_likelihoods(model, variants, target)
    return (totals[1:] - totals[0]).astype(np.float32)


def _log_likelihoods(model: torch.nn.Module, sources: list[list[int]], target: list[int]) -> np.ndarray:
    """(len(sources),) log p(target + EOS | source), teacher-forced. (The largest single token's drop instead of
    the sum found fewer left-out words at the same false alarms: a neighbouring article agrees with the left-out
    noun, so one token always drops.)"""
    src = pad(sources)
    tgt_in = torch.tensor([[BOS_ID, *target]] * len(sources), dtype=torch.long)
    tgt_out = torch.tensor([[*target, EOS_ID]] * len(sources), dtype=torch.long)
    device = next(model.parameters()).device
    with torch.inference_mode():
        logits, _ = model(src.to(device), (src != PAD_ID).to(device), tgt_in.to(device))
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        picked = log_probs.gather(-1, tgt_out.to(device).unsqueeze(-1)).squeeze(-1)
    return picked.sum(dim=1).cpu().numpy().astype(np.float64)
