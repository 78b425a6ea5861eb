"""The translation as clickable words, each shaded by how unsure the model was of it.

A read-only text view of the tab's SentenceResults (explanation.py), one sentence after another with a
space between. Clicking a word, or moving with the Left and Right keys, selects it (wordSelected);
hovering tells its probability. Words that an attention warning is about get a wavy underline.
Streaming appends at the end; a sentence translated again (a what-if) redraws the whole text
(`sentence_replaced`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from .explanation import SentenceResult

UNSURE_COLOR = QColor(255, 140, 0)  # shading of words the model was unsure of, stronger the less sure
WARNING_COLOR = QColor(220, 40, 40)
SEPARATOR = " "  # between sentences


def confidence_format(probability: float) -> QTextCharFormat:
    """No shading at 100%, the strongest at 0%: the eye goes to the words worth a second look."""
    shade = QColor(UNSURE_COLOR)
    shade.setAlpha(int(round(170 * (1.0 - max(0.0, min(1.0, probability))) ** 1.5)))
    text_format = QTextCharFormat()
    text_format.setBackground(shade)
    return text_format


def _length(text: str) -> int:
    """Length in the document's positions (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


class OutputText(QPlainTextEdit):
    wordSelected = Signal(int, int)  # sentence index, output row (the word's first piece) of the selected word

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, readOnly=True, placeholderText="The translation streams in here")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.results: list[SentenceResult] = []  # the tab's list, shared: this view only reads it
        self.selected: tuple[int, int] | None = None  # (sentence, row)
        self._redraw = QTimer(self, singleShot=True, interval=0)
        self._redraw.timeout.connect(self.redraw)

    # -- filling -----------------------------------------------------------------------
    def show_results(self, results: list[SentenceResult]) -> None:
        """Show another list (cleared when empty); tokens are then added with token_added."""
        self.results, self.selected = results, None
        self.redraw()

    def sentence_replaced(self, sentence: int) -> None:
        """results[sentence] is another object now (a what-if, an undo): redraw once the event loop is back."""
        self._redraw.start()

    def sentence_added(self, sentence: int) -> None:
        """results[sentence] was appended (still empty)."""
        if sentence:
            self._append(SEPARATOR, QTextCharFormat())

    def token_added(self, sentence: int) -> None:
        """The last token of results[sentence] is new: append it, or redraw when it is not the last sentence."""
        if sentence != len(self.results) - 1:
            self._redraw.start()
            return
        result = self.results[sentence]
        piece = result.pieces[-1]
        word = piece.lstrip()
        self._append(piece[: len(piece) - len(word)], QTextCharFormat())  # the space before a word is not shaded
        self._append(word, confidence_format(result.scores[-1].probability))

    def _append(self, text: str, text_format: QTextCharFormat) -> None:
        if self._redraw.isActive():
            return  # drawn with the rest
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text, text_format)

    def sentence_done(self, sentence: int) -> None:
        """Its words and warnings are known now: shade each whole word, underline the warned ones."""
        if self._redraw.isActive():
            self.redraw()  # the whole text, now: the sentence is complete
            return
        for start, stop in self.results[sentence].explanation.word_spans:
            self._format_rows(sentence, start, stop, confidence_format(self.results[sentence].word_probability(start)))
        self._update_marks()

    def redraw(self) -> None:
        self._redraw.stop()
        self.setPlainText(SEPARATOR.join(result.text for result in self.results))
        for index, result in enumerate(self.results):
            for row in range(len(result.scores)):
                start, stop = result.word_span(row)
                if row == start:
                    self._format_rows(index, start, stop, confidence_format(result.word_probability(start)))
        self._update_marks()

    # -- selection -----------------------------------------------------------------------
    def select(self, sentence: int, row: int) -> None:
        """Select the word holding piece `row` of `sentence` (no signal: the caller knows)."""
        self.selected = (sentence, self.results[sentence].word_span(row)[0])
        self._update_marks()

    def clear_selection(self) -> None:
        self.selected = None
        self._update_marks()

    def word_at(self, position: int) -> tuple[int, int] | None:
        """(sentence, first row of the word) at a document position, or None between words."""
        offset = 0
        for index, result in enumerate(self.results):
            for row, piece in enumerate(result.pieces):
                length = _length(piece)
                if offset <= position < offset + length and piece[position - offset :].strip():
                    return index, result.word_span(row)[0]
                offset += length
            offset += _length(SEPARATOR)
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return  # a drag selects text to copy
        word = self.word_at_point(event.position().toPoint())
        if word is not None:
            self.select(*word)
            self.wordSelected.emit(*word)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}
        if event.key() in steps and self.selected is not None:
            word = self._neighbour(*self.selected, steps[event.key()])
            if word is not None:
                self.select(*word)
                self.wordSelected.emit(*word)
            return
        super().keyPressEvent(event)

    def _neighbour(self, sentence: int, row: int, step: int) -> tuple[int, int] | None:
        """The word before (step -1) or after (+1) the given one, across sentences."""
        words = [(i, start) for i, result in enumerate(self.results) for start in _word_starts(result)]
        if (sentence, row) not in words:
            return None
        index = words.index((sentence, row)) + step
        return words[index] if 0 <= index < len(words) else None

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            word = self.word_at_point(event.pos())
            if word is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(*word), self)
            return True
        return super().viewportEvent(event)

    def word_at_point(self, point) -> tuple[int, int] | None:
        """The word under a viewport point: the character after the nearest cursor position, or the one before
        it where that is a space (the right half of a word's last letter)."""
        position = self.cursorForPosition(point).position()
        after = self.document().characterAt(position)
        if position > 0 and (not after or after.isspace() or after == "\u2029"):
            position -= 1
        return self.word_at(position)

    def describe(self, sentence: int, row: int) -> str:
        """The hover text of a word: its probability, and whether people chose it."""
        result = self.results[sentence]
        forced = " (you chose it)" if result.scores[row].forced else ""
        return f'"{result.word_text(row)}": the model gave it {result.word_probability(row):.0%}{forced}'

    # -- drawing -------------------------------------------------------------------------
    def _rows_range(self, sentence: int, start: int, stop: int) -> tuple[int, int]:
        """Document positions [from, to) of pieces start..stop-1 of a sentence, without leading spaces."""
        offset = sum(_length(result.text) + _length(SEPARATOR) for result in self.results[:sentence])
        pieces = self.results[sentence].pieces
        begin = offset + sum(_length(piece) for piece in pieces[:start])
        text = "".join(pieces[start:stop])
        begin += _length(text) - _length(text.lstrip())
        return begin, offset + sum(_length(piece) for piece in pieces[:stop])

    def _cursor(self, sentence: int, start: int, stop: int) -> QTextCursor:
        begin, end = self._rows_range(sentence, start, stop)
        cursor = QTextCursor(self.document())
        cursor.setPosition(begin)
        cursor.setPosition(max(begin, end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _format_rows(self, sentence: int, start: int, stop: int, text_format: QTextCharFormat) -> None:
        self._cursor(sentence, start, stop).setCharFormat(text_format)

    def _update_marks(self) -> None:
        """The selected word highlighted, warned words underlined (extra selections: the text stays as it is)."""
        marks = []
        for sentence, result in enumerate(self.results):
            warnings = result.explanation.warnings if result.explanation else ()
            rows = {row for warning in warnings for row in warning.output_rows}
            for start in sorted({self.results[sentence].word_span(row)[0] for row in rows}):
                mark = QTextEdit.ExtraSelection()
                mark.cursor = self._cursor(sentence, *self.results[sentence].word_span(start))
                mark.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                mark.format.setUnderlineColor(WARNING_COLOR)
                marks.append(mark)
        if self.selected is not None and self.selected[0] < len(self.results):
            sentence, row = self.selected
            mark = QTextEdit.ExtraSelection()
            mark.cursor = self._cursor(sentence, *self.results[sentence].word_span(row))
            mark.format.setBackground(self.palette().highlight())
            mark.format.setForeground(self.palette().highlightedText())
            mark.format.setProperty(QTextFormat.Property.FullWidthSelection, False)
            marks.append(mark)
        self.setExtraSelections(marks)


def _word_starts(result: SentenceResult) -> list[int]:
    return sorted({result.word_span(row)[0] for row in range(len(result.pieces))})
