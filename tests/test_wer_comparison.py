"""Comparing two recognizers on the same utterances: the WER difference and its bootstrap interval."""

import subprocess
import sys
from pathlib import Path

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


def test_compare_errors_pools_the_named_sets_and_pairs_by_manifest_and_id(tmp_path):
    """scripts/compare_errors.py: per set, then the named sets together; an id shared by two sets is two items."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "compare_errors.py"
    references = ["open the door", "call my sister", "turn on the light", "what time is it"] * 5

    def table(path, fix_a, fix_b):
        rows = ["manifest\tid\tvoice\twer\treference\thypothesis"]
        for manifest, fixed in (("d/a.tsv", fix_a), ("d/b.tsv", fix_b), ("d/c.tsv", False)):
            rows += [
                f"{manifest}\tu{i}\tflite:rms\t0\t{r}\t{r if fixed else r.replace('door', 'floor')}"
                for i, r in enumerate(references)
            ]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        return path

    baseline = table(tmp_path / "baseline.tsv", False, False)
    candidate = table(tmp_path / "candidate.tsv", True, False)  # fixes the 5 "door" errors of a.tsv only
    result = subprocess.run(
        [sys.executable, str(script), str(candidate), str(baseline), "--pool", "a.tsv", "b.tsv"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("d/a.tsv: -7.14 WER points on 20 utterances")  # 5 of 70 words
    assert lines[1].startswith("d/b.tsv: +0.00 WER points on 20 utterances")
    assert lines[3].startswith("a.tsv + b.tsv: -3.57 WER points on 40 utterances")  # 5 of 140 words
    missing = subprocess.run(
        [sys.executable, str(script), str(candidate), str(baseline), "--pool", "x.tsv"], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "not every one of x.tsv" in missing.stderr
