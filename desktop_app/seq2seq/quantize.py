"""Models prepared for inference: inference-only fusions, and int8 dynamic quantisation of
Linear and LSTM/GRU layers for faster CPU inference.

int8 goes through torch.ao's dynamic quantisation, which torch announces it will remove. On torch
2.13 it is still the only path here that beats float32 on the CPU (translation 1.2-1.4x faster with
a Transformer and 2x with the RNN, speech 1.3-1.7x, at the same BLEU and WER), while torchao 0.18's
quantize_ runs slower than float32 without torch.compile and has no LSTM, and bfloat16 is no faster
at these sizes: see docs/experiments/2026-12-06-int8.md.
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from desktop_app.memory import return_freed_blocks

PRECISIONS = ("auto", "float32", "int8")

# Intra-op threads for inference. Decoding is a long chain of small operations, and on a 2-core
# machine a second thread costs more in hand-offs than it computes: the int8 speech model decodes at
# a real-time factor of 0.058 on 1 thread against 0.114 on 2, and a 30-word translation takes 83 ms
# against 117 ms (`benchmarks/asr_speed.py --threads 1 2`, `benchmarks/translate_latency.py`).
INFERENCE_THREADS = 1


def use_inference_threads(threads: int = INFERENCE_THREADS) -> None:
    """Sets torch's intra-op thread count for this process (the app and the inference commands call it,
    before they load a model), and has freed weight-sized blocks go back to the system (desktop_app/memory.py:
    the app's memory with both tabs in use fell from 910 to 720 MB)."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}")
    torch.set_num_threads(threads)
    return_freed_blocks()


# torch.ao's notices about its own removal, silenced where int8 layers are made, on the torch version the
# measurements were made with (torch is pinned in pyproject.toml). On any other version they show again, and
# the tests turn them into errors, so an upgrade brings the question back: does torch.ao.quantization still
# exist, and is it still the fastest int8 on the CPU?
AO_MEASURED_ON_TORCH = "2.13."
AO_NOTICES = (
    (DeprecationWarning, r"torch\.ao\.quantization is deprecated"),
    (UserWarning, r"torch\.quantize_per_tensor, .* are deprecated"),  # int8 weights are quantized tensors
)

# A Linear layer smaller than this stays float32 under int8: quantising the activations on every
# call costs more than a small float matrix multiply saves (see benchmarks/translate_latency.py).
MIN_INT8_WEIGHTS = 256 * 1024


def model_for_inference(model: nn.Module, precision: str, folder_wants_int8: bool) -> nn.Module:
    """precision: "float32", "int8" (dynamic quantisation), or "auto" = what the model folder says.

    The result is a copy in eval mode with the model's inference-only preparations made
    (`fuse_for_inference` before quantisation, `cache_step_kernels` after it, where the model
    has them); the original is untouched, so it can still be trained or saved."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    model = copy.deepcopy(model).eval()
    _call_if_present(model, "fuse_for_inference")
    if precision == "int8" or (precision == "auto" and folder_wants_int8):
        _quantize_int8(model)
    _call_if_present(model, "cache_step_kernels")
    return model


def _quantize_int8(model: nn.Module) -> None:
    """In place: weights int8, activations quantised on the fly.

    An output layer tied to an embedding gets its own int8 copy of the matrix (it is the largest
    matrix multiply of each decoding step), while the embedding lookup keeps the float weights.
    Linear layers under MIN_INT8_WEIGHTS weights stay float32; LSTM and GRU layers are all int8.
    """
    embedding_weights = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    for module in model.modules():
        if isinstance(module, nn.Linear) and id(module.weight) in embedding_weights:
            module.weight = nn.Parameter(module.weight.detach().clone())  # untie
    quantize_dynamic_int8(model, _int8_layer_names(model))


def quantize_dynamic_int8(model: nn.Module, layers: set) -> nn.Module:
    """torch.ao's dynamic int8 quantisation of `layers` (names, or module types) in place, without the
    removal notices on the measured torch version (AO_MEASURED_ON_TORCH). -> model"""
    with warnings.catch_warnings():
        if torch.__version__.startswith(AO_MEASURED_ON_TORCH):
            for category, message in AO_NOTICES:
                warnings.filterwarnings("ignore", message=message, category=category)
        torch.ao.quantization.quantize_dynamic(model, layers, dtype=torch.qint8, inplace=True)
    return model


def _int8_layer_names(model: nn.Module) -> set[str]:
    return {
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.LSTM | nn.GRU)
        or (isinstance(module, nn.Linear) and module.weight.numel() >= MIN_INT8_WEIGHTS)
    }


def _call_if_present(model: nn.Module, method: str) -> None:
    prepare = getattr(model, method, None)
    if prepare is not None:
        prepare()
