"""The heatmap's "needed by the translation" strip: how much the translation depends on each source column.

The values come from omission.dependence, one per source PIECE (each piece carrying its word's value):
log p(translation | source without the word) - log p(translation | source), in nats. A word the translation
renders costs several nats when left out; one it silently dropped costs about 0. Numpy only; painting is in
heatmap_paint.py.

    needed = NeededScores(scores, alignment.source_pieces)    # scores: (source pieces,) nats, nan = unmeasured
    bars = needed.bars(grid)           # NeededBars: per grid column, a length in 0..1 and whether it is needed little
    needed.describe(grid, column)      # the hover line for a grid column

Punctuation and function words are never shown as hardly needed: a full stop or an article is predictable
from the rest of the sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from desktop_app.seq2seq.function_words import is_function_word
from desktop_app.seq2seq.words import join_pieces

from .heatmap_grid import HeatmapGrid

FULL_BAR_NATS = 10.0  # a word costing this much or more gets a full bar (rendered content words cost 4-14)
# Costing less than this, a word is drawn in the warning colour. Fixed, unlike the warnings' limits (which rise with
# the sentence's length, attention_warnings.THRESHOLDS): the strip shows every word the translation hardly needs.
LITTLE_NATS = 2.0


@dataclass(frozen=True)
class NeededBars:
    lengths: np.ndarray  # (grid columns,) 0..1 of a full bar; 0 where unmeasured
    little: np.ndarray  # (grid columns,) bool: a measured word (not punctuation) the translation hardly needs


class NeededScores:
    def __init__(self, scores: Sequence[float], source_pieces: Sequence[str]):
        """scores: (len(source_pieces),) nats."""
        self.scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if len(self.scores) != len(source_pieces):
            raise ValueError(f"{len(self.scores)} scores for {len(source_pieces)} source pieces")
        self.typical = _typical_costs(self.scores, source_pieces)

    def column_values(self, grid: HeatmapGrid) -> np.ndarray:
        """(grid columns,) nats: a column's first piece's value (in word mode, the word's)."""
        return np.array([self.scores[span.start] for span in grid.column_spans], dtype=np.float64)

    def bars(self, grid: HeatmapGrid) -> NeededBars:
        values = self.column_values(grid)
        measured = np.isfinite(values)
        costs = np.where(measured, -values, 0.0)
        words = np.array([_is_word(label) for label in grid.column_labels], dtype=bool)
        little = measured & words & (costs < LITTLE_NATS)
        return NeededBars(np.clip(costs, 0.0, FULL_BAR_NATS) / FULL_BAR_NATS, little)

    def describe(self, grid: HeatmapGrid, column: int) -> str:
        """'“century”: leaving it out costs the translation 0.7 nats (most words here cost 5-13): possibly
        untranslated'."""
        label, value = grid.column_labels[column], float(self.column_values(grid)[column])
        if not np.isfinite(value):
            return f"“{label}”: not measured (it cannot be left out)"
        cost = -value
        if cost > -0.05:
            line = f"“{label}”: leaving it out costs the translation {max(cost, 0.0):.1f} nats"
        else:
            line = f"“{label}”: the translation is {-cost:.1f} nats likelier without it"
        if self.typical is not None:
            low, high = self.typical
            line += f" (words it needs here cost {low}-{high})" if low != high else f" (words it needs cost {low})"
        little = cost < LITTLE_NATS and _is_word(label)  # punctuation is often predictable: no verdict on it
        return line + (": possibly untranslated" if little else "")


def _typical_costs(scores: np.ndarray, source_pieces: Sequence[str]) -> tuple[int, int] | None:
    """The middle half of the costs of the words the translation needs (LITTLE_NATS or more), in whole nats, each
    word counted once however many pieces it has: the scale to read a word's cost against. None with fewer than 2."""
    costs = [-scores[span.start] for span in join_pieces(source_pieces).spans if np.isfinite(scores[span.start])]
    needed = [cost for cost in costs if cost >= LITTLE_NATS]
    if len(needed) < 2:
        return None
    low, high = np.percentile(needed, [25, 75])
    return round(float(low)), round(float(high))


def _is_word(label: str) -> bool:
    """A content word or piece: a letter or digit in it, not "</s>", not a function word ("the", "was": a
    translation often does without them, and the warnings never name them either)."""
    return label != "</s>" and any(c.isalnum() for c in label) and not is_function_word(label)
