"""Translation on a worker thread: loads model folders, streams tokens with attention rows."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot

from .workers import Worker


@dataclass(frozen=True)
class TranslateRequest:
    job: int
    model_folder: str
    text: str
    beam_size: int = 1


class TranslateWorker(Worker):
    modelLoaded = Signal(int, str)  # job, model folder
    sentenceStarted = Signal(int, int, list)  # job, sentence index, source pieces
    tokenReady = Signal(int, int, str, str, object, object)  # job, sentence, text piece, model piece, row, heads
    sentenceFinished = Signal(int, int, str)  # job, sentence index, its translation

    def __init__(self) -> None:
        super().__init__()
        self._translators: dict[str, object] = {}

    @Slot(object)
    def translate(self, request: TranslateRequest) -> None:
        self.run_job(request.job, lambda: self._run(request), _describe)

    def _translator(self, folder: str, job: int):
        if folder not in self._translators:
            from desktop_app.seq2seq import Translator

            self._translators = {folder: Translator.from_folder(folder)}  # keep one model in memory
            self.modelLoaded.emit(job, folder)
        return self._translators[folder]

    def _run(self, request: TranslateRequest) -> bool:
        from desktop_app.seq2seq import DecodeOptions
        from desktop_app.seq2seq.text import split_sentences

        translator = self._translator(request.model_folder, request.job)
        options = DecodeOptions(beam_size=request.beam_size)
        for index, sentence in enumerate(split_sentences(request.text)):
            if not self.is_wanted(request.job):
                return False
            self.sentenceStarted.emit(request.job, index, translator.source_pieces(sentence))
            steps = translator.stream(sentence, options)
            pieces = []
            for step in steps:
                if not self.is_wanted(request.job):
                    return False
                model_piece = translator.target_tokenizer.pieces([step.token_id])[0]
                pieces.append(step.piece)
                self.tokenReady.emit(request.job, index, step.piece, model_piece, step.attention, step.attention_heads)
            self.sentenceFinished.emit(request.job, index, "".join(pieces))
        return True


def _describe(error: Exception) -> str:
    from desktop_app.seq2seq import InputError, ModelFolderError

    if isinstance(error, ModelFolderError):
        return f"The model folder cannot be used: {error}"
    if isinstance(error, InputError):
        return str(error)[:1].upper() + str(error)[1:]
    return f"Translation failed: {type(error).__name__}: {error}"
