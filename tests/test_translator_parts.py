"""A long sentence through the bundled en-de Transformer: cut into parts, every part on the heatmap's columns and
in the output, none of it lost; sentences the model translates well stay whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.seq2seq import DecodeOptions, Translator
from desktop_app.seq2seq.text import split_clauses

MODELS = Path(__file__).resolve().parents[1] / "models"
# 33 words, 36 pieces: over the Transformer's 35, so two parts.
LONG = (
    "When we arrived at the station in the morning, the train had already left, so we walked to the old bridge "
    "and waited for the next bus that would take us back home."
)
REFERENCE = (
    "Als wir am Morgen am Bahnhof ankamen, war der Zug schon abgefahren, also gingen wir zur alten Brücke und "
    "warteten auf den nächsten Bus, der uns nach Hause bringen würde."
)


@pytest.fixture(scope="module")
def translator() -> Translator:
    folder = MODELS / "en-de-transformer"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not bundled here")
    return Translator.from_folder(folder)


def test_a_sentence_over_the_limit_is_cut_into_shorter_parts():
    words = lambda text: len(text.split())  # noqa: E731
    sentence = "one two three, four five six seven, eight nine ten eleven, twelve"
    assert split_clauses(sentence, words, 12, parts_of=5) == [sentence]  # fits: whole
    assert split_clauses(sentence, words, 11)[-1] == "twelve"  # parts of up to 11
    assert split_clauses(sentence, words, 11, parts_of=8) == [
        "one two three, four five six seven,",
        "eight nine ten eleven, twelve",
    ]


def test_a_30_word_sentence_is_translated_in_parts(translator):
    parts = translator.parts(LONG)
    assert len(parts) == 2
    assert " ".join(parts) == LONG
    assert all(translator._length(part) <= translator.cut_part_tokens for part in parts)


def test_an_ordinary_sentence_stays_whole(translator):
    sentence = "The children played in the garden all afternoon while their parents cooked dinner for the whole family."
    assert translator.parts(sentence) == [sentence]


@pytest.mark.parametrize("beam", [1, 5])
def test_every_part_is_on_the_heatmap_and_in_the_output(translator, beam):
    translation = translator.translate(LONG, DecodeOptions(beam_size=beam))
    columns = translation.source_pieces
    assert columns[-1] == "</s>"
    assert "".join(columns[:-1]).replace("\u2581", " ").split() == LONG.split()  # every source word is a column
    attention = translation.attention
    assert attention.shape == (len(translation.steps), len(columns))
    # one block per part along the diagonal: each output row attends within one part (and </s>), in order
    widths = [len(translator.source_tokenizer.encode(part)) for part in translator.parts(LONG)]
    edges = np.cumsum([0, *widths])
    owners = []
    for row in attention[:, :-1]:
        touched = [i for i in range(len(widths)) if row[edges[i] : edges[i + 1]].sum() > 0]
        assert len(touched) <= 1
        owners += touched
    assert owners == sorted(owners) and set(owners) == set(range(len(widths)))
    assert translation.nbest[0].finished and translation.warning is None
    assert 0.85 <= len(translation.text) / len(REFERENCE) <= 1.5  # nothing dropped, nothing run on
