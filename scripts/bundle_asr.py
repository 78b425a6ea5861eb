"""Evaluate a trained speech run on the test sets once, write its model card, copy it to models/.

    python scripts/bundle_asr.py --run runs/asr-en --name asr-en [--lm runs/lm-en-large/model] [--corpus data/speech]

Tunes the decoding on the mean WER of the dev sets: synthetic dev, dev-voices (the dev sentences in
the held-out voices, so the settings suit unseen voices) and real-dev (the CTC weight; with --lm, the
language-model weight for beam search with shallow fusion, then the CTC weight again beside its
greedy choice at that beam; the precision the app runs:
int8 when it loses at most 0.3 WER points; with --lm, the beam width: the best on dev whose
real-time factor in `benchmarks/asr_speed.py` stays within 0.1), measuring each dev setting once,
scores held-out voices, held-out sentences and real held-out speakers with `attend eval-asr`
(WER and CER from jiwer), measures speed with `benchmarks/asr_speed.py`, records the exact
commands next to the figures, and writes models/NAME/README.md (the short card) and
docs/experiments/DAY-NAME-training-record.md (the tuning history, per-voice scores, the run's notes).
Replaces a bundled model only with one of lower held-out-voice WER than the bundled model scores on
the same audio (its card's
figure when it cannot be decoded), unless --force; it prints the change with a 95% paired-bootstrap
interval (also on the card), so a refusal or a replacement by a fraction of a point can be read
against the noise. With --keep-decoding nothing is tuned: the candidate decodes as the bundled folder
does (for a new language model or new weights when an hour of dev passes cannot be spared), and the
card says so. With --measure-speed-again WHY only the bundled folder's speed is measured again (after a
change to the app's streaming or decoding code), and its card's Speed section says why; nothing else changes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # its sibling scripts (bundling, compare_errors), however it is loaded

from attend_scores import NoScore, run_scores  # noqa: E402  (exit 1 = scored with skips)
from compare_errors import change, read_error_table, verdict  # noqa: E402  (eval-asr --errors tables)

from desktop_app.commands._options import INFERENCE_THREADS  # noqa: E402  (torch-free: the app's decoding threads)

TEST_SETS = {"held-out voices": "test-voices.tsv", "held-out sentences": "test-sentences.tsv",
             "real speech, held-out speakers": "real-dev.tsv"}
CTC_WEIGHTS = (0.0, 0.3, 0.5, 0.7)  # joint decoding: 0 = the attention decoder alone
DEV_SETS = ("dev.tsv", "dev-voices.tsv", "real-dev.tsv")  # the sets whose mean WER tunes decoding (those present)
DEV_SET_NAMES = {"dev.tsv": "synthetic dev (training voices)",
                 "dev-voices.tsv": "dev-voices (the dev sentences in the held-out voices)",
                 "real-dev.tsv": "real-dev (real speech)"}
LM_WEIGHTS = (0.2, 0.35, 0.5, 0.7)  # shallow fusion, tried with beam search
LM_BEAM = 4  # the language-model weight is tuned at this width
BEAMS = (4, 8, 16, 32)  # widths tried with the tuned weight; the best on dev that keeps the speed target wins
LEXICON_PENALTIES = (0.0, 2.0, 5.0)  # score lost per word outside the LM's word list, tried at the chosen width
# (at beam 4 the 22-24 recognizer lost with P=5, 17.26 -> 17.52; at its width 16 it gained, 15.55 -> 15.47)
INT8_TOLERANCE = 0.3  # dev WER points int8 may lose and still be what the app runs
TARGET_WER = 10.0  # held-out voices (issue 4)
EVAL_JOBS = max(1, min(2, os.cpu_count() or 1))  # bundling pauses training: every core decodes
TARGET_RTF = 0.1  # real-time factor on 2 cores (issue 4), from benchmarks/asr_speed.py
CREDITS = """- Sentences: Tatoeba (tatoeba.org) English, as packaged by manythings.org/anki, CC-BY 2.0.
- Real speech: Mini LibriSpeech (Panayotov et al. 2015), CC BY 4.0; CMU AN4 (CMU terms, BSD-style);
  LJ Speech (Keith Ito), public domain; Free Spoken Digit Dataset, CC BY-SA 4.0.
- Background noise: Speech Commands background noise (Warden 2018), CC BY 4.0.
- Voices: espeak-ng (GPL-3.0), flite and its voices (BSD-style), the Festival Speech Synthesis
  System with festvox voices kal, ked and cmu_us_slt_arctic_hts (BSD-style / free licenses), and
  piper with en_US-joe-medium (test only), and SVOX Pico (Apache-2.0, through ttspico) with its
  en-US and en-GB voices (training only, `train-added.tsv`); espeak-ng's voice variants (klatt, Annie,
  ...) on the training accents are training only too (`train-variants.tsv`). Only their synthesized
  audio was used; no engine ships."""


def run_json(command: list[str]) -> dict:
    """Runs an attend command that prints JSON; eval-asr decodes in EVAL_JOBS processes (the same
    transcripts as one process gives, so the card's commands leave --jobs out). A run that skipped
    utterances is said so in the log and its scores used; one with no score (or none for one of its
    manifests) raises NoScore."""
    jobs = ["--jobs", str(EVAL_JOBS)] if command[0] == "eval-asr" else []
    scores = run_scores([*command, *jobs], ROOT)
    unscored = [m for m in manifests_of(command) if m not in scores.get("results", {})]
    if unscored:
        raise NoScore(f"attend eval-asr gave no score for {', '.join(unscored)} (none of its utterances could be "
                      f"read)  [attend {' '.join(command)}]")
    return scores


def manifests_of(command: list[str]) -> list[str]:
    """The manifests an eval-asr command line names (none for another command)."""
    if command[0] != "eval-asr" or "--manifest" not in command:
        return []
    after = command[command.index("--manifest") + 1:]
    return after[:next((i for i, word in enumerate(after) if word.startswith("--")), len(after))]


def write_config(folder: Path, config: dict) -> None:
    (folder / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def tune(scores: DevScores, field_name: str, values: tuple, base: Setting, sets: tuple[str, ...] = DEV_SETS):
    """Mean dev WER over `sets` for each value of one field of the decoding setting `base`.
    -> (best value, {value: WER}, the commands)"""
    wers, commands = {}, []
    for value in values:
        wers[value], command = scores.mean(replace(base, **{field_name: value}), sets)
        commands.append(command)
    return min(wers, key=wers.get), wers, commands


def beside(values: tuple, chosen) -> tuple:
    """`chosen` first (it wins ties), then its neighbours in `values`: (0.0, 0.3, 0.5), 0.3 -> (0.3, 0.0, 0.5)"""
    at = values.index(chosen)
    return (chosen, *values[max(0, at - 1):at], *values[at + 1:at + 2])


def evaluate(model: Path, corpus: Path, extra: tuple[str, ...] = (), errors: Path | None = None) -> tuple[dict, str]:
    """Scores on every test set; with `errors`, also each utterance's line (eval-asr --errors)."""
    manifests = [str(corpus / name) for name in TEST_SETS.values() if (corpus / name).exists()]
    command = ["eval-asr", "--model", str(model), "--manifest", *manifests, *extra, "--json"]
    results = run_json(command + (["--errors", str(errors)] if errors else []))
    return results["results"], "attend " + " ".join(command)


def speed(model: Path, corpus: Path, streaming: bool = True) -> tuple[str, str]:
    """asr_speed.py's output and command; without `streaming`, the real-time factor alone (2 min less)."""
    command = ["benchmarks/asr_speed.py", "--model", str(model), "--manifest", str(corpus / "test-sentences.tsv"),
               "--limit", "40", "--quantize", "--threads", str(INFERENCE_THREADS),
               *([] if streaming else ["--dictation", "0"])]
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=ROOT, check=True)
    return result.stdout.strip(), "python " + " ".join(command)


SPEED_SECTION = re.compile(r"(?ms)^## Speed\n.*?(?=^## )")


def with_speed_measured_again(card_text: str, benchmark: tuple[str, str], why: str) -> str:
    """The card with its Speed section replaced by a new measurement (every other section as it was)."""
    output, command = benchmark
    section = (f"## Speed\n\nMeasured again after the weights were bundled: {why}\n\n"
               f"    {command}\n\n```\n{speed_summary(output)}\n```\n\n")
    if not SPEED_SECTION.search(card_text):
        raise ValueError("the card has no '## Speed' section followed by another section")
    return SPEED_SECTION.sub(lambda _: section, card_text, count=1)


def measure_speed_again(destination: Path, corpus: Path, why: str) -> None:
    """Re-run the speed benchmark on a bundled folder (models/NAME, as the card names it) and rewrite its card's
    Speed section (weights unchanged)."""
    benchmark = speed(destination, corpus)
    card_path = ROOT / destination / "README.md"
    card_path.write_text(with_speed_measured_again(card_path.read_text(encoding="utf-8"), benchmark, why),
                         encoding="utf-8")
    print(benchmark[0])
    print(f"rewrote the Speed section of {card_path}")


def real_time_factor(benchmark: str, precision: str) -> float:
    """The real-time factor asr_speed.py printed for one precision ("int8     real-time factor 0.078")."""
    for line in benchmark.splitlines():
        words = line.split()
        if words[:3] == [precision, "real-time", "factor"]:
            return float(words[3])
    raise ValueError(f"no {precision} real-time factor in the benchmark output:\n{benchmark}")


@dataclass(frozen=True)
class Setting:
    """One complete decoding setting. Every option is spelled out, so each dev command on the card
    reproduces its figure whatever the folder's config says after bundling."""

    ctc: float
    lm: float = 0.0
    beam: int = 1
    precision: str = "float32"
    lexicon: float = 0.0
    threshold: float = 0.0  # beam threshold (0 = none)
    length_penalty: float = 1.0  # hypotheses ranked by summed log-probability / length ** this
    ilm: float = 0.0  # weight of the internal language-model estimate, subtracted (0 = none)

    def options(self) -> list[str]:
        return ["--beam", str(self.beam), "--ctc-weight", str(self.ctc), "--lm-weight", str(self.lm),
                "--lexicon-penalty", str(self.lexicon), "--precision", self.precision,
                "--beam-threshold", str(self.threshold), "--length-penalty", str(self.length_penalty),
                "--ilm-weight", str(self.ilm)]


class DevScores:
    """Dev WER per (setting, manifest), each measured once with `attend eval-asr`: the precision
    check repeats the language-model grid's best setting, and the beam check the chosen precision."""

    def __init__(self, model: Path, corpus: Path, runner=None):
        self.model, self.corpus, self.runner = model, corpus, runner or run_json
        self.wers: dict[tuple[Setting, str], float] = {}

    def command(self, setting: Setting, manifests: list[str]) -> list[str]:
        return ["eval-asr", "--model", str(self.model), "--manifest", *manifests, *setting.options(), "--json"]

    def present(self, sets: tuple[str, ...] = DEV_SETS) -> tuple[str, ...]:
        """The dev `sets` this corpus has (an older corpus has no dev-voices.tsv)."""
        return tuple(name for name in sets if (self.corpus / name).exists())

    def mean(self, setting: Setting, sets: tuple[str, ...] = DEV_SETS) -> tuple[float, str]:
        """Mean WER over the dev `sets` present (DEV_SETS by default).
        -> (WER, the command that measures it)"""
        manifests = [str(self.corpus / name) for name in self.present(sets)]
        missing = [m for m in manifests if (setting, m) not in self.wers]
        if missing:
            results = self.runner(self.command(setting, missing))["results"]
            self.wers.update({(setting, m): results[m]["wer"] for m in missing})
        wer = round(sum(self.wers[setting, m] for m in manifests) / len(manifests), 2)
        print(f"dev WER ({' + '.join(sets)}) {' '.join(setting.options())}: {wer}"
              + ("" if missing else " (measured earlier)"), flush=True)
        return wer, "attend " + " ".join(self.command(setting, manifests))


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
    for beam in sorted(BEAMS, key=lambda b: (decoding.beams[b], b)):
        config["beam_size"] = decoding.beam = beam
        write_config(scores.model, config)
        benchmark = speed(scores.model, scores.corpus, streaming=False)
        decoding.beam_rtf[beam] = real_time_factor(benchmark[0], base.precision)
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
    return speed(scores.model, scores.corpus)


def score_table(results: dict, corpus: Path) -> str:
    rows = []
    for label, name in TEST_SETS.items():
        r = results.get(str(corpus / name))
        if r:
            rows.append(f"| {label} (`{name}`) | {r['utterances']} | {r['wer']:.1f} | {r['cer']:.1f} "
                        f"| {r['rtf']:.3f} |")
    return "\n".join(rows)


def held_out_change(candidate: list[dict], bundled: list[dict], manifest: str) -> str:
    """The held-out-voice WER change against the bundled model on the same utterances, with its 95%
    paired-bootstrap interval. candidate, bundled: `eval-asr --errors` rows."""
    try:
        count, difference, low, high = change(candidate, bundled, [manifest])
    except ValueError:
        return ""
    return (f"{difference:+.2f} WER points on the same {count} held-out-voice utterances, "
            f"95% paired-bootstrap interval {low:+.2f} to {high:+.2f} ({verdict(low, high)})")


def bar(card_wer: float, remeasured: float | None) -> float:
    """The held-out-voice WER a candidate must beat: the bundled model's on this very audio and code when
    it was measured (a rebuilt corpus or a decoding fix can move it), else the figure on its card."""
    if remeasured is None:
        return card_wer
    if remeasured != card_wer:
        print(f"the bundled model scores {remeasured} on these held-out voices (its card: {card_wer}); "
              f"the candidate must beat {remeasured}", flush=True)
    return remeasured


def voice_family(voice: str) -> str:
    """'espeak-ng:en-gb-scotland+m3' -> 'espeak-ng:en-gb-scotland' (espeak variants share a family)."""
    return voice.split("+", 1)[0]


def voice_table(rows: list[dict], held_out: set[str]) -> str:
    """Pooled WER per voice family, with its utterances and variants; held-out families marked."""
    from desktop_app.speech.evaluate import word_error_rates

    families: dict[str, list[dict]] = {}
    for row in rows:
        if row["reference"].strip():
            families.setdefault(voice_family(row["voice"]), []).append(row)
    lines = []
    for family, members in sorted(families.items(), key=lambda item: (item[0] not in held_out, item[0])):
        wer = 100 * word_error_rates([r["reference"] for r in members], [r["hypothesis"] for r in members])["wer"]
        variants = len({r["voice"] for r in members})
        role = ("held out" if family in held_out else "real speech, held-out speakers" if family.startswith("real:")
                else "training voice")
        lines.append(f"| {family} | {role} | {variants} | {len(members)} | {wer:.1f} |")
    return "\n".join(lines)


def sample_errors(rows: list[dict], manifest: str, count: int = 6) -> str:
    """Utterances of one test set at evenly spaced WER ranks (worst to best), as a table."""
    chosen = [r for r in rows if r["manifest"] == manifest]  # already sorted worst first
    if not chosen:
        return ""
    if len(chosen) > count:
        chosen = [chosen[round(i * (len(chosen) - 1) / (count - 1))] for i in range(count)]
    cells = [f"| {r['voice']} | {float(r['wer']):.0f} | {r['reference']} | {r['hypothesis']} |" for r in chosen]
    return "\n".join(cells)


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


def code_block(commands: list[str]) -> str:
    """Commands as a Markdown code block: one per line, indented four spaces."""
    return "\n".join("    " + command for command in commands)


def dev_sets_text(sets: tuple[str, ...]) -> str:
    """('dev.tsv', 'real-dev.tsv') -> 'synthetic dev (training voices) and real-dev (real speech)'"""
    names = [DEV_SET_NAMES.get(name, f"`{name}`") for name in sets]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def decoding_section(d: Decoding, lm_config: dict | None) -> str:
    ctc_line = ", ".join(f"w={w}: {wer}%" for w, wer in d.ctc[1].items())
    text = f"""token score = (1 - w) x attention log-probability + w x CTC prefix score, w = **{d.ctc_weight}**;
greedy search's mean WER over {dev_sets_text(d.dev_sets)} (synthetic dev alone
once chose w=0, which drifted on real speech), chose w={d.ctc[0]}:
{ctc_line}.

{code_block(d.ctc[2])}
"""
    if d.lm is None or lm_config is None:
        return "Greedy search over the attention decoder's scores joined with CTC prefix scores:\n" + text
    lm_line = ", ".join(f"{w}: {wer}%" for w, wer in d.lm[1].items())
    return f"""Beam search (width **{d.beam}**) over the attention decoder's scores joined with CTC prefix
scores and a language model (shallow fusion):
{text}
plus **{d.lm[0]}** x the log-probability of the token under the language model in `lm/`, a
weight chosen by the same mean dev WER at beam {LM_BEAM} (weights {lm_line}):

{code_block(d.lm[2])}
{ctc_beam_text(d)}{language_model_text(lm_config)}"""


def language_model_text(lm_config: dict) -> str:
    """What the language model in `lm/` is, how it was trained and how well it predicts dev text."""
    lm_training, lm_dev = lm_config.get("training", {}), lm_config.get("metrics", {}).get("dev", {})
    lm_model = ", ".join(f"{k}={v}" for k, v in lm_config["model"].items())
    return f"""
The language model (`lm/`, architecture {lm_config['architecture']}: {lm_model}) reads the same
character units. It was trained on text only: the English side of the Tatoeba training
text and the training transcripts, never a sentence of the dev or test sets (they are
excluded by their normalised form; see `exclude` in its config). Dev perplexity
{lm_dev.get('perplexity')} per unit ({lm_dev.get('bits_per_unit')} bits),
{lm_training.get('epochs')} epochs, {lm_training.get('train_hours')} h on {lm_training.get('device')}:

    {lm_training.get('command', '?')}
"""


def kept_decoding_section(d: Decoding, lm_config: dict | None) -> str:
    """--keep-decoding: the settings the replaced folder decoded with, spelled out, and where they were tuned."""
    k = d.kept
    search = (f"Beam search (width **{k.beam}**{threshold_text(k.threshold)}{length_penalty_text(k.length_penalty)})"
              if k.beam > 1 else "Greedy search")
    lm = (f" and **{k.lm}** x the log-probability of the token under the language model in `lm/`, less "
          f"**{k.lexicon}** per word outside its word list (`lm/words.txt`)") if lm_config else ""
    if k.ilm:
        lm += (f", less **{k.ilm:g}** x its log-probability under the recognizer's internal language model (the "
               "decoder with its attention context zeroed, an estimate of what it learnt from the training "
               "transcripts alone)")
    text = f"""{search} over the attention decoder's scores joined with CTC prefix scores,
token score = (1 - w) x attention log-probability + w x CTC prefix score, w = **{k.ctc}**,{lm};
precision **{precision_text(k.precision == 'int8')}**. These settings were not tuned for this folder:
they are the ones the folder it replaced decoded with (`scripts/bundle_asr.py --keep-decoding`), tuned
on dev WER as that folder's card shows (`{d.kept_card}`){search_changes_text(d)}.
"""
    return text + (language_model_text(lm_config) if lm_config else "")


def threshold_text(threshold: float) -> str:
    return f", dropping hypotheses more than **{threshold:g}** below the best" if threshold else ""


def length_penalty_text(alpha: float) -> str:
    return (f", ranking hypotheses by summed log-probability / length ^ **{alpha:g}**" if alpha != 1 else "")


# field: (bundle_asr flag, card wording, what measured its dev figures)
SEARCH_CHANGES = {"beam": ("--beam", "the beam width of {:g}", "`benchmarks/beam_threshold.py`"),
                  "threshold": ("--beam-threshold", "the beam threshold of {:g}", "`benchmarks/beam_threshold.py`"),
                  "length_penalty": ("--length-penalty", "the length penalty of {:g}",
                                     "`attend eval-asr --length-penalty` on the three dev sets"),
                  "lm": ("--lm-weight", "the language-model weight of {:g}",
                         "`attend eval-asr --lm-weight --ilm-weight` on the four dev sets"),
                  "ilm": ("--ilm-weight", "the internal language-model weight of {:g}",
                          "`attend eval-asr --lm-weight --ilm-weight` on the four dev sets")}


def search_changes_text(d: Decoding) -> str:
    """What --keep-decoding changed of the kept search, and where its figures come from."""
    if not d.search_changes:
        return ""
    what = " and ".join("no beam threshold" if name == "threshold" and not value
                        else SEARCH_CHANGES[name][1].format(value) for name, value in d.search_changes.items())
    flags = ", ".join(f"`{SEARCH_CHANGES[name][0]}`" for name in d.search_changes)
    sources = " and ".join(dict.fromkeys(SEARCH_CHANGES[name][2] for name in d.search_changes))
    return f", except {what}, set at bundling ({flags}) from the dev figures of {sources} (see docs/experiments/)"


def ctc_beam_text(d: Decoding) -> str:
    """How the CTC weight was tried again beside its greedy choice, at beam LM_BEAM with the LM."""
    if d.ctc_beam is None:
        return ""
    line = ", ".join(f"w={w}: {wer}%" for w, wer in sorted(d.ctc_beam[1].items()))
    return f"""
With that weight at beam {LM_BEAM}, the CTC weight was tried again beside its greedy choice
(mean dev WER {line}), which kept w = **{d.ctc_beam[0]}**:

{code_block(d.ctc_beam[2])}
"""


def lexicon_text(d: Decoding) -> str:
    """How the lexicon penalty (the score lost per word outside the LM's word list) was chosen."""
    if d.lexicon is None:
        return ""
    line = ", ".join(f"{p}: {wer}%" for p, wer in sorted(d.lexicon[1].items()))
    return f"""
Last, the lexicon penalty (score lost per word outside the language model's word list, `lm/words.txt`;
0 = off) at that width and precision: mean dev WER {line}, so **{d.lexicon[0]}**:

{code_block(d.lexicon[2])}
"""


def precision_text(int8: bool) -> str:
    return "int8 (dynamic quantisation)" if int8 else "float32"


def choices_section(d: Decoding) -> str:
    """How the precision the app runs and the beam width were chosen, with the dev figures."""
    if not d.int8:
        return ""
    text = f"""
Precision at inference: **{precision_text(d.uses_int8)}**. Mean dev WER {d.int8['float32']}% in float32 and
{d.int8['int8']}% in int8; int8 is used when it loses at most {INT8_TOLERANCE} points:

{code_block(d.int8_commands)}
"""
    if d.beams:
        wers = ", ".join(f"{b}: {wer}%" for b, wer in d.beams.items())
        speeds = ", ".join(f"{b}: {rtf}" for b, rtf in d.beam_rtf.items())
        text += f"""
Beam width: **{d.beam}**, the width with the lowest mean dev WER ({wers}) whose real-time
factor in that precision stays within {TARGET_RTF} on {INFERENCE_THREADS} thread of a 2-core machine
(`benchmarks/asr_speed.py`, below; measured for widths {speeds}):

{code_block(d.beam_commands)}
"""
    return text + lexicon_text(d)


def baseline_section(d: Decoding, corpus: Path) -> str:
    if d.baseline is None:
        return ""
    return f"""
Without the language model, greedy search (the same weights):

| test set | utterances | WER % | CER % | real-time factor |
|---|---|---|---|---|
{score_table(d.baseline, corpus)}

    {d.baseline_command}
"""


def continuation_note(training: dict) -> str:
    """A sentence for a run that began from an exported folder (train-asr --init-from), else ''."""
    start = training.get("started_from")
    if not start:
        return ""
    return (f"\nEpochs {start['epochs'] + 1}-{training.get('epochs')} continued from the exported model of epoch "
            f"{start['epochs']} ({start.get('selected') or 'its weights'}, `--init-from {start['folder']}`), with a "
            "fresh optimizer whose learning rate warmed up again.")


def history_table(history: list[dict]) -> str:
    """One row per epoch: training loss, the learning rate it trained at, each dev set's WER."""
    dev_keys = sorted({k for h in history for k in h if k.startswith("dev_")})
    header = " | ".join(f"{k[4:].replace('_wer', '')} WER %" for k in dev_keys)
    rows = [" | ".join(["", str(h["epoch"]), f"{h['train_nll']:.3f}", str(h.get("lr", "")),
                        *(str(h.get(k, "")) for k in dev_keys), ""]).strip() for h in history]
    rule = "|---|---|---|" + "---|" * len(dev_keys)
    return "\n".join([f"| epoch | train nll | learning rate | {header} |", rule, *rows])


def history_note(training: dict, run_notes: str) -> str:
    """The continuation sentence, then the run's own notes (--run-notes), for the training section."""
    return continuation_note(training) + (f"\n{run_notes.strip()}" if run_notes.strip() else "")


def status_section(held_out_wer: float, history: list[dict]) -> str:
    if held_out_wer <= TARGET_WER:
        return ""
    dev = ", ".join(f"{h['dev_dev_wer']:.0f}" for h in history if "dev_dev_wer" in h)
    return f"""
**Status: interim model.** It misses the held-out-voice target (WER <= {TARGET_WER:.0f}%) by
{held_out_wer - TARGET_WER:.1f} points: {held_out_wer:.1f}% after {len(history)} epochs (synthetic-dev WER by epoch,
greedy, no language model: {dev}). Training goes on; re-running the training command below
resumes it. `scripts/bundle_asr.py` replaces this folder only with a model that scores a lower
held-out-voice WER.
"""


AUGMENTATIONS = (  # (probability field in the training config's augment section, name, how)
    ("tempo_prob", "speed perturbation", ""),
    ("warp_prob", "vocal tract length perturbation", "the spectrum stretched or squeezed in frequency"),
    ("timbre_prob", "timbre", "a smooth random gain curve over the mel bands"),
    ("reverb_prob", "simulated room reverberation", ""),
    ("noise_prob", "white/pink/recorded noise", "at several SNRs"),
    ("babble_prob", "babble from other utterances", ""),
)


def augmentation_text(augment: dict) -> str:
    """The augmentations a run used, with how often each was applied, as card prose."""
    used = [f"{name} ({how + ', ' if how else ''}{augment[field]:.0%} of utterances)"
            for field, name, how in AUGMENTATIONS if augment.get(field)]
    return ", ".join([*used, "gain changes", "SpecAugment"])


def training_voices_text(training_config: dict, corpus_voices: list[str]) -> str:
    """The corpus's training voices these weights heard (those in the manifests of the config's data.train), and
    the count of the others: a split added to the corpus after the weights were trained is not theirs."""
    from desktop_app.speech.manifest import read_manifest

    manifests = [Path(entry["path"] if isinstance(entry, dict) else entry)
                 for entry in training_config.get("data", {}).get("train", [])]
    if not manifests or not all(path.exists() for path in manifests):  # cannot tell: the corpus's list
        return f"Training voices ({len(corpus_voices)}): {', '.join(corpus_voices)}."
    in_training = {item.voice for path in manifests for item in read_manifest(path)}
    heard = [voice for voice in corpus_voices if voice in in_training]
    names = ", ".join(f"`{path.name}`" for path in manifests)
    text = (f"Training voices ({len(heard)}, those of {names}, the manifests these weights trained on): "
            f"{', '.join(heard)}.")
    unheard = len(corpus_voices) - len(heard)
    if unheard:
        text += (f" The corpus holds {unheard} more training voices, in splits that later training runs read "
                 "(see the run notes); these weights never heard them.")
    return text


def record_path(name: str, day: str) -> str:
    """Where the card's long training record goes, relative to the repository."""
    return f"docs/experiments/{day}-{name}-training-record.md"


SPEED_SUMMARY = ("loaded in", "real-time factor", "finals in background", "peak resident memory")


def speed_summary(printout: str) -> str:
    """The lines of asr_speed.py's printout a card shows: load time, real-time factors, the app's (finals in
    background) latencies and memory; the full printout goes to the training record."""
    return "\n".join(line for line in printout.splitlines() if any(key in line for key in SPEED_SUMMARY))


def card(config: dict, name: str, results: dict, evaluation: str, benchmark: tuple[str, str], corpus: Path,
         decoding: Decoding, parameters: int, size_mb: float, lm_config: dict | None, errors: list[dict],
         run_notes: str = "", change: str = "", record: str = "") -> str:
    """The model card (hub-style, at most about 100 lines). The tuning history, per-voice scores, error samples,
    the full speed printout and the run's history go to the training record (`training_record`, at `record`)."""
    from bundling import process_count

    training = config["training"]
    recipe = json.loads((corpus / "corpus.json").read_text()) if (corpus / "corpus.json").exists() else {}
    voices = recipe.get("voices", {})
    splits = recipe.get("splits", {})
    split_rows = "\n".join(f"| {split} | {s['written']} | {s['hours']} |" for split, s in splits.items())
    replaced = f"\nAgainst the model this one replaced (decoding as it was bundled): {change}.\n" if change else ""
    held_out = results.get(str(corpus / "test-voices.tsv"), {}).get("wer", 100.0)
    real = results.get(str(corpus / "real-dev.tsv"), {}).get("wer")
    search = f"beam {decoding.beam} with the language model" if lm_config else "greedy decoding"
    record_link = (f"\nThe full record (decoding choices, WER per voice, error samples, the whole speed printout, "
                   f"training voices and the run's history): [{Path(record).name}](../../{record}).\n"
                   if record else "")
    return f"""# {name}: English speech recognizer (listen, attend and spell)

An attention-based speech recognizer for English dictation, bundled with Attend: the Dictate tab and
`attend transcribe` use it, and its attention over the spectrogram is what the app draws.
Architecture: **{config['architecture']}**, {parameters:,} parameters, {config['weights_dtype']} safetensors,
{size_mb:.1f} MB on disk{' (with the language model in `lm/`)' if lm_config else ''}.
Input: 16 kHz mono audio, 80-band log-mel features (25 ms window, 10 ms hop), normalised with
`{config.get('feature_stats')}`. Output: SentencePiece units (`{config['target_tokenizer']}`).
{status_section(held_out, training.get('history', []))}
## Intended use and limits

- Use: dictating short English sentences on a CPU (a desktop or laptop), and showing how an
  attention model lines up text with audio. Output is lower-case words without punctuation.
- Trained mostly on synthetic voices (speech engines): on real recordings it is much weaker
  (real-dev WER {real if real is not None else '?'}%). English only; no speaker adaptation.
- Not for anything where a wrong word matters (medical, legal, captions that must be exact).

## Measured quality (jiwer, {search}, {INFERENCE_THREADS} thread; measured once, after training)

| test set | utterances | WER % | CER % | real-time factor |
|---|---|---|---|---|
{score_table(results, corpus)}

    {evaluation}
{replaced}{baseline_section(decoding, corpus)}
## Decoding

{kept_decoding_section(decoding, lm_config) if decoding.kept else decoding_section(decoding, lm_config)}
## Speed

    {benchmark[1]}

```
{speed_summary(benchmark[0])}
```

## Training data

A synthetic corpus built with `attend make-speech-corpus --out {corpus}` (recipe in its
`corpus.json`), plus real recordings from `../shared/data/speech` (over-sampled); {
    len(voices.get('held_out', []))} voices are held out, never trained on.

| split | utterances | hours |
|---|---|---|
{split_rows}

Augmentation during training: {augmentation_text(training.get('config', {}).get('augment', {}))}.

    {training.get('command', '?')}

Selected: {training.get('selected', '?')}. Epochs: {training.get('epochs')}, updates: {training.get('steps')},
training time: {training.get('train_hours')} h on {training.get('device')}
({process_count(training.get('processes'))}).
{record_link}
## License and credits

The weights are released with Attend under the MIT license. The data they were made from:

{CREDITS}
"""


def training_record(config: dict, name: str, benchmark: tuple[str, str], corpus: Path, decoding: Decoding,
                    errors: list[dict], run_notes: str = "", day: str = "") -> str:
    """The long part of a bundle's record, for docs/experiments/: the decoding choices with their dev figures, WER
    per voice family, error samples, the whole speed printout, the voices, and the run's history and notes."""
    training = config["training"]
    recipe = json.loads((corpus / "corpus.json").read_text()) if (corpus / "corpus.json").exists() else {}
    voices = recipe.get("voices", {})
    held_out_voices = {voice_family(v) for v in voices.get("held_out", [])}
    choices = choices_section(decoding).strip()
    return f"""# {day}: {name} training record

What `scripts/bundle_asr.py` measured when it bundled `models/{name}` (the card: [models/{name}/README.md](
../../models/{name}/README.md)).
{f"{chr(10)}## Decoding choices{chr(10)}{chr(10)}{choices}{chr(10)}" if choices else ""}
## WER per voice family

Espeak-ng variants such as `+m3` pooled with their voice; held-out voices
from `test-voices.tsv`, training voices speaking the held-out sentences of `test-sentences.tsv`,
real speakers from `real-dev.tsv`:

| voice | role | variants | utterances | WER % |
|---|---|---|---|---|
{voice_table(errors, held_out_voices)}

What the errors look like: held-out-voice utterances at evenly spaced ranks, worst to best
(`eval-asr --errors FILE` writes the whole table):

| voice | WER % | reference | transcript |
|---|---|---|---|
{sample_errors(errors, str(corpus / "test-voices.tsv"))}

## Speed, the whole printout

    {benchmark[1]}

```
{benchmark[0]}
```

## Voices

{training_voices_text(training.get('config', {}), voices.get('training', []))}

Held-out voices, never trained on ({len(voices.get('held_out', []))}): {', '.join(voices.get('held_out', []))}.

## Training history
{history_note(training, run_notes)}

{history_table(training.get("history", []))}
"""


def tune_decoding(staged: Path, config: dict, lm: Path | None, corpus: Path) -> tuple[Decoding, dict | None, tuple]:
    """Tune the staged folder's decoding on dev (CTC weight; with `lm`, its weight, the CTC weight again,
    precision, beam width, lexicon penalty), writing each choice into its config.
    -> (the choices, the LM's config or None, the speed benchmark of the chosen width or None)"""
    from desktop_app.seq2seq.model_folder import attach_language_model

    scores = DevScores(staged, corpus)
    dev_sets = scores.present()
    decoding = Decoding(tune(scores, "ctc", CTC_WEIGHTS, Setting(ctc=0.0), dev_sets), dev_sets)
    config["model"]["ctc_decode_weight"] = decoding.ctc[0]
    write_config(staged, config)
    setting, lm_config = Setting(ctc=decoding.ctc[0]), None
    if lm:
        attach_language_model(staged, lm, 0.0)
        without_lm = ("--beam", "1", "--lm-weight", "0", "--ctc-weight", str(decoding.ctc[0]))  # as greedy chose
        decoding.baseline, decoding.baseline_command = evaluate(staged, corpus, without_lm)
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


def keep_decoding(staged: Path, config: dict, destination: Path, lm: Path | None,
                  corpus: Path, search_changes: dict | None = None) -> tuple[Decoding, dict | None]:
    """--keep-decoding: the staged folder decodes as the bundled `destination` does, nothing tuned
    (a new language model or acoustic weights scored at the settings that were tuned before);
    `search_changes`: but with this beam width, threshold, length penalty, language-model and/or internal
    language-model weight, e.g. {"beam": 24, "threshold": 7.0, "length_penalty": 0.7, "lm": 0.7, "ilm": 0.2}.
    -> (the kept setting as a Decoding, the LM's config or None)"""
    from desktop_app.seq2seq.model_folder import attach_language_model

    if not (destination / "config.json").exists():
        raise SystemExit(f"--keep-decoding: no bundled folder {destination} to keep the decoding of")
    kept = folder_setting(json.loads((destination / "config.json").read_text()))
    search_changes = search_changes or {}
    kept = replace(kept, **search_changes)
    card_commit = subprocess.run(["git", "log", "-1", "--format=%h", "--", str(destination / "README.md")],
                                 capture_output=True, text=True, cwd=ROOT).stdout.strip()
    where = destination.relative_to(ROOT) if destination.is_relative_to(ROOT) else destination
    card = f"git show {card_commit or 'HEAD'}:{where}/README.md"
    decoding = Decoding(ctc=(kept.ctc, {}, []), beam=kept.beam, kept=kept, kept_card=card,
                        search_changes=search_changes)
    config["model"]["ctc_decode_weight"] = kept.ctc
    config.update(beam_size=kept.beam, int8_inference=kept.precision == "int8", lexicon_penalty=kept.lexicon,
                  beam_threshold=kept.threshold or None, length_penalty=kept.length_penalty, ilm_weight=kept.ilm)
    lm_config = None
    if lm:
        attach_language_model(staged, lm, kept.lm)
        without_lm = ("--beam", "1", "--lm-weight", "0", "--ctc-weight", str(kept.ctc))
        decoding.baseline, decoding.baseline_command = evaluate(staged, corpus, without_lm)
        lm_config = json.loads((staged / "lm" / "config.json").read_text())
        config.update(language_model="lm", lm_weight=kept.lm)
    write_config(staged, config)
    return decoding, lm_config


def folder_setting(config: dict) -> Setting:
    """The decoding a model folder's config asks for."""
    return Setting(ctc=config["model"].get("ctc_decode_weight", 0.0), lm=config.get("lm_weight", 0.0),
                   beam=config.get("beam_size", 1), precision="int8" if config.get("int8_inference") else "float32",
                   lexicon=config.get("lexicon_penalty", 0.0), threshold=config.get("beam_threshold") or 0.0,
                   length_penalty=config.get("length_penalty", 1.0), ilm=config.get("ilm_weight", 0.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, help="the training run whose model/ folder to bundle")
    parser.add_argument("--name", required=True)
    parser.add_argument("--lm", type=Path, help="language-model folder (attend train-lm) to decode with")
    parser.add_argument("--corpus", type=Path, default=Path("data/speech"))
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--keep-decoding", action="store_true",
                        help="decode as the bundled models/NAME does (beam, CTC and LM weights, lexicon penalty, "
                        "precision) instead of tuning on dev: re-scores a new language model or new weights in an "
                        "hour less; the card says the settings were kept")
    parser.add_argument("--beam", type=int, metavar="N",
                        help="with --keep-decoding: decode with this beam width instead of the bundled folder's")
    parser.add_argument("--beam-threshold", type=float, metavar="T",
                        help="with --keep-decoding: decode with this beam threshold instead of the bundled folder's "
                        "(0 = none; measure both first with benchmarks/beam_threshold.py)")
    parser.add_argument("--length-penalty", type=float, metavar="A",
                        help="with --keep-decoding: rank hypotheses by summed log-probability / length ** A instead "
                        "of the bundled folder's way (measure first with attend eval-asr --length-penalty)")
    parser.add_argument("--lm-weight", type=float, metavar="W",
                        help="with --keep-decoding: decode with this language-model weight instead of the bundled "
                        "folder's (measure first with attend eval-asr --lm-weight)")
    parser.add_argument("--ilm-weight", type=float, metavar="W",
                        help="with --keep-decoding: subtract the recognizer's internal language model at this weight "
                        "(0 = not; measure first with attend eval-asr --ilm-weight)")
    parser.add_argument("--run-notes", type=Path,
                        help="Markdown to add to the card's training history (what the run's records cannot say, "
                        "e.g. configs/asr/asr-en.run-notes.md)")
    parser.add_argument("--measure-speed-again", metavar="WHY",
                        help="only re-run the speed benchmark on the bundled models/NAME and rewrite its card's "
                        "Speed section, saying WHY (e.g. after a change to streaming); weights and scores stay")
    args = parser.parse_args()
    if args.measure_speed_again:
        measure_speed_again(Path("models") / args.name, args.corpus, args.measure_speed_again)
        return 0
    if args.run is None:
        parser.error("--run is required (unless --measure-speed-again)")
    search_changes = {name: getattr(args, flag.removeprefix("--").replace("-", "_"))
                      for name, (flag, *_) in SEARCH_CHANGES.items()}
    search_changes = {name: value for name, value in search_changes.items() if value is not None}
    if search_changes and not args.keep_decoding:
        parser.error("--beam, --beam-threshold, --length-penalty, --lm-weight and --ilm-weight go with "
                     "--keep-decoding (a full tuning chooses them itself)")
    run_notes = args.run_notes.read_text(encoding="utf-8") if args.run_notes else ""  # before hours of evaluation
    from bundling import install

    staged = args.run / "model"
    if (staged / "lm").exists():
        shutil.rmtree(staged / "lm")
    config = json.loads((staged / "config.json").read_text())
    # a re-run starts from an already bundled config: tune from the plain float32, LM-free decoding
    config.update(language_model="", lm_weight=0.0, beam_size=1, int8_inference=False, lexicon_penalty=0.0,
                  beam_threshold=None, length_penalty=1.0, ilm_weight=0.0)
    write_config(staged, config)
    destination = ROOT / "models" / args.name
    if args.keep_decoding:
        decoding, lm_config = keep_decoding(staged, config, destination, args.lm, args.corpus, search_changes)
        benchmark = None
    else:
        decoding, lm_config, benchmark = tune_decoding(staged, config, args.lm, args.corpus)
    error_file = args.run / "test-errors.tsv"
    results, evaluation = evaluate(staged, args.corpus, errors=error_file)
    errors = read_error_table(error_file)
    for manifest, r in results.items():
        print(f"{manifest}: WER {r['wer']} CER {r['cer']}", flush=True)
    voices = str(args.corpus / "test-voices.tsv")
    held_out = results.get(voices, {}).get("wer", 100.0)
    change, remeasured = "", None
    if destination.exists() and Path(voices).exists():
        bundled_errors = args.run / "bundled-test-errors.tsv"  # the bundled model, decoding as its folder says
        try:
            remeasured = run_json(["eval-asr", "--model", str(destination), "--manifest", voices,
                                   "--errors", str(bundled_errors), "--json"])["results"][voices]["wer"]
            change = held_out_change(errors, read_error_table(bundled_errors), voices)
            print(f"against the bundled model: {change}", flush=True)
        except NoScore as error:  # an informative figure: it never blocks the bundle
            print(f"no comparison with the bundled model: {error}", flush=True)
    if destination.exists() and not args.force:
        old = json.loads((destination / "config.json").read_text()).get("metrics", {}).get("test", {})
        old_wer = bar(old.get(voices, {}).get("wer", 100.0), remeasured)
        if held_out >= old_wer:
            print(f"not replacing {destination}: held-out-voice WER {held_out} >= bundled {old_wer}")
            return 1
    benchmark = benchmark or speed(staged, args.corpus)
    print(benchmark[0])
    config["metrics"]["test"] = results
    if decoding.baseline is not None:
        config["metrics"]["test_greedy_without_lm"] = decoding.baseline
    day = date.today().isoformat()
    record = record_path(args.name, day)
    install(staged, destination, config, lambda parameters, size_mb: card(
        config, args.name, results, evaluation, benchmark, args.corpus, decoding, parameters, size_mb, lm_config,
        errors, run_notes, change, record))
    (ROOT / record).write_text(training_record(config, args.name, benchmark, args.corpus, decoding, errors, run_notes,
                                               day).replace(str(staged), f"models/{args.name}"), encoding="utf-8")
    print(f"wrote {record}; list it in docs/experiments/README.md")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except NoScore as error:  # one line, not a traceback: nothing was installed
        raise SystemExit(f"bundle_asr.py: error: {error}") from None
