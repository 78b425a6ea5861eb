"""What people can do with the Dictate tab's outcome, apart from recording and transcribing it.

TranscriptActions is the row under the transcript: a message line for people, then Copy, Save TXT…, Save SRT…,
Save recording… and "Translate this →". It reads the transcript and the recording only when a button is pressed,
through two callables the tab gives it:
    segments: () -> list[Segment], the finals so far in order (start and end in seconds, text);
    recording: () -> str, the WAV file being or last recorded, '' when the last job was a file.

SegmentBar is the bar above the attention view: which segment to show (people's pick arrives as
`segmentChosen(index)`, an index into the tab's finals, and the tab answers by showing it) and the view's export as a
PNG or SVG image or its alignment as JSON (the view's own savers), with the save dialog and its error lines.

Both say what was done as `status(str)` for the status bar ("Saved <path>"); lines meant for people (nothing to save
or export yet, the export failed) go to the message line: TranscriptActions shows them, SegmentBar emits them as
`message(str)` for the tab to show there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.transcript_files import Segment, to_srt, to_text

from .dictate_worker import FinalResult
from .export_dialog import ask_export_path, export_error
from .settings import Key, Settings
from .spectrogram import SpectrogramWidget

EXPORT_KINDS = ("png", "svg", "json")  # the view's savers; each button is labelled "PNG…", "SVG…", "JSON…"
NOTHING_TO_SAVE = "There is no transcript to save yet."
NOTHING_TO_EXPORT = "Transcribe something first: there is no alignment to export."


class TranscriptActions(QWidget):
    status = Signal(str)  # what was done, for the status bar: "Transcript copied", "Saved <path>"
    translateRequested = Signal(str)  # the transcript's text, for the Translate tab

    def __init__(
        self,
        settings: Settings,
        segments: Callable[[], list[Segment]],
        recording: Callable[[], str],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.settings, self._segments, self._recording = settings, segments, recording
        self.message = QLabel(wordWrap=True, objectName="message")
        self.copy_button = QPushButton("Copy")
        self.save_txt = QPushButton("Save TXT…")
        self.save_srt = QPushButton("Save SRT…")
        self.save_audio = QPushButton("Save recording…", enabled=False)
        self.translate_button = QPushButton("Translate this →")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.message, 1)
        for button in (self.copy_button, self.save_txt, self.save_srt, self.save_audio, self.translate_button):
            row.addWidget(button)
        self.copy_button.clicked.connect(self.copy_text)
        self.save_txt.clicked.connect(lambda: self.ask_save_transcript("txt"))
        self.save_srt.clicked.connect(lambda: self.ask_save_transcript("srt"))
        self.save_audio.clicked.connect(self.save_recording)
        self.translate_button.clicked.connect(lambda: self.translateRequested.emit(self.text()))

    def text(self) -> str:
        """The finals' text, one line per segment (transcript_files.to_text), without trailing space."""
        return to_text(self._segments()).strip()

    def show_message(self, text: str) -> None:
        """One line for people ('' clears it)."""
        self.message.setText(text)

    def offer_recording(self) -> None:
        """Offer Save recording… if the recording's file exists (called when a job ends)."""
        path = self._recording()
        self.save_audio.setEnabled(bool(path) and Path(path).exists())

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.status.emit("Transcript copied")

    def ask_save_transcript(self, kind: str) -> None:
        """Ask where to save the transcript as `kind` ("txt" or "srt"), then save it there."""
        if not self._segments():
            self.show_message(NOTHING_TO_SAVE)
            return
        start = str(Path(self.settings.get(Key.LAST_DIRECTORY, str(Path.home()), str)) / f"transcript.{kind}")
        path, _ = QFileDialog.getSaveFileName(self, "Save the transcript", start, f"{kind.upper()} (*.{kind})")
        if path:
            self.save_transcript(path, kind)

    def save_transcript(self, path: str, kind: str) -> None:
        """srt: numbered cues with their times (transcript_files.to_srt); anything else: plain text."""
        segments = self._segments()
        content = to_srt(segments) if kind == "srt" else to_text(segments)
        Path(path).write_text(content, encoding="utf-8")
        self.status.emit(f"Saved {path}")

    def save_recording(self) -> None:
        """Ask where to copy the recording's WAV file, then copy it there."""
        recording = self._recording()
        if not recording:
            return
        target, _ = QFileDialog.getSaveFileName(
            self, "Save the recording", str(Path.home() / "dictation.wav"), "WAV audio (*.wav)"
        )
        if target:
            Path(target).write_bytes(Path(recording).read_bytes())
            self.status.emit(f"Saved {target}")


class SegmentBar(QWidget):
    segmentChosen = Signal(int)  # the segment people picked (an index into the tab's finals); -1 once cleared
    status = Signal(str)  # what was done, for the status bar: "Saved <path>"
    message = Signal(str)  # a line for people: nothing to export yet, or the export failed

    def __init__(self, settings: Settings, view: SpectrogramWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings, self.view = settings, view
        self.segment_choice = QComboBox(toolTip="Which segment's attention to show")
        self.segment_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.export_buttons = {kind: QPushButton(f"{kind.upper()}…") for kind in EXPORT_KINDS}
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Segment"))
        bar.addWidget(self.segment_choice)
        bar.addStretch(1)
        bar.addWidget(QLabel("Export"))
        for kind, button in self.export_buttons.items():
            bar.addWidget(button)
            button.clicked.connect(lambda checked=False, k=kind: self.export(k))
        self.segment_choice.currentIndexChanged.connect(self.segmentChosen)

    def clear(self) -> None:
        """No segments (a new job is starting); segmentChosen(-1) follows if there were some."""
        self.segment_choice.clear()

    def add_segment(self, result: FinalResult) -> None:
        """Offer one more segment, marked ⚠ if it has warnings, and choose it (segmentChosen follows)."""
        marked = " ⚠" if result.warnings else ""
        number = self.segment_choice.count() + 1
        self.segment_choice.addItem(f"{number}: {result.start:.1f}–{result.end:.1f} s{marked}")
        self.segment_choice.setCurrentIndex(number - 1)

    def current_segment(self) -> int:
        """The chosen segment's index, -1 when there is none."""
        return self.segment_choice.currentIndex()

    def export(self, kind: str) -> None:
        """Ask where to save the segment on show as `kind` (one of EXPORT_KINDS), then save it there."""
        if self.view.segment() is None:
            self.message.emit(NOTHING_TO_EXPORT)
            return
        path = ask_export_path(self, self.settings, "speech-attention", kind)
        if path:
            self.export_to(path, kind)

    def export_to(self, path: str, kind: str) -> None:
        """The whole segment on show (every attention row, whatever the window's size)."""
        savers = {"png": self.view.save_png, "svg": self.view.save_svg, "json": self.view.save_json}
        error = export_error(savers[kind], path)
        if error:
            self.message.emit(error)
            return
        self.status.emit(f"Saved {path}")
