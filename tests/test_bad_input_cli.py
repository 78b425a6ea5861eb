"""Bad input to the commands: one line on standard error that names the file or value, never a
traceback, and a batch keeps its good items."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.cli import main

from .conftest import SOURCES, SPOKEN, TARGETS


@dataclass
class World:
    """What a row builds its command line from; the speech model is trained only for rows that use it."""

    request: pytest.FixtureRequest
    tmp: Path
    mt: Path  # the tiny Transformer translation folder (128 positions)
    stdin: bytes | None = None

    @cached_property
    def asr(self):
        return self.request.getfixturevalue("tiny_asr")

    def file(self, name: str, content: str | bytes) -> str:
        path = self.tmp / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    def damaged(self, change: Callable[[dict], None]) -> str:
        """A copy of the translation folder with config.json changed."""
        import shutil

        folder = self.tmp / "damaged"
        shutil.copytree(self.mt, folder)
        config = json.loads((folder / "config.json").read_text())
        change(config)
        (folder / "config.json").write_text(json.dumps(config))
        return str(folder)

    def linked_out(self, name: str) -> str:
        """A copy of the translation folder whose file `name` is a symbolic link to a file outside it."""
        import shutil

        folder = self.tmp / "linked"
        shutil.copytree(self.mt, folder)
        outside = self.tmp / f"outside-{name}"
        (folder / name).rename(outside)
        (folder / name).symlink_to(outside)
        return str(folder)

    def wav(self, name: str, samples: np.ndarray) -> Path:
        soundfile.write(self.tmp / name, samples, 16000, subtype="FLOAT")
        return self.tmp / name

    def manifest(self, bad_row: str) -> str:
        """Two good utterances, then `bad_row` (id "bad")."""
        rows = ["id\tpath\tduration\ttext\tvoice"] + [f"u{i}\t{self.asr.wavs[i]}\t1.0\t{SPOKEN[i]}\tv" for i in (0, 1)]
        return self.file("m.tsv", "\n".join([*rows, bad_row]) + "\n")


def _eval_mt(w: World, *extra: str, src: str | None = None, ref: str | None = None) -> list[str]:
    return [
        "eval-mt",
        "--model",
        str(w.mt),
        "--src",
        src or w.file("s.en", f"{SOURCES[0]}\n{SOURCES[1]}\n"),
        "--ref",
        ref or w.file("r.de", f"{TARGETS[0]}\n{TARGETS[1]}\n"),
        *extra,
    ]


def _eval_asr(w: World, bad_row: str, *extra: str) -> list[str]:
    return ["eval-asr", "--model", str(w.asr.folder), "--manifest", w.manifest(bad_row), "--json", *extra]


def _stdin(w: World, data: bytes) -> list[str]:
    w.stdin = data
    return ["translate", "--model", str(w.mt)]


def _scored_two(out: str) -> bool:
    """eval-asr --json scored the two good utterances, both right."""
    (result,) = json.loads(out)["results"].values()
    return result["utterances"] == 2 and result["wer"] == 0.0


# name: (command line, exit code, what the one line on standard error says (None: nothing), standard output check).
# Exit 2: nothing was done; 1: a batch finished its good items (their results are checked) and left out the bad
# one, which its line names, followed by the summary line in SUMMARIES; 0: every item went through.
ROWS: dict[str, tuple[Callable[[World], list[str]], int, str | None, Callable[[str], bool] | None]] = {
    "translate with a speech folder": (
        lambda w: ["translate", "--model", str(w.asr.folder), "hi"],
        2,
        "asr-tiny is a speech model folder, not a translation model",
        None,
    ),
    "translate a non-UTF-8 line": (
        lambda w: _stdin(w, f"{SOURCES[1]}\n\xff\xfe oops\n{SOURCES[3]}\n".encode("latin-1")),
        1,
        "standard input line 2: the text is not valid UTF-8 (character 1 is the undecodable byte 0xff)",
        lambda out: out.splitlines() == [TARGETS[1], "", TARGETS[3]],
    ),
    "translate past max_positions": (  # 150 pieces for 128 positions: translated in parts
        lambda w: ["translate", "--model", str(w.mt), "water " * 150],
        0,
        None,
        lambda out: len(out.splitlines()) == 1 and out.strip(),
    ),
    "translate an empty text": (
        lambda w: ["translate", "--model", str(w.mt), ""],
        2,
        "nothing to translate: the text is empty",
        None,
    ),
    "translate with a file as model folder": (
        lambda w: ["translate", "--model", str(w.mt / "config.json"), "hi"],
        2,
        "config.json is a file, not a model folder",
        None,
    ),
    "transcribe --beam -1": (
        lambda w: ["transcribe", "--model", str(w.asr.folder), "--beam", "-1", str(w.asr.wavs[0])],
        2,
        "argument --beam: must be at least 1, not -1",
        None,
    ),
    "transcribe --beam 0": (
        lambda w: ["transcribe", "--model", str(w.asr.folder), "--beam", "0", str(w.asr.wavs[0])],
        2,
        "argument --beam: must be at least 1, not 0",
        None,
    ),
    "transcribe a folder": (
        lambda w: ["transcribe", "--model", str(w.asr.folder), str(w.asr.wavs[0]), str(w.tmp)],
        1,
        "is a folder, not an audio file",
        lambda out: [line.split("\t")[1] for line in out.splitlines()] == [SPOKEN[0]],
    ),
    "transcribe NaN samples between good files": (
        lambda w: [
            "transcribe",
            "--model",
            str(w.asr.folder),
            str(w.asr.wavs[0]),
            str(w.wav("nan.wav", np.full(16000, np.nan))),
            str(w.asr.wavs[1]),
        ],
        1,
        "nan.wav contains invalid samples (NaN or infinity)",
        lambda out: [line.split("\t")[1] for line in out.splitlines()] == [SPOKEN[0], SPOKEN[1]],
    ),
    "eval-mt on empty files": (
        lambda w: _eval_mt(w, src=w.file("e.en", ""), ref=w.file("e.de", "")),
        2,
        "e.en is empty",
        None,
    ),
    "eval-mt --output into a missing folder": (
        lambda w: _eval_mt(w, "--output", str(w.tmp / "no" / "out.de")),
        2,
        "no/out.de: its folder does not exist",
        None,
    ),
    "eval-mt with a form feed and U+2028 in lines": (  # still two lines, each scored against its own
        lambda w: _eval_mt(w, ref=w.file("r.de", f"{TARGETS[0]}\f\n{TARGETS[1]}\u2028\n")),
        0,
        None,
        lambda out: "BLEU = 100.00" in out and "2 sentences" in out,
    ),
    "eval-mt --limit -1": (
        lambda w: _eval_mt(w, "--limit", "-1"),
        2,
        "argument --limit: must be at least 0, not -1",
        None,
    ),
    "eval-mt with a line past max_positions": (  # translated in parts, not scored as an empty translation
        lambda w: _eval_mt(
            w, "--output", str(w.tmp / "out.de"), src=w.file("s.en", f"{SOURCES[0]}\n{'water ' * 150}\n")
        ),
        0,
        None,
        lambda out: "2 sentences" in out,
    ),
    "eval-asr with a 10 ms utterance": (
        lambda w: _eval_asr(w, f"bad\t{w.wav('short.wav', np.zeros(160))}\t0.01\topen\tv"),
        1,
        "skipping bad: the audio is too short",
        _scored_two,
    ),
    "eval-asr --jobs 2 with a 10 ms utterance": (
        lambda w: _eval_asr(w, f"bad\t{w.wav('short.wav', np.zeros(160))}\t0.01\topen\tv", "--jobs", "2"),
        1,
        "skipping bad: the audio is too short",
        _scored_two,
    ),
    "eval-asr with NaN samples": (
        lambda w: _eval_asr(w, f"bad\t{w.wav('nan.wav', np.full(16000, np.nan))}\t1.0\topen\tv"),
        1,
        "skipping bad: nan.wav contains invalid samples (NaN or infinity)",
        _scored_two,
    ),
    "eval-asr with an empty reference": (
        lambda w: _eval_asr(w, f"bad\t{w.asr.wavs[2]}\t1.0\t\tother"),
        1,
        "skipping bad: its reference text is empty",
        _scored_two,
    ),
    "eval-asr with a short manifest row": (
        lambda w: _eval_asr(w, f"bad\t{w.asr.wavs[2]}"),
        1,
        "skipping bad (line 4): no duration, text, voice column",
        _scored_two,
    ),
    "config heads 0": (
        lambda w: ["translate", "--model", w.damaged(lambda c: c["model"].update(heads=0)), "hi"],
        2,
        "damaged/config.json: invalid transformer setting heads: must be a whole number of at least 1, not 0",
        None,
    ),
    "config negative d_model": (
        lambda w: ["translate", "--model", w.damaged(lambda c: c["model"].update(d_model=-32)), "hi"],
        2,
        "invalid transformer setting d_model: must be a whole number of at least 1, not -32",
        None,
    ),
    "config with a 16 M vocabulary": (  # 2 GB of embedding: refused from the file's header, not after filling it
        lambda w: ["translate", "--model", w.damaged(lambda c: c["model"].update(src_vocab_size=16_000_000)), "hi"],
        2,
        "model.safetensors: tensor src_embedding.weight has shape (80, 32), but config.json implies (16000000, 32)",
        None,
    ),
    "config tokenizer outside the folder": (
        lambda w: ["translate", "--model", w.damaged(lambda c: c.update(source_tokenizer="../source.model")), "hi"],
        2,
        "source_tokenizer '../source.model' must name a file inside the folder",
        None,
    ),
    "config tokenizer at an absolute path": (
        lambda w: [
            "translate",
            "--model",
            w.damaged(lambda c: c.update(target_tokenizer=str(w.mt / "target.model"))),
            "hi",
        ],
        2,
        "must name a file inside the folder",
        None,
    ),
    "config tokenizer linked out of the folder": (  # the name is inside, the symbolic link leads out
        lambda w: ["translate", "--model", w.linked_out("source.model"), "hi"],
        2,
        "linked/config.json: source_tokenizer 'source.model' must name a file inside the folder",
        None,
    ),
}

_ASR_SUMMARY = "attend eval-asr: 1 of 3 utterances skipped (see above); the scores are over the remaining 2"
# the last line on standard error of each row whose batch left out an item
SUMMARIES = {
    "translate a non-UTF-8 line": "attend translate: 1 of 3 lines could not be translated (see above); the other 2 "
    "were translated (an empty line out for each that was not)",
    "transcribe a folder": "attend transcribe: 1 of 2 files could not be transcribed (see above); the other one was "
    "transcribed",
    "transcribe NaN samples between good files": "attend transcribe: 1 of 3 files could not be transcribed (see "
    "above); the other 2 were transcribed",
    **{row: _ASR_SUMMARY for row in ROWS if row.startswith("eval-asr with") or row.startswith("eval-asr --jobs")},
}


@pytest.mark.parametrize("tiny_folder", ["transformer"], indirect=True)
@pytest.mark.parametrize("row", list(ROWS))
def test_bad_input_gives_one_line_and_keeps_the_good_items(row, tiny_folder, request, tmp_path, monkeypatch, capsys):
    command, expected_code, message, output_check = ROWS[row]
    world = World(request, tmp_path, tiny_folder.folder)
    argv = command(world)
    if world.stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(world.stdin), encoding="utf-8"))
    capsys.readouterr()
    start = time.perf_counter()
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse refuses a value
        code = stop.code
    seconds = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code == expected_code, err
    lines = [line for line in err.splitlines() if not line.startswith(("usage:", " "))]  # argparse's usage aside
    lines = [line for line in lines if ": warning: " not in line]  # a warning about an item is not its failure
    assert (row in SUMMARIES) == (expected_code == 1)
    if row in SUMMARIES:
        assert lines[-1] == SUMMARIES[row], err
        lines = lines[:-1]
    if message is None:
        assert lines == []
    else:
        assert len(lines) == 1 and lines[0].startswith("attend ") and message in lines[0], err
    if output_check is not None:
        assert output_check(out), out
    assert seconds < (8 if "--jobs" in argv else 2)  # no 8 GB allocation, no decoding before a refusal


def test_eval_mt_says_how_many_lines_it_could_not_translate(tiny_folder, tmp_path, monkeypatch, capsys):
    from desktop_app.seq2seq import InputError, Translator

    translate = Translator.translate

    def refuse_the_second(self, text, options):
        if text == SOURCES[1]:
            raise InputError("this sentence cannot be translated")
        return translate(self, text, options)

    monkeypatch.setattr(Translator, "translate", refuse_the_second)
    src, ref = tmp_path / "s.en", tmp_path / "r.de"
    src.write_text("\n".join(SOURCES[:3]) + "\n")
    ref.write_text("\n".join(TARGETS[:3]) + "\n")
    assert (
        main(
            [
                "eval-mt",
                "--model",
                str(tiny_folder.folder),
                "--src",
                str(src),
                "--ref",
                str(ref),
                "--output",
                str(tmp_path / "out.de"),
            ]
        )
        == 1
    )  # scored, with a line left untranslated
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"attend eval-mt: {src} line 2: this sentence cannot be translated",
        "attend eval-mt: 1 of 3 lines could not be translated (see above); they count as "
        "empty translations in the scores",
    ]
    assert (tmp_path / "out.de").read_text().splitlines() == [TARGETS[0], "", TARGETS[2]]
    assert "BLEU = " in out and "chrF = " in out and "3 sentences" in out  # the scores, as on a clean set


def test_eval_asr_scores_the_manifests_it_can_and_says_which_it_cannot(tiny_asr, tmp_path, capsys):
    good, lost = tmp_path / "good.tsv", tmp_path / "lost.tsv"
    header = "id\tpath\tduration\ttext\tvoice"
    good.write_text("\n".join([header] + [f"u{i}\t{tiny_asr.wavs[i]}\t1.0\t{SPOKEN[i]}\tv" for i in (0, 1)]) + "\n")
    lost.write_text(f"{header}\ngone\t{tmp_path / 'gone.wav'}\t1.0\tlost words\tv\n")
    assert main(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", str(lost), str(good), "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["results"] == {str(good): json.loads(out)["results"][str(good)]}  # the good one alone
    assert _scored_two(out)
    lines = err.splitlines()
    assert len(lines) == 3 and "skipping gone" in lines[0] and f"none of the 1 utterances of {lost}" in lines[1]
    assert lines[2] == "attend eval-asr: 1 of 3 utterances skipped (see above); the scores are over the remaining 2"
    assert main(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", str(good)]) == 0  # a clean one: 0
    out, err = capsys.readouterr()
    assert err == "" and "WER 0.00%" in out


# The bundle scripts run eval-asr / eval-mt: exit 1 with scores = scored with skips (said in the log);
# no score = one line, not CalledProcessError's traceback.


def _bundle_mt():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bundle_mt", Path(__file__).parents[1] / "scripts" / "bundle_mt.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _finished(returncode: int, stdout: str, stderr: str):
    import subprocess

    return lambda argv, **_: subprocess.CompletedProcess(argv, returncode, stdout, stderr)


SCORES = {"results": {"dev.tsv": {"wer": 5.0, "utterances": 398}}}
SKIPS = (
    "attend eval-asr: skipping a: the audio is too short\nattend eval-asr: skipping b: b.wav does not exist\n"
    "attend eval-asr: 2 of 400 utterances skipped (see above); the scores are over the remaining 398\n"
)


def test_a_bundle_run_with_skips_uses_the_scores_and_says_so(capsys):
    from .test_bundle_card import _bundle_asr

    scores = _bundle_asr().run_scores  # scripts/attend_scores.py, as the bundle scripts import it
    command = ["eval-asr", "--model", "m", "--manifest", "dev.tsv", "--json"]
    assert scores(command, Path("."), _finished(0, json.dumps(SCORES), "")) == SCORES
    assert capsys.readouterr().out == ""  # a clean run: nothing to say
    assert scores(command, Path("."), _finished(1, json.dumps(SCORES), SKIPS)) == SCORES
    log = capsys.readouterr().out.splitlines()
    assert log[:3] == [
        "scored with skips: attend eval-asr: 2 of 400 utterances skipped (see above); the scores "
        "are over the remaining 398",
        "    attend eval-asr: skipping a: the audio is too short",
        "    attend eval-asr: skipping b: b.wav does not exist",
    ]
    assert log[3] == "    [attend eval-asr --model m --manifest dev.tsv --json]"


@pytest.mark.parametrize(
    ("code", "stdout", "stderr", "says"),
    [
        (2, "", "attend eval-asr: error: model folder m does not exist\n", "model folder m does not exist"),
        (
            2,
            "",
            "attend eval-asr: skipping a: gone\nattend eval-asr: error: none of the 1 utterances of dev.tsv could "
            "be read (the reasons are above); nothing to score\n",
            "none of the 1 utterances of dev.tsv",
        ),
        (1, "", "Traceback (most recent call last):\n  File x\nMemoryError\n", "MemoryError"),  # a crash, not skips
        (1, '{"results": ', "attend eval-asr: skipping a: gone\n", "skipping a"),  # cut short
    ],
)
def test_a_bundle_run_with_no_score_is_one_line(code, stdout, stderr, says):
    from .test_bundle_card import _bundle_asr

    bundle = _bundle_asr()
    with pytest.raises(bundle.NoScore) as refused:
        bundle.run_scores(
            ["eval-asr", "--model", "m", "--manifest", "dev.tsv", "--json"], Path("."), _finished(code, stdout, stderr)
        )
    message = str(refused.value)
    assert "\n" not in message and says in message and f"(exit {code})" in message


def test_bundle_asr_wants_a_score_for_every_manifest(monkeypatch):
    from .test_bundle_card import _bundle_asr

    bundle = _bundle_asr()
    real = bundle.run_scores
    monkeypatch.setattr(
        bundle,
        "run_scores",
        lambda command, cwd: real(
            command,
            cwd,
            _finished(
                1,
                json.dumps(SCORES),
                "attend eval-asr: error: none of the 1 utterances of test.tsv could be read; nothing to score\n",
            ),
        ),
    )
    assert bundle.manifests_of(["eval-asr", "--model", "m", "--manifest", "dev.tsv", "test.tsv", "--beam", "4"]) == [
        "dev.tsv",
        "test.tsv",
    ]
    with pytest.raises(bundle.NoScore, match=r"no score for test.tsv \(none of its utterances could be read\)"):
        bundle.run_json(["eval-asr", "--model", "m", "--manifest", "dev.tsv", "test.tsv", "--json"])
    assert bundle.run_json(["eval-asr", "--model", "m", "--manifest", "dev.tsv", "--json"]) == SCORES


def test_bundle_asr_scores_a_manifest_with_a_bad_row(tiny_asr, tmp_path, monkeypatch, capsys):
    """The real command in a real process: exit 1 and the two good utterances' scores."""
    from .test_bundle_card import _bundle_asr

    bundle = _bundle_asr()
    monkeypatch.setattr(bundle, "EVAL_JOBS", 1)
    world = World(None, tmp_path, tmp_path)
    world.__dict__["asr"] = tiny_asr  # the cached property, filled
    manifest = world.manifest(f"bad\t{world.wav('nan.wav', np.full(16000, np.nan))}\t1.0\topen\tv")
    scores = bundle.run_json(["eval-asr", "--model", str(tiny_asr.folder), "--manifest", manifest, "--json"])
    assert _scored_two(json.dumps(scores))
    log = capsys.readouterr().out
    assert log.startswith(f"scored with skips: {_ASR_SUMMARY}\n") and "skipping bad: nan.wav" in log


def test_bundle_mt_scores_a_clean_set_and_refuses_an_unreadable_one(tiny_folder, tmp_path, capsys):
    bundle = _bundle_mt()
    src, ref = tmp_path / "s.en", tmp_path / "r.de"
    src.write_text("\n".join(SOURCES[:3]) + "\n")
    ref.write_text("\n".join(TARGETS[:3]) + "\n")
    scores, command = bundle.evaluate(tiny_folder.folder, str(src), str(ref), 1)
    assert scores["bleu"] == 100.0 and command.startswith("attend eval-mt --model")
    assert capsys.readouterr().out == ""
    src.write_bytes(b"\xff\xfe\n" * 3)
    with pytest.raises(bundle.NoScore, match=r"\(exit 2\): attend eval-mt: error: .*s.en is not valid UTF-8"):
        bundle.evaluate(tiny_folder.folder, str(src), str(ref), 1)
