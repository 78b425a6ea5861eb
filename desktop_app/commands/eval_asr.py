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
    SKIPPED,
    USAGE,
    add_beam_threshold_argument,
    add_ilm_weight_argument,
    add_length_penalty_argument,
    add_precision_argument,
    add_threads_argument,
    count_or_all,
    finish_batch,
    model_folder,
    positive_int,
)


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="score a speech model on a manifest (WER, CER, real-time factor)",
        description="Transcribe every utterance of a manifest (TSV: id, path, duration, text, voice) and "
        "score against its text with jiwer; also per voice.",
    )
    parser.add_argument(
        "--model",
        required=True,
        type=model_folder,
        help="speech model folder, or the name of a bundled or installed one (attend models)",
    )
    parser.add_argument("--manifest", required=True, nargs="+", help="manifest TSV file(s)")
    parser.add_argument(
        "--beam", type=positive_int, default=None, help="beam width (1 = greedy; default: the model's own)"
    )
    add_beam_threshold_argument(parser)
    add_length_penalty_argument(parser)
    parser.add_argument(
        "--ctc-weight",
        type=float,
        default=None,
        help="weight of CTC prefix scores in decoding, 0-1 (default: the model's own)",
    )
    parser.add_argument(
        "--lm-weight",
        type=float,
        default=None,
        help="weight of the model folder's language model in decoding (0 = off; default: the model's own)",
    )
    parser.add_argument(
        "--lexicon-penalty",
        type=float,
        default=None,
        help="score lost per word outside the language model's word list (0 = off; default: the model's own)",
    )
    add_ilm_weight_argument(parser)
    parser.add_argument(
        "--limit", type=count_or_all, default=0, help="score only the first N utterances of each manifest (0 = all)"
    )
    add_threads_argument(parser)
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="decode in this many processes at once, each on --threads threads (default 1; on 2 "
        "cores, 2 jobs of 1 thread score a manifest about twice as fast)",
    )
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument(
        "--errors",
        metavar="FILE",
        help="also write every utterance's reference, hypothesis and WER to this TSV file, "
        "worst first (for error analysis)",
    )
    add_precision_argument(parser)


def run(args: argparse.Namespace) -> int:
    from desktop_app.seq2seq import ModelFolderError

    settings = DecoderSettings(
        args.model,
        args.precision,
        args.threads,
        args.ctc_weight,
        args.lm_weight,
        args.lexicon_penalty,
        args.beam_threshold,
        args.length_penalty,
        args.ilm_weight,
    )
    try:
        if args.jobs < 1:
            raise ValueError(f"--jobs must be at least 1, not {args.jobs}")
        recognizer = settings.load()
        manifests, skipped = {}, 0
        for m in args.manifest:
            items, unusable = usable_items(m)
            manifests[m], skipped = items[: args.limit or None], skipped + unusable
        if args.errors and not Path(args.errors).resolve().parent.is_dir():
            raise OSError(f"cannot write the error table {args.errors}: its folder does not exist")
    except (ModelFolderError, OSError, ValueError) as error:
        print(f"attend eval-asr: error: {error}", file=sys.stderr)
        return USAGE
    beam = args.beam or recognizer.options.beam_size
    report, rows = {}, []
    with _decoder(recognizer, settings, beam, args.jobs) as decode:
        for name, items in manifests.items():  # a manifest with nothing to score is reported, the others scored
            scored = score_manifest(name, items, decode([item.path for item in items]) if items else [], rows)
            skipped += len(items) - (scored["utterances"] if scored else 0)
            if scored is not None:
                report[name] = scored
    if not report:
        return USAGE  # no score at all: the reasons are above
    if args.errors:
        write_error_table(args.errors, rows)
    _print_report(args, recognizer, beam, report)
    scored_count = sum(r["utterances"] for r in report.values())
    status = finish_batch(
        "eval-asr",
        skipped,
        skipped + scored_count,
        "utterances skipped",
        f"the scores are over the remaining {scored_count}",
    )
    return SKIPPED if len(report) < len(manifests) else status  # (a manifest of no rows has no score either)


def _print_report(args: argparse.Namespace, recognizer, beam: int, report: dict) -> None:
    from desktop_app.speech.recognizer import search_details

    if args.json:
        print(
            json.dumps(
                {
                    "model": args.model,
                    "beam": beam,
                    "precision": args.precision,
                    "ctc_weight": recognizer.ctc_decode_weight,
                    "lm_weight": recognizer.lm_weight,
                    "lexicon_penalty": recognizer.lexicon_penalty,
                    "ilm_weight": recognizer.ilm_weight,
                    "beam_threshold": recognizer.beam_threshold,
                    "length_penalty": recognizer.length_penalty,
                    "results": report,
                },
                indent=1,
            )
        )
        return
    search = search_details(recognizer.options)
    for name, r in report.items():
        print(
            f"{name}: WER {r['wer']:.2f}%  CER {r['cer']:.2f}%  ({r['utterances']} utterances, "
            f"real-time factor {r['rtf']:.3f}, beam {beam}{search}, "
            f"CTC weight {recognizer.ctc_decode_weight}, "
            f"LM weight {recognizer.lm_weight}, lexicon penalty {recognizer.lexicon_penalty}, "
            f"internal-LM weight {recognizer.ilm_weight}, "
            f"{args.threads} threads)"
        )
        for voice, wer in sorted(r["voices"].items()):
            print(f"    {voice:40s} WER {wer:6.2f}%")


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


def usable_items(manifest: str) -> tuple[list, int]:
    """(the manifest's utterances that can be scored, how many of its rows cannot); one line on standard
    error for each of the latter."""
    from desktop_app.speech.manifest import read_manifest_rows

    items, damaged = read_manifest_rows(manifest)
    for name, why in damaged:
        print(f"attend eval-asr: skipping {name}: {why}", file=sys.stderr)
    unreferenced = [item for item in items if not item.text.strip()]
    for item in unreferenced:
        print(f"attend eval-asr: skipping {item.id}: its reference text is empty (nothing to score)", file=sys.stderr)
    return [item for item in items if item.text.strip()], len(damaged) + len(unreferenced)


# One utterance's outcome: (transcript or None, why it could not be read or None, decoding seconds, audio seconds)
Outcome = tuple[str | None, str | None, float, float]


def decode_file(recognizer, beam: int, path: str) -> Outcome:
    from dataclasses import replace

    from desktop_app.speech.features import SAMPLE_RATE, AudioError, load_audio
    from desktop_app.speech.text import normalize_transcript

    try:  # too short, NaN samples, unreadable: this utterance is skipped, not the run (nor a worker's batch)
        audio = load_audio(path)
        start = time.perf_counter()
        text = recognizer.transcribe(audio, replace(recognizer.options, beam_size=beam)).text
    except AudioError as error:
        return None, str(error), 0.0, 0.0
    # scored in the manifests' spoken form, so that a model writing case, punctuation and digits (Whisper)
    # is not charged for them; the project's own recognizers write that form already
    return normalize_transcript(text), None, time.perf_counter() - start, audio.size / SAMPLE_RATE


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
        why = (
            f"none of the {len(items)} utterances of {name} could be read (the reasons are above)"
            if items
            else f"{name} has no utterance with a reference to score against"
        )
        print(f"attend eval-asr: error: {why}; nothing to score", file=sys.stderr)
        return None
    rates = word_error_rates([r for r, _ in read], [h for _, h in read])
    return {
        "utterances": len(read),
        "wer": round(100 * rates["wer"], 2),
        "cer": round(100 * rates["cer"], 2),
        "rtf": round(compute_seconds / audio_seconds, 4),
        "voices": {v: round(100 * word_error_rates(*pair)["wer"], 2) for v, pair in by_voice.items()},
    }


def write_error_table(path: str, rows) -> None:
    """One TSV line per utterance: manifest, id, voice, wer (%), reference, hypothesis; worst first."""
    from desktop_app.speech.evaluate import utterance_wer

    scored = [(utterance_wer(item.text, text), name, item, text) for name, item, text in rows]
    scored.sort(key=lambda row: -row[0])
    lines = ["manifest\tid\tvoice\twer\treference\thypothesis"]
    lines += [f"{name}\t{item.id}\t{item.voice}\t{wer:.1f}\t{item.text}\t{text}" for wer, name, item, text in scored]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
