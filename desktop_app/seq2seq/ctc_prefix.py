"""CTC prefix scores for joint CTC/attention decoding (Watanabe et al., 2017).

The attention decoder alone may stop early, repeat a phrase or run past the audio; the CTC
head cannot, because its paths must cover every frame in order. Each decoding step scores
candidate next tokens c of a hypothesis g by how much c changes the CTC probability of the
prefix, log P_ctc(g c ...) - log P_ctc(g ...), and the searcher adds that to the attention
score. The end of the hypothesis is scored by the CTC probability of exactly g.

The forward variables of a prefix over encoder frames t are kept in log space:
    nonblank(t): CTC paths emit exactly the prefix by frame t and end in its last token,
    blank(t):    ... and end in a blank.
The recursions of the paper are first-order linear recurrences in t, so each is computed for
all frames at once with a cumulative log-sum-exp (in float64, which keeps the large partial
sums exact enough) instead of a Python loop over frames.

Shapes: log_probs (batch, frames, vocab) from the CTC head; lengths (batch,) real frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .interface import Selectable

NEG_INF = float("-inf")
FLOOR = -1e4  # log-probabilities are clamped here so that no -inf enters a subtraction


@dataclass
class PrefixVariables(Selectable):
    """The forward variables of prefixes: one per batch row, or (batch, k) candidates per row."""

    nonblank: torch.Tensor  # batch [x k] x frames, float64
    blank: torch.Tensor  # batch [x k] x frames, float64
    start: torch.Tensor  # batch [x k]: 0 for the empty prefix (paths may start with its extension), else -inf
    score: torch.Tensor  # batch [x k]: log CTC probability of the prefix as a prefix (0 for the empty one)

    def pick(self, positions: torch.Tensor) -> PrefixVariables:
        """From (batch, k) candidates, the one at positions[row] of each row -> one prefix per row."""
        rows = torch.arange(positions.size(0), device=positions.device)
        return PrefixVariables(
            self.nonblank[rows, positions],
            self.blank[rows, positions],
            self.start[rows, positions],
            self.score[rows, positions],
        )


def empty_prefix(log_probs: torch.Tensor, blank_id: int) -> PrefixVariables:
    """The empty hypothesis of each row, as a single candidate (batch, 1, frames): only blanks so far."""
    blank_run = _clamped(log_probs[:, :, blank_id]).cumsum(dim=1)[:, None, :]
    zeros = blank_run.new_zeros(blank_run.shape[:2])
    return PrefixVariables(torch.full_like(blank_run, NEG_INF), blank_run, zeros, zeros)


def extend(
    prefix: PrefixVariables,
    last_token: torch.Tensor,
    candidates: torch.Tensor,
    log_probs: torch.Tensor,
    lengths: torch.Tensor,
    blank_id: int,
) -> PrefixVariables:
    """Each row's prefix extended by each of its candidate tokens.

    prefix: one per row; last_token (batch,): its last token (for the empty prefix, any id that is
    not a candidate); candidates (batch, k) token ids, never the blank.
    Returns (batch, k) extended prefixes; their `score` is the CTC prefix score of each extension.
    """
    batch, frames, _ = log_probs.shape
    k = candidates.size(1)
    emit = _clamped(log_probs.gather(2, candidates[:, None, :].expand(batch, frames, k))).transpose(1, 2)
    blank_step = _clamped(log_probs[:, :, blank_id])[:, None, :].expand(batch, k, frames)
    either = torch.logaddexp(prefix.nonblank, prefix.blank)
    repeat = (candidates == last_token[:, None])[:, :, None]  # a repeat needs a blank in between
    ending = torch.where(repeat, prefix.blank[:, None, :], either[:, None, :])  # batch x k x frames
    # phi(t - 1) for t = 0..frames-1: the probability mass the new token may follow at frame t
    before = torch.cat([prefix.start[:, None, None].expand(batch, k, 1), ending[:, :, :-1]], dim=2)
    nonblank = _linear_recurrence(before, emit)
    never = nonblank.new_full((batch, k, 1), NEG_INF)
    blank = _linear_recurrence(torch.cat([never, nonblank[:, :, :-1]], dim=2), blank_step)
    real = torch.arange(frames, device=log_probs.device)[None, None, :] < lengths[:, None, None]
    scores = torch.logsumexp((before + emit).masked_fill(~real, NEG_INF), dim=2)  # batch x k
    return PrefixVariables(nonblank, blank, never[:, :, 0], scores)


def next_token_scores(
    prefix: PrefixVariables, last_token: torch.Tensor, probs: torch.Tensor, lengths: torch.Tensor
) -> torch.Tensor:
    """(batch, vocab) CTC prefix score of each row's prefix extended by every token, cheaply.

    probs (batch, frames, vocab): the CTC head's probabilities (not their logarithms).
    The same scores as `extend(...).score` (to the precision of probs' dtype), without the
    forward variables: a prefix score is log sum_t exp(phi(t - 1)) * y_c(t), one matrix product
    over frames for all tokens at once, so joint decoding can rank every token before it runs
    `extend` on the few it keeps. The blank's column is meaningless (it never extends a prefix).
    """
    batch, frames, vocab = probs.shape
    rows = torch.arange(batch, device=probs.device)
    real = torch.arange(frames, device=probs.device)[None, :] < lengths[:, None]
    either = torch.logaddexp(prefix.nonblank, prefix.blank)
    scores = _sum_over_frames(_shifted(prefix.start, either), real, probs)  # batch x vocab
    column = last_token.clamp(0, vocab - 1)  # the empty prefix's "last token" may be any id
    repeat = _sum_over_frames(_shifted(prefix.start, prefix.blank), real, probs[rows, :, column, None])[:, 0]
    valid = (last_token >= 0) & (last_token < vocab)
    scores[rows, column] = torch.where(valid, repeat, scores[rows, column])  # a repeat needs a blank between
    return scores


def _shifted(start: torch.Tensor, variable: torch.Tensor) -> torch.Tensor:
    """phi(t - 1) for t = 0..frames-1: (batch,) start and (batch, frames) variable -> (batch, frames)"""
    return torch.cat([start[:, None], variable[:, :-1]], dim=1)


def _sum_over_frames(before: torch.Tensor, real: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    """log sum_t exp(before(t)) * probs(t, c) over real frames: (batch, frames) and (batch, frames, n) -> (batch, n)"""
    before = before.masked_fill(~real, NEG_INF)
    peak = before.max(dim=1, keepdim=True).values.clamp(min=FLOOR)  # keeps exp() in range; -inf rows stay -inf
    weights = (before - peak).exp().to(probs.dtype)  # batch x frames, each <= 1
    return torch.bmm(weights[:, None, :], probs)[:, 0, :].log().double() + peak


def end_scores(prefix: PrefixVariables, lengths: torch.Tensor) -> torch.Tensor:
    """(batch,) log CTC probability that the whole utterance is exactly the prefix (one per row)."""
    last = (lengths - 1).clamp(min=0)[:, None]
    return torch.logaddexp(prefix.nonblank.gather(1, last), prefix.blank.gather(1, last))[:, 0]


def _linear_recurrence(inputs: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
    """x(t) = logaddexp(x(t-1), inputs(t)) + step(t) with x(-1) = -inf, for all t at once (last dim).

    Unrolled: x(t) = S(t) + log sum_{s<=t} exp(inputs(s) - S(s-1)), where S is the running sum of step."""
    running = step.cumsum(dim=-1)
    previous = torch.cat([torch.zeros_like(running[..., :1]), running[..., :-1]], dim=-1)
    return running + torch.logcumsumexp(inputs - previous, dim=-1)


def _clamped(log_probs: torch.Tensor) -> torch.Tensor:
    return log_probs.double().clamp(min=FLOOR)
