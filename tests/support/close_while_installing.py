"""Open the app, start installing a model (a fake install), close the window mid-install, and leave the way the
real app leaves.

    ATTEND_MODELS_DIR=EMPTY python -m tests.support.close_while_installing STEP MODELS_DIR SETTINGS_INI

STEP is "reporting" (the install reports progress every 10 ms: the cancel check ends it at once) or "stuck" (it is
inside one long step that reports nothing, as a conversion can be). Prints "CLOSING <time.monotonic()>" just
before the window is closed; the parent test checks the exit."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.gui import install_worker
from desktop_app.gui.app import leave
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Settings

from .qt_signals import after

TIMEOUT_S = 60


def fake_install(step: str):
    def install(name: str, force: bool = False, progress=None) -> Path:
        progress(f"downloading {name}", None)
        if step == "stuck":
            threading.Event().wait(TIMEOUT_S)  # one step that never reports back (nor checks for cancelling)
        for index in range(TIMEOUT_S * 100):
            progress(f"downloading {name}", index / (TIMEOUT_S * 100))
            time.sleep(0.01)
        raise AssertionError("the install was never cancelled")

    return install


def main(step: str, models: str, settings_file: str) -> int:
    app = QApplication(sys.argv[:1])
    install_worker.install = fake_install(step)
    window = MainWindow(Settings(QSettings(settings_file, QSettings.Format.IniFormat)), model_roots=[Path(models)])

    def close() -> None:
        print(f"CLOSING {time.monotonic():.6f}", flush=True)
        window.close()

    trigger = after(window.install_thread.worker.progress, 1 if step == "stuck" else 5, close)  # noqa: F841
    QTimer.singleShot(100, lambda: window.show_install_dialog("whisper-tiny.en").start())
    QTimer.singleShot(TIMEOUT_S * 1000, lambda: (print("NEVER REACHED THE STATE", flush=True), app.exit(3)))
    window.show()
    return leave(app.exec())


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
