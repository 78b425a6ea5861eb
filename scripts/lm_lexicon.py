"""Write the word list of a language model's training text into its exported folder.

    python scripts/lm_lexicon.py --config configs/lm/lm-en-large.yaml --lm runs/lm-en-large/model

`attend train-lm` writes `words.txt` when it exports; this rebuilds it for a folder exported
before it did, from the same config: the same training text, dev and test sentences kept out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, type=Path, help="the language model's training config")
    parser.add_argument("--lm", required=True, type=Path, help="the exported language-model folder")
    parser.add_argument("--data-root", help="folder that relative paths resolve against (default: the config's)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from desktop_app.seq2seq.lexicon import LEXICON_FILE, Lexicon
    from desktop_app.seq2seq.model_folder import read_folder_config
    from desktop_app.training.lm_config import load_lm_config
    from desktop_app.training.lm_task import LanguageModelTask

    if read_folder_config(args.lm).task != "language-model":
        parser.error(f"{args.lm} is not a language-model folder")
    sentences, excluded = LanguageModelTask(load_lm_config(args.config), args.data_root).training_text()
    lexicon = Lexicon.from_sentences(sentences)
    lexicon.save(args.lm / LEXICON_FILE)
    card = args.lm / "README.md"
    if card.exists() and LEXICON_FILE not in card.read_text():
        card.write_text(
            card.read_text().rstrip()
            + f"""

`{LEXICON_FILE}` lists the {len(lexicon):,} distinct words of that training text (written afterwards by
`python scripts/lm_lexicon.py --config {args.config} --lm {args.lm}`); a recognizer can steer its
beam search toward them (a lexicon penalty, see `desktop_app/seq2seq/lexicon.py`).
"""
        )
    print(
        f"{args.lm / LEXICON_FILE}: {len(lexicon):,} words from {len(sentences):,} sentences "
        f"({excluded:,} dev/test sentences kept out)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
