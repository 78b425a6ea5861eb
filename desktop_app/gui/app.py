"""Start the desktop app."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop_app.seq2seq.quantize import use_inference_threads

from .main_window import MainWindow

ICON = Path(__file__).resolve().parents[2] / "resources" / "attend.svg"


def run_app(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Attend")
    app.setOrganizationName("Attend")
    app.setStyle("Fusion")  # follows the system's light or dark palette
    app.setWindowIcon(QIcon(str(ICON)))
    use_inference_threads()  # the workers decode fastest on one intra-op thread
    window = MainWindow()
    window.show()
    return app.exec()
