"""Evaluate a trained speech run on the test sets once, write its model card, copy it to models/.

    python scripts/bundle_asr.py --run runs/asr-en --name asr-en [--corpus data/speech]

Scores held-out voices, held-out sentences and real held-out speakers with `attend eval-asr`
(WER and CER from jiwer, greedy), measures speed with `benchmarks/asr_speed.py`, records the
exact commands next to the figures, and writes models/NAME/README.md. Refuses to replace a
bundled model with a lower WER on held-out voices unless --force.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_SETS = {"held-out voices": "test-voices.tsv", "held-out sentences": "test-sentences.tsv",
             "real speech, held-out speakers": "real-dev.tsv"}
CTC_WEIGHTS = (0.0, 0.3, 0.5, 0.7)  # joint decoding: 0 = the attention decoder alone
CREDITS = """- Sentences: Tatoeba (tatoeba.org) English, as packaged by manythings.org/anki, CC-BY 2.0.
- Real speech: Mini LibriSpeech (Panayotov et al. 2015), CC BY 4.0; CMU AN4 (CMU terms, BSD-style);
  LJ Speech (Keith Ito), public domain; Free Spoken Digit Dataset, CC BY-SA 4.0.
- Background noise: Speech Commands background noise (Warden 2018), CC BY 4.0.
- Voices: espeak-ng (GPL-3.0), flite and its voices (BSD-style), the Festival Speech Synthesis
  System with festvox voices kal, ked and cmu_us_slt_arctic_hts (BSD-style / free licenses), and
  piper with en_US-joe-medium (test only). Only their synthesized audio was used; no engine ships."""


def run_json(command: list[str]) -> dict:
    result = subprocess.run([sys.executable, "-m", "desktop_app", *command], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    return json.loads(result.stdout)


def tune_ctc_weight(model: Path, corpus: Path) -> tuple[float, dict, list[str]]:
    """Synthetic-dev WER for each weight of the CTC prefix scores in decoding (tuned on dev only)."""
    dev = corpus / "dev.tsv"
    wers, commands = {}, []
    for weight in CTC_WEIGHTS:
        command = ["eval-asr", "--model", str(model), "--manifest", str(dev), "--ctc-weight", str(weight), "--json"]
        wers[weight] = run_json(command)["results"][str(dev)]["wer"]
        commands.append("attend " + " ".join(command))
        print(f"dev WER with CTC weight {weight}: {wers[weight]}", flush=True)
    return min(wers, key=wers.get), wers, commands


def evaluate(model: Path, corpus: Path) -> tuple[dict, str]:
    manifests = [str(corpus / name) for name in TEST_SETS.values() if (corpus / name).exists()]
    command = ["eval-asr", "--model", str(model), "--manifest", *manifests, "--json"]
    return run_json(command)["results"], "attend " + " ".join(command)


def speed(model: Path, corpus: Path) -> tuple[str, str]:
    command = ["benchmarks/asr_speed.py", "--model", str(model), "--manifest", str(corpus / "test-sentences.tsv"),
               "--limit", "40", "--quantize"]
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=ROOT, check=True)
    return result.stdout.strip(), "python " + " ".join(command)


def score_table(results: dict, corpus: Path) -> str:
    rows = []
    for label, name in TEST_SETS.items():
        r = results.get(str(corpus / name))
        if r:
            rows.append(f"| {label} (`{name}`) | {r['utterances']} | {r['wer']:.1f} | {r['cer']:.1f} "
                        f"| {r['rtf']:.3f} |")
    return "\n".join(rows)


def voice_table(results: dict) -> str:
    voices = {}
    for r in results.values():
        voices.update(r["voices"])
    return "\n".join(f"| {voice} | {wer:.1f} |" for voice, wer in sorted(voices.items()))


def card(config: dict, name: str, results: dict, evaluation: str, benchmark: tuple[str, str], corpus: Path,
         tuning: tuple[float, dict, list[str]], parameters: int, size_mb: float) -> str:
    training = config["training"]
    model = ", ".join(f"{k}={v}" for k, v in config["model"].items())
    recipe = json.loads((corpus / "corpus.json").read_text()) if (corpus / "corpus.json").exists() else {}
    voices = recipe.get("voices", {})
    splits = recipe.get("splits", {})
    split_rows = "\n".join(f"| {split} | {s['written']} | {s['hours']} |" for split, s in splits.items())
    dev_keys = sorted({k for h in training.get("history", []) for k in h if k.startswith("dev_")})
    history = "\n".join(f"| {h['epoch']} | {h['train_nll']:.3f} | " + " | ".join(str(h.get(k, "")) for k in dev_keys)
                        + " |" for h in training.get("history", []))
    history_header = " | ".join(f"{k[4:].replace('_wer', '')} WER %" for k in dev_keys)
    return f"""# {name}: English speech recognizer (listen, attend and spell)

Architecture: **{config['architecture']}** ({model}).
Parameters: {parameters:,}. Weights: {config['weights_dtype']} safetensors, {size_mb:.1f} MB on disk.
Input: 16 kHz mono audio, 80-band log-mel features (25 ms window, 10 ms hop), normalised with
`{config.get('feature_stats')}`. Output: SentencePiece units (`{config['target_tokenizer']}`).

## Decoding

Greedy search over the attention decoder's scores joined with CTC prefix scores:
token score = (1 - w) x attention log-probability + w x CTC prefix score, w = **{tuning[0]}**,
chosen by synthetic-dev WER ({', '.join(f'w={w}: {wer}%' for w, wer in tuning[1].items())}):

{chr(10).join('    ' + c for c in tuning[2])}

## Test scores (jiwer, greedy decoding, 2 threads; measured once, after training)

| test set | utterances | WER % | CER % | real-time factor |
|---|---|---|---|---|
{score_table(results, corpus)}

    {evaluation}

WER per voice (held-out voices and training voices on held-out sentences):

| voice | WER % |
|---|---|
{voice_table(results)}

## Speed

    {benchmark[1]}

```
{benchmark[0]}
```

## Training data

A synthetic corpus built with `attend make-speech-corpus --out {corpus}` (recipe in its
`corpus.json`), plus real recordings from `../shared/data/speech` (over-sampled).

| split | utterances | hours |
|---|---|---|
{split_rows}

Training voices ({len(voices.get('training', []))}): {', '.join(voices.get('training', []))}.

Held-out voices, never trained on ({len(voices.get('held_out', []))}): {', '.join(voices.get('held_out', []))}.

Augmentation during training: speed perturbation, white/pink/recorded noise and babble at
several SNRs, simulated room reverberation, gain changes, SpecAugment.

    {training.get('command', '?')}

Selected: {training.get('selected', '?')}. Epochs: {training.get('epochs')}, updates: {training.get('steps')},
training time: {training.get('train_hours')} h on {training.get('device')} ({training.get('processes')} process(es)).

| epoch | train nll | {history_header} |
|---|---|{'---|' * len(dev_keys)}
{history}

## Data licenses and credits

{CREDITS}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True, type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--corpus", type=Path, default=Path("data/speech"))
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bundling import install

    staged = args.run / "model"
    config = json.loads((staged / "config.json").read_text())
    tuning = tune_ctc_weight(staged, args.corpus)
    config["model"]["ctc_decode_weight"] = tuning[0]
    (staged / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    results, evaluation = evaluate(staged, args.corpus)
    for manifest, r in results.items():
        print(f"{manifest}: WER {r['wer']} CER {r['cer']}", flush=True)
    held_out = results.get(str(args.corpus / "test-voices.tsv"), {}).get("wer", 100.0)
    destination = ROOT / "models" / args.name
    if destination.exists() and not args.force:
        old = json.loads((destination / "config.json").read_text()).get("metrics", {}).get("test", {})
        old_wer = old.get(str(args.corpus / "test-voices.tsv"), {}).get("wer", 100.0)
        if held_out >= old_wer:
            print(f"not replacing {destination}: held-out-voice WER {held_out} >= bundled {old_wer}")
            return 1
    benchmark = speed(staged, args.corpus)
    print(benchmark[0])
    config["metrics"]["test"] = results
    install(staged, destination, config, lambda parameters, size_mb: card(
        config, args.name, results, evaluation, benchmark, args.corpus, tuning, parameters, size_mb))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
