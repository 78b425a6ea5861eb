"""The main window: tabs, menus, status bar, remembered geometry, clean shutdown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget

from desktop_app import __version__
from desktop_app.catalog import BUNDLED_MODELS
from desktop_app.installing.user_folder import user_models_dir

from .dictate_tab import DictateTab
from .dictate_worker import DictateWorker
from .garbage import collect_garbage_on_gui_thread
from .install_dialog import InstallDialog
from .install_worker import InstallWorker
from .settings import Key, Settings
from .translate_tab import TranslateTab
from .translate_worker import TranslateWorker
from .workers import WorkerThread, stop_all

CLOSE_WAIT_MS = 500  # how long closing waits for the workers to finish their current step

ABOUT = f"""<h3>Attend {__version__}</h3>
<p>Translate typed text and transcribe dictated speech with sequence-to-sequence models that
ship with the app, and watch where each model attends.</p>
<p><b>Data credits.</b> Translation models are trained on sentences from the
<a href="https://tatoeba.org">Tatoeba project</a> as packaged by
<a href="https://www.manythings.org/anki/">manythings.org</a> (CC-BY 2.0) and on Multi30k
(Elliott et al., 2016). Speech models use Mini LibriSpeech (CC BY 4.0), CMU AN4, LJ Speech (public
domain), the Free Spoken Digit Dataset (CC BY-SA 4.0) and Speech Commands background noise
(CC BY 4.0). Each model's card lists exactly what it was trained on.</p>"""


class MainWindow(QMainWindow):
    def __init__(
        self, settings: Settings | None = None, model_roots: list[Path] | None = None, audio_source_factory=None
    ):
        """model_roots: folders whose model folders the pickers list (by default the bundled models and the
        user's installed ones; a model installed from the window is listed wherever it goes)."""
        super().__init__()
        collect_garbage_on_gui_thread()  # before any worker thread starts
        self.setWindowTitle("Attend")
        self.settings = settings or Settings()
        roots = model_roots if model_roots is not None else [BUNDLED_MODELS, user_models_dir()]
        self.translate_thread = WorkerThread(TranslateWorker(), "translate-worker")
        self.translate_tab = TranslateTab(self.translate_thread.worker, self.settings, roots)
        self.dictate_thread = WorkerThread(DictateWorker(), "dictate-worker")
        self.dictate_tab = DictateTab(self.dictate_thread.worker, self.settings, roots, audio_source_factory)
        self.install_thread = WorkerThread(InstallWorker(), "install-worker")
        self.install_dialog: InstallDialog | None = None  # made when first asked for
        self.tabs = QTabWidget()
        self.tabs.addTab(self.translate_tab, "&Translate")
        self.tabs.addTab(self.dictate_tab, "&Dictate")
        self.setCentralWidget(self.tabs)
        for tab in (self.translate_tab, self.dictate_tab):
            tab.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.dictate_tab.translateRequested.connect(self.translate_text)
        self.dictate_tab.installRequested.connect(self.show_install_dialog)
        self.install_thread.worker.installed.connect(self._on_installed)
        self._menus()
        self._restore()
        self.statusBar().showMessage("Ready")

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Open &model folder…", self.translate_tab.picker.open_folder, "Ctrl+O")
        self._action(file_menu, "&Install a model…", lambda: self.show_install_dialog())
        export = file_menu.addMenu("&Export heatmap")
        for kind in ("png", "svg", "json"):
            self._action(export, kind.upper() + "…", lambda checked=False, k=kind: self.translate_tab._export(k))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        self._action(edit_menu, "Copy &translation", self.translate_tab.copy_output, "Ctrl+Shift+C")
        translate_menu = self.menuBar().addMenu("&Translate")
        self._action(translate_menu, "&Translate now", self.translate_tab.translate_now)
        self._action(translate_menu, "&Stop", self.translate_tab.stop, "Esc")
        self._action(translate_menu, "S&wap direction", self.translate_tab.swap, "Ctrl+Shift+S")
        dictate_menu = self.menuBar().addMenu("&Dictate")
        self._action(dictate_menu, "&Record / stop", self.dictate_tab.toggle_recording)
        self._action(dictate_menu, "&Open audio file…", self.dictate_tab.open_file, "Ctrl+Shift+O")
        self._action(dictate_menu, "Refresh &microphones", self.dictate_tab.refresh_devices)
        self._action(dictate_menu, "&Translate the transcript", lambda: self.translate_text(self.dictate_tab.text()))
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "Model &card", self.translate_tab.picker.show_card, "F1")
        self._action(help_menu, "&About Attend", self.about)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def translate_text(self, text: str) -> None:
        if not text.strip():
            self.statusBar().showMessage("There is no transcript to translate yet", 8000)
            return
        self.tabs.setCurrentWidget(self.translate_tab)
        self.translate_tab.set_source_text(text)

    def show_install_dialog(self, select: str = "") -> InstallDialog:
        """The dialog listing the models that can be installed; `select` (a catalog name) chosen in it."""
        if self.install_dialog is None:
            self.install_dialog = InstallDialog(self.install_thread.worker, self)
        self.install_dialog.show_models(select)
        return self.install_dialog

    def _on_installed(self, job: int, name: str, folder: str) -> None:
        """A model was installed: the pickers list it, and the Dictate tab uses a speech model at once."""
        self.translate_tab.picker.add_root(Path(folder).parent)
        self.dictate_tab.use_installed(folder)
        self.statusBar().showMessage(f"Installed {name}", 8000)

    def about(self) -> None:
        QMessageBox.about(self, "About Attend", ABOUT)

    def _restore(self) -> None:
        geometry = self.settings.get(Key.GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 760)
        self.tabs.setCurrentIndex(int(self.settings.get(Key.TAB, 0, int)))

    def closeEvent(self, event) -> None:
        self.settings.set(Key.GEOMETRY, self.saveGeometry())
        self.settings.set(Key.TAB, self.tabs.currentIndex())
        self.translate_tab.save_settings()
        self.settings.sync()
        self.translate_tab.debounce.stop()
        self.dictate_tab.shutdown()
        if self.install_dialog is not None:
            self.install_dialog.reject()  # cancels an install at its next step
        # All at once, within one deadline: the process must be gone within a second of closing. A model still
        # loading (or an install in a step that cannot stop) outlives the window (app.leave() then ends the
        # process); nothing of the user's is in it, and an install cut short leaves no model folder behind.
        stop_all([self.translate_thread, self.dictate_thread, self.install_thread], timeout_ms=CLOSE_WAIT_MS)
        super().closeEvent(event)
