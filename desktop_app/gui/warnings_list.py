"""The attention warnings of the shown translation, beside it: one line each, clickable.

Selecting a warning shows its sentence (the tab does that on `warningSelected`) and narrows `marks_for`, what the
heatmap marks, to that warning's words; the text-wide line (input the model cannot read) belongs to no sentence.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from .explanation import MarkedWarning, SentenceResult

NO_SENTENCE = -1


class WarningsList(QWidget):
    warningSelected = Signal(int, int)  # sentence index (NO_SENTENCE: the whole text), index among its warnings

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel("Warnings", toolTip="Hints from the attention, never a verdict")
        self.list = QListWidget(wordWrap=True, toolTip="Click to see the words on the heatmap")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        self._where: list[tuple[int, int]] = []  # per line: (sentence, index among its warnings)
        self._picked: tuple[int, int] | None = None
        self._results: list[SentenceResult] = []
        self.list.currentRowChanged.connect(self._on_row)
        self.set_warnings(None, [])

    def set_warnings(self, text_warning: str | None, results: list[SentenceResult]) -> None:
        """text_warning: about the whole input (unreadable characters); results: the sentences, explained or not."""
        self.list.blockSignals(True)
        self.list.clear()
        self._where, self._picked = [], None
        if text_warning:
            self._add(text_warning, (NO_SENTENCE, 0))
        several = len(results) > 1
        for sentence, result in enumerate(results):
            for index, warning in enumerate(_warnings(result)):
                where = f"Sentence {sentence + 1}: " if several else ""
                self._add(where + warning.message, (sentence, index))
        self.title.setText(f"Warnings ({len(self._where)})" if self._where else "Warnings: none")
        self.list.blockSignals(False)
        self._results = results

    def marks_for(self, sentence: int) -> tuple[list[int], list[int]]:
        """(source pieces, output rows) to mark on a sentence's heatmap: the picked warning's words if it is
        about this sentence, else those of all its warnings."""
        warnings = _warnings(self._results[sentence]) if 0 <= sentence < len(self._results) else ()
        if self._picked and self._picked[0] == sentence:
            warnings = warnings[self._picked[1] : self._picked[1] + 1]
        return (
            sorted({piece for warning in warnings for piece in warning.source_pieces}),
            sorted({row for warning in warnings for row in warning.output_rows}),
        )

    def messages(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def select(self, position: int) -> None:
        """Select the warning in that position of the list (as a click would)."""
        self.list.setCurrentRow(position)

    def _add(self, text: str, where: tuple[int, int]) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.ToolTipRole, text)
        self.list.addItem(item)
        self._where.append(where)

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self._where):
            self._picked = self._where[row] if self._where[row][0] != NO_SENTENCE else None
            self.warningSelected.emit(*self._where[row])


def _warnings(result: SentenceResult) -> tuple[MarkedWarning, ...]:
    return result.explanation.warnings if result.explanation else ()
