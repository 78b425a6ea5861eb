"""Whole recordings: cut at pauses with the streaming recognizer, decode each segment."""

from __future__ import annotations

import numpy as np

from desktop_app.seq2seq import DecodeOptions

from .features import SAMPLE_RATE
from .recognizer import Recognizer
from .streaming import Final, StreamingRecognizer

CHUNK = SAMPLE_RATE // 10  # 100 ms


def transcribe_long(
    recognizer: Recognizer, audio: np.ndarray, options: DecodeOptions | None = None, partials: bool = False
) -> list[Final]:
    """Final results of every speech segment in `audio` (silence gives none)."""
    stream = StreamingRecognizer(recognizer, options=options, partial_interval=1e9 if not partials else 0.5)
    finals: list[Final] = []
    for start in range(0, audio.size, CHUNK):
        finals += [e for e in stream.push(audio[start : start + CHUNK]) if isinstance(e, Final)]
    finals += [e for e in stream.flush() if isinstance(e, Final)]
    return finals
