"""Geometry of the segment view, without painting: where the spectrogram, its axes, the word labels and the
attention rows go in a given size, the ticks of the time and frequency axes, and word labels in lanes that never
overlap.

The attention rows always fit the height they are given (a row may be thinner than a pixel): the whole
diagonal is on screen at any size, and an export picks a height where every row is readable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QFontMetrics

SAMPLE_RATE = 16000
N_MELS = 80  # the app's log-mel features (speech/features.py): Slaney mel scale, 0 to 8 kHz
FREQUENCY_TICKS_HZ = (0, 500, 1000, 2000, 4000, 8000)
TIME_STEPS = (0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0)
MIN_TICK_SPACING = 56  # pixels between time ticks
WORD_LANES = 3  # rows of word labels; a label that fits in none is left out (its bar stays, with its tooltip)
EXPORT_ROW_HEIGHT = 14  # pixels per attention row in an export: every label readable
EXPORT_MIN_WIDTH = 900
SPECTROGRAM_SHARE, SPECTROGRAM_MAX = 0.3, 200  # of the height, in pixels: a tall view gives the rows the rest


@dataclass(frozen=True)
class SegmentLayout:
    """Where each part of the segment view goes, in widget pixels."""

    left: int  # the x where the time axis starts (token labels and the frequency axis are to its left)
    width: int  # pixels of the time axis
    duration: float  # seconds shown across `width`
    spectrogram: QRect
    time_axis: QRect  # tick marks and labels in seconds
    words: QRect  # word bars and their labels, WORD_LANES lanes high
    lane_height: int
    rows: QRectF  # the attention rows (fractional row height: always all of them)
    row_height: float
    caption: QRect

    def x_of(self, seconds: float) -> float:
        return self.left + self.width * seconds / self.duration

    def seconds_at(self, x: float) -> float:
        return (x - self.left) * self.duration / self.width

    def row_at(self, y: float, rows: int) -> int:
        """The attention row at height y, or -1."""
        if not self.rows.top() <= y < self.rows.bottom() or rows == 0:
            return -1
        return min(rows - 1, int((y - self.rows.top()) / self.row_height))


def segment_layout(
    width: int, height: int, metrics: QFontMetrics, labels: list[str], duration: float, rows: int
) -> SegmentLayout:
    """The layout of a segment with `rows` attention rows labelled `labels`, `duration` seconds long."""
    line = metrics.height()
    frequency_labels = metrics.horizontalAdvance("8 kHz") + 8
    left = max([metrics.horizontalAdvance(text) for text in labels] + [frequency_labels, 40]) + 10
    plot_width = max(10, width - left - 8)
    spectrogram_height = max(48, min(SPECTROGRAM_MAX, int(height * SPECTROGRAM_SHARE)))
    time_axis = QRect(left, spectrogram_height, plot_width, line + 6)
    lane_height = line + 2
    words = QRect(left, time_axis.bottom() + 1, plot_width, WORD_LANES * lane_height + 4)
    rows_top = words.bottom() + 4
    caption_height = line + 4
    rows_height = max(float(rows), height - rows_top - caption_height)  # at least a pixel a row
    row_height = rows_height / max(1, rows)
    return SegmentLayout(
        left,
        plot_width,
        max(duration, 1e-3),
        QRect(left, 0, plot_width, spectrogram_height),
        time_axis,
        words,
        lane_height,
        QRectF(left, rows_top, plot_width, row_height * rows),
        row_height,
        QRect(left, int(rows_top + row_height * rows) + 2, plot_width, line),
    )


def export_height(metrics: QFontMetrics, rows: int, height: int) -> int:
    """A height at which every attention row is EXPORT_ROW_HEIGHT pixels or more (the spectrogram as on screen)."""
    layout = segment_layout(EXPORT_MIN_WIDTH, 10 * SPECTROGRAM_MAX, metrics, [], 1.0, rows)  # the tallest spectrogram
    above = int(layout.rows.top())
    return max(height, above + rows * EXPORT_ROW_HEIGHT + metrics.height() + 8)


def label_text(piece: str) -> str:
    """A piece as people read it: '▁' dropped; a blank piece shown as '␣' (as the translation heatmap labels it,
    without importing its module, which pulls in the model library)."""
    return piece.replace("\u2581", " ").strip() or "␣"


def time_ticks(duration: float, width: int) -> list[float]:
    """Round times (s) from 0 to `duration`, at least MIN_TICK_SPACING pixels apart across `width`."""
    step = next((s for s in TIME_STEPS if width * s / max(duration, 1e-3) >= MIN_TICK_SPACING), TIME_STEPS[-1])
    return [round(i * step, 3) for i in range(int(duration / step + 1e-6) + 1)]


def time_label(seconds: float) -> str:
    return f"{seconds:g} s"


def hz_to_mel(hz: float) -> float:
    """The Slaney mel scale (librosa's default): linear to 1 kHz, logarithmic above."""
    linear_step, break_hz = 200.0 / 3, 1000.0
    if hz < break_hz:
        return hz / linear_step
    return break_hz / linear_step + np.log(hz / break_hz) / (np.log(6.4) / 27.0)


def frequency_ticks() -> list[tuple[float, str]]:
    """(fraction of the spectrogram's height from the bottom, label) for FREQUENCY_TICKS_HZ."""
    top = hz_to_mel(SAMPLE_RATE / 2)
    return [(hz_to_mel(hz) / top, f"{hz // 1000} kHz" if hz >= 1000 else f"{hz} Hz") for hz in FREQUENCY_TICKS_HZ]


def word_lanes(spans: list[tuple[float, float]], lanes: int = WORD_LANES, gap: float = 4.0) -> list[int]:
    """(x0, x1) pixels of each word's label, in order -> the lane of each label (0 = top), -1 where none is free:
    each label goes in the first lane where it starts past the end of the lane's last label."""
    ends = [-np.inf] * lanes
    placed = []
    for x0, x1 in spans:
        lane = next((i for i, end in enumerate(ends) if x0 >= end + gap), -1)
        if lane >= 0:
            ends[lane] = x1
        placed.append(lane)
    return placed


def token_words(pieces: list[str], words: int) -> list[int]:
    """The word each token belongs to (a leading space or '▁' starts a word, as word_spans groups them); -1 for a
    bare word boundary, or for all tokens when the grouping does not give `words` words."""
    result, index, starts = [], -1, True
    for piece in pieces:
        text = piece.replace("\u2581", " ")
        starts = starts or text.startswith(" ")
        if not text.strip():
            result.append(-1)
            continue
        if starts or index < 0:
            index += 1
        result.append(index)
        starts = False
    return result if index + 1 == words else [-1] * len(pieces)
