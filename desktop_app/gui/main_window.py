"""The main window: tabs, menus, status bar, remembered geometry, clean shutdown.

The window can come up before its tabs exist (`MainWindow(load_later=True)`, then `load_in_background()`): it
shows placeholders while PreloadWorker imports the model library, then builds the tabs. Only PySide6 and light
modules are imported here at the top; the tabs' modules are imported when the tabs are built.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget

from desktop_app import __version__

from .garbage import collect_garbage_on_gui_thread
from .settings import Key, Settings
from .workers import WorkerThread, stop_all

CLOSE_WAIT_MS = 500  # how long closing waits for the workers to finish their current step
STATUS_MS = 8000  # how long a message stays in the status bar
TRANSLATE_LABEL, DICTATE_LABEL = "&Translate", "&Dictate"  # Alt+T and Alt+D switch tabs: no menu uses T or D

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
    tabsReady = Signal()  # the tabs are built and every menu item works
    preloadRequested = Signal(int)  # job, to the preload worker's thread

    def __init__(
        self,
        settings: Settings | None = None,
        model_roots: list[Path] | None = None,
        audio_source_factory=None,
        load_later: bool = False,
    ):
        """model_roots: folders whose model folders the pickers list (by default the bundled models and the
        user's installed ones; a model installed from the window is listed wherever it goes).
        load_later: show placeholders until load_in_background() (or build_tabs()) makes the tabs."""
        super().__init__()
        collect_garbage_on_gui_thread()  # before any worker thread starts
        self.setWindowTitle("Attend")
        self.settings = settings or Settings()
        self._model_roots, self._audio_source_factory = model_roots, audio_source_factory
        self.translate_tab = self.dictate_tab = None
        self.translate_thread = self.dictate_thread = self.install_thread = self.preload_thread = None
        self.compare_thread = None
        self.install_dialog = None  # made when first asked for
        self.compare_window = None
        self._tab_status: dict[int, str] = {}  # tab index -> its latest status message
        self._needs_tabs: list[QAction] = []  # menu items that work once the tabs are built
        self.tabs = QTabWidget()
        self.tabs.addTab(_placeholder("Loading the translation models…"), TRANSLATE_LABEL)
        self.tabs.addTab(_placeholder("Loading the speech models…"), DICTATE_LABEL)
        self.setCentralWidget(self.tabs)
        self.tabs.currentChanged.connect(self._show_tab_status)
        self._menus()
        self._restore()
        self.statusBar().showMessage("Loading…" if load_later else "Ready")
        if not load_later:
            self.build_tabs()

    # -- construction -------------------------------------------------------------
    def load_in_background(self) -> None:
        """Import the tabs' modules on a worker thread, then build the tabs (tabsReady)."""
        from .preload_worker import PreloadWorker

        self.preload_thread = WorkerThread(PreloadWorker(), "preload-worker")
        worker = self.preload_thread.worker
        worker.failed.connect(self._on_preload_failed)
        worker.jobFinished.connect(self._on_preloaded)
        self.preloadRequested.connect(worker.preload)
        self.preloadRequested.emit(worker.next_job())

    def _on_preloaded(self, job: int, completed: bool) -> None:
        self.preload_thread.stop()  # its only job is done: the thread is idle and ends at once
        if completed and self.isVisible():  # not after the window closed
            self.build_tabs()

    def _on_preload_failed(self, job: int, message: str) -> None:
        for index in range(self.tabs.count()):
            self.tabs.widget(index).setText(message)
        self.statusBar().showMessage(message)

    def build_tabs(self) -> None:
        from desktop_app.catalog import BUNDLED_MODELS
        from desktop_app.installing.user_folder import user_models_dir

        from .dictate_tab import DictateTab
        from .dictate_worker import DictateWorker
        from .install_worker import InstallWorker
        from .translate_tab import TranslateTab
        from .translate_worker import TranslateWorker

        roots = self._model_roots if self._model_roots is not None else [BUNDLED_MODELS, user_models_dir()]
        self._model_roots = roots
        self.translate_thread = WorkerThread(TranslateWorker(), "translate-worker")
        self.translate_tab = TranslateTab(self.translate_thread.worker, self.settings, roots)
        self.dictate_thread = WorkerThread(DictateWorker(), "dictate-worker")
        self.dictate_tab = DictateTab(self.dictate_thread.worker, self.settings, roots, self._audio_source_factory)
        self.install_thread = WorkerThread(InstallWorker(), "install-worker")
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)  # the placeholders go; the remembered tab stays current
        for index, (tab, label) in enumerate(
            ((self.translate_tab, TRANSLATE_LABEL), (self.dictate_tab, DICTATE_LABEL))
        ):
            placeholder = self.tabs.widget(index)
            self.tabs.removeTab(index)
            placeholder.deleteLater()
            self.tabs.insertTab(index, tab, label)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        for index, tab in enumerate((self.translate_tab, self.dictate_tab)):
            tab.status.connect(lambda text, index=index: self._on_tab_status(index, text))
            tab.picker.refused.connect(lambda text, index=index: self._on_tab_status(index, text))
        self.dictate_tab.translateRequested.connect(self.translate_text)
        self.dictate_tab.installRequested.connect(self.show_install_dialog)
        self.install_thread.worker.installed.connect(self._on_installed)
        for action in self._needs_tabs:
            action.setEnabled(True)
        self.statusBar().showMessage("Ready", STATUS_MS)
        self.tabsReady.emit()

    def _menus(self) -> None:
        """Menu mnemonics: File, Edit, traNslate, diCtate, Help; Alt+T and Alt+D are the tabs'. The items act
        on the tab in front (Esc stops what it is doing, Ctrl+O opens a model of its kind)."""
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open model folder…", self.open_model_folder, "Ctrl+O")
        self._action(file_menu, "&Install a model…", lambda: self.show_install_dialog())
        export = file_menu.addMenu("&Export heatmap")
        for kind in ("png", "svg", "json"):
            self._action(export, kind.upper() + "…", lambda checked=False, k=kind: self._current_tab()._export(k))
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, needs_tabs=False)
        edit_menu = self.menuBar().addMenu("&Edit")
        self._action(edit_menu, "&Copy the translation or transcript", self.copy_result, "Ctrl+Shift+C")
        self.stop_action = QAction("&Stop", self, shortcut=QKeySequence("Esc"))
        self.stop_action.triggered.connect(self.stop_current)
        self._needs(self.stop_action)
        translate_menu = self.menuBar().addMenu("Tra&nslate")
        self._action(translate_menu, "&Translate now", lambda: self.translate_tab.translate_now())
        translate_menu.addAction(self.stop_action)
        self._action(translate_menu, "S&wap direction", lambda: self.translate_tab.swap(), "Ctrl+Shift+S")
        translate_menu.addSeparator()
        self._action(translate_menu, "&Compare models…", self.show_compare_window)
        dictate_menu = self.menuBar().addMenu("Di&ctate")
        self._action(dictate_menu, "&Record / stop", lambda: self.dictate_tab.toggle_recording())
        dictate_menu.addAction(self.stop_action)
        self._action(dictate_menu, "&Open audio file…", lambda: self.dictate_tab.open_file(), "Ctrl+Shift+O")
        self._action(dictate_menu, "Refresh &microphones", lambda: self.dictate_tab.refresh_devices())
        self._action(
            dictate_menu,
            "&Translate the transcript",
            lambda: self.translate_text(self.dictate_tab.text(), self.dictate_tab.text_language()),
        )
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "Model &card", lambda: self._current_tab().picker.show_card(), "F1")
        self._action(help_menu, "&About Attend", self.about, needs_tabs=False)

    def _action(self, menu, text: str, slot, shortcut=None, needs_tabs: bool = True) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        if needs_tabs:
            self._needs(action)
        return action

    def _needs(self, action: QAction) -> None:
        action.setEnabled(False)
        self._needs_tabs.append(action)

    # -- actions that follow the current tab ------------------------------------------------
    def _current_tab(self):
        return self.dictate_tab if self.tabs.currentIndex() == 1 else self.translate_tab

    def open_model_folder(self) -> None:
        """Ctrl+O: a translation model in the Translate tab, a speech model in the Dictate tab."""
        self._current_tab().picker.open_folder()

    def stop_current(self) -> None:
        """Esc: stop what the current tab is doing (translating; recording or transcribing)."""
        if self._current_tab() is self.translate_tab:
            self.translate_tab.stop()
            return
        recording = self.dictate_tab.busy
        self.dictate_tab.stop_recording()  # the last words are still transcribed
        if not recording:  # a file being transcribed stops where it is
            self.dictate_tab.worker.cancel()

    def copy_result(self) -> None:
        if self._current_tab() is self.translate_tab:
            self.translate_tab.copy_output()
        else:
            self.dictate_tab.copy_text()

    def translate_text(self, text: str, language: str = "") -> None:
        """The Translate tab takes `text` (written in `language`, "" = unknown) with a model that reads it."""
        if not text.strip():
            self._on_tab_status(1, "There is no transcript to translate yet")
            return
        self.tabs.setCurrentWidget(self.translate_tab)
        self.translate_tab.set_source_text(text, language)

    def show_install_dialog(self, select: str = ""):
        """The dialog listing the models that can be installed; `select` (a catalog name) chosen in it."""
        from .install_dialog import InstallDialog

        if self.install_dialog is None:
            self.install_dialog = InstallDialog(self.install_thread.worker, self)
        self.install_dialog.show_models(select)
        return self.install_dialog

    def show_compare_window(self):
        """Translate > Compare models…: two translation models on the same sentence, side by side."""
        from .compare_window import CompareWindow
        from .compare_worker import CompareWorker

        if self.compare_window is None:
            self.compare_thread = WorkerThread(CompareWorker(), "compare-worker")
            self.compare_window = CompareWindow(self.compare_thread.worker, self._model_roots, self)
            self.compare_window.set_text(self.translate_tab.source.toPlainText())
        self.compare_window.show()
        self.compare_window.raise_()
        return self.compare_window

    def _on_installed(self, job: int, name: str, folder: str) -> None:
        """A model was installed: the pickers list it, and the Dictate tab uses a speech model at once."""
        self.translate_tab.picker.add_root(Path(folder).parent)
        self.dictate_tab.use_installed(folder)
        self.statusBar().showMessage(f"Installed {name}", STATUS_MS)

    # -- the status bar: the current tab's messages only -------------------------------------------
    def _on_tab_status(self, index: int, text: str) -> None:
        self._tab_status[index] = text
        if index == self.tabs.currentIndex():
            self.statusBar().showMessage(text, STATUS_MS)

    def _show_tab_status(self, index: int) -> None:
        self.statusBar().showMessage(self._tab_status.get(index, ""), STATUS_MS)

    def about(self) -> None:
        QMessageBox.about(self, "About Attend", ABOUT)

    def _restore(self) -> None:
        geometry = self.settings.get(Key.GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 760)
        self.tabs.setCurrentIndex(int(self.settings.get(Key.TAB, 0, int)))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.settings.set(Key.GEOMETRY, self.saveGeometry())
        self.settings.set(Key.TAB, self.tabs.currentIndex())
        if self.translate_tab is not None:
            self.translate_tab.save_settings()
            self.translate_tab.debounce.stop()
            self.dictate_tab.shutdown()
        self.settings.sync()
        if self.install_dialog is not None:
            self.install_dialog.reject()  # cancels an install at its next step
        if self.compare_window is not None:
            self.compare_window.close()
        # All at once, within one deadline: the process must be gone within a second of closing. A model still
        # loading (or an install in a step that cannot stop, or torch still being imported) outlives the window
        # (app.leave() then ends the process); nothing of the user's is in it, and an install cut short leaves no
        # model folder behind.
        threads = [self.translate_thread, self.dictate_thread, self.install_thread, self.compare_thread]
        threads.append(self.preload_thread)
        stop_all([thread for thread in threads if thread is not None], timeout_ms=CLOSE_WAIT_MS)
        super().closeEvent(event)


def _placeholder(text: str) -> QLabel:
    label = QLabel(text, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
    label.setMargin(24)
    return label
