"""Whisper's log-mel front end against a reference written here from first principles (torch.stft and the
Slaney mel formulas), so a wrong librosa option (HTK scale, no normalisation, 512-point FFT) fails."""

import math

import numpy as np
import pytest
import torch

from desktop_app.speech.whisper_features import (
    N_FRAMES,
    N_SAMPLES,
    SAMPLE_RATE,
    mel_filters,
    pad_or_trim,
    whisper_log_mel,
)

TOLERANCE = 1e-3  # max abs difference of the scaled features (they span about 2.5 units)


def _hz_to_slaney_mel(hz: np.ndarray) -> np.ndarray:
    """Linear below 1 kHz (200/3 Hz per mel), logarithmic above (27 mels per factor 6.4)."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3.0)
    log = 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (math.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log, linear)


def _slaney_mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((mel - 15.0) * (math.log(6.4) / 27.0)), mel * (200.0 / 3.0))


def _reference_filters(n_mels: int, n_fft: int = 400, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Triangles between n_mels + 2 points equally spaced in mel from 0 Hz to Nyquist, each scaled to unit area
    (2 / its width in Hz)."""
    edges = _slaney_mel_to_hz(np.linspace(_hz_to_slaney_mel(0.0), _hz_to_slaney_mel(rate / 2), n_mels + 2))
    bins = np.arange(n_fft // 2 + 1) * rate / n_fft
    filters = np.zeros((n_mels, bins.size))
    for band in range(n_mels):
        low, centre, high = edges[band : band + 3]
        rising = (bins - low) / (centre - low)
        falling = (high - bins) / (high - centre)
        filters[band] = np.maximum(0.0, np.minimum(rising, falling)) * 2.0 / (high - low)
    return filters


def _reference_log_mel(audio: np.ndarray, n_mels: int) -> np.ndarray:
    signal = torch.from_numpy(audio.astype(np.float64))
    spectrum = torch.stft(
        signal,
        400,
        160,
        window=torch.hann_window(400, dtype=torch.float64),
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )  # (201, frames + 1)
    power = spectrum[:, :-1].abs().numpy() ** 2
    log_mel = np.log10(np.maximum(_reference_filters(n_mels) @ power, 1e-10))
    log_mel = np.maximum(log_mel, log_mel.max() - 8.0)
    return ((log_mel + 4.0) / 4.0).T  # (frames, n_mels)


def _chirp_and_noise(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    chirp = 0.5 * np.sin(2 * np.pi * (100 * t + 0.5 * (7000 - 100) / seconds * t**2))  # 100 Hz -> 7 kHz
    return (chirp + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.mark.parametrize("n_mels", [80, 128])
def test_the_filters_are_the_slaney_ones(n_mels):
    np.testing.assert_allclose(mel_filters(n_mels), _reference_filters(n_mels), atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("seconds", [1.0, 3.3])
def test_log_mel_matches_the_reference(seconds):
    audio = _chirp_and_noise(seconds)
    ours, reference = whisper_log_mel(audio), _reference_log_mel(audio, 80)
    assert ours.shape == reference.shape == (int(seconds * SAMPLE_RATE) // 160, 80)
    assert ours.dtype == np.float32
    assert np.abs(ours - reference).max() < TOLERANCE
    assert ours.max() == pytest.approx(reference.max(), abs=TOLERANCE)
    assert ours.min() >= ours.max() - 2.0  # the 8 log10 units of dynamic range, divided by 4


def test_shapes_for_one_second_and_a_full_window():
    assert whisper_log_mel(np.zeros(SAMPLE_RATE, dtype=np.float32)).shape == (100, 80)
    window = pad_or_trim(_chirp_and_noise(1.0))
    assert window.shape == (N_SAMPLES,) and N_FRAMES == 3000
    features = whisper_log_mel(window)
    assert features.shape == (N_FRAMES, 80)
    assert whisper_log_mel(window, n_mels=128).shape == (N_FRAMES, 128)


def test_pad_or_trim():
    audio = np.ones(SAMPLE_RATE * 31, dtype=np.float32)
    assert pad_or_trim(audio).shape == (N_SAMPLES,)
    short = pad_or_trim(audio[:100], seconds=1)
    assert short.shape == (SAMPLE_RATE,) and short[:100].all() and not short[100:].any()


def test_very_short_audio_gives_whole_frames_only():
    assert whisper_log_mel(np.zeros(100, dtype=np.float32)).shape == (0, 80)
    assert whisper_log_mel(np.ones(170, dtype=np.float32)).shape == (1, 80)
    with pytest.raises(ValueError, match="mono"):
        whisper_log_mel(np.zeros((2, 1600), dtype=np.float32))
