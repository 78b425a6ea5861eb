"""The spectrogram view: a live scrolling spectrogram while recording, and for a finished
segment its spectrogram with the attention of every output token drawn under it on the same
time axis, and each word's time span."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontInfo, QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .colormap import to_image
from .dictate_worker import FinalResult
from .heatmap import label_text

LIVE_SECONDS = 6.0
MEL_FRAME_SECONDS = 0.01


class SpectrogramWidget(QWidget):
    wordClicked = Signal(int)  # index into the shown segment's words

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)  # hovering a word shows a pointing hand and its tooltip
        self._live: deque[np.ndarray] = deque(maxlen=int(LIVE_SECONDS / MEL_FRAME_SECONDS))
        self._segment: FinalResult | None = None
        self._repaint = QTimer(self, singleShot=True, interval=50)
        self._repaint.timeout.connect(self.update)
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def add_frames(self, frames: np.ndarray) -> None:
        """Live mode: append (frames, 80) log-mel columns."""
        self._segment = None
        self._live.extend(frames)
        if not self._repaint.isActive():
            self._repaint.start()

    def show_segment(self, result: FinalResult | None) -> None:
        self._segment = result
        self.unsetCursor()
        self.update()

    def clear(self) -> None:
        self._live.clear()
        self._segment = None
        self.unsetCursor()
        self.update()

    def segment(self) -> FinalResult | None:
        return self._segment

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if self._segment is not None:
            self._paint_segment(painter, palette)
        elif self._live:
            self._paint_live(painter)
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter,
                "Record or open an audio file: the spectrogram and the attention appear here",
            )
        painter.end()

    def _paint_live(self, painter: QPainter) -> None:
        frames = np.stack(self._live)  # time x mels
        image = to_image(frames.T[::-1], low=-12.0, high=4.0)
        width = int(self.width() * len(self._live) / self._live.maxlen)
        painter.drawImage(QRect(self.width() - width, 0, width, self.height()), image)

    def _layout(self) -> tuple[int, int, float, int, int]:
        """The shown segment's geometry: (left, width, duration, spectrogram height, word row height)."""
        result = self._segment
        metrics = QFontMetrics(self.font())
        left = max([metrics.horizontalAdvance(label_text(p)) for p in result.pieces] + [40]) + 10
        width = self.width() - left - 6
        duration = max(result.mel.shape[0] * MEL_FRAME_SECONDS, 1e-3)
        spec_height = max(60, int(self.height() * 0.4))
        return left, width, duration, spec_height, metrics.height() + 6

    def word_rects(self) -> list[QRect]:
        """Where each word of the shown segment is drawn (its span bar and label); empty when live."""
        if self._segment is None:
            return []
        left, width, duration, y, height = self._layout()
        rects = []
        for _word, start, end in self._segment.words:
            x0 = left + int(width * start / duration)
            x1 = max(x0 + 2, left + int(width * end / duration))
            rects.append(QRect(x0, y, x1 - x0, height))
        return rects

    def _word_at(self, position) -> int:
        return next((i for i, rect in enumerate(self.word_rects()) if rect.contains(position)), -1)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        index = self._word_at(event.position().toPoint())
        if index < 0:
            self.unsetCursor()
            QToolTip.hideText()
            return
        word, start, end = self._segment.words[index]
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        QToolTip.showText(event.globalPosition().toPoint(), f"Click to hear '{word}' ({start:.2f}–{end:.2f} s)", self)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        index = self._word_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and index >= 0:
            self.wordClicked.emit(index)
        else:
            super().mousePressEvent(event)

    def _paint_segment(self, painter: QPainter, palette: QPalette) -> None:
        result = self._segment
        metrics = QFontMetrics(self.font())
        left, width, duration, spec_height, words_height = self._layout()
        painter.drawImage(QRect(left, 0, width, spec_height), to_image(result.mel.T[::-1]))
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        right_middle = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRect(0, 0, left - 6, spec_height), right_middle, "audio")
        self._paint_words(painter, palette)
        top = spec_height + words_height
        rows = max(1, len(result.pieces))
        row_height = max(4, min(22, (self.height() - top - 4) // rows))
        if result.attention.size:
            attention = result.attention / np.maximum(result.attention.max(axis=1, keepdims=True), 1e-6)
            span = result.attention.shape[1] * result.frame_seconds / duration
            painter.drawImage(QRectF(left, top, width * min(span, 1.0), row_height * rows), to_image(attention, 0, 1))
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        font = QFont(self.font())  # dense rows (character units) get a smaller font, down to 7 px
        font.setPixelSize(max(7, min(QFontInfo(font).pixelSize(), int(row_height * 0.8))))
        painter.setFont(font)
        every = -(-QFontMetrics(font).height() // row_height)  # label every row that has room for its text
        for row, piece in enumerate(result.pieces):
            if row % every:
                continue
            rect = QRect(0, top + row * row_height, left - 6, row_height * every)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label_text(piece))
        painter.setFont(self.font())
        caption = QRect(left, top + rows * row_height + 2, width, metrics.height())
        if caption.bottom() <= self.height():
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                caption,
                Qt.AlignmentFlag.AlignLeft,
                "attention of each output piece over time (each row scaled to its maximum)",
            )

    def _paint_words(self, painter, palette) -> None:
        accent = palette.color(QPalette.ColorRole.Highlight)
        painter.setPen(QPen(accent, 1))
        for (word, _start, _end), rect in zip(self._segment.words, self.word_rects(), strict=True):
            painter.fillRect(QRect(rect.x(), rect.y() + 2, rect.width(), 3), QColor(accent))
            painter.drawText(
                QRect(rect.x(), rect.y() + 4, max(rect.width(), 40), rect.height()), Qt.AlignmentFlag.AlignLeft, word
            )

    def save_png(self, path: str) -> None:
        image = QImage(self.size(), QImage.Format.Format_ARGB32)
        self.render(image)
        if not image.save(path, "PNG"):
            raise OSError(f"could not write {path}")

    def save_svg(self, path: str) -> None:
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(self.size())
        generator.setViewBox(QRectF(0, 0, self.width(), self.height()))
        generator.setTitle("Attention over the spectrogram")
        self.render(generator)

    def save_json(self, path: str) -> None:
        """The segment's alignment: output pieces x encoder frames, with each frame's start time."""
        result = self._segment
        if result is None:
            raise OSError("there is no finished segment to export")
        data = {
            "text": result.text,
            "segment_start": round(result.start, 3),
            "output_pieces": result.pieces,
            "frame_seconds": result.frame_seconds,
            "frame_starts": [round(i * result.frame_seconds, 3) for i in range(result.attention.shape[1])],
            "words": [{"word": w, "start": round(a, 3), "end": round(b, 3)} for w, a, b in result.words],
            "matrix": [[round(float(x), 5) for x in row] for row in result.attention],
        }
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
