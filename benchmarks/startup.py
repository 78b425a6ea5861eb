"""Start-up time of the app: from process start to the window on screen, and to both tabs working.

    python benchmarks/startup.py [--runs 5] [--cold-runs 3] [--target 1.5]

Spawns `python -m desktop_app` (offscreen, settings in a scratch folder) with ATTEND_STARTUP_PROBE=1, which makes
the app print the time of its window's first paint ("shown") and of both tabs being built ("ready"), then quit
(desktop_app/gui/startup_probe.py). Times are measured from just before the spawn, so the interpreter's own
start-up counts. In the same run, the baseline: `python -c "import torch"`, the import that used to come first.

Warm: the files are in the page cache (each warm figure follows a run that read them).
Cold: before each cold run, the page cache is dropped for every file under the virtual environment, the Python
installation and desktop_app/ (posix_fadvise DONTNEED, no root needed), as after a reboot. Pages that another
running process has mapped (torch's libraries, when a training job or a test run has them open) stay cached, so
on a busy machine "cold" is an upper bound on how cold it really was. Compiled bytecode (__pycache__) is kept:
an install writes it, so a first start never compiles.

Prints each figure's median (min-max) and whether the window came up within --target seconds, warm and cold;
exits 1 when it did not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120


def drop_page_cache(folders: list[Path]) -> int:
    """Ask the kernel to forget the cached pages of every file under `folders`; returns how many files."""
    count = 0
    for folder in folders:
        for dirpath, _, names in os.walk(folder):
            for name in names:
                try:
                    fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
                except OSError:
                    continue
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    count += 1
                finally:
                    os.close(fd)
    return count


def cached_folders() -> list[Path]:
    paths = {
        Path(sys.prefix),
        Path(sysconfig.get_paths()["stdlib"]),
        Path(sys.base_prefix) / "lib",
        ROOT / "desktop_app",
    }
    return sorted(p.resolve() for p in paths if p.exists())


def time_app(env: dict[str, str]) -> tuple[float, float]:
    """One start of the app -> (seconds to the window's first paint, seconds to both tabs working)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    marks = {}
    try:
        for line in process.stdout:
            word, _, stamp = line.partition(" ")
            if word in ("SHOWN", "READY"):
                marks[word] = float(stamp) - started
        process.wait(TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if set(marks) != {"SHOWN", "READY"}:
        raise SystemExit(f"the app exited ({process.returncode}) without reporting its start-up: {marks}")
    return marks["SHOWN"], marks["READY"]


def time_torch_import() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.monotonic() - started


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):5.2f} s ({min(values):.2f}-{max(values):.2f}, {len(values)} runs)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="warm runs of each (default 5)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold runs of each (default 3; 0 skips them)")
    parser.add_argument("--target", type=float, default=1.5, help="seconds to the window on screen (default 1.5)")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="attend-startup-")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ATTEND_STARTUP_PROBE="1", XDG_CONFIG_HOME=scratch)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}")

    cold: dict[str, list[float]] = {"shown": [], "ready": [], "torch": []}
    folders = cached_folders()
    for _ in range(args.cold_runs):
        drop_page_cache(folders)
        cold["torch"].append(time_torch_import())
        drop_page_cache(folders)
        shown, ready = time_app(env)
        cold["shown"].append(shown)
        cold["ready"].append(ready)

    time_app(env)  # fills the page cache
    warm: dict[str, list[float]] = {"shown": [], "ready": [], "torch": []}
    for _ in range(args.runs):
        warm["torch"].append(time_torch_import())
        shown, ready = time_app(env)
        warm["shown"].append(shown)
        warm["ready"].append(ready)

    met = True
    for label, figures in (("warm", warm), ("cold", cold)):
        if not figures["shown"]:
            continue
        print(f"{label}: python -c 'import torch'   {summary(figures['torch'])}")
        print(f"{label}: window on screen           {summary(figures['shown'])}")
        print(f"{label}: both tabs working          {summary(figures['ready'])}")
        ok = statistics.median(figures["shown"]) <= args.target
        met = met and ok
        print(f"{label}: window within {args.target} s: {'yes' if ok else 'NO'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
