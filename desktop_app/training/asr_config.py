"""Speech-recognizer training configuration (read from a commented YAML file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.speech.augment import AugmentConfig

from .config import ModelSection, OptimConfig, load_config


@dataclass
class ManifestSource:
    path: str  # manifest TSV (relative paths resolve against data_root)
    repeat: int = 1  # how many times each utterance appears per epoch (over-sample real speech)


@dataclass
class SpeechDataConfig:
    train: list[ManifestSource]  # required
    dev: list[str]  # required: manifests scored each epoch (WER)
    batch_seconds: float = 160.0  # padded audio seconds per batch
    max_seconds: float = 16.0  # longer training utterances are skipped
    dev_limit: int = 300  # utterances per dev manifest scored each epoch (0 = all)
    noise_dir: str = "../shared/data/noise"  # recordings mixed in as background noise
    feature_cache: str = "data/feature-cache"  # log-mel features are computed once and kept here


@dataclass
class SpeechTokenizerConfig:
    vocab_size: int = 400
    model_type: str = "unigram"


@dataclass
class ASRTrainConfig(ModelSection):
    name: str  # required, e.g. asr-en
    language: str  # required, e.g. "en"
    data: SpeechDataConfig
    model: dict[str, Any]  # required: {"architecture": "las", ...its settings}
    tokenizer: SpeechTokenizerConfig = field(default_factory=SpeechTokenizerConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    training: OptimConfig = field(default_factory=OptimConfig)
    data_root: str = "."


def load_asr_config(path: str | Path) -> ASRTrainConfig:
    return load_config(ASRTrainConfig, path, ("las",))
