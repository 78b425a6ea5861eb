"""The synthetic speech corpus: transcript normalisation, a tiny seeded build, festival batches."""

import csv
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import soundfile

from desktop_app.cli import main
from desktop_app.speech.text import dictation_target, normalize_transcript
from desktop_app.training import speech_corpus as corpus
from desktop_app.training.speech_corpus import Availability, CorpusConfig, Utterance, make_plan, read_manifest

SENTENCES = """The water is cold.
Where is the station?
I came home, and then I slept.
She bought 3 apples in 1995.
Tom is reading a book.
We should leave now!
My sister lives in a small town.
Do you like green tea?
It is raining again.
The children are playing outside.
He opened the window.
Please close the door.
This is a good idea.
They walked to school together.
Can you help me?
A
NASA launched a rocket.
The cat sleeps on the warm sofa all day long.
"""


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("I have 21 apples.", "i have twenty one apples"),
        ("She was born in 1995.", "she was born in nineteen ninety five"),
        ("It costs 105 dollars, not 2,000.", "it costs one hundred five dollars not two thousand"),
        ("Meet me at 7:30 on May 3rd!", "meet me at seven thirty on may third"),
        ("AS YOU KNOW AND AS I HAVE GIVEN YOU PROOF", "as you know and as i have given you proof"),  # LibriSpeech
        ("U M N Y H SIX", "u m n y h six"),  # AN4
        (
            'the Gutenberg, or "forty-two line Bible" of about fourteen fifty-five,',  # LJSpeech
            "the gutenberg or forty two line bible of about fourteen fifty five",
        ),
        ("Mr. Smith’s dog; isn't it 'nice'?", "mister smith's dog isn't it nice"),
        ("zero", "zero"),  # FSDD
        ("  ...  ", ""),
    ],
)
def test_normalize_transcript(raw, expected):
    assert normalize_transcript(raw) == expected


@pytest.mark.parametrize(
    "spoken, expected",
    [
        ("I came home comma and then I slept period", "i came home, and then i slept."),
        ("Really exclamation point Is it question mark", "really! is it?"),
        ("Dear Sam colon you are late full stop", "dear sam: you are late."),
        ("first semicolon second exclamation mark", "first; second!"),
        ("comma hello", "hello"),  # nothing to attach the comma to
    ],
)
def test_spoken_punctuation_becomes_symbols(spoken, expected):
    assert dictation_target(spoken) == expected


@pytest.mark.parametrize("kind", ["number", "year", "date", "time", "digits"])
def test_generated_items_say_exactly_their_target(kind):
    generate = corpus.GENERATED_KINDS[kind][1]
    rng = random.Random(0)
    for _ in range(30):
        item = generate(rng)
        assert not any(character.isdigit() for character in item.spoken)  # engines never read digits
        assert item.text == normalize_transcript(item.spoken) != ""


def test_dictation_item_speaks_its_punctuation():
    sentence = corpus.sentence_item("I came home, and then I slept.")
    item = corpus.dictation_item([sentence], random.Random(0))
    assert item.spoken.split()[3] == "comma" and item.spoken.split()[-1] in ("period", "full", "stop")
    assert item.text == "i came home, and then i slept."
    assert corpus.dictation_item([corpus.sentence_item("It was a long period of time.")], random.Random(0)) is None


def test_sentence_filter():
    assert corpus.sentence_item("She bought 3 apples.").spoken == "She bought three apples."
    for rejected in ("Hello", "NASA launched a rocket.", "I paid 5 € at the café.", "See the list, etc. here."):
        assert corpus.sentence_item(rejected) is None


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "sentences.en"
    path.write_text(SENTENCES, encoding="utf-8")
    return path


def _availability(*engines):
    return {name: Availability(corpus.ENGINES[name].voices) for name in engines}


def test_plan_is_decided_by_the_seed(text_file, extra_text_file, tmp_path):
    def plan(seed):
        config = CorpusConfig(
            out=tmp_path,
            text_file=text_file,
            seed=seed,
            train_utterances=20,
            dev_utterances=3,
            test_utterances=4,
            held_out_sentences=3,
            dev_sentences=3,
            engines=("espeak-ng", "flite"),
            extra_dev_text_file=extra_text_file,
        )
        return make_plan(config, _availability("espeak-ng", "flite"), {})

    assert plan(7).utterances == plan(7).utterances
    assert plan(7).utterances != plan(8).utterances
    held_out = plan(7)
    test_texts = {u.text for u in held_out.split("test-sentences")}
    assert test_texts == {u.text for u in held_out.split("test-voices")}
    assert not test_texts & {u.text for u in held_out.split("train") + held_out.split("dev")}
    dev_voices = held_out.split("dev-voices")
    assert [u.text for u in dev_voices] == [u.text for u in held_out.split("dev")]
    assert {u.voice for u in dev_voices} <= {v.id for v in held_out.held_out_voices}


def test_dev_voices_come_after_the_other_splits(text_file, tmp_path):
    config = CorpusConfig(
        out=tmp_path,
        text_file=text_file,
        seed=5,
        train_utterances=20,
        dev_utterances=3,
        test_utterances=4,
        held_out_sentences=3,
        dev_sentences=3,
        engines=("espeak-ng", "flite"),
        extra_dev_voice_utterances=0,
    )
    with_dev_voices = make_plan(config, _availability("espeak-ng", "flite"), {}).utterances
    others = [u for u in with_dev_voices if u.split != "dev-voices"]
    assert len(others) == 20 + 3 + 4 + 4 and len(with_dev_voices) == len(others) + 3
    # the older splits come first, so a corpus built before dev-voices keeps its ids and audio
    assert with_dev_voices[: len(others)] == others
    assert [u.id for u in with_dev_voices[len(others) :]] == ["devvoice-000001", "devvoice-000002", "devvoice-000003"]


def test_added_voices_speak_train_added_only(text_file, extra_text_file, tmp_path):
    config = CorpusConfig(
        out=tmp_path,
        text_file=text_file,
        seed=4,
        train_utterances=20,
        dev_utterances=3,
        test_utterances=4,
        held_out_sentences=3,
        dev_sentences=3,
        added_utterances=6,
        engines=("espeak-ng", "flite", "pico"),
        extra_dev_text_file=extra_text_file,
    )
    with_pico = make_plan(config, _availability("espeak-ng", "flite", "pico"), {})
    not_installed = {**_availability("espeak-ng", "flite"), "pico": Availability((), "SVOX Pico is not installed")}
    without_pico = make_plan(config, not_installed, {})
    added = with_pico.split("train-added")
    assert [u.id for u in added] == [f"trainadd-{i:06d}" for i in range(1, 7)]
    assert {u.voice for u in added} <= {"pico:en-US", "pico:en-GB"}
    # installing Pico changes no other split: the same voices, texts and ids as without it
    assert [u for u in with_pico.utterances if u.split != "train-added"] == without_pico.utterances
    assert not without_pico.split("train-added")
    test_texts = {u.text for u in with_pico.split("test-sentences") + with_pico.split("dev")}
    assert not test_texts & {u.text for u in added}
    assert {"pico:en-US", "pico:en-GB"} <= {v.id for v in with_pico.training_voices}


def test_other_espeak_variants_speak_train_variants_only(text_file, tmp_path):
    config = CorpusConfig(
        out=tmp_path,
        text_file=text_file,
        seed=4,
        train_utterances=20,
        dev_utterances=3,
        test_utterances=4,
        held_out_sentences=3,
        dev_sentences=3,
        variant_utterances=40,
        engines=("espeak-ng", "flite"),
        extra_dev_voice_utterances=0,
    )
    espeak = corpus.EspeakEngine
    with_variants = make_plan(
        config, {**_availability("flite"), "espeak-ng": Availability(espeak.voices, None, espeak.extra_voices)}, {}
    )
    without = make_plan(config, _availability("espeak-ng", "flite"), {})
    variants = with_variants.split("train-variants")
    assert [u.id for u in variants] == [f"trainvar-{i:06d}" for i in range(1, 41)]
    assert {u.voice.split(":")[1] for u in variants} <= set(espeak.extra_voices)
    # no held-out accent speaks in training, whatever the variant
    assert not [u for u in variants if u.voice.startswith("espeak-ng:en-gb-scotland")]
    assert len({u.voice for u in variants}) > 30
    # the variants change no other split: the same voices, texts and ids as without them
    assert [u for u in with_variants.utterances if u.split != "train-variants"] == without.utterances
    assert not without.split("train-variants")
    held_out_texts = {u.text for u in with_variants.split("test-sentences") + with_variants.split("dev")}
    assert not held_out_texts & {u.text for u in variants}


def test_extra_dev_voices_speak_sentences_no_other_split_speaks(tmp_path):
    colours, things = ["red", "blue", "green", "brown", "white"], ["cat", "car", "cup", "hat", "box", "pen", "dog"]
    lines = [f"The {c} {t} is near the {d} {u}." for c in colours for t in things for d in colours for u in things]
    text_file, extra_text_file = tmp_path / "sentences.txt", tmp_path / "dev-sentences.txt"
    text_file.write_text("\n".join(lines[:300]) + "\n")
    # its own text file (sentences the language model never reads), a few of them also in the training text
    extra_text_file.write_text("\n".join(lines[290:]) + "\n")
    config = CorpusConfig(
        out=tmp_path,
        text_file=text_file,
        seed=4,
        train_utterances=20,
        dev_utterances=3,
        test_utterances=4,
        held_out_sentences=3,
        dev_sentences=3,
        variant_utterances=40,
        extra_dev_voice_utterances=12,
        extra_dev_text_file=extra_text_file,
        engines=("espeak-ng", "flite"),
    )
    espeak = corpus.EspeakEngine
    availability = {**_availability("flite"), "espeak-ng": Availability(espeak.voices, None, espeak.extra_voices)}
    plan = make_plan(config, availability, {})
    extra = plan.split("dev-voices-extra")
    assert [u.id for u in extra] == [f"devextra-{i:06d}" for i in range(1, 13)]
    assert {u.voice for u in extra} <= {v.id for v in plan.held_out_voices}
    other_texts = {u.text for u in plan.utterances if u.split != "dev-voices-extra"}
    assert not {u.text for u in extra} & other_texts
    from_extra_file = {normalize_transcript(line) for line in lines[290:]}
    sentences = {u.text for u in extra if u.kind == "sentence"}
    assert sentences and sentences <= from_extra_file
    # it comes last and changes no other split
    without = make_plan(replace(config, extra_dev_voice_utterances=0), availability, {})
    assert plan.utterances[: len(without.utterances)] == without.utterances
    # the training splits' sizes do not move its sentences
    fewer = make_plan(replace(config, variant_utterances=5), availability, {})
    assert [u.text for u in fewer.split("dev-voices-extra")] == [u.text for u in extra]


def test_missing_extra_dev_text_file_is_a_clear_error(text_file, tmp_path, capsys):
    args = [
        "make-speech-corpus",
        "--out",
        str(tmp_path),
        "--text-file",
        str(text_file),
        "--dry-run",
        "--train-utterances",
        "4",
        "--held-out-sentences",
        "2",
        "--dev-sentences",
        "2",
        "--extra-dev-text-file",
        str(tmp_path / "no-such-dev.en"),
    ]
    assert main(args) == 2
    assert "dev-voices-extra text file not found" in capsys.readouterr().err
    assert main([*args, "--extra-dev-voice-utterances", "0", "--no-real-speech"]) == 0


def test_missing_engine_is_reported_and_skipped(text_file, extra_text_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        corpus.FestivalEngine,
        "check",
        lambda self: Availability((), "festival is not installed (apt-get install festival)"),
    )
    code = main(
        [
            "make-speech-corpus",
            "--out",
            str(tmp_path),
            "--text-file",
            str(text_file),
            "--dry-run",
            "--engines",
            "flite,festival",
            "--train-utterances",
            "4",
            "--held-out-sentences",
            "2",
            "--dev-sentences",
            "2",
            "--no-real-speech",
            "--extra-dev-text-file",
            str(extra_text_file),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert "WARNING: festival is not installed" in captured.err
    assert "festival" not in captured.out.split("training voices")[0]
    assert not list(tmp_path.iterdir())  # a dry run writes nothing


@pytest.mark.parametrize(
    "bad",
    [
        ["--generated-share", "1.5"],
        ["--engines", "sapi"],
        ["--jobs", "0"],
        ["--held-out-voices", "flite:nobody"],
        ["--train-utterances", "-1"],
        ["--text-file", "no/such/file.txt"],
        ["--added-voices", "pico:nobody"],
        ["--added-utterances", "-2"],
        ["--variant-utterances", "-1"],
    ],
)
def test_bad_arguments_exit_2(bad, text_file, tmp_path, capsys):
    args = ["make-speech-corpus", "--out", str(tmp_path), "--text-file", str(text_file), "--dry-run", *bad]
    assert main(args) == 2
    assert "attend make-speech-corpus: error:" in capsys.readouterr().err


TINY = [
    "--train-utterances",
    "5",
    "--dev-utterances",
    "1",
    "--test-utterances",
    "2",
    "--held-out-sentences",
    "2",
    "--dev-sentences",
    "2",
    "--engines",
    "espeak-ng,flite",
    "--jobs",
    "1",
    "--seed",
    "3",
    "--no-progress",
    "--no-real-speech",
    "--variant-utterances",
    "2",
    "--extra-dev-voice-utterances",
    "2",
]


@pytest.fixture(scope="module")
def extra_text_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "dev-sentences.en"
    path.write_text("The bus is late today.\nMy brother plays the piano.\nWe need more bread.\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_corpus(text_file, extra_text_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    assert (
        main(
            [
                "make-speech-corpus",
                "--out",
                str(out),
                "--text-file",
                str(text_file),
                *TINY,
                "--extra-dev-text-file",
                str(extra_text_file),
            ]
        )
        == 0
    )
    return out


def _rows(out: Path, split: str) -> list[dict[str, str]]:
    return read_manifest(out / f"{split}.tsv")


def test_tiny_corpus_manifests_and_audio(tiny_corpus):
    counts = {
        "train": 5,
        "dev": 1,
        "test-sentences": 2,
        "test-voices": 2,
        "dev-voices": 1,
        "train-added": 0,
        "train-variants": 2,
        "dev-voices-extra": 2,
    }  # no Pico among these engines
    for split, count in counts.items():
        assert (tiny_corpus / f"{split}.tsv").read_text(encoding="utf-8").split("\n")[
            0
        ] == "id\tpath\tduration\ttext\tvoice"
        rows = _rows(tiny_corpus, split)
        assert len(rows) == count
        for row in rows:
            info = soundfile.info(str(tiny_corpus / row["path"]))
            assert (info.samplerate, info.channels, info.format) == (16000, 1, "FLAC")
            assert abs(info.frames / info.samplerate - float(row["duration"])) < 0.001
            assert 0.4 < float(row["duration"]) < 15
            assert row["voice"].split(":")[0] in ("espeak-ng", "flite")
            assert row["path"] == f"audio/{row['voice'].replace(':', '/')}/{row['id']}.flac"
            assert row["text"] and row["text"] == row["text"].lower()
    assert (tiny_corpus / "plan.tsv").exists() and (tiny_corpus / "corpus.json").exists()


def test_tiny_corpus_holds_out_voices_and_sentences(tiny_corpus):
    train = _rows(tiny_corpus, "train") + _rows(tiny_corpus, "dev")

    def held_out_voice(row) -> bool:
        voice = corpus.Voice(*row["voice"].split(":"))
        return any(corpus.matches(voice, pattern) for pattern in corpus.DEFAULT_HELD_OUT_VOICES)

    assert not any(held_out_voice(row) for row in train)
    assert all(
        held_out_voice(row)
        for split in ("test-voices", "dev-voices", "dev-voices-extra")
        for row in _rows(tiny_corpus, split)
    )
    test_texts = {row["text"] for split in ("test-sentences", "test-voices") for row in _rows(tiny_corpus, split)}
    assert not test_texts & {row["text"] for row in train}


def test_rerun_skips_existing_audio(tiny_corpus, text_file, extra_text_file, capsys):
    files = sorted((tiny_corpus / "audio").rglob("*.flac"))
    stamps = [path.stat().st_mtime_ns for path in files]
    files[0].unlink()  # as if the first run had stopped before this one
    capsys.readouterr()
    assert (
        main(
            [
                "make-speech-corpus",
                "--out",
                str(tiny_corpus),
                "--text-file",
                str(text_file),
                *TINY,
                "--extra-dev-text-file",
                str(extra_text_file),
            ]
        )
        == 0
    )
    assert "14 of 15 utterances already exist" in capsys.readouterr().out
    assert [path.stat().st_mtime_ns for path in files[1:]] == stamps[1:]
    assert files[0].exists() and len(_rows(tiny_corpus, "train")) == 5


@pytest.mark.parametrize("voice", ["kal_diphone", "cmu_us_slt_arctic_hts"])
def test_festival_says_a_batch_in_one_process(voice, tmp_path):
    spoken = "The water is cold, and the wind is strong."
    batch = [
        Utterance(
            f"fest-{rate}",
            "train",
            f"festival:{voice}",
            "sentence",
            spoken,
            normalize_transcript(spoken),
            rate,
            None,
            0.1,
        )
        for rate in (0.8, 1.25)
    ]
    results = corpus.render_batch("festival", batch, tmp_path)
    assert [error for _, _, error in results] == ["", ""]
    slow, fast = (duration for _, duration, _ in results)
    assert slow > 1.2 * fast > 1.0  # one process, each utterance at its own rate
    info = soundfile.info(str(tmp_path / batch[0].path))
    assert (info.samplerate, info.channels) == (16000, 1)


@pytest.mark.parametrize("voice", ["espeak-ng:en-gb-scotland+m3", "flite:rms", "festival:ked_diphone", "piper:joe"])
def test_a_rebuilt_corpus_holds_the_same_audio(voice, tmp_path):
    engine = voice.split(":")[0]
    if engine == "piper":
        pytest.importorskip("piper", reason="piper is optional (pip install -e '.[corpus]')")
    spoken = "You may stay here as long as you like."
    utterance = Utterance(
        "again",
        "test-voices",
        voice,
        "sentence",
        spoken,
        normalize_transcript(spoken),
        1.0,
        None if engine == "piper" else 1.0,
        0.1,
    )
    builds = []
    for build in ("first", "second"):
        assert [error for _, _, error in corpus.render_batch(engine, [utterance], tmp_path / build)] == [""]
        builds.append((tmp_path / build / utterance.path).read_bytes())
    assert builds[0] == builds[1]


def test_import_real_speech(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    rows = [
        ("librispeech/1-2-3.ogg", "3.20", "librispeech", "AS YOU KNOW MISTER KARA"),
        ("ljspeech/LJ001.ogg", "1.9", "ljspeech", "in being comparatively modern."),
        ("fsdd/0_george_1.ogg", "0.5", "fsdd", "zero"),
    ]
    with (shared / "train.tsv").open("w", encoding="utf-8") as handle:
        handle.write("path\tduration\tsource\ttext\n" + "".join("\t".join(row) + "\n" for row in rows))
    counts = corpus.import_real_speech(shared, tmp_path / "out")
    assert counts == {"real-train": 3}
    with (tmp_path / "out" / "real-train.tsv").open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle, delimiter="\t"))
    assert [row["text"] for row in written] == ["as you know mister kara", "in being comparatively modern", "zero"]
    assert written[0]["path"] == str(shared.resolve() / "librispeech/1-2-3.ogg")
    assert [row["voice"] for row in written] == ["real:librispeech", "real:ljspeech", "real:fsdd"]
    assert written[0]["duration"] == "3.200"


def test_corpus_builder_loads_no_qt_and_no_torch():
    code = (
        "import sys, desktop_app.training.speech_corpus, desktop_app.commands.make_speech_corpus; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1]
    )
    assert result.stdout.strip() == "[]"


def test_pico_says_a_batch_at_each_utterances_rate(tmp_path):
    pytest.importorskip("ttspico", reason="SVOX Pico is optional (pip install ttspico)")
    spoken = "The water is cold, and the wind is strong."
    batch = [
        Utterance(
            f"pico-{rate}",
            "train-added",
            "pico:en-GB",
            "sentence",
            spoken,
            normalize_transcript(spoken),
            rate,
            1.1,
            0.1,
        )
        for rate in (0.8, 1.25)
    ]
    results = corpus.render_batch("pico", batch, tmp_path)
    assert [error for _, _, error in results] == ["", ""]
    slow, fast = (duration for _, duration, _ in results)
    assert slow > 1.2 * fast > 1.0
    info = soundfile.info(str(tmp_path / batch[0].path))
    assert (info.samplerate, info.channels) == (16000, 1)
