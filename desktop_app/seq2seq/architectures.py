"""Architecture name -> (config dataclass, model class); the only place that lists them."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from torch import nn

from .errors import ConfigError, UnknownArchitectureError
from .language_model import LMConfig, RecurrentLM
from .las import LASConfig, LASRecognizer
from .rnn import RNNConfig, RNNSeq2Seq
from .transformer import TransformerConfig, TransformerSeq2Seq
from .whisper import WhisperConfig, WhisperModel

ARCHITECTURES: dict[str, tuple[type, type[nn.Module]]] = {
    "rnn": (RNNConfig, RNNSeq2Seq),
    "transformer": (TransformerConfig, TransformerSeq2Seq),
    "las": (LASConfig, LASRecognizer),
    "lstm-lm": (LMConfig, RecurrentLM),  # a language model over a recognizer's units (shallow fusion)
    "whisper": (WhisperConfig, WhisperModel),  # converted from published checkpoints (desktop_app/installing)
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
    fault = value_fault(config_class, values, ZERO_ALLOWED)
    if fault:
        raise ConfigError(f"invalid {architecture} setting {fault}")
    try:
        config = config_class(**values)
        config.validate()
    except (TypeError, ValueError) as error:
        raise ConfigError(f"invalid {architecture} settings: {error}") from error
    return config


ZERO_ALLOWED = frozenset({"pyramid_layers"})  # whole-number settings where 0 means "none"; the rest count things


def value_fault(config_class: type, values: dict[str, Any], zero_allowed: frozenset[str] = frozenset()) -> str:
    """'key: why' for the first value of the wrong type for `config_class`'s field, or ''.

    A JSON file can hold anything: a count of 0 or -32 or true, or a NaN, must be refused by name
    here, before a layer of that size is built (where it fails as a ZeroDivisionError or a negative
    dimension, or allocates for minutes)."""
    for field in dataclasses.fields(config_class):
        if field.name not in values:
            continue
        value, kind = values[field.name], str(field.type)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if kind == "int":
            least = 0 if field.name in zero_allowed else 1
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= least):
                return f"{field.name}: must be a whole number of at least {least}, not {value!r}"
        elif kind in ("float", "float | None"):
            if value is None and kind.endswith("None"):
                continue
            if not (number and math.isfinite(value)):
                return f"{field.name}: must be a number, not {value!r}"
            if "dropout" in field.name and not 0 <= value < 1:
                return f"{field.name}: must be at least 0 and below 1, not {value!r}"
        elif kind in ("bool", "str") and type(value).__name__ != kind:
            return f"{field.name}: must be {'true or false' if kind == 'bool' else 'a string'}, not {value!r}"
        elif kind.startswith("dict") and not isinstance(value, dict):
            return f"{field.name}: must be a JSON object, not {value!r}"
    return ""


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
