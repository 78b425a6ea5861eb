"""Which model the Translate tab offers before the user has chosen one (catalog.default_entry)."""

from pathlib import Path

import pytest

from desktop_app.catalog import ModelEntry, default_entry


def entry(name: str, bleu: float, error: str = "") -> ModelEntry:
    source, target = name.split("-")[:2]
    return ModelEntry(Path(name), "translation", source, target, "transformer", error, bleu)


ENTRIES = [
    entry("de-en", 47.0),
    entry("en-fr-strong", 42.0),  # a higher dev BLEU than en-de's, on another dev set
    entry("en-de-weak", 30.0),
    entry("en-de-strong", 38.0),
    entry("fr-en", 48.0, error="damaged"),
]


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (["en"], "en-de-strong"),  # BLEU on different dev sets does not rank pairs: German first
        (["en", "fr"], "en-fr-strong"),  # an English reader of French
        (["de", "en"], "de-en"),
        (["fr", "en"], "en-fr-strong"),  # the only fr-en folder is damaged: from English into French
    ],
)
def test_the_model_offered_first_reads_the_users_language_into_another_of_theirs(languages, expected):
    assert ENTRIES[default_entry(ENTRIES, languages)].folder.name == expected
    assert default_entry([], languages) == -1
