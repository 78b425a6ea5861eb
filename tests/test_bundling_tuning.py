"""Choosing the speech model's decoding on dev (desktop_app/training/bundling/asr_tuning.py), with stand-ins for
`attend eval-asr` and `benchmarks/asr_speed.py`: each dev setting measured once, the CTC and LM weights, the
precision, the beam width against the speed target, the lexicon penalty, and --keep-decoding."""

from dataclasses import replace
from pathlib import Path

from desktop_app.training.bundling import asr_decoding_text, asr_scores, asr_tuning, speed
from desktop_app.training.bundling.asr_scores import DEV_SETS, DevScores, Setting, folder_setting
from desktop_app.training.bundling.asr_tuning import Decoding

BENCHMARK = """model m: loaded in 73 ms, 2 threads
float32  real-time factor {float32}
float32  partial lag  median     63 ms   p90    152 ms   max    316 ms   (149 partials)
int8     real-time factor {int8}
peak resident memory 697 MB"""


def _fake_eval_asr(wer_of, calls: list | None = None):
    """A stand-in for `attend eval-asr --json`: WER `wer_of(options)` on every manifest it is given."""

    def run(command):
        if calls is not None:
            calls.append(command)
        start = command.index("--beam")
        manifests = command[command.index("--manifest") + 1 : start]
        pairs = command[start : command.index("--json")]
        options = dict(zip(pairs[::2], pairs[1::2], strict=True))  # {"--beam": "4", ...}
        return {"results": {m: {"wer": wer_of(options, m)} for m in manifests}}

    return run


def _choose(tmp_path, monkeypatch, dev: dict[int, float], speeds: dict[int, float], int8: bool):
    """Run choose_beam with stand-ins for eval-asr (dev WER per width) and asr_speed.py (per width)."""
    import json

    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    (tmp_path / "dev.tsv").write_text("")
    config = {"beam_size": 4, "int8_inference": int8}

    def fake_speed(model, corpus, streaming=True):
        beam = json.loads((model / "config.json").read_text())["beam_size"]
        other = 9.9  # the precision the app does not run: never what decides
        figures = {"int8": speeds[beam], "float32": other} if int8 else {"float32": speeds[beam], "int8": other}
        return BENCHMARK.format(**figures), "python benchmarks/asr_speed.py ..."

    monkeypatch.setattr(speed, "measure", fake_speed)
    monkeypatch.setattr(asr_tuning, "BEAMS", tuple(sorted(dev)))
    scores = DevScores(folder, tmp_path, _fake_eval_asr(lambda options, m: dev[int(options["--beam"])]))
    decoding = Decoding(ctc=(0.3, {}, []))
    setting = Setting(ctc=0.3, lm=0.5, beam=4, precision="int8" if int8 else "float32")
    benchmark = asr_tuning.choose_beam(scores, config, decoding, setting)
    return decoding, benchmark, json.loads((folder / "config.json").read_text())


def test_each_dev_setting_is_measured_once_with_every_option_spelled_out(tmp_path):
    for name in ("dev.tsv", "dev-voices.tsv", "real-dev.tsv"):
        (tmp_path / name).write_text("")
    calls = []
    wers = {
        "dev.tsv": {"float32": 6.0, "int8": 6.2},
        "dev-voices.tsv": {"float32": 15.0, "int8": 15.3},
        "real-dev.tsv": {"float32": 30.0, "int8": 31.0},
    }
    scores = DevScores(
        tmp_path / "model",
        tmp_path,
        _fake_eval_asr(lambda options, manifest: wers[Path(manifest).name][options["--precision"]], calls),
    )
    best = Setting(ctc=0.3, lm=0.5, beam=4)
    decoding = Decoding(ctc=(0.3, {}, []))
    decoding.lm = asr_tuning.tune(scores, "lm", (0.2, 0.5), Setting(ctc=0.3, beam=4))
    assert len(calls) == 2 and decoding.lm[0] == 0.2  # the stand-in scores every weight alike: the first wins
    # every choice is made on the mean of synthetic dev, the held-out voices' dev and real-dev, read by one call
    assert calls[0][calls[0].index("--manifest") + 1 :][:3] == [str(tmp_path / n) for n in DEV_SETS]
    chosen = asr_tuning.choose_precision(scores, decoding, best)
    assert len(calls) == 3  # float32 at the grid's best weight was measured by the grid; only int8 is new
    assert decoding.int8 == {"float32": 17.0, "int8": 17.5}  # int8 loses 0.5 on the mean: float32 is kept
    assert chosen == Setting(ctc=0.3, lm=0.5, beam=4, precision="float32")
    # a subset of the measured sets needs no new measurement
    assert scores.mean(replace(chosen, precision="int8"), ("dev.tsv",))[0] == 6.2 and len(calls) == 3
    # the card's command reproduces the figure on its own, whatever the folder's config says later
    command = decoding.int8_commands[0]
    assert all(
        option in command for option in ("--beam 4", "--ctc-weight 0.3", "--lm-weight 0.5", "--precision float32")
    )


def test_the_ctc_weight_is_tried_again_beside_its_greedy_choice_with_the_language_model(tmp_path):
    assert asr_tuning.beside((0.0, 0.3, 0.5, 0.7), 0.3) == (0.3, 0.0, 0.5)
    assert asr_tuning.beside((0.0, 0.3, 0.5, 0.7), 0.0) == (0.0, 0.3)
    assert asr_tuning.beside((0.0, 0.3, 0.5, 0.7), 0.7) == (0.7, 0.5)
    (tmp_path / "dev.tsv").write_text("")
    beam_wers = {"0.0": 9.0, "0.3": 7.0, "0.5": 6.5}
    scores = DevScores(
        tmp_path / "model", tmp_path, _fake_eval_asr(lambda options, manifest: beam_wers[options["--ctc-weight"]])
    )
    decoding = Decoding(ctc=(0.3, {0.0: 12.0, 0.3: 11.0, 0.5: 11.5, 0.7: 13.0}, []))
    decoding.lm = (0.35, {0.35: 7.0}, [])
    decoding.ctc_beam = asr_tuning.tune(
        scores, "ctc", asr_tuning.beside(asr_tuning.CTC_WEIGHTS, 0.3), Setting(ctc=0.3, lm=0.35, beam=4)
    )
    assert decoding.ctc_weight == 0.5  # the folder decodes with the weight chosen where it is used
    assert "--ctc-weight 0.5 --lm-weight 0.35" in decoding.ctc_beam[2][2]
    section = asr_decoding_text.decoding_section(decoding, {"architecture": "lstm-lm", "model": {}})
    assert "w = **0.5**;" in section and "chose w=0.3:" in section
    assert "(mean dev WER w=0.0: 9.0%, w=0.3: 7.0%, w=0.5: 6.5%), which kept w = **0.5**" in section
    # the card names the dev sets the means are over: those the corpus had
    assert (
        "over synthetic dev (training voices), dev-voices (the dev sentences in the held-out voices) and "
        "real-dev (real speech)" in " ".join(section.split())
    )
    decoding.dev_sets = ("dev.tsv",)
    assert "mean WER over synthetic dev (training voices) (synthetic" in " ".join(
        asr_decoding_text.decoding_section(decoding, None).split()
    )
    # a tie keeps the greedy choice
    beam_wers.update({"0.0": 7.0, "0.5": 7.0})
    scores.wers.clear()
    assert asr_tuning.tune(scores, "ctc", asr_tuning.beside(asr_tuning.CTC_WEIGHTS, 0.3), Setting(ctc=0.3))[0] == 0.3


def test_the_lexicon_penalty_is_chosen_at_the_chosen_width_and_spelled_out_on_the_card(tmp_path, monkeypatch):
    import json

    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "dev-voices.tsv").write_text("")
    # unseen voices gain from the word list at width 16, up to a point; at width 4 it prunes the right words
    wers = {("4", "0.0"): 12.0, ("16", "0.0"): 11.0, ("16", "2.0"): 10.6, ("16", "5.0"): 10.8}
    scores = DevScores(
        folder,
        tmp_path,
        _fake_eval_asr(lambda options, manifest: wers.get((options["--beam"], options["--lexicon-penalty"]), 13.0)),
    )
    benchmarked = []

    def fake_speed(model, corpus, streaming=True):
        benchmarked.append((json.loads((model / "config.json").read_text())["lexicon_penalty"], streaming))
        return BENCHMARK.format(float32="0.2", int8="0.05"), "python benchmarks/asr_speed.py ..."

    monkeypatch.setattr(speed, "measure", fake_speed)
    monkeypatch.setattr(asr_tuning, "BEAMS", (4, 16))
    decoding = Decoding(ctc=(0.3, {0.3: 20.0}, []), lm=(0.5, {0.5: 11.0}, []))
    decoding.int8 = {"float32": 11.0, "int8": 11.0}
    config = {"beam_size": 4, "lexicon_penalty": 0.0}
    asr_tuning.choose_lexicon(scores, config, decoding, Setting(ctc=0.3, lm=0.5, beam=4, precision="int8"))
    assert decoding.beam == 16 and decoding.lexicon[0] == 2.0
    assert json.loads((folder / "config.json").read_text())["lexicon_penalty"] == 2.0
    # the width by its real-time factor alone; the card's speed, streaming too, with the penalty the folder decodes with
    assert benchmarked == [(0.0, False), (2.0, True)]
    assert "--beam 16 --ctc-weight 0.3 --lm-weight 0.5 --lexicon-penalty 2.0 --precision int8" in decoding.lexicon[2][1]
    section = " ".join(asr_decoding_text.choices_section(decoding).split())
    assert "at that width and precision: mean dev WER 0.0: 11.0%, 2.0: 10.6%, 5.0: 10.8%, so **2.0**" in section
    assert section.index("Beam width: **16**") < section.index("the lexicon penalty")
    # off when the word list does not pay: the first value (0) wins a tie
    wers.update({("16", "2.0"): 11.0, ("16", "5.0"): 11.0})
    scores.wers.clear()
    benchmarked.clear()
    config["lexicon_penalty"] = 0.0
    asr_tuning.choose_lexicon(scores, config, decoding, Setting(ctc=0.3, lm=0.5, beam=4, precision="int8"))
    assert decoding.lexicon[0] == 0.0 and benchmarked == [(0.0, False), (0.0, True)]


def test_the_wider_beam_is_kept_only_when_it_is_better_and_fast_enough(tmp_path, monkeypatch):
    decoding, benchmark, written = _choose(tmp_path, monkeypatch, {4: 8.7, 8: 7.5}, {4: 0.078, 8: 0.09}, True)
    assert decoding.beam == written["beam_size"] == 8 and "0.09" in benchmark[0]
    decoding.int8 = {"float32": 7.4, "int8": 7.5}
    section = asr_decoding_text.choices_section(decoding)
    assert "Precision at inference: **int8" in section and "Beam width: **8**" in section and "4: 8.7%" in section
    decoding.int8 = {"float32": 5.31, "int8": 5.61}  # loses exactly the tolerance (0.3000000000000007 unrounded)
    assert decoding.uses_int8
    decoding.int8 = {"float32": 7.4, "int8": 8.0}  # loses more than the tolerance
    assert "Precision at inference: **float32**" in asr_decoding_text.choices_section(decoding)

    decoding, benchmark, written = _choose(tmp_path, monkeypatch, {4: 8.7, 8: 7.5}, {4: 0.078, 8: 0.12}, True)
    assert decoding.beam == written["beam_size"] == 4 and decoding.beam_rtf == {8: 0.12, 4: 0.078}
    assert "0.078" in benchmark[0]  # the card shows the speed of the width it keeps

    decoding, _, written = _choose(tmp_path, monkeypatch, {4: 7.0, 8: 7.5}, {4: 0.078, 8: 0.09}, False)
    assert decoding.beam == written["beam_size"] == 4 and 8 not in decoding.beam_rtf

    # of three widths, the best on dev that is fast enough; the slower, better one is benchmarked first
    dev = {4: 8.7, 8: 7.5, 16: 7.0}
    decoding, _, written = _choose(tmp_path, monkeypatch, dev, {4: 0.05, 8: 0.07, 16: 0.11}, True)
    assert decoding.beam == written["beam_size"] == 8 and decoding.beam_rtf == {16: 0.11, 8: 0.07}
    decoding, _, written = _choose(tmp_path, monkeypatch, dev, {4: 0.05, 8: 0.07, 16: 0.095}, True)
    assert decoding.beam == written["beam_size"] == 16 and decoding.beam_rtf == {16: 0.095}


def test_the_beam_is_timed_in_the_precision_the_app_runs(tmp_path, monkeypatch):
    decoding, _, _ = _choose(tmp_path, monkeypatch, {4: 8.7, 8: 7.5}, {4: 0.078, 8: 0.12}, False)
    assert decoding.beam == 4  # float32 at 0.12 is too slow even though int8 would be fast


def test_keep_decoding_scores_at_the_bundled_settings_and_the_card_says_they_were_not_tuned(tmp_path, monkeypatch):
    import json
    import shutil

    import pytest

    from desktop_app.seq2seq import model_folder

    bundled, staged, lm = tmp_path / "bundled", tmp_path / "staged", tmp_path / "lm"
    for folder in (bundled, staged, lm):
        folder.mkdir()
    (bundled / "config.json").write_text(
        json.dumps(
            {
                "model": {"ctc_decode_weight": 0.3},
                "lm_weight": 0.5,
                "beam_size": 16,
                "int8_inference": True,
                "lexicon_penalty": 2.0,
            }
        )
    )
    (lm / "config.json").write_text(
        json.dumps(
            {
                "architecture": "lstm-lm",
                "model": {"layers": 2},
                "metrics": {"dev": {"perplexity": 2.231}},
                "training": {"epochs": 10},
            }
        )
    )
    attached, evaluated = [], []

    def fake_attach(folder, lm_folder, weight):
        shutil.copytree(lm_folder, Path(folder) / "lm")
        attached.append(weight)

    monkeypatch.setattr(model_folder, "attach_language_model", fake_attach)
    monkeypatch.setattr(
        asr_scores, "evaluate", lambda model, corpus, extra=(): (evaluated.append(extra) or {}, "attend")
    )
    config = {
        "model": {"ctc_decode_weight": 0.0},
        "beam_size": 1,
        "lm_weight": 0.0,
        "int8_inference": False,
        "lexicon_penalty": 0.0,
        "language_model": "",
    }
    decoding, lm_config = asr_tuning.keep_decoding(staged, config, bundled, lm, tmp_path)
    written = json.loads((staged / "config.json").read_text())
    assert folder_setting(written) == Setting(ctc=0.3, lm=0.5, beam=16, precision="int8", lexicon=2.0)
    assert written["language_model"] == "lm" and attached == [0.5]
    # one greedy pass without the LM for the card's baseline table, and no dev pass: nothing is tuned
    assert evaluated == [("--beam", "1", "--lm-weight", "0", "--ctc-weight", "0.3")]
    section = " ".join(asr_decoding_text.kept_decoding_section(decoding, lm_config).split())
    assert "Beam search (width **16**)" in section and "w = **0.3**" in section
    assert "**0.5** x the log-probability" in section and "less **2.0** per word" in section
    assert "precision **int8 (dynamic quantisation)**" in section
    assert "not tuned for this folder" in section and "git show HEAD:" in section and "2.231 per unit" in section
    assert "beam threshold" not in section and written["beam_threshold"] is None
    # the kept setting with a new beam threshold: the card says which one, and where its figures are
    shutil.rmtree(staged / "lm")
    decoding, lm_config = asr_tuning.keep_decoding(
        staged, config, bundled, lm, tmp_path, {"beam": 24, "threshold": 8.0}
    )
    written = json.loads((staged / "config.json").read_text())
    assert written["beam_threshold"] == 8.0 and written["beam_size"] == 24
    assert folder_setting(written) == Setting(0.3, 0.5, 24, "int8", 2.0, 8.0)
    section = " ".join(asr_decoding_text.kept_decoding_section(decoding, lm_config).split())
    assert "Beam search (width **24**, dropping hypotheses more than **8** below the best)" in section
    assert (
        "except the beam width of 24 and the beam threshold of 8, set at bundling (`--beam`, `--beam-threshold`)"
        in section
        and "benchmarks/beam_threshold.py" in section
    )
    assert "--beam-threshold 8.0" in " ".join(folder_setting(written).options())
    # ... and with a length penalty: written to the folder, named with its own source of figures
    shutil.rmtree(staged / "lm")
    decoding, lm_config = asr_tuning.keep_decoding(staged, config, bundled, lm, tmp_path, {"length_penalty": 0.7})
    written = json.loads((staged / "config.json").read_text())
    assert written["length_penalty"] == 0.7 and written["beam_size"] == 16 and written["beam_threshold"] is None
    section = " ".join(asr_decoding_text.kept_decoding_section(decoding, lm_config).split())
    assert "Beam search (width **16**, ranking hypotheses by summed log-probability / length ^ **0.7**)" in section
    assert (
        "except the length penalty of 0.7, set at bundling (`--length-penalty`) from the dev figures of "
        "`attend eval-asr --length-penalty` on the three dev sets" in section
    )
    assert "--length-penalty 0.7" in " ".join(folder_setting(written).options())
    # ... and with a new language-model weight and the internal language model subtracted
    shutil.rmtree(staged / "lm")
    attached.clear()
    decoding, lm_config = asr_tuning.keep_decoding(staged, config, bundled, lm, tmp_path, {"lm": 0.7, "ilm": 0.2})
    written = json.loads((staged / "config.json").read_text())
    assert written["lm_weight"] == 0.7 and written["ilm_weight"] == 0.2 and attached == [0.7]
    section = " ".join(asr_decoding_text.kept_decoding_section(decoding, lm_config).split())
    assert "**0.7** x the log-probability" in section and "less **0.2** x its log-probability" in section
    assert (
        "except the language-model weight of 0.7 and the internal language-model weight of 0.2, set at "
        "bundling (`--lm-weight`, `--ilm-weight`)" in section
    )
    assert "--lm-weight 0.7" in " ".join(folder_setting(written).options())
    assert "--ilm-weight 0.2" in " ".join(folder_setting(written).options())
    with pytest.raises(SystemExit, match="no bundled folder"):
        asr_tuning.keep_decoding(staged, config, tmp_path / "missing", lm, tmp_path)
