"""A multilingual speech model's choices on the Dictate tab: the language spoken and the task (write it down, or
translate it into English), what the model detected; and the offer to install Whisper while none is listed."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.installing.sources import CATALOG

from .model_picker import model_languages
from .settings import Key, Settings

# Offered before the user picks a speech model, when installed: far better on real voices than the bundled
# asr-en (6.2% WER against 30.6% on real held-out speakers, issue #40).
DEFAULT_SPEECH_MODEL = "whisper-tiny.en"
TASKS = (("Transcribe", "transcribe"), ("Translate into English", "translate"))


class DictateChoices(QWidget):
    installRequested = Signal(str)  # a catalog model the user asked to install

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.multilingual = False  # whether the chosen model offers a choice of language and task
        self.detected: list[str] = []  # languages the model detected in this job, in order
        self.language = QComboBox(
            toolTip="The language spoken, or let the model detect it (from the next recording or file on)"
        )
        self.task = QComboBox(
            toolTip="Write down what is said, or translate it into English (from the next recording or file on)"
        )
        for text, task in TASKS:
            self.task.addItem(text, task)
        self.task.setCurrentIndex(max(0, self.task.findData(settings.get(Key.DICTATE_TASK, "transcribe", str))))
        self.language_label = QLabel("Language")
        self.detected_label = QLabel(toolTip="The language the model heard in the latest transcription")
        size = CATALOG[DEFAULT_SPEECH_MODEL].download_size / 1e6
        self.whisper_offer = QPushButton(
            f"Get a better recognizer for real voices (Whisper tiny.en, {size:.0f} MB)",
            toolTip="Install OpenAI's Whisper tiny.en model and use it here",
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.language_label, self.language, self.task, self.detected_label, self.whisper_offer):
            row.addWidget(widget)
        row.addStretch(1)
        self.language.activated.connect(lambda _: settings.set(Key.DICTATE_LANGUAGE, self.language.currentData()))
        self.task.activated.connect(lambda _: settings.set(Key.DICTATE_TASK, self.task.currentData()))
        self.whisper_offer.clicked.connect(lambda: self.installRequested.emit(DEFAULT_SPEECH_MODEL))

    def show_for(self, folder: str, whisper_listed: bool) -> None:
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
        self.whisper_offer.setVisible(not whisper_listed)

    def language_and_task(self) -> dict[str, str]:
        """What the request asks of a multilingual model; other models only transcribe their one language."""
        if not self.multilingual:
            return {"language": "", "task": "transcribe"}
        return {"language": self.language.currentData(), "task": self.task.currentData()}

    def add_detected(self, language: str) -> None:
        if language and language not in self.detected:
            self.detected.append(language)
            self.detected_label.setText(f"Detected: {', '.join(self.detected)}")

    def reset_detected(self) -> None:
        self.detected = []
        self.detected_label.setText("")


def language_name(code: str) -> str:
    """'de' -> 'de: German' (just the code where Qt does not know the language)."""
    language = QLocale(code).language()
    known = language != QLocale.Language.C and QLocale.languageToCode(language) == code
    return f"{code}: {QLocale.languageToString(language)}" if known else code
