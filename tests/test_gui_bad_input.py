"""The Translate tab says when the model cannot read the input, and shows an overlong sentence part by part."""

import pytest

from desktop_app.seq2seq import Translator

from .conftest import SOURCES, open_window


@pytest.fixture
def window(qtbot, tiny_folder, tmp_path):
    main_window = open_window(qtbot, tmp_path, tiny_folder.folder, tiny_folder.folder.name)
    yield main_window
    main_window.close()


def _translate(qtbot, tab, text):
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=lambda job, done: job == tab.job and done):
        tab.set_source_text(text)


def test_text_the_model_cannot_read_is_translated_with_a_warning(qtbot, window):
    tab = window.translate_tab
    _translate(qtbot, tab, "مرحبا كيف حالك اليوم؟")
    assert "Arabic" in tab.message.text() and "invented" in tab.message.text()
    assert tab.output.toPlainText()  # the translation is still shown
    _translate(qtbot, tab, SOURCES[0])
    assert tab.message.text() == ""  # ordinary text: no warning


def test_an_overlong_sentence_is_shown_part_by_part(qtbot, window):
    tab = window.translate_tab
    sentence = ", ".join(s.rstrip(".!?") for s in SOURCES[:12]) + "."  # one sentence of over 40 pieces
    _translate(qtbot, tab, sentence)
    parts = list(Translator.from_folder(tab.picker.current_folder()).sentences(sentence))
    assert len(parts) >= 2 and tab.sentence_choice.count() == len(parts)
    assert all(len(a.source_pieces) <= 41 and a.rows for a in tab.alignments)  # each part its own heatmap
