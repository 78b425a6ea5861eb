"""attend train-lm --config CONFIG --out runs/NAME: train (or resume) a language model for shallow fusion."""

from __future__ import annotations

import argparse

from ._training import add_init_from_argument, add_training_parser, run_training


def add_parser(subparsers, name: str) -> None:
    parser = add_training_parser(
        subparsers,
        name,
        "train a language model over a speech recognizer's units (resumes an interrupted run)",
        "Train a recurrent language model on text, in the output units of a speech recognizer, "
        "for shallow fusion in decoding. Re-running the same command resumes from the run folder. "
        "Put the exported folder into a speech model with scripts/bundle_asr.py --lm.",
        "YAML training config (see configs/lm/lm-en-large.yaml)",
        "folder that relative text and manifest paths resolve against",
    )
    add_init_from_argument(parser, "models/asr-en/lm", "units (the word list is rebuilt from the config's text)")


def run(args: argparse.Namespace) -> int:
    from desktop_app.training.lm_config import load_lm_config
    from desktop_app.training.lm_task import LanguageModelTask

    return run_training(args, "train-lm", load_lm_config, LanguageModelTask)
