"""A given translation scored by the model: its tokens forced through the one decoding generator.

    translation = forced_translation(translator, "The house is old.", "Das Haus ist alt.")
    translation.nbest[0].log_probs   # the model's own log-probability of each reference token (and of EOS)
    translation.attention            # (reference tokens, source pieces), as if the model had written it

The reference's tokens and then the end token are the decoding's prefix (DecodeOptions.prefix), so the search
ends exactly where the reference does. The sentence is decoded whole, never in parts: a forced target cannot
be shared out among parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .decoding import DecodeOptions, decode, run_to_end
from .tokenizer import EOS_ID
from .translator import EOS_PIECE, InputError, Translation, Translator


def forced_translation(
    translator: Translator, text: str, target: str | Sequence[int], options: DecodeOptions = DecodeOptions()
) -> Translation:
    """target: the translation as text (tokenised with the target tokenizer) or as token ids (without EOS).
    options: only its alternatives and start tokens matter; the search is greedy, as nothing is left to choose."""
    ids = translator.target_tokenizer.encode(target) if isinstance(target, str) else [int(t) for t in target]
    if not ids:
        raise InputError("nothing to score: the translation is empty")
    source = translator.source_ids(text)
    forced = replace(
        options,
        beam_size=1,
        nbest=1,
        prefix=(*ids, EOS_ID),
        loop_repeats=None,
        max_tokens=None,
        max_length_extra=len(ids) + 1,
    )
    steps, nbest = run_to_end(decode(translator.model, source, forced, translator.target_tokenizer))
    if nbest[0].token_ids != ids or not nbest[0].finished:  # more tokens than the model has positions for
        raise InputError(f"this translation is too long for the model to score ({len(ids)} tokens)")
    pieces = translator.source_tokenizer.pieces(source[:-1]) + [EOS_PIECE]
    return Translation(pieces, steps, nbest)
