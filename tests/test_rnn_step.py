"""A decoder step through cells computes what the RNN module does on a one-step sequence."""

import sys
import threading

import pytest
import torch
from torch import nn

from desktop_app.seq2seq.quantize import quantize_dynamic_int8
from desktop_app.seq2seq.rnn_step import rnn_step, uses_cells


def decoder_rnn(cell, layers: int = 2, dropout: float = 0.0, seed: int = 1) -> nn.Module:
    torch.manual_seed(seed)
    return cell(6, 5, num_layers=layers, batch_first=True, dropout=dropout)


def start(cell, batch: int = 3, layers: int = 2):
    torch.manual_seed(0)
    x = torch.randn(batch, 6)
    h = torch.randn(layers, batch, 5)
    return x, ((h, torch.randn(layers, batch, 5)) if cell is nn.LSTM else h)


def module_step(rnn, x, hidden):
    output, hidden = rnn(x.unsqueeze(1), hidden)
    return output.squeeze(1), hidden


def flat(output, hidden) -> torch.Tensor:
    states = hidden if isinstance(hidden, tuple) else (hidden,)
    return torch.cat([output.flatten(), *(s.flatten() for s in states)])


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU])
@pytest.mark.parametrize("layers", [1, 2])
def test_cells_give_the_module_output_and_states_over_several_steps(cell, layers):
    rnn = decoder_rnn(cell, layers)
    assert uses_cells(rnn, torch.zeros(1, 6))
    x, hidden = start(cell, layers=layers)
    expected = hidden
    for _ in range(4):  # states carried from step to step, in the shapes the module takes
        output, hidden = rnn_step(rnn, x, hidden)
        expected_output, expected = module_step(rnn, x, expected)
        assert torch.allclose(flat(output, hidden), flat(expected_output, expected), atol=1e-6)
        x = torch.cat([output, output[:, :1]], dim=1)


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU])
def test_gradients_reach_the_module_weights_as_through_the_module(cell):
    rnn = decoder_rnn(cell)
    x, hidden = start(cell)
    gradients = []
    for step in (rnn_step, module_step):
        rnn.zero_grad()
        values = flat(*step(rnn, x, hidden))
        (values * torch.linspace(-1, 1, values.numel())).sum().backward()
        gradients.append(torch.cat([p.grad.flatten() for p in rnn.parameters()]))
    assert torch.allclose(gradients[0], gradients[1], atol=1e-6)


def test_dropout_between_layers_applies_only_when_training():
    rnn = decoder_rnn(nn.LSTM, dropout=0.5)
    x, hidden = start(nn.LSTM)
    rnn.eval()
    assert torch.allclose(rnn_step(rnn, x, hidden)[0], module_step(rnn, x, hidden)[0], atol=1e-6)
    rnn.train()
    torch.manual_seed(3)
    first = rnn_step(rnn, x, hidden)[0]
    torch.manual_seed(4)
    assert not torch.allclose(first, rnn_step(rnn, x, hidden)[0])


def test_quantized_modules_step_through_their_own_forward():
    rnn = quantize_dynamic_int8(nn.Sequential(decoder_rnn(nn.LSTM)), {nn.LSTM})[0]
    x, hidden = start(nn.LSTM)
    assert not uses_cells(rnn, x)
    assert torch.equal(rnn_step(rnn, x, hidden)[0], module_step(rnn, x, hidden)[0])


def test_threads_stepping_different_modules_at_once_each_get_their_own_result():
    """Each thread has its own weightless cell, so weights swapped in by one never reach the other
    (with one shared cell, 1-4 of the 2,000 steps here used the other's weights, in each of 3 runs)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads swap as often as they can
    modules = [decoder_rnn(nn.LSTM, seed=seed) for seed in (1, 2)]
    x, hidden = start(nn.LSTM)
    expected = [module_step(rnn, x, hidden)[0] for rnn in modules]
    wrong = []

    def run(index: int) -> None:
        for _ in range(1000):
            if not torch.allclose(rnn_step(modules[index], x, hidden)[0], expected[index], atol=1e-6):
                wrong.append(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []
