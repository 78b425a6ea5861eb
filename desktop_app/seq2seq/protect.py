"""Spans that must come out of a translation unchanged: numbers, times, dates, URLs, e-mail addresses,
placeholders (#PRS_ORG#, {name}, %s, <b>), words of letters and digits (CO2) and names the model cannot have
learned (names.py).

    kept = protect(text, find_spans(text, "en", length))   # "Meet me at 11:35 pm at https://example.org/x"
    kept.text                                               # "Meet me at Tom pm at Boston": what the model reads
    restorer = kept.restorer()
    for step in steps: piece = restorer.push(step.piece) ...; rest = restorer.finish()

Each span is replaced by a stand-in word before decoding, and every stand-in in the output is put back as
the span it stands for. The stand-ins are words the bundled models copy almost always (Tom, Boston, Paris,
...): small numbers were dropped or translated two to three times as often, and a URL the model reads
itself comes back garbled ("Pfotttttikanskomt"); docs/experiments/2026-12-06-keep-spans.md has the
measurements (benchmarks/keep_and_degenerate.py). A span the model drops is added at the end of the output
and named in a warning, so that nothing of the source is lost silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .names import find_names
from .number_format import FRENCH_CLOCK

# Alternatives tried in order at each position: the earlier, more specific kinds win.
_KINDS = (
    ("url", r"(?:https?://|ftp://|www\.)[^\s<>\"'`]+"),
    ("email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    ("placeholder", r"#[A-Z][A-Z0-9_]*#|\{\{?[^{}\s]*\}?\}|%(?:\(\w+\))?(?:\d+\$)?[-+ 0#]?\d*(?:\.\d+)?[sdifuxXeEgGc]"),
    ("tag", r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"),
    # a French clock time ("14 h 30", "7h45"): one span, written "14:30" in English and German (number_format.py);
    # "5 h 30 min" is a duration, two numbers
    ("time", rf"(?<![\w.,:/-]){FRENCH_CLOCK}(?!\w| ?min\b)"),
    # a digit group: digits joined by single separators (12,345.67  11:35  2024-03-05  5/3/24  555-1234),
    # not glued to letters ("3rd", "MP3", "H2O" are words the model knows)
    ("number", r"(?<![\w.,:/-])\d+(?:[.,:/-]\d+)*(?![\w])|(?<![\w.,:/-])\d+(?:[.,:/-]\d+)*(?=[.,:/-](?!\d))"),
    # a word of letters and digits ("CO2", "MP3", "A4", "B12"), but not an English ordinal ("3rd")
    ("code", r"(?<![\w])(?!\d+(?:st|nd|rd|th)\b)(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]+(?![\w])"),
)
_SPAN = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _KINDS))
_TRAILING = ".,;:!?)]}'\""  # a URL or address at the end of a clause does not own its punctuation
_BRACKETS = {"(": ")", "[": "]"}  # a span alone in brackets keeps them: "(1999)", "[1]"


@dataclass(frozen=True)
class Span:
    start: int  # character offsets in the source
    end: int
    kind: str  # "url", "email", "placeholder", "tag", "time", "number", "code", "name"

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def find_spans(
    text: str,
    language: str = "",
    pieces: Callable[[str], int] | None = None,
    names: bool = True,
    unseen: Callable[[str], bool] | None = None,
    learned: Callable[[str], bool] | None = None,
) -> list[Span]:
    """The spans of `text` to keep, in order, not overlapping; names as names.find_names finds them (pieces: a
    word -> its number of source pieces; unseen / learned: a word -> whether training hardly ever / often
    showed it)."""
    spans = []
    for match in _SPAN.finditer(text):
        start, end, kind = match.start(), match.end(), match.lastgroup or "number"
        if kind in ("url", "email"):
            end = start + len(match.group().rstrip(_TRAILING))
        if 0 < start and end < len(text) and _BRACKETS.get(text[start - 1]) == text[end]:
            start, end = start - 1, end + 1  # "(1999)": the models garble a lone bracket; the pair goes too
        spans.append(Span(start, end, kind))
    if names:
        found = find_names(text, [(span.start, span.end) for span in spans], language, pieces, unseen, learned)
        spans = sorted(spans + [Span(start, end, "name") for start, end in found], key=lambda span: span.start)
    return spans


# The stand-ins, in order of use: words that are one piece in the bundled models' vocabulary (a model
# uses those it has as one piece: Translator.stand_in_words). Which family the models copy best was
# measured (docs/experiments/2026-12-06-keep-spans.md). A stand-in the source holds itself is skipped;
# past a family's end come numbers from 1000 on.
STAND_INS = {
    "small": ("1", "2", "3", "4", "5", "7", "8"),
    "teens": ("10", "11", "12", "13", "14", "15", "17", "18", "19", "20"),
    "hundreds": ("100", "200", "300", "500"),
    "years": ("1960", "2012", "2013"),
    "places": ("Boston", "Paris", "London", "Chicago", "Hawaii"),
    "tom-places": ("Tom", "Boston", "Paris", "London", "Chicago", "Hawaii"),
}
DEFAULT_STAND_INS = "tom-places"
NUMERIC_KINDS = ("number", "time")  # the spans number_format rewrites


def stand_ins(words: Sequence[str], count: int, source: str) -> list[str]:
    """`count` stand-ins from `words` that `source` does not hold (as a word)."""
    free = [w for w in words if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", source)]
    extra = (str(n) for n in range(1000, 10**6) if str(n) not in source)
    return (free + [next(extra) for _ in range(max(0, count - len(free)))])[:count]


@dataclass(frozen=True)
class Protected:
    """A source with each kept span replaced by its stand-in."""

    source: str  # the user's text
    text: str  # what the model reads
    originals: tuple[str, ...]  # the spans, in order
    stand_ins: tuple[str, ...] = ()  # their stand-ins
    written: tuple[str, ...] = ()  # how each span is put back ("3,000" -> "3.000" in German); () = as it is

    def output(self, index: int) -> str:
        """What the output holds for span `index`."""
        return self.written[index] if self.written else self.originals[index]

    @property
    def pattern(self) -> re.Pattern:
        """Finds a stand-in as a whole word."""
        words = "|".join(re.escape(w) for w in sorted(self.stand_ins, key=len, reverse=True)) or "(?!)"
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)")

    def original(self, text: str) -> str:
        """A stretch of the protected text (a part of it, a piece) with the stand-ins turned back."""
        return self.pattern.sub(lambda m: self.originals[self.stand_ins.index(m.group())], text)

    def index(self, word: str) -> int | None:
        """Which span the stand-in `word` stands for (None: no stand-in)."""
        return self.stand_ins.index(word) if word in self.stand_ins else None

    def restore(self, output: str) -> tuple[str, list[str]]:
        """The model's output with the spans put back; and the spans it dropped, which end the text."""
        restorer = self.restorer()
        text = restorer.push(output) + restorer.finish()
        return text, restorer.missing

    def restorer(self) -> Restorer:
        return Restorer(self)


def protect(
    source: str,
    spans: list[Span],
    words: Sequence[str] = STAND_INS[DEFAULT_STAND_INS],
    number_format: Callable[[str], str] | None = None,
) -> Protected:
    """`source` with spans[i] replaced by the i-th stand-in (from `words`, in order), spaced off a word it
    touches ("<b>bold" -> "Tom bold": a stand-in glued to a word is none). number_format: a number span -> how
    the output writes it (number_format.in_target_format)."""
    outside = "".join(
        source[a.end : b.start] + " "
        for a, b in zip([Span(0, 0, "")] + spans, spans + [Span(len(source), 0, "")], strict=True)
    )
    chosen = stand_ins(words, len(spans), outside)  # what a span holds goes away with it
    pieces, originals, at = [], [], 0
    for span, word in zip(spans, chosen, strict=True):
        # a stand-in right after "(" or "#" would be read as a piece of that word ("(Tom" = "(" + "Tom", no word
        # start), which the models copy glued ("dasTom") or not at all
        before = " " if span.start > 0 and not source[span.start - 1].isspace() else ""
        after = " " if span.end < len(source) and _is_word(source[span.end]) else ""
        pieces += [source[at : span.start], f"{before}{word}{after}"]
        originals.append(span.text(source))
        at = span.end
    written = tuple(
        number_format(original) if number_format and span.kind in NUMERIC_KINDS else original
        for span, original in zip(spans, originals, strict=True)
    )
    return Protected(source, "".join(pieces) + source[at:], tuple(originals), tuple(chosen), written)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class Restorer:
    """Turns the model's output back, increment by increment (the decoder's step pieces): a word that
    may become a stand-in is held back until it ends, then given out as the span it stands for. The increments given
    out join to `Protected.restore`'s text; `finish` gives the rest and any dropped spans."""

    def __init__(self, protected: Protected):
        self._protected = protected
        self._held = ""  # the end of the output so far that may grow into a stand-in, not given out yet
        self._pattern = protected.pattern
        self._before = ""  # the last character given out (before stand-ins were turned back)
        self._used: set[int] = set()
        self.missing: list[str] = []

    def push(self, piece: str) -> str:
        return "".join(self.push_parts(piece)[:2])

    def push_parts(self, piece: str) -> tuple[str, str, bool]:
        """-> (text that completes what earlier increments held, this piece's own text, whether everything
        held before this piece is now given out). A stand-in's span belongs to the increment where the
        stand-in began (so that "10:30" is given to the step that wrote "Tom", not to the " an" after it);
        while that stand-in is still open, both texts are empty and the flag is False."""
        if not self._protected.originals:
            return "", piece, True
        before = len(self._held)
        self._held += piece
        match = re.search(r"\w+$", self._held)  # a word at the end may go on in the next piece
        open_word = match is not None and any(w.startswith(match.group()) for w in self._protected.stand_ins)
        at = match.start() if open_word else len(self._held)
        out, self._held = self._held[:at], self._held[at:]
        if at < before:  # the held word goes on (what is held is one word, so nothing was given out)
            return "", "", False
        earlier, own = self._turn_split(out, before)
        return earlier, own, True

    @property
    def holding(self) -> bool:
        """Whether some output is held back (a word that may still become a stand-in)."""
        return bool(self._held)

    def finish(self) -> str:
        """The held text, then any span the output never stood for (after a space), in order."""
        out = self._turn(self._held)
        self._held = ""
        dropped = [i for i in range(len(self._protected.originals)) if i not in self._used]
        self.missing = [self._protected.originals[i] for i in dropped]  # as the user wrote them
        return out + "".join(" " + self._protected.output(i) for i in dropped)

    def _turn(self, text: str) -> str:
        return "".join(self._turn_split(text, len(text)))

    def _turn_split(self, text: str, split: int) -> tuple[str, str]:
        """`text` with its stand-ins turned back, cut in two where text[:split] ends (a stand-in that begins
        before the cut goes wholly to the first part); the character given out before it decides whether a
        stand-in at its start is glued to a word (and so none)."""
        context = self._before + text
        at, cut = len(self._before), len(self._before) + split
        first: list[str] = []
        second: list[str] = []

        def plain(end: int) -> None:
            first.append(context[at : max(at, min(end, cut))])
            second.append(context[max(at, cut) : end])

        for match in self._pattern.finditer(context, at):
            index = self._protected.index(match.group())
            if index is not None:
                self._used.add(index)
                plain(match.start())
                (first if match.start() < cut else second).append(self._protected.output(index))
                at = match.end()
        plain(len(context))
        self._before = context[-1:]
        return "".join(first), "".join(second)
