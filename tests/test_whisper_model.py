"""The Whisper architecture inside the model library: its decoding steps match teacher forcing, the one
decoding generator feeds its start tokens, picks a language and ends on its own end token, and
Whisper's token rules hold. A small random model; the real checkpoint is tested in test_whisper_reference.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from desktop_app.seq2seq.decoding import DecodeOptions, decode, run_to_end
from desktop_app.seq2seq.quantize import model_for_inference
from desktop_app.seq2seq.whisper import WhisperConfig, WhisperModel, whisper_sinusoids
from desktop_app.seq2seq.whisper_rules import WhisperRules

EOT, SOT, TRANSCRIBE, TRANSLATE, NO_SPEECH, NO_TIMESTAMPS, BEGIN = 50, 51, 52, 53, 54, 55, 56
LANGUAGES = {"en": 40, "de": 41, "fr": 42}


def small_config(**changes) -> WhisperConfig:
    values = dict(
        tgt_vocab_size=120,
        eot_id=EOT,
        sot_id=SOT,
        transcribe_id=TRANSCRIBE,
        translate_id=TRANSLATE,
        no_speech_id=NO_SPEECH,
        no_timestamps_id=NO_TIMESTAMPS,
        timestamp_begin_id=BEGIN,
        n_mels=8,
        d_model=16,
        heads=2,
        encoder_layers=2,
        decoder_layers=2,
        ff_size=32,
        audio_positions=20,
        max_positions=40,
        language_ids=dict(LANGUAGES),
        alignment_heads=[[1, 0], [1, 1]],
        suppress_ids=[3, 4],
        suppress_at_begin=[EOT, 5],
    )
    values.update(changes)
    return WhisperConfig(**values)


@pytest.fixture
def model() -> WhisperModel:
    torch.manual_seed(0)
    return WhisperModel(small_config()).eval()


def features(frames: int = 40) -> np.ndarray:
    return np.random.default_rng(1).normal(size=(frames, 8)).astype(np.float32)


def test_steps_with_cached_keys_match_teacher_forcing(model):
    src = torch.as_tensor(features())[None]
    tokens = torch.tensor([[SOT, LANGUAGES["de"], TRANSCRIBE, NO_TIMESTAMPS, 7, 9, 11, 13]])
    with torch.inference_mode():
        logits, attention = model(src, torch.ones(1, 40, dtype=torch.bool), tokens)
        expected = torch.log_softmax(logits, dim=-1)[0]
        for prepared in (model, model_for_inference(model, "float32", False)):  # fused projections too
            memory = prepared.encode(src, torch.ones(1, 40, dtype=torch.bool))
            state = prepared.initial_state(memory)
            for position in range(tokens.size(1)):
                out = prepared.step(tokens[:, position], memory, state)
                state = out.state
                assert torch.allclose(out.log_probs[0], expected[position], atol=1e-4)
                assert torch.allclose(out.attention[0], attention[0, position], atol=1e-5)
    assert out.attention_heads.shape == (1, 2, 2, 20)  # layers x heads x encoder frames (40 features / 2)


def test_encoder_positions_are_whispers_sinusoids():
    table = whisper_sinusoids(1500, 384)
    assert table.shape == (1500, 384)
    assert torch.allclose(table[0, :192], torch.zeros(192)) and torch.allclose(table[0, 192:], torch.ones(192))
    # the slowest channel turns once per 10,000 / (2 pi) frames; the fastest once per 2 pi
    assert table[1, 0] == pytest.approx(np.sin(1.0)) and table[1, 191] == pytest.approx(np.sin(1e-4), rel=1e-3)


def test_audio_longer_than_the_window_is_refused(model):
    with pytest.raises(ValueError, match="30 s"):
        model.encode(torch.zeros(1, 41 * 2, 8), torch.ones(1, 82, dtype=torch.bool))


def test_generator_feeds_the_start_tokens_and_stops_at_the_models_end_token(model):
    start = (SOT, LANGUAGES["fr"], TRANSCRIBE, NO_TIMESTAMPS)
    steps, nbest = run_to_end(decode(model, features(), DecodeOptions(start_ids=start, loop_repeats=None)))
    best = nbest[0]
    assert best.start_ids == start
    assert [s.token_id for s in steps] == best.token_ids and EOT not in best.token_ids
    # each token was the likeliest after the start tokens and the tokens before it (greedy search)
    src = torch.as_tensor(features())[None]
    with torch.inference_mode():
        fed = [*start, *best.token_ids][:40]  # the last token is never fed back
        logits, _ = model(src, torch.ones(1, 40, dtype=torch.bool), torch.tensor([fed]))
    chosen = logits[0, len(start) - 1 :].argmax(dim=-1).tolist()
    assert chosen[: len(best.token_ids)] == best.token_ids
    if best.finished:
        assert chosen[len(best.token_ids)] == EOT
    # the distribution after the first start token: where Whisper's no-speech probability is read
    assert np.exp(best.start_log_probs).sum() == pytest.approx(1.0, abs=1e-4)


def test_generator_chooses_the_language_after_the_first_start_token(model):
    choices = tuple(LANGUAGES.values())
    options = DecodeOptions(start_ids=(SOT, TRANSCRIBE, NO_TIMESTAMPS), choose_after_start=choices, max_tokens=3)
    _, nbest = run_to_end(decode(model, features(), options))
    chosen = nbest[0].start_ids[1]
    assert chosen == choices[int(np.argmax(nbest[0].start_log_probs[list(choices)]))]
    assert nbest[0].start_ids == (SOT, chosen, TRANSCRIBE, NO_TIMESTAMPS)
    for beam in (1, 3):  # the beam search starts from the same point
        _, again = run_to_end(
            decode(
                model,
                features(),
                DecodeOptions(
                    beam_size=beam, start_ids=(SOT, TRANSCRIBE, NO_TIMESTAMPS), choose_after_start=choices, max_tokens=3
                ),
            )
        )
        assert again[0].start_ids[1] == chosen


def test_output_fits_the_positions_left_after_the_start_tokens(model):
    options = DecodeOptions(
        start_ids=(SOT, TRANSCRIBE, NO_TIMESTAMPS), max_length_ratio=100, loop_repeats=None, token_rules=_never_end()
    )
    _, nbest = run_to_end(decode(model, features(), options))
    assert len(nbest[0].token_ids) == 40 - 2  # 40 positions, 3 of them start tokens (the first counts as BOS)


def _never_end():
    class NeverEnd:
        def apply(self, outputs, log_probs):
            return log_probs.index_fill(1, torch.tensor([EOT]), float("-inf"))

    return NeverEnd()


def allowed(rules: WhisperRules, ids: list[int], log_probs: torch.Tensor | None = None) -> set[int]:
    if log_probs is None:  # one likely word, the rest unlikely: no timestamp is forced by probability
        log_probs = torch.full((1, 120), -12.0)
        log_probs[0, 7] = np.log(0.5)
    row = log_probs
    return set(torch.nonzero(torch.isfinite(rules.apply([ids], row.clone())[0])).flatten().tolist())


TEXT = set(range(BEGIN)) - {3, 4, NO_TIMESTAMPS}  # words, the end and the other start tokens (this config's list)


def test_rules_without_timestamps_suppress_listed_tokens_and_every_timestamp():
    rules = WhisperRules(small_config(), timestamps=False)
    assert allowed(rules, []) == set(range(BEGIN)) - {3, 4, 5, EOT, NO_TIMESTAMPS}  # 5 and the end never first
    assert EOT in allowed(rules, [7]) and not allowed(rules, [7]) & set(range(BEGIN, 120))
    assert NO_TIMESTAMPS not in allowed(rules, [7])


def test_rules_with_timestamps_pair_them_and_keep_time_moving_forward():
    rules = WhisperRules(small_config(), timestamps=True)
    stamp = lambda i: BEGIN + i  # noqa: E731
    assert allowed(rules, []) == {stamp(i) for i in range(51) if stamp(i) < 120}  # a timestamp within 1 s opens
    assert allowed(rules, [stamp(2)]) == TEXT  # an opening timestamp is followed by text
    after_text = allowed(rules, [stamp(2), 7])
    assert TEXT <= after_text
    assert {stamp(0), stamp(1), stamp(2)}.isdisjoint(after_text) and stamp(3) in after_text  # no zero-length segment
    end_likely = torch.full((1, 120), -12.0)
    end_likely[0, EOT] = np.log(0.5)
    closing = allowed(rules, [stamp(2), 7, stamp(9)], end_likely)  # a segment's end: the next start or the end
    assert closing == {EOT, SOT, TRANSCRIBE, TRANSLATE, NO_SPEECH} | set(range(stamp(9), 120))  # no word
    assert allowed(rules, [stamp(2), 7, stamp(9), stamp(9)]) == TEXT  # a pair closed: text next


def test_rules_choose_a_timestamp_when_timestamps_are_likelier_than_any_word():
    rules = WhisperRules(small_config(), timestamps=True)
    log_probs = torch.full((1, 120), -12.0)
    log_probs[0, 7] = np.log(0.2)  # the likeliest word
    log_probs[0, BEGIN + 10 : BEGIN + 40] = np.log(0.02)  # 30 timestamps, 0.6 together
    assert allowed(rules, [BEGIN, 7], log_probs) == set(range(BEGIN + 1, 120))  # no word, not even the end
    log_probs[0, 7] = np.log(0.7)
    assert 7 in allowed(rules, [BEGIN, 7], log_probs)
