"""Kept numbers written the target language's way (number_format.py), and put back so (protect.py)."""

import pytest

from desktop_app.seq2seq.number_format import in_target_format
from desktop_app.seq2seq.protect import find_spans, protect


@pytest.mark.parametrize(
    ("text", "source", "target", "expected"),
    [
        ("3,000", "en", "de", "3.000"),  # as it was, German reads three
        ("12,345.67", "en", "de", "12.345,67"),
        ("(1,000)", "en", "de", "(1.000)"),
        ("1,000", "en", "fr", "1\u202f000"),
        ("3.000", "de", "en", "3,000"),
        ("12.345,67", "de-DE", "en", "12,345.67"),
        ("3,5", "de", "en", "3.5"),
        ("3,5", "fr", "en", "3.5"),
        ("11:35", "en", "fr", "11 h 35"),  # French writes clock times with "h"
        ("(7:05)", "de", "fr", "(7 h 05)"),
        ("14 h 30", "fr", "en", "14:30"),
        ("7h45", "fr", "de", "7:45"),
        ("5 h 30 min", "fr", "en", "5 h 30 min"),  # a duration
        ("2024-03-05", "en", "fr", "2024-03-05"),
        ("12:75", "en", "fr", "12:75"),  # no time
        # left alone where the form does not say what it is, or nothing changes
        ("3.5", "en", "de", "3.5"),  # a version, perhaps
        ("12.05.2019", "de", "en", "12.05.2019"),
        ("2024-03-05", "en", "de", "2024-03-05"),
        ("11:35", "en", "de", "11:35"),
        ("1,2,3", "en", "de", "1,2,3"),
        ("1,000", "en", "en", "1,000"),
        ("1,000", "en", "zh", "1,000"),
    ],
)
def test_numbers_take_the_target_languages_separators(text, source, target, expected):
    assert in_target_format(text, source, target) == expected


def test_a_kept_number_comes_back_in_the_target_format_and_the_warning_names_the_users():
    text = "It costs 3,000 yen, not 12,345.67."
    kept = protect(text, find_spans(text), number_format=lambda n: in_target_format(n, "en", "de"))
    first, second = kept.stand_ins
    assert kept.restore(f"Es kostet {first} Yen.") == ("Es kostet 3.000 Yen. 12.345,67", ["12,345.67"])


def test_a_french_clock_time_is_one_span_and_comes_back_as_english_writes_it():
    text = "Rendez-vous à 14 h 30, pas 14h45."
    assert [(s.kind, s.text(text)) for s in find_spans(text, "fr")] == [("time", "14 h 30"), ("time", "14h45")]
    kept = protect(text, find_spans(text, "fr"), number_format=lambda n: in_target_format(n, "fr", "en"))
    first, second = kept.stand_ins
    assert kept.restore(f"Meet at {first}, not {second}.") == ("Meet at 14:30, not 14:45.", [])
    assert [s.kind for s in find_spans("Il faut 5 h 30 min.", "fr")] == ["number", "number"]  # a duration
