"""The Dictate tab's speed settings: real-time factor and WER of each, against "accurate".

    python benchmarks/speed_settings.py --model models/asr-en \
        --manifest data/speech/dev-voices.tsv data/speech/dev.tsv data/speech/real-dev.tsv [--limit 150]

"accurate" is the folder's own search; "balanced" and "fast" search less
(desktop_app/speech/speed.py). For each setting this decodes the same utterances on 1 thread,
with the folder's language model, word list and precision, and prints the real-time factor
(and how much faster than "accurate") and the WER of each manifest and of all of them together.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from beam_threshold import load_sets, score_sets  # noqa: E402

from desktop_app.seq2seq.quantize import use_inference_threads  # noqa: E402
from desktop_app.speech.recognizer import Recognizer  # noqa: E402
from desktop_app.speech.speed import SPEEDS, search_options  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--manifest", nargs="+", required=True)
    parser.add_argument("--limit", type=int, default=150, help="utterances from each manifest")
    parser.add_argument(
        "--speeds",
        nargs="+",
        choices=SPEEDS,
        default=list(SPEEDS),
        help="settings to compare, the first is the baseline (default: all, accurate first)",
    )
    args = parser.parse_args()
    use_inference_threads(1)
    recognizer = Recognizer.from_folder(args.model)
    print(f"model {args.model}, 1 thread")
    sets = load_sets(args.manifest, args.limit)
    baseline_rtf = None
    for speed in args.speeds:
        options = search_options(recognizer.options, speed)
        rtf, line = score_sets(recognizer, sets, options)
        baseline_rtf = baseline_rtf or rtf
        print(
            f"{speed} ({recognizer.decoding_summary(options)}): real-time factor {rtf:.3f} "
            f"({baseline_rtf / rtf:.2f}x the speed of {args.speeds[0]}), {line}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
