"""Transcripts in spoken-word form: the one normalisation for synthetic and real speech (Qt- and torch-free).

A target transcript is lower case, numbers spelled out as they are read ("1995" -> "nineteen
ninety five", "21" -> "twenty one"), letters and in-word apostrophes kept, punctuation dropped
because it is not audible. Dictated punctuation is the exception: "comma" and "period" spoken
as words become "," and "." in `dictation_target`.
"""

from __future__ import annotations

import re
import unicodedata

SPOKEN_PUNCTUATION = {
    "comma": ",",
    "period": ".",
    "full stop": ".",
    "question mark": "?",
    "exclamation mark": "!",
    "exclamation point": "!",
    "colon": ":",
    "semicolon": ";",
}
PUNCTUATION_SYMBOLS = frozenset(SPOKEN_PUNCTUATION.values())

_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor"}
_CURRENCIES = {"$": ("dollar", "dollars", "cents"), "£": ("pound", "pounds", "pence"), "€": ("euro", "euros", "cents")}
_TRANSLATE = str.maketrans(
    {"‘": "'", "’": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "–": " - ", "—": " - ", "…": "...", "\u00a0": " "}
)
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CURRENCY_RE = re.compile(rf"([$£€])\s?({_NUMBER})")
_PERCENT_RE = re.compile(rf"({_NUMBER})\s?%")
_TIME_RE = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_ORDINAL_RE = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_NUMBER_RE = re.compile(_NUMBER)
_ABBREVIATION_RE = re.compile(r"\b(mrs|mr|dr)\b\.?", re.IGNORECASE)
_NOT_WORD_RE = re.compile(r"[^\w'\s]|[\d_]")
_EDGE_APOSTROPHES_RE = re.compile(r"(?<!\w)'+|'+(?!\w)")
_SPACES_RE = re.compile(r"\s+")


def number_words(value: int | float | str, *, year: bool = False, ordinal: bool = False) -> str:
    """A number as plain words: "twenty one", "one hundred five", "nineteen ninety five"."""
    from num2words import num2words  # loaded on use: `attend train-mt` runs where only torch is installed

    to = "ordinal" if ordinal else "year" if year else "cardinal"
    words = num2words(value, to=to)
    return " ".join(word for word in re.split(r"[\s,-]+", words) if word and word != "and")


def digit_words(digits: str) -> str:
    """Each digit on its own: "007" -> "zero zero seven"."""
    return " ".join(number_words(int(digit)) for digit in digits if digit.isdigit())


def _number_token(token: str) -> str:
    plain = token.replace(",", "")
    if "." in plain:
        whole, fraction = plain.split(".")
        return f"{number_words(int(whole))} point {digit_words(fraction)}"
    if (len(plain) > 1 and plain.startswith("0")) or len(plain) > 9:
        return digit_words(plain)
    value = int(plain)
    if "," not in token and len(plain) == 4 and 1100 <= value <= 2099:
        return number_words(value, year=True)
    return number_words(value)


def _time(match: re.Match) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 24 or minute > 59:
        return match.group(0).replace(":", " ")
    if minute == 0:
        return f"{number_words(hour)} o'clock"
    if minute < 10:
        return f"{number_words(hour)} oh {number_words(minute)}"
    return f"{number_words(hour)} {number_words(minute)}"


def _currency(match: re.Match) -> str:
    singular, plural, hundredths = _CURRENCIES[match.group(1)]
    whole, _, fraction = match.group(2).replace(",", "").partition(".")
    words = f"{number_words(int(whole))} {singular if whole == '1' else plural}"
    if len(fraction) == 2 and int(fraction):
        words += f" {number_words(int(fraction))} {hundredths}"
    elif fraction and int(fraction):
        words = f"{_number_token(match.group(2))} {plural}"
    return words


def spell_out(text: str) -> str:
    """Write numbers, symbols and titles as the words a reader says; keep case and punctuation.

    What a TTS engine is given goes through this, so that the engine cannot read a number
    differently from the target transcript.
    """
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = _CURRENCY_RE.sub(_currency, text)
    text = _PERCENT_RE.sub(lambda m: f"{_number_token(m.group(1))} percent", text)
    text = _TIME_RE.sub(_time, text)
    text = _ORDINAL_RE.sub(lambda m: number_words(int(m.group(1)), ordinal=True), text)
    text = _NUMBER_RE.sub(lambda m: _number_token(m.group(0)), text)
    text = _ABBREVIATION_RE.sub(lambda m: _ABBREVIATIONS[m.group(1).lower()], text)
    text = text.replace("&", " and ").replace("%", " percent ")
    return _SPACES_RE.sub(" ", text).strip()


def normalize_transcript(text: str) -> str:
    """The target form of any transcript (synthetic, LibriSpeech, AN4, LJSpeech, FSDD).

    >>> normalize_transcript("In 1995, Mr. Smith bought 21 well-known books!")
    'in nineteen ninety five mister smith bought twenty one well known books'
    """
    text = spell_out(text).lower()
    text = _NOT_WORD_RE.sub(" ", text)
    text = _EDGE_APOSTROPHES_RE.sub(" ", text)
    return _SPACES_RE.sub(" ", text).strip()


def dictation_target(spoken_text: str) -> str:
    """The target of dictated text: spoken punctuation words become symbols on the previous word.

    >>> dictation_target("I came home comma and then I slept period")
    'i came home, and then i slept.'
    """
    words = normalize_transcript(spoken_text).split()
    output: list[str] = []
    index = 0
    while index < len(words):
        two = " ".join(words[index : index + 2])
        if two in SPOKEN_PUNCTUATION:
            symbol, index = SPOKEN_PUNCTUATION[two], index + 2
        elif words[index] in SPOKEN_PUNCTUATION:
            symbol, index = SPOKEN_PUNCTUATION[words[index]], index + 1
        else:
            output.append(words[index])
            index += 1
            continue
        if output:
            output[-1] += symbol
    return " ".join(output)


def has_spoken_punctuation(text: str) -> bool:
    """Whether `text` already says a punctuation word ("a long period"): such text cannot be dictated."""
    words = normalize_transcript(text).split()
    pairs = {" ".join(words[i : i + 2]) for i in range(len(words))}
    return any(word in SPOKEN_PUNCTUATION for word in words) or bool(pairs & SPOKEN_PUNCTUATION.keys())
