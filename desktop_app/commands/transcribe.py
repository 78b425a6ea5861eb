"""attend transcribe FILE...: speech to text with a speech model folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop_app.speech.speed import SPEEDS, search_options

from ._options import (
    USAGE,
    add_beam_threshold_argument,
    add_ilm_weight_argument,
    add_length_penalty_argument,
    add_threads_argument,
    finish_batch,
    model_folder,
    others,
    positive_int,
)

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "asr-en"


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="transcribe audio files (wav, flac, ogg, mp3; any rate or channel count)",
        description="Transcribe audio files. Long recordings are cut at pauses (voice activity) and "
        "each segment is decoded with attention; --words prints each word's time span.",
    )
    parser.add_argument("files", nargs="+", help="audio files")
    parser.add_argument(
        "--model",
        default=str(DEFAULT_MODEL),
        type=model_folder,
        help="speech model folder, or the name of a bundled or installed one (attend models; default asr-en)",
    )
    parser.add_argument(
        "--beam", type=positive_int, default=None, help="beam width (1 = greedy; default: the model's own)"
    )
    add_beam_threshold_argument(parser)
    add_length_penalty_argument(parser)
    parser.add_argument(
        "--speed",
        choices=SPEEDS,
        default="accurate",
        help="search effort, as the Dictate tab's Speed: accurate = the model's own search (after "
        "--beam), balanced = beam threshold 6, fast = also at most 4 hypotheses (default accurate)",
    )
    parser.add_argument(
        "--lm-weight",
        type=float,
        default=None,
        help="weight of the model's language model (0 = off; default: the model's own)",
    )
    parser.add_argument(
        "--lexicon-penalty",
        type=float,
        default=None,
        help="score lost per word outside the language model's word list (0 = off; default: the model's own)",
    )
    add_ilm_weight_argument(parser)
    parser.add_argument(
        "--language",
        default=None,
        help="Whisper models: the language spoken, as a code (en, de, fr, ...), or 'auto' to detect it "
        "(default: auto for multilingual models, en for English-only ones)",
    )
    parser.add_argument(
        "--task",
        choices=("transcribe", "translate"),
        default="transcribe",
        help="Whisper multilingual models: write what was said, or translate it into English",
    )
    add_threads_argument(parser)
    parser.add_argument("--words", action="store_true", help="print word time spans")
    parser.add_argument("--json", action="store_true", help="print one JSON object per file")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from desktop_app.seq2seq import ModelFolderError
    from desktop_app.seq2seq.quantize import use_inference_threads
    from desktop_app.speech.features import AudioError, load_audio
    from desktop_app.speech.recognizer import Recognizer
    from desktop_app.speech.segments import transcribe_long

    try:
        use_inference_threads(args.threads)
        recognizer = Recognizer.from_folder(args.model)
        if args.lm_weight is not None:
            recognizer.set_lm_weight(args.lm_weight)
        if args.lexicon_penalty is not None:
            recognizer.set_lexicon_penalty(args.lexicon_penalty)
        if args.beam_threshold is not None:
            recognizer.set_beam_threshold(args.beam_threshold)
        if args.length_penalty is not None:
            recognizer.set_length_penalty(args.length_penalty)
        if args.ilm_weight is not None:
            recognizer.set_ilm_weight(args.ilm_weight)
        _whisper_settings(recognizer, args)
    except (ModelFolderError, ValueError) as error:
        print(f"attend transcribe: error: {error}", file=sys.stderr)
        return USAGE
    options = search_options(
        replace(recognizer.options, beam_size=args.beam or recognizer.options.beam_size), args.speed
    )
    failures = 0
    for name in args.files:
        try:
            audio = load_audio(name)
            finals = transcribe_long(recognizer, audio, options)
        except AudioError as error:
            named = str(error) if str(error).startswith(name) else f"{name}: {error}"  # the path once
            print(f"attend transcribe: {named}", file=sys.stderr)
            failures += 1
            continue
        text = " ".join(f.text for f in finals if f.text)
        languages = sorted({f.transcript.language for f in finals if f.transcript.language})
        if not text:  # an empty line alone would look like a failure
            print(f"attend transcribe: {name}: no speech was heard (silence or noise)", file=sys.stderr)
        if args.json:
            words = [
                {"word": w.word, "start": round(f.start + w.start, 2), "end": round(f.start + w.end, 2)}
                for f in finals
                for w in f.transcript.words
            ]
            found = {"languages": languages} if languages else {}
            print(
                json.dumps(
                    {
                        "file": name,
                        "text": text,
                        "words": words,
                        "search": recognizer.decoding_summary(options),
                        **found,
                    },
                    ensure_ascii=False,
                )
            )
            continue
        print(text if len(args.files) == 1 else f"{name}\t{text}")
        if args.words:
            for final in finals:
                for w in final.transcript.words:
                    print(f"  {final.start + w.start:7.2f} {final.start + w.end:7.2f}  {w.word}")
    total = len(args.files)
    return finish_batch(
        "transcribe", failures, total, "files could not be transcribed", others(total - failures, "transcribed")
    )


def _whisper_settings(recognizer, args: argparse.Namespace) -> None:
    """--language and --task, which only Whisper models take (ValueError for the others, or a bad value)."""
    whisper = hasattr(recognizer, "set_task")
    if not whisper and (args.language is not None or args.task != "transcribe"):
        raise ValueError(
            f"{recognizer.loaded.folder} is not a Whisper model: --language and --task are for "
            "Whisper models (attend models install whisper-base)"
        )
    if whisper:
        if args.language is not None:
            recognizer.set_language(None if args.language == "auto" else args.language)
        recognizer.set_task(args.task)
