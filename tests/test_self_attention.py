"""Transformer self-attention per layer and head, checked against a recomputation from the raw weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from desktop_app.seq2seq import BOS_ID, EOS_ID, Translator
from desktop_app.seq2seq.self_attention import self_attention

from .conftest import SOURCES, TINY_CONFIGS, train_tiny_model


@pytest.fixture(scope="module")
def tiny_transformer(tiny_tokenizers):
    model, _ = train_tiny_model("transformer", tiny_tokenizers, steps=40)
    source, target, _ = tiny_tokenizers
    return model, source.encode(SOURCES[3]) + [EOS_ID], target.encode("das ist ein kleiner test")


def _reference_weights(attention, normed: torch.Tensor, causal: bool) -> torch.Tensor:
    """Softmax(Q K^T / sqrt(d)) from the layer's raw query and key matrices: (heads, len, len)."""
    heads, size = attention.heads, attention.head_size
    queries = F.linear(normed[0], attention.query.weight, attention.query.bias).view(-1, heads, size).transpose(0, 1)
    keys = F.linear(normed[0], attention.key.weight, attention.key.bias).view(-1, heads, size).transpose(0, 1)
    scores = queries @ keys.transpose(1, 2) / math.sqrt(size)  # heads x len x len
    if causal:
        scores = scores.masked_fill(torch.ones_like(scores, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(scores, dim=-1)


def test_weights_are_distributions_and_the_decoder_sees_only_the_past(tiny_transformer):
    model, source, target = tiny_transformer
    weights = self_attention(model, source, target)
    config = TINY_CONFIGS["transformer"]
    layers, heads = config["encoder_layers"], config["heads"]
    assert weights.encoder.shape == (layers, heads, len(source), len(source))
    assert weights.decoder.shape == (config["decoder_layers"], heads, len(target) + 1, len(target) + 1)
    np.testing.assert_allclose(weights.encoder.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(weights.decoder.sum(-1), 1.0, atol=1e-5)
    assert np.all(np.triu(weights.decoder, k=1) == 0)  # no position looks ahead
    assert np.all(weights.decoder[:, :, 0, 0] == pytest.approx(1.0))  # <s> sees only itself


def test_weights_match_a_recomputation_from_the_raw_projections(tiny_transformer):
    model, source, target = tiny_transformer
    weights = self_attention(model, source, target)
    with torch.no_grad():
        scale = math.sqrt(model.config.d_model)
        x = model.src_embedding(torch.tensor([source])) * scale + model.positions[: len(source)]
        for i, layer in enumerate(model.encoder_layers):
            expected = _reference_weights(layer.self_attention, layer.self_norm(x), causal=False)
            np.testing.assert_allclose(weights.encoder[i], expected.numpy(), atol=1e-5)
            x = layer(x, None)
        memory = model.encode(torch.tensor([source]), torch.ones(1, len(source), dtype=torch.bool))
        tgt = torch.tensor([[BOS_ID, *target]])
        y = model.tgt_embedding(tgt) * scale + model.positions[: tgt.size(1)]
        causal = torch.ones(tgt.size(1), tgt.size(1), dtype=torch.bool).tril()[None, None]
        for i, layer in enumerate(model.decoder_layers):
            expected = _reference_weights(layer.self_attention, layer.self_norm(y), causal=True)
            np.testing.assert_allclose(weights.decoder[i], expected.numpy(), atol=1e-5)
            y, _ = layer(y, causal, (memory.cross_keys[i], memory.cross_values[i]), None, need_weights=False)


def test_a_translators_model_as_decoding_uses_it_works_too(tiny_folder):
    translator = Translator.from_folder(tiny_folder.folder)
    translation = translator.translate(SOURCES[1])
    source, output = translator.source_ids(SOURCES[1]), translation.nbest[0].token_ids
    if tiny_folder.architecture != "transformer":
        with pytest.raises(ValueError, match="Transformer models only"):
            self_attention(translator.model, source, output)
        return
    weights = self_attention(translator.model, source, output)  # fused projections, int8 where the folder says so
    assert weights.decoder.shape[-1] == len(output) + 1 and weights.encoder.shape[-1] == len(source)
    np.testing.assert_allclose(weights.decoder.sum(-1), 1.0, atol=1e-4)
