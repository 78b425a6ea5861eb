"""Internal language-model subtraction: the recognizer's own estimate of its training text, taken out of the
token scores before the external language model's are added (seq2seq/fusion.py, LASRecognizer.internal_lm_step)."""

import json
from dataclasses import replace

import pytest
import torch

from desktop_app.cli import main
from desktop_app.seq2seq import load_folder
from desktop_app.seq2seq.errors import ConfigError
from desktop_app.seq2seq.fusion import InternalLMSubtraction
from desktop_app.seq2seq.tokenizer import BOS_ID
from desktop_app.speech.features import load_audio
from desktop_app.speech.recognizer import SPEECH_DECODE, Recognizer

from .conftest import SPOKEN
from .test_language_model import speech_folder_with_lm


def memory_of(recognizer: Recognizer, wav):
    features = torch.as_tensor(recognizer.features(load_audio(wav))).unsqueeze(0)
    return recognizer.model.encode(features, torch.ones(features.shape[:2], dtype=torch.bool))


def test_the_internal_lm_estimate_reads_the_text_and_never_the_audio(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder)
    model, prefix = recognizer.model, [BOS_ID, *recognizer.tokenizer.encode(SPOKEN[0])[:3]]
    with torch.inference_mode():
        estimates, steps = [], []
        for wav in tiny_asr.wavs[:2]:
            memory = memory_of(recognizer, wav)
            ilm_state, state = model.internal_lm_state(memory), model.initial_state(memory)
            for token in prefix:
                ilm_log_probs, ilm_state = model.internal_lm_step(torch.tensor([token]), ilm_state)
                step = model.step(torch.tensor([token]), memory, state)
                state = step.state
            estimates.append(ilm_log_probs)
            steps.append(step.log_probs)
    assert torch.allclose(estimates[0].exp().sum(), torch.tensor(1.0))  # a distribution over the units
    assert torch.equal(estimates[0], estimates[1])  # the same text, different audio: the same estimate
    assert not torch.equal(steps[0], steps[1])  # while the recognizer's own scores follow the audio


def test_subtraction_takes_the_weighted_estimate_out_of_each_token_score(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder)
    model = recognizer.model
    discounted = InternalLMSubtraction(model, weight=0.4)
    token = torch.tensor([BOS_ID])
    with torch.inference_mode():
        memory = memory_of(recognizer, tiny_asr.wavs[0])
        out = discounted.step(token, memory, discounted.initial_state(memory))
        plain = model.step(token, memory, model.initial_state(memory))
        ilm_log_probs, _ = model.internal_lm_step(token, model.internal_lm_state(memory))
    finite = torch.isfinite(plain.log_probs)
    assert torch.allclose(out.log_probs[finite], (plain.log_probs - 0.4 * ilm_log_probs)[finite])
    assert torch.equal(out.attention, plain.attention)  # the rows users see stay the recognizer's


def test_the_recognizer_decodes_right_with_the_subtraction_and_says_so(tiny_asr, tmp_path):
    folder = speech_folder_with_lm(tiny_asr, tmp_path, SPOKEN, weight=0.5)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps(dict(config, beam_size=3, ilm_weight=0.2)))
    recognizer = Recognizer.from_folder(folder)
    assert recognizer.ilm_weight == 0.2
    assert recognizer.decoding_summary() == (
        "beam 3 with its language model (weight 0.5), less its internal language model (weight 0.2)"
    )
    for text, wav in zip(SPOKEN, tiny_asr.wavs, strict=True):
        assert recognizer.transcribe(load_audio(wav), replace(SPEECH_DECODE, beam_size=3)).text == text
    recognizer.set_ilm_weight(0.0)
    assert recognizer.decoder.model is recognizer.model  # the fusion wraps the recognizer itself again
    (folder / "config.json").write_text(json.dumps(dict(config, ilm_weight=-0.5)))
    with pytest.raises(ConfigError, match="ilm_weight: the internal language-model weight must not be negative"):
        Recognizer.from_folder(folder)


def test_a_model_without_an_internal_lm_estimate_is_refused(tiny_folder):
    with pytest.raises(ValueError, match="has no internal language-model estimate"):
        InternalLMSubtraction(load_folder(tiny_folder.folder).model, 0.2)


def test_eval_asr_and_transcribe_take_the_weight(tiny_asr, tmp_path, capsys):
    import soundfile

    rows = ["id\tpath\tduration\ttext\tvoice"] + [
        f"u{i}\t{wav}\t{soundfile.info(str(wav)).duration:.3f}\t{text}\tespeak-ng:en-us"
        for i, (wav, text) in enumerate(zip(tiny_asr.wavs, SPOKEN, strict=True))
    ]
    manifest = tmp_path / "m.tsv"
    manifest.write_text("\n".join(rows) + "\n")
    assert (
        main(
            ["eval-asr", "--model", str(tiny_asr.folder), "--manifest", str(manifest), "--ilm-weight", "0.1", "--json"]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["ilm_weight"] == 0.1 and report["results"][str(manifest)]["wer"] == 0.0
    assert main(["transcribe", "--model", str(tiny_asr.folder), "--ilm-weight", "-1", str(tiny_asr.wavs[0])]) == 2
    assert "must not be negative" in capsys.readouterr().err
