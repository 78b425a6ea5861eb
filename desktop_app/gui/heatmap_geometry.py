"""Where the heatmap's labels, cells, colour legend and scroll bars go (widget pixels).

Two layouts: `fit_layout` for the widget (cells shrink to fit the space, down to MIN_CELL; past that the
matrix scrolls under fixed label gutters, with the legend fixed beside it) and `whole_layout` for exports
(every row and column, square cells).

    +------+-----------------+---+--------+
    |      | source labels   |   |        |   top: the source-label gutter (labels rotated)
    |needed| needed strip    |   |        |   strip: bars "needed by the translation" (only when scored)
    +------+-----------------+---+ legend |
    | out- | matrix view     | v |        |   left: the output-label gutter
    | put  | (scrolls)       | b |        |   vb/hb: scroll bars, shown only when needed
    +------+-----------------+---+--------+
           | hb              |
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QPoint, QRect, QSize

MIN_CELL = 12  # smallest cell side before the matrix scrolls instead (labels shrink to fit it, no further)
MAX_CELL = 44  # largest cell height (and export side): a short sentence should not become a wall of colour
MAX_CELL_WIDTH = 72  # cells may be wider than tall, so that a long output does not leave the width empty
LEGEND_WIDTH = 64  # right of the matrix: gap, colour bar, percentage labels
LABEL_GAP = 12  # between a gutter's labels and the matrix (plus the edge margin)
MARGIN = 8
BAR_GAP = 2  # between the matrix and a scroll bar
STRIP_GAP = 3  # above and below the needed strip's bars


@dataclass(frozen=True)
class HeatmapGeometry:
    rows: int
    columns: int
    left: int  # x where the matrix starts (width of the output-label gutter)
    top: int  # y where the matrix starts (height of the source-label gutter)
    cell_width: int
    cell_height: int
    view_width: int  # the visible part of the matrix, in pixels
    view_height: int
    scroll_bar: int  # thickness of a scroll bar
    x_offset: int = 0  # how far the matrix is scrolled
    y_offset: int = 0
    strip: int = 0  # height of the "needed" strip at the bottom of the top gutter, under the labels (0: none)

    # -- sizes ----------------------------------------------------------------
    @property
    def cell(self) -> int:
        """The smaller cell side: a point at (left + (c + 0.5) * cell, top + (r + 0.5) * cell) is always inside
        the matrix (callers that assumed square cells keep working)."""
        return min(self.cell_width, self.cell_height)

    @property
    def content_width(self) -> int:
        return self.columns * self.cell_width

    @property
    def content_height(self) -> int:
        return self.rows * self.cell_height

    @property
    def scrolls_horizontally(self) -> bool:
        return self.content_width > self.view_width

    @property
    def scrolls_vertically(self) -> bool:
        return self.content_height > self.view_height

    def view_rect(self) -> QRect:
        """The visible part of the matrix (fixed on screen; the cells move under it)."""
        return QRect(self.left, self.top, self.view_width, self.view_height)

    def legend_rect(self) -> QRect:
        """The colour bar: as tall as the visible matrix (at least 80 px), 100% at the top; never scrolls."""
        x = self.left + self.view_width + (self.scroll_bar + BAR_GAP if self.scrolls_vertically else 0) + 14
        return QRect(x, self.top, 12, max(80, self.view_height))

    @property
    def labels_bottom(self) -> int:
        """y where the source labels end (above the needed strip, if any)."""
        return self.top - self.strip

    def needed_band(self) -> QRect:
        """The visible part of the needed strip (fixed vertically; its bars scroll sideways with the columns)."""
        return QRect(self.left, self.labels_bottom, self.view_width, self.strip)

    def needed_rect(self, column: int) -> QRect:
        """Where a column's needed bar may grow (upwards from the bottom), a gap above the matrix."""
        x = self.left + column * self.cell_width - self.x_offset
        return QRect(x, self.labels_bottom + STRIP_GAP, self.cell_width, self.strip - 2 * STRIP_GAP)

    def vertical_bar_rect(self) -> QRect:
        return QRect(self.left + self.view_width + BAR_GAP, self.top, self.scroll_bar, self.view_height)

    def horizontal_bar_rect(self) -> QRect:
        return QRect(self.left, self.top + self.view_height + BAR_GAP, self.view_width, self.scroll_bar)

    def size(self) -> QSize:
        """The space everything takes (for an export: the image size)."""
        bar_x = self.scroll_bar + BAR_GAP if self.scrolls_vertically else 0
        bar_y = self.scroll_bar + BAR_GAP if self.scrolls_horizontally else 0
        height = max(self.view_height + bar_y, self.legend_rect().height())
        return QSize(self.left + self.view_width + bar_x + LEGEND_WIDTH, self.top + height + MARGIN)

    # -- places -----------------------------------------------------------------
    def cell_rect(self, row: int, column: int) -> QRect:
        return QRect(
            self.left + column * self.cell_width - self.x_offset,
            self.top + row * self.cell_height - self.y_offset,
            self.cell_width,
            self.cell_height,
        )

    def row_rect(self, row: int) -> QRect:
        """A whole row of cells (may reach outside the view)."""
        y = self.top + row * self.cell_height - self.y_offset
        return QRect(self.left - self.x_offset, y, self.content_width, self.cell_height)

    def column_rect(self, column: int) -> QRect:
        x = self.left + column * self.cell_width - self.x_offset
        return QRect(x, self.top - self.y_offset, self.cell_width, self.content_height)

    def output_label_rect(self, row: int) -> QRect:
        return QRect(0, self.top + row * self.cell_height - self.y_offset, self.left - 6, self.cell_height)

    def visible_rows(self) -> range:
        first = self.y_offset // self.cell_height
        return range(first, min(self.rows, (self.y_offset + self.view_height) // self.cell_height + 1))

    def visible_columns(self) -> range:
        first = self.x_offset // self.cell_width
        return range(first, min(self.columns, (self.x_offset + self.view_width) // self.cell_width + 1))

    def hit(self, point: QPoint) -> tuple[str, int, int] | None:
        """('cell', row, col), ('source', -1, col), ('needed', -1, col) or ('output', row, -1) under a point (grid
        indices)."""
        in_x = self.left <= point.x() < self.left + self.view_width
        in_y = self.top <= point.y() < self.top + self.view_height
        column = (point.x() - self.left + self.x_offset) // self.cell_width if in_x else -1
        row = (point.y() - self.top + self.y_offset) // self.cell_height if in_y else -1
        in_columns, in_rows = 0 <= column < self.columns, 0 <= row < self.rows
        if in_columns and in_rows:
            return ("cell", row, column)
        if in_columns and self.labels_bottom <= point.y() < self.top:
            return ("needed", -1, column)
        if in_columns and 0 <= point.y() < self.labels_bottom:
            return ("source", -1, column)
        if in_rows and 0 <= point.x() < self.left:
            return ("output", row, -1)
        return None

    def scrolled(self, x_offset: int, y_offset: int) -> HeatmapGeometry:
        """The same layout scrolled (offsets clamped to what can scroll)."""
        x = max(0, min(x_offset, self.content_width - self.view_width))
        y = max(0, min(y_offset, self.content_height - self.view_height))
        return replace(self, x_offset=x, y_offset=y)


def _clamp(value: float, low: int, high: int) -> int:
    return int(max(low, min(high, value)))


def fit_layout(
    rows: int, columns: int, left: int, top: int, width: int, height: int, scroll_bar: int, strip: int = 0
) -> HeatmapGeometry:
    """Cells sized to fill width x height (MIN_CELL up to MAX_CELL_WIDTH x MAX_CELL); a side that cannot fit scrolls.

    left/top: the label gutters, already measured (and capped) by the caller; top includes the strip's height."""
    rows_, columns_ = max(1, rows), max(1, columns)
    room_x = max(MIN_CELL, width - left - LEGEND_WIDTH)
    room_y = max(MIN_CELL, height - top - MARGIN)
    bar_x = bar_y = 0
    for _ in range(2):  # a scroll bar on one axis takes room from the other; twice settles it
        cell_width = _clamp((room_x - bar_x) / columns_, MIN_CELL, MAX_CELL_WIDTH)
        cell_height = _clamp((room_y - bar_y) / rows_, MIN_CELL, MAX_CELL)
        bar_x = scroll_bar + BAR_GAP if rows_ * cell_height > room_y - bar_y else 0
        bar_y = scroll_bar + BAR_GAP if columns_ * cell_width > room_x - bar_x else 0
    cell_width = _clamp((room_x - bar_x) / columns_, MIN_CELL, MAX_CELL_WIDTH)
    cell_height = _clamp((room_y - bar_y) / rows_, MIN_CELL, MAX_CELL)
    view_width = min(columns_ * cell_width, max(MIN_CELL, room_x - bar_x))
    view_height = min(rows_ * cell_height, max(MIN_CELL, room_y - bar_y))
    return HeatmapGeometry(
        rows, columns, left, top, cell_width, cell_height, view_width, view_height, scroll_bar, strip=strip
    )


def whole_layout(rows: int, columns: int, left: int, top: int, cell: int, strip: int = 0) -> HeatmapGeometry:
    """Every row and column at `cell` x `cell` pixels, nothing scrolled: for exports (top includes the strip)."""
    width, height = max(1, columns) * cell, max(1, rows) * cell
    return HeatmapGeometry(rows, columns, left, top, cell, cell, width, height, 0, strip=strip)
