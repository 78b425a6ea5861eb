"""The Translate tab: type, watch the translation stream in, and see where the model attends."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.alignment import AVERAGE_LAST_LAYER, Alignment
from desktop_app.catalog import reverse_of

from .export_dialog import ask_export_path
from .heatmap import HeatmapWidget
from .model_picker import ModelPicker
from .settings import Key, Settings
from .translate_worker import TranslateRequest, TranslateWorker

DEBOUNCE_MS = 500


class TranslateTab(QWidget):
    status = Signal(str)
    finished = Signal(int, bool)  # job, completed: emitted after the tab has shown the job's outcome
    requested = Signal(object)  # TranslateRequest, delivered to the worker's thread

    def __init__(
        self, worker: TranslateWorker, settings: Settings, model_roots: list[Path], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.worker, self.settings = worker, settings
        self.job = 0
        self.alignments: list[Alignment] = []
        self.translations: list[str] = []
        self.warnings: list[str] = []  # the running job's, shown in the message line under the output
        self._build(model_roots)
        self._connect()
        self._restore()

    # -- construction -------------------------------------------------------------
    def _build(self, model_roots: list[Path]) -> None:
        self.picker = ModelPicker("translation", model_roots)
        self.swap_button = QPushButton("⇄ Swap", toolTip="Translate the other way (needs a reverse model)")
        self.beam = QSpinBox(minimum=1, maximum=12, value=1, toolTip="Beam width (1 = greedy, fastest)")
        self.as_you_type = QCheckBox("Translate as I type", checked=True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Model"))
        top.addWidget(self.picker, 1)
        top.addWidget(self.swap_button)
        top.addWidget(QLabel("Beam"))
        top.addWidget(self.beam)
        top.addWidget(self.as_you_type)

        self.source = QPlainTextEdit(placeholderText="Type text to translate… (Ctrl+Enter translates)")
        self.output = QPlainTextEdit(readOnly=True, placeholderText="The translation streams in here")
        self.translate_button = QPushButton("Translate", toolTip="Ctrl+Enter")
        self.stop_button = QPushButton("Stop", enabled=False)
        self.copy_button = QPushButton("Copy translation")
        self.message = QLabel(wordWrap=True, objectName="message")
        self.message.setStyleSheet("#message { color: palette(highlight); }")
        buttons = QHBoxLayout()
        buttons.addWidget(self.translate_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.copy_button)
        texts = QSplitter(Qt.Orientation.Horizontal)
        texts.addWidget(self.source)
        texts.addWidget(self.output)

        self.heatmap = HeatmapWidget()
        self.sentence_choice = QComboBox(toolTip="Which sentence's alignment to show")
        self.view_choice = QComboBox(toolTip="Transformer: pick a layer and head, or an average")
        self.view_choice.addItem(AVERAGE_LAST_LAYER)
        self.export_png = QPushButton("PNG…")
        self.export_svg = QPushButton("SVG…")
        self.export_json = QPushButton("JSON…")
        self.hover_info = QLabel(" ", toolTip="Hover over the heatmap")
        heat_bar = QHBoxLayout()
        for widget in (QLabel("Sentence"), self.sentence_choice, QLabel("Attention"), self.view_choice):
            heat_bar.addWidget(widget)
        heat_bar.addStretch(1)
        heat_bar.addWidget(QLabel("Export"))
        for widget in (self.export_png, self.export_svg, self.export_json):
            heat_bar.addWidget(widget)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.heatmap)
        heat_panel = QWidget()
        heat_layout = QVBoxLayout(heat_panel)
        heat_layout.setContentsMargins(0, 0, 0, 0)
        heat_layout.addLayout(heat_bar)
        heat_layout.addWidget(scroll, 1)
        heat_layout.addWidget(self.hover_info)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(texts, 1)
        upper_layout.addLayout(buttons)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(heat_panel)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        self.debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)

    def _connect(self) -> None:
        self.requested.connect(self.worker.translate)
        self.worker.sentenceStarted.connect(self._on_sentence_started)
        self.worker.tokenReady.connect(self._on_token)
        self.worker.sentenceFinished.connect(self._on_sentence_finished)
        self.worker.jobFinished.connect(self._on_job_finished)
        self.worker.warning.connect(self._on_warning)
        self.worker.failed.connect(self._on_failed)
        self.worker.modelLoaded.connect(lambda job, folder: self.status.emit(f"Loaded {Path(folder).name}"))
        self.source.textChanged.connect(self._on_text_changed)
        self.debounce.timeout.connect(self.translate_now)
        self.translate_button.clicked.connect(self.translate_now)
        self.stop_button.clicked.connect(self.stop)
        self.copy_button.clicked.connect(self.copy_output)
        self.swap_button.clicked.connect(self.swap)
        self.picker.modelChanged.connect(self._on_model_changed)
        self.beam.valueChanged.connect(lambda _: self._retranslate())
        self.sentence_choice.currentIndexChanged.connect(self._show_sentence)
        self.view_choice.currentTextChanged.connect(self._on_view_changed)
        self.heatmap.hovered.connect(lambda text: self.hover_info.setText(text or " "))
        self.export_png.clicked.connect(lambda: self._export("png"))
        self.export_svg.clicked.connect(lambda: self._export("svg"))
        self.export_json.clicked.connect(lambda: self._export("json"))
        for keys in (QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")):
            QShortcut(keys, self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut, activated=self.translate_now)

    def _restore(self) -> None:
        self.beam.setValue(int(self.settings.get(Key.TRANSLATE_BEAM, 1, int)))
        self.as_you_type.setChecked(bool(self.settings.get(Key.TRANSLATE_AS_YOU_TYPE, True, bool)))
        remembered = self.settings.get(Key.TRANSLATE_MODEL, "", str)
        if remembered:
            if not self.picker.select_folder(remembered) and Path(remembered).is_dir():
                self.picker.add_folder(Path(remembered))
        self._on_model_changed(self.picker.current_folder())

    def save_settings(self) -> None:
        self.settings.set(Key.TRANSLATE_BEAM, self.beam.value())
        self.settings.set(Key.TRANSLATE_AS_YOU_TYPE, self.as_you_type.isChecked())
        self.settings.set(Key.TRANSLATE_MODEL, self.picker.current_folder())

    # -- actions ------------------------------------------------------------------
    def translate_now(self) -> None:
        self.debounce.stop()
        text = self.source.toPlainText()
        folder = self.picker.current_folder()
        if not text.strip():
            self.worker.cancel()
            self._show_message("Type some text to translate.")
            return
        if not folder:
            self._show_message("No translation model found. Put a model folder in models/ or use Open….")
            return
        self.job = self.worker.next_job()
        self.alignments, self.translations, self.warnings = [], [], []
        self.output.clear()
        self.sentence_choice.clear()
        self.heatmap.set_alignment(None)
        self._show_message("")
        self._set_busy(True)
        self.requested.emit(TranslateRequest(self.job, folder, text, self.beam.value()))

    def stop(self) -> None:
        self.worker.cancel()
        self._set_busy(False)
        self.status.emit("Stopped")

    def copy_output(self) -> None:
        QGuiApplication.clipboard().setText(self.output.toPlainText())
        self.status.emit("Translation copied")

    def swap(self) -> None:
        entry = self.picker.current()
        reverse = reverse_of(entry, self.picker.entries()) if entry else None
        if reverse is None:
            self._show_message("No model translates the other way.")
            return
        translation = self.output.toPlainText()
        self.picker.select_folder(str(reverse.folder))
        self.source.setPlainText(translation)
        self.translate_now()

    def set_source_text(self, text: str) -> None:
        self.source.setPlainText(text)
        self.translate_now()

    # -- worker signals -----------------------------------------------------------------
    def _on_sentence_started(self, job: int, index: int, source_pieces: list) -> None:
        if job != self.job:
            return
        self.alignments.append(Alignment(list(source_pieces)))
        self.translations.append("")
        self.sentence_choice.addItem(f"{index + 1}")
        self.sentence_choice.setCurrentIndex(index)
        if index:
            self._append_output(" ")

    def _on_token(self, job: int, index: int, piece: str, model_piece: str, row, heads) -> None:
        if job != self.job:
            return
        alignment = self.alignments[index]
        first = not alignment.rows
        alignment.append(model_piece, row, heads)
        self.translations[index] += piece
        self._append_output(piece)
        if first:
            self._offer_views(alignment)
        if self.sentence_choice.currentIndex() == index:
            self.heatmap.rows_added()

    def _on_sentence_finished(self, job: int, index: int, text: str) -> None:
        if job == self.job:
            self.translations[index] = text

    def _on_job_finished(self, job: int, completed: bool) -> None:
        if job != self.job:
            return
        self._set_busy(False)
        if completed:
            tokens = sum(len(a.rows) for a in self.alignments)
            self.status.emit(f"Translated {len(self.alignments)} sentence(s), {tokens} tokens")
        self.finished.emit(job, completed)

    def _on_warning(self, job: int, message: str) -> None:
        if job == self.job:
            self.warnings.append(message)
            self._show_message(" ".join(self.warnings))

    def _on_failed(self, job: int, message: str) -> None:
        if job == self.job:
            self._show_message(message)
            self.status.emit(message)

    # -- helpers ----------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        self.worker.cancel()  # a new keystroke cancels the running job
        if self.as_you_type.isChecked():
            self.debounce.start()

    def _retranslate(self) -> None:
        if self.source.toPlainText().strip():
            self.translate_now()

    def _on_model_changed(self, folder: str) -> None:
        entry = self.picker.current()
        has_reverse = bool(entry and reverse_of(entry, self.picker.entries()))
        self.swap_button.setEnabled(has_reverse)
        if entry and entry.error:
            self._show_message(f"This model folder is damaged: {entry.error}")
        elif not folder:
            self._show_message("No translation model found. Put a model folder in models/ or use Open….")
        else:
            self._show_message("")
            self._retranslate()

    def _append_output(self, text: str) -> None:
        cursor = self.output.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(text)

    def _offer_views(self, alignment: Alignment) -> None:
        """Fill the attention choice; it is disabled for models with one attention (RNN)."""
        views = alignment.views()
        if views != [self.view_choice.itemText(i) for i in range(self.view_choice.count())]:
            wanted = (self.view_choice.currentText(), self.settings.get(Key.TRANSLATE_VIEW, AVERAGE_LAST_LAYER, str))
            self.view_choice.blockSignals(True)
            self.view_choice.clear()
            self.view_choice.addItems(views)
            self.view_choice.setCurrentText(next((view for view in wanted if view in views), views[0]))
            self.view_choice.setEnabled(len(views) > 1)
            self.view_choice.blockSignals(False)
            self.heatmap.set_view(self.view_choice.currentText())

    def _on_view_changed(self, view: str) -> None:
        if view:
            self.heatmap.set_view(view)
            self.settings.set(Key.TRANSLATE_VIEW, view)

    def _show_sentence(self, index: int) -> None:
        self.heatmap.set_alignment(self.alignments[index] if 0 <= index < len(self.alignments) else None)

    def _set_busy(self, busy: bool) -> None:
        self.stop_button.setEnabled(busy)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)

    def _export(self, kind: str) -> None:
        alignment = self.heatmap.alignment()
        if alignment is None or not alignment.rows:
            self._show_message("Translate something first: there is no heatmap to export.")
            return
        path = ask_export_path(self, self.settings, "attention", kind)
        if path:
            self.export_to(path, kind)

    def export_to(self, path: str, kind: str) -> None:
        try:
            if kind == "png":
                self.heatmap.save_png(path)
            elif kind == "svg":
                self.heatmap.save_svg(path)
            else:
                self.heatmap.alignment().save_json(path, self.heatmap.view())
        except OSError as error:
            self._show_message(f"Could not export: {error}")
            return
        self.status.emit(f"Saved {path}")
