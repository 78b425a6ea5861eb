"""int8 dynamic quantisation of Linear and LSTM/GRU layers for faster CPU inference."""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn


def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """A quantised copy (weights int8, activations quantised on the fly); the original is untouched.

    An output layer tied to an embedding gets its own int8 copy of the matrix (it is the largest
    matrix multiply of each decoding step), while the embedding lookup keeps the float weights.
    """
    model = copy.deepcopy(model).eval()
    embedding_weights = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    for module in model.modules():
        if isinstance(module, nn.Linear) and id(module.weight) in embedding_weights:
            module.weight = nn.Parameter(module.weight.detach().clone())  # untie, in the copy only
    with warnings.catch_warnings():  # torch announces a future deprecation on every quantised layer
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*deprecated", category=UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, {nn.Linear, nn.LSTM, nn.GRU}, dtype=torch.qint8,
                                                      inplace=False)
