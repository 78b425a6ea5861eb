"""Whisper's front end: 30-second windows of log-mel features scaled as its checkpoints expect.

Not features.log_mel: Whisper's models were trained on a 400-point FFT with no padding to 512, Slaney
mel filters, log10 and a dynamic range of 8 (80 dB) below each window's loudest bin.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400  # 25 ms
HOP_LENGTH = 160  # 10 ms
N_MELS = 80  # 128 for large-v3
CHUNK_SECONDS = 30
N_SAMPLES = CHUNK_SECONDS * SAMPLE_RATE  # 480000 samples in one window
N_FRAMES = N_SAMPLES // HOP_LENGTH  # 3000 frames in one window
DYNAMIC_RANGE = 8.0  # log10 units kept below the loudest bin


def pad_or_trim(audio: np.ndarray, seconds: float = CHUNK_SECONDS) -> np.ndarray:
    """(samples,) -> (seconds x 16000,): cut off, or padded with silence at the end."""
    length = int(round(seconds * SAMPLE_RATE))
    audio = np.asarray(audio, dtype=np.float32)
    if audio.shape[0] >= length:
        return audio[:length]
    return np.pad(audio, (0, length - audio.shape[0]))


@lru_cache(maxsize=4)
def mel_filters(n_mels: int = N_MELS) -> np.ndarray:
    """(n_mels, N_FFT // 2 + 1) float32: librosa's Slaney-scale, Slaney-normalised triangles, as Whisper's."""
    import librosa

    filters = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=n_mels, htk=False, norm="slaney")
    return filters.astype(np.float32)


def whisper_log_mel(audio: np.ndarray, n_mels: int = N_MELS) -> np.ndarray:
    """audio: (samples,) float32 at 16 kHz -> (samples // 160, n_mels) float32, roughly in [-1, 1.5]."""
    import librosa

    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"expected mono audio of shape (samples,), got shape {audio.shape}")
    frames = audio.shape[0] // HOP_LENGTH  # the centred STFT has one more; Whisper drops the last
    if frames == 0:
        return np.zeros((0, n_mels), dtype=np.float32)
    if audio.shape[0] < N_FFT:  # too short to reflect-pad by half a window; silence after it, as Whisper pads
        audio = np.pad(audio, (0, N_FFT - audio.shape[0]))
    spectrum = librosa.stft(audio, n_fft=N_FFT, hop_length=HOP_LENGTH, window="hann", center=True, pad_mode="reflect")[
        :, :frames
    ]  # (N_FFT // 2 + 1, frames) complex
    power = np.abs(spectrum) ** 2
    mel = mel_filters(n_mels) @ power  # (n_mels, frames)
    log_mel = np.log10(np.maximum(mel, 1e-10))
    log_mel = np.maximum(log_mel, log_mel.max() - DYNAMIC_RANGE)
    return np.ascontiguousarray(((log_mel + 4.0) / 4.0).T, dtype=np.float32)  # (frames, n_mels)
