"""Record from the default microphone into RECORDINGS_DIR until killed.

    python -m tests.support.record_until_killed MODELS_DIR SETTINGS_INI RECORDINGS_DIR

Prints "RECORDING <path>" once the recording starts and "CAPTURED <seconds>" after each 100 ms chunk
has been written (the worker writes a chunk before it reports its level)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.gui import dictate_tab
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Settings

from .qt_signals import EveryTime


def main(models: str, settings_file: str, recordings: str) -> int:
    app = QApplication(sys.argv[:1])
    dictate_tab.recordings_folder = lambda: Path(recordings)
    window = MainWindow(Settings(QSettings(settings_file, QSettings.Format.IniFormat)), model_roots=[Path(models)])
    tab = window.dictate_tab

    def start() -> None:
        tab.refresh_devices()  # the sound server may have started after PortAudio first listed devices
        tab.start_recording()
        print(f"RECORDING {tab.recording_path}", flush=True)

    counter = EveryTime(tab.worker.level, lambda chunks: print(f"CAPTURED {chunks / 10:.1f}", flush=True))  # noqa: F841
    QTimer.singleShot(0, start)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
