"""No letter four times in a row: a token rule that steers a translation off "Tettttt..." at once.

The loop stop (repetition.py) ends an output only after 8 copies of one token, and a run of one letter
is often not one token repeated ("Pfotttttikanskomt": "tt", "t", "tt" ...). German and English never
write a letter four times in a row (three happens: "Schifffahrt", "Kaffeeersatz"), so a token that would
make a fourth is forbidden and the model takes its next choice: the decoder backs off. A source that has
such a run itself ("Hmmmm") may have it translated.

    letters = Letters(tokenizer)                        # once per tokenizer
    rule = LetterRuns(letters, source_text)             # once per sentence
    options = replace(options, token_rules=rule)      # the one decoding generator applies it
    ... decode ...; rule.fired: whether it changed the model's first choice
"""

from __future__ import annotations

import re

import numpy as np
import torch

from .tokenizer import Tokenizer

MAX_RUN = 3  # the longest run of one letter allowed
_TAIL_TOKENS = 6  # enough tokens to see a run of MAX_RUN letters end the output
_RUN = re.compile(rf"([^\W\d_])\1{{{MAX_RUN},}}")


class Letters:
    """What the rule needs to know of a target vocabulary, computed once."""

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        self.texts = [_piece_text(piece) for piece in tokenizer.pieces(range(tokenizer.vocab_size))]
        # per token: its first letter (casefolded, "" when it starts otherwise) and how often it repeats there
        self.first = np.array([text[:1].casefold() if text[:1].isalpha() else "" for text in self.texts])
        self.lead = torch.tensor([_leading_run(text) for text in self.texts])
        self.runs = [m.group(1).casefold() if m else "" for m in (_RUN.search(t) for t in self.texts)]
        self._by_letter: dict[str, torch.Tensor] = {}

    def starting_with(self, letter: str, at_least: int) -> torch.Tensor:
        """(vocab,) bool: tokens whose text starts with `letter` at least `at_least` times."""
        if letter not in self._by_letter:
            self._by_letter[letter] = torch.from_numpy(self.first == letter)
        return self._by_letter[letter] & (self.lead >= at_least)


class LetterRuns:
    """TokenRules (see decoding.TokenRules) that forbid a token making a letter come MAX_RUN + 1 times
    in a row, unless the source has such a run of that letter."""

    def __init__(self, letters: Letters, source: str = ""):
        self._letters = letters
        self._allowed = {m.group(1).casefold() for m in _RUN.finditer(source)}
        # a token holding a whole run inside is always forbidden
        self._inside = torch.tensor([bool(run) and run not in self._allowed for run in letters.runs])
        self.fired = False  # whether the rule ever took away the model's first choice

    def apply(self, outputs: list[list[int]], log_probs: torch.Tensor) -> torch.Tensor:
        """outputs: each row's tokens so far; log_probs (rows, vocab) -> with forbidden tokens at -inf."""
        forbidden = self._inside.to(log_probs.device).unsqueeze(0).repeat(len(outputs), 1)  # rows x vocab
        for row, ids in enumerate(outputs):
            letter, run = _trailing_run(self._letters.tokenizer.decode(ids[-_TAIL_TOKENS:]))
            if run and letter not in self._allowed:
                forbidden[row] |= self._letters.starting_with(letter, MAX_RUN + 1 - run).to(log_probs.device)
        best = log_probs.argmax(dim=-1)
        if bool(forbidden.gather(1, best[:, None]).any()):
            self.fired = True
        return log_probs.masked_fill(forbidden, float("-inf"))


def _piece_text(piece: str) -> str:
    return piece.replace("\u2581", " ")


def _leading_run(text: str) -> int:
    if not text[:1].isalpha():
        return 0
    first = text[0].casefold()
    return len(text) - len(text.casefold().lstrip(first))


def _trailing_run(text: str) -> tuple[str, int]:
    """The letter the text ends in (casefolded) and how many times in a row; ("", 0) after a non-letter."""
    if not text[-1:].isalpha():
        return "", 0
    last = text[-1].casefold()
    return last, len(text) - len(text.casefold().rstrip(last))
