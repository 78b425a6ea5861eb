"""Closing the window is safe in every state: no abort, no thread destroyed while running, and the
process is gone within a second of the window closing. Each state runs the app in a process of its
own (an abort would take pytest with it), through the same exit path as `attend`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from .conftest import SPOKEN, speak

ROOT = Path(__file__).parents[1]
BUNDLED = ROOT / "models"
EXIT_WITHIN_S = 1.0


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """The bundled models (a real speech model takes seconds to load: the state that used to abort)."""
    folder = tmp_path_factory.mktemp("models")
    for name in ("asr-en", "en-de-transformer"):
        (folder / name).symlink_to(BUNDLED / name, target_is_directory=True)
    return folder


@pytest.fixture(scope="module")
def long_audio(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("audio")
    speech, rate = soundfile.read(speak(SPOKEN[1], folder / "one.wav"), dtype="float32")
    path = folder / "long.wav"
    soundfile.write(path, np.tile(np.concatenate([speech, np.zeros(rate // 2, np.float32)]), 60), rate)
    return path


def _close_in(state: str, models: Path, tmp_path: Path, audio: Path | None = None) -> tuple[str, str, float]:
    """Run the app into `state`, close it; -> (stdout, stderr, seconds from closing to the process's end)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    command = [sys.executable, "-m", "tests.support.close_in_state", state, str(models), str(tmp_path / "s.ini")]
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as error_file:  # a file, not a pipe: a chatty child never blocks on it
        process = subprocess.Popen(
            command + ([str(audio)] if audio else []),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=error_file,
            text=True,
        )
    closing_at, seen = None, []
    for line in process.stdout:  # the child prints CLOSING <monotonic time> just before it closes the window
        seen.append(line)
        if line.startswith("CLOSING "):
            closing_at = float(line.split()[1])
            break
    process.wait(timeout=180)
    ended_at = time.monotonic()
    stdout, stderr = "".join(seen) + process.stdout.read(), errors.read_text()
    process.stdout.close()
    assert closing_at is not None, f"the app never reached {state!r}:\n{stderr[-3000:]}"
    assert process.returncode == 0, f"exit {process.returncode} after closing while {state}:\n{stderr[-3000:]}"
    for fatal in ("Destroyed while thread", "Fatal Python error", "Traceback"):
        assert fatal not in stderr, stderr[-3000:]
    return stdout, stderr, ended_at - closing_at


@pytest.mark.parametrize("state", ["idle", "loading", "decoding", "recording"])
def test_closing_in_any_state_exits_at_once(state, models, tmp_path):
    stdout, _, seconds = _close_in(state, models, tmp_path)
    if state == "loading":
        assert "LOADING" in stdout, "the speech model had already loaded: this run did not test closing mid-load"
    assert seconds < EXIT_WITHIN_S, f"the process took {seconds:.2f} s to end after closing while {state}"


def test_closing_while_transcribing_a_file_exits_at_once(models, long_audio, tmp_path):
    _, _, seconds = _close_in("file", models, tmp_path, long_audio)
    assert seconds < EXIT_WITHIN_S, f"the process took {seconds:.2f} s to end after closing mid-file"
