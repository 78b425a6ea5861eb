"""Attention warnings (untranslated, repetition, hallucination, unreadable) and forcing a given translation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from desktop_app.seq2seq import BOS_ID, EOS_ID, Translator
from desktop_app.seq2seq.attention_warnings import (
    HALLUCINATION,
    REPETITION,
    THRESHOLDS,
    UNREADABLE,
    UNTRANSLATED,
    Thresholds,
    attention_warnings,
    candidate_source_words,
    received_attention,
    source_dependence,
    token_entropy,
    translation_warnings,
)
from desktop_app.seq2seq.forced import forced_translation
from desktop_app.seq2seq.omission import dependence
from desktop_app.seq2seq.words import word_alignment

from .conftest import SOURCES, TARGETS

LIKELY, UNLIKELY = np.log(0.9), np.log(0.001)
STRICT = Thresholds(untranslated=0.3, repetition_peak=0.3, hallucination_entropy=0.8, hallucination_probability=0.01)
ONLY_OUTPUT = Thresholds(**{**STRICT.__dict__, "untranslated": 0.0})  # no untranslated warnings


def _kinds(warnings) -> list[str]:
    return [w.kind for w in warnings]


def test_a_source_word_no_likely_token_attended_to_is_possibly_untranslated():
    # "the red house ." -> "das Haus .": nothing looks at "the" or "red"; "the" is a function word, never flagged
    matrix = np.array([[0.0, 0.0, 0.9, 0.0, 0.1], [0.0, 0.0, 0.9, 0.0, 0.1], [0.0, 0.0, 0.1, 0.8, 0.1]])
    aligned = word_alignment(["▁the", "▁red", "▁house", ".", "</s>"], ["▁das", "▁Haus", "."], matrix)
    warnings = attention_warnings(aligned, [LIKELY] * 3, STRICT, "en")
    assert _kinds(warnings) == [UNTRANSLATED]
    assert warnings[0].source_words == (1,) and warnings[0].output_words == ()
    assert warnings[0].message == 'possibly untranslated: "red" (received little attention from the translation)'
    assert attention_warnings(aligned, [LIKELY] * 3, STRICT, "zh")[0].source_words == (0, 1)  # no list for "zh"


def test_french_function_words_are_never_called_untranslated():
    # "la maison rouge ." -> "the house .": nothing looks at "la" or "rouge"; only "rouge" is flagged
    matrix = np.array([[0.0, 0.9, 0.0, 0.0, 0.1], [0.0, 0.9, 0.0, 0.0, 0.1], [0.0, 0.1, 0.0, 0.8, 0.1]])
    aligned = word_alignment(["▁la", "▁maison", "▁rouge", ".", "</s>"], ["▁the", "▁house", "."], matrix)
    assert [w.source_words for w in attention_warnings(aligned, [LIKELY] * 3, STRICT, "fr")] == [(2,)]


def test_attention_from_an_improbable_token_does_not_count_as_translating():
    """A model made to skip a word still looks at it while writing the next one: that look does not cover it."""
    aligned = word_alignment(
        ["▁red", "▁house", "</s>"], ["▁Haus", "."], np.array([[0.8, 0.1, 0.1], [0.0, 0.9, 0.1]])
    )  # "Haus" written while looking at "red"
    assert _kinds(attention_warnings(aligned, [LIKELY, LIKELY], STRICT)) == []
    assert received_attention(aligned, [UNLIKELY, LIKELY])[0] == pytest.approx(0.8 * 0.001)
    flagged = attention_warnings(aligned, [UNLIKELY, LIKELY], STRICT)
    assert _kinds(flagged) == [UNTRANSLATED] and flagged[0].source_words == (0,)


def test_neighbouring_untranslated_words_make_one_warning():
    aligned = word_alignment(
        ["▁built", "▁last", "▁century", ".", "</s>"],
        ["▁gebaut", "."],
        np.array([[0.9, 0.0, 0.0, 0.0, 0.1], [0.0, 0.0, 0.0, 0.9, 0.1]]),
    )
    warnings = attention_warnings(aligned, [LIKELY, LIKELY], STRICT, "en")
    assert [w.source_words for w in warnings] == [(1, 2)]
    assert '"last century"' in warnings[0].message


def test_an_output_word_translating_the_same_source_word_again_is_a_repetition():
    matrix = np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.1, 0.7, 0.2]])  # all three look at "river"
    aligned = word_alignment(["▁the", "▁river", "</s>"], ["▁Fluss", "es", "▁Fluss"], matrix)
    warnings = attention_warnings(aligned, [LIKELY] * 3, STRICT, "en")
    assert _kinds(warnings) == [REPETITION]
    assert warnings[0].output_words == (1,) and warnings[0].source_words == (1,)
    assert warnings[0].message == 'possible repetition: "Fluss" says again what "Flusses" said'
    weak = Thresholds(**{**STRICT.__dict__, "repetition_peak": 0.75})  # "Fluss" gives "river" only 0.7
    assert _kinds(attention_warnings(aligned, [LIKELY] * 3, weak, "en")) == []


def test_a_repetition_the_source_makes_itself_is_no_warning():
    matrix = np.array([[0.9, 0.0, 0.1], [0.0, 0.9, 0.1]])
    aligned = word_alignment(["▁river", "▁river", "</s>"], ["▁Fluss", "▁Fluss"], matrix)
    assert attention_warnings(aligned, [LIKELY] * 2, STRICT) == []
    same_peak = word_alignment(["▁river", "▁river", "</s>"], ["▁Fluss", "▁Fluss"], np.array([[0.9, 0.0, 0.1]] * 2))
    assert attention_warnings(same_peak, [LIKELY] * 2, ONLY_OUTPUT) == []  # two "river"s may give two "Fluss"


def test_an_unlikely_token_with_spread_attention_is_a_possible_hallucination():
    spread, sharp = np.full(4, 0.25), np.array([0.0, 0.9, 0.0, 0.1])
    aligned = word_alignment(["▁a", "▁red", "▁house", "</s>"], ["▁Haus", "▁Drachen"], np.stack([sharp, spread]))
    assert token_entropy(np.stack([sharp, spread])) == pytest.approx([0.234, 1.0], abs=1e-3)
    warnings = attention_warnings(aligned, [LIKELY, UNLIKELY], ONLY_OUTPUT, "en")
    assert _kinds(warnings) == [HALLUCINATION] and warnings[0].output_words == (1,)
    assert '"Drachen"' in warnings[0].message
    assert attention_warnings(aligned, [LIKELY, LIKELY], ONLY_OUTPUT, "en") == []  # likely: no warning
    focused = word_alignment(["▁a", "▁red", "▁house", "</s>"], ["▁Haus", "▁Drachen"], np.stack([sharp, sharp]))
    assert attention_warnings(focused, [LIKELY, UNLIKELY], ONLY_OUTPUT, "en") == []  # unlikely but based on "red"


def test_unreadable_input_comes_first_and_the_end_column_is_never_flagged():
    aligned = word_alignment(["▁x", "</s>"], ["▁y"], np.array([[0.0, 1.0]]))
    warnings = attention_warnings(aligned, [LIKELY], STRICT, unreadable="90% of this text is Arabic script ...")
    assert _kinds(warnings) == [UNREADABLE, UNTRANSLATED]
    assert warnings[1].source_words == (0,)  # "x", never "</s>"


def test_every_architecture_has_thresholds():
    assert set(THRESHOLDS) == {"rnn", "transformer"}
    for chosen in THRESHOLDS.values():
        assert 0 < chosen.untranslated < 1 and 0 < chosen.repetition_peak <= 1
        assert 0 <= chosen.hallucination_entropy <= 1 and 0 < chosen.hallucination_probability < 1


def test_a_forced_translation_is_exactly_the_given_one_scored_by_the_model(tiny_folder):
    """The reference's tokens then EOS as the prefix: the search ends right after it, and each token's
    log-probability is what teacher forcing through the model's forward gives."""
    translator = Translator.from_folder(tiny_folder.folder)
    reference = TARGETS[2].split()
    reference = " ".join(reference[:1] + reference[2:])  # not what the model would write
    forced = forced_translation(translator, SOURCES[2], reference)
    ids = translator.target_tokenizer.encode(reference)
    best = forced.nbest[0]
    assert best.token_ids == ids and best.finished and len(best.log_probs) == len(ids) + 1
    assert forced.text == translator.target_tokenizer.decode(ids)
    source = translator.source_ids(SOURCES[2])
    with torch.inference_mode():
        logits, _ = translator.model(
            torch.tensor([source]), torch.ones(1, len(source), dtype=torch.bool), torch.tensor([[BOS_ID, *ids]])
        )
    expected = torch.log_softmax(logits.float(), dim=-1)[0, torch.arange(len(ids) + 1), torch.tensor([*ids, EOS_ID])]
    np.testing.assert_allclose(best.log_probs, expected.numpy(), atol=1e-4)
    assert forced.attention.shape == (len(ids), len(source))


def test_translation_warnings_index_the_words_of_a_real_translation(tiny_folder):
    translator = Translator.from_folder(tiny_folder.folder)
    translation = translator.translate(SOURCES[4])
    aligned, warnings = translation_warnings(
        translator, SOURCES[4], translation, Thresholds(10.0, 0.0, 0.0, 1.0, untranslated_drop=1e9)
    )
    assert aligned.output.pieces == translator.target_tokenizer.pieces(translation.nbest[0].token_ids)
    assert {w.kind for w in warnings} >= {UNTRANSLATED}  # with these thresholds every content word is flagged
    for warning in warnings:
        assert all(0 <= j < len(aligned.source.texts) - 1 for j in warning.source_words)
        assert all(0 <= i < len(aligned.output.texts) for i in warning.output_words)
        assert "\n" not in warning.message
    _, chosen = translation_warnings(translator, SOURCES[4], translation)  # the architecture's own thresholds
    assert all(w.kind in (UNTRANSLATED, REPETITION, HALLUCINATION) for w in chosen)


MODELS = Path(__file__).parents[1] / "models"
GRANDMOTHER = "My grandmother told me that the old house near the river was built last century."


@pytest.mark.parametrize("model", ["en-de-transformer", "en-de-rnn"])
def test_the_words_a_translation_leaves_out_are_the_ones_it_needs_least(model):
    """The issue's example: with "last century" dropped from the translation, leaving either word out of the
    source costs the translation least of all content words; with the words translated, both are needed."""
    translator = Translator.from_folder(MODELS / model)
    dropped = "Meine Großmutter hat mir gesagt, dass das alte Haus in der Nähe des Flusses gebaut wurde."
    kept = "Meine Großmutter hat mir erzählt, dass das alte Haus am Fluss im letzten Jahrhundert gebaut wurde."
    needed = {}
    for name, german in (("dropped", dropped), ("kept", kept)):
        forced = forced_translation(translator, GRANDMOTHER, german)
        best = forced.nbest[0]
        aligned = word_alignment(
            forced.source_pieces, translator.target_tokenizer.pieces(best.token_ids), best.attention
        )
        drops = source_dependence(translator, GRANDMOTHER, aligned, best.token_ids)
        needed[name] = {aligned.source.texts[j]: float(drops[j]) for j in candidate_source_words(aligned, "en")}
    least = sorted(needed["dropped"], key=needed["dropped"].get, reverse=True)[:2]
    assert set(least) == {"last", "century"}, needed["dropped"]
    assert needed["kept"]["last"] < -4 and needed["kept"]["century"] < -4, needed["kept"]


def test_dependence_is_one_batched_rescoring_per_word(tiny_folder):
    translator = Translator.from_folder(tiny_folder.folder)
    best = translator.translate(SOURCES[4]).nbest[0]
    ids = translator.source_ids(SOURCES[4])
    spans = [range(i, i + 1) for i in range(len(ids) - 1)] + [range(len(ids) - 1, len(ids))]
    drops = dependence(translator.model, ids, spans, best.token_ids)
    assert drops.shape == (len(ids),) and np.isfinite(drops).all()
    assert abs(drops[-1]) < 1e-4  # leaving out the end token leaves nothing to compare: no drop
