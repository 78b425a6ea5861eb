"""A perceptually uniform colour scale (viridis anchors, linearly interpolated)."""

from __future__ import annotations

from PySide6.QtGui import QColor

_ANCHORS = [(68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
            (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37)]


def _build(steps: int = 256) -> list[QColor]:
    colors = []
    for i in range(steps):
        position = i / (steps - 1) * (len(_ANCHORS) - 1)
        low = min(int(position), len(_ANCHORS) - 2)
        t = position - low
        rgb = [round(a + (b - a) * t) for a, b in zip(_ANCHORS[low], _ANCHORS[low + 1], strict=True)]
        colors.append(QColor(*rgb))
    return colors


VIRIDIS = _build()


def color_for(value: float) -> QColor:
    """value in [0, 1] -> colour (values outside are clamped)."""
    index = int(max(0.0, min(1.0, value)) * (len(VIRIDIS) - 1))
    return VIRIDIS[index]
