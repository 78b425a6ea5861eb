"""The Translate tab: type, watch the translation stream in, and see where the model attends and why.

Its parts: translate_toolbar.py (model, Swap, beam, as-you-type), translate_texts.py (the source, the output
and what explains it, the buttons), heatmap_panel.py (the shown sentence's attention, and its exports). The tab
runs translation jobs on its TranslateWorker and keeps the shown translation (results), sentence by sentence.

Explaining (issue 41): the output's words are shaded by the model's confidence and clickable
(output_words.py); the selected word's alternatives, and a what-if that continues the sentence after
another word, with undo (alternatives_panel.py, whatif.py); attention warnings beside the translation and
marked on the heatmap (warnings_list.py); a Transformer's self-attention (self_attention_view.py).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop_app.alignment import Alignment

from .dictate_choices import language_name
from .explanation import SentenceExplanation, SentenceResult, TokenScore
from .heatmap_panel import HeatmapPanel
from .model_picker import preferred_languages
from .settings import Settings
from .translate_texts import TranslateTexts, splitter
from .translate_toolbar import NO_MODEL, TranslateToolbar
from .translate_worker import TranslateRequest, TranslateWorker, WhatIfRequest
from .warnings_list import NO_SENTENCE
from .whatif import WhatIfHistory

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
        self.results: list[SentenceResult] = []  # the shown translation, sentence by sentence
        self.warnings: list[str] = []  # the worker's lines (unreadable input, output cut short), under the output
        self.history = WhatIfHistory()
        self.selected: tuple[int, int] | None = None  # (sentence, output row) of the selected word
        self.what_if_sentence: int | None = None  # the sentence the running job translates again
        self.model_folder = ""  # the shown translation's
        self._build(model_roots)
        self._connect()
        self._restore()

    @property
    def alignments(self) -> list[Alignment]:
        """Each sentence's alignment, in order."""
        return [result.alignment for result in self.results]

    # -- construction -------------------------------------------------------------
    def _build(self, model_roots: list[Path]) -> None:
        """The three parts. Their widgets that the tab drives, and those tests and scripts reach, by their names."""
        self.toolbar = bar = TranslateToolbar(self.settings, model_roots)
        self.picker, self.swap_button = bar.picker, bar.swap_button
        self.beam, self.as_you_type = bar.beam, bar.as_you_type
        self.texts = texts = TranslateTexts()
        self.source, self.output, self.message = texts.source, texts.output, texts.message
        self.alternatives, self.warnings_list = texts.alternatives, texts.warnings_list
        self.heatmap_panel = panel = HeatmapPanel(self.settings)
        self.heatmap, self.sentence_choice, self.view_choice = panel.heatmap, panel.sentence_choice, panel.view_choice
        self.pieces, self.show_self_attention = panel.pieces, panel.show_self_attention
        self.self_attention, self.hover_info = panel.self_attention, panel.hover_info
        self.splitter = splitter(Qt.Orientation.Vertical, texts, panel)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([420, 480])  # the heatmap gets about half the height
        layout = QVBoxLayout(self)
        layout.addWidget(bar)
        layout.addWidget(self.splitter, 1)
        self.debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)

    def _connect(self) -> None:
        self.requested.connect(self.worker.translate)
        self.worker.sentenceStarted.connect(self._on_sentence_started)
        self.worker.tokenScored.connect(self._on_token_scored)
        self.worker.tokenReady.connect(self._on_token)
        self.worker.sentenceExplained.connect(self._on_sentence_explained)
        self.worker.jobFinished.connect(self._on_job_finished)
        self.worker.warning.connect(self._on_warning)
        self.worker.failed.connect(self._on_failed)
        self.worker.modelLoading.connect(lambda job, folder: self.status.emit(f"Loading {Path(folder).name}…"))
        self.worker.modelLoaded.connect(lambda job, folder: self.status.emit(f"Loaded {Path(folder).name}"))
        self.source.textChanged.connect(self._on_text_changed)
        self.debounce.timeout.connect(self.translate_now)
        self.texts.translate_button.clicked.connect(self.translate_now)
        self.texts.stop_button.clicked.connect(self.stop)
        self.texts.copy_button.clicked.connect(self.copy_output)
        self.swap_button.clicked.connect(self.swap)
        self.picker.modelChanged.connect(self._on_model_changed)
        self.beam.valueChanged.connect(lambda _: self._retranslate())
        self.heatmap_panel.sentenceChosen.connect(self._show_sentence)
        self.heatmap_panel.rowClicked.connect(lambda row: self.select_word(self.heatmap_panel.current_sentence(), row))
        self.heatmap_panel.status.connect(self.status)
        self.heatmap_panel.message.connect(self._show_message)
        self.output.wordSelected.connect(self.select_word)
        self.alternatives.chosen.connect(lambda token_id: self.continue_with((token_id,)))
        self.alternatives.typed.connect(lambda word: self.continue_with((), word))
        self.alternatives.undoRequested.connect(self.undo)
        self.warnings_list.warningSelected.connect(self._on_warning_selected)
        for keys in (QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")):
            QShortcut(keys, self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut, activated=self.translate_now)

    def _restore(self) -> None:
        self.toolbar.restore()
        self._on_model_changed(self.picker.current_folder())

    def save_settings(self) -> None:
        self.toolbar.save()

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
            self._show_message(NO_MODEL)
            return
        self.job = self.worker.next_job()
        self.model_folder, self.what_if_sentence = folder, None
        self.results, self.warnings, self.selected = [], [], None
        self.history.clear()
        self.output.show_results(self.results)
        self.alternatives.clear()
        self.alternatives.set_undo_available(False)
        self._show_warnings()
        self.heatmap_panel.clear()
        self._show_message("")
        self.texts.set_busy(True)
        self.requested.emit(TranslateRequest(self.job, folder, text, self.beam.value()))

    def stop(self) -> None:
        self.worker.cancel()
        self.texts.set_busy(False)
        self.status.emit("Stopped")

    def copy_output(self) -> None:
        QGuiApplication.clipboard().setText(self.output.toPlainText())
        self.status.emit("Translation copied")

    def swap(self) -> None:
        reverse = self.toolbar.reverse_folder()
        if not reverse:
            self._show_message("No model translates the other way.")
            return
        translation = self.output.toPlainText()
        self.heatmap_panel.clear_hover()
        self.picker.select_folder(reverse)
        self.source.setPlainText(translation)
        self.translate_now()

    def set_source_text(self, text: str, language: str = "") -> None:
        """Translate `text`; where its `language` is known and the chosen model reads another, a model that
        reads it is chosen (one into the same language first), or the message says none is installed."""
        problem = self._choose_model_reading(language) if language else ""
        self.source.setPlainText(text)
        self.translate_now()
        if problem:  # first among this job's warnings, so that the model's own do not hide it
            self.warnings.append(problem)
            self._show_message(problem)

    def _choose_model_reading(self, language: str) -> str:
        """Choose a model whose source is `language`; -> "" or why the chosen one stays."""
        current = self.picker.current()
        if current is not None and current.source_language == language:
            return ""
        readers = [e for e in self.picker.entries() if not e.error and e.source_language == language]
        if not readers:
            reads = f" (it reads {current.source_language})" if current is not None else ""
            return f"No installed model translates from {language_name(language)}; the chosen one{reads} may not fit."
        # into the language the chosen model writes, else into the user's own (then English); stable: the
        # picker's order otherwise
        target = current.target_language if current is not None else ""
        mine = preferred_languages()
        readers.sort(
            key=lambda e: (
                e.target_language != target,
                mine.index(e.target_language) if e.target_language in mine else len(mine),
            )
        )
        self.picker.select_folder(str(readers[0].folder))
        return ""

    # -- explaining -------------------------------------------------------------------
    def select_word(self, sentence: int, row: int) -> None:
        """Select an output word (its piece `row`) everywhere: text, heatmap, alternatives."""
        if not 0 <= sentence < len(self.results) or not 0 <= row < len(self.results[sentence].scores):
            self.selected = None  # e.g. a what-if ended the sentence before this word
            self.output.clear_selection()
            self.heatmap_panel.set_selected_row(None)
            self.alternatives.clear()
            return
        result = self.results[sentence]
        row = result.word_span(row)[0]
        self.selected = (sentence, row)
        self.heatmap_panel.choose_sentence(sentence)
        self.output.select(sentence, row)
        self.heatmap_panel.set_selected_row(row)
        self.alternatives.show_token(result, row)

    def continue_with(self, token_ids: tuple[int, ...], typed: str = "") -> None:
        """What-if: translate the selected word's sentence again, written up to that word and then with
        `token_ids` (or the `typed` word) in its place."""
        if self.selected is None or self.texts.busy():
            return
        sentence, row = self.selected
        result = self.results[sentence]
        prefix = tuple(score.token_id for score in result.scores[:row]) + tuple(token_ids)
        self.history.push(sentence, result, row)
        self.job = self.worker.next_job()
        self.what_if_sentence = sentence
        self.texts.set_busy(True)
        self._show_message("")
        request = WhatIfRequest(
            self.job, self.model_folder, result.source_text, sentence, self.beam.value(), prefix, typed
        )
        self.requested.emit(request)

    def undo(self) -> None:
        """Back to the sentence as it was before the last what-if (one that is running: Stop undoes it)."""
        before = None if self.texts.busy() else self.history.pop()
        if before is None:
            return
        self._put_back(before.index, before.result)
        self.output.redraw()
        self.select_word(before.index, before.row)
        self.status.emit(f"Sentence {before.index + 1} is back as it was")

    def _put_back(self, index: int, result: SentenceResult) -> None:
        self.results[index] = result
        self.output.sentence_replaced(index)
        self.alternatives.set_undo_available(len(self.history) > 0)
        self._show_warnings()
        if self.heatmap_panel.current_sentence() == index:
            self._show_sentence(index)

    # -- worker signals -----------------------------------------------------------------
    def _on_sentence_started(self, job: int, index: int, source_pieces: list, text: str) -> None:
        if job != self.job:
            return
        result = SentenceResult(text, Alignment(list(source_pieces)))
        if index < len(self.results):  # a what-if: this sentence again
            self._put_back(index, result)
            return
        self.results.append(result)
        self.output.sentence_added(index)
        self.heatmap_panel.add_sentence()

    def _on_token_scored(self, job: int, index: int, score: TokenScore) -> None:
        if job == self.job:
            self.results[index].scores.append(score)

    def _on_token(self, job: int, index: int, piece: str, model_piece: str, row, heads) -> None:
        if job != self.job:
            return
        result = self.results[index]
        result.alignment.append(model_piece, row, heads)
        result.pieces.append(piece)
        self.output.token_added(index)
        self.heatmap_panel.rows_added(index, result.alignment)

    def _on_sentence_explained(self, job: int, index: int, explanation: SentenceExplanation) -> None:
        if job != self.job:
            return
        self.results[index].explanation = explanation
        self.output.sentence_done(index)
        self._show_warnings()
        self.heatmap_panel.sentence_explained(index, self.results[index], self.warnings_list.marks_for(index))
        if self.what_if_sentence == index and self.selected and self.selected[0] == index:
            self.select_word(index, self.selected[1])  # the word people chose, with the model's view of it

    def _on_job_finished(self, job: int, completed: bool) -> None:
        if job != self.job:
            return
        self.texts.set_busy(False)
        if self.what_if_sentence is not None:
            self._what_if_finished(completed)
        elif completed:
            count = len(self.results)
            self.status.emit(f"Translated {count} sentence{'' if count == 1 else 's'}")
        self.finished.emit(job, completed)

    def _what_if_finished(self, completed: bool) -> None:
        index, self.what_if_sentence = self.what_if_sentence, None
        if completed:
            self.alternatives.set_undo_available(True)
            self.status.emit(f"Translated sentence {index + 1} again, with your choice")
            return
        before = self.history.pop()  # it failed or was stopped: the sentence as it was
        if before is not None and self.results[before.index] is not before.result:
            self._put_back(before.index, before.result)
            self.output.redraw()
        self.alternatives.set_undo_available(len(self.history) > 0)

    def _on_warning(self, job: int, message: str) -> None:
        if job == self.job:
            self.warnings.append(message)
            self._show_message(" ".join(self.warnings))
            self._show_warnings()

    def _on_failed(self, job: int, message: str) -> None:
        if job == self.job:
            self._show_message(message)
            self.status.emit(message)

    # -- warnings -----------------------------------------------------------------------
    def _show_warnings(self) -> None:
        self.warnings_list.set_warnings(" ".join(self.warnings) or None, self.results)
        self._mark_warnings()

    def _on_warning_selected(self, sentence: int, index: int) -> None:
        if sentence != NO_SENTENCE and self.heatmap_panel.current_sentence() != sentence:
            self.heatmap_panel.choose_sentence(sentence)  # shows it, with the warning's words marked
        else:
            self._mark_warnings()

    def _mark_warnings(self) -> None:
        self.heatmap_panel.set_marks(*self.warnings_list.marks_for(self.heatmap_panel.current_sentence()))

    # -- helpers ----------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        self.worker.cancel()  # a new keystroke cancels the running job
        if self.as_you_type.isChecked():
            self.debounce.start()

    def _retranslate(self) -> None:
        if self.source.toPlainText().strip():
            self.translate_now()

    def _on_model_changed(self, _folder: str) -> None:
        self.heatmap_panel.clear_hover()
        problem = self.toolbar.model_problem()
        self._show_message(problem)
        if not problem:
            self._retranslate()

    def _show_sentence(self, index: int) -> None:
        result = self.results[index] if 0 <= index < len(self.results) else None
        selected_row = self.selected[1] if self.selected and self.selected[0] == index else None
        self.heatmap_panel.show_sentence(result, self.warnings_list.marks_for(index), selected_row)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)

    def _export(self, kind: str) -> None:
        """File ▸ Export heatmap (main_window.py): as the panel's export buttons."""
        self.heatmap_panel.export(kind)

    def export_to(self, path: str, kind: str) -> None:
        """Save the shown sentence's attention: see HeatmapPanel.export_to."""
        self.heatmap_panel.export_to(path, kind)
