"""Language-model training configuration (read from a commented YAML file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ModelSection, OptimConfig, load_config


@dataclass
class TextDataConfig:
    # Required. A .tsv file is a speech manifest: its `text` column is used as it stands (the
    # recognizer's target form). Any other file is plain text, one sentence per line, put into
    # target form with `normalize_transcript` (numbers spelled out, lower case, no punctuation).
    train: list[str]
    dev: list[str]  # required: manifests or text files whose perplexity picks the best epoch
    # Manifests or text files whose sentences must never be trained on (the recognizer's dev and
    # test sentences): a training line whose normalised form matches one of them is dropped.
    exclude: list[str] = field(default_factory=list)
    max_length: int = 300  # longer lines (in units) are dropped


@dataclass
class LMTrainConfig(ModelSection):
    name: str  # required, e.g. lm-en
    language: str  # required, e.g. "en"
    tokenizer: str  # required: the recognizer's SentencePiece model (e.g. runs/asr-en/units.model)
    data: TextDataConfig
    model: dict[str, Any]  # required: {"architecture": "lstm-lm", ...its settings}
    training: OptimConfig = field(default_factory=OptimConfig)
    data_root: str = "."  # relative paths resolve here (overridable with --data-root)


def load_lm_config(path: str | Path) -> LMTrainConfig:
    return load_config(LMTrainConfig, path, ("lstm-lm",))
