"""Cyclic garbage is collected on the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate. When a worker thread
triggers it and the garbage holds a Qt object (a closed window's wrappers, say), the object is
destroyed off the GUI thread and Qt crashes. So the app turns automatic collection off and a
timer on the GUI thread collects, generation by generation, with Python's own thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250


class GuiThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose count is over its threshold; -> generation or None."""
        counts = gc.get_count()
        due = [generation for generation in range(3) if counts[generation] > self.thresholds[generation]]
        if not due:
            return None
        gc.collect(max(due))
        return max(due)


def collect_garbage_on_gui_thread() -> None:
    """Install the collector once per application (call on the GUI thread)."""
    app = QCoreApplication.instance()
    if app.findChild(GuiThreadGarbageCollector) is None:
        GuiThreadGarbageCollector(app)
