"""Shallow fusion: a Seq2SeqModel whose step scores add a language model's, for the one search.

    fused = ShallowFusion(recognizer_model, language_model, weight=0.3)
    decode(fused, features, options, tokenizer)    # greedy or beam, unchanged

token score = model score (the recognizer's, joint CTC included) + weight * log P_lm(token | prefix).
The attention rows shown to users are the recognizer's own; the language model only reranks.

    discounted = InternalLMSubtraction(recognizer_model, weight=0.1)
    fused = ShallowFusion(discounted, language_model, weight=0.5)

token score = model score - weight * log P_ilm(token | prefix), where P_ilm is the recognizer's own estimate of
the text it was trained on (its decoder without the audio; `internal_lm_step`), so that the external language
model's view of the text replaces the training transcripts' instead of adding to it.
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
            raise ValueError(
                f"the language model has {language_model.config.tgt_vocab_size} units "
                f"but the recognizer has {model.config.tgt_vocab_size}"
            )
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


@dataclass
class DiscountedState(Selectable):
    model_state: Any  # the recognizer's own state (Selectable)
    internal_lm_state: Any  # the recognizer's internal-LM estimate's state (Selectable)


class InternalLMSubtraction(DecodingWrapper):
    def __init__(self, model: nn.Module, weight: float):
        super().__init__(model)
        if not hasattr(model, "internal_lm_step"):
            raise ValueError(f"a {type(model).__name__} has no internal language-model estimate to subtract")
        if weight < 0:
            raise ValueError(f"the internal language-model weight must not be negative, got {weight}")
        self.weight = weight

    def initial_state(self, memory) -> DiscountedState:
        return DiscountedState(self.model.initial_state(memory), self.model.internal_lm_state(memory))

    def step(self, prev_tokens: torch.Tensor, memory, state: DiscountedState) -> StepOutput:
        out = self.model.step(prev_tokens, memory, state.model_state)
        ilm_log_probs, ilm_state = self.model.internal_lm_step(prev_tokens, state.internal_lm_state)
        log_probs = out.log_probs - self.weight * ilm_log_probs  # batch x vocab
        return StepOutput(log_probs, out.attention, out.attention_heads, DiscountedState(out.state, ilm_state))
