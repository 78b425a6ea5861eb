"""Two tiny translation models of the same direction (an RNN and a Transformer) in one models folder, for the
comparison tests. Made once per test session: the second module asking finds them saved."""

from __future__ import annotations

from pathlib import Path


def model_pair(tiny_tokenizers, tmp_path_factory) -> Path:
    """A folder holding en-de-rnn and en-de-transformer (both overfit on the 20 tiny pairs)."""
    from desktop_app.seq2seq import save_folder

    from ..conftest import train_tiny_model

    models = tmp_path_factory.getbasetemp() / "compare-models"
    tokenizer_dir = tiny_tokenizers[2]
    for architecture in ("rnn", "transformer"):
        folder = models / f"en-de-{architecture}"
        if not (folder / "config.json").exists():
            model, _ = train_tiny_model(architecture, tiny_tokenizers)
            save_folder(folder, model, tokenizer_dir / "source.model", tokenizer_dir / "target.model", "en", "de")
    return models
