"""Kept spans (protect.py): found, replaced by stand-ins, and put back, whatever the model does with them."""

from __future__ import annotations

import pytest

from desktop_app.seq2seq.protect import STAND_INS, find_spans, protect
from desktop_app.seq2seq.source_words import SourceWords, count_words, write_counts


def spans(text: str, language: str = "en", pieces=None, unseen=None) -> list[tuple[str, str]]:
    return [(span.kind, span.text(text)) for span in find_spans(text, language, pieces, unseen=unseen)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meet me at 11:35 pm.", [("number", "11:35")]),
        ("It costs 12,345.67 euros, or 3.5 each.", [("number", "12,345.67"), ("number", "3.5")]),
        ("Born on 2024-03-05 and 5/3/24.", [("number", "2024-03-05"), ("number", "5/3/24")]),
        ("See https://example.org/x?y=1.", [("url", "https://example.org/x?y=1")]),
        ("(www.tatoeba.org)", [("url", "(www.tatoeba.org)")]),  # alone in brackets: they go with it
        ("(see www.tatoeba.org)", [("url", "www.tatoeba.org")]),
        ("It was built in 1999 (or [2]).", [("number", "1999"), ("number", "[2]")]),
        ("Write to k.schmidt@uni-bonn.de, please.", [("email", "k.schmidt@uni-bonn.de")]),
        (
            "Hello #PRS_ORG#, {name} and %s!",
            [("placeholder", "#PRS_ORG#"), ("placeholder", "{name}"), ("placeholder", "%s")],
        ),
        ("Click <b>here</b>.", [("tag", "<b>"), ("tag", "</b>")]),
        ("CO2 and MP3, but the 3rd time.", [("code", "CO2"), ("code", "MP3")]),
    ],
)
def test_spans_found(text, expected):
    assert spans(text) == expected


def test_names_only_where_nouns_are_not_capitalised_and_the_tokenizer_spells_them_out():
    pieces = {"Huhne": 3, "Pryce": 3, "Paris": 1, "Heute": 3}.get
    text = "Yesterday Huhne and Pryce flew to Paris."
    assert spans(text, "en", lambda word: pieces(word, 1)) == [("name", "Huhne"), ("name", "Pryce")]
    assert spans("Heute flog Huhne nach Paris.", "de", lambda word: pieces(word, 1)) == []
    assert spans("Heute is a word.", "en", lambda word: pieces(word, 1)) == []  # a sentence start


def test_names_the_model_never_saw_are_kept_and_their_neighbours_join_them():
    one_piece = lambda word: 1  # noqa: E731 - the tokenizer knows every word
    unseen = {"Leon", "Sendai", "Saxo", "Huhne", "Mrs"}.__contains__
    assert spans("I went to Sendai and Paris.", "en", one_piece, unseen) == [("name", "Sendai")]
    # capitalised words right beside a name are part of it, one span
    assert spans("I never read Donna Leon before.", "en", one_piece, unseen) == [("name", "Donna Leon")]
    assert spans("It merged with Saxo Bank in May.", "en", one_piece, unseen) == [("name", "Saxo Bank")]
    # ...but not a sentence's first word, nor across punctuation
    assert spans("Donna Leon wrote it.", "en", one_piece, unseen) == [("name", "Leon")]
    assert spans("Paris, Sendai and Rome.", "en", one_piece, unseen) == [("name", "Sendai")]
    # a title's full stop does not start a sentence
    assert spans("We met Mr. Huhne.", "en", one_piece, unseen) == [("name", "Mr. Huhne")]  # the title goes too
    assert spans("Ask Dr. Smith and Mrs. Brown.", "en", one_piece, unseen) == [
        ("name", "Dr. Smith"),
        ("name", "Mrs. Brown"),
    ]  # after a title, any capitalised word is a name
    assert spans("We met him. Huhne left.", "en", one_piece, unseen) == []


def test_a_word_training_showed_often_is_no_name_however_many_pieces_spell_it():
    pieces = {"T-shirt": 3, "Huhne": 3}.get
    learned = {"T-shirt"}.__contains__  # French writes "T-shirt" capitalised; fr-en saw it 1,140 times
    text = "Un homme en T-shirt rouge parle avec Huhne."
    found = [(s.kind, s.text(text)) for s in find_spans(text, "fr", lambda w: pieces(w, 1), learned=learned)]
    assert found == [("name", "Huhne")]
    assert spans(text, "fr", lambda w: pieces(w, 1)) == [("name", "T-shirt"), ("name", "Huhne")]  # no counts


def test_in_german_only_runs_of_unseen_capitalised_words_are_names():
    unseen = {"Australian", "Shepherd", "Nanotechnik", "Voice", "America", "Gelati", "Tabacchi"}.__contains__
    assert spans("Die Nanotechnik ist neu.", "de", unseen=unseen) == []  # one unseen noun: a compound
    assert spans("Ein Australian Shepherd folgt.", "de", unseen=unseen) == [("name", "Australian Shepherd")]
    assert spans('Die "Voice of America" sendet.', "de", unseen=unseen) == [("name", "Voice of America")]
    assert spans("Sie sitzen vor der Bar Gelati Tabacchi.", "de", unseen=unseen) == [("name", "Bar Gelati Tabacchi")]
    assert spans("Australian Shepherd folgt.", "de", unseen=unseen) == []  # a sentence's first word is no help
    assert spans("Ein Australian Shepherd folgt.", "de") == []  # without the model's counts, no names


def test_source_word_counts_say_what_the_model_never_saw(tmp_path):
    path = tmp_path / "source_words.tsv"
    assert write_counts(count_words(["Tom saw Mary.", "Tom saw the paris hotel.", "Tom left."]), path) == 7
    words = SourceWords.read(path, unseen_below=2)
    assert not words.unseen("Tom") and words.unseen("Mary") and words.unseen("Huhne")
    assert SourceWords.read(path, unseen_below=1).unseen("Huhne") and not words.unseen("saw")
    assert not SourceWords.read(path, unseen_below=1).unseen("Paris")  # seen in lower case
    assert words.seen("Tom") == 3 and words.seen("Paris") == 1 and not words.learned("Tom")  # 3 < LEARNED_FROM
    assert write_counts(count_words(["Tom left."]), path, min_count=2) == 0  # a tiny corpus: no word often enough
    assert SourceWords.read(path, 2).counts == {}
    path.write_text("Tom\tmany\n")
    with pytest.raises(ValueError, match="line 1"):
        SourceWords.read(path, 2)


@pytest.mark.parametrize(
    "text",
    [
        "Meet me at 11:35 pm at https://example.org/x?y=1",
        "Zoë's naïve café opens at 07:30 ☕ — write to zoë@café.example.org 👍🏽",
        "Hello #PRS_ORG#, your order 12,345.67 arrived on 2024-03-05.",
        "Click <b>here</b> or {0}.",
        "Tom flew from Boston to Paris at 9:30.",  # the stand-ins' own words in the source
    ],
)
def test_restoring_the_protected_text_gives_the_source_back(text):
    kept = protect(text, find_spans(text))
    assert kept.originals  # something was kept
    assert not any(original in kept.text for original in kept.originals if any(c.isdigit() for c in original))
    assert kept.restore(kept.text) == (text.replace("<b>here</b>", "<b> here </b>"), [])


def test_a_stand_in_is_always_a_word_of_its_own():
    # after "(" or "#" it would be read as a piece of that word, which the models glue to the word before
    kept = protect("Call ##5 now (or 7:05.", find_spans("Call ##5 now (or 7:05."))
    assert kept.text == "Call ## Tom now (or Boston."


def test_stand_ins_avoid_words_of_the_source():
    text = "Tom flew from Boston at 9:30."
    kept = protect(text, find_spans(text), STAND_INS["tom-places"])
    assert kept.stand_ins[0] not in ("Tom", "Boston")
    assert kept.text.startswith("Tom flew from Boston at ")


def test_restoring_piece_by_piece_gives_what_restoring_at_once_does():
    text = "At 11:35 and 23:59 visit https://example.org/x?y=1 or %s."
    kept = protect(text, find_spans(text), STAND_INS["small"])  # numbers: "1" may grow into "12" in the next piece
    first, second, third, fourth = kept.stand_ins
    output = f"Um {first} und {second}, besuche {third}{first} {third} oder {fourth}."
    restorer = kept.restorer()
    pieces = [output[i : i + 2] for i in range(0, len(output), 2)]
    streamed = "".join(restorer.push(piece) for piece in pieces) + restorer.finish()
    assert streamed == kept.restore(output)[0]
    # "31" is no stand-in: it stays as the model wrote it
    assert streamed == "Um 11:35 und 23:59, besuche 31 https://example.org/x?y=1 oder %s."


def test_a_span_the_model_drops_is_added_at_the_end_and_named():
    text = "Meet me at 11:35 pm at https://example.org/x"
    kept = protect(text, find_spans(text))
    output = f"Triff mich um {kept.stand_ins[0]} Uhr."
    restored, missing = kept.restore(output)
    assert restored == "Triff mich um 11:35 Uhr. https://example.org/x"
    assert missing == ["https://example.org/x"]


def test_a_stand_in_written_twice_is_restored_twice():
    kept = protect("at 7:05", find_spans("at 7:05"))
    assert kept.restore(f"{kept.stand_ins[0]} oder {kept.stand_ins[0]}") == ("7:05 oder 7:05", [])


def test_every_family_has_stand_ins_enough():
    text = " ".join(f"{n}:00" for n in range(12))
    for family in STAND_INS:
        kept = protect(text, find_spans(text), STAND_INS[family])
        assert len(set(kept.stand_ins)) == 12
        assert kept.restore(kept.text) == (text, [])


def test_contractions_are_not_names():
    text = "Yes, I'm here and It's fine, said Huhne."
    kinds = [(text[span.start : span.end], span.kind) for span in find_spans(text, "en", pieces=lambda word: 5)]
    assert ("I'm", "name") not in kinds and ("It's", "name") not in kinds
    assert ("Huhne", "name") in kinds


def test_a_restored_span_belongs_to_the_piece_where_its_stand_in_began():
    text = "We meet at 10:30 today."
    kept = protect(text, find_spans(text))
    stand_in = kept.stand_ins[0]
    pieces = [" Wir", " treffen", " uns", " um", f" {stand_in[:2]}", stand_in[2:], " heute", "."]
    restorer = kept.restorer()
    given = [restorer.push_parts(piece) for piece in pieces]
    # the stand-in's first letters are held, then nothing is given out while it is open; the span comes as
    # text finishing the piece where it began
    assert given[4] == ("", " ", True)
    assert given[5] == ("", "", False)
    assert given[6] == ("10:30", " heute", True)
    assert restorer.finish() == ""
