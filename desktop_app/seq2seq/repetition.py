"""Loops in decoder output: the same stretch of tokens over and over ("ationationation…").

A decoder that has lost its place in the source (input it cannot read, a sentence longer than any it
learned, noise instead of speech) often repeats one piece, word or phrase until the length limit. The
search asks `ends_in_loop` after every token and stops such a hypothesis.

A stretch of `period` tokens counts as a loop once it has come `repeats_needed(period)` times in a row:
at least `repeats` times and `min_tokens` tokens in all, so one token needs 8 copies ("!!!!!!!!"),
two need 4 ("no, no, no, no,") and a phrase 3. A text source that repeats itself (a translation of
"ha ha ha ha ha") may be repeated as often as the source does, plus one.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_PERIOD = 50  # the longest stretch looked for, in tokens (a short sentence in characters)


def repeats_needed(period: int, repeats: int, min_tokens: int) -> int:
    return max(repeats, -(-min_tokens // period))


def ends_in_loop(ids: Sequence[int], repeats: int, min_tokens: int, allowed: int = 0) -> bool:
    """True when `ids` ends in one stretch of tokens repeated back to back more often than a loop needs
    (and more than `allowed` times). ids: the output so far, without BOS."""
    n = len(ids)
    for period in range(1, min(MAX_PERIOD, n // repeats) + 1):
        if ids[-1] != ids[-1 - period]:
            continue  # cheap test first: a loop of this period repeats the last token
        copies = max(repeats_needed(period, repeats, min_tokens), allowed + 1)
        span = copies * period
        if span <= n and list(ids[n - span : n - period]) == list(ids[n - span + period :]):
            return True
    return False


def most_repeats(ids: Sequence[int]) -> int:
    """How many times the most repeated stretch of `ids` (up to MAX_PERIOD tokens) comes back to back;
    1 when nothing repeats. For a text source, so that its own repetitions may be translated."""
    best = 1
    n = len(ids)
    for period in range(1, min(MAX_PERIOD, n // 2) + 1):
        run = 0
        for i in range(period, n):
            run = run + 1 if ids[i] == ids[i - period] else 0
            best = max(best, 1 + (run // period))
    return best
