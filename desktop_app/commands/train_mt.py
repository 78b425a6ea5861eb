"""attend train-mt --config CONFIG --out runs/NAME: train (or resume) a translation model and export it."""

from __future__ import annotations

import argparse

from ._training import add_init_from_argument, add_training_parser, run_training


def add_parser(subparsers, name: str) -> None:
    parser = add_training_parser(
        subparsers,
        name,
        "train a translation model from a config file (resumes an interrupted run)",
        "Train a translation model. Re-running the same command resumes from the run "
        "folder's checkpoint. Multi-process: torchrun --nproc_per_node N -m desktop_app train-mt ...",
        "YAML/JSON training config (see configs/mt/)",
        "folder that relative corpus paths resolve against",
    )
    add_init_from_argument(parser, "models/en-de-transformer", "tokenizer")


def run(args: argparse.Namespace) -> int:
    from desktop_app.training.config import load_train_config
    from desktop_app.training.mt_task import TranslationTask

    return run_training(args, "train-mt", load_train_config, TranslationTask)
