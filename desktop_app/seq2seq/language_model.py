"""A recurrent language model over a recognizer's output units, for shallow fusion.

The speech recognizer learns its spelling and word order from ~30k transcripts; a language
model trained on far more text (which costs no audio) knows the language better. During
decoding each candidate token's score gains `weight * log P_lm(token | output so far)`
(shallow fusion, Gulcehre et al. 2015; Kannan et al. 2018), see `fusion.py`.

Shapes:
    tokens:      (batch, len) int64, BOS first, PAD after the end
    logits:      (batch, len, vocab) next-token scores at each position
    prev_tokens: (batch,) int64, one decoding step
    state:       (h, c), each (layers, batch, hidden)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .interface import Selectable
from .tokenizer import PAD_ID


@dataclass
class LMConfig:
    tgt_vocab_size: int  # the recognizer's output units (the same SentencePiece model)
    embedding_size: int = 64
    hidden_size: int = 512
    layers: int = 1
    dropout: float = 0.1

    def validate(self) -> None:
        if min(self.tgt_vocab_size, self.embedding_size, self.hidden_size, self.layers) < 1:
            raise ValueError("vocabulary, embedding, hidden sizes and layers must all be positive")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")


@dataclass
class LMState(Selectable):
    hidden: tuple[torch.Tensor, torch.Tensor]  # (layers, batch, hidden) each
    batch_dims = {"hidden": 1}


class RecurrentLM(nn.Module):
    def __init__(self, config: LMConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.tgt_vocab_size, config.embedding_size, padding_idx=PAD_ID)
        self.rnn = nn.LSTM(
            config.embedding_size,
            config.hidden_size,
            num_layers=config.layers,
            batch_first=True,
            dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(config.hidden_size, config.tgt_vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """(batch, len) -> logits (batch, len, vocab): position i scores the token after tokens[:, :i+1]."""
        hidden, _ = self.rnn(self.dropout(self.embedding(tokens)))  # batch x len x hidden
        return self.output(self.dropout(hidden))

    def initial_state(self, batch: int, device: torch.device) -> LMState:
        zeros = torch.zeros(self.config.layers, batch, self.config.hidden_size, device=device)
        return LMState((zeros, zeros.clone()))

    def step(self, prev_tokens: torch.Tensor, state: LMState) -> tuple[torch.Tensor, LMState]:
        """(batch,) previous tokens -> (log-probabilities of the next token (batch, vocab), new state)."""
        hidden, (h, c) = self.rnn(self.embedding(prev_tokens)[:, None, :], state.hidden)  # batch x 1 x hidden
        return torch.log_softmax(self.output(hidden[:, 0]).float(), dim=-1), LMState((h, c))
