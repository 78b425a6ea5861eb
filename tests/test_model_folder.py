"""Model folders: round trip, and a specific error for each kind of damage."""

import json
import shutil

import numpy as np
import pytest
import torch

from desktop_app.seq2seq import (
    ConfigError,
    CorruptFileError,
    DecodeOptions,
    MissingFileError,
    ShapeMismatchError,
    Translator,
    UnknownArchitectureError,
    load_folder,
    quantize,
    save_folder,
)

from .conftest import SOURCES


def _outputs(translator, beam=1):
    return [translator.translate(s, DecodeOptions(beam_size=beam)) for s in SOURCES[:6]]


def test_round_trip_gives_identical_output(tiny_folder, tmp_path):
    original = load_folder(tiny_folder.folder)
    copy = save_folder(
        tmp_path / "copy",
        original.model,
        original.folder / "source.model",
        original.folder / "target.model",
        "en",
        "de",
    )
    first, second = _outputs(Translator.from_loaded(original), beam=3), _outputs(Translator.from_folder(copy), beam=3)
    for a, b in zip(first, second, strict=True):
        assert a.text == b.text
        np.testing.assert_array_equal(a.attention, b.attention)
        assert [s.log_prob for s in a.steps] == [s.log_prob for s in b.steps]


def test_float16_folder_is_smaller_and_translates_the_same(tiny_folder, tmp_path):
    original = load_folder(tiny_folder.folder)
    half = save_folder(
        tmp_path / "half",
        original.model,
        original.folder / "source.model",
        original.folder / "target.model",
        "en",
        "de",
        dtype=torch.float16,
    )
    assert (half / "model.safetensors").stat().st_size < 0.6 * (original.folder / "model.safetensors").stat().st_size
    assert json.loads((half / "config.json").read_text())["weights_dtype"] == "float16"
    assert [t.text for t in _outputs(Translator.from_folder(half))] == SOURCES_TRANSLATED(original)


def test_int8_precision_quantises_and_a_folder_can_ask_for_it(tiny_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(quantize, "MIN_INT8_WEIGHTS", 0)  # the tiny model's layers are all small
    original = load_folder(tiny_folder.folder)
    int8 = Translator.from_loaded(original, "int8")
    assert any("quantized" in type(m).__module__ for m in int8.model.modules())
    assert [t.text for t in _outputs(int8)] == SOURCES_TRANSLATED(original)  # the tiny model survives int8
    auto = Translator.from_loaded(original).model  # auto follows the folder: float32 here
    assert not any("quantized" in type(m).__module__ for m in auto.modules())
    folder = tmp_path / "int8"
    shutil.copytree(tiny_folder.folder, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "int8_inference": True}))
    assert any("quantized" in type(m).__module__ for m in Translator.from_folder(folder).model.modules())
    assert Translator.from_folder(folder, "float32").model.__class__ is original.model.__class__
    with pytest.raises(ValueError, match="precision"):
        Translator.from_folder(folder, "int4")


def test_int8_keeps_small_layers_float_and_leaves_the_original_trainable(tiny_folder):
    model = torch.nn.Sequential(torch.nn.Linear(512, 1024), torch.nn.Linear(16, 16))
    int8 = quantize.model_for_inference(model, "int8", folder_wants_int8=False)
    assert "quantized" in type(int8[0]).__module__ and type(int8[1]) is torch.nn.Linear
    original = load_folder(tiny_folder.folder)
    before = set(original.model.state_dict())
    fused = Translator.from_loaded(original, "float32")
    assert set(original.model.state_dict()) == before  # fusions live in the inference copy only
    assert fused.model is not original.model


def SOURCES_TRANSLATED(loaded):
    return [t.text for t in _outputs(Translator.from_loaded(loaded))]


def test_folder_is_self_describing(tiny_folder):
    config = json.loads((tiny_folder.folder / "config.json").read_text())
    assert config["architecture"] == tiny_folder.architecture
    assert config["source_language"] == "en" and config["target_language"] == "de"
    assert "src_vocab_size" in config["model"]
    assert (tiny_folder.folder / "README.md").read_text().startswith("# en → de")


@pytest.fixture
def damaged(tiny_folder, tmp_path):
    folder = tmp_path / "damaged"
    shutil.copytree(tiny_folder.folder, folder)
    return folder


def _edit_config(folder, change):
    config = json.loads((folder / "config.json").read_text())
    change(config)
    (folder / "config.json").write_text(json.dumps(config))


def _link_out(folder, name):
    """Move `name` out of the folder and leave a symbolic link to it in its place."""
    outside = folder.parent / f"outside-{name}"
    (folder / name).rename(outside)
    (folder / name).symlink_to(outside)


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE = {
    "no folder": (lambda f: shutil.rmtree(f), MissingFileError, "does not exist"),
    "no config": (lambda f: (f / "config.json").unlink(), MissingFileError, "no config.json"),
    "no weights": (lambda f: (f / "model.safetensors").unlink(), MissingFileError, "no model.safetensors"),
    "no tokenizer": (lambda f: (f / "target.model").unlink(), MissingFileError, "no target.model"),
    "config not json": (lambda f: (f / "config.json").write_text("{oops"), ConfigError, "not valid JSON"),
    "config key missing": (lambda f: _edit_config(f, lambda c: c.pop("model")), ConfigError, "lacks the key"),
    "unknown architecture": (
        lambda f: _edit_config(f, lambda c: c.update(architecture="convs2s")),
        UnknownArchitectureError,
        "unknown architecture 'convs2s'",
    ),
    "bad setting": (
        lambda f: _edit_config(f, lambda c: c["model"].update(layers_typo=3)),
        ConfigError,
        "unknown .* setting.*layers_typo",
    ),
    "truncated weights": (lambda f: _truncate(f / "model.safetensors"), CorruptFileError, "corrupt or truncated"),
    "garbage weights": (
        lambda f: (f / "model.safetensors").write_bytes(b"\x80\x04pickle?"),
        CorruptFileError,
        "corrupt or truncated",
    ),
    "corrupt tokenizer": (
        lambda f: (f / "source.model").write_bytes(b"not a sentencepiece model"),
        CorruptFileError,
        "not a valid SentencePiece model",
    ),
    "vocabulary mismatch": (
        lambda f: _edit_config(f, lambda c: c["model"].update(tgt_vocab_size=99)),
        ShapeMismatchError,
        r"has shape .* config.json implies",
    ),
    "newer format": (
        lambda f: _edit_config(f, lambda c: c.update(format_version=99)),
        ConfigError,
        "format version 99",
    ),
    "tokenizer linked outside": (
        lambda f: _link_out(f, "target.model"),
        ConfigError,
        "target_tokenizer 'target.model' must name a file inside the folder",
    ),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_each_damage_has_its_own_error(damaged, case):
    damage, error_class, message = DAMAGE[case]
    damage(damaged)
    with pytest.raises(error_class, match=message):
        load_folder(damaged)


def test_links_inside_a_folder_or_to_a_whole_folder_are_followed(damaged, tmp_path):
    (damaged / "tokenizers").mkdir()  # a link that stays inside the folder
    (damaged / "source.model").rename(damaged / "tokenizers" / "source.model")
    (damaged / "source.model").symlink_to(damaged / "tokenizers" / "source.model")
    linked = tmp_path / "linked"  # the folder itself a link, as the tests and models/ make them
    linked.symlink_to(damaged, target_is_directory=True)
    assert load_folder(linked).source_tokenizer is not None
    _link_out(damaged, "target.model")  # through the linked folder too, a link out of it is refused
    with pytest.raises(ConfigError, match="target_tokenizer 'target.model' must name a file inside the folder"):
        load_folder(linked)


def test_missing_tensor_is_named(damaged, tiny_folder):
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(damaged / "model.safetensors"))
    dropped = sorted(tensors)[0]
    del tensors[dropped]
    save_file(tensors, str(damaged / "model.safetensors"))
    with pytest.raises(ShapeMismatchError, match=f"missing tensor.*{dropped}"):
        load_folder(damaged)


def test_weights_are_never_unpickled(damaged):
    import pickle

    (damaged / "model.safetensors").write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(CorruptFileError):
        load_folder(damaged)


def test_the_score_summary_reads_speech_and_dev_metrics_too():
    from desktop_app.catalog import score_summary

    speech = {
        "test": {
            "data/speech/test-voices.tsv": {"wer": 8.123, "cer": 3.0},
            "data/speech/test-sentences.tsv": {"wer": 4.0, "cer": 1.5},
        }
    }
    assert score_summary(speech) == "test-voices WER 8.1%; test-sentences WER 4.0%"
    assert score_summary({"dev": {"bleu": 35.49}}) == "dev BLEU 35.5"
    assert score_summary({}) == ""
