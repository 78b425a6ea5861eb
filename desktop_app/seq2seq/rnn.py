"""Recurrent encoder-decoder with attention and input feeding.

The encoder is a bidirectional LSTM or GRU whose two directions each have
hidden_size / 2 units, so encoder outputs and decoder states share one size.
The decoder follows Luong et al. (2015): its input is the previous token's
embedding joined with the previous attentional vector ("input feeding");
the attention scoring function (Bahdanau additive, Luong dot or general)
is chosen in the config.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .attention import ATTENTION_TYPES, make_attention
from .interface import Selectable, StepOutput
from .padded_rnn import final_states, run_rnn
from .rnn_step import rnn_step
from .tokenizer import PAD_ID


@dataclass
class RNNConfig:
    src_vocab_size: int
    tgt_vocab_size: int
    embedding_size: int = 256  # token embedding width (source and target)
    hidden_size: int = 512  # decoder state; each encoder direction has half of it
    encoder_layers: int = 2
    decoder_layers: int = 1
    cell: str = "lstm"  # "lstm" or "gru"
    attention: str = "luong_general"  # "bahdanau", "luong_dot" or "luong_general"
    dropout: float = 0.2
    tie_output_embeddings: bool = False  # output layer reuses the target embedding matrix
    share_embeddings: bool = False  # one embedding for both sides (needs a joint vocabulary)

    def validate(self) -> None:
        if self.cell not in ("lstm", "gru"):
            raise ValueError(f"cell must be 'lstm' or 'gru', got {self.cell!r}")
        if self.attention not in ATTENTION_TYPES:
            raise ValueError(f"attention must be one of {ATTENTION_TYPES}, got {self.attention!r}")
        if self.hidden_size % 2:
            raise ValueError(f"hidden_size must be even (two encoder directions), got {self.hidden_size}")
        if self.share_embeddings and self.src_vocab_size != self.tgt_vocab_size:
            raise ValueError("share_embeddings needs equal source and target vocabulary sizes")


@dataclass
class RNNMemory(Selectable):
    outputs: torch.Tensor  # batch x src_len x hidden
    projected_keys: torch.Tensor  # batch x src_len x *
    mask: torch.Tensor  # batch x src_len
    final: torch.Tensor  # batch x hidden, bridged final encoder state


@dataclass
class RNNState(Selectable):
    hidden: torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # layers x batch x hidden (h, c for LSTM)
    attentional: torch.Tensor  # batch x hidden, the previous attentional vector
    batch_dims = {"hidden": 1}


def _rnn_class(cell: str) -> type[nn.RNNBase]:
    return nn.LSTM if cell == "lstm" else nn.GRU


class RNNEncoder(nn.Module):
    def __init__(self, config: RNNConfig, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding
        self.dropout = nn.Dropout(config.dropout)
        self.rnn = _rnn_class(config.cell)(
            config.embedding_size,
            config.hidden_size // 2,
            num_layers=config.encoder_layers,
            batch_first=True,
            bidirectional=True,
            dropout=config.dropout if config.encoder_layers > 1 else 0.0,
        )

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """src (batch, src_len) -> outputs (batch, src_len, hidden), final (batch, hidden)."""
        lengths = src_mask.sum(dim=1).clamp(min=1)
        embedded = self.dropout(self.embedding(src))  # batch x src_len x emb
        outputs = run_rnn(self.rnn, embedded, lengths)  # batch x src_len x hidden, zero past each length
        final = final_states(outputs, lengths)  # batch x hidden (fwd; bwd of top layer)
        return self.dropout(outputs), final


class RNNSeq2Seq(nn.Module):
    architecture = "rnn"

    def __init__(self, config: RNNConfig):
        super().__init__()
        config.validate()
        self.config = config
        hidden = config.hidden_size
        self.src_embedding = nn.Embedding(config.src_vocab_size, config.embedding_size, padding_idx=PAD_ID)
        self.tgt_embedding = (
            self.src_embedding
            if config.share_embeddings
            else nn.Embedding(config.tgt_vocab_size, config.embedding_size, padding_idx=PAD_ID)
        )
        self.encoder = RNNEncoder(config, self.src_embedding)
        self.bridge = nn.Linear(hidden, hidden)
        self.decoder_rnn = _rnn_class(config.cell)(
            config.embedding_size + hidden,
            hidden,
            num_layers=config.decoder_layers,
            batch_first=True,
            dropout=config.dropout if config.decoder_layers > 1 else 0.0,
        )
        self.attention = make_attention(config.attention, query_size=hidden, key_size=hidden)
        self.attentional_layer = nn.Linear(2 * hidden, hidden, bias=False)
        self.dropout = nn.Dropout(config.dropout)
        self.pre_output = (
            nn.Linear(hidden, config.embedding_size, bias=False)
            if config.tie_output_embeddings and hidden != config.embedding_size
            else nn.Identity()
        )
        out_size = config.embedding_size if config.tie_output_embeddings else hidden
        self.output_layer = nn.Linear(out_size, config.tgt_vocab_size, bias=False)
        if config.tie_output_embeddings:
            self.output_layer.weight = self.tgt_embedding.weight

    # -- the Seq2SeqModel contract -------------------------------------------------
    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> RNNMemory:
        outputs, final = self.encoder(src, src_mask)
        bridged = torch.tanh(self.bridge(final))  # batch x hidden
        return RNNMemory(outputs, self.attention.project_keys(outputs), src_mask, bridged)

    def initial_state(self, memory: RNNMemory) -> RNNState:
        layers = self.config.decoder_layers
        h0 = memory.final.unsqueeze(0).expand(layers, -1, -1).contiguous()  # layers x batch x hidden
        hidden = (h0, h0.clone()) if self.config.cell == "lstm" else h0
        return RNNState(hidden, torch.zeros_like(memory.final))

    def step(self, prev_tokens: torch.Tensor, memory: RNNMemory, state: RNNState) -> StepOutput:
        logits, attention, new_state = self._logits_step(prev_tokens, memory, state)
        return StepOutput(torch.log_softmax(logits.float(), dim=-1), attention, None, new_state)

    def forward(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        memory = self.encode(src, src_mask)
        state = self.initial_state(memory)
        all_logits, all_attention = [], []
        for t in range(tgt_in.size(1)):
            logits, attention, state = self._logits_step(tgt_in[:, t], memory, state)
            all_logits.append(logits)
            all_attention.append(attention)
        return torch.stack(all_logits, dim=1), torch.stack(all_attention, dim=1)

    # -- internals ---------------------------------------------------------------
    def _logits_step(
        self, prev_tokens: torch.Tensor, memory: RNNMemory, state: RNNState
    ) -> tuple[torch.Tensor, torch.Tensor, RNNState]:
        embedded = self.dropout(self.tgt_embedding(prev_tokens))  # batch x emb
        rnn_input = torch.cat([embedded, state.attentional], dim=-1)  # batch x (emb+hidden)
        query, hidden = rnn_step(self.decoder_rnn, rnn_input, state.hidden)  # batch x hidden
        context, weights = self.attention(query, memory.outputs, memory.mask, memory.projected_keys)
        attentional = torch.tanh(self.attentional_layer(torch.cat([query, context], dim=-1)))
        logits = self.output_layer(self.pre_output(self.dropout(attentional)))  # batch x vocab
        return logits, weights, RNNState(hidden, attentional)
