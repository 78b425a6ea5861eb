"""A Whisper checkpoint in CTranslate2's model.bin -> an ordinary Attend model folder.

The folder holds config.json (architecture "whisper", its special tokens and alignment heads),
model.safetensors (float16, our parameter names), the checkpoint's tokenizer.json and a card.
Conversion only renames and splits arrays: CTranslate2 fuses each self-attention's query, key and
value into one matrix (3d x d; the key's bias is zero, as Whisper has none) and the cross-attention's
key and value into another (2d x d). The encoder's sinusoidal table is not stored: it is checked
against the formula the model computes it with.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer as HFTokenizer

from desktop_app.seq2seq.model_folder import (
    CARD_FILE,
    WEIGHTS_FILE,
    FolderConfig,
    unique_state_dict,
    write_folder_config,
)
from desktop_app.seq2seq.whisper import WhisperConfig, WhisperModel, whisper_sinusoids

from .ct2_format import Ct2Checkpoint, read_model_bin
from .sources import FetchedCheckpoint

TOKENIZER_FILE = "tokenizer.json"
TIMESTAMPS = 1501  # <|0.00|> .. <|30.00|>
MULTILINGUAL_VOCAB = 51865
# CTranslate2's flags for the network Whisper is: GELU (code 3), pre-norm, unscaled embeddings, no ALiBi
EXPECTED_FLAGS = {"decoder/activation": 3, "decoder/pre_norm": 1, "decoder/scale_embeddings": 0, "decoder/alibi": 0}


class ConversionError(ValueError):
    """A checkpoint that is not the Whisper this code knows how to run."""


def convert_files(
    model_bin: Path,
    tokenizer_json: Path,
    checkpoint_config: Path,
    folder: Path,
    card: Callable[[FolderConfig, WhisperModel], str],
    progress: Callable[[str, float | None], None] | None = None,
    metrics: dict | None = None,
) -> Path:
    """Write the model folder (which must not hold another model) and return it."""
    say = progress or (lambda message, fraction: None)
    say("reading the checkpoint", None)
    checkpoint = read_model_bin(model_bin)
    if checkpoint.spec != "WhisperSpec":
        raise ConversionError(f"{model_bin} holds a {checkpoint.spec}, not a Whisper model")
    _check_flags(checkpoint)
    tokenizer = HFTokenizer.from_file(str(tokenizer_json))
    extras = json.loads(Path(checkpoint_config).read_text())
    config = whisper_config(checkpoint, tokenizer, extras)
    say("converting the weights", None)
    model = WhisperModel(config)
    load_checkpoint(model, checkpoint)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in unique_state_dict(model).items()}
    save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"architecture": "whisper"})
    (folder / TOKENIZER_FILE).write_bytes(Path(tokenizer_json).read_bytes())
    english_only = not config.language_ids
    folder_config = FolderConfig(
        architecture="whisper",
        model=dataclasses.asdict(config),
        task="speech",
        source_language="en" if english_only else "multilingual",
        target_language="",
        source_tokenizer="",
        target_tokenizer=TOKENIZER_FILE,
        weights_dtype="float16",
        beam_size=1,
        metrics=metrics or {},
    )
    write_folder_config(folder, folder_config)
    (folder / WEIGHTS_FILE).chmod(0o644)  # safetensors writes it private
    (folder / CARD_FILE).write_text(card(folder_config, model))
    say("converted", 1.0)
    return folder


def _check_flags(checkpoint: Ct2Checkpoint) -> None:
    for name, expected in EXPECTED_FLAGS.items():
        if name in checkpoint and int(checkpoint.resolve(name)) != expected:
            raise ConversionError(
                f"the checkpoint's {name} is {int(checkpoint.resolve(name))}, not {expected}: "
                "not the Whisper network this version runs"
            )


def whisper_config(checkpoint: Ct2Checkpoint, tokenizer: HFTokenizer, extras: dict) -> WhisperConfig:
    """The architecture's settings from the arrays' shapes, the tokenizer's special tokens and the
    checkpoint's config.json (alignment heads, suppressed tokens)."""
    v = checkpoint.variables
    vocab, d_model = checkpoint.resolve("decoder/embeddings/weight").shape

    def token(*names: str) -> int:
        for name in names:
            if tokenizer.token_to_id(name) is not None:
                return tokenizer.token_to_id(name)
        raise ConversionError(f"the tokenizer has no {' or '.join(names)}")

    sot, translate = token("<|startoftranscript|>"), token("<|translate|>")
    no_timestamps = token("<|notimestamps|>")
    if vocab - (no_timestamps + 1) != TIMESTAMPS:
        raise ConversionError(
            f"expected {TIMESTAMPS} timestamp tokens after <|notimestamps|>, the model has {vocab - no_timestamps - 1}"
        )
    languages = {tokenizer.id_to_token(i)[2:-2]: i for i in range(sot + 1, translate)}
    # the .en models' vocabularies list the language tokens too, but they were never trained on them; their
    # output layer is one token smaller (openai/whisper tells them apart the same way)
    english_only = vocab < MULTILINGUAL_VOCAB
    return WhisperConfig(
        tgt_vocab_size=int(vocab),
        eot_id=token("<|endoftext|>"),
        sot_id=sot,
        transcribe_id=token("<|transcribe|>"),
        translate_id=translate,
        no_speech_id=token("<|nospeech|>", "<|nocaptions|>"),
        no_timestamps_id=no_timestamps,
        timestamp_begin_id=no_timestamps + 1,
        n_mels=int(v["encoder/conv1/weight"].shape[1]),
        d_model=int(d_model),
        heads=int(checkpoint.resolve("encoder/num_heads")),
        encoder_layers=_count_layers(v, "encoder"),
        decoder_layers=_count_layers(v, "decoder"),
        ff_size=int(v["encoder/layer_0/ffn/linear_0/weight"].shape[0]),
        audio_positions=int(v["encoder/position_encodings/encodings"].shape[0]),
        max_positions=int(v["decoder/position_encodings/encodings"].shape[0]),
        language_ids={} if english_only else languages,
        alignment_heads=[[int(a), int(b)] for a, b in extras.get("alignment_heads", [])],
        suppress_ids=[int(i) for i in extras.get("suppress_ids", [])],
        suppress_at_begin=[int(i) for i in extras.get("suppress_ids_begin", [])],
    )


def _count_layers(variables: dict[str, np.ndarray], side: str) -> int:
    count = 0
    while f"{side}/layer_{count}/ffn/linear_0/weight" in variables:
        count += 1
    if not count:
        raise ConversionError(f"the checkpoint has no {side} layers")
    return count


def checkpoint_tensors(model: WhisperModel, checkpoint: Ct2Checkpoint) -> dict[str, np.ndarray]:
    """Our parameter name -> the checkpoint's array for it (split where CTranslate2 fused)."""
    get = checkpoint.resolve
    out: dict[str, np.ndarray] = {}

    def linear(ours: str, theirs: str) -> None:
        out[f"{ours}.weight"], out[f"{ours}.bias"] = get(f"{theirs}/weight"), get(f"{theirs}/bias")

    def norm(ours: str, theirs: str) -> None:
        out[f"{ours}.weight"], out[f"{ours}.bias"] = get(f"{theirs}/gamma"), get(f"{theirs}/beta")

    def split(ours: list[str], theirs: str) -> None:
        weights = np.split(get(f"{theirs}/weight"), len(ours))
        biases = np.split(get(f"{theirs}/bias"), len(ours))
        for name, weight, bias in zip(ours, weights, biases, strict=True):
            out[f"{name}.weight"], out[f"{name}.bias"] = weight, bias

    for side, layers in (("encoder", model.encoder_layers), ("decoder", model.decoder_layers)):
        for i in range(len(layers)):
            ours, theirs = f"{side}_layers.{i}", f"{side}/layer_{i}"
            norm(f"{ours}.self_norm", f"{theirs}/self_attention/layer_norm")
            qkv = [f"{ours}.self_attention.{p}" for p in ("query", "key", "value")]
            split(qkv, f"{theirs}/self_attention/linear_0")
            linear(f"{ours}.self_attention.out", f"{theirs}/self_attention/linear_1")
            norm(f"{ours}.ff_norm", f"{theirs}/ffn/layer_norm")
            linear(f"{ours}.feed_forward.0", f"{theirs}/ffn/linear_0")
            linear(f"{ours}.feed_forward.2", f"{theirs}/ffn/linear_1")
            if side == "decoder":
                norm(f"{ours}.cross_norm", f"{theirs}/attention/layer_norm")
                linear(f"{ours}.cross_attention.query", f"{theirs}/attention/linear_0")
                split([f"{ours}.cross_attention.{p}" for p in ("key", "value")], f"{theirs}/attention/linear_1")
                linear(f"{ours}.cross_attention.out", f"{theirs}/attention/linear_2")
    linear("conv1", "encoder/conv1")
    linear("conv2", "encoder/conv2")
    norm("encoder_norm", "encoder/layer_norm")
    norm("decoder_norm", "decoder/layer_norm")
    out["token_embedding.weight"] = get("decoder/embeddings/weight")
    out["text_positions"] = get("decoder/position_encodings/encodings")
    return out


def load_checkpoint(model: WhisperModel, checkpoint: Ct2Checkpoint) -> None:
    """Copy the checkpoint into `model`, refusing any parameter left out or of the wrong shape."""
    tensors = checkpoint_tensors(model, checkpoint)
    params = unique_state_dict(model)
    missing, unknown = sorted(set(params) - set(tensors)), sorted(set(tensors) - set(params))
    if missing or unknown:
        raise ConversionError(f"checkpoint and model differ: missing {missing[:5]}, unexpected {unknown[:5]}")
    with torch.no_grad():
        for name, array in tensors.items():
            if tuple(array.shape) != tuple(params[name].shape):
                raise ConversionError(f"{name}: the checkpoint has shape {array.shape}, the model {params[name].shape}")
            params[name].copy_(torch.from_numpy(np.asarray(array, dtype=np.float32)))
    table = checkpoint.resolve("encoder/position_encodings/encodings").astype(np.float32)
    difference = float(np.abs(table - whisper_sinusoids(*table.shape).numpy()).max())
    if difference > 2e-3:  # float16 rounding is at most ~5e-4 on values within [-1, 1]
        raise ConversionError(f"the encoder's position table differs from Whisper's sinusoids by {difference:.3g}")


def convert_whisper(
    checkpoint: FetchedCheckpoint,
    folder: Path,
    model_name: str,
    progress: Callable[[str, float | None], None] | None = None,
) -> None:
    """What `attend models install` calls: the fetched checkpoint -> `folder`, with its card."""
    from .whisper_card import measured_metrics, whisper_card  # the catalog's; conversion alone needs neither

    convert_files(
        checkpoint.model_bin,
        checkpoint.tokenizer_json,
        checkpoint.config_json,
        folder,
        lambda config, model: whisper_card(checkpoint.entry, config, model),
        progress,
        measured_metrics(model_name),
    )
