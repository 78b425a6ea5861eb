"""attend eval-asr --model FOLDER --manifest FILE: WER and CER (jiwer), real-time factor."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._options import (
    add_beam_threshold_argument,
    add_ilm_weight_argument,
    add_length_penalty_argument,
    add_precision_argument,
    add_threads_argument,
)


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="score a speech model on a manifest (WER, CER, real-time factor)",
        description="Transcribe every utterance of a manifest (TSV: id, path, duration, text, voice) and "
        "score against its text with jiwer; also per voice.",
    )
    parser.add_argument("--model", required=True, help="speech model folder")
    parser.add_argument("--manifest", required=True, nargs="+", help="manifest TSV file(s)")
    parser.add_argument("--beam", type=int, default=None, help="beam width (1 = greedy; default: the model's own)")
    add_beam_threshold_argument(parser)
    add_length_penalty_argument(parser)
    parser.add_argument("--ctc-weight", type=float, default=None,
                        help="weight of CTC prefix scores in decoding, 0-1 (default: the model's own)")
    parser.add_argument("--lm-weight", type=float, default=None,
                        help="weight of the model folder's language model in decoding (0 = off; default: the "
                        "model's own)")
    parser.add_argument("--lexicon-penalty", type=float, default=None,
                        help="score lost per word outside the language model's word list (0 = off; default: the "
                        "model's own)")
    add_ilm_weight_argument(parser)
    parser.add_argument("--limit", type=int, default=0, help="score only the first N utterances of each manifest")
    add_threads_argument(parser)
    parser.add_argument("--jobs", type=int, default=1,
                        help="decode in this many processes at once, each on --threads threads (default 1; on 2 "
                        "cores, 2 jobs of 1 thread score a manifest about twice as fast)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--errors", metavar="FILE",
                        help="also write every utterance's reference, hypothesis and WER to this TSV file, "
                        "worst first (for error analysis)")
    add_precision_argument(parser)


def run(args: argparse.Namespace) -> int:
    from desktop_app.seq2seq import ModelFolderError
    from desktop_app.speech.manifest import read_manifest
    from desktop_app.speech.recognizer import search_details

    settings = DecoderSettings(args.model, args.precision, args.threads, args.ctc_weight, args.lm_weight,
                               args.lexicon_penalty, args.beam_threshold, args.length_penalty, args.ilm_weight)
    try:
        if args.jobs < 1:
            raise ValueError(f"--jobs must be at least 1, not {args.jobs}")
        recognizer = settings.load()
        manifests = {m: read_manifest(m)[: args.limit or None] for m in args.manifest}
        if args.errors and not Path(args.errors).resolve().parent.is_dir():
            raise OSError(f"cannot write the error table {args.errors}: its folder does not exist")
    except (ModelFolderError, OSError, ValueError) as error:
        print(f"attend eval-asr: error: {error}", file=sys.stderr)
        return 2
    beam = args.beam or recognizer.options.beam_size
    report, rows = {}, []
    with _decoder(recognizer, settings, beam, args.jobs) as decode:
        for name, items in manifests.items():
            scored = score_manifest(name, items, decode([item.path for item in items]), rows)
            if scored is None:
                return 2
            report[name] = scored
    if args.errors:
        write_error_table(args.errors, rows)
    if args.json:
        print(json.dumps({"model": args.model, "beam": beam, "precision": args.precision,
                          "ctc_weight": recognizer.ctc_decode_weight, "lm_weight": recognizer.lm_weight,
                          "lexicon_penalty": recognizer.lexicon_penalty, "ilm_weight": recognizer.ilm_weight,
                          "beam_threshold": recognizer.beam_threshold, "length_penalty": recognizer.length_penalty,
                          "results": report}, indent=1))
        return 0
    search = search_details(recognizer.options)
    for name, r in report.items():
        print(f"{name}: WER {r['wer']:.2f}%  CER {r['cer']:.2f}%  ({r['utterances']} utterances, "
              f"real-time factor {r['rtf']:.3f}, beam {beam}{search}, "
              f"CTC weight {recognizer.ctc_decode_weight}, "
              f"LM weight {recognizer.lm_weight}, lexicon penalty {recognizer.lexicon_penalty}, "
              f"internal-LM weight {recognizer.ilm_weight}, "
              f"{args.threads} threads)")
        for voice, wer in sorted(r["voices"].items()):
            print(f"    {voice:40s} WER {wer:6.2f}%")
    return 0


@dataclass(frozen=True)
class DecoderSettings:
    """What it takes to build the same recognizer in this process or in a worker process."""

    model: str
    precision: str
    threads: int
    ctc_weight: float | None
    lm_weight: float | None
    lexicon_penalty: float | None
    beam_threshold: float | None = None
    length_penalty: float | None = None
    ilm_weight: float | None = None

    def load(self):
        from desktop_app.seq2seq.quantize import use_inference_threads
        from desktop_app.speech.recognizer import Recognizer

        use_inference_threads(self.threads)
        recognizer = Recognizer.from_folder(self.model, self.precision)
        if self.ctc_weight is not None:
            recognizer.set_ctc_decode_weight(self.ctc_weight)
        if self.lm_weight is not None:
            recognizer.set_lm_weight(self.lm_weight)
        if self.lexicon_penalty is not None:
            recognizer.set_lexicon_penalty(self.lexicon_penalty)
        if self.beam_threshold is not None:
            recognizer.set_beam_threshold(self.beam_threshold)
        if self.length_penalty is not None:
            recognizer.set_length_penalty(self.length_penalty)
        if self.ilm_weight is not None:
            recognizer.set_ilm_weight(self.ilm_weight)
        return recognizer


# One utterance's outcome: (transcript or None, why it could not be read or None, decoding seconds, audio seconds)
Outcome = tuple[str | None, str | None, float, float]


def decode_file(recognizer, beam: int, path: str) -> Outcome:
    from dataclasses import replace

    from desktop_app.speech.features import SAMPLE_RATE, AudioError, load_audio

    try:
        audio = load_audio(path)
    except AudioError as error:
        return None, str(error), 0.0, 0.0
    start = time.perf_counter()
    text = recognizer.transcribe(audio, replace(recognizer.options, beam_size=beam)).text
    return text, None, time.perf_counter() - start, audio.size / SAMPLE_RATE


@contextmanager
def _decoder(recognizer, settings: DecoderSettings, beam: int, jobs: int):
    """-> a function from audio paths to their Outcomes, in order: here, or spread over `jobs`
    worker processes (each loads the model once and decodes on settings.threads threads)."""
    if jobs == 1:
        yield lambda paths: [decode_file(recognizer, beam, path) for path in paths]
        return
    context = multiprocessing.get_context("spawn")  # a forked torch can hang in its thread pool
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(settings,)) as pool:
        yield lambda paths: list(pool.map(_worker_decode, paths, [beam] * len(paths), chunksize=4))


_worker_recognizer = None


def _start_worker(settings: DecoderSettings) -> None:
    global _worker_recognizer
    _worker_recognizer = settings.load()


def _worker_decode(path: str, beam: int) -> Outcome:
    return decode_file(_worker_recognizer, beam, path)


def score_manifest(name: str, items: list, outcomes: list[Outcome], rows: list) -> dict | None:
    """WER, CER, real-time factor (decoding seconds per audio second, summed over processes) and WER
    per voice of one manifest; appends (name, item, transcript) to `rows`. None if nothing was read."""
    from desktop_app.speech.evaluate import word_error_rates

    by_voice = defaultdict(lambda: ([], []))
    compute_seconds = audio_seconds = 0.0
    for item, (text, error, seconds, duration) in zip(items, outcomes, strict=True):
        if text is None:
            print(f"attend eval-asr: skipping {item.id}: {error}", file=sys.stderr)
            continue
        compute_seconds, audio_seconds = compute_seconds + seconds, audio_seconds + duration
        by_voice[item.voice][0].append(item.text)
        by_voice[item.voice][1].append(text)
        rows.append((name, item, text))
    read = [(item.text, text) for item, (text, *_) in zip(items, outcomes, strict=True) if text is not None]
    if not read:
        print(f"attend eval-asr: error: none of the {len(items)} utterances of {name} could be read "
              "(the reasons are above); nothing to score", file=sys.stderr)
        return None
    rates = word_error_rates([r for r, _ in read], [h for _, h in read])
    return {"utterances": len(read), "wer": round(100 * rates["wer"], 2), "cer": round(100 * rates["cer"], 2),
            "rtf": round(compute_seconds / audio_seconds, 4),
            "voices": {v: round(100 * word_error_rates(*pair)["wer"], 2) for v, pair in by_voice.items()}}


def write_error_table(path: str, rows) -> None:
    """One TSV line per utterance: manifest, id, voice, wer (%), reference, hypothesis; worst first."""
    from desktop_app.speech.evaluate import utterance_wer

    scored = [(utterance_wer(item.text, text), name, item, text) for name, item, text in rows]
    scored.sort(key=lambda row: -row[0])
    lines = ["manifest\tid\tvoice\twer\treference\thypothesis"]
    lines += [f"{name}\t{item.id}\t{item.voice}\t{wer:.1f}\t{item.text}\t{text}" for wer, name, item, text in scored]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
