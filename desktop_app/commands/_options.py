"""Command-line options that several commands share."""

from __future__ import annotations

import argparse

PRECISION_CHOICES = ("auto", "float32", "int8")  # as desktop_app.seq2seq.quantize.PRECISIONS (torch-free here)


def add_precision_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--precision", choices=PRECISION_CHOICES, default="auto",
                        help="int8 = dynamic quantisation; auto = what the model folder says (default)")
