"""seq2seq/agreement.py: how much two word alignments of the same words agree (numpy only, no model)."""

import numpy as np
import pytest

from desktop_app.seq2seq.agreement import WordMismatchError, agreement
from desktop_app.seq2seq.words import word_alignment

SOURCE = ["▁The", "▁house", "▁is", "▁old", ".", "</s>"]
OUTPUT = ["▁Das", "▁Haus", "▁ist", "▁al", "t", "."]


def _diagonal(end_share: float = 0.0) -> np.ndarray:
    """Each output piece attends to its own source word (the 2 pieces of "alt" to "old"), some to "</s>"."""
    matrix = np.zeros((len(OUTPUT), len(SOURCE)), np.float32)
    for row, column in enumerate([0, 1, 2, 3, 3, 4]):
        matrix[row, column] = 1 - end_share
        matrix[row, -1] = end_share
    return matrix


def test_identical_alignments_agree_fully():
    words = word_alignment(SOURCE, OUTPUT, _diagonal())
    found = agreement(words, words)
    assert found.output_words == ["Das", "Haus", "ist", "alt", "."]
    assert found.source_words == ["The", "house", "is", "old", "."]  # "</s>" is never a source word here
    assert (found.same_best, found.link_agreement, found.overlap) == (1.0, 1.0, pytest.approx(1.0))
    assert found.disagreeing == []


def test_one_word_attending_elsewhere_is_one_fifth_less_agreement():
    other = _diagonal()
    other[1] = 0
    other[1, 3] = 1  # "Haus" looks at "old" instead of "house"
    found = agreement(word_alignment(SOURCE, OUTPUT, _diagonal()), word_alignment(SOURCE, OUTPUT, other))
    assert found.same_best == pytest.approx(4 / 5)
    assert found.disagreeing == [1]
    assert (found.best_a[1], found.best_b[1]) == (1, 3)
    assert found.link_agreement == pytest.approx(4 / 5)  # 2 * 4 shared links / (5 + 5)
    assert found.overlap == pytest.approx(4 / 5)


def test_attention_on_the_end_of_sentence_does_not_count():
    """A model that parks half its attention on "</s>" still agrees where it points among the words."""
    found = agreement(
        word_alignment(SOURCE, OUTPUT, _diagonal()), word_alignment(SOURCE, OUTPUT, _diagonal(end_share=0.5))
    )
    assert (found.same_best, found.overlap) == (1.0, pytest.approx(1.0))


def test_different_words_are_refused_with_a_reason():
    words = word_alignment(SOURCE, OUTPUT, _diagonal())
    fewer = word_alignment(SOURCE, ["▁Das", "▁Haus", "▁ist", "▁al", "t", "!"], _diagonal())
    with pytest.raises(WordMismatchError, match="output as different words"):
        agreement(words, fewer)
