"""attend compare: two models on the same sentence, both translations and their agreement; bad input in one line."""

import json
import shutil

import pytest

from desktop_app.cli import main

from .conftest import SOURCES, TARGETS
from .support.model_pair import model_pair


@pytest.fixture(scope="module")
def models(tiny_tokenizers, tmp_path_factory):
    return model_pair(tiny_tokenizers, tmp_path_factory)


def test_compare_prints_both_translations_and_the_agreement(models, capsys):
    rnn, transformer = str(models / "en-de-rnn"), str(models / "en-de-transformer")
    assert main(["compare", "--models", rnn, transformer, "--words", SOURCES[1]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == SOURCES[1]
    assert lines[1].split() == ["en-de-rnn", *TARGETS[1].split()]
    assert lines[2].split() == ["en-de-transformer", *TARGETS[1].split()]
    assert lines[3].startswith("  agreement on en-de-rnn's ") and "same most-attended source word" in lines[3]
    assert "(1 - AER)" in lines[3] and "shared attention" in lines[3]
    word_lines = [line.split()[0] for line in lines[4:] if line.strip()]
    assert word_lines == TARGETS[1].replace("?", " ?").split()  # one per output word, punctuation apart


def test_compare_library_agrees_with_itself(models):
    """A model compared with itself agrees on every word: B forced to write A's words attends as A did."""
    from desktop_app.seq2seq import Translator
    from desktop_app.seq2seq.comparison import compare_sentence

    model = Translator.from_folder(models / "en-de-transformer")
    comparison = compare_sentence(model, model, SOURCES[4])
    assert comparison.translation_a == comparison.translation_b == TARGETS[4]
    assert comparison.agreement.same_best == 1.0 and comparison.agreement.overlap == pytest.approx(1.0, abs=1e-4)
    assert comparison.attention_a.shape == comparison.attention_b.shape


def test_a_speech_model_is_refused_in_one_line(models, tmp_path, capsys):
    speech = tmp_path / "asr-fake"
    shutil.copytree(models / "en-de-rnn", speech)
    config = json.loads((speech / "config.json").read_text())
    (speech / "config.json").write_text(json.dumps(dict(config, task="speech")))
    assert main(["compare", "--models", str(models / "en-de-rnn"), str(speech), SOURCES[0]]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "is a speech model folder, not a translation model" in error


def test_empty_text_is_refused(models, capsys):
    rnn = str(models / "en-de-rnn")
    assert main(["compare", "--models", rnn, rnn, "  "]) == 2
    assert capsys.readouterr().err == "attend compare: error: nothing to compare on: the text is empty\n"
