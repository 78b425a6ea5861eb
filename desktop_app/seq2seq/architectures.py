"""Architecture name -> (config dataclass, model class); the only place that lists them."""

from __future__ import annotations

import dataclasses
from typing import Any

from torch import nn

from .errors import ConfigError, UnknownArchitectureError
from .language_model import LMConfig, RecurrentLM
from .las import LASConfig, LASRecognizer
from .rnn import RNNConfig, RNNSeq2Seq
from .transformer import TransformerConfig, TransformerSeq2Seq

ARCHITECTURES: dict[str, tuple[type, type[nn.Module]]] = {
    "rnn": (RNNConfig, RNNSeq2Seq),
    "transformer": (TransformerConfig, TransformerSeq2Seq),
    "las": (LASConfig, LASRecognizer),
    "lstm-lm": (LMConfig, RecurrentLM),  # a language model over a recognizer's units (shallow fusion)
}


def make_config(architecture: str, values: dict[str, Any]) -> Any:
    """Build the architecture's config dataclass, rejecting unknown or missing keys."""
    if architecture not in ARCHITECTURES:
        raise UnknownArchitectureError(
            f"unknown architecture {architecture!r}; this version knows {', '.join(sorted(ARCHITECTURES))}"
        )
    config_class = ARCHITECTURES[architecture][0]
    known = {f.name for f in dataclasses.fields(config_class)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown {architecture} setting(s): {', '.join(unknown)}")
    try:
        config = config_class(**values)
        config.validate()
    except (TypeError, ValueError) as error:
        raise ConfigError(f"invalid {architecture} settings: {error}") from error
    return config


def build_model(architecture: str, values: dict[str, Any]) -> nn.Module:
    config = make_config(architecture, values)
    return ARCHITECTURES[architecture][1](config)


def architecture_of(model: nn.Module) -> str:
    for name, (_, model_class) in ARCHITECTURES.items():
        if isinstance(model, model_class):
            return name
    raise TypeError(f"{type(model).__name__} is not a registered architecture")


def parameter_count(model: nn.Module) -> int:
    """Trainable parameters, counting tied matrices once."""
    return sum(p.numel() for p in model.parameters())
