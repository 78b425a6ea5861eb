"""The Dictate tab's outcome actions on their own (no model): saving, copying, the recording, the segment choice
and the view's export, with the lines people see when there is nothing to save or the save fails."""

import json

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from desktop_app.gui.settings import Settings
from desktop_app.gui.spectrogram import SpectrogramWidget
from desktop_app.gui.transcript_actions import NOTHING_TO_EXPORT, NOTHING_TO_SAVE, SegmentBar, TranscriptActions
from desktop_app.transcript_files import Segment

from .test_gui_dictate_views import diagonal_segment


@pytest.fixture
def settings(tmp_path):
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def _actions(qtbot, settings, segments, recording=""):
    actions = TranscriptActions(settings, lambda: segments, lambda: recording)
    qtbot.addWidget(actions)
    return actions


def test_save_srt_asks_for_a_path_and_writes_timed_cues(qtbot, settings, tmp_path, monkeypatch):
    target = tmp_path / "out.srt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    actions = _actions(qtbot, settings, [Segment(0.0, 1.5, "hello there"), Segment(2.0, 3.0, "again")])
    with qtbot.waitSignal(actions.status) as saved:
        actions.save_srt.click()
    assert saved.args == [f"Saved {target}"]
    content = target.read_text(encoding="utf-8")
    assert "00:00:00,000 --> 00:00:01,500" in content and "hello there" in content and "again" in content


def test_nothing_to_save_is_said_without_asking(qtbot, settings, monkeypatch):
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: asked.append(args) or ("", ""))
    actions = _actions(qtbot, settings, [])
    actions.save_txt.click()
    assert actions.message.text() == NOTHING_TO_SAVE and asked == []


def test_copy_puts_the_transcript_on_the_clipboard(qtbot, settings):
    actions = _actions(qtbot, settings, [Segment(0.0, 1.0, "one"), Segment(1.0, 2.0, "two")])
    with qtbot.waitSignal(actions.status):
        actions.copy_button.click()
    assert QGuiApplication.clipboard().text() == actions.text() and actions.text().split() == ["one", "two"]


def test_save_recording_is_offered_once_the_file_exists_and_copies_it(qtbot, settings, tmp_path, monkeypatch):
    recording = tmp_path / "dictation.wav"
    actions = _actions(qtbot, settings, [], str(recording))
    actions.offer_recording()
    assert not actions.save_audio.isEnabled()
    recording.write_bytes(b"RIFF-and-the-rest")
    actions.offer_recording()
    assert actions.save_audio.isEnabled()
    target = tmp_path / "kept.wav"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    actions.save_audio.click()
    assert target.read_bytes() == b"RIFF-and-the-rest"


def test_a_segment_is_offered_marked_and_chosen(qtbot, settings):
    bar = SegmentBar(settings, SpectrogramWidget())
    qtbot.addWidget(bar)
    segment = diagonal_segment(2.0, tokens=10)
    segment.warnings = ["anything"]
    with qtbot.waitSignal(bar.segmentChosen, check_params_cb=lambda index: index == 0):
        bar.add_segment(segment)
    assert bar.segment_choice.currentText() == "1: 0.0–2.0 s ⚠" and bar.current_segment() == 0
    with qtbot.waitSignal(bar.segmentChosen, check_params_cb=lambda index: index == -1):
        bar.clear()


def test_export_says_when_there_is_nothing_or_it_fails(qtbot, settings, tmp_path):
    view = SpectrogramWidget()
    bar = SegmentBar(settings, view)
    qtbot.addWidget(bar)
    qtbot.addWidget(view)
    with qtbot.waitSignal(bar.message, check_params_cb=lambda text: text == NOTHING_TO_EXPORT):
        bar.export_buttons["png"].click()
    view.show_segment(diagonal_segment(2.0, tokens=10))
    with qtbot.waitSignal(bar.message) as failed:
        bar.export_to(str(tmp_path / "missing" / "a.png"), "png")
    assert failed.args[0].startswith("Could not export:") and "\n" not in failed.args[0]
    with qtbot.waitSignal(bar.status):
        bar.export_to(str(tmp_path / "a.json"), "json")
    assert json.loads((tmp_path / "a.json").read_text())["output_pieces"][0] == "\u2581p0"
