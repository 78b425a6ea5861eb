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
    warning = Signal(int, str)  # job, a line for people: input the model cannot read, or output cut short

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
        """Each sentence (an overlong one as its parts, see Translator.sentences) streamed in turn."""
        from desktop_app.seq2seq import DecodeOptions
        from desktop_app.seq2seq.decoding import Streamed
        from desktop_app.seq2seq.translator import output_warning

        translator = self._translator(request.model_folder, request.job)
        options = DecodeOptions(beam_size=request.beam_size)
        unreadable = translator.input_warning(request.text)
        if unreadable:
            self.warning.emit(request.job, _sentence_case(unreadable) + ".")
        for index, sentence in enumerate(translator.sentences(request.text)):
            if not self.is_wanted(request.job):
                return False
            self.sentenceStarted.emit(request.job, index, translator.source_pieces(sentence))
            streamed = Streamed(translator.stream(sentence, options))
            pieces = []
            for step in streamed:
                if not self.is_wanted(request.job):
                    return False
                model_piece = translator.target_tokenizer.pieces([step.token_id])[0]
                pieces.append(step.piece)
                self.tokenReady.emit(request.job, index, step.piece, model_piece, step.attention, step.attention_heads)
            self.sentenceFinished.emit(request.job, index, "".join(pieces))
            cut_short = output_warning(streamed.nbest[0])
            if cut_short:
                self.warning.emit(request.job, f"Sentence {index + 1}: {cut_short}.")
        return True


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _describe(error: Exception) -> str:
    from desktop_app.seq2seq import InputError, ModelFolderError

    if isinstance(error, ModelFolderError):
        return f"The model folder cannot be used: {error}"
    if isinstance(error, InputError):
        return _sentence_case(str(error))
    return f"Translation failed: {type(error).__name__}: {error}"
