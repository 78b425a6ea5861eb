"""The card's prose on decoding: how the folder decodes (search, weights, language model, precision) and, for the
training record, how those settings were chosen, with the dev figures and the commands that measured them."""

from __future__ import annotations

from desktop_app.commands._options import INFERENCE_THREADS  # torch-free: the app's decoding threads

from .asr_tuning import INT8_TOLERANCE, LM_BEAM, TARGET_RTF, Decoding

DEV_SET_NAMES = {
    "dev.tsv": "synthetic dev (training voices)",
    "dev-voices.tsv": "dev-voices (the dev sentences in the held-out voices)",
    "real-dev.tsv": "real-dev (real speech)",
}


# field: (bundle_asr flag, card wording, what measured its dev figures)
SEARCH_CHANGES = {
    "beam": ("--beam", "the beam width of {:g}", "`benchmarks/beam_threshold.py`"),
    "threshold": ("--beam-threshold", "the beam threshold of {:g}", "`benchmarks/beam_threshold.py`"),
    "length_penalty": (
        "--length-penalty",
        "the length penalty of {:g}",
        "`attend eval-asr --length-penalty` on the three dev sets",
    ),
    "lm": (
        "--lm-weight",
        "the language-model weight of {:g}",
        "`attend eval-asr --lm-weight --ilm-weight` on the four dev sets",
    ),
    "ilm": (
        "--ilm-weight",
        "the internal language-model weight of {:g}",
        "`attend eval-asr --lm-weight --ilm-weight` on the four dev sets",
    ),
}


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
The language model (`lm/`, architecture {lm_config["architecture"]}: {lm_model}) reads the same
character units. It was trained on text only: the English side of the Tatoeba training
text and the training transcripts, never a sentence of the dev or test sets (they are
excluded by their normalised form; see `exclude` in its config). Dev perplexity
{lm_dev.get("perplexity")} per unit ({lm_dev.get("bits_per_unit")} bits),
{lm_training.get("epochs")} epochs, {lm_training.get("train_hours")} h on {lm_training.get("device")}:

    {lm_training.get("command", "?")}
"""


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


def kept_decoding_section(d: Decoding, lm_config: dict | None) -> str:
    """--keep-decoding: the settings the replaced folder decoded with, spelled out, and where they were tuned."""
    k = d.kept
    search = (
        f"Beam search (width **{k.beam}**{threshold_text(k.threshold)}{length_penalty_text(k.length_penalty)})"
        if k.beam > 1
        else "Greedy search"
    )
    lm = (
        (
            f" and **{k.lm}** x the log-probability of the token under the language model in `lm/`, less "
            f"**{k.lexicon}** per word outside its word list (`lm/words.txt`)"
        )
        if lm_config
        else ""
    )
    if k.ilm:
        lm += (
            f", less **{k.ilm:g}** x its log-probability under the recognizer's internal language model (the "
            "decoder with its attention context zeroed, an estimate of what it learnt from the training "
            "transcripts alone)"
        )
    text = f"""{search} over the attention decoder's scores joined with CTC prefix scores,
token score = (1 - w) x attention log-probability + w x CTC prefix score, w = **{k.ctc}**,{lm};
precision **{precision_text(k.precision == "int8")}**. These settings were not tuned for this folder:
they are the ones the folder it replaced decoded with (`scripts/bundle_asr.py --keep-decoding`), tuned
on dev WER as that folder's card shows (`{d.kept_card}`){search_changes_text(d)}.
"""
    return text + (language_model_text(lm_config) if lm_config else "")


def threshold_text(threshold: float) -> str:
    return f", dropping hypotheses more than **{threshold:g}** below the best" if threshold else ""


def length_penalty_text(alpha: float) -> str:
    return f", ranking hypotheses by summed log-probability / length ^ **{alpha:g}**" if alpha != 1 else ""


def search_changes_text(d: Decoding) -> str:
    """What --keep-decoding changed of the kept search, and where its figures come from."""
    if not d.search_changes:
        return ""
    what = " and ".join(
        "no beam threshold" if name == "threshold" and not value else SEARCH_CHANGES[name][1].format(value)
        for name, value in d.search_changes.items()
    )
    flags = ", ".join(f"`{SEARCH_CHANGES[name][0]}`" for name in d.search_changes)
    sources = " and ".join(dict.fromkeys(SEARCH_CHANGES[name][2] for name in d.search_changes))
    return f", except {what}, set at bundling ({flags}) from the dev figures of {sources} (see docs/experiments/)"


def precision_text(int8: bool) -> str:
    return "int8 (dynamic quantisation)" if int8 else "float32"


def choices_section(d: Decoding) -> str:
    """How the precision the app runs and the beam width were chosen, with the dev figures."""
    if not d.int8:
        return ""
    text = f"""
Precision at inference: **{precision_text(d.uses_int8)}**. Mean dev WER {d.int8["float32"]}% in float32 and
{d.int8["int8"]}% in int8; int8 is used when it loses at most {INT8_TOLERANCE} points:

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
