"""`attend` opens the app; `attend <command> ...` runs a command-line tool."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# command -> its module in desktop_app.commands, imported only when needed: `attend` alone opens the window
# before torch is imported (benchmarks/startup.py)
COMMANDS = {
    "translate": "translate",
    "compare": "compare",
    "train-mt": "train_mt",
    "eval-mt": "eval_mt",
    "train-asr": "train_asr",
    "eval-asr": "eval_asr",
    "train-lm": "train_lm",
    "transcribe": "transcribe",
    "make-speech-corpus": "make_speech_corpus",
    "models": "models",
}


def command_module(name: str):
    return importlib.import_module(f"desktop_app.commands.{COMMANDS[name]}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attend",
        description="Translate and dictate with seq2seq models. Without a command, opens the app.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        command_module(name).add_parser(subparsers, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        from desktop_app.gui.app import run_app

        return run_app()
    args = build_parser().parse_args(argv)
    if args.command is None:
        from desktop_app.gui.app import run_app

        return run_app()
    args.argv = argv  # the command line as given: training records it in the exported model
    try:
        return command_module(args.command).run(args)
    except BrokenPipeError:  # the reader went away (`attend transcribe ... | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush cannot fail again
        return 141  # 128 + SIGPIPE


if __name__ == "__main__":
    raise SystemExit(main())
