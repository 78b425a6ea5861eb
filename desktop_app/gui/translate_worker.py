"""Translation on a worker thread: loads model folders, streams tokens with attention rows and what explains them.

Besides each token (tokenReady) it sends the model's probability of it and its likeliest alternatives there
(tokenScored, just before), and once a sentence is done its attention warnings, beam hypotheses and, for a
Transformer, its self-attention (sentenceExplained): all plain data, see explanation.py. A WhatIfRequest
translates one sentence again, made to start with given tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot

from .workers import Worker

ALTERNATIVES = 5  # candidates listed per output token

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranslateRequest:
    job: int
    model_folder: str
    text: str
    beam_size: int = 1


@dataclass(frozen=True)
class WhatIfRequest:
    """Translate one sentence again, continuing after a forced start."""

    job: int
    model_folder: str
    sentence: str  # as sentenceStarted gave it (one part of an overlong sentence)
    index: int  # the sentence's index in the translation being shown
    beam_size: int
    prefix_ids: tuple[int, ...]  # output tokens to write first
    typed: str = ""  # a word people typed, written after prefix_ids


class TranslateWorker(Worker):
    modelLoading = Signal(int, str)  # job, model folder: about to load it (seconds for a big model)
    modelLoaded = Signal(int, str)  # job, model folder
    sentenceStarted = Signal(int, int, list, str)  # job, sentence index, source pieces, the sentence's text
    tokenScored = Signal(int, int, object)  # job, sentence index, explanation.TokenScore (before its tokenReady)
    tokenReady = Signal(int, int, str, str, object, object)  # job, sentence, text piece, model piece, row, heads
    sentenceFinished = Signal(int, int, str)  # job, sentence index, its translation
    sentenceExplained = Signal(int, int, object)  # job, sentence index, explanation.SentenceExplanation
    warning = Signal(int, str)  # job, a line for people: input the model cannot read, or output cut short

    def __init__(self) -> None:
        super().__init__()
        self._translators: dict[str, object] = {}

    @Slot(object)
    def translate(self, request: TranslateRequest | WhatIfRequest) -> None:
        run = self._what_if if isinstance(request, WhatIfRequest) else self._run
        self.run_job(request.job, lambda: run(request), _describe)

    def _translator(self, folder: str, job: int):
        if folder not in self._translators:
            from desktop_app.seq2seq import Translator

            self.modelLoading.emit(job, folder)
            self._translators = {folder: Translator.from_folder(folder)}  # keep one model in memory
            self.modelLoaded.emit(job, folder)
        return self._translators[folder]

    def _run(self, request: TranslateRequest) -> bool:
        """Each sentence (an overlong one as its parts, see Translator.sentences) streamed in turn; then each
        one's explanation, so that explaining (which rescores the sentence once per source word) never holds
        up the translation itself."""
        from desktop_app.seq2seq import DecodeOptions

        translator = self._translator(request.model_folder, request.job)
        options = DecodeOptions(beam_size=request.beam_size, nbest=request.beam_size, alternatives=ALTERNATIVES)
        unreadable = translator.input_warning(request.text)
        if unreadable:
            self.warning.emit(request.job, _sentence_case(unreadable) + ".")
        decoded = []
        for index, sentence in enumerate(translator.sentences(request.text)):
            streamed = self._stream(translator, request.job, index, sentence, options)
            if streamed is None:
                return False
            decoded.append(streamed)
        return all(self._explain(translator, request.job, index, *each) for index, each in enumerate(decoded))

    def _what_if(self, request: WhatIfRequest) -> bool:
        from dataclasses import replace

        from desktop_app.seq2seq import DecodeOptions

        from .sentence_explainer import typed_ids

        translator = self._translator(request.model_folder, request.job)
        prefix = (*request.prefix_ids, *(typed_ids(translator, request.typed) if request.typed else ()))
        options = DecodeOptions(beam_size=request.beam_size, nbest=request.beam_size, alternatives=ALTERNATIVES)
        options = replace(options, prefix=prefix, max_length_extra=options.max_length_extra + len(prefix))
        streamed = self._stream(translator, request.job, request.index, request.sentence, options)
        return streamed is not None and self._explain(translator, request.job, request.index, *streamed)

    def _stream(self, translator, job: int, index: int, sentence: str, options):
        """Stream one sentence's tokens: (sentence, steps, n-best), or None once the job is no longer wanted."""
        from desktop_app.seq2seq.decoding import Streamed
        from desktop_app.seq2seq.translator import output_warning

        from .sentence_explainer import token_score

        if options.prefix and len(translator.parts(sentence)) > 1:  # a forced start cannot be shared among parts
            raise _too_long_to_continue()
        if not self.is_wanted(job):
            return None
        self.sentenceStarted.emit(job, index, translator.source_pieces(sentence), sentence)
        streamed = Streamed(translator.stream(sentence, options))
        kept = translator.kept(sentence)  # a kept span's stand-in ("▁Tom") is labelled with the span ("▁11:35")
        steps = []
        for step in streamed:
            if not self.is_wanted(job):
                return None
            steps.append(step)
            model_piece = kept.original(translator.target_tokenizer.pieces([step.token_id])[0])
            self.tokenScored.emit(job, index, token_score(translator, step, len(steps) <= len(options.prefix)))
            self.tokenReady.emit(job, index, step.piece, model_piece, step.attention, step.attention_heads)
        if not self.is_wanted(job):
            return None
        self.sentenceFinished.emit(job, index, "".join(step.piece for step in steps))
        cut_short = output_warning(streamed.nbest[0])
        if cut_short:
            self.warning.emit(job, f"Sentence {index + 1}: {cut_short}.")
        return sentence, steps, streamed.nbest

    def _explain(self, translator, job: int, index: int, sentence: str, steps, nbest) -> bool:
        from .sentence_explainer import explain_sentence

        if not self.is_wanted(job):
            return False
        whole = len(translator.parts(sentence)) == 1
        self.sentenceExplained.emit(job, index, explain_sentence(translator, sentence, steps, nbest, whole))
        return True


def _too_long_to_continue() -> Exception:
    from desktop_app.seq2seq import InputError

    return InputError("this sentence is too long to continue after a chosen word (it is translated in parts)")


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shortened(line: str, most: int = 160) -> str:
    return line if len(line) <= most else line[: most - 1] + "…"


def _describe(error: Exception) -> str:
    """One line for people. A model folder or text the model cannot use says what is wrong; anything else is a
    bug or a resource running out: its traceback goes to the log, and people are told what they can try."""
    from desktop_app.seq2seq import InputError, ModelFolderError

    if isinstance(error, ModelFolderError):
        return f"The model folder cannot be used: {error}"
    if isinstance(error, InputError):
        return _sentence_case(str(error))
    log.error("Translation failed", exc_info=error)
    lines = str(error).strip().splitlines()
    what = f": {_shortened(lines[0].rstrip('.'))}" if lines else ""
    return f"Translation failed unexpectedly{what}. Try another model or shorter text; the details are in the log."
