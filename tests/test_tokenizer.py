import pytest

from desktop_app.seq2seq import BOS_ID, EOS_ID, PAD_ID, UNK_ID, Tokenizer
from desktop_app.seq2seq.text import split_sentences

from .conftest import SOURCES


def test_special_ids_are_fixed(tiny_tokenizers):
    source, _, folder = tiny_tokenizers
    assert (PAD_ID, UNK_ID, BOS_ID, EOS_ID) == (0, 1, 2, 3)
    assert source.pieces([UNK_ID]) == ["<unk>"]
    assert Tokenizer.load(folder / "source.model").encode("I am hungry.") == source.encode("I am hungry.")


def test_encode_decode_round_trip(tiny_tokenizers):
    source = tiny_tokenizers[0]
    for sentence in SOURCES:
        ids = source.encode(sentence)
        assert min(ids) > EOS_ID
        assert source.decode(ids) == sentence
        assert "".join(source.pieces(ids)).replace("\u2581", " ").strip() == sentence


ODD_TEXTS = ["Ça coûte 5 €", "日本語のテキスト", "emoji 🙂 and ZWJ 👩‍👩‍👧", "e\u0301 combining", "\ttabs\u00a0nbsp"]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_unicode_never_crashes_and_streams_consistently(tiny_tokenizers, text):
    source = tiny_tokenizers[0]
    ids = source.encode(text)
    detokenizer = source.detokenizer()
    streamed = "".join(detokenizer.push(i) for i in ids)
    assert streamed == source.decode(ids)


def test_split_sentences():
    text = "Hello Mr. Smith. How are you?  I'm fine!\nNew line without stop"
    assert split_sentences(text) == ["Hello Mr. Smith.", "How are you?", "I'm fine!", "New line without stop"]
    assert split_sentences("   \n ") == []
    assert split_sentences('He said "Go." Then left.') == ['He said "Go."', "Then left."]
    # a title does not end a sentence, in the languages the app translates; an "M." inside a word does
    text = "Il parle avec M. Dupont. Hr. Müller kommt."
    assert split_sentences(text) == ["Il parle avec M. Dupont.", "Hr. Müller kommt."]
    assert split_sentences("See you at 5 P.M. Then we eat.") == ["See you at 5 P.M.", "Then we eat."]
    assert split_sentences("We climbed Mt. Fuji. It was cold.") == ["We climbed Mt. Fuji.", "It was cold."]
