"""attend eval-mt --model FOLDER --src FILE --ref FILE: BLEU and chrF with sacreBLEU."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._options import add_precision_argument, add_threads_argument


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="score a translation model on a test set (BLEU, chrF, speed)",
        description="Translate SRC line by line and score against REF with sacreBLEU "
        "(default 13a tokenisation on detokenised output).",
    )
    parser.add_argument("--model", required=True, help="model folder")
    parser.add_argument("--src", required=True, help="source sentences, one per line")
    parser.add_argument("--ref", required=True, help="reference translations, line-aligned with --src")
    parser.add_argument("--beam", type=int, default=1, help="beam width (default 1 = greedy)")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N lines")
    parser.add_argument("--output", help="also write the translations to this file")
    parser.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    add_threads_argument(parser)
    add_precision_argument(parser)


def run(args: argparse.Namespace) -> int:
    from desktop_app.seq2seq import DecodeOptions, ModelFolderError, Translator
    from desktop_app.seq2seq.quantize import use_inference_threads
    from desktop_app.training.evaluate import evaluate

    try:
        use_inference_threads(args.threads)
        translator = Translator.from_folder(args.model, args.precision)
        sources = Path(args.src).read_text(encoding="utf-8").splitlines()
        references = Path(args.ref).read_text(encoding="utf-8").splitlines()
        if len(sources) != len(references):
            raise ValueError(f"{args.src} has {len(sources)} lines but {args.ref} has {len(references)}")
        options = DecodeOptions(beam_size=args.beam)
    except (ModelFolderError, OSError, ValueError) as error:
        print(f"attend eval-mt: error: {error}", file=sys.stderr)
        return 2
    if args.limit:
        sources, references = sources[: args.limit], references[: args.limit]
    score, hypotheses = evaluate(translator, sources, references, options, progress=sys.stderr.isatty())
    if args.output:
        Path(args.output).write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps({"model": args.model, "src": args.src, "beam": args.beam, "precision": args.precision,
                          **score.as_dict()}))
    else:
        print(f"BLEU = {score.bleu:.2f}  ({score.bleu_signature})")
        print(f"chrF = {score.chrf:.2f}  ({score.chrf_signature})")
        print(f"{score.sentences} sentences in {score.seconds:.1f} s = {score.sentences_per_second:.1f} sentences/s "
              f"(beam {args.beam}, {args.threads} threads, precision {args.precision})")
    return 0
