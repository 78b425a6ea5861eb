"""The attention heatmap: output words (rows) x source words (columns), or word pieces on request.

Paints from an `Alignment` that the worker's signals append to; a timer batches repaints so tokens
arriving faster than the screen refreshes cost one paint. The matrix fits the widget when it can and
otherwise scrolls inside it, under label gutters and beside a colour legend that stay put; exports
always hold the whole matrix. Hovering a word or a cell highlights the aligned words on both sides;
clicking an output word selects it. Attention warnings can be marked on the labels and cells. Under the source
labels, a strip can show how much the translation needs each source word (set_column_scores; heatmap_needed.py).

Every index in this API is a PIECE index of the Alignment (rows: output pieces, columns: source
pieces), whichever level is shown; a word is named by its first piece.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontInfo, QFontMetrics, QImage, QMouseEvent, QPainter, QPalette, QWheelEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QScrollBar, QSizePolicy, QStyle, QWidget

from desktop_app.alignment import AVERAGE_LAST_LAYER, Alignment

from .heatmap_geometry import LABEL_GAP, HeatmapGeometry, fit_layout, whole_layout
from .heatmap_grid import HeatmapGrid, heatmap_grid, label_text
from .heatmap_needed import NeededBars, NeededScores
from .heatmap_paint import NEEDED_TITLES, Emphasis, LabelFonts, paint_heatmap, paint_placeholder

__all__ = ["HeatmapWidget", "label_text"]

SMALLEST_LABEL_PX = 9  # labels shrink with the cells down to this font size, then stop
WHEEL_ROWS = 3  # rows (or columns) scrolled per wheel notch
Hit = tuple[str, int, int]  # ('cell', row, column), ('source' or 'needed', -1, column) or ('output', row, -1)
COLUMN_HITS = ("source", "needed")  # a source label or its bar in the needed strip: a whole column


class HeatmapWidget(QWidget):
    hovered = Signal(str)  # a one-line description of what is under the mouse; "" when nothing is
    rowClicked = Signal(int)  # an output label or cell was clicked: its output PIECE (a word's first piece)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._alignment: Alignment | None = None
        self._view = AVERAGE_LAST_LAYER
        self._word_level = True
        self._grid_key: tuple | None = None
        self._grid: HeatmapGrid | None = None
        self._grid_source: Alignment | None = None  # the alignment self._grid was made from
        self._label_widths: tuple[HeatmapGrid, str, int, int] | None = None  # grid, font, widest row/column label
        self._hover: Hit | None = None  # grid indices
        self._marked_sources: frozenset[int] = frozenset()  # piece indices
        self._marked_outputs: frozenset[int] = frozenset()
        self._selected_row: int | None = None  # piece index
        self._needed: NeededScores | None = None  # how much the translation needs each source piece's word
        self._horizontal = QScrollBar(Qt.Orientation.Horizontal, self, visible=False)
        self._vertical = QScrollBar(Qt.Orientation.Vertical, self, visible=False)
        self._horizontal.valueChanged.connect(self.update)
        self._vertical.valueChanged.connect(self.update)
        self._repaint = QTimer(self, singleShot=True, interval=33)
        self._repaint.timeout.connect(lambda: self._refresh(follow_new_rows=True))
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- data -----------------------------------------------------------------
    def set_alignment(self, alignment: Alignment | None) -> None:
        """Show another alignment (or none): hover, marks and selection belonged to the old one."""
        self._alignment = alignment
        self._marked_sources = self._marked_outputs = frozenset()
        self._needed = None
        self._selected_row = None
        self._drop_hover()
        self._horizontal.setValue(0)
        self._vertical.setValue(0)
        self._refresh()

    def alignment(self) -> Alignment | None:
        return self._alignment

    def set_view(self, view: str) -> None:
        self._view = view
        self._refresh()

    def view(self) -> str:
        return self._view

    def set_word_level(self, on: bool) -> None:
        """Whole words on the axes (pieces joined; a source word's attention summed), or word pieces."""
        if on == self._word_level:
            return
        self._word_level = on
        self._drop_hover()  # rows and columns are renumbered
        self._refresh()

    def word_level(self) -> bool:
        return self._word_level

    def rows_added(self) -> None:
        """Call after appending to the alignment; repaints at most ~30 times a second."""
        if not self._repaint.isActive():
            self._repaint.start()

    def set_marks(self, source_pieces: Iterable[int], output_rows: Iterable[int]) -> None:
        """Mark attention warnings: source pieces (columns) and output pieces (rows); in word mode their words.
        set_marks((), ()) clears them; so does set_alignment. Marks stay while rows stream in."""
        self._marked_sources, self._marked_outputs = frozenset(source_pieces), frozenset(output_rows)
        self.update()

    def marks(self) -> tuple[frozenset[int], frozenset[int]]:
        return self._marked_sources, self._marked_outputs

    def set_column_scores(self, scores: Sequence[float] | None) -> None:
        """Show how much the translation needs each source word, in a strip under the source labels: scores has one
        value per source PIECE of the current alignment (its word's omission.dependence, in nats; nan: not
        measured). None removes the strip (it takes no space then); so does set_alignment."""
        if scores is not None and self._alignment is None:
            raise ValueError("column scores need an alignment to belong to")
        needed = None if scores is None else NeededScores(scores, self._alignment.source_pieces)
        if (needed is None) != (self._needed is None):
            self._drop_hover()  # the matrix moves down or up under the mouse
        self._needed = needed
        self._refresh()

    def column_scores(self) -> np.ndarray | None:
        """(source pieces,) nats, as set; None when no strip is shown."""
        return None if self._needed is None else self._needed.scores

    def set_selected_row(self, row: int | None) -> None:
        """Highlight the output piece (its word in word mode) that another view has selected; None clears."""
        self._selected_row = row
        grid = self.grid()
        shown = None if row is None or grid is None else grid.row_of_piece(row)
        if shown is not None:  # scroll it into view
            geometry = self._geometry()
            top, bottom = shown * geometry.cell_height, (shown + 1) * geometry.cell_height
            if top < self._vertical.value():
                self._vertical.setValue(top)
            elif bottom > self._vertical.value() + geometry.view_height:
                self._vertical.setValue(bottom - geometry.view_height)
        self.update()

    def selected_row(self) -> int | None:
        return self._selected_row

    def clear_hover(self) -> None:
        """Forget what the mouse was over (the text it described has changed) and say so: hovered("")."""
        self._hover = None
        self.update()
        self.hovered.emit("")

    def matrix(self) -> np.ndarray:
        """(output pieces, source pieces) of the current view, whichever level is shown."""
        if self._alignment is None:
            return np.zeros((0, 0), np.float32)
        return self._alignment.matrix(self._view)

    def grid(self) -> HeatmapGrid | None:
        """What is shown: word or piece labels and their matrix (None without an alignment)."""
        if self._alignment is None:
            return None
        key = (id(self._alignment), len(self._alignment.rows), self._view, self._word_level)
        if key != self._grid_key or self._grid_source is not self._alignment:
            self._grid = heatmap_grid(self._alignment, self._view, self._word_level)
            self._grid_key, self._grid_source = key, self._alignment
        return self._grid

    def _drop_hover(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.hovered.emit("")  # what was described is gone

    def _refresh(self, follow_new_rows: bool = False) -> None:
        """Lay the matrix out again (scroll ranges included) and repaint. While rows stream in and the view is
        at its last row, it stays there, so the newest rows are seen."""
        at_end = self._vertical.value() >= self._vertical.maximum()
        self._sync_scroll_bars()
        if follow_new_rows and at_end:
            self._vertical.setValue(self._vertical.maximum())
        self.update()

    # -- layout -------------------------------------------------------------------
    def _widest_labels(self, grid: HeatmapGrid) -> tuple[int, int]:
        """The widest output and source label in the widget's font (measured once per grid and font); with the
        needed strip, the output gutter also fits the strip's short title."""
        font = self.font().key()
        if self._label_widths is None or self._label_widths[0] is not grid or self._label_widths[1] != font:
            metrics = QFontMetrics(self.font())
            rows = max([metrics.horizontalAdvance(t) for t in grid.row_labels] + [30])
            columns = max([metrics.horizontalAdvance(t) for t in grid.column_labels] + [30])
            self._label_widths = (grid, font, rows, columns)
        rows, columns = self._label_widths[2], self._label_widths[3]
        if self._needed is not None:
            rows = max(rows, QFontMetrics(self.font()).horizontalAdvance(NEEDED_TITLES[-1]))
        return rows, columns

    def _strip_height(self) -> int:
        """The needed strip's height: 0 without scores; else a line of the widget's font and some room."""
        if self._needed is None or self._alignment is None:
            return 0
        return max(28, QFontMetrics(self.font()).height() + 10)

    def _fit(self) -> tuple[HeatmapGeometry, LabelFonts]:
        """The layout for the widget's size, unscrolled, and label fonts that fit its rows and columns."""
        grid = self.grid()
        rows, columns = (grid.rows, grid.columns) if grid else (0, 0)
        widest_row, widest_column = self._widest_labels(grid) if grid else (30, 30)
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width, height, strip = self.width(), self.height(), self._strip_height()

        def layout(fonts: LabelFonts) -> HeatmapGeometry:  # gutters capped so a long word cannot crowd the cells
            left = min(round(widest_row * self._scale(fonts.rows)) + LABEL_GAP, max(80, width * 3 // 10))
            top = min(round(widest_column * self._scale(fonts.columns)) + LABEL_GAP, max(50, height * 35 // 100))
            return fit_layout(rows, columns, left, top + strip, width, height, bar, strip)

        geometry = layout(LabelFonts(self.font(), self.font()))
        fonts = LabelFonts(self._label_font(geometry.cell_height), self._label_font(geometry.cell_width))
        if fonts.rows == self.font() and fonts.columns == self.font():
            return geometry, fonts
        return layout(fonts), fonts  # smaller labels, narrower gutters: the cells only grow

    def _label_font(self, cell_side: int) -> QFont:
        """The widget's font, or a smaller one whose lines fit cells of `cell_side` pixels."""
        base = self.font()
        line = QFontMetrics(base).height()
        if line <= cell_side:
            return base
        smaller = QFont(base)
        smaller.setPixelSize(max(SMALLEST_LABEL_PX, QFontInfo(base).pixelSize() * cell_side // line))
        return smaller

    def _scale(self, font: QFont) -> float:
        """How much narrower labels are in `font` than in the widget's font (widths are measured once)."""
        return QFontInfo(font).pixelSize() / QFontInfo(self.font()).pixelSize()

    def _geometry(self) -> HeatmapGeometry:
        """Where everything is on screen now (scrolled)."""
        return self._fit()[0].scrolled(self._horizontal.value(), self._vertical.value())

    def _sync_scroll_bars(self) -> None:
        geometry = self._fit()[0]
        for bar, content, view, step, rect, needed in (
            (
                self._horizontal,
                geometry.content_width,
                geometry.view_width,
                geometry.cell_width,
                geometry.horizontal_bar_rect(),
                geometry.scrolls_horizontally,
            ),
            (
                self._vertical,
                geometry.content_height,
                geometry.view_height,
                geometry.cell_height,
                geometry.vertical_bar_rect(),
                geometry.scrolls_vertically,
            ),
        ):
            bar.setRange(0, max(0, content - view))
            bar.setPageStep(max(1, view))
            bar.setSingleStep(step)
            bar.setGeometry(rect)
            bar.setVisible(needed and self._alignment is not None)

    def resizeEvent(self, event) -> None:
        self._sync_scroll_bars()
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._sync_scroll_bars()
        super().changeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(600, 300)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 120)

    # -- painting -----------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        grid = self.grid()
        if grid is None or not grid.column_labels:
            paint_placeholder(painter, self.rect(), self.palette())
        else:
            painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
            geometry, fonts = self._fit()
            geometry = geometry.scrolled(self._horizontal.value(), self._vertical.value())
            paint_heatmap(painter, grid, geometry, self._emphasis(grid), self.palette(), fonts, self._bars(grid))
        painter.end()

    def _bars(self, grid: HeatmapGrid) -> NeededBars | None:
        return None if self._needed is None else self._needed.bars(grid)

    def _emphasis(self, grid: HeatmapGrid) -> Emphasis:
        hovered_rows, hovered_columns = set(), set()
        if self._hover is not None and self._hover_is_valid(grid, self._hover):
            hovered_rows, hovered_columns = grid.aligned(*self._column_as_source(self._hover))
        return Emphasis(
            hovered_rows,
            hovered_columns,
            grid.rows_of_pieces(self._marked_outputs),
            grid.columns_of_pieces(self._marked_sources),
            None if self._selected_row is None else grid.row_of_piece(self._selected_row),
        )

    def _hover_is_valid(self, grid: HeatmapGrid, hit: Hit) -> bool:
        kind, row, column = hit
        if kind == "needed" and self._needed is None:
            return False
        return (kind in COLUMN_HITS or 0 <= row < grid.rows) and (kind == "output" or 0 <= column < grid.columns)

    @staticmethod
    def _column_as_source(hit: Hit) -> Hit:
        """A needed bar stands for its column: the same words are highlighted as for its source label."""
        return ("source", hit[1], hit[2]) if hit[0] == "needed" else hit

    # -- interaction ----------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self._geometry().hit(event.position().toPoint()) if self.grid() else None
        if hit != self._hover:
            self._hover = hit
            self.hovered.emit(self._describe(hit))
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        grid = self.grid()
        hit = self._geometry().hit(event.position().toPoint()) if grid else None
        if event.button() != Qt.MouseButton.LeftButton or hit is None or hit[0] in COLUMN_HITS:
            super().mousePressEvent(event)
            return
        piece = grid.row_spans[hit[1]].start
        self.set_selected_row(piece)
        self.rowClicked.emit(piece)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        vertical = delta.y() if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0
        horizontal = delta.x() or (delta.y() if not vertical else 0)
        moved = False
        for bar, amount in ((self._vertical, vertical), (self._horizontal, horizontal)):
            if amount and bar.isVisible():
                before = bar.value()
                bar.setValue(before - amount * WHEEL_ROWS * bar.singleStep() // 120)
                moved = moved or bar.value() != before
        if moved:
            event.accept()
        else:
            event.ignore()  # nothing to scroll here: let a parent scroll

    def leaveEvent(self, event) -> None:
        self._drop_hover()
        self.update()
        super().leaveEvent(event)

    def hover_at(self, kind: str, row: int = -1, column: int = -1) -> tuple[set[int], set[int]]:
        """Set the hover programmatically (tests, keyboard) at an output piece `row` and/or source piece `column`;
        returns the (rows, columns) highlighted, as piece indices (each word by its first piece)."""
        grid = self.grid()
        hit = self._to_grid(grid, (kind, row, column)) if grid else None
        self._hover = hit
        self.update()
        if hit is None:
            return set(), set()
        rows, columns = grid.aligned(*self._column_as_source(hit))
        return {grid.row_spans[r].start for r in rows}, {grid.column_spans[c].start for c in columns}

    @staticmethod
    def _to_grid(grid: HeatmapGrid, hit: Hit) -> Hit | None:
        kind, row, column = hit
        shown_row = grid.row_of_piece(row) if row >= 0 else -1
        shown_column = grid.column_of_piece(column) if column >= 0 else -1
        if shown_row is None or shown_column is None:
            return None
        return kind, shown_row, shown_column

    def describe(self, hit: Hit | None) -> str:
        """The hover line for a hit given in piece indices."""
        grid = self.grid()
        return self._describe(self._to_grid(grid, hit) if grid and hit else None)

    def _describe(self, hit: Hit | None) -> str:
        grid = self.grid()
        if hit is None or grid is None or not self._hover_is_valid(grid, hit):
            return ""
        kind, row, column = hit
        outputs, sources = grid.row_labels, grid.column_labels
        if kind == "cell":
            return f"“{outputs[row]}” attends to “{sources[column]}”: {100 * grid.matrix[row, column]:.1f}%"
        if kind == "needed":
            return self._needed.describe(grid, column)
        rows, columns = grid.aligned(*hit)
        if kind == "source":
            return f"“{sources[column]}” is aligned with: " + " ".join(outputs[r] for r in sorted(rows))
        return f"“{outputs[row]}” is aligned with: " + " ".join(sources[c] for c in sorted(columns))

    # -- export -----------------------------------------------------------------------
    def _whole(self) -> HeatmapGeometry | None:
        """Every row and column, square cells tall enough for unshrunk labels, labels never cut."""
        grid = self.grid()
        if grid is None or not grid.column_labels:
            return None
        widest_row, widest_column = self._widest_labels(grid)
        cell = max(20, QFontMetrics(self.font()).height() + 4)
        strip = self._strip_height()
        return whole_layout(
            grid.rows, grid.columns, widest_row + LABEL_GAP, widest_column + LABEL_GAP + strip, cell, strip
        )

    def export_size(self) -> QSize:
        whole = self._whole()
        return whole.size() if whole else QSize(400, 120)

    def render_whole(self, painter: QPainter, size: QSize) -> None:
        """Paint the whole matrix (as the exports do) at the painter's origin, in `size` (export_size())."""
        whole = self._whole()
        if whole is None:
            paint_placeholder(painter, QRect(0, 0, size.width(), size.height()), self.palette())
            return
        grid = self.grid()
        shown = self._emphasis(grid)
        marks_only = Emphasis(marked_rows=shown.marked_rows, marked_columns=shown.marked_columns)  # no mouse state
        painter.fillRect(QRect(0, 0, size.width(), size.height()), self.palette().color(QPalette.ColorRole.Base))
        fonts = LabelFonts(self.font(), self.font())
        paint_heatmap(painter, grid, whole, marks_only, self.palette(), fonts, self._bars(grid))

    def save_png(self, path: str | Path) -> None:
        size = self.export_size()
        image = QImage(size, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        self.render_whole(painter, size)
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
        self.render_whole(painter, size)
        painter.end()
