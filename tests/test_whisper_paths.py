"""A random-weight Whisper folder through every path a converted checkpoint takes: the recognizer's searches and
tasks, `attend transcribe`, `attend eval-asr`, the Dictate tab, and a damaged folder. Its text is noise; what is
checked is that each path runs the Whisper way (30-s windows, 20-ms frames, its start tokens) and ends cleanly."""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import numpy as np
import pytest

from desktop_app.cli import main
from desktop_app.seq2seq.errors import ConfigError
from desktop_app.speech.features import load_audio
from desktop_app.speech.recognizer import Recognizer

from .conftest import open_window
from .support.tiny_whisper import make_tiny_whisper


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return make_tiny_whisper(tmp_path_factory.mktemp("whisper") / "tiny-whisper")


@pytest.fixture(scope="module")
def recognizer(folder):
    return Recognizer.from_folder(folder)


def test_every_search_and_task_runs_the_whisper_way(recognizer, tiny_asr):
    audio = load_audio(tiny_asr.wavs[0])
    assert type(recognizer).__name__ == "WhisperRecognizer" and recognizer.frame_seconds == 0.02
    for beam in (1, 3):
        for timestamps in (False, True):
            for task in ("transcribe", "translate"):
                recognizer.set_timestamps(timestamps)
                recognizer.set_task(task)
                transcript = recognizer.transcribe(audio, replace(recognizer.options, beam_size=beam))
                frames = int(np.ceil(audio.size / 16000 / 0.02))
                assert transcript.attention.shape[1] == frames  # the audio's frames, not the 30-s window's
                assert transcript.language in ("en", "de")  # detected: the model was told none
    recognizer.set_timestamps(False)
    recognizer.set_task("transcribe")
    recognizer.set_language("de")
    assert recognizer.options.start_ids[:3] == (
        recognizer.config.sot_id,
        recognizer.config.language_ids["de"],
        recognizer.config.transcribe_id,
    )
    recognizer.set_language(None)
    with pytest.raises(ValueError, match="does not know the language 'xx'"):
        recognizer.set_language("xx")


def test_transcribe_and_eval_asr_commands_run_it(folder, tiny_asr, tmp_path, capsys):
    assert main(["transcribe", "--model", str(folder), "--json", "--language", "de", str(tiny_asr.wavs[0])]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "transcribe (de)" in result["search"]
    manifest = tmp_path / "test.tsv"
    rows = [f"u{i}\t{wav}\t1.0\tsome words\tespeak" for i, wav in enumerate(tiny_asr.wavs[:2])]
    manifest.write_text("id\tpath\tduration\ttext\tvoice\n" + "\n".join(rows) + "\n")
    assert main(["eval-asr", "--model", str(folder), "--manifest", str(manifest), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][str(manifest)]["utterances"] == 2


def test_the_dictate_tab_transcribes_a_file_with_it(qtbot, folder, tiny_asr, tmp_path, monkeypatch):
    from desktop_app.gui import dictate_tab

    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    window = open_window(qtbot, tmp_path, folder, "tiny-whisper")
    tab = window.dictate_tab
    tab.picker.select_folder(str(tmp_path / "models" / "tiny-whisper"))
    with qtbot.waitSignal(tab.finished, timeout=60000, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(tiny_asr.wavs[0]))
    window.close()


def test_a_damaged_whisper_config_is_one_line(folder, tmp_path, capsys):
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    config = json.loads((damaged / "config.json").read_text())
    config["model"]["alignment_heads"] = [[7, 0]]  # a layer the model does not have
    (damaged / "config.json").write_text(json.dumps(config))
    with pytest.raises(ConfigError, match="alignment head"):
        Recognizer.from_folder(damaged)
    assert main(["transcribe", "--model", str(damaged), str(sys.argv[0])]) == 2
    assert "alignment head [7, 0]" in capsys.readouterr().err
