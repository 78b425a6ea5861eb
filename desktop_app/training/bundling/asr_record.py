"""The training record of a bundled speech model (docs/experiments/DAY-NAME-training-record.md): the decoding
choices with their dev figures, WER per voice family, error samples, the whole speed printout, the voices, and
the run's history and notes; the card (asr_card.py) links to it."""

from __future__ import annotations

import json
from pathlib import Path

from .asr_decoding_text import choices_section
from .asr_tuning import Decoding


def record_path(name: str, day: str) -> str:
    """Where the card's long training record goes, relative to the repository."""
    return f"docs/experiments/{day}-{name}-training-record.md"


def training_record(
    config: dict,
    name: str,
    benchmark: tuple[str, str],
    corpus: Path,
    decoding: Decoding,
    errors: list[dict],
    run_notes: str = "",
    day: str = "",
) -> str:
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

{training_voices_text(training.get("config", {}), voices.get("training", []))}

Held-out voices, never trained on ({len(voices.get("held_out", []))}): {", ".join(voices.get("held_out", []))}.

## Training history
{history_note(training, run_notes)}

{history_table(training.get("history", []))}
"""


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
        role = (
            "held out"
            if family in held_out
            else "real speech, held-out speakers"
            if family.startswith("real:")
            else "training voice"
        )
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


def history_note(training: dict, run_notes: str) -> str:
    """The continuation sentence, then the run's own notes (--run-notes), for the training section."""
    return continuation_note(training) + (f"\n{run_notes.strip()}" if run_notes.strip() else "")


def continuation_note(training: dict) -> str:
    """A sentence for a run that began from an exported folder (train-asr --init-from), else ''."""
    start = training.get("started_from")
    if not start:
        return ""
    return (
        f"\nEpochs {start['epochs'] + 1}-{training.get('epochs')} continued from the exported model of epoch "
        f"{start['epochs']} ({start.get('selected') or 'its weights'}, `--init-from {start['folder']}`), with a "
        "fresh optimizer whose learning rate warmed up again."
    )


def history_table(history: list[dict]) -> str:
    """One row per epoch: training loss, the learning rate it trained at, each dev set's WER."""
    dev_keys = sorted({k for h in history for k in h if k.startswith("dev_")})
    header = " | ".join(f"{k[4:].replace('_wer', '')} WER %" for k in dev_keys)
    rows = [
        " | ".join(
            [
                "",
                str(h["epoch"]),
                f"{h['train_nll']:.3f}",
                str(h.get("lr", "")),
                *(str(h.get(k, "")) for k in dev_keys),
                "",
            ]
        ).strip()
        for h in history
    ]
    rule = "|---|---|---|" + "---|" * len(dev_keys)
    return "\n".join([f"| epoch | train nll | learning rate | {header} |", rule, *rows])


def training_voices_text(training_config: dict, corpus_voices: list[str]) -> str:
    """The corpus's training voices these weights heard (those in the manifests of the config's data.train), and
    the count of the others: a split added to the corpus after the weights were trained is not theirs."""
    from desktop_app.speech.manifest import read_manifest

    manifests = [
        Path(entry["path"] if isinstance(entry, dict) else entry)
        for entry in training_config.get("data", {}).get("train", [])
    ]
    if not manifests or not all(path.exists() for path in manifests):  # cannot tell: the corpus's list
        return f"Training voices ({len(corpus_voices)}): {', '.join(corpus_voices)}."
    in_training = {item.voice for path in manifests for item in read_manifest(path)}
    heard = [voice for voice in corpus_voices if voice in in_training]
    names = ", ".join(f"`{path.name}`" for path in manifests)
    text = (
        f"Training voices ({len(heard)}, those of {names}, the manifests these weights trained on): {', '.join(heard)}."
    )
    unheard = len(corpus_voices) - len(heard)
    if unheard:
        text += (
            f" The corpus holds {unheard} more training voices, in splits that later training runs read "
            "(see the run notes); these weights never heard them."
        )
    return text
