"""attend translate --alternatives / --prefix / --warnings / --alignment (issue 41) on the tiny model folders."""

from __future__ import annotations

import re

import pytest

from desktop_app.cli import main
from desktop_app.seq2seq import Translator
from desktop_app.seq2seq.attention_warnings import THRESHOLDS, Thresholds

from .conftest import SOURCES, TARGETS


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(["translate", *argv])
    except SystemExit as stop:  # argparse refuses a value
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith(("usage:", " "))]


def test_alternatives_list_each_token_with_its_probability_and_the_models_choices(tiny_folder, capsys):
    folder = str(tiny_folder.folder)
    _, plain, _ = _run(capsys, "--model", folder, SOURCES[1])
    code, out, err = _run(capsys, "--model", folder, "--alternatives", "2", SOURCES[1])
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == plain.strip()  # the translation itself as without the option
    pieces = Translator.from_folder(folder).target_tokenizer.encode_pieces(plain.strip())
    assert len(lines) == 1 + len(pieces)
    for line, piece in zip(lines[1:], pieces, strict=True):
        token, probability, *choices = line.split()
        assert token == piece and re.fullmatch(r"\d+\.\d%", probability)
        assert len(choices) == 4 and all(re.fullmatch(r"\d+\.\d%", p) for p in choices[1::2])
        assert choices[0] == piece  # greedy: the chosen token is the likeliest


def test_a_prefix_is_written_first_and_the_model_continues(tiny_folder, capsys):
    start = TARGETS[7].split()[0]  # a first word the model would not choose for SOURCES[1]
    code, out, err = _run(
        capsys, "--model", str(tiny_folder.folder), "--prefix", start, "--alternatives", "1", SOURCES[1]
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(start)
    forced = len(Translator.from_folder(tiny_folder.folder).target_tokenizer.encode(start))
    assert [" forced " in line for line in lines[1:]] == [True] * forced + [False] * (len(lines) - 1 - forced)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--alternatives", "-1"], "must be at least 0"),
        (["--alternatives", "two"], "is not a whole number"),
        (["--prefix", "   "], "--prefix is empty"),
        (["--prefix", "日本語"], "--prefix holds characters the model cannot write"),
        (["--alignment", "giza"], "invalid choice"),
    ],
)
def test_bad_explaining_options_give_one_line_and_exit_2(tiny_folder, capsys, argv, message):
    code, out, err = _run(capsys, "--model", str(tiny_folder.folder), *argv, SOURCES[1])
    assert code == 2 and out == ""
    assert "Traceback" not in err
    errors = _errors(err)
    assert len(errors) == 1 and errors[0].startswith("attend translate: error: ") and message in errors[0], err


def test_pharaoh_alignment_follows_each_translation(tiny_folder, capsys):
    code, out, err = _run(
        capsys, "--model", str(tiny_folder.folder), "--alignment", "pharaoh", f"{SOURCES[0]} {SOURCES[5]}"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 4  # translation, alignment, translation, alignment
    for source, translation, pairs in ((SOURCES[0], lines[0], lines[1]), (SOURCES[5], lines[2], lines[3])):
        assert re.fullmatch(r"\d+-\d+( \d+-\d+)*", pairs)
        links = [tuple(map(int, pair.split("-"))) for pair in pairs.split()]
        assert [j for _, j in links] == list(range(len(links)))  # every output word once, in order
        assert len(links) >= len(translation.split())  # punctuation counts as a word of its own
        assert max(i for i, _ in links) < len(source.split()) + 2  # source words ("." apart), never "</s>"


def test_warnings_go_to_standard_error_one_line_each(tiny_folder, capsys, monkeypatch):
    architecture = tiny_folder.architecture
    monkeypatch.setitem(
        THRESHOLDS,
        architecture,
        Thresholds(
            untranslated=10.0,
            repetition_peak=2.0,
            hallucination_entropy=2.0,
            hallucination_probability=0.0,
            untranslated_drop=1e9,  # every content word, however much the translation needs it
        ),
    )
    code, out, err = _run(capsys, "--model", str(tiny_folder.folder), "--warnings", SOURCES[2])
    assert code == 0
    _, plain, _ = _run(capsys, "--model", str(tiny_folder.folder), SOURCES[2])
    assert out == plain  # standard output as without the option
    lines = err.splitlines()
    assert lines and all(line.startswith("attend translate: warning: possibly untranslated: ") for line in lines)
    nothing = Thresholds(0.0, 2.0, 2.0, 0.0, untranslated_drop=-1e9)  # nothing to say
    monkeypatch.setitem(THRESHOLDS, architecture, nothing)
    assert _run(capsys, "--model", str(tiny_folder.folder), "--warnings", SOURCES[2])[2] == ""


def test_a_prefix_for_a_sentence_translated_in_parts_is_refused_for_that_sentence(tiny_folder, capsys):
    start = TARGETS[7].split()[0]
    code, out, err = _run(capsys, "--model", str(tiny_folder.folder), "--prefix", start, "water " * 60)
    assert code == 1 and out == "\n"
    assert _errors(err) == [
        "attend translate: this sentence is too long to continue after --prefix (it is translated "
        "in parts); split it into shorter sentences"
    ]
