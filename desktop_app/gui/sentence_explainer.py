"""Worker-side: a decoded sentence turned into the plain data the Translate tab shows (explanation.py).

Runs on the translate worker's thread only (it uses the model library; translate_worker imports it
inside its methods, so that the window opens without loading torch).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from desktop_app.seq2seq import EOS_ID, UNK_ID, Hypothesis, InputError, Step, Translation, Translator
from desktop_app.seq2seq.attention_warnings import UNREADABLE, warnings_and_dependence
from desktop_app.seq2seq.self_attention import self_attention
from desktop_app.seq2seq.transformer import TransformerSeq2Seq
from desktop_app.seq2seq.words import WORD_START, WordAlignment

from .explanation import END_OF_SENTENCE, Choice, MarkedWarning, SentenceExplanation, TokenScore


def token_score(translator: Translator, step: Step, forced: bool) -> TokenScore:
    """step: decoded with DecodeOptions.alternatives > 0."""
    choices = tuple(
        Choice(token_id, choice_text(translator, token_id), math.exp(log_prob))
        for token_id, log_prob in step.alternatives or ()
    )
    return TokenScore(step.token_id, math.exp(step.log_prob), choices, forced)


def choice_text(translator: Translator, token_id: int) -> str:
    """A candidate token as people read it: "Haus"; "…ses" inside a word; END_OF_SENTENCE."""
    if token_id == getattr(translator.model, "eos_id", EOS_ID):
        return END_OF_SENTENCE
    piece = translator.target_tokenizer.pieces([token_id])[0]
    return (piece[1:] or "␣") if piece.startswith(WORD_START) else "…" + piece


def typed_ids(translator: Translator, typed: str) -> list[int]:
    """A word people typed, as target tokens; InputError when the model cannot write it."""
    ids = translator.target_tokenizer.encode(typed.strip())
    if not ids:
        raise InputError("type a word for the translation to continue with")
    if UNK_ID in ids:
        raise InputError(f'the model cannot write "{typed.strip()}": use the target language\'s own letters')
    return ids


def explain_sentence(
    translator: Translator, sentence: str, steps: Sequence[Step], nbest: Sequence[Hypothesis], whole: bool
) -> SentenceExplanation:
    """whole: the sentence was decoded in one piece (not in parts), so its self-attention can be computed."""
    best = nbest[0]
    if not whole:  # the joined parts' log_probs hold each part's end token too: the warnings want one per token
        best = replace(best, log_probs=[step.log_prob for step in steps])
    translation = Translation(translator.source_pieces(sentence), list(steps), [best, *nbest[1:]])
    alignment, found, dependence = warnings_and_dependence(translator, sentence, translation)
    marked = tuple(
        MarkedWarning(
            warning.kind,
            warning.message[:1].upper() + warning.message[1:] + ".",
            _pieces(alignment.source.spans, warning.source_words),
            _pieces(alignment.output.spans, warning.output_words),
        )
        for warning in found
        if warning.kind != UNREADABLE  # said once for the whole text already
    )
    spans = tuple((span.start, span.stop) for span in alignment.output.spans)
    hypotheses = tuple((translator.hypothesis_text(h), math.exp(h.score)) for h in nbest)
    encoder = decoder = None
    if whole and steps and isinstance(translator.model, TransformerSeq2Seq):
        weights = self_attention(translator.model, translator.source_ids(sentence), nbest[0].token_ids)
        if weights.encoder.shape[-1] == len(translation.source_pieces):  # else the columns are not these pieces
            encoder, decoder = weights.encoder, weights.decoder
    return SentenceExplanation(marked, spans, hypotheses, encoder, decoder, per_piece(alignment, dependence))


def _pieces(spans: Sequence[range], words: Sequence[int]) -> tuple[int, ...]:
    return tuple(piece for word in words for piece in spans[word])


def per_piece(alignment: WordAlignment, dependence: np.ndarray | None) -> np.ndarray | None:
    """(source words,) -> (source pieces,): each piece gets its word's value. nan for "</s>" and for the only word
    of a sentence: omission.dependence gives those 0 because nothing could be left out, which is not "unneeded"."""
    if dependence is None:
        return None
    values = np.full(len(alignment.source.pieces), np.nan, np.float32)
    words = [j for j in range(len(alignment.source.spans)) if j != alignment.end_column]
    for j in words if len(words) > 1 else ():
        span = alignment.source.spans[j]
        values[span.start : span.stop] = dependence[j]
    return values
