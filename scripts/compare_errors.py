"""A candidate recognizer against a baseline on the same utterances, set by set, from their error tables.

    attend eval-asr --model runs/cand/model --manifest data/speech/dev.tsv ... --jobs 2 --errors cand.tsv
    attend eval-asr --model models/asr-en --manifest data/speech/dev.tsv ... --jobs 2 --errors bundled.tsv
    python scripts/compare_errors.py cand.tsv bundled.tsv --pool dev-voices.tsv dev-voices-extra.tsv

For every manifest both tables hold: the candidate's WER change in points with its 95% paired-bootstrap
interval (as `scripts/bundle_asr.py` reports the held-out-voice change at the gate); with --pool, also the
change over the named manifests together (e.g. every held-out-voice dev item), the figure a candidate is
chosen by before it goes to the gate. The reading and the comparison live in
desktop_app/training/bundling/error_tables.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.training.bundling.error_tables import change, line, read_error_table  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidate", type=Path, help="the candidate's `eval-asr --errors` table")
    parser.add_argument("baseline", type=Path, help="the baseline's table (e.g. the bundled folder's)")
    parser.add_argument(
        "--pool",
        nargs="+",
        default=[],
        metavar="NAME",
        help="manifests (file names or paths) to score together as well",
    )
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
