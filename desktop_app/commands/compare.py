"""attend compare --models A B [TEXT ...]: two translation models on the same sentences, and how much their
alignments agree (issue 41, "See why").

For each sentence: both translations, then the agreement of the two models' attention over A's translation
(model B is made to write it, so that both attend over the same output words; seq2seq/comparison.py), and with
--words one line per output word: the source word each model attends to most.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from ._options import (
    USAGE,
    add_precision_argument,
    add_threads_argument,
    finish_batch,
    model_folder,
    others,
    positive_int,
)


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="compare two translation models on the same sentences",
        description="Translate TEXT (or standard input, one sentence per line) with two models and print both "
        "translations and how much the models' alignments agree: the share of output words whose most attended "
        "source word is the same, the agreement of their word links (1 - AER) and the attention they share. "
        "Both alignments are over model A's translation, which model B is made to write.",
    )
    parser.add_argument(
        "--models",
        nargs=2,
        required=True,
        type=model_folder,
        metavar=("A", "B"),
        help="two model folders, or names of bundled or installed ones, e.g. en-de-rnn en-de-transformer",
    )
    parser.add_argument("text", nargs="*", help="text to compare on; omit to read standard input")
    parser.add_argument("--beam", type=positive_int, default=1, metavar="N", help="beam width (1 = greedy; default 1)")
    parser.add_argument(
        "--words",
        action="store_true",
        help="after each sentence, one line per output word: the source word each model attends to most",
    )
    add_precision_argument(parser)
    add_threads_argument(parser)


def run(
    args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    from desktop_app.seq2seq import DecodeOptions, InputError, ModelFolderError, Translator, load_folder
    from desktop_app.seq2seq.agreement import WordMismatchError
    from desktop_app.seq2seq.comparison import compare_sentence
    from desktop_app.seq2seq.quantize import use_inference_threads
    from desktop_app.seq2seq.tokenizer import TextEncodingError

    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    text = " ".join(args.text)
    try:
        if args.text and not text.strip():
            raise InputError("nothing to compare on: the text is empty")
        use_inference_threads(args.threads)
        a, b = (Translator.from_loaded(load_folder(m, task="translation"), args.precision) for m in args.models)
    except (ModelFolderError, ValueError) as error:
        print(f"attend compare: error: {error}", file=stderr)
        return USAGE
    names = [_name(folder) for folder in args.models]
    lines = [text] if args.text else [line.rstrip("\n") for line in stdin if line.strip()]
    options = DecodeOptions(beam_size=args.beam)
    failures = total = 0
    for line in lines:
        try:
            sentences = list(a.sentences(line))
        except (InputError, TextEncodingError) as error:
            print(f"attend compare: {error}", file=stderr)
            failures, total = failures + 1, total + 1
            continue
        for sentence in sentences:
            total += 1
            try:
                comparison = compare_sentence(a, b, sentence, options)
            except (InputError, TextEncodingError, WordMismatchError) as error:
                print(f"attend compare: {sentence!r}: {error}", file=stderr)
                failures += 1
                continue
            stdout.write(describe(comparison, names, args.words) + "\n\n")
            stdout.flush()
    return finish_batch(
        "compare", failures, total, "sentences could not be compared", others(total - failures, "compared"), stderr
    )


def describe(comparison, names: list[str], words: bool = False) -> str:
    """A sentence's comparison for people: the sentence, both translations, the agreement in percent."""
    width = max(len(name) for name in names)
    found = comparison.agreement
    lines = [
        comparison.sentence,
        f"  {names[0].ljust(width)}  {comparison.translation_a}",
        f"  {names[1].ljust(width)}  {comparison.translation_b}",
        f"  agreement on {names[0]}'s {len(found.output_words)} words: same most-attended source word "
        f"{_percent(found.same_best)}, links {_percent(found.link_agreement)} (1 - AER), "
        f"shared attention {_percent(found.overlap)}",
    ]
    if words:
        out_width = max(len(w) for w in found.output_words)
        for word, best_a, best_b in zip(found.output_words, found.best_a, found.best_b, strict=True):
            mark = "" if best_a == best_b else "   differs"
            lines.append(
                f"    {word.ljust(out_width)}  {names[0]}: {found.source_words[best_a]}  "
                f"{names[1]}: {found.source_words[best_b]}{mark}"
            )
    return "\n".join(lines)


def _name(folder: str) -> str:
    from pathlib import Path

    return Path(folder).name


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"
