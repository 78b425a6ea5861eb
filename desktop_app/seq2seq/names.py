"""Names in a source sentence that a translation must keep as they are (protect.py replaces them by stand-ins).

A name here is a capitalised word inside a sentence that the model cannot have learned to translate:
- in languages whose nouns are not capitalised (NAME_LANGUAGES: English, French), a word the tokenizer must
  spell out of NAME_MIN_PIECES or more pieces, or one the model saw fewer than its folder's threshold of times
  in training (`unseen`, source_words.py), or any capitalised word after a title ("Mr. Smith"); the
  capitalised words right beside a name join it ("Donna Leon", "Saxo Bank"), and so does the title;
- in German, where every noun is capitalised, only a run of two or more capitalised words inside a sentence
  of which at least two are unseen ("Australian Shepherd", "Bar Gelati Tabacchi", "Voice of America"): a
  single unseen word there is as often a compound ("Nanotechnik") as a name.
Measured in docs/experiments/2026-12-06-keep-spans.md ("Names by how often the model saw them").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .source_words import WORD
from .text import TITLE_AT_END

# Source languages whose nouns are not capitalised: there, a capitalised word inside a sentence is a name.
NAME_LANGUAGES = ("en", "fr")
# A name the tokenizer knows as one or two pieces ("Tom", "Paris", "English", "Monday") the model has
# learned to translate; a name it must spell out of more pieces ("Pryce" = P+ry+ce is three) it garbles.
NAME_MIN_PIECES = 3
# Where nouns are capitalised: a run of capitalised words holding at least this many unseen ones is a name.
UNSEEN_IN_A_RUN = 2
# What may stand between two words of one name: a space, or a space, a particle and a space ("Voice of America").
_JOINERS = (" ", " of ", " de ", " del ", " da ", " di ", " van ", " von ")

Spans = list[tuple[int, int]]  # (start, end) character offsets


def find_names(
    text: str,
    taken: Spans,
    language: str,
    pieces: Callable[[str], int] | None = None,
    unseen: Callable[[str], bool] | None = None,
    learned: Callable[[str], bool] | None = None,
) -> Spans:
    """The names of `text` outside the `taken` spans, in order, each (start, end). pieces: a word -> its
    number of source pieces; unseen: a word -> whether training (hardly) ever showed it; learned: a word ->
    whether training showed it so often that the piece rule does not apply; with neither pieces nor unseen,
    none."""
    words = list(WORD.finditer(text))
    inside = [
        m.group()[0].isupper()
        and not any(mark in m.group() for mark in "'’")  # "I'm", "It's", "Let's": contractions, not names
        and not any(start < m.end() and m.start() < end for start, end in taken)
        and not _starts_sentence(text, m.start())
        for m in words
    ]
    if language.split("-")[0].lower() in NAME_LANGUAGES:
        return _spans(text, words, inside, _named_words(text, words, inside, pieces, unseen, learned), (" ",))
    if unseen is None:
        return []
    keep = [i for i, m in enumerate(words) if f" {m.group()} " not in _JOINERS]  # "of" joins, it is no word here
    words, inside = [words[i] for i in keep], [inside[i] for i in keep]
    return _spans(text, words, inside, _unseen_runs(text, words, inside, unseen), _JOINERS)


def _named_words(text, words, inside, pieces, unseen, learned) -> list[bool]:
    """Per word: a name by itself (pieces, unseen, after a title), not a title itself."""

    def is_name(word: str) -> bool:
        if unseen is not None and unseen(word):
            return True
        spelled_out = pieces is not None and pieces(word) >= NAME_MIN_PIECES
        return spelled_out and not (learned is not None and learned(word))

    return [
        inside[i]
        and TITLE_AT_END.search(text[: m.end() + 1]) is None  # "Mrs." goes with its name, not as one
        and not m.group().isupper()
        and (is_name(m.group()) or _title_before(text, m.start()) is not None)
        for i, m in enumerate(words)
    ]


def _unseen_runs(text, words, inside, unseen) -> list[bool]:
    """Per word: in a run of capitalised words inside the sentence with UNSEEN_IN_A_RUN unseen ones."""
    chosen = [False] * len(words)
    for first, last in _runs(text, words, inside):
        if sum(unseen(words[i].group()) for i in range(first, last + 1)) >= UNSEEN_IN_A_RUN:
            chosen[first : last + 1] = [True] * (last + 1 - first)
    return chosen


def _runs(text, words, inside) -> list[tuple[int, int]]:
    """(first, last) word indices of each run of two or more joined capitalised words inside the sentence."""
    runs, i = [], 0
    while i < len(words):
        last = i
        while (
            inside[i] and last + 1 < len(words) and inside[last + 1] and _joined(text, words, last, last + 1, _JOINERS)
        ):
            last += 1
        if last > i:
            runs.append((i, last))
        i = last + 1
    return runs


def _spans(text, words, inside, chosen, joiners) -> Spans:
    """The chosen words spread over their capitalised neighbours (`joiners` apart), each run one span, a title
    before it with it."""
    for order in (range(len(words)), reversed(range(len(words)))):  # spread right, then left
        for i in order:
            if not chosen[i] and inside[i]:
                chosen[i] = (i > 0 and chosen[i - 1] and _joined(text, words, i - 1, i, joiners)) or (
                    i + 1 < len(words) and chosen[i + 1] and _joined(text, words, i, i + 1, joiners)
                )
    found: Spans = []
    i = 0
    while i < len(words):
        if not chosen[i]:
            i += 1
            continue
        last = i
        while last + 1 < len(words) and chosen[last + 1] and _joined(text, words, last, last + 1, joiners):
            last += 1
        # a title before the name goes with it: "Mr. Huhne" is kept whole ("Mr." alone came out as "März")
        title = _title_before(text, words[i].start())
        start = title.start() if title and title.start() >= (found[-1][1] if found else 0) else words[i].start()
        found.append((start, words[last].end()))
        i = last + 1
    return found


def _joined(text: str, words, a: int, b: int, joiners: tuple[str, ...]) -> bool:
    """Words a < b are parts of one name: what stands between them is one of `joiners`."""
    return text[words[a].end() : words[b].start()] in joiners


def _title_before(text: str, start: int) -> re.Match | None:
    """The title the word at `start` follows ("Mr. Smith": a name, whatever the counts say), or None."""
    return TITLE_AT_END.search(text[:start].rstrip(" "))


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"'“‘([«„")
    return not before or (before[-1] in ".!?…:\n" and not TITLE_AT_END.search(before))
