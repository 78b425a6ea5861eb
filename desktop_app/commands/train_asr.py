"""attend train-asr --config CONFIG --out runs/NAME: train (or resume) a speech recognizer and export it."""

from __future__ import annotations

import argparse

from ._training import add_init_from_argument, add_training_parser, run_training


def add_parser(subparsers, name: str) -> None:
    parser = add_training_parser(
        subparsers,
        name,
        "train a speech recognizer from a config file (resumes an interrupted run)",
        "Train a listen-attend-spell recognizer with a joint CTC loss on speech manifests "
        "(see attend make-speech-corpus). Re-running the same command resumes from the run folder. "
        "Multi-process: torchrun --nproc_per_node N -m desktop_app train-asr ...",
        "YAML training config (see configs/asr/)",
        "folder that relative manifest paths resolve against",
    )
    add_init_from_argument(parser, "models/asr-en", "units and feature statistics")


def run(args: argparse.Namespace) -> int:
    from desktop_app.training.asr_config import load_asr_config
    from desktop_app.training.asr_task import SpeechTask

    return run_training(args, "train-asr", load_asr_config, SpeechTask)
