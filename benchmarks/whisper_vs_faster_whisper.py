"""Attend's Whisper against faster-whisper running the same weights, on the same files, in one run.

    pip install --target /tmp/fw faster-whisper==1.2.1     # benchmark only: not a dependency of Attend
    python benchmarks/whisper_vs_faster_whisper.py --fw /tmp/fw --model whisper-tiny.en \
        --checkpoint DIR_WITH_THE_ORIGINAL_MODEL_BIN --manifest data/speech/real-dev.tsv [--beams 1 5] [--limit N]

For each search (greedy, beam 5): WER and CER of Attend's transcripts (the installed folder through
`Recognizer.transcribe` as the app runs it: the encoder on two threads, the decoder on one) and of
faster-whisper's (its own front end and decoder on the original CTranslate2 model.bin, in float32 and int8,
without VAD or temperature fallback, told the language), all scored the same way (eval-asr's: both sides
normalised to the references' spoken form),
and each one's real-time factor. Targets (issue 40): WER within 0.5 points of faster-whisper; real-time factor
at most 2x faster-whisper int8's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jiwer  # noqa: E402
import numpy as np  # noqa: E402

from desktop_app.catalog import find_model  # noqa: E402
from desktop_app.seq2seq.quantize import use_inference_threads  # noqa: E402
from desktop_app.speech.features import SAMPLE_RATE, load_audio  # noqa: E402
from desktop_app.speech.manifest import read_manifest  # noqa: E402
from desktop_app.speech.recognizer import Recognizer  # noqa: E402
from desktop_app.speech.text import normalize_transcript  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fw", required=True, help="folder faster-whisper was pip-installed into (--target)")
    parser.add_argument("--model", default="whisper-tiny.en")
    parser.add_argument("--checkpoint", required=True, help="folder with the original CTranslate2 model.bin")
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--beams", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--fw-threads", type=int, default=2, help="faster-whisper's CPU threads (default 2)")
    args = parser.parse_args()
    sys.path.insert(0, args.fw)
    from faster_whisper import WhisperModel  # noqa: PLC0415  (only here, from the folder given)

    use_inference_threads(1)
    recognizer = Recognizer.from_folder(find_model(args.model))
    rows = read_manifest(args.manifest)
    rows = rows[: args.limit] if args.limit else rows
    clips = [load_audio(row.path) for row in rows]
    references = [row.text for row in rows]
    seconds = sum(c.size for c in clips) / SAMPLE_RATE
    language = recognizer.language or "en"
    print(f"{args.model}: {len(clips)} utterances, {seconds / 60:.1f} min of audio ({args.manifest})")
    print(f"{'system':34} {'beam':>4} {'WER %':>6} {'CER %':>6} {'RTF':>6}")
    for beam in args.beams:
        systems = {"Attend (as the app runs it)": lambda clip, b=beam: attend(recognizer, clip, b)}
        for compute in ("float32", "int8"):
            model = WhisperModel(args.checkpoint, device="cpu", compute_type=compute, cpu_threads=args.fw_threads)
            systems[f"faster-whisper {compute} ({args.fw_threads} threads)"] = lambda clip, m=model, b=beam: faster(
                m, clip, b, language
            )
        for name, transcribe in systems.items():
            transcribe(clips[0])  # warm-up
            start = time.perf_counter()
            hypotheses = [normalize_transcript(transcribe(clip)) for clip in clips]
            elapsed = time.perf_counter() - start
            print(
                f"{name:34} {beam:>4} {100 * jiwer.wer(references, hypotheses):6.2f} "
                f"{100 * jiwer.cer(references, hypotheses):6.2f} {elapsed / seconds:6.3f}",
                flush=True,
            )
    return 0


def attend(recognizer, clip: np.ndarray, beam: int) -> str:
    from dataclasses import replace

    return recognizer.transcribe(clip, replace(recognizer.options, beam_size=beam)).text


def faster(model, clip: np.ndarray, beam: int, language: str) -> str:
    segments, _ = model.transcribe(
        clip,
        beam_size=beam,
        language=language,
        temperature=0.0,
        vad_filter=False,
        without_timestamps=True,
        condition_on_previous_text=False,
    )
    return " ".join(segment.text for segment in segments)


if __name__ == "__main__":
    raise SystemExit(main())
