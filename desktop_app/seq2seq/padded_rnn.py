"""Padded batches through a bidirectional LSTM or GRU, ignoring the padding.

PyTorch's fused RNN kernels (oneDNN on CPU) only take unpacked input; a PackedSequence runs
one cell at a time, and its backward pass records every step. So on the CPU each direction
runs unpacked, with each row arranged so that its padding comes *after* its real frames:
the forward direction reads the batch as it is, the backward direction reads every row
reversed within its own length. Outputs at real frames then never see padding, as with
packing, and the result equals the packed one. `benchmarks/encoder_lstm.py` measures both.

Shapes:
    x:       (batch, frames, features) float, zero past each length
    lengths: (batch,) int, 1 <= length <= frames
    returns: (batch, frames, 2 * hidden), zero past each length
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call

WEIGHT_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def run_rnn(rnn: nn.Module, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The fastest exact way to run `rnn` (a batch-first bidirectional LSTM or GRU, float or
    quantized) over a padded batch."""
    if bool((lengths >= x.size(1)).all()):
        return rnn(x)[0]  # no padding (e.g. one utterance at inference): one fused call
    if x.device.type == "cpu" and type(rnn) in (nn.LSTM, nn.GRU) and rnn.bidirectional:
        return run_directions(rnn, x, lengths)
    return run_packed(rnn, x, lengths)  # CUDA's cuDNN packs natively; quantized modules keep their own path


def run_packed(rnn: nn.Module, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    outputs, _ = rnn(packed)
    return nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=x.size(1))[0]


def run_directions(rnn: nn.LSTM | nn.GRU, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Layer by layer, each direction through the fused kernel with the module's own weights."""
    order = reversal_order(lengths.to(x.device), x.size(1))  # one index serves every layer, both ways
    real = (torch.arange(x.size(1), device=x.device)[None, :] < lengths.to(x.device)[:, None]).unsqueeze(-1)
    for layer in range(rnn.num_layers):
        forward = _one_direction(rnn, layer, "", x)
        backward = reorder(_one_direction(rnn, layer, "_reverse", reorder(x, order)), order)
        x = torch.cat([forward, backward], dim=2) * real
        if layer < rnn.num_layers - 1:
            x = nn.functional.dropout(x, rnn.dropout, rnn.training)
    return x


def _one_direction(rnn: nn.LSTM | nn.GRU, layer: int, suffix: str, x: torch.Tensor) -> torch.Tensor:
    """(batch, frames, features) -> (batch, frames, hidden): one layer, one direction."""
    single = type(rnn)(x.size(2), rnn.hidden_size, batch_first=True, bias=rnn.bias, device="meta")
    names = WEIGHT_KINDS if rnn.bias else WEIGHT_KINDS[:2]
    weights = {f"{kind}_l0": getattr(rnn, f"{kind}_l{layer}{suffix}") for kind in names}
    return functional_call(single, weights, (x,))[0]


def final_states(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The top layer's last hidden state of each direction, as a packed run returns them:
    (batch, frames, 2 * hidden) outputs -> (batch, 2 * hidden) = [forward at length - 1; backward at 0]."""
    half = outputs.size(2) // 2
    last = (lengths.to(outputs.device) - 1).view(-1, 1, 1).expand(-1, 1, half)
    return torch.cat([outputs[:, :, :half].gather(1, last).squeeze(1), outputs[:, 0, half:]], dim=-1)


def reversal_order(lengths: torch.Tensor, frames: int) -> torch.Tensor:
    """(batch, frames) frame index: each row's first `length` frames reversed, the rest in place."""
    steps = torch.arange(frames, device=lengths.device)[None, :]
    ends = lengths[:, None]
    return torch.where(steps < ends, ends - 1 - steps, steps)


def reorder(x: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """(batch, frames, features) frames picked by a (batch, frames) index; reversal is its own inverse."""
    return x.gather(1, order.unsqueeze(-1).expand(-1, -1, x.size(2)))


def reverse_within(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row's first `length` frames in reverse order; the frames after them stay in place."""
    return reorder(x, reversal_order(lengths.to(x.device), x.size(1)))
