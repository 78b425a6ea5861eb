"""The attention heatmap: output pieces (rows) x source pieces (columns).

Paints from an `Alignment` that the worker's signals append to; a timer batches
repaints so tokens arriving faster than the screen refreshes cost one paint.
Hovering a piece or a cell highlights the aligned pieces on both sides.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.alignment import AVERAGE_LAST_LAYER, Alignment

from .colormap import color_scale_image, to_image

ALIGNED_SHARE = 0.3  # a piece counts as aligned when it has this share of a row's/column's maximum
LEGEND_WIDTH = 64  # the colour scale right of the matrix: gap, bar, labels


def label_text(piece: str) -> str:
    shown = piece.replace("\u2581", " ").strip()
    return shown or "␣"


class HeatmapGeometry:
    """Where labels and cells go for a given alignment, font and width."""

    def __init__(self, source_labels: list[str], output_labels: list[str], font: QFont, width: int):
        metrics = QFontMetrics(font)
        self.left = max([metrics.horizontalAdvance(t) for t in output_labels] + [30]) + 12
        self.top = max([metrics.horizontalAdvance(t) for t in source_labels] + [30]) + 12
        columns = max(1, len(source_labels))
        self.cell = int(max(14, min(44, (width - self.left - 8 - LEGEND_WIDTH) / columns)))
        self.columns, self.rows = len(source_labels), len(output_labels)

    def legend_rect(self) -> QRect:
        """The colour bar: as tall as the matrix (at least 80 px), 100% at the top."""
        return QRect(self.left + self.columns * self.cell + 14, self.top, 12, max(80, max(1, self.rows) * self.cell))

    def cell_rect(self, row: int, column: int) -> QRect:
        return QRect(self.left + column * self.cell, self.top + row * self.cell, self.cell, self.cell)

    def size(self) -> QSize:
        height = max(max(1, self.rows) * self.cell, self.legend_rect().height())
        return QSize(self.left + self.columns * self.cell + 8 + LEGEND_WIDTH, self.top + height + 8)

    def hit(self, point: QPoint) -> tuple[str, int, int] | None:
        """('cell', row, col), ('source', -1, col) or ('output', row, -1) under a point."""
        column = (point.x() - self.left) // self.cell if point.x() >= self.left else -1
        row = (point.y() - self.top) // self.cell if point.y() >= self.top else -1
        in_columns, in_rows = 0 <= column < self.columns, 0 <= row < self.rows
        if in_columns and in_rows:
            return ("cell", row, column)
        if in_columns and point.y() < self.top:
            return ("source", -1, column)
        if in_rows and point.x() < self.left:
            return ("output", row, -1)
        return None


def draw_color_scale(painter: QPainter, bar: QRect, text_color: QColor) -> None:
    """A vertical colour bar for attention weights, 0% at the bottom and 100% at the top, labelled."""
    painter.drawImage(bar, color_scale_image())  # one cached gradient image, stretched
    painter.setPen(text_color)
    metrics = QFontMetrics(painter.font())
    for weight in (1.0, 0.5, 0.0):
        y = bar.top() + round((1.0 - weight) * (bar.height() - 1))
        painter.drawLine(bar.right() + 1, y, bar.right() + 4, y)
        baseline = min(max(y + metrics.ascent() // 2, bar.top() + metrics.ascent()), bar.bottom())
        painter.drawText(bar.right() + 7, baseline, f"{round(weight * 100)}%")


class HeatmapWidget(QWidget):
    hovered = Signal(str)  # a one-line description of what is under the mouse

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._alignment: Alignment | None = None
        self._view = AVERAGE_LAST_LAYER
        self._hover: tuple[str, int, int] | None = None
        self._repaint = QTimer(self, singleShot=True, interval=33)
        self._repaint.timeout.connect(self._refresh)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- data -----------------------------------------------------------------
    def set_alignment(self, alignment: Alignment | None) -> None:
        self._alignment = alignment
        if self._hover is not None:
            self._hover = None
            self.hovered.emit("")  # what was described is gone
        self._refresh()

    def alignment(self) -> Alignment | None:
        return self._alignment

    def set_view(self, view: str) -> None:
        self._view = view
        self.update()

    def view(self) -> str:
        return self._view

    def rows_added(self) -> None:
        """Call after appending to the alignment; repaints at most ~30 times a second."""
        if not self._repaint.isActive():
            self._repaint.start()

    def _refresh(self) -> None:
        """Grow the minimum size with the matrix (a scroll area shows the rest), then repaint."""
        self.setMinimumSize(self._geometry(0).size().width(), self._geometry().size().height())
        self.update()

    def resizeEvent(self, event) -> None:
        self.setMinimumHeight(self._geometry().size().height())
        super().resizeEvent(event)

    def matrix(self) -> np.ndarray:
        if self._alignment is None:
            return np.zeros((0, 0), np.float32)
        return self._alignment.matrix(self._view)

    # -- geometry ---------------------------------------------------------------
    def _labels(self) -> tuple[list[str], list[str]]:
        if self._alignment is None:
            return [], []
        return (
            [label_text(p) for p in self._alignment.source_pieces],
            [label_text(p) for p in self._alignment.output_pieces],
        )

    def _geometry(self, width: int | None = None) -> HeatmapGeometry:
        sources, outputs = self._labels()
        return HeatmapGeometry(sources, outputs, self.font(), width if width is not None else self.width())

    def sizeHint(self) -> QSize:
        return self._geometry(600).size()

    # -- painting -----------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        self.render_into(painter, self.width(), self.palette())
        painter.end()

    def render_into(self, painter: QPainter, width: int, palette: QPalette) -> None:
        painter.fillRect(
            QRect(0, 0, width, max(self.height(), self._geometry(width).size().height())),
            palette.color(QPalette.ColorRole.Base),
        )
        if self._alignment is None or not self._alignment.source_pieces:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRect(0, 0, width, 80), Qt.AlignmentFlag.AlignCenter, "The attention heatmap appears here")
            return
        geometry = self._geometry(width)
        sources, outputs = self._labels()
        matrix = self.matrix()
        aligned_rows, aligned_columns = self._highlighted(matrix)
        text_color = palette.color(QPalette.ColorRole.Text)
        accent = palette.color(QPalette.ColorRole.Highlight)
        for column, text in enumerate(sources):
            self._draw_source_label(
                painter, geometry, column, text, accent if column in aligned_columns else text_color
            )
        for row, text in enumerate(outputs):
            rect = QRect(0, geometry.top + row * geometry.cell, geometry.left - 6, geometry.cell)
            painter.setPen(accent if row in aligned_rows else text_color)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        if matrix.size:  # one image, one cell per pixel, scaled up without smoothing
            cells = QRect(geometry.left, geometry.top, matrix.shape[1] * geometry.cell, matrix.shape[0] * geometry.cell)
            painter.drawImage(cells, to_image(matrix, 0.0, 1.0))
        self._draw_highlight(painter, geometry, aligned_rows, aligned_columns, accent)
        draw_color_scale(painter, geometry.legend_rect(), text_color)

    def _draw_source_label(
        self, painter: QPainter, geometry: HeatmapGeometry, column: int, text: str, color: QColor
    ) -> None:
        painter.save()
        x = geometry.left + column * geometry.cell + geometry.cell // 2
        painter.translate(x, geometry.top - 6)
        painter.rotate(-90)
        painter.setPen(color)
        metrics = QFontMetrics(painter.font())
        painter.drawText(QPoint(0, metrics.ascent() // 2 - 1), text)
        painter.restore()

    def _draw_highlight(self, painter, geometry, rows: set[int], columns: set[int], accent: QColor) -> None:
        if self._hover is None:
            return
        painter.setPen(QPen(accent, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for row in rows:
            for column in columns:
                painter.drawRect(geometry.cell_rect(row, column).adjusted(1, 1, -1, -1))

    def _highlighted(self, matrix: np.ndarray) -> tuple[set[int], set[int]]:
        """Rows and columns to emphasise for the current hover."""
        if self._hover is None or matrix.size == 0:
            return set(), set()
        kind, row, column = self._hover
        if kind == "cell":
            return {row}, {column}
        if kind == "source":
            weights = matrix[:, column]
            return set(np.flatnonzero(weights >= ALIGNED_SHARE * max(weights.max(), 1e-6)).tolist()), {column}
        weights = matrix[row]
        return {row}, set(np.flatnonzero(weights >= ALIGNED_SHARE * max(weights.max(), 1e-6)).tolist())

    # -- interaction ----------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self._geometry().hit(event.position().toPoint()) if self._alignment else None
        if hit != self._hover:
            self._hover = hit
            self.hovered.emit(self.describe(hit))
            self.update()

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()

    def hover_at(self, kind: str, row: int = -1, column: int = -1) -> set[int] | tuple[set[int], set[int]]:
        """Set the hover programmatically (tests, keyboard); returns (rows, columns) highlighted."""
        self._hover = (kind, row, column)
        self.update()
        return self._highlighted(self.matrix())

    def describe(self, hit: tuple[str, int, int] | None) -> str:
        if hit is None or self._alignment is None:
            return ""
        kind, row, column = hit
        sources, outputs = self._labels()
        matrix = self.matrix()
        if kind == "cell":
            return f"“{outputs[row]}” attends to “{sources[column]}”: {100 * matrix[row, column]:.1f}%"
        rows, columns = self._highlighted(matrix)
        if kind == "source":
            return f"“{sources[column]}” is aligned with: " + " ".join(outputs[r] for r in sorted(rows))
        return f"“{outputs[row]}” is aligned with: " + " ".join(sources[c] for c in sorted(columns))

    # -- export -----------------------------------------------------------------------
    def export_size(self) -> QSize:
        return self._geometry(max(self.width(), 400)).size()

    def save_png(self, path: str | Path) -> None:
        size = self.export_size()
        image = QImage(size, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        self.render_into(painter, size.width(), self.palette())
        painter.end()
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")

    def save_svg(self, path: str | Path) -> None:
        size = self.export_size()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle("Attention heatmap")
        painter = QPainter(generator)
        self.render_into(painter, size.width(), self.palette())
        painter.end()
