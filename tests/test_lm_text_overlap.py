"""scripts/lm_text_overlap.py: which dev or test items a language model's training text already holds."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "lm_text_overlap.py"


def _manifest(path: Path, texts: list[str]) -> Path:
    rows = [f"u{i}\tu{i}.flac\t1.0\t{text}\tflite:rms" for i, text in enumerate(texts)]
    path.write_text("id\tpath\tduration\ttext\tvoice\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_counts_items_the_training_text_holds_after_exclusions(tmp_path):
    (tmp_path / "train.en").write_text("Tom is here.\nI have 2 cats!\nWhere is the bus?\nIt is late.\n")
    (tmp_path / "dev.en").write_text("Where is the bus\n")  # kept out of the training text (an `exclude` file)
    held_out = _manifest(tmp_path / "held-out.tsv", ["where is the bus", "we can go now"])
    seen = _manifest(tmp_path / "seen.tsv", ["tom is here", "i have two cats", "we can go now"])
    config = tmp_path / "lm.yaml"
    config.write_text(f"""name: lm-test
language: en
tokenizer: units.model
data_root: {tmp_path}
data:
  train: [train.en]
  dev: [dev.en]
  exclude: [held-out.tsv]
model: {{architecture: lstm-lm}}
""")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--config", str(config), "--manifest", str(seen), str(held_out)],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines == [
        f"{seen}: 2 of 3 items in the language model's training text",
        f"{held_out}: 0 of 2 items in the language model's training text",
    ]
