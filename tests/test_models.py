"""Both architectures: incremental decoding matches the teacher-forced pass; shapes at the boundary."""

import pytest
import torch

from desktop_app.seq2seq import quantize
from desktop_app.seq2seq.architectures import build_model, make_config
from desktop_app.seq2seq.batch import make_batch
from desktop_app.seq2seq.errors import ConfigError, UnknownArchitectureError

from .conftest import TINY_CONFIGS


def _random_model(architecture, **overrides):
    torch.manual_seed(1)
    return build_model(
        architecture, dict(TINY_CONFIGS[architecture], src_vocab_size=30, tgt_vocab_size=40, **overrides)
    ).eval()


def _batch():
    return make_batch([([5, 6, 7, 8], [9, 10, 11]), ([12, 13], [14, 15, 16, 17, 18])])


ARCHITECTURE_VARIANTS = [
    ("transformer", {}),
    ("transformer", {"tie_output_embeddings": False}),
    ("rnn", {"cell": "lstm", "attention": "bahdanau"}),
    ("rnn", {"cell": "gru", "attention": "luong_dot", "decoder_layers": 2}),
    ("rnn", {"cell": "lstm", "attention": "luong_general", "tie_output_embeddings": True, "encoder_layers": 2}),
]


@pytest.mark.parametrize("precision", ["training", "float32"])
@pytest.mark.parametrize(("architecture", "overrides"), ARCHITECTURE_VARIANTS)
def test_step_by_step_decoding_equals_teacher_forcing(architecture, overrides, precision):
    model = _random_model(architecture, **overrides)
    if precision == "float32":  # the inference copy, with fused projections
        model = quantize.model_for_inference(model, precision, folder_wants_int8=False)
    batch = _batch()
    with torch.no_grad():
        logits, attention = model(batch.src, batch.src_mask, batch.tgt_in)
        memory = model.encode(batch.src, batch.src_mask)
        state = model.initial_state(memory)
        for t in range(batch.tgt_in.size(1)):
            out = model.step(batch.tgt_in[:, t], memory, state)
            torch.testing.assert_close(out.log_probs, torch.log_softmax(logits[:, t], -1), atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(out.attention, attention[:, t], atol=1e-5, rtol=1e-4)
            state = out.state
    assert logits.shape == (2, batch.tgt_in.size(1), 40)
    assert attention.shape == (2, batch.tgt_in.size(1), batch.src.size(1))


def test_transformer_exposes_cross_attention_per_layer_and_head():
    model = _random_model("transformer")
    batch = _batch()
    with torch.no_grad():
        memory = model.encode(batch.src, batch.src_mask)
        out = model.step(batch.tgt_in[:, 0], memory, model.initial_state(memory))
    layers, heads = TINY_CONFIGS["transformer"]["decoder_layers"], TINY_CONFIGS["transformer"]["heads"]
    assert out.attention_heads.shape == (2, layers, heads, batch.src.size(1))
    torch.testing.assert_close(out.attention_heads.sum(-1), torch.ones(2, layers, heads))
    assert torch.all(out.attention_heads[1, :, :, 3:] == 0)  # second sentence is 3 tokens long


def test_shared_and_tied_embeddings_are_one_matrix():
    model = build_model(
        "transformer", dict(TINY_CONFIGS["transformer"], src_vocab_size=40, tgt_vocab_size=40, share_embeddings=True)
    )
    assert model.src_embedding.weight is model.tgt_embedding.weight is model.output_layer.weight


def test_config_errors_are_specific():
    with pytest.raises(UnknownArchitectureError, match="'convs2s'"):
        make_config("convs2s", {})
    with pytest.raises(ConfigError, match="unknown rnn setting"):
        make_config("rnn", {"src_vocab_size": 5, "tgt_vocab_size": 5, "hiden_size": 3})
    with pytest.raises(ConfigError, match="divisible by heads"):
        make_config("transformer", {"src_vocab_size": 5, "tgt_vocab_size": 5, "d_model": 30, "heads": 4})
    with pytest.raises(ConfigError, match="cell must be"):
        make_config("rnn", {"src_vocab_size": 5, "tgt_vocab_size": 5, "cell": "rnn"})


@pytest.mark.parametrize("pyramid_layers", [0, 1])
def test_speech_encoder_frames_and_padding(pyramid_layers):
    """Encoder frames = input frames / time_reduction (rounded up); padding a short utterance in a
    batch changes neither its encoding nor what the decoder attends to."""
    from .conftest import TINY_LAS

    torch.manual_seed(1)
    model = build_model("las", dict(TINY_LAS, tgt_vocab_size=20, pyramid_layers=pyramid_layers)).eval()
    reduction = model.config.time_reduction
    assert reduction == 4 * 2**pyramid_layers
    long, short = torch.randn(1, 101, 80), torch.randn(1, 37, 80)
    batch = torch.cat([long, torch.cat([short, torch.zeros(1, 64, 80)], dim=1)])
    mask = torch.zeros(2, 101, dtype=torch.bool)
    mask[0], mask[1, :37] = True, True
    tokens = torch.tensor([[2, 5, 6], [2, 7, 8]])
    with torch.no_grad():
        memory = model.encode(batch, mask)
        alone = model.encode(short, torch.ones(1, 37, dtype=torch.bool))
        _, attention = model(batch, mask, tokens)
    assert memory.mask.sum(dim=1).tolist() == [-(-101 // reduction), -(-37 // reduction)]
    frames = alone.outputs.size(1)
    torch.testing.assert_close(memory.outputs[1, :frames], alone.outputs[0], atol=1e-5, rtol=1e-4)
    assert torch.all(attention[1, :, frames:] == 0)
