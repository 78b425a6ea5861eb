"""The Dictate tab as a user sees it: a file's progress and Cancel, the whole attention diagonal on screen and in
an export, word labels that never overlap, hovering the spectrogram, warnings, Record without a microphone, a
large font, and microphone errors that say what to do."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from desktop_app.gui import audio_input, dictate_tab
from desktop_app.gui.dictate_worker import FinalResult
from desktop_app.gui.file_progress import FileProgress
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Settings
from desktop_app.gui.spectrogram_axes import EXPORT_ROW_HEIGHT
from desktop_app.speech.features import load_audio
from desktop_app.speech.transcript_warnings import TranscriptWarning

from .conftest import open_window

RATE = 16000


@pytest.fixture
def window(qtbot, tiny_asr, tmp_path, monkeypatch):
    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    main_window = open_window(qtbot, tmp_path, tiny_asr.folder, "asr-tiny")
    main_window.resize(1100, 760)  # the default size
    main_window.tabs.setCurrentWidget(main_window.dictate_tab)
    yield main_window
    main_window.close()


def diagonal_segment(seconds: float = 10.0, tokens: int = 120, words: int | None = None) -> FinalResult:
    """A fast-spoken segment: `tokens` output tokens whose attention walks down the audio (40 ms frames)."""
    frames = int(seconds / 0.04)
    centres = np.linspace(0, frames - 1, tokens)
    attention = np.exp(-0.5 * ((np.arange(frames)[None, :] - centres[:, None]) / 1.5) ** 2).astype(np.float32)
    words = words or tokens // 2
    bounds = np.linspace(0, seconds, words + 1)
    names = [f"word{i}" for i in range(words)]
    rng = np.random.default_rng(0)
    return FinalResult(
        0,
        " ".join(names),
        0.0,
        seconds,
        [("\u2581" if i % 2 == 0 else "") + f"p{i}" for i in range(tokens)],
        attention,
        0.04,
        [(name, float(a), float(b)) for name, a, b in zip(names, bounds[:-1], bounds[1:], strict=True)],
        rng.normal(-4, 1, (int(seconds * 100), 80)).astype(np.float32),
        audio=rng.normal(0, 0.1, int(seconds * RATE)).astype(np.float32),
    )


def ten_second_file(tiny_asr, path) -> str:
    speech = [load_audio(w) for w in tiny_asr.wavs]
    pause = np.zeros(RATE // 2, np.float32)
    audio = np.concatenate([part for s in speech for part in (pause, s)])
    audio = np.concatenate([audio] * (1 + int(10 * RATE / audio.size)))[: 10 * RATE]
    soundfile.write(path, audio, RATE)
    return str(path)


def test_a_file_shows_its_progress_to_the_end(qtbot, window, tiny_asr, tmp_path):
    tab = window.dictate_tab
    seen = []
    tab.progress.bar.valueChanged.connect(seen.append)  # the bar's own signal: on the GUI thread
    with qtbot.waitSignal(tab.finished, timeout=60000, check_params_cb=lambda job, done: done):
        tab.transcribe_file(ten_second_file(tiny_asr, tmp_path / "ten.wav"))
        assert tab.progress.isVisible() and tab.progress.cancel_button.isVisible()
    assert seen and max(seen) == tab.progress.bar.maximum() > 0  # it reached the end of the file
    assert not tab.progress.isVisible() and tab.finals  # and went away, leaving the text


def test_cancel_stops_a_file_and_says_so(qtbot, window, tiny_asr, tmp_path):
    tab = window.dictate_tab
    path = tmp_path / "long.wav"
    soundfile.write(path, np.concatenate([load_audio(ten_second_file(tiny_asr, tmp_path / "t.wav"))] * 12), RATE)
    with qtbot.waitSignal(tab.finished, timeout=60000) as finished:
        tab.transcribe_file(str(path))
        qtbot.waitUntil(lambda: tab.progress.fraction() > 0, timeout=30000)
        tab.progress.cancel_button.click()
    assert finished.args[1] is False
    assert "cancelled" in tab.message.text().lower() and not tab.progress.isVisible()


def test_loading_a_model_shows_a_busy_indicator():
    progress = FileProgress()
    progress.start_loading("whisper-tiny.en")
    assert progress.loading() and progress.bar.maximum() == 0 and not progress.cancel_button.isVisibleTo(progress)
    assert "whisper-tiny.en" in progress.label.text()
    progress.loaded()
    assert progress.isHidden() and not progress.loading()  # nothing else was running


def test_the_whole_attention_diagonal_fits_the_default_window(qtbot, window):
    view = window.dictate_tab.spectrogram
    segment = diagonal_segment(10.0, tokens=120)
    view.show_segment(segment)
    layout = view.layout()
    assert layout.rows.bottom() <= view.height()  # the last row is on screen
    assert layout.rows.right() <= view.width()
    image = view.grab().toImage()
    last_row_y = int(layout.rows.top() + 119.5 * layout.row_height)
    end_x = int(layout.x_of(10.0 - 0.04 * 1.5))  # where the last token's attention peaks
    row = [QImage.pixelColor(image, x, last_row_y).lightness() for x in range(int(layout.left), view.width() - 8)]
    assert int(np.argmax(row)) + int(layout.left) >= end_x - 6  # the diagonal reaches the bottom-right corner


def test_a_png_export_holds_every_row(qtbot, window, tmp_path):
    tab = window.dictate_tab
    segment = diagonal_segment(10.0, tokens=120)
    tab.spectrogram.show_segment(segment)
    tab.export_to(str(tmp_path / "all.png"), "png")
    image = QImage(str(tmp_path / "all.png"))
    layout = tab.spectrogram.layout()
    assert image.height() >= 120 * EXPORT_ROW_HEIGHT
    from desktop_app.gui.spectrogram_paint import layout_for

    whole = layout_for(segment, image.width(), image.height(), tab.spectrogram.font())
    assert whole.row_height >= EXPORT_ROW_HEIGHT and whole.rows.bottom() <= image.height()
    for token in (0, 60, 119):  # each row's brightest pixel is where its token attends
        y = int(whole.rows.top() + (token + 0.5) * whole.row_height)
        xs = range(whole.left, whole.left + whole.width)
        brightest = whole.left + int(np.argmax([image.pixelColor(x, y).lightness() for x in xs]))
        assert abs(whole.seconds_at(brightest) - token * 0.04 * 250 / 119) < 0.15
    assert layout is not None


def test_word_labels_of_fast_speech_never_overlap(qtbot, window):
    view = window.dictate_tab.spectrogram
    view.show_segment(diagonal_segment(5.0, tokens=80, words=40))  # 8 words a second
    labels = [rect for rect in view.word_label_rects() if rect is not None]
    assert len(labels) >= 20  # most words keep a label
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not a.intersects(b), (a, b)
        assert view.layout().words.contains(a)


def test_hovering_the_spectrogram_highlights_the_tokens_there_until_the_tab_is_left(qtbot, window, tiny_asr):
    tab = window.dictate_tab
    segment = diagonal_segment(10.0, tokens=120)
    tab.finals = [segment]
    tab.spectrogram.show_segment(segment)
    layout = tab.spectrogram.layout()
    QTest.mouseMove(tab.spectrogram, QPoint(int(layout.x_of(5.0)), layout.spectrogram.center().y()))
    tokens = tab.spectrogram.hover_tokens()
    assert tokens and all(abs(t * 10.0 / 119 - 5.0) < 0.2 for t in tokens)
    window.tabs.setCurrentWidget(window.translate_tab)
    assert tab.spectrogram.hover_tokens() == ()
    window.tabs.setCurrentWidget(tab)
    QTest.mouseMove(tab.spectrogram, QPoint(int(layout.x_of(2.0)), layout.spectrogram.center().y()))
    assert tab.spectrogram.hover_tokens()
    with qtbot.waitSignal(tab.finished, timeout=30000):
        tab.transcribe_file(str(tiny_asr.wavs[0]))
        assert tab.spectrogram.hover_tokens() == ()  # a new file clears it at once


def test_clicking_a_token_row_plays_its_word(qtbot, window, monkeypatch):
    from desktop_app.gui import playback

    tab = window.dictate_tab
    segment = diagonal_segment(10.0, tokens=20, words=10)
    tab.spectrogram.show_segment(segment)
    played = []
    monkeypatch.setattr(playback, "play", lambda samples, rate: played.append(samples.size))
    row = tab.spectrogram.row_rect(5)
    with qtbot.waitSignal(tab.status, timeout=5000) as status:
        QTest.mouseClick(tab.spectrogram, Qt.MouseButton.LeftButton, pos=QPointF(5, row.center().y()).toPoint())
    assert "'word2'" in status.args[0] and played == [RATE]  # token 5 is the second piece of word 2: one second


def test_warnings_are_shown_in_the_message_line_and_marked(qtbot, window):
    tab = window.dictate_tab
    segment = diagonal_segment(10.0, tokens=20, words=10)
    segment.warnings = [
        TranscriptWarning("on silence", "Written while the audio was silent: 'p19'", (19,), ((8.0, 10.0),))
    ]
    tab.finals = [segment]
    tab._show_segment(0)
    assert tab.message.text().startswith("⚠") and "'p19'" in tab.message.text()
    layout = tab.spectrogram.layout()
    image = tab.spectrogram.grab().toImage()
    top_of_span = image.pixelColor(int(layout.x_of(9.0)), layout.spectrogram.top() + 1)
    assert top_of_span.red() > 200 and top_of_span.green() < 120  # the silence is marked in red


def test_record_is_disabled_with_a_reason_when_there_is_no_microphone(qtbot, tiny_asr, tmp_path, monkeypatch):
    monkeypatch.setattr(dictate_tab, "input_devices", lambda rescan=False: [])
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    main_window = MainWindow(settings, model_roots=[tiny_asr.folder.parent])
    qtbot.addWidget(main_window)
    tab = main_window.dictate_tab
    assert not tab.record_button.isEnabled() and "No microphone" in tab.record_button.toolTip()
    assert tab.open_button.isEnabled()
    main_window.close()


def test_a_missing_device_is_explained_not_quoted():
    class PortAudioError(Exception):
        pass

    message = audio_input.explain(PortAudioError("Error querying device -1"), "The microphone could not be opened")
    assert "Error querying" not in message and "Refresh microphones" in message and "\n" not in message


def test_the_toolbar_fits_the_window_with_a_large_font(qtbot, window):
    tab = window.dictate_tab
    font = tab.font()
    font.setPointSizeF(font.pointSizeF() * 1.6)
    tab.setFont(font)
    assert tab.toolbar.minimumSizeHint().width() <= 1100 - 40
    assert type(tab.level).__name__ == "LevelMeter"  # a meter, not an empty-looking text field
