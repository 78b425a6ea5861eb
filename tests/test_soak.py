"""Long use in one window: a thousand translations with their heatmaps, hundreds of hovers and a long
audio file. Memory stays flat and nothing aborts. (Short tests missed an abort that came after 183
translations or 4.5 s of hovering: a Qt for Python reference-count bug, see test_refcounts.py.)"""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from desktop_app.gui import dictate_tab as dictate_tab_module

from .conftest import SOURCES, TARGETS, open_window

TRANSLATIONS, HOVERS, FILE_MINUTES = 1000, 500, 5
RSS_GROWTH_LIMIT_MB = 20.0


def _rss_mb() -> float:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _translate(qtbot, tab, text: str) -> None:
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=lambda job, done: job == tab.job and done):
        tab.set_source_text(text)


def _hover_everywhere(heatmap, count: int) -> None:
    geometry = heatmap._geometry()
    rows, columns = max(1, geometry.rows), max(1, geometry.columns)
    for i in range(count):
        row, column = (i // columns) % rows, i % columns
        point = QPointF(geometry.left + (column + 0.5) * geometry.cell, geometry.top + (row + 0.5) * geometry.cell)
        QApplication.sendEvent(
            heatmap,
            QMouseEvent(
                QEvent.Type.MouseMove,
                point,
                heatmap.mapToGlobal(point),
                Qt.MouseButton.NoButton,
                Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
            ),
        )
        QApplication.processEvents()  # paints what the hover changed


def _transcribe(qtbot, tab, path: Path) -> None:
    with qtbot.waitSignal(tab.finished, timeout=600000, check_params_cb=lambda job, done: job == tab.job and done):
        tab.transcribe_file(str(path))


@pytest.mark.parametrize("tiny_folder", ["transformer"], indirect=True)
def test_hours_of_use_in_one_window_keep_memory_flat(qtbot, tiny_folder, tiny_asr, tmp_path, monkeypatch):
    monkeypatch.setattr(dictate_tab_module, "recordings_folder", lambda: tmp_path / "recordings")
    window = open_window(qtbot, tmp_path, tiny_folder.folder, tiny_folder.folder.name)
    (tmp_path / "models" / "asr").symlink_to(tiny_asr.folder, target_is_directory=True)
    window.dictate_tab.picker.refresh()  # the speech model joined the folder after the window opened
    translate, dictate = window.translate_tab, window.dictate_tab
    translate.as_you_type.setChecked(False)
    speech = [soundfile.read(wav, dtype="float32")[0] for wav in tiny_asr.wavs]
    pause = np.zeros(8000, np.float32)
    one_round = np.concatenate([part for s in speech for part in (s, pause)])
    long_file = tmp_path / "long.wav"
    soundfile.write(long_file, np.tile(one_round, int(FILE_MINUTES * 60 * 16000 / one_round.size) + 1), 16000)
    short_file = tmp_path / "short.wav"
    soundfile.write(short_file, one_round, 16000)

    for i in range(50):  # warm-up: models loaded, caches and pools filled
        _translate(qtbot, translate, SOURCES[i % len(SOURCES)])
    _hover_everywhere(translate.heatmap, 50)
    window.tabs.setCurrentWidget(dictate)
    _transcribe(qtbot, dictate, short_file)
    window.tabs.setCurrentWidget(translate)
    before = _rss_mb()

    for i in range(TRANSLATIONS):
        _translate(qtbot, translate, SOURCES[i % len(SOURCES)])
        if i % 2 == 0:
            _hover_everywhere(translate.heatmap, 1)
    assert translate.output.toPlainText() == TARGETS[(TRANSLATIONS - 1) % len(SOURCES)]
    _hover_everywhere(translate.heatmap, HOVERS)
    window.tabs.setCurrentWidget(dictate)
    _transcribe(qtbot, dictate, long_file)
    duration = soundfile.info(long_file).duration
    rounds = duration / (one_round.size / 16000)  # each round: the four tiny-model sentences
    assert dictate.finals[-1].end > duration - 5 and len(dictate.finals) >= rounds, (  # the whole file was heard
        dictate.finals[-1].end,
        len(dictate.finals),
        Counter(f.text for f in dictate.finals),
    )
    after = _rss_mb()
    window.close()
    assert after - before < RSS_GROWTH_LIMIT_MB, f"RSS grew from {before:.1f} to {after:.1f} MB"
