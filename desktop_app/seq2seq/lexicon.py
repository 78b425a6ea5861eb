"""A word list that steers beam search over spelling units toward real words (a lexicon penalty).

With character units a recognizer can spell out what it half heard ("delirious" -> "learies");
a character language model makes such spellings unlikely, not impossible. `LexiconPenalty` wraps
any Seq2SeqModel (a ShallowFusion too) and lowers a hypothesis's score by `penalty` once for each
word that leaves the lexicon: at the unit where the word stops being the start of any known word,
or at the word's end when it is the start of a known word but not a word itself. A name or rare
word still wins when the audio is clear. It is a decoding option (`--lexicon-penalty`, the folder's
`lexicon_penalty`); docs/experiments/README-history.md gives the dev figures for which the bundled
recognizer keeps it at 0.

    lexicon = Lexicon.load(lm_folder / LEXICON_FILE)
    steered = LexiconPenalty(model, lexicon, tokenizer, penalty=3.0)
    decode(steered, features, options, tokenizer)          # greedy or beam, unchanged

A word is a run of letters and apostrophes; a word-boundary piece ("▁"), punctuation and EOS end it.

Shapes: as the wrapped model's `step`; the penalty adds a (batch, vocab) matrix to its log_probs.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .errors import CorruptFileError, MissingFileError
from .interface import DecodingWrapper, Selectable, StepOutput, select_batch
from .tokenizer import EOS_ID, Tokenizer

LEXICON_FILE = "words.txt"  # in a language-model folder: the words of the text it was trained on
WORD_BOUNDARY = "\u2581"
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_CACHE_LIMIT = 100_000


def words_of(text: str) -> list[str]:
    """The lexicon words of a transcript: "I'll be there, Tom." -> ["i'll", "be", "there", "tom"]."""
    return _WORD_RE.findall(text.lower())


class Lexicon:
    """A set of words that also answers "does any word start with this?" (by bisection)."""

    def __init__(self, words: Iterable[str]):
        self._sorted = sorted({w for w in words if w})
        if not self._sorted:
            raise ValueError("a lexicon needs at least one word")
        self._words = frozenset(self._sorted)

    @classmethod
    def from_sentences(cls, sentences: Iterable[str]) -> Lexicon:
        return cls(w for sentence in sentences for w in words_of(sentence))

    @classmethod
    def load(cls, path: str | Path) -> Lexicon:
        path = Path(path)
        if not path.is_file():
            raise MissingFileError(f"the word list {path} is missing")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as error:
            raise CorruptFileError(f"the word list {path} is damaged (not UTF-8 text): {error}") from error
        malformed = next((i for i, line in enumerate(lines, 1) if words_of(line) != [line]), None)
        if malformed is not None:
            raise CorruptFileError(
                f"the word list {path} is damaged: line {malformed} is not one lower-case word "
                f"({lines[malformed - 1][:40]!r})"
            )
        try:
            return cls(lines)
        except ValueError as error:
            raise CorruptFileError(f"the word list {path} is empty") from error

    def save(self, path: str | Path) -> None:
        Path(path).write_text("\n".join(self._sorted) + "\n", encoding="utf-8")

    def __len__(self) -> int:
        return len(self._sorted)

    def __contains__(self, word: str) -> bool:
        return word in self._words

    def starts_a_word(self, prefix: str) -> bool:
        index = bisect_left(self._sorted, prefix)
        return index < len(self._sorted) and self._sorted[index].startswith(prefix)


WordState = tuple[str, bool]  # (the word so far, whether it has already been penalised)
# A penalised word's spelling no longer matters (it is not penalised again, and what follows it
# starts afresh), so every penalised word shares one state, and one cached penalty row.
OUTSIDE = ("*", True)


@dataclass
class LexiconState(Selectable):
    model_state: Any  # the wrapped model's own state (Selectable)
    words: tuple[WordState, ...]  # one per hypothesis in the batch

    def select(self, indices: torch.Tensor) -> LexiconState:
        return LexiconState(select_batch(self.model_state, indices), tuple(self.words[i] for i in indices.tolist()))


class LexiconPenalty(DecodingWrapper):
    def __init__(self, model: nn.Module, lexicon: Lexicon, tokenizer: Tokenizer, penalty: float):
        super().__init__(model)
        if penalty < 0:
            raise ValueError(f"the lexicon penalty must not be negative, got {penalty}")
        self.lexicon, self.penalty = lexicon, penalty
        self.pieces = [_piece_text(tokenizer, i) for i in range(tokenizer.vocab_size)]
        self._rows: dict[WordState, torch.Tensor] = {}

    def initial_state(self, memory) -> LexiconState:
        return LexiconState(self.model.initial_state(memory), (("", False),) * memory.mask.size(0))

    def step(self, prev_tokens: torch.Tensor, memory, state: LexiconState) -> StepOutput:
        out = self.model.step(prev_tokens, memory, state.model_state)
        previous = prev_tokens.tolist()
        words = tuple(self.advance(w, self.pieces[t])[0] for w, t in zip(state.words, previous, strict=True))
        penalties = torch.stack([self._row(w) for w in words]).to(out.log_probs.device)  # batch x vocab
        return StepOutput(out.log_probs - penalties, out.attention, out.attention_heads, LexiconState(out.state, words))

    def advance(self, state: WordState, piece: str | None) -> tuple[WordState, int]:
        """The word state after one more piece (None: a token that neither spells nor ends a word),
        and how many words that piece took out of the lexicon."""
        word, penalised = state
        count = 0
        for char in piece or "":
            if _WORD_RE.fullmatch(char) or (char == "'" and word):
                word += char
                if not penalised and not self.lexicon.starts_a_word(word):
                    penalised, count = True, count + 1
            else:  # a word boundary, punctuation or EOS ends the word
                if word and not penalised and word not in self.lexicon:
                    count += 1
                word, penalised = "", False
        return (OUTSIDE if penalised else (word, False)), count

    def _row(self, state: WordState) -> torch.Tensor:
        """(vocab,) the penalty each next token would cost a hypothesis in `state`."""
        row = self._rows.get(state)
        if row is None:
            if len(self._rows) >= _CACHE_LIMIT:
                self._rows.clear()
            counts = [self.advance(state, piece)[1] for piece in self.pieces]
            row = self._rows[state] = self.penalty * torch.tensor(counts, dtype=torch.float32)
        return row


def _piece_text(tokenizer: Tokenizer, token_id: int) -> str | None:
    """What a token writes: its piece with the boundary as a space; EOS ends the word (" "); None
    for the other control tokens (padding, unknown, BOS)."""
    if token_id == EOS_ID:
        return " "
    piece = tokenizer.pieces([token_id])[0]
    if piece.startswith("<") and piece.endswith(">"):
        return None
    return piece.replace(WORD_BOUNDARY, " ")
