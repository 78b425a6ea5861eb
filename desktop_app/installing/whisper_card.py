"""The model card of an installed Whisper folder: what it is, what it is for, how well it does here,
where its weights came from and under which license.

The figures are the project's own measurements of the converted folder (commands beside them), made
once per catalog model and kept here so that every installation carries them.
"""

from __future__ import annotations

from desktop_app.seq2seq.architectures import parameter_count
from desktop_app.seq2seq.model_folder import FolderConfig

from .sources import CatalogEntry

EVAL = "attend eval-asr --model {name} --manifest {manifest}"
# manifest -> (what it holds, utterances); real-dev.tsv is made from ../shared/data/speech/dev.tsv by
# `attend make-speech-corpus` (LibriSpeech speakers 226 and 3526, read audiobooks, held out of all training here)
SETS = {"real-dev.tsv": ("real speech, LibriSpeech speakers no model here trained on", 90)}

# model name -> rows of (manifest, WER %, CER %, real-time factor on 1 CPU thread); greedy search
# (2026-12-06, on a 2-core Xeon shared with other jobs, so the speed is a pessimistic figure)
MEASURED: dict[str, list[tuple[str, float, float, float]]] = {
    "whisper-tiny.en": [("real-dev.tsv", 6.18, 2.52, 0.064)],
    "whisper-base": [("real-dev.tsv", 5.41, 1.82, 0.189)],
}


# model name -> rows of (language, sentences, language detected correctly %, the same by faster-whisper on the
# original weights %, WER %): Tatoeba test sentences spoken by espeak-ng (a robotic synthesizer, far from the
# voices Whisper learned from), the language left to detection;
# `python benchmarks/whisper_languages.py --model NAME --count 60 --fw FW --checkpoint ORIGINAL`
LANGUAGES_MEASURED: dict[str, list[tuple[str, int, float, float, float]]] = {
    "whisper-base": [("de", 60, 78.3, 70.0, 67.7), ("fr", 60, 38.3, 36.7, 92.3), ("en", 60, 98.3, 98.3, 21.9)],
}


def measured_metrics(name: str) -> dict:
    """config.json's metrics for an installed folder, in the bundled speech model's shape (the model picker and
    `attend models` show them): {"test": {manifest: {"utterances", "wer", "cer", "rtf", "beam"}}}."""
    rows = MEASURED.get(name, [])
    return (
        {
            "test": {
                f"data/speech/{m}": {"utterances": SETS[m][1], "wer": wer, "cer": cer, "rtf": rtf, "beam": 1}
                for m, wer, cer, rtf in rows
            }
        }
        if rows
        else {}
    )


def whisper_card(entry: CatalogEntry, config: FolderConfig, model) -> str:
    c = model.config
    english_only = not c.language_ids
    languages = "English" if english_only else f"{len(c.language_ids)} languages (detected, or chosen)"
    rows = MEASURED.get(entry.name, [])
    quality = (
        "\n".join(
            f"| {SETS[m][0]} (`{m}`) | {SETS[m][1]} | {wer:.1f} | {cer:.1f} | {rtf:.3f} |" for m, wer, cer, rtf in rows
        )
        or "| (not measured yet) | | | | |"
    )
    commands = "\n".join("    " + EVAL.format(name=entry.name, manifest=f"data/speech/{m}") for m, *_ in rows)
    wheels = "\n".join(f"- `{w.name}=={w.version}`, sha256 `{w.sha256}`" for w in entry.wheels)
    spoken = LANGUAGES_MEASURED.get(entry.name, [])
    languages_table = _languages_table(entry.name, spoken) if spoken else ""
    return f"""# {entry.name}

{entry.description}. OpenAI's Whisper checkpoint, converted into an Attend model folder and run by
Attend's own model library and decoding generator, so the Dictate tab shows every output token's
cross-attention over the spectrogram (the mean of the checkpoint's {len(c.alignment_heads)} alignment heads).

- Architecture: Whisper encoder-decoder, {c.encoder_layers} + {c.decoder_layers} layers, width {c.d_model},
  {c.heads} heads, {parameter_count(model) / 1e6:.1f} M parameters, weights float16
- Input: 16 kHz audio in 30-second windows of 80 log-mel bins; output: byte-level BPE text
- Languages: {languages}; tasks: transcribe{"" if english_only else ", translate into English"}

## Intended use and limits
Dictation and transcription of everyday speech: a person speaking into a microphone, recordings of
talks and audiobooks. Whisper was trained by OpenAI on 680,000 hours of speech from the web, so it
copes with real voices, accents and noise far better than the bundled `asr-en` (trained here on a
few hours). Limits: it may invent text on silence or music (Attend drops windows that Whisper itself
marks as having no speech, and audio without a voice is never decoded); it can repeat itself on long
windows (the decoding generator stops a repeating output and says so); names and rare words are
spelled as they sound; the tiny and base sizes make more errors than the large Whisper models.

## Quality measured here
| test set | utterances | WER % | CER % | real-time factor |
|---|---|---|---|---|
{quality}

Greedy search, one CPU thread, scored after lower-casing, removing punctuation and spelling out
numbers. Reproduce with:

{commands or "    (no measurement recorded)"}{languages_table}

## Training data and credits
Trained by OpenAI (Radford et al., 2022, "Robust Speech Recognition via Large-Scale Weak
Supervision"); the training data is not public. Evaluation data: LibriSpeech (CC BY 4.0,
Panayotov et al. 2015).

## Provenance
- Upstream: {entry.upstream}
- Conversion: {entry.conversion}; then into this folder by `attend models install {entry.name}`
  (desktop_app/installing/whisper_convert.py: tensors renamed and split, nothing retrained)
{wheels}
- model.bin: {entry.model_size:,} bytes, sha256 `{entry.model_sha256}`

## License
MIT (the weights and the tokenizer, as OpenAI released them); the full notice is in `LICENSE` beside
this card:

    Copyright (c) 2022 OpenAI
"""


def _languages_table(name: str, rows: list[tuple[str, int, float, float, float]]) -> str:
    lines = [
        "",
        "",
        "Other languages, on synthetic speech (espeak-ng reading Tatoeba test sentences; its robotic",
        "voices are far harder than people, so read these as a floor; faster-whisper, running the original",
        "weights on the same clips, detects their language no more often):",
        f"`python benchmarks/whisper_languages.py --model {name} --count 60 --fw FW --checkpoint ORIGINAL`",
        "",
        "| language | sentences | language detected | by faster-whisper | WER % |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {code} | {count} | {detected:.1f}% | {reference:.1f}% | {wer:.1f} |"
        for code, count, detected, reference, wer in rows
    ]
    return "\n".join(lines)
