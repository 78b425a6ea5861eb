"""What train-mt, train-asr and train-lm share: their options and the train-then-export run."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from pathlib import Path


def add_training_parser(
    subparsers, name: str, summary: str, description: str, config_help: str, root_help: str
) -> argparse.ArgumentParser:
    """The sub-command `name` with the options every training command takes."""
    parser = subparsers.add_parser(name, help=summary, description=description)
    add_training_arguments(parser, config_help, root_help)
    return parser


PRECISIONS = ("auto", "bfloat16", "float32")


def add_training_arguments(parser: argparse.ArgumentParser, config_help: str, root_help: str) -> None:
    parser.add_argument("--config", required=True, help=config_help)
    parser.add_argument("--out", required=True, help="run folder for checkpoints, logs and the exported model")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (CUDA trains in bfloat16 autocast)")
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="auto: bfloat16 autocast on CUDA, float32 on CPU; bfloat16: autocast on either "
        "(on CPUs with AVX512-BF16 or AMX: LAS training steps 1.60x faster); "
        "float32: no autocast",
    )
    parser.add_argument("--data-root", default=None, help=root_help)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads per process (0 = torch default)")
    parser.add_argument("--epochs", type=int, default=0, help="override the config's number of epochs")
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        metavar="LR",
        help="override the config's peak learning rate, e.g. to carry on from --init-from at a "
        "lower rate; give it again when resuming (the exported config records it)",
    )
    parser.add_argument("--export-only", action="store_true", help="skip training; export the run's model")


def add_init_from_argument(parser: argparse.ArgumentParser, example: str, what: str) -> None:
    """--init-from: a new run begins with an exported model folder's weights (`what` it also takes)."""
    parser.add_argument(
        "--init-from",
        type=Path,
        default=None,
        metavar="MODEL_FOLDER",
        help=f"start a new run from an exported model folder (e.g. {example}): its weights, {what}; "
        "the epoch count and history carry on, the optimizer starts fresh and warms up again. "
        "Ignored when the run folder has a checkpoint",
    )


def run_training(args: argparse.Namespace, command: str, load_config: Callable, make_task: Callable) -> int:
    """Load the config, train (resuming if the run folder has a checkpoint), export. -> exit code"""
    import torch

    from desktop_app.seq2seq.errors import ModelFolderError
    from desktop_app.seq2seq.model_folder import read_folder_config
    from desktop_app.training.config import to_dict
    from desktop_app.training.trainer import Trainer

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"attend {command}: error: --device cuda but no CUDA GPU is available", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config)
    except (OSError, ValueError) as error:
        print(f"attend {command}: error: {error}", file=sys.stderr)
        return 2
    if args.epochs:
        config.training.epochs = args.epochs
    if args.learning_rate is not None:
        if not args.learning_rate > 0:
            print(
                f"attend {command}: error: --learning-rate must be above 0, not {args.learning_rate}", file=sys.stderr
            )
            return 2
        config.training.learning_rate = args.learning_rate
    if args.precision == "bfloat16" and args.device == "cpu":
        failure = _cpu_bfloat16_lstm_failure()
        if failure:
            print(
                f"attend {command}: error: this CPU cannot run LSTM layers in bfloat16 ({failure}); "
                "train with --precision float32",
                file=sys.stderr,
            )
            return 2
        if _cpu_lacks_bfloat16():
            print(
                f"attend {command}: warning: this CPU has no native bfloat16 (AVX512-BF16 or AMX); "
                "--precision bfloat16 will train slower than float32",
                file=sys.stderr,
            )
    log = lambda message: print(message, flush=True)  # noqa: E731
    task = make_task(config, data_root=args.data_root, log=log)
    init_from = getattr(args, "init_from", None)
    if init_from is not None:
        try:
            read_folder_config(init_from)  # before any data is read: a bad folder fails at once
        except ModelFolderError as error:
            print(f"attend {command}: error: --init-from {init_from}: not a model folder ({error})", file=sys.stderr)
            return 2
    trainer = Trainer(
        task,
        config.training,
        to_dict(config),
        args.out,
        device=args.device,
        log=log,
        precision=args.precision,
        init_from=init_from,
    )
    if not args.export_only:
        try:
            trainer.train()
        except ModelFolderError as error:
            print(f"attend {command}: error: {error}", file=sys.stderr)
            return 2
    if trainer.dist.is_main:
        given = getattr(args, "argv", sys.argv[1:])
        training_arguments = _with_epochs([a for a in given if a != "--export-only"], trainer.trained_epochs())
        trainer.export(command="attend " + " ".join(shlex.quote(a) for a in training_arguments))
    return 0


def _with_epochs(arguments: list[str], trained: int) -> list[str]:
    """The command that trains these weights: `--epochs` set to the epochs the run has trained (an export of a run
    still going, `--export-only`, would otherwise record the command that goes on to the config's last epoch)."""
    if "--epochs" in arguments:
        at = arguments.index("--epochs")
        return [*arguments[: at + 1], str(trained), *arguments[at + 2 :]]
    return [*arguments, "--epochs", str(trained)]


def _cpu_bfloat16_lstm_failure() -> str | None:
    """Runs a tiny LSTM step under CPU bfloat16 autocast, as training would. -> oneDNN's complaint, or None
    (CPUs with AVX2 only, e.g. some AMD EPYC, have no oneDNN bfloat16 LSTM kernel: a whole-sequence LSTM call,
    as the language model makes on every batch and the encoders on a batch without padding, would crash)."""
    import torch

    lstm = torch.nn.LSTM(4, 4, batch_first=True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            lstm(torch.zeros(1, 2, 4))[0].sum().backward()
    except RuntimeError as error:
        return str(error).splitlines()[0].split(". Run workload")[0]
    return None


def _cpu_lacks_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True when the CPU flags (Linux) show neither AVX512-BF16 nor AMX-BF16: autocast would be emulated."""
    try:
        flags = Path(cpuinfo).read_text().split()
    except OSError:
        return False  # not Linux: no way to tell, no warning
    return "avx512_bf16" not in flags and "amx_bf16" not in flags
