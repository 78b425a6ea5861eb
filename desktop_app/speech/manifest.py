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
    """Every row; a damaged one is a ValueError that names it."""
    utterances, damaged = read_manifest_rows(path)
    if damaged:
        raise ValueError(f"{path}: {damaged[0][0]}: {damaged[0][1]}")
    return utterances


def read_manifest_rows(path: str | Path) -> tuple[list[Utterance], list[tuple[str, str]]]:
    """(the usable rows, ("id (line n)", why) of each damaged one): an evaluation scores the rest."""
    path = Path(path)
    utterances, damaged = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
        for row in reader:
            line = reader.line_num  # one row per line (QUOTE_NONE); blank lines are skipped but counted
            name = f"{row['id']} (line {line})" if row["id"] else f"line {line}"
            empty = [column for column in COLUMNS if row[column] is None]  # the row ended early
            if empty:
                damaged.append((name, f"no {', '.join(empty)} column"))
                continue
            try:
                duration = float(row["duration"])
            except ValueError:
                damaged.append((name, f"the duration {row['duration']!r} is not a number"))
                continue
            utterances.append(
                Utterance(row["id"], (path.parent / row["path"]).resolve(), duration, row["text"], row["voice"])
            )
    return utterances, damaged


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
