"""Scores for bundling (desktop_app/training/bundling/scores.py, error_tables.py, asr_scores.py): the error table
eval-asr writes reads back, the test sets scored are those the corpus has, a run with many skips is summed up,
and the old import paths of the bundle scripts still lead here."""

import sys
from pathlib import Path

from desktop_app.commands.eval_asr import write_error_table
from desktop_app.speech.manifest import Utterance
from desktop_app.training.bundling import asr_scores, scores
from desktop_app.training.bundling.error_tables import read_error_table

ROOT = Path(__file__).resolve().parents[1]


def test_the_error_table_eval_asr_writes_reads_back_worst_first(tmp_path):
    rows = [
        ("d/voices.tsv", Utterance("a", tmp_path / "a.wav", 1.0, "open the door", "piper:joe"), "open the door"),
        ("d/voices.tsv", Utterance("b", tmp_path / "b.wav", 1.0, "call my sister", "flite:rms"), "call my"),
    ]
    write_error_table(str(tmp_path / "errors.tsv"), rows)
    table = read_error_table(tmp_path / "errors.tsv")
    assert [(r["id"], r["voice"], r["wer"], r["reference"], r["hypothesis"]) for r in table] == [
        ("b", "flite:rms", "33.3", "call my sister", "call my"),
        ("a", "piper:joe", "0.0", "open the door", "open the door"),
    ]
    assert {r["manifest"] for r in table} == {"d/voices.tsv"}


def test_the_test_sets_the_corpus_has_are_scored_and_the_card_command_leaves_the_error_table_out(tmp_path, monkeypatch):
    for name in ("test-voices.tsv", "real-dev.tsv"):  # an older corpus without test-sentences.tsv
        (tmp_path / name).write_text("")
    calls = []
    monkeypatch.setattr(asr_scores, "run_json", lambda command: calls.append(command) or {"results": {"x": {}}})
    results, command = asr_scores.evaluate(Path("m"), tmp_path, ("--beam", "1"), errors=tmp_path / "e.tsv")
    manifests = [str(tmp_path / "test-voices.tsv"), str(tmp_path / "real-dev.tsv")]
    assert calls == [
        [
            "eval-asr",
            "--model",
            "m",
            "--manifest",
            *manifests,
            "--beam",
            "1",
            "--json",
            "--errors",
            str(tmp_path / "e.tsv"),
        ]
    ]
    assert (
        results == {"x": {}}
        and command == f"attend eval-asr --model m --manifest {' '.join(manifests)} --beam 1 --json"
    )


def test_a_run_with_many_skips_quotes_the_first_few_and_counts_the_rest():
    lines = [f"attend eval-asr: skipping u{i}: gone" for i in range(8)]
    text = scores.skips_text(["eval-asr", "--json"], lines).splitlines()
    assert text[0] == "scored with skips: attend eval-asr: 8 item(s) skipped"
    assert text[1 : scores.SHOWN + 1] == [f"    attend eval-asr: skipping u{i}: gone" for i in range(scores.SHOWN)]
    assert text[-2:] == ["    ... and 3 more", "    [attend eval-asr --json]"]


def test_the_scripts_import_paths_lead_to_the_package(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    for name in ("attend_scores", "compare_errors"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    from attend_scores import NoScore, run_scores  # as scripts/bundle_mt.py imports them
    from compare_errors import read_error_table as script_reader

    assert NoScore is scores.NoScore and run_scores is scores.run_scores
    assert script_reader is read_error_table
