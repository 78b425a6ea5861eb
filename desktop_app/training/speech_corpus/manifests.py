"""Manifests (train.tsv, dev.tsv, test-*.tsv, real-*.tsv) and the recipe corpus.json of a build."""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from desktop_app.speech.text import normalize_transcript

from .items import GENERATED_KINDS
from .plan import PAD_SECONDS, SPLITS, Plan
from .synthesis import PEAK, TRIM_TOP_DB, SynthesisReport
from .voices import ENGINES, SAMPLE_RATE

MANIFEST_HEADER = ("id", "path", "duration", "text", "voice")
DEFAULT_REAL_SPEECH = Path("../shared/data/speech")


def audio_duration(path: Path) -> float:
    import soundfile  # audio libraries load on use, so `attend train-mt` runs where only torch is installed

    info = soundfile.info(str(path))
    return info.frames / info.samplerate


def write_manifest(path: Path, rows: Iterable[tuple[str, str, float, str, str]]) -> tuple[int, float]:
    """A manifest: header id, path, duration, text, voice. Returns (rows, seconds)."""
    count, seconds = 0, 0.0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("\t".join(MANIFEST_HEADER) + "\n")
        for utterance_id, audio, duration, text, voice in rows:
            handle.write(f"{utterance_id}\t{audio}\t{duration:.3f}\t{text}\t{voice}\n")
            count, seconds = count + 1, seconds + duration
    return count, seconds


def read_manifest(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def write_manifests(plan: Plan, out: Path) -> dict[str, dict[str, float]]:
    """One manifest per split, listing the planned utterances whose audio exists."""
    summary = {}
    for split in SPLITS:
        rows = (
            (u.id, u.path, audio_duration(out / u.path), u.text, u.voice)
            for u in plan.split(split)
            if (out / u.path).exists()
        )
        count, seconds = write_manifest(out / f"{split}.tsv", rows)
        summary[split] = {"planned": len(plan.split(split)), "written": count, "hours": round(seconds / 3600, 3)}
    return summary


def import_real_speech(shared_speech_dir: Path, out: Path) -> dict[str, int]:
    """Real recordings (train.tsv, dev.tsv: path, duration, source, text) -> real-train.tsv, real-dev.tsv
    in our manifest format: absolute audio paths, normalised text, voice "real:<source>". No audio is copied."""
    shared_speech_dir = Path(shared_speech_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in ("train", "dev"):
        source = shared_speech_dir / f"{split}.tsv"
        if not source.exists():
            continue
        rows = []
        for row in read_manifest(source):
            text = normalize_transcript(row["text"])
            if not text:
                continue
            audio = shared_speech_dir / row["path"]
            utterance_id = f"real-{row['source']}-{Path(row['path']).stem}"
            rows.append((utterance_id, str(audio), float(row["duration"]), text, f"real:{row['source']}"))
        counts[f"real-{split}"] = write_manifest(out / f"real-{split}.tsv", rows)[0]
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_recipe(plan: Plan, out: Path, report: SynthesisReport, splits: dict, real: dict[str, int]) -> Path:
    """corpus.json: everything needed to build the same corpus again, and what was built."""
    config = {key: str(value) if isinstance(value, Path) else value for key, value in asdict(plan.config).items()}
    recipe = {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "recipe": config,
        "text_file_sha256": _sha256(plan.config.text_file),
        "extra_dev_text_file_sha256": (
            _sha256(plan.config.extra_dev_text_file) if plan.split("dev-voices-extra") else None
        ),
        "sentences": plan.sentences,
        "generated_kinds": {kind: share for kind, (share, _) in GENERATED_KINDS.items()},
        "engine_weights": {name: engine.weight for name, engine in ENGINES.items()},
        "engine_versions": plan.versions,
        "engines_left_out": plan.problems,
        "voices": {"training": [v.id for v in plan.training_voices], "held_out": [v.id for v in plan.held_out_voices]},
        "audio": {
            "sample_rate": SAMPLE_RATE,
            "format": "FLAC PCM_16 mono",
            "trim_top_db": TRIM_TOP_DB,
            "pad_seconds": list(PAD_SECONDS),
            "peak": PEAK,
        },
        "splits": splits,
        "kinds": {split: dict(Counter(u.kind for u in plan.split(split))) for split in SPLITS},
        "synthesis": {"existing": report.existing, "synthesized": report.synthesized, "failed": report.failed},
        "real_speech": real,
    }
    path = out / "corpus.json"
    path.write_text(json.dumps(recipe, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
