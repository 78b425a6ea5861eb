"""Text in, streamed translation out: tokenisation around the one decoding generator.

A sentence longer than the model learned to translate (PART_LENGTHS per architecture, else MAX_PART_TOKENS
source pieces; fewer for a Transformer with fewer positions) is cut at clause boundaries (text.split_clauses)
and translated part by part, streamed as one translation of the whole (parts.py): every caller keeps all of it.

Numbers, times, URLs, e-mail addresses, placeholders and unknown names pass through unchanged: each is
replaced by a stand-in the model copies before decoding and put back in the streamed output (protect.py).
The alignment's columns still show the user's text: a stand-in's column shows the span it stands for.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from .coverage import input_warning, known_characters
from .decoding import DecodeOptions, Hypothesis, Step, Streamed, decode, run_to_end
from .errors import ModelFolderError
from .interface import Seq2SeqModel
from .letter_runs import LetterRuns, Letters, max_run
from .model_folder import LoadedModel, load_folder
from .number_format import in_target_format
from .parts import part_columns, stream_parts
from .protect import DEFAULT_STAND_INS, STAND_INS, Protected, find_spans, protect
from .quantize import model_for_inference
from .source_words import SourceWords
from .text import split_clauses, split_sentences
from .tokenizer import EOS_ID, Tokenizer

MAX_SOURCE_TOKENS = 400
# The bundled models learned from sentences of at most 60 source pieces (99.9% under 42); much longer ones
# come back cut short (the Transformer) or looping (the LSTM): benchmarks/long_sentences.py. Parts of 40
# leave every Tatoeba and Multi30k test sentence whole (the test BLEU unchanged) and keep the LSTM's output
# of sources over 25 words at 0.93 / 0.90 of the reference's length (beam 1 / 5).
MAX_PART_TOKENS = 40
# Per architecture: (a sentence over this many source pieces is cut, into parts of at most this many).
# The Transformers stop early on 30-40 pieces (de-en: output 0.72 / 0.68 of the reference's length on sources
# over 25 words, beam 1 / 5, with parts of 40); cut over 35 into parts of 25: 0.87 / 0.86, en-de 0.97 / 0.90,
# and only the 0.1-0.7% of test sentences over 35 pieces change (Tatoeba, Multi30k, Ding test BLEU within 0.1).
# Parts of 25 for every sentence cost 0.5 Multi30k BLEU: docs/experiments/2026-12-06-keep-spans.md, "Part length".
PART_LENGTHS = {"transformer": (35, 25)}
EOS_PIECE = "</s>"


class InputError(ValueError):
    """The text cannot be translated as it is; the message says why and what to do."""


@dataclass
class Translation:
    source_pieces: list[str]  # columns of the alignment, ending with "</s>"
    steps: list[Step]  # one per output token, in order
    nbest: list[Hypothesis]

    @property
    def text(self) -> str:
        return "".join(step.piece for step in self.steps)

    @property
    def output_pieces(self) -> list[str]:
        return [step.piece for step in self.steps]

    @property
    def attention(self) -> np.ndarray:
        """(output tokens, source pieces)."""
        return self.nbest[0].attention

    @property
    def warning(self) -> str | None:
        return output_warning(self.nbest[0])


@dataclass
class KeptHypothesis(Hypothesis):
    """A hypothesis of a source with kept spans (protect.py): its token ids hold the stand-ins."""

    protected: Protected | None = None
    dropped: tuple[str, ...] = ()  # kept spans its output never stood for (added at the end of the text)
    steered: bool = False  # a letter began to repeat and the model was made to choose otherwise (letter_runs.py)

    @classmethod
    def of(
        cls, hypothesis: Hypothesis, protected: Protected | None, dropped: tuple[str, ...] = (), steered: bool = False
    ) -> KeptHypothesis:
        values = {f.name: getattr(hypothesis, f.name) for f in fields(Hypothesis) if f.init}
        return cls(**values, protected=protected, dropped=dropped, steered=steered)


def output_warning(best: Hypothesis) -> str | None:
    """One line for people when the output was cut short or lost a kept span (the best hypothesis of a
    decoding), else None."""
    said = []
    if best.looped:
        said.append("the model began to repeat itself, so its output was cut off there")
    elif not best.finished:
        said.append("the output reached the length limit and was cut off")
    if getattr(best, "steered", False):
        said.append("the model began to repeat a letter, so it was made to write something else there")
    dropped = getattr(best, "dropped", ())
    if dropped:
        spans = ", ".join(dropped)
        said.append(f"the model left out {spans}, so {'it was' if len(dropped) == 1 else 'they were'} added at the end")
    return "; ".join(said) or None


class Translator:
    def __init__(
        self,
        model: Seq2SeqModel,
        source_tokenizer: Tokenizer,
        target_tokenizer: Tokenizer,
        source_language: str = "",
        target_language: str = "",
    ):
        """source_language: e.g. "en", for the conjunctions a long sentence may be cut before; target_language:
        kept numbers are put back in its format ("3,000" -> "3.000" in German)."""
        self.model = model
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.source_language = source_language
        cut_over, parts_of = PART_LENGTHS.get(getattr(model, "architecture", ""), (MAX_PART_TOKENS, MAX_PART_TOKENS))
        positions = getattr(getattr(model, "config", None), "max_positions", None)
        self.max_part_tokens = min(cut_over, positions - 1) if positions else cut_over  # a sentence over this is cut
        self.cut_part_tokens = parts_of  # into parts of at most this many (and at most max_part_tokens)
        self._known_characters: frozenset[str] | None = None
        self.keep_spans = True  # False: numbers, URLs, names ... go through the model like any word
        self.keep_names = True  # also names the model cannot have learned (names.py)
        self.source_words: SourceWords | None = None  # training counts: unseen capitalised words are names
        self.target_language = target_language
        self.steer_letter_runs = True  # no letter repeated more than the target language does (letter_runs.py)
        self._letters: Letters | None = None
        self._stand_in_words: dict[str, tuple[str, ...]] = {}
        self.stand_ins = DEFAULT_STAND_INS  # which words stand in for them (protect.STAND_INS)

    @classmethod
    def from_loaded(cls, loaded: LoadedModel, precision: str = "auto") -> Translator:
        """precision: "float32", "int8" (dynamic quantisation), or "auto" = what the folder says."""
        if loaded.config.task != "translation" or loaded.source_tokenizer is None:
            what = "speech" if loaded.config.task == "speech" else loaded.config.task.replace("-", " ")
            where = "; open it in the Dictate tab" if loaded.config.task == "speech" else ""
            raise ModelFolderError(f"{loaded.folder} is a {what} model, not a translation model{where}")
        model = model_for_inference(loaded.model, precision, loaded.config.int8_inference)
        c = loaded.config
        translator = cls(model, loaded.source_tokenizer, loaded.target_tokenizer, c.source_language, c.target_language)
        if c.source_words:
            try:
                translator.source_words = SourceWords.read(loaded.folder / c.source_words, c.name_unseen_below)
            except (ValueError, UnicodeDecodeError) as error:
                raise ModelFolderError(f"{loaded.folder}'s source word counts are damaged: {error}") from error
        return translator

    @classmethod
    def from_folder(cls, folder: str | Path, precision: str = "auto") -> Translator:
        return cls.from_loaded(load_folder(folder), precision)

    def kept(self, text: str) -> Protected:
        """`text` with the spans to keep (protect.py) replaced by stand-ins: what the model reads."""
        words = self.stand_in_words()
        keep = self.keep_spans and words
        counts = self.source_words
        unseen, learned = (counts.unseen, counts.learned) if counts is not None else (None, None)
        spans = find_spans(text, self.source_language, self._length, self.keep_names, unseen, learned) if keep else []
        return protect(text, spans, words, self._number_format)

    def _number_format(self, number: str) -> str:
        return in_target_format(number, self.source_language, self.target_language)

    def stand_in_words(self) -> tuple[str, ...]:
        """The stand-ins this model may read and write as one piece each: a model that does not know them
        (a tiny test model) would garble them, so it keeps nothing."""
        if self.stand_ins not in self._stand_in_words:
            self._stand_in_words[self.stand_ins] = tuple(
                word
                for word in STAND_INS[self.stand_ins]
                if len(self.source_tokenizer.encode(word)) == 1 and len(self.target_tokenizer.encode(word)) == 1
            )
        return self._stand_in_words[self.stand_ins]

    def source_ids(self, text: str) -> list[int]:
        """The ids the model reads for `text` (its kept spans as stand-ins), ending in EOS."""
        if not text.strip():
            raise InputError("nothing to translate: the text is empty")
        return self._ids(self.kept(text.strip()).text)

    def _ids(self, kept_text: str) -> list[int]:
        ids = self.source_tokenizer.encode(kept_text)
        if len(ids) + 1 > MAX_SOURCE_TOKENS:
            raise InputError(
                f"this sentence is too long to translate in one piece ({len(ids)} tokens, "
                f"the limit is {MAX_SOURCE_TOKENS - 1}); split it into shorter sentences"
            )
        return ids + [EOS_ID]

    def input_warning(self, text: str) -> str | None:
        """One line for people when much of `text` is in characters the model cannot read, else None."""
        if self._known_characters is None:
            self._known_characters = known_characters(self.source_tokenizer)
        return input_warning(text, self._known_characters)

    def parts(self, sentence: str) -> list[str]:
        """The sentence, or its parts when it is longer than the model learned (over max_part_tokens; each
        part within cut_part_tokens)."""
        kept, parts = self._kept_parts(sentence)
        return [kept.original(part) for part in parts]

    def _kept_parts(self, sentence: str) -> tuple[Protected, list[str]]:
        """The sentence with its spans kept, and the parts of its kept text (a kept span is one word, never
        cut; the stand-ins of all parts are the whole sentence's)."""
        if not sentence.strip():
            raise InputError("nothing to translate: the text is empty")
        kept = self.kept(sentence.strip())
        parts = split_clauses(kept.text, self._length, self.max_part_tokens, self.source_language, self.cut_part_tokens)
        return kept, parts

    def _length(self, text: str) -> int:
        return len(self.source_tokenizer.encode(text))

    def sentences(self, text: str) -> Iterator[str]:
        """A text's sentences, each overlong one as its parts: what to translate, and show, one by one
        (lazily: a huge text starts at once)."""
        return (part for sentence in split_sentences(text) for part in self.parts(sentence))

    def source_pieces(self, text: str) -> list[str]:
        """The alignment's columns: the pieces of the sentence (of every part, in order) and "</s>"; the
        piece of a kept span's stand-in shows the span."""
        kept, parts = self._kept_parts(text)
        pieces = [kept_pieces(self.source_tokenizer.pieces(self._ids(part)[:-1]), kept) for part in parts]
        return [piece for part in pieces for piece in part] + [EOS_PIECE]

    def stream(self, text: str, options: DecodeOptions = DecodeOptions()) -> Generator[Step, None, list[Hypothesis]]:
        """Steps of the translation of one sentence; returns the n-best list. An overlong sentence is
        translated part by part (see parts.py); options.prefix is what the first part's output starts with."""
        kept, parts = self._kept_parts(text)
        ids = [self._ids(part) for part in parts]
        rule = None
        if self.steer_letter_runs and options.token_rules is None:
            if self._letters is None:
                self._letters = Letters(self.target_tokenizer, max_run(self.target_language))
            rule = LetterRuns(self._letters, text)
            options = replace(options, token_rules=rule)
        if len(ids) == 1:
            steps = decode(self.model, ids[0], options, self.target_tokenizer)
        else:
            later = replace(options, prefix=())
            streams = (
                decode(self.model, part, options if i == 0 else later, self.target_tokenizer)
                for i, part in enumerate(ids)
            )
            steps = stream_parts(streams, part_columns([len(part) - 1 for part in ids]))
        return _finished(steps, kept, self.target_tokenizer, rule)

    def translate(self, text: str, options: DecodeOptions = DecodeOptions()) -> Translation:
        steps, nbest = run_to_end(self.stream(text, options))
        return Translation(self.source_pieces(text), steps, nbest)

    def hypothesis_text(self, hypothesis: Hypothesis) -> str:
        text = self.target_tokenizer.decode(hypothesis.token_ids)
        protected = getattr(hypothesis, "protected", None)
        return protected.restore(text)[0] if protected is not None else text


def _finished(
    steps: Generator[Step, None, list[Hypothesis]],
    kept: Protected,
    tokenizer: Tokenizer,
    rule: LetterRuns | None,
) -> Generator[Step, None, list[Hypothesis]]:
    """The steps with kept spans turned back (protect.Restorer), one step behind the decoder so that the
    last can carry any span the output dropped; the n-best list as KeptHypothesis."""
    if not kept.originals:
        nbest = yield from steps
        return [KeptHypothesis.of(h, None, (), bool(rule and rule.fired)) for h in nbest]
    restorer = kept.restorer()
    streamed = Streamed(steps)
    pending: list[Step] = []  # steps whose text is held back (a stand-in's span goes to the first)
    last: Step | None = None  # given out one step late, so that the last step can carry any dropped span
    for step in streamed:
        earlier, own, earlier_done = restorer.push_parts(step.piece)
        ready: list[Step] = []
        if earlier_done:
            if pending:
                pending[0] = replace(pending[0], piece=pending[0].piece + earlier)
            ready, pending = pending, []
        current = replace(step, piece=own)
        (pending if restorer.holding else ready).append(current)
        for finished in ready:
            if last is not None:
                yield last
            last = finished
    tail = restorer.finish()
    if pending:
        if last is not None:
            yield last
        yield replace(pending[0], piece=pending[0].piece + tail)
        yield from pending[1:]
    elif last is not None:
        yield replace(last, piece=last.piece + tail)
    steered = bool(rule and rule.fired)
    return [
        KeptHypothesis.of(
            h,
            kept,
            tuple(restorer.missing if rank == 0 else kept.restore(tokenizer.decode(h.token_ids))[1]),
            steered,
        )
        for rank, h in enumerate(streamed.nbest)
    ]


def kept_pieces(pieces: list[str], kept: Protected) -> list[str]:
    """Source pieces of (a part of) kept.text as shown: the first piece of each stand-in shows the span it stands for
    (after its word-start mark), the stand-in's other pieces show nothing."""
    shown = list(pieces)
    text = "".join(pieces).replace("\u2581", " ")
    ends = np.cumsum([len(piece) for piece in pieces])
    for match in kept.pattern.finditer(text):
        index = kept.index(match.group())
        if index is None:
            continue
        covering = [i for i, end in enumerate(ends) if end > match.start() and end - len(pieces[i]) < match.end()]
        first, last = covering[0], covering[-1]
        lead = pieces[first][: max(0, match.start() - (ends[first] - len(pieces[first])))]
        tail = pieces[last][len(pieces[last]) - max(0, ends[last] - match.end()) :]
        for i in covering:
            shown[i] = ""
        shown[first] = lead + kept.originals[index] + (tail if first == last else "")
        if last != first:
            shown[last] = tail
    return shown
