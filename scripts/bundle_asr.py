"""Evaluate a trained speech run on the test sets once, write its model card, copy it to models/.

    python scripts/bundle_asr.py --run runs/asr-en --name asr-en [--lm runs/lm-en-large/model] [--corpus data/speech]

Tunes the decoding on the mean WER of the dev sets: synthetic dev, dev-voices (the dev sentences in
the held-out voices, so the settings suit unseen voices) and real-dev (the CTC weight; with --lm, the
language-model weight for beam search with shallow fusion, then the CTC weight again beside its
greedy choice at that beam; the precision the app runs:
int8 when it loses at most 0.3 WER points; with --lm, the beam width: the best on dev whose
real-time factor in `benchmarks/asr_speed.py` stays within 0.1), measuring each dev setting once,
scores held-out voices, held-out sentences and real held-out speakers with `attend eval-asr`
(WER and CER from jiwer), measures speed with `benchmarks/asr_speed.py`, records the exact
commands next to the figures, and writes models/NAME/README.md (the short card) and
docs/experiments/DAY-NAME-training-record.md (the tuning history, per-voice scores, the run's notes).
Replaces a bundled model only with one of lower held-out-voice WER than the bundled model scores on
the same audio (its card's
figure when it cannot be decoded), unless --force; it prints the change with a 95% paired-bootstrap
interval (also on the card), so a refusal or a replacement by a fraction of a point can be read
against the noise. With --keep-decoding nothing is tuned: the candidate decodes as the bundled folder
does (for a new language model or new weights when an hour of dev passes cannot be spared), and the
card says so. With --measure-speed-again WHY only the bundled folder's speed is measured again (after a
change to the app's streaming or decoding code), and its card's Speed section says why; nothing else changes.
"""


# The jobs live in desktop_app/training/bundling/ (one module each, listed in its __init__.py); this script reads
# the command line and runs them in order.

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # its sibling script bundling.py (install), however it is loaded

from desktop_app.training.bundling import asr_gate, asr_tuning, speed  # noqa: E402
from desktop_app.training.bundling.asr_card import card  # noqa: E402
from desktop_app.training.bundling.asr_decoding_text import SEARCH_CHANGES  # noqa: E402
from desktop_app.training.bundling.asr_record import record_path, training_record  # noqa: E402
from desktop_app.training.bundling.asr_scores import evaluate  # noqa: E402
from desktop_app.training.bundling.error_tables import read_error_table  # noqa: E402
from desktop_app.training.bundling.scores import NoScore  # noqa: E402


def parse_arguments() -> argparse.Namespace:
    """The command line, checked; with --keep-decoding, the search options it changes in `args.search_changes`."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, help="the training run whose model/ folder to bundle")
    parser.add_argument("--name", required=True)
    parser.add_argument("--lm", type=Path, help="language-model folder (attend train-lm) to decode with")
    parser.add_argument("--corpus", type=Path, default=Path("data/speech"))
    parser.add_argument("--force", action="store_true")
    parser.add_argument(
        "--keep-decoding",
        action="store_true",
        help="decode as the bundled models/NAME does (beam, CTC and LM weights, lexicon penalty, "
        "precision) instead of tuning on dev: re-scores a new language model or new weights in an "
        "hour less; the card says the settings were kept",
    )
    parser.add_argument(
        "--beam",
        type=int,
        metavar="N",
        help="with --keep-decoding: decode with this beam width instead of the bundled folder's",
    )
    parser.add_argument(
        "--beam-threshold",
        type=float,
        metavar="T",
        help="with --keep-decoding: decode with this beam threshold instead of the bundled folder's "
        "(0 = none; measure both first with benchmarks/beam_threshold.py)",
    )
    parser.add_argument(
        "--length-penalty",
        type=float,
        metavar="A",
        help="with --keep-decoding: rank hypotheses by summed log-probability / length ** A instead "
        "of the bundled folder's way (measure first with attend eval-asr --length-penalty)",
    )
    parser.add_argument(
        "--lm-weight",
        type=float,
        metavar="W",
        help="with --keep-decoding: decode with this language-model weight instead of the bundled "
        "folder's (measure first with attend eval-asr --lm-weight)",
    )
    parser.add_argument(
        "--ilm-weight",
        type=float,
        metavar="W",
        help="with --keep-decoding: subtract the recognizer's internal language model at this weight "
        "(0 = not; measure first with attend eval-asr --ilm-weight)",
    )
    parser.add_argument(
        "--run-notes",
        type=Path,
        help="Markdown to add to the card's training history (what the run's records cannot say, "
        "e.g. docs/experiments/asr-en-run-notes.md)",
    )
    parser.add_argument(
        "--measure-speed-again",
        metavar="WHY",
        help="only re-run the speed benchmark on the bundled models/NAME and rewrite its card's "
        "Speed section, saying WHY (e.g. after a change to streaming); weights and scores stay",
    )
    args = parser.parse_args()
    if args.measure_speed_again:
        return args
    if args.run is None:
        parser.error("--run is required (unless --measure-speed-again)")
    search_changes = {
        name: getattr(args, flag.removeprefix("--").replace("-", "_")) for name, (flag, *_) in SEARCH_CHANGES.items()
    }
    args.search_changes = {name: value for name, value in search_changes.items() if value is not None}
    if args.search_changes and not args.keep_decoding:
        parser.error(
            "--beam, --beam-threshold, --length-penalty, --lm-weight and --ilm-weight go with "
            "--keep-decoding (a full tuning chooses them itself)"
        )
    return args


def main() -> int:
    """Stage, tune or keep the decoding, score, gate, measure speed, install, write the record. -> exit status"""
    args = parse_arguments()
    if args.measure_speed_again:
        speed.measure_speed_again(Path("models") / args.name, args.corpus, args.measure_speed_again)
        return 0
    run_notes = args.run_notes.read_text(encoding="utf-8") if args.run_notes else ""  # before hours of evaluation
    from bundling import install

    staged = args.run / "model"
    if (staged / "lm").exists():
        shutil.rmtree(staged / "lm")
    config = json.loads((staged / "config.json").read_text())
    # a re-run starts from an already bundled config: tune from the plain float32, LM-free decoding
    config.update(
        language_model="",
        lm_weight=0.0,
        beam_size=1,
        int8_inference=False,
        lexicon_penalty=0.0,
        beam_threshold=None,
        length_penalty=1.0,
        ilm_weight=0.0,
    )
    asr_tuning.write_config(staged, config)
    destination = ROOT / "models" / args.name
    if args.keep_decoding:
        decoding, lm_config = asr_tuning.keep_decoding(
            staged, config, destination, args.lm, args.corpus, args.search_changes
        )
        benchmark = None
    else:
        decoding, lm_config, benchmark = asr_tuning.tune_decoding(staged, config, args.lm, args.corpus)
    error_file = args.run / "test-errors.tsv"
    results, evaluation = evaluate(staged, args.corpus, errors=error_file)
    errors = read_error_table(error_file)
    for manifest, r in results.items():
        print(f"{manifest}: WER {r['wer']} CER {r['cer']}", flush=True)
    voices = str(args.corpus / "test-voices.tsv")
    remeasured, change = asr_gate.compare_with_bundled(
        destination, voices, errors, args.run / "bundled-test-errors.tsv"
    )
    if destination.exists() and not args.force:
        refused = asr_gate.refusal(results, destination, voices, remeasured)
        if refused:
            print(refused)
            return 1
    benchmark = benchmark or speed.measure(staged, args.corpus)
    print(benchmark[0])
    config["metrics"]["test"] = results
    if decoding.baseline is not None:
        config["metrics"]["test_greedy_without_lm"] = decoding.baseline
    day = date.today().isoformat()
    record = record_path(args.name, day)
    install(
        staged,
        destination,
        config,
        lambda parameters, size_mb: card(
            config,
            args.name,
            results,
            evaluation,
            benchmark,
            args.corpus,
            decoding,
            parameters,
            size_mb,
            lm_config,
            errors,
            run_notes,
            change,
            record,
        ),
    )
    (ROOT / record).write_text(
        training_record(config, args.name, benchmark, args.corpus, decoding, errors, run_notes, day).replace(
            str(staged), f"models/{args.name}"
        ),
        encoding="utf-8",
    )
    print(f"wrote {record}; list it in docs/experiments/README.md")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except NoScore as error:  # one line, not a traceback: nothing was installed
        raise SystemExit(f"bundle_asr.py: error: {error}") from None
