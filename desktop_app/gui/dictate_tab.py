"""The Dictate tab: speak (or open a recording), watch partial text revise itself, keep the finals,
and see the attention over the spectrogram."""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import QLocale, QStandardPaths, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.installing.sources import CATALOG
from desktop_app.speech.speed import SPEEDS
from desktop_app.transcript_files import Segment, to_srt, to_text

from . import playback
from .audio_input import ArraySource, MicrophoneSource, MicrophoneUnavailable, input_devices
from .dictate_worker import DictateRequest, DictateWorker, FinalResult
from .export_dialog import ask_export_path
from .model_picker import ModelPicker, model_languages
from .settings import Key, Settings
from .spectrogram import SpectrogramWidget

SPEED_TIP = (
    "How hard the recognizer searches (from the next recording or file on):\n"
    "Accurate: the model's own beam search, the fewest errors.\n"
    "Balanced: drops hypotheses that have fallen far behind; faster, almost as accurate.\n"
    "Fast: also keeps only 4 hypotheses; for slow computers."
)
AUDIO_FILTER = "Audio (*.wav *.flac *.ogg *.mp3 *.opus *.aiff *.au);;All files (*)"
# Offered before the user picks a speech model, when installed: far better on real voices than the bundled
# asr-en (6.2% WER against 30.6% on real held-out speakers, issue #40).
DEFAULT_SPEECH_MODEL = "whisper-tiny.en"
TASKS = (("Transcribe", "transcribe"), ("Translate into English", "translate"))


def recordings_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or str(Path.home())
    return Path(base) / "recordings"


class DictateTab(QWidget):
    status = Signal(str)
    translateRequested = Signal(str)
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
        self.source_factory = source_factory or (lambda device: MicrophoneSource(device))
        self.source = None
        self.job = 0
        self.finals: list[FinalResult] = []
        # segment -> its latest partial (text, the words of it that will stay), until its final comes
        self.partials: dict[int, tuple[str, str]] = {}
        self.recording_path = ""
        self.detected: list[str] = []  # languages a multilingual model detected in this job, in order
        self.multilingual = False  # whether the chosen model offers a choice of language and task
        self._activity = ""  # what the status bar says this job is doing
        self._build(model_roots)
        self._connect()
        self.refresh_devices(rescan=False)  # PortAudio has just listed the devices when it started

    # -- construction -------------------------------------------------------------
    def _build(self, model_roots: list[Path]) -> None:
        self.picker = ModelPicker("speech", model_roots, preferred=(DEFAULT_SPEECH_MODEL,))
        remembered = self.settings.get(Key.DICTATE_MODEL, "", str)
        if remembered and not self.picker.select_folder(remembered) and Path(remembered).is_dir():
            self.picker.add_folder(Path(remembered))
        self.devices = QComboBox(toolTip="Microphone")
        self.record_button = QPushButton("● Record", toolTip="Start or stop recording (Ctrl+R)")
        self.open_button = QPushButton("Open audio file…")
        self.speed = QComboBox(toolTip=SPEED_TIP)
        for speed in SPEEDS:
            self.speed.addItem(speed.capitalize(), speed)
        self.speed.setCurrentIndex(max(0, self.speed.findData(self.settings.get(Key.DICTATE_SPEED, "accurate", str))))
        self.level = QProgressBar(minimum=-60, maximum=0, value=-60, textVisible=False, toolTip="Input level")
        self.level.setFixedWidth(140)
        top = QHBoxLayout()
        for widget, stretch in (
            (QLabel("Model"), 0),
            (self.picker, 2),
            (QLabel("Microphone"), 0),
            (self.devices, 1),
            (self.level, 0),
            (QLabel("Speed"), 0),
            (self.speed, 0),
            (self.record_button, 0),
            (self.open_button, 0),
        ):
            top.addWidget(widget, stretch)
        page = QVBoxLayout(self)
        page.addLayout(top)
        page.addLayout(self._build_choices())
        self.transcript = QTextEdit(readOnly=True, placeholderText="Press Record and speak; the text appears here")
        self.message = QLabel(wordWrap=True, objectName="message")
        self.copy_button = QPushButton("Copy")
        self.save_txt = QPushButton("Save TXT…")
        self.save_srt = QPushButton("Save SRT…")
        self.save_audio = QPushButton("Save recording…", enabled=False)
        self.translate_button = QPushButton("Translate this →")
        actions = QHBoxLayout()
        actions.addWidget(self.message, 1)
        for button in (self.copy_button, self.save_txt, self.save_srt, self.save_audio, self.translate_button):
            actions.addWidget(button)
        self.segment_choice = QComboBox(toolTip="Which segment's attention to show")
        self.segment_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.spectrogram = SpectrogramWidget()
        spectrogram_bar = QHBoxLayout()
        spectrogram_bar.addWidget(QLabel("Segment"))
        spectrogram_bar.addWidget(self.segment_choice)
        spectrogram_bar.addStretch(1)
        spectrogram_bar.addWidget(QLabel("Export"))
        self.export_buttons = {kind: QPushButton(f"{kind.upper()}…") for kind in ("png", "svg", "json")}
        for kind, button in self.export_buttons.items():
            spectrogram_bar.addWidget(button)
            button.clicked.connect(lambda checked=False, k=kind: self._export(k))
        upper, lower = QWidget(), QWidget()
        upper_layout, lower_layout = QVBoxLayout(upper), QVBoxLayout(lower)
        for layout in (upper_layout, lower_layout):
            layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.transcript, 1)
        upper_layout.addLayout(actions)
        lower_layout.addLayout(spectrogram_bar)
        lower_layout.addWidget(self.spectrogram, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setStretchFactor(1, 2)
        page.addWidget(splitter, 1)

    def _build_choices(self) -> QHBoxLayout:
        """A multilingual model's language and task, what it detected; an offer to install a better model."""
        self.language = QComboBox(
            toolTip="The language spoken, or let the model detect it (from the next recording or file on)"
        )
        self.task = QComboBox(
            toolTip="Write down what is said, or translate it into English (from the next recording or file on)"
        )
        for text, task in TASKS:
            self.task.addItem(text, task)
        self.task.setCurrentIndex(max(0, self.task.findData(self.settings.get(Key.DICTATE_TASK, "transcribe", str))))
        self.language_label = QLabel("Language")
        self.detected_label = QLabel(toolTip="The language the model heard in the latest transcription")
        size = CATALOG[DEFAULT_SPEECH_MODEL].download_size / 1e6
        self.whisper_offer = QPushButton(
            f"Get a better recognizer for real voices (Whisper tiny.en, {size:.0f} MB)",
            toolTip="Install OpenAI's Whisper tiny.en model and use it here",
        )
        row = QHBoxLayout()
        for widget in (self.language_label, self.language, self.task, self.detected_label, self.whisper_offer):
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _connect(self) -> None:
        self.requested.connect(self.worker.run)
        self.prepareRequested.connect(self.worker.prepare)
        self.worker.level.connect(self._on_level)
        self.worker.frames.connect(self._on_frames)
        self.worker.partial.connect(self._on_partial)
        self.worker.final.connect(self._on_final)
        self.worker.jobFinished.connect(self._on_job_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.modelReady.connect(self._on_model_ready)
        self.speed.currentIndexChanged.connect(lambda _: self.settings.set(Key.DICTATE_SPEED, self.speed.currentData()))
        self.record_button.clicked.connect(self.toggle_recording)
        self.open_button.clicked.connect(self.open_file)
        self.copy_button.clicked.connect(self.copy_text)
        self.save_txt.clicked.connect(lambda: self._save_transcript("txt"))
        self.save_srt.clicked.connect(lambda: self._save_transcript("srt"))
        self.save_audio.clicked.connect(self.save_recording)
        self.translate_button.clicked.connect(lambda: self.translateRequested.emit(self.text()))
        self.segment_choice.currentIndexChanged.connect(self._show_segment)
        self.spectrogram.wordClicked.connect(self.play_word)
        self.picker.modelChanged.connect(self._on_model_changed)
        self.picker.chosen.connect(lambda folder: self.settings.set(Key.DICTATE_MODEL, folder))
        self.language.activated.connect(lambda _: self.settings.set(Key.DICTATE_LANGUAGE, self.language.currentData()))
        self.task.activated.connect(lambda _: self.settings.set(Key.DICTATE_TASK, self.task.currentData()))
        self.whisper_offer.clicked.connect(lambda: self.installRequested.emit(DEFAULT_SPEECH_MODEL))
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
            return
        if not devices:
            self.devices.addItem("no microphone", None)
            self._show_message("No microphone was found. You can still open audio files.")
        for device in devices:
            self.devices.addItem(device.name + (" (default)" if device.default else ""), device.index)
            if device.default:
                self.devices.setCurrentIndex(self.devices.count() - 1)

    # -- actions ------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.source is not None

    def toggle_recording(self) -> None:
        if self.busy:
            self.stop_recording()
        else:
            self.start_recording()

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
        self.requested.emit(
            DictateRequest(
                self.job,
                folder,
                record_to=self.recording_path,
                speed=self.speed.currentData(),
                **self._language_and_task(),
            )
        )
        self.record_button.setText("■ Stop")
        self._activity = f"Recording to {self.recording_path}"
        self.status.emit(self._activity)

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
        self.requested.emit(
            DictateRequest(
                self.job, folder, audio_file=path, speed=self.speed.currentData(), **self._language_and_task()
            )
        )
        self._activity = f"Transcribing {Path(path).name}…"
        self.status.emit(self._activity)

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
        if job == self.job:
            self.status.emit(f"{self._activity} ({Path(folder).name}: {decoding})")

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

    def _on_final(self, job: int, result: FinalResult) -> None:
        if job != self.job:
            return
        self.finals.append(result)
        if result.language and result.language not in self.detected:
            self.detected.append(result.language)
            self.detected_label.setText(f"Detected: {', '.join(self.detected)}")
        self.partials = {segment: text for segment, text in self.partials.items() if segment > result.segment}
        self._render()
        self.segment_choice.addItem(f"{len(self.finals)}: {result.start:.1f}–{result.end:.1f} s")
        self.segment_choice.setCurrentIndex(len(self.finals) - 1)

    def _on_job_finished(self, job: int, completed: bool) -> None:
        if job != self.job:
            return
        self.source = None
        self.record_button.setText("● Record")
        self.level.setValue(-60)
        self.partials = {}
        self._render()
        self.save_audio.setEnabled(bool(self.recording_path) and Path(self.recording_path).exists())
        self._show_segment(self.segment_choice.currentIndex())
        if completed:
            detected = f" (detected: {', '.join(self.detected)})" if self.detected else ""
            self.status.emit(
                f"{len(self.finals)} segment(s) transcribed{detected}" if self.finals else "No speech was heard"
            )
        self.finished.emit(job, completed)

    def _on_failed(self, job: int, message: str) -> None:
        if job == self.job:
            self.stop_recording()
            self._show_message(message)
            self.status.emit(message)

    # -- text and files -------------------------------------------------------------
    def segments(self) -> list[Segment]:
        return [Segment(f.start, f.end, f.text) for f in self.finals]

    def text(self) -> str:
        return to_text(self.segments()).strip()

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

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.status.emit("Transcript copied")

    def _save_transcript(self, kind: str) -> None:
        if not self.finals:
            self._show_message("There is no transcript to save yet.")
            return
        start = str(Path(self.settings.get(Key.LAST_DIRECTORY, str(Path.home()), str)) / f"transcript.{kind}")
        path, _ = QFileDialog.getSaveFileName(self, "Save the transcript", start, f"{kind.upper()} (*.{kind})")
        if path:
            self.save_transcript(path, kind)

    def save_transcript(self, path: str, kind: str) -> None:
        content = to_srt(self.segments()) if kind == "srt" else to_text(self.segments())
        Path(path).write_text(content, encoding="utf-8")
        self.status.emit(f"Saved {path}")

    def _export(self, kind: str) -> None:
        if self.spectrogram.segment() is None:
            self._show_message("Transcribe something first: there is no alignment to export.")
            return
        path = ask_export_path(self, self.settings, "speech-attention", kind)
        if path:
            self.export_to(path, kind)

    def export_to(self, path: str, kind: str) -> None:
        try:
            {"png": self.spectrogram.save_png, "svg": self.spectrogram.save_svg, "json": self.spectrogram.save_json}[
                kind
            ](path)
        except OSError as error:
            self._show_message(f"Could not export: {error}")
            return
        self.status.emit(f"Saved {path}")

    def save_recording(self) -> None:
        if not self.recording_path:
            return
        target, _ = QFileDialog.getSaveFileName(
            self, "Save the recording", str(Path.home() / "dictation.wav"), "WAV audio (*.wav)"
        )
        if target:
            Path(target).write_bytes(Path(self.recording_path).read_bytes())
            self.status.emit(f"Saved {target}")

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
        self._show_choices(folder)
        if self._model_folder() and self.isVisible():
            self.prepareRequested.emit(folder)

    def _show_choices(self, folder: str) -> None:
        """The language and task choices for a multilingual model (hidden for others); the offer of Whisper
        while no Whisper model is listed."""
        languages = model_languages(folder) if folder else []
        wanted = self.settings.get(Key.DICTATE_LANGUAGE, "", str)  # the user's latest choice
        self.multilingual = len(languages) > 1
        self.language.clear()
        self.language.addItem("Detect language", "")
        for code in languages:
            self.language.addItem(language_name(code), code)
        self.language.setCurrentIndex(max(0, self.language.findData(wanted)))
        for widget in (self.language_label, self.language, self.task, self.detected_label):
            widget.setVisible(self.multilingual)
        self.detected_label.setText("")
        self.whisper_offer.setVisible(not any(e.architecture == "whisper" for e in self.picker.entries()))

    def _language_and_task(self) -> dict[str, str]:
        """What the request asks of a multilingual model; other models only transcribe their one language."""
        if not self.multilingual:
            return {"language": "", "task": "transcribe"}
        return {"language": self.language.currentData(), "task": self.task.currentData()}

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """The tab is about to be used: have its model loaded and warmed up by then (the worker does it once)."""
        super().showEvent(event)
        folder = self.picker.current_folder()
        if folder and not self.picker.current().error:
            self.prepareRequested.emit(folder)

    def _reset(self) -> None:
        self.finals, self.partials, self.detected = [], {}, []
        self.detected_label.setText("")
        self.segment_choice.clear()
        self.spectrogram.clear()
        self._show_message("")
        self._render()

    def _show_segment(self, index: int) -> None:
        """While recording the view stays live; afterwards it shows the chosen segment."""
        if 0 <= index < len(self.finals) and not self.busy:
            self.spectrogram.show_segment(self.finals[index])

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
        self.message.setText(text)


def language_name(code: str) -> str:
    """'de' -> 'de: German' (just the code where Qt does not know the language)."""
    language = QLocale(code).language()
    known = language != QLocale.Language.C and QLocale.languageToCode(language) == code
    return f"{code}: {QLocale.languageToString(language)}" if known else code
