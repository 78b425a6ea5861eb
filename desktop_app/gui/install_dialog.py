"""The "Install a model" dialog: the catalog's models not installed yet, and one install at a time with
its progress. The install itself runs on the window's InstallWorker; closing the dialog cancels it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.installing.install import installed_folder
from desktop_app.installing.sources import CATALOG, CatalogEntry
from desktop_app.installing.user_folder import user_models_dir

from .install_worker import InstallRequest, InstallWorker
from .workers import NO_JOB

STEPS = 1000  # the progress bar's resolution


def download_size(entry: CatalogEntry) -> str:
    return f"{entry.download_size / 1e6:.0f} MB"


class InstallDialog(QDialog):
    requested = Signal(object)  # InstallRequest, to the worker's thread
    installFinished = Signal(int, bool)  # job, completed: after the dialog has shown the outcome

    def __init__(self, worker: InstallWorker, parent: QWidget | None = None):
        super().__init__(parent)
        self.worker = worker
        self.job = NO_JOB
        self.running = False
        self.setWindowTitle("Install a model")
        self._build()
        self.requested.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.installed.connect(self._on_installed)
        worker.failed.connect(self._on_failed)
        worker.jobFinished.connect(self._on_job_finished)
        self.refresh()

    def _build(self) -> None:
        self.models = QTreeWidget(rootIsDecorated=False, alternatingRowColors=True)
        self.models.setHeaderLabels(["Model", "What it is", "Download", "License"])
        self.models.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.models.setMinimumWidth(720)
        self.models.header().setStretchLastSection(False)
        self.models.itemSelectionChanged.connect(self._update_buttons)
        self.models.itemDoubleClicked.connect(lambda *_: self.start())
        self.where = QLabel(wordWrap=True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar(minimum=0, maximum=STEPS, value=0)
        self.progress.setVisible(False)
        self.step = QLabel(wordWrap=True)  # what the install is doing, or how it ended
        self.error = QLabel(wordWrap=True, objectName="message")
        self.error.setStyleSheet("color: #c0392b")
        self.install_button = QPushButton("Install", default=True)
        self.cancel_button = QPushButton("Cancel install", enabled=False)
        self.close_button = QPushButton("Close")
        self.install_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.install_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        for widget in (self.models, self.where, self.progress, self.step, self.error):
            layout.addWidget(widget)
        layout.addLayout(buttons)

    def refresh(self, select: str = "") -> None:
        """List the catalog's models that are not installed; select `select` (a name) if it is among them."""
        self.models.clear()
        for entry in CATALOG.values():
            if installed_folder(entry.name):
                continue
            item = QTreeWidgetItem([entry.name, entry.description, download_size(entry), entry.provenance()["license"]])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.name)
            item.setToolTip(1, f"{entry.upstream}\n{entry.conversion}")
            self.models.addTopLevelItem(item)
            if entry.name == select or self.models.topLevelItemCount() == 1:
                self.models.setCurrentItem(item)
        for column in range(4):
            self.models.resizeColumnToContents(column)
        everything = not self.models.topLevelItemCount()
        self.models.setVisible(not everything)
        self.where.setText(
            ("Every model Attend can install is installed" if everything else "Models are installed")
            + f" in {user_models_dir()}"
        )
        self._update_buttons()

    def show_models(self, select: str = "") -> None:
        """Open (or raise) the dialog on the models not installed yet, `select` (a name) chosen if listed."""
        if not self.running:
            self.refresh(select)
            self.step.setText("")
            self.error.setText("")
            self.progress.setVisible(False)
        self.show()
        self.raise_()
        self.activateWindow()

    def selected_name(self) -> str:
        item = self.models.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else ""

    # -- actions ------------------------------------------------------------------
    def start(self) -> None:
        name = self.selected_name()
        if not name or self.running:
            return
        self.running = True
        self.job = self.worker.next_job()
        self.error.setText("")
        self.step.setText(f"Installing {name}…")
        self._show_fraction(None)
        self.progress.setVisible(True)
        self._update_buttons()
        self.requested.emit(InstallRequest(self.job, name))

    def cancel(self) -> None:
        """Ask the install to stop at its next step (it leaves nothing half-installed)."""
        if self.running:
            self.worker.cancel()
            self.step.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def reject(self) -> None:
        """Closing the dialog (Close, Escape, the window's X, or the main window closing) cancels an install."""
        self.cancel()
        super().reject()

    # -- worker signals -------------------------------------------------------------
    def _on_progress(self, job: int, message: str, fraction: float | None) -> None:
        if job == self.job and self.running and self.worker.is_wanted(job):
            self.step.setText(message[:1].upper() + message[1:])
            self._show_fraction(fraction)

    def _on_installed(self, job: int, name: str, folder: str) -> None:
        if job == self.job:
            self.step.setText(f"Installed {name} in {folder}.")
            self._show_fraction(1.0)

    def _on_failed(self, job: int, message: str) -> None:
        if job == self.job:
            self.error.setText(message)
            self.step.setText("")

    def _on_job_finished(self, job: int, completed: bool) -> None:
        if job != self.job:
            return
        self.running = False
        self.progress.setVisible(completed)
        if not completed and not self.error.text():
            self.step.setText("Install cancelled; nothing was installed.")
        self.refresh()
        self.installFinished.emit(job, completed)

    # -- helpers ----------------------------------------------------------------------
    def _show_fraction(self, fraction: float | None) -> None:
        if fraction is None:
            self.progress.setRange(0, 0)  # busy: the bar moves without saying how far
        else:
            self.progress.setRange(0, STEPS)
            self.progress.setValue(round(max(0.0, min(1.0, fraction)) * STEPS))

    def _update_buttons(self) -> None:
        self.install_button.setEnabled(not self.running and bool(self.selected_name()))
        self.cancel_button.setEnabled(self.running and self.worker.is_wanted(self.job))
        self.models.setEnabled(not self.running)
