"""The Dictate tab: speak (or open a recording), watch partial text revise itself, keep the finals, and see the
attention over the spectrogram with what looks wrong marked (while someone speaks, the rows of each partial
decoding that has them fill in the view). Its parts: dictate_toolbar.py (model, microphone,
level, Record), dictate_choices.py (a multilingual model's language and task), file_progress.py (a file's
progress and Cancel, a model loading), transcript_actions.py (copy, save, translate and export the outcome, and pick
the segment on show), spectrogram.py (the view)."""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QSplitter, QTextEdit, QVBoxLayout, QWidget

from desktop_app.transcript_files import Segment

from . import playback
from .audio_input import ArraySource, MicrophoneSource, MicrophoneUnavailable, input_devices
from .dictate_choices import DEFAULT_SPEECH_MODEL, DictateChoices, language_name
from .dictate_toolbar import SPEED_TIP, DictateToolbar
from .dictate_worker import DictateRequest, DictateWorker, FinalResult, PartialRows
from .file_progress import FileProgress
from .model_picker import ModelPicker
from .settings import Key, Settings
from .spectrogram import SpectrogramWidget
from .transcript_actions import SegmentBar, TranscriptActions

__all__ = ["DEFAULT_SPEECH_MODEL", "DictateTab", "language_name", "recordings_folder"]

AUDIO_FILTER = "Audio (*.wav *.flac *.ogg *.mp3 *.opus *.aiff *.au);;All files (*)"


def recordings_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or str(Path.home())
    return Path(base) / "recordings"


def _column(*widgets: tuple[QWidget, int]) -> QWidget:
    """The widgets one above the other, edge to edge, each with its stretch (0: a bar's own height)."""
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget, stretch in widgets:
        layout.addWidget(widget, stretch)
    return column


class DictateTab(QWidget):
    status = Signal(str)
    translateRequested = Signal(str, str)  # the transcript's text, the language it is written in ("" unknown)
    requested = Signal(object)  # DictateRequest, to the worker's thread
    prepareRequested = Signal(str)  # a speech model folder to load and warm up before the first recording
    finished = Signal(int, bool)  # job, completed: after the tab has shown the outcome
    installRequested = Signal(str)  # a catalog model the user asked to install

    def __init__(
        self,
        worker: DictateWorker,
        settings: Settings,
        model_roots: list[Path],
        source_factory=None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.worker, self.settings = worker, settings
        self._real_microphone = source_factory is None  # Record needs a device only for the real microphone
        self.source_factory = source_factory or (lambda device: MicrophoneSource(device))
        self.source = None
        self.job = 0
        self.finals: list[FinalResult] = []
        # segment -> its latest partial (text, the words of it that will stay), until its final comes
        self.partials: dict[int, tuple[str, str]] = {}
        self.recording_path = ""
        self.file_job = False  # whether the running job transcribes a file (it has a progress bar and Cancel)
        self._activity = ""  # what the status bar says this job is doing
        self._job_speed = ""  # the speed setting the running job was started with
        self.decoding_details = ""  # how the model decodes, in the decoder's own terms (the speed box's tooltip)
        self._build(model_roots)
        self._connect()
        self.refresh_devices(rescan=False)  # PortAudio has just listed the devices when it started

    # -- construction -------------------------------------------------------------
    def _build(self, model_roots: list[Path]) -> None:
        self.picker = ModelPicker("speech", model_roots, preferred=(DEFAULT_SPEECH_MODEL,))
        remembered = self.settings.get(Key.DICTATE_MODEL, "", str)
        if remembered and not self.picker.select_folder(remembered) and Path(remembered).is_dir():
            self.picker.add_folder(Path(remembered))
        self.toolbar = DictateToolbar(self.picker, self.settings.get(Key.DICTATE_SPEED, "accurate", str))
        bar = self.toolbar
        self.devices, self.level, self.speed = bar.devices, bar.level, bar.speed
        self.record_button, self.open_button = bar.record_button, bar.open_button
        self.choices = DictateChoices(self.settings)
        self.progress = FileProgress()
        self.transcript = QTextEdit(readOnly=True, placeholderText="Press Record and speak; the text appears here")
        self._job_language_and_task: dict[str, str] = {}  # what the latest job asked of a multilingual model
        self.actions = TranscriptActions(self.settings, self.segments, lambda: self.recording_path)
        self.spectrogram = SpectrogramWidget()
        self.segment_bar = SegmentBar(self.settings, self.spectrogram)
        # the parts of the outcome's actions and the segment bar (transcript_actions.py), as the tab's own: tests
        # and the main window reach them here
        row, view_bar = self.actions, self.segment_bar
        self.message, self.copy_button, self.translate_button = row.message, row.copy_button, row.translate_button
        self.save_txt, self.save_srt, self.save_audio = row.save_txt, row.save_srt, row.save_audio
        self.copy_text, self.save_recording = row.copy_text, row.save_recording
        self.save_transcript, self._save_transcript = row.save_transcript, row.ask_save_transcript
        self.segment_choice, self.export_buttons = view_bar.segment_choice, view_bar.export_buttons
        self.export_to, self._export = view_bar.export_to, view_bar.export
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(_column((self.transcript, 1), (self.actions, 0)))
        splitter.addWidget(_column((self.segment_bar, 0), (self.spectrogram, 1)))
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)  # the view gets most of the height: its rows must all fit
        page = QVBoxLayout(self)
        page.addWidget(self.toolbar)
        page.addWidget(self.choices)
        page.addWidget(self.progress)
        page.addWidget(splitter, 1)

    # a multilingual model's widgets, as the tab's own (tests and the main window reach them here)
    language = property(lambda self: self.choices.language)

    def text_language(self) -> str:
        """The language the transcript is written in: English for Whisper's translate task, else what the model
        detected most often, the language it was told, or its only language ("" when none is known)."""
        asked = self._job_language_and_task
        if asked.get("task") == "translate":
            return "en"
        detected = [final.language for final in self.finals if final.language]
        if detected:
            return max(set(detected), key=detected.count)
        entry = self.picker.current()
        return asked.get("language") or (entry.source_language if entry is not None else "")

    task = property(lambda self: self.choices.task)
    detected_label = property(lambda self: self.choices.detected_label)
    whisper_offer = property(lambda self: self.choices.whisper_offer)
    detected = property(lambda self: self.choices.detected)
    multilingual = property(lambda self: self.choices.multilingual)

    def _connect(self) -> None:
        self.requested.connect(self.worker.run)
        self.prepareRequested.connect(self.worker.prepare)
        self.worker.level.connect(self._on_level)
        self.worker.frames.connect(self._on_frames)
        self.worker.partial.connect(self._on_partial)
        self.worker.partialRows.connect(self._on_partial_rows)
        self.worker.final.connect(self._on_final)
        self.worker.jobFinished.connect(self._on_job_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.modelReady.connect(self._on_model_ready)
        self.worker.progress.connect(self._on_progress)
        self.worker.fileDuration.connect(self._on_file_duration)
        self.worker.loading.connect(self._on_loading)
        self.worker.prepared.connect(lambda folder: self.progress.loaded())
        self.progress.cancelRequested.connect(self.cancel_file)
        self.speed.currentIndexChanged.connect(lambda _: self.settings.set(Key.DICTATE_SPEED, self.speed.currentData()))
        self.record_button.clicked.connect(self.toggle_recording)
        self.open_button.clicked.connect(self.open_file)
        self.actions.status.connect(self.status)
        self.actions.translateRequested.connect(lambda text: self.translateRequested.emit(text, self.text_language()))
        self.segment_bar.segmentChosen.connect(self._show_segment)
        self.segment_bar.status.connect(self.status)
        self.segment_bar.message.connect(self._show_message)
        self.spectrogram.wordClicked.connect(self.play_word)
        self.spectrogram.hovered.connect(lambda text: text and self.status.emit(text))
        self.picker.modelChanged.connect(self._on_model_changed)
        self.picker.chosen.connect(lambda folder: self.settings.set(Key.DICTATE_MODEL, folder))
        self.choices.installRequested.connect(self.installRequested)
        QShortcut(
            QKeySequence("Ctrl+R"),
            self,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            activated=self.toggle_recording,
        )
        self._on_model_changed(self.picker.current_folder())

    def refresh_devices(self, rescan: bool = True) -> None:
        """Lists the microphones, by default asking the audio system afresh (not while recording)."""
        if self.busy:
            self._show_message("Stop recording before refreshing the microphone list.")
            return
        self.devices.clear()
        self.devices.setEnabled(True)
        try:
            devices = input_devices(rescan=rescan)
        except MicrophoneUnavailable as error:
            self.devices.addItem("no microphone", None)
            self.devices.setEnabled(False)
            self._show_message(str(error))
            self._offer_record(False, str(error))
            return
        if not devices:
            self.devices.addItem("no microphone", None)
            self.devices.setEnabled(False)
            self._show_message("No microphone was found. You can still open audio files.")
        for device in devices:
            self.devices.addItem(device.name + (" (default)" if device.default else ""), device.index)
            if device.default:
                self.devices.setCurrentIndex(self.devices.count() - 1)
        self._offer_record(bool(devices))

    def _offer_record(self, available: bool, why: str = "") -> None:
        """Record is disabled, with a tooltip saying why, when there is no microphone (a test's or a demo's
        source needs none)."""
        available = available or not self._real_microphone
        if why:
            self.toolbar.set_microphone_available(available, why)
        else:
            self.toolbar.set_microphone_available(available)

    # -- actions ------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.source is not None

    def toggle_recording(self) -> None:
        if self.busy:
            self.stop_recording()
        elif self.record_button.isEnabled():
            self.start_recording()
        else:
            self._show_message(self.record_button.toolTip())

    def start_recording(self) -> None:
        folder = self._model_folder()
        if not folder:
            return
        self._reset()
        self.job = self.worker.begin()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.recording_path = str(recordings_folder() / f"dictation-{stamp}.wav")
        source = self.source_factory(self.devices.currentData())
        try:
            source.start(self.worker.feed, self.worker.end_of_input)
        except MicrophoneUnavailable as error:
            self.worker.cancel()
            self._show_message(str(error))
            return
        self.source = source
        self._request(folder, f"Recording to {self.recording_path}", record_to=self.recording_path)
        self.record_button.setText("■ Stop")

    def stop_recording(self) -> None:
        if self.source is not None:
            source, self.source = self.source, None
            source.stop()  # ends the input; the worker finishes the last segment
        self.record_button.setText("● Record")

    def open_file(self) -> None:
        start = self.settings.get(Key.LAST_DIRECTORY, str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "Transcribe an audio file", start, AUDIO_FILTER)
        if path:
            self.settings.set(Key.LAST_DIRECTORY, str(Path(path).parent))
            self.transcribe_file(path)

    def transcribe_file(self, path: str) -> None:
        folder = self._model_folder()
        if not folder:
            return
        self.stop_recording()
        self._reset()
        self.recording_path = ""
        self.job = self.worker.begin()
        self.file_job = True
        self.progress.start_file(Path(path).name, 0.0)
        self._request(folder, f"Transcribing {Path(path).name}…", audio_file=path)

    def _request(self, folder: str, activity: str, **audio: str) -> None:
        """Have the worker run job self.job with the model in `folder` on `audio` (DictateRequest's record_to= or
        audio_file=), at the chosen speed, language and task; the status bar says what the job is doing."""
        self._job_speed = self.speed.currentText()
        language_and_task = self._job_language_and_task = self.choices.language_and_task()
        self.requested.emit(
            DictateRequest(self.job, folder, speed=self.speed.currentData(), **audio, **language_and_task)
        )
        self._activity = activity
        self.status.emit(activity)

    def cancel_file(self) -> None:
        """Stop transcribing the file; the segments already done stay."""
        if self.file_job:
            self.worker.cancel()

    def play_array(self, audio, realtime: bool = False) -> None:
        """Dictate from samples as if from a microphone (used by tests and demos)."""
        self.source_factory = lambda device: ArraySource(audio, realtime)
        self.start_recording()

    def use_installed(self, folder: str) -> None:
        """A model was just installed in `folder`: list the folders beside it, and use it if it is for speech."""
        self.picker.add_root(Path(folder).parent)
        if self.picker.select_folder(folder):
            self.settings.set(Key.DICTATE_MODEL, folder)

    def shutdown(self) -> None:
        """Window closing: stop the source and the running job."""
        if self.source is not None:
            self.source.stop()
            self.source = None
        self.worker.cancel()

    # -- worker signals -------------------------------------------------------------
    def _on_model_ready(self, job: int, folder: str, decoding: str) -> None:
        """The status says which model and speed in plain words; how it decodes goes to the speed box's tooltip."""
        self.progress.loaded()
        if job == self.job:
            name = Path(folder).name
            self.decoding_details = f"{name} decodes with {decoding}"
            self.speed.setToolTip(f"{SPEED_TIP}\n\nNow: {self.decoding_details}.")
            self.status.emit(f"Ready: {name}, {self._job_speed.lower()}. {self._activity}")

    def _on_loading(self, folder: str) -> None:
        self.progress.start_loading(Path(folder).name)

    def _on_file_duration(self, job: int, seconds: float) -> None:
        if job == self.job:
            self.progress.set_duration(seconds)

    def _on_progress(self, job: int, seconds: float) -> None:
        if job == self.job and self.file_job:
            self.progress.set_done(seconds)

    def _on_level(self, job: int, db: float) -> None:
        if job == self.job:
            self.level.setValue(int(max(-60, min(0, db))))

    def _on_frames(self, job: int, frames) -> None:
        if job == self.job and self.busy:
            self.spectrogram.add_frames(frames)

    def _on_partial(self, job: int, segment: int, text: str, stable: str = "") -> None:
        if job == self.job:
            self.partials[segment] = (text, stable if text.startswith(stable) else "")
            self._render()

    def _on_partial_rows(self, job: int, rows: PartialRows) -> None:
        """While recording: the rows of the segment being spoken, in place of the ones before."""
        if job == self.job and self.busy:
            self.spectrogram.show_partial(rows)

    def _on_final(self, job: int, result: FinalResult) -> None:
        if job != self.job:
            return
        shown = self.spectrogram.partial()
        if self.busy and shown is not None and shown.segment <= result.segment:
            self.spectrogram.show_partial(result)  # the final's rows in place of its partial's, until the next one
        self.finals.append(result)
        self.choices.add_detected(result.language)
        self.partials = {segment: text for segment, text in self.partials.items() if segment > result.segment}
        self._render()
        self.segment_bar.add_segment(result)

    def _on_job_finished(self, job: int, completed: bool) -> None:
        self.progress.loaded()
        if job != self.job:
            return
        was_file, self.file_job = self.file_job, False
        self.progress.finish()
        self.source = None
        self.record_button.setText("● Record")
        self.level.setValue(-60)
        self.partials = {}
        self.spectrogram.show_partial(None)  # a partial's rows without a final are not kept
        self._render()
        self.actions.offer_recording()
        self._show_segment(self.segment_bar.current_segment())
        if completed:
            detected = f" (detected: {', '.join(self.detected)})" if self.detected else ""
            self.status.emit(
                f"{len(self.finals)} segment(s) transcribed{detected}" if self.finals else "No speech was heard"
            )
        elif was_file and not self.message.text():
            done = f"; the {len(self.finals)} segment(s) before it are kept" if self.finals else ""
            self._show_message(f"Transcription cancelled{done}.")
            self.status.emit("Transcription cancelled")
        self.finished.emit(job, completed)

    def _on_failed(self, job: int, message: str) -> None:
        self.progress.loaded()
        if job == self.job:
            self.stop_recording()
            self._show_message(message)
            self.status.emit(message)

    # -- text and files -------------------------------------------------------------
    def segments(self) -> list[Segment]:
        return [Segment(f.start, f.end, f.text) for f in self.finals]

    def text(self) -> str:
        return self.actions.text()

    def _render(self) -> None:
        final = html.escape(self.text())
        partials = []  # the words that will stay in plain grey, the rest (which may still change) in italics
        for _, (text, stable) in sorted(self.partials.items()):
            rest = text[len(stable) :]
            partials.append(
                f"<span style='color:gray'>{html.escape(stable)}</span>"
                f"<span style='color:gray; font-style:italic'>{html.escape(rest)}</span>"
            )
        self.transcript.setHtml(f"{final} {' '.join(partials)}")

    # -- helpers ----------------------------------------------------------------------
    def _model_folder(self) -> str:
        folder = self.picker.current_folder()
        entry = self.picker.current()
        if not folder:
            self._show_message(
                "No speech model found. Install one (File ▸ Install a model…), put a speech model "
                "folder in models/, or use Open…."
            )
        elif entry.error:
            self._show_message(f"This model folder is damaged: {entry.error}")
            return ""
        return folder

    def _on_model_changed(self, folder: str) -> None:
        """Say what is wrong with the chosen folder, or have it loaded and warmed up when the tab is in use."""
        self.spectrogram.clear_hover()
        self.choices.show_for(folder, any(e.architecture == "whisper" for e in self.picker.entries()))
        if self._model_folder() and self.isVisible():
            self.prepareRequested.emit(folder)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """The tab is about to be used: have its model loaded and warmed up by then (the worker does it once)."""
        super().showEvent(event)
        folder = self.picker.current_folder()
        if folder and not self.picker.current().error:
            self.prepareRequested.emit(folder)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self.spectrogram.clear_hover()

    def _reset(self) -> None:
        self.finals, self.partials = [], {}
        self.choices.reset_detected()
        self.segment_bar.clear()
        self.spectrogram.clear()
        self._show_message("")
        self._render()

    def _show_segment(self, index: int) -> None:
        """While recording the view stays live; afterwards it shows the chosen segment, and its warnings."""
        if 0 <= index < len(self.finals) and not self.busy:
            result = self.finals[index]
            self.spectrogram.show_segment(result)
            if result.warnings:
                self._show_message("⚠ " + " · ".join(w.message for w in result.warnings))
            elif self.message.text().startswith("⚠"):
                self._show_message("")

    def play_word(self, index: int) -> None:
        """Play the audio of word `index` of the segment on show."""
        result = self.spectrogram.segment()
        if result is None or not 0 <= index < len(result.words):
            return
        word, start, end = result.words[index]
        rate = playback.SAMPLE_RATE
        error = playback.play(result.audio[int(start * rate) : int(end * rate)], rate)
        self.status.emit(error or f"Playing '{word}' ({start:.2f}–{end:.2f} s)")

    def _show_message(self, text: str) -> None:
        self.actions.show_message(text)
