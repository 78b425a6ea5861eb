"""How many items of each speech manifest a language model's training text already holds.

    python scripts/lm_text_overlap.py --config configs/lm/lm-en-large.yaml --manifest data/speech/dev-voices-extra.tsv

A set that chooses checkpoints or decoding settings must be as new to the language model as the test sets are:
where the language model has read a sentence, shallow fusion can fill it in from memory and hide what the
acoustic model heard. Reads the same training text `attend train-lm` trains on (the config's `train` files,
its `exclude` and `dev` sentences kept out) and compares normalised transcripts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def overlap(training_sentences: list[str], manifests: list[Path]) -> dict[str, tuple[int, int]]:
    """-> {manifest: (items whose normalised text the training text holds, items)}"""
    from desktop_app.speech.manifest import read_manifest
    from desktop_app.speech.text import normalize_transcript

    known = {normalize_transcript(sentence) for sentence in training_sentences}
    counts = {}
    for manifest in manifests:
        texts = [normalize_transcript(utterance.text) for utterance in read_manifest(manifest)]
        counts[str(manifest)] = (sum(text in known for text in texts), len(texts))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, type=Path, help="the language model's training config")
    parser.add_argument("--manifest", required=True, type=Path, nargs="+", help="speech manifests (TSV)")
    parser.add_argument("--data-root", help="folder that relative paths resolve against (default: the config's)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from desktop_app.training.lm_config import load_lm_config
    from desktop_app.training.lm_task import LanguageModelTask

    sentences, _ = LanguageModelTask(load_lm_config(args.config), args.data_root).training_text()
    for manifest, (seen, total) in overlap(sentences, args.manifest).items():
        print(f"{manifest}: {seen} of {total} items in the language model's training text")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
