"""Shallow fusion: a Seq2SeqModel whose step scores add a language model's, for the one search.

    fused = ShallowFusion(recognizer_model, language_model, weight=0.3)
    decode(fused, features, options, tokenizer)    # greedy or beam, unchanged

token score = model score (the recognizer's, joint CTC included) + weight * log P_lm(token | prefix).
The attention rows shown to users are the recognizer's own; the language model only reranks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .interface import DecodingWrapper, Selectable, StepOutput
from .language_model import LMState, RecurrentLM


@dataclass
class FusedState(Selectable):
    model_state: Any  # the recognizer's own state (Selectable)
    lm_state: LMState


class ShallowFusion(DecodingWrapper):
    def __init__(self, model: nn.Module, language_model: RecurrentLM, weight: float):
        super().__init__(model)
        if language_model.config.tgt_vocab_size != model.config.tgt_vocab_size:
            raise ValueError(f"the language model has {language_model.config.tgt_vocab_size} units "
                             f"but the recognizer has {model.config.tgt_vocab_size}")
        if weight < 0:
            raise ValueError(f"the language-model weight must not be negative, got {weight}")
        self.language_model, self.weight = language_model, weight

    def initial_state(self, memory) -> FusedState:
        lm_state = self.language_model.initial_state(memory.mask.size(0), memory.mask.device)
        return FusedState(self.model.initial_state(memory), lm_state)

    def step(self, prev_tokens: torch.Tensor, memory, state: FusedState) -> StepOutput:
        out = self.model.step(prev_tokens, memory, state.model_state)
        lm_log_probs, lm_state = self.language_model.step(prev_tokens, state.lm_state)  # batch x vocab
        log_probs = out.log_probs + self.weight * lm_log_probs
        return StepOutput(log_probs, out.attention, out.attention_heads, FusedState(out.state, lm_state))
