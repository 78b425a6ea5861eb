"""The bad-input table in the app: damaged model folders and unusable audio files each give one clear
message in the tab, lose nothing, and the tab goes on working with good input afterwards."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from desktop_app.gui import dictate_tab

from .conftest import SOURCES, TARGETS, open_window


def _set_config(folder, **changes) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["model"].update(changes)
    (folder / "config.json").write_text(json.dumps(config))


DAMAGED_CONFIGS = {  # change to config.json -> words the message must hold
    "heads 0": (dict(heads=0), "heads"),
    "negative d_model": (dict(d_model=-32), "d_model"),
    "huge vocabulary": (dict(tgt_vocab_size=4_000_000), "shape"),
}


@pytest.mark.parametrize("tiny_folder", ["transformer"], indirect=True)
@pytest.mark.parametrize("damage", DAMAGED_CONFIGS)
def test_a_damaged_translation_model_is_explained_and_a_good_one_still_works(qtbot, tiny_folder, tmp_path, damage):
    window = open_window(qtbot, tmp_path, tiny_folder.folder, "damaged")
    (tmp_path / "models" / "good").symlink_to(tiny_folder.folder, target_is_directory=True)
    tab = window.translate_tab
    changes, words = DAMAGED_CONFIGS[damage]
    _set_config(tmp_path / "models" / "damaged", **changes)
    tab.picker.refresh()
    tab.picker.select_folder(str(tmp_path / "models" / "damaged"))
    tab.source.setPlainText(SOURCES[0])
    tab.translate_now()
    qtbot.waitUntil(lambda: words in tab.message.text(), timeout=20000)
    assert "\n" not in tab.message.text() and "Traceback" not in tab.message.text()
    assert tab.output.toPlainText() == ""
    tab.picker.select_folder(str(tmp_path / "models" / "good"))
    with qtbot.waitSignal(tab.finished, timeout=20000, check_params_cb=lambda job, done: job == tab.job and done):
        tab.translate_now()
    assert tab.output.toPlainText() == TARGETS[0]
    window.close()


def _folder(path):
    path.mkdir()
    return path


def _empty(path):
    path.write_bytes(b"")
    return path


def _corrupt(path):
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage" * 10)
    return path


def _nan(path):
    audio = np.full(16000, np.nan, np.float32)
    soundfile.write(path, audio, 16000, subtype="FLOAT")
    return path


BAD_AUDIO = {  # name -> (make the file, words the message must hold)
    "a folder": (_folder, "is a folder"),
    "an empty file": (_empty, "is empty"),
    "a corrupt file": (_corrupt, "not a readable audio file"),
    "NaN samples": (_nan, "invalid samples"),
    "a missing file": (lambda path: path, "does not exist"),
}


@pytest.mark.parametrize("case", BAD_AUDIO)
def test_an_unusable_audio_file_is_explained_and_a_good_one_still_works(qtbot, tiny_asr, tmp_path, monkeypatch, case):
    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    window = open_window(qtbot, tmp_path, tiny_asr.folder, "asr-tiny")
    tab = window.dictate_tab
    make, words = BAD_AUDIO[case]
    bad = make(tmp_path / "bad.wav")
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: not done):
        tab.transcribe_file(str(bad))
    assert words in tab.message.text() and "bad.wav" in tab.message.text(), tab.message.text()
    assert tab.text() == ""
    with qtbot.waitSignal(tab.finished, timeout=30000, check_params_cb=lambda job, done: done):
        tab.transcribe_file(str(tiny_asr.wavs[0]))
    assert tab.text() and tab.message.text() == ""
    window.close()


def test_huge_pasted_text_starts_at_once_and_can_be_stopped(qtbot, tiny_folder, tmp_path):
    window = open_window(qtbot, tmp_path, tiny_folder.folder, tiny_folder.folder.name)
    tab = window.translate_tab
    tab.as_you_type.setChecked(False)
    tab.source.setPlainText(" ".join(SOURCES) * 200)  # ~100,000 characters
    tab.translate_now()
    # the first token's text can be empty (a bare word-start piece): stop once some text is shown
    qtbot.waitUntil(lambda: bool(tab.output.toPlainText()), timeout=20000)
    with qtbot.waitSignal(tab.finished, timeout=5000, check_params_cb=lambda job, done: not done):
        tab.stop()
    assert tab.output.toPlainText()  # what was translated before Stop stays
    window.close()
