"""Attention alignments as the app and exports see them: plain lists and numpy (Qt-free)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

AVERAGE_LAST_LAYER = "average of heads, last layer"
AVERAGE_ALL = "average of all layers and heads"
SINGLE_ATTENTION = "attention (one head)"  # RNN and speech models: nothing to pick


@dataclass
class Alignment:
    """One sentence: source pieces (columns) and output pieces (rows) with attention rows.

    rows[i]: (len(source_pieces),) the model's alignment for output piece i.
    heads[i]: (layers, heads, len(source_pieces)) for a Transformer, else absent.
    """

    source_pieces: list[str]
    output_pieces: list[str] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    heads: list[np.ndarray] = field(default_factory=list)

    def append(self, piece: str, row: np.ndarray, heads: np.ndarray | None = None) -> None:
        if row.shape != (len(self.source_pieces),):
            raise ValueError(f"attention row of shape {row.shape} for {len(self.source_pieces)} source pieces")
        self.output_pieces.append(piece)
        self.rows.append(np.asarray(row, dtype=np.float32))
        if heads is not None:
            self.heads.append(np.asarray(heads, dtype=np.float32))

    @property
    def layer_count(self) -> int:
        return self.heads[0].shape[0] if self.heads else 0

    @property
    def head_count(self) -> int:
        return self.heads[0].shape[1] if self.heads else 0

    def views(self) -> list[str]:
        """Names of the matrices this alignment offers (for a Transformer: per layer and head)."""
        if not self.heads:
            return [SINGLE_ATTENTION]
        names = [AVERAGE_LAST_LAYER, AVERAGE_ALL]
        for layer in range(self.layer_count):
            names.append(f"layer {layer + 1}, average of heads")
            names.extend(f"layer {layer + 1}, head {h + 1}" for h in range(self.head_count))
        return names

    def matrix(self, view: str = AVERAGE_LAST_LAYER) -> np.ndarray:
        """(len(output_pieces), len(source_pieces)) for the named view."""
        if not self.rows:
            return np.zeros((0, len(self.source_pieces)), np.float32)
        if view == AVERAGE_LAST_LAYER or not self.heads:
            return np.stack(self.rows)
        stacked = np.stack(self.heads)  # outputs x layers x heads x sources
        if view == AVERAGE_ALL:
            return stacked.mean(axis=(1, 2))
        parts = view.replace(",", "").split()
        layer = int(parts[1]) - 1
        if parts[2] == "head":
            return stacked[:, layer, int(parts[3]) - 1]
        return stacked[:, layer].mean(axis=1)

    def to_json(self, view: str = AVERAGE_LAST_LAYER) -> str:
        return json.dumps(
            {
                "source_pieces": self.source_pieces,
                "output_pieces": self.output_pieces,
                "view": view,
                "matrix": [[round(float(x), 5) for x in row] for row in self.matrix(view)],
            },
            ensure_ascii=False,
            indent=1,
        )

    def save_json(self, path: str | Path, view: str = AVERAGE_LAST_LAYER) -> None:
        Path(path).write_text(self.to_json(view) + "\n", encoding="utf-8")

    def to_pharaoh(self, view: str = AVERAGE_LAST_LAYER) -> str:
        """The word alignment in the Pharaoh format that alignment tools read: "i-j" pairs (source word i, output
        word j, 0-based, pieces joined into words as seq2seq.words does), each output word aligned to the source
        word it attends to most (over the view's matrix; "</s>" never)."""
        from desktop_app.seq2seq.words import join_pieces, word_attention  # loads torch: only when exporting

        source, output = join_pieces(self.source_pieces), join_pieces(self.output_pieces)
        words = word_attention(self.matrix(view), output, source)
        end = len(source.texts) - 1 if source.texts and source.texts[-1] == "</s>" else None
        return pharaoh_line(words, () if end is None else (end,))

    def save_pharaoh(self, path: str | Path, view: str = AVERAGE_LAST_LAYER) -> None:
        Path(path).write_text(self.to_pharaoh(view) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, text: str) -> Alignment:
        data = json.loads(text)
        alignment = cls(list(data["source_pieces"]))
        for piece, row in zip(data["output_pieces"], data["matrix"], strict=True):
            alignment.append(piece, np.asarray(row, dtype=np.float32))
        return alignment


def pharaoh_line(matrix: np.ndarray, skip_columns: tuple[int, ...] = ()) -> str:
    """matrix (output words, source words) -> "i-j ..." (source i, output j, 0-based): each output word aligned to
    its most attended source word among the columns not skipped (e.g. "</s>"), in output order."""
    columns = [c for c in range(matrix.shape[1]) if c not in skip_columns]
    if not columns:
        return ""
    best = np.asarray(matrix)[:, columns].argmax(axis=1) if len(matrix) else []
    return " ".join(f"{columns[int(b)]}-{j}" for j, b in enumerate(best))
