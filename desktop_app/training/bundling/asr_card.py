"""The model card of a bundled speech model (models/NAME/README.md, hub-style, at most about 100 lines): what it
is, its use and limits, measured quality, decoding, speed, training data, license. The long part goes to the
training record (asr_record.py)."""

from __future__ import annotations

import json
from pathlib import Path

from .asr_decoding_text import decoding_section, kept_decoding_section
from .asr_scores import EVAL_THREADS, TEST_SETS
from .asr_tuning import Decoding
from .speed import speed_summary

TARGET_WER = 10.0  # held-out voices (issue 4)

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


def card(
    config: dict,
    name: str,
    results: dict,
    evaluation: str,
    benchmark: tuple[str, str],
    corpus: Path,
    decoding: Decoding,
    parameters: int,
    size_mb: float,
    lm_config: dict | None,
    errors: list[dict],
    run_notes: str = "",
    change: str = "",
    record: str = "",
) -> str:
    """The model card (hub-style, at most about 100 lines). The tuning history, per-voice scores, error samples,
    the full speed printout and the run's history go to the training record (`training_record`, at `record`)."""
    training = config["training"]
    recipe = json.loads((corpus / "corpus.json").read_text()) if (corpus / "corpus.json").exists() else {}
    voices = recipe.get("voices", {})
    splits = recipe.get("splits", {})
    split_rows = "\n".join(f"| {split} | {s['written']} | {s['hours']} |" for split, s in splits.items())
    replaced = f"\nAgainst the model this one replaced (decoding as it was bundled): {change}.\n" if change else ""
    held_out = results.get(str(corpus / "test-voices.tsv"), {}).get("wer", 100.0)
    real = results.get(str(corpus / "real-dev.tsv"), {}).get("wer")
    search = f"beam {decoding.beam} with the language model" if lm_config else "greedy decoding"
    record_link = (
        f"\nThe full record (decoding choices, WER per voice, error samples, the whole speed printout, "
        f"training voices and the run's history): [{Path(record).name}](../../{record}).\n"
        if record
        else ""
    )
    return f"""# {name}: English speech recognizer (listen, attend and spell)

An attention-based speech recognizer for English dictation, bundled with Attend: the Dictate tab and
`attend transcribe` use it, and its attention over the spectrogram is what the app draws.
Architecture: **{config["architecture"]}**, {parameters:,} parameters, {config["weights_dtype"]} safetensors,
{size_mb:.1f} MB on disk{" (with the language model in `lm/`)" if lm_config else ""}.
Input: 16 kHz mono audio, 80-band log-mel features (25 ms window, 10 ms hop), normalised with
`{config.get("feature_stats")}`. Output: SentencePiece units (`{config["target_tokenizer"]}`).
{status_section(held_out, training.get("history", []))}
## Intended use and limits

- Use: dictating short English sentences on a CPU (a desktop or laptop), and showing how an
  attention model lines up text with audio. Output is lower-case words without punctuation.
- Trained mostly on synthetic voices (speech engines): on real recordings it is much weaker
  (real-dev WER {real if real is not None else "?"}%). English only; no speaker adaptation.
- Not for anything where a wrong word matters (medical, legal, captions that must be exact).

## Measured quality (jiwer, {search}, {EVAL_THREADS} thread; measured once, after training)

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
        len(voices.get("held_out", []))
    } voices are held out, never trained on.

| split | utterances | hours |
|---|---|---|
{split_rows}

Augmentation during training: {augmentation_text(training.get("config", {}).get("augment", {}))}.

    {training.get("command", "?")}

Selected: {training.get("selected", "?")}. Epochs: {training.get("epochs")}, updates: {training.get("steps")},
training time: {training.get("train_hours")} h on {training.get("device")}
({process_count(training.get("processes"))}).
{record_link}
## License and credits

The weights are released with Attend under the MIT license. The data they were made from:

{CREDITS}
"""


def score_table(results: dict, corpus: Path) -> str:
    rows = []
    for label, name in TEST_SETS.items():
        r = results.get(str(corpus / name))
        if r:
            rows.append(
                f"| {label} (`{name}`) | {r['utterances']} | {r['wer']:.1f} | {r['cer']:.1f} | {r['rtf']:.3f} |"
            )
    return "\n".join(rows)


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
    used = [
        f"{name} ({how + ', ' if how else ''}{augment[field]:.0%} of utterances)"
        for field, name, how in AUGMENTATIONS
        if augment.get(field)
    ]
    return ", ".join([*used, "gain changes", "SpecAugment"])


def process_count(processes) -> str:
    """'1 process', '4 processes' (or '? processes' when the run did not record it)."""
    return "1 process" if processes == 1 else f"{processes if processes is not None else '?'} processes"
