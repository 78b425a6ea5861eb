"""Warnings about a transcribed segment, from its audio and its attention: hints for people, never a verdict.

    warnings = transcript_warnings(audio, attention, frame_seconds, pieces)
    for warning in warnings:      # TranscriptWarning(kind, message, tokens, spans)
        print(warning.message)    # tokens: indices into pieces (rows of attention); spans: seconds to mark

Three kinds:

- on silence: a word token whose attention sits mostly (ON_SILENCE_SHARE) in a long silence (at least
  MIN_SILENCE_SECONDS, less SILENCE_MARGIN_SECONDS at each inner edge, where a token may look just before its
  word): the model wrote it without anything there to hear.
- past the end: a word token whose attention lies mostly (PAST_END_SHARE) beyond the audio: columns past its
  end, or the share of the row that was cut off with them (Whisper's rows cover a padded 30-s window).
- too long: more than MAX_WORDS_PER_SECOND words per second of speech (frames within SILENCE_DB of the loud
  level): no one says that much in so little speech.

Punctuation tokens are never flagged: Whisper's closing "." attends to the silence after the last word.

How the thresholds were chosen (whisper-tiny.en and the bundled asr-en on LibriSpeech dev clips, as they are
and with 2 s of silence appended; the reference texts of 130 LibriSpeech, 40 LJSpeech and 40 AN4 clips):
- a word token's share on long silence was at most 0.45 (asr-en; Whisper at most 0.12), as recorded and with
  the silence appended: neither model wrote anything into the appended silence, so that gives no warning;
  a token made to attend there does (tests/test_transcript_warnings.py).
- the smallest share of a Whisper word token's row left inside the audio was 0.42 (past the end: 0.58).
- speech rates were at most 4.6 words per second of speech (LibriSpeech), 3.7 (LJSpeech) and 5.1 (AN4's
  spelled letters count as words); MAX_WORDS_PER_SECOND = 7 leaves a margin of 40% over the fastest.

Shapes: audio (samples,) float32 mono at `sample_rate`; attention (tokens, frames), each row the token's
attention over encoder frames of `frame_seconds` each, starting at the audio's start; pieces: one per row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ON_SILENCE, PAST_END, TOO_LONG = "on silence", "past the end", "too long"
SILENCE_DB = -35.0  # a frame this far below the loud level (95th percentile of the frames) is silent
QUIET_DBFS = -60.0  # and so is any frame this quiet, however quiet the whole recording is
MIN_SILENCE_SECONDS = 0.6  # a pause this long is silence, not the gap between two words
SILENCE_MARGIN_SECONDS = 0.15  # a token may look this far into a silence just before (or after) its word
ON_SILENCE_SHARE = 0.5
PAST_END_SHARE = 0.7
MAX_WORDS_PER_SECOND = 7.0
MIN_WORDS = 4  # a word or three in a short stretch of speech is never "too long"
MIN_SPEECH_SECONDS = 0.25  # speech counted as at least this long (a burst of 20 ms is not a rate)


@dataclass(frozen=True)
class TranscriptWarning:
    kind: str  # ON_SILENCE, PAST_END or TOO_LONG
    message: str  # one line for people
    tokens: tuple[int, ...] = ()  # rows of the attention (indices into pieces) it is about
    spans: tuple[tuple[float, float], ...] = ()  # (start, end) seconds to mark on the spectrogram


def frame_levels(audio: np.ndarray, frame_seconds: float, sample_rate: int = 16000) -> np.ndarray:
    """(frames,) dBFS of each frame of `frame_seconds` (the last one padded with silence)."""
    hop = max(1, round(frame_seconds * sample_rate))
    frames = max(1, -(-audio.size // hop))
    padded = np.zeros(frames * hop, np.float32)
    padded[: audio.size] = audio
    rms = np.sqrt(np.mean(np.square(padded.reshape(frames, hop)), axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-6))


def quiet_frames(audio: np.ndarray, frame_seconds: float, sample_rate: int = 16000) -> np.ndarray:
    """(frames,) bool: frames well below the recording's loud level, or quiet outright."""
    levels = frame_levels(audio, frame_seconds, sample_rate)
    return (levels < np.percentile(levels, 95) + SILENCE_DB) | (levels < QUIET_DBFS)


def long_silences(audio: np.ndarray, frame_seconds: float, sample_rate: int = 16000) -> np.ndarray:
    """(frames,) bool: frames inside a silence of at least MIN_SILENCE_SECONDS, less the margins at its inner
    edges (a silence at the start or end of the audio keeps its outer edge)."""
    quiet = quiet_frames(audio, frame_seconds, sample_rate)
    silent = np.zeros_like(quiet)
    margin = round(SILENCE_MARGIN_SECONDS / frame_seconds)
    for start, end in _runs(quiet):
        if (end - start) * frame_seconds >= MIN_SILENCE_SECONDS:
            silent[start + (margin if start > 0 else 0) : end - (margin if end < quiet.size else 0)] = True
    return silent


def silent_spans(audio: np.ndarray, frame_seconds: float, sample_rate: int = 16000) -> list[tuple[float, float]]:
    """The long silences as (start, end) seconds."""
    silent = long_silences(audio, frame_seconds, sample_rate)
    duration = audio.size / sample_rate
    return [(start * frame_seconds, min(duration, end * frame_seconds)) for start, end in _runs(silent)]


def transcript_warnings(
    audio: np.ndarray,
    attention: np.ndarray,
    frame_seconds: float,
    pieces: Sequence[str],
    sample_rate: int = 16000,
) -> list[TranscriptWarning]:
    """The warnings for one segment (see the module's docstring), in the order silence, past the end, too long."""
    assert attention.ndim == 2 and attention.shape[0] == len(pieces), (attention.shape, len(pieces))
    duration = audio.size / sample_rate
    if audio.size == 0 or not len(pieces):
        return []
    words = [i for i, piece in enumerate(pieces) if re.search(r"\w", piece)]
    warnings = []
    silent = long_silences(audio, frame_seconds, sample_rate)
    columns = min(attention.shape[1], silent.size)
    totals = np.maximum(attention.sum(axis=1), 1e-9)
    on_silence = (attention[:, :columns] * silent[:columns]).sum(axis=1) / totals
    flagged = tuple(i for i in words if on_silence[i] > ON_SILENCE_SHARE)
    if flagged:
        message = f"Written while the audio was silent: {_quoted(pieces, flagged)}"
        spans = tuple(silent_spans(audio, frame_seconds, sample_rate))
        warnings.append(TranscriptWarning(ON_SILENCE, message, flagged, spans))
    inside = min(attention.shape[1], int(np.ceil(duration / frame_seconds - 1e-6)))
    past_end = np.clip(1.0 - attention[:, :inside].sum(axis=1), 0.0, 1.0)  # rows are distributions, maybe cut
    flagged = tuple(i for i in words if past_end[i] > PAST_END_SHARE)
    if flagged:
        warnings.append(
            TranscriptWarning(
                PAST_END,
                f"Looking past the end of the audio: {_quoted(pieces, flagged)}",
                flagged,
                ((max(0.0, duration - frame_seconds), duration),),
            )
        )
    speech = max(MIN_SPEECH_SECONDS, float((~quiet_frames(audio, frame_seconds, sample_rate)).sum()) * frame_seconds)
    word_count = len("".join(pieces).replace("\u2581", " ").split())
    if word_count >= MIN_WORDS and word_count / speech > MAX_WORDS_PER_SECOND:
        warnings.append(
            TranscriptWarning(
                TOO_LONG,
                f"{word_count} words in {speech:.1f} s of speech ({word_count / speech:.0f} a second): "
                "more text than the speech could hold",
                spans=((0.0, duration),),
            )
        )
    return warnings


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the runs of True in a 1-d bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[False], mask, [False]]).astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _quoted(pieces: Sequence[str], tokens: tuple[int, ...]) -> str:
    shown = ", ".join(f"'{pieces[i].replace(chr(0x2581), ' ').strip()}'" for i in tokens[:5])
    return shown + (f" and {len(tokens) - 5} more" if len(tokens) > 5 else "")
