"""How much of a text a model can read: characters its tokenizer never saw become one unknown piece.

An English model given Arabic, Chinese or emoji sees little but <unk> and still writes fluent,
invented German. `input_warning` says so before anyone trusts it: when at least UNREADABLE_SHARE of
the text's characters (spaces aside) are outside the tokenizer's vocabulary, or when the text holds
control characters (terminal escape codes, stray bytes), which are never text.

Measured with the bundled joint vocabularies: no line of the Tatoeba, Multi30k or Ding test and dev
sets has any unreadable character; every line of the Tatoeba Chinese test set has at least 47%.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from .tokenizer import EOS_ID, Tokenizer

UNREADABLE_SHARE = 0.3
CHECKED_CHARACTERS = 100_000  # a huge text is judged by its beginning, so that it starts at once
_ALLOWED_CONTROLS = "\t\n\r"


def known_characters(tokenizer: Tokenizer) -> frozenset[str]:
    """Every character of the tokenizer's ordinary pieces (its special pieces aside)."""
    return frozenset("".join(tokenizer.pieces(range(EOS_ID + 1, tokenizer.vocab_size))))


def input_warning(text: str, known: frozenset[str]) -> str | None:
    """One line for people when much of `text` (its first CHECKED_CHARACTERS) is unreadable to the model,
    else None."""
    text = text[:CHECKED_CHARACTERS]
    characters = [c for c in unicodedata.normalize("NFKC", text) if not c.isspace()]
    unreadable = [c for c in characters if c not in known]
    controls = [c for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS]
    share = len(unreadable) / max(1, len(characters))
    if share < UNREADABLE_SHARE and not controls:
        return None
    kinds = Counter(_kind(c) for c in unreadable + controls)
    named = " and ".join(kind for kind, _ in kinds.most_common(2))
    return (
        f"{share:.0%} of this text is {named} that the model never learned to read: "
        "its translation is likely to be invented"
    )


def _kind(character: str) -> str:
    """A name for people: 'Arabic script', 'Chinese/Japanese characters', 'emoji and symbols', …"""
    category = unicodedata.category(character)
    if category == "Cs":
        return "bytes that are not UTF-8"
    if category.startswith("C"):
        return "control characters (such as terminal escape codes)"
    if category in ("So", "Sk"):
        return "emoji and symbols"
    if category.startswith(("S", "P")):
        return "other symbols"
    script = unicodedata.name(character, "").split(" ")[0]
    if script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC"):
        return "Chinese, Japanese or Korean characters"
    return f"{script.title()} script" if script else "unnamed characters"
