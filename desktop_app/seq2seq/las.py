"""Listen, attend and spell (Chan et al., 2016) with a joint CTC head (Kim et al., 2017).

Listener: two stride-2 convolutions (x4 fewer frames: one encoder frame = 40 ms) and a
bidirectional LSTM. Speller: an LSTM decoder with input feeding and location-aware
attention over the encoder frames, emitting SentencePiece units. The CTC head on the
encoder gives a second, alignment-friendly loss and fast partial results.

Shapes:
    src:      (batch, frames, n_mels) float, normalised log-mel
    src_mask: (batch, frames) bool
    memory frames: (frames - 1) // 2 + 1 applied twice
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .attention import LocationAwareAttention
from .ctc_prefix import PrefixVariables, empty_prefix, end_scores, extend, next_token_scores
from .interface import Selectable, StepOutput
from .padded_rnn import run_rnn
from .rnn_step import rnn_step
from .tokenizer import BOS_ID, EOS_ID, PAD_ID

CTC_BLANK = PAD_ID  # padding never appears in targets, so it doubles as the CTC blank
SUBSAMPLING = 4
# Tokens per step that joint decoding keeps (the best by joint score) and carries CTC forward
# variables for. 12 instead of all 30 decodes faster with the same dev WER (benchmarks/joint_candidates.py).
JOINT_CANDIDATES = 12


@dataclass
class LASConfig:
    tgt_vocab_size: int  # SentencePiece units (the CTC blank is the padding id)
    n_mels: int = 80
    conv_channels: int = 32  # channels of the two subsampling convolutions
    encoder_hidden: int = 256  # per direction
    encoder_layers: int = 3
    embedding_size: int = 128
    decoder_hidden: int = 320
    attention_size: int = 128
    location_channels: int = 10
    location_kernel: int = 31
    dropout: float = 0.2
    ctc_weight: float = 0.3  # training loss = ctc_weight * CTC + (1 - ctc_weight) * attention CE
    # decoding: token score = (1 - w) * attention log-prob + w * CTC prefix score (0 = attention alone)
    ctc_decode_weight: float = 0.3
    pyramid_layers: int = 0  # the last N encoder layers each read pairs of frames (2x fewer frames each)

    @property
    def time_reduction(self) -> int:
        """Input frames per encoder frame: 4 (convolutions) x 2 per pyramidal layer."""
        return SUBSAMPLING * 2**self.pyramid_layers

    def validate(self) -> None:
        for name in ("ctc_weight", "ctc_decode_weight"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.location_kernel % 2 == 0:
            raise ValueError(f"location_kernel must be odd, got {self.location_kernel}")
        if not 0 <= self.pyramid_layers < self.encoder_layers:
            raise ValueError(f"pyramid_layers must be in [0, encoder_layers), got {self.pyramid_layers}")


def subsampled_lengths(lengths: torch.Tensor) -> torch.Tensor:
    for _ in range(2):
        lengths = (lengths - 1) // 2 + 1
    return lengths


@dataclass
class LASMemory(Selectable):
    outputs: torch.Tensor  # batch x frames' x 2*encoder_hidden
    projected_keys: torch.Tensor  # batch x frames' x attention_size
    mask: torch.Tensor  # batch x frames'
    ctc_log_probs: torch.Tensor | None = None  # batch x frames' x vocab, for joint decoding (inference only)
    ctc_probs: torch.Tensor | None = None  # their exp(), to rank every next token (inference only)


@dataclass
class LASState(Selectable):
    hidden: tuple[torch.Tensor, torch.Tensor]  # 1 x batch x decoder_hidden (h, c)
    attentional: torch.Tensor  # batch x decoder_hidden
    weights: torch.Tensor  # batch x frames', the last attention weights
    # joint decoding: the tokens whose CTC prefix variables the last step computed, and those variables;
    # the next step picks the chosen token's (batch x k, and PrefixVariables of batch x k x frames')
    ctc_candidates: torch.Tensor | None = None
    ctc_prefixes: PrefixVariables | None = None
    batch_dims = {"hidden": 1}


@dataclass
class InternalLMState(Selectable):
    hidden: tuple[torch.Tensor, torch.Tensor]  # 1 x batch x decoder_hidden (h, c)
    attentional: torch.Tensor  # batch x decoder_hidden
    batch_dims = {"hidden": 1}


class Listener(nn.Module):
    def __init__(self, c: LASConfig):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, c.conv_channels, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(c.conv_channels, c.conv_channels, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        bands = (c.n_mels - 1) // 2 + 1
        bands = (bands - 1) // 2 + 1
        self.projection = nn.Linear(c.conv_channels * bands, 2 * c.encoder_hidden)
        self.dropout = nn.Dropout(c.dropout)
        self.pyramid_layers = c.pyramid_layers
        if c.pyramid_layers == 0:
            self.rnn = nn.LSTM(
                2 * c.encoder_hidden,
                c.encoder_hidden,
                num_layers=c.encoder_layers,
                batch_first=True,
                bidirectional=True,
                dropout=c.dropout if c.encoder_layers > 1 else 0.0,
            )
        else:  # one module per layer: the pyramidal ones read two frames at a time
            first_pyramid = c.encoder_layers - c.pyramid_layers
            self.layers = nn.ModuleList(
                nn.LSTM(
                    (4 if i >= first_pyramid else 2) * c.encoder_hidden,
                    c.encoder_hidden,
                    batch_first=True,
                    bidirectional=True,
                )
                for i in range(c.encoder_layers)
            )

    def _subsample(self, src: torch.Tensor, src_mask: torch.Tensor) -> torch.Tensor:
        """(batch, frames, bands) -> (batch, channels, frames/4, bands/4); what lies past each
        utterance's end is zeroed after each convolution, so padding never leaks into real frames."""
        x, mask = src.unsqueeze(1), src_mask
        for conv in (self.conv[0], self.conv[2]):
            x = torch.relu(conv(x * mask[:, None, :, None]))
            lengths = (mask.sum(dim=1) - 1) // 2 + 1
            mask = torch.arange(x.size(2), device=x.device)[None, :] < lengths[:, None]
        return x * mask[:, None, :, None]

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> outputs (batch, frames', 2*hidden), mask (batch, frames')."""
        x = self._subsample(src, src_mask)  # batch x channels x frames' x bands'
        x = x.permute(0, 2, 1, 3).flatten(2)  # batch x frames' x channels*bands'
        x = self.dropout(torch.relu(self.projection(x)))
        lengths = subsampled_lengths(src_mask.sum(dim=1)).clamp(min=1, max=x.size(1))
        x = x * (torch.arange(x.size(1), device=x.device)[None, :] < lengths[:, None]).unsqueeze(-1)
        if self.pyramid_layers == 0:
            x = run_rnn(self.rnn, x, lengths)
        else:
            first_pyramid = len(self.layers) - self.pyramid_layers
            for index, layer in enumerate(self.layers):
                if index >= first_pyramid:
                    x, lengths = pair_frames(x, lengths)
                x = run_rnn(layer, x if index == 0 else self.dropout(x), lengths)
        mask = torch.arange(x.size(1), device=src.device)[None, :] < lengths.to(src.device)[:, None]
        return self.dropout(x), mask


def pair_frames(x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(batch, frames, d) -> (batch, ceil(frames/2), 2d): each output frame is two input frames side by side."""
    if x.size(1) % 2:
        x = torch.cat([x, x.new_zeros(x.size(0), 1, x.size(2))], dim=1)
    return x.reshape(x.size(0), x.size(1) // 2, 2 * x.size(2)), (lengths + 1) // 2


class LASRecognizer(nn.Module):
    architecture = "las"

    def __init__(self, config: LASConfig):
        super().__init__()
        config.validate()
        self.config = config
        key_size = 2 * config.encoder_hidden
        self.listener = Listener(config)
        self.ctc_head = nn.Linear(key_size, config.tgt_vocab_size)
        self.embedding = nn.Embedding(config.tgt_vocab_size, config.embedding_size, padding_idx=PAD_ID)
        self.decoder_rnn = nn.LSTM(
            config.embedding_size + config.decoder_hidden, config.decoder_hidden, batch_first=True
        )
        self.attention = LocationAwareAttention(
            config.decoder_hidden, key_size, config.attention_size, config.location_channels, config.location_kernel
        )
        self.attentional_layer = nn.Linear(config.decoder_hidden + key_size, config.decoder_hidden, bias=False)
        self.dropout = nn.Dropout(config.dropout)
        self.output_layer = nn.Linear(config.decoder_hidden, config.tgt_vocab_size)

    # -- the Seq2SeqModel contract -------------------------------------------------
    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> LASMemory:
        outputs, mask = self.listener(src, src_mask)
        memory = LASMemory(outputs, self.attention.project_keys(outputs), mask)
        if not self.training and self.config.ctc_decode_weight > 0:  # joint decoding
            memory.ctc_log_probs = self.ctc_log_probs_of(outputs)
            memory.ctc_probs = memory.ctc_log_probs.exp()
        return memory

    def initial_state(self, memory: LASMemory) -> LASState:
        batch = memory.outputs.size(0)
        state = LASState(*self._zero_speller_state(memory), memory.outputs.new_zeros(memory.mask.shape))
        if memory.ctc_log_probs is not None:  # the empty prefix, as the one "candidate" BOS
            state.ctc_candidates = torch.full((batch, 1), BOS_ID, dtype=torch.long, device=memory.mask.device)
            state.ctc_prefixes = empty_prefix(memory.ctc_log_probs, CTC_BLANK)
        return state

    def step(self, prev_tokens: torch.Tensor, memory: LASMemory, state: LASState) -> StepOutput:
        logits, new_state = self._logits_step(prev_tokens, memory, state)
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        if memory.ctc_log_probs is not None:
            log_probs = self._joint_scores(log_probs, prev_tokens, memory, state, new_state)
        return StepOutput(log_probs, new_state.weights, None, new_state)

    def _joint_scores(
        self,
        log_probs: torch.Tensor,
        prev_tokens: torch.Tensor,
        memory: LASMemory,
        state: LASState,
        new_state: LASState,
    ) -> torch.Tensor:
        """(1 - w) * attention + w * CTC prefix score, for the JOINT_CANDIDATES best tokens by that joint
        score and for EOS; every other token scores -inf. Stores the candidates' CTC variables in new_state.

        Every token's CTC prefix score is cheap (`next_token_scores`); the forward variables that the
        next step needs are not, so only the candidates get them (`extend`)."""
        lengths, weight = memory.mask.sum(dim=1), self.config.ctc_decode_weight
        chosen = (state.ctc_candidates == prev_tokens[:, None]).int().argmax(dim=1)
        prefix = state.ctc_prefixes.pick(chosen)
        ctc = (next_token_scores(prefix, prev_tokens, memory.ctc_probs, lengths) - prefix.score[:, None]).float()
        specials = torch.tensor([CTC_BLANK, BOS_ID, EOS_ID], device=log_probs.device)
        ranked = ((1 - weight) * log_probs + weight * ctc).index_fill(1, specials, float("-inf"))
        candidates = ranked.topk(min(JOINT_CANDIDATES, ranked.size(1) - 3), dim=1).indices  # batch x k
        extended = extend(prefix, prev_tokens, candidates, memory.ctc_log_probs, lengths, CTC_BLANK)
        ctc = torch.full_like(log_probs, float("-inf"))
        ctc.scatter_(1, candidates, (extended.score - prefix.score[:, None]).float())
        ctc[:, EOS_ID] = (end_scores(prefix, lengths) - prefix.score).float()
        new_state.ctc_candidates, new_state.ctc_prefixes = candidates, extended
        return (1 - weight) * log_probs + weight * ctc

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor, with_ctc: bool = False):
        """Teacher forcing: logits (batch, tgt_len, vocab), attention (batch, tgt_len, frames');
        with_ctc adds the CTC log-probabilities (batch, frames', vocab) and encoder lengths (batch,)."""
        memory = self.encode(src, src_mask)
        logits, attention = self.teacher_forced(memory, tgt_in)
        if with_ctc:
            return logits, attention, self.ctc_log_probs(memory), memory.mask.sum(dim=1)
        return logits, attention

    # -- training helpers -------------------------------------------------------------
    def teacher_forced(self, memory: LASMemory, tgt_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> logits (batch, tgt_len, vocab), attention (batch, tgt_len, frames'); the output layer
        runs once over every step."""
        state = self.initial_state(memory)
        all_attentional, all_weights = [], []
        for t in range(tgt_in.size(1)):
            state = self._decoder_step(tgt_in[:, t], memory, state)
            all_attentional.append(state.attentional)
            all_weights.append(state.weights)
        return self._output_logits(torch.stack(all_attentional, dim=1)), torch.stack(all_weights, dim=1)

    def ctc_log_probs(self, memory: LASMemory) -> torch.Tensor:
        """(batch, frames', vocab) log-probabilities of the CTC head."""
        if memory.ctc_log_probs is not None:
            return memory.ctc_log_probs
        return self.ctc_log_probs_of(memory.outputs)

    def ctc_log_probs_of(self, outputs: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.ctc_head(outputs).float(), dim=-1)

    # -- the internal language model's estimate (for its subtraction in decoding) -------------
    def internal_lm_state(self, memory: LASMemory) -> InternalLMState:
        return InternalLMState(*self._zero_speller_state(memory))

    def internal_lm_step(
        self, prev_tokens: torch.Tensor, state: InternalLMState
    ) -> tuple[torch.Tensor, InternalLMState]:
        """The speller with every attention context zeroed: an estimate of what it has learnt of the text
        alone (Meng et al., 2021, "internal language model estimation"). -> log-probs (batch, vocab), state."""
        embedded = self.embedding(prev_tokens)
        query, hidden = rnn_step(self.decoder_rnn, torch.cat([embedded, state.attentional], dim=-1), state.hidden)
        no_context = query.new_zeros(query.size(0), 2 * self.config.encoder_hidden)
        attentional = torch.tanh(self.attentional_layer(torch.cat([query, no_context], dim=-1)))
        log_probs = torch.log_softmax(self._output_logits(attentional).float(), dim=-1)
        return log_probs, InternalLMState(hidden, attentional)

    # -- internals ---------------------------------------------------------------------
    def _zero_speller_state(self, memory: LASMemory):
        """-> the speller's start: LSTM (h, c) of 1 x batch x decoder_hidden, attentional batch x decoder_hidden."""
        zeros = memory.outputs.new_zeros(1, memory.outputs.size(0), self.config.decoder_hidden)
        return (zeros, zeros.clone()), zeros[0].clone()

    def _logits_step(self, prev_tokens: torch.Tensor, memory: LASMemory, state: LASState):
        new_state = self._decoder_step(prev_tokens, memory, state)
        return self._output_logits(new_state.attentional), new_state  # batch x vocab

    def _decoder_step(self, prev_tokens: torch.Tensor, memory: LASMemory, state: LASState) -> LASState:
        embedded = self.dropout(self.embedding(prev_tokens))  # batch x emb
        rnn_input = torch.cat([embedded, state.attentional], dim=-1)
        query, hidden = rnn_step(self.decoder_rnn, rnn_input, state.hidden)  # batch x decoder_hidden
        context, weights = self.attention(query, memory.outputs, memory.mask, state.weights, memory.projected_keys)
        attentional = torch.tanh(self.attentional_layer(torch.cat([query, context], dim=-1)))
        return LASState(hidden, attentional, weights)

    def _output_logits(self, attentional: torch.Tensor) -> torch.Tensor:
        """(..., decoder_hidden) -> (..., vocab)"""
        return self.output_layer(self.dropout(attentional))
