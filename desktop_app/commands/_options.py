"""Command-line options that several commands share."""

from __future__ import annotations

import argparse

PRECISION_CHOICES = ("auto", "float32", "int8")  # as desktop_app.seq2seq.quantize.PRECISIONS (torch-free here)


def add_precision_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--precision", choices=PRECISION_CHOICES, default="auto",
                        help="int8 = dynamic quantisation; auto = what the model folder says (default)")


def add_beam_threshold_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--beam-threshold", type=float, default=None, metavar="T",
                        help="beam search drops hypotheses more than T (summed log-probability) below the best "
                        "(0 = never; default: the model's own)")


def add_length_penalty_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--length-penalty", type=float, default=None, metavar="A",
                        help="rank hypotheses by summed log-probability / length ** A (1 = the mean per token, "
                        "0 = the plain sum, which favours shorter ones; default: the model's own)")


def add_ilm_weight_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ilm-weight", type=float, default=None, metavar="W",
                        help="subtract W x the recognizer's internal language-model estimate (its decoder without "
                        "the audio) from each token's score, so that the language model's view of the text counts "
                        "instead of the training transcripts' (0 = off; default: the model's own)")


INFERENCE_THREADS = 1  # as desktop_app.seq2seq.quantize.INFERENCE_THREADS (torch-free here; bundle_asr.py reads it too)


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=INFERENCE_THREADS,
                        help=f"CPU threads for decoding (default {INFERENCE_THREADS}: on 2 cores one thread "
                        "decodes faster than two)")
