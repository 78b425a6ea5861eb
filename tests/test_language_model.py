"""Language model for shallow fusion: training with kept-out sentences, fused decoding, model folders."""

import json
import shutil

import pytest
import torch

from desktop_app.cli import main
from desktop_app.seq2seq import ModelFolderError, Tokenizer, load_folder, save_folder
from desktop_app.seq2seq.architectures import build_model
from desktop_app.seq2seq.batch import pad
from desktop_app.seq2seq.errors import ConfigError, MissingFileError, ShapeMismatchError
from desktop_app.seq2seq.loss import label_smoothed_nll
from desktop_app.seq2seq.model_folder import attach_language_model
from desktop_app.seq2seq.tokenizer import BOS_ID, EOS_ID
from desktop_app.speech.features import load_audio
from desktop_app.speech.recognizer import SPEECH_DECODE, Recognizer

from .conftest import SPOKEN

TINY_LM = dict(embedding_size=16, hidden_size=48, layers=1, dropout=0.0)


def train_lm(tokenizer: Tokenizer, sentences: list[str], steps: int = 150):
    torch.manual_seed(0)
    model = build_model("lstm-lm", dict(TINY_LM, tgt_vocab_size=tokenizer.vocab_size))
    ids = tokenizer.encode_batch(sentences)
    tokens_in, tokens_out = pad([[BOS_ID, *s] for s in ids]), pad([[*s, EOS_ID] for s in ids])
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        loss, _ = label_smoothed_nll(model(tokens_in), tokens_out)
        (loss / len(tokens_out)).backward()
        optimizer.step()
    return model.eval()


def lm_folder(tiny_asr, tmp_path, sentences, name="lm"):
    tokenizer = Tokenizer.load(tiny_asr.folder / "target.model")
    return save_folder(
        tmp_path / name,
        train_lm(tokenizer, sentences),
        None,
        tiny_asr.folder / "target.model",
        "en",
        task="language-model",
    )


def speech_folder_with_lm(tiny_asr, tmp_path, sentences, weight):
    folder = shutil.copytree(tiny_asr.folder, tmp_path / "asr-with-lm")
    attach_language_model(folder, lm_folder(tiny_asr, tmp_path, sentences), weight)
    return folder


def test_fusion_at_weight_zero_decodes_exactly_like_the_recognizer_alone(tiny_asr, tmp_path):
    folder = speech_folder_with_lm(tiny_asr, tmp_path, ["call my sister"], weight=0.0)
    fused, plain = Recognizer.from_folder(folder), Recognizer.from_folder(tiny_asr.folder)
    assert fused.language_model is not None and fused.lm_weight == 0.0
    for wav in tiny_asr.wavs:
        audio = load_audio(wav)
        assert fused.transcribe(audio).text == plain.transcribe(audio).text


def test_a_heavily_weighted_language_model_steers_the_transcript(tiny_asr, tmp_path):
    folder = speech_folder_with_lm(tiny_asr, tmp_path, ["call my sister"], weight=8.0)
    recognizer = Recognizer.from_folder(folder)
    recognizer.set_ctc_decode_weight(0.0)  # CTC prefix scores would veto a transcript the audio lacks
    audio = load_audio(tiny_asr.wavs[SPOKEN.index("open the door")])
    assert recognizer.transcribe(audio).text == "call my sister"
    recognizer.set_lm_weight(0.0)
    assert recognizer.transcribe(audio).text == "open the door"


def test_beam_search_with_fusion_keeps_the_right_transcripts(tiny_asr, tmp_path):
    recognizer = Recognizer.from_folder(speech_folder_with_lm(tiny_asr, tmp_path, SPOKEN, weight=0.3))
    from dataclasses import replace

    for text, wav in zip(SPOKEN, tiny_asr.wavs, strict=True):
        transcript = recognizer.transcribe(load_audio(wav), replace(SPEECH_DECODE, beam_size=3))
        assert transcript.text == text
        assert transcript.attention.shape[0] == len(transcript.pieces)  # the recognizer's rows, one per unit


def test_a_missing_or_mismatched_language_model_is_a_clear_error(tiny_asr, tmp_path):
    folder = speech_folder_with_lm(tiny_asr, tmp_path, SPOKEN, weight=-1.0)
    with pytest.raises(ModelFolderError, match="lm_weight"):
        Recognizer.from_folder(folder)
    shutil.rmtree(folder / "lm")
    with pytest.raises(MissingFileError, match="lm"):
        Recognizer.from_folder(folder)
    other = Tokenizer.train(SPOKEN + ["xyz qv jk"], tmp_path / "other.model", vocab_size=34, model_type="char")
    wrong = save_folder(
        tmp_path / "wrong-lm",
        train_lm(other, SPOKEN, steps=1),
        None,
        tmp_path / "other.model",
        "en",
        task="language-model",
    )
    attach_language_model(folder, wrong, 0.3)
    with pytest.raises(ShapeMismatchError, match="units"):
        Recognizer.from_folder(folder)
    with pytest.raises(ValueError, match="no language model"):
        Recognizer.from_folder(tiny_asr.folder).set_lm_weight(0.5)


def test_attaching_refuses_a_folder_that_is_not_a_language_model(tiny_asr, tmp_path):
    folder = shutil.copytree(tiny_asr.folder, tmp_path / "asr")
    with pytest.raises(ModelFolderError, match="not a language-model folder"):
        attach_language_model(folder, tiny_asr.folder, 0.3)


def tiny_lm_config(tiny_asr, tmp_path, epochs: int = 3, tokenizer: str = "units.model"):
    """A train-lm config over a few dictation lines (one kept out), in the tiny recognizer's units. -> its path"""
    text = ["Open the door.", "Turn on the light!", "What time is it?", "Call my sister at 5."] * 10
    (tmp_path / "train.txt").write_text("\n".join(text + ["Please open the window."]) + "\n")
    manifest = "id\tpath\tduration\ttext\tvoice\n"
    (tmp_path / "dev.tsv").write_text(manifest + "d1\ta.wav\t1.0\tcall my sister\tx\n")
    (tmp_path / "test.tsv").write_text(manifest + "t1\tb.wav\t1.0\tplease open the window\tx\n")
    shutil.copyfile(tiny_asr.folder / "target.model", tmp_path / "units.model")
    config = {
        "name": "lm-tiny",
        "language": "en",
        "tokenizer": tokenizer,
        "data": {"train": ["train.txt"], "dev": ["dev.tsv"], "exclude": ["test.tsv"]},
        "model": {"architecture": "lstm-lm", **TINY_LM},
        "training": {
            "epochs": epochs,
            "batch_tokens": 400,
            "learning_rate": 0.01,
            "warmup_steps": 1,
            "schedule": "plateau",
            "average_last": 1,
        },
    }
    path = tmp_path / f"lm-{epochs}-{tokenizer}.yaml"
    path.write_text(json.dumps(config))
    return path


def test_train_lm_learns_the_text_and_never_sees_excluded_sentences(tiny_asr, tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train-lm",
                "--config",
                str(tiny_lm_config(tiny_asr, tmp_path)),
                "--out",
                str(out),
                "--data-root",
                str(tmp_path),
            ]
        )
        == 0
    )
    # 4 distinct sentences: the duplicates merge and the excluded one never enters training
    assert "4 distinct training sentences" in capsys.readouterr().out
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert records[-1]["dev_perplexity"] < records[0]["dev_perplexity"] < 30
    loaded = load_folder(out / "model")
    assert loaded.config.task == "language-model"
    assert loaded.config.metrics["dev"]["perplexity"] == min(r["dev_perplexity"] for r in records)
    card = (out / "model" / "README.md").read_text()
    assert "test.tsv, dev.tsv: a line whose normalised form matches one is dropped" in card and "Dev perplexity" in card
    # its word list holds the training text's words, never a word only the kept-out sentences have
    words = (out / "model" / "words.txt").read_text().split()
    assert "sister" in words and "five" in words and "window" not in words and "please" not in words
    assert "lists the 15 distinct words" in card


def test_bfloat16_on_a_cpu_without_a_bfloat16_lstm_is_a_clear_error_before_training(
    tiny_asr, tmp_path, capsys, monkeypatch
):
    import desktop_app.commands._training as training

    # what oneDNN says on an AVX2-only CPU, where the first batch would otherwise crash with a traceback
    monkeypatch.setattr(
        training,
        "_cpu_bfloat16_lstm_failure",
        lambda: "could not create a primitive descriptor for the LSTM forward propagation primitive",
    )
    out = tmp_path / "run"
    assert (
        main(
            [
                "train-lm",
                "--config",
                str(tiny_lm_config(tiny_asr, tmp_path)),
                "--out",
                str(out),
                "--data-root",
                str(tmp_path),
                "--precision",
                "bfloat16",
            ]
        )
        == 2
    )
    error = capsys.readouterr().err
    assert "cannot run LSTM layers in bfloat16" in error and "--precision float32" in error
    assert not out.exists()


def test_the_bfloat16_lstm_probe_tells_what_training_would_meet():
    import torch

    from desktop_app.commands._training import _cpu_bfloat16_lstm_failure

    lstm = torch.nn.LSTM(8, 16, num_layers=2, batch_first=True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            lstm(torch.randn(3, 5, 8))[0].sum().backward()
        works = True
    except RuntimeError:
        works = False
    assert (_cpu_bfloat16_lstm_failure() is None) == works


def test_train_lm_carries_on_from_an_exported_language_model(tiny_asr, tmp_path, capsys):
    earlier = tmp_path / "earlier"
    assert (
        main(
            [
                "train-lm",
                "--config",
                str(tiny_lm_config(tiny_asr, tmp_path, epochs=2)),
                "--out",
                str(earlier),
                "--data-root",
                str(tmp_path),
            ]
        )
        == 0
    )
    earlier_perplexity = load_folder(earlier / "model").config.metrics["dev"]["perplexity"]
    # the config names units that do not exist: the run must read the folder's own
    config = tiny_lm_config(tiny_asr, tmp_path, epochs=3, tokenizer="missing.model")
    out = tmp_path / "continued"
    capsys.readouterr()
    assert (
        main(
            [
                "train-lm",
                "--config",
                str(config),
                "--out",
                str(out),
                "--data-root",
                str(tmp_path),
                "--learning-rate",
                "0.002",
                "--init-from",
                str(earlier / "model"),
            ]
        )
        == 0
    )
    assert "epoch 3 is next" in capsys.readouterr().out
    assert (out / "units.model").read_bytes() == (tiny_asr.folder / "target.model").read_bytes()
    training = json.loads((out / "model" / "config.json").read_text())["training"]
    assert [record["epoch"] for record in training["history"]] == [1, 2, 3]
    assert training["started_from"]["folder"] == str(earlier / "model")
    fresh_start = training["history"][0]["dev_perplexity"]
    assert training["history"][-1]["dev_perplexity"] < min(fresh_start, 1.2 * earlier_perplexity)

    assert (
        main(
            [
                "train-lm",
                "--config",
                str(config),
                "--out",
                str(tmp_path / "from-asr"),
                "--data-root",
                str(tmp_path),
                "--init-from",
                str(tiny_asr.folder),
            ]
        )
        == 2
    )
    assert "not a language model" in capsys.readouterr().err


def test_eval_asr_decodes_with_the_folder_settings_unless_told_otherwise(tiny_asr, tmp_path, capsys):
    import soundfile

    folder = speech_folder_with_lm(tiny_asr, tmp_path, SPOKEN, weight=0.3)
    config = json.loads((folder / "config.json").read_text())
    config["beam_size"] = 3
    (folder / "config.json").write_text(json.dumps(config))
    rows = ["id\tpath\tduration\ttext\tvoice"] + [
        f"u{i}\t{wav}\t{soundfile.info(str(wav)).duration:.3f}\t{text}\tespeak-ng:en-us"
        for i, (wav, text) in enumerate(zip(tiny_asr.wavs, SPOKEN, strict=True))
    ]
    manifest = tmp_path / "m.tsv"
    manifest.write_text("\n".join(rows) + "\n")
    assert main(["eval-asr", "--model", str(folder), "--manifest", str(manifest), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["beam"], report["lm_weight"]) == (3, 0.3) and report["results"][str(manifest)]["wer"] == 0.0
    assert (
        main(
            [
                "eval-asr",
                "--model",
                str(folder),
                "--manifest",
                str(manifest),
                "--beam",
                "1",
                "--lm-weight",
                "0",
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert (report["beam"], report["lm_weight"]) == (1, 0.0)
    assert main(["transcribe", "--model", str(tiny_asr.folder), "--lm-weight", "0.5", str(tiny_asr.wavs[0])]) == 2
    assert "has no language model" in capsys.readouterr().err


def test_the_model_picker_says_a_speech_model_decodes_with_its_language_model(tiny_asr, tmp_path):
    from desktop_app.catalog import describe

    folder = speech_folder_with_lm(tiny_asr, tmp_path, SPOKEN, weight=0.3)
    config = json.loads((folder / "config.json").read_text())
    config["metrics"]["test"] = {"data/speech/test-voices.tsv": {"wer": 12.5, "cer": 5.0}}
    (folder / "config.json").write_text(json.dumps(config))
    assert describe(folder).scores == "test-voices WER 12.5% (beam 1 with its language model)"
    (folder / "config.json").write_text(json.dumps(dict(config, lexicon_penalty=2.0)))
    assert describe(folder).scores == "test-voices WER 12.5% (beam 1 with its language model and word list)"


def test_the_recognizer_says_how_it_decodes(tiny_asr, tmp_path):
    folder = speech_folder_with_lm(tiny_asr, tmp_path, SPOKEN, weight=0.3)
    config = json.loads((folder / "config.json").read_text())
    config["beam_size"] = 4
    (folder / "config.json").write_text(json.dumps(config))
    recognizer = Recognizer.from_folder(folder)
    assert recognizer.options.beam_size == 4
    assert recognizer.decoding_summary() == "beam 4 with its language model (weight 0.3)"
    assert Recognizer.from_folder(tiny_asr.folder).decoding_summary() == "greedy search"
    (folder / "config.json").write_text(json.dumps(dict(config, beam_threshold=8.0)))
    recognizer = Recognizer.from_folder(folder)
    assert recognizer.options.beam_threshold == 8.0
    assert recognizer.decoding_summary() == "beam 4 (threshold 8) with its language model (weight 0.3)"
    (folder / "config.json").write_text(json.dumps(dict(config, beam_threshold=-1)))
    with pytest.raises(ConfigError, match="beam_threshold: the beam threshold must be positive"):
        Recognizer.from_folder(folder)
    (folder / "config.json").write_text(json.dumps(dict(config, beam_threshold=8.0, length_penalty=0.7)))
    recognizer = Recognizer.from_folder(folder)
    assert recognizer.options.length_penalty == 0.7
    assert recognizer.decoding_summary() == (
        "beam 4 (threshold 8, length penalty 0.7) with its language model (weight 0.3)"
    )
    (folder / "config.json").write_text(json.dumps(dict(config, length_penalty=-1)))
    with pytest.raises(ConfigError, match="length_penalty: the length penalty must be zero or positive"):
        Recognizer.from_folder(folder)
