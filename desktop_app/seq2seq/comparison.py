"""Two translation models on the same sentence: both translations, and how much their alignments agree.

Model A translates; model B is made to write A's translation (forced.py), so that both attentions are over the
same output words; agreement.py compares them word by word. B's own translation is kept to show beside A's.

    comparison = compare_sentence(translator_a, translator_b, "The house is old.")
    comparison.translation_a, comparison.translation_b     # "Das Haus ist alt." and B's own
    comparison.agreement.same_best                          # share of output words attending to the same word
    comparison.source_pieces_a, comparison.output_pieces_a, comparison.attention_a  # A's heatmap
    comparison.source_pieces_b, comparison.output_pieces_b, comparison.attention_b  # B's, on A's words
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .agreement import Agreement, agreement
from .decoding import DecodeOptions
from .forced import forced_translation
from .translator import EOS_PIECE, InputError, Translator, kept_pieces
from .words import join_pieces, word_alignment


@dataclass(frozen=True)
class SentenceComparison:
    sentence: str
    translation_a: str  # A's translation, as the Translate tab shows it
    translation_b: str  # B's own translation (its attention is not compared)
    source_pieces_a: list[str]  # columns, ending with "</s>"
    output_pieces_a: list[str]  # rows: A's output pieces
    attention_a: np.ndarray  # (len(output_pieces_a), len(source_pieces_a))
    source_pieces_b: list[str]  # B's own pieces of the same sentence
    output_pieces_b: list[str]  # A's translation in B's pieces
    attention_b: np.ndarray  # (len(output_pieces_b), len(source_pieces_b)): B writing A's translation
    agreement: Agreement


def compare_sentence(
    a: Translator, b: Translator, sentence: str, options: DecodeOptions = DecodeOptions()
) -> SentenceComparison:
    """One sentence (within both models' length: Translator.sentences gives such parts). Raises InputError
    when there is nothing to compare, agreement.WordMismatchError when the two models split it differently."""
    own_a = a.translate(sentence, options)
    own_b = b.translate(sentence, options)
    written = a.target_tokenizer.decode(own_a.nbest[0].token_ids)  # what A's model wrote (stand-ins and all)
    if not written.strip():
        raise InputError("model A's translation is empty: there is nothing to compare")
    forced = forced_translation(b, sentence, written)
    source_a, source_b = _model_pieces(a, sentence), _model_pieces(b, sentence)
    output_a = a.target_tokenizer.pieces(own_a.nbest[0].token_ids)
    output_b = b.target_tokenizer.pieces(forced.nbest[0].token_ids)
    words_a = word_alignment(source_a, output_a, own_a.attention)
    words_b = word_alignment(source_b, output_b, forced.attention)
    shown_a = _shown(a, sentence, source_a)
    found = agreement(words_a, words_b)
    found = replace(  # the words as people read them: kept spans instead of their stand-ins
        found,
        source_words=join_pieces(shown_a).texts[: len(found.source_words)],
        output_words=[a.kept(sentence.strip()).original(word) for word in found.output_words],
    )
    return SentenceComparison(
        sentence=sentence,
        translation_a=own_a.text,
        translation_b=own_b.text,
        source_pieces_a=shown_a,
        output_pieces_a=output_a,
        attention_a=np.asarray(own_a.attention, np.float32),
        source_pieces_b=_shown(b, sentence, source_b),
        output_pieces_b=output_b,
        attention_b=np.asarray(forced.attention, np.float32),
        agreement=found,
    )


def _model_pieces(translator: Translator, sentence: str) -> list[str]:
    """The pieces the model reads (kept spans as their stand-ins), and "</s>"."""
    return translator.source_tokenizer.pieces(translator.source_ids(sentence)[:-1]) + [EOS_PIECE]


def _shown(translator: Translator, sentence: str, pieces: list[str]) -> list[str]:
    """The pieces as the heatmap shows them: a stand-in's piece shows the span it stands for."""
    kept = translator.kept(sentence.strip())
    return kept_pieces(pieces[:-1], kept) + [EOS_PIECE] if kept.originals else pieces
