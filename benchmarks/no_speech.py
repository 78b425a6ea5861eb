"""Does noise give text, and does real speech keep its text? Both paths: whole files and streaming.

    python benchmarks/no_speech.py [--model models/asr-en] [--dev 30] [--jobs 2] [--out rows.jsonl]

Speech: held-out real LibriSpeech (dev.tsv), trained-on real AN4 / FSDD / LJSpeech / LibriSpeech,
espeak-ng words and sentences, and held-out speech under white or pink noise (10 and 5 dB SNR),
clipped, or at -45 dBFS. Noise, 0.5 / 1 / 3 / 10 s long at -50 / -35 / -20 / -10 dBFS: white,
pink, brown, mains hum (50 and 60 Hz), reversed six-talker babble, loud clipped white and pink, and
the recordings in shared/data/noise. Everything is made with fixed seeds.

Per item: the text `Recognizer.transcribe` gives for the whole file (as eval-asr decodes) and the text
`transcribe_long` gives (as `attend transcribe` and the Dictate tab decode: VAD segments). Prints per
kind the share of items that gave any text, voiced frames (no_speech.voiced_frames; median for
speech, maximum for noise) and, for speech, the WER of both paths. Only public interfaces are used,
so the script runs against an older checkout too (run it from there for a before/after comparison).
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path.cwd()))

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
RATE = 16000


def _level(x: np.ndarray, dbfs: float) -> np.ndarray:
    return (x / (np.sqrt(np.mean(x**2)) + 1e-12) * 10 ** (dbfs / 20)).astype(np.float32)


def _coloured(rng, n: int, slope: float) -> np.ndarray:
    """Gaussian noise with power ~ 1 / f**slope (0 white, 1 pink, 2 brown)."""
    spectrum = np.fft.rfft(rng.normal(size=n))
    f = np.maximum(np.arange(spectrum.size, dtype=float), 1.0)
    return np.fft.irfft(spectrum / f ** (slope / 2), n)


def _hum(rng, n: int, base: float) -> np.ndarray:
    t = np.arange(n) / RATE
    return sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 8))


def _babble(rng, n: int, pool: list[np.ndarray], talkers: int = 6) -> np.ndarray:
    """Reversed speech of six talkers at one level: speech sounds, no words."""
    mix = np.zeros(n)
    for index in rng.choice(len(pool), talkers, replace=False):
        voice = np.tile(pool[index][::-1], n // pool[index].size + 2)
        start = rng.integers(0, voice.size - n)
        mix += _level(voice[start : start + n], -20)
    return mix


def speech_items(dev: int) -> list[tuple[str, np.ndarray, str]]:
    from desktop_app.speech.features import load_audio

    rng = np.random.default_rng(1)
    root = SHARED / "speech"
    rows = list(csv.DictReader(open(root / "dev.tsv", encoding="utf-8"), delimiter="\t"))[:dev]
    items = [("speech: held-out real", load_audio(root / r["path"]), r["text"]) for r in rows]
    train = list(csv.DictReader(open(root / "train.tsv", encoding="utf-8"), delimiter="\t"))
    for source in ("an4", "fsdd", "ljspeech", "librispeech"):
        chosen = [r for r in train if r["source"] == source]
        for index in rng.choice(len(chosen), 15, replace=False):
            items.append(
                (f"speech: trained-on {source}", load_audio(root / chosen[index]["path"]), chosen[index]["text"])
            )
    words = [
        "open the window please",
        "yes",
        "no",
        "what time is it",
        "call me tomorrow at nine",
        "stop",
        "seven",
        "thank you very much",
    ]
    with tempfile.TemporaryDirectory() as folder:
        for index, text in enumerate(words):
            for voice in ("en-us", "en-gb+f3"):
                path = Path(folder) / f"{index}-{voice}.wav"
                subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
                items.append(("speech: espeak-ng", load_audio(path), text))
    for k, (_, audio, text) in enumerate(items[: min(dev, 15)]):
        level = 10 * np.log10(np.mean(audio**2) + 1e-12)
        for snr in (10, 5):
            name, slope = ("white", 0) if k % 2 else ("pink", 1)
            noise = _level(_coloured(rng, audio.size, slope), level - snr)
            items.append((f"speech: held-out + {name} noise {snr} dB", (audio + noise).astype(np.float32), text))
        items.append(("speech: held-out at -45 dBFS", _level(audio, -45), text))
        items.append(("speech: held-out clipped", np.clip(audio * 8, -1, 1).astype(np.float32), text))
    return items


def noise_items(pool: list[np.ndarray]) -> list[tuple[str, np.ndarray, str]]:
    from desktop_app.speech.features import load_audio

    rng = np.random.default_rng(7)
    makers = {
        "white": lambda n: _coloured(rng, n, 0),
        "pink": lambda n: _coloured(rng, n, 1),
        "brown": lambda n: _coloured(rng, n, 2),
        "hum 50 Hz": lambda n: _hum(rng, n, 50),
        "hum 60 Hz": lambda n: _hum(rng, n, 60),
        "babble (reversed)": lambda n: _babble(rng, n, pool),
    }
    items = []
    for seconds in (0.5, 1.0, 3.0, 10.0):
        n = int(seconds * RATE)
        for name, make in makers.items():
            items += [(f"noise: {name}", _level(make(n), level), "") for level in (-50, -35, -20, -10)]
        items.append(("noise: clipped white", np.clip(rng.normal(0, 0.5, n), -1, 1).astype(np.float32), ""))
        items.append(("noise: clipped pink", np.clip(_level(_coloured(rng, n, 1), -6), -1, 1), ""))
        for path in sorted((SHARED / "noise").glob("*.ogg")):
            audio = load_audio(path)
            for level in (-35, -20, -10):
                start = rng.integers(0, audio.size - n)
                items.append((f"noise: recorded {path.stem}", _level(audio[start : start + n], level), ""))
    return items


_recognizer = None


def _start(model: str) -> None:
    global _recognizer
    import torch

    from desktop_app.speech.recognizer import Recognizer

    torch.set_num_threads(1)
    _recognizer = Recognizer.from_folder(model)


def _run(item: tuple[str, np.ndarray, str]) -> dict:
    from desktop_app.speech.segments import transcribe_long

    kind, audio, reference = item
    whole = _recognizer.transcribe(audio).text
    streamed = " ".join(final.text for final in transcribe_long(_recognizer, audio))
    try:
        from desktop_app.speech.no_speech import voiced_frames

        voiced = voiced_frames(audio)
    except ImportError:  # an older checkout
        voiced = -1
    return dict(
        kind=kind, seconds=audio.size / RATE, reference=reference, whole=whole, streamed=streamed, voiced=voiced
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/asr-en")
    parser.add_argument("--dev", type=int, default=30, help="held-out real utterances (of 90)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", help="also write one JSON line per item here")
    args = parser.parse_args()
    speech = speech_items(args.dev)
    pool = [audio for kind, audio, _ in speech if kind == "speech: trained-on librispeech"]
    items = speech + noise_items(pool)
    context = multiprocessing.get_context("spawn")  # a forked torch can hang in its thread pool
    with ProcessPoolExecutor(args.jobs, mp_context=context, initializer=_start, initargs=(args.model,)) as workers:
        rows = list(workers.map(_run, items, chunksize=2))
    if args.out:
        Path(args.out).write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    _report(rows)


def _report(rows: list[dict]) -> None:
    from desktop_app.speech.evaluate import word_error_rates
    from desktop_app.speech.text import normalize_transcript

    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    print(
        f"{'kind':42s} {'items':>5s} {'text: whole':>11s} {'streamed':>8s} {'voiced':>6s} {'WER whole':>9s} "
        f"{'streamed':>8s}"
    )
    for kind, group in by_kind.items():
        speech = kind.startswith("speech")
        whole = np.mean([bool(r["whole"].strip()) for r in group])
        streamed = np.mean([bool(r["streamed"].strip()) for r in group])
        voiced = (np.median if speech else np.max)([r["voiced"] for r in group])
        line = f"{kind:42s} {len(group):5d} {whole:11.0%} {streamed:8.0%} {voiced:6.0f}"
        if speech:
            refs = [normalize_transcript(r["reference"]) for r in group]
            line += (
                f" {100 * word_error_rates(refs, [r['whole'] for r in group])['wer']:9.2f}"
                f" {100 * word_error_rates(refs, [r['streamed'] for r in group])['wer']:8.2f}"
            )
        print(line)
    print("voiced: 30 ms frames with a voice (median for speech, maximum for noise)")


if __name__ == "__main__":
    main()
