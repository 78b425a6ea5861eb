"""How much two word alignments of the same sentence pair agree (numpy only).

Two models translate differently, so their attention is compared on the same output words: model B is made to
write model A's translation (forced.py) and both attentions are joined into words (words.py). Then, over the
output words:

    same_best     the share whose most attended source word is the same in both ("</s>" never counts)
    link_agreement 1 - AER between the two link sets, where a link is (output word, source word) with at least
                  LINK_SHARE of the word's attention, or its most attended one; with one set taken as both the
                  sure and the possible links of the other, AER = 1 - 2|A & B| / (|A| + |B|)
    overlap       the mean over output words of sum_j min(a_j, b_j), each row renormalised over the real source
                  words: 1 when the two spread their attention alike, 0 when they share nothing

    result = agreement(words_a, words_b)     # two WordAlignment of the same words
    result.same_best, result.best_a          # 0.83, [0, 1, 3, 2, 5, 5]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .words import WordAlignment

LINK_SHARE = 0.3  # a source word with at least this share of an output word's attention is linked to it


class WordMismatchError(ValueError):
    """The two alignments are not over the same words: the message says which side differs."""


@dataclass(frozen=True)
class Agreement:
    output_words: list[str]  # the rows both alignments share
    source_words: list[str]  # the columns, without "</s>"
    best_a: list[int]  # each output word's most attended source word (an index into source_words), model A
    best_b: list[int]  # the same for model B
    same_best: float  # share of output words with best_a == best_b
    link_agreement: float  # 1 - AER between the two link sets
    overlap: float  # mean shared attention per output word, 0..1

    @property
    def disagreeing(self) -> list[int]:
        """The output words whose most attended source word differs."""
        return [i for i, (a, b) in enumerate(zip(self.best_a, self.best_b, strict=True)) if a != b]


def agreement(a: WordAlignment, b: WordAlignment) -> Agreement:
    """a, b: word alignments of the same output words on the same source words (from each model's own pieces).
    Raises WordMismatchError when the words differ, or when there is no output word to compare."""
    _check_same(a.source.texts, b.source.texts, "source")
    _check_same(a.output.texts, b.output.texts, "output")
    rows_a, rows_b = real_source_rows(a), real_source_rows(b)  # (output words, real source words)
    if rows_a.shape[0] == 0 or rows_a.shape[1] == 0:
        raise WordMismatchError("there is nothing to compare: the translation or the sentence has no words")
    best_a, best_b = rows_a.argmax(axis=1), rows_b.argmax(axis=1)  # (output words,)
    links_a, links_b = links(rows_a), links(rows_b)
    shared = np.minimum(normalised(rows_a), normalised(rows_b)).sum(axis=1)  # (output words,)
    source_words = a.source.texts[: rows_a.shape[1]]
    return Agreement(
        output_words=list(a.output.texts),
        source_words=list(source_words),
        best_a=[int(i) for i in best_a],
        best_b=[int(i) for i in best_b],
        same_best=float(np.mean(best_a == best_b)),
        link_agreement=2 * len(links_a & links_b) / (len(links_a) + len(links_b)),
        overlap=float(shared.mean()),
    )


def real_source_rows(words: WordAlignment) -> np.ndarray:
    """The word matrix without the "</s>" column: (output words, source words but "</s>")."""
    end = words.end_column
    return words.matrix if end is None else np.delete(words.matrix, end, axis=1)


def normalised(rows: np.ndarray) -> np.ndarray:
    """Each row scaled to sum to 1 (a row with no attention on real words stays 0)."""
    sums = rows.sum(axis=1, keepdims=True)
    return np.divide(rows, sums, out=np.zeros_like(rows), where=sums > 0)


def links(rows: np.ndarray) -> set[tuple[int, int]]:
    """(output word, source word) pairs: each word's most attended source word and any with LINK_SHARE of it."""
    shares = normalised(rows)
    found = {(i, int(j)) for i, j in enumerate(rows.argmax(axis=1))}
    found |= {(int(i), int(j)) for i, j in zip(*np.nonzero(shares >= LINK_SHARE), strict=True)}
    return found


def _check_same(texts_a: list[str], texts_b: list[str], side: str) -> None:
    if texts_a != texts_b:
        raise WordMismatchError(
            f"the two models read the {side} as different words ({len(texts_a)}: {' '.join(texts_a)!r} and "
            f"{len(texts_b)}: {' '.join(texts_b)!r}), so their attention cannot be compared word by word"
        )
