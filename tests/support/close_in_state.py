"""Open the app, bring it into one state, close its window, and leave the way the real app leaves.

    python -m tests.support.close_in_state STATE MODELS_DIR SETTINGS_INI [AUDIO_FILE]

STATE is idle, loading, decoding, recording or file. Prints "CLOSING <time.monotonic()>" just before
the window is closed (CLOCK_MONOTONIC is system-wide, so the parent can time the exit), and "LOADING"
when the close found the speech model still loading. The parent test checks the exit."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.gui.app import leave
from desktop_app.gui.main_window import MainWindow
from desktop_app.gui.settings import Key, Settings
from desktop_app.seq2seq.quantize import use_inference_threads

from .qt_signals import after

TIMEOUT_S = 120
PARAGRAPH_SENTENCE = "the weather is nice today and we go to the park."


def main(state: str, models: str, settings_file: str, audio: str = "") -> int:
    app = QApplication(sys.argv[:1])
    use_inference_threads()
    settings = Settings(QSettings(settings_file, QSettings.Format.IniFormat))
    settings.set(Key.TAB, 1 if state == "loading" else 0)  # "loading": as after starting on the Dictate tab
    window = MainWindow(settings, model_roots=[Path(models)])
    dictate, translate = window.dictate_tab, window.translate_tab

    def close() -> None:
        if state == "loading" and not dictate.worker._recognizers:
            print("LOADING", flush=True)
        print(f"CLOSING {time.monotonic():.6f}", flush=True)
        window.close()

    if state == "idle":
        QTimer.singleShot(300, close)
    elif state == "loading":  # the Dictate tab loads its model as it is shown: close while that runs
        QTimer.singleShot(0, close)
    elif state == "decoding":  # mid-decode of a long paragraph
        trigger = after(translate.worker.tokenReady, 20, close)  # noqa: F841 - kept alive
        translate.as_you_type.setChecked(False)
        translate.source.setPlainText(" ".join([PARAGRAPH_SENTENCE] * 300))
        QTimer.singleShot(100, translate.translate_now)
    elif state == "recording":  # 1 s into a two-minute recording
        trigger = after(dictate.worker.level, 10, close)  # noqa: F841
        sound = np.random.default_rng(0).normal(0, 0.05, 16000 * 120).astype(np.float32)
        QTimer.singleShot(100, lambda: dictate.play_array(sound, realtime=True))
    elif state == "file":  # 3 s into a long audio file
        trigger = after(dictate.worker.progress, 30, close)  # noqa: F841
        QTimer.singleShot(100, lambda: dictate.transcribe_file(audio))
    else:
        raise SystemExit(f"unknown state {state!r}")
    QTimer.singleShot(TIMEOUT_S * 1000, lambda: (print("NEVER REACHED THE STATE", flush=True), app.exit(3)))
    window.show()
    return leave(app.exec())


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
