"""models/README.md is what scripts/models_index.py writes from the cards now."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _models_index():
    spec = importlib.util.spec_from_file_location("models_index", ROOT / "scripts" / "models_index.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_models_readme_is_what_the_script_writes_from_the_cards():
    expected = _models_index().index()
    actual = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    assert actual == expected, "models/README.md is stale: run python scripts/models_index.py"


def test_every_bundled_model_has_a_row():
    text = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    for folder in (ROOT / "models").iterdir():
        if (folder / "config.json").exists():
            assert f"[`{folder.name}`]({folder.name}/README.md)" in text


def test_the_headline_is_the_first_test_set_at_the_widest_beam():
    module = _models_index()
    card = (
        "# m\n\n## Test scores (x)\n\n| test set | beam | BLEU | chrF |\n|---|---|---|---|\n"
        "| Tatoeba test | 1 | 38.2 | 57.9 |\n| Tatoeba test | 5 | 40.6 | 59.6 |\n"
        "| Multi30k | 5 | 36.2 | 60.8 |\n\n"
    )
    assert module.headline(card) == "Tatoeba test: BLEU 40.6 (beam 5)"
    speech = (
        "## Measured quality (jiwer)\n\n| test set | utterances | WER % | CER % |\n|---|---|---|---|\n"
        "| held-out voices | 400 | 9.2 | 5.0 |\n| real | 90 | 30.6 | 14.7 |\n\n| other | table |\n"
    )
    assert module.headline(speech) == "held-out voices: WER 9.2%"
