"""Translator with a bundled model: kept spans pass through, a prefix starts only the first part, a speech
folder is refused in one line, and no letter comes more often in a row than the target language writes it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from desktop_app.seq2seq import DecodeOptions, ModelFolderError, Translator
from desktop_app.seq2seq.decoding import Hypothesis
from desktop_app.seq2seq.letter_runs import LetterRuns, Letters, max_run
from desktop_app.seq2seq.translator import KeptHypothesis, output_warning

MODELS = Path(__file__).resolve().parents[1] / "models"
SENTENCE = "Meet me at 11:35 pm at https://example.org/x?y=1"


@pytest.fixture(scope="module", params=["en-de-transformer", "en-de-rnn"])
def translator(request) -> Translator:
    folder = MODELS / request.param
    if not folder.is_dir():
        pytest.skip(f"{folder} is not bundled here")
    return Translator.from_folder(folder)


@pytest.mark.parametrize("beam", [1, 5])
def test_time_and_url_come_out_unchanged(translator, beam):
    translation = translator.translate(SENTENCE, DecodeOptions(beam_size=beam))
    assert "11:35" in translation.text
    assert "https://example.org/x?y=1" in translation.text
    assert translator.hypothesis_text(translation.nbest[0]) == translation.text


def test_a_kept_number_is_written_the_german_way(translator):
    assert "3.000" in translator.translate("This book costs 3,000 yen.").text  # "3,000" would read as three


def test_a_number_in_brackets_stays_in_its_place(translator):
    # a lone "(" before a stand-in made the models write garbage ("(eblust") and drop or glue the stand-in
    translation = translator.translate("She used to drink beer (1999).")
    assert "(1999)" in translation.text and not translation.nbest[0].dropped
    assert not re.search(r"[a-z](Tom|Boston|Paris)", translation.text)


def test_each_kept_span_is_the_text_of_a_step_of_its_own(translator):
    # the output word "11:35" is one clickable word, not glued to the word after it ("11:35 Uhr")
    pieces = [step.piece.strip() for step in translator.translate(SENTENCE).steps]
    assert "11:35" in pieces
    assert "https://example.org/x?y=1" in pieces


def test_the_heatmap_columns_show_the_users_text(translator):
    translation = translator.translate(SENTENCE)
    assert "\u258111:35" in translation.source_pieces
    assert "\u2581https://example.org/x?y=1" in translation.source_pieces
    assert translation.attention.shape == (len(translation.steps), len(translation.source_pieces))


def test_without_protection_the_model_reads_the_spans_itself(translator):
    translator.keep_spans = False
    try:
        assert "11:35" not in translator.translate(SENTENCE).text  # what protection is for
    finally:
        translator.keep_spans = True


def test_a_prefix_starts_only_the_first_part_of_a_long_sentence(translator):
    sentence = "I bought bread at the market in the morning, and then I went home to read a book."
    limit = translator.max_part_tokens
    translator.max_part_tokens = 12  # two parts
    try:
        assert len(translator.parts(sentence)) == 2
        prefix = tuple(translator.target_tokenizer.encode("Zebra"))
        text = translator.translate(sentence, DecodeOptions(prefix=prefix)).text
    finally:
        translator.max_part_tokens = limit
    assert text.startswith("Zebra")
    assert text.count("Zebra") == 1


def test_a_speech_folder_is_refused_in_one_line():
    folder = MODELS / "asr-en"
    if not folder.is_dir():
        pytest.skip("no bundled speech model")
    with pytest.raises(ModelFolderError, match="is a speech model.*open it in the Dictate tab") as error:
        Translator.from_folder(folder)
    assert "\n" not in str(error.value)


def test_a_letter_never_comes_four_times_in_a_row(translator):
    translator.keep_spans = False  # unprotected, the URL made the Transformer write "Pfotttttikanskomt"
    try:
        translation = translator.translate(SENTENCE)
    finally:
        translator.keep_spans = True
    assert not re.search(r"([^\W\d_])\1{3}", translation.text)


def test_the_rule_forbids_a_fourth_letter_and_allows_others(translator):
    tokenizer = translator.target_tokenizer
    pieces = tokenizer.pieces(range(tokenizer.vocab_size))
    t, e = pieces.index("t"), pieces.index("e")
    rule = LetterRuns(Letters(tokenizer), "")
    allowed = rule.apply([tokenizer.encode("Pfottt")], torch.zeros(1, tokenizer.vocab_size))[0]
    assert allowed[t] == float("-inf") and allowed[e] == 0
    assert rule.fired is False  # every token was as likely: the first choice was not one it took away
    echo = LetterRuns(Letters(tokenizer), "Hmmmm, he said.")  # the source's own run may be translated
    assert echo.apply([tokenizer.encode("Hmmm")], torch.zeros(1, tokenizer.vocab_size))[0].isfinite().all()
    # into English or French (no letter three times there), the third is already forbidden
    english = LetterRuns(Letters(tokenizer, max_run("en")), "")
    allowed = english.apply([tokenizer.encode("Pfott")], torch.zeros(1, tokenizer.vocab_size))[0]
    assert allowed[t] == float("-inf") and allowed[e] == 0
    roman = LetterRuns(Letters(tokenizer, max_run("en")), "Henry VIII")
    assert roman.apply([tokenizer.encode("Heinrich VII")], torch.zeros(1, tokenizer.vocab_size))[0].isfinite().all()


def test_what_was_done_to_the_output_is_said():
    plain = Hypothesis([5], [0.0, 0.0], np.zeros((1, 2), np.float32), None, True)
    assert output_warning(plain) is None
    steered = KeptHypothesis.of(plain, None, (), True)
    assert "repeat a letter" in output_warning(steered)
    dropped = KeptHypothesis.of(plain, None, ("11:35",))
    assert output_warning(dropped) == "the model left out 11:35, so it was added at the end"


def test_spans_in_different_parts_of_a_long_sentence_each_come_back(translator):
    sentence = "We met at 11:35 near the old market in the city, and then we read https://example.org/x together."
    limit = translator.max_part_tokens
    translator.max_part_tokens = 12
    try:
        assert len(translator.parts(sentence)) >= 2
        assert " ".join(translator.parts(sentence)) == sentence  # the parts show the user's text
        translation = translator.translate(sentence)
    finally:
        translator.max_part_tokens = limit
    assert "11:35" in translation.text and "https://example.org/x" in translation.text
    shown = "".join(translation.source_pieces).replace("\u2581", " ")
    assert "11:35" in shown and "https://example.org/x" in shown


def _with_source_words(tmp_path: Path, rows: str) -> Path:
    import json
    import shutil

    folder = shutil.copytree(MODELS / "en-de-transformer", tmp_path / "en-de")
    (folder / "source_words.tsv").write_text(rows, encoding="utf-8")
    config = json.loads((folder / "config.json").read_text())
    config |= {"source_words": "source_words.tsv", "name_unseen_below": 10}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_a_name_the_model_never_saw_comes_out_unchanged():
    if not (MODELS / "en-de-transformer").is_dir():
        pytest.skip("en-de-transformer is not bundled here")
    sentence = "I went to Sendai and hurried right back."
    translator = Translator.from_folder(MODELS / "en-de-transformer")  # the folder has its source word counts
    assert translator.kept(sentence).originals == ("Sendai",)
    assert "Sendai" in translator.translate(sentence).text
    translator.source_words = None  # the tokenizer has "Sendai" in few pieces: not a name by that rule alone
    assert translator.kept(sentence).originals == ()


def test_damaged_source_word_counts_are_refused_in_one_line(tmp_path):
    if not (MODELS / "en-de-transformer").is_dir():
        pytest.skip("en-de-transformer is not bundled here")
    with pytest.raises(ModelFolderError, match="source word counts are damaged.*line 2"):
        Translator.from_folder(_with_source_words(tmp_path, "I\t100\nwent 100\n"))
