"""The save dialog both tabs use to export an alignment (PNG, SVG, JSON, or Pharaoh word alignment pairs)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from .settings import Key, Settings

EXPORT_FILTERS = {  # kind (the file's suffix) -> the dialog's filter
    "png": "PNG image (*.png)",
    "svg": "SVG image (*.svg)",
    "json": "Alignment JSON (*.json)",
    "align": "Word alignment, Pharaoh i-j pairs (*.align *.txt)",
}


def ask_export_path(parent: QWidget, settings: Settings, stem: str, kind: str) -> str:
    """A path chosen by the user ('' if cancelled), starting in the last folder used."""
    start = Path(settings.get(Key.LAST_DIRECTORY, str(Path.home()), str)) / f"{stem}.{kind}"
    path, _ = QFileDialog.getSaveFileName(parent, "Export the alignment", str(start), EXPORT_FILTERS[kind])
    if path:
        settings.set(Key.LAST_DIRECTORY, str(Path(path).parent))
    return path


def export_error(save, path: str) -> str | None:
    """Run save(path): None when it worked, else the one line people are shown (the file is not half-written by
    us: each saver writes its own file or raises OSError)."""
    try:
        save(path)
    except OSError as error:
        return f"Could not export: {error}"
    return None
