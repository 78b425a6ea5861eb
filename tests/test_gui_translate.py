"""The Translate tab, offscreen: streaming, heatmap, cancelling, exports, errors, clean exit."""

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from desktop_app.alignment import SINGLE_ATTENTION, Alignment
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Settings

from .conftest import SOURCES, TARGETS, open_window

LONG_TEXT = " ".join(SOURCES * 3)


@pytest.fixture
def window(qtbot, tiny_folder, tmp_path):
    main_window = open_window(qtbot, tmp_path, tiny_folder.folder, tiny_folder.folder.name)
    yield main_window
    main_window.close()


def _tab(window):
    return window.translate_tab


def _finished_job(tab, completed=True):
    return lambda job, done: job == tab.job and done == completed


def test_typing_streams_a_translation_and_fills_the_heatmap(qtbot, window, recorder):
    tab = _tab(window)
    tab.worker.tokenReady.connect(recorder.token)
    tokens = recorder.tokens
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        qtbot.keyClicks(tab.source, SOURCES[9])
    assert tab.output.toPlainText() == TARGETS[9]
    assert len(tokens) > 3 and "".join(tokens) == TARGETS[9]
    alignment = tab.heatmap.alignment()
    assert len(alignment.rows) == len(tokens)
    assert tab.heatmap.matrix().shape == (len(tokens), len(alignment.source_pieces))


def test_a_paragraph_is_translated_sentence_by_sentence(qtbot, window):
    tab = _tab(window)
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        tab.set_source_text(f"{SOURCES[0]} {SOURCES[1]}")
    assert tab.output.toPlainText() == f"{TARGETS[0]} {TARGETS[1]}"
    assert tab.sentence_choice.count() == 2


def test_typing_again_cancels_the_running_job(qtbot, window):
    tab = _tab(window)
    tab.as_you_type.setChecked(False)
    tab.source.setPlainText(LONG_TEXT)
    with qtbot.waitSignal(tab.worker.tokenReady, timeout=20000):
        tab.translate_now()
    first_job = tab.job
    with qtbot.waitSignal(tab.finished, timeout=5000, check_params_cb=lambda job, done: job == first_job) as blocker:
        qtbot.keyClicks(tab.source, "!")
    assert blocker.args == [first_job, False]
    assert tab.sentence_choice.count() < len(SOURCES) * 3


def test_closing_mid_decode_exits_cleanly(qtbot, window):
    tab = _tab(window)
    tab.as_you_type.setChecked(False)
    tab.source.setPlainText(LONG_TEXT)
    with qtbot.waitSignal(tab.worker.tokenReady, timeout=20000):
        tab.translate_now()
    window.close()
    assert window.translate_thread.thread.isFinished()


def test_exports_are_valid_files(qtbot, window, tmp_path):
    tab = _tab(window)
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        tab.set_source_text(SOURCES[3])
    tab.export_to(str(tmp_path / "a.png"), "png")
    tab.export_to(str(tmp_path / "a.svg"), "svg")
    tab.export_to(str(tmp_path / "a.json"), "json")
    image = QImage(str(tmp_path / "a.png"))
    assert not image.isNull() and image.width() > 100
    assert ET.parse(tmp_path / "a.svg").getroot().tag.endswith("svg")
    loaded = Alignment.from_json((tmp_path / "a.json").read_text())
    original = tab.heatmap.alignment()
    assert loaded.source_pieces == original.source_pieces and loaded.output_pieces == original.output_pieces
    assert abs(loaded.matrix() - original.matrix(tab.heatmap.view())).max() < 1e-4


def test_the_word_alignment_is_exported_as_pharaoh_pairs(qtbot, window, tmp_path, monkeypatch):
    from desktop_app.gui import heatmap_panel

    tab = _tab(window)
    target = tmp_path / "sentence.align"
    monkeypatch.setattr(heatmap_panel, "ask_export_path", lambda parent, settings, stem, kind: str(target))
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        tab.set_source_text(SOURCES[3])
    with qtbot.waitSignal(tab.status, timeout=5000) as saved:
        tab.heatmap_panel.export_buttons["align"].click()  # "Alignment…", beside JSON…
    assert saved.args == [f"Saved {target}"]
    pairs = [tuple(map(int, pair.split("-"))) for pair in target.read_text().split()]
    words = tab.results[0].explanation.word_spans  # the output's words as people click them, the full stop too
    assert [j for _, j in pairs] == list(range(len(words)))  # each output word once, in order
    sources = len(SOURCES[3].replace(".", " .").split())
    assert all(0 <= i < sources for i, _ in pairs), pairs  # aligned to a source word, never to the end token


def test_the_file_menu_exports_the_shown_heatmap(qtbot, window, tmp_path, monkeypatch):
    from desktop_app.gui import heatmap_panel

    tab = _tab(window)
    target = tmp_path / "menu.json"
    monkeypatch.setattr(heatmap_panel, "ask_export_path", lambda parent, settings, stem, kind: str(target))
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        tab.set_source_text(SOURCES[3])
    export_menu = next(a.menu() for a in window.menuBar().actions()[0].menu().actions() if a.menu())
    next(action for action in export_menu.actions() if action.text() == "JSON…").trigger()
    assert Alignment.from_json(target.read_text()).output_pieces == tab.heatmap.alignment().output_pieces


def test_exporting_before_translating_says_so(qtbot, window, tmp_path):
    tab = _tab(window)
    tab.export_to(str(tmp_path / "nothing.align"), "align")
    assert "Translate something first" in tab.message.text() and not (tmp_path / "nothing.align").exists()


def test_an_unexpected_failure_is_told_plainly_and_its_traceback_logged(qtbot, window, monkeypatch, caplog):
    from desktop_app.seq2seq import Translator

    def broken(*args, **kwargs):
        raise AttributeError("'NoneType' object has no attribute 'pieces'\nmore detail")

    monkeypatch.setattr(Translator, "from_folder", broken)
    tab = _tab(window)
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab, False)):
        tab.set_source_text(SOURCES[0])
    assert tab.message.text() == (
        "Translation failed unexpectedly: 'NoneType' object has no attribute 'pieces'. "
        "Try another model or shorter text; the details are in the log."
    )
    assert [record.exc_info[0] for record in caplog.records if record.exc_info] == [AttributeError]


def test_hovering_a_word_highlights_its_aligned_words(qtbot, window):
    tab = _tab(window)
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        tab.set_source_text(SOURCES[9])
    matrix = tab.heatmap.matrix()
    rows, columns = tab.heatmap.hover_at("output", row=0)
    assert rows == {0} and int(matrix[0].argmax()) in columns
    column = int(matrix[0].argmax())
    rows, columns = tab.heatmap.hover_at("source", column=column)
    assert columns == {column} and 0 in rows
    assert "attends to" in tab.heatmap.describe(("cell", 0, column))


def test_transformer_offers_layer_and_head_views(qtbot, window, tiny_folder):
    tab = _tab(window)
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        tab.set_source_text(SOURCES[4])
    views = [tab.view_choice.itemText(i) for i in range(tab.view_choice.count())]
    if tiny_folder.architecture == "transformer":
        assert "layer 1, head 2" in views and tab.view_choice.isEnabled()
        tab.view_choice.setCurrentText("layer 1, head 2")
        assert tab.heatmap.matrix().shape == tab.heatmap.alignment().matrix().shape
    else:  # one attention: named as such, nothing to pick
        assert views == [SINGLE_ATTENTION] and not tab.view_choice.isEnabled()


def test_empty_input_says_so(qtbot, window):
    tab = _tab(window)
    tab.source.setPlainText("   ")
    tab.translate_now()
    assert "Type some text" in tab.message.text()


def test_damaged_model_folder_shows_a_message(qtbot, window, tmp_path):
    tab = _tab(window)
    folder = tab.picker.current().folder
    (folder / "model.safetensors").write_bytes(b"garbage")
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab, False)):
        tab.set_source_text(SOURCES[0])
    assert "cannot be used" in tab.message.text() and "corrupt or truncated" in tab.message.text()
    (folder / "config.json").write_text("{broken")
    tab.picker.refresh()
    assert "damaged" in tab.picker.combo.currentText() and "not valid JSON" in tab.message.text()


def test_no_models_at_all_is_explained(qtbot, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    empty = MainWindow(settings, model_roots=[tmp_path / "nothing-here"])
    qtbot.addWidget(empty)
    assert "No translation model found" in empty.translate_tab.message.text()
    empty.close()


def test_choices_are_remembered(qtbot, tiny_folder, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    first = MainWindow(settings, model_roots=[tiny_folder.folder.parent])
    qtbot.addWidget(first)
    first.translate_tab.beam.setValue(4)
    first.translate_tab.as_you_type.setChecked(False)
    first.close()
    second = MainWindow(settings, model_roots=[tiny_folder.folder.parent])
    qtbot.addWidget(second)
    assert second.translate_tab.beam.value() == 4 and not second.translate_tab.as_you_type.isChecked()
    second.close()


def test_cyclic_garbage_is_collected_on_the_gui_thread_only(qtbot, window):
    """A worker thread must never run the collector (it could destroy Qt objects off the GUI
    thread); the GUI thread's timer collects instead."""
    import gc

    from desktop_app.gui.garbage import GuiThreadGarbageCollector

    assert not gc.isenabled()
    collector = QApplication.instance().findChild(GuiThreadGarbageCollector)

    class Cycle:
        def __init__(self):
            self.me = self

    for _ in range(collector.thresholds[0] + 10):
        Cycle()
    assert gc.get_count()[0] > collector.thresholds[0]
    qtbot.waitUntil(lambda: gc.get_count()[0] < collector.thresholds[0], timeout=5000)


def _copy_with(folder, name, **config_changes):
    """A copy of a model folder beside it, with some config.json fields changed."""
    copy = folder.parent / name
    shutil.copytree(folder, copy)
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, **config_changes}))
    return copy


def test_swap_translates_the_output_back_with_the_reverse_model(qtbot, window):
    tab = _tab(window)
    assert not tab.swap_button.isEnabled()  # only en -> de so far
    reverse = _copy_with(tab.picker.current().folder, "de-en-tiny", source_language="de", target_language="en")
    tab.picker.refresh()
    assert tab.swap_button.isEnabled()
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        tab.set_source_text(SOURCES[0])
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        tab.swap_button.click()
    assert tab.picker.current().folder == reverse
    assert tab.source.toPlainText() == TARGETS[0]  # the translation became the text to translate
    assert tab.output.toPlainText()  # and the reverse model translated it


@pytest.mark.parametrize(("languages", "expected"), [(["de", "en"], "de-en"), (["fr", "en"], "en-de-strong")])
def test_before_any_choice_the_best_model_from_the_users_language_is_offered(
    qtbot, tiny_folder, tmp_path, monkeypatch, languages, expected
):
    from desktop_app.gui import model_picker

    monkeypatch.setattr(model_picker, "preferred_languages", lambda: languages)
    models = tmp_path / "models"
    models.mkdir()
    forward = shutil.copytree(tiny_folder.folder, models / "en-de-weak")
    _copy_with(forward, "de-en", source_language="de", target_language="en")  # sorts first
    _copy_with(forward, "en-de-strong", metrics={"dev": {"bleu": 40.0}})
    _copy_with(forward, "a-damaged").joinpath("config.json").write_text("{not json")  # sorts first, unusable
    window = MainWindow(Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)), model_roots=[models])
    qtbot.addWidget(window)
    assert window.translate_tab.picker.current().folder.name == expected
    window.close()


def test_each_model_in_the_picker_tells_its_test_scores(qtbot, tiny_folder, tmp_path):
    from PySide6.QtCore import Qt

    models = tmp_path / "models"
    models.mkdir()
    plain = shutil.copytree(tiny_folder.folder, models / "en-de-plain")
    _copy_with(
        plain,
        "en-de-scored",
        metrics={
            "dev": {"bleu": 30.0},
            "test": [
                {"set": "Tatoeba test", "beam": 1, "bleu": 36.07},
                {"set": "Tatoeba test", "beam": 5, "bleu": 38.58},
                {"set": "Multi30k test2016", "beam": 5, "bleu": 33.4},
            ],
        },
    )
    _copy_with(plain, "a-damaged").joinpath("config.json").write_text("{not json")
    window = MainWindow(Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)), model_roots=[models])
    qtbot.addWidget(window)
    combo = window.translate_tab.picker.combo
    tips = {combo.itemText(i).split()[0]: combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())}
    assert tips["en-de-scored"] == "Tatoeba test BLEU 38.6 (beam 5); Multi30k test2016 BLEU 33.4 (beam 5)"
    assert tips["en-de-plain"] == "no test scores recorded in its config.json"
    assert "config.json" in tips["a-damaged"] and "no test scores" not in tips["a-damaged"]
    window.close()


def test_kept_spans_label_their_heatmap_rows_with_the_users_text(qtbot, tmp_path):
    """A time and a URL pass through unchanged, and the heatmap's rows say so: never the stand-in the model wrote."""
    folder = Path(__file__).resolve().parents[1] / "models" / "en-de-transformer"
    window = open_window(qtbot, tmp_path, folder, "en-de-transformer")
    tab = window.translate_tab
    tab.as_you_type.setChecked(False)
    tab.source.setPlainText("The train leaves at 11:35 from https://example.org/plan.")
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: job == tab.job and done):
        tab.translate_now()
    assert "11:35" in tab.output.toPlainText() and "https://example.org/plan" in tab.output.toPlainText()
    rows = "".join(tab.heatmap.alignment().output_pieces)
    assert "11:35" in rows and "https://example.org/plan" in rows
    assert not {"Tom", "Boston", "Paris"} & set(rows.replace("\u2581", " ").split())
    window.close()


def test_the_status_line_says_while_a_model_loads(qtbot, tmp_path, tiny_folder):
    window = open_window(qtbot, tmp_path, tiny_folder.folder, "tiny-model")
    tab = window.translate_tab
    said = []
    tab.status.connect(said.append)
    tab.as_you_type.setChecked(False)
    tab.worker._translators.clear()  # as on the first translation after start-up
    tab.source.setPlainText(SOURCES[0])
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: job == tab.job and done):
        tab.translate_now()
    assert said.index("Loading tiny-model…") < said.index("Loaded tiny-model")
    window.close()


def test_a_transcript_goes_to_a_model_that_reads_its_language(qtbot, window, monkeypatch):
    # "Translate this →" on a German transcript: the tab switches from en->de to a model reading German, into
    # the user's own language
    from desktop_app.gui import translate_tab

    monkeypatch.setattr(translate_tab, "preferred_languages", lambda: ["fr", "en"])
    tab = _tab(window)
    en_de = tab.picker.current().folder
    de_fr = _copy_with(en_de, "de-fr-tiny", source_language="de", target_language="fr")
    de_en = _copy_with(en_de, "de-en-tiny", source_language="de", target_language="en")
    tab.picker.refresh()
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        window.translate_text(SOURCES[0], "de")
    assert tab.picker.current().folder == de_fr  # none goes into German: into the user's French
    assert tab.source.toPlainText() == SOURCES[0] and tab.output.toPlainText()
    tab.picker.select_folder(str(en_de))
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        window.translate_text(SOURCES[1], "en")
    assert tab.picker.current().folder == en_de  # it already reads English: the user's choice stays
    assert de_en.is_dir()


def test_a_transcript_in_a_language_no_model_reads_is_said_and_still_translated(qtbot, window):
    tab = _tab(window)
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=_finished_job(tab)):
        window.translate_text(SOURCES[2], "fr")
    assert "No installed model translates from fr: French" in tab.message.text()  # still there when it is done
    assert tab.output.toPlainText() == TARGETS[2]
