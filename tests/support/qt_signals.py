"""Counting a worker's signals on the GUI thread, for the child processes of the tests."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot


class EveryTime(QObject):
    """Calls `action(count)` on the GUI thread each time `signal` fires. A QObject's slot, so a worker's
    signal arrives queued here (a plain function would run on the worker's thread)."""

    def __init__(self, signal, action):
        super().__init__()
        self.count, self.action = 0, action
        signal.connect(self.fired)

    @Slot()
    def fired(self) -> None:
        self.count += 1
        self.action(self.count)


def after(signal, count: int, action) -> EveryTime:
    """Call `action()` once, when `signal` has fired `count` times (keep the returned object alive)."""
    return EveryTime(signal, lambda fired: fired == count and action())
