"""Whisper (Radford et al., 2022) as one more encoder-decoder of this library.

A convolutional front end (two 3-wide convolutions, the second with stride 2, GELU) over 80 log-mel
bins, then a pre-norm Transformer encoder and decoder with GELU feed-forward blocks: the layers of
transformer.py, so that every cross-attention weight reaches the heatmaps and decoding caches keys
and values as for our own Transformers. Differences from TransformerSeq2Seq: no embedding scale,
learned decoder positions, a fixed sinusoidal table on the encoder, the output tied to the token
embedding. Weights come from published checkpoints (desktop_app/installing/whisper_convert.py).

Shapes:
    src:       (batch, frames, n_mels) log-mel features (speech/whisper_features.py), at most
               2 * audio_positions frames (30 s); the recognizer pads audio to 30 s as Whisper was trained
    memory:    (batch, ceil(frames / 2), d_model)
    attention: (batch, encoder frames), the mean of the alignment heads (the heads openai/whisper lists as
               following the speech in time); attention_heads has every layer and head
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .interface import StepOutput
from .transformer import (
    DecoderKernels,
    DecoderLayer,
    EncoderLayer,
    TransformerMemory,
    TransformerState,
    _norm_function,
    decoder_step,
)


@dataclass
class WhisperConfig:
    tgt_vocab_size: int  # tokens the output layer scores: the tokenizer's, then the timestamp tokens
    # special tokens, by id in the model's tokenizer (read from it at conversion)
    eot_id: int  # <|endoftext|>: the end of the output
    sot_id: int  # <|startoftranscript|>
    transcribe_id: int
    translate_id: int
    no_speech_id: int  # <|nospeech|> (<|nocaptions|> in older vocabularies)
    no_timestamps_id: int
    timestamp_begin_id: int  # <|0.00|>; one token per 0.02 s after it
    n_mels: int = 80
    d_model: int = 384
    heads: int = 6
    encoder_layers: int = 4
    decoder_layers: int = 4
    ff_size: int = 1536
    audio_positions: int = 1500  # encoder frames of 30 s of audio
    max_positions: int = 448  # decoder positions, start tokens included
    # language code -> its token (empty for an English-only model, which is told no language)
    language_ids: dict[str, int] = field(default_factory=dict)
    alignment_heads: list = field(default_factory=list)  # [layer, head] pairs whose attention follows the audio
    suppress_ids: list = field(default_factory=list)  # tokens never produced (symbols, speaker marks)
    suppress_at_begin: list = field(default_factory=list)  # tokens never first (a blank, <|endoftext|>)
    activation: str = "gelu"
    dropout: float = 0.0
    attention_dropout: float = 0.0

    def validate(self) -> None:
        if self.d_model % self.heads:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by heads ({self.heads})")
        for pair in self.alignment_heads:
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and 0 <= pair[0] < self.decoder_layers
                and 0 <= pair[1] < self.heads
            ):
                raise ValueError(f"alignment head {pair!r} is not a [layer, head] pair of this model")
        ids = [
            self.eot_id,
            self.sot_id,
            self.transcribe_id,
            self.translate_id,
            self.no_speech_id,
            self.no_timestamps_id,
            self.timestamp_begin_id,
            *self.language_ids.values(),
            *self.suppress_ids,
            *self.suppress_at_begin,
        ]
        if any(not isinstance(i, int) or not 0 <= i < self.tgt_vocab_size for i in ids):
            raise ValueError(f"a special token id lies outside the vocabulary of {self.tgt_vocab_size}")

    @property
    def seconds_per_timestamp(self) -> float:
        return 0.02


def whisper_sinusoids(length: int, channels: int) -> torch.Tensor:
    """(length, channels): Whisper's encoder positions, sines in the first half, cosines in the second."""
    increment = math.log(10000) / (channels // 2 - 1)
    rates = torch.exp(-increment * torch.arange(channels // 2, dtype=torch.float32))
    angles = torch.arange(length, dtype=torch.float32)[:, None] * rates[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class WhisperModel(nn.Module):
    architecture = "whisper"

    def __init__(self, config: WhisperConfig):
        super().__init__()
        config.validate()
        self.config = config
        d = config.d_model
        self.conv1 = nn.Conv1d(config.n_mels, d, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(d, d, kernel_size=3, stride=2, padding=1)
        self.register_buffer("audio_positions", whisper_sinusoids(config.audio_positions, d), persistent=False)
        self.encoder_layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.encoder_layers))
        self.encoder_norm = nn.LayerNorm(d)
        self.token_embedding = nn.Embedding(config.tgt_vocab_size, d)
        self.text_positions = nn.Parameter(torch.zeros(config.max_positions, d))
        self.decoder_layers = nn.ModuleList(DecoderLayer(config) for _ in range(config.decoder_layers))
        self.decoder_norm = nn.LayerNorm(d)
        self._step_kernels: DecoderKernels | None = None
        self._alignment = _head_mask(config)  # (layers, heads) bool
        nn.init.normal_(self.token_embedding.weight, std=d**-0.5)
        nn.init.normal_(self.text_positions, std=0.01)

    @property
    def eos_id(self) -> int:
        return self.config.eot_id

    # -- the Seq2SeqModel contract -------------------------------------------------
    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> TransformerMemory:
        """src (batch, frames, n_mels); every frame is real (the recognizer pads with Whisper's own silence)."""
        x = F.gelu(self.conv1(src.transpose(1, 2)))
        x = F.gelu(self.conv2(x)).transpose(1, 2)  # batch x ceil(frames / 2) x d_model
        if x.size(1) > self.config.audio_positions:
            raise ValueError(
                f"{src.size(1)} frames are more than the {2 * self.config.audio_positions} "
                "(30 s) the model can take at once"
            )
        x = x + self.audio_positions[: x.size(1)].to(x.dtype)
        for layer in self.encoder_layers:
            x = layer(x, None)
        memory = self.encoder_norm(x)
        cross = [layer.cross_attention.keys_values(memory) for layer in self.decoder_layers]
        mask = torch.ones(memory.shape[:2], dtype=torch.bool, device=memory.device)
        return TransformerMemory([k for k, _ in cross], [v for _, v in cross], mask, None)

    def fuse_for_inference(self) -> None:
        for layer in [*self.encoder_layers, *self.decoder_layers]:
            layer.self_attention.fuse_projections()

    def cache_step_kernels(self) -> None:
        self._step_kernels = self._make_step_kernels()

    def _make_step_kernels(self) -> DecoderKernels:
        weight = self.token_embedding.weight  # the output layer is the embedding, transposed
        return DecoderKernels(
            [layer.step_kernels() for layer in self.decoder_layers],
            _norm_function(self.decoder_norm),
            lambda x: F.linear(x, weight),
        )

    def initial_state(self, memory: TransformerMemory) -> TransformerState:
        batch = memory.mask.size(0)
        c = self.config
        empty = memory.cross_keys[0].new_zeros(batch, c.heads, 0, c.d_model // c.heads)
        return TransformerState([empty] * c.decoder_layers, [empty] * c.decoder_layers, 0)

    def _embed(self, tokens: torch.Tensor, start: int) -> torch.Tensor:
        """tokens (batch, len) -> (batch, len, d_model) with positions start.. added."""
        if start + tokens.size(1) > self.config.max_positions:
            raise ValueError(
                f"{start + tokens.size(1)} tokens exceed the model's {self.config.max_positions} positions"
            )
        return self.token_embedding(tokens) + self.text_positions[start : start + tokens.size(1)]

    def step(self, prev_tokens: torch.Tensor, memory: TransformerMemory, state: TransformerState) -> StepOutput:
        x = self._embed(prev_tokens.unsqueeze(1), state.position)  # batch x 1 x d_model
        kernels = self._step_kernels or self._make_step_kernels()
        new_keys, new_values, all_weights = [], [], []
        for i, layer_kernels in enumerate(kernels.layers):
            x, weights, (keys, values) = decoder_step(
                layer_kernels,
                x,
                (state.self_keys[i], state.self_values[i]),
                (memory.cross_keys[i], memory.cross_values[i]),
                memory.attend_mask,
            )
            new_keys.append(keys)
            new_values.append(values)
            all_weights.append(weights)  # batch x heads x 1 x frames
        logits = kernels.output(kernels.final_norm(x[:, 0]))  # batch x vocab
        heads = torch.cat(all_weights, dim=2).transpose(1, 2)  # batch x layers x heads x frames
        return StepOutput(
            torch.log_softmax(logits.float(), dim=-1),
            self._aligned(heads),
            heads,
            TransformerState(new_keys, new_values, state.position + 1),
        )

    def _aligned(self, heads: torch.Tensor) -> torch.Tensor:
        """(batch, layers, heads, frames) -> (batch, frames): the mean of the alignment heads."""
        return heads[:, self._alignment.to(heads.device)].mean(dim=1)

    def forward(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing: tgt_in (batch, len) starting with the start tokens -> logits (batch, len, vocab),
        attention (batch, len, frames) of the alignment heads."""
        logits, heads = self._teacher_forced(self.encode(src, src_mask), tgt_in)
        return logits, heads[:, self._alignment.to(heads.device)].mean(dim=1)

    def _teacher_forced(self, memory: TransformerMemory, tgt_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> logits (batch, len, vocab), cross-attention (batch, layers, heads, len, frames)."""
        length = tgt_in.size(1)
        causal = torch.ones(length, length, dtype=torch.bool, device=tgt_in.device).tril()[None, None]
        x = self._embed(tgt_in, 0)
        layer_weights = []
        for i, layer in enumerate(self.decoder_layers):
            x, weights = layer(x, causal, (memory.cross_keys[i], memory.cross_values[i]), None)
            layer_weights.append(weights)  # batch x heads x len x frames
        logits = F.linear(self.decoder_norm(x), self.token_embedding.weight)
        return logits, torch.stack(layer_weights, dim=1)

    def alignment_weights(self, memory: TransformerMemory, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing over an encoded window (`encode`'s memory, reused from decoding), each alignment
        head kept apart (for word timing by DTW): tgt_in (batch, len) -> (batch, alignment heads, len,
        encoder frames), each row a softmax over all the encoder frames."""
        heads = self._teacher_forced(memory, tgt_in)[1]  # batch x layers x heads x len x frames
        return heads[:, self._alignment.to(heads.device)]


def _head_mask(config: WhisperConfig) -> torch.Tensor:
    """(layers, heads) bool: the alignment heads, or the last layer's heads when none are listed."""
    mask = torch.zeros(config.decoder_layers, config.heads, dtype=torch.bool)
    for layer, head in config.alignment_heads:
        mask[layer, head] = True
    if not config.alignment_heads:
        mask[-1] = True
    return mask
