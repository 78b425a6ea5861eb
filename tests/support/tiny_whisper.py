"""A random-weight Whisper model folder, as `attend models install` writes one, small enough for any test:
a byte-level BPE tokenizer.json with Whisper's special tokens, config.json, model.safetensors and a card.
The folder goes through every path a converted checkpoint does (CLI, evaluation, the Dictate tab) without the
70 MB download; what it writes is noise, but it is decoded by the same code."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from tokenizers.trainers import BpeTrainer

from desktop_app.seq2seq.model_folder import FolderConfig, unique_state_dict, write_folder_config
from desktop_app.seq2seq.whisper import WhisperConfig, WhisperModel

SPECIALS = [
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|en|>",
    "<|de|>",
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|notimestamps|>",
]
TEXT = ["the white cliffs of dover", "please call stella", "guten morgen"]


def make_tiny_whisper(folder: Path, multilingual: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(TEXT, trainer)
    tokenizer.add_special_tokens(SPECIALS)
    tokenizer.save(str(folder / "tokenizer.json"))
    ids = {name: tokenizer.token_to_id(name) for name in SPECIALS}
    config = WhisperConfig(
        tgt_vocab_size=ids["<|notimestamps|>"] + 1 + 1501,
        eot_id=ids["<|endoftext|>"],
        sot_id=ids["<|startoftranscript|>"],
        transcribe_id=ids["<|transcribe|>"],
        translate_id=ids["<|translate|>"],
        no_speech_id=ids["<|nocaptions|>"],
        no_timestamps_id=ids["<|notimestamps|>"],
        timestamp_begin_id=ids["<|notimestamps|>"] + 1,
        d_model=32,
        heads=2,
        encoder_layers=1,
        decoder_layers=2,
        ff_size=64,
        max_positions=64,
        language_ids={"en": ids["<|en|>"], "de": ids["<|de|>"]} if multilingual else {},
        alignment_heads=[[1, 0], [1, 1]],
        suppress_ids=[ids["<|startoflm|>"]],
        suppress_at_begin=[ids["<|endoftext|>"]],
    )
    torch.manual_seed(0)
    model = WhisperModel(config)
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in unique_state_dict(model).items()}
    save_file(tensors, str(folder / "model.safetensors"), metadata={"architecture": "whisper"})
    folder_config = FolderConfig(
        architecture="whisper",
        model=dataclasses.asdict(config),
        task="speech",
        source_language="multilingual" if multilingual else "en",
        source_tokenizer="",
        target_tokenizer="tokenizer.json",
        weights_dtype="float16",
    )
    write_folder_config(folder, folder_config)
    (folder / "README.md").write_text("# tiny-whisper\n\nRandom weights, for tests.\n")
    return folder
