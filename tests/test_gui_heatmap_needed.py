"""The heatmap's "needed by the translation" strip: a bar per source column for how much the translation depends on
the word (omission.dependence, nats), words it hardly needs in the warning colour, the value on hover, in exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage

from desktop_app.alignment import Alignment
from desktop_app.gui.colormap import MARK_COLOR
from desktop_app.gui.heatmap import HeatmapWidget

from .support.heatmaps import peaked_alignment, shown_heatmap

SOURCE = "▁The ▁river ▁flood ed ▁the ▁village ▁last ▁cent ury ▁. </s>".split()
OUTPUT = "▁Der ▁Fluss ▁über flut ete ▁das ▁Dorf ▁. </s>".split()  # "last century" left out
ALIGNED = [[0], [1], [2], [2, 3], [3], [4], [5], [9], [10]]  # output piece -> source pieces
# per source PIECE, each piece its word's value: "last century" costs the translation little, "</s>" is unmeasured
WORDS = {"The": -1.5, "river": -10.9, "flooded": -8.0, "the": -1.0, "village": -12.7, "last": 0.28, "century": -0.7}
SCORES = [-1.5, -10.9, -8.0, -8.0, -1.0, -12.7, 0.28, -0.7, -0.7, -0.5, np.nan]
RIVER, CENTURY, URY, STOP = 1, 7, 8, 9  # source pieces
MODELS = Path(__file__).resolve().parent.parent / "models"
GRANDMOTHER = "My grandmother told me that the old house near the river was built last century."


def sentence(rows: int = len(OUTPUT), seed: int = 0) -> Alignment:
    return peaked_alignment(SOURCE, OUTPUT, ALIGNED, rows, seed)


@pytest.fixture
def heatmap(qtbot):
    return shown_heatmap(qtbot)


def bar_slot(heatmap: HeatmapWidget, piece: int, geometry=None) -> QRect:
    """Where the bar of the column showing source `piece` is (in word mode, its word's column)."""
    return (geometry or heatmap._geometry()).needed_rect(heatmap.grid().column_of_piece(piece))


def warning_coloured(widget: HeatmapWidget) -> np.ndarray:
    """(height, width) True where the widget shows the warning colour."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    rgb = pixels[:, : image.width(), 2::-1].astype(int)  # stored as blue, green, red, alpha
    wanted = np.array([MARK_COLOR.red(), MARK_COLOR.green(), MARK_COLOR.blue()])
    return (abs(rgb - wanted) < 30).all(axis=-1)


def test_the_strip_takes_space_only_while_scores_are_set(heatmap):
    heatmap.set_alignment(sentence())
    plain = heatmap._geometry()
    assert plain.strip == 0 and heatmap.column_scores() is None
    assert heatmap._geometry().hit(plain.cell_rect(0, RIVER).center())[0] == "cell"
    heatmap.set_column_scores(SCORES)
    scored = heatmap._geometry()
    assert scored.strip > 0 and scored.top == plain.top + scored.strip  # the matrix moves down by the strip
    assert scored.hit(scored.needed_rect(RIVER).center()) == ("needed", -1, RIVER)
    heatmap.set_column_scores(None)
    assert heatmap._geometry() == plain
    heatmap.set_column_scores(SCORES)
    heatmap.set_alignment(sentence())  # another sentence: its scores are not these
    assert heatmap._geometry() == plain and heatmap.column_scores() is None


def test_hovering_a_bar_tells_what_leaving_the_word_out_costs(qtbot, heatmap):
    heatmap.set_alignment(sentence())
    heatmap.set_column_scores(SCORES)
    with qtbot.waitSignal(heatmap.hovered, timeout=2000) as hovered:
        qtbot.mouseMove(heatmap, bar_slot(heatmap, CENTURY).center())
    text = hovered.args[0]
    assert "“century”: leaving it out costs the translation 0.7 nats" in text
    assert "(words it needs here cost" in text and text.endswith("possibly untranslated")
    river = heatmap.describe(("needed", -1, RIVER))
    assert "costs the translation 10.9 nats" in river and "untranslated" not in river
    assert "likelier without it" in heatmap.describe(("needed", -1, CENTURY - 1))  # "last": +0.28
    assert "not measured" in heatmap.describe(("needed", -1, len(SOURCE) - 1))  # "</s>"
    assert not heatmap.describe(("needed", -1, STOP)).endswith("untranslated")  # "." costs 0.5, but is punctuation
    assert not heatmap.describe(("needed", -1, 4)).endswith("untranslated")  # "the" costs 1.0, but is a function word
    # the bar stands for its column: the output words aligned with "river" are highlighted as for its label
    assert heatmap.hover_at("needed", column=RIVER) == heatmap.hover_at("source", column=RIVER)


def test_word_mode_shows_a_word_with_its_value_and_piece_mode_each_piece(heatmap):
    heatmap.set_alignment(sentence())
    heatmap.set_column_scores(SCORES)
    grid = heatmap.grid()
    assert len(grid.column_labels) == len(WORDS) + 2  # and "." and "</s>"
    for word, value in WORDS.items():
        first_piece = grid.column_spans[grid.column_labels.index(word)].start
        assert f"{abs(value):.1f} nats" in heatmap.describe(("needed", -1, first_piece))
    assert "“century”" in heatmap.describe(("needed", -1, URY))  # any piece of the word names it
    heatmap.set_word_level(False)
    assert "“ury”: leaving it out costs the translation 0.7 nats" in heatmap.describe(("needed", -1, URY))
    assert "“cent”" in heatmap.describe(("needed", -1, CENTURY))


def test_words_the_translation_hardly_needs_are_drawn_in_the_warning_colour(heatmap):
    heatmap.set_alignment(sentence())
    assert not warning_coloured(heatmap).any()
    heatmap.set_column_scores(SCORES)
    geometry, marked = heatmap._geometry(), warning_coloured(heatmap)

    def column_marked(piece: int) -> bool:
        slot = bar_slot(heatmap, piece, geometry)
        return marked[slot.top() : slot.bottom() + 1, slot.left() : slot.right() + 1].any()

    assert column_marked(CENTURY) and column_marked(CENTURY - 1)  # "century" and "last"
    assert not column_marked(RIVER) and not column_marked(len(SOURCE) - 1)  # needed; "</s>" unmeasured
    assert not column_marked(STOP)  # punctuation: predictable, so never shown as left out
    assert not marked[geometry.top :].any()  # the matrix has no warnings marked


def test_the_strip_stays_put_while_the_matrix_scrolls(qtbot, heatmap):
    heatmap.resize(500, 160)
    long = Alignment(list(SOURCE))
    for i in range(60):
        long.append(f"▁w{i}", np.full(len(SOURCE), 1 / len(SOURCE), np.float32))
    heatmap.set_alignment(long)
    heatmap.set_column_scores(SCORES)
    before = heatmap._geometry()
    assert before.scrolls_vertically
    heatmap._vertical.setValue(heatmap._vertical.maximum())
    after = heatmap._geometry()
    assert after.y_offset > 0 and after.needed_rect(RIVER) == before.needed_rect(RIVER)
    assert after.hit(after.needed_rect(RIVER).center()) == ("needed", -1, RIVER)


def test_exports_hold_the_strip(heatmap, tmp_path):
    heatmap.set_alignment(sentence())
    heatmap.save_png(tmp_path / "plain.png")
    heatmap.set_column_scores(SCORES)
    heatmap.save_png(tmp_path / "needed.png")
    heatmap.save_svg(tmp_path / "needed.svg")
    plain, needed = QImage(str(tmp_path / "plain.png")), QImage(str(tmp_path / "needed.png"))
    whole = heatmap._whole()
    assert needed.height() == plain.height() + whole.strip and whole.strip > 0
    bar = bar_slot(heatmap, CENTURY, whole)  # "century": a warning-coloured sliver at the bottom of its slot
    colours = {needed.pixelColor(x, bar.bottom()).name() for x in range(bar.left(), bar.right() + 1)}
    assert MARK_COLOR.name() in colours
    assert "needed" in (tmp_path / "needed.svg").read_text(encoding="utf-8")  # the strip's title


def test_scores_must_match_the_source_pieces(heatmap):
    with pytest.raises(ValueError, match="alignment"):
        heatmap.set_column_scores(SCORES)
    heatmap.set_alignment(sentence())
    with pytest.raises(ValueError, match="10 scores for 11 source pieces"):
        heatmap.set_column_scores(SCORES[:-1])


@pytest.mark.skipif(not (MODELS / "en-de-transformer" / "model.safetensors").exists(), reason="no bundled model")
def test_a_sentence_explanation_carries_what_the_translation_needs(heatmap):
    """The issue's example end to end: the worker's explanation holds each source piece's word's dependence, and
    the heatmap shows "last century" (left out of the translation) as hardly needed."""
    from desktop_app.gui.sentence_explainer import explain_sentence
    from desktop_app.seq2seq import Translator
    from desktop_app.seq2seq.forced import forced_translation

    translator = Translator.from_folder(MODELS / "en-de-transformer")
    dropped = "Meine Großmutter hat mir gesagt, dass das alte Haus in der Nähe des Flusses gebaut wurde."
    forced = forced_translation(translator, GRANDMOTHER, dropped)
    explanation = explain_sentence(translator, GRANDMOTHER, forced.steps, forced.nbest, whole=True)
    scores = explanation.source_dependence
    pieces = forced.source_pieces
    assert scores.shape == (len(pieces),) and np.isnan(scores[-1])  # "</s>" cannot be left out
    alignment = Alignment(list(pieces))
    for row in forced.nbest[0].attention:
        alignment.append("▁x", np.asarray(row, np.float32))
    heatmap.set_alignment(alignment)
    heatmap.set_column_scores(scores)
    grid = heatmap.grid()
    for word in ("last", "century"):
        piece = grid.column_spans[grid.column_labels.index(word)].start
        assert heatmap.describe(("needed", -1, piece)).endswith("possibly untranslated"), word
    grandmother = grid.column_spans[grid.column_labels.index("grandmother")].start
    assert scores[grandmother] < -4 and "untranslated" not in heatmap.describe(("needed", -1, grandmother))
