"""Streaming recognition: audio chunks in, partial and final results out.

Voice activity (WebRTC VAD, 30 ms frames) opens a segment when speech starts and closes
it after `end_silence` seconds of silence. While a segment is open, a partial transcript
(fast CTC decoding of the segment so far) is produced every `partial_interval` seconds of
audio; when it closes, the attention decoder gives the final transcript with its
attention matrix and word times. Silence never produces text.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from desktop_app.seq2seq import DecodeOptions

from .features import SAMPLE_RATE
from .recognizer import Recognizer, Transcript

VAD_FRAME = 480  # 30 ms at 16 kHz, a frame size WebRTC VAD accepts


@dataclass
class Partial:
    segment: int
    text: str
    start: float  # seconds since the stream started
    audio_seconds: float  # how much of the stream had arrived when this was computed


@dataclass
class Final:
    segment: int
    text: str
    start: float
    end: float
    transcript: Transcript
    audio: np.ndarray = field(repr=False)  # the segment's samples (for the spectrogram)


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
    def __init__(self, recognizer: Recognizer, partial_interval: float = 0.5, start_speech: float = 0.12,
                 end_silence: float = 0.6, pre_roll: float = 0.3, max_segment: float = 20.0,
                 vad: VoiceActivity | None = None, options: DecodeOptions | None = None):
        self.recognizer, self.options = recognizer, options
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
        return events

    def flush(self) -> list[Partial | Final]:
        """End of the stream: close an open segment."""
        final = self._close() if self._segment else None
        return [final] if final is not None else []

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
            return Partial(self._segments, self.recognizer.ctc_text(np.concatenate(self._segment)),
                           self._segment_start, self._samples_seen / SAMPLE_RATE)
        return None

    def _open(self) -> None:
        self._segment = list(self._pre_roll)
        self._pre_roll.clear()
        self._segment_start = (self._samples_seen - len(self._segment) * VAD_FRAME) / SAMPLE_RATE
        self._silence_run = self._since_partial = self._speech_run = 0

    def _close(self) -> Final | None:
        audio = np.concatenate(self._segment)
        self._segment = []
        self._speech_run = 0
        transcript = self.recognizer.transcribe(audio, self.options)
        segment = self._segments
        self._segments += 1
        if not transcript.text.strip():
            return None
        return Final(segment, transcript.text, self._segment_start,
                     self._segment_start + audio.size / SAMPLE_RATE, transcript, audio)
