"""Speech recognition speed on CPU: real-time factor, partial-result latency, peak memory.

    python benchmarks/asr_speed.py --model models/asr-en [--manifest data/speech/test-voices.tsv]
                                   [--limit 40] [--threads 1 [2]] [--quantize]

Offline: transcribes each utterance whole (with the folder's own decoding: its beam width and
language model, as the app does for a final result) and reports the real-time factor =
compute seconds / audio seconds.
Streaming: plays the first --dictation utterances one after another, --pause seconds apart
(someone dictating sentence after sentence), in 100 ms chunks on the real clock, and reports how
far each partial result lags behind the audio it covers and how long after the end of a segment
its final result comes. It does so with each segment's final decoded in line (the stream waits for
it, as before), in the background once the segment has closed, and in the background started early,
after --early seconds of closing silence (default 0.2 s, as the app does: streaming.SPECULATE_AFTER),
so the baselines are measured in the same run. Each run also scores its finals, joined, against the
utterances' texts joined (WER, CER, with the text normalisation of `attend eval-asr`), so that a
faster final that reads worse shows. Without --manifest the utterances are spoken by espeak-ng.
With --early-wer, the finals' error rates alone, on more utterances: each of the --limit utterances streamed
on its own (not on the real clock, without partials), finals started after the close and started early.
With --quantize the int8 dynamically quantised model is measured in the same run, against
the float32 baseline; for the real-time factor the two transcribe in turn, utterance by
utterance, so that other work on a shared machine slows both alike (both models are then in
memory at once, which the peak memory includes). With several --threads counts, each is
measured in turn (the app decodes on 1 intra-op thread: desktop_app.seq2seq.quantize.INFERENCE_THREADS).
Goals: real-time factor <= 0.1 on a 2-core machine, partial results <= 0.3 s behind.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from desktop_app.catalog import find_model  # noqa: E402
from desktop_app.seq2seq import load_folder  # noqa: E402
from desktop_app.seq2seq.quantize import INFERENCE_THREADS, use_inference_threads  # noqa: E402
from desktop_app.speech.evaluate import word_error_rates  # noqa: E402
from desktop_app.speech.features import SAMPLE_RATE, load_audio  # noqa: E402
from desktop_app.speech.manifest import read_manifest  # noqa: E402
from desktop_app.speech.recognizer import Recognizer  # noqa: E402
from desktop_app.speech.streaming import SPECULATE_AFTER, Final, Partial, StreamingRecognizer  # noqa: E402
from desktop_app.speech.text import normalize_transcript  # noqa: E402
from desktop_app.speech.whisper_recognizer import WhisperRecognizer  # noqa: E402

CHUNK_SECONDS = 0.1
POLL_SECONDS = 0.05  # the app's worker looks for decoded finals this often while no audio comes
SPOKEN = [
    "please call stella and ask her to bring these things with her from the store",
    "the meeting starts at half past ten on tuesday the third of may",
    "I would like two tickets to berlin for tomorrow morning",
    "can you send me the report before five o'clock today",
    "we walked along the river until it got dark",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def load_utterances(manifest: str | None, limit: int) -> tuple[list[np.ndarray], list[str]]:
    """(each utterance's samples, its text)."""
    if manifest:
        utterances = read_manifest(manifest)[:limit]
        return [load_audio(u.path) for u in utterances], [u.text for u in utterances]
    audio = []
    with tempfile.TemporaryDirectory() as folder:
        for i, text in enumerate(SPOKEN[:limit]):
            path = Path(folder) / f"{i}.wav"
            subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
            audio.append(load_audio(path))
    return audio, SPOKEN[:limit]


def cpu_description(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The machine the figures were measured on: the real-time factor differs severalfold between CPUs
    (e.g. 'AMD EPYC, 2 cores, torch CPU kernels AVX2')."""
    try:
        names = [
            line.split(":", 1)[1].strip()
            for line in Path(cpuinfo).read_text().splitlines()
            if line.startswith("model name")
        ]
    except OSError:
        names = []
    name = names[0] if names else platform.processor() or platform.machine()
    return f"{name}, {os.cpu_count()} cores, torch CPU kernels {torch.backends.cpu.get_cpu_capability()}"


def real_time_factors(recognizers: dict[str, Recognizer], utterances: list[np.ndarray]) -> dict[str, float]:
    """Each utterance through every recognizer in turn -> {label: compute seconds / audio seconds}."""
    for recognizer in recognizers.values():
        recognizer.transcribe(utterances[0])  # warm-up
    compute = dict.fromkeys(recognizers, 0.0)
    for audio in utterances:
        for label, recognizer in recognizers.items():
            start = time.perf_counter()
            recognizer.transcribe(audio)
            compute[label] += time.perf_counter() - start
    seconds = sum(a.size for a in utterances) / SAMPLE_RATE
    return {label: total / seconds for label, total in compute.items()}


def dictation(utterances: list[np.ndarray], pause: float) -> np.ndarray:
    """The utterances spoken one after another, `pause` seconds apart, after half a second of silence and
    followed by one second of it: (samples,)."""
    gap = np.zeros(int(pause * SAMPLE_RATE), np.float32)
    spoken = [part for audio in utterances for part in (audio, gap)][:-1]
    return np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), *spoken, np.zeros(SAMPLE_RATE, np.float32)])


@dataclass
class Lags:
    """Seconds behind the real clock, in a replayed dictation."""

    chunks: list[float] = field(default_factory=list)  # when a chunk was taken up after it arrived (the app's level
    # meter and spectrogram move then)
    partials: list[float] = field(default_factory=list)  # a partial result after the audio it covers
    finals: list[float] = field(default_factory=list)  # a final result after the silence that closed its segment
    texts: list[str] = field(default_factory=list)  # the finals' texts, in order


# (label, finals in the background, seconds of closing silence after which the final decoding starts)
MODES = [("in line", False, None), ("in background", True, None)]


def streaming_lags(recognizer: Recognizer, audio: np.ndarray, background: bool, speculate: float | None) -> Lags:
    """Plays `audio` on the real clock: each chunk is pushed once it has arrived (late, when the push before took
    longer than a chunk); between chunks the stream is polled for finals every 50 ms, as the app's worker does."""
    stream = StreamingRecognizer(recognizer, finals_in_background=background, speculate_after=speculate)
    chunk = int(CHUNK_SECONDS * SAMPLE_RATE)
    lags = Lags()
    start = time.perf_counter()

    def note(events: list) -> None:
        now = time.perf_counter() - start
        lags.partials.extend(now - e.audio_seconds for e in events if isinstance(e, Partial))
        lags.finals.extend(now - e.end for e in events if isinstance(e, Final))
        lags.texts.extend(e.text for e in events if isinstance(e, Final))

    for first in range(0, audio.size, chunk):
        arrival = first / SAMPLE_RATE + CHUNK_SECONDS
        while (wait := arrival - (time.perf_counter() - start)) > 0:
            time.sleep(min(wait, POLL_SECONDS))
            note(stream.poll())
        lags.chunks.append(time.perf_counter() - start - arrival)
        note(stream.push(audio[first : first + chunk]))
    note(stream.flush())
    return lags


def spread(lags: list[float]) -> str:
    return (
        f"median {statistics.median(lags) * 1000:5.0f} ms   p90 {percentile(lags, 0.9) * 1000:5.0f} ms   "
        f"max {max(lags) * 1000:5.0f} ms"
    )


def measure(
    recognizers: dict[str, Recognizer],
    utterances: list[np.ndarray],
    audio: np.ndarray | None,
    spoken: list[str],
    early: list[float],
) -> None:
    """The real-time factor of each recognizer over `utterances`; with `audio` (a dictation of the texts `spoken`),
    the streaming lags and error rates too."""
    for label, rtf in real_time_factors(recognizers, utterances).items():
        print(f"{label:8s} real-time factor {rtf:.3f}")
    if audio is not None:
        for label, recognizer in recognizers.items():
            streaming(recognizer, label, audio, spoken, early)


def streaming(recognizer: Recognizer, label: str, audio: np.ndarray, spoken: list[str], early: list[float]) -> None:
    """The dictation played on the real clock in each of MODES, then with finals started early after each of
    `early` seconds of closing silence."""
    reference = normalize_transcript(" ".join(spoken))
    modes = MODES + [(f"in background, early{'' if s == SPECULATE_AFTER else f' {s:g}'}", True, s) for s in early]
    for mode, background, speculate in modes:
        lags = streaming_lags(recognizer, audio, background, speculate)
        name = f"{label:8s} finals {mode:24s}"
        rates = word_error_rates([reference], [normalize_transcript(" ".join(lags.texts))])
        print(f"{name} WER {100 * rates['wer']:.1f}%  CER {100 * rates['cer']:.1f}% (finals joined)")
        print(f"{name} chunk taken up  {spread(lags.chunks)} after it arrived")
        if lags.partials:
            print(f"{name} partial lag      {spread(lags.partials)}   ({len(lags.partials)} partials)")
        if lags.finals:
            print(
                f"{name} final result     {spread(lags.finals)} after the silence that closes the segment "
                f"({len(lags.finals)} finals)"
            )


def early_final_wer(recognizer: Recognizer, utterances: list[np.ndarray], texts: list[str], early: list[float]) -> None:
    """Each utterance streamed on its own, between 0.5 s and 1 s of silence, as fast as it decodes: the finals'
    WER and CER with the decoding started after the close (None) and after each of `early` seconds of silence."""
    references = [normalize_transcript(t) for t in texts]
    for speculate in [None, *early]:
        start, hypotheses = time.perf_counter(), []
        for audio in utterances:
            stream = StreamingRecognizer(
                recognizer, partial_interval=1e9, finals_in_background=True, speculate_after=speculate
            )
            padded = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), audio, np.zeros(SAMPLE_RATE, np.float32)])
            chunk = int(CHUNK_SECONDS * SAMPLE_RATE)
            events = [e for i in range(0, padded.size, chunk) for e in stream.push(padded[i : i + chunk])]
            hypotheses.append(" ".join(e.text for e in events + stream.flush() if isinstance(e, Final)))
        rates = word_error_rates(references, [normalize_transcript(h) for h in hypotheses])
        name = "after the close" if speculate is None else f"early, after {speculate:g} s of silence"
        print(
            f"finals {name:30s} WER {100 * rates['wer']:.2f}%  CER {100 * rates['cer']:.2f}% "
            f"({len(utterances)} utterances, {time.perf_counter() - start:.0f} s)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--manifest", help="a speech manifest (id, path, ...); default: espeak-ng sentences")
    parser.add_argument("--limit", type=int, default=40, help="utterances to use from the manifest")
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[INFERENCE_THREADS],
        help=f"intra-op thread counts to measure, in turn (default {INFERENCE_THREADS})",
    )
    parser.add_argument("--quantize", action="store_true", help="also measure the int8 dynamic-quantised model")
    parser.add_argument(
        "--dictation",
        type=int,
        default=12,
        help="utterances to play as one dictation on the "
        "real clock, for the streaming figures (default 12; 0: the real-time factor alone)",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=0.8,
        help="seconds of silence between the utterances when "
        "they are played as one dictation (default 0.8: each becomes a segment of its own)",
    )
    parser.add_argument(
        "--early",
        type=float,
        nargs="*",
        default=[SPECULATE_AFTER],
        help="seconds of closing silence after which finals start early, each measured in turn "
        f"(default {SPECULATE_AFTER:g}, as the app does; none: not measured)",
    )
    parser.add_argument(
        "--early-wer", action="store_true", help="only the finals' error rates, after the close and early (see above)"
    )
    args = parser.parse_args()

    start = time.perf_counter()
    loaded = load_folder(find_model(args.model))
    print(f"model {args.model}: loaded in {1000 * (time.perf_counter() - start):.0f} ms")
    utterances, texts = load_utterances(args.manifest, args.limit)
    if args.early_wer:
        use_inference_threads(args.threads[0])
        early_final_wer(recognizer_for(loaded, "float32"), utterances, texts, args.early)
        return 0
    seconds = sum(a.size for a in utterances) / SAMPLE_RATE
    spoken = dictation(utterances[: args.dictation], args.pause) if args.dictation > 0 else None
    played = (
        ""
        if spoken is None
        else (
            f"; the first {min(args.dictation, len(utterances))} played as one dictation "
            f"with {args.pause:g} s pauses: {spoken.size / SAMPLE_RATE:.1f} s"
        )
    )
    print(f"{len(utterances)} utterances, {seconds:.1f} s of audio{played}; cpu: {cpu_description()}")
    for threads in args.threads:
        use_inference_threads(threads)
        print(f"{threads} thread{'s' if threads > 1 else ''}:")
        precisions = ("float32", "int8") if args.quantize else ("float32",)
        recognizers = {precision: recognizer_for(loaded, precision) for precision in precisions}
        measure(recognizers, utterances, spoken, texts[: args.dictation], args.early)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak_mb:.0f} MB")
    return 0


def recognizer_for(loaded, precision: str):
    """The recognizer the folder's architecture needs (as Recognizer.from_folder picks it), at `precision`."""
    if loaded.config.architecture == "whisper":
        return WhisperRecognizer(loaded, precision)
    return Recognizer(loaded, precision)


if __name__ == "__main__":
    raise SystemExit(main())
