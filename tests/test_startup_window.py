"""Start-up: the window comes up before the model library is imported, and its tabs follow (issue 41)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Key, Settings

ROOT = Path(__file__).parents[1]
HEAVY = ("torch", "sentencepiece", "librosa", "safetensors", "desktop_app.seq2seq")

SHOW_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication
import desktop_app.cli
from desktop_app.gui.app import MainWindow
app = QApplication([])
window = MainWindow(load_later=True)
window.show()
app.processEvents()
print(" ".join(name for name in {heavy!r} if name in sys.modules))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))


def test_the_window_is_shown_without_importing_the_model_library(tmp_path):
    script = SHOW_WINDOW.format(heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""  # none of them


@pytest.fixture
def settings(tmp_path):
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def test_placeholders_until_the_tabs_are_loaded_behind_the_window(qtbot, tiny_folder, settings):
    settings.set(Key.TAB, 1)
    window = MainWindow(settings, model_roots=[tiny_folder.folder.parent], load_later=True)
    qtbot.addWidget(window)
    window.show()
    assert isinstance(window.tabs.widget(0), QLabel) and window.translate_tab is None
    assert not window.stop_action.isEnabled()  # nothing to stop yet, and no tab to ask
    with qtbot.waitSignal(window.tabsReady, timeout=60000):
        window.load_in_background()
    assert window.tabs.widget(0) is window.translate_tab and window.tabs.widget(1) is window.dictate_tab
    assert window.tabs.currentIndex() == 1  # the remembered tab
    assert window.stop_action.isEnabled()
    assert [entry.folder for entry in window.translate_tab.picker.entries()] == [tiny_folder.folder]
    qtbot.waitUntil(lambda: window.preload_thread.thread.isFinished(), timeout=5000)
    window.close()


def test_closing_while_loading_builds_nothing_and_ends_the_loader(qtbot, tiny_folder, settings):
    window = MainWindow(settings, model_roots=[tiny_folder.folder.parent], load_later=True)
    qtbot.addWidget(window)
    window.show()
    window.load_in_background()
    window.close()
    qtbot.waitUntil(lambda: window.preload_thread.thread.isFinished(), timeout=5000)
    assert window.translate_tab is None
    assert settings.get(Key.TAB, -1, int) == 0


def test_the_app_reports_its_start_up_for_the_benchmark(tmp_path):
    """benchmarks/startup.py's probe: the window is painted first, the tabs follow, then the app quits."""
    env = dict(_env(tmp_path), ATTEND_STARTUP_PROBE="1")
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    marks = dict(line.split() for line in result.stdout.splitlines() if line.split()[0] in ("SHOWN", "READY"))
    assert float(marks["SHOWN"]) <= float(marks["READY"])
