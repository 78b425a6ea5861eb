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

In the background the final decoding also starts early: once the closing silence has lasted `speculate_after`
seconds, the segment so far is decoded as it will be when it closes, its last `end_silence - speculate_after`
seconds of (not yet heard) silence taken as digital silence. When speech resumes first, that decoding is dropped
(stopped at its next token); when the segment closes as expected, it is the segment's final, which then comes that
much sooner after the pause (docs/experiments/2026-12-06-whisper.md, "Finals started in the pause").

A partial result carries what its decoding gave besides the text: a Whisper recognizer's greedy decoding gives each
output piece's attention row (see `Partial`), so that the rows can be drawn while the person is still speaking.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from desktop_app.seq2seq import DecodeOptions, DecodingStopped

from .features import SAMPLE_RATE
from .recognizer import PartialDecode, Recognizer, Transcript

VAD_FRAME = 480  # 30 ms at 16 kHz, a frame size WebRTC VAD accepts
# Seconds of closing silence after which a segment's final decoding starts in the background (of the 0.6 s that
# close it). Whisper tiny.en on 2 cores, finals after the close: median 946 ms; started after 0.3 s: 485 ms,
# after 0.2 s: 410 ms (p90 490); WER on 90 real-dev utterances 6.74% in all three (experiments/2026-12-06-whisper).
SPECULATE_AFTER = 0.2


def _no_rows() -> np.ndarray:
    return np.zeros((0, 0), np.float32)


@dataclass
class Partial:
    segment: int
    text: str
    start: float  # seconds since the stream started
    audio_seconds: float  # how much of the stream had arrived when this was computed
    # the words of `text` two successive decodes of the growing segment agreed on: they are kept from then on
    # (the rest may still change), so that what a person reads does not flicker
    stable: str = ""
    # What the partial decoding of `audio` gave (recognizer.PartialDecode), as it gave it (its text may differ from
    # `text` in words not yet agreed on). pieces: its output pieces, [] when it gives none (asr-en's CTC partials);
    # attention: (len(pieces), ceil(audio seconds / frame_seconds)), one cross-attention row per piece.
    pieces: list[str] = field(default_factory=list)
    attention: np.ndarray = field(default_factory=_no_rows, repr=False)
    frame_seconds: float = 0.0  # seconds of audio per attention column
    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), repr=False)  # the segment so far


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


@dataclass
class _Speculation:
    """A final decoding started before its segment closed, on the audio the segment will have if it closes as
    expected; `dropped` stops it at its next token."""

    audio: np.ndarray = field(repr=False)
    future: Future
    dropped: threading.Event


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
        speculate_after: float | None = SPECULATE_AFTER,
    ):
        """should_stop: asked between the tokens of a final decoding (e.g. whether the caller's job is still wanted).
        speculate_after: seconds of closing silence after which the final decoding starts (finals in the
        background only; None, or not less than end_silence: only once the segment has closed)."""
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
        self._finals = _BackgroundFinals(self._transcript) if finals_in_background else None
        self._close_frames = math.ceil(end_silence * SAMPLE_RATE / VAD_FRAME)  # of silence, to close a segment
        speculate = self._finals is not None and speculate_after is not None and speculate_after < end_silence
        self._speculate_frames = max(1, round(speculate_after * SAMPLE_RATE / VAD_FRAME)) if speculate else None
        self._speculation: _Speculation | None = None

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
        self._drop_speculation()
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
        if speech:
            self._drop_speculation()  # the pause was not the end of the segment
        self._since_partial += VAD_FRAME
        segment_seconds = len(self._segment) * VAD_FRAME / SAMPLE_RATE
        if self._silence_run >= self._close_frames or segment_seconds >= self.max_segment:
            return self._close()
        if self._silence_run == self._speculate_frames and self._speculation is None:
            self._speculate()
        if self._since_partial >= self.partial_interval * SAMPLE_RATE and self._speculation is None:
            # (while the final is decoded early, in the pause, a partial would only repeat the text and slow it)
            self._since_partial = 0
            return self._partial(self._segments, np.concatenate(self._segment))
        return None

    def _partial(self, segment: int, audio: np.ndarray) -> Partial:
        decoded: PartialDecode = self.recognizer.partial(audio)
        text, stable = self._agreement.add(decoded.text)
        return Partial(
            segment,
            text,
            self._segment_start,
            self._samples_seen / SAMPLE_RATE,
            stable,
            decoded.pieces,
            decoded.attention,
            decoded.frame_seconds,
            audio,
        )

    def _speculate(self) -> None:
        """Start the final decoding of the segment as it will be if the silence lasts until it closes (the silence
        still to come taken as digital silence: on 40 real-dev utterances that changed the text less than
        repeating the room noise heard so far)."""
        still_to_come = np.zeros((self._close_frames - self._silence_run) * VAD_FRAME, np.float32)
        self._speculation = self._finals.speculate(np.concatenate([*self._segment, still_to_come]))

    def _drop_speculation(self) -> None:
        if self._speculation is not None:
            self._speculation.dropped.set()
            self._speculation.future.cancel()
            self._speculation = None

    def _open(self) -> None:
        self._segment = list(self._pre_roll)
        self._pre_roll.clear()
        self._segment_start = (self._samples_seen - len(self._segment) * VAD_FRAME) / SAMPLE_RATE
        self._silence_run = self._since_partial = self._speech_run = 0
        self._agreement = _LocalAgreement()

    def _close(self) -> Partial | Final | None:
        """Ends the open segment: its final result, or None for no text. When the final is decoded in the
        background, and was not started early: a last partial result covering the whole segment, to show until its
        final comes."""
        closed = _ClosedSegment(self._segments, self._segment_start, np.concatenate(self._segment))
        self._segment = []
        self._speech_run = 0
        self._segments += 1
        if self._finals is None:
            return _final(closed, self._transcript(closed.audio))
        if self._speculation is not None and self._speculation.audio.size != closed.audio.size:
            self._drop_speculation()  # closed before the silence did it (max_segment, flush): not the same audio
        speculation, self._speculation = self._speculation, None
        self._finals.submit(closed, speculation.future if speculation is not None else None)
        if speculation is not None:
            return None  # its final is (nearly) decoded: the partial before it stays until then
        partial = self._partial(closed.segment, closed.audio)
        return partial if partial.text.strip() else None

    def _transcript(self, audio: np.ndarray, dropped: Callable[[], bool] | None = None) -> Transcript | None:
        """The final decoding of a segment's audio; None for no text, or when the decoding was stopped (by the
        stream, or by `dropped` returning True)."""
        stop = self._stopped if dropped is None else (lambda: dropped() or self._stopped())
        try:
            transcript = self.recognizer.transcribe(audio, self.options, stop)
        except DecodingStopped:
            return None
        return transcript if transcript.text.strip() else None


def _final(closed: _ClosedSegment, transcript: Transcript | None) -> Final | None:
    """The segment's final result; None for no text."""
    if transcript is None:
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
    """Final decodings on one thread of their own: closed segments in the order they closed, and speculations."""

    def __init__(self, transcribe: Callable[..., Transcript | None]):
        """transcribe(audio, dropped=None) -> the transcript, or None (see StreamingRecognizer._transcript)."""
        self._transcribe = transcribe
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="final-decoding")
        self._pending: deque[tuple[Future, _ClosedSegment]] = deque()
        self._cancelled = False

    def speculate(self, audio: np.ndarray) -> _Speculation | None:
        """Start decoding `audio` (after the finals before it); it becomes a final only when `submit` adopts it.
        None once cancelled."""
        if self._cancelled:
            return None
        dropped = threading.Event()
        return _Speculation(audio, self._executor.submit(self._transcribe, audio, dropped.is_set), dropped)

    def submit(self, closed: _ClosedSegment, speculated: Future | None = None) -> None:
        """A closed segment's final: `speculated` when its decoding was started early on the same audio (once
        cancelled, no segment gets one)."""
        if self._cancelled:
            return
        future = speculated if speculated is not None else self._executor.submit(self._transcribe, closed.audio)
        self._pending.append((future, closed))

    def ready(self) -> list[Final]:
        """The finished decodings at the head of the queue; a decoding's error is raised here."""
        finals = []
        while self._pending and self._pending[0][0].done():
            future, closed = self._pending.popleft()
            if (final := _final(closed, future.result())) is not None:
                finals.append(final)
        return finals

    def wait(self) -> list[Final]:
        """Every final still to come, once decoded (promptly, once the stream is stopped); the thread then ends."""
        finals = [final for future, closed in self._pending if (final := _final(closed, future.result())) is not None]
        self._pending.clear()
        self._executor.shutdown(wait=False)
        return finals

    def cancel(self) -> None:
        """Drop the decodings not yet started (the running one stops by the stream's stop check)."""
        self._cancelled = True
        for future, _closed in self._pending:
            future.cancel()
        self._pending.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)
