"""Plain-text helpers shared by the CLI and the app: sentence splitting, display pieces."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) before whitespace,
# or at a line break. Abbreviation handling is deliberately simple.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "St.", "e.g.", "i.e.", "etc.", "z.B.", "usw.", "bzw.", "Nr.")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; blank pieces are dropped."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].strip()
        if candidate.endswith(_ABBREVIATIONS) and "\n" not in match.group():
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
