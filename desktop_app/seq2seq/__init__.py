"""Attend's sequence-to-sequence library. Qt-free: the GUI, CLI, training and tests use it.

The names below are imported on first use (PEP 562), so that the numpy-only modules (words, agreement,
errors) load without torch: the window imports those while it is still starting up.
"""

from __future__ import annotations

from importlib import import_module

_WHERE = {
    "decoding": ("DecodeOptions", "DecodingStopped", "Hypothesis", "Step", "decode", "run_to_end"),
    "errors": (
        "ConfigError",
        "CorruptFileError",
        "MissingFileError",
        "ModelFolderError",
        "ShapeMismatchError",
        "UnknownArchitectureError",
    ),
    "model_folder": ("LoadedModel", "load_folder", "read_folder_config", "save_folder"),
    "tokenizer": ("BOS_ID", "EOS_ID", "PAD_ID", "UNK_ID", "Tokenizer"),
    "translator": ("InputError", "Translation", "Translator"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
