"""attend translate on a model folder made by the tests."""

import io
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli import main

from .conftest import SOURCES, TARGETS


def test_translate_argument(tiny_folder, capsys):
    assert main(["translate", "--model", str(tiny_folder.folder), SOURCES[1]]) == 0
    assert capsys.readouterr().out == TARGETS[1] + "\n"


def test_translate_paragraph_is_split_into_sentences(tiny_folder, capsys):
    assert main(["translate", "--model", str(tiny_folder.folder), f"{SOURCES[0]} {SOURCES[5]}"]) == 0
    assert capsys.readouterr().out == f"{TARGETS[0]} {TARGETS[5]}\n"


def test_translate_standard_input_line_by_line(tiny_folder, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{SOURCES[2]}\n\n{SOURCES[3]}\n"))
    assert main(["translate", "--model", str(tiny_folder.folder), "--beam", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == [TARGETS[2], "", TARGETS[3]]


def test_nbest_lists_ranked_hypotheses(tiny_folder, capsys):
    assert main(["translate", "--model", str(tiny_folder.folder), "--beam", "4", "--nbest", "3", SOURCES[6]]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["1", "2", "3"]
    assert lines[0].split("\t")[2] == TARGETS[6]
    scores = [float(line.split("\t")[1]) for line in lines]
    assert scores == sorted(scores, reverse=True)


def test_show_attention_prints_a_table(tiny_folder, capsys):
    assert main(["translate", "--model", str(tiny_folder.folder), "--show-attention", "The water is cold."]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Das Wasser ist kalt."
    header, rows = out[1], [row for row in out[2:] if row]
    assert header.split()[0] == "▁The" and header.split()[-1] == "</s>"
    assert all(row.count("*") == 1 for row in rows)  # each output piece marks its strongest source piece
    assert "".join(row.split()[0] for row in rows).replace("▁", " ").strip() == "Das Wasser ist kalt."


def test_missing_model_is_a_clear_error(tmp_path, capsys):
    assert main(["translate", "--model", str(tmp_path / "nope"), "hi"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


def test_impossible_nbest_is_a_clear_error(tiny_folder, capsys):
    assert main(["translate", "--model", str(tiny_folder.folder), "--beam", "2", "--nbest", "5", "x"]) == 2
    assert "nbest" in capsys.readouterr().err


@pytest.mark.parametrize("entry", [["-m", "desktop_app"]])
def test_module_entry_point_runs(tiny_folder, entry):
    result = subprocess.run(
        [sys.executable, *entry, "translate", "--model", str(tiny_folder.folder), SOURCES[9]],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == TARGETS[9]


def test_precision_choices_are_the_library_ones():
    from desktop_app.commands._options import PRECISION_CHOICES
    from desktop_app.seq2seq.quantize import PRECISIONS

    assert PRECISION_CHOICES == PRECISIONS


def test_decoding_thread_defaults_are_the_library_one():
    from desktop_app.commands._options import INFERENCE_THREADS as cli_default
    from desktop_app.seq2seq.quantize import INFERENCE_THREADS

    from .test_bundle_card import _bundle_asr

    assert cli_default == _bundle_asr().INFERENCE_THREADS == INFERENCE_THREADS


def test_zero_decoding_threads_is_a_clear_error(tiny_folder, capsys):
    assert main(["translate", "--model", str(tiny_folder.folder), "--threads", "0", SOURCES[9]]) == 2
    assert "threads must be at least 1" in capsys.readouterr().err


def test_cpu_bfloat16_warning_reads_the_cpu_flags(tmp_path):
    from desktop_app.commands._training import _cpu_lacks_bfloat16

    (tmp_path / "native").write_text("flags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n")
    (tmp_path / "amx").write_text("flags\t\t: fpu avx2 amx_bf16 amx_tile\n")
    (tmp_path / "emulated").write_text("flags\t\t: fpu avx2 avx512f avx512bw\n")
    assert not _cpu_lacks_bfloat16(str(tmp_path / "native")) and not _cpu_lacks_bfloat16(str(tmp_path / "amx"))
    assert _cpu_lacks_bfloat16(str(tmp_path / "emulated"))
    assert not _cpu_lacks_bfloat16(str(tmp_path / "missing"))  # not Linux: no way to tell, no warning


def test_a_batch_exits_1_after_its_good_items_and_sums_up_its_bad_ones():
    from desktop_app.commands._options import finish_batch, others

    err = io.StringIO()
    assert finish_batch("translate", 0, 5, "lines could not be translated", others(5, "translated"), err) == 0
    assert finish_batch("translate", 1, 1, "lines could not be translated", others(0, "translated"), err) == 1
    assert err.getvalue() == ""  # one item: its own line says it all
    assert finish_batch("translate", 2, 5, "lines could not be translated", others(3, "translated"), err) == 1
    assert (
        err.getvalue() == "attend translate: 2 of 5 lines could not be translated (see above); the other 3 were "
        "translated\n"
    )
    assert others(1, "transcribed") == "the other one was transcribed"


def test_translate_standard_input_exits_1_after_translating_the_good_lines(tiny_folder, monkeypatch, capsys):
    from desktop_app.seq2seq import InputError, Translator

    stream = Translator.stream

    def refuse(self, text, options):
        if text == SOURCES[3]:
            raise InputError("this sentence cannot be translated")
        return stream(self, text, options)

    monkeypatch.setattr(Translator, "stream", refuse)
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{SOURCES[2]}\n{SOURCES[3]}\n\n{SOURCES[4]}\n"))
    assert main(["translate", "--model", str(tiny_folder.folder)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [TARGETS[2], "", "", TARGETS[4]]  # line for line, the bad one empty
    assert err.splitlines() == [
        "attend translate: standard input line 2: this sentence cannot be translated",
        "attend translate: 1 of 3 lines could not be translated (see above); the other 2 "
        "were translated (an empty line out for each that was not)",
    ]


def test_a_direction_finds_its_model(tiny_folder, tmp_path, monkeypatch, capsys):
    from desktop_app import catalog

    bundled = tmp_path / "models"
    bundled.mkdir()
    (bundled / "en-de-tiny").symlink_to(tiny_folder.folder, target_is_directory=True)
    monkeypatch.setattr(catalog, "BUNDLED_MODELS", bundled)
    monkeypatch.setenv("ATTEND_MODELS_DIR", str(tmp_path / "installed"))
    assert main(["translate", "--to", "de", SOURCES[1]]) == 0  # --from is English unless told
    assert capsys.readouterr().out == TARGETS[1] + "\n"
    assert main(["translate", "--from", "en", "--to", "fr", SOURCES[1]]) == 2
    assert "no installed model translates en→fr; the directions there are: en→de" in capsys.readouterr().err
    assert main(["translate", "--model", str(tiny_folder.folder), "--to", "de", SOURCES[1]]) == 2
    assert "either --model NAME or --to LANGUAGE" in capsys.readouterr().err
