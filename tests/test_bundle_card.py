"""The speech model card and training record that scripts/bundle_asr.py writes (desktop_app/training/bundling/
asr_card.py, asr_record.py): per-voice table, error samples, history, voices, the card's shape. The decoding
choices behind them are tested in test_bundling_tuning.py, the gate in test_bundling_gate.py."""

import sys
from pathlib import Path

from desktop_app.training.bundling import asr_card, asr_record, asr_scores
from desktop_app.training.bundling.asr_tuning import Decoding
from desktop_app.training.bundling.error_tables import read_error_table

ROOT = Path(__file__).resolve().parents[1]


def _bundle_asr():
    """The module that runs bundle_asr.py's evaluations (run_json, run_scores, EVAL_JOBS, INFERENCE_THREADS):
    tests/test_bad_input_cli.py and tests/test_cli.py patch and read it."""
    return asr_scores


def _table(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    lines = ["manifest\tid\tvoice\twer\treference\thypothesis"]
    lines += [
        "\t".join((manifest, f"u{i}", voice, wer, ref, hyp)) for i, (manifest, voice, wer, ref, hyp) in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_voice_table_pools_espeak_variants_and_marks_held_out_voices(tmp_path):
    rows = read_error_table(
        _table(
            tmp_path / "e.tsv",
            [
                ("voices.tsv", "espeak-ng:en-gb-scotland+m3", "100.0", "open the door now", "a b c d"),  # 4 errors / 4
                (
                    "voices.tsv",
                    "espeak-ng:en-gb-scotland",
                    "0.0",
                    "a long sentence of eight words said here",
                    "a long sentence of eight words said here",
                ),  # 0 errors / 8
                ("sentences.tsv", "flite:kal", "50.0", "turn it on", "turn it of"),
            ],
        )
    )
    table = asr_record.voice_table(rows, {"espeak-ng:en-gb-scotland"}).splitlines()
    # pooled over 12 reference words (33.3%), not the mean of the two utterances' rates (50%)
    assert table == [
        "| espeak-ng:en-gb-scotland | held out | 2 | 2 | 33.3 |",
        "| flite:kal | training voice | 1 | 1 | 33.3 |",
    ]


def test_error_samples_span_worst_to_best_of_one_test_set(tmp_path):
    worst_first = [("voices.tsv", "piper:joe", f"{100 - 10 * i}.0", f"ref {i}", f"hyp {i}") for i in range(11)]
    rows = read_error_table(
        _table(tmp_path / "e.tsv", worst_first + [("sentences.tsv", "flite:kal", "0.0", "other set", "other set")])
    )
    samples = asr_record.sample_errors(rows, "voices.tsv", count=3).splitlines()
    assert samples == [
        "| piper:joe | 100 | ref 0 | hyp 0 |",
        "| piper:joe | 50 | ref 5 | hyp 5 |",
        "| piper:joe | 0 | ref 10 | hyp 10 |",
    ]
    assert asr_record.sample_errors(rows, "missing.tsv") == ""


def test_card_says_when_training_continued_from_an_exported_model():
    assert asr_record.continuation_note({"epochs": 8}) == ""
    note = asr_record.continuation_note(
        {
            "epochs": 10,
            "started_from": {"folder": "models/asr-en", "epochs": 8, "selected": "average of epochs 6, 7, 8"},
        }
    )
    assert "Epochs 9-10 continued from the exported model of epoch 8" in note
    assert "average of epochs 6, 7, 8" in note and "--init-from models/asr-en" in note
    # what the records cannot say comes from the run's notes file, after that sentence
    training = {"epochs": 10, "started_from": {"folder": "models/asr-en", "epochs": 8}}
    assert (
        asr_record.history_note(training, "Epochs 1-8 ran on 1 thread.\n")
        == asr_record.continuation_note(training) + "\nEpochs 1-8 ran on 1 thread."
    )
    assert asr_record.history_note(training, "  \n") == asr_record.continuation_note(training)


def test_the_history_table_shows_each_epochs_learning_rate_and_dev_scores():
    table = asr_record.history_table(
        [
            {"epoch": 21, "train_nll": 0.3363, "lr": 0.001, "dev_dev_wer": 10.32, "dev_real-dev_wer": 42.29},
            {"epoch": 22, "train_nll": 0.3301, "lr": 0.0005, "dev_dev_wer": 9.8, "dev_real-dev_wer": 41.0},
        ]
    ).splitlines()
    assert table[0] == "| epoch | train nll | learning rate | dev WER % | real-dev WER % |"
    assert table[1] == "|---|---|---|---|---|"
    assert table[2:] == ["| 21 | 0.336 | 0.001 | 10.32 | 42.29 |", "| 22 | 0.330 | 0.0005 | 9.8 | 41.0 |"]


def test_process_count_reads_as_english():
    sys.path.insert(0, str(ROOT / "scripts"))
    from bundling import process_count

    for count in (process_count, asr_card.process_count):  # bundle_mt.py's and the speech card's
        assert [count(n) for n in (1, 4, None)] == ["1 process", "4 processes", "? processes"]


def test_the_card_lists_only_the_augmentations_the_run_used_with_their_rates():
    text = asr_card.augmentation_text({"tempo_prob": 0.6, "warp_prob": 0.5, "timbre_prob": 0.0, "noise_prob": 0.4})
    assert text.startswith("speed perturbation (60% of utterances), vocal tract length perturbation")
    assert "timbre" not in text and "reverberation" not in text and text.endswith("gain changes, SpecAugment")
    assert asr_card.augmentation_text({"timbre_prob": 0.5}) == (
        "timbre (a smooth random gain curve over the mel bands, 50% of utterances), gain changes, SpecAugment"
    )


def test_the_card_lists_the_training_voices_of_the_manifests_the_weights_trained_on(tmp_path):
    from desktop_app.speech.manifest import Utterance, write_manifest

    train, later = tmp_path / "train.tsv", tmp_path / "train-later.tsv"
    write_manifest(
        train,
        [
            Utterance("a", tmp_path / "a.wav", 1.0, "hi", "flite:kal"),
            Utterance("b", tmp_path / "b.wav", 1.0, "yo", "festival:kal_diphone"),
        ],
    )
    write_manifest(later, [Utterance("c", tmp_path / "c.wav", 1.0, "hey", "pico:en-US")])
    corpus_voices = ["flite:kal", "festival:kal_diphone", "pico:en-US"]
    text = asr_record.training_voices_text({"data": {"train": [{"path": str(train), "repeat": 1}]}}, corpus_voices)
    assert text.startswith(
        "Training voices (2, those of `train.tsv`, the manifests these weights trained on): "
        "flite:kal, festival:kal_diphone."
    )
    assert "1 more training voices" in text and "pico" not in text
    both = {"data": {"train": [str(train), {"path": str(later)}]}}
    assert "(3, those of `train.tsv`, `train-later.tsv`" in asr_record.training_voices_text(both, corpus_voices)
    # without the manifests at hand the card can only give the corpus's list
    missing = {"data": {"train": [str(tmp_path / "gone.tsv")]}}
    assert asr_record.training_voices_text(missing, corpus_voices) == (
        "Training voices (3): flite:kal, festival:kal_diphone, pico:en-US."
    )


def test_the_card_is_short_and_the_long_record_goes_to_docs_experiments(tmp_path):
    """The card stays hub-sized (what it is, use and limits, measured quality, speed, data, license); the tuning
    history, per-voice scores, error samples, the whole speed printout and the run's notes go to the record."""
    import json

    corpus = tmp_path / "speech"
    corpus.mkdir()
    voices = [f"espeak-ng:en-us+m{i}" for i in range(80)]
    (corpus / "corpus.json").write_text(
        json.dumps(
            {
                "voices": {"training": voices, "held_out": ["piper:joe"]},
                "splits": {"train": {"written": 30000, "hours": 18.7}, "dev": {"written": 400, "hours": 0.25}},
            }
        )
    )
    history = [{"epoch": e, "train_nll": 1.0 / e, "lr": 0.001, "dev_dev_wer": 50.0 / e} for e in range(1, 41)]
    config = {
        "architecture": "las",
        "model": {"n_mels": 80},
        "weights_dtype": "float16",
        "feature_stats": "features.json",
        "target_tokenizer": "target.model",
        "training": {
            "history": history,
            "epochs": 40,
            "selected": "average of epochs 38, 39, 40",
            "command": "attend train-asr --config configs/asr/asr-en.yaml --out runs/asr-en",
            "config": {"augment": {"tempo_prob": 0.6}},
        },
    }
    results = {
        str(corpus / "test-voices.tsv"): {"utterances": 400, "wer": 9.2, "cer": 5.0, "rtf": 0.12},
        str(corpus / "real-dev.tsv"): {"utterances": 90, "wer": 30.6, "cer": 14.7, "rtf": 0.2},
    }
    printout = "\n".join(
        [
            "model m: loaded in 45 ms",
            "int8     real-time factor 0.086",
            *(f"int8     finals in line       partial lag {i} ms" for i in range(6)),
            "int8     finals in background partial lag      median    57 ms",
            "peak resident memory 652 MB",
        ]
    )
    decoding = Decoding(ctc=(0.3, {0.3: 10.0}, ["attend eval-asr ..."]))
    notes = "Epochs 1-8 ran on 1 thread.\n" * 100
    record = asr_record.record_path("asr-en", "2026-12-06")
    assert record == "docs/experiments/2026-12-06-asr-en-training-record.md"
    text = asr_card.card(
        config,
        "asr-en",
        results,
        "attend eval-asr ...",
        (printout, "python benchmarks/asr_speed.py"),
        corpus,
        decoding,
        6_463_326,
        18.6,
        None,
        [],
        notes,
        "",
        record,
    )
    assert len(text.splitlines()) <= 100
    for heading in (
        "## Intended use and limits",
        "## Measured quality",
        "## Speed",
        "## Training data",
        "## License and credits",
    ):
        assert heading in text
    assert "| held-out voices (`test-voices.tsv`) | 400 | 9.2 | 5.0 | 0.120 |" in text
    assert "real-dev WER 30.6%" in text and "MIT license" in text
    assert f"](../../{record})" in text
    assert "Epochs 1-8 ran on 1 thread." not in text and "| 40 |" not in text and "en-us+m79" not in text
    assert "int8     real-time factor 0.086" in text and "finals in line" not in text
    long = asr_record.training_record(
        config, "asr-en", (printout, "python benchmarks/asr_speed.py"), corpus, decoding, [], notes, "2026-12-06"
    )
    assert long.startswith("# 2026-12-06: asr-en training record")
    assert "Epochs 1-8 ran on 1 thread." in long and "| 40 | 0.025 | 0.001 | 1.25 |" in long
    assert "en-us+m79" in long and "finals in line       partial lag 5 ms" in long
