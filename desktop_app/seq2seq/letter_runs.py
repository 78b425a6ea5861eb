"""No letter written more often in a row than the target language does: a token rule that steers a translation
off "Tettttt..." at once.

The loop stop (repetition.py) ends an output only after 8 copies of one token, and a run of one letter
is often not one token repeated ("Pfotttttikanskomt": "tt", "t", "tt" ...). English and French never write a
letter three times in a row, German only in rare compounds ("Schifffahrt"; "Schiffahrt", the older spelling,
reads as well), while the models wrote a garbled word with three ("Trittt", "Arrrêtons", "remmmam") in up to 9%
of their outputs on the dev sets; so a token that would make a third is forbidden and the model takes its next
choice: the decoder backs off (docs/experiments/2026-12-06-keep-spans.md, "Letter runs of three"). A source
that has such a run itself ("Hmmm", "Henry VIII") may have it translated.

    letters = Letters(tokenizer, max_run("fr"))         # once per tokenizer
    rule = LetterRuns(letters, source_text)             # once per sentence
    options = replace(options, token_rules=rule)      # the one decoding generator applies it
    ... decode ...; rule.fired: whether it changed the model's first choice
"""

from __future__ import annotations

import re

import numpy as np
import torch

from .tokenizer import Tokenizer

MAX_RUN = 3  # the longest run of one letter allowed in a language not listed below
MAX_RUNS = {"en": 2, "fr": 2, "de": 2}  # measured: no reference and no dev-set BLEU needs a third
_TAIL_TOKENS = 6  # enough tokens to see a run of MAX_RUN letters end the output


def max_run(language: str) -> int:
    """The longest run of one letter the target `language` writes."""
    return MAX_RUNS.get(language.split("-")[0].lower(), MAX_RUN)


class Letters:
    """What the rule needs to know of a target vocabulary, computed once."""

    def __init__(self, tokenizer: Tokenizer, longest: int = MAX_RUN):
        self.tokenizer = tokenizer
        self.longest = longest  # the longest run of one letter allowed
        self.too_long = re.compile(rf"([^\W\d_])\1{{{longest},}}")
        self.texts = [_piece_text(piece) for piece in tokenizer.pieces(range(tokenizer.vocab_size))]
        # per token: its first letter (casefolded, "" when it starts otherwise) and how often it repeats there
        self.first = np.array([text[:1].casefold() if text[:1].isalpha() else "" for text in self.texts])
        self.lead = torch.tensor([_leading_run(text) for text in self.texts])
        self.runs = [m.group(1).casefold() if m else "" for m in (self.too_long.search(t) for t in self.texts)]
        self._by_letter: dict[str, torch.Tensor] = {}

    def starting_with(self, letter: str, at_least: int) -> torch.Tensor:
        """(vocab,) bool: tokens whose text starts with `letter` at least `at_least` times."""
        if letter not in self._by_letter:
            self._by_letter[letter] = torch.from_numpy(self.first == letter)
        return self._by_letter[letter] & (self.lead >= at_least)


class LetterRuns:
    """TokenRules (see decoding.TokenRules) that forbid a token making a letter come `letters.longest` + 1
    times in a row, unless the source has such a run of that letter."""

    def __init__(self, letters: Letters, source: str = ""):
        self._letters = letters
        self._allowed = {m.group(1).casefold() for m in letters.too_long.finditer(source)}
        # a token holding a whole run inside is always forbidden
        self._inside = torch.tensor([bool(run) and run not in self._allowed for run in letters.runs])
        self.fired = False  # whether the rule ever took away the model's first choice

    def apply(self, outputs: list[list[int]], log_probs: torch.Tensor) -> torch.Tensor:
        """outputs: each row's tokens so far; log_probs (rows, vocab) -> with forbidden tokens at -inf."""
        forbidden = self._inside.to(log_probs.device).unsqueeze(0).repeat(len(outputs), 1)  # rows x vocab
        for row, ids in enumerate(outputs):
            letter, run = _trailing_run(self._letters.tokenizer.decode(ids[-_TAIL_TOKENS:]))
            if run and letter not in self._allowed:
                extending = self._letters.starting_with(letter, self._letters.longest + 1 - run)
                forbidden[row] |= extending.to(log_probs.device)
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
