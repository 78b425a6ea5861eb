"""Painting the heatmap: cells, labels, hover, marks (attention warnings), the selected row, the legend and the
"needed by the translation" strip.

Pure drawing from a HeatmapGrid (what) and a HeatmapGeometry (where); the widget and the exports share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen

from .colormap import MARK_COLOR, MARK_TINT, color_scale_image, to_image
from .heatmap_geometry import HeatmapGeometry
from .heatmap_grid import HeatmapGrid
from .heatmap_needed import NeededBars

PLACEHOLDER = "The attention heatmap appears here"
HOVER_OUTLINE = QColor(255, 255, 255)
LABEL_END = 6  # pixels between a source label's end and the matrix (or the needed strip)
NEEDED_TITLES = ("needed by the translation", "needed")  # the strip's title in the corner: the longest that fits


@dataclass(frozen=True)
class Emphasis:
    """What stands out, in grid rows and columns."""

    hovered_rows: set[int] = field(default_factory=set)
    hovered_columns: set[int] = field(default_factory=set)
    marked_rows: set[int] = field(default_factory=set)  # attention warnings: repeated or hallucinated output
    marked_columns: set[int] = field(default_factory=set)  # attention warnings: untranslated source
    selected_row: int | None = None


class LabelFonts(NamedTuple):
    rows: QFont  # output labels: lines fit the cell height
    columns: QFont  # source labels (rotated): lines fit the cell width


def paint_placeholder(painter: QPainter, rect: QRect, palette: QPalette) -> None:
    painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
    painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
    painter.drawText(QRect(rect.x(), rect.y(), rect.width(), 80), Qt.AlignmentFlag.AlignCenter, PLACEHOLDER)


def paint_heatmap(
    painter: QPainter,
    grid: HeatmapGrid,
    geometry: HeatmapGeometry,
    emphasis: Emphasis,
    palette: QPalette,
    fonts: LabelFonts,
    needed: NeededBars | None = None,
) -> None:
    """Everything but the background; labels elided to their gutters. needed: the strip's bars (geometry.strip > 0)."""
    view = geometry.view_rect()
    painter.save()
    painter.setClipRect(view)
    _paint_cells(painter, grid, geometry)
    _paint_outlines(painter, geometry, emphasis, palette)
    painter.restore()
    painter.save()
    painter.setFont(fonts.rows)
    _paint_output_labels(painter, grid, geometry, emphasis, palette)
    painter.setFont(fonts.columns)
    _paint_source_labels(painter, grid, geometry, emphasis, palette)
    if needed is not None and geometry.strip > 0:
        painter.setFont(fonts.rows)  # the strip's title sits in the output labels' gutter
        _paint_needed(painter, geometry, needed, palette)
    painter.restore()
    draw_color_scale(painter, geometry.legend_rect(), palette.color(QPalette.ColorRole.Text))


def _paint_cells(painter: QPainter, grid: HeatmapGrid, geometry: HeatmapGeometry) -> None:
    """Only the visible cells, as one image scaled up without smoothing (one Qt call, not one per cell)."""
    rows, columns = geometry.visible_rows(), geometry.visible_columns()
    if grid.matrix.size == 0 or not rows or not columns:
        return
    visible = grid.matrix[rows.start : rows.stop, columns.start : columns.stop]
    corner = geometry.cell_rect(rows.start, columns.start)
    target = QRect(corner.x(), corner.y(), len(columns) * geometry.cell_width, len(rows) * geometry.cell_height)
    painter.drawImage(target, to_image(visible, 0.0, 1.0))


def _paint_outlines(painter: QPainter, geometry: HeatmapGeometry, emphasis: Emphasis, palette: QPalette) -> None:
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(MARK_COLOR, 2, Qt.PenStyle.DashLine))
    for column in emphasis.marked_columns:
        painter.drawRect(geometry.column_rect(column).adjusted(1, 1, -1, -1))
    for row in emphasis.marked_rows:
        painter.drawRect(geometry.row_rect(row).adjusted(1, 1, -1, -1))
    accent = palette.color(QPalette.ColorRole.Highlight)
    if emphasis.selected_row is not None:
        painter.setPen(QPen(accent, 3))
        painter.drawRect(geometry.row_rect(emphasis.selected_row).adjusted(1, 1, -2, -2))
    painter.setPen(QPen(HOVER_OUTLINE, 2))  # the accent colour vanished on the scale's dark blue end
    for row in emphasis.hovered_rows:
        for column in emphasis.hovered_columns:
            painter.drawRect(geometry.cell_rect(row, column).adjusted(1, 1, -1, -1))


def _label_color(palette: QPalette, hovered: bool, marked: bool) -> QColor:
    if hovered:
        return palette.color(QPalette.ColorRole.Highlight)
    if marked:
        return MARK_COLOR
    return palette.color(QPalette.ColorRole.Text)


def _paint_output_labels(
    painter: QPainter, grid: HeatmapGrid, geometry: HeatmapGeometry, emphasis: Emphasis, palette: QPalette
) -> None:
    painter.setClipRect(QRect(0, geometry.top, geometry.left, geometry.view_height))
    metrics = QFontMetrics(painter.font())
    align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    for row in geometry.visible_rows():
        rect = geometry.output_label_rect(row)
        text = metrics.elidedText(grid.row_labels[row], Qt.TextElideMode.ElideRight, rect.width())
        marked = row in emphasis.marked_rows
        color = _label_color(palette, row in emphasis.hovered_rows, marked)
        if row == emphasis.selected_row:
            painter.fillRect(rect.adjusted(0, 0, 4, 0), palette.color(QPalette.ColorRole.Highlight))
            color = palette.color(QPalette.ColorRole.HighlightedText)
        painter.setPen(color)
        painter.drawText(rect, align, text)
        if marked:  # a warning underline, so the mark is not told by colour alone
            width = metrics.horizontalAdvance(text)
            y = min(rect.bottom(), rect.center().y() + metrics.ascent() // 2 + 2)
            painter.setPen(QPen(MARK_COLOR, 2))
            painter.drawLine(rect.right() - width, y, rect.right(), y)


def _paint_source_labels(
    painter: QPainter, grid: HeatmapGrid, geometry: HeatmapGeometry, emphasis: Emphasis, palette: QPalette
) -> None:
    painter.setClipRect(QRect(geometry.left, 0, geometry.view_width, geometry.labels_bottom))
    metrics = QFontMetrics(painter.font())
    room = geometry.labels_bottom - LABEL_END
    for column in geometry.visible_columns():
        text = metrics.elidedText(grid.column_labels[column], Qt.TextElideMode.ElideRight, room)
        marked = column in emphasis.marked_columns
        cell = geometry.cell_rect(0, column)
        painter.save()
        painter.translate(cell.center().x(), geometry.labels_bottom - LABEL_END)
        painter.rotate(-90)  # reads bottom to top, ending just above its column
        baseline = metrics.ascent() // 2 - 1
        painter.setPen(_label_color(palette, column in emphasis.hovered_columns, marked))
        painter.drawText(QPoint(0, baseline), text)
        if marked:
            painter.setPen(QPen(MARK_COLOR, 2))
            painter.drawLine(0, baseline + 3, metrics.horizontalAdvance(text), baseline + 3)
        painter.restore()


def _paint_needed(painter: QPainter, geometry: HeatmapGeometry, needed: NeededBars, palette: QPalette) -> None:
    """A bar per column growing up from a baseline; words the translation hardly needs in the warning colour on a
    faint tint (their bar at least a sliver, so that "not needed" is seen rather than a gap)."""
    band = geometry.needed_band()
    painter.setClipRect(band)
    ink = QColor(palette.color(QPalette.ColorRole.Text))
    ink.setAlpha(150)  # lighter than the labels: the bars are a second reading, not the heatmap's colour scale
    for column in geometry.visible_columns():
        slot = geometry.needed_rect(column)
        inset = max(1, slot.width() // 5)
        slot = slot.adjusted(inset, 0, -inset, 0)
        little = bool(needed.little[column])
        length = round(float(needed.lengths[column]) * slot.height())
        if little:
            painter.fillRect(slot, MARK_TINT)
            length = max(length, 2)
        bar = QRect(slot.left(), slot.bottom() + 1 - length, slot.width(), length)
        painter.fillRect(bar, MARK_COLOR if little else ink)
    painter.setPen(QPen(ink, 1))
    baseline = geometry.needed_rect(0).bottom() + 1
    painter.drawLine(band.left(), baseline, band.right(), baseline)
    title = QRect(0, band.top(), geometry.left - LABEL_END, band.height())
    painter.setClipRect(title)
    metrics = QFontMetrics(painter.font())
    text = next((t for t in NEEDED_TITLES if metrics.horizontalAdvance(t) <= title.width()), "")
    painter.setPen(palette.color(QPalette.ColorRole.Text))
    painter.drawText(title, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)


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
