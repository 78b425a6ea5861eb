"""Command-line options, and the exit statuses, that several commands share."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

PRECISION_CHOICES = ("auto", "float32", "int8")  # as desktop_app.seq2seq.quantize.PRECISIONS (torch-free here)


def add_precision_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--precision",
        choices=PRECISION_CHOICES,
        default="auto",
        help="int8 = dynamic quantisation; auto = what the model folder says (default)",
    )


def add_beam_threshold_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--beam-threshold",
        type=float,
        default=None,
        metavar="T",
        help="beam search drops hypotheses more than T (summed log-probability) below the best "
        "(0 = never; default: the model's own)",
    )


def add_length_penalty_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--length-penalty",
        type=float,
        default=None,
        metavar="A",
        help="rank hypotheses by summed log-probability / length ** A (1 = the mean per token, "
        "0 = the plain sum, which favours shorter ones; default: the model's own)",
    )


def add_ilm_weight_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ilm-weight",
        type=float,
        default=None,
        metavar="W",
        help="subtract W x the recognizer's internal language-model estimate (its decoder without "
        "the audio) from each token's score, so that the language model's view of the text counts "
        "instead of the training transcripts' (0 = off; default: the model's own)",
    )


INFERENCE_THREADS = 1  # as desktop_app.seq2seq.quantize.INFERENCE_THREADS (torch-free here; bundle_asr.py reads it too)


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads",
        type=int,
        default=INFERENCE_THREADS,
        help=f"CPU threads for decoding (default {INFERENCE_THREADS}: on 2 cores one thread decodes faster than two)",
    )


def model_folder(text: str) -> str:
    """argparse type: a path as given (an existing one, or one with a folder in it: the loader reports it), else
    the name of a bundled or installed model ("asr-en", "whisper-tiny.en"), as that folder's path."""
    if Path(text).exists() or Path(text).name != text:
        return text
    from desktop_app.catalog import find_model  # imports the model library: only when a name needs it
    from desktop_app.seq2seq.errors import ModelFolderError

    try:
        return str(find_model(text))
    except ModelFolderError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (a beam of 0 or -1 is refused, not replaced)."""
    return _at_least(text, 1)


def count_or_all(text: str) -> int:
    """argparse type: a whole number of at least 0 (0 = no limit)."""
    return _at_least(text, 0)


def _at_least(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, not {value}")
    return value


# Exit statuses of every command: a batch (lines of standard input, audio files, a test set) finishes its good
# items and prints their results either way; SKIPPED says that some of its items were reported and left out.
# USAGE: a bad option, model folder or input file, or a test set with nothing to score: no result at all
# (a transcription or translation with no good item is still SKIPPED: each item's result is its own).
EVERY_ITEM, SKIPPED, USAGE = 0, 1, 2


def finish_batch(command: str, bad: int, total: int, what: str, rest: str, stderr: TextIO | None = None) -> int:
    """The exit status of a batch of `total` items of which `bad` were reported on standard error
    (one line each) and left out; with bad ones in a batch of more than one, first a final line that
    sums them up, e.g. "attend eval-asr: 2 of 400 utterances skipped (see above); the scores are over the
    other 398". what: e.g. "utterances skipped"; rest: what became of the others."""
    if not bad:
        return EVERY_ITEM
    if total > 1:
        print(f"attend {command}: {bad} of {total} {what} (see above); {rest}", file=stderr or sys.stderr)
    return SKIPPED


def others(count: int, done: str) -> str:
    """'the other 2 were translated', 'the other one was translated', 'none of the others was translated'."""
    if count == 0:
        return f"none of the others was {done}"
    return f"the other one was {done}" if count == 1 else f"the other {count} were {done}"
