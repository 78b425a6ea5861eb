"""scripts/bundle_asr.py: the speech model card (per-voice table, error samples, decoding choices) and
the dev measurements behind those choices."""

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bundle_asr():
    spec = importlib.util.spec_from_file_location("bundle_asr", ROOT / "scripts" / "bundle_asr.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bundle_asr", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def _table(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    lines = ["manifest\tid\tvoice\twer\treference\thypothesis"]
    lines += ["\t".join((manifest, f"u{i}", voice, wer, ref, hyp)) for i, (manifest, voice, wer, ref, hyp)
              in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_voice_table_pools_espeak_variants_and_marks_held_out_voices(tmp_path):
    bundle = _bundle_asr()
    rows = bundle.read_error_table(_table(tmp_path / "e.tsv", [
        ("voices.tsv", "espeak-ng:en-gb-scotland+m3", "100.0", "open the door now", "a b c d"),  # 4 errors / 4
        ("voices.tsv", "espeak-ng:en-gb-scotland", "0.0", "a long sentence of eight words said here",
         "a long sentence of eight words said here"),  # 0 errors / 8
        ("sentences.tsv", "flite:kal", "50.0", "turn it on", "turn it of"),
    ]))
    table = bundle.voice_table(rows, {"espeak-ng:en-gb-scotland"}).splitlines()
    # pooled over 12 reference words (33.3%), not the mean of the two utterances' rates (50%)
    assert table == ["| espeak-ng:en-gb-scotland | held out | 2 | 2 | 33.3 |",
                     "| flite:kal | training voice | 1 | 1 | 33.3 |"]


def test_error_samples_span_worst_to_best_of_one_test_set(tmp_path):
    bundle = _bundle_asr()
    worst_first = [("voices.tsv", "piper:joe", f"{100 - 10 * i}.0", f"ref {i}", f"hyp {i}") for i in range(11)]
    rows = bundle.read_error_table(_table(tmp_path / "e.tsv", worst_first + [
        ("sentences.tsv", "flite:kal", "0.0", "other set", "other set")]))
    samples = bundle.sample_errors(rows, "voices.tsv", count=3).splitlines()
    assert samples == ["| piper:joe | 100 | ref 0 | hyp 0 |", "| piper:joe | 50 | ref 5 | hyp 5 |",
                       "| piper:joe | 0 | ref 10 | hyp 10 |"]
    assert bundle.sample_errors(rows, "missing.tsv") == ""


def test_card_says_when_training_continued_from_an_exported_model():
    bundle = _bundle_asr()
    assert bundle.continuation_note({"epochs": 8}) == ""
    note = bundle.continuation_note({"epochs": 10, "started_from": {
        "folder": "models/asr-en", "epochs": 8, "selected": "average of epochs 6, 7, 8"}})
    assert "Epochs 9-10 continued from the exported model of epoch 8" in note
    assert "average of epochs 6, 7, 8" in note and "--init-from models/asr-en" in note
    # what the records cannot say comes from the run's notes file, after that sentence
    training = {"epochs": 10, "started_from": {"folder": "models/asr-en", "epochs": 8}}
    assert bundle.history_note(training, "Epochs 1-8 ran on 1 thread.\n") == \
        bundle.continuation_note(training) + "\nEpochs 1-8 ran on 1 thread."
    assert bundle.history_note(training, "  \n") == bundle.continuation_note(training)


def test_the_history_table_shows_each_epochs_learning_rate_and_dev_scores():
    bundle = _bundle_asr()
    table = bundle.history_table([
        {"epoch": 21, "train_nll": 0.3363, "lr": 0.001, "dev_dev_wer": 10.32, "dev_real-dev_wer": 42.29},
        {"epoch": 22, "train_nll": 0.3301, "lr": 0.0005, "dev_dev_wer": 9.8, "dev_real-dev_wer": 41.0}]).splitlines()
    assert table[0] == "| epoch | train nll | learning rate | dev WER % | real-dev WER % |"
    assert table[1] == "|---|---|---|---|---|"
    assert table[2:] == ["| 21 | 0.336 | 0.001 | 10.32 | 42.29 |", "| 22 | 0.330 | 0.0005 | 9.8 | 41.0 |"]


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
        manifests = command[command.index("--manifest") + 1:start]
        pairs = command[start:command.index("--json")]
        options = dict(zip(pairs[::2], pairs[1::2], strict=True))  # {"--beam": "4", ...}
        return {"results": {m: {"wer": wer_of(options, m)} for m in manifests}}
    return run


def _choose(tmp_path, monkeypatch, dev: dict[int, float], speeds: dict[int, float], int8: bool):
    """Run choose_beam with stand-ins for eval-asr (dev WER per width) and asr_speed.py (per width)."""
    import json

    bundle = _bundle_asr()
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    (tmp_path / "dev.tsv").write_text("")
    config = {"beam_size": 4, "int8_inference": int8}

    def fake_speed(model, corpus, streaming=True):
        beam = json.loads((model / "config.json").read_text())["beam_size"]
        other = 9.9  # the precision the app does not run: never what decides
        figures = {"int8": speeds[beam], "float32": other} if int8 else {"float32": speeds[beam], "int8": other}
        return BENCHMARK.format(**figures), "python benchmarks/asr_speed.py ..."

    monkeypatch.setattr(bundle, "speed", fake_speed)
    monkeypatch.setattr(bundle, "BEAMS", tuple(sorted(dev)))
    scores = bundle.DevScores(folder, tmp_path, _fake_eval_asr(lambda options, m: dev[int(options["--beam"])]))
    decoding = bundle.Decoding(ctc=(0.3, {}, []))
    setting = bundle.Setting(ctc=0.3, lm=0.5, beam=4, precision="int8" if int8 else "float32")
    benchmark = bundle.choose_beam(scores, config, decoding, setting)
    return bundle, decoding, benchmark, json.loads((folder / "config.json").read_text())


def test_each_dev_setting_is_measured_once_with_every_option_spelled_out(tmp_path):
    bundle = _bundle_asr()
    for name in ("dev.tsv", "dev-voices.tsv", "real-dev.tsv"):
        (tmp_path / name).write_text("")
    calls = []
    wers = {"dev.tsv": {"float32": 6.0, "int8": 6.2}, "dev-voices.tsv": {"float32": 15.0, "int8": 15.3},
            "real-dev.tsv": {"float32": 30.0, "int8": 31.0}}
    scores = bundle.DevScores(tmp_path / "model", tmp_path, _fake_eval_asr(
        lambda options, manifest: wers[Path(manifest).name][options["--precision"]], calls))
    best = bundle.Setting(ctc=0.3, lm=0.5, beam=4)
    decoding = bundle.Decoding(ctc=(0.3, {}, []))
    decoding.lm = bundle.tune(scores, "lm", (0.2, 0.5), bundle.Setting(ctc=0.3, beam=4))
    assert len(calls) == 2 and decoding.lm[0] == 0.2  # the stand-in scores every weight alike: the first wins
    # every choice is made on the mean of synthetic dev, the held-out voices' dev and real-dev, read by one call
    assert calls[0][calls[0].index("--manifest") + 1:][:3] == [str(tmp_path / n) for n in bundle.DEV_SETS]
    chosen = bundle.choose_precision(scores, decoding, best)
    assert len(calls) == 3  # float32 at the grid's best weight was measured by the grid; only int8 is new
    assert decoding.int8 == {"float32": 17.0, "int8": 17.5}  # int8 loses 0.5 on the mean: float32 is kept
    assert chosen == bundle.Setting(ctc=0.3, lm=0.5, beam=4, precision="float32")
    # a subset of the measured sets needs no new measurement
    assert scores.mean(replace(chosen, precision="int8"), ("dev.tsv",))[0] == 6.2 and len(calls) == 3
    # the card's command reproduces the figure on its own, whatever the folder's config says later
    command = decoding.int8_commands[0]
    assert all(option in command for option in ("--beam 4", "--ctc-weight 0.3", "--lm-weight 0.5",
                                                "--precision float32"))


def test_the_ctc_weight_is_tried_again_beside_its_greedy_choice_with_the_language_model(tmp_path):
    bundle = _bundle_asr()
    assert bundle.beside((0.0, 0.3, 0.5, 0.7), 0.3) == (0.3, 0.0, 0.5)
    assert bundle.beside((0.0, 0.3, 0.5, 0.7), 0.0) == (0.0, 0.3)
    assert bundle.beside((0.0, 0.3, 0.5, 0.7), 0.7) == (0.7, 0.5)
    (tmp_path / "dev.tsv").write_text("")
    beam_wers = {"0.0": 9.0, "0.3": 7.0, "0.5": 6.5}
    scores = bundle.DevScores(tmp_path / "model", tmp_path, _fake_eval_asr(
        lambda options, manifest: beam_wers[options["--ctc-weight"]]))
    decoding = bundle.Decoding(ctc=(0.3, {0.0: 12.0, 0.3: 11.0, 0.5: 11.5, 0.7: 13.0}, []))
    decoding.lm = (0.35, {0.35: 7.0}, [])
    decoding.ctc_beam = bundle.tune(scores, "ctc", bundle.beside(bundle.CTC_WEIGHTS, 0.3),
                                    bundle.Setting(ctc=0.3, lm=0.35, beam=4))
    assert decoding.ctc_weight == 0.5  # the folder decodes with the weight chosen where it is used
    assert "--ctc-weight 0.5 --lm-weight 0.35" in decoding.ctc_beam[2][2]
    section = bundle.decoding_section(decoding, {"architecture": "lstm-lm", "model": {}})
    assert "w = **0.5**;" in section and "chose w=0.3:" in section
    assert "(mean dev WER w=0.0: 9.0%, w=0.3: 7.0%, w=0.5: 6.5%), which kept w = **0.5**" in section
    # the card names the dev sets the means are over: those the corpus had
    assert "over synthetic dev (training voices), dev-voices (the dev sentences in the held-out voices) and " \
           "real-dev (real speech)" in " ".join(section.split())
    decoding.dev_sets = ("dev.tsv",)
    assert "mean WER over synthetic dev (training voices) (synthetic" in " ".join(
        bundle.decoding_section(decoding, None).split())
    # a tie keeps the greedy choice
    beam_wers.update({"0.0": 7.0, "0.5": 7.0})
    scores.wers.clear()
    assert bundle.tune(scores, "ctc", bundle.beside(bundle.CTC_WEIGHTS, 0.3), bundle.Setting(ctc=0.3))[0] == 0.3


def test_the_lexicon_penalty_is_chosen_at_the_chosen_width_and_spelled_out_on_the_card(tmp_path, monkeypatch):
    import json
    bundle = _bundle_asr()
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "dev-voices.tsv").write_text("")
    # unseen voices gain from the word list at width 16, up to a point; at width 4 it prunes the right words
    wers = {("4", "0.0"): 12.0, ("16", "0.0"): 11.0, ("16", "2.0"): 10.6, ("16", "5.0"): 10.8}
    scores = bundle.DevScores(folder, tmp_path, _fake_eval_asr(
        lambda options, manifest: wers.get((options["--beam"], options["--lexicon-penalty"]), 13.0)))
    benchmarked = []

    def fake_speed(model, corpus, streaming=True):
        benchmarked.append((json.loads((model / "config.json").read_text())["lexicon_penalty"], streaming))
        return BENCHMARK.format(float32="0.2", int8="0.05"), "python benchmarks/asr_speed.py ..."

    monkeypatch.setattr(bundle, "speed", fake_speed)
    monkeypatch.setattr(bundle, "BEAMS", (4, 16))
    decoding = bundle.Decoding(ctc=(0.3, {0.3: 20.0}, []), lm=(0.5, {0.5: 11.0}, []))
    decoding.int8 = {"float32": 11.0, "int8": 11.0}
    config = {"beam_size": 4, "lexicon_penalty": 0.0}
    bundle.choose_lexicon(scores, config, decoding, bundle.Setting(ctc=0.3, lm=0.5, beam=4, precision="int8"))
    assert decoding.beam == 16 and decoding.lexicon[0] == 2.0
    assert json.loads((folder / "config.json").read_text())["lexicon_penalty"] == 2.0
    # the width by its real-time factor alone; the card's speed, streaming too, with the penalty the folder decodes with
    assert benchmarked == [(0.0, False), (2.0, True)]
    assert "--beam 16 --ctc-weight 0.3 --lm-weight 0.5 --lexicon-penalty 2.0 --precision int8" in decoding.lexicon[2][1]
    section = " ".join(bundle.choices_section(decoding).split())
    assert "at that width and precision: mean dev WER 0.0: 11.0%, 2.0: 10.6%, 5.0: 10.8%, so **2.0**" in section
    assert section.index("Beam width: **16**") < section.index("the lexicon penalty")
    # off when the word list does not pay: the first value (0) wins a tie
    wers.update({("16", "2.0"): 11.0, ("16", "5.0"): 11.0})
    scores.wers.clear()
    benchmarked.clear()
    config["lexicon_penalty"] = 0.0
    bundle.choose_lexicon(scores, config, decoding, bundle.Setting(ctc=0.3, lm=0.5, beam=4, precision="int8"))
    assert decoding.lexicon[0] == 0.0 and benchmarked == [(0.0, False), (0.0, True)]


def test_a_candidate_must_beat_the_bundled_model_on_the_same_audio(capsys):
    bundle = _bundle_asr()
    assert bundle.bar(16.42, None) == 16.42  # not decoded: the card's figure
    assert bundle.bar(16.42, 16.42) == 16.42 and capsys.readouterr().out == ""
    assert bundle.bar(16.42, 17.1) == 17.1  # a rebuilt corpus moved it: compare like with like
    assert "the bundled model scores 17.1 on these held-out voices (its card: 16.42)" in capsys.readouterr().out


def test_the_wider_beam_is_kept_only_when_it_is_better_and_fast_enough(tmp_path, monkeypatch):
    bundle, decoding, benchmark, written = _choose(tmp_path, monkeypatch, {4: 8.7, 8: 7.5}, {4: 0.078, 8: 0.09}, True)
    assert decoding.beam == written["beam_size"] == 8 and "0.09" in benchmark[0]
    decoding.int8 = {"float32": 7.4, "int8": 7.5}
    section = bundle.choices_section(decoding)
    assert "Precision at inference: **int8" in section and "Beam width: **8**" in section and "4: 8.7%" in section
    decoding.int8 = {"float32": 5.31, "int8": 5.61}  # loses exactly the tolerance (0.3000000000000007 unrounded)
    assert decoding.uses_int8
    decoding.int8 = {"float32": 7.4, "int8": 8.0}  # loses more than the tolerance
    assert "Precision at inference: **float32**" in bundle.choices_section(decoding)

    _, decoding, benchmark, written = _choose(tmp_path, monkeypatch, {4: 8.7, 8: 7.5}, {4: 0.078, 8: 0.12}, True)
    assert decoding.beam == written["beam_size"] == 4 and decoding.beam_rtf == {8: 0.12, 4: 0.078}
    assert "0.078" in benchmark[0]  # the card shows the speed of the width it keeps

    _, decoding, _, written = _choose(tmp_path, monkeypatch, {4: 7.0, 8: 7.5}, {4: 0.078, 8: 0.09}, False)
    assert decoding.beam == written["beam_size"] == 4 and 8 not in decoding.beam_rtf

    # of three widths, the best on dev that is fast enough; the slower, better one is benchmarked first
    dev = {4: 8.7, 8: 7.5, 16: 7.0}
    _, decoding, _, written = _choose(tmp_path, monkeypatch, dev, {4: 0.05, 8: 0.07, 16: 0.11}, True)
    assert decoding.beam == written["beam_size"] == 8 and decoding.beam_rtf == {16: 0.11, 8: 0.07}
    _, decoding, _, written = _choose(tmp_path, monkeypatch, dev, {4: 0.05, 8: 0.07, 16: 0.095}, True)
    assert decoding.beam == written["beam_size"] == 16 and decoding.beam_rtf == {16: 0.095}


def test_the_speed_gate_reads_the_precision_the_app_runs(tmp_path, monkeypatch):
    bundle = _bundle_asr()
    printout = BENCHMARK.format(float32="0.109", int8="0.078")
    assert bundle.real_time_factor(printout, "float32") == 0.109
    assert bundle.real_time_factor(printout, "int8") == 0.078
    _, decoding, _, _ = _choose(tmp_path, monkeypatch, {4: 8.7, 8: 7.5}, {4: 0.078, 8: 0.12}, False)
    assert decoding.beam == 4  # float32 at 0.12 is too slow even though int8 would be fast


def test_process_count_reads_as_english():
    sys.path.insert(0, str(ROOT / "scripts"))
    from bundling import process_count

    assert [process_count(n) for n in (1, 4, None)] == ["1 process", "4 processes", "? processes"]


def test_the_held_out_voice_change_pairs_the_same_utterances_of_both_models():
    bundle = _bundle_asr()
    voices = "data/speech/test-voices.tsv"
    reference = ["open the door", "call my sister", "turn on the light", "what time is it"] * 10

    def rows(hypothesis, manifest=voices):
        return [{"manifest": manifest, "id": f"u{i}", "voice": "piper:joe", "wer": "0", "reference": r,
                 "hypothesis": hypothesis(r)} for i, r in enumerate(reference)]

    bundled = rows(lambda r: r.replace("door", "floor"))
    candidate = rows(lambda r: r)[::-1] + rows(lambda r: "nothing", "data/speech/test-sentences.tsv")[:1]
    change = bundle.held_out_change(candidate, bundled, voices)
    # 10 of 140 words fixed: rows are paired by id whatever their order; the other test set is left out
    assert change.startswith("-7.14 WER points on the same 40 held-out-voice utterances")
    assert "(a measured change)" in change
    same = bundle.held_out_change(bundled, bundled, voices)
    assert "+0.00 WER points" in same and "within the noise" in same
    assert bundle.held_out_change([], bundled, voices) == ""


def test_the_card_lists_only_the_augmentations_the_run_used_with_their_rates():
    bundle = _bundle_asr()
    text = bundle.augmentation_text({"tempo_prob": 0.6, "warp_prob": 0.5, "timbre_prob": 0.0, "noise_prob": 0.4})
    assert text.startswith("speed perturbation (60% of utterances), vocal tract length perturbation")
    assert "timbre" not in text and "reverberation" not in text and text.endswith("gain changes, SpecAugment")
    assert bundle.augmentation_text({"timbre_prob": 0.5}) == (
        "timbre (a smooth random gain curve over the mel bands, 50% of utterances), gain changes, SpecAugment")


def test_keep_decoding_scores_at_the_bundled_settings_and_the_card_says_they_were_not_tuned(tmp_path, monkeypatch):
    import json
    import shutil

    import pytest

    from desktop_app.seq2seq import model_folder
    bundle = _bundle_asr()
    bundled, staged, lm = tmp_path / "bundled", tmp_path / "staged", tmp_path / "lm"
    for folder in (bundled, staged, lm):
        folder.mkdir()
    (bundled / "config.json").write_text(json.dumps({"model": {"ctc_decode_weight": 0.3}, "lm_weight": 0.5,
                                                     "beam_size": 16, "int8_inference": True, "lexicon_penalty": 2.0}))
    (lm / "config.json").write_text(json.dumps({"architecture": "lstm-lm", "model": {"layers": 2},
                                                "metrics": {"dev": {"perplexity": 2.231}}, "training": {"epochs": 10}}))
    attached, evaluated = [], []

    def fake_attach(folder, lm_folder, weight):
        shutil.copytree(lm_folder, Path(folder) / "lm")
        attached.append(weight)

    monkeypatch.setattr(model_folder, "attach_language_model", fake_attach)
    monkeypatch.setattr(bundle, "evaluate", lambda model, corpus, extra=(): (evaluated.append(extra) or {}, "attend"))
    config = {"model": {"ctc_decode_weight": 0.0}, "beam_size": 1, "lm_weight": 0.0, "int8_inference": False,
              "lexicon_penalty": 0.0, "language_model": ""}
    decoding, lm_config = bundle.keep_decoding(staged, config, bundled, lm, tmp_path)
    written = json.loads((staged / "config.json").read_text())
    assert bundle.folder_setting(written) == bundle.Setting(ctc=0.3, lm=0.5, beam=16, precision="int8", lexicon=2.0)
    assert written["language_model"] == "lm" and attached == [0.5]
    # one greedy pass without the LM for the card's baseline table, and no dev pass: nothing is tuned
    assert evaluated == [("--beam", "1", "--lm-weight", "0", "--ctc-weight", "0.3")]
    section = " ".join(bundle.kept_decoding_section(decoding, lm_config).split())
    assert "Beam search (width **16**)" in section and "w = **0.3**" in section
    assert "**0.5** x the log-probability" in section and "less **2.0** per word" in section
    assert "precision **int8 (dynamic quantisation)**" in section
    assert "not tuned for this folder" in section and "git show HEAD:" in section and "2.231 per unit" in section
    assert "beam threshold" not in section and written["beam_threshold"] is None
    # the kept setting with a new beam threshold: the card says which one, and where its figures are
    shutil.rmtree(staged / "lm")
    decoding, lm_config = bundle.keep_decoding(staged, config, bundled, lm, tmp_path, {"beam": 24, "threshold": 8.0})
    written = json.loads((staged / "config.json").read_text())
    assert written["beam_threshold"] == 8.0 and written["beam_size"] == 24
    assert bundle.folder_setting(written) == bundle.Setting(0.3, 0.5, 24, "int8", 2.0, 8.0)
    section = " ".join(bundle.kept_decoding_section(decoding, lm_config).split())
    assert "Beam search (width **24**, dropping hypotheses more than **8** below the best)" in section
    assert ("except the beam width of 24 and the beam threshold of 8, set at bundling (`--beam`, `--beam-threshold`)"
            in section and "benchmarks/beam_threshold.py" in section)
    assert "--beam-threshold 8.0" in " ".join(bundle.folder_setting(written).options())
    # ... and with a length penalty: written to the folder, named with its own source of figures
    shutil.rmtree(staged / "lm")
    decoding, lm_config = bundle.keep_decoding(staged, config, bundled, lm, tmp_path, {"length_penalty": 0.7})
    written = json.loads((staged / "config.json").read_text())
    assert written["length_penalty"] == 0.7 and written["beam_size"] == 16 and written["beam_threshold"] is None
    section = " ".join(bundle.kept_decoding_section(decoding, lm_config).split())
    assert "Beam search (width **16**, ranking hypotheses by summed log-probability / length ^ **0.7**)" in section
    assert ("except the length penalty of 0.7, set at bundling (`--length-penalty`) from the dev figures of "
            "`attend eval-asr --length-penalty` on the three dev sets" in section)
    assert "--length-penalty 0.7" in " ".join(bundle.folder_setting(written).options())
    # ... and with a new language-model weight and the internal language model subtracted
    shutil.rmtree(staged / "lm")
    attached.clear()
    decoding, lm_config = bundle.keep_decoding(staged, config, bundled, lm, tmp_path, {"lm": 0.7, "ilm": 0.2})
    written = json.loads((staged / "config.json").read_text())
    assert written["lm_weight"] == 0.7 and written["ilm_weight"] == 0.2 and attached == [0.7]
    section = " ".join(bundle.kept_decoding_section(decoding, lm_config).split())
    assert "**0.7** x the log-probability" in section and "less **0.2** x its log-probability" in section
    assert ("except the language-model weight of 0.7 and the internal language-model weight of 0.2, set at "
            "bundling (`--lm-weight`, `--ilm-weight`)" in section)
    assert "--lm-weight 0.7" in " ".join(bundle.folder_setting(written).options())
    assert "--ilm-weight 0.2" in " ".join(bundle.folder_setting(written).options())
    with pytest.raises(SystemExit, match="no bundled folder"):
        bundle.keep_decoding(staged, config, tmp_path / "missing", lm, tmp_path)


def test_measuring_the_speed_again_rewrites_only_the_cards_speed_section():
    bundle = _bundle_asr()
    card = ("# asr-en\n\n## Test scores\n\n| a | 10.1 |\n\n## Speed\n\n    python benchmarks/asr_speed.py --old\n\n"
            "```\nint8     real-time factor 0.122\n```\n\n## Training data\n\nA synthetic corpus.\n")
    new = bundle.with_speed_measured_again(card, ("int8     real-time factor 0.118", "python benchmarks/asr_speed.py"),
                                           "finals are decoded in the background.")
    assert new.startswith("# asr-en\n\n## Test scores\n\n| a | 10.1 |\n\n## Speed\n\nMeasured again")
    assert "finals are decoded in the background." in new and "0.118" in new
    assert "0.122" not in new and "--old" not in new
    assert new.endswith("## Training data\n\nA synthetic corpus.\n")
    with pytest.raises(ValueError, match="Speed"):
        bundle.with_speed_measured_again("# a card without one\n", ("x", "y"), "why")


def test_the_card_lists_the_training_voices_of_the_manifests_the_weights_trained_on(tmp_path):
    from desktop_app.speech.manifest import Utterance, write_manifest

    bundle = _bundle_asr()
    train, later = tmp_path / "train.tsv", tmp_path / "train-later.tsv"
    write_manifest(train, [Utterance("a", tmp_path / "a.wav", 1.0, "hi", "flite:kal"),
                           Utterance("b", tmp_path / "b.wav", 1.0, "yo", "festival:kal_diphone")])
    write_manifest(later, [Utterance("c", tmp_path / "c.wav", 1.0, "hey", "pico:en-US")])
    corpus_voices = ["flite:kal", "festival:kal_diphone", "pico:en-US"]
    text = bundle.training_voices_text({"data": {"train": [{"path": str(train), "repeat": 1}]}}, corpus_voices)
    assert text.startswith("Training voices (2, those of `train.tsv`, the manifests these weights trained on): "
                           "flite:kal, festival:kal_diphone.")
    assert "1 more training voices" in text and "pico" not in text
    both = {"data": {"train": [str(train), {"path": str(later)}]}}
    assert "(3, those of `train.tsv`, `train-later.tsv`" in bundle.training_voices_text(both, corpus_voices)
    # without the manifests at hand the card can only give the corpus's list
    missing = {"data": {"train": [str(tmp_path / "gone.tsv")]}}
    assert bundle.training_voices_text(missing, corpus_voices) == (
        "Training voices (3): flite:kal, festival:kal_diphone, pico:en-US.")


def test_the_card_is_short_and_the_long_record_goes_to_docs_experiments(tmp_path):
    """The card stays hub-sized (what it is, use and limits, measured quality, speed, data, license); the tuning
    history, per-voice scores, error samples, the whole speed printout and the run's notes go to the record."""
    import json

    bundle = _bundle_asr()
    corpus = tmp_path / "speech"
    corpus.mkdir()
    voices = [f"espeak-ng:en-us+m{i}" for i in range(80)]
    (corpus / "corpus.json").write_text(json.dumps({
        "voices": {"training": voices, "held_out": ["piper:joe"]},
        "splits": {"train": {"written": 30000, "hours": 18.7}, "dev": {"written": 400, "hours": 0.25}}}))
    history = [{"epoch": e, "train_nll": 1.0 / e, "lr": 0.001, "dev_dev_wer": 50.0 / e} for e in range(1, 41)]
    config = {"architecture": "las", "model": {"n_mels": 80}, "weights_dtype": "float16",
              "feature_stats": "features.json", "target_tokenizer": "target.model",
              "training": {"history": history, "epochs": 40, "selected": "average of epochs 38, 39, 40",
                           "command": "attend train-asr --config configs/asr/asr-en.yaml --out runs/asr-en",
                           "config": {"augment": {"tempo_prob": 0.6}}}}
    results = {str(corpus / "test-voices.tsv"): {"utterances": 400, "wer": 9.2, "cer": 5.0, "rtf": 0.12},
               str(corpus / "real-dev.tsv"): {"utterances": 90, "wer": 30.6, "cer": 14.7, "rtf": 0.2}}
    printout = "\n".join(["model m: loaded in 45 ms", "int8     real-time factor 0.086",
                          *(f"int8     finals in line       partial lag {i} ms" for i in range(6)),
                          "int8     finals in background partial lag      median    57 ms",
                          "peak resident memory 652 MB"])
    decoding = bundle.Decoding(ctc=(0.3, {0.3: 10.0}, ["attend eval-asr ..."]))
    notes = "Epochs 1-8 ran on 1 thread.\n" * 100
    record = bundle.record_path("asr-en", "2026-12-06")
    assert record == "docs/experiments/2026-12-06-asr-en-training-record.md"
    text = bundle.card(config, "asr-en", results, "attend eval-asr ...", (printout, "python benchmarks/asr_speed.py"),
                       corpus, decoding, 6_463_326, 18.6, None, [], notes, "", record)
    assert len(text.splitlines()) <= 100
    for heading in ("## Intended use and limits", "## Measured quality", "## Speed", "## Training data",
                    "## License and credits"):
        assert heading in text
    assert "| held-out voices (`test-voices.tsv`) | 400 | 9.2 | 5.0 | 0.120 |" in text
    assert "real-dev WER 30.6%" in text and "MIT license" in text
    assert f"](../../{record})" in text
    assert "Epochs 1-8 ran on 1 thread." not in text and "| 40 |" not in text and "en-us+m79" not in text
    assert "int8     real-time factor 0.086" in text and "finals in line" not in text
    long = bundle.training_record(config, "asr-en", (printout, "python benchmarks/asr_speed.py"), corpus, decoding,
                                  [], notes, "2026-12-06")
    assert long.startswith("# 2026-12-06: asr-en training record")
    assert "Epochs 1-8 ran on 1 thread." in long and "| 40 | 0.025 | 0.001 | 1.25 |" in long
    assert "en-us+m79" in long and "finals in line       partial lag 5 ms" in long
