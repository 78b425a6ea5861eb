"""Streaming recognition: audio chunks in, partial and final results out.

Voice activity (WebRTC VAD, 30 ms frames) opens a segment when speech starts and closes
it after `end_silence` seconds of silence. While a segment is open, a partial transcript
(fast CTC decoding of the segment so far) is produced every `partial_interval` seconds of
audio; when it closes, the attention decoder gives the final transcript with its
attention matrix and word times. Silence never produces text, and neither does noise: WebRTC VAD
takes loud noise for speech, so partials and finals also pass the recognizer's checks (no_speech.py).

The final decoding of a segment (beam search with the language model) takes far longer than a
partial. With `finals_in_background=True` it runs on a thread of its own, one segment at a time
and in order, so that someone who goes on speaking after a pause keeps getting partial results
(and the caller keeps reading its microphone): `push` then returns the finals that have been
decoded since, `poll` returns them between chunks and `flush` waits for the rest. `cancel`, or
`should_stop` returning True, stops a final decoding at its next token (that segment gets no final).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from desktop_app.seq2seq import DecodeOptions, DecodingStopped

from .features import SAMPLE_RATE
from .recognizer import Recognizer, Transcript

VAD_FRAME = 480  # 30 ms at 16 kHz, a frame size WebRTC VAD accepts


@dataclass
class Partial:
    segment: int
    text: str
    start: float  # seconds since the stream started
    audio_seconds: float  # how much of the stream had arrived when this was computed
    # the words of `text` two successive decodes of the growing segment agreed on: they are kept from then on
    # (the rest may still change), so that what a person reads does not flicker
    stable: str = ""


@dataclass
class Final:
    segment: int
    text: str
    start: float
    end: float
    transcript: Transcript
    audio: np.ndarray = field(repr=False)  # the segment's samples (for the spectrogram)


@dataclass
class _ClosedSegment:
    segment: int
    start: float
    audio: np.ndarray = field(repr=False)


class VoiceActivity:
    """Speech/non-speech per 30 ms frame: WebRTC VAD plus a level floor against hiss."""

    def __init__(self, aggressiveness: int = 2, min_rms: float = 0.003):
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)
        self.min_rms = min_rms

    def is_speech(self, frame: np.ndarray) -> bool:
        if float(np.sqrt(np.mean(np.square(frame)))) < self.min_rms:
            return False
        pcm = (np.clip(frame, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return self._vad.is_speech(pcm, SAMPLE_RATE)


class StreamingRecognizer:
    def __init__(
        self,
        recognizer: Recognizer,
        partial_interval: float = 0.5,
        start_speech: float = 0.12,
        end_silence: float = 0.6,
        pre_roll: float = 0.3,
        max_segment: float = 20.0,
        vad: VoiceActivity | None = None,
        options: DecodeOptions | None = None,
        finals_in_background: bool = False,
        should_stop: Callable[[], bool] | None = None,
    ):
        """should_stop: asked between the tokens of a final decoding (e.g. whether the caller's job is still wanted)."""
        self.recognizer, self.options = recognizer, options
        self._should_stop = should_stop
        self._cancelled = threading.Event()
        self.vad = vad or VoiceActivity()
        self.partial_interval, self.end_silence, self.max_segment = partial_interval, end_silence, max_segment
        self._start_frames = max(1, round(start_speech * SAMPLE_RATE / VAD_FRAME))
        self._pre_roll = deque(maxlen=max(1, round(pre_roll * SAMPLE_RATE / VAD_FRAME)))
        self._pending = np.zeros(0, np.float32)
        self._segment: list[np.ndarray] = []
        self._segment_start = 0.0
        self._speech_run = self._silence_run = 0
        self._since_partial = 0
        self._samples_seen = 0
        self._segments = 0
        self._agreement = _LocalAgreement()
        self._finals = _BackgroundFinals(self._final) if finals_in_background else None

    @property
    def in_speech(self) -> bool:
        return bool(self._segment)

    def push(self, chunk: np.ndarray) -> list[Partial | Final]:
        """Feed 16 kHz mono float32 samples (any chunk size); returns the events they caused."""
        chunk = np.asarray(chunk, dtype=np.float32).reshape(-1)
        self._pending = np.concatenate([self._pending, chunk])
        events: list[Partial | Final] = []
        while self._pending.size >= VAD_FRAME:
            frame, self._pending = self._pending[:VAD_FRAME], self._pending[VAD_FRAME:]
            self._samples_seen += VAD_FRAME
            event = self._frame(frame, self.vad.is_speech(frame))
            if event is not None:
                events.append(event)
        return events + self.poll()

    def poll(self) -> list[Final]:
        """The finals decoded in the background since the last call, in order (none without a background)."""
        return self._finals.ready() if self._finals is not None else []

    def flush(self) -> list[Partial | Final]:
        """End of the stream: close an open segment (and wait for every final still being decoded)."""
        closing = self._close() if self._segment else None
        events: list[Partial | Final] = [closing] if closing is not None else []
        return events + (self._finals.wait() if self._finals is not None else [])

    def cancel(self) -> None:
        """Stop a final decoding at its next token and drop the segments still waiting for one."""
        self._cancelled.set()
        if self._finals is not None:
            self._finals.cancel()

    def _stopped(self) -> bool:
        return self._cancelled.is_set() or (self._should_stop is not None and self._should_stop())

    def _frame(self, frame: np.ndarray, speech: bool) -> Partial | Final | None:
        if not self._segment:
            self._pre_roll.append(frame)
            self._speech_run = self._speech_run + 1 if speech else 0
            if self._speech_run >= self._start_frames:
                self._open()
            return None
        self._segment.append(frame)
        self._silence_run = 0 if speech else self._silence_run + 1
        self._since_partial += VAD_FRAME
        segment_seconds = len(self._segment) * VAD_FRAME / SAMPLE_RATE
        if self._silence_run * VAD_FRAME >= self.end_silence * SAMPLE_RATE or segment_seconds >= self.max_segment:
            return self._close()
        if self._since_partial >= self.partial_interval * SAMPLE_RATE:
            self._since_partial = 0
            text, stable = self._agreement.add(self.recognizer.partial_text(np.concatenate(self._segment)))
            return Partial(self._segments, text, self._segment_start, self._samples_seen / SAMPLE_RATE, stable)
        return None

    def _open(self) -> None:
        self._segment = list(self._pre_roll)
        self._pre_roll.clear()
        self._segment_start = (self._samples_seen - len(self._segment) * VAD_FRAME) / SAMPLE_RATE
        self._silence_run = self._since_partial = self._speech_run = 0
        self._agreement = _LocalAgreement()

    def _close(self) -> Partial | Final | None:
        """Ends the open segment: its final result, or None for no text. When the final is decoded in the
        background: a last partial result covering the whole segment, to show until its final comes."""
        closed = _ClosedSegment(self._segments, self._segment_start, np.concatenate(self._segment))
        self._segment = []
        self._speech_run = 0
        self._segments += 1
        if self._finals is None:
            return self._final(closed)
        self._finals.submit(closed)
        text, stable = self._agreement.add(self.recognizer.partial_text(closed.audio))
        return (
            Partial(closed.segment, text, closed.start, self._samples_seen / SAMPLE_RATE, stable)
            if text.strip()
            else None
        )

    def _final(self, closed: _ClosedSegment) -> Final | None:
        """The segment's final result; None for no text, or when the decoding was stopped."""
        try:
            transcript = self.recognizer.transcribe(closed.audio, self.options, self._stopped)
        except DecodingStopped:
            return None
        if not transcript.text.strip():
            return None
        return Final(
            closed.segment,
            transcript.text,
            closed.start,
            closed.start + closed.audio.size / SAMPLE_RATE,
            transcript,
            closed.audio,
        )


class _LocalAgreement:
    """Partial texts of one growing segment -> (text to show, its committed words).

    A word is committed once two successive decodes agree on it and on every word before it; committed words
    stay, and a later decode only changes what follows them (the local agreement policy of streaming
    Whisper systems)."""

    def __init__(self):
        self.committed: list[str] = []
        self.previous: list[str] = []

    def add(self, text: str) -> tuple[str, str]:
        words = text.split()
        agreed = 0
        while agreed < min(len(words), len(self.previous)) and words[agreed] == self.previous[agreed]:
            agreed += 1
        if agreed > len(self.committed) and words[: len(self.committed)] == self.committed:
            self.committed = words[:agreed]
        self.previous = words
        return " ".join(self.committed + words[len(self.committed) :]), " ".join(self.committed)


class _BackgroundFinals:
    """Closed segments decoded on one thread of its own, in the order they closed."""

    def __init__(self, decode: Callable[[_ClosedSegment], Final | None]):
        self._decode = decode
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="final-decoding")
        self._pending: deque[Future] = deque()

    def submit(self, closed: _ClosedSegment) -> None:
        self._pending.append(self._executor.submit(self._decode, closed))

    def ready(self) -> list[Final]:
        """The finished decodings at the head of the queue; a decoding's error is raised here."""
        finals = []
        while self._pending and self._pending[0].done():
            final = self._pending.popleft().result()
            if final is not None:
                finals.append(final)
        return finals

    def wait(self) -> list[Final]:
        """Every final still to come, once decoded (promptly, once the stream is stopped); the thread then ends."""
        finals = [final for future in self._pending if (final := future.result()) is not None]
        self._pending.clear()
        self._executor.shutdown(wait=False)
        return finals

    def cancel(self) -> None:
        """Drop the segments not yet started (the running one stops by the stream's stop check)."""
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        self._executor.shutdown(wait=False)
