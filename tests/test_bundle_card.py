"""The speech model card's per-voice table and error samples, built from an `eval-asr --errors` table."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bundle_asr():
    spec = importlib.util.spec_from_file_location("bundle_asr", ROOT / "scripts" / "bundle_asr.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bundle_asr", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def _table(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    lines = ["manifest\tid\tvoice\twer\treference\thypothesis"]
    lines += ["\t".join((manifest, f"u{i}", voice, wer, ref, hyp)) for i, (manifest, voice, wer, ref, hyp)
              in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_voice_table_pools_espeak_variants_and_marks_held_out_voices(tmp_path):
    bundle = _bundle_asr()
    rows = bundle.read_error_table(_table(tmp_path / "e.tsv", [
        ("voices.tsv", "espeak-ng:en-gb-scotland+m3", "100.0", "open the door now", "a b c d"),  # 4 errors / 4
        ("voices.tsv", "espeak-ng:en-gb-scotland", "0.0", "a long sentence of eight words said here",
         "a long sentence of eight words said here"),  # 0 errors / 8
        ("sentences.tsv", "flite:kal", "50.0", "turn it on", "turn it of"),
    ]))
    table = bundle.voice_table(rows, {"espeak-ng:en-gb-scotland"}).splitlines()
    # pooled over 12 reference words (33.3%), not the mean of the two utterances' rates (50%)
    assert table == ["| espeak-ng:en-gb-scotland | held out | 2 | 2 | 33.3 |",
                     "| flite:kal | training voice | 1 | 1 | 33.3 |"]


def test_error_samples_span_worst_to_best_of_one_test_set(tmp_path):
    bundle = _bundle_asr()
    worst_first = [("voices.tsv", "piper:joe", f"{100 - 10 * i}.0", f"ref {i}", f"hyp {i}") for i in range(11)]
    rows = bundle.read_error_table(_table(tmp_path / "e.tsv", worst_first + [
        ("sentences.tsv", "flite:kal", "0.0", "other set", "other set")]))
    samples = bundle.sample_errors(rows, "voices.tsv", count=3).splitlines()
    assert samples == ["| piper:joe | 100 | ref 0 | hyp 0 |", "| piper:joe | 50 | ref 5 | hyp 5 |",
                       "| piper:joe | 0 | ref 10 | hyp 10 |"]
    assert bundle.sample_errors(rows, "missing.tsv") == ""


def test_card_says_when_training_continued_from_an_exported_model():
    bundle = _bundle_asr()
    assert bundle.continuation_note({"epochs": 8}) == ""
    note = bundle.continuation_note({"epochs": 10, "started_from": {
        "folder": "models/asr-en", "epochs": 8, "selected": "average of epochs 6, 7, 8"}})
    assert "Epochs 9-10 continued from the exported model of epoch 8" in note
    assert "average of epochs 6, 7, 8" in note and "--init-from models/asr-en" in note
