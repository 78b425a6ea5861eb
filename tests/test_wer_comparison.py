"""Comparing two recognizers on the same utterances: the WER difference and its bootstrap interval."""

import pytest

from desktop_app.speech.evaluate import paired_bootstrap

REFERENCES = ["open the door", "call my sister", "what time is it", "turn on the light"] * 25


def test_a_consistent_improvement_has_an_interval_below_zero():
    baseline = ["open a door", "call my sister", "what time is it", "turn on the night"] * 25
    difference, low, high = paired_bootstrap(REFERENCES, baseline, REFERENCES)
    assert difference == pytest.approx(-100 * 50 / 350)  # 2 errors in every 14 words gone
    assert low <= difference <= high < 0


def test_trading_errors_between_utterances_is_no_measured_change():
    baseline, candidate = list(REFERENCES), list(REFERENCES)
    for block in range(10):  # one error each in 10 utterances, but not the same utterances
        baseline[4 * block] = "open a door"
        candidate[4 * block + 1] = "call my sitter"
    difference, low, high = paired_bootstrap(REFERENCES, baseline, candidate)
    assert difference == 0.0 and low < 0 < high


def test_the_same_draws_give_the_same_interval_and_empty_references_are_skipped():
    baseline = ["open a door", "call my sister", "", "turn on the light"] * 25
    references = [r if i % 4 != 2 else "" for i, r in enumerate(REFERENCES)]
    assert paired_bootstrap(references, baseline, references) == paired_bootstrap(references, baseline, references)
    with pytest.raises(ValueError, match="no non-empty references"):
        paired_bootstrap(["", " "], ["a", "b"], ["a", "b"])
