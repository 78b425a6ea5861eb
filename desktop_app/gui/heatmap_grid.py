"""What the heatmap shows: whole words or word pieces as rows and columns, and their attention (numpy only).

    grid = heatmap_grid(alignment, view, word_level=True)
    grid.matrix          # (grid.rows, grid.columns): output words x source words (pieces when word_level is off)
    grid.row_spans[i]    # the output pieces that row i stands for (one piece each when word_level is off)

Everything outside the widget speaks in PIECE indices of the Alignment; the grid maps them to rows and
columns and back (a word is named by its first piece).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from desktop_app.alignment import Alignment
from desktop_app.seq2seq.words import word_alignment

ALIGNED_SHARE = 0.3  # a piece counts as aligned when it has this share of a row's/column's maximum


def label_text(piece: str) -> str:
    """A piece or word as people read it: '▁' dropped; a blank piece shown as '␣'."""
    shown = piece.replace("\u2581", " ").strip()
    return shown or "␣"


@dataclass(frozen=True)
class HeatmapGrid:
    row_labels: list[str]  # output words (or pieces), top to bottom
    column_labels: list[str]  # source words (or pieces), left to right
    row_spans: list[range]  # output piece indices of each row
    column_spans: list[range]  # source piece indices of each column
    matrix: np.ndarray  # (rows, columns) attention weights in [0, 1]

    @property
    def rows(self) -> int:
        return len(self.row_labels)

    @property
    def columns(self) -> int:
        return len(self.column_labels)

    def row_of_piece(self, piece: int) -> int | None:
        return _span_index(self.row_spans, piece)

    def column_of_piece(self, piece: int) -> int | None:
        return _span_index(self.column_spans, piece)

    def rows_of_pieces(self, pieces: Iterable[int]) -> set[int]:
        return {r for r in (self.row_of_piece(p) for p in pieces) if r is not None}

    def columns_of_pieces(self, pieces: Iterable[int]) -> set[int]:
        return {c for c in (self.column_of_piece(p) for p in pieces) if c is not None}

    def aligned(self, kind: str, row: int, column: int) -> tuple[set[int], set[int]]:
        """(rows, columns) to emphasise when a 'cell', a 'source' column or an 'output' row is hovered."""
        if self.matrix.size == 0:
            return set(), set()
        if kind == "cell":
            return {row}, {column}
        if kind == "source":
            return _strong(self.matrix[:, column]), {column}
        return {row}, _strong(self.matrix[row])


def _strong(weights: np.ndarray) -> set[int]:
    return set(np.flatnonzero(weights >= ALIGNED_SHARE * max(float(weights.max()), 1e-6)).tolist())


def _span_index(spans: list[range], piece: int) -> int | None:
    # spans are consecutive and start at 0, so a bisection would do; sentences are short enough for a scan
    return next((i for i, span in enumerate(spans) if piece in span), None)


def heatmap_grid(alignment: Alignment, view: str, word_level: bool) -> HeatmapGrid:
    """The rows and columns to draw for an alignment (which may still be streaming in)."""
    pieces = alignment.matrix(view)  # (output pieces, source pieces)
    if not word_level:
        return HeatmapGrid(
            [label_text(p) for p in alignment.output_pieces],
            [label_text(p) for p in alignment.source_pieces],
            [range(i, i + 1) for i in range(len(alignment.output_pieces))],
            [range(i, i + 1) for i in range(len(alignment.source_pieces))],
            pieces,
        )
    words = word_alignment(alignment.source_pieces, alignment.output_pieces, pieces)
    return HeatmapGrid(
        [label_text(t) for t in words.output.texts],
        [label_text(t) for t in words.source.texts],
        list(words.output.spans),
        list(words.source.spans),
        np.clip(words.matrix, 0.0, 1.0),  # a word's summed pieces can round a hair over 1
    )
