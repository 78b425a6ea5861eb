"""Plain-text helpers shared by the CLI and the app: sentence splitting, display pieces."""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) before whitespace,
# or at a line break. Abbreviation handling is deliberately simple.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "z.B.", "usw.", "bzw.", "Nr.")
# Titles a name follows ("Mr. Huhne", "M. Dupont", "Hr. Müller"): no sentence ends there (names.py keeps the two
# together); a whole word, so that "5 P.M." still ends one.
TITLE_AT_END = re.compile(
    r"(?<![\w.])(?:Mr|Mrs|Ms|Mx|Dr|Prof|St|Mt|Sr|Jr|Rev|Gen|Col|Capt|Lt|Sgt|M|Mme|Mlle|Hr|Fr|Frl)\.$"
)


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; blank pieces are dropped."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].strip()
        if (candidate.endswith(_ABBREVIATIONS) or TITLE_AT_END.search(candidate)) and "\n" not in match.group():
            continue
        closing = match.group().strip()
        if candidate:
            sentences.append(candidate + closing)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def display_piece(piece: str) -> str:
    """A SentencePiece piece as shown to people: '▁' word starts become a leading space."""
    return piece.replace("\u2581", " ")


# Where a sentence too long for a model may be cut, strongest first: after a sentence end (a line of
# several sentences), after ; : or before a spaced dash, after a comma, before a conjunction (per source
# language). Each part then goes through the model on its own.
_SENTENCE_ENDS = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)\]]))\s+")
_CLAUSE_ENDS = re.compile(r"(?<=[;:])\s+|\s+(?=[–—]\s)")
_COMMAS = re.compile(r"(?<=,)\s+")
_CONJUNCTIONS = {
    "en": "and but or because while although though whereas so which who when where if unless until since",
    "de": "und aber oder denn weil während obwohl sondern dass wenn als wo damit bevor nachdem",
    "fr": "et mais ou car parce puisque quand lorsque qui que si bien alors",
}


def split_clauses(
    text: str, length: Callable[[str], int], limit: int, language: str = "en", parts_of: int | None = None
) -> list[str]:
    """Parts of one sentence, each at most `limit` long by `length` (e.g. its number of tokens), in order.

    A sentence that fits is one part. A longer one is cut at the strongest clause boundaries it has and
    neighbouring clauses are joined again while they fit; with no boundary left, it is cut into runs of
    words, and a "word" longer than the limit into runs of characters. Joined with spaces, the parts
    give the sentence back (but for whitespace, and a space inside such a cut word).
    parts_of: the longest part of a sentence that is cut (at most `limit`; default `limit`): a sentence up to
    `limit` stays whole, a longer one goes in parts short enough for the model to translate completely."""
    if length(text) <= limit:
        return [text]
    return _split(text, length, min(limit, parts_of or limit), language)


def _split(text: str, length: Callable[[str], int], limit: int, language: str) -> list[str]:
    if length(text) <= limit:
        return [text]
    for boundary in _boundaries(language):
        clauses = [c for c in boundary.split(text) if c.strip()]
        if len(clauses) > 1:
            return _pack([p for c in clauses for p in _split(c, length, limit, language)], length, limit)
    words = text.split()
    if len(words) > 1:
        return _pack([p for w in words for p in _split(w, length, limit, language)], length, limit)
    return _cut(text, length, limit)


def _boundaries(language: str) -> list[re.Pattern]:
    words = _CONJUNCTIONS.get(language.split("-")[0].lower(), "").split()
    conjunctions = [re.compile(rf"\s+(?=(?:{'|'.join(words)})\b)", re.IGNORECASE)] if words else []
    return [_SENTENCE_ENDS, _CLAUSE_ENDS, _COMMAS, *conjunctions]


def _pack(parts: list[str], length: Callable[[str], int], limit: int) -> list[str]:
    """Neighbouring parts joined (with a space) while the join fits the limit."""
    packed = [parts[0]]
    for part in parts[1:]:
        joined = f"{packed[-1]} {part}"
        if length(joined) <= limit:
            packed[-1] = joined
        else:
            packed.append(part)
    return packed


def _cut(word: str, length: Callable[[str], int], limit: int) -> list[str]:
    """One overlong run of characters, cut into pieces that each fit."""
    size = max(1, len(word) * limit // max(1, length(word)))
    while size > 1 and any(length(word[i : i + size]) > limit for i in range(0, len(word), size)):
        size //= 2
    return [word[i : i + size] for i in range(0, len(word), size)]
