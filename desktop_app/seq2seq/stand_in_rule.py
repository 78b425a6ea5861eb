"""Token rules for kept spans (protect.py): the model is nudged to write every stand-in of its source.

A model that drops a stand-in loses its span from the sentence, and the Restorer can only add it at the end
("Wir treffen uns um Uhr. 11:35"). While a stand-in of the source is not yet in a hypothesis, its target piece
gets a bonus and the end of the sentence a penalty, both in log-probability, so that it is written where the
model finds a place for it. The values were chosen on keep sets made from the dev splits
(docs/experiments/2026-12-06-keep-spans.md, "Dropped stand-ins").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import torch

from .tokenizer import EOS_ID

STAND_IN_BONUS = 0.0  # added to a missing stand-in's log-probability (0: off; see the notes)
END_PENALTY = 0.0  # taken from the end-of-sentence token's while a stand-in is missing


class StandInsWanted:
    """TokenRules (see decoding.TokenRules): stand_in_ids are the target pieces of the stand-ins of this
    source (one piece each; one entry per occurrence)."""

    def __init__(self, stand_in_ids: Sequence[int], bonus: float = STAND_IN_BONUS, end_penalty: float = END_PENALTY):
        self._wanted = Counter(stand_in_ids)
        self._bonus, self._end_penalty = bonus, end_penalty

    def apply(self, outputs: list[list[int]], log_probs: torch.Tensor) -> torch.Tensor:
        """outputs: each row's tokens so far; log_probs (rows, vocab) -> adjusted (rows, vocab)."""
        if not self._wanted:
            return log_probs
        adjusted = log_probs.clone()
        for row, ids in enumerate(outputs):
            written = Counter(i for i in ids if i in self._wanted)
            missing = [i for i, count in self._wanted.items() if written[i] < count]
            if missing:
                adjusted[row, missing] += self._bonus
                adjusted[row, EOS_ID] -= self._end_penalty
        return adjusted


class AllRules:
    """Several TokenRules applied in turn."""

    def __init__(self, *rules):
        self.rules = [rule for rule in rules if rule is not None]

    def apply(self, outputs: list[list[int]], log_probs: torch.Tensor) -> torch.Tensor:
        for rule in self.rules:
            log_probs = rule.apply(outputs, log_probs)
        return log_probs
