"""Byte-level BPE tokenizer (Whisper's tokenizer.json) with the interface of tokenizer.Tokenizer.

Ids below `<|endoftext|>` are text; from it upwards come the named special tokens (<|startoftranscript|>,
languages, <|transcribe|>, <|notimestamps|>, ...) and then the timestamps <|0.00|> ... <|30.00|>, which
CTranslate2's tokenizer.json leaves out but the model's output layer has (51864 rows for tiny.en).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from pathlib import Path

from tokenizers import Tokenizer as HFTokenizer

from .tokenizer import IncrementalDetokenizer, _unicode

END_OF_TEXT = "<|endoftext|>"
NO_TIMESTAMPS = "<|notimestamps|>"
TIMESTAMPS = 1501  # <|0.00|> to <|30.00|> in steps of 0.02 s
TIMESTAMP_SECONDS = 0.02
_TIMESTAMP = re.compile(r"<\|(\d+\.\d\d)\|>")


def _byte_decoder() -> dict[str, int]:
    """Byte-level BPE writes each byte as one printable character: printable Latin-1 bytes as
    themselves, the other 68 (controls, space, ...) as U+0100 onwards in byte order ('Ġ' = space)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    table = {chr(b): b for b in printable}
    others = [b for b in range(256) if b not in table.values()]
    table.update({chr(0x100 + index): b for index, b in enumerate(others)})
    return table


_BYTES = _byte_decoder()


class ByteBPETokenizer:
    """Encodes text to ids and back; also yields the display pieces of ids."""

    def __init__(self, tokenizer: HFTokenizer):
        self._hf = tokenizer
        self._hf.encode_special_tokens = True  # "<|en|>" typed by a user is text, not a control token
        eot = tokenizer.token_to_id(END_OF_TEXT)
        no_timestamps = tokenizer.token_to_id(NO_TIMESTAMPS)
        if eot is None or no_timestamps is None:
            raise ValueError(f"not a Whisper tokenizer: it has no {END_OF_TEXT} or {NO_TIMESTAMPS} token")
        self.eot_id = eot
        self.no_timestamps_id = no_timestamps
        named = tokenizer.token_to_id("<|0.00|>")
        self.timestamp_begin = named if named is not None else tokenizer.get_vocab_size(with_added_tokens=True)
        self._size = self.timestamp_begin + TIMESTAMPS

    @classmethod
    def load(cls, path: str | Path) -> ByteBPETokenizer:
        """Raises OSError for a missing file and ValueError for one that is not a Whisper tokenizer.json."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist")
        try:
            tokenizer = HFTokenizer.from_file(str(path))
        except Exception as error:  # the library raises bare Exception with a parser message
            raise ValueError(f"{path} is not a tokenizer.json ({str(error).splitlines()[0]})") from None
        try:
            return cls(tokenizer)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    @property
    def vocab_size(self) -> int:
        """Rows of the model's output layer: text tokens, special tokens and timestamps."""
        return self._size

    def encode(self, text: str) -> list[int]:
        """Text ids only: the decoder's prompt (<|startoftranscript|> ...) is the caller's to add."""
        return self._hf.encode(_unicode(text), add_special_tokens=False).ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        encodings = self._hf.encode_batch([_unicode(t) for t in texts], add_special_tokens=False)
        return [encoding.ids for encoding in encodings]

    def decode(self, ids: Sequence[int]) -> str:
        """The text of the text tokens; special tokens and timestamps are left out."""
        return self._hf.decode([int(i) for i in ids if 0 <= int(i) < self.eot_id], skip_special_tokens=False)

    def pieces(self, ids: Sequence[int]) -> list[str]:
        """Each id as people read it: a word start is a leading space. A character whose bytes are spread
        over several tokens shows on the token that completes it (the others show ""), so the pieces join
        to the decoded text; special tokens show their name, e.g. "<|en|>" or "<|1.20|>"."""
        shown: list[str] = []
        utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        for token_id in (int(i) for i in ids):
            if self.is_special(token_id):
                _finish(shown, utf8)
                shown.append(self.special_name(token_id))
                continue
            token = self._hf.id_to_token(token_id)
            if token is None:
                raise KeyError(f"token id {token_id} is outside the vocabulary (size {self.vocab_size})")
            shown.append(utf8.decode(bytes(_BYTES[char] for char in token)))
        _finish(shown, utf8)
        return shown

    def encode_pieces(self, text: str) -> list[str]:
        return self.pieces(self.encode(text))

    def detokenizer(self) -> IncrementalDetokenizer:
        return IncrementalDetokenizer(self)

    def token_id(self, text: str) -> int:
        """The id of a special token, e.g. "<|startoftranscript|>", "<|de|>" or "<|1.20|>"."""
        token_id = self._hf.token_to_id(text)
        if token_id is not None and token_id >= self.eot_id:
            return token_id
        stamp = _TIMESTAMP.fullmatch(text)
        if stamp:
            index = round(float(stamp.group(1)) / TIMESTAMP_SECONDS)
            if index < TIMESTAMPS:
                return self.timestamp_begin + index
        raise KeyError(
            f"{text!r} is not a special token of this tokenizer (e.g. {END_OF_TEXT}, {NO_TIMESTAMPS}, <|en|>, <|0.00|>)"
        )

    def special_ids(self) -> range:
        """Every id that is not text: the named special tokens and the timestamps."""
        return range(self.eot_id, self.vocab_size)

    def is_special(self, token_id: int) -> bool:
        return token_id >= self.eot_id

    def is_timestamp(self, token_id: int) -> bool:
        return self.timestamp_begin <= token_id < self.vocab_size

    def timestamp_seconds(self, token_id: int) -> float:
        return (token_id - self.timestamp_begin) * TIMESTAMP_SECONDS

    def special_name(self, token_id: int) -> str:
        if self.is_timestamp(token_id):
            return f"<|{self.timestamp_seconds(token_id):.2f}|>"
        name = self._hf.id_to_token(token_id)
        if name is None or token_id < self.eot_id:
            raise KeyError(f"token id {token_id} is not a special token")
        return name


def _finish(shown: list[str], utf8: codecs.IncrementalDecoder) -> None:
    """Bytes of a character left incomplete (cut off by a special token or the end) show as U+FFFD."""
    rest = utf8.decode(b"", final=True)
    if rest and shown:
        shown[-1] += rest
    utf8.reset()
