"""scripts/mt_card.py: a translation card rendered from config.json alone has the sections a user relies on,
fits in 100 lines, and reads back in scripts/models_index.py."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "## Intended use and limits",
    "## Measured quality",
    "## Speed",
    "## Size",
    "## Training",
    "## Training data and credits",
    "## License",
)
SIGNATURES = {
    "bleu_signature": "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
    "chrf_signature": "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0",
}
PRINTOUT = """model runs/x/model: load median 190 ms (first 190 ms, precision auto), 2 threads
float32  beam 1   1 words   median    15.8 ms   p90    19.1 ms   first token median    6.1 ms
float32  beam 1  10 words   median    30.6 ms   p90    39.7 ms   first token median    6.9 ms
float32  beam 1  30 words   median    56.4 ms   p90    75.7 ms   first token median    8.5 ms
int8     beam 1   1 words   median     7.1 ms   p90     8.4 ms   first token median    3.0 ms
int8     beam 1  10 words   median    14.0 ms   p90    18.9 ms   first token median    3.5 ms
int8     beam 1  30 words   median    34.2 ms   p90    37.1 ms   first token median    4.4 ms
int8     beam 5  10 words   median    22.3 ms   p90    30.9 ms   first token median    6.5 ms
peak resident memory 362 MB"""


def _script(name: str):
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(test_set: str, src: str, beam: int, bleu: float, chrf: float, sentences: int) -> dict:
    command = f"attend eval-mt --model runs/x/model --src {src} --ref r --beam {beam} --precision float32 --json"
    return {
        "set": test_set,
        "beam": beam,
        "command": command,
        "src": src,
        "bleu": bleu,
        "chrf": chrf,
        "sentences": sentences,
        **SIGNATURES,
    }


def _config() -> dict:
    data = "../shared/data/mt"
    return {
        "architecture": "transformer",
        "model": {"d_model": 8, "heads": 2},
        "task": "translation",
        "source_language": "en",
        "target_language": "de",
        "source_tokenizer": "joint.model",
        "target_tokenizer": "joint.model",
        "weights_dtype": "float16",
        "int8_inference": True,
        "metrics": {
            "dev": {"bleu": 36.95, "chrf": 57.02, "beam": 1},
            "test": [
                _row("Tatoeba test", f"{data}/tatoeba-deu-en/test.en", 1, 38.21, 57.89, 2000),
                _row("Tatoeba test", f"{data}/tatoeba-deu-en/test.en", 5, 40.65, 59.6, 2000),
                _row("Multi30k test2016", f"{data}/multi30k/test_2016_flickr.en", 1, 34.19, 59.5, 1000),
                _row("Multi30k test2016", f"{data}/multi30k/test_2016_flickr.en", 5, 36.17, 60.79, 1000),
                _row("Ding test", f"{data}/debian-de-en/ding_examples/test.en", 1, 11.49, 33.36, 1000),
                _row("Ding test", f"{data}/debian-de-en/ding_examples/test.en", 5, 12.3, 34.1, 1000),
            ],
            "int8_dev_bleu": {"float32": 36.97, "int8": 37.0},
            "speed": {
                "command": "python benchmarks/translate_latency.py --model runs/x/model --quantize",
                "output": PRINTOUT,
            },
        },
        "training": {
            "command": "attend train-mt --config configs/mt/x.yaml --out runs/x",
            "selected": "best epoch",
            "epochs": 5,
            "steps": 5800,
            "train_hours": 4.21,
            "device": "x86_64 CPU, 2 threads",
            "processes": 1,
            "note": "A long run note that belongs in docs/experiments, not on the card.",
            "history": [{"epoch": 1, "train_nll": 4.6, "dev_bleu": 16.88, "dev_chrf": 34.74}],
            "config": {
                "data_root": data,
                "data": {
                    "train": [
                        {"src": "tatoeba-deu-en/train.en", "tgt": "tatoeba-deu-en/train.de"},
                        {"src": "multi30k/train.en", "tgt": "multi30k/train.de"},
                    ],
                    "dev": {"src": "tatoeba-deu-en/dev.en", "tgt": "tatoeba-deu-en/dev.de"},
                    "max_length": 100,
                },
            },
        },
    }


@pytest.fixture(scope="module")
def card() -> str:
    return _script("mt_card").card(_config(), "en-de-x", 8_368_384, 16.0)


def test_the_card_has_the_sections_a_user_relies_on_in_at_most_100_lines(card):
    positions = [card.index(f"\n{section}\n") for section in SECTIONS]
    assert positions == sorted(positions)
    assert len(card.splitlines()) <= 100
    assert card.startswith("# en-de-x: English → German\n")


def test_the_limits_give_the_measured_out_of_domain_figures(card):
    limits = " ".join(card[card.index("## Intended use and limits") : card.index("## Measured quality")].split())
    assert "Ding test (1,000 sentences): BLEU 11.5, chrF 33.4" in limits
    assert "against BLEU 38.2, chrF 57.9 on Tatoeba test" in limits
    assert "Multi30k" not in limits  # trained on: not out of the domain


def test_every_figure_comes_with_its_command_on_the_bundled_folder(card):
    quality = card[card.index("## Measured quality") : card.index("## Speed")]
    assert "| Ding test | 5 | 12.3 | 34.1 |" in quality
    assert quality.count("attend eval-mt --model models/en-de-x --src") == 6
    assert "runs/x/model" not in card
    speed = card[card.index("## Speed") : card.index("## Size")]
    assert "| int8 | 1 | 7.1 | 14.0 | 34.2 | 3.5 |" in speed and "| int8 | 5 | ? | 22.3 | ? | 6.5 |" in speed
    assert "python benchmarks/translate_latency.py --model models/en-de-x --quantize" in speed
    assert "--src ../shared/data/mt/tatoeba-deu-en/dev.en" in speed and "--precision int8" in speed


def test_size_credits_and_licenses(card):
    assert "Parameters: 8,368,384. Weights: float16 safetensors, 16.0 MB on disk." in card
    assert "Peak resident memory while translating: 362 MB" in card
    credits = card[card.index("## Training data and credits") : card.index("## License")]
    assert "| training, tuning (dev), test | CC-BY 2.0 |" in credits
    assert "GPL-2+" in credits and "| test | GPL-2+ |" in credits
    assert "MIT license" in " ".join(card[card.index("## License") :].split())
    assert "A long run note" not in card and "docs/experiments/" in card


def test_the_models_index_reads_the_card(card):
    index = _script("models_index")
    assert index.headline(card) == "Tatoeba test: BLEU 40.6 (beam 5)"


def test_a_card_with_nothing_measured_says_so():
    config = _config()
    config["metrics"] = {"dev": {"bleu": 30.0}}
    text = _script("mt_card").card(config, "bare", 10, 0.1)
    assert "No test scores recorded" in text and "Not measured outside" in text and "Not measured; measure" in text


def test_the_bundled_translation_cards_are_short():
    for folder in ("en-de-rnn", "en-de-transformer", "de-en"):
        text = (ROOT / "models" / folder / "README.md").read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 100, folder
        assert all(f"\n{section}\n" in text for section in SECTIONS), folder


def test_card_only_rewrites_a_folder_card_from_its_config(tiny_tokenizers, tmp_path):
    from desktop_app.seq2seq import save_folder
    from desktop_app.seq2seq.architectures import build_model

    from .conftest import TINY_CONFIGS

    source, target, tokenizers = tiny_tokenizers
    model = build_model(
        "transformer",
        dict(TINY_CONFIGS["transformer"], src_vocab_size=source.vocab_size, tgt_vocab_size=target.vocab_size),
    )  # untrained: only its card matters
    folder = tmp_path / "en-de-tiny"
    save_folder(folder, model, tokenizers / "source.model", tokenizers / "target.model", "en", "de")
    text = _script("bundle_mt").write_card(folder).read_text(encoding="utf-8")
    assert text.startswith("# en-de-tiny: English → German\n") and len(text.splitlines()) <= 100
    assert all(f"\n{section}\n" in text for section in SECTIONS)
    assert "No test scores recorded" in text  # a folder nobody has scored yet says so


def test_the_long_record_keeps_what_the_card_leaves_out():
    record = _script("mt_card").training_record(_config(), "en-de-x", "2026-12-06")
    assert record.startswith("# 2026-12-06: en-de-x training record\n")
    assert "A long run note" in record and "| 1 | 4.600 | 16.88 | 34.74 |" in record
    assert "peak resident memory 362 MB" in record and "--model models/en-de-x --quantize" in record


def test_a_model_trained_on_the_debian_corpora_credits_each_and_says_nothing_false():
    from mt_card import data_section, license_section

    config = {
        "training": {
            "config": {
                "data": {
                    "train": [
                        {"src": "tatoeba-deu-en/train.en"},
                        {"src": "debian-de-en/ding_examples/train.en"},
                        {"src": "debian-de-en/libreoffice/train.en"},
                    ],
                    "dev": {"src": "debian-de-en/ding_examples/dev.en"},
                }
            }
        }
    }
    data = data_section(config)
    assert "LibreOffice 7.4.7" in data and "MPL-2.0" in data and "Ding dictionary" in data
    assert "| ? |" not in data  # every corpus has its credit and license
    assert "only tested the model" not in license_section(config)  # it trained on Ding
