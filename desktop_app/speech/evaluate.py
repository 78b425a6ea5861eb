"""Word and character error rates with jiwer."""

from __future__ import annotations

from collections.abc import Sequence

import jiwer
import numpy as np


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


def paired_bootstrap(
    references: Sequence[str], baseline: Sequence[str], candidate: Sequence[str], samples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Corpus WER of `candidate` minus that of `baseline`, in points, with a 95% interval from the
    paired bootstrap (Koehn 2004): utterances are drawn with replacement and both systems are
    scored on the same draw. -> (difference, low, high); an interval that holds 0 is no measured change."""
    scored = [(r, b, c) for r, b, c in zip(references, baseline, candidate, strict=True) if r.strip()]
    if not scored:
        raise ValueError("no non-empty references to score")
    words = np.array([len(r.split()) for r, _, _ in scored])
    errors = np.array([[_word_errors(r, b), _word_errors(r, c)] for r, b, c in scored])  # utterances x 2
    draws = np.random.default_rng(seed).integers(0, len(scored), size=(samples, len(scored)))
    totals = errors[draws].sum(axis=1)  # samples x 2
    differences = 100 * (totals[:, 1] - totals[:, 0]) / words[draws].sum(axis=1)
    point = 100 * (errors[:, 1].sum() - errors[:, 0].sum()) / words.sum()
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(point), float(low), float(high)


def _word_errors(reference: str, hypothesis: str) -> int:
    """Substitutions, deletions and insertions of one utterance (jiwer's alignment)."""
    out = jiwer.process_words(reference, hypothesis)
    return out.substitutions + out.deletions + out.insertions
