"""Training augmentation on log-mel features: each transform does to speech what its name says."""

import numpy as np

from desktop_app.speech.augment import (
    AugmentConfig,
    Augmenter,
    change_tempo,
    color_spectrum,
    mix_noise,
    warp_frequencies,
)
from desktop_app.speech.features import SAMPLE_RATE, log_mel


def tone(hz: float, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def peak_band(features: np.ndarray) -> int:
    return int(np.argmax(features.mean(axis=0)))


def test_a_vocal_tract_warp_moves_a_tone_to_the_band_of_the_stretched_frequency():
    warped = warp_frequencies(log_mel(tone(1000.0)), 1.1)
    assert abs(peak_band(warped) - peak_band(log_mel(tone(1100.0)))) <= 1
    assert peak_band(warped) > peak_band(log_mel(tone(1000.0)))
    squeezed = warp_frequencies(log_mel(tone(2000.0)), 0.9)
    assert abs(peak_band(squeezed) - peak_band(log_mel(tone(1800.0)))) <= 1


def test_no_warp_changes_nothing_and_the_shape_is_kept():
    features = log_mel(tone(440.0))
    assert np.allclose(warp_frequencies(features, 1.0), features, atol=1e-5)
    assert warp_frequencies(features, 1.12).shape == features.shape


def test_a_timbre_tilt_raises_the_low_bands_and_lowers_the_high_ones_by_the_asked_decibels():
    features = log_mel(tone(440.0))
    tilted = color_spectrum(features, np.array([6.0]))
    gain_db = 10 * np.log10(np.exp(tilted - features))  # per band, the same in every frame
    assert np.allclose(gain_db, gain_db[0], atol=1e-4)
    assert 5.9 < gain_db[0, 0] <= 6.0 and -6.0 <= gain_db[0, -1] < -5.9
    assert abs(gain_db[0, features.shape[1] // 2]) < 0.2  # the middle of the spectrum keeps its level
    assert np.allclose(color_spectrum(features, np.zeros(4)), features)


def test_faster_tempo_gives_proportionally_fewer_frames():
    features = log_mel(tone(440.0, seconds=1.0))
    assert change_tempo(features, 1.25).shape == (round(features.shape[0] / 1.25), features.shape[1])


def test_noise_is_mixed_at_the_asked_signal_to_noise_ratio():
    rng = np.random.default_rng(0)
    speech, noise = log_mel(tone(300.0)), log_mel(0.1 * rng.standard_normal(SAMPLE_RATE).astype(np.float32))
    for snr_db in (0.0, 10.0, 30.0):
        added = np.exp(mix_noise(speech, noise, snr_db)) - np.exp(speech)  # the noise power mixed in
        measured = 10 * np.log10(np.exp(speech).mean() / added.mean())
        assert abs(measured - snr_db) < 0.1


def test_the_augmenter_is_reproducible_from_its_seed():
    features = log_mel(tone(500.0))
    config = AugmentConfig(warp_prob=1.0, timbre_prob=1.0, tempo_prob=1.0, reverb_prob=1.0)
    first = Augmenter(config, [], np.random.default_rng(7))(features, [])
    again = Augmenter(config, [], np.random.default_rng(7))(features, [])
    assert np.array_equal(first, again) and not np.array_equal(first[: len(features)], features[: len(first)])
