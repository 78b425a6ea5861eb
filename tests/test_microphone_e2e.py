"""The real microphone path end to end: PulseAudio null sink -> its monitor as the default
source -> PortAudio/sounddevice -> the Dictate tab. A spoken wav is played into the sink and
must come back through the app: as the same audio, and (with a bundled speech model) as text."""

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QSettings

from desktop_app.gui import dictate_tab
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Settings
from desktop_app.speech.features import load_audio

from .conftest import SPOKEN, speak

BUNDLED_ASR = Path(__file__).parents[1] / "models" / "asr-en"
SINK = "attend_test_sink"


def _pactl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=20)


@pytest.fixture(scope="module")
def pulse_null_sink():
    """A running PulseAudio server whose default source is the monitor of a null sink."""
    if shutil.which("pulseaudio") is None:
        pytest.fail("pulseaudio is not installed: run scripts/system-packages.sh test")
    if _pactl("info").returncode != 0:
        subprocess.run(["pulseaudio", "--start", "--exit-idle-time=-1"], capture_output=True, timeout=30)
        deadline = time.monotonic() + 15
        while _pactl("info").returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.2)  # waiting for a server process to come up, not for the app
    assert _pactl("info").returncode == 0, "PulseAudio did not start"
    if SINK not in _pactl("list", "short", "sinks").stdout:
        _pactl("load-module", "module-null-sink", f"sink_name={SINK}")
    _pactl("set-default-sink", SINK)
    _pactl("set-default-source", f"{SINK}.monitor")
    return SINK


def _similarity(recorded: np.ndarray, played: np.ndarray) -> tuple[float, float]:
    """Where the played audio sits in the recording, how alike the two are there:
    (waveform correlation, loudness-contour correlation over 20 ms frames). The two resampling
    steps of the sound server blur the waveform a little; the loudness contour survives them."""
    size = 1 << int(np.ceil(np.log2(recorded.size + played.size)))
    spectrum = np.fft.rfft(recorded, size) * np.conj(np.fft.rfft(played, size))
    lag = int(np.argmax(np.fft.irfft(spectrum, size)[: recorded.size]))
    segment = recorded[lag : lag + played.size]
    if segment.size < played.size * 0.9:
        return 0.0, 0.0
    played = played[: segment.size]
    waveform = float(np.dot(segment, played) / (np.linalg.norm(segment) * np.linalg.norm(played) + 1e-9))
    frames = segment.size // 320
    contour = [np.sqrt(np.mean(x[: frames * 320].reshape(frames, 320) ** 2, axis=1)) for x in (segment, played)]
    return waveform, float(np.corrcoef(contour[0], contour[1])[0, 1])


def test_spoken_audio_travels_through_the_microphone_path(
    qtbot, pulse_null_sink, tiny_asr, tmp_path, monkeypatch, recorder
):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(BUNDLED_ASR if BUNDLED_ASR.exists() else tiny_asr.folder, models / "asr")
    monkeypatch.setattr(dictate_tab, "recordings_folder", lambda: tmp_path / "recordings")
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, model_roots=[models])
    qtbot.addWidget(window)
    tab = window.dictate_tab
    tab.refresh_devices()  # the sound server may have started after PortAudio first listed devices
    assert tab.devices.isEnabled() and tab.devices.currentData() is not None, tab.message.text()
    wav = speak(SPOKEN[0], tmp_path / "spoken.wav")

    tab.worker.level.connect(recorder.level)  # one signal per 100 ms chunk captured
    tab.start_recording()
    qtbot.waitUntil(lambda: recorder.levels >= 1, timeout=20000)
    subprocess.run(["paplay", f"--device={pulse_null_sink}", str(wav)], check=True, timeout=60)
    after_playing = recorder.levels
    qtbot.waitUntil(lambda: recorder.levels >= after_playing + 8, timeout=20000)  # capture the tail too
    with qtbot.waitSignal(tab.finished, timeout=30000):
        tab.stop_recording()

    recorded, rate = soundfile.read(tab.recording_path, dtype="float32")
    assert rate == 16000 and recorded.size > 16000
    waveform, loudness = _similarity(recorded, load_audio(wav))
    assert waveform > 0.6 and loudness > 0.7, (waveform, loudness)  # the app captured what was played
    if BUNDLED_ASR.exists():
        assert "door" in tab.text()
    window.close()


def test_a_recording_survives_kill_9(pulse_null_sink, tiny_asr, tmp_path):
    """The app is killed mid-recording: the WAV on disk opens with soundfile, wave and sox, and holds all
    but at most the last second of what the app had captured."""
    import os
    import signal
    import sys
    import wave

    models = tmp_path / "models"
    models.mkdir()
    (models / "asr").symlink_to(BUNDLED_ASR if BUNDLED_ASR.exists() else tiny_asr.folder, target_is_directory=True)
    speech = load_audio(speak(" ".join(SPOKEN), tmp_path / "spoken.wav"))
    soundfile.write(tmp_path / "long.wav", np.tile(speech, 4), 16000)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = [
        sys.executable,
        "-m",
        "tests.support.record_until_killed",
        str(models),
        str(tmp_path / "s.ini"),
        str(tmp_path / "recordings"),
    ]
    child = subprocess.Popen(
        command, cwd=Path(__file__).parents[1], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    player, path, captured = None, "", 0.0
    try:
        for line in child.stdout:
            if line.startswith("RECORDING "):
                path = line.split(maxsplit=1)[1].strip()
                player = subprocess.Popen(["paplay", f"--device={pulse_null_sink}", str(tmp_path / "long.wav")])
            elif line.startswith("CAPTURED "):
                captured = float(line.split()[1])
                if captured >= 4.0:
                    break
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
        child.wait(timeout=30)
        child.stdout.close()
        if player is not None:
            player.kill()
            player.wait(timeout=30)
    assert captured >= 4.0, "the recording never got going"

    audio, rate = soundfile.read(path, dtype="float32")
    assert rate == 16000 and audio.size / rate >= captured - 1.0, (audio.size / rate, captured)
    with wave.open(path) as wav:  # Python's wave trusts the header's sizes: a crash used to leave "0 bytes"
        assert wav.getnframes() / wav.getframerate() >= captured - 1.0
    sox = subprocess.run(["soxi", "-D", path], capture_output=True, text=True, timeout=30)
    assert sox.returncode == 0 and float(sox.stdout) >= captured - 1.0, sox.stdout + sox.stderr
    assert np.abs(audio).max() > 0.05  # what was played into the microphone is in the file
