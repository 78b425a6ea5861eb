import pytest
import torch

from desktop_app.seq2seq.attention import ATTENTION_TYPES, make_attention


@pytest.mark.parametrize("kind", ATTENTION_TYPES)
def test_weights_sum_to_one_and_ignore_padding(kind):
    torch.manual_seed(0)
    attention = make_attention(kind, query_size=8, key_size=8)
    keys = torch.randn(3, 5, 8)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=torch.bool)
    context, weights = attention(torch.randn(3, 8), keys, mask)

    assert weights.shape == (3, 5) and context.shape == (3, 8)
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(3))
    assert torch.all(weights[~mask] == 0)
    assert torch.all(weights[2, 0] == 1)  # a single real position takes all the weight
    torch.testing.assert_close(context, torch.einsum("bs,bsk->bk", weights, keys))


@pytest.mark.parametrize("kind", ATTENTION_TYPES)
def test_padding_values_cannot_leak_into_context(kind):
    torch.manual_seed(0)
    attention = make_attention(kind, query_size=4, key_size=4)
    keys = torch.randn(1, 3, 4)
    mask = torch.tensor([[True, True, False]])
    query = torch.randn(1, 4)
    context, _ = attention(query, keys, mask)
    keys[0, 2] = 1e4  # garbage in the padded slot
    context_again, _ = attention(query, keys, mask)
    torch.testing.assert_close(context, context_again)


def test_dot_attention_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="equal query and key sizes"):
        make_attention("luong_dot", query_size=4, key_size=6)


def test_unknown_attention_is_named_in_the_error():
    with pytest.raises(ValueError, match="'cosine'"):
        make_attention("cosine", 4, 4)
