"""Audio loading and log-mel features: one function feeds training, evaluation and the app.

16 kHz mono, 80 mel bands, 25 ms window, 10 ms hop -> 100 frames per second.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
N_MELS = 80
WIN_LENGTH = 400  # 25 ms
HOP_LENGTH = 160  # 10 ms
N_FFT = 512
FRAMES_PER_SECOND = SAMPLE_RATE / HOP_LENGTH
LOG_FLOOR = 1e-6
MAX_SECONDS = 60 * 60  # refuse audio longer than an hour in one piece


class AudioError(ValueError):
    """Audio that cannot be used; the message says why."""


def to_mono_16k(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """(samples,) or (samples, channels) at any rate -> float32 (samples,) at 16 kHz."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if audio.ndim != 1:
        raise AudioError(f"expected 1 or 2 audio dimensions, got shape {audio.shape}")
    if sample_rate != SAMPLE_RATE and audio.size:
        import librosa

        audio = librosa.resample(audio, orig_sr=sample_rate, target_sr=SAMPLE_RATE, res_type="soxr_hq")
    return np.ascontiguousarray(audio, dtype=np.float32)


def load_audio(path: str | Path) -> np.ndarray:
    """Any file libsndfile reads (wav, flac, ogg, mp3, ...), any rate or channel count -> 16 kHz mono."""
    import soundfile

    path = Path(path)
    _checked_info(path)
    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except soundfile.LibsndfileError as error:
        raise AudioError(f"{path.name} is not a readable audio file ({error})") from error
    if audio.shape[0] == 0:
        raise AudioError(f"{path.name} contains no audio samples")
    if not np.isfinite(audio).all():  # a float file can hold them; every feature frame near one would be NaN
        raise AudioError(f"{path.name} contains invalid samples (NaN or infinity)")
    return to_mono_16k(audio, rate)


def _checked_info(path: Path):
    """The file's soundfile.info, or AudioError saying what the path is instead of a usable audio file."""
    import soundfile

    if path.is_dir():
        raise AudioError(f"{path} is a folder, not an audio file")
    if not path.is_file():
        raise AudioError(f"{path} does not exist")
    if path.stat().st_size == 0:
        raise AudioError(f"{path} is empty")
    try:
        info = soundfile.info(str(path))
    except soundfile.LibsndfileError as error:
        raise AudioError(f"{path.name} is not a readable audio file ({error})") from error
    if info.duration > MAX_SECONDS:
        raise AudioError(f"{path} is {info.duration / 60:.0f} minutes long; the limit is {MAX_SECONDS // 60}")
    return info


def stream_audio(path: str | Path, block_seconds: float = 1.0) -> Iterator[np.ndarray]:
    """A file as float32 (samples,) blocks of 16 kHz mono, read and resampled a block at a time: memory stays
    the same for a minute or an hour of audio, and a reader can stop between blocks. Same checks as load_audio."""
    import soundfile
    import soxr

    path = Path(path)
    info = _checked_info(path)
    resampler = (
        None
        if info.samplerate == SAMPLE_RATE
        else soxr.ResampleStream(info.samplerate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
    )
    block_frames = max(1, int(block_seconds * info.samplerate))
    seen = 0
    try:
        with soundfile.SoundFile(str(path)) as audio_file:
            while True:
                block = audio_file.read(block_frames, dtype="float32", always_2d=True)
                last = block.shape[0] < block_frames
                if not np.isfinite(block).all():
                    raise AudioError(f"{path.name} contains invalid samples (NaN or infinity)")
                mono = block.mean(axis=1, dtype=np.float32)
                out = mono if resampler is None else resampler.resample_chunk(mono, last=last)
                seen += out.size
                if out.size:
                    yield np.ascontiguousarray(out, dtype=np.float32)
                if last:
                    break
    except soundfile.LibsndfileError as error:
        raise AudioError(f"{path.name} is not a readable audio file ({error})") from error
    if seen == 0:
        raise AudioError(f"{path.name} contains no audio samples")


def log_mel(audio: np.ndarray) -> np.ndarray:
    """float32 (samples,) at 16 kHz -> (frames, 80) natural-log mel power."""
    import librosa

    if audio.ndim != 1:
        raise AudioError(f"log_mel expects mono audio, got shape {audio.shape}")
    mel = librosa.feature.melspectrogram(
        y=audio,
        sr=SAMPLE_RATE,
        n_fft=N_FFT,
        win_length=WIN_LENGTH,
        hop_length=HOP_LENGTH,
        n_mels=N_MELS,
        power=2.0,
        center=True,
    )
    return np.log(mel + LOG_FLOOR).T.astype(np.float32)  # frames x mels


@dataclass
class FeatureNormalizer:
    """Per-band mean and standard deviation measured on the training set."""

    mean: np.ndarray  # (80,)
    std: np.ndarray  # (80,)

    def __call__(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.std).astype(np.float32)

    @classmethod
    def fit(cls, feature_arrays) -> FeatureNormalizer:
        total = np.zeros(N_MELS, np.float64)
        squares = np.zeros(N_MELS, np.float64)
        count = 0
        for features in feature_arrays:
            total += features.sum(axis=0)
            squares += np.square(features, dtype=np.float64).sum(axis=0)
            count += features.shape[0]
        if count == 0:
            raise ValueError("cannot fit feature statistics on no frames")
        mean = total / count
        std = np.sqrt(np.maximum(squares / count - mean**2, 1e-8))
        return cls(mean.astype(np.float32), std.astype(np.float32))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"mean": self.mean.tolist(), "std": self.std.tolist()}) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> FeatureNormalizer:
        data = json.loads(Path(path).read_text())
        mean, std = np.asarray(data["mean"], np.float32), np.asarray(data["std"], np.float32)
        if mean.shape != (N_MELS,) or std.shape != (N_MELS,) or not np.all(std > 0):
            raise ValueError(f"{path} must hold {N_MELS} means and {N_MELS} positive deviations")
        return cls(mean, std)
