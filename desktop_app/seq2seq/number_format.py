"""A kept number written the way the target language writes it.

English groups thousands with commas and German with full stops, so "3,000 yen" kept as it is reads as three
yen in German (protect.py keeps numbers out of the model's way and puts them back). Only numbers whose form
leaves no doubt are changed: thousands in groups of three ("3,000", "12,345.67"; German "3.000", "12.345,67"),
and, from German and French, a decimal comma ("3,5"). An English "3.5" stays as it is: it may be a version
("Python 3.5"). Clock times: French writes "14 h 30" where English and German write "14:30".
"""

from __future__ import annotations

import re

# A French clock time, "14 h 30" or "7h45" (protect.py keeps it as one span).
FRENCH_CLOCK = r"(?:[01]?\d|2[0-4]) ?h ?[0-5]\d"

_ENGLISH_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)")
_DECIMAL_COMMA = re.compile(r"(?<![\d.,])\d+,\d+(?![\d.,])")
# thousands in groups of three, or a decimal comma (one pass: a rewritten number is not read again)
_GERMAN_NUMBER = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:\.\d{{3}})+(?:,\d+)?(?![\d.]|,\d)|{_DECIMAL_COMMA.pattern}")
# How each target language writes (thousands separator, decimal mark): French groups with a narrow no-break space.
_SEPARATORS = {"en": (",", "."), "de": (".", ","), "fr": ("\u202f", ",")}
_COLON_TIME = re.compile(r"(?<![\d.,:/-])([01]?\d|2[0-4]):([0-5]\d)(?![\d:/-])")
_FRENCH_TIME = re.compile(rf"(?<![\d.,:/-]){FRENCH_CLOCK}(?!\d| ?min)")  # "5 h 30 min" is a duration, left alone


def in_target_format(text: str, source: str, target: str) -> str:
    """`text` (a kept span) with its numbers in the target language's format; unchanged where unsure."""
    source, target = source.split("-")[0].lower(), target.split("-")[0].lower()
    if source == target or target not in _SEPARATORS:
        return text
    if target == "fr":
        text = _COLON_TIME.sub(r"\1 h \2", text)
    elif source == "fr":
        text = _FRENCH_TIME.sub(lambda m: re.sub(r" ?h ?", ":", m.group()), text)
    if source == "en":
        return _ENGLISH_GROUPED.sub(lambda m: _rewrite(m.group(), ",", ".", target), text)
    if source == "de":
        return _GERMAN_NUMBER.sub(lambda m: _rewrite(m.group(), ".", ",", target), text)
    if source == "fr":
        return _DECIMAL_COMMA.sub(lambda m: _rewrite(m.group(), "\u202f", ",", target), text)
    return text


def _rewrite(number: str, thousands: str, decimal: str, target: str) -> str:
    whole, _, fraction = number.partition(decimal)
    to_thousands, to_decimal = _SEPARATORS[target]
    return whole.replace(thousands, to_thousands) + (to_decimal + fraction if fraction else "")
