"""The Dictate tab with an installed Whisper model on real recordings: offered first, the file and the microphone
paths, the attention lined up with Whisper's 20 ms frames; a multilingual model's language and task choices.

Needs `attend models install whisper-tiny.en` (skipped without it, unless ATTEND_REQUIRE_WHISPER=1) and the
shared LibriSpeech recordings beside the repository (../shared/data/speech/librispeech)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from desktop_app.gui import dictate_tab
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Key, Settings
from desktop_app.installing.install import installed_folder
from desktop_app.speech.features import load_audio

from .conftest import speak

ROOT = Path(__file__).resolve().parents[1]
LIBRISPEECH = ROOT.parent / "shared" / "data" / "speech" / "librispeech"
DOVER = LIBRISPEECH / "226-122538-0000.ogg"  # "... the white cliffs of Dover gradually became more solid ..."
TIMEOUT_MS = 240_000  # a 15 s recording through whisper tiny on two busy cores


def _installed(name: str, required: bool) -> Path:
    folder = installed_folder(name)
    if folder is None:
        message = f"{name} is not installed (attend models install {name})"
        if required and os.environ.get("ATTEND_REQUIRE_WHISPER") == "1":
            pytest.fail(message + " and ATTEND_REQUIRE_WHISPER=1")
        pytest.skip(message)
    return folder


@pytest.fixture(scope="module")
def whisper() -> Path:
    return _installed("whisper-tiny.en", required=True)


@pytest.fixture
def dover() -> Path:
    if not DOVER.is_file():
        pytest.skip(f"the shared LibriSpeech recordings are not at {LIBRISPEECH}")
    return DOVER


def _window(qtbot, tmp_path: Path, monkeypatch, *folders: Path, settings: dict | None = None) -> MainWindow:
    """A window listing the given model folders (linked into a models folder of its own)."""
    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    models = tmp_path / "models"
    models.mkdir(exist_ok=True)
    for folder in folders:
        if not (models / folder.name).exists():
            (models / folder.name).symlink_to(folder, target_is_directory=True)
    stored = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    for key, value in (settings or {}).items():
        stored.set(key, value)
    window = MainWindow(stored, model_roots=[models])
    qtbot.addWidget(window)
    return window


def _words(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


def test_whisper_is_offered_first_until_the_user_picks_a_speech_model(qtbot, tmp_path, monkeypatch, whisper):
    window = _window(qtbot, tmp_path, monkeypatch, ROOT / "models" / "asr-en", whisper)
    tab = window.dictate_tab
    assert tab.picker.current().folder.name == "whisper-tiny.en"
    assert not tab.language.isVisibleTo(tab) and not tab.task.isVisibleTo(tab)  # English only: nothing to choose
    assert not tab.whisper_offer.isVisibleTo(tab)  # a Whisper model is there already
    asr_en = tab.picker.combo.findText("asr-en", flags=Qt.MatchFlag.MatchStartsWith)
    tab.picker.combo.setCurrentIndex(asr_en)
    tab.picker.combo.activated.emit(asr_en)  # what a click on it does
    window.close()
    reopened = _window(qtbot, tmp_path, monkeypatch)
    assert reopened.dictate_tab.picker.current().folder.name == "asr-en"  # the user's choice stays
    reopened.close()


def test_a_recording_file_is_transcribed_with_whisper_and_its_attention_spans_the_audio(
    qtbot, tmp_path, monkeypatch, whisper, dover
):
    window = _window(qtbot, tmp_path, monkeypatch, whisper)
    tab = window.dictate_tab
    with qtbot.waitSignal(tab.finished, timeout=TIMEOUT_MS, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(dover))
    text = _words(tab.text())
    assert "white cliffs of dover" in text and "strong white wall" in text, text
    for final in tab.finals:
        assert final.frame_seconds == pytest.approx(0.02)  # Whisper's encoder frames
        assert final.attention.shape[0] == len(final.pieces)
        assert final.attention.shape[1] == pytest.approx((final.end - final.start) / 0.02, abs=2)
        mel_seconds = final.mel.shape[0] * 0.01  # what the spectrogram view draws the attention under
        assert final.attention.shape[1] * final.frame_seconds == pytest.approx(mel_seconds, abs=0.05)
        starts = [start for _, start, _ in final.words]
        assert starts == sorted(starts) and final.words[-1][2] <= final.end - final.start + 0.05
    dover_segment = next(f for f in tab.finals if "dover" in _words(f.text))
    spans: dict[str, tuple[float, float]] = {}
    for word, start, end in dover_segment.words:
        spans.setdefault(_words(word), (start, end))  # a word's first time
    assert spans["white"][0] < spans["cliffs"][0] < spans["dover"][0]  # the rows follow the words in time
    tab.export_to(str(tmp_path / "alignment.png"), "png")
    assert (tmp_path / "alignment.png").stat().st_size > 0
    window.close()


def test_the_microphone_path_gives_partial_then_final_text_with_whisper(
    qtbot, tmp_path, monkeypatch, whisper, dover, recorder
):
    window = _window(qtbot, tmp_path, monkeypatch, whisper)
    tab = window.dictate_tab
    tab.worker.partial.connect(recorder.partial)
    tab.worker.final.connect(recorder.final)
    audio = np.concatenate([np.zeros(8000, np.float32), load_audio(dover), np.zeros(16000, np.float32)])
    with qtbot.waitSignal(tab.finished, timeout=TIMEOUT_MS, check_params_cb=lambda job, done: done):
        tab.play_array(audio)
    assert "of dover gradually became more solid" in _words(tab.text()), tab.text()  # "cliffs" may be "clips"
    assert "partial" in recorder.events and recorder.events.index("partial") < recorder.events.index("final")
    window.close()


@pytest.fixture(scope="module")
def whisper_base() -> Path:
    return _installed("whisper-base", required=False)


def test_a_multilingual_model_offers_language_and_task_and_says_what_it_detected(
    qtbot, tmp_path, monkeypatch, whisper_base
):
    german = speak(
        "Guten Morgen. Heute ist das Wetter schön, und wir gehen in den Park.",
        tmp_path / "de.wav",
        voice="de",
        rate=140,
    )
    window = _window(qtbot, tmp_path, monkeypatch, whisper_base, settings={Key.DICTATE_TASK: "transcribe"})
    tab = window.dictate_tab
    assert tab.language.isVisibleTo(tab) and tab.task.isVisibleTo(tab)
    assert tab.language.currentData() == "" and tab.language.findData("de") > 0  # "Detect language" first
    with qtbot.waitSignal(tab.finished, timeout=TIMEOUT_MS, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(german))
    assert tab.detected == ["de"] and tab.detected_label.text() == "Detected: de"
    assert "park" in _words(tab.text())
    tab.task.setCurrentIndex(tab.task.findData("translate"))
    tab.task.activated.emit(tab.task.currentIndex())
    with qtbot.waitSignal(tab.finished, timeout=TIMEOUT_MS, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(german))
    assert "morning" in _words(tab.text()) or "weather" in _words(tab.text()), tab.text()
    window.close()
    reopened = _window(qtbot, tmp_path, monkeypatch)
    assert reopened.dictate_tab.task.currentData() == "translate"  # remembered
    reopened.close()
