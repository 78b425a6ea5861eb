"""The lexicon penalty: a word list steers character-level search toward known words."""

from dataclasses import dataclass

import pytest
import torch

from desktop_app.seq2seq import Tokenizer
from desktop_app.seq2seq.decoding import DecodeOptions, decode, run_to_end
from desktop_app.seq2seq.errors import CorruptFileError, MissingFileError
from desktop_app.seq2seq.interface import Selectable, StepOutput
from desktop_app.seq2seq.lexicon import Lexicon, LexiconPenalty, words_of
from desktop_app.seq2seq.tokenizer import EOS_ID

SENTENCES = ["open the door", "call my sister", "read a book", "where is tom's car?"]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    path = tmp_path_factory.mktemp("units") / "units.model"
    return Tokenizer.train(SENTENCES, path, vocab_size=30, model_type="char")


@dataclass
class Memory(Selectable):
    mask: torch.Tensor  # (batch, 1)


@dataclass
class Position(Selectable):
    index: torch.Tensor  # (batch,) how many tokens each hypothesis has written


class ScriptedModel(torch.nn.Module):
    """Scores the same for every hypothesis: position i's token probabilities come from `script[i]`
    ({piece: probability}; the rest share what is left), EOS after the script."""

    def __init__(self, tokenizer: Tokenizer, script: list[dict[str, float]]):
        super().__init__()
        self.config = None
        rows = [self._row(tokenizer, {p.replace(" ", "\u2581"): q for p, q in probs.items()}) for probs in script]
        rows.append(self._row(tokenizer, {}, eos=True))
        self.log_probs = torch.stack(rows).log()
        self.weight = torch.nn.Parameter(torch.zeros(1))  # decode() reads the device off a parameter

    @staticmethod
    def _row(tokenizer, probs, eos=False):
        ids = {tokenizer.pieces([i])[0]: i for i in range(tokenizer.vocab_size)}
        row = torch.full((tokenizer.vocab_size,), 1e-6)
        for piece, probability in probs.items():
            row[ids[piece]] = probability
        if eos:
            row[EOS_ID] = 0.99
        return row / row.sum()

    def encode(self, src, src_mask):
        return Memory(torch.ones(1, 1, dtype=torch.bool))

    def initial_state(self, memory):
        return Position(torch.zeros(memory.mask.size(0), dtype=torch.long))

    def step(self, prev_tokens, memory, state):
        index = state.index.clamp(max=len(self.log_probs) - 1)
        attention = torch.ones(len(index), 1)
        return StepOutput(self.log_probs[index], attention, None, Position(state.index + 1))


def spelled(word: str, doubt: dict[int, dict[str, float]]) -> list[dict[str, float]]:
    """A script that spells `word` surely, except at the positions in `doubt`."""
    return [doubt.get(i, {char: 0.99}) for i, char in enumerate(word)]


def transcribe(model, tokenizer, beam: int = 1) -> str:
    source = torch.zeros(3, 2)  # (frames, features): the scripted model ignores it
    steps, _ = run_to_end(decode(model, source, DecodeOptions(beam_size=beam, max_length_extra=20), tokenizer))
    return "".join(s.piece for s in steps)


def test_words_are_letters_and_inner_apostrophes():
    assert words_of("Where's Tom's car? 'Over there', he said.") == [
        "where's",
        "tom's",
        "car",
        "over",
        "there",
        "he",
        "said",
    ]


def test_the_lexicon_knows_its_words_and_their_beginnings(tmp_path):
    lexicon = Lexicon.from_sentences(SENTENCES)
    assert "door" in lexicon and "doo" not in lexicon and "tom's" in lexicon
    assert lexicon.starts_a_word("doo") and lexicon.starts_a_word("tom'") and not lexicon.starts_a_word("doa")
    lexicon.save(tmp_path / "words.txt")
    again = Lexicon.load(tmp_path / "words.txt")
    assert len(again) == len(lexicon) == 13 and "sister" in again


def test_a_missing_or_damaged_word_list_is_a_clear_error(tmp_path):
    with pytest.raises(MissingFileError, match="word list"):
        Lexicon.load(tmp_path / "words.txt")
    (tmp_path / "words.txt").write_bytes(b"door\n\xff\xfe\n")
    with pytest.raises(CorruptFileError, match="not UTF-8"):
        Lexicon.load(tmp_path / "words.txt")
    (tmp_path / "words.txt").write_text("door\nopen the\n")
    with pytest.raises(CorruptFileError, match="line 2 is not one lower-case word"):
        Lexicon.load(tmp_path / "words.txt")
    (tmp_path / "words.txt").write_text("")
    with pytest.raises(CorruptFileError, match="empty"):
        Lexicon.load(tmp_path / "words.txt")


def test_each_word_out_of_the_lexicon_is_penalised_once(tokenizer):
    steered = LexiconPenalty(ScriptedModel(tokenizer, []), Lexicon.from_sentences(SENTENCES), tokenizer, 2.0)

    def penalties(text: str) -> int:
        state, total = ("", False), 0
        for piece in [*text, " "]:  # the final space stands for EOS
            state, count = steered.advance(state, piece)
            total += count
        return total

    assert penalties("open the door") == 0
    assert penalties("open the doar") == 1  # at the "a": no word starts "doa"
    assert penalties("open the doorx doo") == 2  # "doorx" leaves the lexicon; "doo" only starts a word
    assert penalties("tom's car?") == 0 and penalties("toms car") == 1


def test_the_penalty_turns_a_near_miss_spelling_into_the_known_word(tokenizer):
    script = spelled("open the door", {11: {"a": 0.55, "o": 0.45}})
    model = ScriptedModel(tokenizer, script)
    lexicon = Lexicon.from_sentences(SENTENCES)
    for beam in (1, 4):
        assert transcribe(model, tokenizer, beam) == "open the doar"
        assert transcribe(LexiconPenalty(model, lexicon, tokenizer, 1.0), tokenizer, beam) == "open the door"
        # a clear spelling outweighs a small penalty: names and rare words survive
        clear = ScriptedModel(tokenizer, spelled("open the doar", {11: {"a": 0.95, "o": 0.05}}))
        assert transcribe(LexiconPenalty(clear, lexicon, tokenizer, 1.0), tokenizer, beam) == "open the doar"


def test_beam_search_keeps_each_hypothesis_word_state_apart(tokenizer):
    """Four spellings stay in the beam; each one's word state must follow it through reordering:
    "k" is wrong after "doo" and right after "boo", "r" the other way round."""
    script = spelled("door", {0: {"d": 0.5, "b": 0.5}, 3: {"r": 0.5, "k": 0.5}})
    steered = LexiconPenalty(ScriptedModel(tokenizer, script), Lexicon.from_sentences(SENTENCES), tokenizer, 1.5)
    _, nbest = run_to_end(decode(steered, torch.zeros(3, 2), DecodeOptions(beam_size=4, nbest=4), tokenizer))
    scores = {tokenizer.decode(h.token_ids): h.score * len(h.log_probs) for h in nbest}
    assert set(scores) == {"door", "book", "dook", "boor"}
    assert scores["door"] == pytest.approx(scores["book"], abs=1e-5)  # both known words: no penalty
    assert scores["door"] - scores["dook"] == pytest.approx(1.5, abs=1e-4)  # each misspelling paid once
    assert scores["book"] - scores["boor"] == pytest.approx(1.5, abs=1e-4)


def test_a_negative_penalty_is_refused(tokenizer):
    with pytest.raises(ValueError, match="must not be negative"):
        LexiconPenalty(ScriptedModel(tokenizer, []), Lexicon(["door"]), tokenizer, -1.0)


def test_a_recognizer_decodes_with_its_language_models_word_list(tiny_asr, tmp_path, capsys):
    import json

    from desktop_app.cli import main
    from desktop_app.seq2seq import ModelFolderError
    from desktop_app.speech.features import load_audio
    from desktop_app.speech.recognizer import Recognizer

    from .conftest import SPOKEN
    from .test_language_model import speech_folder_with_lm

    folder = speech_folder_with_lm(tiny_asr, tmp_path, SPOKEN, weight=0.3)
    with pytest.raises(ValueError, match="no word list"):
        Recognizer.from_folder(folder).set_lexicon_penalty(2.0)
    Lexicon.from_sentences(SPOKEN).save(folder / "lm" / "words.txt")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(dict(config, lexicon_penalty=2.0, beam_size=3)))
    recognizer = Recognizer.from_folder(folder)
    assert recognizer.decoding_summary() == "beam 3 with its language model (weight 0.3) and its word list (penalty 2)"
    for text, wav in zip(SPOKEN, tiny_asr.wavs, strict=True):
        assert recognizer.transcribe(load_audio(wav)).text == text
    assert main(["transcribe", "--model", str(folder), "--lexicon-penalty", "0", "--json", str(tiny_asr.wavs[0])]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == SPOKEN[0]
    (folder / "lm" / "words.txt").write_text("Open The\n")
    with pytest.raises(ModelFolderError, match="line 1 is not one lower-case word"):
        Recognizer.from_folder(folder)
    (folder / "lm" / "words.txt").unlink()
    with pytest.raises(ModelFolderError, match="lexicon_penalty: .* has no word list"):
        Recognizer.from_folder(folder)
