"""Training configuration: nested dataclasses read from a commented YAML (or JSON) file.

Every key is optional except where noted; unknown keys are errors, so a typo never
silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class CorpusPaths:
    src: str  # source-side file, one sentence per line (relative paths: under data_root)
    tgt: str  # the line-aligned target-side file
    repeat: int = 1  # times the corpus is seen per epoch (over-sample a small or valued one; not for tokenizers)


@dataclass
class DataConfig:
    train: list[CorpusPaths]  # required: one or more parallel corpora, concatenated
    dev: CorpusPaths  # required: the tuning set (dev BLEU/chrF picks the best checkpoint)
    max_length: int = 100  # training pairs with a side longer than this many pieces are dropped
    dev_limit: int = 0  # score only the first N dev sentences each epoch (0 = all)


@dataclass
class TokenizerConfig:
    joint: bool = True  # one SentencePiece model for both languages (needed for share_embeddings)
    vocab_size: int = 8000
    model_type: str = "unigram"  # "unigram" or "bpe"
    character_coverage: float = 1.0
    byte_fallback: bool = False  # unknown characters become their UTF-8 bytes, so names in any script are kept


@dataclass
class OptimConfig:
    epochs: int = 20
    batch_tokens: int = 6000  # padded source+target tokens per batch (per process)
    learning_rate: float = 5e-4  # peak learning rate, reached at the end of warm-up
    warmup_steps: int = 4000
    schedule: str = "inverse_sqrt"  # "inverse_sqrt" (decay after warm-up) or "plateau"
    plateau_factor: float = 0.5  # plateau: multiply the rate by this when dev stops improving
    plateau_patience: int = 1  # epochs without improvement before the rate is cut
    min_learning_rate: float = 1e-5  # plateau: stop when the rate falls below this
    label_smoothing: float = 0.1
    clip_norm: float = 1.0  # gradient norm clipping (0 = off)
    weight_decay: float = 0.0
    adam_betas: tuple[float, float] = (0.9, 0.98)
    seed: int = 1
    average_last: int = 5  # average the weights of the last N epochs at export (1 = off)
    dev_beam: int = 1  # beam width used for the per-epoch dev score
    checkpoint_minutes: float = 10.0  # also checkpoint mid-epoch this often
    early_stop_patience: int = 0  # stop after N epochs without dev improvement (0 = never)
    export_dtype: str = "float16"  # weights dtype of the exported model folder


class ModelSection:
    """Mixin for configs whose `model` mapping holds the architecture name and its settings."""

    model: dict[str, Any]

    @property
    def architecture(self) -> str:
        return self.model["architecture"]

    @property
    def model_settings(self) -> dict[str, Any]:
        return {k: v for k, v in self.model.items() if k != "architecture"}


@dataclass
class TrainConfig(ModelSection):
    name: str  # required: the model's name, e.g. en-de-transformer
    source_language: str  # required, e.g. "en"
    target_language: str  # required, e.g. "de"
    data: DataConfig
    model: dict[str, Any]  # required: {"architecture": "rnn"|"transformer", ...its settings}
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    training: OptimConfig = field(default_factory=OptimConfig)
    data_root: str = "../shared/data/mt"  # relative corpus paths resolve here (overridable)


def load_config(cls: type, path: str | Path, architectures: tuple[str, ...]) -> Any:
    """Read a YAML/JSON config into dataclass `cls`, requiring one of `architectures`."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path} must hold a mapping of settings")
    config = from_dict(cls, raw, str(path))
    if config.model.get("architecture") not in architectures:
        raise ValueError(f"{path}: model.architecture must be one of {', '.join(architectures)}")
    return config


def load_train_config(path: str | Path) -> TrainConfig:
    return load_config(TrainConfig, path, ("rnn", "transformer"))


def from_dict(cls: type, raw: Any, where: str) -> Any:
    """Build dataclass `cls` from plain data, checking keys and nested types."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping for {cls.__name__}, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {', '.join(unknown)} in {cls.__name__}")
    values = {name: _convert(hints[name], value, f"{where}:{name}") for name, value in raw.items()}
    try:
        return cls(**values)
    except TypeError as error:
        raise ValueError(f"{where}: {error}") from error


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list")
        return [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is tuple:
        return tuple(value)
    if hint is float and isinstance(value, int):
        return float(value)
    if origin in (typing.Union, types.UnionType) or hint is Any or origin is dict:
        return value
    if isinstance(hint, type) and not isinstance(value, hint):
        raise ValueError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def to_dict(config: TrainConfig) -> dict[str, Any]:
    return dataclasses.asdict(config)
