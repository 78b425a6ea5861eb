"""The bundle gate (desktop_app/training/bundling/asr_gate.py): a candidate replaces the bundled speech model only
with a lower held-out-voice WER than the bundled model scores on the same audio, and the change is reported
with its paired-bootstrap interval."""

import json

import pytest

from desktop_app.training.bundling import asr_gate, asr_scores
from desktop_app.training.bundling.scores import NoScore

VOICES = "data/speech/test-voices.tsv"


def test_a_candidate_must_beat_the_bundled_model_on_the_same_audio(capsys):
    assert asr_gate.bar(16.42, None) == 16.42  # not decoded: the card's figure
    assert asr_gate.bar(16.42, 16.42) == 16.42 and capsys.readouterr().out == ""
    assert asr_gate.bar(16.42, 17.1) == 17.1  # a rebuilt corpus moved it: compare like with like
    assert "the bundled model scores 17.1 on these held-out voices (its card: 16.42)" in capsys.readouterr().out


def test_the_held_out_voice_change_pairs_the_same_utterances_of_both_models():
    voices = "data/speech/test-voices.tsv"
    reference = ["open the door", "call my sister", "turn on the light", "what time is it"] * 10

    def rows(hypothesis, manifest=voices):
        return [
            {
                "manifest": manifest,
                "id": f"u{i}",
                "voice": "piper:joe",
                "wer": "0",
                "reference": r,
                "hypothesis": hypothesis(r),
            }
            for i, r in enumerate(reference)
        ]

    bundled = rows(lambda r: r.replace("door", "floor"))
    candidate = rows(lambda r: r)[::-1] + rows(lambda r: "nothing", "data/speech/test-sentences.tsv")[:1]
    change = asr_gate.held_out_change(candidate, bundled, voices)
    # 10 of 140 words fixed: rows are paired by id whatever their order; the other test set is left out
    assert change.startswith("-7.14 WER points on the same 40 held-out-voice utterances")
    assert "(a measured change)" in change
    same = asr_gate.held_out_change(bundled, bundled, voices)
    assert "+0.00 WER points" in same and "within the noise" in same
    assert asr_gate.held_out_change([], bundled, voices) == ""


def _bundled(tmp_path, card_wer: float | None):
    """A bundled folder whose config holds its held-out-voice WER (none: a card without the figure)."""
    folder = tmp_path / "asr-en"
    folder.mkdir()
    test = {VOICES: {"wer": card_wer}} if card_wer is not None else {}
    (folder / "config.json").write_text(json.dumps({"metrics": {"test": test}}))
    return folder


def _candidate(wer: float) -> dict:
    """A made-up candidate's test results, as eval-asr reports them."""
    return {VOICES: {"utterances": 400, "wer": wer}, "data/speech/real-dev.tsv": {"utterances": 90, "wer": 1.0}}


@pytest.mark.parametrize(
    ("candidate", "card", "remeasured", "replaces"),
    [
        (9.1, 9.2, None, True),  # better than the card's figure
        (9.2, 9.2, None, False),  # a tie keeps the bundled model
        (9.1, 9.2, 9.0, False),  # the bundled model does better on this very audio than its card says
        (9.5, 9.2, 9.6, True),  # ... or worse: like is compared with like
        (99.0, None, None, True),  # a card without the figure counts as 100%
    ],
)
def test_the_gate_compares_held_out_voice_wer_with_the_bundled_model(tmp_path, candidate, card, remeasured, replaces):
    bundled = _bundled(tmp_path, card)
    refused = asr_gate.refusal(_candidate(candidate), bundled, VOICES, remeasured)
    assert (refused == "") == replaces
    if not replaces:
        assert refused == (
            f"not replacing {bundled}: held-out-voice WER {candidate} >= bundled "
            f"{remeasured if remeasured is not None else card}"
        )
    # a candidate that was not scored on the held-out voices never replaces a model that was
    assert asr_gate.refusal({}, bundled, VOICES, remeasured) != ""


def test_the_bundled_model_is_decoded_on_the_same_audio_and_a_failure_never_blocks(tmp_path, monkeypatch, capsys):
    voices = tmp_path / "test-voices.tsv"
    voices.write_text("")
    bundled = _bundled(tmp_path, 9.2)
    rows = [
        {
            "manifest": str(voices),
            "id": f"u{i}",
            "voice": "piper:joe",
            "wer": "0",
            "reference": "open the door",
            "hypothesis": hypothesis,
        }
        for i, hypothesis in enumerate(["open the door", "open a door"] * 10)
    ]
    commands = []

    def fake_run_json(command):
        commands.append(command)
        table = command[command.index("--errors") + 1]
        lines = ["manifest\tid\tvoice\twer\treference\thypothesis"]
        lines += [f"{r['manifest']}\t{r['id']}\t{r['voice']}\t0\t{r['reference']}\topen a door" for r in rows]
        (tmp_path / table).write_text("\n".join(lines) + "\n")
        return {"results": {str(voices): {"wer": 33.33}}}

    monkeypatch.setattr(asr_scores, "run_json", fake_run_json)
    remeasured, change = asr_gate.compare_with_bundled(bundled, str(voices), rows, tmp_path / "bundled.tsv")
    assert remeasured == 33.33 and change.startswith("-16.67 WER points on the same 20 held-out-voice utterances")
    # decoded as its folder says: no decoding option on the command line
    assert commands == [
        [
            "eval-asr",
            "--model",
            str(bundled),
            "--manifest",
            str(voices),
            "--errors",
            str(tmp_path / "bundled.tsv"),
            "--json",
        ]
    ]
    assert f"against the bundled model: {change}" in capsys.readouterr().out

    def no_score(command):
        raise NoScore("attend eval-asr gave no score (exit 2): broken")

    monkeypatch.setattr(asr_scores, "run_json", no_score)
    assert asr_gate.compare_with_bundled(bundled, str(voices), rows, tmp_path / "bundled.tsv") == (None, "")
    assert "no comparison with the bundled model: attend eval-asr gave no score" in capsys.readouterr().out
    assert asr_gate.compare_with_bundled(tmp_path / "none", str(voices), rows, tmp_path / "b.tsv") == (None, "")
