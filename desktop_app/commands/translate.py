"""attend translate --model FOLDER [TEXT ...]: translate text, or standard input line by line."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from desktop_app.seq2seq import DecodeOptions, InputError, ModelFolderError, Translator, load_folder
from desktop_app.seq2seq.alignment import format_alignment
from desktop_app.seq2seq.decoding import Streamed
from desktop_app.seq2seq.quantize import use_inference_threads
from desktop_app.seq2seq.text import split_sentences
from desktop_app.seq2seq.tokenizer import TextEncodingError
from desktop_app.seq2seq.translator import output_warning

from ._options import (
    USAGE,
    add_precision_argument,
    add_threads_argument,
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
    parser.add_argument("--model", required=True, type=model_folder,
                        help="model folder, or the name of a bundled or installed one (attend models), e.g. de-en")
    parser.add_argument("text", nargs="*", help="text to translate; omit to read standard input")
    parser.add_argument("--beam", type=positive_int, default=1, metavar="N",
                        help="beam width (1 = greedy; default 1)")
    parser.add_argument("--nbest", type=int, default=1, metavar="K", help="print the K best translations")
    parser.add_argument("--length-penalty", type=float, default=1.0, metavar="A",
                        help="beam score = log p / length^A (default 1.0)")
    parser.add_argument("--max-length-ratio", type=float, default=2.0, metavar="R",
                        help="stop after R x source length + 10 tokens (default 2.0)")
    add_precision_argument(parser)
    add_threads_argument(parser)
    parser.add_argument("--show-attention", action="store_true",
                        help="after each sentence, print its alignment: output pieces x source pieces, in percent")


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    try:
        if args.text and not " ".join(args.text).strip():
            raise InputError("nothing to translate: the text is empty")
        use_inference_threads(args.threads)
        options = DecodeOptions(beam_size=args.beam, nbest=args.nbest,
                                length_penalty=args.length_penalty, max_length_ratio=args.max_length_ratio)
        translator = Translator.from_loaded(load_folder(args.model, task="translation"), args.precision)
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
    for prefix, sentences in zip(where, sentences_per_line, strict=True):
        text = " ".join(sentences)
        # a line that is not UTF-8 gets its error below, not a warning first
        unreadable = translator.input_warning(text) if text and not _undecodable(text) else None
        if unreadable:
            print(f"attend translate: {prefix}warning: {unreadable}", file=stderr)
        for index, sentence in enumerate(sentences):
            if index:
                stdout.write(" ")
            try:
                cut_short = _translate_one(translator, sentence, options, args, stdout)
                if cut_short:
                    print(f"attend translate: {prefix}warning: {cut_short}", file=stderr)
            except BAD_SENTENCE as error:
                print(f"attend translate: {prefix}{error}", file=stderr)
                failures += 1
        stdout.write("\n")
        stdout.flush()
    total = sum(len(sentences) for sentences in sentences_per_line)
    if args.text:
        return finish_batch("translate", failures, total, "sentences could not be translated",
                            others(total - failures, "translated"), stderr)
    return finish_batch("translate", failures, total, "lines could not be translated",
                        others(total - failures, "translated") + " (an empty line out for each that was not)", stderr)


def _undecodable(text: str) -> bool:
    """Whether stdin held bytes that are not UTF-8 here (read with surrogateescape: U+DC80-U+DCFF)."""
    return any("\udc80" <= char <= "\udcff" for char in text)


def _translate_one(translator: Translator, sentence: str, options: DecodeOptions, args, stdout) -> str | None:
    """Writes the translation; returns why it was cut short (a loop, the length limit), if it was."""
    streamed = Streamed(translator.stream(sentence, options))
    for step in streamed:
        if args.nbest == 1:
            stdout.write(step.piece)
            stdout.flush()
    nbest = streamed.nbest
    if args.nbest > 1:
        stdout.write("\n".join(f"{rank}\t{h.score:.4f}\t{translator.hypothesis_text(h)}"
                               for rank, h in enumerate(nbest, start=1)))
    if args.show_attention:
        output_pieces = translator.target_tokenizer.pieces(nbest[0].token_ids)
        table = format_alignment(translator.source_pieces(sentence), output_pieces, nbest[0].attention)
        stdout.write("\n" + table + "\n")
    return output_warning(nbest[0])
