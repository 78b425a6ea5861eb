"""Painting one segment of the spectrogram view into any paint device (the widget, a PNG, an SVG): the spectrogram
with its frequency and time axes, the word spans with their labels in lanes, the attention rows with their token
labels, the warnings' marks and the hover line."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontInfo, QFontMetrics, QPainter, QPalette, QPen

from .colormap import MARK_COLOR, to_image
from .spectrogram_axes import (
    SegmentLayout,
    frequency_ticks,
    label_text,
    segment_layout,
    time_label,
    time_ticks,
    word_lanes,
)

MEL_FRAME_SECONDS = 0.01
CAPTION = "attention of each output piece over time (each row scaled to its maximum)"


@dataclass(frozen=True)
class Marks:
    """What to point out on the view: warned tokens, stretches of audio, the hovered time and the tokens there."""

    tokens: frozenset[int] = frozenset()
    spans: tuple[tuple[float, float], ...] = ()
    hover_seconds: float | None = None
    hover_tokens: tuple[int, ...] = field(default=())


def layout_for(result, width: int, height: int, font: QFont) -> SegmentLayout:
    """The layout of a FinalResult (or a live partial with the same fields) in a width x height area."""
    duration = result.mel.shape[0] * MEL_FRAME_SECONDS if result.mel.size else result.audio.size / 16000
    labels = [label_text(piece) for piece in result.pieces]
    return segment_layout(width, height, QFontMetrics(font), labels, duration, len(result.pieces))


def word_label_rects(layout: SegmentLayout, metrics: QFontMetrics, words) -> list[QRect | None]:
    """Where each word's label is drawn (None: no lane had room; the word keeps its bar and tooltip)."""
    spans = []
    for word, start, _end in words:
        x0 = layout.x_of(start)
        spans.append((x0, x0 + metrics.horizontalAdvance(word) + 2))
    rects: list[QRect | None] = []
    for (x0, x1), lane in zip(spans, word_lanes(spans), strict=True):
        if lane < 0 or x1 > layout.left + layout.width + 4:
            rects.append(None)
            continue
        top = layout.words.top() + 4 + lane * layout.lane_height
        rects.append(QRect(int(x0), top, int(np.ceil(x1 - x0)), layout.lane_height))
    return rects


def word_bar_rects(layout: SegmentLayout, words) -> list[QRect]:
    """Each word's span as a click target: its time span, the height of the word lanes."""
    rects = []
    for _word, start, end in words:
        x0 = int(layout.x_of(start))
        x1 = max(x0 + 2, int(layout.x_of(end)))
        rects.append(QRect(x0, layout.words.top(), x1 - x0, layout.words.height()))
    return rects


def paint_segment(painter: QPainter, result, width: int, height: int, font: QFont, palette: QPalette, marks: Marks):
    layout = layout_for(result, width, height, font)
    metrics = QFontMetrics(font)
    painter.setFont(font)
    text_color = palette.color(QPalette.ColorRole.Text)
    if result.mel.size:
        painter.drawImage(layout.spectrogram, to_image(result.mel.T[::-1]))
    _paint_frequency_axis(painter, layout, text_color)
    _paint_spans(painter, layout, marks.spans)
    _paint_time_axis(painter, layout, metrics, text_color)
    _paint_words(painter, layout, metrics, result.words, palette)
    _paint_rows(painter, layout, result, font, text_color, marks)
    if marks.hover_seconds is not None:
        x = layout.x_of(marks.hover_seconds)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, 0), QPointF(x, layout.rows.bottom()))
    if layout.caption.bottom() <= height:
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(layout.caption, Qt.AlignmentFlag.AlignLeft, CAPTION)
    return layout


def _paint_frequency_axis(painter: QPainter, layout: SegmentLayout, color: QColor) -> None:
    spectrogram = layout.spectrogram
    painter.setPen(color)
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    line = QFontMetrics(painter.font()).height()
    for fraction, label in frequency_ticks():
        y = spectrogram.bottom() - fraction * spectrogram.height()
        painter.drawLine(QPointF(layout.left - 4, y), QPointF(layout.left, y))
        top = min(max(y - line / 2, spectrogram.top()), spectrogram.bottom() - line)
        painter.drawText(QRectF(0, top, layout.left - 6, line), right, label)


def _paint_time_axis(painter: QPainter, layout: SegmentLayout, metrics: QFontMetrics, color: QColor) -> None:
    axis = layout.time_axis
    painter.setPen(color)
    painter.drawLine(axis.left(), axis.top(), axis.right(), axis.top())
    for seconds in time_ticks(layout.duration, layout.width):
        x = layout.x_of(seconds)
        painter.drawLine(QPointF(x, axis.top()), QPointF(x, axis.top() + 4))
        text = time_label(seconds)
        text_width = metrics.horizontalAdvance(text)
        x0 = min(max(x - text_width / 2, axis.left()), axis.right() - text_width)  # kept inside the axis
        painter.drawText(QRectF(x0, axis.top() + 4, text_width + 2, metrics.height()), Qt.AlignmentFlag.AlignLeft, text)


def _paint_spans(painter: QPainter, layout: SegmentLayout, spans) -> None:
    """Stretches a warning is about: shaded across the spectrogram, and a bar along its top."""
    shade = QColor(MARK_COLOR)
    shade.setAlpha(70)
    for start, end in spans:
        x0, x1 = layout.x_of(start), max(layout.x_of(end), layout.x_of(start) + 2)
        painter.fillRect(QRectF(x0, layout.spectrogram.top(), x1 - x0, layout.spectrogram.height()), shade)
        painter.fillRect(QRectF(x0, layout.spectrogram.top(), x1 - x0, 4), MARK_COLOR)


def _paint_words(painter: QPainter, layout: SegmentLayout, metrics: QFontMetrics, words, palette: QPalette) -> None:
    accent = palette.color(QPalette.ColorRole.Highlight)
    bars = word_bar_rects(layout, words)
    for bar in bars:
        painter.fillRect(QRect(bar.x(), bar.y() + 1, bar.width(), 3), accent)
    painter.setPen(palette.color(QPalette.ColorRole.Text))
    for (word, _start, _end), rect in zip(words, word_label_rects(layout, metrics, words), strict=True):
        if rect is not None:
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, word)


def _paint_rows(painter: QPainter, layout: SegmentLayout, result, font: QFont, color: QColor, marks: Marks) -> None:
    rows = len(result.pieces)
    attention = result.attention
    if attention.size and rows:
        scaled = attention / np.maximum(attention.max(axis=1, keepdims=True), 1e-6)
        span = min(1.0, attention.shape[1] * result.frame_seconds / layout.duration)
        target = QRectF(layout.rows.left(), layout.rows.top(), layout.rows.width() * span, layout.rows.height())
        painter.drawImage(target, to_image(scaled, 0, 1))
    row_height = layout.row_height
    top = layout.rows.top()
    for row in sorted(marks.tokens):  # a red tick left of each warned token's row
        painter.fillRect(QRectF(layout.left - 5, top + row * row_height, 4, max(1.0, row_height)), MARK_COLOR)
    painter.setPen(QPen(QColor(255, 255, 255), 1))
    for row in marks.hover_tokens:
        painter.drawRect(QRectF(layout.rows.left(), top + row * row_height, layout.rows.width(), row_height))
    label_font = QFont(font)  # dense rows get a smaller font, down to 7 px, and only some of them a label
    label_font.setPixelSize(max(7, min(QFontInfo(font).pixelSize(), int(row_height * 0.8))))
    painter.setFont(label_font)
    every = max(1, int(np.ceil(QFontMetrics(label_font).height() / max(row_height, 1e-3))))
    hovered = set(marks.hover_tokens)
    for row, piece in enumerate(result.pieces):
        if row % every and row not in hovered and row not in marks.tokens:
            continue
        top = layout.rows.top() + row * row_height
        rect = QRectF(0, top + row_height / 2 - QFontMetrics(label_font).height() / 2, layout.left - 8, 0)
        rect.setHeight(QFontMetrics(label_font).height())
        painter.setPen(MARK_COLOR if row in marks.tokens else color)
        bold = QFont(label_font)
        bold.setBold(row in hovered)
        painter.setFont(bold)
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label_text(piece))
    painter.setFont(font)
