"""Speech: features, the tiny recognizer, streaming, bad audio, and the speech commands."""

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

from desktop_app.cli import main
from desktop_app.seq2seq import DecodeOptions, DecodingStopped, MissingFileError, load_folder
from desktop_app.speech import features as features_module
from desktop_app.speech.features import N_MELS, SAMPLE_RATE, AudioError, FeatureNormalizer, load_audio, log_mel
from desktop_app.speech.recognizer import Recognizer
from desktop_app.speech.speed import search_options
from desktop_app.speech.streaming import Final, Partial, StreamingRecognizer

from .conftest import SPOKEN


def test_log_mel_has_80_bands_at_100_frames_per_second():
    audio = np.random.default_rng(0).normal(0, 0.1, SAMPLE_RATE * 2).astype(np.float32)
    features = log_mel(audio)
    assert features.shape == (2 * 100 + 1, N_MELS)
    assert np.isfinite(log_mel(np.zeros(SAMPLE_RATE, np.float32))).all()


def test_normalizer_gives_zero_mean_unit_variance(tmp_path):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(3.0, 2.0, (50, N_MELS)).astype(np.float32) for _ in range(4)]
    normalizer = FeatureNormalizer.fit(arrays)
    normalizer.save(tmp_path / "f.json")
    normalized = np.concatenate([FeatureNormalizer.load(tmp_path / "f.json")(a) for a in arrays])
    assert abs(normalized.mean()) < 1e-4 and abs(normalized.std() - 1) < 1e-3


def test_any_rate_and_channel_count_becomes_16k_mono(tmp_path):
    t = np.arange(8000 * 2) / 8000
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1) * 0.3
    soundfile.write(tmp_path / "a.wav", stereo, 8000)
    soundfile.write(tmp_path / "a.ogg", stereo, 8000)
    for name in ("a.wav", "a.ogg"):
        audio = load_audio(tmp_path / name)
        assert audio.ndim == 1 and abs(audio.size - 2 * SAMPLE_RATE) < 200


@pytest.mark.parametrize(("content", "message"), [(b"", "is empty"), (b"RIFF\x00\x01garbage" * 10, "not a readable")])
def test_bad_audio_files_give_clear_errors(tmp_path, content, message):
    (tmp_path / "bad.wav").write_bytes(content)
    with pytest.raises(AudioError, match=message):
        load_audio(tmp_path / "bad.wav")


def test_very_long_audio_is_refused(tmp_path, monkeypatch):
    soundfile.write(tmp_path / "long.wav", np.zeros(SAMPLE_RATE * 3, np.float32), SAMPLE_RATE)
    monkeypatch.setattr(features_module, "MAX_SECONDS", 2)
    with pytest.raises(AudioError, match="minutes long"):
        load_audio(tmp_path / "long.wav")


@pytest.mark.parametrize("precision", ["auto", "int8"])
def test_tiny_recognizer_transcribes_what_it_learned(tiny_asr, precision):
    recognizer = Recognizer.from_folder(tiny_asr.folder, precision)
    assert (precision == "int8") == any("quantized" in type(m).__module__ for m in recognizer.model.modules())
    for wav, text in zip(tiny_asr.wavs, SPOKEN, strict=True):
        audio = load_audio(wav)
        transcript = recognizer.transcribe(audio)
        assert transcript.text == text
        assert recognizer.ctc_text(audio) == text
        assert transcript.attention.shape[0] == len(transcript.pieces)
        assert [w.word for w in transcript.words] == text.split()
        assert all(0 <= w.start < w.end <= transcript.duration + 0.05 for w in transcript.words)


def test_joint_ctc_decoding_keeps_the_transcript_when_the_attention_decoder_is_lost(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder, "float32")
    decoder_output = recognizer.model.output_layer
    torch.nn.init.zeros_(decoder_output.weight)  # attention now says nothing: every token equally likely
    torch.nn.init.zeros_(decoder_output.bias)
    audio = [load_audio(wav) for wav in tiny_asr.wavs]
    recognizer.model.config.ctc_decode_weight = 0.0
    assert [recognizer.transcribe(a).text for a in audio] != SPOKEN
    recognizer.model.config.ctc_decode_weight = 0.5
    assert [recognizer.transcribe(a).text for a in audio] == SPOKEN


def test_speech_folder_needs_its_feature_statistics(tiny_asr, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_asr.folder, copy)
    assert load_folder(copy).config.task == "speech"
    (copy / "features.json").unlink()
    with pytest.raises(MissingFileError, match="features.json"):
        load_folder(copy)


def _push(stream, audio, chunk=1600):
    return [event for start in range(0, audio.size, chunk) for event in stream.push(audio[start : start + chunk])]


def _stream(recognizer, audio, chunk=1600):
    stream = StreamingRecognizer(recognizer)
    return _push(stream, audio, chunk) + stream.flush()


class _HeldFinals:
    """A recognizer whose final decodings wait until the test lets them go (and that notes how they ended)."""

    def __init__(self, recognizer):
        self.recognizer = recognizer
        self.started, self.release, self.ended = threading.Event(), threading.Event(), threading.Event()
        self.errors = []

    def __getattr__(self, name):
        return getattr(self.recognizer, name)

    def transcribe(self, audio, options=None, stop=None):
        self.started.set()
        try:
            assert self.release.wait(30), "the test never released the final decoding"
            return self.recognizer.transcribe(audio, options, stop)
        except Exception as error:
            self.errors.append(error)
            raise
        finally:
            self.ended.set()


def test_streaming_gives_partials_then_the_offline_result(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder)
    speech = load_audio(tiny_asr.wavs[1])
    silence = np.zeros(SAMPLE_RATE, np.float32)
    events = _stream(recognizer, np.concatenate([silence, speech, silence]))
    partials = [e for e in events if isinstance(e, Partial)]
    finals = [e for e in events if isinstance(e, Final)]
    assert len(partials) >= 1 and len(finals) == 1
    assert events.index(partials[0]) < events.index(finals[0])
    assert finals[0].text == SPOKEN[1] == recognizer.transcribe(finals[0].audio).text
    assert 0.5 <= finals[0].start <= 1.05


def test_partials_keep_coming_while_the_segment_before_is_decoded(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder)
    held = _HeldFinals(recognizer)
    silence = np.zeros(SAMPLE_RATE, np.float32)
    first, second = load_audio(tiny_asr.wavs[1]), load_audio(tiny_asr.wavs[2])
    # decoded once the segment has closed (not early, in its pause: test_streaming_partial_rows.py), with a last
    # partial covering the whole segment to show until then
    stream = StreamingRecognizer(held, finals_in_background=True, speculate_after=None)
    events = _push(stream, np.concatenate([silence, first, silence]))
    assert held.started.wait(30)  # segment 0 has closed and its final decoding is held
    during = _push(stream, second)  # decoding in line, this would wait for the held final
    assert [e.segment for e in during if isinstance(e, Partial)] and {e.segment for e in during} == {1}
    assert not [e for e in events + during if isinstance(e, Final)]
    closing = [e for e in events if isinstance(e, Partial) and e.segment == 0][-1]  # shown until its final comes
    assert closing.text.strip() and closing.audio_seconds >= (silence.size + first.size) / SAMPLE_RATE
    held.release.set()
    finals = [e for e in _push(stream, silence) + stream.flush() if isinstance(e, Final)]
    assert [(f.segment, f.text) for f in finals] == [(0, SPOKEN[1]), (1, SPOKEN[2])]
    assert finals[0].start < finals[0].end < finals[1].start < finals[1].end


@pytest.mark.parametrize("how", ["cancel", "should_stop"])
def test_a_stopped_stream_ends_its_background_final_at_the_next_token(tiny_asr, how):
    held = _HeldFinals(Recognizer.from_folder(tiny_asr.folder))
    job_wanted = threading.Event()
    job_wanted.set()
    stream = StreamingRecognizer(held, finals_in_background=True, should_stop=lambda: not job_wanted.is_set())
    _push(
        stream,
        np.concatenate(
            [np.zeros(SAMPLE_RATE, np.float32), load_audio(tiny_asr.wavs[1]), np.zeros(SAMPLE_RATE, np.float32)]
        ),
    )
    assert held.started.wait(30)
    if how == "cancel":
        stream.cancel()
    else:
        job_wanted.clear()  # the job it serves is no longer wanted
    held.release.set()
    assert held.ended.wait(30)
    assert [type(e) for e in held.errors] == [DecodingStopped]
    assert stream.poll() == [] and stream.flush() == []


def test_speed_settings_search_less_and_never_more_than_the_folder():
    folder = DecodeOptions(beam_size=16, max_length_ratio=1.2)
    assert search_options(folder, "accurate") == folder
    assert (search_options(folder, "balanced").beam_size, search_options(folder, "balanced").beam_threshold) == (16, 6)
    assert (search_options(folder, "fast").beam_size, search_options(folder, "fast").beam_threshold) == (4, 6)
    assert search_options(folder, "fast").max_length_ratio == 1.2  # the rest of the folder's search stays
    narrow = DecodeOptions(beam_size=2, beam_threshold=3.0)
    assert (search_options(narrow, "fast").beam_size, search_options(narrow, "fast").beam_threshold) == (2, 3)
    assert search_options(DecodeOptions(beam_size=1), "fast").beam_size == 1
    with pytest.raises(ValueError, match="unknown speed setting 'turbo'.*accurate, balanced, fast"):
        search_options(folder, "turbo")


def test_silence_and_hiss_give_no_text(tiny_asr):
    recognizer = Recognizer.from_folder(tiny_asr.folder)
    quiet = np.random.default_rng(0).normal(0, 0.0005, SAMPLE_RATE * 3).astype(np.float32)
    assert _stream(recognizer, np.zeros(SAMPLE_RATE * 3, np.float32)) == []
    assert _stream(recognizer, quiet) == []


def test_transcribe_command_handles_formats_and_errors(tiny_asr, tmp_path, capsys):
    audio, rate = soundfile.read(tiny_asr.wavs[2])
    stereo_8k = np.stack([audio, audio], axis=1)[::2]  # 8 kHz-ish stereo copy
    soundfile.write(tmp_path / "s.flac", stereo_8k, rate // 2)
    (tmp_path / "broken.wav").write_bytes(b"not audio at all")
    code = main(
        ["transcribe", "--model", str(tiny_asr.folder), "--json", str(tiny_asr.wavs[2]), str(tmp_path / "broken.wav")]
    )
    captured = capsys.readouterr()
    assert code == 1 and "broken.wav" in captured.err and "Traceback" not in captured.err
    assert captured.err.splitlines()[-1] == (
        "attend transcribe: 1 of 2 files could not be transcribed (see above); the other one was transcribed"
    )
    assert len(captured.out.strip().splitlines()) == 1  # the good file's result, as without the broken one
    result = json.loads(captured.out.strip().splitlines()[0])
    assert result["text"] == SPOKEN[2] and [w["word"] for w in result["words"]] == SPOKEN[2].split()
    assert result["search"] == "greedy search"
    assert (
        main(
            [
                "transcribe",
                "--model",
                str(tiny_asr.folder),
                "--json",
                "--beam",
                "8",
                "--speed",
                "fast",
                str(tiny_asr.wavs[2]),
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["text"] == SPOKEN[2] and result["search"] == "beam 4 (threshold 6)"


def test_eval_asr_reports_wer_cer_and_speed(tiny_asr, tmp_path, capsys):
    rows = ["id\tpath\tduration\ttext\tvoice"] + [
        f"u{i}\t{wav}\t{soundfile.info(str(wav)).duration:.3f}\t{text}\tespeak-ng:en-us"
        for i, (wav, text) in enumerate(zip(tiny_asr.wavs, SPOKEN, strict=True))
    ]
    (tmp_path / "m.tsv").write_text("\n".join(rows) + "\n")
    assert main(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", str(tmp_path / "m.tsv")]) == 0
    out = capsys.readouterr().out
    assert "WER 0.00%" in out and "CER 0.00%" in out and "real-time factor" in out and "CTC weight 0.3" in out
    manifest = str(tmp_path / "m.tsv")
    assert (
        main(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", manifest, "--ctc-weight", "1", "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["ctc_weight"] == 1.0 and report["results"][manifest]["wer"] == 0.0  # CTC alone suffices here
    assert main(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", manifest, "--ctc-weight", "2"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
    assert (
        main(
            [
                "eval-asr",
                "--model",
                str(tiny_asr.folder),
                "--manifest",
                manifest,
                "--beam",
                "3",
                "--length-penalty",
                "0.5",
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["length_penalty"] == 0.5 and report["results"][manifest]["wer"] == 0.0
    assert main(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", manifest, "--length-penalty", "-1"]) == 2
    assert "length penalty must be zero or positive" in capsys.readouterr().err

    moved = tmp_path / "moved.tsv"  # a manifest whose audio is not where it says
    moved.write_text(
        "\n".join(rows[:1] + [r.replace(str(tiny_asr.wavs[0].parent), str(tmp_path / "gone")) for r in rows[1:]]) + "\n"
    )
    assert main(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", str(moved)]) == 2
    err = capsys.readouterr().err
    assert "skipping u0" in err and f"none of the 4 utterances of {moved} could be read" in err


def test_eval_asr_writes_an_error_table_worst_first(tiny_asr, tmp_path, capsys):
    texts = [SPOKEN[0], "a sentence nobody said", *SPOKEN[2:]]  # the second reference is wrong on purpose
    pairs = enumerate(zip(tiny_asr.wavs, texts, strict=True))
    rows = ["id\tpath\tduration\ttext\tvoice"] + [
        f"u{i}\t{wav}\t1.0\t{text}\tespeak-ng:en-us" for i, (wav, text) in pairs
    ]
    manifest = tmp_path / "m.tsv"
    manifest.write_text("\n".join(rows) + "\n")
    table = tmp_path / "errors.tsv"
    assert (
        main(
            [
                "eval-asr",
                "--model",
                str(tiny_asr.folder),
                "--manifest",
                str(manifest),
                "--beam",
                "1",
                "--errors",
                str(table),
            ]
        )
        == 0
    )
    header, worst, *rest = [line.split("\t") for line in table.read_text().splitlines()]
    assert header == ["manifest", "id", "voice", "wer", "reference", "hypothesis"]
    assert worst[1] == "u1" and float(worst[3]) == 100.0 and worst[5] == SPOKEN[1]
    assert [(r[1], float(r[3]), r[5]) for r in rest] == [
        ("u0", 0.0, SPOKEN[0]),
        ("u2", 0.0, SPOKEN[2]),
        ("u3", 0.0, SPOKEN[3]),
    ]
    capsys.readouterr()
    assert (
        main(
            [
                "eval-asr",
                "--model",
                str(tiny_asr.folder),
                "--manifest",
                str(manifest),
                "--errors",
                str(tmp_path / "no" / "such" / "dir.tsv"),
            ]
        )
        == 2
    )
    assert "does not exist" in capsys.readouterr().err


def test_eval_asr_in_two_processes_scores_and_orders_exactly_as_in_one(tiny_asr, tmp_path, capsys):
    texts = [SPOKEN[0], "a sentence nobody said", *SPOKEN[2:]]
    rows = ["id\tpath\tduration\ttext\tvoice"] + [
        f"u{i}\t{wav}\t1.0\t{text}\tv{i % 2}" for i, (wav, text) in enumerate(zip(tiny_asr.wavs, texts, strict=True))
    ]
    rows.append(f"gone\t{tmp_path / 'gone.wav'}\t1.0\tlost words\tv0")  # skipped in either case
    manifest = tmp_path / "m.tsv"
    manifest.write_text("\n".join(rows) + "\n")
    reports = {}
    for jobs in ("1", "2"):  # exit 1: scored, with an utterance skipped
        assert (
            main(
                [
                    "eval-asr",
                    "--model",
                    str(tiny_asr.folder),
                    "--manifest",
                    str(manifest),
                    "--beam",
                    "2",
                    "--jobs",
                    jobs,
                    "--errors",
                    str(tmp_path / f"errors{jobs}.tsv"),
                    "--json",
                ]
            )
            == 1
        )
        captured = capsys.readouterr()
        assert captured.err.splitlines()[0].startswith("attend eval-asr: skipping gone: ")
        assert captured.err.splitlines()[1:] == [
            "attend eval-asr: 1 of 5 utterances skipped (see above); the scores are over the remaining 4"
        ]
        reports[jobs] = json.loads(captured.out)["results"][str(manifest)]
    assert (tmp_path / "errors1.tsv").read_text() == (tmp_path / "errors2.tsv").read_text()
    assert reports["2"]["utterances"] == 4 and reports["2"]["wer"] == reports["1"]["wer"] > 0
    assert reports["2"]["voices"] == reports["1"]["voices"] and reports["2"]["rtf"] > 0
    assert main(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", str(manifest), "--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def _tiny_asr_config(tiny_asr, tmp_path, **training) -> Path:
    """A train-asr config over SPOKEN (the manifest and a noise file written under tmp_path)."""
    import yaml

    from .conftest import TINY_LAS

    noise_dir = tmp_path / "noise"
    noise_dir.mkdir()
    noise = np.random.default_rng(0).normal(0, 0.05, SAMPLE_RATE * 2).astype(np.float32)
    soundfile.write(noise_dir / "white.ogg", noise, SAMPLE_RATE)
    rows = ["id\tpath\tduration\ttext\tvoice"] + [
        f"u{i}\t{wav}\t{soundfile.info(str(wav)).duration:.3f}\t{text}\tespeak-ng:en-us"
        for i, (wav, text) in enumerate(zip(tiny_asr.wavs, SPOKEN, strict=True))
    ]
    (tmp_path / "train.tsv").write_text("\n".join(rows) + "\n")
    config = {
        "name": "asr-tiny",
        "language": "en",
        "data_root": str(tmp_path),
        "data": {
            "train": [{"path": "train.tsv", "repeat": 2}],
            "dev": ["train.tsv"],
            "batch_seconds": 8,
            "noise_dir": str(noise_dir),
            "feature_cache": str(tmp_path / "cache"),
        },
        "tokenizer": {"vocab_size": 30},
        "model": {"architecture": "las", **TINY_LAS},
        "training": {
            "epochs": 1,
            "warmup_steps": 2,
            "learning_rate": 0.003,
            "average_last": 1,
            "export_dtype": "float32",
            **training,
        },
    }
    (tmp_path / "asr.yaml").write_text(yaml.safe_dump(config))
    return tmp_path / "asr.yaml"


@pytest.mark.parametrize("precision, recorded", [("auto", "float32"), ("bfloat16", "bfloat16 autocast")])
def test_train_asr_runs_an_epoch_and_exports_a_speech_folder(tiny_asr, tmp_path, capsys, precision, recorded):
    from desktop_app.commands._training import _cpu_bfloat16_lstm_failure

    config = _tiny_asr_config(tiny_asr, tmp_path)
    command = ["train-asr", "--config", str(config), "--out", str(tmp_path / "run"), "--precision", precision]
    if precision == "bfloat16" and _cpu_bfloat16_lstm_failure():  # an AVX2-only CPU: refused before any work
        assert main(command) == 2
        assert "--precision float32" in capsys.readouterr().err and not (tmp_path / "run").exists()
        return
    assert main(command) == 0
    out = capsys.readouterr().out
    assert "8 training utterances" in out and '"dev_train_wer"' in out and f"training in {recorded} on" in out
    folder = tmp_path / "run" / "model"
    folder_config = json.loads((folder / "config.json").read_text())
    assert folder_config["task"] == "speech"
    assert folder_config["training"]["precision"] == folder_config["training"]["history"][-1]["precision"] == recorded
    assert len(list((tmp_path / "cache").rglob("*.npy"))) == 4  # features computed once per file
    Recognizer.from_folder(folder).transcribe(load_audio(tiny_asr.wavs[0]))


def test_train_asr_continues_from_an_exported_folder(tiny_asr, tmp_path, capsys):
    import shutil

    earlier = shutil.copytree(tiny_asr.folder, tmp_path / "earlier")  # the overfit model, as if 3 epochs trained
    folder_config = json.loads((earlier / "config.json").read_text())
    folder_config["training"] = {
        "epochs": 3,
        "steps": 30,
        "selected": "best epoch (3)",
        "train_hours": 0.5,
        "history": [{"epoch": e, "dev_train_wer": 100 - 30 * e} for e in (1, 2, 3)],
    }
    (earlier / "config.json").write_text(json.dumps(folder_config))
    config = _tiny_asr_config(tiny_asr, tmp_path, epochs=4, learning_rate=0.0001)
    run = tmp_path / "run"
    assert main(["train-asr", "--config", str(config), "--out", str(run), "--init-from", str(earlier)]) == 0
    assert "epoch 4 is next" in capsys.readouterr().out
    assert (run / "units.model").read_bytes() == (earlier / "target.model").read_bytes()
    training = json.loads((run / "model" / "config.json").read_text())["training"]
    assert [record["epoch"] for record in training["history"]] == [1, 2, 3, 4]
    assert training["started_from"]["folder"] == str(earlier) and training["epochs"] == 4
    assert training["history"][-1]["dev_train_wer"] <= 10  # the earlier weights, not a fresh start (~100)

    for bad, message in ((tmp_path / "missing", "not a model folder"), (tiny_asr.folder.parent, "not a model")):
        assert (
            main(["train-asr", "--config", str(config), "--out", str(tmp_path / "bad"), "--init-from", str(bad)]) == 2
        )
        assert message in capsys.readouterr().err


def test_train_asr_refuses_to_start_from_a_translation_folder(tiny_asr, tmp_path, capsys):
    config = _tiny_asr_config(tiny_asr, tmp_path)
    translator = Path(__file__).parents[1] / "models" / "en-de-rnn"
    assert (
        main(["train-asr", "--config", str(config), "--out", str(tmp_path / "run"), "--init-from", str(translator)])
        == 2
    )
    assert "not a speech recognizer" in capsys.readouterr().err


def test_word_spans_from_word_pieces_and_from_characters():
    from desktop_app.speech.recognizer import word_spans

    def rows(*peaks):  # one attention row per piece, peaked at the given frame
        return np.stack([np.eye(10, dtype=np.float32)[p] for p in peaks])

    pieces = ["\u2581open", "\u2581the", "\u2581do", "or"]
    spans = word_spans(pieces, rows(1, 3, 5, 6), 0.04)
    assert [(w.word, round(w.start, 2), round(w.end, 2)) for w in spans] == [
        ("open", 0.04, 0.08),
        ("the", 0.12, 0.16),
        ("door", 0.2, 0.28),
    ]
    characters = ["\u2581", "h", "i", "\u2581", "y", "o", "u"]  # word boundaries attend to the gaps (0, 4)
    spans = word_spans(characters, rows(0, 1, 2, 4, 6, 7, 8), 0.04)
    assert [(w.word, round(w.start, 2), round(w.end, 2)) for w in spans] == [("hi", 0.04, 0.12), ("you", 0.24, 0.36)]


def test_an_unsure_token_does_not_throw_its_word_across_the_utterance():
    from desktop_app.speech.recognizer import word_spans

    attention = np.eye(12, dtype=np.float32)[[0, 1, 2, 3, 5, 6, 7, 9, 10, 11]] * 0.6 + 0.04 * np.ones((10, 12))
    attention[8] = 0.05  # "u": diffuse, its peak at frame 0 and half its peak everywhere
    attention[8, 0] = 0.2
    pieces = ["\u2581", "h", "i", "\u2581", "t", "h", "e", "\u2581", "u", "s"]
    spans = word_spans(pieces, attention, 0.1)
    assert [(w.word, round(w.start, 1), round(w.end, 1)) for w in spans] == [
        ("hi", 0.1, 0.3),
        ("the", 0.5, 0.8),
        ("us", 0.9, 1.2),
    ]  # "u" sits with its neighbours


def test_feature_workers_end_when_the_training_process_is_killed(tmp_path):
    """A killed train-asr must not leave its feature-computing processes running."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "pool.py"
    script.write_text(
        "import multiprocessing, os, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from desktop_app.training.asr_task import _exit_with_parent\n"
        "if __name__ == '__main__':\n"
        "    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context('spawn'),\n"
        "                               initializer=_exit_with_parent, initargs=(os.getpid(),))\n"
        "    print(*pool.map(os.getpid().__class__, [0, 0]), flush=True)\n"  # starts the workers
        "    print(' '.join(str(p) for p in pool._processes), flush=True)\n"
        "    pool.map(time.sleep, [60] * 4)\n"
        "    time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    parent.stdout.readline()
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return not Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"

    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers)


def test_partial_words_stay_once_two_successive_decodes_agree_on_them():
    """What a person reads while speaking does not flicker: words two decodes in a row agree on are kept."""
    from desktop_app.speech.streaming import _LocalAgreement

    agreement = _LocalAgreement()
    assert agreement.add("the white clips") == ("the white clips", "")  # nothing to agree with yet
    assert agreement.add("the white cliffs of") == ("the white cliffs of", "the white")
    assert agreement.add("a white cliffs of dover") == ("the white cliffs of dover", "the white")  # kept
    assert agreement.add("the white cliffs of dover gradually")[1] == "the white"  # agrees only from word 2
    assert agreement.add("the white cliffs of dover gradually became") == (
        "the white cliffs of dover gradually became",
        "the white cliffs of dover gradually",
    )
    assert agreement.add("") == ("the white cliffs of dover gradually", "the white cliffs of dover gradually")
