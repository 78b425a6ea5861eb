"""A perceptually uniform colour scale (viridis anchors, linearly interpolated), and images made with it.

Matrices are drawn as one image each, never cell by cell: every Qt call costs a Python/C++ round
trip, and a heatmap painted one rectangle at a time made thousands of them per repaint."""

from __future__ import annotations

from functools import cache

import numpy as np
from PySide6.QtGui import QColor, QImage

_ANCHORS = [
    (68, 1, 84),
    (72, 40, 120),
    (62, 74, 137),
    (49, 104, 142),
    (38, 130, 142),
    (31, 158, 137),
    (53, 183, 121),
    (109, 205, 89),
    (180, 222, 44),
    (253, 231, 37),
]
STEPS = 256
# Attention warnings drawn on a heatmap: a red-orange that no step of the scale comes near, light or dark theme
MARK_COLOR = QColor(232, 69, 40)
MARK_TINT = QColor(232, 69, 40, 56)  # the same, faint: behind a short "needed" bar, so a near-empty one is seen


def _build(steps: int = STEPS) -> list[QColor]:
    colors = []
    for i in range(steps):
        position = i / (steps - 1) * (len(_ANCHORS) - 1)
        low = min(int(position), len(_ANCHORS) - 2)
        t = position - low
        rgb = [round(a + (b - a) * t) for a, b in zip(_ANCHORS[low], _ANCHORS[low + 1], strict=True)]
        colors.append(QColor(*rgb))
    return colors


VIRIDIS = _build()
_LUT = np.array([c.rgb() for c in VIRIDIS], dtype=np.uint32)  # 0xAARRGGBB per step


def color_for(value: float) -> QColor:
    """value in [0, 1] -> colour (values outside are clamped)."""
    index = int(max(0.0, min(1.0, value)) * (len(VIRIDIS) - 1))
    return VIRIDIS[index]


def to_image(values: np.ndarray, low: float | None = None, high: float | None = None) -> QImage:
    """(rows, columns) values -> an RGB image (row 0 at the top), colours scaled to low..high."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float32))
    low = float(np.min(values)) if low is None else low
    high = float(np.max(values)) if high is None else high
    scaled = np.clip((values - low) / max(high - low, 1e-6), 0, 1)
    pixels = np.ascontiguousarray(_LUT[(scaled * (len(_LUT) - 1)).astype(np.intp)])
    image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.shape[1] * 4, QImage.Format.Format_RGB32)
    return image.copy()  # own the pixels


@cache
def color_scale_image() -> QImage:
    """A 1 x STEPS image of the scale, 100% in the top row: stretched over a colour bar."""
    return to_image(np.linspace(1.0, 0.0, STEPS, dtype=np.float32)[:, None], 0.0, 1.0)
