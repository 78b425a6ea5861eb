"""Clicking a word under the spectrogram plays that word's span of the segment's audio."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from desktop_app.gui import dictate_tab, playback

from .conftest import open_window


@pytest.fixture
def tab(qtbot, tiny_asr, tmp_path, monkeypatch):
    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    window = open_window(qtbot, tmp_path, tiny_asr.folder, "asr-tiny")
    tab = window.dictate_tab
    window.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(tiny_asr.wavs[0]))
    assert tab.spectrogram.segment() is not None and tab.spectrogram.segment().words
    yield tab
    window.close()


def _click_first_word(qtbot, tab) -> None:
    centre = tab.spectrogram.word_rects()[0].center()
    with qtbot.waitSignal(tab.status, timeout=5000) as blocker:
        QTest.mouseClick(tab.spectrogram, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(centre))
    return blocker.args[0]


def test_clicking_a_word_plays_its_span(qtbot, tab, monkeypatch):
    played = []
    monkeypatch.setattr(playback, "play", lambda samples, rate: played.append((samples, rate)))
    message = _click_first_word(qtbot, tab)
    result = tab.spectrogram.segment()
    word, start, end = result.words[0]
    assert len(played) == 1
    samples, rate = played[0]
    assert rate == 16000 and samples.size > 0
    heard = min(end, result.audio.size / 16000) - start  # a word's end may round past the segment's last sample
    assert abs(samples.size - heard * 16000) <= 1
    first = int(start * 16000)
    assert (samples == result.audio[first : first + samples.size]).all()
    assert word in message


def test_no_output_device_gives_one_status_line(qtbot, tab, monkeypatch):
    monkeypatch.setattr(playback, "play", lambda samples, rate: playback.NO_DEVICE)
    message = _click_first_word(qtbot, tab)
    assert message == playback.NO_DEVICE and "\n" not in message


def test_hovering_a_word_shows_a_pointing_hand(qtbot, tab):
    centre = tab.spectrogram.word_rects()[0].center()
    QTest.mouseMove(tab.spectrogram, centre)
    assert tab.spectrogram.cursor().shape() == Qt.CursorShape.PointingHandCursor
