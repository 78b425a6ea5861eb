"""int8 dynamic quantisation of Linear and LSTM/GRU layers for faster CPU inference."""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

PRECISIONS = ("auto", "float32", "int8")


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


def model_for_inference(model: nn.Module, precision: str, folder_wants_int8: bool) -> nn.Module:
    """precision: "float32", "int8" (dynamic quantisation), or "auto" = what the model folder says."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision == "int8" or (precision == "auto" and folder_wants_int8):
        return quantize_dynamic_int8(model)
    return model
