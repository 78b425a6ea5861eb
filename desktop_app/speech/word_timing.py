"""Word times for Whisper transcripts from its alignment heads, by dynamic time warping.

Some cross-attention heads of Whisper's decoder follow the speech in time (openai/whisper lists
them per model: `WhisperConfig.alignment_heads`). The transcript's tokens are fed to the model once
more (teacher forcing) and those heads' attention over the audio's frames becomes one matrix: each
head z-scored over the tokens per frame (so that a frame every token attends to counts for none),
median-filtered along time, the heads averaged. The cheapest monotonic path through the negated
matrix, from the first token and frame to the last, gives each token the frame where the path enters
its row; a word starts where its first token does and ends where the next word (or the end token)
starts. This is what openai/whisper's `add_word_timestamps` and CTranslate2's `align` compute; see
tests/test_word_timing.py for how close the two come.

Shapes:
    memory:    one encoded 30-second window (`decoding.encode`), the one the text was decoded from
    weights:   (alignment heads, tokens, encoder frames) from `WhisperModel.alignment_weights`
    matrix:    (text tokens + 1, frames of the audio): row k is the query that wrote text token k
               (the position before it); the last row wrote the end token
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
import torch
from scipy.ndimage import median_filter

from .recognizer import WordSpan

MEDIAN_WIDTH = 7  # encoder frames (140 ms): openai/whisper's and CTranslate2's default
OPENING = set("\"'“‘«¿¡([{")  # a mark that, after a space, opens the next word rather than ending the last


def word_timings(
    model,
    memory,
    start_ids: Sequence[int],
    text_ids: Sequence[int],
    pieces: Sequence[str],
    frames: int,
    frame_seconds: float,
) -> list[WordSpan]:
    """The words of `pieces` with their times in the window, in seconds.

    model: a WhisperModel; start_ids: the start tokens the text was decoded after (with or without
    <|notimestamps|>; the alignment is always made without timestamps, as Whisper's is); text_ids:
    the text tokens alone (no timestamps), and pieces their `tokenizer.pieces`; frames: the encoder
    frames that hold the audio (the rest of the window is padding)."""
    if len(pieces) != len(text_ids):
        raise ValueError(f"{len(pieces)} pieces for {len(text_ids)} text tokens")
    if not text_ids:
        return []
    config = model.config
    start = [t for t in start_ids if t != config.no_timestamps_id] + [config.no_timestamps_id]
    device = next(model.parameters()).device
    tokens = torch.tensor([[*start, *text_ids, config.eot_id]], device=device)  # 1 x len
    with torch.inference_mode():
        weights = model.alignment_weights(memory, tokens)[0].float().cpu().numpy()  # heads x len x 1500
    matrix = alignment_matrix(weights, frames)[len(start) - 1 : len(start) + len(text_ids)]  # text tokens + 1 x frames
    starts = token_starts(matrix) * frame_seconds  # (text tokens + 1,)
    return [WordSpan(word, float(starts[first]), float(starts[stop])) for word, first, stop in group_words(pieces)]


def alignment_matrix(weights: np.ndarray, frames: int, width: int = MEDIAN_WIDTH) -> np.ndarray:
    """weights (heads, tokens, encoder frames), rows summing to 1 -> (tokens, frames): the heads' attention
    over the first `frames` frames, normalised, smoothed and averaged."""
    kept = weights[:, :, :frames].astype(np.float64)
    # A softmax over the audio's frames alone: the padding after the audio draws attention of its own.
    kept = kept / np.maximum(kept.sum(axis=-1, keepdims=True), 1e-12)
    mean, spread = kept.mean(axis=1, keepdims=True), kept.std(axis=1, keepdims=True)
    scores = (kept - mean) / np.where(spread > 0, spread, 1.0)  # heads x tokens x frames, per frame column
    # "mirror" reflects about the edge frame without repeating it, as CTranslate2's filter does.
    scores = median_filter(scores, size=(1, 1, width), mode="mirror")
    return scores.mean(axis=0)


def token_starts(matrix: np.ndarray) -> np.ndarray:
    """matrix (tokens, frames), higher = more aligned -> (tokens,) the frame where the best path enters each
    token's row (non-decreasing)."""
    rows, columns = dtw_path(-matrix)
    entered = np.concatenate([[True], np.diff(rows) > 0])  # the path's first cell in each row
    return columns[entered]


def dtw_path(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cost (rows, columns) -> (row indices, column indices) of the cheapest path from (0, 0) to the last cell
    that steps one row down, one column right, or both at once; every row and column is on it."""
    rows, columns = cost.shape
    total = np.full((rows + 1, columns + 1), np.inf)  # total[i, j]: the cheapest path to cell (i - 1, j - 1)
    total[0, 0] = 0.0
    for i in range(1, rows + 1):
        row = cost[i - 1].astype(np.float64)
        # A cell is entered from above or diagonally (`entered`), or from the cell to its left:
        # total[i, j] = min(entered[j], total[i, j - 1] + row[j]). Unrolled, that is the best entry
        # point k <= j plus the row's costs from k + 1 to j, a running minimum over a running sum.
        entered = row + np.minimum(total[i - 1, :-1], total[i - 1, 1:])  # (columns,)
        running = np.cumsum(row)
        total[i, 1:] = running + np.minimum.accumulate(entered - running)
    path = []
    i, j = rows, columns
    while i > 0 and j > 0:  # back from the last cell; total[0, 0] is the only finite cell outside the matrix
        path.append((i - 1, j - 1))
        move = int(np.argmin((total[i - 1, j - 1], total[i - 1, j], total[i, j - 1])))  # diagonal first on ties
        i, j = (i - 1, j - 1) if move == 0 else (i - 1, j) if move == 1 else (i, j - 1)
    return np.array(path[::-1]).T


def group_words(pieces: Sequence[str]) -> list[tuple[str, int, int]]:
    """Token pieces -> (word, first token, token after the last) per word.

    A piece with a leading space starts a word; punctuation joins the word before it, except an opening
    mark after a space (a quote, a bracket), which starts the next. Blank pieces (a lone space, or the
    first bytes of a character split over tokens, shown as "") go with the piece after them."""
    words: list[list] = []  # [text, first, stop]
    pending: int | None = None  # the first of the blank pieces waiting for a word
    new_word = True
    for index, piece in enumerate(pieces):
        if not piece.strip():
            pending = index if pending is None else pending
            new_word = new_word or piece.startswith(" ")
            continue
        first = index if pending is None else pending
        spaced = new_word or piece.startswith(" ")
        if not words or (spaced and not _closing(piece.strip())):
            words.append([piece.strip(), first, index + 1])
        else:
            words[-1][0] += piece.rstrip()
            words[-1][2] = index + 1
        pending, new_word = None, False
    if pending is not None and words:
        words[-1][2] = len(pieces)  # trailing blanks end the last word
    return [(text, first, stop) for text, first, stop in words]


def _closing(text: str) -> bool:
    """Punctuation alone that belongs to the word before it (a full stop, a comma, a closing quote)."""
    return all(unicodedata.category(c).startswith("P") for c in text) and text[0] not in OPENING
