"""SentencePiece tokenizer wrapper with fixed special ids.

Ids: pad=0, unk=1, bos=2, eos=3 in every model the project trains, so the
model code can rely on them without asking the tokenizer.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import sentencepiece as spm

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
_REPLACEMENT_CHAR = "\ufffd"


class Tokenizer:
    """Encodes text to ids and back; also yields the display pieces of ids."""

    def __init__(self, processor: spm.SentencePieceProcessor):
        self._sp = processor
        if (self._sp.pad_id(), self._sp.unk_id(), self._sp.bos_id(), self._sp.eos_id()) != (
            PAD_ID,
            UNK_ID,
            BOS_ID,
            EOS_ID,
        ):
            raise ValueError("tokenizer has unexpected special ids; expected pad=0 unk=1 bos=2 eos=3")

    @classmethod
    def load(cls, path: str | Path) -> Tokenizer:
        processor = spm.SentencePieceProcessor()
        processor.Load(str(path))  # raises OSError / RuntimeError on a bad file
        return cls(processor)

    @classmethod
    def train(
        cls,
        sentences: Iterable[str],
        model_path: str | Path,
        vocab_size: int,
        model_type: str = "unigram",
        character_coverage: float = 1.0,
        byte_fallback: bool = False,
        max_sentences: int = 2_000_000,
    ) -> Tokenizer:
        """Train a model on `sentences` and write it to `model_path` (a .model file)."""
        model_bytes = io.BytesIO()
        spm.SentencePieceTrainer.Train(
            sentence_iterator=iter(sentences),
            model_writer=model_bytes,
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=character_coverage,
            byte_fallback=byte_fallback,
            pad_id=PAD_ID,
            unk_id=UNK_ID,
            bos_id=BOS_ID,
            eos_id=EOS_ID,
            input_sentence_size=max_sentences,
            shuffle_input_sentence=True,
            hard_vocab_limit=False,
            minloglevel=2,
        )
        Path(model_path).write_bytes(model_bytes.getvalue())
        return cls.load(model_path)

    @property
    def vocab_size(self) -> int:
        return self._sp.GetPieceSize()

    def encode(self, text: str) -> list[int]:
        return list(self._sp.EncodeAsIds(_unicode(text)))

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [list(ids) for ids in self._sp.Encode([_unicode(t) for t in texts], out_type=int)]

    def decode(self, ids: Sequence[int]) -> str:
        return self._sp.DecodeIds([int(i) for i in ids if int(i) > EOS_ID or int(i) == UNK_ID])

    def pieces(self, ids: Sequence[int]) -> list[str]:
        """The SentencePiece pieces of `ids` (with the '▁' word-start marker)."""
        return [self._sp.IdToPiece(int(i)) for i in ids]

    def encode_pieces(self, text: str) -> list[str]:
        return list(self._sp.EncodeAsPieces(_unicode(text)))

    def detokenizer(self) -> IncrementalDetokenizer:
        return IncrementalDetokenizer(self)


class TextEncodingError(ValueError):
    """Text that holds no valid Unicode (bytes of another encoding read with errors="surrogateescape")."""


def _unicode(text: str) -> str:
    """`text`, or a clear error where SentencePiece would fail with "Unable to cast Python instance"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])  # U+DC80-U+DCFF: a byte that surrogateescape could not decode
        what = f"the undecodable byte {code - 0xDC00:#04x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        raise TextEncodingError(f"the text is not valid UTF-8 (character {error.start + 1} is {what})") from None
    return text


class IncrementalDetokenizer:
    """Turns a growing id sequence into text increments.

    The increments always join to exactly `tokenizer.decode(ids)`: each new
    piece is the part of the decoded prefix not yet emitted. Text ending in an
    incomplete byte sequence (shown as U+FFFD) is held back until it resolves.
    """

    def __init__(self, tokenizer: Tokenizer):
        self._tokenizer = tokenizer
        self._ids: list[int] = []
        self._emitted = ""

    def push(self, token_id: int) -> str:
        self._ids.append(token_id)
        text = self._tokenizer.decode(self._ids)
        if text.endswith(_REPLACEMENT_CHAR) or not text.startswith(self._emitted):
            return ""
        piece, self._emitted = text[len(self._emitted) :], text
        return piece
