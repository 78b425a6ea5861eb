"""The app's memory with both tabs in use: resident set size after each step of a short session, before and
after the memory savings, each in a fresh process of its own.

    QT_QPA_PLATFORM=offscreen python benchmarks/app_memory.py [--speech whisper-tiny.en] [--audio FILE]
        [--limit-mb 600] [--only after]

Each session opens the main window (bundled and installed models, default settings in a scratch file),
translates a sentence in the Translate tab, opens the Dictate tab (which loads its model), then transcribes
--audio there with --speech. The figures are the process's RSS (/proc/self/status: torch's and Qt's native
memory count too). Sessions:
    floor    PySide6 and torch imported, no window: what no change in this app can go below
    before   glibc keeps its default threshold (as before issue 40's cut)
    after    freed blocks of 256 KB or more go back to the system (desktop_app/memory.py)
The last line of each session is also shown after malloc_trim (what the heaps still held free), and the
peak (VmHWM). Exits 1 when `after` ends over --limit-mb (issue 40's target: under 600 MB with tiny.en active).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech" / "librispeech" / "226-122538-0000.ogg"
SESSIONS = ("floor", "before", "after")
STEPS = ("window open", "after a translation", "Dictate tab, model loaded", "after transcribing")


def status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def report(step: str) -> None:
    print(f"STEP\t{step}\t{status_mb('VmRSS'):.0f}", flush=True)


def wait_for(signal, accept=lambda *args: True, timeout_s: float = 180) -> None:
    """Run the event loop until `signal` fires with arguments `accept` takes."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()

    def done(*args) -> None:
        if accept(*args):
            loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), lambda: (print("timed out"), loop.exit(1)))
    if loop.exec():
        raise SystemExit(2)
    signal.disconnect(done)


def keep_glibc_default() -> None:
    """Undo the cut in this process: glibc keeps its default (rising) threshold."""
    from desktop_app.seq2seq import quantize

    quantize.return_freed_blocks = lambda *args: False


def session(kind: str, speech: str, audio: str) -> None:
    """One session in this process; prints a STEP line per step."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    if kind == "floor":
        import torch  # noqa: F401

        for step in STEPS:
            report(step)
        return
    from desktop_app.catalog import find_model
    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.settings import Settings
    from desktop_app.memory import release_free_memory
    from desktop_app.seq2seq.quantize import use_inference_threads

    if kind == "before":
        keep_glibc_default()
    app = QApplication(sys.argv[:1])
    use_inference_threads()
    scratch = tempfile.mkdtemp(prefix="attend-memory-")
    window = MainWindow(Settings(QSettings(f"{scratch}/settings.ini", QSettings.Format.IniFormat)))
    window.show()
    app.processEvents()
    report(STEPS[0])
    translate = window.translate_tab
    translate.as_you_type.setChecked(False)
    translate.source.setPlainText("My grandmother told me that the old house near the river was built last century.")
    translate.translate_now()
    wait_for(translate.finished, lambda job, done: done)
    report(STEPS[1])
    dictate = window.dictate_tab
    dictate.picker.select_folder(str(find_model(speech)))
    window.tabs.setCurrentWidget(dictate)  # the tab loads and warms up its model when shown
    wait_for(dictate.worker.prepared)
    report(STEPS[2])
    dictate.transcribe_file(audio)
    wait_for(dictate.finished, lambda job, done: done)
    report(STEPS[3])
    release_free_memory()
    report("after malloc_trim")
    print(f"STEP\tpeak\t{status_mb('VmHWM'):.0f}\nTEXT\t{dictate.text()[:50]}", flush=True)
    window.close()


def run_session(kind: str, args) -> dict[str, float]:
    command = [sys.executable, __file__, "--session", kind, "--speech", args.speech, "--audio", args.audio]
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ, check=False)
    figures = {}
    for line in result.stdout.splitlines():
        fields = line.split("\t")
        if fields[0] == "STEP":
            figures[fields[1]] = float(fields[2])
        elif fields[0] == "TEXT":
            print(f"{kind}: transcribed {fields[1]!r}...")
    if result.returncode:
        raise SystemExit(f"the {kind} session failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speech", default="whisper-tiny.en")
    parser.add_argument("--audio", default=str(AUDIO))
    parser.add_argument("--limit-mb", type=float, default=600)
    parser.add_argument("--only", nargs="+", choices=SESSIONS, default=list(SESSIONS))
    parser.add_argument("--session", choices=SESSIONS, help=argparse.SUPPRESS)  # a child process's one session
    args = parser.parse_args()
    if args.session:
        session(args.session, args.speech, args.audio)
        return 0
    figures = {kind: run_session(kind, args) for kind in args.only}
    print(f"\nRSS in MB, --speech {args.speech}")
    print(f"{'step':28}" + "".join(f"{kind:>9}" for kind in args.only))
    for step in (*STEPS, "after malloc_trim", "peak"):
        print(f"{step:28}" + "".join(f"{figures[kind].get(step, float('nan')):9.0f}" for kind in args.only))
    if "after" not in figures:
        return 0
    last = figures["after"][STEPS[-1]]
    print(f"limit {args.limit_mb:.0f} MB: {'met' if last <= args.limit_mb else 'MISSED'} ({last:.0f} MB after)")
    return 0 if last <= args.limit_mb else 1


if __name__ == "__main__":
    raise SystemExit(main())
