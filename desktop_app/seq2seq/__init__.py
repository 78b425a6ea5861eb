"""Attend's sequence-to-sequence library. Qt-free: the GUI, CLI, training and tests use it."""

from .decoding import DecodeOptions, DecodingStopped, Hypothesis, Step, decode, run_to_end
from .errors import (
    ConfigError,
    CorruptFileError,
    MissingFileError,
    ModelFolderError,
    ShapeMismatchError,
    UnknownArchitectureError,
)
from .model_folder import LoadedModel, load_folder, read_folder_config, save_folder
from .tokenizer import BOS_ID, EOS_ID, PAD_ID, UNK_ID, Tokenizer
from .translator import InputError, Translation, Translator

__all__ = [
    "BOS_ID",
    "EOS_ID",
    "PAD_ID",
    "UNK_ID",
    "ConfigError",
    "CorruptFileError",
    "DecodeOptions",
    "DecodingStopped",
    "Hypothesis",
    "InputError",
    "LoadedModel",
    "MissingFileError",
    "ModelFolderError",
    "ShapeMismatchError",
    "Step",
    "Tokenizer",
    "Translation",
    "Translator",
    "UnknownArchitectureError",
    "decode",
    "load_folder",
    "read_folder_config",
    "run_to_end",
    "save_folder",
]
