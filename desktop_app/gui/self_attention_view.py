"""A Transformer's self-attention for the selected sentence, per layer and head, beside the cross-attention.

Encoder: source pieces (rows) attending to source pieces (columns). Decoder: row i writes output token i
(the end token for the last row) while reading the tokens before it: "<s>" and the output so far
(columns); the upper triangle is zero. Both are drawn by a HeatmapWidget from an Alignment whose
"heads" are the per-layer, per-head matrices, so the usual layer and head views apply.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.alignment import AVERAGE_LAST_LAYER, Alignment

from .explanation import SentenceResult
from .heatmap import HeatmapWidget

ENCODER, DECODER = "Encoder (source words)", "Decoder (translation so far)"


def self_alignment(weights: np.ndarray, rows: list[str], columns: list[str]) -> Alignment:
    """weights (layers, heads, len(rows), len(columns)) -> an Alignment with a view per layer and head."""
    alignment = Alignment(list(columns))
    for i, piece in enumerate(rows):
        heads = weights[:, :, i, :]  # layers x heads x columns
        alignment.append(piece, heads[-1].mean(axis=0), heads)
    return alignment


class SelfAttentionView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.side = QComboBox(toolTip="Whose self-attention: the encoder's (source) or the decoder's (output)")
        self.side.addItems([ENCODER, DECODER])
        self.view_choice = QComboBox(toolTip="Pick a layer and head, or an average")
        self.heatmap = HeatmapWidget()
        self.note = QLabel("Self-attention is shown for Transformer models.", wordWrap=True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Self-attention"))
        bar.addWidget(self.side)
        bar.addWidget(self.view_choice, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.note)
        layout.addWidget(self.heatmap, 1)
        self._result: SentenceResult | None = None
        self.side.currentIndexChanged.connect(lambda _: self._show())
        self.view_choice.currentTextChanged.connect(lambda view: view and self.heatmap.set_view(view))

    def show_sentence(self, result: SentenceResult | None) -> None:
        self._result = result
        self._show()

    def _show(self) -> None:
        explanation = self._result.explanation if self._result else None
        alignment = None
        if explanation is not None and explanation.encoder_self_attention is not None:
            source = self._result.alignment.source_pieces
            if self.side.currentText() == ENCODER:
                alignment = self_alignment(explanation.encoder_self_attention, source, source)
            else:
                output = self._result.alignment.output_pieces
                alignment = self_alignment(explanation.decoder_self_attention, [*output, "</s>"], ["<s>", *output])
        self.note.setVisible(alignment is None)
        self.heatmap.set_alignment(alignment)
        views = alignment.views() if alignment else []
        if views != [self.view_choice.itemText(i) for i in range(self.view_choice.count())]:
            current = self.view_choice.currentText() or AVERAGE_LAST_LAYER
            self.view_choice.blockSignals(True)
            self.view_choice.clear()
            self.view_choice.addItems(views)
            self.view_choice.setCurrentText(current if current in views else AVERAGE_LAST_LAYER)
            self.view_choice.blockSignals(False)
        if alignment is not None:
            self.heatmap.set_view(self.view_choice.currentText())
