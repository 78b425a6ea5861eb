"""Warnings about a transcribed segment: tokens written over silence or past the end, text too long for its speech.

Real LibriSpeech audio with an attention that follows its speech (as the models' does) gives none; the same
audio with a token made to attend in 2 s of appended silence, or beyond the audio, or with three times its text,
does. One test runs whisper-tiny.en itself on the real clip (skipped where it is not installed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.speech.transcript_warnings import (
    ON_SILENCE,
    PAST_END,
    TOO_LONG,
    long_silences,
    silent_spans,
    transcript_warnings,
)

SPEECH = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech"
CLIP = SPEECH / "librispeech" / "3526-176653-0015.ogg"
TEXT = "he said shaking his head affirmatively a long cry came down the ravine"
FRAME = 0.02


@pytest.fixture(scope="module")
def audio() -> np.ndarray:
    if not CLIP.is_file():
        pytest.skip(f"the shared LibriSpeech recordings are not at {CLIP.parent}")
    from desktop_app.speech.features import load_audio

    return load_audio(CLIP)


def following_attention(audio: np.ndarray, tokens: int, frames: int | None = None) -> np.ndarray:
    """(tokens, frames): each token's row a bump on the next stretch of the audio's loud frames, in order."""
    from desktop_app.speech.transcript_warnings import quiet_frames

    loud = np.flatnonzero(~quiet_frames(audio, FRAME))
    frames = frames or loud.max() + 1
    centres = loud[np.linspace(0, loud.size - 1, tokens).round().astype(int)]
    grid = np.arange(frames)
    rows = np.exp(-0.5 * ((grid[None, :] - centres[:, None]) / 3.0) ** 2)
    return (rows / rows.sum(axis=1, keepdims=True)).astype(np.float32)


def pieces(text: str) -> list[str]:
    return [" " + word for word in text.split()]


def test_a_real_clip_read_as_it_was_gives_no_warning(audio):
    words = pieces(TEXT)
    assert transcript_warnings(audio, following_attention(audio, len(words)), FRAME, words) == []


def test_a_token_in_appended_silence_is_flagged(audio):
    padded = np.concatenate([audio, np.zeros(32000, np.float32)])
    words = pieces(TEXT + " again")
    attention = following_attention(audio, len(words), frames=int(padded.size / 16000 / FRAME))
    attention[-1] = 0
    attention[-1, -60:-40] = 1 / 20  # the made-up last word attends in the middle of the silence
    warnings = transcript_warnings(padded, attention, FRAME, words)
    assert [w.kind for w in warnings] == [ON_SILENCE]
    assert warnings[0].tokens == (len(words) - 1,) and "'again'" in warnings[0].message
    start, end = warnings[0].spans[-1]
    assert end == pytest.approx(padded.size / 16000) and start < padded.size / 16000 - 1.5


def test_the_silence_between_sentences_is_found_but_short_pauses_are_not(audio):
    spans = silent_spans(audio, FRAME)
    assert all(end - start < 1.0 for start, end in spans)  # LibriSpeech keeps little silence at its edges
    padded = np.concatenate([audio, np.zeros(32000, np.float32)])
    assert silent_spans(padded, FRAME)[-1][1] - silent_spans(padded, FRAME)[-1][0] > 1.8
    assert long_silences(audio, FRAME).mean() < 0.2


def test_a_token_looking_past_the_end_is_flagged(audio):
    words = pieces(TEXT)
    attention = following_attention(audio, len(words))
    attention[-1] *= 0.1  # 90% of its attention was on the padding that was cut off
    warnings = transcript_warnings(audio, attention, FRAME, words)
    assert [w.kind for w in warnings] == [PAST_END] and warnings[0].tokens == (len(words) - 1,)


def test_punctuation_is_never_flagged(audio):
    words = pieces(TEXT) + ["."]
    attention = following_attention(audio, len(words) - 1)
    cut_off = np.full((1, attention.shape[1]), 0.05 / attention.shape[1], np.float32)  # Whisper's closing "."
    attention = np.vstack([attention, cut_off])
    assert transcript_warnings(audio, attention, FRAME, words) == []


def test_text_far_longer_than_the_speech_is_flagged(audio):
    words = pieces(" ".join([TEXT] * 3))
    warnings = transcript_warnings(audio, following_attention(audio, len(words)), FRAME, words)
    assert [w.kind for w in warnings] == [TOO_LONG]
    assert warnings[0].message.startswith(f"{len(words)} words in ")


def test_silence_and_nothing_written_give_no_warning():
    quiet = np.zeros(16000, np.float32)
    assert transcript_warnings(quiet, np.zeros((0, 50), np.float32), FRAME, []) == []
    assert transcript_warnings(np.zeros(0, np.float32), np.zeros((1, 0), np.float32), FRAME, [" hi"]) == []


def test_whisper_on_the_real_clip_gives_no_warning(audio):
    from desktop_app.installing.install import installed_folder

    folder = installed_folder("whisper-tiny.en")
    if folder is None:
        pytest.skip("whisper-tiny.en is not installed (attend models install whisper-tiny.en)")
    from desktop_app.speech.recognizer import Recognizer

    transcript = Recognizer.from_folder(folder).transcribe(audio)
    assert "ravine" in transcript.text
    assert transcript_warnings(audio, transcript.attention, transcript.frame_seconds, transcript.pieces) == []
