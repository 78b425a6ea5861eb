"""The Translate tab's controls above the texts: which model translates (and Swap, to a model that translates the
other way), the beam width, and whether to translate while typing; each remembered in the settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from desktop_app.catalog import reverse_of

from .model_picker import ModelPicker
from .settings import Key, Settings

NO_MODEL = "No translation model found. Put a model folder in models/ or use Open…."


class TranslateToolbar(QWidget):
    def __init__(self, settings: Settings, model_roots: list[Path], parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.picker = ModelPicker("translation", model_roots)
        self.swap_button = QPushButton("⇄ Swap", toolTip="Translate the other way (needs a reverse model)")
        self.beam = QSpinBox(minimum=1, maximum=12, value=1, toolTip="Beam width (1 = greedy, fastest)")
        self.as_you_type = QCheckBox("Translate as I type", checked=True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Model"))
        layout.addWidget(self.picker, 1)
        for widget in (self.swap_button, QLabel("Beam"), self.beam, self.as_you_type):
            layout.addWidget(widget)
        self.picker.modelChanged.connect(self._offer_swap)
        self._offer_swap()

    def restore(self) -> None:
        """The choices of last time; a remembered model folder that is not listed (opened with Open…) is added."""
        self.beam.setValue(int(self.settings.get(Key.TRANSLATE_BEAM, 1, int)))
        self.as_you_type.setChecked(bool(self.settings.get(Key.TRANSLATE_AS_YOU_TYPE, True, bool)))
        remembered = self.settings.get(Key.TRANSLATE_MODEL, "", str)
        if remembered and not self.picker.select_folder(remembered) and Path(remembered).is_dir():
            self.picker.add_folder(Path(remembered))

    def save(self) -> None:
        self.settings.set(Key.TRANSLATE_BEAM, self.beam.value())
        self.settings.set(Key.TRANSLATE_AS_YOU_TYPE, self.as_you_type.isChecked())
        self.settings.set(Key.TRANSLATE_MODEL, self.picker.current_folder())

    def model_problem(self) -> str:
        """Why the chosen model cannot translate, in one line for people; '' when it can (as far as can be told
        before loading it)."""
        entry = self.picker.current()
        if entry is None:
            return NO_MODEL
        return f"This model folder is damaged: {entry.error}" if entry.error else ""

    def reverse_folder(self) -> str:
        """The folder of a listed model that translates the other way, '' if there is none."""
        entry = self.picker.current()
        reverse = reverse_of(entry, self.picker.entries()) if entry else None
        return str(reverse.folder) if reverse else ""

    def _offer_swap(self, _folder: str = "") -> None:
        self.swap_button.setEnabled(bool(self.reverse_folder()))
