"""Shared fixtures: tiny tokenizers and overfit tiny models of each architecture."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
torch.set_num_threads(1)  # tiny models: one thread avoids synchronisation overhead

DATA = Path(__file__).parent / "data"
SOURCES = (DATA / "tiny.en").read_text(encoding="utf-8").splitlines()
TARGETS = (DATA / "tiny.de").read_text(encoding="utf-8").splitlines()

TINY_CONFIGS = {
    "rnn": dict(
        embedding_size=32,
        hidden_size=64,
        encoder_layers=1,
        decoder_layers=1,
        cell="lstm",
        attention="bahdanau",
        dropout=0.0,
    ),
    "transformer": dict(
        d_model=32, heads=2, ff_size=64, encoder_layers=2, decoder_layers=2, dropout=0.0, max_positions=128
    ),
}


@dataclass
class TinySetup:
    folder: Path
    architecture: str


@pytest.fixture(scope="session")
def tiny_tokenizers(tmp_path_factory):
    from desktop_app.seq2seq import Tokenizer

    folder = tmp_path_factory.mktemp("tokenizers")
    source = Tokenizer.train(SOURCES, folder / "source.model", vocab_size=80)
    target = Tokenizer.train(TARGETS, folder / "target.model", vocab_size=80)
    return source, target, folder


def train_tiny_model(architecture: str, tokenizers, steps: int = 250, seed: int = 0):
    from desktop_app.seq2seq.architectures import build_model
    from desktop_app.seq2seq.batch import make_batch
    from desktop_app.seq2seq.training import train_step

    source, target, _ = tokenizers
    torch.manual_seed(seed)
    model = build_model(
        architecture,
        dict(TINY_CONFIGS[architecture], src_vocab_size=source.vocab_size, tgt_vocab_size=target.vocab_size),
    )
    batch = make_batch([(source.encode(s), target.encode(t)) for s, t in zip(SOURCES, TARGETS, strict=True)])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        before = {name: value.clone() for name, value in model.state_dict().items()}
        loss = train_step(model, batch, optimizer)  # the loss of the weights before this update
        if loss < 0.005:
            model.load_state_dict(before)  # keep the weights that scored it, not the overshoot after
            break
    return model.eval(), loss


@pytest.fixture(scope="session", params=["rnn", "transformer"])
def tiny_folder(request, tiny_tokenizers, tmp_path_factory) -> TinySetup:
    """A saved model folder per architecture, overfit on the 20 tiny pairs."""
    from desktop_app.seq2seq import save_folder

    model, _ = train_tiny_model(request.param, tiny_tokenizers)
    folder = tmp_path_factory.mktemp(f"model-{request.param}") / f"en-de-{request.param}"
    tokenizer_dir = tiny_tokenizers[2]
    save_folder(folder, model, tokenizer_dir / "source.model", tokenizer_dir / "target.model", "en", "de")
    return TinySetup(folder, request.param)


SPOKEN = ["open the door", "turn on the light", "what time is it", "call my sister"]
TINY_LAS = dict(
    conv_channels=8,
    encoder_hidden=48,
    encoder_layers=2,
    embedding_size=24,
    decoder_hidden=64,
    attention_size=32,
    location_channels=4,
    location_kernel=7,
    dropout=0.0,
)


def speak(text: str, path: Path, voice: str = "en-us", rate: int = 160) -> Path:
    """Synthesize `text` to a wav file with espeak-ng."""
    import subprocess

    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(path), text], check=True)
    return path


@dataclass
class TinySpeech:
    folder: Path  # a speech model folder overfit on SPOKEN
    wavs: list[Path]  # SPOKEN, synthesized


@pytest.fixture(scope="session")
def tiny_asr(tmp_path_factory) -> TinySpeech:
    import torch.nn.functional as F

    from desktop_app.seq2seq import Tokenizer, save_folder
    from desktop_app.seq2seq.architectures import build_model
    from desktop_app.seq2seq.loss import label_smoothed_nll
    from desktop_app.speech.features import FeatureNormalizer, load_audio, log_mel
    from desktop_app.training.asr_task import ctc_targets, speech_batch

    work = tmp_path_factory.mktemp("speech")
    wavs = [speak(text, work / f"{i}.wav") for i, text in enumerate(SPOKEN)]
    audios = [load_audio(w) for w in wavs]
    features = [log_mel(a) for a in audios]
    # Also learn each utterance with the silence a streaming segment carries around it.
    padded = [log_mel(np.concatenate([np.zeros(4800, np.float32), a, np.zeros(11200, np.float32)])) for a in audios]
    normalizer = FeatureNormalizer.fit(features)
    normalizer.save(work / "features.json")
    tokenizer = Tokenizer.train(SPOKEN, work / "units.model", vocab_size=30)
    torch.manual_seed(0)
    model = build_model("las", dict(TINY_LAS, tgt_vocab_size=tokenizer.vocab_size))
    optimizer = torch.optim.Adam(model.parameters(), 3e-3)
    batch = speech_batch([normalizer(f) for f in features + padded], [tokenizer.encode(t) for t in SPOKEN * 2])
    for step in range(1000):
        model.train()
        optimizer.zero_grad()
        logits, _, ctc_log_probs, lengths = model(batch.src, batch.src_mask, batch.tgt_in, with_ctc=True)
        loss, _ = label_smoothed_nll(logits, batch.tgt_out)
        targets, target_lengths = ctc_targets(batch.tgt_out)
        ctc = F.ctc_loss(
            ctc_log_probs.transpose(0, 1),
            targets,
            lengths,
            target_lengths,
            blank=0,
            reduction="sum",
            zero_infinity=True,
        )
        # CTC's larger share: it spells the double letters of "door" only once a blank separates them
        ((0.3 * loss + 0.7 * ctc) / batch.target_tokens).backward()
        optimizer.step()
        if step % 25 == 24 and _learned(model, [normalizer(f) for f in features + padded], tokenizer):
            break
    folder = save_folder(
        work / "asr-tiny",
        model.eval(),
        None,
        work / "units.model",
        "en",
        "",
        task="speech",
        feature_stats_file=work / "features.json",
    )
    return TinySpeech(folder, wavs)


def _learned(model, features: list, tokenizer) -> bool:
    """Every utterance right by attention decoding and by CTC, in float32 and in int8 (the tests
    transcribe in both precisions)."""
    from desktop_app.seq2seq.quantize import model_for_inference
    from desktop_app.speech.recognizer import decode_features

    model.eval()
    expected = SPOKEN * (len(features) // len(SPOKEN))

    def right(m) -> bool:
        return [decode_features(m, f, tokenizer) for f in features] == expected and [
            _ctc_text(m, f, tokenizer) for f in features
        ] == expected

    return right(model) and right(model_for_inference(model, "int8", False))  # quantise only once float32 is right


def _ctc_text(model, features, tokenizer) -> str:
    with torch.inference_mode():
        src = torch.as_tensor(features).unsqueeze(0)
        memory = model.encode(src, torch.ones(src.shape[:2], dtype=torch.bool))
        best = model.ctc_log_probs(memory)[0].argmax(-1).tolist()
    return tokenizer.decode([t for i, t in enumerate(best) if t and (i == 0 or t != best[i - 1])])


@pytest.fixture
def recorder():
    """Receives worker signals on the GUI thread (a QObject's slots), so they arrive queued and in order."""
    from PySide6.QtCore import QObject, Slot

    class Recorder(QObject):
        def __init__(self):
            super().__init__()
            self.events: list[str] = []
            self.tokens: list[str] = []
            self.levels = 0

        @Slot(int, float)
        def level(self, job, db):
            self.levels += 1

        @Slot(int, int, str, str)
        def partial(self, job, segment, text, stable):
            self.events.append("partial")

        @Slot(int, object)
        def final(self, job, result):
            self.events.append("final")

        @Slot(int, int, str, str, object, object)
        def token(self, job, sentence, piece, model_piece, row, heads):
            self.tokens.append(piece)

    return Recorder()


def open_window(qtbot, tmp_path: Path, model_folder: Path, name: str):
    """A shown main window with its own settings file, listing a copy of one model folder as `name`."""
    import shutil

    from PySide6.QtCore import QSettings

    from desktop_app.gui.main_window import MainWindow
    from desktop_app.gui.settings import Settings

    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(model_folder, models / name)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, model_roots=[models])
    qtbot.addWidget(window)
    window.show()
    return window
