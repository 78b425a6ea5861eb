"""The app's log file: where "the details are in the log" points people (and bug reports) to.

Messages for people go to the window; a traceback behind an unexpected failure goes here, to
`attend.log` in the app's data folder (beside recordings/), kept to three files of 1 MB. Warnings and
errors also go to standard error for whoever started the app from a terminal.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_NAME = "attend.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_added: list[logging.Handler] = []  # what start_logging put on the root logger, for stop_logging


def start_logging(folder: Path, level: int = logging.INFO) -> Path | None:
    """Log to folder/attend.log (rotated); returns the file, or None when the folder cannot be written (then
    only standard error gets the messages: a log must never keep the app from starting)."""
    root = logging.getLogger()
    root.setLevel(level)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter(FORMAT))
    _add(console)
    path = Path(folder) / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    _add(handler)
    return path


def _add(handler: logging.Handler) -> None:
    logging.getLogger().addHandler(handler)
    _added.append(handler)


def stop_logging() -> None:
    """Take off and close what start_logging added (at exit, and in tests)."""
    while _added:
        handler = _added.pop()
        logging.getLogger().removeHandler(handler)
        handler.close()
