"""One decoder step through a (multi-layer, unidirectional) LSTM or GRU, as cell operations.

An attention decoder calls its RNN once per output token. Called on a one-step sequence,
`nn.LSTM` on the CPU goes through the oneDNN RNN primitive, whose per-call setup dominates at
this size: in training its backward alone took about 1 ms a step, a fifth of the speech
decoder's time. `nn.LSTMCell` / `nn.GRUCell` run the same arithmetic as plain matrix products,
so each layer runs as a cell with the module's own weights (`torch.func.functional_call`); the
weights, their names and the results stay those of the module. `benchmarks/decoder_step.py`
measures both ways.

Shapes:
    x:       (batch, features)
    hidden:  (layers, batch, hidden), or an LSTM's (h, c) pair of those
    returns: output (batch, hidden) of the top layer, and the new hidden in the shape given
"""

from __future__ import annotations

import threading

import torch
from torch import nn
from torch.func import functional_call

CELLS: dict[type, type] = {nn.LSTM: nn.LSTMCell, nn.GRU: nn.GRUCell}
_local = threading.local()  # functional_call swaps weights into the module it gets: one template per thread


def rnn_step(rnn: nn.Module, x: torch.Tensor, hidden):
    """One step of a batch-first `rnn` on (batch, features) input -> (output, new hidden)."""
    if not uses_cells(rnn, x):  # quantized modules, CUDA (cuDNN), bidirectional: the module itself
        output, hidden = rnn(x.unsqueeze(1), hidden)
        return output.squeeze(1), hidden
    is_lstm = type(rnn) is nn.LSTM
    layer_states = []
    for layer in range(rnn.num_layers):
        state = (hidden[0][layer], hidden[1][layer]) if is_lstm else hidden[layer]
        new_state = functional_call(_cell(rnn, x.size(1)), _layer_weights(rnn, layer), (x, state))
        layer_states.append(new_state)
        x = new_state[0] if is_lstm else new_state
        if layer < rnn.num_layers - 1:
            x = nn.functional.dropout(x, rnn.dropout, rnn.training)
    if is_lstm:
        return x, (torch.stack([h for h, _ in layer_states]), torch.stack([c for _, c in layer_states]))
    return x, torch.stack(layer_states)


def uses_cells(rnn: nn.Module, x: torch.Tensor) -> bool:
    """Float LSTM/GRU modules on the CPU step as cells; everything else calls the module."""
    return x.device.type == "cpu" and type(rnn) in CELLS and not rnn.bidirectional and getattr(rnn, "proj_size", 0) == 0


def _layer_weights(rnn: nn.Module, layer: int) -> dict[str, torch.Tensor]:
    kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if rnn.bias else ("weight_ih", "weight_hh")
    return {kind: getattr(rnn, f"{kind}_l{layer}") for kind in kinds}


def _cell(rnn: nn.Module, input_size: int) -> nn.Module:
    """A weightless (meta-device) cell of the module's kind and sizes, built once per thread."""
    cells = _local.__dict__.setdefault("cells", {})
    key = (type(rnn), input_size, rnn.hidden_size, rnn.bias)
    if key not in cells:
        cells[key] = CELLS[type(rnn)](input_size, rnn.hidden_size, bias=rnn.bias, device="meta")
    return cells[key]
