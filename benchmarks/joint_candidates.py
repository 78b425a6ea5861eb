"""Joint CTC/attention decoding: how many candidate tokens per step the CTC prefix scorer rescores.

    python benchmarks/joint_candidates.py --model models/asr-en \
        --manifest data/speech/dev.tsv data/speech/real-dev.tsv [--limit 40] [--threads 2] [--counts 30 12]

Each step of joint decoding scores the best few next tokens by attention with the CTC prefix
scorer (`JOINT_CANDIDATES` in desktop_app/seq2seq/las.py); the scorer's work grows with that
count times the encoder frames. For each count this decodes the same utterances with the model
folder's own settings (beam, language model, int8 or not) and prints the real-time factor and
how many transcripts differ from those of the first count (the baseline).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from desktop_app.seq2seq import las  # noqa: E402
from desktop_app.speech.features import SAMPLE_RATE, load_audio  # noqa: E402
from desktop_app.speech.manifest import read_manifest  # noqa: E402
from desktop_app.speech.recognizer import Recognizer  # noqa: E402


def transcribe_all(recognizer: Recognizer, utterances: list, options=None) -> tuple[list[str], float]:
    """-> (transcripts, compute seconds); options: DecodeOptions (default: the folder's own)"""
    recognizer.transcribe(utterances[0], options)  # warm-up
    texts, seconds = [], 0.0
    for audio in utterances:
        start = time.perf_counter()
        texts.append(recognizer.transcribe(audio, options).text)
        seconds += time.perf_counter() - start
    return texts, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--manifest", nargs="+", required=True)
    parser.add_argument("--limit", type=int, default=40, help="utterances from each manifest")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--counts",
        type=int,
        nargs="+",
        default=[30, las.JOINT_CANDIDATES],
        help="candidate counts; the first is the baseline (default: 30, then the current default)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recognizer = Recognizer.from_folder(args.model)
    print(f"model {args.model}: {recognizer.decoding_summary()}, {args.threads} threads")
    default = las.JOINT_CANDIDATES
    for manifest in args.manifest:
        utterances = [load_audio(u.path) for u in read_manifest(manifest)[: args.limit]]
        audio_seconds = sum(a.size for a in utterances) / SAMPLE_RATE
        print(f"{manifest}: {len(utterances)} utterances, {audio_seconds:.1f} s of audio")
        baseline = None
        for count in args.counts:
            las.JOINT_CANDIDATES = count
            texts, seconds = transcribe_all(recognizer, utterances)
            baseline = baseline or texts
            changed = sum(a != b for a, b in zip(baseline, texts, strict=True))
            print(
                f"  {count:3d} candidates: real-time factor {seconds / audio_seconds:.3f}, "
                f"{changed} of {len(texts)} transcripts differ from {args.counts[0]} candidates"
            )
    las.JOINT_CANDIDATES = default
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
