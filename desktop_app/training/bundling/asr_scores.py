"""The speech model's scores: the test and dev sets, `attend eval-asr` on them, and the dev WER of each decoding
setting, measured once.

Every score comes from `attend eval-asr --json` run in a subprocess (scores.py), so a bundle measures exactly
what a reader reproduces with the command printed beside the figure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from desktop_app.commands._options import INFERENCE_THREADS  # torch-free: eval-asr's default threads per job

from . import ROOT
from .scores import NoScore, run_scores

TEST_SETS = {
    "held-out voices": "test-voices.tsv",
    "held-out sentences": "test-sentences.tsv",
    "real speech, held-out speakers": "real-dev.tsv",
}
DEV_SETS = ("dev.tsv", "dev-voices.tsv", "real-dev.tsv")  # the sets whose mean WER tunes decoding (those present)
EVAL_JOBS = max(1, min(2, os.cpu_count() or 1))  # bundling pauses training: every core decodes
EVAL_THREADS = INFERENCE_THREADS  # each job decodes on the app's threads (eval-asr's default), as the card says


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
        return [
            "--beam",
            str(self.beam),
            "--ctc-weight",
            str(self.ctc),
            "--lm-weight",
            str(self.lm),
            "--lexicon-penalty",
            str(self.lexicon),
            "--precision",
            self.precision,
            "--beam-threshold",
            str(self.threshold),
            "--length-penalty",
            str(self.length_penalty),
            "--ilm-weight",
            str(self.ilm),
        ]


def folder_setting(config: dict) -> Setting:
    """The decoding a model folder's config asks for."""
    return Setting(
        ctc=config["model"].get("ctc_decode_weight", 0.0),
        lm=config.get("lm_weight", 0.0),
        beam=config.get("beam_size", 1),
        precision="int8" if config.get("int8_inference") else "float32",
        lexicon=config.get("lexicon_penalty", 0.0),
        threshold=config.get("beam_threshold") or 0.0,
        length_penalty=config.get("length_penalty", 1.0),
        ilm=config.get("ilm_weight", 0.0),
    )


def eval_asr_command(model: Path, manifests: list[str], *options: str) -> list[str]:
    """`attend eval-asr` (less `attend`) scoring `model` on `manifests`, printing JSON."""
    return ["eval-asr", "--model", str(model), "--manifest", *manifests, *options, "--json"]


def run_json(command: list[str]) -> dict:
    """Runs an attend command that prints JSON; eval-asr decodes in EVAL_JOBS processes (the same
    transcripts as one process gives, so the card's commands leave --jobs out). A run that skipped
    utterances is said so in the log and its scores used; one with no score (or none for one of its
    manifests) raises NoScore."""
    jobs = ["--jobs", str(EVAL_JOBS)] if command[0] == "eval-asr" else []
    scores = run_scores([*command, *jobs], ROOT)
    unscored = [m for m in manifests_of(command) if m not in scores.get("results", {})]
    if unscored:
        raise NoScore(
            f"attend eval-asr gave no score for {', '.join(unscored)} (none of its utterances could be "
            f"read)  [attend {' '.join(command)}]"
        )
    return scores


def manifests_of(command: list[str]) -> list[str]:
    """The manifests an eval-asr command line names (none for another command)."""
    if command[0] != "eval-asr" or "--manifest" not in command:
        return []
    after = command[command.index("--manifest") + 1 :]
    return after[: next((i for i, word in enumerate(after) if word.startswith("--")), len(after))]


def evaluate(model: Path, corpus: Path, extra: tuple[str, ...] = (), errors: Path | None = None) -> tuple[dict, str]:
    """Scores on every test set; with `errors`, also each utterance's line (eval-asr --errors).
    -> (results per manifest, the command as the card prints it)"""
    manifests = [str(corpus / name) for name in TEST_SETS.values() if (corpus / name).exists()]
    command = eval_asr_command(model, manifests, *extra)
    results = run_json(command + (["--errors", str(errors)] if errors else []))
    return results["results"], "attend " + " ".join(command)


class DevScores:
    """Dev WER per (setting, manifest), each measured once with `attend eval-asr`: the precision
    check repeats the language-model grid's best setting, and the beam check the chosen precision."""

    def __init__(self, model: Path, corpus: Path, runner=None):
        self.model, self.corpus, self.runner = model, corpus, runner or run_json
        self.wers: dict[tuple[Setting, str], float] = {}

    def command(self, setting: Setting, manifests: list[str]) -> list[str]:
        return eval_asr_command(self.model, manifests, *setting.options())

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
        print(
            f"dev WER ({' + '.join(sets)}) {' '.join(setting.options())}: {wer}"
            + ("" if missing else " (measured earlier)"),
            flush=True,
        )
        return wer, "attend " + " ".join(self.command(setting, manifests))
