"""Start-up timing for benchmarks/startup.py: with ATTEND_STARTUP_PROBE=1 in the environment the app prints
"SHOWN <t>" when its window is first painted and "READY <t>" once both tabs work, then closes.

t is time.monotonic(): CLOCK_MONOTONIC is system-wide on Linux, so the benchmark that spawned the process
subtracts its own reading taken just before the spawn and gets the time from process start, interpreter
start-up included."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

PROBE_ENV = "ATTEND_STARTUP_PROBE"


def wanted() -> bool:
    return os.environ.get(PROBE_ENV) == "1"


class StartupProbe(QObject):
    """Watches the window for its first paint; `ready()` is called when the tabs are built."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window, self.shown, self.is_ready = window, False, False
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if not self.shown and event.type() == QEvent.Type.Paint:
            self.shown = True
            print(f"SHOWN {time.monotonic():.6f}", flush=True)
            self.window.removeEventFilter(self)
            self._close_when_done()
        return False

    def ready(self) -> None:
        print(f"READY {time.monotonic():.6f}", flush=True)
        self.is_ready = True
        self._close_when_done()

    def _close_when_done(self) -> None:
        if self.shown and self.is_ready:
            QTimer.singleShot(0, self.window.close)
