"""Write models/README.md, the index of the bundled models, from their cards and configs.

    python scripts/models_index.py            # rewrite models/README.md
    python scripts/models_index.py --check    # exit 1 if models/README.md differs from what it would write

One row per model folder in models/: name, task, languages, architecture, size and the headline measured
figure, read from the card (models/NAME/README.md: the first row of its first test set in the table under
"## Measured quality" or "## Test scores", at the widest beam listed) and config.json. Run it after bundling.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
TASKS = {"translation": "translation", "speech": "speech recognition"}
METRICS = ("BLEU", "WER %")  # the headline column, the first a card's table has
HEADER = """# Bundled models

Each folder here is a self-describing model folder (`config.json`, `model.safetensors`, tokenizer files,
`README.md`: its model card). The app lists every folder in this directory. This index is written by
`python scripts/models_index.py` from the cards; `tests/test_models_index.py` fails when it is stale.
How each model was made and how to rebuild it: [docs/models.md](../docs/models.md).

| model | task | languages | architecture | size | headline (measured, see the card) |
|---|---|---|---|---|---|
"""


def score_table(card: str) -> list[dict[str, str]]:
    """The rows of the first table under the card's measured-quality heading, as {column: cell}."""
    match = re.search(r"(?m)^## (Measured quality|Test scores).*$", card)
    if not match:
        raise ValueError("no '## Measured quality' or '## Test scores' section")
    lines = card[match.end() :].splitlines()
    table = [line for line in _first_table(lines)]
    columns = [cell.strip() for cell in table[0].strip("|").split("|")]
    return [dict(zip(columns, (cell.strip() for cell in row.strip("|").split("|")), strict=False)) for row in table[2:]]


def _first_table(lines: list[str]):
    started = False
    for line in lines:
        if line.startswith("|"):
            started = True
            yield line
        elif started:
            return


def headline(card: str) -> str:
    """'Tatoeba test: BLEU 40.6 (beam 5)' or 'held-out voices (`test-voices.tsv`): WER 9.2%'."""
    rows = score_table(card)
    first = next(iter(rows[0].values()))
    metric = next(m for m in METRICS if m in rows[0])
    row = [r for r in rows if next(iter(r.values())) == first][-1]  # the widest beam the card lists last
    value = f"{metric.removesuffix(' %')} {row[metric]}{'%' if metric.endswith('%') else ''}"
    return f"{first}: {value}" + (f" (beam {row['beam']})" if "beam" in row else "")


def row(folder: Path) -> str:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    card = (folder / "README.md").read_text(encoding="utf-8")
    languages = " → ".join(x for x in (config.get("source_language"), config.get("target_language")) if x)
    architecture = re.search(r"Architecture: \*\*([^*]+)\*\*", card).group(1)
    size = re.search(r"([\d.]+) MB on disk", card).group(1)
    parameters = re.search(r"([\d,]{5,}) parameters|Parameters: ([\d,]+)", card)
    count = f", {(parameters.group(1) or parameters.group(2))} parameters" if parameters else ""
    task = TASKS.get(config.get("task", ""), config.get("task", "?"))
    return (
        f"| [`{folder.name}`]({folder.name}/README.md) | {task} | {languages} | {architecture}{count} "
        f"| {size} MB | {headline(card)} |"
    )


def index() -> str:
    folders = sorted(p for p in MODELS.iterdir() if (p / "config.json").exists() and (p / "README.md").exists())
    return HEADER + "\n".join(row(folder) for folder in folders) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if models/README.md is stale, write nothing")
    args = parser.parse_args()
    text, path = index(), MODELS / "README.md"
    if args.check:
        if path.read_text(encoding="utf-8") != text:
            print(f"{path} is stale: run python scripts/models_index.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
