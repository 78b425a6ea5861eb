"""Render an attention matrix as a plain-text table for terminals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def format_alignment(source_pieces: Sequence[str], output_pieces: Sequence[str], matrix: np.ndarray) -> str:
    """Rows are output pieces, columns source pieces (SentencePiece pieces, '▁' starts a
    word); cells are attention in percent.

    matrix: (len(output_pieces), len(source_pieces)). Cells under 5% are shown as '.',
    and each row's largest weight is marked with '*'.
    """
    if matrix.shape != (len(output_pieces), len(source_pieces)):
        raise ValueError(f"matrix shape {matrix.shape} does not match {len(output_pieces)}x{len(source_pieces)} pieces")
    columns = [_label(p) for p in source_pieces]
    rows = [_label(p) for p in output_pieces]
    width = max([4, *(len(c) for c in columns)])
    row_width = max([6, *(len(r) for r in rows)])
    lines = [" " * row_width + " " + " ".join(c.rjust(width) for c in columns)]
    for label, weights in zip(rows, matrix, strict=True):
        best = int(np.argmax(weights)) if len(weights) else -1
        cells = [_cell(w, i == best).rjust(width) for i, w in enumerate(weights)]
        lines.append(label.ljust(row_width) + " " + " ".join(cells))
    return "\n".join(lines)


def _label(piece: str) -> str:
    return piece if piece.strip() else "␣"


def _cell(weight: float, is_best: bool) -> str:
    percent = int(round(100 * float(weight)))
    text = "." if percent < 5 else str(percent)
    return text + "*" if is_best else text
