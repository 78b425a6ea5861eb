"""train-mt: config checking, a full tiny run with export, resuming, and two-process DDP."""

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from desktop_app.cli import main
from desktop_app.seq2seq import Translator
from desktop_app.training.config import load_train_config
from desktop_app.training.data import token_batches

DATA = Path(__file__).parent / "data"
CONFIG = DATA / "tiny-train.yaml"


def _train(out, epochs):
    return main(
        ["train-mt", "--config", str(CONFIG), "--out", str(out), "--data-root", str(DATA), "--epochs", str(epochs)]
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "tiny"
    assert _train(out, 2) == 0
    return out


def test_run_exports_a_loadable_model_folder(tiny_run):
    config = json.loads((tiny_run / "model" / "config.json").read_text())
    assert config["training"]["epochs"] == 2
    assert config["metrics"]["dev"]["beam"] == 1
    assert len(config["training"]["history"]) == 2
    translator = Translator.from_folder(tiny_run / "model")
    translator.translate("I am hungry.")
    # the folder knows which source words training showed it (often enough), so an unseen name is kept
    assert config["source_words"] == "source_words.tsv" and config["name_unseen_below"] >= 1
    seen = Counter(re.findall(r"[^\W\d_][\w'’-]*", (DATA / "tiny.en").read_text()))
    often = {word: n for word, n in seen.items() if n >= config["name_unseen_below"]}  # none in 20 pairs
    assert translator.source_words.counts == often and translator.source_words.unseen("Zorblax")
    records = [json.loads(line) for line in (tiny_run / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2]
    assert {"train_nll", "lr", "dev_bleu", "dev_chrf"} <= set(records[0])


def test_rerunning_resumes_where_it_stopped(tiny_run, capsys):
    assert _train(tiny_run, 3) == 0
    out = capsys.readouterr().out
    assert "resumed from" in out and "epoch 3, batch 0" in out
    records = [json.loads(line) for line in (tiny_run / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2, 3]
    assert records[2]["step"] > records[1]["step"]


def test_a_learning_rate_override_trains_at_that_rate_and_is_recorded(tmp_path):
    out = tmp_path / "slow"
    assert (
        main(
            [
                "train-mt",
                "--config",
                str(CONFIG),
                "--out",
                str(out),
                "--data-root",
                str(DATA),
                "--epochs",
                "1",
                "--learning-rate",
                "0.00025",
            ]
        )
        == 0
    )
    record = json.loads((out / "log.jsonl").read_text().splitlines()[0])
    assert 0 < record["lr"] <= 0.00025
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["training"]["config"]["training"]["learning_rate"] == 0.00025
    assert config["training"]["command"].startswith("attend train-mt --config ")
    assert config["training"]["command"].endswith("--epochs 1 --learning-rate 0.00025")
    # exported while the run goes on (it was asked for 3 epochs, it has trained 1): the command says 1
    args = ["train-mt", "--config", str(CONFIG), "--out", str(out), "--data-root", str(DATA), "--epochs", "3"]
    assert main([*args, "--learning-rate", "0.00025", "--export-only"]) == 0
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["training"]["command"].endswith("--epochs 1 --learning-rate 0.00025")


def test_resuming_at_another_learning_rate_than_the_run_trained_at_warns(tmp_path, capsys):
    out = tmp_path / "slow"
    args = ["train-mt", "--config", str(CONFIG), "--out", str(out), "--data-root", str(DATA)]
    assert main([*args, "--epochs", "1", "--learning-rate", "0.00025"]) == 0
    assert main([*args, "--epochs", "2", "--learning-rate", "0.00025"]) == 0
    assert "warning" not in capsys.readouterr().out
    assert main([*args, "--epochs", "3"]) == 0  # the flag forgotten: the config's 0.005 again
    assert (
        "warning: this run trained at peak learning rate 0.00025 and goes on at 0.005; "
        "to keep the rate, resume with --learning-rate 0.00025"
    ) in capsys.readouterr().out


def test_a_learning_rate_of_zero_is_refused_before_training(tmp_path, capsys):
    assert (
        main(
            [
                "train-mt",
                "--config",
                str(CONFIG),
                "--out",
                str(tmp_path / "run"),
                "--data-root",
                str(DATA),
                "--learning-rate",
                "0",
            ]
        )
        == 2
    )
    assert "--learning-rate must be above 0, not 0.0" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_batches_respect_the_token_budget_and_are_reproducible():
    pairs = [([5] * n, [6] * (n + 2)) for n in range(1, 40)]
    batches = token_batches(pairs, max_tokens=120, seed=3)
    assert sorted(i for b in batches for i in b) == list(range(len(pairs)))
    for batch in batches:
        longest = max(max(len(pairs[i][0]), len(pairs[i][1])) + 1 for i in batch)
        assert len(batch) == 1 or longest * 2 * len(batch) <= 120
    assert batches == token_batches(pairs, max_tokens=120, seed=3)
    assert batches != token_batches(pairs, max_tokens=120, seed=4)


def test_config_typos_are_rejected(tmp_path):
    text = CONFIG.read_text().replace("warmup_steps", "warmup_stepz")
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(ValueError, match="warmup_stepz"):
        load_train_config(tmp_path / "bad.yaml")


def test_bundled_configs_parse():
    from desktop_app.seq2seq.architectures import make_config
    from desktop_app.training.asr_config import load_asr_config
    from desktop_app.training.lm_config import load_lm_config

    configs = Path(__file__).parents[1] / "configs"
    for path in (configs / "mt").glob("*.yaml"):
        config = load_train_config(path)
        make_config(config.architecture, dict(config.model_settings, src_vocab_size=8, tgt_vocab_size=8))
    for path in (configs / "asr").glob("*.yaml"):
        config = load_asr_config(path)
        make_config("las", dict(config.model_settings, tgt_vocab_size=8))
    for path in (configs / "lm").glob("*.yaml"):
        config = load_lm_config(path)
        make_config("lstm-lm", dict(config.model_settings, tgt_vocab_size=8))


def test_two_processes_end_with_identical_weights(tmp_path):
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        str(Path(__file__).parent / "ddp_worker.py"),
        str(CONFIG),
        str(tmp_path),
        str(DATA),
    ]
    env = {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).parents[1]), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    first, second = (load_file(str(tmp_path / f"rank-{r}.safetensors")) for r in (0, 1))
    assert first.keys() == second.keys()
    for name in first:
        torch.testing.assert_close(first[name], second[name], rtol=0, atol=0)
    initial = load_file(str(tmp_path / "initial-0.safetensors"))
    assert any(not torch.equal(initial[n], first[n]) for n in first)  # training really happened


def test_eval_mt_prints_sacrebleu_scores(tiny_folder, tmp_path, capsys):
    assert (
        main(
            [
                "eval-mt",
                "--model",
                str(tiny_folder.folder),
                "--src",
                str(DATA / "tiny.en"),
                "--ref",
                str(DATA / "tiny.de"),
                "--beam",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "BLEU = 100.00" in out and "nrefs:1|case:mixed|eff:no|tok:13a" in out
    assert "chrF = 100.00" in out and "sentences/s" in out


def test_eval_mt_reports_line_count_mismatch(tiny_folder, tmp_path, capsys):
    (tmp_path / "short.de").write_text("Hallo\n")
    assert (
        main(
            [
                "eval-mt",
                "--model",
                str(tiny_folder.folder),
                "--src",
                str(DATA / "tiny.en"),
                "--ref",
                str(tmp_path / "short.de"),
            ]
        )
        == 2
    )
    assert "has 20 lines but" in capsys.readouterr().err


def test_train_mt_runs_on_a_machine_without_audio_or_gui_libraries(tmp_path):
    """A GPU training box often has torch and the text stack only: train-mt must not need the rest."""
    blocked = ["librosa", "soundfile", "sounddevice", "jiwer", "num2words", "PySide6", "scipy"]
    code = (
        f"import sys\nfor name in {blocked!r}: sys.modules[name] = None\n"
        "from desktop_app.cli import main\n"
        f"raise SystemExit(main(['train-mt', '--config', {str(CONFIG)!r}, '--out', {str(tmp_path / 'run')!r}, "
        f"'--data-root', {str(DATA)!r}, '--epochs', '1']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "run" / "model" / "config.json").exists()


def test_a_repeated_corpus_is_seen_that_often_and_byte_fallback_keeps_unseen_characters(tmp_path):
    from desktop_app.training.mt_task import TranslationTask

    text = CONFIG.read_text().replace(
        "train: [{src: tiny.en, tgt: tiny.de}]", "train: [{src: tiny.en, tgt: tiny.de, repeat: 3}]"
    )
    text = text.replace(
        "tokenizer: {joint: true, vocab_size: 120}", "tokenizer: {joint: true, vocab_size: 380, byte_fallback: true}"
    )
    (tmp_path / "repeat.yaml").write_text(text)
    task = TranslationTask(load_train_config(tmp_path / "repeat.yaml"), str(DATA), log=lambda *_: None)
    task.prepare(tmp_path, True, lambda: None)
    pairs = len([line for line in (DATA / "tiny.en").read_text().splitlines() if line.strip()])
    assert len(task.pairs) == 3 * pairs
    name = "Ægir Þórsson 東京"  # characters the tiny corpus never holds: bytes, not <unk>, and back whole
    ids = task.source_tokenizer.encode(name)
    assert 1 not in ids and task.source_tokenizer.decode(ids) == name


def test_a_run_can_start_from_an_exported_translation_folder(tiny_run, tmp_path, capsys):
    """--init-from: the folder's tokenizer and weights, its epochs counted on (issue #42: carry a bundled model on
    to more data instead of training from scratch on 2 cores)."""
    earlier = tiny_run / "model"
    trained = json.loads((earlier / "config.json").read_text())["training"]
    run = tmp_path / "more"
    args = ["train-mt", "--config", str(CONFIG), "--out", str(run), "--data-root", str(DATA)]
    assert main([*args, "--epochs", str(trained["epochs"] + 1), "--init-from", str(earlier)]) == 0
    assert f"epoch {trained['epochs'] + 1} is next" in capsys.readouterr().out
    assert (run / "joint.model").read_bytes() == (earlier / "joint.model").read_bytes()
    training = json.loads((run / "model" / "config.json").read_text())["training"]
    assert training["started_from"]["folder"] == str(earlier)
    assert len(training["history"]) == trained["epochs"] + 1


def test_train_mt_refuses_to_start_from_a_speech_folder(tmp_path, capsys):
    speech = Path(__file__).parents[1] / "models" / "asr-en"
    args = ["train-mt", "--config", str(CONFIG), "--out", str(tmp_path / "run"), "--data-root", str(DATA)]
    assert main([*args, "--init-from", str(speech)]) == 2
    assert "not a translation model" in capsys.readouterr().err
