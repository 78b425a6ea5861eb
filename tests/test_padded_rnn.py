"""The fused per-direction LSTM path computes what the packed one does, padding and all."""

import pytest
import torch
from torch import nn

from desktop_app.seq2seq.padded_rnn import final_states, reverse_within, run_packed, run_rnn
from desktop_app.seq2seq.quantize import quantize_dynamic_int8


def padded(rows_lengths: list[int], features: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    lengths = torch.tensor(rows_lengths)
    x = torch.randn(len(rows_lengths), max(rows_lengths), features)
    return x * (torch.arange(x.size(1))[None, :] < lengths[:, None]).unsqueeze(-1), lengths


def lstm(dropout: float = 0.0, cell=nn.LSTM) -> nn.LSTM | nn.GRU:
    torch.manual_seed(1)
    return cell(6, 5, num_layers=2, batch_first=True, bidirectional=True, dropout=dropout)


def test_reverse_within_keeps_padding_in_place():
    x = torch.arange(8.0).view(2, 4, 1)
    flipped = reverse_within(x, torch.tensor([4, 2]))
    assert flipped.squeeze(-1).tolist() == [[3, 2, 1, 0], [5, 4, 6, 7]]


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU])
def test_padded_batch_gives_the_packed_outputs_and_zeros_past_each_length(cell):
    rnn = lstm(cell=cell)
    x, lengths = padded([7, 4, 1, 6])
    fused, packed = run_rnn(rnn, x, lengths), run_packed(rnn, x, lengths)
    assert torch.allclose(fused, packed, atol=1e-6)
    assert fused[1, 4:].abs().sum() == 0 and fused[2, 1:].abs().sum() == 0


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU])
def test_gradients_match_the_packed_path(cell):
    rnn = lstm(cell=cell)
    x, lengths = padded([5, 3, 5, 2])
    gradients = []
    for path in (run_rnn, run_packed):
        rnn.zero_grad()
        (path(rnn, x, lengths) * torch.linspace(-1, 1, 10)).sum().backward()
        gradients.append(torch.cat([p.grad.flatten() for p in rnn.parameters()]))
    assert torch.allclose(gradients[0], gradients[1], atol=1e-5)


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU])
def test_final_states_are_the_packed_top_layer_states(cell):
    rnn = lstm(cell=cell)
    x, lengths = padded([7, 4, 1, 6])
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    hidden = rnn(packed)[1]
    hidden = hidden[0] if cell is nn.LSTM else hidden
    expected = torch.cat([hidden[-2], hidden[-1]], dim=-1)
    assert torch.allclose(final_states(run_rnn(rnn, x, lengths), lengths), expected, atol=1e-6)


def test_dropout_applies_between_layers_only_when_training():
    rnn = lstm(dropout=0.5)
    x, lengths = padded([6, 3])
    assert torch.allclose(run_rnn(rnn.eval(), x, lengths), run_packed(rnn, x, lengths), atol=1e-6)
    rnn.train()
    torch.manual_seed(2)
    assert not torch.allclose(run_rnn(rnn, x, lengths), run_rnn(rnn.eval(), x, lengths), atol=1e-3)


@pytest.mark.parametrize("lengths", [[5, 5], [5, 2]])
def test_int8_lstm_gives_its_packed_outputs(lengths):
    holder = quantize_dynamic_int8(nn.Sequential(lstm().eval()), {"0"})
    x, lengths = padded(lengths)
    with torch.inference_mode():
        assert torch.allclose(run_rnn(holder[0], x, lengths), run_packed(holder[0], x, lengths), atol=1e-5)
