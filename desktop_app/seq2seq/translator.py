"""Text in, streamed translation out: tokenisation around the one decoding generator."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .decoding import DecodeOptions, Hypothesis, Step, decode, run_to_end
from .interface import Seq2SeqModel
from .model_folder import LoadedModel, load_folder
from .quantize import model_for_inference
from .tokenizer import EOS_ID, Tokenizer

MAX_SOURCE_TOKENS = 400
EOS_PIECE = "</s>"


class InputError(ValueError):
    """The text cannot be translated as it is; the message says why and what to do."""


@dataclass
class Translation:
    source_pieces: list[str]  # columns of the alignment, ending with "</s>"
    steps: list[Step]  # one per output token, in order
    nbest: list[Hypothesis]

    @property
    def text(self) -> str:
        return "".join(step.piece for step in self.steps)

    @property
    def output_pieces(self) -> list[str]:
        return [step.piece for step in self.steps]

    @property
    def attention(self) -> np.ndarray:
        """(output tokens, source pieces)."""
        return self.nbest[0].attention


class Translator:
    def __init__(self, model: Seq2SeqModel, source_tokenizer: Tokenizer, target_tokenizer: Tokenizer):
        self.model = model
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer

    @classmethod
    def from_loaded(cls, loaded: LoadedModel, precision: str = "auto") -> Translator:
        """precision: "float32", "int8" (dynamic quantisation), or "auto" = what the folder says."""
        model = model_for_inference(loaded.model, precision, loaded.config.int8_inference)
        return cls(model, loaded.source_tokenizer, loaded.target_tokenizer)

    @classmethod
    def from_folder(cls, folder: str | Path, precision: str = "auto") -> Translator:
        return cls.from_loaded(load_folder(folder), precision)

    def source_ids(self, text: str) -> list[int]:
        if not text.strip():
            raise InputError("nothing to translate: the text is empty")
        ids = self.source_tokenizer.encode(text.strip())
        if len(ids) + 1 > MAX_SOURCE_TOKENS:
            raise InputError(
                f"this sentence is too long to translate in one piece ({len(ids)} tokens, "
                f"the limit is {MAX_SOURCE_TOKENS - 1}); split it into shorter sentences"
            )
        return ids + [EOS_ID]

    def source_pieces(self, text: str) -> list[str]:
        ids = self.source_ids(text)
        return self.source_tokenizer.pieces(ids[:-1]) + [EOS_PIECE]

    def stream(self, text: str, options: DecodeOptions = DecodeOptions()) -> Generator[Step, None, list[Hypothesis]]:
        """Steps of the translation of one sentence; returns the n-best list."""
        return decode(self.model, self.source_ids(text), options, self.target_tokenizer)

    def translate(self, text: str, options: DecodeOptions = DecodeOptions()) -> Translation:
        steps, nbest = run_to_end(self.stream(text, options))
        return Translation(self.source_pieces(text), steps, nbest)

    def hypothesis_text(self, hypothesis: Hypothesis) -> str:
        return self.target_tokenizer.decode(hypothesis.token_ids)
