"""scripts/gpu_check_data.py: the sample folder a GPU machine trains from."""

import importlib.util
from pathlib import Path

import pytest
import yaml

from desktop_app.training.asr_config import load_asr_config
from desktop_app.training.config import load_train_config

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("gpu_check_data", REPO / "scripts" / "gpu_check_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_corpus(root: Path) -> None:
    """Manifests of 300 items per split (empty stand-in audio files), one noise file, a tiny Tatoeba pair."""
    speech = root / "speech"
    for split in ("train", "train-variants", "dev", "dev-voices"):
        rows = ["id\tpath\tduration\ttext\tvoice"]
        for i in range(300):
            relative = f"audio/{split}/{i:04d}.flac"
            (speech / relative).parent.mkdir(parents=True, exist_ok=True)
            (speech / relative).write_bytes(b"")
            rows.append(f"{split}-{i:04d}\t{relative}\t1.5\tword {i}\tespeak:en")
        (speech / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    (root / "noise").mkdir()
    (root / "noise" / "hum.ogg").write_bytes(b"")
    (root / "mt").mkdir()
    for name in ("train.en", "train.de", "dev.en", "dev.de", "ATTRIBUTION.txt"):
        (root / "mt" / name).write_text("a\n")


def test_the_sample_keeps_its_audio_and_the_configs_train_the_bundled_model_on_it(script, tmp_path, monkeypatch):
    fake_corpus(tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    assert (
        script.main(["--out", "sample", "--speech", "corpus/speech", "--mt", "corpus/mt", "--noise", "corpus/noise"])
        == 0
    )

    for manifest, count in script.SPEECH_SAMPLE.items():
        rows = (tmp_path / "sample/speech" / manifest).read_text().splitlines()[1:]
        assert len(rows) == count
        assert all((tmp_path / "sample/speech" / row.split("\t")[1]).exists() for row in rows)
    dev = (tmp_path / "sample/speech/dev.tsv").read_text().splitlines()[1:]
    assert dev[0].startswith("dev-0000")  # dev sets keep their first items, as dev_limit reads them

    asr = load_asr_config(tmp_path / "sample/asr.yaml")
    bundled = yaml.safe_load((REPO / "configs/asr/asr-en.yaml").read_text())
    assert asr.model == bundled["model"]  # so --init-from models/asr-en fits
    assert [Path(s.path).name for s in asr.data.train] == ["train.tsv", "train-variants.tsv"]
    assert all((tmp_path / s.path).exists() for s in asr.data.train)
    assert load_asr_config(tmp_path / "sample/asr-320.yaml").data.batch_seconds == 320
    mt = load_train_config(tmp_path / "sample/mt.yaml")
    assert (tmp_path / mt.data_root / mt.data.train[0].src).exists()
    assert mt.model == yaml.safe_load((REPO / "configs/mt/en-de-transformer.yaml").read_text())["model"]
