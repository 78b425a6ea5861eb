"""Compare models: two translation models on the same sentence, side by side, and how much they agree.

Model A translates; model B is made to write A's translation, so both heatmaps have the same output words and
can be read across (seq2seq/comparison.py). Words on which the two attend to different source words are marked
in both heatmaps. The work runs on a CompareWorker; closing the window cancels it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .compare_worker import CompareRequest, CompareResult, CompareWorker
from .heatmap import HeatmapWidget
from .model_picker import ModelPicker

EXPORT_GAP = 24  # pixels between the two heatmaps of an export


class CompareWindow(QWidget):
    requested = Signal(object)  # CompareRequest, to the worker's thread
    finished = Signal(int, bool)  # job, completed: after the window has shown the outcome

    def __init__(self, worker: CompareWorker, model_roots: list[Path], parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Compare models")
        self.worker = worker
        self.job = 0
        self.results: list[CompareResult] = []
        self._build(model_roots)
        self._connect()
        self._offer_another_model()
        self.resize(1200, 720)

    def _build(self, model_roots: list[Path]) -> None:
        self.picker_a = ModelPicker("translation", model_roots)
        self.picker_b = ModelPicker("translation", model_roots)
        self.source = QPlainTextEdit(placeholderText="A sentence to translate with both models")
        self.source.setMaximumHeight(80)
        self.compare_button = QPushButton("Compare", toolTip="Translate with both models and compare their attention")
        self.stop_button = QPushButton("Stop", enabled=False)
        self.beam = QSpinBox(minimum=1, maximum=12, value=1, toolTip="Model A's beam width (1 = greedy)")
        self.export_button = QPushButton("PNG…", toolTip="Save both heatmaps side by side, whole", enabled=False)
        self.sentence_choice = QComboBox(toolTip="Which sentence to show", minimumContentsLength=30)
        self.message = QLabel(wordWrap=True, objectName="message")
        self.summary = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.translation_a = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.translation_b = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption_a, self.caption_b = QLabel(), QLabel()
        self.heatmap_a, self.heatmap_b = HeatmapWidget(), HeatmapWidget()

        models = QGridLayout()
        models.addWidget(QLabel("Model A"), 0, 0)
        models.addWidget(self.picker_a, 0, 1)
        models.addWidget(QLabel("Model B"), 1, 0)
        models.addWidget(self.picker_b, 1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.compare_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(QLabel("Beam"))
        buttons.addWidget(self.beam)
        buttons.addWidget(QLabel("Sentence"))
        buttons.addWidget(self.sentence_choice)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.export_button)
        texts = QGridLayout()
        texts.addWidget(QLabel("A translates:"), 0, 0)
        texts.addWidget(self.translation_a, 0, 1)
        texts.addWidget(QLabel("B translates:"), 1, 0)
        texts.addWidget(self.translation_b, 1, 1)
        texts.setColumnStretch(1, 1)
        heatmaps = QSplitter(Qt.Orientation.Horizontal)
        for caption, heatmap in ((self.caption_a, self.heatmap_a), (self.caption_b, self.heatmap_b)):
            panel = QWidget()
            panel_layout = QVBoxLayout(panel)
            panel_layout.setContentsMargins(0, 0, 0, 0)
            panel_layout.addWidget(caption)
            panel_layout.addWidget(heatmap, 1)
            heatmaps.addWidget(panel)
        layout = QVBoxLayout(self)
        layout.addLayout(models)
        layout.addWidget(self.source)
        layout.addLayout(buttons)
        layout.addLayout(texts)
        layout.addWidget(self.summary)
        layout.addWidget(heatmaps, 1)

    def _connect(self) -> None:
        self.requested.connect(self.worker.compare)
        self.worker.sentenceCompared.connect(self._on_compared)
        self.worker.sentenceSkipped.connect(self._on_skipped)
        self.worker.failed.connect(self._on_failed)
        self.worker.jobFinished.connect(self._on_job_finished)
        self.compare_button.clicked.connect(self.compare)
        self.stop_button.clicked.connect(self.stop)
        self.export_button.clicked.connect(self._ask_export)
        self.sentence_choice.currentIndexChanged.connect(self._show)
        for picker in (self.picker_a, self.picker_b):
            picker.refused.connect(self._show_message)  # a speech model opened here

    def _offer_another_model(self) -> None:
        """Model B starts as another model of A's languages (an RNN beside a Transformer), when there is one."""
        chosen = self.picker_a.current()
        if chosen is None:
            return
        for entry in self.picker_b.entries():
            same_direction = (entry.source_language, entry.target_language) == (
                chosen.source_language,
                chosen.target_language,
            )
            if same_direction and not entry.error and entry.folder != chosen.folder:
                self.picker_b.select_folder(str(entry.folder))
                return

    # -- actions ------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        self.source.setPlainText(text)

    def compare(self) -> None:
        text = self.source.toPlainText()
        folder_a, folder_b = self.picker_a.current_folder(), self.picker_b.current_folder()
        if not text.strip():
            self._show_message("Type a sentence to compare the models on.")
            return
        if not folder_a or not folder_b:
            self._show_message("Choose two translation models (models/ holds the bundled ones).")
            return
        entry_a, entry_b = self.picker_a.current(), self.picker_b.current()
        if (entry_a.source_language, entry_a.target_language) != (entry_b.source_language, entry_b.target_language):
            self._show_message("Choose two models that translate between the same languages.")
            return
        self.job = self.worker.next_job()
        self.results = []
        self.sentence_choice.clear()
        for heatmap in (self.heatmap_a, self.heatmap_b):
            heatmap.set_alignment(None)
        for label in (self.summary, self.translation_a, self.translation_b):
            label.clear()
        self.caption_a.setText(f"A: {Path(folder_a).name} writing its translation")
        self.caption_b.setText(f"B: {Path(folder_b).name} made to write A's translation")
        self._show_message("Translating with both models…")
        self.stop_button.setEnabled(True)
        self.export_button.setEnabled(False)
        self.requested.emit(CompareRequest(self.job, folder_a, folder_b, text, self.beam.value()))

    def stop(self) -> None:
        self.worker.cancel()
        self.stop_button.setEnabled(False)
        self._show_message("Stopped.")

    # -- worker signals -----------------------------------------------------------------
    def _on_compared(self, job: int, index: int, result: CompareResult) -> None:
        if job != self.job:
            return
        self.results.append(result)
        self.export_button.setEnabled(True)
        self.sentence_choice.addItem(f"{len(self.results)}: {result.sentence[:40]}")
        if len(self.results) == 1:
            self._show(0)

    def _on_skipped(self, job: int, index: int, sentence: str, message: str) -> None:
        if job == self.job:
            self._show_message(f"Sentence {index + 1} was not compared: {message}")

    def _on_failed(self, job: int, message: str) -> None:
        if job == self.job:
            self._show_message(message)

    def _on_job_finished(self, job: int, completed: bool) -> None:
        if job != self.job:
            return
        self.stop_button.setEnabled(False)
        if completed and self.results and self.message.text().startswith("Translating"):
            self._show_message("")
        self.finished.emit(job, completed)

    def _show(self, index: int) -> None:
        if not 0 <= index < len(self.results):
            return
        result = self.results[index]
        self.translation_a.setText(result.translation_a)
        self.translation_b.setText(result.translation_b)
        self.summary.setText(summary_text(result))
        self.heatmap_a.set_alignment(result.alignment_a)
        self.heatmap_b.set_alignment(result.alignment_b)
        self.heatmap_a.set_marks((), result.differing_a)
        self.heatmap_b.set_marks((), result.differing_b)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save both heatmaps", "comparison.png", "PNG image (*.png)")
        if path:
            try:
                self.export_png(path)
            except OSError as error:
                self._show_message(f"Could not save: {error}")
                return
            self._show_message(f"Saved {path}")

    def export_png(self, path: str | Path) -> None:
        """Both heatmaps, whole, side by side under their captions (A left, B right)."""
        heatmaps = ((self.caption_a.text(), self.heatmap_a), (self.caption_b.text(), self.heatmap_b))
        sizes = [heatmap.export_size() for _, heatmap in heatmaps]
        caption = QFontMetrics(self.font()).height() + 8
        image = QImage(
            sum(size.width() for size in sizes) + EXPORT_GAP,
            max(size.height() for size in sizes) + caption,
            QImage.Format.Format_ARGB32,
        )
        image.fill(self.palette().color(QPalette.ColorRole.Base))
        painter = QPainter(image)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        x = 0
        for (text, heatmap), size in zip(heatmaps, sizes, strict=True):
            painter.drawText(x + 4, caption - 6, text)
            painter.save()
            painter.translate(x, caption)
            heatmap.render_whole(painter, size)
            painter.restore()
            x += size.width() + EXPORT_GAP
        painter.end()
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.worker.cancel()
        self.stop_button.setEnabled(False)
        super().closeEvent(event)


def summary_text(result: CompareResult) -> str:
    """The agreement in one line for people, then the words the models read differently."""
    words = len(result.output_words)
    line = (
        f"On A's {words} output word{'s' if words != 1 else ''}, the models attend most to the same source word "
        f"for {_percent(result.same_best)}; their word links agree {_percent(result.link_agreement)} "
        f"(1 − AER); they share {_percent(result.overlap)} of their attention."
    )
    differing = [
        f"“{result.output_words[i]}”: A {result.source_words[a]}, B {result.source_words[b]}"
        for i, (a, b) in enumerate(zip(result.best_a, result.best_b, strict=True))
        if a != b
    ]
    if differing:
        line += " They differ on (marked): " + "; ".join(differing) + "."
    return line


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"
