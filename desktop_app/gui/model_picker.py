"""A combo box of model folders for one task, with 'Open folder…' and 'Model card'."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.catalog import ModelEntry, default_entry, describe, find_models, wrong_task_message


class ModelPicker(QWidget):
    modelChanged = Signal(str)  # folder path, or "" when none is available
    chosen = Signal(str)  # a folder the user picked (from the list, or with Open…), not one offered by default
    refused = Signal(str)  # a folder opened for the wrong task: one line saying where to open it instead

    def __init__(self, task: str, roots: list[Path], parent: QWidget | None = None, preferred: tuple[str, ...] = ()):
        """preferred: folder names to offer first, before the user has chosen (the best of them that is usable)."""
        super().__init__(parent)
        self.task, self.roots, self.preferred = task, list(roots), preferred
        self.extra: list[Path] = []
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(28)
        self.combo.setToolTip("Model folders in models/, the models you installed and any you opened")
        open_button = QToolButton(text="Open…", toolTip="Use a model folder from disk")
        card_button = QToolButton(text="Model card", toolTip="What this model is, how it was trained, its scores")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(open_button)
        layout.addWidget(card_button)
        open_button.clicked.connect(self.open_folder)
        card_button.clicked.connect(self.show_card)
        self.combo.currentIndexChanged.connect(lambda _: self.modelChanged.emit(self.current_folder()))
        self.combo.activated.connect(lambda _: self.chosen.emit(self.current_folder()))
        self.refresh()

    def entries(self) -> list[ModelEntry]:
        return [self.combo.itemData(i) for i in range(self.combo.count())]

    def refresh(self, select: str | None = None) -> None:
        wanted = [folder for folder in (select, self.current_folder()) if folder]  # else the default
        found = find_models(*self.roots, task=self.task)
        known = {e.folder.resolve() for e in found}
        found += [describe(f) for f in self.extra if f.resolve() not in known]
        self.combo.blockSignals(True)
        self.combo.clear()
        for index, entry in enumerate(found):
            self.combo.addItem(entry.label, entry)
            tip = entry.error or entry.scores or "no test scores recorded in its config.json"
            self.combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        chosen = next((i for folder in wanted for i, e in enumerate(found) if str(e.folder) == folder), None)
        self.combo.setCurrentIndex(self._default(found) if chosen is None else chosen)
        self.combo.blockSignals(False)
        self.modelChanged.emit(self.current_folder())

    def _default(self, found: list[ModelEntry]) -> int:
        for name in self.preferred:
            usable = [i for i, e in enumerate(found) if e.folder.name == name and not e.error]
            if usable:
                return usable[0]
        return default_entry(found, preferred_languages())

    def add_root(self, root: Path, select: str | None = None) -> None:
        """List the model folders under root too (the user's models folder, once something is installed there)."""
        if root not in self.roots:
            self.roots.append(root)
        self.refresh(select=select)

    def current(self) -> ModelEntry | None:
        return self.combo.currentData()

    def current_folder(self) -> str:
        entry = self.current()
        return str(entry.folder) if entry else ""

    def select_folder(self, folder: str) -> bool:
        for i in range(self.combo.count()):
            if str(self.combo.itemData(i).folder) == folder:
                self.combo.setCurrentIndex(i)
                return True
        return False

    def add_folder(self, folder: Path) -> bool:
        """List and choose a folder; a model for another task is refused (`refused`) and False returned."""
        refusal = wrong_task_message(describe(folder), self.task)
        if refusal:
            self.refused.emit(refusal)
            return False
        if folder not in self.extra:
            self.extra.append(folder)
        self.refresh(select=str(folder))
        return True

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, f"Open a {self.task} model folder")
        if folder and self.add_folder(Path(folder)):
            self.chosen.emit(self.current_folder())

    def show_card(self) -> None:
        entry = self.current()
        if entry is None:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(f"Model card: {entry.folder.name}")
        browser = QTextBrowser()
        browser.setOpenExternalLinks(True)
        if entry.card.is_file():
            browser.setMarkdown(entry.card.read_text(encoding="utf-8"))
        else:
            browser.setPlainText(entry.error or f"{entry.folder} has no README.md model card.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(browser)
        layout.addWidget(buttons)
        dialog.resize(640, 560)
        dialog.open()


def model_languages(folder: str) -> list[str]:
    """The language codes a multilingual speech model can be told to expect (its config's language_ids);
    [] for a model of one language, or a folder that cannot be read."""
    from desktop_app.seq2seq import ModelFolderError, read_folder_config  # the model library: not at start-up

    try:
        languages = read_folder_config(folder).model.get("language_ids") or {}
    except ModelFolderError:
        return []
    return sorted(languages) if isinstance(languages, dict) else []


def preferred_languages() -> list[str]:
    """The user's interface languages (ISO 639-1), then English: the source language to offer first."""
    codes = [name.replace("-", "_").split("_")[0].lower() for name in QLocale.system().uiLanguages()]
    return list(dict.fromkeys([*codes, "en"]))
