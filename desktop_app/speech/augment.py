"""Training-time augmentation on log-mel features (cheap enough to run on the fly on CPU).

All of it works on natural-log mel power, (frames, mels):
- tempo: the frames are resampled in time (0.9x-1.1x speaking rate; pitch is unchanged)
- vocal tract length: the spectrum is stretched or squeezed in frequency (formants and pitch
  harmonics move together), as another speaker's would be (VTLP, Jaitly and Hinton 2013)
- timbre: a smooth random gain curve over the bands (a few cosine terms: spectral tilt and broad
  resonances), as another voice source, synthesizer or microphone colours the same words
- gain: a level change, a constant in log power
- noise: recorded noise (white, pink, household) or babble from other utterances, mixed in
  the power domain at a random signal-to-noise ratio
- reverberation: an exponentially decaying tail per band, as a room with a random RT60 adds
- SpecAugment (Park et al., 2019): frequency and time masks, applied after normalisation
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import librosa
import numpy as np
from scipy.signal import lfilter

from .features import FRAMES_PER_SECOND, SAMPLE_RATE


@dataclass
class AugmentConfig:
    tempo_range: tuple[float, float] = (0.9, 1.1)
    tempo_prob: float = 0.6
    warp_range: tuple[float, float] = (0.88, 1.12)  # frequency stretch factors (vocal tract length)
    warp_prob: float = 0.0
    timbre_prob: float = 0.0
    timbre_db: float = 5.0  # the k-th cosine term of the gain curve is uniform in +-timbre_db / k
    timbre_terms: int = 4
    gain_db: float = 6.0  # uniform in +-gain_db
    noise_prob: float = 0.4
    babble_prob: float = 0.15
    snr_db: tuple[float, float] = (5.0, 30.0)
    reverb_prob: float = 0.25
    rt60_range: tuple[float, float] = (0.2, 0.8)  # seconds
    reverb_wet_db: tuple[float, float] = (-12.0, -3.0)  # level of the tail relative to the direct sound
    freq_masks: int = 2
    freq_mask_width: int = 12
    time_masks: int = 2
    time_mask_width: int = 40  # frames
    time_mask_max_share: float = 0.15  # masks cover at most this share of an utterance


def change_tempo(features: np.ndarray, factor: float) -> np.ndarray:
    """factor > 1 speaks faster (fewer frames)."""
    frames = features.shape[0]
    new_frames = max(1, int(round(frames / factor)))
    positions = np.linspace(0, frames - 1, new_frames)
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, frames - 1)
    share = (positions - low)[:, None]
    return ((1 - share) * features[low] + share * features[high]).astype(np.float32)


def warp_frequencies(features: np.ndarray, factor: float) -> np.ndarray:
    """(frames, mels) -> the same with the spectrum stretched by `factor` in linear frequency
    (factor > 1 moves energy up, as a shorter vocal tract does); the top and bottom bands repeat
    at the edges."""
    centers = _mel_centers(features.shape[1])
    source = np.interp(centers / factor, centers, np.arange(centers.size))  # fractional band per output band
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, centers.size - 1)
    share = source - low
    return ((1 - share) * features[:, low] + share * features[:, high]).astype(np.float32)


def color_spectrum(features: np.ndarray, term_db: np.ndarray) -> np.ndarray:
    """(frames, mels) -> the same with a smooth gain curve added: band m gains
    sum_k term_db[k-1] * cos(pi * k * (m + 0.5) / mels) decibels (k = 1 is a tilt from low to high)."""
    curve_db = np.asarray(term_db) @ cosine_curves(features.shape[1], len(term_db))
    return (features + curve_db * np.log(10) / 10).astype(np.float32)


def cosine_curves(bands: int, terms: int) -> np.ndarray:
    """(terms, bands): row k-1 is cos(pi * k * (m + 0.5) / bands) over the bands m (k = 1 is a tilt)."""
    orders = np.arange(1, terms + 1)[:, None]
    return np.cos(np.pi * orders * (np.arange(bands) + 0.5) / bands)


def random_timbre(terms: int, peak_db: float, rng: np.random.Generator) -> np.ndarray:
    """Cosine-term gains for `color_spectrum`, smaller for the finer terms."""
    return rng.uniform(-peak_db, peak_db, terms) / np.arange(1, terms + 1)


@cache
def _mel_centers(bands: int) -> np.ndarray:
    """Centre frequencies in Hz of the mel bands `features.log_mel` computes."""
    return librosa.mel_frequencies(bands + 2, fmin=0.0, fmax=SAMPLE_RATE / 2)[1:-1]


def mix_noise(features: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Add noise log-mel (any length; tiled/cropped) at snr_db, in the power domain."""
    frames = features.shape[0]
    if noise.shape[0] < frames:
        noise = np.tile(noise, (int(np.ceil(frames / noise.shape[0])), 1))
    noise = noise[:frames]
    speech_power, noise_power = np.exp(features), np.exp(noise)
    scale = speech_power.mean() / (noise_power.mean() * 10 ** (snr_db / 10))
    return np.log(speech_power + scale * noise_power).astype(np.float32)


def reverberate(features: np.ndarray, rt60: float, wet_db: float) -> np.ndarray:
    """Add a decaying tail: each frame's power leaks into later frames, falling 60 dB in rt60 s."""
    decay = 10 ** (-6.0 / (rt60 * FRAMES_PER_SECOND))
    power = np.exp(features)
    tail = lfilter([1.0 - decay], [1.0, -decay], power, axis=0)
    return np.log(power + 10 ** (wet_db / 10) * tail).astype(np.float32)


def spec_augment(features: np.ndarray, config: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """Masks set to 0, the mean of normalised features."""
    features = features.copy()
    frames, bands = features.shape
    for _ in range(config.freq_masks):
        width = int(rng.integers(0, config.freq_mask_width + 1))
        start = int(rng.integers(0, max(1, bands - width)))
        features[:, start : start + width] = 0.0
    limit = int(config.time_mask_max_share * frames / max(1, config.time_masks))
    for _ in range(config.time_masks):
        width = int(rng.integers(0, min(config.time_mask_width, limit) + 1))
        start = int(rng.integers(0, max(1, frames - width)))
        features[start : start + width] = 0.0
    return features


class Augmenter:
    """Applies the raw-feature augmentations (everything but SpecAugment) to one utterance."""

    def __init__(self, config: AugmentConfig, noises: list[np.ndarray], rng: np.random.Generator):
        self.config, self.noises, self.rng = config, noises, rng

    def __call__(self, features: np.ndarray, babble_sources: list[np.ndarray]) -> np.ndarray:
        c, rng = self.config, self.rng
        if rng.random() < c.tempo_prob:
            features = change_tempo(features, float(rng.uniform(*c.tempo_range)))
        if rng.random() < c.warp_prob:
            features = warp_frequencies(features, float(rng.uniform(*c.warp_range)))
        if c.timbre_prob and rng.random() < c.timbre_prob:
            features = color_spectrum(features, random_timbre(c.timbre_terms, c.timbre_db, rng))
        if rng.random() < c.reverb_prob:
            features = reverberate(features, float(rng.uniform(*c.rt60_range)), float(rng.uniform(*c.reverb_wet_db)))
        if self.noises and rng.random() < c.noise_prob:
            noise = self.noises[int(rng.integers(len(self.noises)))]
            start = int(rng.integers(0, max(1, noise.shape[0] - features.shape[0])))
            features = mix_noise(features, noise[start:], float(rng.uniform(*c.snr_db)))
        if babble_sources and rng.random() < c.babble_prob:
            babble = np.log(sum(np.exp(_fit(b, features.shape[0])) for b in babble_sources[:3]))
            features = mix_noise(features, babble, float(rng.uniform(c.snr_db[0] + 5, c.snr_db[1])))
        gain = float(rng.uniform(-c.gain_db, c.gain_db))
        return (features + gain * np.log(10) / 10).astype(np.float32)


def _fit(features: np.ndarray, frames: int) -> np.ndarray:
    if features.shape[0] >= frames:
        return features[:frames]
    return np.tile(features, (int(np.ceil(frames / features.shape[0])), 1))[:frames]
