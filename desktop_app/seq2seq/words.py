"""Whole words from SentencePiece pieces, and attention between words instead of pieces.

A piece starting with '▁' starts a word; punctuation at the start or end of a word (pieces made only
of punctuation, such as the "." of "▁century ." or the "," after "gesagt") becomes a word of its own,
as alignment tools tokenise it, so that a dropped "last century." is not hidden by the attention its
full stop receives. "</s>" is always a word of its own (the end-of-sentence column).

Attention between words: a source word (column) receives the sum over its pieces, so each row still
sums to 1; an output word (row) is the mean of its pieces' rows.

    words = word_alignment(source_pieces, output_pieces, attention)   # attention (outputs, sources)
    words.matrix        # (len(words.output.texts), len(words.source.texts))
    words.source.spans  # each source word's piece indices; the pieces stay in words.source.pieces
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WORD_START = "\u2581"
END_PIECE = "</s>"


@dataclass(frozen=True)
class Words:
    """One axis: the pieces and the words they make."""

    pieces: list[str]
    texts: list[str]  # each word as people read it (pieces joined, '▁' dropped)
    spans: list[range]  # each word's piece indices, in order, covering every piece once

    def word_of_piece(self, piece: int) -> int:
        return next(i for i, span in enumerate(self.spans) if piece in span)


@dataclass(frozen=True)
class WordAlignment:
    source: Words  # columns
    output: Words  # rows
    matrix: np.ndarray  # (output words, source words): rows sum to 1 where the piece rows did
    piece_matrix: np.ndarray  # (output pieces, source pieces), as the model gave it

    @property
    def end_column(self) -> int | None:
        """The source word that is "</s>", if there is one (the last)."""
        return len(self.source.texts) - 1 if self.source.texts and self.source.texts[-1] == END_PIECE else None


def join_pieces(pieces: Sequence[str]) -> Words:
    """SentencePiece pieces -> whole words (see the module docstring for the rule)."""
    spans: list[range] = []
    start = 0
    for i in range(1, len(pieces) + 1):
        if i == len(pieces) or pieces[i].startswith(WORD_START) or END_PIECE in (pieces[i], pieces[i - 1]):
            spans.extend(_split_punctuation(pieces, start, i))
            start = i
    return Words(list(pieces), [_text(pieces[s.start : s.stop]) for s in spans], spans)


def _split_punctuation(pieces: Sequence[str], start: int, stop: int) -> list[range]:
    """One word's pieces [start, stop) -> the word, with any leading and trailing punctuation as words of their own."""
    kinds = [_kind(p) for p in pieces[start:stop]]
    texts = [i for i, kind in enumerate(kinds) if kind == "text"]
    if not texts:
        return [range(start, stop)]
    first, last = start + texts[0], start + texts[-1] + 1
    leading = range(start, first) if "punctuation" in kinds[: texts[0]] else None
    spans = [leading] if leading else []
    spans.append(range(start if leading is None else first, last))
    if last < stop:
        spans.append(range(last, stop))
    return spans


def _kind(piece: str) -> str:
    """'punctuation' (punctuation and symbols only), 'empty' (a lone '▁') or 'text'."""
    text = piece.replace(WORD_START, "")
    if not text:
        return "empty"
    if piece != END_PIECE and all(unicodedata.category(c)[0] in "PS" for c in text):
        return "punctuation"
    return "text"


def _text(pieces: Sequence[str]) -> str:
    return "".join(pieces).replace(WORD_START, " ").strip()


def word_attention(matrix: np.ndarray, output: Words, source: Words) -> np.ndarray:
    """matrix (..., output pieces, source pieces) -> (..., output words, source words): columns summed over a
    source word's pieces, rows averaged over an output word's pieces (leading axes such as layers and heads kept)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.shape[-2:] != (len(output.pieces), len(source.pieces)):
        raise ValueError(
            f"attention of shape {matrix.shape[-2:]} for {len(output.pieces)} output and "
            f"{len(source.pieces)} source pieces"
        )
    if not output.spans or not source.spans:
        return np.zeros(matrix.shape[:-2] + (len(output.spans), len(source.spans)), np.float32)
    columns = np.add.reduceat(matrix, [s.start for s in source.spans], axis=-1)  # ... x out pieces x src words
    sums = np.add.reduceat(columns, [s.start for s in output.spans], axis=-2)  # ... x out words x src words
    sizes = np.array([len(s) for s in output.spans], np.float32)[:, None]
    return sums / sizes


def word_alignment(source_pieces: Sequence[str], output_pieces: Sequence[str], matrix: np.ndarray) -> WordAlignment:
    """source_pieces: the columns (ending with "</s>" as Translation.source_pieces does); output_pieces: the
    output's SentencePiece pieces (tokenizer.pieces(token_ids), not the text increments); matrix (outputs, sources)."""
    source, output = join_pieces(source_pieces), join_pieces(output_pieces)
    piece_matrix = np.asarray(matrix, dtype=np.float32)
    return WordAlignment(source, output, word_attention(piece_matrix, output, source), piece_matrix)
