"""Noise is not speech: two checks the recognizer makes so that noise gives no text.

An attention decoder given noise it never trained on (white, pink or clipped noise, hum, clatter)
still writes fluent sentences ("the train leaves at eleven…"). Two checks, one before decoding and
one after, each from a different source:

1. `has_voice` (the sound): speech has vowels, and a vowel repeats itself at the speaker's pitch
   (75-500 Hz). A 30 ms frame (10 ms hop) counts as voiced when its normalised autocorrelation,
   past its first zero crossing, peaks at VOICED_CORRELATION or more at a lag of 2-13.3 ms.
   Broadband noise, mains hum (50/60 Hz is below any voice) and silence have no such frames;
   audio with fewer than MIN_VOICED_FRAMES is not decoded at all.
2. `heads_agree` (the model): the recognizer's CTC head reads the audio frame by frame and cannot
   invent words the way the attention decoder can. Where the CTC head's greedy text differs from
   the decoded transcript in more than MAX_DISAGREEMENT of its characters, the transcript is not
   borne out by the audio and is dropped.

Measured (benchmarks/no_speech.py) on 90 held-out real utterances, trained-on real speech, synthetic
speech, and speech under noise, clipped or very quiet; against noise of 0.5-10 s and -50 to -10 dBFS.
"""

from __future__ import annotations

import jiwer
import numpy as np

FRAME, HOP = 480, 160  # 30 ms frames every 10 ms at 16 kHz
MIN_LAG, MAX_LAG = 32, 213  # pitch periods of 500 Hz and 75 Hz, in samples
VOICED_CORRELATION = 0.6
MIN_VOICED_FRAMES = 4
MAX_DISAGREEMENT = 0.6


def voiced_frames(audio: np.ndarray) -> int:
    """How many 30 ms frames of 16 kHz mono `audio` (samples,) are voiced (see the module's notes)."""
    if audio.size < FRAME:
        return 0
    count = 1 + (audio.size - FRAME) // HOP
    frames = audio[np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]].astype(np.float64)  # count x FRAME
    frames -= frames.mean(axis=1, keepdims=True)
    power = np.abs(np.fft.rfft(frames, 2 * FRAME)) ** 2
    correlation = np.fft.irfft(power)[:, :MAX_LAG]  # count x MAX_LAG, lag 0 first
    lags = np.arange(MAX_LAG)
    normalised = correlation / (correlation[:, :1] + 1e-12) * FRAME / (FRAME - lags)  # 1 at lag 0, unbiased
    crossed = np.maximum.accumulate(normalised < 0, axis=1)  # True from the first negative lag on
    peaks = np.where(crossed[:, MIN_LAG:], normalised[:, MIN_LAG:], -1.0).max(axis=1)  # count
    return int((peaks >= VOICED_CORRELATION).sum())


def has_voice(audio: np.ndarray) -> bool:
    return voiced_frames(audio) >= MIN_VOICED_FRAMES


def heads_agree(ctc_text: str, transcript: str) -> bool:
    """Whether the CTC head's greedy text bears out the decoded transcript (character error rate of the
    CTC text against it at most MAX_DISAGREEMENT). An empty transcript needs no bearing out."""
    if not transcript.strip():
        return True
    if not ctc_text.strip():
        return False
    return jiwer.cer(transcript.strip(), ctc_text.strip()) <= MAX_DISAGREEMENT
