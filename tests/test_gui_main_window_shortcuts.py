"""The main window's keys and status bar: each key means one thing, and acts on the tab in front."""

import json
import re
import shutil

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from .conftest import open_window


@pytest.fixture
def window(qtbot, tiny_folder, tmp_path):
    main_window = open_window(qtbot, tmp_path, tiny_folder.folder, "en-de-tiny")
    yield main_window
    main_window.close()


def _mnemonic(text: str) -> str:
    return re.search(r"&(\w)", text).group(1).lower()


def test_tabs_and_menus_never_share_a_mnemonic(window):
    tabs = [_mnemonic(window.tabs.tabText(i)) for i in range(window.tabs.count())]
    menus = [_mnemonic(action.text()) for action in window.menuBar().actions()]
    assert tabs == ["t", "d"]
    assert len(set(tabs + menus)) == len(tabs + menus)


def test_no_two_actions_share_a_shortcut(window):
    keys = [
        action.shortcut().toString() for action in set(window.findChildren(QAction)) if not action.shortcut().isEmpty()
    ]
    assert len(keys) == len(set(keys)) and QKeySequence("Esc").toString() in keys


def test_escape_stops_only_the_tab_in_front(window, monkeypatch):
    stopped = []
    monkeypatch.setattr(window.translate_tab, "stop", lambda: stopped.append("translate"))
    monkeypatch.setattr(window.dictate_tab, "stop_recording", lambda: stopped.append("dictate"))
    window.tabs.setCurrentWidget(window.dictate_tab)
    window.stop_action.trigger()
    window.tabs.setCurrentWidget(window.translate_tab)
    window.stop_action.trigger()
    assert stopped == ["dictate", "translate"]


def test_open_model_folder_opens_a_model_for_the_tab_in_front(window, monkeypatch):
    asked = []
    monkeypatch.setattr(window.dictate_tab.picker, "open_folder", lambda: asked.append("speech"))
    monkeypatch.setattr(window.translate_tab.picker, "open_folder", lambda: asked.append("translation"))
    window.tabs.setCurrentWidget(window.dictate_tab)
    window.open_model_folder()
    window.tabs.setCurrentWidget(window.translate_tab)
    window.open_model_folder()
    assert asked == ["speech", "translation"]


def test_a_speech_model_opened_for_translation_says_where_it_belongs(window, tiny_folder, tmp_path, monkeypatch):
    speech = tmp_path / "asr-fake"
    shutil.copytree(tiny_folder.folder, speech)
    config = json.loads((speech / "config.json").read_text())
    (speech / "config.json").write_text(json.dumps(dict(config, task="speech")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(speech))
    window.tabs.setCurrentWidget(window.translate_tab)
    before = window.translate_tab.picker.current_folder()
    window.open_model_folder()
    assert window.statusBar().currentMessage() == (
        "asr-fake is a speech model, not a translation model: open it in the Dictate tab."
    )
    assert window.translate_tab.picker.current_folder() == before
    assert str(speech) not in [str(entry.folder) for entry in window.translate_tab.picker.entries()]


def test_the_status_bar_shows_the_tab_in_front_only(window):
    window.tabs.setCurrentWidget(window.translate_tab)
    window.dictate_tab.status.emit("Recording to dictation.wav")
    assert window.statusBar().currentMessage() != "Recording to dictation.wav"
    window.tabs.setCurrentWidget(window.dictate_tab)
    assert window.statusBar().currentMessage() == "Recording to dictation.wav"
    window.translate_tab.status.emit("Translation copied")
    assert window.statusBar().currentMessage() == "Recording to dictation.wav"
    window.tabs.setCurrentWidget(window.translate_tab)
    assert window.statusBar().currentMessage() == "Translation copied"
