"""Text in, streamed translation out: tokenisation around the one decoding generator.

A sentence longer than the model learned to translate (MAX_PART_TOKENS source pieces, fewer for a
Transformer with fewer positions) is cut at clause boundaries (text.split_clauses) and translated
part by part, streamed as one translation of the whole (parts.py): every caller keeps all of it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .coverage import input_warning, known_characters
from .decoding import DecodeOptions, Hypothesis, Step, decode, run_to_end
from .interface import Seq2SeqModel
from .model_folder import LoadedModel, load_folder
from .parts import part_columns, stream_parts
from .quantize import model_for_inference
from .text import split_clauses, split_sentences
from .tokenizer import EOS_ID, Tokenizer

MAX_SOURCE_TOKENS = 400
# The bundled models learned from sentences of at most 60 source pieces (99.9% under 42); much longer ones
# come back cut short (the Transformer) or looping (the LSTM): benchmarks/long_sentences.py. Parts of 40
# leave every Tatoeba and Multi30k test sentence whole (the test BLEU unchanged); 25 or 30 would split
# sentences the models translate well (Multi30k test BLEU -0.6 / -0.3) though chained ones gain more.
MAX_PART_TOKENS = 40
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

    @property
    def warning(self) -> str | None:
        return output_warning(self.nbest[0])


def output_warning(best: Hypothesis) -> str | None:
    """One line for people when the output was cut short (the best hypothesis of a decoding), else None."""
    if best.looped:
        return "the model began to repeat itself, so its output was cut off there"
    if not best.finished:
        return "the output reached the length limit and was cut off"
    return None


class Translator:
    def __init__(
        self, model: Seq2SeqModel, source_tokenizer: Tokenizer, target_tokenizer: Tokenizer, source_language: str = ""
    ):
        """source_language: e.g. "en", for the conjunctions a long sentence may be cut before."""
        self.model = model
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.source_language = source_language
        positions = getattr(getattr(model, "config", None), "max_positions", None)
        self.max_part_tokens = min(MAX_PART_TOKENS, positions - 1) if positions else MAX_PART_TOKENS
        self._known_characters: frozenset[str] | None = None

    @classmethod
    def from_loaded(cls, loaded: LoadedModel, precision: str = "auto") -> Translator:
        """precision: "float32", "int8" (dynamic quantisation), or "auto" = what the folder says."""
        model = model_for_inference(loaded.model, precision, loaded.config.int8_inference)
        return cls(model, loaded.source_tokenizer, loaded.target_tokenizer, loaded.config.source_language)

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

    def input_warning(self, text: str) -> str | None:
        """One line for people when much of `text` is in characters the model cannot read, else None."""
        if self._known_characters is None:
            self._known_characters = known_characters(self.source_tokenizer)
        return input_warning(text, self._known_characters)

    def parts(self, sentence: str) -> list[str]:
        """The sentence, or its parts when it is longer than the model learned (each within max_part_tokens)."""
        if not sentence.strip():
            raise InputError("nothing to translate: the text is empty")
        return split_clauses(sentence.strip(), self._length, self.max_part_tokens, self.source_language)

    def _length(self, text: str) -> int:
        return len(self.source_tokenizer.encode(text))

    def sentences(self, text: str) -> Iterator[str]:
        """A text's sentences, each overlong one as its parts: what to translate, and show, one by one
        (lazily: a huge text starts at once)."""
        return (part for sentence in split_sentences(text) for part in self.parts(sentence))

    def source_pieces(self, text: str) -> list[str]:
        """The alignment's columns: the pieces of the sentence (of every part, in order) and "</s>"."""
        pieces = [self.source_tokenizer.pieces(self.source_ids(part)[:-1]) for part in self.parts(text)]
        return [piece for part in pieces for piece in part] + [EOS_PIECE]

    def stream(self, text: str, options: DecodeOptions = DecodeOptions()) -> Generator[Step, None, list[Hypothesis]]:
        """Steps of the translation of one sentence; returns the n-best list. An overlong sentence is
        translated part by part (see parts.py)."""
        parts = self.parts(text)
        if len(parts) == 1:
            return decode(self.model, self.source_ids(text), options, self.target_tokenizer)
        ids = [self.source_ids(part) for part in parts]
        streams = (decode(self.model, part, options, self.target_tokenizer) for part in ids)
        return stream_parts(streams, part_columns([len(part) - 1 for part in ids]))

    def translate(self, text: str, options: DecodeOptions = DecodeOptions()) -> Translation:
        steps, nbest = run_to_end(self.stream(text, options))
        return Translation(self.source_pieces(text), steps, nbest)

    def hypothesis_text(self, hypothesis: Hypothesis) -> str:
        return self.target_tokenizer.decode(hypothesis.token_ids)
