"""The one decoding generator: greedy and beam search over any Seq2SeqModel.

    steps = decode(model, src_ids, DecodeOptions(beam_size=5), tokenizer)
    for step in steps:            # Step(token_id, piece, attention, log_prob, ...)
        show(step.piece, step.attention)

The generator's return value (``StopIteration.value``, or `run_to_end`) is
the n-best list of `Hypothesis`. Greedy search yields each token as soon as
it is chosen; beam search yields a token as soon as every live and finished
hypothesis agrees on it, and the rest when the search ends. Either way the
yielded steps are exactly the best hypothesis, token for token.

A hypothesis whose output starts to repeat itself (see repetition.py) is stopped there as if it had
ended, and marked `looped`, so that callers can say the output was cut short.

A model says how its output starts and ends: `start_ids` in the options (default: BOS alone; Whisper
starts with <|startoftranscript|> <|en|> <|transcribe|> ...), its `eos_id` attribute (default EOS_ID),
and the options' `token_rules` may forbid tokens at each step (Whisper's suppressed tokens and
timestamp rules). The start tokens are fed, never yielded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch

from .interface import Seq2SeqModel
from .repetition import ends_in_loop, most_repeats
from .tokenizer import BOS_ID, EOS_ID, Tokenizer


class TokenRules(Protocol):
    """Which tokens may come next: a model's own rules (Whisper's suppressed tokens and timestamps)."""

    def apply(self, outputs: list[list[int]], log_probs: torch.Tensor) -> torch.Tensor:
        """outputs: each row's tokens so far (after the start tokens); log_probs (rows, vocab).
        Returns log_probs with forbidden tokens at -inf (the search renormalises what is left)."""
        ...


@dataclass(frozen=True)
class DecodeOptions:
    beam_size: int = 1  # 1 = greedy search
    nbest: int = 1  # hypotheses returned (at most beam_size)
    length_penalty: float = 1.0  # hypothesis score = sum log p / length ** length_penalty
    max_length_ratio: float = 2.0  # output at most ratio * source length + max_length_extra tokens
    max_length_extra: int = 10
    # beam search: a hypothesis scoring more than this (in summed log-probability) below the best live
    # one is dropped at once instead of holding its place until k better ones appear (None: never)
    beam_threshold: float | None = None
    # a hypothesis ending in one stretch of tokens repeated this many times in a row (and loop_min_tokens
    # tokens in all; more often than a text source repeats itself) is stopped there and marked looped
    loop_repeats: int | None = 3  # None: never stop a loop
    loop_min_tokens: int = 8
    max_tokens: int | None = None  # an absolute cap on output tokens besides the ratio (None: none)
    # the tokens a model's output starts from, fed and never shown; () = (BOS_ID,)
    start_ids: tuple[int, ...] = ()
    # where given: right after the first start token the model chooses the likeliest of these ids (Whisper's
    # language tokens), which then joins the start tokens (Hypothesis.start_ids says which it chose)
    choose_after_start: tuple[int, ...] = ()
    token_rules: TokenRules | None = None
    # output tokens the model is made to write first (a what-if: "continue after these"); they are yielded
    # as steps with the model's own probability and attention, and the search goes on from there
    prefix: tuple[int, ...] = ()
    alternatives: int = 0  # each step also lists the model's k likeliest tokens there (Step.alternatives)

    def __post_init__(self) -> None:
        if self.beam_size < 1:
            raise ValueError(f"beam size must be at least 1, got {self.beam_size}")
        if not 1 <= self.nbest <= self.beam_size:
            raise ValueError(f"nbest must be between 1 and the beam size ({self.beam_size}), got {self.nbest}")
        if self.max_length_ratio <= 0:
            raise ValueError(f"max_length_ratio must be positive, got {self.max_length_ratio}")
        if not 0 <= self.length_penalty < math.inf:
            raise ValueError(f"the length penalty must be zero or positive, got {self.length_penalty}")
        if self.beam_threshold is not None and not self.beam_threshold > 0:
            raise ValueError(f"the beam threshold must be positive (or None), got {self.beam_threshold}")
        if self.loop_repeats is not None and self.loop_repeats < 2:
            raise ValueError(f"a loop needs at least 2 repeats (or None), got {self.loop_repeats}")
        if self.alternatives < 0:
            raise ValueError(f"alternatives must be zero or more, got {self.alternatives}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1 (or None), got {self.max_tokens}")

    def max_length(self, src_len: int) -> int:
        length = max(1, int(self.max_length_ratio * src_len) + self.max_length_extra)
        return length if self.max_tokens is None else min(length, self.max_tokens)


@dataclass
class Step:
    token_id: int
    piece: str  # text this token adds to the output ("" without a tokenizer)
    attention: np.ndarray  # (src_len,) float32, sums to 1
    log_prob: float
    attention_heads: np.ndarray | None = None  # (layers, heads, src_len) for a Transformer
    # with DecodeOptions.alternatives = k: the k likeliest (token id, log-probability) at this step, best first,
    # from the distribution this token was chosen from (the chosen one among them unless it was forced)
    alternatives: list[tuple[int, float]] | None = None


@dataclass
class Hypothesis:
    token_ids: list[int]  # without BOS and EOS
    log_probs: list[float]  # per token; one more than token_ids when EOS was reached
    attention: np.ndarray  # (len(token_ids), src_len)
    attention_heads: np.ndarray | None  # (len(token_ids), layers, heads, src_len)
    finished: bool  # False when cut off at the maximum length or stopped in a loop
    length_penalty: float = 1.0
    looped: bool = False  # stopped because its output repeated itself (see repetition.py)
    start_ids: tuple[int, ...] = ()  # the start tokens fed before token_ids (with any chosen one)
    # (vocab,) the model's log-probabilities of the token after the first start token, before any token rules
    # (Whisper's no-speech and language probabilities are read here)
    start_log_probs: np.ndarray | None = None
    score: float = field(init=False)

    def __post_init__(self) -> None:
        self.score = sum(self.log_probs) / max(1, len(self.log_probs)) ** self.length_penalty


def decode(
    model: Seq2SeqModel,
    source: Sequence[int] | np.ndarray | torch.Tensor,
    options: DecodeOptions = DecodeOptions(),
    tokenizer: Tokenizer | None = None,
    memory=None,
) -> Generator[Step, None, list[Hypothesis]]:
    """Decode one input step by step.

    source: token ids ending in EOS (text), or a (frames, features) float array (speech).
    memory: the model's encoding of `source` (batch of 1) when the caller has it already, e.g. to use it
    again afterwards (Whisper's word timing); None: encoded here.
    The maximum output length scales with the encoded length (source tokens or encoder frames).
    """
    if len(source) == 0:
        raise ValueError("cannot decode an empty source sequence")
    with torch.inference_mode():
        src = _as_batch(source, _device(model))
        if memory is None:
            memory = encode(model, source)
        start = _start(model, memory, options)
        search = _greedy if options.beam_size == 1 else _beam
        wanted = max(options.max_length(int(memory.mask.sum())), len(options.prefix))  # a prefix is never cut
        max_length = _within_positions(model, wanted, len(start.ids))
        looping = _loop_check(options, src)
        hypotheses = yield from _with_pieces(search(model, memory, options, max_length, looping, start), tokenizer)
    for hypothesis in hypotheses:
        hypothesis.start_ids, hypothesis.start_log_probs = start.ids, start.log_probs
    return hypotheses


@dataclass
class _Start:
    """The search's starting point once the start tokens are fed: the state before the last of them."""

    ids: tuple[int, ...]
    state: object
    last: int  # the last start token, fed as the first step's previous token
    eos: int
    log_probs: np.ndarray | None  # after the first start token (set by the search's first step if it is the last)


def _start(model: Seq2SeqModel, memory, options: DecodeOptions) -> _Start:
    ids = list(options.start_ids or (BOS_ID,))
    state = model.initial_state(memory)
    first_log_probs = None
    device = memory.mask.device
    i = 0
    while i < len(ids) - 1 or (i == 0 and options.choose_after_start):
        out = model.step(torch.tensor([ids[i]], device=device), memory, state)
        state = out.state
        if i == 0:
            first_log_probs = _numpy(out.log_probs)[0]
            if options.choose_after_start:
                choices = list(options.choose_after_start)
                ids.insert(1, choices[int(np.argmax(first_log_probs[choices]))])
        i += 1
    return _Start(tuple(ids), state, ids[-1], int(getattr(model, "eos_id", EOS_ID)), first_log_probs)


def encode(model: Seq2SeqModel, source: Sequence[int] | np.ndarray | torch.Tensor):
    """The model's memory of one source, as `decode` makes it (for callers that pass it to decode)."""
    with torch.inference_mode():
        src = _as_batch(source, _device(model))
        return model.encode(src, torch.ones(src.shape[:2], dtype=torch.bool, device=src.device))


def _within_positions(model: Seq2SeqModel, max_length: int, start_tokens: int = 1) -> int:
    """No more output tokens than the model has positions for (a Transformer's max_positions), counting
    the start tokens beyond the first (which takes the place of BOS)."""
    positions = getattr(getattr(model, "config", None), "max_positions", None)
    return max(1, min(max_length, positions - (start_tokens - 1))) if positions else max_length


def _forced(options: DecodeOptions, written: int, log_probs: torch.Tensor) -> torch.Tensor:
    """log_probs (rows, vocab) at output position `written`: within the prefix, only its token is possible (with
    the model's own log-probability, so that scores and confidences stay the model's)."""
    if written >= len(options.prefix):
        return log_probs
    token = options.prefix[written]
    forced = torch.full_like(log_probs, float("-inf"))
    forced[:, token] = log_probs[:, token].clamp(min=-1e9)  # a token the rules forbid is still the one asked for
    return forced


def _top(options: DecodeOptions, log_probs: torch.Tensor) -> list[list[tuple[int, float]]]:
    """Per row of (rows, vocab): the options.alternatives likeliest (token, log-probability), best first."""
    values, tokens = log_probs.topk(min(options.alternatives, log_probs.size(1)), dim=-1)
    return [
        [(t, v) for t, v in zip(row_tokens, row_values, strict=True) if v > -math.inf]
        for row_tokens, row_values in zip(tokens.tolist(), values.tolist(), strict=True)
    ]


def _allowed(options: DecodeOptions, outputs: list[list[int]], log_probs: torch.Tensor) -> torch.Tensor:
    """log_probs (rows, vocab) after the options' token rules, renormalised over what they allow."""
    if options.token_rules is None:
        return log_probs
    return torch.log_softmax(options.token_rules.apply(outputs, log_probs), dim=-1)


def _loop_check(options: DecodeOptions, src: torch.Tensor) -> Callable[[list[int]], bool]:
    """output ids -> whether they end in a loop. src: (1, src_len) ids, whose own repetitions may be
    repeated, or (1, frames, features)."""
    if options.loop_repeats is None:
        return lambda ids: False
    allowed = most_repeats(src[0].tolist()) if src.ndim == 2 else 0
    return lambda ids: ends_in_loop(ids, options.loop_repeats, options.loop_min_tokens, allowed)


def _as_batch(source, device: torch.device) -> torch.Tensor:
    """ids -> (1, src_len) int64; features -> (1, frames, features) float32."""
    if isinstance(source, np.ndarray | torch.Tensor) and source.ndim == 2:
        return torch.as_tensor(source, dtype=torch.float32, device=device).unsqueeze(0)
    return torch.tensor([list(source)], dtype=torch.long, device=device)


class DecodingStopped(Exception):
    """`run_to_end` was told to stop before the search ended."""


def run_to_end(
    steps: Generator[Step, None, list[Hypothesis]], stop: Callable[[], bool] | None = None
) -> tuple[list[Step], list[Hypothesis]]:
    """Drain a decode generator: (the streamed steps, the n-best hypotheses).
    stop: asked before each step; once it returns True, DecodingStopped is raised."""
    collected = []
    while True:
        if stop is not None and stop():
            raise DecodingStopped(f"decoding stopped after {len(collected)} tokens")
        try:
            collected.append(next(steps))
        except StopIteration as stop:
            return collected, stop.value


class Streamed:
    """Iterate a decode generator's steps with a plain `for`; afterwards `.nbest` holds what it returned."""

    def __init__(self, steps: Generator[Step, None, list[Hypothesis]]):
        self._steps = steps
        self.nbest: list[Hypothesis] = []

    def __iter__(self) -> Generator[Step, None, None]:
        self.nbest = yield from self._steps


def _device(model: Seq2SeqModel) -> torch.device:
    return next(model.parameters()).device  # type: ignore[attr-defined]


def _with_pieces(
    steps: Generator[Step, None, list[Hypothesis]], tokenizer: Tokenizer | None
) -> Generator[Step, None, list[Hypothesis]]:
    detokenizer = tokenizer.detokenizer() if tokenizer is not None else None
    while True:
        try:
            step = next(steps)
        except StopIteration as stop:
            return stop.value
        if detokenizer is not None:
            step.piece = detokenizer.push(step.token_id)
        yield step


def _numpy(x: torch.Tensor | None) -> np.ndarray | None:
    return None if x is None else x.float().cpu().numpy()


def _greedy(
    model, memory, options: DecodeOptions, max_length: int, looping: Callable[[list[int]], bool], start: _Start
) -> Generator[Step, None, list[Hypothesis]]:
    state = start.state
    prev = torch.full((1,), start.last, dtype=torch.long, device=memory.mask.device)
    steps: list[Step] = []
    ids: list[int] = []
    log_probs: list[float] = []
    finished = looped = False
    for _ in range(max_length):
        out = model.step(prev, memory, state)
        if start.log_probs is None:
            start.log_probs = _numpy(out.log_probs)[0]
        allowed = _allowed(options, [ids], out.log_probs)
        top = _top(options, allowed) if options.alternatives else None  # the model's own, forced or not
        log_prob, token = _forced(options, len(ids), allowed)[0].max(dim=-1)
        log_probs.append(float(log_prob))
        if int(token) == start.eos:
            finished = True
            break
        heads = _numpy(out.attention_heads)
        step = Step(
            int(token),
            "",
            _numpy(out.attention)[0],
            float(log_prob),
            None if heads is None else heads[0],
            None if top is None else top[0],
        )
        steps.append(step)
        ids.append(step.token_id)
        yield step
        if looping(ids):
            looped = True
            break
        prev, state = token.view(1), out.state
    return [_hypothesis(steps, log_probs, finished, options.length_penalty, memory.mask.size(1), looped)]


def _hypothesis(
    steps: list[Step], log_probs: list[float], finished: bool, alpha: float, src_len: int, looped: bool = False
) -> Hypothesis:
    token_ids = [s.token_id for s in steps]
    return Hypothesis(token_ids, log_probs, _stack(steps, src_len), _stack_heads(steps), finished, alpha, looped)


@dataclass
class _Beam:
    steps: list[Step]
    log_probs: list[float]
    total: float


def _beam(
    model, memory, options: DecodeOptions, max_length: int, looping: Callable[[list[int]], bool], start: _Start
) -> Generator[Step, None, list[Hypothesis]]:
    k, alpha, src_len = options.beam_size, options.length_penalty, memory.mask.size(1)
    device = memory.mask.device
    alive = [_Beam([], [], 0.0)]
    state = start.state
    finished: list[Hypothesis] = []
    finished_steps: list[list[Step]] = []
    yielded = 0
    beam_memories: dict[int, object] = {}  # the memory repeated per live hypothesis, by their count
    for _ in range(max_length):
        if len(alive) not in beam_memories:  # copied once per count, not at every step
            beam_memories[len(alive)] = memory.select(torch.zeros(len(alive), dtype=torch.long, device=device))
        beam_memory = beam_memories[len(alive)]
        prev = torch.tensor([b.steps[-1].token_id if b.steps else start.last for b in alive], device=device)
        out = model.step(prev, beam_memory, state)
        if start.log_probs is None:
            start.log_probs = _numpy(out.log_probs)[0]
        step_log_probs = _allowed(options, [[s.token_id for s in b.steps] for b in alive], out.log_probs)
        top = _top(options, step_log_probs) if options.alternatives else None  # the model's own, forced or not
        step_log_probs = _forced(options, len(alive[0].steps), step_log_probs)
        totals = torch.tensor([b.total for b in alive], device=device)[:, None] + step_log_probs  # alive x vocab
        top_totals, top_flat = totals.view(-1).topk(min(2 * k, totals.numel()))
        vocab = step_log_probs.size(1)
        attention, heads = _numpy(out.attention), _numpy(out.attention_heads)
        token_log_probs = step_log_probs.view(-1)[top_flat].tolist()  # each candidate's own, read at once
        next_alive, origins = [], []
        for total, flat, token_log_prob in zip(top_totals.tolist(), top_flat.tolist(), token_log_probs, strict=True):
            origin, token = divmod(flat, vocab)
            if math.isinf(total):
                break
            parent = alive[origin]
            log_probs = parent.log_probs + [token_log_prob]
            if token == start.eos:
                finished.append(_hypothesis(parent.steps, log_probs, True, alpha, src_len))
                finished_steps.append(parent.steps)
                continue
            step = Step(
                token,
                "",
                attention[origin],
                log_probs[-1],
                None if heads is None else heads[origin],
                None if top is None else top[origin],
            )
            steps = parent.steps + [step]
            if looping([s.token_id for s in steps]):  # ended as if by EOS, ranked after every unlooped one
                finished.append(_hypothesis(steps, log_probs, False, alpha, src_len, looped=True))
                finished_steps.append(steps)
                continue
            next_alive.append(_Beam(steps, log_probs, total))
            origins.append(origin)
            if len(next_alive) == k:
                break
        if options.beam_threshold is not None:
            next_alive, origins = _within_threshold(next_alive, origins, options.beam_threshold)
        if not next_alive or _search_is_over(finished, next_alive, k, alpha):
            alive = []
            break
        alive = next_alive
        state = out.state.select(torch.tensor(origins, device=device))
        # The final best is the best finished hypothesis so far or an extension of a live one.
        leader = [finished_steps[_best(finished)]] if finished else []
        agreed = _common_prefix([b.steps for b in alive] + leader, yielded)
        for step in agreed[yielded:]:
            yield step
        yielded = max(yielded, len(agreed))
    for b in alive:  # cut off at the maximum length
        finished.append(_hypothesis(b.steps, b.log_probs, False, alpha, src_len))
        finished_steps.append(b.steps)
    order = sorted(range(len(finished)), key=lambda i: _rank(finished[i]))
    for step in finished_steps[order[0]][yielded:]:
        yield step
    return [finished[i] for i in order[: options.nbest]]


def _within_threshold(alive: list[_Beam], origins: list[int], threshold: float) -> tuple[list[_Beam], list[int]]:
    """The live hypotheses (best first, all of one length) within `threshold` of the best, and their origins."""
    kept = [i for i, b in enumerate(alive) if b.total >= alive[0].total - threshold]
    return [alive[i] for i in kept], [origins[i] for i in kept]


def _search_is_over(finished: list[Hypothesis], alive: list[_Beam], k: int, alpha: float) -> bool:
    """True once k hypotheses have finished and no live one scores better than the k-th best of them.

    Counting finished hypotheses alone would stop the search early on poor ones (say an EOS ranked
    second at the first step) while the best live hypothesis is a token away from a far better end.
    """
    if len(finished) < k:
        return False
    kth_best = sorted((h.score for h in finished), reverse=True)[k - 1]
    best_alive = max(b.total / max(1, len(b.log_probs)) ** alpha for b in alive)
    return best_alive <= kth_best


def _rank(hypothesis: Hypothesis) -> tuple[bool, float]:
    """Sort key, best first: any hypothesis that did not loop, then by score."""
    return hypothesis.looped, -hypothesis.score


def _best(hypotheses: list[Hypothesis]) -> int:
    return min(range(len(hypotheses)), key=lambda i: _rank(hypotheses[i]))


def _stack(steps: list[Step], src_len: int) -> np.ndarray:
    return np.stack([s.attention for s in steps]) if steps else np.zeros((0, src_len), np.float32)


def _stack_heads(steps: list[Step]) -> np.ndarray | None:
    return np.stack([s.attention_heads for s in steps]) if steps and steps[0].attention_heads is not None else None


def _common_prefix(sequences: list[list[Step]], known: int = 0) -> list[Step]:
    """Longest prefix (by token) shared by every sequence; the Step objects of the first.
    known: a length the sequences are known to share already (the search's yielded steps)."""
    first = sequences[0]
    length = min(len(s) for s in sequences)
    for i in range(known, length):
        if any(s[i].token_id != first[i].token_id for s in sequences[1:]):
            return first[:i]
    return first[:length]
