"""Translate > Compare models…: two models side by side on the same sentence, offscreen."""

import pytest
from PySide6.QtCore import QSettings

from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Settings

from .conftest import SOURCES, TARGETS
from .support.model_pair import model_pair


@pytest.fixture(scope="module")
def models(tiny_tokenizers, tmp_path_factory):
    return model_pair(tiny_tokenizers, tmp_path_factory)


@pytest.fixture
def window(qtbot, models, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    main_window = MainWindow(settings, model_roots=[models])
    qtbot.addWidget(main_window)
    main_window.show()
    yield main_window
    main_window.close()


def _done(compare, completed=True):
    return lambda job, done: job == compare.job and done == completed


def test_compare_shows_both_translations_heatmaps_and_agreement(qtbot, window):
    window.translate_tab.as_you_type.setChecked(False)
    window.translate_tab.source.setPlainText(SOURCES[3])
    compare = window.show_compare_window()
    assert compare.isVisible() and compare.source.toPlainText() == SOURCES[3]  # starts from the Translate tab's text
    names = {compare.picker_a.current().folder.name, compare.picker_b.current().folder.name}
    assert names == {"en-de-rnn", "en-de-transformer"}  # B starts as the other model of the same languages
    with qtbot.waitSignal(compare.finished, timeout=30000, check_params_cb=_done(compare)):
        compare.compare_button.click()
    assert compare.translation_a.text() == compare.translation_b.text() == TARGETS[3]
    a, b = compare.heatmap_a.alignment(), compare.heatmap_b.alignment()
    assert a.output_pieces == b.output_pieces and len(a.rows) == len(b.rows) > 0  # B wrote A's words
    assert "attend most to the same source word for" in compare.summary.text()
    assert not compare.stop_button.isEnabled()


def test_an_empty_sentence_says_what_to_do(qtbot, window):
    compare = window.show_compare_window()
    compare.set_text("  ")
    compare.compare_button.click()
    assert compare.message.text() == "Type a sentence to compare the models on."
    assert not compare.stop_button.isEnabled()


def test_closing_the_main_window_mid_comparison_exits_cleanly(qtbot, window):
    compare = window.show_compare_window()
    compare.set_text(" ".join(SOURCES))
    with qtbot.waitSignal(compare.worker.sentenceCompared, timeout=30000):
        compare.compare_button.click()
    window.close()
    assert not compare.isVisible() and window.compare_thread.thread.isFinished()


def test_model_a_beam_is_used_and_both_heatmaps_export_whole_side_by_side(qtbot, window, tmp_path):
    from PySide6.QtGui import QImage

    compare = window.show_compare_window()
    compare.set_text(SOURCES[3])
    compare.beam.setValue(3)
    sent = []
    compare.requested.connect(sent.append)
    assert not compare.export_button.isEnabled()  # nothing to save yet
    with qtbot.waitSignal(compare.finished, timeout=30000, check_params_cb=_done(compare)):
        compare.compare_button.click()
    assert sent[-1].beam_size == 3
    assert compare.export_button.isEnabled()
    path = tmp_path / "comparison.png"
    compare.export_png(path)
    image = QImage(str(path))
    sizes = [compare.heatmap_a.export_size(), compare.heatmap_b.export_size()]
    assert image.width() >= sizes[0].width() + sizes[1].width()
    assert image.height() > max(size.height() for size in sizes)  # the captions above
