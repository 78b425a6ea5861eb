"""Speech model speed: `benchmarks/asr_speed.py` run on a model folder, the figures read from its printout, and
a bundled card's Speed section rewritten after a new measurement (`bundle_asr.py --measure-speed-again`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from desktop_app.commands._options import INFERENCE_THREADS  # torch-free: the app's decoding threads

from . import ROOT

SPEED_SUMMARY = ("loaded in", "real-time factor", "finals in background", "peak resident memory")
SPEED_SECTION = re.compile(r"(?ms)^## Speed\n.*?(?=^## )")


def measure(model: Path, corpus: Path, streaming: bool = True) -> tuple[str, str]:
    """asr_speed.py's printout and command, on the app's threads; without `streaming`, the real-time factor
    alone (2 min less)."""
    command = [
        "benchmarks/asr_speed.py",
        "--model",
        str(model),
        "--manifest",
        str(corpus / "test-sentences.tsv"),
        "--limit",
        "40",
        "--quantize",
        "--threads",
        str(INFERENCE_THREADS),
        *([] if streaming else ["--dictation", "0"]),
    ]
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=ROOT, check=True)
    return result.stdout.strip(), "python " + " ".join(command)


def real_time_factor(printout: str, precision: str) -> float:
    """The real-time factor asr_speed.py printed for one precision ("int8     real-time factor 0.078")."""
    for line in printout.splitlines():
        words = line.split()
        if words[:3] == [precision, "real-time", "factor"]:
            return float(words[3])
    raise ValueError(f"no {precision} real-time factor in the benchmark output:\n{printout}")


def speed_summary(printout: str) -> str:
    """The lines of asr_speed.py's printout a card shows: load time, real-time factors, the app's (finals in
    background) latencies and memory; the full printout goes to the training record."""
    return "\n".join(line for line in printout.splitlines() if any(key in line for key in SPEED_SUMMARY))


def with_speed_measured_again(card_text: str, benchmark: tuple[str, str], why: str) -> str:
    """The card with its Speed section replaced by a new measurement (every other section as it was)."""
    output, command = benchmark
    section = (
        f"## Speed\n\nMeasured again after the weights were bundled: {why}\n\n"
        f"    {command}\n\n```\n{speed_summary(output)}\n```\n\n"
    )
    if not SPEED_SECTION.search(card_text):
        raise ValueError("the card has no '## Speed' section followed by another section")
    return SPEED_SECTION.sub(lambda _: section, card_text, count=1)


def measure_speed_again(destination: Path, corpus: Path, why: str) -> None:
    """Re-run the speed benchmark on a bundled folder (models/NAME, as the card names it) and rewrite its card's
    Speed section (weights unchanged)."""
    benchmark = measure(destination, corpus)
    card_path = ROOT / destination / "README.md"
    card_path.write_text(
        with_speed_measured_again(card_path.read_text(encoding="utf-8"), benchmark, why), encoding="utf-8"
    )
    print(benchmark[0])
    print(f"rewrote the Speed section of {card_path}")
