"""The spectrogram view: a live scrolling spectrogram while recording, and for a finished segment its spectrogram
with the attention of every output token under it on the same time axis, each word's time span, and the warnings'
marks. Hovering the spectrogram highlights the tokens that attend there; clicking a word or a token's row plays
its audio (the tab does the playing). Geometry: spectrogram_axes.py; painting: spectrogram_paint.py."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .colormap import to_image
from .spectrogram_axes import EXPORT_MIN_WIDTH, SegmentLayout, export_height, label_text, token_words
from .spectrogram_paint import MEL_FRAME_SECONDS, Marks, layout_for, paint_segment, word_bar_rects, word_label_rects

LIVE_SECONDS = 6.0
HOVER_SHARE = 0.5  # a token attends at a time when its attention there is at least this share of its row's peak
EMPTY_TEXT = "Record or open an audio file: the spectrogram and the attention appear here"

__all__ = ["LIVE_SECONDS", "MEL_FRAME_SECONDS", "SpectrogramWidget"]


class SpectrogramWidget(QWidget):
    wordClicked = Signal(int)  # index into the shown segment's words (a click on a word, or on one of its tokens)
    hovered = Signal(str)  # what is under the pointer, for the status bar ("" when nothing)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)  # hovering shows the tokens attending there, and a word's tooltip
        self._live: deque[np.ndarray] = deque(maxlen=int(LIVE_SECONDS / MEL_FRAME_SECONDS))
        self._segment = None  # a FinalResult on show
        self._partial = None  # live: the latest partial decoding (a FinalResult-like object), drawn under the frames
        self._hover: tuple[float, tuple[int, ...]] | None = None  # (seconds, tokens attending there)
        self._repaint = QTimer(self, singleShot=True, interval=50)
        self._repaint.timeout.connect(self.update)
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- what is shown ----------------------------------------------------------------
    def add_frames(self, frames: np.ndarray) -> None:
        """Live mode: append (frames, 80) log-mel columns."""
        self._segment = None
        self._live.extend(frames)
        self._schedule()

    def show_partial(self, partial) -> None:
        """Live mode: the rows of the latest partial decoding (replacing the one before); None to drop them."""
        self._partial = partial
        self._schedule()

    def show_segment(self, result) -> None:
        self._segment = result
        self._partial = None
        self.clear_hover()
        self.update()

    def clear(self) -> None:
        self._live.clear()
        self._segment = self._partial = None
        self.clear_hover()
        self.update()

    def clear_hover(self) -> None:
        """Forget the hover line and highlighted tokens (a new recording, another model, the tab hidden)."""
        self._hover = None
        self.unsetCursor()
        self.update()

    def segment(self):
        return self._segment

    def partial(self):
        return self._partial

    def hover_tokens(self) -> tuple[int, ...]:
        return self._hover[1] if self._hover else ()

    def _schedule(self) -> None:
        if not self._repaint.isActive():
            self._repaint.start()

    # -- geometry, for hit tests and tests ----------------------------------------------
    def layout(self) -> SegmentLayout | None:  # noqa: A003 - the segment's layout, not QWidget.layout's manager
        return layout_for(self._segment, self.width(), self.height(), self.font()) if self._segment else None

    def word_rects(self) -> list[QRect]:
        """Each word's click target (its time span over the word lanes); empty when live."""
        layout = self.layout()
        return word_bar_rects(layout, self._segment.words) if layout else []

    def word_label_rects(self) -> list[QRect | None]:
        """Where each word's label is drawn (None where it was left out for want of room)."""
        layout = self.layout()
        return word_label_rects(layout, QFontMetrics(self.font()), self._segment.words) if layout else []

    def row_rect(self, token: int) -> QRectF:
        layout = self.layout()
        return QRectF(0, layout.rows.top() + token * layout.row_height, self.width(), layout.row_height)

    def tokens_at(self, seconds: float) -> tuple[int, ...]:
        """The tokens of the shown segment whose attention at `seconds` is near their row's peak."""
        result = self._segment
        if result is None or not result.attention.size:
            return ()
        column = int(seconds / result.frame_seconds)
        if not 0 <= column < result.attention.shape[1]:
            return ()
        peaks = np.maximum(result.attention.max(axis=1), 1e-6)
        return tuple(np.flatnonzero(result.attention[:, column] >= HOVER_SHARE * peaks).tolist())

    def _word_of_token(self, token: int) -> int:
        result = self._segment
        word = token_words(result.pieces, len(result.words))[token]
        if word >= 0 or not result.words:
            return word
        peak = int(result.attention[token].argmax()) * result.frame_seconds if result.attention.size else 0.0
        return int(np.argmin([abs((start + end) / 2 - peak) for _w, start, end in result.words]))

    # -- the mouse ------------------------------------------------------------------------
    def _hit(self, position) -> tuple[str, int, float]:
        """('word', index, _), ('token', row, _), ('time', _, seconds) or ('', -1, 0)."""
        layout = self.layout()
        if layout is None:
            return "", -1, 0.0
        word = next((i for i, rect in enumerate(self.word_rects()) if rect.contains(position)), -1)
        if word >= 0:
            return "word", word, 0.0
        row = layout.row_at(position.y(), len(self._segment.pieces))
        if row >= 0 and position.x() < layout.left:
            return "token", row, 0.0
        inside = layout.left <= position.x() <= layout.left + layout.width
        if inside and (layout.spectrogram.contains(position) or row >= 0):
            return "time", -1, layout.seconds_at(position.x())
        return "", -1, 0.0

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        position = event.position().toPoint()
        kind, index, seconds = self._hit(position)
        if kind == "time":
            self._hover = (seconds, self.tokens_at(seconds))
            pieces = [label_text(self._segment.pieces[t]) for t in self._hover[1]]
            text = f"{seconds:.2f} s" + (f": {' '.join(pieces)}" if pieces else "")
            self.unsetCursor()
            QToolTip.hideText()
            self.hovered.emit(text)
            self.update()
            return
        if self._hover is not None:
            self._hover = None
            self.update()
        if kind in ("word", "token"):
            word = index if kind == "word" else self._word_of_token(index)
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            if word >= 0:
                text, start, end = self._segment.words[word]
                QToolTip.showText(
                    event.globalPosition().toPoint(), f"Click to hear '{text}' ({start:.2f}–{end:.2f} s)", self
                )
            return
        self.unsetCursor()
        QToolTip.hideText()
        self.hovered.emit("")

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().leaveEvent(event)
        if self._hover is not None:
            self.clear_hover()
        self.hovered.emit("")

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        kind, index, _ = self._hit(event.position().toPoint())
        word = index if kind == "word" else self._word_of_token(index) if kind == "token" else -1
        if event.button() == Qt.MouseButton.LeftButton and word >= 0:
            self.wordClicked.emit(word)
        else:
            super().mousePressEvent(event)

    # -- painting ---------------------------------------------------------------------------
    def _marks(self) -> Marks:
        warnings = getattr(self._segment, "warnings", ()) or ()
        seconds, tokens = self._hover if self._hover else (None, ())
        return Marks(
            frozenset(t for w in warnings for t in w.tokens),
            tuple(span for w in warnings for span in w.spans),
            seconds,
            tokens,
        )

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if self._segment is not None:
            paint_segment(painter, self._segment, self.width(), self.height(), self.font(), palette, self._marks())
        elif self._partial is not None and len(self._partial.pieces):
            # live: the segment spoken so far with the rows of its latest partial decoding, growing as it does
            paint_segment(painter, self._partial, self.width(), self.height(), self.font(), palette, Marks())
        elif self._live:
            self._paint_live(painter)
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
        painter.end()

    def _paint_live(self, painter: QPainter) -> None:
        """The last LIVE_SECONDS of frames, newest at the right."""
        frames = np.stack(self._live)  # time x mels
        width = int(self.width() * len(self._live) / self._live.maxlen)
        image = to_image(frames.T[::-1], low=-12.0, high=4.0)
        painter.drawImage(QRect(self.width() - width, 0, width, self.height()), image)

    # -- export -------------------------------------------------------------------------------
    def export_size(self) -> QSize:
        """The whole segment: at least EXPORT_MIN_WIDTH wide, and tall enough for every row to be read."""
        rows = len(self._segment.pieces) if self._segment is not None else 0
        return QSize(max(self.width(), EXPORT_MIN_WIDTH), export_height(QFontMetrics(self.font()), rows, self.height()))

    def _render_whole(self, painter: QPainter, size: QSize) -> None:
        palette = self.palette()
        painter.fillRect(QRect(0, 0, size.width(), size.height()), palette.color(QPalette.ColorRole.Base))
        if self._segment is not None:
            marks = replace(self._marks(), hover_seconds=None, hover_tokens=())  # the pointer is not exported
            paint_segment(painter, self._segment, size.width(), size.height(), self.font(), palette, marks)

    def save_png(self, path: str) -> None:
        size = self.export_size()
        image = QImage(size, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        self._render_whole(painter, size)
        painter.end()
        if not image.save(path, "PNG"):
            raise OSError(f"could not write {path}")

    def save_svg(self, path: str) -> None:
        size = self.export_size()
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle("Attention over the spectrogram")
        painter = QPainter(generator)
        self._render_whole(painter, size)
        painter.end()

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
            "warnings": [w.message for w in getattr(result, "warnings", ())],
            "matrix": [[round(float(x), 5) for x in row] for row in result.attention],
        }
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
