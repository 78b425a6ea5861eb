"""Whisper through Attend's own code against CTranslate2's own Whisper decoder, on the same audio.

    python benchmarks/whisper_speed.py --model whisper-tiny.en --manifest data/speech/real-dev.tsv \
        [--limit 20] [--ct2 /tmp/ct2ref --checkpoint DIR_WITH_MODEL_BIN]

For each utterance (greedy, no timestamps, one CPU thread): the real-time factor of Attend's decoding
(features, encoder and the one decoding generator with every step's attention) and, where a
CTranslate2 installation and the original model.bin are given, CTranslate2's on the same features
(float32) as the reference; plus the share of utterances whose tokens are identical. CTranslate2 is
not a dependency of Attend: install it into a folder of its own (`pip install --target DIR ctranslate2`).
Goal: a real-time factor under 0.1 for tiny.en on a 2-core machine, so that dictation keeps up.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from desktop_app.catalog import find_model  # noqa: E402
from desktop_app.seq2seq.decoding import run_to_end  # noqa: E402
from desktop_app.seq2seq.quantize import use_inference_threads  # noqa: E402
from desktop_app.speech.features import SAMPLE_RATE, load_audio  # noqa: E402
from desktop_app.speech.manifest import read_manifest  # noqa: E402
from desktop_app.speech.recognizer import Recognizer  # noqa: E402
from desktop_app.speech.whisper_features import pad_or_trim, whisper_log_mel  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="whisper-tiny.en")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--ct2", help="folder ctranslate2 was pip-installed into (--target)")
    parser.add_argument("--checkpoint", help="folder with the original CTranslate2 model.bin")
    args = parser.parse_args()
    use_inference_threads(1)
    recognizer = Recognizer.from_folder(find_model(args.model))
    rows = read_manifest(args.manifest)[: args.limit]
    clips = [load_audio(row.path) for row in rows]
    audio_seconds = sum(c.size for c in clips) / SAMPLE_RATE
    run_to_end(recognizer.stream(clips[0]))  # warm-up: first-call costs are not decoding
    ours, ours_ids = timed(lambda clip: run_to_end(recognizer.stream(clip))[1][0].token_ids, clips)
    print(f"{args.model}: {len(clips)} utterances, {audio_seconds:.0f} s of audio, greedy, 1 thread")
    print(f"  Attend       real-time factor {ours / audio_seconds:.3f}")
    if args.ct2 and args.checkpoint:
        reference, reference_ids = ctranslate2_run(args.ct2, args.checkpoint, recognizer, clips)
        same = sum(a == b for a, b in zip(ours_ids, reference_ids, strict=True))
        print(f"  CTranslate2  real-time factor {reference / audio_seconds:.3f} (float32, the reference)")
        print(
            f"  identical tokens in {same} of {len(clips)} utterances; Attend takes "
            f"{ours / reference:.2f}x CTranslate2's time"
        )
    return 0


def timed(decode, clips: list[np.ndarray]) -> tuple[float, list]:
    start, results = time.perf_counter(), [decode(clip) for clip in clips]
    return time.perf_counter() - start, results


def ctranslate2_run(folder: str, checkpoint: str, recognizer, clips: list[np.ndarray]) -> tuple[float, list]:
    sys.path.insert(0, folder)
    import ctranslate2  # noqa: PLC0415  (only here, from the folder given)

    model = ctranslate2.models.Whisper(checkpoint, device="cpu", compute_type="float32", intra_threads=1)
    prompt = list(recognizer.options.start_ids)

    def decode(clip: np.ndarray) -> list[int]:
        features = whisper_log_mel(pad_or_trim(clip))  # the features are part of both timings
        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(features.T[None]))
        return model.generate(batch, [prompt], beam_size=1, max_length=224)[0].sequences_ids[0]

    decode(clips[0])
    return timed(decode, clips)


if __name__ == "__main__":
    raise SystemExit(main())
