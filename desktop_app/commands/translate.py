"""attend translate --model FOLDER (or --to LANG [--from LANG]) [TEXT ...]: translate text, or stdin line by line.

Explaining options (issue 41): --alternatives K lists the model's K likeliest tokens at each output token,
--prefix TEXT makes each translation start with TEXT, --warnings prints the attention warnings
(seq2seq/attention_warnings.py) on standard error, --alignment pharaoh prints the word alignment.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from typing import TextIO

from desktop_app.alignment import Alignment
from desktop_app.catalog import model_for_direction
from desktop_app.seq2seq import UNK_ID, DecodeOptions, InputError, ModelFolderError, Translator, load_folder
from desktop_app.seq2seq.alignment import format_alignment
from desktop_app.seq2seq.attention_warnings import UNREADABLE, translation_warnings
from desktop_app.seq2seq.decoding import Step, Streamed
from desktop_app.seq2seq.quantize import use_inference_threads
from desktop_app.seq2seq.text import split_sentences
from desktop_app.seq2seq.tokenizer import TextEncodingError
from desktop_app.seq2seq.translator import Translation, output_warning

from ._options import (
    USAGE,
    add_precision_argument,
    add_threads_argument,
    count_or_all,
    finish_batch,
    model_folder,
    others,
    positive_int,
)

# What one sentence's fault is: the batch reports it and goes on with the next
BAD_SENTENCE = (InputError, TextEncodingError)


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="translate text with a model folder",
        description="Translate TEXT (split into sentences), or standard input one sentence per line. "
        "The translation streams to standard output as it is decoded.",
    )
    parser.add_argument(
        "--model",
        type=model_folder,
        help="model folder, or the name of a bundled or installed one (attend models), e.g. de-en",
    )
    parser.add_argument(
        "--to", metavar="LANG", help="instead of --model: the installed model into this language (e.g. fr)"
    )
    parser.add_argument(
        "--from", dest="source", metavar="LANG", default="en", help="with --to: the text's language (default en)"
    )
    parser.add_argument("text", nargs="*", help="text to translate; omit to read standard input")
    parser.add_argument("--beam", type=positive_int, default=1, metavar="N", help="beam width (1 = greedy; default 1)")
    parser.add_argument("--nbest", type=int, default=1, metavar="K", help="print the K best translations")
    parser.add_argument(
        "--length-penalty", type=float, default=1.0, metavar="A", help="beam score = log p / length^A (default 1.0)"
    )
    parser.add_argument(
        "--max-length-ratio",
        type=float,
        default=2.0,
        metavar="R",
        help="stop after R x source length + 10 tokens (default 2.0)",
    )
    add_precision_argument(parser)
    add_threads_argument(parser)
    parser.add_argument(
        "--show-attention",
        action="store_true",
        help="after each sentence, print its alignment: output pieces x source pieces, in percent",
    )
    parser.add_argument(
        "--alternatives",
        type=count_or_all,
        default=0,
        metavar="K",
        help="after each sentence, one line per output token: the token, its probability, and the "
        "model's K likeliest tokens there with theirs (default 0: none)",
    )
    parser.add_argument(
        "--prefix",
        metavar="TEXT",
        help="make the translation of each text or line start with TEXT (in the target language) "
        "and let the model continue from there",
    )
    parser.add_argument(
        "--warnings",
        action="store_true",
        help="print the attention warnings on standard error, one line each: source words that may "
        "be untranslated, output words that may repeat or be made up",
    )
    parser.add_argument(
        "--alignment",
        choices=("pharaoh",),
        help="after each sentence, print its word alignment; pharaoh: source-output word index pairs "
        "i-j (0-based), each output word with the source word it attends to most",
    )


def run(
    args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    try:
        if args.text and not " ".join(args.text).strip():
            raise InputError("nothing to translate: the text is empty")
        use_inference_threads(args.threads)
        options = DecodeOptions(
            beam_size=args.beam,
            nbest=args.nbest,
            length_penalty=args.length_penalty,
            max_length_ratio=args.max_length_ratio,
            alternatives=args.alternatives,
        )
        if bool(args.model) == bool(args.to):
            raise InputError("give either --model NAME or --to LANGUAGE (with --from LANGUAGE, default en)")
        folder = args.model or model_for_direction(args.source, args.to)
        translator = Translator.from_loaded(load_folder(folder, task="translation"), args.precision)
        prefix = _prefix_ids(translator, args.prefix)
        first_options = replace(options, prefix=prefix, max_length_extra=options.max_length_extra + len(prefix))
    except (ModelFolderError, ValueError) as error:
        print(f"attend translate: error: {error}", file=stderr)
        return USAGE
    if args.text:
        where = [""]
        sentences_per_line = [split_sentences(" ".join(args.text))]
    else:
        if hasattr(stdin, "reconfigure"):  # a line in another encoding is reported below, not fatal here
            stdin.reconfigure(errors="surrogateescape")
        lines = [line.rstrip("\n") for line in stdin]
        where = [f"standard input line {number}: " for number in range(1, len(lines) + 1)]
        sentences_per_line = [[line] if line.strip() else [] for line in lines]
    failures = 0
    for where_prefix, sentences in zip(where, sentences_per_line, strict=True):
        text = " ".join(sentences)
        # a line that is not UTF-8 gets its error below, not a warning first
        unreadable = translator.input_warning(text) if text and not _undecodable(text) else None
        if unreadable:
            print(f"attend translate: {where_prefix}warning: {unreadable}", file=stderr)
        explained = []  # the attention warnings, said once the line's output is out
        for index, sentence in enumerate(sentences):
            if index:
                stdout.write("\n" if args.alternatives or args.alignment else " ")
            try:
                cut_short, warnings = _translate_one(
                    translator, sentence, first_options if index == 0 else options, args, stdout
                )
                if cut_short:
                    print(f"attend translate: {where_prefix}warning: {cut_short}", file=stderr)
                explained += warnings
            except BAD_SENTENCE as error:
                print(f"attend translate: {where_prefix}{error}", file=stderr)
                failures += 1
        stdout.write("\n")
        stdout.flush()
        for warning in explained:
            print(f"attend translate: {where_prefix}warning: {warning}", file=stderr)
    total = sum(len(sentences) for sentences in sentences_per_line)
    if args.text:
        return finish_batch(
            "translate",
            failures,
            total,
            "sentences could not be translated",
            others(total - failures, "translated"),
            stderr,
        )
    return finish_batch(
        "translate",
        failures,
        total,
        "lines could not be translated",
        others(total - failures, "translated") + " (an empty line out for each that was not)",
        stderr,
    )


def _undecodable(text: str) -> bool:
    """Whether stdin held bytes that are not UTF-8 here (read with surrogateescape: U+DC80-U+DCFF)."""
    return any("\udc80" <= char <= "\udcff" for char in text)


def _prefix_ids(translator: Translator, text: str | None) -> tuple[int, ...]:
    """--prefix TEXT as target tokens (no end token); () without one."""
    if text is None:
        return ()
    ids = translator.target_tokenizer.encode(text.strip())  # TextEncodingError (a ValueError) for broken text
    if not ids:
        raise InputError("--prefix is empty: give the words the translation should start with")
    if UNK_ID in ids:
        unknown = "".join(c for c in text if c.strip() and UNK_ID in translator.target_tokenizer.encode(c))
        raise InputError(
            f"--prefix holds characters the model cannot write ({unknown or 'unknown pieces'}): "
            "use the target language's own script"
        )
    return tuple(ids)


def _translate_one(
    translator: Translator, sentence: str, options: DecodeOptions, args, stdout
) -> tuple[str | None, list[str]]:
    """Writes the translation and what the options ask for after it; returns why it was cut short (a loop, the
    length limit), if it was, and the attention warnings when asked for."""
    if options.prefix and len(translator.parts(sentence)) > 1:
        raise InputError(
            "this sentence is too long to continue after --prefix (it is translated in parts); "
            "split it into shorter sentences"
        )
    streamed = Streamed(translator.stream(sentence, options))
    steps = []
    for step in streamed:
        steps.append(step)
        if args.nbest == 1:
            stdout.write(step.piece)
            stdout.flush()
    nbest = streamed.nbest
    if args.nbest > 1:
        stdout.write(
            "\n".join(
                f"{rank}\t{h.score:.4f}\t{translator.hypothesis_text(h)}" for rank, h in enumerate(nbest, start=1)
            )
        )
    if args.show_attention:
        output_pieces = translator.target_tokenizer.pieces(nbest[0].token_ids)
        table = format_alignment(translator.source_pieces(sentence), output_pieces, nbest[0].attention)
        stdout.write("\n" + table + "\n")
    if not (args.alignment or args.alternatives or args.warnings):
        return output_warning(nbest[0]), []
    translation = Translation(translator.source_pieces(sentence), steps, nbest)
    if args.alignment == "pharaoh":
        pieces = translator.target_tokenizer.pieces(nbest[0].token_ids)
        stdout.write("\n" + Alignment(translation.source_pieces, pieces, list(translation.attention)).to_pharaoh())
    if args.alternatives and steps:
        stdout.write("\n" + _alternatives(translator, steps, len(options.prefix)))
    warnings = []
    if args.warnings:  # unreadable input was said once for the whole line already
        _, found = translation_warnings(translator, sentence, translation)
        warnings = [warning.message for warning in found if warning.kind != UNREADABLE]
    return output_warning(nbest[0]), warnings


def _alternatives(translator: Translator, steps: list[Step], forced: int) -> str:
    """One line per output token: its piece, its probability (and "forced" within --prefix), then the model's
    likeliest pieces there with their probabilities."""
    piece = translator.target_tokenizer.pieces
    written = piece([step.token_id for step in steps])
    width = max(len(p) for p in written)
    lines = []
    for index, (step, token) in enumerate(zip(steps, written, strict=True)):
        mark = " forced" if index < forced else "       "
        choices = "  ".join(f"{piece([t])[0]} {_percent(lp)}" for t, lp in step.alternatives or [])
        lines.append(f"{token.ljust(width)} {_percent(step.log_prob):>6}{mark}   {choices}")
    return "\n".join(lines)


def _percent(log_prob: float) -> str:
    return f"{100 * math.exp(log_prob):.1f}%"
