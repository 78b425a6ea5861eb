"""A line under the Dictate toolbar while something takes time: a file being transcribed (how far, with a Cancel
button) or a speech model loading (a busy indicator). Hidden otherwise."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

STEPS = 1000


class FileProgress(QWidget):
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar(textVisible=True)
        self.cancel_button = QPushButton("Cancel", toolTip="Stop transcribing this file")
        self.cancel_button.clicked.connect(self.cancelRequested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self._seconds = 0.0
        self._file = ""  # the name of the file being transcribed, "" when none
        self._loading = False
        self.hide()

    def start_file(self, name: str, seconds: float) -> None:
        """A file of `seconds` (0: unknown, the bar then only shows that work goes on) is being transcribed."""
        self._seconds, self._file = seconds, name
        self.label.setText(f"Transcribing {name}")
        self.bar.setRange(0, STEPS if seconds > 0 else 0)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.cancel_button.show()
        self.show()

    def set_duration(self, seconds: float) -> None:
        if seconds > 0 and self._file:
            self._seconds = seconds
            if not self._loading:
                self.bar.setRange(0, STEPS)

    def set_done(self, seconds: float) -> None:
        """`seconds` of the file have been heard (the text of the last of them may still be decoding)."""
        if self._seconds > 0:
            self.bar.setValue(min(STEPS, round(STEPS * seconds / self._seconds)))
            self.bar.setFormat(f"%p%  ({seconds:.0f} of {self._seconds:.0f} s)")

    def fraction(self) -> float:
        return self.bar.value() / STEPS if self.bar.maximum() else 0.0

    def start_loading(self, model: str) -> None:
        """A busy indicator while `model` loads (no Cancel: a load cannot be interrupted)."""
        self._loading = True
        self.label.setText(f"Loading {model}…")
        self.bar.setRange(0, 0)
        self.cancel_button.hide()
        self.show()

    def loading(self) -> bool:
        return self._loading and self.isVisible()

    def loaded(self) -> None:
        """The model is ready: back to the file's progress if one is running, else hidden."""
        if not self._loading:
            return
        self._loading = False
        if self._file:
            self.label.setText(f"Transcribing {self._file}")
            self.bar.setRange(0, STEPS if self._seconds > 0 else 0)
            self.cancel_button.show()
        else:
            self.hide()

    def finish(self) -> None:
        self._loading = False
        self._seconds, self._file = 0.0, ""
        self.label.setText("")
        self.hide()
