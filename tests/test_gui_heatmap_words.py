"""The heatmap at word level: pieces joined on both axes, clicks, marks (attention warnings) and the hover line."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from desktop_app.alignment import Alignment
from desktop_app.gui.colormap import MARK_COLOR
from desktop_app.gui.heatmap import HeatmapWidget

from .support.heatmaps import peaked_alignment, shown_heatmap

SOURCE = "▁The ▁river ▁flood ed ▁the ▁village ▁last ▁cent ury ▁. </s>".split()
OUTPUT = "▁Der ▁Fluss ▁über flut ete ▁das ▁Dorf ▁im ▁letzten ▁Jahr hundert ▁. </s>".split()
ALIGNED = [[0], [1], [2], [2, 3], [3], [4], [5], [6], [6], [7, 8], [7, 8], [9], [10]]  # output piece -> sources
CENTURY, JAHR = 7, 9  # the first pieces of "century" and "Jahrhundert"


def sentence(rows: int = len(OUTPUT), seed: int = 0) -> Alignment:
    """ "The river flooded the village last century." and its German, a peaked attention row per output piece."""
    return peaked_alignment(SOURCE, OUTPUT, ALIGNED, rows, seed)


@pytest.fixture
def heatmap(qtbot):
    return shown_heatmap(qtbot)


def marked_pixels(widget: HeatmapWidget) -> np.ndarray:
    """(height, width) True where the widget shows the warning colour."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    rgb = pixels[:, : image.width(), 2::-1].astype(int)  # stored as blue, green, red, alpha
    wanted = np.array([MARK_COLOR.red(), MARK_COLOR.green(), MARK_COLOR.blue()])
    return (abs(rgb - wanted) < 30).all(axis=-1)


def test_words_are_shown_whole_with_their_pieces_attention_summed(heatmap):
    alignment = sentence()
    heatmap.set_alignment(alignment)
    grid = heatmap.grid()
    assert "century" in grid.column_labels and "cent" not in grid.column_labels
    assert "Jahrhundert" in grid.row_labels and "überflutete" in grid.row_labels
    pieces = alignment.matrix()
    century, jahrhundert = grid.column_labels.index("century"), grid.row_labels.index("Jahrhundert")
    # a source word receives its pieces' attention summed; an output word is the mean of its pieces' rows
    expected = pieces[JAHR : JAHR + 2, CENTURY : CENTURY + 2].sum(axis=1).mean()
    assert grid.matrix[jahrhundert, century] == pytest.approx(expected, abs=1e-5)
    assert np.allclose(grid.matrix.sum(axis=1), 1.0, atol=1e-4)
    assert "“Jahrhundert” attends to “century”" in heatmap.describe(("cell", JAHR + 1, CENTURY + 1))
    assert heatmap.matrix().shape == (len(OUTPUT), len(SOURCE))  # the piece matrix (exports) is unchanged


def test_pieces_are_shown_on_request(heatmap):
    heatmap.set_alignment(sentence())
    heatmap.set_word_level(False)
    grid = heatmap.grid()
    assert grid.column_labels[CENTURY : CENTURY + 2] == ["cent", "ury"]
    assert grid.matrix.shape == (len(OUTPUT), len(SOURCE))
    heatmap.set_word_level(True)
    assert "century" in heatmap.grid().column_labels


def test_words_grow_while_their_pieces_stream_in(qtbot, heatmap):
    alignment = sentence(rows=JAHR + 1)  # "... letzten Jahr" so far
    heatmap.set_alignment(alignment)
    assert heatmap.grid().row_labels[-1] == "Jahr"
    streamed = sentence()
    alignment.append(OUTPUT[JAHR + 1], streamed.rows[JAHR + 1])
    heatmap.rows_added()
    qtbot.waitUntil(lambda: not heatmap._repaint.isActive())  # the batched repaint happened
    assert heatmap.grid().row_labels[-1] == "Jahrhundert"


def _cell_center(heatmap: HeatmapWidget, row_label: str, column: int = 0) -> QPoint:
    row = heatmap.grid().row_labels.index(row_label)
    return heatmap._geometry().cell_rect(row, column).center()


def test_clicking_an_output_word_gives_its_first_piece(qtbot, heatmap):
    heatmap.set_alignment(sentence())
    with qtbot.waitSignal(heatmap.rowClicked, timeout=2000) as clicked:
        qtbot.mouseClick(heatmap, Qt.MouseButton.LeftButton, pos=_cell_center(heatmap, "Jahrhundert", 3))
    assert clicked.args == [JAHR] and heatmap.selected_row() == JAHR
    label = heatmap._geometry().output_label_rect(heatmap.grid().row_labels.index("überflutete")).center()
    with qtbot.waitSignal(heatmap.rowClicked, timeout=2000) as clicked:
        qtbot.mouseClick(heatmap, Qt.MouseButton.LeftButton, pos=label)
    assert clicked.args == [2]
    heatmap.set_word_level(False)
    with qtbot.waitSignal(heatmap.rowClicked, timeout=2000) as clicked:
        qtbot.mouseClick(heatmap, Qt.MouseButton.LeftButton, pos=_cell_center(heatmap, "hundert"))
    assert clicked.args == [JAHR + 1]


def test_marks_show_on_words_survive_streaming_and_clear_with_a_new_alignment(qtbot, heatmap):
    alignment = sentence(rows=8)
    heatmap.set_alignment(alignment)
    assert not marked_pixels(heatmap).any()
    heatmap.set_marks([CENTURY + 1], [3])  # the piece "ury" untranslated, the piece "flut" repeated
    grid, geometry = heatmap.grid(), heatmap._geometry()
    century = geometry.cell_rect(0, grid.column_labels.index("century"))
    marked = marked_pixels(heatmap)
    assert marked[geometry.top :, century.left() : century.right()].any()  # the column "century" is outlined
    row = geometry.output_label_rect(grid.row_labels.index("überflutete"))
    assert marked[row.top() : row.bottom() + 1, : geometry.left].any()  # the label "überflutete" is marked

    for piece, row_weights in zip(OUTPUT[8:], sentence().rows[8:], strict=True):
        alignment.append(piece, row_weights)
    heatmap.rows_added()
    qtbot.waitUntil(lambda: not heatmap._repaint.isActive())
    assert heatmap.marks() == ({CENTURY + 1}, {3})
    assert marked_pixels(heatmap)[geometry.top :, century.left() : century.right()].any()

    heatmap.set_alignment(sentence(seed=1))
    assert heatmap.marks() == (set(), set()) and not marked_pixels(heatmap).any()


def test_clear_hover_drops_the_hover_line(qtbot, heatmap):
    heatmap.set_alignment(sentence())
    with qtbot.waitSignal(heatmap.hovered, timeout=2000, check_params_cb=lambda text: "Fluss" in text):
        qtbot.mouseMove(heatmap, _cell_center(heatmap, "Fluss", 1))
    with qtbot.waitSignal(heatmap.hovered, timeout=2000) as cleared:
        heatmap.clear_hover()
    assert cleared.args == [""]
    with qtbot.waitSignal(heatmap.hovered, timeout=2000) as cleared:
        heatmap.clear_hover()  # said again even when nothing was hovered: the line may hold older text
    assert cleared.args == [""]


def test_stale_indices_and_empty_alignments_are_harmless(heatmap, tmp_path):
    heatmap.set_alignment(sentence(rows=3))
    heatmap.set_marks([99], [99])  # pieces of a longer, older sentence
    heatmap.set_selected_row(99)
    assert heatmap.hover_at("output", row=99) == (set(), set()) and heatmap.describe(("cell", 99, 0)) == ""
    heatmap.repaint()
    assert not marked_pixels(heatmap).any()
    heatmap.set_alignment(Alignment(list(SOURCE)))  # a sentence whose first word has not arrived
    heatmap.save_png(tmp_path / "empty.png")
    heatmap.set_alignment(None)
    heatmap.save_png(tmp_path / "none.png")
    assert (tmp_path / "empty.png").stat().st_size > 0 and (tmp_path / "none.png").stat().st_size > 0
