"""Start the desktop app."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from .main_window import MainWindow


def run_app(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("Attend")
    app.setOrganizationName("Attend")
    app.setStyle("Fusion")  # follows the system's light or dark palette
    window = MainWindow()
    window.show()
    return app.exec()
