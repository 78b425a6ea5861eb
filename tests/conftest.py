"""Shared fixtures: tiny tokenizers and overfit tiny models of each architecture."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
torch.set_num_threads(2)

DATA = Path(__file__).parent / "data"
SOURCES = (DATA / "tiny.en").read_text(encoding="utf-8").splitlines()
TARGETS = (DATA / "tiny.de").read_text(encoding="utf-8").splitlines()

TINY_CONFIGS = {
    "rnn": dict(embedding_size=32, hidden_size=64, encoder_layers=1, decoder_layers=1,
                cell="lstm", attention="bahdanau", dropout=0.0),
    "transformer": dict(d_model=32, heads=2, ff_size=64, encoder_layers=2, decoder_layers=2,
                        dropout=0.0, max_positions=128),
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
    model = build_model(architecture, dict(
        TINY_CONFIGS[architecture], src_vocab_size=source.vocab_size, tgt_vocab_size=target.vocab_size))
    batch = make_batch([(source.encode(s), target.encode(t)) for s, t in zip(SOURCES, TARGETS, strict=True)])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = train_step(model, batch, optimizer)
        if loss < 0.005:
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
