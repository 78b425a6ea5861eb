"""Word and character error rates with jiwer."""

from __future__ import annotations

from collections.abc import Sequence

import jiwer


def word_error_rates(references: Sequence[str], hypotheses: Sequence[str]) -> dict[str, float]:
    """{'wer', 'cer'} over the corpus; empty references are skipped (nothing to recognise)."""
    pairs = [(r, h) for r, h in zip(references, hypotheses, strict=True) if r.strip()]
    if not pairs:
        raise ValueError("no non-empty references to score")
    refs, hyps = [r for r, _ in pairs], [h for _, h in pairs]
    return {"wer": jiwer.wer(refs, hyps), "cer": jiwer.cer(refs, hyps)}


def utterance_wer(reference: str, hypothesis: str) -> float:
    """One utterance's WER in percent; an empty reference scores 100 if anything was heard, else 0."""
    if not reference.strip():
        return 100.0 if hypothesis.strip() else 0.0
    return 100 * jiwer.wer(reference, hypothesis)
