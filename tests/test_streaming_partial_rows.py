"""Streaming with the rows of each partial decoding, and finals that start in the closing silence: a Whisper
recognizer's partials carry their pieces and cross-attention rows over the audio heard so far, the Dictate view
draws them before the segment's final arrives, and a final started early reads what the final after the close
reads (speech resuming drops it; cancelling stops it)."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
from PySide6.QtCore import QObject, Slot
from tokenizers import Tokenizer

from desktop_app.gui import dictate_tab
from desktop_app.seq2seq import DecodingStopped
from desktop_app.speech.features import SAMPLE_RATE, load_audio
from desktop_app.speech.recognizer import Recognizer
from desktop_app.speech.streaming import Final, Partial, StreamingRecognizer

from .conftest import SPOKEN, open_window, speak
from .support.tiny_whisper import make_tiny_whisper


@pytest.fixture(scope="module")
def whisper_folder(tmp_path_factory):
    """The random tiny Whisper, kept from the tokens that read as nothing (blanks, bytes of an unfinished
    character, start tokens), so that its partials and finals both have text to show."""
    folder = make_tiny_whisper(tmp_path_factory.mktemp("whisper") / "tiny-whisper", multilingual=False)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    config = json.loads((folder / "config.json").read_text())
    model = config["model"]
    texts = [tokenizer.decode([i]) for i in range(model["eot_id"])]
    unread = [i for i, text in enumerate(texts) if not text.strip() or "\ufffd" in text]
    model["suppress_ids"] += unread + list(range(model["eot_id"] + 1, model["no_timestamps_id"] + 1))
    (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> np.ndarray:
    """Two seconds or so of espeak-ng speech, 16 kHz."""
    return load_audio(speak("please call stella and ask her", tmp_path_factory.mktemp("speech") / "stella.wav"))


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), np.float32)


def _spoken(path) -> np.ndarray:
    """An espeak-ng recording without its trailing 0.35 s of silence: the pauses a test adds are the pauses."""
    audio = load_audio(path)
    return audio[: np.flatnonzero(np.abs(audio) > 1e-3)[-1] + 1]


def _push(stream, audio, chunk=1600):
    return [event for start in range(0, audio.size, chunk) for event in stream.push(audio[start : start + chunk])]


def test_whisper_partials_carry_a_row_per_piece_over_the_audio_heard_so_far(whisper_folder, speech):
    recognizer = Recognizer.from_folder(whisper_folder)
    stream = StreamingRecognizer(recognizer)
    events = _push(stream, np.concatenate([_silence(0.5), speech, _silence(1.0)])) + stream.flush()
    partials = [e for e in events if isinstance(e, Partial)]
    assert partials and all(p.pieces for p in partials)  # random weights read noise, but they read something
    for partial in partials:
        frames = math.ceil(partial.audio.size / SAMPLE_RATE / 0.02)  # Whisper's 20-ms encoder frames
        assert partial.frame_seconds == 0.02
        assert partial.attention.shape == (len(partial.pieces), frames)
        assert np.all(partial.attention.sum(axis=1) > 0)  # every row attends somewhere in the audio heard
    sizes = [p.audio.size for p in partials]
    assert sizes == sorted(sizes)  # the segment so far, growing


def test_ctc_partials_carry_text_alone(tiny_asr):
    stream = StreamingRecognizer(Recognizer.from_folder(tiny_asr.folder))
    audio = np.concatenate([_silence(0.5), load_audio(tiny_asr.wavs[1]), _silence(1.0)])
    partials = [e for e in _push(stream, audio) if isinstance(e, Partial)]
    assert partials and all(p.text and not p.pieces and p.attention.shape == (0, 0) for p in partials)


class _HeldFinals:
    """A recognizer whose final decodings wait until the test lets each go, noting the audio each was given and
    how it ended."""

    def __init__(self, recognizer):
        self.recognizer = recognizer
        self.started, self.release, self.ended = threading.Semaphore(0), threading.Semaphore(0), threading.Semaphore(0)
        self.audio: list[np.ndarray] = []
        self.endings: list[str] = []

    def __getattr__(self, name):
        return getattr(self.recognizer, name)

    def transcribe(self, audio, options=None, stop=None):
        self.audio.append(audio)
        self.started.release()
        assert self.release.acquire(timeout=30), "the test never released the final decoding"
        try:
            transcript = self.recognizer.transcribe(audio, options, stop)
        except DecodingStopped:
            self.endings.append("stopped")
            raise
        finally:
            self.ended.release()
        self.endings.append("done")
        return transcript


def _finals(events) -> list[tuple[int, str, float, float]]:
    return [(e.segment, e.text, round(e.start, 3), round(e.end, 3)) for e in events if isinstance(e, Final)]


def test_a_final_started_in_the_closing_silence_reads_what_the_final_after_the_close_reads(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder)
    spoken = np.concatenate([_silence(0.5), _spoken(tiny_asr.wavs[1])])
    after_close = StreamingRecognizer(recognizer, finals_in_background=True, speculate_after=None)
    expected = _finals(_push(after_close, np.concatenate([spoken, _silence(1.0)])) + after_close.flush())
    assert [text for _, text, _, _ in expected] == [SPOKEN[1]]

    held = _HeldFinals(recognizer)
    early = StreamingRecognizer(held, finals_in_background=True, speculate_after=0.3)
    events = _push(early, np.concatenate([spoken, _silence(0.45)]))  # 0.45 s of a pause that closes at 0.6 s
    assert held.started.acquire(timeout=30)  # the final's decoding began before the segment closed
    assert not _finals(events)
    held.release.release()
    events += _push(early, _silence(0.55)) + early.flush()
    assert _finals(events) == expected and held.endings == ["done"]  # the one decoding became the final
    final = next(e for e in events if isinstance(e, Final))
    assert held.audio[0].size == final.audio.size  # it decoded the segment as it closed, its pause's end silent


def test_speech_resuming_in_a_pause_drops_the_early_final(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder)
    first, second = _spoken(tiny_asr.wavs[1]), _spoken(tiny_asr.wavs[2])
    held = _HeldFinals(recognizer)
    stream = StreamingRecognizer(held, finals_in_background=True, speculate_after=0.3)
    events = _push(stream, np.concatenate([_silence(0.5), first, _silence(0.45)]))
    assert held.started.acquire(timeout=30)  # a pause long enough to start the final early...
    events += _push(stream, second)  # ...but the speaker goes on: one segment, not yet closed
    held.release.release()  # the dropped decoding stops at its next token
    events += _push(stream, _silence(1.0))
    assert held.started.acquire(timeout=30)  # the final of the whole segment, started early in its own pause
    held.release.release()
    finals = _finals(events + stream.flush())
    assert held.endings == ["stopped", "done"]
    assert [segment for segment, *_ in finals] == [0] and finals[0][1].startswith(SPOKEN[1])


def test_cancelling_stops_an_early_final_and_nothing_is_left_to_wait_for(tiny_asr):
    held = _HeldFinals(Recognizer.from_folder(tiny_asr.folder))
    stream = StreamingRecognizer(held, finals_in_background=True, speculate_after=0.3)
    _push(stream, np.concatenate([_silence(0.5), _spoken(tiny_asr.wavs[1]), _silence(0.45)]))
    assert held.started.acquire(timeout=30)
    stream.cancel()
    held.release.release()
    assert not _finals(stream.flush()) and stream.poll() == []  # nothing is waited for
    assert held.ended.acquire(timeout=30)
    assert held.endings == ["stopped"] and len(held.audio) == 1


def test_the_dictate_view_draws_a_partials_rows_before_its_final(qtbot, whisper_folder, speech, tmp_path, monkeypatch):
    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    window = open_window(qtbot, tmp_path, whisper_folder, "tiny-whisper")
    tab = window.dictate_tab
    tab.picker.select_folder(str(tmp_path / "models" / "tiny-whisper"))
    seen = _ViewWatcher(tab)
    tab.worker.partialRows.connect(seen.rows)  # after the tab's own slot: sees what it made of them
    tab.worker.final.connect(seen.final)
    audio = np.concatenate([_silence(0.5), speech, _silence(1.0)])
    with qtbot.waitSignal(tab.finished, timeout=60000, check_params_cb=lambda job, done: done):
        tab.play_array(audio)
    assert seen.events[0] == "rows on view" and "final" in seen.events  # the rows came before any final
    rows = seen.first
    assert rows.attention.shape == (len(rows.pieces), math.ceil(rows.audio.size / SAMPLE_RATE / 0.02))
    assert rows.mel.shape[1] == 80 and rows.mel.shape[0] == pytest.approx(rows.audio.size / 160, abs=2)
    assert tab.spectrogram.partial() is None  # once the recording has ended: its finals, not a partial's rows
    window.close()


class _ViewWatcher(QObject):
    """Notes, on the GUI thread, whether each partial's rows are on the view once the tab has taken them."""

    def __init__(self, tab):
        super().__init__()
        self.tab, self.events, self.first = tab, [], None

    @Slot(int, object)
    def rows(self, job, rows):
        view = self.tab.spectrogram
        drawn = view.partial() is rows and not view.grab().isNull()
        self.events.append("rows on view" if drawn else "rows not shown")
        self.first = self.first or rows

    @Slot(int, object)
    def final(self, job, result):
        self.events.append("final")
