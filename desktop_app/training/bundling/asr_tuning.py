"""Choosing how a staged speech model folder decodes, on the mean WER of the dev sets, and writing each choice
into its config.json: the CTC weight (greedy); with a language model, its weight at beam LM_BEAM and the CTC
weight again beside its greedy choice; the precision the app runs; with a language model, the beam width that
keeps the speed target and the lexicon penalty at that width. Or, with --keep-decoding, none of that: the
settings of the bundled folder it would replace (`keep_decoding`).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import ROOT, asr_scores, speed
from .asr_scores import DEV_SETS, DevScores, Setting, folder_setting

CTC_WEIGHTS = (0.0, 0.3, 0.5, 0.7)  # joint decoding: 0 = the attention decoder alone
LM_WEIGHTS = (0.2, 0.35, 0.5, 0.7)  # shallow fusion, tried with beam search
LM_BEAM = 4  # the language-model weight is tuned at this width
BEAMS = (4, 8, 16, 32)  # widths tried with the tuned weight; the best on dev that keeps the speed target wins
LEXICON_PENALTIES = (0.0, 2.0, 5.0)  # score lost per word outside the LM's word list, tried at the chosen width
# (at beam 4 the 22-24 recognizer lost with P=5, 17.26 -> 17.52; at its width 16 it gained, 15.55 -> 15.47)
INT8_TOLERANCE = 0.3  # dev WER points int8 may lose and still be what the app runs
TARGET_RTF = 0.1  # real-time factor on 2 cores (issue 4), from benchmarks/asr_speed.py


@dataclass
class Decoding:
    """What bundling chose for the folder's decoding, and the dev figures behind it."""

    ctc: tuple[float, dict, list[str]]  # (chosen CTC weight, {weight: dev WER}, commands), greedy search
    dev_sets: tuple[str, ...] = DEV_SETS  # the dev manifests every mean WER below is over
    lm: tuple[float, dict, list[str]] | None = None  # the same for the language-model weight
    ctc_beam: tuple[float, dict, list[str]] | None = None  # the CTC weight again, with the LM at LM_BEAM
    lexicon: tuple[float, dict, list[str]] | None = None  # the lexicon penalty, at the chosen width
    beam: int = 1
    baseline: dict | None = None  # test results of greedy decoding without the language model
    baseline_command: str = ""
    int8: dict = field(default_factory=dict)  # {"float32": dev WER, "int8": dev WER}
    int8_commands: list = field(default_factory=list)
    beams: dict = field(default_factory=dict)  # {width: dev WER} with the tuned weights
    beam_rtf: dict = field(default_factory=dict)  # {width: real-time factor}, for the widths benchmarked
    beam_commands: list = field(default_factory=list)
    kept: Setting | None = None  # --keep-decoding: the replaced folder's setting, not tuned here
    kept_card: str = ""  # where that folder's card (with the tuning figures) can be read
    search_changes: dict = field(default_factory=dict)  # --keep-decoding --beam/--beam-threshold/--length-penalty/...

    @property
    def ctc_weight(self) -> float:
        """The CTC weight the folder decodes with: the last tuning's choice."""
        return (self.ctc_beam or self.ctc)[0]

    @property
    def uses_int8(self) -> bool:
        """int8 loses at most INT8_TOLERANCE dev WER points against float32."""
        loss = round(self.int8["int8"] - self.int8["float32"], 2) if self.int8 else None  # 5.61 - 5.31 is 0.3000...07
        return loss is not None and loss <= INT8_TOLERANCE


def write_config(folder: Path, config: dict) -> None:
    (folder / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def tune(scores: DevScores, field_name: str, values: tuple, base: Setting, sets: tuple[str, ...] = DEV_SETS):
    """Mean dev WER over `sets` for each value of one field of the decoding setting `base`.
    -> (best value, {value: WER}, the commands); the first value wins a tie"""
    wers, commands = {}, []
    for value in values:
        wers[value], command = scores.mean(replace(base, **{field_name: value}), sets)
        commands.append(command)
    return min(wers, key=wers.get), wers, commands


def beside(values: tuple, chosen) -> tuple:
    """`chosen` first (it wins ties), then its neighbours in `values`: (0.0, 0.3, 0.5), 0.3 -> (0.3, 0.0, 0.5)"""
    at = values.index(chosen)
    return (chosen, *values[max(0, at - 1) : at], *values[at + 1 : at + 2])


def choose_precision(scores: DevScores, decoding: Decoding, base: Setting) -> Setting:
    """int8 when it loses at most INT8_TOLERANCE dev WER points against float32. -> the setting to run"""
    for precision in ("float32", "int8"):
        decoding.int8[precision], command = scores.mean(replace(base, precision=precision))
        decoding.int8_commands.append(command)
    return replace(base, precision="int8" if decoding.uses_int8 else "float32")


def choose_beam(scores: DevScores, config: dict, decoding: Decoding, base: Setting) -> tuple[str, str]:
    """The beam width with the lowest dev WER whose real-time factor (in the precision the app
    runs) meets TARGET_RTF; the narrowest if none does. -> that width's speed benchmark (no streaming figures)"""
    for beam in BEAMS:
        decoding.beams[beam], command = scores.mean(replace(base, beam=beam))
        decoding.beam_commands.append(command)
    for beam in sorted(BEAMS, key=lambda b: (decoding.beams[b], b)):  # best first: the slow ones are benchmarked
        config["beam_size"] = decoding.beam = beam
        write_config(scores.model, config)
        benchmark = speed.measure(scores.model, scores.corpus, streaming=False)
        decoding.beam_rtf[beam] = speed.real_time_factor(benchmark[0], base.precision)
        print(f"beam {beam}: {base.precision} real-time factor {decoding.beam_rtf[beam]}", flush=True)
        if decoding.beam_rtf[beam] <= TARGET_RTF or beam == min(BEAMS):
            return benchmark
    raise AssertionError("unreachable: the narrowest beam is always accepted")


def choose_lexicon(scores: DevScores, config: dict, decoding: Decoding, base: Setting) -> tuple[str, str]:
    """The beam width (choose_beam), then the lexicon penalty at that width: a narrow beam that
    penalises unlisted words can prune the right hypothesis, a wide one keeps it. -> the speed benchmark
    (with its streaming figures, at the chosen width and penalty)"""
    choose_beam(scores, config, decoding, base)
    decoding.lexicon = tune(scores, "lexicon", LEXICON_PENALTIES, replace(base, beam=decoding.beam))
    config["lexicon_penalty"] = decoding.lexicon[0]
    write_config(scores.model, config)
    return speed.measure(scores.model, scores.corpus)


def tune_decoding(staged: Path, config: dict, lm: Path | None, corpus: Path) -> tuple[Decoding, dict | None, tuple]:
    """Tune the staged folder's decoding on dev (CTC weight; with `lm`, its weight, the CTC weight again,
    precision, beam width, lexicon penalty), writing each choice into its config.
    -> (the choices, the LM's config or None, the speed benchmark of the chosen width or None)"""
    from desktop_app.seq2seq.model_folder import attach_language_model  # torch: only when it runs

    scores = DevScores(staged, corpus)
    dev_sets = scores.present()
    decoding = Decoding(tune(scores, "ctc", CTC_WEIGHTS, Setting(ctc=0.0), dev_sets), dev_sets)
    config["model"]["ctc_decode_weight"] = decoding.ctc[0]
    write_config(staged, config)
    setting, lm_config = Setting(ctc=decoding.ctc[0]), None
    if lm:
        attach_language_model(staged, lm, 0.0)
        without_lm = ("--beam", "1", "--lm-weight", "0", "--ctc-weight", str(decoding.ctc[0]))  # as greedy chose
        decoding.baseline, decoding.baseline_command = asr_scores.evaluate(staged, corpus, without_lm)
        lm_config = json.loads((staged / "lm" / "config.json").read_text())
        decoding.beam = LM_BEAM
        decoding.lm = tune(scores, "lm", LM_WEIGHTS, replace(setting, beam=LM_BEAM))
        setting = replace(setting, lm=decoding.lm[0], beam=LM_BEAM)
        decoding.ctc_beam = tune(scores, "ctc", beside(CTC_WEIGHTS, setting.ctc), setting)
        setting = replace(setting, ctc=decoding.ctc_beam[0])
        config["model"]["ctc_decode_weight"] = setting.ctc
        config.update(language_model="lm", lm_weight=decoding.lm[0], beam_size=LM_BEAM)
        write_config(staged, config)
    setting = choose_precision(scores, decoding, setting)
    config["int8_inference"] = setting.precision == "int8"
    write_config(staged, config)
    benchmark = choose_lexicon(scores, config, decoding, setting) if lm else None
    return decoding, lm_config, benchmark


def keep_decoding(
    staged: Path, config: dict, destination: Path, lm: Path | None, corpus: Path, search_changes: dict | None = None
) -> tuple[Decoding, dict | None]:
    """--keep-decoding: the staged folder decodes as the bundled `destination` does, nothing tuned
    (a new language model or acoustic weights scored at the settings that were tuned before);
    `search_changes`: but with this beam width, threshold, length penalty, language-model and/or internal
    language-model weight, e.g. {"beam": 24, "threshold": 7.0, "length_penalty": 0.7, "lm": 0.7, "ilm": 0.2}.
    -> (the kept setting as a Decoding, the LM's config or None)"""
    from desktop_app.seq2seq.model_folder import attach_language_model  # torch: only when it runs

    if not (destination / "config.json").exists():
        raise SystemExit(f"--keep-decoding: no bundled folder {destination} to keep the decoding of")
    kept = folder_setting(json.loads((destination / "config.json").read_text()))
    search_changes = search_changes or {}
    kept = replace(kept, **search_changes)
    card_commit = subprocess.run(
        ["git", "log", "-1", "--format=%h", "--", str(destination / "README.md")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    where = destination.relative_to(ROOT) if destination.is_relative_to(ROOT) else destination
    card = f"git show {card_commit or 'HEAD'}:{where}/README.md"  # the card with the figures the settings came from
    decoding = Decoding(
        ctc=(kept.ctc, {}, []), beam=kept.beam, kept=kept, kept_card=card, search_changes=search_changes
    )
    config["model"]["ctc_decode_weight"] = kept.ctc
    config.update(
        beam_size=kept.beam,
        int8_inference=kept.precision == "int8",
        lexicon_penalty=kept.lexicon,
        beam_threshold=kept.threshold or None,
        length_penalty=kept.length_penalty,
        ilm_weight=kept.ilm,
    )
    lm_config = None
    if lm:
        attach_language_model(staged, lm, kept.lm)
        without_lm = ("--beam", "1", "--lm-weight", "0", "--ctc-weight", str(kept.ctc))
        decoding.baseline, decoding.baseline_command = asr_scores.evaluate(staged, corpus, without_lm)
        lm_config = json.loads((staged / "lm" / "config.json").read_text())
        config.update(language_model="lm", lm_weight=kept.lm)
    write_config(staged, config)
    return decoding, lm_config
