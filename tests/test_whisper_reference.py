"""The installed whisper-tiny.en, converted and run by Attend's own code, decodes real recordings token for
token as CTranslate2's own Whisper decoder does (tests/data/whisper-tiny.en-reference.json, made by
scripts/whisper_reference.py), and behaves as a recognizer should on noise, long audio and bad settings.

`make test` installs the model first and sets ATTEND_REQUIRE_WHISPER=1, so there these tests run."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_app.installing.install import installed_folder

REPO = Path(__file__).resolve().parent.parent
SPEECH = REPO.parent / "shared" / "data" / "speech" / "librispeech"
REFERENCE = json.loads((REPO / "tests" / "data" / "whisper-tiny.en-reference.json").read_text())


@pytest.fixture(scope="module")
def folder() -> Path:
    found = installed_folder("whisper-tiny.en")
    if found is None:
        if os.environ.get("ATTEND_REQUIRE_WHISPER") == "1":
            pytest.fail("whisper-tiny.en is not installed: run `attend models install whisper-tiny.en`")
        pytest.skip("whisper-tiny.en is not installed")
    if not SPEECH.is_dir():
        pytest.skip(f"no recordings at {SPEECH}")
    return found


@pytest.fixture(scope="module")
def recognizer(folder):
    import torch

    from desktop_app.speech.recognizer import Recognizer

    torch.set_num_threads(1)
    return Recognizer.from_folder(folder)


def audio(name: str) -> np.ndarray:
    from desktop_app.speech.features import load_audio

    return load_audio(SPEECH / name)


@pytest.mark.parametrize("row", REFERENCE["rows"], ids=lambda r: f"{r['audio']}-{'ts' if r['timestamps'] else 'text'}")
def test_tokens_and_no_speech_probability_match_ctranslate2(recognizer, row):
    from desktop_app.seq2seq.decoding import run_to_end

    recognizer.set_timestamps(row["timestamps"])
    try:
        steps, nbest = run_to_end(recognizer.stream(audio(row["audio"])))
    finally:
        recognizer.set_timestamps(False)
    assert nbest[0].token_ids == row["token_ids"]
    no_speech = math.exp(nbest[0].start_log_probs[recognizer.config.no_speech_id])
    assert no_speech == pytest.approx(row["no_speech_prob"], abs=2e-3)


def test_transcript_is_text_with_attention_over_the_audio_alone(recognizer):
    clip = audio("226-122538-0000.ogg")
    transcript = recognizer.transcribe(clip)
    assert transcript.text == (
        "Chapter 14, in Derek's Safe Control. The white cliffs of Dover gradually became more "
        "solid and distinct until at length they rose from the sea, a strong white wall,"
    )
    frames = math.ceil(clip.size / 16000 / 0.02)
    assert transcript.attention.shape == (len(transcript.pieces), frames)  # no padding columns, no control tokens
    assert "".join(transcript.pieces).strip() == transcript.text
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts) and 0 <= starts[0] and transcript.words[-1].end <= clip.size / 16000 + 0.05


def test_noise_gives_no_text(recognizer):
    noise = np.random.default_rng(0).normal(0, 0.1, 16000 * 3).astype(np.float32)
    assert recognizer.transcribe(noise).no_speech
    assert recognizer.transcribe(np.zeros(16000 * 2, np.float32)).no_speech


def test_audio_longer_than_a_window_is_transcribed_in_windows(recognizer):
    first, second = audio("226-122538-0000.ogg"), audio("226-122538-0001.ogg")
    pause = np.zeros(8000, np.float32)
    both = np.concatenate([first, pause, second, pause, first])  # 46 s: two windows
    transcript = recognizer.transcribe(both)
    text = transcript.text.lower()
    assert "white cliffs" in text and "purity of england" in text
    assert transcript.attention.shape[1] == pytest.approx(both.size / 16000 / 0.02, abs=3)
    assert transcript.words[-1].start > 30  # the second window's words are placed after the first's


def test_settings_whisper_lacks_are_refused_in_one_line(recognizer):
    for setter, what in (
        (recognizer.set_lm_weight, "language model"),
        (recognizer.set_ctc_decode_weight, "CTC"),
        (recognizer.set_lexicon_penalty, "word list"),
    ):
        with pytest.raises(ValueError, match=what):
            setter(0.5)
        setter(0.0)  # "off" is fine
    with pytest.raises(ValueError, match="English-only"):
        recognizer.set_task("translate")
    with pytest.raises(ValueError, match="English-only"):
        recognizer.set_language(None)


def test_transcribe_command_finds_the_model_by_name(folder):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_app",
            "transcribe",
            "--model",
            "whisper-tiny.en",
            str(SPEECH / "226-122538-0000.ogg"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ATTEND_MODELS_DIR": str(folder.parent)},
    )
    assert result.returncode == 0, result.stderr
    assert "white cliffs of Dover" in result.stdout


def test_transcribe_command_refuses_a_language_the_model_lacks_in_one_line(folder):
    for model, option, expected in (
        ("whisper-tiny.en", ["--language", "de"], "does not know the language 'de'"),
        ("asr-en", ["--task", "translate"], "not a Whisper model"),
    ):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "desktop_app",
                "transcribe",
                "--model",
                model,
                *option,
                str(SPEECH / "226-122538-0000.ogg"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "ATTEND_MODELS_DIR": str(folder.parent)},
        )
        assert result.returncode == 2 and expected in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and not result.stdout
