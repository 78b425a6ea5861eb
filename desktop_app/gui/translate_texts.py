"""The Translate tab's upper half: the text people type, its translation, what explains the selected word (its
alternatives, above the warnings) side by side, and under them the buttons and a message line for people."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSplitter, QVBoxLayout, QWidget

from .alternatives_panel import AlternativesPanel
from .output_words import OutputText
from .warnings_list import WarningsList


class TranslateTexts(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.source = QPlainTextEdit(placeholderText="Type text to translate… (Ctrl+Enter translates)")
        self.output = OutputText()
        self.alternatives = AlternativesPanel()
        self.warnings_list = WarningsList()
        self.translate_button = QPushButton("Translate", toolTip="Ctrl+Enter")
        self.stop_button = QPushButton("Stop", enabled=False)
        self.copy_button = QPushButton("Copy translation")
        self.message = QLabel(wordWrap=True, objectName="message")
        self.message.setStyleSheet("#message { color: palette(highlight); }")
        explain_side = splitter(Qt.Orientation.Vertical, self.alternatives, self.warnings_list)
        explain_side.setSizes([300, 120])
        buttons = QHBoxLayout()
        buttons.addWidget(self.translate_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter(Qt.Orientation.Horizontal, self.source, self.output, explain_side), 1)
        layout.addLayout(buttons)

    def set_busy(self, busy: bool) -> None:
        """While a job runs: Stop is offered, and what-if choices wait (alternatives_panel.py)."""
        self.stop_button.setEnabled(busy)
        self.alternatives.set_busy(busy)

    def busy(self) -> bool:
        return self.stop_button.isEnabled()


def splitter(orientation: Qt.Orientation, *widgets: QWidget) -> QSplitter:
    """A splitter holding `widgets`, in order."""
    result = QSplitter(orientation)
    for widget in widgets:
        result.addWidget(widget)
    return result
