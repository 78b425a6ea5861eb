"""attend train-asr --config CONFIG --out runs/NAME: train (or resume) a speech recognizer and export it."""

from __future__ import annotations

import argparse
import shlex
import sys

import torch


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="train a speech recognizer from a config file (resumes an interrupted run)",
        description="Train a listen-attend-spell recognizer with a joint CTC loss on speech manifests "
        "(see attend make-speech-corpus). Re-running the same command resumes from the run folder. "
        "Multi-process: torchrun --nproc_per_node N -m desktop_app train-asr ...",
    )
    parser.add_argument("--config", required=True, help="YAML training config (see configs/asr/)")
    parser.add_argument("--out", required=True, help="run folder for checkpoints, logs and the exported model")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (CUDA trains in bfloat16 autocast)")
    parser.add_argument("--data-root", default=None, help="folder that relative manifest paths resolve against")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads per process (0 = torch default)")
    parser.add_argument("--epochs", type=int, default=0, help="override the config's number of epochs")
    parser.add_argument("--export-only", action="store_true", help="skip training; export the run's model")


def run(args: argparse.Namespace) -> int:
    from desktop_app.training.asr_config import load_asr_config
    from desktop_app.training.asr_task import SpeechTask
    from desktop_app.training.config import to_dict
    from desktop_app.training.trainer import Trainer

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("attend train-asr: error: --device cuda but no CUDA GPU is available", file=sys.stderr)
        return 2
    try:
        config = load_asr_config(args.config)
    except (OSError, ValueError) as error:
        print(f"attend train-asr: error: {error}", file=sys.stderr)
        return 2
    if args.epochs:
        config.training.epochs = args.epochs
    log = lambda message: print(message, flush=True)  # noqa: E731
    task = SpeechTask(config, data_root=args.data_root, log=log)
    trainer = Trainer(task, config.training, to_dict(config), args.out, device=args.device, log=log)
    if not args.export_only:
        trainer.train()
    if trainer.dist.is_main:
        trainer.export(command="attend " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    return 0
