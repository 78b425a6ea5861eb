"""Speech manifests: TSV files with the columns id, path, duration, text, voice."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("id", "path", "duration", "text", "voice")


@dataclass(frozen=True)
class Utterance:
    id: str
    path: Path  # absolute
    duration: float
    text: str
    voice: str


def read_manifest(path: str | Path) -> list[Utterance]:
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
        return [Utterance(row["id"], (path.parent / row["path"]).resolve(), float(row["duration"]),
                          row["text"], row["voice"]) for row in reader]


def write_manifest(path: str | Path, utterances: list[Utterance]) -> None:
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for u in utterances:
            try:
                relative = u.path.relative_to(path.parent.resolve())
            except ValueError:
                relative = u.path
            handle.write(f"{u.id}\t{relative}\t{u.duration:.3f}\t{u.text}\t{u.voice}\n")
