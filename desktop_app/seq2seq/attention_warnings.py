"""Warnings drawn from a finished translation: what it may have left out, repeated or made up.

    alignment, warnings = translation_warnings(translator, text, translator.translate(text))
    for warning in warnings:          # AttentionWarning(kind, source_words, output_words, message)
        print(warning.message)        # indices into alignment.source.texts / alignment.output.texts

Four kinds, each a hint for people, never a verdict:

- untranslated: a source word the translation does not depend on. translation_warnings asks the model
  (omission.dependence): the same translation rescored with the word left out of the source is about as likely
  as with it (log-probability drop smaller than `untranslated_drop` nats). Without that measurement (the
  `dependence` argument left out) it falls back on attention: a source word that received little attention
  from what the model wrote, each output token's row counted by the model's probability of that token (in a
  forced or unusual translation the model looks at the word it means to translate next even when it is made to
  write something else, so attention alone finds about a third of left-out words). The end-of-sentence column,
  punctuation and the source language's function words (FUNCTION_WORDS) are never flagged.
- repetition: an output word that says again what an earlier one said: the same stem, its attention
  peaking on the source word that the earlier one peaked on, more often than that source word occurs.
- hallucination: an output token the model found unlikely while its attention was spread over the
  source (high entropy): the token is not clearly based on any source word.
- unreadable: much of the input is in characters the model cannot read (coverage.input_warning).

The thresholds (THRESHOLDS, per architecture) were chosen on the Tatoeba and Multi30k dev sets by
benchmarks/attention_warnings.py: on Tatoeba test they find 74-77% of phrases deleted from reference translations
at 9% false alarms, on Multi30k test 53-66% at 12-13% (docs/experiments/2026-12-06-attention-warnings.md): a
hint, not a check.

Shapes: WordAlignment.matrix (output words, source words), piece_matrix (output tokens, source pieces);
log_probs: one per output token (a trailing end-token value is ignored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .function_words import ANY_FUNCTION_WORD, FUNCTION_WORDS, bare
from .translator import Translation, Translator
from .words import WordAlignment, word_alignment

UNTRANSLATED, REPETITION, HALLUCINATION, UNREADABLE = "untranslated", "repetition", "hallucination", "unreadable"
STEM_LETTERS = 4  # "Fluss" and "Flusses" share a stem; so, less happily, do "Haus" and "Hause"


@dataclass(frozen=True)
class Thresholds:
    # possibly untranslated: a source word receiving less attention than this (summed over output tokens, each
    # row weighted by the token's probability; an evenly translated word receives about 1)
    untranslated: float
    # possible repetition: both output words give at least this much attention to the source word they peak on
    repetition_peak: float
    # possible hallucination: a token whose attention entropy (0 = one source piece, 1 = even over all) is at least
    # hallucination_entropy and whose probability is at most hallucination_probability
    hallucination_entropy: float
    hallucination_probability: float
    # possibly untranslated, measured: leaving the source word out lowers the translation's log-probability by
    # less than this many nats (a rendered content word costs several nats; see omission.py)
    untranslated_drop: float = 2.0
    # ... and received less attention than this (inf: however much; a compound such as "snow covered" ->
    # "schneebedeckt" can be rendered without either word alone being needed, but it is attended to)
    untranslated_drop_attention: float = float("inf")
    # ... the drop limit rising by this much per ln(candidate source words): a long sentence has more words that
    # the rest of it makes predictable ("dressed" in "dressed in winter clothes"), each a chance of a false alarm
    untranslated_drop_per_log_word: float = 0.0
    # ... but never above this (inf: no ceiling; the dev sets choose none, see benchmarks/attention_warnings.py)
    untranslated_drop_ceiling: float = float("inf")


# Chosen on the dev sets by benchmarks/attention_warnings.py (the most recall at no more than 10% of intact
# reference translations warned about).
THRESHOLDS = {
    "rnn": Thresholds(
        untranslated=0.0575,
        repetition_peak=0.05,
        hallucination_entropy=0.51,
        hallucination_probability=3e-05,
        untranslated_drop=2.5,
        untranslated_drop_per_log_word=3.0,
    ),
    "transformer": Thresholds(
        untranslated=0.0925,
        repetition_peak=0.05,
        hallucination_entropy=0.48,
        hallucination_probability=0.0001,
        untranslated_drop=2.5,
        untranslated_drop_per_log_word=3.0,
    ),
}
DEFAULT_THRESHOLDS = THRESHOLDS["transformer"]


@dataclass(frozen=True)
class AttentionWarning:
    kind: str  # UNTRANSLATED, REPETITION, HALLUCINATION or UNREADABLE
    source_words: tuple[int, ...]  # indices into WordAlignment.source.texts
    output_words: tuple[int, ...]  # indices into WordAlignment.output.texts
    message: str  # one line for people


def attention_warnings(
    alignment: WordAlignment,
    log_probs: Sequence[float],
    thresholds: Thresholds,
    source_language: str = "",
    unreadable: str | None = None,
    dependence: np.ndarray | None = None,
) -> list[AttentionWarning]:
    """Every warning for one translated sentence, in the order: unreadable, untranslated, repetition, hallucination.
    unreadable: coverage.input_warning's line for the text, if it gave one; dependence: (source words,)
    omission.dependence of the translation on each source word (None: judge by attention alone)."""
    warnings = [AttentionWarning(UNREADABLE, (), (), unreadable)] if unreadable else []
    for run in _runs(untranslated_words(alignment, log_probs, thresholds, source_language, dependence)):
        reason = (
            "the translation is as likely without it"
            if dependence is not None
            else "received little attention from the translation"
        )
        warnings.append(
            AttentionWarning(
                UNTRANSLATED,
                tuple(run),
                (),
                f"possibly untranslated: {_quoted(alignment.source.texts, run)} ({reason})",
            )
        )
    strengths, earlier = repetition_strengths(alignment)
    for run in _runs([int(i) for i in np.flatnonzero(strengths >= thresholds.repetition_peak)]):
        words, before = _quoted(alignment.output.texts, run), _quoted(alignment.output.texts, earlier[run])
        peaks = tuple(dict.fromkeys(int(alignment.matrix[i, _peak_columns(alignment)].argmax()) for i in run))
        warnings.append(
            AttentionWarning(
                REPETITION, peaks, tuple(run), f"possible repetition: {words} says again what {before} said"
            )
        )
    for run in _runs(hallucinated_words(alignment, log_probs, thresholds)):
        warnings.append(
            AttentionWarning(
                HALLUCINATION,
                (),
                tuple(run),
                f"possible hallucination: "
                f"{_quoted(alignment.output.texts, run)} is unlikely and based on no "
                "particular source word",
            )
        )
    return warnings


def untranslated_words(
    alignment: WordAlignment,
    log_probs: Sequence[float],
    thresholds: Thresholds,
    source_language: str = "",
    dependence: np.ndarray | None = None,
) -> list[int]:
    """The candidate source words the translation may have left out (see the module docstring)."""
    candidates = candidate_source_words(alignment, source_language)
    if dependence is not None:
        received = received_attention(alignment, log_probs)
        words = max(1, len(candidates))
        rising = -thresholds.untranslated_drop + thresholds.untranslated_drop_per_log_word * np.log(words)
        limit = min(rising, thresholds.untranslated_drop_ceiling)
        return [j for j in candidates if dependence[j] > limit and received[j] < thresholds.untranslated_drop_attention]
    received = received_attention(alignment, log_probs)
    return [j for j in candidates if received[j] < thresholds.untranslated]


def received_attention(alignment: WordAlignment, log_probs: Sequence[float]) -> np.ndarray:
    """(source words,) attention each source word received, each output token's row weighted by its probability."""
    probabilities = _probabilities(alignment, log_probs)
    if len(probabilities) == 0:
        return np.zeros(len(alignment.source.spans))
    starts = [span.start for span in alignment.source.spans]
    columns = np.add.reduceat(alignment.piece_matrix, starts, axis=1)  # output tokens x source words
    return probabilities @ columns


def candidate_source_words(alignment: WordAlignment, source_language: str = "") -> list[int]:
    """The source words that may be called untranslated: not "</s>", not punctuation, not a function word."""
    function_words = FUNCTION_WORDS.get(source_language.split("-")[0].lower(), frozenset())
    return [
        j
        for j, text in enumerate(alignment.source.texts)
        if j != alignment.end_column and any(c.isalnum() for c in text) and bare(text) not in function_words
    ]


def repetition_strengths(alignment: WordAlignment) -> tuple[np.ndarray, np.ndarray]:
    """Per output word: how clearly it repeats an earlier one (the smaller of the two words' attention on the
    source word both peak on; 0 = no repetition), and which earlier word (-1 = none).

    A repetition is an output word with the stem of an earlier output word, both peaking on the same source
    word, where the output holds that stem (on that source word's text) more often than the source holds the
    word: "river ... river" may become "Fluss ... Fluss", "river" alone may not. Function words (of any language
    in FUNCTION_WORDS) are never repetitions: articles of neighbouring nouns often peak on one "a"."""
    columns = _peak_columns(alignment)
    strengths = np.zeros(len(alignment.output.texts))
    earlier = np.full(len(alignment.output.texts), -1)
    if not columns:
        return strengths, earlier
    matrix = alignment.matrix[:, columns]  # output words x candidate source words
    peaks = [columns[k] for k in matrix.argmax(axis=1)] if len(matrix) else []
    source_counts: dict[str, int] = {}
    for text in alignment.source.texts:
        source_counts[bare(text)] = source_counts.get(bare(text), 0) + 1
    seen: dict[tuple[str, str], list[int]] = {}  # (output stem, peak source text) -> output words so far
    for i, text in enumerate(alignment.output.texts):
        stem = _stem(text)
        if not stem or bare(text) in ANY_FUNCTION_WORD:  # "einem ... einer" for two "a"s is no repetition
            continue
        key = (stem, bare(alignment.source.texts[peaks[i]]))
        before = [k for k in seen.get(key, []) if peaks[k] == peaks[i]]
        seen.setdefault(key, []).append(i)
        if before and len(seen[key]) > source_counts[key[1]]:
            k = before[-1]
            strengths[i] = min(alignment.matrix[i, peaks[i]], alignment.matrix[k, peaks[i]])
            earlier[i] = k
    return strengths, earlier


def token_entropy(piece_matrix: np.ndarray) -> np.ndarray:
    """(output tokens, source pieces) -> (output tokens,) entropy of each row over the source pieces, as a share of
    the most it could be (0: all on one piece; 1: even over all)."""
    rows = np.clip(np.asarray(piece_matrix, dtype=np.float64), 1e-12, 1.0)
    if rows.shape[1] < 2:
        return np.zeros(rows.shape[0])
    return -(rows * np.log(rows)).sum(axis=1) / np.log(rows.shape[1])


def hallucinated_words(alignment: WordAlignment, log_probs: Sequence[float], thresholds: Thresholds) -> list[int]:
    """The output words holding a token with spread attention and a low probability."""
    probabilities = _probabilities(alignment, log_probs)
    entropy = token_entropy(alignment.piece_matrix)
    suspect = (entropy >= thresholds.hallucination_entropy) & (probabilities <= thresholds.hallucination_probability)
    return [
        i
        for i, span in enumerate(alignment.output.spans)
        if suspect[span.start : span.stop].any() and _stem(alignment.output.texts[i])
    ]


def translation_warnings(
    translator: Translator, text: str, translation: Translation, thresholds: Thresholds | None = None
) -> tuple[WordAlignment, list[AttentionWarning]]:
    """The warnings for one Translator.translate result (or seq2seq.forced's) of `text`, with the word alignment
    their indices refer to. thresholds: None = the model's architecture's (THRESHOLDS)."""
    alignment, warnings, _ = warnings_and_dependence(translator, text, translation, thresholds)
    return alignment, warnings


def warnings_and_dependence(
    translator: Translator, text: str, translation: Translation, thresholds: Thresholds | None = None
) -> tuple[WordAlignment, list[AttentionWarning], np.ndarray | None]:
    """translation_warnings, plus the source_dependence the untranslated warnings were judged by ((source words,)
    nats; None when it could not be measured), for callers that show it too."""
    best = translation.nbest[0]
    pieces = translator.target_tokenizer.pieces(best.token_ids)
    alignment = word_alignment(translation.source_pieces, pieces, best.attention)
    chosen = thresholds or THRESHOLDS.get(getattr(translator.model, "architecture", ""), DEFAULT_THRESHOLDS)
    dependence = source_dependence(translator, text, alignment, best.token_ids)
    warnings = attention_warnings(
        alignment, best.log_probs, chosen, translator.source_language, translator.input_warning(text), dependence
    )
    return alignment, warnings, dependence


def source_dependence(
    translator: Translator, text: str, alignment: WordAlignment, token_ids: Sequence[int]
) -> np.ndarray | None:
    """omission.dependence of the translation `token_ids` on each source word of `alignment`; None when the
    alignment's source pieces are not the model's pieces of `text` (nothing to leave out word by word)."""
    from .omission import dependence

    source_ids = translator.source_ids(text)
    if len(source_ids) != len(alignment.source.pieces) or not token_ids:
        return None
    return dependence(translator.model, source_ids, alignment.source.spans, token_ids)


def _probabilities(alignment: WordAlignment, log_probs: Sequence[float]) -> np.ndarray:
    """(output tokens,) probabilities from log_probs (which may hold one more: the end token's)."""
    tokens = len(alignment.output.pieces)
    if len(log_probs) < tokens:
        raise ValueError(f"{len(log_probs)} log-probabilities for {tokens} output tokens")
    return np.exp(np.asarray(log_probs[:tokens], dtype=np.float64))


def _peak_columns(alignment: WordAlignment) -> list[int]:
    """Source words an output word may peak on: all but "</s>"."""
    return [j for j in range(len(alignment.source.texts)) if j != alignment.end_column]


def _stem(word: str) -> str:
    """The first STEM_LETTERS letters of a word with a letter in it, in lower case ("" for punctuation, numbers)."""
    core = bare(word)
    return core[:STEM_LETTERS] if any(c.isalpha() for c in core) else ""


def _quoted(texts: Sequence[str], indices) -> str:
    return '"' + " ".join(texts[int(i)] for i in indices) + '"'


def _runs(indices: list[int]) -> list[list[int]]:
    """[3, 4, 7] -> [[3, 4], [7]]."""
    runs: list[list[int]] = []
    for index in indices:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs
