"""What the corpus says: sentences from a text file and generated dictation items, each with its transcript.

Each item pairs what a TTS engine is asked to say (`spoken`, numbers already written as words) with its
target transcript (`text`, see `speech.text`). Sentences come from a text file; dictation items (numbers,
years, dates, times, digit strings, spoken punctuation) are generated.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_app.speech.text import (
    SPOKEN_PUNCTUATION,
    dictation_target,
    digit_words,
    has_spoken_punctuation,
    normalize_transcript,
    number_words,
    spell_out,
)


class CorpusError(ValueError):
    """A corpus cannot be planned as asked (bad option, no sentences, no voices)."""


@dataclass(frozen=True)
class Item:
    spoken: str  # given to the TTS engine: numbers as words, punctuation for prosody
    text: str  # target transcript: normalize_transcript / dictation_target of `spoken`
    kind: str  # sentence | dictation | number | year | date | time | digits


_ALLOWED_SPOKEN = re.compile(r"^[A-Za-z' ,.!?;:\"-]+$")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_ABBREVIATION = re.compile(r"\b(?:etc|vs|e\.g|i\.e|st|jr|sr|mt|ft|approx|dept|govt|inc|ltd|co)\.", re.IGNORECASE)


def sentence_item(line: str, min_words: int = 2, max_words: int = 20) -> Item | None:
    """A sentence from the text file, or None when engines might read it differently from its target."""
    line = " ".join(line.split())
    if not min_words <= len(line.split()) <= max_words:
        return None
    spoken = spell_out(line)
    if not _ALLOWED_SPOKEN.match(spoken) or _ACRONYM.search(spoken) or _ABBREVIATION.search(spoken):
        return None
    text = normalize_transcript(spoken)
    return Item(spoken, text, "sentence") if text else None


def seeded_lines(path: Path, seed: int) -> list[str]:
    """The lines of `path` in the seeded order every split draws its sentences from."""
    lines = path.read_text(encoding="utf-8").splitlines()
    random.Random(f"{seed}:sentences").shuffle(lines)
    return lines


def usable_sentences(lines: Iterable[str], min_words: int = 2, max_words: int = 20) -> Iterator[Item]:
    """The usable sentences of `lines`, in their order, each normalised form once (lazy)."""
    seen: set[str] = set()
    for line in lines:
        item = sentence_item(line, min_words, max_words)
        if item is not None and item.text not in seen:
            seen.add(item.text)
            yield item


class SentencePool:
    """Hands out sentences in order; once the source runs dry it starts again from the first."""

    def __init__(self, source: Iterable[Item], name: str):
        self._source, self._name = iter(source), name
        self.used: list[Item] = []
        self._cycle = 0

    def next(self) -> Item:
        for item in self._source:
            self.used.append(item)
            return item
        if not self.used:
            raise CorpusError(f"no usable {self._name} sentences (2-20 words, plain English text)")
        item = self.used[self._cycle % len(self.used)]
        self._cycle += 1
        return item


_PUNCTUATION_WORDS = {
    symbol: tuple(words for words, s in SPOKEN_PUNCTUATION.items() if s == symbol)
    for symbol in SPOKEN_PUNCTUATION.values()
}  # "." -> ("period", "full stop")
_DICTATION_TOKEN = re.compile(r"[A-Za-z'-]+|[,.?!:;]+")


def dictation_item(sentences: list[Item], rng: random.Random) -> Item | None:
    """The sentences dictated with their punctuation spoken: "I came home comma and ... period"."""
    if any(has_spoken_punctuation(item.spoken) for item in sentences):
        return None
    words = []
    for item in sentences:
        for token in _DICTATION_TOKEN.findall(item.spoken):
            if token[0] in _PUNCTUATION_WORDS:
                words.append(rng.choice(_PUNCTUATION_WORDS[token[0]]))
            else:
                words.append(token)
    spoken = " ".join(words)
    return Item(spoken, dictation_target(spoken), "dictation")


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUMBER_TEMPLATES = (
    "The total is {n}.",
    "I need {n} tickets.",
    "There are {n} people in the room.",
    "Turn to page {n}.",
    "It costs {n} dollars.",
    "We drove {n} miles today.",
    "Room number {n}.",
    "Set a timer for {n} minutes.",
    "She is {n} years old.",
    "The score was {n} to {m}.",
    "{N}.",
    "Add {n} and {m}.",
    "That is {n} percent.",
    "It is {n} degrees outside.",
    "Order {n} boxes, please.",
    "Multiply {n} by {m}.",
)
_YEAR_TEMPLATES = (
    "I was born in {y}.",
    "The house was built in {y}.",
    "That happened in {y}.",
    "Back in {y}, things were different.",
    "The company was founded in {y}.",
    "In {y} we moved to a new city.",
    "The film came out in {y}.",
    "{Y}.",
)
_DATE_TEMPLATES = (
    "The meeting is on the {d} of {month}.",
    "My birthday is {month} {d}.",
    "The contract ends on {month} {d}, {y}.",
    "See you on {weekday} the {d}.",
    "She was born on the {d} of {month} {y}.",
    "Today is {weekday}, {month} {d}.",
    "The deadline is {month} {d}.",
    "We leave on the {d}.",
)
_TIME_TEMPLATES = (
    "Let's meet at {t}.",
    "The train leaves at {t}.",
    "Wake me up at {t} in the morning.",
    "The shop closes at {t}.",
    "It is {t}.",
    "Dinner is at {t} tonight.",
    "Set an alarm for {t}.",
    "The film starts at {t} in the evening.",
)
_DIGIT_TEMPLATES = (
    "My phone number is {p}.",
    "Call me at {p}.",
    "The code is {c}.",
    "My pin is {c}.",
    "Your order number is {o}.",
    "Dial {p}.",
)


def _cardinal(rng: random.Random) -> int:
    bucket = rng.random()
    if bucket < 0.3:
        return rng.randint(2, 20)
    if bucket < 0.6:
        return rng.randint(21, 99)
    if bucket < 0.85:
        return rng.randint(100, 9999)
    return rng.randint(10_000, 2_000_000)


def _year(rng: random.Random) -> str:
    year = rng.randint(1900, 2035) if rng.random() < 0.85 else rng.randint(1100, 1899)
    return number_words(year, year=True)


def _hour(rng: random.Random) -> str:
    return number_words(rng.randint(1, 12))


def _clock_time(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.15:
        return f"half past {_hour(rng)}"
    if style < 0.25:
        return f"quarter past {_hour(rng)}"
    if style < 0.35:
        return f"quarter to {_hour(rng)}"
    if style < 0.5:
        return f"{_hour(rng)} o'clock"
    if style < 0.6:
        return f"{number_words(rng.choice((5, 10, 20, 25)))} past {_hour(rng)}"
    minute = rng.randint(1, 59)
    minute_words = f"oh {number_words(minute)}" if minute < 10 else number_words(minute)
    return f"{_hour(rng)} {minute_words}"


def _digits(rng: random.Random, count: int) -> str:
    digits = digit_words("".join(str(rng.randint(0, 9)) for _ in range(count)))
    return digits.replace("zero", "oh") if rng.random() < 0.3 else digits


def _phone(rng: random.Random) -> str:
    groups = rng.choice(((3, 4), (3, 3, 4), (4, 3, 3), (5, 6)))
    return ", ".join(_digits(rng, size) for size in groups)


def _generated(kind: str, template: str, **words: str) -> Item:
    capitalised = {key.upper(): value[:1].upper() + value[1:] for key, value in words.items()}
    spoken = template.format(**words, **capitalised)
    return Item(spoken, normalize_transcript(spoken), kind)


def number_item(rng: random.Random) -> Item:
    return _generated(
        "number", rng.choice(_NUMBER_TEMPLATES), n=number_words(_cardinal(rng)), m=number_words(_cardinal(rng))
    )


def year_item(rng: random.Random) -> Item:
    return _generated("year", rng.choice(_YEAR_TEMPLATES), y=_year(rng))


def date_item(rng: random.Random) -> Item:
    return _generated(
        "date",
        rng.choice(_DATE_TEMPLATES),
        d=number_words(rng.randint(1, 31), ordinal=True),
        month=rng.choice(MONTHS),
        weekday=rng.choice(WEEKDAYS),
        y=_year(rng),
    )


def time_item(rng: random.Random) -> Item:
    return _generated("time", rng.choice(_TIME_TEMPLATES), t=_clock_time(rng))


def digits_item(rng: random.Random) -> Item:
    return _generated(
        "digits", rng.choice(_DIGIT_TEMPLATES), p=_phone(rng), c=_digits(rng, 4), o=_digits(rng, rng.randint(5, 8))
    )


GENERATED_KINDS = {  # kind: (share among generated items, generator)
    "dictation": (0.40, None),
    "number": (0.16, number_item),
    "year": (0.10, year_item),
    "date": (0.14, date_item),
    "time": (0.12, time_item),
    "digits": (0.08, digits_item),
}


def _weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    names = sorted(weights)
    return rng.choices(names, weights=[weights[name] for name in names])[0]


def split_items(
    count: int, pool: SentencePool, rng: random.Random, generated_share: float, reserved: set[str]
) -> list[Item]:
    """`count` items: sentences from `pool`, a `generated_share` of dictation items; no text in `reserved`."""
    shares = {kind: share for kind, (share, _) in GENERATED_KINDS.items()}
    items: list[Item] = []
    attempts = 0
    while len(items) < count:
        attempts += 1
        if attempts > 50 * count + 1000:
            raise CorpusError("cannot find enough distinct sentences; give a larger text file")
        kind = _weighted_choice(rng, shares) if rng.random() < generated_share else "sentence"
        if kind == "sentence":
            item = pool.next()
        elif kind == "dictation":
            sentences = [pool.next()] + ([pool.next()] if rng.random() < 0.3 else [])
            item = dictation_item(sentences, rng) if sum(len(s.text.split()) for s in sentences) <= 24 else None
        else:
            item = GENERATED_KINDS[kind][1](rng)
        if item is not None and item.text and item.text not in reserved:
            items.append(item)
    return items
