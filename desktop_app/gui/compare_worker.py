"""Comparing two translation models on a worker thread (Translate > Compare models…).

Sends each sentence's comparison as a CompareResult: plain lists, floats and Alignment (numpy rows), never a
tensor or a model.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot

from desktop_app.alignment import Alignment

from .workers import Worker

KEPT_MODELS = 2  # the two being compared stay loaded; choosing a third drops the older


@dataclass(frozen=True)
class CompareRequest:
    job: int
    folder_a: str
    folder_b: str
    text: str
    beam_size: int = 1


@dataclass(frozen=True)
class CompareResult:
    sentence: str
    translation_a: str  # model A's own translation
    translation_b: str  # model B's own translation
    alignment_a: Alignment  # A writing its translation
    alignment_b: Alignment  # B made to write A's translation: the same output words
    output_words: list[str]
    source_words: list[str]
    best_a: list[int]  # per output word, its most attended source word (index into source_words)
    best_b: list[int]
    same_best: float  # 0..1, see seq2seq/agreement.py
    link_agreement: float
    overlap: float
    differing_a: list[int]  # output pieces of A (a word's first piece) whose word the models disagree on
    differing_b: list[int]  # the same words, as B's output pieces


class CompareWorker(Worker):
    modelsLoaded = Signal(int, str, str)  # job, folder A, folder B
    sentenceCompared = Signal(int, int, object)  # job, sentence index, CompareResult
    sentenceSkipped = Signal(int, int, str, str)  # job, sentence index, the sentence, why (one line)

    def __init__(self) -> None:
        super().__init__()
        self._translators: dict[str, object] = {}

    @Slot(object)
    def compare(self, request: CompareRequest) -> None:
        self.run_job(request.job, lambda: self._run(request), _describe)

    def _translator(self, folder: str):
        from desktop_app.seq2seq import Translator, load_folder

        if folder not in self._translators:
            translator = Translator.from_loaded(load_folder(folder, task="translation"))
            kept = list(self._translators.items())[-(KEPT_MODELS - 1) :]
            self._translators = dict([*kept, (folder, translator)])
        return self._translators[folder]

    def _run(self, request: CompareRequest) -> bool:
        from desktop_app.seq2seq import DecodeOptions, InputError
        from desktop_app.seq2seq.agreement import WordMismatchError
        from desktop_app.seq2seq.comparison import compare_sentence

        a = self._translator(request.folder_a)
        if not self.is_wanted(request.job):
            return False
        b = self._translator(request.folder_b)
        self.modelsLoaded.emit(request.job, request.folder_a, request.folder_b)
        options = DecodeOptions(beam_size=request.beam_size)
        for index, sentence in enumerate(a.sentences(request.text)):
            if not self.is_wanted(request.job):
                return False
            try:
                comparison = compare_sentence(a, b, sentence, options)
            except (InputError, WordMismatchError) as error:
                self.sentenceSkipped.emit(request.job, index, sentence, _sentence_case(str(error)))
                continue
            self.sentenceCompared.emit(request.job, index, _result(comparison))
        return True


def _result(comparison) -> CompareResult:
    from desktop_app.seq2seq.words import join_pieces

    found = comparison.agreement
    differing = found.disagreeing
    first_pieces = []
    for pieces in (comparison.output_pieces_a, comparison.output_pieces_b):
        spans = join_pieces(pieces).spans
        first_pieces.append([spans[i].start for i in differing if i < len(spans)])
    return CompareResult(
        sentence=comparison.sentence,
        translation_a=comparison.translation_a,
        translation_b=comparison.translation_b,
        alignment_a=Alignment(comparison.source_pieces_a, comparison.output_pieces_a, list(comparison.attention_a)),
        alignment_b=Alignment(comparison.source_pieces_b, comparison.output_pieces_b, list(comparison.attention_b)),
        output_words=found.output_words,
        source_words=found.source_words,
        best_a=found.best_a,
        best_b=found.best_b,
        same_best=found.same_best,
        link_agreement=found.link_agreement,
        overlap=found.overlap,
        differing_a=first_pieces[0],
        differing_b=first_pieces[1],
    )


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _describe(error: Exception) -> str:
    from desktop_app.seq2seq import InputError, ModelFolderError

    if isinstance(error, ModelFolderError):
        return f"The model folder cannot be used: {error}"
    if isinstance(error, InputError):
        return _sentence_case(str(error))
    return f"The comparison failed ({type(error).__name__}: {error}). Try another sentence or model."
