"""Screenshots of the app for the README: python scripts/screenshots.py [--models DIR] [--out DIR].

Runs the real window (under Xvfb or QT_QPA_PLATFORM=offscreen), types a sentence, waits
for the translation to finish and grabs the window; then the explanation of a sentence that loses words
(a word clicked, its alternatives), then a transcription in the Dictate tab.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default=str(Path(__file__).resolve().parents[1] / "models"))
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--text", default="I have never seen such a beautiful garden. Where is the station?")
    parser.add_argument("--model", default="", help="model folder name to select (default: the first)")
    parser.add_argument("--view", default="", help="attention view to show, e.g. 'layer 2, head 1'")
    parser.add_argument(
        "--speech",
        default="Please call my sister and tell her that the meeting is at three.",
        help="sentence spoken with espeak-ng for the Dictate screenshot",
    )
    parser.add_argument("--audio", default="", help="an audio file to transcribe instead of --speech")
    parser.add_argument(
        "--explain",
        default="My grandmother told me that the old house near the river was built last century.",
        help="sentence for the explanation screenshot (alternatives, warnings, the needed strip)",
    )
    parser.add_argument("--explain-model", default="en-de-rnn", help="model folder name for it")
    parser.add_argument("--explain-word", default="Fluss", help="the output word to click (its last occurrence)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.settings import Settings
    from desktop_app.installing.user_folder import user_models_dir

    app = QApplication.instance() or QApplication(sys.argv)
    app.setStyle("Fusion")
    settings = Settings(QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, model_roots=[Path(args.models), user_models_dir()])  # Whisper, if installed
    window.resize(1200, 1000)
    window.show()
    tab = window.translate_tab
    if args.model:
        tab.picker.select_folder(str(Path(args.models) / args.model))
    loop = QEventLoop()
    tab.finished.connect(lambda job, done: loop.quit())
    QTimer.singleShot(60000, loop.quit)
    tab.set_source_text(args.text)
    loop.exec()
    tab.sentence_choice.setCurrentIndex(0)
    if args.view:
        tab.view_choice.setCurrentText(args.view)
    tab.heatmap.hover_at("output", row=1)
    app.processEvents()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "translate.png"
    window.grab().save(str(path))
    print(f"wrote {path}")
    tab.picker.select_folder(str(Path(args.models) / args.explain_model))
    explain(app, window, args.explain, args.explain_word, out / "explain.png")
    dictate(app, window, args.speech, Path(args.audio) if args.audio else None, out / "dictate.png")
    window.close()
    return 0


def explain(app, window, sentence: str, word: str, path: Path) -> None:
    """Translate `sentence`, wait for its explanation (warnings, the needed strip), click the output `word`."""
    from PySide6.QtCore import QEventLoop, QTimer

    tab = window.translate_tab
    loop = QEventLoop()
    tab.finished.connect(lambda job, done: loop.quit())
    QTimer.singleShot(60000, loop.quit)
    tab.set_source_text(sentence)
    loop.exec()
    explained = QEventLoop()
    poll = QTimer(interval=100)
    poll.timeout.connect(lambda: tab.heatmap.column_scores() is not None and explained.quit())
    poll.start()
    QTimer.singleShot(60000, explained.quit)
    explained.exec()
    poll.stop()
    pieces = tab.alignments[0].output_pieces
    rows = [i for i, piece in enumerate(pieces) if piece.lstrip("\u2581") == word] or [len(pieces) - 1]
    tab.select_word(0, rows[-1])
    app.processEvents()
    window.grab().save(str(path))
    print(f"wrote {path}")


def dictate(app, window, sentence: str, audio: Path | None, path: Path) -> None:
    """Transcribe `audio` (or `sentence` spoken by espeak-ng) in the Dictate tab, grab the window."""
    import subprocess

    from PySide6.QtCore import QEventLoop, QTimer

    tab = window.dictate_tab
    window.tabs.setCurrentWidget(tab)
    if not tab.picker.current_folder():
        print("no speech model: skipping the Dictate screenshot")
        return
    wav = audio or Path(tempfile.mkdtemp()) / "speech.wav"
    if audio is None:
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), sentence], check=True)
    loop = QEventLoop()
    tab.finished.connect(lambda job, done: loop.quit())
    QTimer.singleShot(120000, loop.quit)
    tab.transcribe_file(str(wav))
    loop.exec()
    app.processEvents()
    window.grab().save(str(path))
    print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
