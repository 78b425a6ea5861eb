"""What the Translate tab knows about each translated sentence, as plain data (no Qt, no torch).

The translate worker sends a `TokenScore` with each output token and a `SentenceExplanation` once a
sentence is done (desktop_app/gui/sentence_explainer.py makes them on the worker's thread); the tab keeps
one `SentenceResult` per sentence and shows it in the output text, the alternatives and the warnings.
Indices: output rows and source columns are PIECE indices of the sentence's Alignment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop_app.alignment import Alignment

END_OF_SENTENCE = "(end of sentence)"  # how a candidate end token is shown to people


@dataclass(frozen=True)
class Choice:
    """One token the model considered at an output position."""

    token_id: int
    text: str  # as people read it: "Haus", "…ses" for a piece inside a word, END_OF_SENTENCE
    probability: float


@dataclass(frozen=True)
class TokenScore:
    """One output token: the model's probability of it and its likeliest candidates there, best first."""

    token_id: int
    probability: float
    choices: tuple[Choice, ...]
    forced: bool  # written because people chose it (a what-if), not because the model did


@dataclass(frozen=True)
class MarkedWarning:
    kind: str  # "untranslated", "repetition", "hallucination" (seq2seq.attention_warnings)
    message: str  # one line for people
    source_pieces: tuple[int, ...]  # the columns it is about
    output_rows: tuple[int, ...]  # the rows it is about


@dataclass(frozen=True)
class SentenceExplanation:
    warnings: tuple[MarkedWarning, ...]
    word_spans: tuple[tuple[int, int], ...]  # each output word's pieces as (first row, row after its last)
    hypotheses: tuple[tuple[str, float], ...]  # beam search's best translations: text, mean token probability
    encoder_self_attention: np.ndarray | None = None  # (layers, heads, source pieces, source pieces)
    decoder_self_attention: np.ndarray | None = None  # (layers, heads, 1 + output tokens, same): <s> + output
    # (source pieces,) how much the translation needs each piece's word: log p(translation | source without the
    # word) - log p(translation | source), in nats (omission.py); nan where nothing can be left out ("</s>", a
    # one-word sentence); None when it was not measured
    source_dependence: np.ndarray | None = None


@dataclass
class SentenceResult:
    """One sentence of the tab's translation: what the model wrote and why."""

    source_text: str  # the sentence (or overlong sentence's part) as it was translated
    alignment: Alignment  # output pieces (the model's) x source pieces, rows appended as tokens arrive
    pieces: list[str] = field(default_factory=list)  # the text each token added to the translation
    scores: list[TokenScore] = field(default_factory=list)
    explanation: SentenceExplanation | None = None  # once the sentence is done

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def word_span(self, row: int) -> tuple[int, int]:
        """The output word holding piece `row`, as (first row, row after its last): one piece until explained."""
        spans = self.explanation.word_spans if self.explanation else ()
        return next(((start, stop) for start, stop in spans if start <= row < stop), (row, row + 1))

    def word_probability(self, row: int) -> float:
        """The model's probability of the whole word holding piece `row` (the product of its pieces')."""
        start, stop = self.word_span(row)
        return float(np.prod([score.probability for score in self.scores[start:stop]]))

    def word_text(self, row: int) -> str:
        start, stop = self.word_span(row)
        return "".join(self.pieces[start:stop]).strip()

    def source_dependence(self) -> np.ndarray | None:
        """(source pieces,) nats, as SentenceExplanation.source_dependence; None until explained or unmeasured."""
        return self.explanation.source_dependence if self.explanation else None

    def forced_tokens(self) -> int:
        return sum(score.forced for score in self.scores)
