"""Qt for Python must keep Python's reference counts right.

PySide6 6.12.0 on CPython 3.11 drops one reference to None on many void calls (QPainter.fillRect,
QWidget.update, QLabel.setText, ...) and one to True on every Signal.emit(). None starts with about
60,000 references, so the app aborted with "Fatal Python error: none_dealloc" after seconds of
hovering over a heatmap. These tests count the references around thousands of repaints, hovers
and signals and fail on a steady drop, in rounds, before the count can reach zero and abort.
(On CPython 3.12+ None and True are immortal and their counts never move: the tests pass there.)
"""

from __future__ import annotations

import gc
import sys

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal, Slot
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel

from desktop_app.alignment import Alignment
from desktop_app.gui.heatmap import HeatmapWidget

ROUNDS, PER_ROUND = 10, 300
TOLERANCE = 1000  # references that come and go with ordinary objects; a leak of one per call is 3,000 here


def _counts() -> tuple[int, int]:
    gc.collect()  # garbage from earlier tests, freed now rather than in the middle of a measurement
    return sys.getrefcount(None), sys.getrefcount(True)


def _assert_no_steady_drop(action) -> None:
    """Run `action(i)` ROUNDS x PER_ROUND times; fail as soon as None's or True's count falls by more
    than TOLERANCE (long before it could reach zero)."""
    for i in range(PER_ROUND):  # warm-up: caches, lazily created wrappers
        action(i)
    QApplication.processEvents()
    none_before, true_before = _counts()
    for round_ in range(ROUNDS):
        for i in range(PER_ROUND):
            action(i)
        QApplication.processEvents()
        none_now, true_now = _counts()
        lost = (none_before - none_now, true_before - true_now)
        assert max(lost) <= TOLERANCE, (
            f"after {(round_ + 1) * PER_ROUND} calls None lost {lost[0]} and True lost {lost[1]} references: "
            "this Qt for Python / Python pair drops references (see pyproject.toml)"
        )


@pytest.fixture
def heatmap(qtbot):
    rng = np.random.default_rng(0)
    alignment = Alignment([f"▁src{i}" for i in range(14)])
    for row in range(12):
        alignment.append(f"▁out{row}", rng.dirichlet(np.ones(14)).astype(np.float32))
    widget = HeatmapWidget()
    widget.set_alignment(alignment)
    widget.resize(700, 500)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_heatmap_repaints_keep_reference_counts(heatmap):
    _assert_no_steady_drop(lambda i: heatmap.repaint())


def test_hovering_the_heatmap_keeps_reference_counts(heatmap):
    geometry = heatmap._geometry()
    points = [
        QPointF(geometry.left + (c + 0.5) * geometry.cell, geometry.top + (r + 0.5) * geometry.cell)
        for r in range(12)
        for c in range(14)
    ]
    points += [QPointF(geometry.left + 5, geometry.top - 10), QPointF(5, geometry.top + 5)]  # labels

    def hover(i: int) -> None:
        point = points[i % len(points)]
        event = QMouseEvent(
            QEvent.Type.MouseMove,
            point,
            heatmap.mapToGlobal(point),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(heatmap, event)
        if i % 10 == 0:
            heatmap.repaint()

    seen = []
    heatmap.hovered.connect(seen.append)
    _assert_no_steady_drop(hover)
    assert any("attends to" in text for text in seen)  # the hovers reached the widget


class _Emitter(QObject):
    token = Signal(int, int, str, str, object, object)  # as TranslateWorker.tokenReady
    done = Signal(int, bool)


class _Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    @Slot(int, int, str, str, object, object)
    def on_token(self, *args):
        self.count += 1

    @Slot(int, bool)
    def on_done(self, *args):
        self.count += 1


def test_signals_and_void_calls_keep_reference_counts(qtbot):
    emitter, receiver, label = _Emitter(), _Receiver(), QLabel()
    qtbot.addWidget(label)
    emitter.token.connect(receiver.on_token)
    emitter.done.connect(receiver.on_done)
    row = np.ones(5, np.float32)

    def emit(i: int) -> None:
        emitter.token.emit(1, 0, "▁piece", "▁piece", row, None)
        emitter.done.emit(1, True)
        label.setText(f"token {i}")
        label.update()

    _assert_no_steady_drop(emit)
    assert receiver.count == 2 * PER_ROUND * (ROUNDS + 1)
