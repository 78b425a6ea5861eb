"""The heatmap fits its space or scrolls inside itself, with the legend fixed, and exports the whole matrix."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from desktop_app.alignment import Alignment
from desktop_app.gui.heatmap import HeatmapWidget

from .support.heatmaps import shown_heatmap


def alignment(rows: int, columns: int, seed: int = 0) -> Alignment:
    """rows output words x columns source words (one piece each, the last column "</s>")."""
    rng = np.random.default_rng(seed)
    made = Alignment([f"▁source{c}" for c in range(columns - 1)] + ["</s>"])
    for r in range(rows):
        made.append(f"▁output{r}", rng.dirichlet(np.ones(columns)).astype(np.float32))
    return made


@pytest.fixture
def heatmap(qtbot):
    return shown_heatmap(qtbot)


def test_nineteen_rows_fit_a_default_sized_heatmap(heatmap):
    heatmap.set_alignment(alignment(19, 12))
    geometry = heatmap._geometry()
    widget = heatmap.rect()
    assert not geometry.scrolls_vertically and not geometry.scrolls_horizontally
    assert all(widget.contains(geometry.output_label_rect(r)) for r in range(19))  # every row is on screen
    assert widget.contains(geometry.legend_rect())
    assert geometry.view_width > 0.6 * heatmap.width()  # the width is used, not left empty


def _wheel_down(widget: HeatmapWidget, notches: int) -> None:
    center = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        center,
        widget.mapToGlobal(center),
        QPoint(),
        QPoint(0, -120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_a_long_alignment_scrolls_inside_with_legend_and_labels_fixed(qtbot, heatmap):
    heatmap.set_alignment(alignment(80, 40))
    before = heatmap._geometry()
    assert before.scrolls_vertically and before.cell_height >= 10
    assert heatmap.rect().contains(before.legend_rect())
    _wheel_down(heatmap, 100)  # far past the end: stops at the last row
    after = heatmap._geometry()
    assert after.y_offset > 0 and after.legend_rect() == before.legend_rect() and after.top == before.top
    last = after.output_label_rect(79)
    assert heatmap.rect().contains(last)  # the last row's label scrolled into view, beside its cells
    with qtbot.waitSignal(heatmap.hovered, timeout=2000) as hovered:
        qtbot.mouseMove(heatmap, after.cell_rect(79, 0).center())
    assert hovered.args[0].startswith("“output79” attends to “source0”")


def test_streaming_rows_keep_the_newest_row_in_view(qtbot, heatmap):
    streamed = alignment(0, 20)
    heatmap.set_alignment(streamed)
    rows = alignment(60, 20).rows
    for r, row in enumerate(rows):
        streamed.append(f"▁output{r}", row)
        heatmap.rows_added()
    # the batched repaint lays the new rows out and scrolls to the newest
    qtbot.waitUntil(lambda: heatmap.rect().contains(heatmap._geometry().output_label_rect(59)), timeout=2000)
    assert heatmap._geometry().scrolls_vertically


def test_exports_hold_the_whole_matrix(heatmap, tmp_path):
    heatmap.set_alignment(alignment(80, 40))
    heatmap.save_png(tmp_path / "big.png")
    heatmap.save_svg(tmp_path / "big.svg")
    image = QImage(str(tmp_path / "big.png"))
    whole = heatmap._whole()
    assert image.width() >= whole.left + 40 * whole.cell_width and image.height() >= whole.top + 80 * whole.cell_height
    assert whole.cell_height >= 20 and image.height() > heatmap.height() * 4  # far more than the screen shows
    last = whole.cell_rect(79, 39).center()
    assert QImage(str(tmp_path / "big.png")).pixelColor(last) != image.pixelColor(0, 0)  # a cell, not background
    assert (tmp_path / "big.svg").stat().st_size > 1000
