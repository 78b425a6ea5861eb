"""Whole words from SentencePiece pieces, attention between words, and the Pharaoh export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.alignment import Alignment, pharaoh_line
from desktop_app.seq2seq.words import join_pieces, word_alignment, word_attention

JOINT = Path(__file__).parents[1] / "models" / "en-de-rnn" / "joint.model"


@pytest.mark.parametrize(
    "pieces, words",
    [
        (["▁My", "▁grand", "mother", "▁told", "▁me", "."], ["My", "grandmother", "told", "me", "."]),
        (["▁last", "▁century", ".", "</s>"], ["last", "century", ".", "</s>"]),
        (['▁"', "H", "el", "lo", ",", '"', "▁he"], ['"', "Hello", ',"', "he"]),  # punctuation split off both ends
        (["▁don", "'", "t", "▁worry"], ["don't", "worry"]),  # inside a word it stays
        (["▁", "(", "re", "ally", ")", "!"], ["(", "really", ")!"]),
        (["▁", "日本"], ["日本"]),  # a lone '▁' starts the word it belongs to
        (["▁...", "▁ok"], ["...", "ok"]),
    ],
)
def test_pieces_join_into_words_with_punctuation_apart(pieces, words):
    joined = join_pieces(pieces)
    assert joined.texts == words
    assert [i for span in joined.spans for i in span] == list(range(len(pieces)))  # every piece once, in order
    assert joined.pieces == pieces
    assert [joined.word_of_piece(i) for i in range(len(pieces))] == [
        w for w, span in enumerate(joined.spans) for _ in span
    ]


def test_the_bundled_tokenizer_gives_the_sentences_words_back():
    from desktop_app.seq2seq import Tokenizer

    tokenizer = Tokenizer.load(JOINT)
    for sentence in [
        "My grandmother told me that the old house was built last century.",
        "Er sagte: „Hallo“ – und ging.",
        "Don't worry, it's 5 p.m.",
    ]:
        words = join_pieces(tokenizer.encode_pieces(sentence)).texts
        assert "".join(words) == sentence.replace(" ", "")
        assert len(words) >= len(sentence.split())


def test_word_attention_sums_source_pieces_and_averages_output_pieces():
    source = join_pieces(["▁the", "▁grand", "mother", "</s>"])
    output = join_pieces(["▁die", "▁Groß", "mutter"])
    matrix = np.array(
        [[0.7, 0.1, 0.1, 0.1], [0.0, 0.5, 0.3, 0.2], [0.0, 0.2, 0.6, 0.2]], np.float32
    )  # output pieces x source pieces
    words = word_attention(matrix, output, source)
    np.testing.assert_allclose(words, [[0.7, 0.2, 0.1], [0.0, 0.8, 0.2]], atol=1e-6)
    np.testing.assert_allclose(words.sum(axis=1), 1.0, atol=1e-6)
    heads = np.stack([matrix, matrix[:, ::-1]])[None]  # 1 layer x 2 heads x outputs x sources
    assert word_attention(heads, output, source).shape == (1, 2, 2, 3)
    np.testing.assert_allclose(word_attention(heads, output, source)[0, 0], words)
    with pytest.raises(ValueError, match="attention of shape"):
        word_attention(matrix[:, :3], output, source)


def test_a_word_alignment_keeps_its_pieces_and_knows_its_end_column():
    aligned = word_alignment(["▁an", "▁old", "▁house", "</s>"], ["▁ein", "▁altes", "▁Haus"], np.eye(3, 4))
    assert aligned.source.texts == ["an", "old", "house", "</s>"] and aligned.end_column == 3
    assert aligned.piece_matrix.shape == (3, 4) and aligned.matrix.shape == (3, 4)
    empty = word_alignment(["▁hi", "</s>"], [], np.zeros((0, 2)))
    assert empty.matrix.shape == (0, 2) and empty.output.texts == []


def test_pharaoh_aligns_each_output_word_to_its_most_attended_source_word_never_the_end():
    matrix = np.array([[0.1, 0.8, 0.1], [0.6, 0.1, 0.3], [0.2, 0.1, 0.7]])  # last column: "</s>"
    assert pharaoh_line(matrix, (2,)) == "1-0 0-1 0-2"
    assert pharaoh_line(matrix) == "1-0 0-1 2-2"
    assert pharaoh_line(np.zeros((0, 3)), (2,)) == ""


def test_an_alignment_exports_pharaoh_over_words(tmp_path):
    alignment = Alignment(["▁the", "▁grand", "mother", ".", "</s>"])
    rows = [[0.8, 0.1, 0.0, 0.0, 0.1], [0.0, 0.5, 0.4, 0.0, 0.1], [0.0, 0.0, 0.1, 0.2, 0.7], [0.0, 0.0, 0.0, 0.9, 0.1]]
    for piece, row in zip(["▁die", "▁Groß", "mutter", "."], rows, strict=True):
        alignment.append(piece, np.array(row, np.float32))
    # words: the grandmother . </s>  x  die Großmutter .  ("mutter" looks at "mother" and "</s>": the mean row)
    assert alignment.to_pharaoh() == "0-0 1-1 2-2"
    alignment.save_pharaoh(tmp_path / "a.txt")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "0-0 1-1 2-2\n"
