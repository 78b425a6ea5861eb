"""The Dictate tab's controls above the transcript, in two rows so that a large font still fits the window:
the speech model and the search speed; the microphone, its input level, Record and Open audio file."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from desktop_app.speech.speed import SPEEDS

from .model_picker import ModelPicker

SPEED_TIP = (
    "How hard the recognizer searches (from the next recording or file on):\n"
    "Accurate: the model's own beam search, the fewest errors.\n"
    "Balanced: drops hypotheses that have fallen far behind; faster, almost as accurate.\n"
    "Fast: also keeps only 4 hypotheses; for slow computers."
)
RECORD_TIP = "Start or stop recording (Ctrl+R)"
NO_MICROPHONE_TIP = (
    "No microphone found: plug one in, then choose Dictate ▸ Refresh microphones. You can still open audio files."
)


class LevelMeter(QWidget):
    """The microphone's input level as a bar meter (-60 to 0 dBFS): green, then amber and red near clipping.
    Same value interface as a progress bar (setValue / value / minimum / maximum)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._value = self.minimum()
        self.setToolTip("Input level of the microphone")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    @staticmethod
    def minimum() -> int:
        return -60

    @staticmethod
    def maximum() -> int:
        return 0

    def value(self) -> int:
        return self._value

    def setValue(self, db: int) -> None:  # noqa: N802 - the progress bar's name
        db = max(self.minimum(), min(self.maximum(), int(db)))
        if db != self._value:
            self._value = db
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.fontMetrics().horizontalAdvance("M") * 8, max(10, self.fontMetrics().height() // 2))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        box = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.setBrush(self.palette().color(QPalette.ColorRole.Window).darker(115))
        painter.drawRoundedRect(box, 3, 3)
        share = (self._value - self.minimum()) / (self.maximum() - self.minimum())
        if share > 0:
            gradient = QLinearGradient(box.left(), 0, box.right(), 0)
            gradient.setColorAt(0.0, QColor(46, 160, 67))
            gradient.setColorAt(0.75, QColor(46, 160, 67))
            gradient.setColorAt(0.9, QColor(230, 170, 30))
            gradient.setColorAt(1.0, QColor(220, 50, 40))
            filled = QRectF(box.left() + 1, box.top() + 1, (box.width() - 2) * share, box.height() - 2)
            painter.fillRect(filled, gradient)
        painter.end()


class DictateToolbar(QWidget):
    def __init__(self, picker: ModelPicker, speed: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.picker = picker
        self.devices = QComboBox(toolTip="Microphone")
        self.devices.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.devices.setMinimumContentsLength(12)
        self.level = LevelMeter()
        self.speed = QComboBox(toolTip=SPEED_TIP)
        for name in SPEEDS:
            self.speed.addItem(name.capitalize(), name)
        self.speed.setCurrentIndex(max(0, self.speed.findData(speed)))
        self.record_button = QPushButton("● Record", toolTip=RECORD_TIP)
        self.open_button = QPushButton("Open audio file…")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Model"), 0, 0)
        grid.addWidget(self.picker, 0, 1)
        speed_box = QHBoxLayout()
        speed_box.addWidget(QLabel("Speed"))
        speed_box.addWidget(self.speed)
        grid.addLayout(speed_box, 0, 2)
        grid.addWidget(QLabel("Microphone"), 1, 0)
        microphone = QHBoxLayout()
        microphone.addWidget(self.devices, 1)
        microphone.addWidget(self.level, 0, Qt.AlignmentFlag.AlignVCenter)
        grid.addLayout(microphone, 1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.open_button)
        grid.addLayout(buttons, 1, 2)
        grid.setColumnStretch(1, 1)

    def set_microphone_available(self, available: bool, why: str = NO_MICROPHONE_TIP) -> None:
        """Record is offered only with a microphone to record from; its tooltip says why not."""
        self.record_button.setEnabled(available)
        self.record_button.setToolTip(RECORD_TIP if available else why)
