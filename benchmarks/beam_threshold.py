"""Beam search with a score threshold: how much faster, and at what cost in WER.

    python benchmarks/beam_threshold.py --model models/asr-en \
        --manifest data/speech/dev-voices.tsv data/speech/dev.tsv data/speech/real-dev.tsv \
        [--limit 150] [--thresholds 0 10 8 6] [--beam 32]

A beam of 16 keeps 16 hypotheses at every step even when most trail the best by a score no later
token can make up; with a threshold T, a hypothesis more than T (summed log-probability) below the
best live one is dropped at once, so the decoder, the language model and the CTC prefix scorer
step fewer of them (`DecodeOptions.beam_threshold`, a model folder's `beam_threshold`). For each
threshold this decodes the same utterances with the folder's other settings (beam unless --beam,
language model, word list, int8 or not), on 1 thread, and prints the real-time factor and the WER of each manifest
and of all of them together, against the first threshold (the baseline; 0 = none).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from joint_candidates import transcribe_all  # noqa: E402

from desktop_app.seq2seq.quantize import use_inference_threads  # noqa: E402
from desktop_app.speech.evaluate import word_error_rates  # noqa: E402
from desktop_app.speech.features import SAMPLE_RATE, load_audio  # noqa: E402
from desktop_app.speech.manifest import read_manifest  # noqa: E402
from desktop_app.speech.recognizer import Recognizer  # noqa: E402


def load_sets(manifests: list[str], limit: int) -> dict[str, tuple[list, list]]:
    """-> {manifest: (its first `limit` items, their 16 kHz audio)}; prints how much audio that is."""
    sets = {}
    for manifest in manifests:
        items = read_manifest(manifest)[:limit]
        sets[manifest] = (items, [load_audio(item.path) for item in items])
    seconds = sum(a.size for _, clips in sets.values() for a in clips) / SAMPLE_RATE
    print(f"{sum(len(items) for items, _ in sets.values())} utterances, {seconds:.1f} s of audio")
    return sets


def score_sets(recognizer: Recognizer, sets: dict, options) -> tuple[float, str]:
    """Decodes every set with `options` -> (real-time factor, "WER all x (set y, ...)")."""
    compute, seconds, references, hypotheses, per_set = 0.0, 0.0, [], [], []
    for manifest, (items, clips) in sets.items():
        texts, spent = transcribe_all(recognizer, clips, options)
        compute += spent
        seconds += sum(a.size for a in clips) / SAMPLE_RATE
        references += [item.text for item in items]
        hypotheses += texts
        per_set.append(f"{Path(manifest).stem} {100 * word_error_rates([i.text for i in items], texts)['wer']:.2f}")
    overall = 100 * word_error_rates(references, hypotheses)["wer"]
    return compute / seconds, f"WER all {overall:.2f} ({', '.join(per_set)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--manifest", nargs="+", required=True)
    parser.add_argument("--limit", type=int, default=150, help="utterances from each manifest")
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="+",
        default=[0, 10, 8, 6],
        help="thresholds to try, the first is the baseline (0 = none; default: 0 10 8 6)",
    )
    parser.add_argument("--beam", type=int, help="beam width (default: the folder's own)")
    args = parser.parse_args()
    use_inference_threads(1)
    recognizer = Recognizer.from_folder(args.model)
    options = replace(recognizer.options, beam_size=args.beam or recognizer.options.beam_size)
    print(f"model {args.model}: {recognizer.decoding_summary()}, beam {options.beam_size} here, 1 thread")
    sets = load_sets(args.manifest, args.limit)
    baseline_rtf = None
    for threshold in args.thresholds:
        rtf, line = score_sets(recognizer, sets, replace(options, beam_threshold=threshold or None))
        baseline_rtf = baseline_rtf or rtf
        print(
            f"threshold {threshold:g}: real-time factor {rtf:.3f} ({100 * (rtf / baseline_rtf - 1):+.0f}%), {line}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
