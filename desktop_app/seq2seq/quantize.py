"""int8 dynamic quantisation of Linear and LSTM/GRU layers for faster CPU inference."""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn


def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """A quantised copy (weights int8, activations quantised on the fly); the original is untouched.

    Tied embeddings stay float: only Linear layers that do not share their weight with an
    embedding are quantised, so the embedding lookup keeps its precision.
    """
    model = copy.deepcopy(model).eval()
    embedding_weights = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    skip = {name for name, m in model.named_modules()
            if isinstance(m, nn.Linear) and id(m.weight) in embedding_weights}
    with warnings.catch_warnings():  # torch announces a future deprecation on every quantised layer
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*deprecated", category=UserWarning)
        quantized = torch.ao.quantization.quantize_dynamic(
            model, {nn.Linear, nn.LSTM, nn.GRU}, dtype=torch.qint8, inplace=False)
    for name in skip:  # put the tied output layers back in float
        parent_name, _, child = name.rpartition(".")
        parent = quantized.get_submodule(parent_name) if parent_name else quantized
        setattr(parent, child, model.get_submodule(name))
    return quantized
