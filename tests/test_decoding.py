"""The decoding generator: greedy, beam search, streaming and n-best."""

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

from desktop_app.seq2seq import BOS_ID, EOS_ID, DecodeOptions, Translator, decode, run_to_end
from desktop_app.seq2seq.interface import Selectable, StepOutput

from .conftest import SOURCES

A, B, C = 4, 5, 6


@dataclass
class _Memory(Selectable):
    mask: torch.Tensor  # batch x src_len


@dataclass
class _State(Selectable):
    unused: torch.Tensor  # batch x 1


class BigramModel(nn.Module):
    """The next token's distribution depends only on the previous token: a constructed search problem."""

    def __init__(self, table: dict[int, dict[int, float]], vocab: int = 8):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))
        log_probs = torch.full((vocab, vocab), float("-inf"))
        for prev, row in table.items():
            for token, p in row.items():
                log_probs[prev, token] = float(np.log(p))
        self.register_buffer("log_probs", log_probs)

    def encode(self, src, src_mask):
        return _Memory(src_mask)

    def initial_state(self, memory):
        return _State(torch.zeros(memory.mask.size(0), 1))

    def step(self, prev_tokens, memory, state):
        uniform = memory.mask.float() / memory.mask.sum(-1, keepdim=True)
        return StepOutput(self.log_probs[prev_tokens], uniform, None, state)


# Greedy takes A (0.6), then C (0.4), then EOS (0.5): probability 0.12.
# The better path is B (0.4) then EOS (0.9): probability 0.36.
TRAP = {
    BOS_ID: {A: 0.6, B: 0.4},
    A: {C: 0.4, B: 0.3, EOS_ID: 0.3},
    B: {EOS_ID: 0.9, C: 0.1},
    C: {EOS_ID: 0.5, A: 0.5},
}


def test_beam_search_beats_greedy_on_a_constructed_case():
    model = BigramModel(TRAP)
    _, greedy = run_to_end(decode(model, [7, EOS_ID], DecodeOptions(beam_size=1)))
    _, beam = run_to_end(decode(model, [7, EOS_ID], DecodeOptions(beam_size=2)))
    assert greedy[0].token_ids == [A, C]
    assert beam[0].token_ids == [B]
    assert sum(beam[0].log_probs) > sum(greedy[0].log_probs)
    np.testing.assert_allclose(np.exp(sum(beam[0].log_probs)), 0.36, rtol=1e-5)


def test_beam_search_does_not_stop_on_poor_early_endings():
    # EOS is the runner-up at every step, so poor hypotheses finish early and often;
    # the search must still reach the near-certain A B C, which greedy search finds.
    likely = {
        BOS_ID: {A: 0.98, EOS_ID: 0.02},
        A: {B: 0.99, EOS_ID: 0.01},
        B: {C: 0.99, EOS_ID: 0.01},
        C: {EOS_ID: 0.99, A: 0.01},
    }
    for beam in (2, 3):
        _, nbest = run_to_end(decode(BigramModel(likely), [7, EOS_ID], DecodeOptions(beam_size=beam)))
        assert nbest[0].token_ids == [A, B, C] and nbest[0].finished


def test_nbest_is_sorted_and_distinct():
    model = BigramModel(TRAP)
    _, nbest = run_to_end(decode(model, [7, EOS_ID], DecodeOptions(beam_size=3, nbest=3, length_penalty=0.0)))
    assert len(nbest) == 3 and nbest[0].token_ids == [B]
    assert len({tuple(h.token_ids) for h in nbest}) == 3
    assert [h.score for h in nbest] == sorted((h.score for h in nbest), reverse=True)


def test_the_length_penalty_chooses_between_a_short_and_a_long_ending():
    # [A] ends with probability 0.5 in 2 steps (EOS included), [B, C] with 0.4 in 3: per token the
    # longer one is likelier (log 0.4 / 3 > log 0.5 / 2), in total the shorter one.
    endings = {BOS_ID: {A: 0.5, B: 0.5}, A: {EOS_ID: 1.0}, B: {C: 1.0}, C: {EOS_ID: 0.8, A: 0.2}}
    best = {
        alpha: run_to_end(decode(BigramModel(endings), [7, EOS_ID], DecodeOptions(beam_size=2, length_penalty=alpha)))[
            1
        ][0]
        for alpha in (1.0, 0.0)
    }
    assert best[1.0].token_ids == [B, C] and best[0.0].token_ids == [A]
    with pytest.raises(ValueError, match="length penalty must be zero or positive"):
        DecodeOptions(length_penalty=-0.5)


@pytest.mark.parametrize("beam", [1, 3])
def test_output_is_cut_at_the_maximum_length(beam):
    endless = {BOS_ID: {A: 1.0}, A: {A: 0.9, EOS_ID: 0.1}}
    options = DecodeOptions(beam_size=beam, max_length_ratio=2.0, max_length_extra=1)
    steps, nbest = run_to_end(decode(BigramModel(endless), [7, 7, EOS_ID], options))
    assert len(steps) == len(nbest[0].token_ids) <= options.max_length(3) == 7
    if beam == 1:
        assert nbest[0].token_ids == [A] * 7 and not nbest[0].finished


def test_a_beam_threshold_drops_hopeless_hypotheses_and_keeps_the_answer():
    # A is near-certain at every step; B, C and early ends trail far behind (log 1e-4 = -9.2).
    clear = {
        BOS_ID: {A: 0.9997, B: 1e-4, C: 1e-4, EOS_ID: 1e-4},
        A: {A: 0.6, EOS_ID: 0.4 - 2e-4, B: 1e-4, C: 1e-4},
        B: {EOS_ID: 1.0},
        C: {EOS_ID: 1.0},
    }
    model = BigramModel(clear)
    batch_sizes = []
    original_step = model.step
    model.step = lambda prev, memory, state: batch_sizes.append(len(prev)) or original_step(prev, memory, state)
    _, wide = run_to_end(decode(model, [7, EOS_ID], DecodeOptions(beam_size=4)))
    full_width = sum(batch_sizes)
    batch_sizes.clear()
    _, pruned = run_to_end(decode(model, [7, EOS_ID], DecodeOptions(beam_size=4, beam_threshold=5.0)))
    assert pruned[0].token_ids == wide[0].token_ids
    assert sum(batch_sizes) < full_width  # fewer hypotheses stepped: less work
    assert batch_sizes[1] == 1  # after the first step only A is within 5 of the best
    with pytest.raises(ValueError, match="beam threshold"):
        DecodeOptions(beam_size=4, beam_threshold=0.0)


def test_empty_source_is_refused():
    with pytest.raises(ValueError, match="empty"):
        next(decode(BigramModel(TRAP), []))


def test_options_are_checked():
    with pytest.raises(ValueError, match="beam size"):
        DecodeOptions(beam_size=0)
    with pytest.raises(ValueError, match="nbest"):
        DecodeOptions(beam_size=2, nbest=3)


UNSEEN = ["The cat is hungry.", "Where is my brother?", "Tom reads the book every morning."]


def test_greedy_equals_beam_width_one(tiny_folder):
    translator = Translator.from_folder(tiny_folder.folder)
    translator.steer_letter_runs = False  # the searches alone (steering changes a garbled unseen sentence)
    for sentence in SOURCES + UNSEEN:
        greedy = translator.translate(sentence, DecodeOptions(beam_size=1))
        _, beam = run_to_end(
            decode(
                translator.model,
                translator.source_ids(sentence),
                DecodeOptions(beam_size=1),
                translator.target_tokenizer,
            )
        )
        assert [s.token_id for s in greedy.steps] == beam[0].token_ids


@pytest.mark.parametrize("beam", [1, 5])
def test_streamed_steps_join_to_the_final_output(tiny_folder, beam):
    translator = Translator.from_folder(tiny_folder.folder)
    for sentence in SOURCES[:8] + UNSEEN:
        result = translator.translate(sentence, DecodeOptions(beam_size=beam))
        best = result.nbest[0]
        assert [s.token_id for s in result.steps] == best.token_ids
        assert result.text == translator.target_tokenizer.decode(best.token_ids)
        np.testing.assert_array_equal(np.stack([s.attention for s in result.steps]), best.attention)
        assert best.attention.shape == (len(best.token_ids), len(result.source_pieces))
        np.testing.assert_allclose(best.attention.sum(-1), 1.0, rtol=1e-5)


def test_beam_search_streams_agreed_tokens_before_it_ends(tiny_folder):
    translator = Translator.from_folder(tiny_folder.folder)
    calls = []
    original_step = translator.model.step

    def counting_step(*args):
        calls.append(1)
        return original_step(*args)

    translator.model.step = counting_step
    steps = translator.stream("The children are in the garden.", DecodeOptions(beam_size=4))
    next(steps)
    calls_at_first_token = len(calls)
    run_to_end(steps)
    assert calls_at_first_token < len(calls)


def test_a_forced_prefix_is_written_first_with_the_models_own_probabilities(tiny_folder):
    """What-if: the output starts with the given tokens (yielded as steps, scored by the model), then the search
    continues from them; greedy and beam agree on the prefix; alternatives show the model's own choices there."""
    translator = Translator.from_folder(tiny_folder.folder)
    source = translator.source_tokenizer.encode(SOURCES[0]) + [EOS_ID]
    free_steps, free = run_to_end(decode(translator.model, source, DecodeOptions(alternatives=4)))
    rank, unlikely = next((i, t) for i, (t, _) in enumerate(free_steps[0].alternatives) if i and t != EOS_ID)
    for beam in (1, 3):
        steps, nbest = run_to_end(
            decode(translator.model, source, DecodeOptions(beam_size=beam, prefix=(unlikely,), alternatives=4))
        )
        assert steps[0].token_id == unlikely == nbest[0].token_ids[0]
        assert steps[0].log_prob == pytest.approx(free_steps[0].alternatives[rank][1], abs=1e-5)
        assert [t for t, _ in steps[0].alternatives] == [t for t, _ in free_steps[0].alternatives]
    for step in free_steps:  # unforced: the chosen token is the first alternative, with its log-probability
        assert step.alternatives[0] == (step.token_id, pytest.approx(step.log_prob))
        assert [lp for _, lp in step.alternatives] == sorted((lp for _, lp in step.alternatives), reverse=True)
