"""`eval-asr --errors` tables: reading them, and a candidate's WER change against a baseline on the same
utterances with its 95% paired-bootstrap interval (speech/evaluate.py's `paired_bootstrap`)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.speech.evaluate import paired_bootstrap


def read_error_table(path: Path) -> list[dict]:
    """The rows of an `eval-asr --errors` table: manifest, id, voice, wer, reference, hypothesis."""
    header, *lines = path.read_text(encoding="utf-8").splitlines()
    return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]


def change(candidate: list[dict], baseline: list[dict], manifests: list[str]) -> tuple[int, float, float, float]:
    """The WER change over the utterances of `manifests` that both tables hold.
    -> (utterances, change, 95% interval low, high), in WER points"""
    before = {(r["manifest"], r["id"]): r for r in baseline if r["manifest"] in manifests}
    pairs = [(r, before[r["manifest"], r["id"]]) for r in candidate if (r["manifest"], r["id"]) in before]
    if not pairs:
        raise ValueError(f"no utterance of {', '.join(manifests)} is in both tables")
    difference, low, high = paired_bootstrap(
        [c["reference"] for c, _ in pairs], [b["hypothesis"] for _, b in pairs], [c["hypothesis"] for c, _ in pairs]
    )
    return len(pairs), difference, low, high


def verdict(low: float, high: float) -> str:
    return "a measured change" if high < 0 or low > 0 else "within the noise of these utterances"


def line(name: str, figures: tuple[int, float, float, float]) -> str:
    """One line of `scripts/compare_errors.py`'s report."""
    count, difference, low, high = figures
    return (
        f"{name}: {difference:+.2f} WER points on {count} utterances, 95% paired-bootstrap interval "
        f"{low:+.2f} to {high:+.2f} ({verdict(low, high)})"
    )
