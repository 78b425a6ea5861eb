"""The Translate tab's attention panel: one sentence's heatmap at a time, and the bar that picks and exports it.

The tab owns the translation (a list of explanation.SentenceResult); the panel keeps nothing but what it draws.
Its bar picks the sentence (people's pick arrives as `sentenceChosen(index)`, and the tab answers with
`show_sentence`), the attention view (a Transformer's layers and heads, remembered in the settings), word pieces
or whole words, and a Transformer's self-attention beside the heatmap; it exports the shown sentence as a PNG or
SVG image, its attention matrix as JSON, or its word alignment as Pharaoh "i-j" pairs. Under the heatmap, a line
says what the mouse is over.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from desktop_app.alignment import AVERAGE_LAST_LAYER, Alignment

from .explanation import SentenceResult
from .export_dialog import ask_export_path, export_error
from .heatmap import HeatmapWidget
from .self_attention_view import SelfAttentionView
from .settings import Key, Settings

EXPORT_BUTTONS = {"png": "PNG…", "svg": "SVG…", "json": "JSON…", "align": "Alignment…"}  # kind -> label
NOTHING_TO_EXPORT = "Translate something first: there is no heatmap to export."
Marks = tuple[Iterable[int], Iterable[int]]  # source pieces, output rows: as HeatmapWidget.set_marks takes them


class HeatmapPanel(QWidget):
    sentenceChosen = Signal(int)  # the sentence people picked (an index into the tab's results); -1 once cleared
    rowClicked = Signal(int)  # the output piece of a clicked row label or cell (a word's first piece)
    status = Signal(str)  # what was done, for the status bar: "Saved <path>"
    message = Signal(str)  # a line for people: nothing to export yet, or the export failed

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.heatmap = HeatmapWidget()
        self.sentence_choice = QComboBox(toolTip="Which sentence's alignment to show")
        self.view_choice = QComboBox(toolTip="Transformer: pick a layer and head, or an average")
        self.view_choice.addItem(AVERAGE_LAST_LAYER)
        self.pieces = QCheckBox("Pieces", toolTip="Show the model's word pieces instead of whole words")
        self.show_self_attention = QCheckBox("Self-attention", toolTip="Also show a Transformer's self-attention")
        self.self_attention = SelfAttentionView()
        self.self_attention.setVisible(False)
        self.hover_info = QLabel(" ", toolTip="Hover over the heatmap")
        self.export_buttons = {kind: QPushButton(label) for kind, label in EXPORT_BUTTONS.items()}
        self.export_buttons["align"].setToolTip(
            "Which source word each translated word attends to most, as i-j pairs (Pharaoh, for alignment tools)"
        )
        self._lay_out()
        self._connect()

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        for widget in (QLabel("Sentence"), self.sentence_choice, QLabel("Attention"), self.view_choice):
            bar.addWidget(widget)
        bar.addWidget(self.pieces)
        bar.addWidget(self.show_self_attention)
        bar.addStretch(1)
        bar.addWidget(QLabel("Export"))
        for button in self.export_buttons.values():
            bar.addWidget(button)
        heatmaps = QSplitter(Qt.Orientation.Horizontal)
        heatmaps.addWidget(self.heatmap)
        heatmaps.addWidget(self.self_attention)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(heatmaps, 1)
        layout.addWidget(self.hover_info)

    def _connect(self) -> None:
        self.sentence_choice.currentIndexChanged.connect(self.sentenceChosen)
        self.view_choice.currentTextChanged.connect(self._on_view_changed)
        self.heatmap.rowClicked.connect(self.rowClicked)
        for heatmap in (self.heatmap, self.self_attention.heatmap):
            heatmap.hovered.connect(lambda text: self.hover_info.setText(text or " "))
        self.pieces.toggled.connect(self._on_pieces_toggled)
        self.show_self_attention.toggled.connect(self.self_attention.setVisible)
        for kind, button in self.export_buttons.items():
            button.clicked.connect(lambda _=False, kind=kind: self.export(kind))

    # -- sentences ------------------------------------------------------------------
    def clear(self) -> None:
        """No sentences: nothing drawn, no hover line (a new translation is starting)."""
        self.sentence_choice.clear()
        self.heatmap.set_alignment(None)
        self.self_attention.show_sentence(None)
        self.clear_hover()

    def add_sentence(self) -> None:
        """Offer one more sentence and choose it (sentenceChosen follows)."""
        self.sentence_choice.addItem(f"{self.sentence_choice.count() + 1}")
        self.sentence_choice.setCurrentIndex(self.sentence_choice.count() - 1)

    def current_sentence(self) -> int:
        """The chosen sentence's index, -1 when there is none."""
        return self.sentence_choice.currentIndex()

    def choose_sentence(self, index: int) -> None:
        """Choose a sentence as people would (sentenceChosen follows if it was not chosen already)."""
        self.sentence_choice.setCurrentIndex(index)

    # -- what is drawn ----------------------------------------------------------------
    def show_sentence(
        self,
        result: SentenceResult | None,
        marks: Marks = ((), ()),
        selected_row: int | None = None,
    ) -> None:
        """Draw one sentence (None: nothing) with its warnings' marks and its selected output row."""
        self.heatmap.set_alignment(result.alignment if result else None)
        self.heatmap.set_column_scores(result.source_dependence() if result else None)
        self.heatmap.set_marks(*marks)
        if selected_row is not None:
            self.heatmap.set_selected_row(selected_row)
        self.self_attention.show_sentence(result)

    def rows_added(self, sentence: int, alignment: Alignment) -> None:
        """A token joined `sentence`'s alignment: its first one offers the model's views; drawn if shown."""
        if len(alignment.rows) == 1:
            self._offer_views(alignment)
        if self.current_sentence() == sentence:
            self.heatmap.rows_added()

    def sentence_explained(self, sentence: int, result: SentenceResult, marks: Marks) -> None:
        """`sentence`'s explanation arrived: if it is shown, mark its warnings and show its self-attention."""
        if self.current_sentence() == sentence:
            self.heatmap.set_column_scores(result.source_dependence())
            self.heatmap.set_marks(*marks)
            self.self_attention.show_sentence(result)

    def set_marks(self, source_pieces: Iterable[int], output_rows: Iterable[int]) -> None:
        self.heatmap.set_marks(source_pieces, output_rows)

    def set_selected_row(self, row: int | None) -> None:
        self.heatmap.set_selected_row(row)

    def clear_hover(self) -> None:
        """A hover line left from another model or text would describe what is no longer there."""
        self.heatmap.clear_hover()
        self.self_attention.heatmap.clear_hover()
        self.hover_info.setText(" ")

    def hideEvent(self, event) -> None:
        self.clear_hover()  # on switching tabs too: the mouse is no longer over the heatmap
        super().hideEvent(event)

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

    def _on_pieces_toggled(self, pieces: bool) -> None:
        self.heatmap.set_word_level(not pieces)
        self.self_attention.heatmap.set_word_level(not pieces)

    # -- exports --------------------------------------------------------------------
    def export(self, kind: str) -> None:
        """Ask where to save the shown sentence as `kind` (a key of EXPORT_BUTTONS), then save it there."""
        if not self._has_rows():
            return
        path = ask_export_path(self, self.settings, "attention", kind)
        if path:
            self.export_to(path, kind)

    def export_to(self, path: str, kind: str) -> None:
        """png, svg: the heatmap as drawn; json: the matrix of the chosen view; align: the word alignment in that
        view, one line of "i-j" pairs (source word i, output word j, 0-based: Alignment.to_pharaoh)."""
        if not self._has_rows():
            return
        alignment, view = self.heatmap.alignment(), self.heatmap.view()
        savers = {
            "png": self.heatmap.save_png,
            "svg": self.heatmap.save_svg,
            "json": lambda path: alignment.save_json(path, view),
            "align": lambda path: alignment.save_pharaoh(path, view),
        }
        error = export_error(savers[kind], path)
        if error:
            self.message.emit(error)
            return
        self.status.emit(f"Saved {path}")

    def _has_rows(self) -> bool:
        """Whether there is a heatmap to export; if not, people are told so."""
        alignment = self.heatmap.alignment()
        if alignment is None or not alignment.rows:
            self.message.emit(NOTHING_TO_EXPORT)
            return False
        return True
