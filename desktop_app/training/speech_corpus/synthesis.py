"""Synthesis: batches of missing audio, in worker processes, finished to 16 kHz mono FLAC."""

from __future__ import annotations

import concurrent.futures
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .plan import Plan
from .voices import ENGINES, SAMPLE_RATE, Utterance

TRIM_TOP_DB = 40.0  # silence = more than this far below the loudest frame
PEAK = 0.9  # every file is peak-normalised to this

Log = Callable[[str], None]


def finish_audio(source: Path, destination: Path, pad: float) -> float:
    """Engine output -> 16 kHz mono FLAC, long silences trimmed to `pad` seconds, peak-normalised.
    Written atomically, so a file that exists is complete. Returns the duration in seconds."""
    import librosa
    import soundfile

    audio, rate = soundfile.read(str(source), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        audio = librosa.resample(audio, orig_sr=rate, target_sr=SAMPLE_RATE, res_type="soxr_hq")
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-4:
        raise ValueError("the engine produced silence")
    _, (start, end) = librosa.effects.trim(audio, top_db=TRIM_TOP_DB, frame_length=512, hop_length=128)
    if end - start < 0.1 * SAMPLE_RATE:
        raise ValueError("the engine produced under 0.1 s of speech")
    margin = round(pad * SAMPLE_RATE)
    before, after = audio[max(0, start - margin) : start], audio[end : end + margin]
    audio = np.concatenate(
        [
            np.zeros(margin - len(before), np.float32),
            before,
            audio[start:end],
            after,
            np.zeros(margin - len(after), np.float32),
        ]
    )
    audio *= PEAK / peak
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    soundfile.write(str(partial), audio, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    os.replace(partial, destination)
    return len(audio) / SAMPLE_RATE


def render_batch(engine_name: str, utterances: list[Utterance], out: Path) -> list[tuple[str, float | None, str]]:
    """Synthesize and finish one batch; returns (id, duration or None, error) per utterance. Never raises."""
    results = []
    with tempfile.TemporaryDirectory(prefix="attend-tts-") as workdir:
        try:
            synthesized = ENGINES[engine_name].synthesize(utterances, Path(workdir))
        except Exception as error:  # noqa: BLE001 - one bad batch must not stop the corpus
            return [(utterance.id, None, f"{type(error).__name__}: {error}") for utterance in utterances]
        for utterance, wav, error in synthesized:
            if wav is None:
                results.append((utterance.id, None, error))
                continue
            try:
                results.append((utterance.id, finish_audio(wav, out / utterance.path, utterance.pad), ""))
            except Exception as failure:  # noqa: BLE001
                results.append((utterance.id, None, f"{type(failure).__name__}: {failure}"))
    return results


def pending_utterances(plan: Plan, out: Path) -> list[Utterance]:
    return [utterance for utterance in plan.utterances if not (out / utterance.path).exists()]


def make_batches(utterances: list[Utterance]) -> list[tuple[str, list[Utterance]]]:
    """Group by each engine's batch key, cut to its batch size, interleave the engines."""
    groups: dict[tuple, list[Utterance]] = {}
    for utterance in utterances:
        engine = ENGINES[utterance.engine]
        groups.setdefault((engine.name, *engine.batch_key(utterance)), []).append(utterance)
    per_engine: dict[str, list[list[Utterance]]] = {}
    for key, members in groups.items():
        size = ENGINES[key[0]].batch_size
        per_engine.setdefault(key[0], []).extend(members[i : i + size] for i in range(0, len(members), size))
    batches = []
    queues = [list(queue) for queue in per_engine.values()]
    while any(queues):
        for queue in queues:
            if queue:
                batch = queue.pop(0)
                batches.append((batch[0].engine, batch))
    return batches


@dataclass
class SynthesisReport:
    existing: int = 0
    synthesized: int = 0
    failed: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # id, voice, error


def synthesize(plan: Plan, out: Path, jobs: int = 1, progress: bool = True, log: Log | None = None) -> SynthesisReport:
    """Synthesize every planned utterance whose audio is missing; failures are logged and skipped."""
    from tqdm import tqdm

    pending = pending_utterances(plan, out)
    report = SynthesisReport(existing=len(plan.utterances) - len(pending))
    voices = {utterance.id: utterance.voice for utterance in pending}
    batches = make_batches(pending)
    bar = tqdm(total=len(pending), unit="utt", desc="synthesizing", disable=not progress or not pending)

    def record(results: list[tuple[str, float | None, str]]) -> None:
        for utterance_id, duration, error in results:
            if duration is None:
                report.failed += 1
                report.errors.append((utterance_id, voices[utterance_id], error))
                if log:
                    log(f"failed {utterance_id} ({voices[utterance_id]}): {error}")
            else:
                report.synthesized += 1
        bar.update(len(results))

    try:
        if jobs <= 1:
            for engine, batch in batches:
                record(render_batch(engine, batch, out))
        else:
            with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(render_batch, engine, batch, out) for engine, batch in batches]
                try:
                    for future in concurrent.futures.as_completed(futures):
                        record(future.result())
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
    finally:
        bar.close()
        if report.errors:
            with (out / "synthesis-errors.tsv").open("a", encoding="utf-8") as handle:
                handle.writelines(f"{i}\t{voice}\t{' '.join(error.split())}\n" for i, voice, error in report.errors)
    return report
