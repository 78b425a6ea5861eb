"""A sentence translated in parts, streamed and returned as one translation of the whole sentence.

The whole sentence's source columns are every part's pieces in order, then one "</s>"; a part's
attention on its own end of input goes to that last column. The alignment of a sentence translated
in three parts is so three blocks along its diagonal, one per part.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .decoding import Hypothesis, Step, Streamed


@dataclass(frozen=True)
class Columns:
    """Where one part's source pieces sit among the whole sentence's columns."""

    offset: int  # the part's first column
    width: int  # the part's pieces, without its "</s>"
    total: int  # the whole sentence's columns, its one "</s>" included

    def widen(self, rows: np.ndarray) -> np.ndarray:
        """(..., width + 1) attention over the part -> (..., total) over the whole sentence."""
        if rows.shape[-1] != self.width + 1:
            raise ValueError(f"attention over {rows.shape[-1]} columns for a part of {self.width} pieces and </s>")
        whole = np.zeros(rows.shape[:-1] + (self.total,), rows.dtype)
        whole[..., self.offset : self.offset + self.width] = rows[..., : self.width]
        whole[..., -1] = rows[..., self.width]
        return whole


def part_columns(widths: Sequence[int]) -> list[Columns]:
    """widths: each part's number of source pieces (without "</s>")."""
    total = sum(widths) + 1
    offsets = np.cumsum([0, *widths[:-1]])
    return [Columns(int(offset), width, total) for offset, width in zip(offsets, widths, strict=True)]


def stream_parts(
    streams: Iterable[Generator[Step, None, list[Hypothesis]]], columns: Sequence[Columns]
) -> Generator[Step, None, list[Hypothesis]]:
    """Each part's decoding in turn (`streams`: started one after another), as one: steps over the whole
    sentence's columns, a space before the first text of every part after the first; returns the joined
    n-best list (see `join_hypotheses`)."""
    nbests = []
    wrote = False  # whether any part has given text yet
    for steps, part in zip(streams, columns, strict=True):
        space = " " if wrote else ""
        streamed = Streamed(steps)
        for step in streamed:
            if step.piece:
                step = replace(step, piece=space + step.piece)
                space, wrote = "", True
            heads = None if step.attention_heads is None else part.widen(step.attention_heads)
            yield replace(step, attention=part.widen(step.attention), attention_heads=heads)
        nbests.append(streamed.nbest)
    return join_hypotheses(nbests, columns)


def join_hypotheses(nbests: Sequence[list[Hypothesis]], columns: Sequence[Columns]) -> list[Hypothesis]:
    """The parts' n-best lists -> the whole sentence's: its r-th joins each part's r-th hypothesis (or
    the part's last, when it has fewer), so the first is every part's best. The whole has finished when
    every part has, and looped when any part did."""
    joined = []
    for rank in range(max(len(nbest) for nbest in nbests)):
        chosen = [nbest[min(rank, len(nbest) - 1)] for nbest in nbests]
        with_tokens = [(h, part) for h, part in zip(chosen, columns, strict=True) if h.token_ids]
        heads = None  # (tokens, layers, heads, total) when every part with tokens has them (a Transformer)
        if with_tokens and all(h.attention_heads is not None for h, _ in with_tokens):
            heads = np.concatenate([part.widen(h.attention_heads) for h, part in with_tokens])
        joined.append(
            Hypothesis(
                [t for h in chosen for t in h.token_ids],
                [p for h in chosen for p in h.log_probs],
                np.concatenate([part.widen(h.attention) for h, part in zip(chosen, columns, strict=True)]),
                heads,
                all(h.finished for h in chosen),
                chosen[0].length_penalty,
                any(h.looped for h in chosen),
            )
        )
    return joined
