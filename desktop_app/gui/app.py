"""Start the desktop app: the window first, the model library behind it (benchmarks/startup.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from . import startup_probe
from .app_log import start_logging, stop_logging
from .main_window import MainWindow
from .workers import threads_still_running

ICON = Path(__file__).resolve().parents[2] / "resources" / "attend.svg"


def run_app(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Attend")
    app.setOrganizationName("Attend")
    app.setStyle("Fusion")  # follows the system's light or dark palette
    app.setWindowIcon(QIcon(str(ICON)))
    data = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    start_logging(Path(data or Path.home() / ".attend"))
    window = MainWindow(load_later=True)  # torch and the tabs load once the window is on screen
    if startup_probe.wanted():
        window.tabsReady.connect(startup_probe.StartupProbe(window).ready)
    window.show()
    window.load_in_background()  # also sets the workers' thread count (seq2seq.quantize.use_inference_threads)
    return leave(app.exec())


def leave(exit_code: int) -> int:
    """After the last window closed. Settings are saved and recordings closed by then; a worker thread that
    is still busy (loading a model, reading a long file) holds nothing of the user's, and waiting for it, or
    letting Python tear down the objects it uses, could hang or abort: the process ends at once instead."""
    stop_logging()
    if threads_still_running():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exit_code)
    return exit_code
