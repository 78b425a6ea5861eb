"""attend eval-asr --model FOLDER --manifest FILE: WER and CER (jiwer), real-time factor."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from ._options import add_precision_argument, add_threads_argument


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
    parser.add_argument("--ctc-weight", type=float, default=None,
                        help="weight of CTC prefix scores in decoding, 0-1 (default: the model's own)")
    parser.add_argument("--lm-weight", type=float, default=None,
                        help="weight of the model folder's language model in decoding (0 = off; default: the "
                        "model's own)")
    parser.add_argument("--lexicon-penalty", type=float, default=None,
                        help="score lost per word outside the language model's word list (0 = off; default: the "
                        "model's own)")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N utterances of each manifest")
    add_threads_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--errors", metavar="FILE",
                        help="also write every utterance's reference, hypothesis and WER to this TSV file, "
                        "worst first (for error analysis)")
    add_precision_argument(parser)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from desktop_app.seq2seq import ModelFolderError
    from desktop_app.seq2seq.quantize import use_inference_threads
    from desktop_app.speech.evaluate import word_error_rates
    from desktop_app.speech.features import AudioError, load_audio
    from desktop_app.speech.manifest import read_manifest
    from desktop_app.speech.recognizer import Recognizer

    try:
        use_inference_threads(args.threads)
        recognizer = Recognizer.from_folder(args.model, args.precision)
        if args.ctc_weight is not None:
            recognizer.set_ctc_decode_weight(args.ctc_weight)
        if args.lm_weight is not None:
            recognizer.set_lm_weight(args.lm_weight)
        if args.lexicon_penalty is not None:
            recognizer.set_lexicon_penalty(args.lexicon_penalty)
        manifests = {m: read_manifest(m)[: args.limit or None] for m in args.manifest}
        if args.errors and not Path(args.errors).resolve().parent.is_dir():
            raise OSError(f"cannot write the error table {args.errors}: its folder does not exist")
    except (ModelFolderError, OSError, ValueError) as error:
        print(f"attend eval-asr: error: {error}", file=sys.stderr)
        return 2
    options = replace(recognizer.options, beam_size=args.beam or recognizer.options.beam_size)
    report, rows = {}, []
    for name, items in manifests.items():
        references, hypotheses, by_voice = [], [], defaultdict(lambda: ([], []))
        audio_seconds = compute_seconds = 0.0
        for item in items:
            try:
                audio = load_audio(item.path)
            except AudioError as error:
                print(f"attend eval-asr: skipping {item.id}: {error}", file=sys.stderr)
                continue
            start = time.perf_counter()
            text = recognizer.transcribe(audio, options).text
            compute_seconds += time.perf_counter() - start
            audio_seconds += audio.size / 16000
            references.append(item.text)
            hypotheses.append(text)
            by_voice[item.voice][0].append(item.text)
            by_voice[item.voice][1].append(text)
            rows.append((name, item, text))
        if not references:
            print(f"attend eval-asr: error: none of the {len(items)} utterances of {name} could be read "
                  "(the reasons are above); nothing to score", file=sys.stderr)
            return 2
        rates = word_error_rates(references, hypotheses)
        report[name] = {"utterances": len(references), "wer": round(100 * rates["wer"], 2),
                        "cer": round(100 * rates["cer"], 2), "rtf": round(compute_seconds / audio_seconds, 4),
                        "voices": {v: round(100 * word_error_rates(*pair)["wer"], 2) for v, pair in by_voice.items()}}
    if args.errors:
        write_error_table(args.errors, rows)
    if args.json:
        print(json.dumps({"model": args.model, "beam": options.beam_size, "precision": args.precision,
                          "ctc_weight": recognizer.ctc_decode_weight, "lm_weight": recognizer.lm_weight,
                          "lexicon_penalty": recognizer.lexicon_penalty, "results": report}, indent=1))
        return 0
    for name, r in report.items():
        print(f"{name}: WER {r['wer']:.2f}%  CER {r['cer']:.2f}%  ({r['utterances']} utterances, "
              f"real-time factor {r['rtf']:.3f}, beam {options.beam_size}, CTC weight {recognizer.ctc_decode_weight}, "
              f"LM weight {recognizer.lm_weight}, lexicon penalty {recognizer.lexicon_penalty}, "
              f"{args.threads} threads)")
        for voice, wer in sorted(r["voices"].items()):
            print(f"    {voice:40s} WER {wer:6.2f}%")
    return 0


def write_error_table(path: str, rows) -> None:
    """One TSV line per utterance: manifest, id, voice, wer (%), reference, hypothesis; worst first."""
    from desktop_app.speech.evaluate import utterance_wer

    scored = [(utterance_wer(item.text, text), name, item, text) for name, item, text in rows]
    scored.sort(key=lambda row: -row[0])
    lines = ["manifest\tid\tvoice\twer\treference\thypothesis"]
    lines += [f"{name}\t{item.id}\t{item.voice}\t{wer:.1f}\t{item.text}\t{text}" for wer, name, item, text in scored]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
