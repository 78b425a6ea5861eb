"""attend eval-mt --model FOLDER --src FILE --ref FILE: BLEU and chrF with sacreBLEU."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._options import (
    USAGE,
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
        help="score a translation model on a test set (BLEU, chrF, speed)",
        description="Translate SRC line by line and score against REF with sacreBLEU "
        "(default 13a tokenisation on detokenised output).",
    )
    parser.add_argument(
        "--model",
        required=True,
        type=model_folder,
        help="model folder, or the name of a bundled or installed one (attend models)",
    )
    parser.add_argument("--src", required=True, help="source sentences, one per line")
    parser.add_argument("--ref", required=True, help="reference translations, line-aligned with --src")
    parser.add_argument("--beam", type=positive_int, default=1, help="beam width (default 1 = greedy)")
    parser.add_argument("--limit", type=count_or_all, default=0, help="score only the first N lines (0 = all)")
    parser.add_argument("--output", help="also write the translations to this file")
    parser.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    add_threads_argument(parser)
    add_precision_argument(parser)


def run(args: argparse.Namespace) -> int:
    from desktop_app.seq2seq import DecodeOptions, ModelFolderError, Translator, load_folder
    from desktop_app.seq2seq.quantize import use_inference_threads
    from desktop_app.training.evaluate import evaluate

    try:
        if args.output:  # checked now, not after the decoding it would lose
            _check_writable(args.output)
        sources, references = read_lines(args.src), read_lines(args.ref)
        for path, lines in ((args.src, sources), (args.ref, references)):
            if not lines:
                raise ValueError(f"{path} is empty: nothing to score")
        if len(sources) != len(references):
            raise ValueError(f"{args.src} has {len(sources)} lines but {args.ref} has {len(references)}")
        options = DecodeOptions(beam_size=args.beam)
        use_inference_threads(args.threads)
        translator = Translator.from_loaded(load_folder(args.model, task="translation"), args.precision)
    except (ModelFolderError, OSError, ValueError) as error:
        print(f"attend eval-mt: error: {error}", file=sys.stderr)
        return USAGE
    if args.limit:
        sources, references = sources[: args.limit], references[: args.limit]
    failures: list[tuple[int, str]] = []
    score, hypotheses = evaluate(translator, sources, references, options, sys.stderr.isatty(), failures)
    for number, why in failures:  # one line each, as they come: the scores below are of the whole set
        print(f"attend eval-mt: {args.src} line {number}: {why}", file=sys.stderr)
    if args.output:
        Path(args.output).write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    if args.json:
        print(
            json.dumps(
                {
                    "model": args.model,
                    "src": args.src,
                    "beam": args.beam,
                    "precision": args.precision,
                    **score.as_dict(),
                }
            )
        )
    else:
        print(f"BLEU = {score.bleu:.2f}  ({score.bleu_signature})")
        print(f"chrF = {score.chrf:.2f}  ({score.chrf_signature})")
        print(
            f"{score.sentences} sentences in {score.seconds:.1f} s = {score.sentences_per_second:.1f} sentences/s "
            f"(beam {args.beam}, {args.threads} threads, precision {args.precision})"
        )
    return finish_batch(
        "eval-mt",
        len(failures),
        len(sources),
        "lines could not be translated",
        "they count as empty translations in the scores",
    )


def read_lines(path: str) -> list[str]:
    """A text file's lines, split at "\\n" alone (and a "\\r" before it) as `attend translate` reads
    standard input: str.splitlines also splits at a form feed or U+2028 inside a line, which shifts
    every later line against its reference."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except IsADirectoryError:
        raise ValueError(f"{path} is a folder, not a text file") from None
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise ValueError(f"{path} is not valid UTF-8 (line {line})") from None
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return lines[:-1] if lines[-1] == "" else lines


def _check_writable(path: str) -> None:
    if Path(path).is_dir():
        raise ValueError(f"cannot write the translations to {path}: it is a folder")
    if not Path(path).resolve().parent.is_dir():
        raise ValueError(f"cannot write the translations to {path}: its folder does not exist")
