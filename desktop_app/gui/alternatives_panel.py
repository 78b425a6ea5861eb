"""What else the model considered at the selected output word, and the what-if that uses it.

Shows the selected token's likeliest candidates with their probabilities (the decoder's own distribution
at that step) and, with a beam wider than 1, beam search's best translations of the sentence. People pick
a candidate (double-click, Enter or "Continue with it") or type a word: `chosen` / `typed` ask the tab to
translate the rest of the sentence again after it; "Undo" asks to go back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .explanation import SentenceResult

HINT = (
    "Click a word of the translation (or use ← →) to see what else the model considered there. "
    "The less sure the model was of a word, the stronger its shade."
)


class AlternativesPanel(QWidget):
    chosen = Signal(int)  # token id: continue the sentence with it in place of the selected word
    typed = Signal(str)  # a word people typed, in place of the selected word
    undoRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(HINT, wordWrap=True)
        self.choices = QListWidget(toolTip="Double-click (or Enter) to continue the translation with this word")
        self.use_button = QPushButton("Continue with it", enabled=False)
        self.word_edit = QLineEdit(placeholderText="…or type a word and press Enter")
        self.undo_button = QPushButton("Undo", enabled=False, toolTip="Back to the translation before the change")
        self.hypotheses = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.undo_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.choices, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.word_edit)
        layout.addWidget(self.hypotheses)
        self._busy = self._undo_available = False
        self._written: int | None = None  # the token id the translation has at the selected word
        self.choices.itemActivated.connect(lambda item: self._choose(item))
        self.choices.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.use_button.clicked.connect(lambda: self._choose(self.choices.currentItem()))
        self.word_edit.returnPressed.connect(self._type)
        self.undo_button.clicked.connect(self.undoRequested)
        self.clear()

    def show_token(self, result: SentenceResult, row: int) -> None:
        """The candidates at output piece `row` of a sentence (the first piece of the selected word)."""
        score = result.scores[row]
        start, stop = result.word_span(row)
        word = result.word_text(row)
        before = " ".join("".join(result.pieces[:row]).split()[-3:])
        context = f'after "…{before}"' if before else "at the start of the sentence"
        forced = ", you chose it" if score.forced else ""
        pieces = " (its first piece)" if stop - start > 1 else ""
        self.title.setText(
            f'"{word}": the model gave it {result.word_probability(row):.0%}{forced}. Its candidates {context}{pieces}:'
        )
        self._written = score.token_id
        self.choices.clear()
        for choice in score.choices:
            mark = f"  ✓ written ({word})" if choice.token_id == score.token_id else ""
            item = QListWidgetItem(f"{choice.probability:6.1%}   {choice.text}{mark}")
            item.setData(Qt.ItemDataRole.UserRole, choice.token_id)
            self.choices.addItem(item)
        hypotheses = result.explanation.hypotheses if result.explanation else ()
        lines = [f"{rank}. {text} ({score:.0%} per word)" for rank, (text, score) in enumerate(hypotheses, 1)]
        self.hypotheses.setText("Beam search's best translations:\n" + "\n".join(lines) if len(lines) > 1 else "")
        self.word_edit.setEnabled(True)
        self._update_buttons()

    def clear(self) -> None:
        self._written = None
        self.title.setText(HINT)
        self.choices.clear()
        self.hypotheses.setText("")
        self.word_edit.clear()
        self.word_edit.setEnabled(False)
        self._update_buttons()

    def set_busy(self, busy: bool) -> None:
        """No what-if while a translation is running."""
        self._busy = busy
        self._update_buttons()

    def set_undo_available(self, available: bool) -> None:
        self._undo_available = available
        self._update_buttons()

    def choice_ids(self) -> list[int]:
        return [self.choices.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.choices.count())]

    def _choose(self, item: QListWidgetItem | None) -> None:
        if item is None or self._busy or self._written is None:
            return
        token_id = item.data(Qt.ItemDataRole.UserRole)
        if token_id != self._written:
            self.chosen.emit(token_id)

    def _type(self) -> None:
        word = self.word_edit.text().strip()
        if word and not self._busy and self._written is not None:
            self.typed.emit(word)

    def _update_buttons(self) -> None:
        self.undo_button.setEnabled(self._undo_available and not self._busy)
        item = self.choices.currentItem()
        self.use_button.setEnabled(
            not self._busy and item is not None and item.data(Qt.ItemDataRole.UserRole) != self._written
        )
