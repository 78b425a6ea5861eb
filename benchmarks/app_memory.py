"""The app's memory with both tabs in use: resident set size after each step of a short session.

    QT_QPA_PLATFORM=offscreen python benchmarks/app_memory.py [--speech whisper-tiny.en] [--audio FILE]
        [--limit-mb 600]

Opens the main window (bundled and installed models, default settings in a scratch file), translates a
sentence in the Translate tab, then transcribes --audio in the Dictate tab with --speech, and prints the
process's RSS after each step (from /proc/self/status, so torch's and Qt's native memory count too). Exits 1
when the last figure is over --limit-mb (issue 40's target: under 600 MB with tiny.en active). The baseline is
the same session with the bundled asr-en (`--speech asr-en`), in another run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.catalog import find_model  # noqa: E402
from desktop_app.gui.main_window import MainWindow  # noqa: E402
from desktop_app.gui.settings import Settings  # noqa: E402
from desktop_app.seq2seq.quantize import use_inference_threads  # noqa: E402

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech" / "librispeech" / "226-122538-0000.ogg"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def wait_for(signal, accept=lambda *args: True, timeout_s: float = 180) -> None:
    """Run the event loop until `signal` fires with arguments `accept` takes."""
    loop = QEventLoop()

    def done(*args) -> None:
        if accept(*args):
            loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), lambda: (print("timed out"), loop.exit(1)))
    if loop.exec():
        raise SystemExit(2)
    signal.disconnect(done)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speech", default="whisper-tiny.en")
    parser.add_argument("--audio", default=str(AUDIO))
    parser.add_argument("--limit-mb", type=float, default=600)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    use_inference_threads()
    scratch = tempfile.mkdtemp(prefix="attend-memory-")
    window = MainWindow(Settings(QSettings(f"{scratch}/settings.ini", QSettings.Format.IniFormat)))
    window.show()
    app.processEvents()
    print(f"window open                         {rss_mb():7.0f} MB")
    translate = window.translate_tab
    translate.as_you_type.setChecked(False)
    translate.source.setPlainText("My grandmother told me that the old house near the river was built last century.")
    translate.translate_now()
    wait_for(translate.finished, lambda job, done: done)
    print(f"after a translation                 {rss_mb():7.0f} MB")
    dictate = window.dictate_tab
    window.tabs.setCurrentWidget(dictate)
    dictate.picker.select_folder(str(find_model(args.speech)))
    dictate.transcribe_file(args.audio)
    wait_for(dictate.finished, lambda job, done: done)
    last = rss_mb()
    print(f"after transcribing with {args.speech:12}{last:7.0f} MB  ({dictate.text()[:40]}...)")
    window.close()
    print(f"limit {args.limit_mb:.0f} MB: {'met' if last <= args.limit_mb else 'MISSED'}")
    return 0 if last <= args.limit_mb else 1


if __name__ == "__main__":
    raise SystemExit(main())
