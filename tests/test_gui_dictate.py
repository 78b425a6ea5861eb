"""The Dictate tab, offscreen, with a fake microphone: partial then final text, files, errors, exit."""

import json
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from desktop_app.gui import audio_input, dictate_tab
from desktop_app.gui.dictate_worker import FinalResult
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Settings
from desktop_app.speech.features import load_audio

from .conftest import SPOKEN, open_window

SILENCE = np.zeros(16000, np.float32)


@pytest.fixture
def window(qtbot, tiny_asr, tmp_path, monkeypatch):
    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    main_window = open_window(qtbot, tmp_path, tiny_asr.folder, "asr-tiny")
    yield main_window
    main_window.close()


def test_fake_microphone_gives_partial_then_final_text(qtbot, window, tiny_asr, recorder):
    tab = window.dictate_tab
    speech = load_audio(tiny_asr.wavs[1])
    audio = np.concatenate([SILENCE, speech, SILENCE])
    tab.worker.partial.connect(recorder.partial)
    tab.worker.final.connect(recorder.final)
    order = recorder.events
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: done):
        tab.play_array(audio)
    assert tab.text() == SPOKEN[1]
    assert "partial" in order and order.index("partial") < order.index("final")
    recorded, rate = soundfile.read(tab.recording_path, dtype="float32")
    assert rate == 16000 and recorded.size == audio.size
    assert np.abs(recorded - audio).max() < 1e-3  # the recording on disk is what was heard
    assert tab.save_audio.isEnabled()
    assert tab.spectrogram.segment() is not None and tab.spectrogram.segment().text == SPOKEN[1]


def test_two_segments_come_out_in_order(qtbot, window, tiny_asr):
    tab = window.dictate_tab
    first, second = load_audio(tiny_asr.wavs[1]), load_audio(tiny_asr.wavs[2])
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: done):
        tab.play_array(np.concatenate([SILENCE, first, SILENCE, second, SILENCE]))
    assert tab.text() == f"{SPOKEN[1]} {SPOKEN[2]}" and [f.segment for f in tab.finals] == [0, 1]
    assert tab.segment_choice.count() == 2 and tab.partials == {}


def test_a_segment_keeps_its_partial_text_until_its_own_final(qtbot, window, tiny_asr):
    """Finals are decoded while the next segment is spoken: its partials must not replace the pending one."""
    tab = window.dictate_tab
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(tiny_asr.wavs[0]))
    final = tab.finals[0]
    tab.finals, tab.partials = [], {}
    tab.worker.partial.emit(tab.job, 0, "first segment so far", "first segment")
    tab.worker.partial.emit(tab.job, 1, "second", "")
    assert tab.transcript.toPlainText().split() == ["first", "segment", "so", "far", "second"]
    tab.worker.final.emit(tab.job, final)
    assert tab.transcript.toPlainText().split() == SPOKEN[0].split() + ["second"]


def test_the_speech_model_is_loaded_and_warmed_up_when_the_tab_is_first_shown(qtbot, window):
    assert window.tabs.currentWidget() is not window.dictate_tab  # the app opens on Translate
    assert not window.dictate_tab.worker._recognizers
    folder = window.dictate_tab.picker.current_folder()
    with qtbot.waitSignal(window.dictate_tab.worker.prepared, timeout=30000, check_params_cb=lambda f: f == folder):
        window.tabs.setCurrentWidget(window.dictate_tab)
    assert list(window.dictate_tab.worker._recognizers) == [folder]


def test_silence_gives_no_text(qtbot, window):
    tab = window.dictate_tab
    with qtbot.waitSignal(tab.finished, timeout=30000):
        tab.play_array(np.zeros(16000 * 2, np.float32))
    assert tab.text() == "" and tab.finals == []


def test_opening_an_audio_file_transcribes_it(qtbot, window, tiny_asr, tmp_path):
    tab = window.dictate_tab
    audio, rate = soundfile.read(tiny_asr.wavs[3])
    soundfile.write(tmp_path / "clip.flac", np.concatenate([np.zeros(rate), audio]), rate)
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(tmp_path / "clip.flac"))
    assert tab.text() == SPOKEN[3]
    tab.save_transcript(str(tmp_path / "t.srt"), "srt")
    tab.save_transcript(str(tmp_path / "t.txt"), "txt")
    for kind in ("png", "svg", "json"):
        tab.export_to(str(tmp_path / f"a.{kind}"), kind)
    assert not QImage(str(tmp_path / "a.png")).isNull()
    assert ET.parse(tmp_path / "a.svg").getroot().tag.endswith("svg")
    alignment = json.loads((tmp_path / "a.json").read_text())
    assert alignment["text"] == SPOKEN[3] and len(alignment["matrix"]) == len(alignment["output_pieces"])
    assert len(alignment["matrix"][0]) == len(alignment["frame_starts"])
    srt = (tmp_path / "t.srt").read_text().splitlines()
    assert srt[0] == "1" and " --> " in srt[1] and srt[2] == SPOKEN[3]
    assert (tmp_path / "t.txt").read_text().strip() == SPOKEN[3]


def test_speed_setting_narrows_the_search_and_is_remembered(qtbot, tiny_asr, tmp_path):
    folder = tmp_path / "asr-beam"
    shutil.copytree(tiny_asr.folder, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "beam_size": 8}))
    window = open_window(qtbot, tmp_path, folder, "asr-beam")
    tab, messages = window.dictate_tab, []
    tab.status.connect(messages.append)
    for speed, search in (("fast", "beam 4 (threshold 6)"), ("accurate", "beam 8")):
        tab.speed.setCurrentIndex(tab.speed.findData(speed))
        with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: done):
            tab.transcribe_file(str(tiny_asr.wavs[3]))
        assert tab.text() == SPOKEN[3]
        assert any(message.startswith(f"Ready: asr-beam, {speed}.") for message in messages), messages
        assert not any("beam" in message.replace("asr-beam", "") for message in messages)  # no decoder jargon
        assert tab.decoding_details == f"asr-beam decodes with {search}"  # the details: in the speed box's tooltip
        assert tab.decoding_details in tab.speed.toolTip()
    tab.speed.setCurrentIndex(tab.speed.findData("balanced"))
    window.close()
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    reopened = MainWindow(settings, model_roots=[tmp_path / "models"])
    qtbot.addWidget(reopened)
    assert reopened.dictate_tab.speed.currentData() == "balanced"
    reopened.close()


def test_unsupported_audio_file_shows_a_message(qtbot, window, tmp_path):
    tab = window.dictate_tab
    (tmp_path / "notes.mp3").write_bytes(b"this is not audio")
    with qtbot.waitSignal(tab.finished, timeout=30000):
        tab.transcribe_file(str(tmp_path / "notes.mp3"))
    assert "cannot be transcribed" in tab.message.text() and "notes.mp3" in tab.message.text()


def test_translate_this_sends_the_transcript(qtbot, window, tiny_asr):
    tab = window.dictate_tab
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(tiny_asr.wavs[0]))
    with qtbot.waitSignal(tab.translateRequested) as sent:
        tab.translate_button.click()
    assert sent.args == [SPOKEN[0], "en"]  # an English-only model's transcript is English
    assert window.tabs.currentWidget() is window.translate_tab
    assert window.translate_tab.source.toPlainText() == SPOKEN[0]


def test_the_transcripts_language_is_what_the_model_heard_most(window):
    tab = window.dictate_tab
    tab.finals = [
        FinalResult(i, "Hallo", 0.0, 1.0, ["Hallo"], np.ones((1, 50), np.float32), 0.02, [], SILENCE, language)
        for i, language in enumerate(["de", "fr", "de"])
    ]
    assert tab.text_language() == "de"
    tab._job_language_and_task = {"language": "", "task": "translate"}
    assert tab.text_language() == "en"  # Whisper's translate task writes English


def test_closing_while_recording_exits_cleanly(qtbot, window, tiny_asr):
    tab = window.dictate_tab
    speech = load_audio(tiny_asr.wavs[2])
    with qtbot.waitSignal(tab.worker.level, timeout=30000):
        tab.play_array(np.concatenate([speech] * 20), realtime=True)
    window.close()
    assert window.dictate_thread.thread.isFinished() and window.translate_thread.thread.isFinished()


def test_missing_portaudio_is_explained_and_translation_still_works(qtbot, tiny_folder, tmp_path, monkeypatch):
    def no_portaudio(rescan=False):
        raise audio_input.MicrophoneUnavailable(audio_input.PORTAUDIO_HELP)

    monkeypatch.setattr(dictate_tab, "input_devices", no_portaudio)
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    main_window = MainWindow(settings, model_roots=[tiny_folder.folder.parent])
    qtbot.addWidget(main_window)
    assert "libportaudio2" in main_window.dictate_tab.message.text()
    assert "No speech model found" not in main_window.dictate_tab.message.text()
    translate = main_window.translate_tab
    with qtbot.waitSignal(translate.finished, timeout=20000, check_params_cb=lambda job, done: done):
        translate.set_source_text("I am hungry.")
    assert translate.output.toPlainText() == "Ich habe Hunger."
    main_window.close()


def test_microphone_that_cannot_open_is_explained(qtbot, window):
    class BrokenMicrophone:
        def start(self, on_chunk, on_end):
            raise audio_input.MicrophoneUnavailable("The microphone could not be opened: device busy")

        def stop(self):
            pass

    tab = window.dictate_tab
    tab.source_factory = lambda device: BrokenMicrophone()
    tab.start_recording()
    assert "could not be opened" in tab.message.text() and not tab.busy
