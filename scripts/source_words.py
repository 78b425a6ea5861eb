"""Write a translation model folder's source word counts (desktop_app/seq2seq/source_words.py) from the corpora
its training used (config.json's training.config.data.train), and name them in its config.json.

    python scripts/source_words.py models/en-de-transformer [--data ../shared/data/mt] [--unseen-below 5]

Words seen fewer than --unseen-below times, written with a capital inside a sentence, are kept as names when
the model translates (protect.py). The corpora are read, never copied: the folder gets the counts of the
words seen that often or more. `attend train-mt` writes them into the folders it exports; this script adds
them to older folders.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop_app.seq2seq.source_words import FILE, UNSEEN_BELOW, attach_source_words, count_words  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--data", type=Path, default=DATA, help="the folder the training config's paths start in")
    parser.add_argument("--unseen-below", type=int, default=UNSEEN_BELOW)
    args = parser.parse_args()
    config = json.loads((args.folder / "config.json").read_text(encoding="utf-8"))
    corpora = [args.data / item["src"] for item in config["training"]["config"]["data"]["train"]]
    counts = count_words(line for path in corpora for line in path.open(encoding="utf-8"))
    written = attach_source_words(args.folder, counts, args.unseen_below)
    size = (args.folder / FILE).stat().st_size
    print(f"{args.folder / FILE}: {written:,} words from {len(corpora)} corpora ({size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
