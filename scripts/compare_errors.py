"""A candidate recognizer against a baseline on the same utterances, set by set, from their error tables.

    attend eval-asr --model runs/cand/model --manifest data/speech/dev.tsv ... --jobs 2 --errors cand.tsv
    attend eval-asr --model models/asr-en --manifest data/speech/dev.tsv ... --jobs 2 --errors bundled.tsv
    python scripts/compare_errors.py cand.tsv bundled.tsv --pool dev-voices.tsv dev-voices-extra.tsv

For every manifest both tables hold: the candidate's WER change in points with its 95% paired-bootstrap
interval (as `scripts/bundle_asr.py` reports the held-out-voice change at the gate); with --pool, also the
change over the named manifests together (e.g. every held-out-voice dev item), the figure a candidate is
chosen by before it goes to the gate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.speech.evaluate import paired_bootstrap  # noqa: E402


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
    difference, low, high = paired_bootstrap([c["reference"] for c, _ in pairs], [b["hypothesis"] for _, b in pairs],
                                             [c["hypothesis"] for c, _ in pairs])
    return len(pairs), difference, low, high


def verdict(low: float, high: float) -> str:
    return "a measured change" if high < 0 or low > 0 else "within the noise of these utterances"


def line(name: str, figures: tuple[int, float, float, float]) -> str:
    count, difference, low, high = figures
    return (f"{name}: {difference:+.2f} WER points on {count} utterances, 95% paired-bootstrap interval "
            f"{low:+.2f} to {high:+.2f} ({verdict(low, high)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidate", type=Path, help="the candidate's `eval-asr --errors` table")
    parser.add_argument("baseline", type=Path, help="the baseline's table (e.g. the bundled folder's)")
    parser.add_argument("--pool", nargs="+", default=[], metavar="NAME",
                        help="manifests (file names or paths) to score together as well")
    args = parser.parse_args()
    candidate, baseline = read_error_table(args.candidate), read_error_table(args.baseline)
    manifests = sorted({r["manifest"] for r in candidate} & {r["manifest"] for r in baseline})
    for manifest in manifests:
        print(line(manifest, change(candidate, baseline, [manifest])))
    if args.pool:
        pooled = [m for m in manifests if any(m == name or Path(m).name == name for name in args.pool)]
        if len(pooled) < len(args.pool):
            parser.error(f"--pool: not every one of {', '.join(args.pool)} is in both tables")
        print(line(" + ".join(Path(m).name for m in pooled), change(candidate, baseline, pooled)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
