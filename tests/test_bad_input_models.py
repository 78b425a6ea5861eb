"""Input a model cannot handle comes back with a warning, cut short, or as nothing; never as confident nonsense.

Decoders that loop are stopped and flagged; overlong sentences are translated part by part; text the model
cannot read is named; noise gives a recognizer no text.
"""

import numpy as np
import pytest

from desktop_app.seq2seq import BOS_ID, EOS_ID, DecodeOptions, Tokenizer, Translator, decode, run_to_end
from desktop_app.seq2seq.coverage import input_warning, known_characters
from desktop_app.seq2seq.text import split_clauses
from desktop_app.speech.features import SAMPLE_RATE, load_audio
from desktop_app.speech.no_speech import MIN_VOICED_FRAMES, heads_agree, voiced_frames
from desktop_app.speech.recognizer import Recognizer
from desktop_app.speech.segments import transcribe_long

from .conftest import SOURCES, TARGETS
from .test_decoding import A, B, BigramModel, C

BUNDLED = "models/en-de-transformer/joint.model"
SOURCE = list(range(10, 30)) + [EOS_ID]  # 20 ids that never repeat (the stub models ignore them)


# -- loops ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("beam", [1, 4])
def test_a_decoder_stuck_on_one_token_is_stopped_and_flagged(beam):
    stuck = {BOS_ID: {A: 1.0}, A: {A: 1.0}}
    options = DecodeOptions(beam_size=beam)
    steps, nbest = run_to_end(decode(BigramModel(stuck), SOURCE, options))
    assert nbest[0].looped and not nbest[0].finished
    assert nbest[0].token_ids == [A] * 8  # one piece 8 times; not the 50 the length limit allows
    assert [s.token_id for s in steps] == nbest[0].token_ids


def test_a_repeated_phrase_is_stopped_after_three_copies():
    cycle = {BOS_ID: {A: 1.0}, A: {B: 1.0}, B: {C: 1.0}, C: {A: 0.9, EOS_ID: 0.1}}
    _, nbest = run_to_end(decode(BigramModel(cycle), SOURCE))
    assert nbest[0].token_ids == [A, B, C] * 3 and nbest[0].looped


def test_beam_search_prefers_an_ending_over_a_loop():
    # The loop scores better token by token, but an ending that did not loop wins.
    tempting = {BOS_ID: {A: 0.6, B: 0.4}, A: {A: 1.0}, B: {C: 0.5, EOS_ID: 0.5}, C: {EOS_ID: 1.0}}
    _, nbest = run_to_end(decode(BigramModel(tempting), SOURCE, DecodeOptions(beam_size=2, nbest=2)))
    assert nbest[0].token_ids == [B, C] and nbest[0].finished
    assert nbest[1].token_ids == [A] * 8 and nbest[1].looped and nbest[1].score > nbest[0].score


def test_a_source_that_repeats_itself_may_be_repeated():
    cycle = {BOS_ID: {A: 1.0}, A: {B: 1.0}, B: {A: 0.9, EOS_ID: 0.1}}
    laugh = [7, 6] * 6 + [EOS_ID]  # "ha ha ha ha ha ha"
    _, plain = run_to_end(decode(BigramModel(cycle), [7, 6, 5, 4] * 3 + [EOS_ID]))
    _, echoed = run_to_end(decode(BigramModel(cycle), laugh))
    assert len(plain[0].token_ids) == 8 and len(echoed[0].token_ids) == 14  # 4 copies; 6 + 1
    assert DecodeOptions(loop_repeats=None).loop_repeats is None
    with pytest.raises(ValueError, match="loop"):
        DecodeOptions(loop_repeats=1)


# -- long sentences ------------------------------------------------------------------------------------
def test_long_sentences_are_cut_at_the_strongest_boundaries():
    words = lambda text: len(text.split())  # noqa: E731
    sentence = (
        "The old man, who had lived here all his life, walked to the market; he wanted bread "
        "and cheese but the shop was closed"
    )
    assert split_clauses(sentence, words, 30) == [sentence]
    assert split_clauses(sentence, words, 8) == [
        "The old man,",
        "who had lived here all his life,",
        "walked to the market;",
        "he wanted bread and cheese",
        "but the shop was closed",
    ]
    chunks = split_clauses(" ".join(["word"] * 25), words, 10)
    assert [words(c) for c in chunks] == [10, 10, 5]


def test_an_overlong_line_is_translated_whole_part_by_part(tiny_folder):
    translator = Translator.from_folder(tiny_folder.folder)
    lengths = [len(translator.source_tokenizer.encode(s)) for s in SOURCES]
    chosen = sorted(sorted(range(len(SOURCES)), key=lambda i: -lengths[i])[:4])  # no two fit in one part:
    translator.max_part_tokens = max(lengths[i] for i in chosen)
    assert 2 * min(lengths[i] for i in chosen) > translator.max_part_tokens
    line = " ".join(SOURCES[i] for i in chosen)
    assert translator.parts(line) == [SOURCES[i] for i in chosen]
    result = translator.translate(line)
    assert result.text == " ".join(TARGETS[i] for i in chosen)  # every part, in order
    assert result.nbest[0].finished and result.warning is None
    # the alignment: one block per part along the diagonal, then the sentence's one </s>
    widths = [lengths[i] for i in chosen]
    assert result.source_pieces[-1] == "</s>" and len(result.source_pieces) == sum(widths) + 1
    assert result.attention.shape == (len(result.steps), sum(widths) + 1)
    np.testing.assert_allclose(result.attention.sum(-1), 1.0, rtol=1e-5)
    first_part_rows = result.attention[: len(translator.target_tokenizer.encode(TARGETS[chosen[0]]))]
    assert first_part_rows[:, widths[0] : -1].max() == 0.0
    assert list(translator.sentences(line)) == translator.parts(line)  # what the Translate tab shows one by one


# -- unreadable input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, named",
    [
        ("مرحبا كيف حالك اليوم", "Arabic"),
        ("你好，你今天怎么样？", "Chinese"),
        ("😀😀🎉 👍🙂", "emoji"),
        ("\x1b[31mhello\x1b[0m", "control characters"),
    ],
)
def test_text_the_model_cannot_read_is_named(text, named):
    known = known_characters(Tokenizer.load(BUNDLED))
    warning = input_warning(text, known)
    assert warning is not None and named in warning and "invented" in warning


def test_ordinary_text_gets_no_warning():
    known = known_characters(Tokenizer.load(BUNDLED))
    for text in SOURCES + ["Tom's café is naïve — «really»!", "It costs 5€, or $6.", "Ich bin müde."]:
        assert input_warning(text, known) is None, text


# -- noise is not speech -------------------------------------------------------------------------------
def _noises(seconds: float = 2.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    spectrum = np.fft.rfft(rng.normal(size=n)) / np.maximum(np.arange(n // 2 + 1), 1)
    return {
        "clipped white": np.clip(rng.normal(0, 0.5, n), -1, 1),
        "white": rng.normal(0, 0.05, n),
        "brown": np.fft.irfft(spectrum, n) * 50,
        "hum 50 Hz": sum(0.1 / k * np.sin(2 * np.pi * 50 * k * t) for k in range(1, 8)),
        "hum 60 Hz": sum(0.1 / k * np.sin(2 * np.pi * 60 * k * t) for k in range(1, 8)),
        "silence": np.zeros(n),
    }


def test_noise_has_no_voice_and_a_vowel_has():
    for name, noise in _noises().items():
        assert voiced_frames(noise.astype(np.float32)) < MIN_VOICED_FRAMES, name
    t = np.arange(SAMPLE_RATE // 2) / SAMPLE_RATE
    pitch = 2 * np.pi * np.cumsum(np.full(t.size, 1 / SAMPLE_RATE) * (120 + 10 * np.sin(2 * np.pi * 3 * t)))
    vowel = sum(0.2 / k * np.sin(k * pitch) for k in range(1, 12)).astype(np.float32)  # 110-130 Hz, 11 harmonics
    assert voiced_frames(vowel) > 0.8 * (vowel.size // 160)


def test_a_transcript_the_ctc_head_does_not_bear_out_is_not_trusted():
    assert heads_agree("chapter fourteen inderix save controwl", "chapter fourteen in deryck's safe control")
    assert not heads_agree("h   o     o    o e o", "what do you want to do with the money")
    assert heads_agree("", "") and not heads_agree("", "three")


def test_noise_gives_the_recognizer_no_text_and_speech_keeps_its_text(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder)
    for name, noise in _noises().items():
        transcript = recognizer.transcribe(noise.astype(np.float32))
        assert transcript.text == "" and transcript.no_speech, name
        assert transcribe_long(recognizer, noise.astype(np.float32), partials=True) == [], name
    speech = load_audio(tiny_asr.wavs[0])
    assert recognizer.transcribe(speech).text == "open the door"


def test_the_bundled_recognizer_writes_nothing_for_clipped_white_noise():
    recognizer = Recognizer.from_folder("models/asr-en")
    noise = np.clip(np.random.default_rng(0).normal(0, 0.5, 10 * SAMPLE_RATE), -1, 1).astype(np.float32)
    assert recognizer.transcribe(noise).text == ""
    assert transcribe_long(recognizer, noise, partials=True) == []


def test_the_translate_command_warns_on_standard_error_and_still_translates(tiny_folder, capsys):
    from desktop_app.cli import main

    assert main(["translate", "--model", str(tiny_folder.folder), "你好，你今天怎么样？"]) == 0
    out, err = capsys.readouterr()
    assert out.strip()  # the translation, on standard output as always
    assert err.count("\n") == 1 and "warning:" in err and "Chinese" in err
    assert main(["translate", "--model", str(tiny_folder.folder), SOURCES[1]]) == 0
    assert capsys.readouterr() == (TARGETS[1] + "\n", "")


def test_the_transcribe_command_says_when_it_heard_no_speech(tiny_asr, tmp_path, capsys):
    import soundfile

    from desktop_app.cli import main

    noise = tmp_path / "noise.wav"
    soundfile.write(noise, np.clip(np.random.default_rng(1).normal(0, 0.5, 3 * SAMPLE_RATE), -1, 1), SAMPLE_RATE)
    assert main(["transcribe", "--model", str(tiny_asr.folder), str(noise)]) == 0
    out, err = capsys.readouterr()
    assert out == "\n" and err.strip() == f"attend transcribe: {noise}: no speech was heard (silence or noise)"
